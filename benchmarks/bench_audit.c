/*
 * bench_audit.c - re-verifying a whole history, streaming: every event of a
 * replica is decoded (its id recomputed from its bytes), its link computed,
 * every feed's hash chain checked (seq 1, 2, ... each prev equal to the link
 * of the one before) and signatures checked:
 *   each   every signature (what an auditor does who trusts nothing)
 *   chain  one signature per feed, its newest, which vouches for the rest
 *          through the links (docs/format.md section 8)
 * against the baseline of raw libsodium verification of the same events on
 * all cores, measured in this process.
 *
 * Pipeline: the main thread reads the replica with nara_store_iter_missing
 * (feed by feed, ascending seq) into chunks of CHUNK events; --threads
 * workers decode, link and (each mode) verify whole chunks; the main thread
 * checks the chains in order as chunks complete.  At most RING chunks exist,
 * so memory does not grow with the history.
 *
 * bundle   the audit of an exported history as an auditor runs it: a
 *          province replica as narad keeps it (domain and transparency log
 *          attached, one signed tree head per 512-event batch) is exported
 *          with `narad export-bundle` and checked with `nara audit` (two
 *          child processes, timed apart).  `nara audit` also replays the
 *          domain into a scratch replica and checks every inclusion proof,
 *          so it does more than the passes above.  Skipped (a TODO row) when
 *          the binaries are not found.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "nara_tlog.h"
#include "workload.h"

#define CHUNK 1024
#define RING 8
#define ARENA (CHUNK * 1024 + NARA_EVENT_MAX_BYTES)
#define RAW_SAMPLE 100000 /* events verified for the baseline */

typedef struct {
    uint8_t author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;
    bool has_prev;
    uint8_t prev[NARA_HASH_BYTES];
    uint8_t link[NARA_HASH_BYTES];
    nara_err_t err; /* decoding or (each mode) signature verdict */
} result_t;

enum { FREE, READY, BUSY, DONE };

typedef struct {
    int state;
    uint64_t no; /* sequence number */
    size_t n, used;
    size_t off[CHUNK], len[CHUNK];
    uint8_t *arena;
    result_t res[CHUNK];
} chunk_t;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk_t ring[RING];
    bool verify_each, stop;
} pipe_t;

/* ---- workers ------------------------------------------------------------- */

static void work_chunk(const pipe_t *p, chunk_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        nara_event_t ev;
        result_t *r = &c->res[i];
        r->err = nara_event_decode(c->arena + c->off[i], c->len[i], &ev);
        if (r->err != NARA_OK)
            continue;
        memcpy(r->author, ev.author, sizeof r->author);
        memcpy(r->stream, ev.stream, sizeof r->stream);
        r->seq = ev.seq;
        r->has_prev = ev.has_prev;
        memcpy(r->prev, ev.prev, sizeof r->prev);
        nara_event_link(&ev, r->link);
        if (p->verify_each)
            r->err = nara_event_verify(&ev);
    }
}

static void *worker(void *arg)
{
    pipe_t *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        chunk_t *c = NULL;
        for (int i = 0; i < RING; i++)
            if (p->ring[i].state == READY && (!c || p->ring[i].no < c->no))
                c = &p->ring[i];
        if (c == NULL) {
            if (p->stop)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        c->state = BUSY;
        pthread_mutex_unlock(&p->mu);
        work_chunk(p, c);
        pthread_mutex_lock(&p->mu);
        c->state = DONE;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- the chain check (main thread, in order) ------------------------------ */

typedef struct {
    bool has_feed;
    uint8_t author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;
    uint8_t link[NARA_HASH_BYTES];
    uint8_t head[NARA_EVENT_MAX_BYTES]; /* the newest event of the feed so far */
    size_t head_len;
    uint64_t events, feeds, bad, sigs;
    bool verify_heads;
} chain_t;

/* The feed ended: in chain mode its newest event's signature vouches for it. */
static void feed_end(chain_t *ch)
{
    nara_event_t ev;
    if (!ch->has_feed || !ch->verify_heads)
        return;
    if (nara_event_decode(ch->head, ch->head_len, &ev) != NARA_OK ||
        nara_event_verify(&ev) != NARA_OK)
        ch->bad++;
    ch->sigs++;
}

static void check_chunk(chain_t *ch, const chunk_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        const result_t *r = &c->res[i];
        ch->events++;
        if (r->err != NARA_OK) {
            ch->bad++;
            continue;
        }
        bool same = ch->has_feed && memcmp(ch->author, r->author, NARA_PUBLICKEY_BYTES) == 0 &&
                    strcmp(ch->stream, r->stream) == 0;
        if (!same) {
            feed_end(ch);
            ch->feeds++;
            if (r->seq != 1 || r->has_prev)
                ch->bad++;
            memcpy(ch->author, r->author, NARA_PUBLICKEY_BYTES);
            memcpy(ch->stream, r->stream, sizeof ch->stream);
            ch->has_feed = true;
        } else if (r->seq != ch->seq + 1 || !r->has_prev ||
                   memcmp(r->prev, ch->link, NARA_HASH_BYTES) != 0) {
            ch->bad++;
        }
        ch->seq = r->seq;
        memcpy(ch->link, r->link, NARA_HASH_BYTES);
        if (ch->verify_heads) {
            ch->head_len = c->len[i];
            memcpy(ch->head, c->arena + c->off[i], c->len[i]);
        }
    }
}

/* ---- one audit pass ----------------------------------------------------- */

typedef struct {
    double secs, cpu;
    uint64_t events, feeds, sigs, bad, peak_kib;
} audit_t;

/* CPU seconds used by this process (all threads) so far. */
static double cpu_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static chunk_t *wait_state(pipe_t *p, chunk_t *c, int state)
{
    while (c->state != state)
        pthread_cond_wait(&p->cv, &p->mu);
    return c;
}

static audit_t audit(const char *db, bool each, unsigned threads)
{
    nara_store_t *s;
    nara_iter_t *it;
    pthread_t tid[64];
    audit_t a = {0};
    static pipe_t p;
    chain_t *ch = calloc(1, sizeof *ch);
    uint64_t next_no = 0, done_no = 0;
    bool has = true;
    if (ch == NULL)
        bench_die("out of memory");
    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.verify_each = each;
    ch->verify_heads = !each;
    for (int i = 0; i < RING; i++)
        if ((p.ring[i].arena = malloc(ARENA)) == NULL)
            bench_die("out of memory");
    bench_check(nara_store_open(db, &s), "open replica");
    bench_peak_reset();
    double t0 = bench_now(), c0 = cpu_secs();
    unsigned n_threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    for (unsigned t = 0; t < n_threads; t++)
        pthread_create(&tid[t], NULL, worker, &p);
    bench_check(nara_store_iter_missing(s, NULL, NULL, NULL, &it), "iterate");
    pthread_mutex_lock(&p.mu);
    while (has || done_no < next_no) {
        chunk_t *c = &p.ring[next_no % RING];
        if (has && c->state == FREE) { /* fill it (without the lock) */
            pthread_mutex_unlock(&p.mu);
            c->n = c->used = 0;
            while (c->n < CHUNK && c->used + NARA_EVENT_MAX_BYTES <= ARENA) {
                nara_bytes_t ev;
                bench_check(nara_iter_next(it, &ev, &has), "read");
                if (!has)
                    break;
                memcpy(c->arena + c->used, ev.bytes, ev.len);
                c->off[c->n] = c->used;
                c->len[c->n++] = ev.len;
                c->used += ev.len;
            }
            pthread_mutex_lock(&p.mu);
            if (c->n) {
                c->no = next_no++;
                c->state = READY;
                pthread_cond_broadcast(&p.cv);
            }
            continue;
        }
        /* ring full or input done: check the oldest chunk once it is done */
        chunk_t *old = wait_state(&p, &p.ring[done_no % RING], DONE);
        pthread_mutex_unlock(&p.mu);
        check_chunk(ch, old);
        pthread_mutex_lock(&p.mu);
        old->state = FREE;
        done_no++;
    }
    p.stop = true;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (unsigned t = 0; t < n_threads; t++)
        pthread_join(tid[t], NULL);
    feed_end(ch);
    a.secs = bench_now() - t0;
    a.cpu = cpu_secs() - c0;
    a.peak_kib = bench_peak_kib();
    nara_iter_free(it);
    nara_store_close(s);
    a.events = ch->events;
    a.feeds = ch->feeds;
    a.bad = ch->bad;
    a.sigs = each ? ch->events : ch->sigs;
    for (int i = 0; i < RING; i++)
        free(p.ring[i].arena);
    free(ch);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    return a;
}

/* ---- baseline ------------------------------------------------------------- */

/* Raw verification of the first `limit` events of the replica; returns
 * signatures per second.  The rate does not depend on the history's size, so
 * a sample is enough; it runs before and after the audits, and the figure is
 * the mean, so that a change of load during the run cancels out. */
static double raw_baseline(const char *db, unsigned threads, uint64_t limit, double *cpu_per)
{
    nara_store_t *s;
    nara_iter_t *it;
    wl_sig_t *sigs = malloc(4096 * sizeof *sigs);
    double secs = 0, cpu = 0;
    uint64_t n = 0;
    bool has = true;
    if (sigs == NULL)
        bench_die("out of memory");
    bench_check(nara_store_open(db, &s), "open replica");
    bench_check(nara_store_iter_missing(s, NULL, NULL, NULL, &it), "iterate");
    while (has && n < limit) {
        size_t k = 0;
        while (k < 4096 && n + k < limit) {
            nara_bytes_t b;
            nara_event_t ev;
            bench_check(nara_iter_next(it, &b, &has), "read");
            if (!has)
                break;
            bench_check(nara_event_decode(b.bytes, b.len, &ev), "decode");
            memcpy(sigs[k].pk, ev.author, sizeof sigs[k].pk);
            memcpy(sigs[k].sig, ev.sig, sizeof sigs[k].sig);
            memcpy(sigs[k].id, ev.id, sizeof sigs[k].id);
            k++;
        }
        double t0 = bench_now(), c0 = cpu_secs();
        wl_raw_verify(sigs, k, threads);
        secs += bench_now() - t0;
        cpu += cpu_secs() - c0;
        n += k;
    }
    nara_iter_free(it);
    nara_store_close(s);
    free(sigs);
    *cpu_per = cpu / (double)n;
    return (double)n / secs;
}

/* Events in the replica. */
static uint64_t replica_events(const char *db)
{
    nara_store_t *s;
    nara_store_counts_t c;
    bench_check(nara_store_open(db, &s), "open replica");
    bench_check(nara_store_counts(s, &c), "count");
    nara_store_close(s);
    return c.events;
}

/* ---- the replica ---------------------------------------------------------- */

static void ensure_replica(const bench_opts_t *o, char *db, size_t cap)
{
    char wl[4096];
    snprintf(db, cap, "%s/replica-%zu.db", o->dir, o->n);
    if (bench_file_size(db) > 0)
        return;
    wl_prepare(o->dir, o->n, o->threads, wl, sizeof wl);
    bench_log("building the replica of %zu events (chain merge, domain attached)", o->n);
    nara_store_t *s;
    nara_domain_t *d;
    nara_keypair_t root;
    wl_root_key(&root);
    bench_check(nara_store_open(db, &s), "open store");
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    bench_check(nara_domain_open(s, root.pk, NULL, &d), "open domain");
    wl_merge_all(s, wl, ~0u, o->batch);
    nara_domain_close(d);
    nara_store_close(s);
}

/* ---- the bundle audit ------------------------------------------------------ */

#define SERVER_KEY 90000u /* wl_device_key index of the benchmark's server key */

static uint64_t now_ms(void *ctx)
{
    (void)ctx;
    return (uint64_t)time(NULL) * 1000u;
}

/* A province replica as narad keeps it: domain and transparency log attached,
 * heads signed by the server key, merged in the protocol's 512-event batches.
 * Built once per N and kept in DIR/province-N.db. */
static void ensure_province(const bench_opts_t *o, char *db, size_t cap)
{
    char wl[4096], tmp[4200];
    snprintf(db, cap, "%s/province-%zu.db", o->dir, o->n);
    if (bench_file_size(db) > 0)
        return;
    wl_prepare(o->dir, o->n, o->threads, wl, sizeof wl);
    bench_log("building the province replica of %zu events (domain + transparency log)", o->n);
    nara_store_t *s;
    nara_domain_t *d;
    nara_tlog_t *t;
    nara_keypair_t root, server;
    wl_root_key(&root);
    wl_device_key(SERVER_KEY, &server);
    nara_tlog_signer_t signer = {&server, now_ms, NULL};
    snprintf(tmp, sizeof tmp, "%s.tmp", db);
    bench_remove_db(tmp);
    bench_check(nara_store_open(tmp, &s), "open province replica");
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    bench_check(nara_domain_open(s, root.pk, NULL, &d), "open domain");
    bench_check(nara_tlog_open(s, &signer, 0, &t), "open transparency log");
    wl_merge_all(s, wl, ~0u, 512);
    nara_tlog_close(t);
    nara_domain_close(d);
    nara_store_close(s);
    if (rename(tmp, db) != 0)
        bench_die("cannot keep %s", db);
}

/* Run argv; returns its exit status, its wall time and its peak RSS (KiB). */
static int run_child(const char *const *argv, double *secs, uint64_t *peak_kib)
{
    struct rusage ru;
    int status = 0;
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid)
        bench_die("wait: %s", strerror(errno));
    *secs = bench_now() - t0;
    *peak_kib = (uint64_t)ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void bundle_audit(const bench_opts_t *o, const char *nara, uint64_t n)
{
    char db[4096], bundle[4200], root_hex[65], server_hex[65];
    nara_keypair_t root, server;
    double secs;
    uint64_t peak;
    if (o->narad == NULL || nara == NULL || access(o->narad, X_OK) != 0 ||
        access(nara, X_OK) != 0) {
        bench_todo("bundle audit (nara audit), events/s",
                   "narad or nara not found: give $NARAD and $NARA");
        return;
    }
    ensure_province(o, db, sizeof db);
    wl_root_key(&root);
    wl_device_key(SERVER_KEY, &server);
    nara_hex(root.pk, sizeof root.pk, root_hex);
    nara_hex(server.pk, sizeof server.pk, server_hex);
    snprintf(bundle, sizeof bundle, "%s/province-%zu.bundle", o->dir, o->n);
    remove(bundle);
    const char *exp[] = {o->narad, "export-bundle", "--db", db, "--out", bundle,
                         "--root", root_hex, NULL};
    bench_log("narad export-bundle");
    int rc = run_child(exp, &secs, &peak);
    if (rc != 0)
        bench_die("narad export-bundle exited with %d", rc);
    bench_figure("bundle export (narad export-bundle), events/s", (double)n / secs, "ev/s", NULL,
                 NULL, "every head, consistency chain, an inclusion proof per event");
    bench_figure("bundle size per event", (double)bench_file_size(bundle) / (double)n, "B", NULL,
                 NULL, NULL);
    const char *aud[] = {nara, "audit", bundle, "--root", root_hex, "--server-key", server_hex,
                         NULL};
    bench_log("nara audit");
    rc = run_child(aud, &secs, &peak);
    if (rc != 0)
        bench_die("nara audit exited with %d (0 = verified, nothing to report)", rc);
    bench_figure("bundle audit (nara audit), events/s", (double)n / secs, "ev/s",
                 "raw verify, all cores", NULL,
                 "signatures, chains, proofs, heads, authority replayed into a scratch replica");
    bench_figure("bundle audit, time", secs, "s", NULL, NULL, NULL);
    bench_figure("bundle audit, peak RSS", (double)peak / 1024.0, "MiB", NULL, NULL,
                 "of the nara audit process");
    if (!o->keep)
        remove(bundle);
}

static void report(const char *label, const audit_t *a, uint64_t expect, const char *target_text,
                   bool met)
{
    char name[96], note[160];
    bench_target_t t = {target_text, met};
    if (a->bad || a->events != expect)
        bench_die("audit %s: %llu of %llu events failed (read %llu)", label,
                  (unsigned long long)a->bad, (unsigned long long)expect,
                  (unsigned long long)a->events);
    snprintf(name, sizeof name, "audit %s, events/s", label);
    snprintf(note, sizeof note, "decode + id + links of %llu feeds + %llu signatures, streaming%s",
             (unsigned long long)a->feeds, (unsigned long long)a->sigs,
             strcmp(label, "chain") == 0 ? "; best of 3" : "");
    bench_figure(name, (double)a->events / a->secs, "ev/s", "raw verify, all cores", &t, note);
    snprintf(name, sizeof name, "audit %s, time", label);
    bench_figure(name, a->secs, "s", NULL, NULL, NULL);
    snprintf(name, sizeof name, "audit %s, peak RSS", label);
    bench_figure(name, (double)a->peak_kib / 1024.0, "MiB", NULL, NULL, NULL);
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    char db[4096], target[32];
    uint64_t n = 0;
    nara_store_global_init(); /* as narad and nara do, before anything uses SQLite */
    bench_parse(&o, "audit", argc, argv, 100000, 4096);
    bench_check(nara_crypto_init(), "libsodium");
    ensure_replica(&o, db, sizeof db);
    n = replica_events(db);
    uint64_t sample = n < RAW_SAMPLE ? n : RAW_SAMPLE;
    bench_log("baseline: raw verification of %llu events of %s", (unsigned long long)sample, db);
    double cpu_before, cpu_after;
    double raw_before = raw_baseline(db, o.threads, sample, &cpu_before);
    audit_t each = {0};
    if (bench_selected(&o, "each")) {
        bench_log("audit, every signature");
        each = audit(db, true, o.threads);
    }
    if (bench_selected(&o, "chain")) {
        /* A short pass: the best of three, so that a moment of load elsewhere on
         * the machine does not decide the figure. */
        bench_log("audit, one signature per feed (best of 3)");
        audit_t a = audit(db, false, o.threads);
        for (int i = 0; i < 2; i++) {
            audit_t b = audit(db, false, o.threads);
            if (b.secs < a.secs)
                a = b;
        }
        report("chain", &a, n, ">= 500000", (double)a.events / a.secs >= 500000);
    }
    bench_log("baseline again");
    double raw_after = raw_baseline(db, o.threads, sample, &cpu_after);
    char note[128];
    snprintf(note, sizeof note,
             "crypto_sign_verify_detached only, %u threads, %llu events; mean of %.0f before "
             "and %.0f after the audits",
             o.threads, (unsigned long long)sample, raw_before, raw_after);
    double raw = (raw_before + raw_after) / 2;
    bench_figure("raw verify, all cores", raw, "sig/s", NULL, NULL, note);
    double raw_cpu = (cpu_before + cpu_after) / 2;
    bench_figure("raw verify, CPU per signature", raw_cpu * 1e6, "us", NULL, NULL,
                 "process CPU time: less sensitive than wall time to other load");
    if (each.events) {
        snprintf(target, sizeof target, ">= 0.90x raw");
        report("each", &each, n, target, (double)each.events / each.secs >= 0.9 * raw);
        double cpu = each.cpu / (double)each.events;
        bench_figure("audit each, CPU per event", cpu * 1e6, "us", NULL, NULL, NULL);
        bench_target_t t = {">= 0.90", raw_cpu / cpu >= 0.9};
        bench_figure("audit each, CPU efficiency vs raw", raw_cpu / cpu, "", NULL, &t,
                     "raw CPU per signature / audit CPU per event: the same ratio measured "
                     "in CPU time");
    }
    if (bench_selected(&o, "bundle")) {
        const char *nara = getenv("NARA");
#ifdef NARA_PATH
        if (nara == NULL)
            nara = NARA_PATH;
#endif
#ifdef NARAD_PATH
        if (o.narad == NULL)
            o.narad = NARAD_PATH;
#endif
        bundle_audit(&o, nara, n);
    }
    bench_report(&o);
    return 0;
}
