/*
 * bench.c - the shared runner (contract in bench.h).
 *
 * Figures are kept in a fixed table in the order recorded; the report is
 * printed once at the end.  Memory readings come from /proc, so they are
 * Linux only, like the rest of the benchmarks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_FIGURES 96
#define MAX_INFO 24

typedef struct {
    char name[96];
    double value;
    bool todo;
    char unit[24];
    char baseline[96];
    char target[48];
    bool has_target, met;
    char note[160];
} figure_t;

static figure_t figures[MAX_FIGURES];
static size_t n_figures;
static char info_key[MAX_INFO][32], info_val[MAX_INFO][160];
static size_t n_info;

/* ---- command line ------------------------------------------------------- */

static void usage(const char *program)
{
    fprintf(stderr,
            "usage: bench_%s [--n N] [--batch B] [--dir DIR] [--json FILE] [--threads T]\n"
            "                [--only PHASE] [--narad PATH] [--keep]\n"
            "  --n N        events in the workload (k and M suffixes: 100k, 1M)\n"
            "  --batch B    events per merge transaction\n"
            "  --dir DIR    workload cache and scratch databases (default bench-data)\n"
            "  --json FILE  append this run's figures as one JSON object\n"
            "  --threads T  cores for the parallel baselines and the audit (default all)\n"
            "  --only W,..  run only the phases whose name contains one of the words\n"
            "  --narad PATH narad binary for the sync benchmarks\n"
            "  --keep       keep the scratch databases\n",
            program);
    exit(2);
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    if (*end == 'k' || *end == 'K')
        v *= 1000, end++;
    else if (*end == 'm' || *end == 'M')
        v *= 1000000, end++;
    if (*end || v == 0)
        return false;
    *out = (size_t)v;
    return true;
}

void bench_parse(bench_opts_t *o, const char *program, int argc, char **argv, size_t default_n,
                 size_t default_batch)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    o->program = program;
    o->n = default_n;
    o->batch = default_batch;
    o->dir = "bench-data";
    o->threads = cores > 0 ? (unsigned)cores : 1;
    o->narad = getenv("NARAD");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t n;
        if (strcmp(a, "--keep") == 0) {
            o->keep = true;
            continue;
        }
        if (v == NULL)
            usage(program);
        if (strcmp(a, "--n") == 0 && parse_size(v, &n))
            o->n = n;
        else if (strcmp(a, "--batch") == 0 && parse_size(v, &n))
            o->batch = n;
        else if (strcmp(a, "--threads") == 0 && parse_size(v, &n) && n <= 256)
            o->threads = (unsigned)n;
        else if (strcmp(a, "--dir") == 0)
            o->dir = v;
        else if (strcmp(a, "--json") == 0)
            o->json = v;
        else if (strcmp(a, "--only") == 0)
            o->only = v;
        else if (strcmp(a, "--narad") == 0)
            o->narad = v;
        else
            usage(program);
        i++;
    }
    if (mkdir(o->dir, 0755) != 0 && errno != EEXIST)
        bench_die("cannot create %s: %s", o->dir, strerror(errno));
}

bool bench_selected(const bench_opts_t *o, const char *phase)
{
    char words[256], *save = NULL;
    if (o->only == NULL)
        return true;
    snprintf(words, sizeof words, "%s", o->only);
    for (char *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save))
        if (strstr(phase, w) != NULL)
            return true;
    return false;
}

/* ---- clocks and memory -------------------------------------------------- */

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t status_kib(const char *path, const char *key)
{
    char line[256];
    uint64_t v = 0;
    size_t klen = strlen(key);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtoull(line + klen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

uint64_t bench_rss_kib(void)
{
    return status_kib("/proc/self/status", "VmRSS");
}

uint64_t bench_peak_kib(void)
{
    return status_kib("/proc/self/status", "VmHWM");
}

uint64_t bench_proc_rss_kib(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    return status_kib(path, "VmRSS");
}

uint64_t bench_proc_peak_kib(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    return status_kib(path, "VmHWM");
}

void bench_peak_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL)
        return;
    fputs("5", f);
    fclose(f);
}

uint64_t bench_raise_nofile(uint64_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

/* ---- parallel for ------------------------------------------------------- */

typedef struct {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t n, chunk;
    atomic_size_t next;
} par_t;

static void *par_worker(void *arg)
{
    par_t *p = arg;
    for (;;) {
        size_t start = atomic_fetch_add(&p->next, p->chunk);
        if (start >= p->n)
            break;
        size_t end = start + p->chunk < p->n ? start + p->chunk : p->n;
        for (size_t i = start; i < end; i++)
            p->fn(p->ctx, i);
    }
    return NULL;
}

void bench_parallel(unsigned threads, size_t n, void (*fn)(void *ctx, size_t i), void *ctx)
{
    pthread_t tid[256];
    unsigned started = 0;
    par_t p = {.fn = fn, .ctx = ctx, .n = n};
    atomic_init(&p.next, 0);
    if (threads == 0)
        threads = 1;
    p.chunk = n / (threads * 16) + 1;
    for (unsigned t = 1; t < threads && t < 256; t++)
        if (pthread_create(&tid[started], NULL, par_worker, &p) == 0)
            started++;
    par_worker(&p);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

/* ---- figures and the report --------------------------------------------- */

static figure_t *add_figure(const char *name)
{
    if (n_figures == MAX_FIGURES)
        bench_die("too many figures");
    figure_t *f = &figures[n_figures++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    return f;
}

void bench_figure(const char *name, double value, const char *unit, const char *baseline,
                  const bench_target_t *target, const char *note)
{
    figure_t *f = add_figure(name);
    f->value = value;
    snprintf(f->unit, sizeof f->unit, "%s", unit ? unit : "");
    snprintf(f->baseline, sizeof f->baseline, "%s", baseline ? baseline : "");
    if (target && target->target) {
        f->has_target = true;
        f->met = target->met;
        snprintf(f->target, sizeof f->target, "%s", target->target);
    }
    snprintf(f->note, sizeof f->note, "%s", note ? note : "");
}

void bench_todo(const char *name, const char *note)
{
    figure_t *f = add_figure(name);
    f->todo = true;
    snprintf(f->note, sizeof f->note, "%s", note ? note : "");
}

static const figure_t *find(const char *name)
{
    for (size_t i = 0; i < n_figures; i++)
        if (!figures[i].todo && strcmp(figures[i].name, name) == 0)
            return &figures[i];
    return NULL;
}

double bench_value(const char *name)
{
    const figure_t *f = find(name);
    return f ? f->value : 0;
}

void bench_info(const char *key, const char *fmt, ...)
{
    va_list ap;
    if (n_info == MAX_INFO)
        return;
    snprintf(info_key[n_info], sizeof info_key[n_info], "%s", key);
    va_start(ap, fmt);
    vsnprintf(info_val[n_info], sizeof info_val[n_info], fmt, ap);
    va_end(ap);
    n_info++;
}

static void fmt_value(double v, char *out, size_t cap)
{
    if (v != 0 && (v >= 1e6 || v < 0.01))
        snprintf(out, cap, "%.3g", v);
    else if (v >= 1000)
        snprintf(out, cap, "%.0f", v);
    else
        snprintf(out, cap, "%.3g", v);
}

static double ratio_of(const figure_t *f)
{
    const figure_t *b = f->baseline[0] ? find(f->baseline) : NULL;
    return b && b->value != 0 ? f->value / b->value : 0;
}

static void machine_info(char *cpu, size_t cap, long *cores, uint64_t *mem_kib)
{
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    snprintf(cpu, cap, "unknown");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            const char *p = strchr(line, ':');
            if (p) {
                snprintf(cpu, cap, "%s", p + 2);
                cpu[strcspn(cpu, "\n")] = '\0';
            }
            break;
        }
    if (f)
        fclose(f);
    *cores = sysconf(_SC_NPROCESSORS_ONLN);
    *mem_kib = status_kib("/proc/meminfo", "MemTotal");
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void write_json(const bench_opts_t *o, const char *cpu, long cores, uint64_t mem_kib)
{
    FILE *f = fopen(o->json, "a");
    if (f == NULL) {
        bench_log("cannot append to %s: %s", o->json, strerror(errno));
        return;
    }
    fprintf(f, "{\"program\": ");
    json_str(f, o->program);
    fprintf(f, ", \"n\": %zu, \"batch\": %zu, \"threads\": %u, \"machine\": {\"cpu\": ", o->n,
            o->batch, o->threads);
    json_str(f, cpu);
    fprintf(f, ", \"cores\": %ld, \"mem_kib\": %llu}, \"info\": {", cores,
            (unsigned long long)mem_kib);
    for (size_t i = 0; i < n_info; i++) {
        fprintf(f, "%s", i ? ", " : "");
        json_str(f, info_key[i]);
        fprintf(f, ": ");
        json_str(f, info_val[i]);
    }
    fprintf(f, "}, \"figures\": [");
    for (size_t i = 0; i < n_figures; i++) {
        const figure_t *g = &figures[i];
        fprintf(f, "%s{\"name\": ", i ? ", " : "");
        json_str(f, g->name);
        if (g->todo) {
            fprintf(f, ", \"value\": null, \"todo\": true");
        } else {
            fprintf(f, ", \"value\": %.6g, \"unit\": ", g->value);
            json_str(f, g->unit);
        }
        if (g->baseline[0]) {
            fprintf(f, ", \"baseline\": ");
            json_str(f, g->baseline);
            fprintf(f, ", \"ratio\": %.4f", ratio_of(g));
        }
        if (g->has_target) {
            fprintf(f, ", \"target\": ");
            json_str(f, g->target);
            fprintf(f, ", \"met\": %s", g->met ? "true" : "false");
        }
        if (g->note[0]) {
            fprintf(f, ", \"note\": ");
            json_str(f, g->note);
        }
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
    fclose(f);
}

/* The load average when the report is written: other work on the machine. */
static void load_info(void)
{
    char line[128] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        bench_info("load average (1, 5, 15 min)", "%.*s", 14, line);
    }
    if (f)
        fclose(f);
}

void bench_report(const bench_opts_t *o)
{
    char cpu[128], val[32], ratio[32];
    load_info();
    long cores;
    uint64_t mem_kib;
    machine_info(cpu, sizeof cpu, &cores, &mem_kib);
    printf("\n== bench_%s: n=%zu batch=%zu threads=%u | %s, %ld cores, %.1f GiB ==\n", o->program,
           o->n, o->batch, o->threads, cpu, cores, (double)mem_kib / (1024.0 * 1024.0));
    for (size_t i = 0; i < n_info; i++)
        printf("   %s: %s\n", info_key[i], info_val[i]);
    printf("%-44s %12s %-9s %-8s %-12s %s\n", "figure", "value", "unit", "ratio", "target", "note");
    for (size_t i = 0; i < n_figures; i++) {
        const figure_t *f = &figures[i];
        if (f->todo) {
            printf("%-44s %12s %-9s %-8s %-12s TODO: %s\n", f->name, "-", "", "", "", f->note);
            continue;
        }
        fmt_value(f->value, val, sizeof val);
        ratio[0] = '\0';
        if (f->baseline[0] && ratio_of(f) != 0)
            snprintf(ratio, sizeof ratio, "%.2fx", ratio_of(f));
        char target[64] = "";
        if (f->has_target)
            snprintf(target, sizeof target, "%s %s", f->target, f->met ? "ok" : "MISSED");
        printf("%-44s %12s %-9s %-8s %-12s %s%s\n", f->name, val, f->unit, ratio, target,
               ratio[0] ? "vs " : "", ratio[0] ? f->baseline : "");
        if (f->note[0])
            printf("%-44s %12s %-9s %-8s %-12s   %s\n", "", "", "", "", "", f->note);
    }
    fflush(stdout);
    if (o->json)
        write_json(o, cpu, cores, mem_kib);
}

/* ---- errors and logs ---------------------------------------------------- */

void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

void bench_check(nara_err_t err, const char *what)
{
    if (err != NARA_OK)
        bench_die("%s: %s", what, nara_err_name(err));
}

void bench_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  .. ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

uint64_t bench_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

void bench_remove_db(const char *path)
{
    char p[4096];
    remove(path);
    snprintf(p, sizeof p, "%s-wal", path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", path);
    remove(p);
}
