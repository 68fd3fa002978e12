/*
 * proc.c - a province on disk and the narad process (see proc.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "nara_keyfile.h"
#include "proc.h"

#ifndef NARAD_PATH
#error "NARAD_PATH must name the built narad binary"
#endif

uint64_t pr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void pr_sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000u, (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

uint64_t pr_env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    char *end;
    if (!v || !*v)
        return dflt;
    unsigned long long n = strtoull(v, &end, 0);
    return *end ? dflt : (uint64_t)n;
}

/* ---- tracked processes ------------------------------------------------------------ */

#define PR_TRACK_MAX 16
static pid_t g_tracked[PR_TRACK_MAX];

void pr_track(pid_t pid)
{
    static bool registered;
    if (!registered) {
        atexit(pr_kill_all);
        registered = true;
    }
    for (size_t i = 0; i < PR_TRACK_MAX; i++)
        if (g_tracked[i] == 0) {
            g_tracked[i] = pid;
            return;
        }
}

void pr_untrack(pid_t pid)
{
    for (size_t i = 0; i < PR_TRACK_MAX; i++)
        if (g_tracked[i] == pid)
            g_tracked[i] = 0;
}

void pr_kill_all(void)
{
    for (size_t i = 0; i < PR_TRACK_MAX; i++)
        if (g_tracked[i] > 0) {
            kill(g_tracked[i], SIGKILL);
            while (waitpid(g_tracked[i], NULL, 0) < 0 && errno == EINTR)
                ;
            g_tracked[i] = 0;
        }
}

/* The child's stdout and stderr to `path` (appending), so that nothing it
 * leaves running holds the test's own output open. */
static void redirect_output(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
}

/* ---- sets of ids ------------------------------------------------------------ */

void pr_ids_add(pr_ids_t *s, const uint8_t id[NARA_ID_BYTES])
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    memcpy(s->v[s->n++], id, NARA_ID_BYTES);
}

static int id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, NARA_ID_BYTES);
}

size_t pr_ids_unique(pr_ids_t *s)
{
    if (s->n < 2)
        return s->n;
    qsort(s->v, s->n, sizeof *s->v, id_cmp);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (memcmp(s->v[i], s->v[k - 1], NARA_ID_BYTES) != 0)
            memcpy(s->v[k++], s->v[i], NARA_ID_BYTES);
    s->n = k;
    return k;
}

void pr_ids_free(pr_ids_t *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- a province ---------------------------------------------------------------- */

void pr_province_make(pr_province_t *p, const char *tag)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "/tmp/narad-%s-XXXXXX", tag);
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->db, sizeof p->db, "%s/province.db", p->dir);
    snprintf(p->key, sizeof p->key, "%s/server.key", p->dir);
    snprintf(p->port_file, sizeof p->port_file, "%s/port", p->dir);
    snprintf(p->log, sizeof p->log, "%s/narad.log", p->dir);
    assert_int_equal(nara_keypair_generate(&p->root), NARA_OK);
    nara_hex(p->root.pk, sizeof p->root.pk, p->root_hex);
    assert_int_equal(nara_keyfile_create(p->key, &p->server), NARA_OK);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void pr_province_remove(pr_province_t *p)
{
    if (getenv("NARAD_TEST_KEEP")) {
        fprintf(stderr, "kept %s\n", p->dir);
        return;
    }
    nftw(p->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void pr_enrol(const pr_province_t *p, const uint8_t dev[NARA_PUBLICKEY_BYTES], nara_role_t role,
              const char *scope)
{
    nara_store_t *s;
    nara_domain_t *d;
    assert_int_equal(nara_store_open(p->db, &s), NARA_OK);
    assert_int_equal(nara_domain_open(s, p->root.pk, NULL, &d), NARA_OK);
    const char *codes[] = {scope};
    nara_enroll_params_t ep = {.device = dev,
                               .role = role,
                               .scope_all = scope == NULL,
                               .scope = codes,
                               .n_scope = scope ? 1 : 0,
                               .name = "test device"};
    assert_int_equal(nara_device_enroll(d, &p->root, &ep, pr_now_ms() - 60000, NULL), NARA_OK);
    nara_domain_close(d);
    nara_store_close(s);
}

/* ---- narad ---------------------------------------------------------------------- */

void pr_narad_spawn(const pr_province_t *p, pr_narad_t *n, const char *const *extra)
{
    const char *argv[48] = {NARAD_PATH,    "serve",      "--db",      p->db,    "--key",
                            p->key,        "--root",     p->root_hex, "--port", "0",
                            "--port-file", p->port_file, "--plain"};
    size_t k = 13;
    for (size_t i = 0; extra && extra[i]; i++) {
        assert_true(k < 47);
        argv[k++] = extra[i];
    }
    argv[k] = NULL;
    unlink(p->port_file);
    n->port = 0;
    fflush(NULL);
    n->pid = fork();
    assert_true(n->pid >= 0);
    if (n->pid == 0) {
        redirect_output(p->log);
        execv(NARAD_PATH, (char *const *)argv);
        _exit(127);
    }
    pr_track(n->pid);
}

bool pr_narad_wait_port(const pr_province_t *p, pr_narad_t *n, unsigned timeout_ms)
{
    uint64_t deadline = pr_now_ms() + timeout_ms;
    for (;;) {
        FILE *f = fopen(p->port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &n->port) == 1 && n->port > 0;
            fclose(f);
            if (ok)
                return true;
        }
        if (!pr_narad_alive(n) || pr_now_ms() > deadline)
            return false;
        pr_sleep_ms(5);
    }
}

void pr_narad_start(const pr_province_t *p, pr_narad_t *n, const char *const *extra)
{
    pr_narad_spawn(p, n, extra);
    if (!pr_narad_wait_port(p, n, PR_DEADLINE_MS)) {
        pr_log_print(p, NULL, 20);
        fail_msg("narad did not start listening; see %s", p->log);
    }
}

bool pr_narad_alive(const pr_narad_t *n)
{
    int status;
    return n->pid > 0 && waitpid(n->pid, &status, WNOHANG) == 0;
}

int pr_narad_stop(pr_narad_t *n)
{
    int status = 0;
    kill(n->pid, SIGTERM);
    uint64_t deadline = pr_now_ms() + PR_DEADLINE_MS;
    for (;;) {
        pid_t r = waitpid(n->pid, &status, WNOHANG);
        if (r == n->pid)
            break;
        if (pr_now_ms() > deadline) {
            kill(n->pid, SIGKILL);
            waitpid(n->pid, &status, 0);
            pr_untrack(n->pid);
            n->pid = 0;
            fail_msg("narad did not stop within %u ms of SIGTERM", PR_DEADLINE_MS);
        }
        pr_sleep_ms(10);
    }
    pr_untrack(n->pid);
    n->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void pr_narad_kill(pr_narad_t *n)
{
    if (n->pid <= 0)
        return;
    kill(n->pid, SIGKILL);
    while (waitpid(n->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    pr_untrack(n->pid);
    n->pid = 0;
}

static long status_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    if (!f)
        return -1;
    size_t len = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            kb = strtol(line + len + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

long pr_rss_kb(pid_t pid)
{
    return status_kb(pid, "VmRSS");
}

long pr_hwm_kb(pid_t pid)
{
    return status_kb(pid, "VmHWM");
}

long pr_healthz_events(int port)
{
    int fd = pr_tcp_connect(NULL, port, false);
    if (fd < 0)
        return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static const char req[] = "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    char resp[2048];
    size_t got = 0;
    ssize_t r;
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        close(fd);
        return -1;
    }
    while (got < sizeof resp - 1 && (r = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    resp[got] = '\0';
    const char *e = strstr(resp, "\"events\":");
    if (strncmp(resp, "HTTP/1.1 200", 12) != 0 && strncmp(resp, "HTTP/1.0 200", 12) != 0)
        return -1;
    return e ? strtol(e + 9, NULL, 10) : -1;
}

/* Counts (and prints the first max_print of) the log's lines containing
 * needle and needle2 (NULL: any line). */
static size_t each_line(const pr_province_t *p, const char *needle, const char *needle2,
                        size_t max_print)
{
    FILE *f = fopen(p->log, "r");
    char line[2048];
    size_t n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if ((!needle || strstr(line, needle)) && (!needle2 || strstr(line, needle2))) {
            if (n < max_print)
                fprintf(stderr, "  | %s", line);
            n++;
        }
    fclose(f);
    return n;
}

size_t pr_log_count(const pr_province_t *p, const char *needle)
{
    return each_line(p, needle, NULL, 0);
}

size_t pr_log_count2(const pr_province_t *p, const char *needle, const char *needle2)
{
    return each_line(p, needle, needle2, 0);
}

void pr_log_print(const pr_province_t *p, const char *needle, size_t max_lines)
{
    each_line(p, needle, NULL, max_lines);
}

/* ---- the database ----------------------------------------------------------------- */

static void integrity_check(const char *db)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *res = (const char *)sqlite3_column_text(st, 0);
    if (!res || strcmp(res, "ok") != 0)
        fail_msg("integrity_check on %s: %s", db, res ? res : "(null)");
    sqlite3_finalize(st);
    sqlite3_close(h);
}

void pr_db_check(const char *db, const uint8_t root[NARA_PUBLICKEY_BYTES],
                 const pr_ids_t *must_have, pr_db_report_t *r)
{
    memset(r, 0, sizeof *r);
    integrity_check(db);
    nara_store_t *s;
    nara_domain_t *d;
    assert_int_equal(nara_store_open(db, &s), NARA_OK);
    assert_int_equal(nara_domain_open(s, root, NULL, &d), NARA_OK);
    nara_domain_stats_t ds;
    nara_domain_stats(d, &ds);
    r->indexed_at_open = ds.events_indexed;
    assert_int_equal(nara_store_counts(s, &r->counts), NARA_OK);
    static uint8_t buf[NARA_EVENT_MAX_BYTES];
    for (size_t i = 0; must_have && i < must_have->n; i++) {
        size_t len;
        nara_err_t err = nara_store_get(s, must_have->v[i], buf, sizeof buf, &len);
        if (err != NARA_OK) {
            char hex[65];
            nara_hex(must_have->v[i], NARA_ID_BYTES, hex);
            if (r->missing++ < 5)
                fprintf(stderr, "acknowledged event %s missing: %s\n", hex, nara_err_name(err));
        }
    }
    uint8_t folded[NARA_HASH_BYTES], fresh[NARA_HASH_BYTES];
    assert_int_equal(nara_domain_digest(d, folded), NARA_OK);
    assert_int_equal(nara_domain_refold_all(d), NARA_OK);
    assert_int_equal(nara_domain_digest(d, fresh), NARA_OK);
    assert_memory_equal(folded, fresh, NARA_HASH_BYTES);
    memcpy(r->domain_digest, fresh, NARA_HASH_BYTES);
    assert_int_equal(nara_store_digest(s, r->store_digest), NARA_OK);
    nara_domain_close(d);
    nara_store_close(s);
    assert_int_equal(r->missing, 0);
}

/* ---- attackers ----------------------------------------------------------------------- */

pid_t pr_child(void (*fn)(void *arg), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        redirect_output("/dev/null");
        signal(SIGPIPE, SIG_IGN);
        fn(arg);
        _exit(0);
    }
    pr_track(pid);
    return pid;
}

void pr_child_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    pr_untrack(pid);
}

int pr_tcp_connect(const char *src, int port, bool nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    if (src) {
        struct sockaddr_in b = {.sin_family = AF_INET};
        inet_pton(AF_INET, src, &b.sin_addr);
        if (bind(fd, (struct sockaddr *)&b, sizeof b) != 0) {
            close(fd);
            return -1;
        }
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && !(nonblock && errno == EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}
