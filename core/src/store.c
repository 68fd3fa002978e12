/*
 * store.c - one replica's log in SQLite: opening, the schema, the cached
 * statements, transactions and the translation of SQLite errors.  The merge
 * and append paths are in store_merge.c, read-only queries and the streaming
 * iterator in store_read.c.  docs/storage.md is the longer description.
 *
 * DESIGN NOTES
 *
 * Tables (one SQLite file, WAL, synchronous=FULL):
 *   feeds      one row per feed (author, stream) with at least one accepted
 *              event: head_seq, head_id, head_link (link of the head event).
 *   events     accepted events; INTEGER PRIMARY KEY `ord` is the acceptance
 *              order, (feed, seq) UNIQUE, exact bytes as received.  Ids are
 *              found through `idk`, the id's first four bytes as an integer
 *              (nara_idk, below), indexed but not unique: a look-up by id
 *              is `idk = nara_idk(?) AND id = ?`.  Ids are unique without an
 *              index of their own because an id is the hash of an event that
 *              names its author, stream and seq, and (feed, seq) is unique.
 *              A 4-byte key keeps the one index whose inserts land at random
 *              places small: it is what a merge writes most of as the log
 *              grows (docs/storage.md, "Performance").
 *   pending    events held until their predecessor is accepted, keyed by
 *              link; indexed by (author, stream, seq) and by id.  sig_ok = 1:
 *              signature verified (or vouched for by a verified successor of
 *              the same batch, VERIFY_CHAIN); sig_ok = 0: the signature failed
 *              (the event is also quarantined) and it waits to be endorsed.
 *   forks      evidence: two signed events that cannot both be in the feed.
 *              UNIQUE(held_id, other_id) stores each pair once.
 *   quarantine rejected inputs with their reason (bytes capped).
 *   meta       key/value; 'clock' is the hybrid logical clock.
 * The schema version is PRAGMA user_version (3).  Older files are migrated
 * at open (migrate): version 1 had pending keyed by id, without link and
 * sig_ok; versions 1 and 2 had events(id UNIQUE) without idk.
 *
 * Validity.  An event is valid when its signature verifies or it is
 * endorsed: a valid later event of its feed (recursively) has prev equal to
 * its link.  The link hashes the event's id and signature, so the author's
 * signature on the successor vouches for the predecessor exactly as received;
 * only the author can endorse (docs/format.md section 8).  Both verify modes
 * accept exactly the valid events that extend the chain.
 *
 * Invariants (numbers 1-5 are those of nara_store.h):
 *   1. For every feed the rows of `events` are exactly seq 1..head_seq, each
 *      one's prev equal to the link of the one before, each valid (its
 *      signature verified, or endorsed: see store_merge.c).  Rows of
 *      `events` and `feeds` are only ever inserted, and a feed's head only
 *      ever advances by one.  Inside a write transaction the head of the
 *      feed being worked on lives in a cache (txn_t in store_merge.c) and is
 *      written back to `feeds` before the next feed and before COMMIT.
 *   2. Merging is set union; order, split, duplication and verify mode do
 *      not change the accepted set (forks aside).  This holds because
 *      acceptance depends only on the set of events received for the feed
 *      and the feed's accepted prefix, never on time or on the batch, and
 *      because pending events are promoted as soon as they are promotable
 *      (invariant 6).
 *   3. Every write (merge, append) is one BEGIN IMMEDIATE ... COMMIT; on any
 *      error the transaction is rolled back before the call returns.
 *   4. A second event at an occupied position is never applied; it goes to
 *      `forks` with the held one.
 *   5. A storage failure (the translation gives NARA_IO, NARA_FULL or
 *      NARA_CORRUPT) sets `failed`; from then on every public call returns
 *      NARA_STORE_FAILED and errmsg keeps the first failure's detail.
 *   6. Every pending row has seq > head_seq of its feed (head_seq = 0 for an
 *      unknown feed).  A row with sig_ok = 1 has seq > head_seq + 1; a row
 *      at head_seq + 1 has sig_ok = 0, links onto the head and is not
 *      endorsed by the pending rows.  Whenever a head advances to h, or a row
 *      is held at h + 1 or while the feed has pending rows at h + 1, the
 *      candidates at h + 1 are promoted, turned into fork evidence or deleted
 *      (and rows left at or below h deleted) in the same transaction.
 *   7. A pending row's signature has been verified (sig_ok = 1: directly,
 *      or vouched for by a verified successor of its batch in VERIFY_CHAIN),
 *      or sig_ok = 0 and it is quarantined too.  A row with sig_ok = 0 is
 *      promoted only when endorsed (store_merge.c), is never fork evidence
 *      and never counts for feed_behind.  A pending row's id is not in
 *      `events`, and at most one row per id has sig_ok = 1.
 *   8. meta.clock only grows: it is max'ed with every observed timestamp and
 *      ticked past the previous value for every local event.
 *
 * States:   OPEN --storage failure--> FAILED --nara_store_close--> (gone)
 *           OPEN --nara_store_close--> (gone)
 * nara__store_sqlite_err is the only place that moves OPEN to FAILED.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_impl.h"

static const char *const stmt_sql[NARA__Q_COUNT] = {
#define NARA__STMT_SQL(name, sql) sql,
    NARA__STORE_STMTS(NARA__STMT_SQL)
#undef NARA__STMT_SQL
};

/* The pending table as of schema version 2 (version 1 had no link or sig_ok
 * and was keyed by id; see migrate_v1). */
#define PENDING_SQL                                                                                \
    "CREATE TABLE pending(link BLOB PRIMARY KEY, id BLOB NOT NULL, author BLOB NOT NULL,"          \
    " stream TEXT NOT NULL, seq INTEGER NOT NULL, prev BLOB NOT NULL,"                             \
    " sig_ok INTEGER NOT NULL DEFAULT 1, bytes BLOB NOT NULL, wall_ms INTEGER NOT NULL);"          \
    "CREATE INDEX pending_pos ON pending(author, stream, seq);"                                    \
    "CREATE INDEX pending_id ON pending(id);"

/* The events table as of schema version 3 (see migrate_v2). */
#define EVENTS_TABLE_SQL                                                                           \
    "CREATE TABLE events(ord INTEGER PRIMARY KEY, idk INTEGER NOT NULL, id BLOB NOT NULL,"         \
    " feed INTEGER NOT NULL REFERENCES feeds(id), seq INTEGER NOT NULL,"                           \
    " hlc INTEGER NOT NULL, kind TEXT NOT NULL, bytes BLOB NOT NULL, UNIQUE(feed, seq));"
#define EVENTS_INDEX_SQL "CREATE INDEX events_idk ON events(idk);"

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
    "INSERT INTO meta(key, value) VALUES('clock', 0);"
    "CREATE TABLE feeds(id INTEGER PRIMARY KEY, author BLOB NOT NULL, stream TEXT NOT NULL,"
    " head_seq INTEGER NOT NULL, head_id BLOB NOT NULL, head_link BLOB NOT NULL,"
    " UNIQUE(author, stream));" EVENTS_TABLE_SQL EVENTS_INDEX_SQL PENDING_SQL
    "CREATE TABLE forks(ord INTEGER PRIMARY KEY, author BLOB NOT NULL, stream TEXT NOT NULL,"
    " seq INTEGER NOT NULL, reason INTEGER NOT NULL, held_id BLOB NOT NULL,"
    " other_id BLOB NOT NULL, held BLOB NOT NULL, other BLOB NOT NULL,"
    " wall_ms INTEGER NOT NULL, UNIQUE(held_id, other_id));"
    "CREATE INDEX forks_pos ON forks(author, stream, seq);"
    "CREATE TABLE quarantine(ord INTEGER PRIMARY KEY, id BLOB, bytes BLOB NOT NULL,"
    " len INTEGER NOT NULL, reason INTEGER NOT NULL, wall_ms INTEGER NOT NULL);";

/* ---- the id key --------------------------------------------------------- */

/* SQL function nara_idk(id): the id's first four bytes, big-endian, minus
 * 2^31, so that the key fits SQLite's 4-byte integer and ordering by
 * (idk, id) is ordering by id.  NULL for a value that is not a blob of at
 * least four bytes, which then matches no row. */
static void sql_idk(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_BLOB || sqlite3_value_bytes(argv[0]) < 4) {
        sqlite3_result_null(ctx);
        return;
    }
    const uint8_t *b = sqlite3_value_blob(argv[0]);
    uint32_t u = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    sqlite3_result_int64(ctx, (sqlite3_int64)u - 0x80000000LL);
}

/* ---- errors ------------------------------------------------------------- */

/* SQLite primary result code to nara_err_t.  Anything unexpected (a
 * constraint violated, a table missing) means the file does not hold what the
 * invariants say, so it counts as corruption. */
static nara_err_t translate(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return NARA_OK;
    case SQLITE_NOMEM:
        return NARA_NOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return NARA_BUSY;
    case SQLITE_FULL:
        return NARA_FULL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
    case SQLITE_ERROR:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_SCHEMA:
        return NARA_CORRUPT;
    default: /* IOERR*, CANTOPEN, READONLY, PERM, PROTOCOL, ... */
        return NARA_IO;
    }
}

static bool is_storage_failure(nara_err_t err)
{
    return err == NARA_IO || err == NARA_FULL || err == NARA_CORRUPT;
}

/* Translate rc, record `what` and SQLite's message, and fail the store on a
 * storage failure.  The message of the first failure is kept. */
nara_err_t nara__store_sqlite_err(nara_store_t *s, int rc, const char *what)
{
    nara_err_t err = translate(rc);
    if (err == NARA_OK || s == NULL || s->failed)
        return err;
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s (%s)", what, sqlite3_errstr(rc),
             s->db ? sqlite3_errmsg(s->db) : "no connection");
    if (is_storage_failure(err))
        s->failed = true;
    return err;
}

nara_err_t nara__store_fail(nara_store_t *s, nara_err_t err, const char *fmt, ...)
{
    va_list ap;
    if (s->failed)
        return err;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
    if (is_storage_failure(err))
        s->failed = true;
    return err;
}

const char *nara_store_errmsg(const nara_store_t *s)
{
    return s ? s->errmsg : "";
}

/* ---- statements and transactions ---------------------------------------- */

sqlite3_stmt *nara__store_stmt(nara_store_t *s, nara__stmt_id_t id)
{
    sqlite3_stmt *st = s->stmt[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

nara_err_t nara__store_exec(nara_store_t *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, what);
    sqlite3_reset(st);
    return err;
}

nara_err_t nara__store_begin(nara_store_t *s)
{
    return nara__store_exec(s, nara__store_stmt(s, NARA__Q_BEGIN), "begin");
}

nara_err_t nara__store_commit(nara_store_t *s)
{
    return nara__store_exec(s, nara__store_stmt(s, NARA__Q_COMMIT), "commit");
}

/* Roll back if a transaction is still open.  Uses sqlite3_exec rather than
 * the cached statement and reports nothing: the caller is already returning
 * the error that made it roll back. */
void nara__store_rollback(nara_store_t *s, bool began)
{
    if (!began)
        return;
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < s->n_hooks; i++)
        if (s->hooks[i].after_rollback)
            s->hooks[i].after_rollback(s->hooks[i].ctx);
}

nara_err_t nara__store_clock_get(nara_store_t *s, uint64_t *out)
{
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_CLOCK_GET);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, "read clock");
    if (err == NARA_OK && rc != SQLITE_ROW)
        err = nara__store_fail(s, NARA_CORRUPT, "read clock: meta row missing");
    if (err == NARA_OK)
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return err;
}

nara_err_t nara__store_clock_set(nara_store_t *s, uint64_t value)
{
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_CLOCK_SET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)value);
    return nara__store_exec(s, st, "write clock");
}

/* ---- open / close ------------------------------------------------------- */

/* Run a one-row, one-integer query (a PRAGMA, a count). */
static nara_err_t query_int(nara_store_t *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, sql);
    *out = (err == NARA_OK && rc == SQLITE_ROW) ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return err;
}

/* Decide what the file is.  *fresh is true for an empty database (new
 * file); otherwise it must carry our application_id and a schema version this
 * program knows.  NARA_CORRUPT for a foreign file, NARA_SCHEMA for a newer one. */
static nara_err_t check_identity(nara_store_t *s, bool *fresh, int64_t *version_out)
{
    int64_t app = 0, version = 0, objects = 0;
    nara_err_t err = query_int(s, "PRAGMA application_id", &app);
    if (err == NARA_OK)
        err = query_int(s, "PRAGMA user_version", &version);
    if (err == NARA_OK)
        err = query_int(s, "SELECT count(*) FROM sqlite_master", &objects);
    if (err != NARA_OK)
        return err;
    *version_out = version;
    *fresh = app == 0 && version == 0 && objects == 0;
    if (*fresh)
        return NARA_OK;
    if (app != NARA__STORE_APP_ID || version < 1)
        return nara__store_fail(s, NARA_CORRUPT, "open: not a Naradamping replica");
    if (version > NARA__STORE_SCHEMA_VERSION)
        return nara__store_fail(s, NARA_SCHEMA, "open: schema version %lld is newer than %d",
                                (long long)version, NARA__STORE_SCHEMA_VERSION);
    return NARA_OK;
}

/* WAL and synchronous=FULL: a transaction that committed survives power
 * loss (with synchronous=NORMAL, WAL may lose the last commits).  Then the
 * three settings that only change speed (docs/storage.md, "Performance"):
 * NARA__STORE_PAGE_SIZE for a new file (fewer, larger pages: fewer levels
 * and splits per insert; larger still would write more per random index
 * insert once the log is large), a page cache of NARA__STORE_CACHE_KIB, so
 * that a merge's random index pages are read once, and a checkpoint every
 * NARA__STORE_CHECKPOINT_KIB of WAL instead of SQLite's 1000 pages, so that
 * a page changed by many commits is copied into the database once and each
 * checkpoint's two fsyncs are paid rarely. */
static nara_err_t set_durability(nara_store_t *s)
{
    sqlite3_stmt *st = NULL;
    char sql[96];
    int64_t page = 0;
    /* a no-op unless the file is empty */
    snprintf(sql, sizeof sql, "PRAGMA page_size=%d", NARA__STORE_PAGE_SIZE);
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, "journal_mode");
    if (err == NARA_OK) {
        const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (mode == NULL || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0))
            err = nara__store_fail(s, NARA_IO, "open: cannot enable WAL (mode %s)",
                                   mode ? mode : "?");
    }
    sqlite3_finalize(st);
    if (err == NARA_OK) {
        rc = sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "synchronous");
    }
    if (err == NARA_OK)
        err = query_int(s, "PRAGMA page_size", &page);
    if (err == NARA_OK) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d; PRAGMA wal_autocheckpoint=%lld",
                 NARA__STORE_CACHE_KIB,
                 (long long)(NARA__STORE_CHECKPOINT_KIB * 1024LL / (page > 0 ? page : 4096)));
        rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "cache and checkpoint settings");
    }
    return err;
}

/* Create the schema in one transaction, unless another process did it
 * between check_identity and our write lock. */
static nara_err_t create_schema(nara_store_t *s)
{
    char sql[128];
    bool fresh = false;
    int64_t version = 0;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    nara_err_t err = nara__store_sqlite_err(s, rc, "begin schema");
    if (err != NARA_OK)
        return err;
    err = check_identity(s, &fresh, &version);
    if (err == NARA_OK && fresh) {
        rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "create schema");
    }
    if (err == NARA_OK && fresh) {
        snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
                 NARA__STORE_APP_ID, NARA__STORE_SCHEMA_VERSION);
        rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "set schema version");
    }
    if (err == NARA_OK) {
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "commit schema");
    }
    if (err != NARA_OK && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

/* Copy every version-1 pending row (all had verified signatures) into the
 * version-2 table, computing its link from its bytes. */
static nara_err_t copy_v1_pending(nara_store_t *s)
{
    sqlite3_stmt *sel = NULL, *ins = NULL;
    nara_event_t ev;
    uint8_t link[NARA_HASH_BYTES];
    int rc = sqlite3_prepare_v2(s->db, "SELECT bytes, wall_ms FROM pending_v1", -1, &sel, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO pending(link, id, author, stream, seq, prev, sig_ok,"
                                " bytes, wall_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
                                -1, &ins, NULL);
    nara_err_t err = nara__store_sqlite_err(s, rc, "migrate pending: prepare");
    while (err == NARA_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const void *bytes = sqlite3_column_blob(sel, 0);
        int len = sqlite3_column_bytes(sel, 0);
        if (bytes == NULL || nara_event_decode(bytes, (size_t)len, &ev) != NARA_OK) {
            err = nara__store_fail(s, NARA_CORRUPT, "migrate pending: bad row");
            break;
        }
        nara_event_link(&ev, link);
        sqlite3_reset(ins);
        sqlite3_bind_blob(ins, 1, link, NARA_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 2, ev.id, NARA_ID_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 3, ev.author, NARA_PUBLICKEY_BYTES, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, ev.stream, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 5, (sqlite3_int64)ev.seq);
        sqlite3_bind_blob(ins, 6, ev.prev, NARA_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 7, bytes, len, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 8, sqlite3_column_int64(sel, 1));
        err = nara__store_sqlite_err(s, sqlite3_step(ins), "migrate pending: insert");
    }
    if (err == NARA_OK)
        err = nara__store_sqlite_err(s, rc, "migrate pending: read");
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    return err;
}

/* Version 1 -> 2: pending gains link (its new key, so that a copy with a bad
 * signature cannot shadow the genuine event of the same id) and sig_ok. */
static nara_err_t migrate_v1(nara_store_t *s)
{
    int rc = sqlite3_exec(s->db,
                          "ALTER TABLE pending RENAME TO pending_v1;"
                          "DROP INDEX pending_pos;" PENDING_SQL,
                          NULL, NULL, NULL);
    nara_err_t err = nara__store_sqlite_err(s, rc, "migrate pending: tables");
    if (err == NARA_OK)
        err = copy_v1_pending(s);
    if (err == NARA_OK) {
        rc = sqlite3_exec(s->db, "DROP TABLE pending_v1", NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "migrate pending: finish");
    }
    return err;
}

/* Version 2 -> 3: events gains idk and loses its UNIQUE index on id (see
 * the design notes).  The rows are copied in ord order, so every ord (which
 * the log and the domain refer to) stays; the idk index is built after the
 * copy, by sorting, rather than by one random insert per row. */
static nara_err_t migrate_v2(nara_store_t *s)
{
    int rc = sqlite3_exec(s->db,
                          "ALTER TABLE events RENAME TO events_v2;" EVENTS_TABLE_SQL
                          "INSERT INTO events(ord, idk, id, feed, seq, hlc, kind, bytes)"
                          " SELECT ord, nara_idk(id), id, feed, seq, hlc, kind, bytes"
                          " FROM events_v2 ORDER BY ord;"
                          "DROP TABLE events_v2;" EVENTS_INDEX_SQL,
                          NULL, NULL, NULL);
    return nara__store_sqlite_err(s, rc, "migrate events");
}

/* Bring an older file to NARA__STORE_SCHEMA_VERSION, one version at a time,
 * in one transaction, re-checked under the write lock like create_schema. */
static nara_err_t migrate(nara_store_t *s)
{
    char sql[64];
    bool fresh = false;
    int64_t version = 0;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    nara_err_t err = nara__store_sqlite_err(s, rc, "begin migration");
    if (err != NARA_OK)
        return err;
    err = check_identity(s, &fresh, &version);
    if (err == NARA_OK && !fresh && version == 1)
        err = migrate_v1(s);
    if (err == NARA_OK && !fresh && version <= 2)
        err = migrate_v2(s);
    if (err == NARA_OK && version < NARA__STORE_SCHEMA_VERSION) {
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d", NARA__STORE_SCHEMA_VERSION);
        rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "migration: set version");
    }
    if (err == NARA_OK) {
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        err = nara__store_sqlite_err(s, rc, "commit migration");
    }
    if (err != NARA_OK && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

static nara_err_t prepare_all(nara_store_t *s)
{
    for (int i = 0; i < NARA__Q_COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                    NULL);
        nara_err_t err = nara__store_sqlite_err(s, rc, stmt_sql[i]);
        if (err != NARA_OK)
            return err;
    }
    return NARA_OK;
}

/* Once per process: no memory statistics.  With them (SQLite's default)
 * every allocation and free takes a global mutex; nothing here reads them
 * (sqlite3_memory_used, a soft heap limit).  If SQLite is initialised
 * already the call fails and changes nothing, which is harmless. */
static void sqlite_process_setup(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void nara_store_global_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_process_setup);
}

/* Open in order: connection, identity (read only, so a foreign file is
 * never modified), durability settings, schema for a new file or migration
 * of an older one, statements.
 * Any failure closes what was opened; *out stays NULL. */
nara_err_t nara_store_open(const char *path, nara_store_t **out)
{
    nara_store_t *s = NULL;
    bool fresh = false;
    int64_t version = 0;
    nara_err_t err;
    int rc;

    if (out == NULL)
        return NARA_INVAL;
    *out = NULL;
    if (path == NULL)
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    nara_store_global_init();
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NARA_NOMEM;
    s->threads = 1;
    /* NOMUTEX: a store is used by one thread at a time (nara_store.h), so
     * SQLite's per-call connection mutex is pure overhead. */
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    err = nara__store_sqlite_err(s, rc, "open");
    if (err != NARA_OK)
        goto err;
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    rc = sqlite3_create_function_v2(s->db, "nara_idk", 1,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                    sql_idk, NULL, NULL, NULL);
    err = nara__store_sqlite_err(s, rc, "register nara_idk");
    if (err == NARA_OK)
        err = check_identity(s, &fresh, &version);
    if (err == NARA_OK)
        err = set_durability(s);
    if (err == NARA_OK && fresh)
        err = create_schema(s);
    if (err == NARA_OK && !fresh && version < NARA__STORE_SCHEMA_VERSION)
        err = migrate(s);
    if (err == NARA_OK)
        err = prepare_all(s);
    if (err != NARA_OK)
        goto err;
    *out = s;
    return NARA_OK;
err:
    nara_store_close(s);
    return err;
}

/* Finalize every cached statement and close.  sqlite3_close_v2 defers the
 * close while an iterator still holds its statements. */
void nara_store_close(nara_store_t *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < NARA__Q_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    sqlite3_close_v2(s->db);
    free(s);
}

/* ---- small accessors ---------------------------------------------------- */

uint64_t nara__store_streamed_batches(const nara_store_t *s)
{
    return s ? s->streamed_batches : 0;
}

void nara_store_set_verify_mode(nara_store_t *s, nara_verify_mode_t mode)
{
    if (s != NULL && (mode == NARA_VERIFY_EACH || mode == NARA_VERIFY_CHAIN))
        s->verify = mode;
}

void nara_store_set_threads(nara_store_t *s, unsigned threads)
{
    if (s == NULL)
        return;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (unsigned)cpus : 1;
    }
    s->threads = threads < NARA__STORE_MAX_THREADS ? threads : NARA__STORE_MAX_THREADS;
}

sqlite3 *nara__store_db(nara_store_t *s)
{
    return s ? s->db : NULL;
}

nara_err_t nara__store_add_hooks(nara_store_t *s, const nara__store_hooks_t *hooks)
{
    if (s == NULL || hooks == NULL || s->n_hooks == NARA__STORE_MAX_HOOKS)
        return NARA_INVAL;
    s->hooks[s->n_hooks++] = *hooks;
    return NARA_OK;
}

void nara__store_remove_hooks(nara_store_t *s, void *ctx)
{
    size_t kept = 0;
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_hooks; i++)
        if (s->hooks[i].ctx != ctx)
            s->hooks[kept++] = s->hooks[i];
    s->n_hooks = kept;
}
