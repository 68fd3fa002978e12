/*
 * test_nara_cli.c - the `nara` command line, run as a real binary in
 * temporary directories: creating replicas, the case life across three
 * devices carried by delta files, what bad input says and exits with, and
 * the delta file's guarantees (equal digests after import, a damaged file
 * keeps its valid prefix).  No network except one refused connection to
 * 127.0.0.1.
 *
 * Each test builds what it needs from scratch in its own directory (setup /
 * teardown), so tests can run in any order.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e/nara_run.h"

#ifndef NARA_PATH
#error "NARA_PATH must name the built nara binary"
#endif

static nr_result_t res; /* large: one static result per run */

typedef struct {
    char dir[256];
    char p[320], r[320], l[320]; /* province, regency (32.01), LO (32.01) */
    char root[65], rk[65], lk[65];
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nr_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->p, sizeof f->p, "%s/province.db", f->dir);
    snprintf(f->r, sizeof f->r, "%s/bogor.db", f->dir);
    snprintf(f->l, sizeof f->l, "%s/lo.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    nr_rmdir(f->dir);
    free(f);
    return 0;
}

#define NARA(db, ...) nr_nara(&res, NARA_PATH, (db), __VA_ARGS__, (const char *)NULL)

static void path(const fx_t *f, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", f->dir, name);
}

/* The device key of a replica. */
static void key_of(const char *db, char out[65])
{
    assert_int_equal(NARA(db, "key"), 0);
    assert_true(strlen(res.out) >= 64);
    memcpy(out, res.out, 64);
    out[64] = '\0';
}

static void make_province(fx_t *f)
{
    assert_int_equal(NARA(f->p, "province", "init"), 0);
    key_of(f->p, f->root);
}

static void make_device(const fx_t *f, const char *db, char key[65])
{
    assert_int_equal(NARA(db, "init", "--root", f->root), 0);
    key_of(db, key);
}

/* Move everything `from` holds into `to` through a delta file. */
static void carry(const fx_t *f, const char *from, const char *to)
{
    char file[320];
    path(f, "carry.delta", file, sizeof file);
    assert_int_equal(NARA(from, "export", "--all", "--out", file), 0);
    assert_int_equal(NARA(to, "import", file), 0);
}

/* Province, regency 32.01 and LO 32.01, enrolled; LO assigned; the
 * province's events carried to both devices. */
static void make_three(fx_t *f)
{
    make_province(f);
    make_device(f, f->r, f->rk);
    make_device(f, f->l, f->lk);
    assert_int_equal(NARA(f->p, "enroll", "--device", f->rk, "--role", "regency", "--scope",
                          "32.01", "--name", "Pemkab Bogor"),
                     0);
    assert_int_equal(NARA(f->p, "enroll", "--device", f->lk, "--role", "lo", "--scope", "32.01",
                          "--name", "LO Bogor", "--agency", "Dinas Kesehatan"),
                     0);
    assert_int_equal(NARA(f->p, "decree", "--number", "800/Kep.1-Org/2026", "--date", "2026-01-05",
                          "--doc-hash",
                          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                          "--effective", "2026-01-10", "--title", "Penunjukan Naradamping"),
                     0);
    assert_int_equal(NARA(f->p, "lo", "assign", "--region", "32.01", "--agency",
                          "Dinas Kesehatan", "--officer", "dr. Siti", "--decree",
                          "800/Kep.1-Org/2026", "--effective", "2026-01-10", "--device", f->lk),
                     0);
    carry(f, f->p, f->r);
    carry(f, f->p, f->l);
}

/* Open a case on the regency; its full id into id. */
static void open_case(fx_t *f, char id[65])
{
    assert_int_equal(NARA(f->r, "--json", "case", "open", "--region", "32.01", "--category",
                          "pembangunan", "--function", "koordinasi", "--title", "Jembatan rusak",
                          "--description", "Akses dua desa terputus", "--priority", "tinggi"),
                     0);
    assert_true(nr_json_str(res.out, "id", id, 65));
    assert_int_equal(strlen(id), 64);
}

static long long status_int(const char *db, const char *key)
{
    assert_int_equal(NARA(db, "--json", "status"), 0);
    return nr_json_int(res.out, key);
}

static void status_digest(const char *db, char out[65])
{
    assert_int_equal(NARA(db, "--json", "status"), 0);
    assert_true(nr_json_str(res.out, "digest", out, 65));
    assert_int_equal(strlen(out), 64);
}

/* ---- creating replicas ------------------------------------------------------ */

static void test_init_prints_the_device_key_and_keeps_it_private(void **state)
{
    fx_t *f = *state;
    char key[65], keyfile[340];
    struct stat st;
    make_province(f);
    assert_int_equal(NARA(f->r, "init", "--root", f->root), 0);
    key_of(f->r, key);
    assert_non_null(strstr(res.out, key));
    snprintf(keyfile, sizeof keyfile, "%s.key", f->r);
    assert_int_equal(stat(keyfile, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_province_init_makes_its_own_key_the_root(void **state)
{
    fx_t *f = *state;
    char pk[65], root[65];
    assert_int_equal(NARA(f->p, "--json", "province", "init"), 0);
    assert_true(nr_json_str(res.out, "public_key", pk, sizeof pk));
    assert_true(nr_json_str(res.out, "root", root, sizeof root));
    assert_string_equal(pk, root);
    assert_int_equal(NARA(f->p, "--json", "status"), 0);
    assert_true(nr_json_str(res.out, "role", root, sizeof root));
    assert_string_equal(root, "root");
}

static void test_init_refuses_an_existing_replica(void **state)
{
    fx_t *f = *state;
    make_province(f);
    assert_int_equal(NARA(f->p, "init", "--root", f->root), 1);
    assert_non_null(strstr(res.err, "already exists"));
}

static void test_status_of_a_new_replica_holds_nothing(void **state)
{
    fx_t *f = *state;
    char digest[65];
    make_province(f);
    make_device(f, f->r, f->rk);
    assert_int_equal(status_int(f->r, "events"), 0);
    assert_int_equal(status_int(f->r, "pending"), 0);
    status_digest(f->r, digest);
    assert_non_null(strstr(res.out, "\"behind\":false"));
}

/* ---- the case life ------------------------------------------------------------ */

static void test_case_life_shows_in_case_show_and_report(void **state)
{
    fx_t *f = *state;
    char id[65], status[32], lo[64], delta[320];
    make_three(f);
    open_case(f, id);
    carry(f, f->r, f->l);
    assert_int_equal(NARA(f->l, "case", "ack", id), 0);
    assert_int_equal(NARA(f->l, "case", "note", id, "--text", "Sudah ditinjau"), 0);
    path(f, "lo.delta", delta, sizeof delta);
    assert_int_equal(NARA(f->l, "export", "--all", "--out", delta), 0);
    assert_int_equal(NARA(f->r, "import", delta), 0);
    char prefix[9];
    memcpy(prefix, id, 8);
    prefix[8] = '\0';
    assert_int_equal(NARA(f->r, "case", "resolve", prefix, "--summary", "Jembatan darurat"), 0);
    assert_int_equal(NARA(f->r, "case", "close", prefix), 0);

    assert_int_equal(NARA(f->r, "--json", "case", "show", prefix), 0);
    assert_true(nr_json_str(res.out, "status", status, sizeof status));
    assert_string_equal(status, "closed");
    assert_int_equal(nr_count(res.out, "\"kind\":\"case."), 5);
    assert_non_null(strstr(res.out, "LO Bogor"));
    assert_non_null(strstr(res.out, "Sudah ditinjau"));

    assert_int_equal(NARA(f->r, "--json", "report", "--as-of", "now"), 0);
    assert_true(nr_json_str(res.out, "lo_officer", lo, sizeof lo)); /* 32.01 is the first row */
    assert_string_equal(lo, "dr. Siti");
    assert_int_equal(nr_json_int(res.out, "closed"), 1);
    assert_int_equal(nr_json_int(res.out, "acknowledged"), 1);
    assert_int_equal(nr_json_int(res.out, "open"), 0);
}

static void test_report_counts_a_case_unacknowledged_for_24_hours_as_overdue(void **state)
{
    fx_t *f = *state;
    char id[65];
    make_three(f);
    open_case(f, id);
    assert_int_equal(NARA(f->r, "--json", "report", "--as-of", "now"), 0);
    assert_int_equal(nr_json_int(res.out, "open"), 1);
    assert_int_equal(nr_json_int(res.out, "overdue"), 0);
    assert_int_equal(NARA(f->r, "--json", "report", "--as-of", "2999-01-01T00:00Z"), 0);
    assert_int_equal(nr_json_int(res.out, "overdue"), 1);
}

static void test_case_list_filters_by_status(void **state)
{
    fx_t *f = *state;
    char id[65];
    make_three(f);
    open_case(f, id);
    assert_int_equal(NARA(f->r, "--json", "case", "list", "--status", "open"), 0);
    assert_non_null(strstr(res.out, id));
    assert_int_equal(NARA(f->r, "--json", "case", "list", "--status", "closed"), 0);
    assert_null(strstr(res.out, id));
}

/* ---- bad input ------------------------------------------------------------------- */

static void test_unknown_command_is_a_usage_error(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA(f->p, "frobnicate"), 1);
    assert_non_null(strstr(res.err, "frobnicate"));
}

static void test_bad_region_is_named(void **state)
{
    fx_t *f = *state;
    make_province(f);
    make_device(f, f->r, f->rk);
    assert_int_equal(NARA(f->r, "case", "open", "--region", "99.99", "--category", "sosial",
                          "--function", "koordinasi", "--title", "t", "--description", "d",
                          "--priority", "rendah"),
                     1);
    assert_non_null(strstr(res.err, "99.99"));
    assert_int_equal(status_int(f->r, "events"), 0);
}

static void test_bad_category_is_named(void **state)
{
    fx_t *f = *state;
    make_province(f);
    make_device(f, f->r, f->rk);
    assert_int_equal(NARA(f->r, "case", "open", "--region", "32.01", "--category", "gossip",
                          "--function", "koordinasi", "--title", "t", "--description", "d",
                          "--priority", "rendah"),
                     1);
    assert_non_null(strstr(res.err, "--category"));
    assert_non_null(strstr(res.err, "gossip"));
}

static void test_bad_hex_is_named(void **state)
{
    fx_t *f = *state;
    make_province(f);
    assert_int_equal(NARA(f->p, "enroll", "--device", "12xy", "--role", "lo", "--scope", "32.01",
                          "--name", "x"),
                     1);
    assert_non_null(strstr(res.err, "--device"));
    assert_non_null(strstr(res.err, "64 hex digits"));
}

static void test_missing_db_directory_is_named(void **state)
{
    fx_t *f = *state;
    char db[340];
    snprintf(db, sizeof db, "%s/no/such/dir/x.db", f->dir);
    assert_int_equal(NARA(db, "province", "init"), 1);
    assert_non_null(strstr(res.err, "no/such/dir"));
    assert_int_equal(NARA(db, "status"), 1);
}

static void test_json_errors_are_json(void **state)
{
    fx_t *f = *state;
    make_province(f);
    assert_int_equal(NARA(f->p, "--json", "report", "--as-of", "yesterday"), 1);
    assert_non_null(strstr(res.out, "{\"error\":"));
    assert_int_equal(nr_json_int(res.out, "exit"), 1);
}

static void test_help_of_every_level_exits_zero(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA(f->p, "--help"), 0);
    assert_non_null(strstr(res.out, "Exit codes"));
    assert_int_equal(NARA(f->p, "case", "--help"), 0);
    assert_non_null(strstr(res.out, "case escalate"));
    assert_int_equal(NARA(f->p, "sync", "--help"), 0);
    assert_non_null(strstr(res.out, "permanent refusal"));
}

/* ---- delta files ---------------------------------------------------------------------- */

static void test_export_then_import_gives_equal_digests(void **state)
{
    fx_t *f = *state;
    char id[65], a[65], b[65], q[340], file[320];
    make_three(f);
    open_case(f, id);
    path(f, "all.delta", file, sizeof file);
    snprintf(q, sizeof q, "%s/copy.db", f->dir);
    assert_int_equal(NARA(q, "init", "--root", f->root), 0);
    assert_int_equal(NARA(f->r, "export", "--all", "--out", file), 0);
    assert_int_equal(NARA(q, "--json", "import", file), 0);
    long long added = nr_json_int(res.out, "added");
    assert_int_equal(added, status_int(f->r, "events"));
    status_digest(f->r, a);
    status_digest(q, b);
    assert_string_equal(a, b);
    assert_int_equal(NARA(q, "import", file), 0); /* again: all duplicates */
    assert_non_null(strstr(res.out, "0 added"));
}

/* Offset of record `k` (0-based) in a delta file. */
static long record_offset(const unsigned char *buf, long len, int k)
{
    long at = 16;
    for (int i = 0; i < k && at + 4 <= len; i++)
        at += 4 + ((long)buf[at] << 24 | (long)buf[at + 1] << 16 | (long)buf[at + 2] << 8 |
                   (long)buf[at + 3]);
    return at;
}

/* A flipped byte inside a record leaves a well-formed event with a bad
 * signature or key: the file is not "damaged", the event is merged and
 * refused with its reason, and every valid event around it is kept. */
static void test_corrupted_event_in_delta_is_refused_with_its_reason(void **state)
{
    fx_t *f = *state;
    char file[320], q[340];
    static unsigned char buf[1 << 20];
    make_three(f); /* the province holds 4 events */
    path(f, "p.delta", file, sizeof file);
    assert_int_equal(NARA(f->p, "export", "--all", "--out", file), 0);
    FILE *fp = fopen(file, "r+b");
    assert_non_null(fp);
    long len = (long)fread(buf, 1, sizeof buf, fp);
    long at = record_offset(buf, len, 2);
    assert_true(at + 40 < len);
    buf[at + 30] ^= 0x5a; /* inside the third event */
    rewind(fp);
    assert_int_equal(fwrite(buf, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);

    snprintf(q, sizeof q, "%s/copy.db", f->dir);
    assert_int_equal(NARA(q, "init", "--root", f->root), 0);
    assert_int_equal(NARA(q, "import", file), 2);
    assert_true(strstr(res.out, "refused") != NULL || strstr(res.err, "refused") != NULL);
    assert_true(strstr(res.out, "NARA_") != NULL || strstr(res.err, "NARA_") != NULL);
    assert_int_equal(status_int(q, "events"), 2);
}

static void test_truncated_delta_keeps_the_valid_prefix(void **state)
{
    fx_t *f = *state;
    char file[320], q[340];
    static unsigned char buf[1 << 20];
    make_three(f);
    path(f, "p.delta", file, sizeof file);
    assert_int_equal(NARA(f->p, "export", "--all", "--out", file), 0);
    FILE *fp = fopen(file, "rb");
    assert_non_null(fp);
    long len = (long)fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    long cut = record_offset(buf, len, 3) + 10; /* inside the fourth record */
    assert_int_equal(truncate(file, cut), 0);
    snprintf(q, sizeof q, "%s/copy.db", f->dir);
    assert_int_equal(NARA(q, "init", "--root", f->root), 0);
    assert_int_equal(NARA(q, "import", file), 2);
    assert_non_null(strstr(res.err, "truncated"));
    assert_int_equal(status_int(q, "events"), 3);
}

static void test_a_file_that_is_not_a_delta_is_refused(void **state)
{
    fx_t *f = *state;
    char file[320];
    make_province(f);
    path(f, "junk", file, sizeof file);
    FILE *fp = fopen(file, "wb");
    assert_non_null(fp);
    fputs("hello, this is not a delta file\n", fp);
    fclose(fp);
    assert_int_equal(NARA(f->p, "import", file), 1);
    assert_non_null(strstr(res.err, "not a Naradamping delta file"));
}

/* ---- sync without a server ---------------------------------------------------------- */

/* A 127.0.0.1 port nobody listens on (bound, then closed). */
static int dead_port(void)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void test_sync_without_a_server_exits_3_and_keeps_the_events(void **state)
{
    fx_t *f = *state;
    char url[64], id[65];
    make_three(f);
    open_case(f, id);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d", dead_port());
    assert_int_equal(NARA(f->r, "sync", "--server", url), 3);
    assert_non_null(strstr(res.err, "127.0.0.1"));
    assert_int_equal(NARA(f->r, "--json", "status"), 0);
    assert_non_null(strstr(res.out, "\"result\":\"failed"));
    assert_int_equal(NARA(f->r, "--json", "case", "list"), 0);
    assert_non_null(strstr(res.out, id));
}

static void test_sync_with_a_bad_url_is_a_usage_error(void **state)
{
    fx_t *f = *state;
    make_province(f);
    assert_int_equal(NARA(f->p, "sync", "--server", "http://127.0.0.1:1"), 1);
    assert_non_null(strstr(res.err, "ws://"));
}

/* ---- receipts, bundles and audit (no server) -------------------------------------- */

static void test_receipts_of_a_replica_never_synced_are_empty(void **state)
{
    fx_t *f = *state;
    make_province(f);
    make_device(f, f->r, f->rk);
    assert_int_equal(NARA(f->r, "--json", "receipts"), 0);
    assert_non_null(strstr(res.out, "\"heads\":0"));
    assert_non_null(strstr(res.out, "\"receipts\":[]"));
    assert_int_equal(NARA(f->r, "receipts", "--verify"), 0);
    assert_non_null(strstr(res.out, "No tree head yet"));
}

static void test_audit_of_a_replica_replays_authority(void **state)
{
    fx_t *f = *state;
    char id[65];
    make_three(f);
    open_case(f, id);
    assert_int_equal(NARA(f->r, "--db", f->r, "--json", "audit"), 0);
    assert_non_null(strstr(res.out, "\"result\":\"verified\""));
    /* A case outside the regency's scope is recorded, and the audit names it. */
    assert_int_equal(NARA(f->r, "case", "open", "--region", "32.02", "--category", "sosial",
                          "--function", "koordinasi", "--title", "Di luar wilayah",
                          "--description", "-", "--priority", "rendah"),
                     0);
    assert_int_equal(NARA(f->r, "--json", "audit"), 2);
    assert_non_null(strstr(res.out, "\"result\":\"findings\""));
    assert_non_null(strstr(res.out, "\"first\":{\"severity\":\"finding\",\"check\":\"authority\""));
    assert_non_null(strstr(res.out, "NARA_UNAUTHORIZED"));
    assert_int_equal(NARA(f->r, "audit"), 2);
    assert_non_null(strstr(res.out, "VERIFIED, WITH FINDINGS"));
    assert_non_null(strstr(res.out, "rule scope"));
}

static void test_a_damaged_bundle_fails_the_audit(void **state)
{
    fx_t *f = *state;
    char file[320], id[65];
    make_three(f);
    open_case(f, id);
    path(f, "p.bundle", file, sizeof file);
    assert_int_equal(NARA(f->r, "export-bundle", "--out", file, "--region", "32.01",
                          "--from", "2000-01-01"),
                     0);
    assert_int_equal(NARA(NULL, "audit", file, "--root", f->root), 0);
    FILE *b = fopen(file, "r+b");
    assert_non_null(b);
    assert_int_equal(fseek(b, -200, SEEK_END), 0);
    int c = fgetc(b);
    assert_int_equal(fseek(b, -200, SEEK_END), 0);
    fputc(c ^ 0x20, b);
    fclose(b);
    assert_int_equal(NARA(NULL, "--json", "audit", file, "--root", f->root), 4);
    assert_non_null(strstr(res.out, "\"result\":\"failed\""));
    assert_non_null(strstr(res.out, "NARA_CHECKSUM"));
    /* What is not a bundle, or not there, or not a region. */
    assert_int_equal(NARA(NULL, "audit", "/nonexistent/x.bundle"), 1);
    assert_int_equal(NARA(f->r, "audit", "--with", file), 1);
    assert_int_equal(NARA(f->r, "export-bundle", "--out", file, "--region", "99.99"), 1);
    assert_int_equal(NARA(f->r, "export-bundle", "--out", file, "--from", "2026-13-01"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_init_prints_the_device_key_and_keeps_it_private),
        T(test_province_init_makes_its_own_key_the_root),
        T(test_init_refuses_an_existing_replica),
        T(test_status_of_a_new_replica_holds_nothing),
        T(test_case_life_shows_in_case_show_and_report),
        T(test_report_counts_a_case_unacknowledged_for_24_hours_as_overdue),
        T(test_case_list_filters_by_status),
        T(test_unknown_command_is_a_usage_error),
        T(test_bad_region_is_named),
        T(test_bad_category_is_named),
        T(test_bad_hex_is_named),
        T(test_missing_db_directory_is_named),
        T(test_json_errors_are_json),
        T(test_help_of_every_level_exits_zero),
        T(test_export_then_import_gives_equal_digests),
        T(test_corrupted_event_in_delta_is_refused_with_its_reason),
        T(test_truncated_delta_keeps_the_valid_prefix),
        T(test_a_file_that_is_not_a_delta_is_refused),
        T(test_sync_without_a_server_exits_3_and_keeps_the_events),
        T(test_sync_with_a_bad_url_is_a_usage_error),
        T(test_receipts_of_a_replica_never_synced_are_empty),
        T(test_audit_of_a_replica_replays_authority),
        T(test_a_damaged_bundle_fails_the_audit),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
