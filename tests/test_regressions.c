/*
 * test_regressions.c - the fuzzers' inputs replayed in the ordinary builds
 * (gcc, release and ASan/UBSan), without libFuzzer or clang.
 *
 * Each harness of tests/fuzz/ is compiled into this test with its entry
 * point renamed (tests/CMakeLists.txt), and fed, in name order:
 *   - tests/regressions/<harness>/ (every file): inputs that once crashed a harness
 *     (each named after the bug; docs/reliability.md lists them), and
 *   - tests/fuzz/corpus/<harness>/ (every file): the seed corpus.
 * A harness aborts on any broken invariant, so a regression fails this test
 * with the name of the input printed just before.  A missing directory is
 * an empty one.  Runs with tests/ as working directory.
 *
 * Below them, regression tests for bugs found while writing the
 * reliability tests (docs/reliability.md, section 5), one per bug, named
 * after the behaviour that must hold.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/nara_run.h"
#include "nara_store.h"
#include "testutil.h"

#ifndef NARA_PATH
#error "NARA_PATH must name the built nara binary"
#endif

typedef int (*harness_fn)(const uint8_t *data, size_t size);

/* The harnesses (fuzz/fuzz_event.c, fuzz/fuzz_session.c twice), renamed. */
int nara_regress_event(const uint8_t *data, size_t size);
int nara_regress_session_server(const uint8_t *data, size_t size);
int nara_regress_session_server_init(int *argc, char ***argv);
int nara_regress_session_client(const uint8_t *data, size_t size);
int nara_regress_session_client_init(int *argc, char ***argv);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed every regular file of dir to fn; returns how many. */
static size_t replay_dir(const char *dir, harness_fn fn)
{
    char *names[4096], path[1024];
    size_t n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        assert_true(n < sizeof names / sizeof names[0]);
        names[n] = strdup(e->d_name);
        assert_non_null(names[n++]);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t *buf = malloc(1 << 20);
        assert_non_null(buf);
        size_t len = fread(buf, 1, 1 << 20, f);
        fclose(f);
        print_message("%s\n", path);
        fn(buf, len);
        free(buf);
        free(names[i]);
    }
    return n;
}

static void replay(const char *harness, harness_fn fn)
{
    char dir[256];
    size_t n;
    snprintf(dir, sizeof dir, "regressions/%s", harness);
    n = replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "fuzz/corpus/%s", harness);
    n += replay_dir(dir, fn);
    assert_true(n > 0); /* at least the seed corpus */
}

static void test_event_inputs(void **state)
{
    (void)state;
    replay("fuzz_event", nara_regress_event);
}

static void test_session_server_inputs(void **state)
{
    int argc = 0;
    char **argv = NULL;
    (void)state;
    nara_regress_session_server_init(&argc, &argv);
    replay("fuzz_session_server", nara_regress_session_server);
}

static void test_session_client_inputs(void **state)
{
    int argc = 0;
    char **argv = NULL;
    (void)state;
    nara_regress_session_client_init(&argc, &argv);
    replay("fuzz_session_client", nara_regress_session_client);
}

/* ---- bugs found while testing ---------------------------------------------------------- */

static nr_result_t res;

/* An event whose signature does not verify but which its author endorsed (signed a
 * successor over it) is valid by the log's rule (docs/format.md section 8): the store
 * accepts it, and a live sync carries it.  A delta file must carry it too.  Found: the
 * delta reader (client/src/delta.c, check_event) verifies every record on its own and
 * calls the file damaged at that record, so `nara import` refuses it and every record
 * after it, whatever feed they belong to; one device running a modified client can make
 * every `export --all` of every replica holding its feed unimportable. */
static void test_delta_file_carries_an_endorsed_event(void **state)
{
    char dir[256], a[320], b[320], delta[320], root[65];
    nara_store_t *s = NULL;
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[2];
    nara_merge_stats_t st;
    uint8_t bad_id[NARA_ID_BYTES], *buf = malloc(NARA_EVENT_MAX_BYTES);
    size_t len;
    (void)state;
    assert_non_null(buf);
    nr_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(b, sizeof b, "%s/b.db", dir);
    snprintf(delta, sizeof delta, "%s/a.delta", dir);
    assert_int_equal(nr_nara(&res, NARA_PATH, a, "province", "init", (const char *)NULL), 0);
    assert_int_equal(nr_nara(&res, NARA_PATH, a, "key", (const char *)NULL), 0);
    snprintf(root, sizeof root, "%.64s", res.out);
    assert_int_equal(nr_nara(&res, NARA_PATH, b, "init", "--root", root, (const char *)NULL), 0);

    /* Replica a accepts seq 1 (bad signature) endorsed by seq 2. */
    tu_feed_init(&f, 77, "32.05");
    tu_feed_next(&f, 1ull << 40, 1, 0, &l);
    tu_feed_break_head_sig(&f, &l, bad_id);
    tu_feed_next(&f, (1ull << 40) + 1, 2, 0, &l);
    assert_int_equal(nara_store_open(a, &s), NARA_OK);
    assert_int_equal(nara_store_merge(s, l.v, l.n, 1700000000000ull, out, &st), NARA_OK);
    assert_int_equal(nara_store_get(s, bad_id, buf, NARA_EVENT_MAX_BYTES, &len), NARA_OK);
    nara_store_close(s);

    /* Carried by a delta file, b must end up holding it as well. */
    assert_int_equal(
        nr_nara(&res, NARA_PATH, a, "export", "--all", "--out", delta, (const char *)NULL), 0);
    nr_nara(&res, NARA_PATH, b, "import", delta, (const char *)NULL);
    assert_int_equal(nara_store_open(b, &s), NARA_OK);
    nara_err_t err = nara_store_get(s, bad_id, buf, NARA_EVENT_MAX_BYTES, &len);
    nara_store_close(s);
    tu_list_free(&l);
    free(buf);
    nr_rmdir(dir);
    if (err != NARA_OK)
        fail_msg("the endorsed event did not reach the importing replica (%s): %s",
                 nara_err_name(err), res.err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_inputs),
        cmocka_unit_test(test_session_server_inputs),
        cmocka_unit_test(test_session_client_inputs),
        cmocka_unit_test(test_delta_file_carries_an_endorsed_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
