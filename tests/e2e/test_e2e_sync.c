/*
 * test_e2e_sync.c - the whole system as users run it: a real `narad` and
 * several `nara` clients, each its own process and replica, on 127.0.0.1.
 *
 * Every test starts from a fresh world (setup): a province replica (the
 * root), narad on any free port, two regencies (Bogor 32.01, Sukabumi
 * 32.02) and the LO of Bogor, enrolled, with the LO assigned, and the
 * province synced.  Devices write offline first and sync afterwards.  Every
 * process is bounded in time; the server is stopped by teardown.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "nara_run.h"

#ifndef NARA_PATH
#error "NARA_PATH must name the built nara binary"
#endif
#ifndef NARAD_PATH
#error "NARAD_PATH must name the built narad binary"
#endif

static nr_result_t res;

typedef struct {
    char dir[256];
    char p[320], a[320], b[320], lo[320];
    char srv_db[320], srv_key[320], port_file[320], log[320];
    char root[65], ak[65], bk[65], lok[65];
    char url[64];
    int port;
    pid_t narad;
} world_t;

#define NARA(db, ...) nr_nara(&res, NARA_PATH, (db), __VA_ARGS__, (const char *)NULL)

static void in_dir(const world_t *w, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", w->dir, name);
}

static void key_of(const char *db, char out[65])
{
    assert_int_equal(NARA(db, "key"), 0);
    memcpy(out, res.out, 64);
    out[64] = '\0';
}

static void start_narad(world_t *w, const char *key, int port)
{
    char portarg[16];
    snprintf(portarg, sizeof portarg, "%d", port);
    remove(w->port_file);
    const char *argv[] = {NARAD_PATH,    "serve",  "--db",        w->srv_db,    "--key",
                          key,           "--root", w->root,       "--plain",    "--port",
                          portarg,       "--port-file", w->port_file, NULL};
    w->narad = nr_spawn(argv, w->log);
    int got = nr_wait_port(w->port_file, 10000);
    assert_true(got > 0);
    w->port = got;
    snprintf(w->url, sizeof w->url, "ws://127.0.0.1:%d", got);
}

static void keygen(const char *path)
{
    const char *argv[] = {NARAD_PATH, "keygen", "--key", path, NULL};
    assert_int_equal(nr_run(&res, argv), 0);
}

static void enroll(const world_t *w, const char *key, const char *role, const char *scope,
                   const char *name)
{
    assert_int_equal(NARA(w->p, "enroll", "--device", key, "--role", role, "--scope", scope,
                          "--name", name),
                     0);
}

static void device(const world_t *w, const char *db, char key[65])
{
    assert_int_equal(NARA(db, "init", "--root", w->root), 0);
    key_of(db, key);
}

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    assert_non_null(w);
    nr_tmpdir(w->dir, sizeof w->dir);
    in_dir(w, "province.db", w->p, sizeof w->p);
    in_dir(w, "bogor.db", w->a, sizeof w->a);
    in_dir(w, "sukabumi.db", w->b, sizeof w->b);
    in_dir(w, "lo-bogor.db", w->lo, sizeof w->lo);
    in_dir(w, "narad.db", w->srv_db, sizeof w->srv_db);
    in_dir(w, "narad.key", w->srv_key, sizeof w->srv_key);
    in_dir(w, "narad.port", w->port_file, sizeof w->port_file);
    in_dir(w, "narad.log", w->log, sizeof w->log);
    assert_int_equal(NARA(w->p, "province", "init"), 0);
    key_of(w->p, w->root);
    keygen(w->srv_key);
    start_narad(w, w->srv_key, 0);
    device(w, w->a, w->ak);
    device(w, w->b, w->bk);
    device(w, w->lo, w->lok);
    enroll(w, w->ak, "regency", "32.01", "Pemkab Bogor");
    enroll(w, w->bk, "regency", "32.02", "Pemkab Sukabumi");
    enroll(w, w->lok, "lo", "32.01", "LO Bogor");
    assert_int_equal(NARA(w->p, "decree", "--number", "800/Kep.1-Org/2026", "--date",
                          "2026-01-05", "--doc-hash",
                          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                          "--effective", "2026-01-10", "--title", "Penunjukan Naradamping"),
                     0);
    assert_int_equal(NARA(w->p, "lo", "assign", "--region", "32.01", "--agency",
                          "Dinas Kesehatan", "--officer", "dr. Siti", "--decree",
                          "800/Kep.1-Org/2026", "--effective", "2026-01-10", "--device", w->lok),
                     0);
    assert_int_equal(NARA(w->p, "sync", "--server", w->url), 0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    if (w->narad > 0)
        nr_stop(w->narad, SIGTERM, 5000);
    nr_rmdir(w->dir);
    free(w);
    return 0;
}

static void open_case(const char *db, const char *region, const char *title, char id[65])
{
    assert_int_equal(NARA(db, "--json", "case", "open", "--region", region, "--category",
                          "pembangunan", "--function", "koordinasi", "--title", title,
                          "--description", "dicatat saat offline", "--priority", "sedang"),
                     0);
    assert_true(nr_json_str(res.out, "id", id, 65));
}

static int sync_db(const world_t *w, const char *db)
{
    return NARA(db, "--json", "sync", "--server", w->url);
}

static bool lists(const char *db, const char *id)
{
    assert_int_equal(NARA(db, "--json", "case", "list"), 0);
    return strstr(res.out, id) != NULL;
}

static void digest(const char *db, char out[65])
{
    assert_int_equal(NARA(db, "--json", "status"), 0);
    assert_true(nr_json_str(res.out, "digest", out, 65));
}

/* ---- convergence ---------------------------------------------------------------- */

static void test_cases_opened_offline_converge_through_the_server(void **state)
{
    world_t *w = *state;
    char c1[65], c2[65], c3[65], da[65], dl[65], st[32];
    open_case(w->a, "32.01", "Jembatan rusak", c1);
    open_case(w->a, "32.01", "Puskesmas kekurangan dokter", c2);
    open_case(w->b, "32.02", "Banjir bandang", c3);
    assert_int_equal(sync_db(w, w->a), 0);
    assert_int_equal(nr_json_int(res.out, "acknowledged"), nr_json_int(res.out, "sent"));
    assert_int_equal(sync_db(w, w->b), 0);
    assert_int_equal(sync_db(w, w->lo), 0);
    assert_true(lists(w->lo, c1) && lists(w->lo, c2));

    assert_int_equal(NARA(w->lo, "case", "ack", c1), 0);
    assert_int_equal(sync_db(w, w->lo), 0);
    assert_int_equal(sync_db(w, w->a), 0);
    assert_int_equal(NARA(w->a, "--json", "case", "show", c1), 0);
    assert_true(nr_json_str(res.out, "status", st, sizeof st));
    assert_string_equal(st, "acknowledged");

    assert_int_equal(sync_db(w, w->p), 0);
    assert_true(lists(w->p, c1) && lists(w->p, c2) && lists(w->p, c3));
    for (int round = 0; round < 2; round++) { /* a quiet round changes nothing */
        assert_int_equal(sync_db(w, w->a), 0);
        assert_int_equal(sync_db(w, w->lo), 0);
    }
    assert_int_equal(nr_json_int(res.out, "received"), 0);
    digest(w->a, da);
    digest(w->lo, dl);
    assert_string_equal(da, dl); /* same scope (32.01), same events */
}

static void test_each_regency_receives_only_its_scope(void **state)
{
    world_t *w = *state;
    char ca[65], cb[65];
    open_case(w->a, "32.01", "Jalan desa longsor", ca);
    open_case(w->b, "32.02", "Sekolah rusak", cb);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(sync_db(w, w->a), 0);
        assert_int_equal(sync_db(w, w->b), 0);
    }
    assert_true(lists(w->a, ca));
    assert_false(lists(w->a, cb));
    assert_true(lists(w->b, cb));
    assert_false(lists(w->b, ca));
    assert_int_equal(sync_db(w, w->p), 0);
    assert_true(lists(w->p, ca) && lists(w->p, cb));
}

/* ---- refusals -------------------------------------------------------------------- */

static void test_an_unenrolled_device_is_refused_while_others_sync(void **state)
{
    world_t *w = *state;
    char u[320], uk[65], cu[65], ca[65], code[64];
    in_dir(w, "stranger.db", u, sizeof u);
    device(w, u, uk);
    open_case(u, "32.01", "Laporan tanpa izin", cu);
    open_case(w->a, "32.01", "Irigasi tersumbat", ca);
    assert_int_equal(sync_db(w, u), 4);
    assert_true(nr_json_str(res.out, "error", code, sizeof code));
    assert_string_equal(code, "NARA_UNENROLLED");
    assert_int_equal(sync_db(w, w->a), 0);
    assert_int_equal(sync_db(w, w->p), 0);
    assert_true(lists(w->p, ca));
    assert_int_equal(NARA(w->p, "--json", "case", "list"), 0);
    assert_null(strstr(res.out, cu));
}

static void test_an_out_of_scope_write_is_refused_while_others_sync(void **state)
{
    world_t *w = *state;
    char c[320], ck[65], bad[65], good[65], ca[65];
    in_dir(w, "cianjur.db", c, sizeof c);
    device(w, c, ck);
    enroll(w, ck, "regency", "32.03", "Pemkab Cianjur");
    assert_int_equal(sync_db(w, w->p), 0);
    open_case(c, "32.01", "Bukan wilayah Cianjur", bad);
    open_case(c, "32.03", "Longsor Cianjur", good);
    open_case(w->a, "32.01", "Pasar terbakar", ca);
    assert_int_equal(sync_db(w, c), 2);
    assert_true(nr_json_int(res.out, "NARA_UNAUTHORIZED") >= 1);
    assert_non_null(strstr(res.out, bad));
    assert_int_equal(sync_db(w, w->a), 0);
    assert_false(lists(w->a, bad));
    assert_int_equal(sync_db(w, w->p), 0);
    assert_true(lists(w->p, good) && lists(w->p, ca));
    assert_false(lists(w->p, bad));
}

static void test_a_server_with_another_key_is_refused(void **state)
{
    world_t *w = *state;
    char other_key[320], good_url[64];
    assert_int_equal(sync_db(w, w->a), 0); /* pins the province server's key */
    snprintf(good_url, sizeof good_url, "%s", w->url);
    in_dir(w, "impostor.key", other_key, sizeof other_key);
    keygen(other_key);
    pid_t first = w->narad;
    in_dir(w, "impostor.db", w->srv_db, sizeof w->srv_db);
    start_narad(w, other_key, 0);
    assert_int_equal(NARA(w->a, "sync", "--server", w->url), 4);
    assert_non_null(strstr(res.err, "NARA_SERVER_KEY"));
    nr_stop(w->narad, SIGTERM, 5000);
    w->narad = first;
    assert_int_equal(NARA(w->a, "sync", "--server", good_url), 0);
}

/* ---- watch ------------------------------------------------------------------------ */

/* Sync the province until it lists `id`; false after ~15 s. */
static bool province_sees(world_t *w, const char *id)
{
    for (int i = 0; i < 50; i++) {
        (void)NARA(w->p, "sync", "--server", w->url);
        if (lists(w->p, id))
            return true;
        nr_sleep_ms(300);
    }
    return false;
}

static void test_watch_pushes_local_writes_and_reconnects(void **state)
{
    world_t *w = *state;
    char c1[65], c2[65], log[320];
    in_dir(w, "watch.log", log, sizeof log);
    const char *argv[] = {NARA_PATH, "--db", w->a, "sync", "--server", w->url, "--watch", NULL};
    assert_int_equal(sync_db(w, w->a), 0);
    pid_t watch = nr_spawn(argv, log);
    nr_sleep_ms(500);
    open_case(w->a, "32.01", "Ditulis saat tersambung", c1);
    assert_true(province_sees(w, c1));

    int port = w->port;
    assert_int_equal(nr_stop(w->narad, SIGTERM, 5000), 0);
    w->narad = 0;
    nr_sleep_ms(300);
    open_case(w->a, "32.01", "Ditulis saat terputus", c2);
    start_narad(w, w->srv_key, port);
    assert_true(province_sees(w, c2));
    assert_int_equal(nr_stop(watch, SIGTERM, 5000), 0);
}

/* ---- TLS ----------------------------------------------------------------------------- */

static void test_wss_with_a_self_signed_certificate_needs_insecure(void **state)
{
    world_t *w = *state;
    char crt[320], key[320], url[64];
    in_dir(w, "tls.crt", crt, sizeof crt);
    in_dir(w, "tls.key", key, sizeof key);
    const char *gen[] = {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                         "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=localhost",
                         NULL};
    if (access(gen[0], X_OK) != 0 || nr_run(&res, gen) != 0)
        skip(); /* no openssl to make a test certificate */
    in_dir(w, "tls.port", w->port_file, sizeof w->port_file);
    const char *argv[] = {NARAD_PATH, "serve",      "--db",       w->srv_db,    "--key",
                          w->srv_key, "--root",     w->root,      "--tls-cert", crt,
                          "--tls-key", key,         "--port",     "0",          "--port-file",
                          w->port_file, NULL};
    pid_t tls = nr_spawn(argv, NULL);
    int port = nr_wait_port(w->port_file, 10000);
    assert_true(port > 0);
    snprintf(url, sizeof url, "wss://127.0.0.1:%d", port);
    assert_int_equal(NARA(w->a, "sync", "--server", url), 3);
    assert_int_equal(NARA(w->a, "sync", "--server", url, "--insecure"), 0);
    nr_stop(tls, SIGTERM, 5000);
}

/* ---- receipts and audit ---------------------------------------------------------- */

/* The server key the province pinned (status JSON: server.key). */
static void pinned_server_key(const world_t *w, char out[65])
{
    assert_int_equal(NARA(w->p, "--json", "status"), 0);
    const char *s = strstr(res.out, "\"server\":{");
    assert_non_null(s);
    assert_true(nr_json_str(s, "key", out, 65));
    assert_int_equal(strlen(out), 64);
}

static void copy_file(const char *from, const char *to)
{
    static char buf[1 << 16];
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    size_t n;
    assert_non_null(a);
    assert_non_null(b);
    while ((n = fread(buf, 1, sizeof buf, a)) > 0)
        assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    assert_int_equal(fclose(b), 0);
}

static void test_receipts_verify_and_the_province_history_audits_clean(void **state)
{
    world_t *w = *state;
    char c1[65], c2[65], srv[65], ba[320], bp[320];
    pinned_server_key(w, srv);
    enroll(w, srv, "server", "*", "narad");
    assert_int_equal(sync_db(w, w->p), 0);
    open_case(w->a, "32.01", "Jalan desa putus", c1);
    open_case(w->a, "32.01", "Irigasi rusak", c2);
    assert_int_equal(sync_db(w, w->a), 0);
    assert_int_equal(nr_json_int(res.out, "receipts"), 2);
    assert_int_equal(NARA(w->a, "--json", "receipts", "--verify"), 0);
    assert_non_null(strstr(res.out, "\"verified\":true"));
    assert_non_null(strstr(res.out, c1));
    assert_non_null(strstr(res.out, c2));
    assert_int_equal(nr_json_int(res.out, "unreceipted"), 0);

    /* The regency's bundle proves the province received its cases. */
    in_dir(w, "bogor.bundle", ba, sizeof ba);
    assert_int_equal(NARA(w->a, "export-bundle", "--out", ba, "--region", "32.01"), 0);
    assert_int_equal(NARA(NULL, "--json", "audit", ba, "--root", w->root), 0);
    assert_non_null(strstr(res.out, "\"result\":\"verified\""));
    assert_true(nr_json_int(res.out, "receipted") >= 2);

    /* The province's whole log, exported while narad runs, with the regency's beside it. */
    in_dir(w, "province.bundle", bp, sizeof bp);
    const char *exp[] = {NARAD_PATH, "export-bundle", "--db", w->srv_db, "--out", bp,
                         "--root",   w->root,         NULL};
    assert_int_equal(nr_run(&res, exp), 0);
    assert_int_equal(NARA(NULL, "--json", "audit", bp, "--with", ba, "--root", w->root), 0);
    assert_non_null(strstr(res.out, "\"complete\":true"));
    assert_non_null(strstr(res.out, "\"server_enrolled\":true"));
    assert_int_equal(NARA(NULL, "audit", bp, "--root", w->root), 0);
    assert_non_null(strstr(res.out, "VERIFIED"));
}

/* `nara status` counts this device's events by receipt and shows the pinned head. */
static void test_status_counts_own_events_by_receipt(void **state)
{
    world_t *w = *state;
    char c1[65], c2[65], c3[65];
    open_case(w->a, "32.01", "Jalan desa putus", c1);
    open_case(w->a, "32.01", "Irigasi rusak", c2);
    assert_int_equal(NARA(w->a, "--json", "status"), 0);
    assert_int_equal(nr_json_int(res.out, "receipted"), 0);
    assert_int_equal(nr_json_int(res.out, "unsent"), 2);
    assert_non_null(strstr(res.out, "\"pinned_head\":null"));

    assert_int_equal(sync_db(w, w->a), 0);
    long long sent = nr_json_int(res.out, "sent");
    assert_int_equal(sent, 2);
    assert_int_equal(NARA(w->a, "--json", "status"), 0);
    assert_int_equal(nr_json_int(res.out, "receipted"), sent);
    assert_int_equal(nr_json_int(res.out, "sent_unreceipted"), 0);
    assert_int_equal(nr_json_int(res.out, "unsent"), 0);
    const char *head = strstr(res.out, "\"pinned_head\":{");
    assert_non_null(head);
    assert_true(nr_json_int(head, "size") >= sent);

    open_case(w->a, "32.01", "Dicatat setelah sinkronisasi", c3);
    assert_int_equal(NARA(w->a, "--json", "status"), 0);
    assert_int_equal(nr_json_int(res.out, "receipted"), 2);
    assert_int_equal(nr_json_int(res.out, "unsent"), 1);
    assert_int_equal(NARA(w->a, "status"), 0);
    assert_non_null(strstr(res.out, "Receipts  2 own events with a receipt from the server, 0 "
                                    "sent without one yet, 1 not sent yet"));
    assert_non_null(strstr(res.out, "pinned tree head: "));
}

static void test_a_server_restored_from_an_old_backup_is_refused_with_evidence(void **state)
{
    world_t *w = *state;
    char c1[65], backup[320];
    int port = w->port;
    assert_int_equal(sync_db(w, w->a), 0);
    assert_int_equal(nr_stop(w->narad, SIGTERM, 5000), 0);
    in_dir(w, "narad-backup.db", backup, sizeof backup);
    copy_file(w->srv_db, backup); /* narad stopped cleanly: the WAL is checkpointed */
    start_narad(w, w->srv_key, port);
    open_case(w->a, "32.01", "Dicatat lalu hilang", c1);
    assert_int_equal(sync_db(w, w->a), 0); /* the regency now holds a receipt for it */
    assert_int_equal(nr_stop(w->narad, SIGTERM, 5000), 0);
    copy_file(backup, w->srv_db); /* the province restores yesterday's backup */
    start_narad(w, w->srv_key, port);
    assert_int_equal(NARA(w->a, "sync", "--server", w->url), 4);
    assert_non_null(strstr(res.err, "NARA_TREE_FORK"));
    assert_non_null(strstr(res.err, "evidence"));
    assert_int_equal(NARA(w->a, "--json", "receipts"), 0);
    assert_non_null(strstr(res.out, "\"evidence\":[{"));
    assert_non_null(strstr(res.out, "\"offered\":{"));
    assert_int_equal(NARA(w->a, "sync", "--server", w->url), 4); /* and stays refused */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_cases_opened_offline_converge_through_the_server),
        T(test_each_regency_receives_only_its_scope),
        T(test_an_unenrolled_device_is_refused_while_others_sync),
        T(test_an_out_of_scope_write_is_refused_while_others_sync),
        T(test_a_server_with_another_key_is_refused),
        T(test_watch_pushes_local_writes_and_reconnects),
        T(test_wss_with_a_self_signed_certificate_needs_insecure),
        T(test_receipts_verify_and_the_province_history_audits_clean),
        T(test_status_counts_own_events_by_receipt),
        T(test_a_server_restored_from_an_old_backup_is_refused_with_evidence),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
