/*
 * test_diskfull.c - a replica that runs out of space while merging.
 *
 * Two ways to run out, the same expectations (docs/storage.md, "Errors and
 * the failed state"; docs/reliability.md):
 *  (a) the database is capped with PRAGMA max_page_count (through
 *      nara__store_db): SQLite reports SQLITE_FULL inside the merge;
 *  (b) a child process whose file size limit (RLIMIT_FSIZE, `ulimit -f`) is
 *      reached while the WAL grows: with SIGXFSZ ignored the write fails
 *      with EFBIG, which SQLite's unix VFS reports as an I/O error; with
 *      SIGXFSZ at its default the process is killed in the middle of the
 *      write.  No root, no loop device, no special file system.
 * Expected: a clean error (NARA_FULL, NARA_IO) and nothing of that batch
 * committed; the store is failed (every later call NARA_STORE_FAILED) until
 * it is closed; reopened without the limit, PRAGMA integrity_check says
 * "ok", every event committed before is there, and merging the rest
 * succeeds, ending with the same digest as a replica that never ran out.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nara_store.h"
#include "store_internal.h"
#include "testutil.h"

#define FEEDS 4
#define PER_FEED 30
#define BATCH 10
#define PAD 1500
#define WALL 1700000000000ull

typedef struct {
    char path[64];
    tu_list_t events;                /* FEEDS * PER_FEED, feeds interleaved, each in chain order */
    uint8_t digest[NARA_HASH_BYTES]; /* of a replica holding all of them */
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    tu_feed_t feeds[FEEDS];
    nara_store_t *s = NULL;
    assert_non_null(f);
    for (int i = 0; i < FEEDS; i++)
        tu_feed_init(&feeds[i], 100 + (uint64_t)i, i % 2 ? "32.02" : "32.01");
    for (int n = 0; n < PER_FEED; n++)
        for (int i = 0; i < FEEDS; i++)
            tu_feed_next(&feeds[i], (WALL << 16) + (uint64_t)n, (uint64_t)n, PAD, &f->events);
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    tu_merge(s, &f->events, NULL);
    assert_int_equal(nara_store_digest(s, f->digest), NARA_OK);
    nara_store_close(s);
    tu_temp_path(f->path, sizeof f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    tu_remove_db(f->path);
    tu_list_free(&f->events);
    free(f);
    return 0;
}

static size_t n_batches(const fx_t *f)
{
    return (f->events.n + BATCH - 1) / BATCH;
}

static nara_err_t merge_batch(nara_store_t *s, const fx_t *f, size_t b)
{
    nara_outcome_t out[BATCH];
    nara_merge_stats_t st;
    size_t from = b * BATCH, n = f->events.n - from < BATCH ? f->events.n - from : BATCH;
    return nara_store_merge(s, f->events.v + from, n, WALL, out, &st);
}

static int64_t pragma_int(nara_store_t *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void check_integrity(nara_store_t *s)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(s), "PRAGMA integrity_check", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    assert_int_equal(sqlite3_step(st), SQLITE_DONE); /* one row: "ok" and nothing else */
    sqlite3_finalize(st);
}

/* Reopen without any limit: integrity_check is "ok"; batches [0, committed) are all
 * there and nothing else; merging the rest gives the full log. */
static void check_recovered(const fx_t *f, size_t committed)
{
    nara_store_t *s = NULL;
    nara_store_counts_t c;
    uint8_t digest[NARA_HASH_BYTES], *buf = malloc(NARA_EVENT_MAX_BYTES);
    size_t len;
    assert_non_null(buf);
    assert_int_equal(nara_store_open(f->path, &s), NARA_OK);
    check_integrity(s);

    assert_int_equal(nara_store_counts(s, &c), NARA_OK);
    assert_int_equal(c.events, committed * BATCH);
    assert_int_equal(c.pending + c.forks + c.quarantined, 0);
    for (size_t i = 0; i < f->events.n; i++) {
        nara_event_t ev;
        assert_int_equal(nara_event_decode(f->events.v[i].bytes, f->events.v[i].len, &ev), NARA_OK);
        nara_err_t err = nara_store_get(s, ev.id, buf, NARA_EVENT_MAX_BYTES, &len);
        if (i < committed * BATCH) {
            assert_int_equal(err, NARA_OK);
            assert_memory_equal(buf, f->events.v[i].bytes, len);
        } else {
            assert_int_equal(err, NARA_NOT_FOUND);
        }
    }
    for (size_t b = committed; b < n_batches(f); b++)
        assert_int_equal(merge_batch(s, f, b), NARA_OK);
    assert_int_equal(nara_store_digest(s, digest), NARA_OK);
    assert_memory_equal(digest, f->digest, NARA_HASH_BYTES);
    nara_store_close(s);
    free(buf);
}

/* Every call on a failed store says so, and the first failure's detail is kept. */
static void check_failed(nara_store_t *s, const fx_t *f)
{
    nara_store_counts_t c;
    nara_vv_t vv = {0};
    uint8_t d[NARA_HASH_BYTES];
    assert_int_equal(merge_batch(s, f, 0), NARA_STORE_FAILED);
    assert_int_equal(nara_store_counts(s, &c), NARA_STORE_FAILED);
    assert_int_equal(nara_store_vv(s, &vv), NARA_STORE_FAILED);
    assert_int_equal(nara_store_digest(s, d), NARA_STORE_FAILED);
    assert_true(strlen(nara_store_errmsg(s)) > 0);
}

/* ---- (a) PRAGMA max_page_count ------------------------------------------------------ */

static void test_capped_database_fills_up_during_merge(void **state)
{
    fx_t *f = *state;
    nara_store_t *s = NULL;
    size_t b, committed = 2;
    assert_int_equal(nara_store_open(f->path, &s), NARA_OK);
    for (b = 0; b < committed; b++)
        assert_int_equal(merge_batch(s, f, b), NARA_OK);
    /* Room for about one more batch of ~16 KiB: the cap is hit inside a merge. */
    int64_t pages = pragma_int(s, "PRAGMA page_count");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 6);
    assert_true(pragma_int(s, sql) >= pages);
    nara_err_t err = NARA_OK;
    for (b = committed; b < n_batches(f) && err == NARA_OK; b++)
        if ((err = merge_batch(s, f, b)) == NARA_OK)
            committed++;
    assert_int_equal(err, NARA_FULL);
    assert_true(committed < n_batches(f));
    print_message("%zu batches committed, then NARA_FULL: %s\n", committed, nara_store_errmsg(s));
    check_failed(s, f);
    assert_non_null(strstr(nara_store_errmsg(s), "full"));
    nara_store_close(s);
    check_recovered(f, committed);
}

/* The same cap hit by a local append. */
static void test_capped_database_fills_up_during_append(void **state)
{
    fx_t *f = *state;
    nara_store_t *s = NULL;
    nara_keypair_t kp;
    uint8_t body[PAD + 64];
    size_t len = tu_body(body, sizeof body, 1, PAD), appended = 0;
    nara_err_t err = NARA_OK;
    tu_keypair(7, &kp);
    assert_int_equal(nara_store_open(f->path, &s), NARA_OK);
    assert_int_equal(merge_batch(s, f, 0), NARA_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
             (long long)pragma_int(s, "PRAGMA page_count") + 4);
    (void)pragma_int(s, sql);
    while (err == NARA_OK && appended < 1000)
        if ((err = nara_store_append(s, &kp, "32.01", "case.note", body, len, WALL, NULL)) ==
            NARA_OK)
            appended++;
    assert_int_equal(err, NARA_FULL);
    check_failed(s, f);
    nara_store_close(s);

    assert_int_equal(nara_store_open(f->path, &s), NARA_OK);
    check_integrity(s);
    nara_vv_t vv = {0};
    assert_int_equal(nara_store_vv(s, &vv), NARA_OK);
    assert_int_equal(nara_vv_seq(&vv, kp.pk, "32.01"), appended); /* the feed is contiguous */
    nara_vv_free(&vv);
    assert_int_equal(nara_store_append(s, &kp, "32.01", "case.note", body, len, WALL, NULL),
                     NARA_OK);
    nara_store_close(s);
}

/* ---- (b) RLIMIT_FSIZE in a child process --------------------------------------------- */

/* The child: open, limit file sizes to what exists plus `room`, merge batches from
 * `first` on, report each committed batch ('+'), then the error ('E' and the code) and
 * whether the store stayed failed ('S').  Exits 0, or 3 if the limit was never hit. */
static void child_merge(const fx_t *f, size_t first, off_t room, bool ignore_xfsz, int fd)
{
    nara_store_t *s = NULL;
    struct stat st;
    struct rlimit rl;
    if (ignore_xfsz)
        signal(SIGXFSZ, SIG_IGN);
    if (nara_store_open(f->path, &s) != NARA_OK || stat(f->path, &st) != 0)
        _exit(2);
    if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(2);
    rl.rlim_cur = (rlim_t)(st.st_size + room); /* the soft limit: no privilege needed */
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
        _exit(2);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(2);
    for (size_t b = first; b < n_batches(f); b++) {
        nara_err_t err = merge_batch(s, f, b);
        if (err == NARA_OK) {
            if (write(fd, "+", 1) != 1)
                _exit(2);
            continue;
        }
        nara_store_counts_t c;
        char msg[8];
        snprintf(msg, sizeof msg, "E%02dS%02d", (int)err, (int)nara_store_counts(s, &c));
        if (write(fd, msg, 6) != 6)
            _exit(2);
        nara_store_close(s); /* the checkpoint at close may fail too: harmless */
        _exit(0);
    }
    _exit(3);
}

/* Run the child; return its wait status, the batches it committed and its report. */
static int run_child(const fx_t *f, size_t first, off_t room, bool ignore_xfsz, size_t *plus,
                     char report[8])
{
    int fds[2], status = 0;
    char c;
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_merge(f, first, room, ignore_xfsz, fds[1]);
    }
    close(fds[1]);
    *plus = 0;
    memset(report, 0, 8);
    size_t r = 0;
    while (read(fds[0], &c, 1) == 1) {
        if (c == '+' && r == 0)
            (*plus)++;
        else if (r < 7)
            report[r++] = c;
    }
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    print_message("child committed %zu more batches, then %s\n", *plus,
                  WIFSIGNALED(status) ? "was killed" : report);
    return status;
}

static size_t commit_first_batches(const fx_t *f, size_t n)
{
    nara_store_t *s = NULL;
    assert_int_equal(nara_store_open(f->path, &s), NARA_OK);
    for (size_t b = 0; b < n; b++)
        assert_int_equal(merge_batch(s, f, b), NARA_OK);
    nara_store_close(s); /* checkpoints: the WAL starts empty in the child */
    return n;
}

static void test_file_size_limit_gives_a_clean_error(void **state)
{
    fx_t *f = *state;
    size_t committed = commit_first_batches(f, 2), plus;
    char report[8];
    int status = run_child(f, committed, 48 * 1024, true, &plus, report);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* EFBIG is not ENOSPC: SQLite's unix VFS says SQLITE_IOERR_WRITE, hence NARA_IO. */
    char expect[8];
    snprintf(expect, sizeof expect, "E%02dS%02d", (int)NARA_IO, (int)NARA_STORE_FAILED);
    assert_string_equal(report, expect);
    assert_true(committed + plus < n_batches(f));
    check_recovered(f, committed + plus);
}

static void test_killed_by_sigxfsz_in_the_middle_of_a_write(void **state)
{
    fx_t *f = *state;
    size_t committed = commit_first_batches(f, 2), plus;
    char report[8];
    int status = run_child(f, committed, 40 * 1024 + 1000, false, &plus, report);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGXFSZ);
    assert_string_equal(report, "");
    check_recovered(f, committed + plus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_capped_database_fills_up_during_merge, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_capped_database_fills_up_during_append, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_size_limit_gives_a_clean_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_by_sigxfsz_in_the_middle_of_a_write, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
