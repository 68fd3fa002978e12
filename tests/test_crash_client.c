/*
 * test_crash_client.c - the `nara` client SIGKILLed while it records cases.
 *
 * A recorder process runs `nara case open` again and again on one replica,
 * appending each run's stdout to a log; the test kills it (and the `nara`
 * it is running) with SIGKILL after a random delay, at least KILLS times.
 * After every kill:
 *  - every case the CLI printed as recorded ("case.open recorded: <id>",
 *    complete lines of its stdout up to the kill) is there: `nara case show`
 *    finds it (the CLI prints only after the commit, and a commit with
 *    synchronous=FULL survives the kill);
 *  - SQLite's integrity_check on the replica says "ok";
 *  - the next `nara` command works (no stale lock, no half-written state).
 * At the end the replica holds every printed case and at most one unprinted
 * case per kill (committed, killed before printing).
 *
 * Delays are drawn from a seeded PRNG (NARA_CRASH_SEED overrides the seed),
 * so a failure names its seed.  The kills land anywhere: before the replica
 * is opened, inside the write transaction or the fsync, while folding,
 * while printing.  Linux only (PR_SET_CHILD_SUBREAPER, to reap the killed
 * `nara` before looking at its replica).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e/nara_run.h"

#ifndef NARA_PATH
#error "NARA_PATH must name the built nara binary"
#endif

#define KILLS 40
#define MAX_CASES 1024
#define DEFAULT_SEED 20260105u
#define PREFIX "case.open recorded: "

static nr_result_t res; /* large: one static result per run */

#define NARA(db, ...) nr_nara(&res, NARA_PATH, (db), __VA_ARGS__, (const char *)NULL)

typedef struct {
    char dir[256];
    char p[320], r[320], log[320], err[320];
    char ids[MAX_CASES][65];
    size_t n_ids;
} fx_t;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nr_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->p, sizeof f->p, "%s/province.db", f->dir);
    snprintf(f->r, sizeof f->r, "%s/bogor.db", f->dir);
    snprintf(f->log, sizeof f->log, "%s/recorder.out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/recorder.err", f->dir);
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

/* A province and an enrolled regency replica (32.01) that knows its enrolment. */
static void make_regency(fx_t *f)
{
    char root[65], key[65], delta[340];
    assert_int_equal(NARA(f->p, "province", "init"), 0);
    assert_int_equal(NARA(f->p, "key"), 0);
    snprintf(root, sizeof root, "%.64s", res.out);
    assert_int_equal(NARA(f->r, "init", "--root", root), 0);
    assert_int_equal(NARA(f->r, "key"), 0);
    snprintf(key, sizeof key, "%.64s", res.out);
    assert_int_equal(NARA(f->p, "enroll", "--device", key, "--role", "regency", "--scope", "32.01",
                          "--name", "Pemkab Bogor"),
                     0);
    snprintf(delta, sizeof delta, "%s/enrol.delta", f->dir);
    assert_int_equal(NARA(f->p, "export", "--all", "--out", delta), 0);
    assert_int_equal(NARA(f->r, "import", delta), 0);
}

/* The recorder: its own process group; runs `nara case open` until killed, each
 * run's stdout appended to f->log.  Exits 10 if a run fails (never expected). */
static pid_t start_recorder(const fx_t *f, int round)
{
    /* Emptied here, not in the child: a kill may come before the child runs at all. */
    FILE *log = fopen(f->log, "w"), *errlog = fopen(f->err, "w");
    assert_true(log && errlog);
    fclose(log);
    fclose(errlog);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid != 0) {
        setpgid(pid, pid); /* also done by the child: whichever runs first */
        return pid;
    }
    setpgid(0, 0);
    int out = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    int err = open(f->err, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
        _exit(2);
    alarm(NR_TIMEOUT_S);
    for (int i = 0;; i++) {
        char title[64];
        snprintf(title, sizeof title, "Kill %d, case %d", round, i);
        const char *argv[] = {
            NARA_PATH,    "--db",    f->r,         "case",          "open",
            "--region",   "32.01",   "--category", "sosial",        "--function",
            "koordinasi", "--title", title,        "--description", "Rekaman sebelum mati listrik",
            "--priority", "sedang",  NULL};
        pid_t c = fork();
        if (c < 0)
            _exit(2);
        if (c == 0) {
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
        int st = 0;
        while (waitpid(c, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            _exit(10);
    }
}

/* SIGKILL the whole group, then reap the recorder and the orphaned `nara`
 * (we are their subreaper).  Returns the recorder's wait status. */
static int kill_recorder(pid_t pid)
{
    int st = 0, other;
    assert_int_equal(kill(-pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    while (waitpid(-pid, &other, 0) > 0 || errno == EINTR)
        ;
    return st;
}

/* Ids of the complete "case.open recorded: <id>" lines of the log, appended to f. */
static size_t read_printed(fx_t *f)
{
    char line[256];
    size_t n = 0;
    FILE *in = fopen(f->log, "r");
    assert_non_null(in);
    while (fgets(line, sizeof line, in)) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n')
            break; /* cut by the kill: not printed */
        assert_memory_equal(line, PREFIX, strlen(PREFIX));
        assert_int_equal(len, strlen(PREFIX) + 64 + 1);
        assert_true(f->n_ids < MAX_CASES);
        memcpy(f->ids[f->n_ids], line + strlen(PREFIX), 64);
        f->ids[f->n_ids++][64] = '\0';
        n++;
    }
    fclose(in);
    return n;
}

static void check_integrity(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_killed_while_recording_loses_no_printed_case(void **state)
{
    fx_t *f = *state;
    const char *env = getenv("NARA_CRASH_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : DEFAULT_SEED;
    rng_state = seed;
    print_message("seed %llu (NARA_CRASH_SEED)\n", (unsigned long long)seed);
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    make_regency(f);

    for (int k = 0; k < KILLS; k++) {
        /* Mostly within the first few runs (~40 ms each), sometimes at once. */
        int delay_ms = (int)(rnd() % 8 == 0 ? rnd() % 5 : 5 + rnd() % 200);
        size_t before = f->n_ids;
        pid_t pid = start_recorder(f, k);
        nr_sleep_ms(delay_ms);
        int st = kill_recorder(pid);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
            char err[4096] = "";
            FILE *e = fopen(f->err, "r");
            if (e) {
                size_t got = fread(err, 1, sizeof err - 1, e);
                err[got] = '\0';
                fclose(e);
            }
            fail_msg("kill %d (seed %llu): recorder ended by itself (status %d): %s", k,
                     (unsigned long long)seed, st, err);
        }
        read_printed(f);
        check_integrity(f->r);
        for (size_t i = before; i < f->n_ids; i++) {
            if (NARA(f->r, "case", "show", f->ids[i]) != 0 || !strstr(res.out, f->ids[i]))
                fail_msg("kill %d (seed %llu): printed case %s is missing: %s", k,
                         (unsigned long long)seed, f->ids[i], res.err);
        }
        assert_int_equal(NARA(f->r, "status"), 0);
    }

    /* Every printed case, and at most one unprinted one per kill. */
    assert_int_equal(NARA(f->r, "--json", "case", "list"), 0);
    size_t listed = nr_count(res.out, "\"id\":");
    for (size_t i = 0; i < f->n_ids; i++)
        assert_non_null(strstr(res.out, f->ids[i]));
    print_message("%d kills, %zu cases printed, %zu in the replica\n", KILLS, f->n_ids, listed);
    assert_true(listed >= f->n_ids && listed <= f->n_ids + KILLS);
    assert_true(f->n_ids > 0);
    check_integrity(f->r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_killed_while_recording_loses_no_printed_case, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
