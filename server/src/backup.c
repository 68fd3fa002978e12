/*
 * backup.c - `narad backup --db FILE --out FILE`: copy a replica while narad
 * keeps serving it, then prove the copy is usable.
 *
 * Design notes
 * ------------
 *  1. The copy is SQLite's online backup (sqlite3_backup_step), a few
 *     hundred pages per step with a short sleep in between, so the copy
 *     does not hog the disk a running narad needs.
 *  2. Before the first step the source connection opens a read transaction
 *     (BEGIN; SELECT count(*) FROM events) and keeps it to the end.  A
 *     replica is always in WAL mode (docs/storage.md), so this pins one
 *     snapshot: narad's writers are never blocked by it, the backup never
 *     restarts because narad committed in between, and the copy holds
 *     exactly the events counted at the start (`start_events`).  The cost:
 *     narad's WAL cannot be checkpointed past the snapshot until the copy
 *     ends, so it grows for the copy's duration.
 *  3. The copy is written to OUT.tmp and only renamed to OUT after it
 *     verified: PRAGMA integrity_check says "ok"; it opens with
 *     nara_store_open (the application id, the schema version and every
 *     open-time check of a replica); it holds at least start_events events
 *     (exactly, by note 2).  It is then switched to journal_mode=DELETE, so
 *     the backup is one self-contained file, fsynced, renamed, and the
 *     directory fsynced.  On any failure OUT.tmp (and its -wal, -shm and
 *     -journal) is removed and OUT is never created.
 *  4. An existing OUT is never overwritten; the source must already be a
 *     replica (its application id is checked before anything is copied).
 *
 * Output: one line on stdout when done (events, digest of the accepted
 * set, size, time); progress on stderr about once a second when the copy
 * takes longer than a second; errors on stderr, one line each.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backup.h"
#include "narad.h"

#define BACKUP_STEP_PAGES 256 /* 1 MiB at 4 KiB pages */
#define BACKUP_SLEEP_MS 5
#define BACKUP_BUSY_RETRIES 2000       /* steps refused as busy, ~10 s */
#define NARA_APPLICATION_ID 0x6e617261 /* "nara", docs/storage.md */

const char narad__backup_usage[] =
    "usage: narad backup --db FILE --out FILE\n"
    "\n"
    "Copy the replica FILE (narad may be serving it) to a new file OUT with\n"
    "SQLite's online backup, then verify the copy: integrity_check, opens as a\n"
    "Naradamping store, holds every event the replica held when the copy began.\n"
    "OUT must not exist; it appears only once verified.  Restore: stop narad and\n"
    "copy OUT over the database (docs/operations.md).\n"
    "\n"
    "exit codes: 0 copied and verified, 1 failed (nothing left at OUT), 2 bad command line\n";

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int fail(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "narad: backup: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return NARAD_EXIT_RUNTIME;
}

/* One integer from a single-row query; -1 with *ok false on error. */
static long long query_int(sqlite3 *db, const char *sql, bool *ok)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    *ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    if (*ok)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- the copy (notes 1 and 2) -------------------------------------------- */

typedef struct {
    const char *db, *out;
    char tmp[4096];
    long long start_events;
    int pages;
    uint64_t t0;
} backup_t;

/* Open the source and pin its snapshot. */
static int open_source(backup_t *b, sqlite3 **src)
{
    bool ok;
    if (sqlite3_open_v2(b->db, src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return fail("cannot open %s: %s", b->db, sqlite3_errmsg(*src));
    sqlite3_busy_timeout(*src, 5000);
    long long app = query_int(*src, "PRAGMA application_id", &ok);
    if (!ok)
        return fail("%s: %s", b->db, sqlite3_errmsg(*src));
    if (app != NARA_APPLICATION_ID)
        return fail("%s is not a Naradamping replica%s", b->db, " (wrong application id)");
    if (sqlite3_exec(*src, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return fail("%s: cannot begin a read transaction: %s", b->db, sqlite3_errmsg(*src));
    b->start_events = query_int(*src, "SELECT count(*) FROM events", &ok);
    if (!ok)
        return fail("%s: cannot count events: %s", b->db, sqlite3_errmsg(*src));
    return 0;
}

static void progress(backup_t *b, sqlite3_backup *bk, uint64_t *last)
{
    uint64_t now = mono_ms();
    if (now - b->t0 < 1000 || now - *last < 1000)
        return;
    *last = now;
    int total = sqlite3_backup_pagecount(bk), left = sqlite3_backup_remaining(bk);
    if (total > 0)
        fprintf(stderr, "narad: backup: %d%% (%d of %d pages)\n",
                (int)(100.0 * (total - left) / total), total - left, total);
}

static int copy(backup_t *b, sqlite3 *src)
{
    sqlite3 *dst = NULL;
    int rc = NARAD_EXIT_RUNTIME;
    if (sqlite3_open_v2(b->tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        fail("cannot create %s: %s", b->tmp, sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
    if (!bk) {
        fail("cannot start the copy to %s: %s", b->tmp, sqlite3_errmsg(dst));
        goto out;
    }
    uint64_t last = 0;
    int busy = 0, step;
    while ((step = sqlite3_backup_step(bk, BACKUP_STEP_PAGES)) != SQLITE_DONE) {
        bool retry = step == SQLITE_BUSY || step == SQLITE_LOCKED;
        if ((step != SQLITE_OK && !retry) || (retry && ++busy > BACKUP_BUSY_RETRIES))
            break;
        progress(b, bk, &last);
        sleep_ms(BACKUP_SLEEP_MS);
    }
    b->pages = sqlite3_backup_pagecount(bk);
    sqlite3_backup_finish(bk);
    if (step != SQLITE_DONE) {
        fail("copy to %s failed: %s", b->tmp, sqlite3_errstr(step));
        goto out;
    }
    rc = 0;
out:
    if (sqlite3_close(dst) != SQLITE_OK && rc == 0)
        rc = fail("cannot close %s: %s", b->tmp, sqlite3_errmsg(dst));
    return rc;
}

/* ---- verification (note 3) ----------------------------------------------- */

static int check_integrity(backup_t *b)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = NARAD_EXIT_RUNTIME;
    if (sqlite3_open_v2(b->tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        fail("cannot check %s: %s", b->tmp, sqlite3_errmsg(db));
        goto out;
    }
    int n = 0, step;
    bool clean = true;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(st, 0);
        if (n++ == 0 && row && strcmp(row, "ok") == 0)
            continue;
        clean = false;
        if (n <= 5)
            fprintf(stderr, "narad: backup: integrity_check: %s\n", row ? row : "?");
    }
    if (step != SQLITE_DONE || !clean)
        fail("the copy %s is damaged%s", b->tmp, step != SQLITE_DONE ? " (check failed)" : "");
    else
        rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int check_store(backup_t *b, uint64_t *events, char digest[2 * NARA_HASH_BYTES + 1])
{
    nara_store_t *s = NULL;
    nara_store_counts_t n;
    uint8_t d[NARA_HASH_BYTES];
    nara_err_t err = nara_store_open(b->tmp, &s);
    if (err == NARA_OK)
        err = nara_store_counts(s, &n);
    if (err == NARA_OK)
        err = nara_store_digest(s, d);
    if (err != NARA_OK) {
        char why[320];
        snprintf(why, sizeof why, "%s%s%s", nara_strerror(err), s ? ": " : "",
                 s ? nara_store_errmsg(s) : "");
        nara_store_close(s);
        return fail("the copy does not open as a Naradamping store: %s%s", why, "");
    }
    nara_store_close(s);
    if ((long long)n.events < b->start_events) {
        char msg[96];
        snprintf(msg, sizeof msg, "%llu events, fewer than the %lld at the start",
                 (unsigned long long)n.events, b->start_events);
        return fail("the copy holds %s%s", msg, "");
    }
    *events = n.events;
    nara_hex(d, sizeof d, digest);
    return 0;
}

/* One self-contained file (note 3): no -wal to carry along. */
static int make_standalone(backup_t *b)
{
    sqlite3 *db = NULL;
    int ok = sqlite3_open_v2(b->tmp, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
             sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok)
        fail("cannot finish %s: %s", b->tmp, sqlite3_errmsg(db));
    if (sqlite3_close(db) != SQLITE_OK)
        ok = 0;
    return ok ? 0 : NARAD_EXIT_RUNTIME;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static int publish(backup_t *b)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", b->out);
    if (fsync_path(b->tmp, O_RDONLY) != 0)
        return fail("cannot sync %s: %s", b->tmp, strerror(errno));
    if (access(b->out, F_OK) == 0)
        return fail("%s appeared while copying; not overwritten%s", b->out, "");
    if (rename(b->tmp, b->out) != 0)
        return fail("cannot rename the copy to %s: %s", b->out, strerror(errno));
    fsync_path(dirname(dir), O_RDONLY | O_DIRECTORY);
    return 0;
}

static void remove_tmp(const backup_t *b)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[4200];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(p, sizeof p, "%s%s", b->tmp, suffix[i]);
        unlink(p);
    }
}

/* ---- the command ------------------------------------------------------------ */

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "narad: backup: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", narad__backup_usage);
    return NARAD_EXIT_USAGE;
}

static int parse(int argc, char **argv, backup_t *b, bool *help)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = true;
            return 0;
        }
        const char **slot = strcmp(a, "--db") == 0    ? &b->db
                            : strcmp(a, "--out") == 0 ? &b->out
                                                      : NULL;
        if (!slot)
            return usage("unknown option '%s'", a);
        if (i + 1 >= argc || !*argv[i + 1])
            return usage("%s needs a FILE", a);
        *slot = argv[++i];
    }
    if (!b->db)
        return usage("%s is required", "--db FILE");
    if (!b->out)
        return usage("%s is required", "--out FILE");
    if (snprintf(b->tmp, sizeof b->tmp, "%s.tmp", b->out) >= (int)sizeof b->tmp)
        return usage("--out is too long: '%s'", b->out);
    return 0;
}

int narad__backup_cmd(int argc, char **argv)
{
    backup_t b = {0};
    bool help = false;
    int rc = parse(argc, argv, &b, &help);
    if (rc || help) {
        if (help)
            fputs(narad__backup_usage, stdout);
        return rc;
    }
    if (access(b.db, F_OK) != 0)
        return fail("%s: %s", b.db, strerror(errno));
    if (access(b.out, F_OK) == 0)
        return fail("%s already exists; a backup never overwrites a file%s", b.out, "");
    remove_tmp(&b); /* left by an interrupted backup */
    b.t0 = mono_ms();
    sqlite3 *src = NULL;
    rc = open_source(&b, &src);
    if (rc == 0)
        rc = copy(&b, src);
    if (src)
        sqlite3_exec(src, "COMMIT", NULL, NULL, NULL); /* ends the pinned snapshot */
    sqlite3_close(src);
    uint64_t events = 0;
    char digest[2 * NARA_HASH_BYTES + 1] = "";
    if (rc == 0)
        rc = check_integrity(&b);
    if (rc == 0)
        rc = check_store(&b, &events, digest);
    if (rc == 0)
        rc = make_standalone(&b);
    if (rc == 0)
        rc = publish(&b);
    if (rc) {
        remove_tmp(&b);
        return rc;
    }
    struct stat st;
    double mib = stat(b.out, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0;
    printf("backup of %s: %llu events, digest %s, integrity ok, %.1f MiB in %.1f s -> %s\n", b.db,
           (unsigned long long)events, digest, mib, (double)(mono_ms() - b.t0) / 1000.0, b.out);
    return NARAD_EXIT_OK;
}
