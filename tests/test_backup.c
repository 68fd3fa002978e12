/*
 * test_backup.c - `narad backup` against a live server: narad serves a
 * province of a few thousand events while a regency device keeps pushing
 * (`nara sync --watch` over a replica that another process keeps writing),
 * and backups are taken meanwhile.  Each backup must pass integrity_check,
 * be one self-contained file, open as a store holding what `narad backup`
 * reported, and hold exactly a prefix of the live log in acceptance order
 * (its digest is the digest of that prefix, recomputed here from the live
 * database).  Then a restore (stop, copy over, start) serves the backup's
 * events; and the refusals: an existing --out, a file that is not a
 * replica, a missing database, a bad command line.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
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

#include <sodium.h>
#include <sqlite3.h>

#include "e2e/nara_run.h"
#include "nara_domain.h"
#include "nara_hlc.h"
#include "nara_keyfile.h"

#if !defined(NARA_PATH) || !defined(NARAD_PATH)
#error "NARA_PATH and NARAD_PATH must be defined"
#endif

#define PRELOAD 6000  /* events in the province before narad starts */
#define BATCH 500     /* merged per transaction when preloading */
#define WRITE_MS 5000 /* how long the regency keeps writing */
#define BACKUPS 4     /* taken while it pushes */
#define DEADLINE_MS 20000

static nr_result_t res;

typedef struct {
    char dir[256], db[320], key[320], port_file[320], log[320], bogor[320], bogor_key[340];
    char root_hex[65];
    nara_keypair_t root;
    pid_t narad;
    int port;
} fx_t;

static fx_t fx;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void in_dir(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", fx.dir, name);
}

#define NARA(db, ...) nr_nara(&res, NARA_PATH, (db), __VA_ARGS__, (const char *)NULL)

/* `narad backup --db DB --out OUT`; returns the exit code. */
static int backup(const char *db, const char *out)
{
    const char *argv[] = {NARAD_PATH, "backup", "--db", db, "--out", out, NULL};
    return nr_run(&res, argv);
}

/* ---- the province ----------------------------------------------------------- */

/* PRELOAD root events on the stream of region 32.18 (notes with a
 * 600-byte text; the fold quarantines them, the log keeps them; the 32.01
 * device never downloads them), sealed here and merged in batches: a
 * database of a few MiB, so a backup takes many steps. */
static void preload(nara_store_t *s)
{
    static uint8_t bufs[BATCH][1024];
    static nara_bytes_t batch[BATCH];
    static nara_outcome_t out[BATCH];
    static char text[601];
    memset(text, 'x', sizeof text - 1);
    uint8_t body[700], prev[NARA_HASH_BYTES] = {0};
    size_t body_len;
    nara_field_t field = {.key = "text", .type = NARA_FIELD_STR, .str = text};
    assert_int_equal(nara_body_build(&field, 1, body, sizeof body, &body_len), NARA_OK);
    uint64_t base = now_ms() - 10 * 60 * 1000;
    for (size_t done = 0; done < PRELOAD; done += BATCH) {
        for (size_t i = 0; i < BATCH; i++) {
            uint64_t seq = done + i + 1;
            nara_event_t ev = {.seq = seq,
                               .has_prev = seq > 1,
                               .hlc = nara_hlc_make(base + seq, 0),
                               .body = body,
                               .body_len = body_len};
            strcpy(ev.stream, "32.18");
            strcpy(ev.kind, "case.note");
            memcpy(ev.prev, prev, sizeof prev);
            size_t len;
            assert_int_equal(nara_event_seal(&ev, &fx.root, bufs[i], sizeof bufs[i], &len),
                             NARA_OK);
            nara_event_link(&ev, prev);
            batch[i] = (nara_bytes_t){bufs[i], len};
        }
        nara_merge_stats_t st;
        assert_int_equal(nara_store_merge(s, batch, BATCH, now_ms(), out, &st), NARA_OK);
        if (st.added != BATCH)
            fail_msg("preload: outcome %d reason %s", out[0].kind, nara_err_name(out[0].reason));
    }
}

/* The province with the regency device of bogor.db enrolled for 32.01. */
static void make_province(void)
{
    assert_int_equal(NARA(fx.bogor, "init", "--root", fx.root_hex), 0);
    assert_int_equal(NARA(fx.bogor, "key"), 0);
    uint8_t pk[32];
    char hex[65];
    memcpy(hex, res.out, 64);
    hex[64] = '\0';
    assert_int_equal(nara_hex32_parse(hex, pk), NARA_OK);
    nara_store_t *s;
    nara_domain_t *d;
    assert_int_equal(nara_store_open(fx.db, &s), NARA_OK);
    assert_int_equal(nara_domain_open(s, fx.root.pk, NULL, &d), NARA_OK);
    const char *scope[] = {"32.01"};
    nara_enroll_params_t ep = {.device = pk,
                               .role = NARA_ROLE_REGENCY,
                               .scope = scope,
                               .n_scope = 1,
                               .name = "Pemkab Bogor"};
    assert_int_equal(nara_device_enroll(d, &fx.root, &ep, now_ms() - 20 * 60 * 1000, NULL),
                     NARA_OK);
    preload(s);
    nara_domain_close(d);
    nara_store_close(s);
}

static void narad_start(void)
{
    unlink(fx.port_file);
    const char *argv[] = {NARAD_PATH, "serve",       "--db",       fx.db,    "--key",
                          fx.key,     "--root",      fx.root_hex,  "--port", "0",
                          "--plain",  "--port-file", fx.port_file, NULL};
    fx.narad = nr_spawn(argv, fx.log);
    fx.port = nr_wait_port(fx.port_file, DEADLINE_MS);
    if (fx.port <= 0)
        fail_msg("narad did not start; see %s", fx.log);
}

static void narad_stop(void)
{
    assert_int_equal(nr_stop(fx.narad, SIGTERM, 10000), 0);
    fx.narad = 0;
}

/* "events" from /healthz. */
static long long healthz_events(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    static const char req[] = "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    assert_int_equal(write(fd, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
    char buf[1024];
    size_t got = 0;
    ssize_t r;
    while (got < sizeof buf - 1 && (r = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    return nr_json_int(buf, "events");
}

/* A second process writing the regency's replica for WRITE_MS: 10 events
 * every 50 ms on 32.01 (`nara sync --watch` pushes them).  No cmocka in
 * the child: it exits 0, or 1 on the first failure. */
static pid_t start_writer(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid)
        return pid;
    nara_store_t *s = NULL;
    nara_keypair_t kp;
    int rc = nara_store_open(fx.bogor, &s) != NARA_OK || nara_keyfile_load(fx.bogor_key, &kp);
    uint64_t end = now_ms() + WRITE_MS;
    for (unsigned n = 0; !rc && now_ms() < end; n++) {
        for (int i = 0; i < 10 && !rc; i++) {
            uint8_t body[] = {0x81, 0xa1, 'n', (uint8_t)((n * 10 + i) & 0x7f)};
            nara_err_t err =
                nara_store_append(s, &kp, "32.01", "case.note", body, sizeof body, now_ms(), NULL);
            rc = err != NARA_OK && err != NARA_BUSY;
        }
        nr_sleep_ms(50);
    }
    nara_store_close(s);
    _exit(rc);
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    nr_tmpdir(fx.dir, sizeof fx.dir);
    in_dir("province.db", fx.db, sizeof fx.db);
    in_dir("server.key", fx.key, sizeof fx.key);
    in_dir("port", fx.port_file, sizeof fx.port_file);
    in_dir("narad.log", fx.log, sizeof fx.log);
    in_dir("bogor.db", fx.bogor, sizeof fx.bogor);
    snprintf(fx.bogor_key, sizeof fx.bogor_key, "%s.key", fx.bogor);
    assert_int_equal(nara_keypair_generate(&fx.root), NARA_OK);
    nara_hex(fx.root.pk, sizeof fx.root.pk, fx.root_hex);
    nara_keypair_t server;
    assert_int_equal(nara_keyfile_create(fx.key, &server), NARA_OK);
    nara_keypair_wipe(&server);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (fx.narad > 0)
        nr_stop(fx.narad, SIGKILL, 1000);
    nara_keypair_wipe(&fx.root);
    if (getenv("NARAD_TEST_KEEP"))
        fprintf(stderr, "kept %s\n", fx.dir);
    else
        nr_rmdir(fx.dir);
    return 0;
}

/* ---- checking a backup --------------------------------------------------------- */

typedef struct {
    char file[340];
    unsigned long long events;
    char digest[65];
} taken_t;

/* Parse "...: N events, digest HEX, ..." from narad backup's stdout. */
static void parse_report(taken_t *t)
{
    const char *p = strstr(res.out, ": ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, ": %llu events, digest %64[0-9a-f],", &t->events, t->digest), 2);
    assert_non_null(strstr(res.out, "integrity ok"));
}

static long long sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void sql_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* The store digest (docs/storage.md) of the live events with ord <= max_ord. */
static void prefix_digest(sqlite3 *live, long long max_ord, char hex[65])
{
    static const char domain[] = "nara/v1/digest";
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE ord <= %lld", max_ord);
    uint64_t count = (uint64_t)sql_int(live, sql);
    uint8_t be[8], out[32];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(count >> (56 - 8 * i));
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, sizeof out);
    crypto_generichash_update(&h, (const unsigned char *)domain, sizeof domain);
    crypto_generichash_update(&h, be, sizeof be);
    snprintf(sql, sizeof sql, "SELECT id FROM events WHERE ord <= %lld ORDER BY id", max_ord);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(live, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_int_equal(sqlite3_column_bytes(st, 0), 32);
        crypto_generichash_update(&h, sqlite3_column_blob(st, 0), 32);
    }
    sqlite3_finalize(st);
    crypto_generichash_final(&h, out, sizeof out);
    nara_hex(out, sizeof out, hex);
}

/* Everything the backup must be (see the file comment). */
static void check_backup(const taken_t *t)
{
    char side[2048], text[64], hex[65];
    snprintf(side, sizeof side, "%s-wal", t->file);
    assert_int_equal(access(side, F_OK), -1); /* one self-contained file */

    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(t->file, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sql_text(db, "PRAGMA integrity_check", text, sizeof text);
    assert_string_equal(text, "ok");
    sql_text(db, "PRAGMA journal_mode", text, sizeof text);
    assert_string_equal(text, "delete");
    assert_int_equal(sql_int(db, "SELECT count(*) FROM events"), (long long)t->events);

    /* A prefix of the live log in acceptance order: the same (ord, id) rows
     * as the live events up to the backup's last ord, and nothing else. */
    char attach[400];
    snprintf(attach, sizeof attach, "ATTACH '%s' AS live", fx.db);
    assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL), SQLITE_OK);
    long long max_ord = sql_int(db, "SELECT max(ord) FROM main.events");
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM live.events WHERE ord <= %lld", max_ord);
    assert_int_equal(sql_int(db, sql), (long long)t->events);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM main.events b JOIN live.events l "
                                 "ON l.ord = b.ord AND l.id = b.id"),
                     (long long)t->events);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM main.events WHERE id NOT IN "
                                 "(SELECT id FROM live.events)"),
                     0);
    assert_int_equal(sqlite3_exec(db, "DETACH live", NULL, NULL, NULL), SQLITE_OK);
    prefix_digest(db, max_ord, hex); /* the backup's own prefix: all of it */
    assert_string_equal(hex, t->digest);
    sqlite3_close(db);

    assert_int_equal(sqlite3_open_v2(fx.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    prefix_digest(db, max_ord, hex); /* the live log's prefix */
    assert_string_equal(hex, t->digest);
    sqlite3_close(db);

    /* It opens as a store, with the reported count and digest. */
    nara_store_t *s;
    nara_store_counts_t n;
    uint8_t d[32];
    assert_int_equal(nara_store_open(t->file, &s), NARA_OK);
    assert_int_equal(nara_store_counts(s, &n), NARA_OK);
    assert_int_equal(n.events, t->events);
    assert_int_equal(nara_store_digest(s, d), NARA_OK);
    nara_hex(d, sizeof d, hex);
    assert_string_equal(hex, t->digest);
    nara_store_close(s);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_backup_while_serving(void **state)
{
    (void)state;
    make_province();
    narad_start();
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d", fx.port);
    long long before = healthz_events();
    assert_true(before >= PRELOAD);

    char watch_log[340];
    in_dir("watch.log", watch_log, sizeof watch_log);
    const char *watch[] = {NARA_PATH, "--db", fx.bogor, "sync", "--server", url, "--watch", NULL};
    pid_t sync = nr_spawn(watch, watch_log);
    pid_t writer = start_writer();
    /* Wait until pushes arrive, then back up while they keep arriving. */
    for (int waited = 0; healthz_events() == before; waited += 50) {
        if (waited > DEADLINE_MS)
            fail_msg("no push reached narad; see %s and %s", watch_log, fx.log);
        nr_sleep_ms(50);
    }
    taken_t taken[BACKUPS];
    for (int i = 0; i < BACKUPS; i++) {
        char name[32];
        snprintf(name, sizeof name, "backup-%d.db", i);
        in_dir(name, taken[i].file, sizeof taken[i].file);
        if (backup(fx.db, taken[i].file) != 0)
            fail_msg("narad backup failed: %s", res.err);
        parse_report(&taken[i]);
        print_message("%s", res.out);
        assert_true(taken[i].events >= (unsigned long long)before);
        nr_sleep_ms(600);
    }
    int st;
    assert_int_equal(waitpid(writer, &st, 0), writer);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Let the watch push the rest, then stop everything. */
    long long last = -1, now;
    for (int waited = 0; (now = healthz_events()) != last; waited += 1500) {
        assert_true(waited < DEADLINE_MS);
        last = now;
        nr_sleep_ms(1500);
    }
    assert_int_equal(nr_stop(sync, SIGTERM, 5000), 0);
    narad_stop();

    /* The log grew while the backups were taken, and each is a prefix. */
    assert_true(taken[BACKUPS - 1].events > taken[0].events);
    assert_true(now > (long long)taken[BACKUPS - 1].events);
    for (int i = 0; i < BACKUPS; i++) {
        if (i)
            assert_true(taken[i].events >= taken[i - 1].events);
        check_backup(&taken[i]);
    }

    /* Restore the first backup: stop (done), move the database and its
     * -wal/-shm aside, copy the backup in, start. */
    char aside[400], cmd[4096];
    snprintf(aside, sizeof aside, "%s.before-restore", fx.db);
    snprintf(cmd, sizeof cmd, "mv '%s' '%s' && rm -f '%s-wal' '%s-shm' && cp '%s' '%s'", fx.db,
             aside, fx.db, fx.db, taken[0].file, fx.db);
    assert_int_equal(system(cmd), 0);
    narad_start();
    assert_int_equal(healthz_events(), (long long)taken[0].events);
    narad_stop();
}

static void test_backup_refusals(void **state)
{
    (void)state;
    make_province();
    char out[340], junk[340];
    in_dir("b.db", out, sizeof out);
    in_dir("other.db", junk, sizeof junk);

    /* A good one first (narad not running: an offline copy works too). */
    assert_int_equal(backup(fx.db, out), 0);
    taken_t t;
    snprintf(t.file, sizeof t.file, "%s", out);
    parse_report(&t);
    assert_int_equal(t.events, PRELOAD + 1);

    /* Never overwrites. */
    assert_int_equal(backup(fx.db, out), 1);
    assert_non_null(strstr(res.err, "already exists"));

    /* Not a replica: refused before anything is copied. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(junk, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    char out2[340], tmp[360];
    in_dir("b2.db", out2, sizeof out2);
    snprintf(tmp, sizeof tmp, "%s.tmp", out2);
    assert_int_equal(backup(junk, out2), 1);
    assert_non_null(strstr(res.err, "not a Naradamping replica"));
    assert_int_equal(access(out2, F_OK), -1);
    assert_int_equal(access(tmp, F_OK), -1);

    /* A missing database is not created. */
    char missing[340];
    in_dir("missing.db", missing, sizeof missing);
    assert_int_equal(backup(missing, out2), 1);
    assert_int_equal(access(missing, F_OK), -1);

    /* Command line. */
    const char *no_out[] = {NARAD_PATH, "backup", "--db", fx.db, NULL};
    assert_int_equal(nr_run(&res, no_out), 2);
    assert_non_null(strstr(res.err, "--out FILE is required"));
    const char *bad[] = {NARAD_PATH, "backup", "--db", fx.db, "--out", out2, "--fast", NULL};
    assert_int_equal(nr_run(&res, bad), 2);
    assert_non_null(strstr(res.err, "unknown option '--fast'"));
    const char *help[] = {NARAD_PATH, "help", "backup", NULL};
    assert_int_equal(nr_run(&res, help), 0);
    assert_non_null(strstr(res.out, "usage: narad backup"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backup_while_serving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_refusals, setup, teardown),
    };
    if (nara_crypto_init() != NARA_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
