/*
 * tlog.c - the transparency log kept beside a store (nara_tlog.h): the
 * Merkle tree over accepted event ids, its node cache, its frontier and the
 * signed heads, in tables of the store's own file.
 *
 * DESIGN NOTES
 *
 * Tables (docs/audit.md section 4):
 *   tlog_meta(key, value)        'version' 3; 'frontier' (nara_merkle_frontier_save);
 *                                'last_ord' (events.ord of the last logged
 *                                event: the tree size, invariant 4)
 *   (no leaf table)              leaf i is the event in the events row with
 *                                ord i + 1 (invariant 4), so a leaf costs no
 *                                row of its own: nara_tlog_leaf reads events
 *                                by ord, nara_tlog_find by id.  Versions 1
 *                                and 2 kept tlog_leaf(idx, id[, ord]); a
 *                                writable open checks that it says exactly
 *                                this and drops it (migrate_to_v3), a
 *                                read-only one reads it as it is.
 *   tlog_node(level, idx, hash)  every perfect subtree of level >= 3 the tree
 *                                has completed: (level, idx) covers leaves
 *                                [idx * 2^level, (idx + 1) * 2^level); the
 *                                levels below cost 3/4 of the rows and are
 *                                recomputed from at most 4 leaves (version 1
 *                                stored levels >= 1, and they are still read)
 *   tlog_head(size, root, time_ms, server_pk, sig)   signed heads, one per size
 *
 * The leaf order is the store's acceptance order: on_added runs once per
 * accepted event, in order, with events.ord as rowid; catch-up at open (and
 * before an on_added whose ord is not the next leaf: events another
 * connection accepted) reads `events` by ord, and the leaf queries read its
 * id and ord columns (the only places this module reads a store table,
 * docs/storage.md).
 *
 * The ids of the leaves appended through this handle are also kept in a
 * ring of the last TLOG_RING, so the receipts for a batch just merged, and
 * the proofs over it, read no leaf row back.  A slot is only trusted for an
 * index below the current size that was appended at or after the ring's
 * start: a rollback shrinks the size, and the next append overwrites.
 *
 * Appending leaf n to a tree whose frontier has slots at the set bits of n
 * completes one perfect subtree per low set bit: merging the new leaf with
 * slot 0, the result with slot 1, ... - exactly the carry chain of n + 1.
 * Each merged hash of level >= 3 is stored in tlog_node, so a proof needs
 * O(log n) look-ups and a few leaf reads (nara_merkle_source_t).
 *
 * HASHER.  Hashing is most of an append (a leaf hash and, on average, one
 * node hash: three SHA-256 blocks), and it does not need SQLite.  Once a
 * transaction has appended TLOG_HASHER_MIN leaves inline, a thread of its
 * own (hasher_t) hashes the rest on a copy of the frontier while the
 * transaction goes on inserting events: append() only checks the ord and
 * queues the id in the ring (waiting while the ring is full of ids not yet
 * hashed), and tree_size() counts the queued leaves.  before_commit joins
 * the thread, takes its frontier and stores the subtrees it completed;
 * after_rollback joins it and drops both; nara_tlog_size inside the
 * transaction joins it too (the rest of the transaction then hashes
 * inline).  The tree, the node rows and the heads are exactly those of
 * inline hashing (tests/test_tlog.c); the thread never touches SQLite.
 *
 * States of one store transaction, as seen from the hooks:
 *   IDLE --on_added (first)--> OPEN: frontier, last_ord and head state saved
 *   OPEN --on_added--> OPEN: nodes inserted, frontier advanced
 *   OPEN --before_commit--> COMMITTING: frontier and last_ord written;
 *        with a signer, one head for the new size signed and inserted
 *   OPEN, COMMITTING --after_rollback--> IDLE: the saved state restored
 *        (SQLite rolled the rows back; a hook after ours may have failed)
 *   COMMITTING --on_added--> OPEN: the transaction had committed (a rollback
 *        would have run after_rollback), so a new one starts
 * There is no after-commit hook, hence COMMITTING: it counts as IDLE for
 * everything but after_rollback.
 *
 * Invariants:
 *  1. Outside a transaction, no hasher runs, frontier.size == number of
 *     logged events, and frontier equals tlog_meta.frontier.
 *  2. A node row, once written, is the MTH of its leaves forever (leaves
 *     never change), so the cache is never stale.
 *  3. Stored heads have non-decreasing time_ms in size order: a head's time
 *     is max(clock, previous head's time), so a clock stepping back never
 *     makes a later head look older.
 *  4. Leaf i is the events row with ord i + 1, and last_ord == size.  The
 *     store gives its first event ord 1 and every later one max(ord) + 1
 *     and never deletes one (store.c), and append() refuses any other ord,
 *     so the leaves are exactly the events with ord 1..size.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nara_tlog.h"
#include "store_internal.h"

#define TLOG_VERSION 3
#define TLOG_RING 4096        /* leaf ids kept in memory; a power of two */
#define TLOG_NODE_MIN_LEVEL 3 /* node cache levels stored (version 2) */
#define TLOG_HASHER_MIN 256   /* leaves a transaction hashes itself before the hasher starts */
#define TLOG_HASHER_WAKE 128  /* leaves queued before an idle hasher is woken */

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS tlog_meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tlog_node(level INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tlog_head(size INTEGER PRIMARY KEY, root BLOB NOT NULL,"
    " time_ms INTEGER NOT NULL, server_pk BLOB NOT NULL, sig BLOB NOT NULL);";

#define TLOG_STMTS(X)                                                                              \
    X(LEAF_GET, "SELECT id FROM events WHERE ord = ?1 + 1")                                        \
    X(LEAF_FIND, "SELECT ord - 1 FROM events WHERE idk = nara_idk(?1) AND id = ?1")                \
    X(NODE_INSERT, "INSERT INTO tlog_node(level, idx, hash) VALUES(?1, ?2, ?3)")                   \
    X(NODE_GET, "SELECT hash FROM tlog_node WHERE level = ?1 AND idx = ?2")                        \
    X(META_GET, "SELECT value FROM tlog_meta WHERE key = ?1")                                      \
    X(META_SET, "INSERT OR REPLACE INTO tlog_meta(key, value) VALUES(?1, ?2)")                     \
    X(HEAD_INSERT, "INSERT OR IGNORE INTO tlog_head(size, root, time_ms, server_pk, sig)"          \
                   " VALUES(?1, ?2, ?3, ?4, ?5)")                                                  \
    X(HEAD_GET, "SELECT size, root, time_ms, server_pk, sig FROM tlog_head WHERE size = ?1")       \
    X(HEAD_LATEST, "SELECT size, root, time_ms, server_pk, sig FROM tlog_head"                     \
                   " ORDER BY size DESC LIMIT 1")                                                  \
    X(HEAD_ALL, "SELECT size, root, time_ms, server_pk, sig FROM tlog_head ORDER BY size")         \
    X(ROWS, "SELECT ord, id FROM events WHERE ord > ?1 AND ord < ?2 ORDER BY ord")

typedef enum {
#define TLOG_STMT_ENUM(name, sql) Q_##name,
    TLOG_STMTS(TLOG_STMT_ENUM)
#undef TLOG_STMT_ENUM
        Q_COUNT
} stmt_id_t;

static const char *const stmt_sql[Q_COUNT] = {
#define TLOG_STMT_SQL(name, sql) sql,
    TLOG_STMTS(TLOG_STMT_SQL)
#undef TLOG_STMT_SQL
};

/* What a transaction may have to undo. */
typedef struct {
    nara_merkle_frontier_t frontier;
    int64_t last_ord;
    bool has_head; /* a head is stored; head_size and head_time are the newest's */
    uint64_t head_size, head_time;
} tstate_t;

/* A completed subtree waiting for its tlog_node row. */
typedef struct {
    unsigned level;
    uint64_t index;
    uint8_t hash[NARA_HASH_BYTES];
} pending_node_t;

/* The HASHER (see the design notes): a thread of one transaction that
 * hashes the leaves the transaction queues in the ring, on a frontier of
 * its own, and keeps the completed subtrees for the calling thread to
 * store.  Under `mu`: queued, done, closing.  The thread alone touches
 * frontier, nodes and err until it is joined. */
typedef struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t work;  /* queued grew, or closing */
    pthread_cond_t space; /* done grew: ring slots free again */
    bool ready;           /* mu, work and space are initialised */
    bool active;          /* th runs; joined by hasher_stop */
    bool closing;
    bool idle;       /* the thread waits on `work` */
    uint64_t queued; /* leaves [0, queued) are in the tree or the ring */
    uint64_t done;   /* leaves [0, done) are in `frontier` */
    nara_merkle_frontier_t frontier;
    pending_node_t *nodes;
    size_t n_nodes, cap_nodes;
    nara_err_t err;
} hasher_t;

struct nara_tlog {
    nara_store_t *s;
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT];
    bool readonly;
    bool has_signer;
    nara_tlog_signer_t signer;
    tstate_t cur;    /* frontier.size is the tree size (attached mode) */
    tstate_t saved;  /* at the start of the open transaction */
    bool in_txn;     /* the store's transaction appended leaves */
    bool committing; /* ... and our before_commit ran: a later hook may still fail */
    bool hooked;
    int64_t version;                        /* of the tables (3 after a writable open) */
    uint64_t txn_leaves;                    /* leaves the open transaction appended */
    hasher_t hz;                            /* while hz.active, cur.frontier lags */
    uint64_t ring_start;                    /* first index appended through this handle */
    uint8_t ring[TLOG_RING][NARA_ID_BYTES]; /* ids of indexes ring_start.. (mod TLOG_RING) */
};

/* ---- small helpers --------------------------------------------------------- */

static sqlite3_stmt *stmt(nara_tlog_t *t, stmt_id_t id)
{
    sqlite3_stmt *st = t->stmt[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static nara_err_t sql_err(nara_tlog_t *t, int rc, const char *what)
{
    return nara__store_sqlite_err(t->s, rc, what);
}

/* Step a statement that returns no row; reset it. */
static nara_err_t exec_stmt(nara_tlog_t *t, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return sql_err(t, rc == SQLITE_ROW ? SQLITE_DONE : rc, what);
}

static nara_err_t exec_sql(nara_tlog_t *t, const char *sql)
{
    return sql_err(t, sqlite3_exec(t->db, sql, NULL, NULL, NULL), sql);
}

static void rollback(nara_tlog_t *t)
{
    if (!sqlite3_get_autocommit(t->db))
        sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
}

static bool blob32(sqlite3_stmt *st, int col, uint8_t out[32])
{
    if (sqlite3_column_bytes(st, col) != 32)
        return false;
    memcpy(out, sqlite3_column_blob(st, col), 32);
    return true;
}

/* ---- leaf source for nara_merkle_* ------------------------------------------- */

static nara_err_t src_leaf(void *ctx, uint64_t index, uint8_t leaf_hash[NARA_HASH_BYTES])
{
    nara_tlog_t *t = ctx;
    uint8_t id[NARA_ID_BYTES];
    nara_err_t err = nara_tlog_leaf(t, index, id);
    if (err == NARA_NOT_FOUND)
        err = nara__store_sqlite_err(t->s, SQLITE_CORRUPT, "tlog: leaf missing");
    if (err == NARA_OK)
        nara_merkle_hash_leaf(id, sizeof id, leaf_hash);
    return err;
}

static nara_err_t src_node(void *ctx, unsigned level, uint64_t index, uint8_t hash[NARA_HASH_BYTES])
{
    nara_tlog_t *t = ctx;
    if (level < TLOG_NODE_MIN_LEVEL && t->version >= 2)
        return NARA_NOT_FOUND; /* not stored (store_node); version 1 stored them */
    sqlite3_stmt *st = stmt(t, Q_NODE_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    int rc = sqlite3_step(st);
    nara_err_t err = NARA_NOT_FOUND;
    if (rc == SQLITE_ROW)
        err = blob32(st, 0, hash) ? NARA_OK : sql_err(t, SQLITE_CORRUPT, "tlog: bad node");
    else if (rc != SQLITE_DONE)
        err = sql_err(t, rc, "tlog: read node");
    sqlite3_reset(st);
    return err;
}

static nara_merkle_source_t source(nara_tlog_t *t)
{
    return (nara_merkle_source_t){src_leaf, src_node, t};
}

/* ---- meta ------------------------------------------------------------------------ */

static nara_err_t meta_get_blob(nara_tlog_t *t, const char *key, uint8_t *buf, size_t cap,
                                size_t *len, bool *found)
{
    sqlite3_stmt *st = stmt(t, Q_META_GET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    nara_err_t err = NARA_OK;
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (n > cap)
            err = sql_err(t, SQLITE_CORRUPT, "tlog: meta value too long");
        else if (n)
            memcpy(buf, sqlite3_column_blob(st, 0), n);
        *len = n;
    } else if (rc != SQLITE_DONE) {
        err = sql_err(t, rc, "tlog: read meta");
    }
    sqlite3_reset(st);
    return err;
}

static nara_err_t meta_get_int(nara_tlog_t *t, const char *key, int64_t *v, bool *found)
{
    sqlite3_stmt *st = stmt(t, Q_META_GET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? NARA_OK : sql_err(t, rc, "tlog: read meta");
}

static nara_err_t meta_set(nara_tlog_t *t, const char *key, const void *blob, size_t len, int64_t v)
{
    sqlite3_stmt *st = stmt(t, Q_META_SET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (blob)
        sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, 2, v);
    return exec_stmt(t, st, "tlog: write meta");
}

static nara_err_t load_frontier(nara_tlog_t *t, nara_merkle_frontier_t *f, int64_t *last_ord)
{
    uint8_t buf[NARA_MERKLE_FRONTIER_MAX_BYTES];
    size_t len = 0;
    bool found = false;
    nara_err_t err = meta_get_blob(t, "frontier", buf, sizeof buf, &len, &found);
    nara_merkle_frontier_init(f);
    *last_ord = 0;
    if (err != NARA_OK || !found)
        return err;
    if (nara_merkle_frontier_load(buf, len, f) != NARA_OK)
        return sql_err(t, SQLITE_CORRUPT, "tlog: stored frontier unreadable");
    return meta_get_int(t, "last_ord", last_ord, &found);
}

static nara_err_t save_frontier(nara_tlog_t *t)
{
    uint8_t buf[NARA_MERKLE_FRONTIER_MAX_BYTES];
    size_t len = 0;
    nara_err_t err = nara_merkle_frontier_save(&t->cur.frontier, buf, sizeof buf, &len);
    if (err == NARA_OK)
        err = meta_set(t, "frontier", buf, len, 0);
    if (err == NARA_OK)
        err = meta_set(t, "last_ord", NULL, 0, t->cur.last_ord);
    return err;
}

/* ---- heads ----------------------------------------------------------------------- */

static nara_err_t read_head(nara_tlog_t *t, sqlite3_stmt *st, nara_tree_head_t *h)
{
    memset(h, 0, sizeof *h);
    h->size = (uint64_t)sqlite3_column_int64(st, 0);
    h->time_ms = (uint64_t)sqlite3_column_int64(st, 2);
    if (!blob32(st, 1, h->root) || !blob32(st, 3, h->server_pk) ||
        sqlite3_column_bytes(st, 4) != NARA_SIGNATURE_BYTES)
        return sql_err(t, SQLITE_CORRUPT, "tlog: bad head row");
    memcpy(h->sig, sqlite3_column_blob(st, 4), NARA_SIGNATURE_BYTES);
    return NARA_OK;
}

/* One head from a statement that yields at most one row; NOT_FOUND if none. */
static nara_err_t head_row(nara_tlog_t *t, sqlite3_stmt *st, nara_tree_head_t *h)
{
    int rc = sqlite3_step(st);
    nara_err_t err = NARA_NOT_FOUND;
    if (rc == SQLITE_ROW)
        err = read_head(t, st, h);
    else if (rc != SQLITE_DONE)
        err = sql_err(t, rc, "tlog: read head");
    sqlite3_reset(st);
    return err;
}

static nara_err_t insert_head(nara_tlog_t *t, const nara_tree_head_t *h)
{
    sqlite3_stmt *st = stmt(t, Q_HEAD_INSERT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)h->size);
    sqlite3_bind_blob(st, 2, h->root, NARA_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)h->time_ms);
    sqlite3_bind_blob(st, 4, h->server_pk, NARA_PUBLICKEY_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, h->sig, NARA_SIGNATURE_BYTES, SQLITE_STATIC);
    return exec_stmt(t, st, "tlog: insert head");
}

/* Sign and insert a head for the current size (inside a transaction the
 * caller owns).  Invariant 3: time never goes back. */
static nara_err_t sign_current(nara_tlog_t *t, const nara_keypair_t *kp, uint64_t time_ms)
{
    nara_tree_head_t h;
    memset(&h, 0, sizeof h);
    h.size = t->cur.frontier.size;
    nara_merkle_frontier_root(&t->cur.frontier, h.root);
    h.time_ms = time_ms > t->cur.head_time ? time_ms : t->cur.head_time;
    if (h.time_ms > NARA_TREE_HEAD_TIME_MAX)
        h.time_ms = NARA_TREE_HEAD_TIME_MAX;
    nara_err_t err = nara_tree_head_sign(&h, kp);
    if (err == NARA_OK)
        err = insert_head(t, &h);
    if (err == NARA_OK) {
        t->cur.has_head = true;
        t->cur.head_size = h.size;
        t->cur.head_time = h.time_ms;
    }
    return err;
}

/* With a signer: does the current tree need a head? */
static bool needs_head(const nara_tlog_t *t)
{
    return t->has_signer && (!t->cur.has_head || t->cur.frontier.size != t->cur.head_size);
}

/* Store a completed subtree in the node cache.  Levels below
 * TLOG_NODE_MIN_LEVEL are not stored: they cost one row per leaf for
 * 3/4 of the rows and are recomputed from at most 4 leaves (src_node). */
static nara_err_t store_node(void *ctx, unsigned level, uint64_t index,
                             const uint8_t hash[NARA_HASH_BYTES])
{
    nara_tlog_t *t = ctx;
    if (level < TLOG_NODE_MIN_LEVEL)
        return NARA_OK;
    sqlite3_stmt *st = stmt(t, Q_NODE_INSERT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    sqlite3_bind_blob(st, 3, hash, NARA_HASH_BYTES, SQLITE_STATIC);
    return exec_stmt(t, st, "tlog: insert node");
}

/* ---- the hasher ------------------------------------------------------------------------ */

/* The tree size, counting the leaves the hasher has not hashed yet. */
static uint64_t tree_size(const nara_tlog_t *t)
{
    return t->hz.active ? t->hz.queued : t->cur.frontier.size;
}

/* nara_merkle_completed_fn of the hasher: keep what store_node would store. */
static nara_err_t keep_node(void *ctx, unsigned level, uint64_t index,
                            const uint8_t hash[NARA_HASH_BYTES])
{
    hasher_t *hz = ctx;
    if (level < TLOG_NODE_MIN_LEVEL)
        return NARA_OK;
    if (hz->n_nodes == hz->cap_nodes) {
        size_t cap = hz->cap_nodes ? hz->cap_nodes * 2 : 256;
        pending_node_t *p = realloc(hz->nodes, cap * sizeof *p);
        if (p == NULL)
            return NARA_NOMEM;
        hz->nodes = p;
        hz->cap_nodes = cap;
    }
    pending_node_t *n = &hz->nodes[hz->n_nodes++];
    n->level = level;
    n->index = index;
    memcpy(n->hash, hash, NARA_HASH_BYTES);
    return NARA_OK;
}

/* Hash queued leaves, a slice at a time so that ring slots come free,
 * until closing and none is left. */
static void *hasher_main(void *arg)
{
    nara_tlog_t *t = arg;
    hasher_t *hz = &t->hz;
    pthread_mutex_lock(&hz->mu);
    for (;;) {
        /* Woken per TLOG_HASHER_WAKE leaves, not per leaf: a wake-up costs a
         * system call on each side. */
        while (hz->queued - hz->done < TLOG_HASHER_WAKE && !hz->closing) {
            hz->idle = true;
            pthread_cond_wait(&hz->work, &hz->mu);
        }
        hz->idle = false;
        if (hz->done == hz->queued)
            break;
        uint64_t from = hz->done, to = hz->queued - from > 256 ? from + 256 : hz->queued;
        pthread_mutex_unlock(&hz->mu);
        for (uint64_t i = from; i < to && hz->err == NARA_OK; i++) {
            uint8_t h[NARA_HASH_BYTES];
            nara_merkle_hash_leaf(t->ring[i % TLOG_RING], NARA_ID_BYTES, h);
            hz->err = nara_merkle_frontier_append_each(&hz->frontier, h, keep_node, hz);
        }
        pthread_mutex_lock(&hz->mu);
        hz->done = to;
        pthread_cond_signal(&hz->space);
    }
    pthread_mutex_unlock(&hz->mu);
    return NULL;
}

/* Hand the rest of the transaction's leaves to a hasher thread; if none
 * can start, they are hashed here as before. */
static void hasher_start(nara_tlog_t *t)
{
    hasher_t *hz = &t->hz;
    if (!hz->ready)
        return;
    hz->frontier = t->cur.frontier;
    hz->queued = hz->done = t->cur.frontier.size;
    hz->closing = false;
    hz->idle = false;
    hz->err = NARA_OK;
    hz->n_nodes = 0;
    hz->active = pthread_create(&hz->th, NULL, hasher_main, t) == 0;
}

/* Queue leaf `queued` (its id into the ring), once its ring slot is free. */
static void hasher_queue(nara_tlog_t *t, const uint8_t id[NARA_ID_BYTES])
{
    hasher_t *hz = &t->hz;
    pthread_mutex_lock(&hz->mu);
    while (hz->queued - hz->done >= TLOG_RING)
        pthread_cond_wait(&hz->space, &hz->mu);
    memcpy(t->ring[hz->queued % TLOG_RING], id, NARA_ID_BYTES);
    hz->queued++;
    if (hz->idle && hz->queued - hz->done >= TLOG_HASHER_WAKE)
        pthread_cond_signal(&hz->work);
    pthread_mutex_unlock(&hz->mu);
}

static nara_err_t store_node(void *ctx, unsigned level, uint64_t index,
                             const uint8_t hash[NARA_HASH_BYTES]);

/* Let the hasher finish and join it.  With `keep`, its frontier becomes the
 * tree's and its subtrees are stored; otherwise (rollback) both go.  A
 * failure stays in hz->err until the next transaction, so that the commit
 * of this one fails too. */
static nara_err_t hasher_stop(nara_tlog_t *t, bool keep)
{
    hasher_t *hz = &t->hz;
    if (!hz->active)
        return hz->err;
    pthread_mutex_lock(&hz->mu);
    hz->closing = true;
    pthread_cond_signal(&hz->work);
    pthread_mutex_unlock(&hz->mu);
    pthread_join(hz->th, NULL);
    hz->active = false;
    nara_err_t err = hz->err;
    if (keep && err == NARA_OK)
        t->cur.frontier = hz->frontier;
    for (size_t i = 0; keep && err == NARA_OK && i < hz->n_nodes; i++)
        err = store_node(t, hz->nodes[i].level, hz->nodes[i].index, hz->nodes[i].hash);
    hz->n_nodes = 0;
    hz->err = err;
    return err;
}

/* ---- appending --------------------------------------------------------------------- */

/* Append the event in the events row `ord` as the next leaf.  Invariant:
 * called inside the store's (or our own) write transaction; ord is
 * size + 1 (invariant 4: anything else means the file is not what the
 * store's invariants say). */
static nara_err_t append(nara_tlog_t *t, const uint8_t id[NARA_ID_BYTES], int64_t ord)
{
    nara_merkle_frontier_t *f = &t->cur.frontier;
    uint64_t n = tree_size(t);
    uint8_t h[NARA_HASH_BYTES];
    nara_err_t err = NARA_OK;

    if (n >= (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    if (ord != (int64_t)n + 1)
        return sql_err(t, SQLITE_CORRUPT, "tlog: an event's ord is not the next leaf + 1");
    if (t->hz.active) {
        hasher_queue(t, id);
    } else {
        memcpy(t->ring[n % TLOG_RING], id, NARA_ID_BYTES);
        nara_merkle_hash_leaf(id, NARA_ID_BYTES, h);
        err = nara_merkle_frontier_append_each(f, h, store_node, t);
    }
    if (err == NARA_OK)
        t->cur.last_ord = ord;
    return err;
}

/* Append the events rows with last_ord < ord < before, in ord order. */
static nara_err_t append_rows(nara_tlog_t *t, int64_t before, bool *grew)
{
    nara_err_t err = NARA_OK;
    sqlite3_stmt *st = stmt(t, Q_ROWS);
    sqlite3_bind_int64(st, 1, t->cur.last_ord);
    sqlite3_bind_int64(st, 2, before);
    int rc = SQLITE_DONE;
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint8_t id[NARA_ID_BYTES];
        if (!blob32(st, 1, id))
            err = sql_err(t, SQLITE_CORRUPT, "tlog: event id");
        else
            err = append(t, id, sqlite3_column_int64(st, 0));
        *grew = true;
    }
    if (err == NARA_OK && rc != SQLITE_DONE)
        err = sql_err(t, rc, "tlog: read events");
    sqlite3_reset(st);
    return err;
}

/* ---- store hooks ----------------------------------------------------------------------- */

static nara_err_t hook_added(void *ctx, const nara_event_t *ev, int64_t rowid)
{
    nara_tlog_t *t = ctx;
    bool grew = false;
    nara_err_t err = NARA_OK;
    if (!t->in_txn || t->committing) {
        t->saved = t->cur;
        t->in_txn = true;
        t->committing = false;
        t->txn_leaves = 0;
        t->hz.err = NARA_OK;
    }
    /* Events another connection accepted since our last append come first:
     * they hold the ords in between (invariant 4). */
    if (rowid > t->cur.last_ord + 1)
        err = append_rows(t, rowid, &grew);
    if (err == NARA_OK)
        err = append(t, ev->id, rowid);
    if (err == NARA_OK && ++t->txn_leaves == TLOG_HASHER_MIN && !t->hz.active)
        hasher_start(t);
    return err;
}

static nara_err_t hook_commit(void *ctx)
{
    nara_tlog_t *t = ctx;
    nara_err_t err = NARA_OK;
    if (!t->in_txn || t->committing)
        return NARA_OK;
    err = hasher_stop(t, true);
    if (err == NARA_OK)
        err = save_frontier(t);
    if (err == NARA_OK && needs_head(t))
        err = sign_current(t, t->signer.kp, t->signer.now_ms(t->signer.ctx));
    t->committing = true; /* on failure after_rollback follows and restores */
    return err;
}

static void hook_rollback(void *ctx)
{
    nara_tlog_t *t = ctx;
    hasher_stop(t, false);
    t->hz.err = NARA_OK;
    if (t->in_txn)
        t->cur = t->saved;
    t->in_txn = false;
    t->committing = false;
}

/* Inside a store transaction that is appending leaves? */
static bool busy(const nara_tlog_t *t)
{
    return t->in_txn && !t->committing;
}

/* ---- open: catch up, check ---------------------------------------------------------------- */

static nara_err_t catch_up(nara_tlog_t *t)
{
    bool grew = false;
    nara_err_t err = exec_sql(t, "BEGIN IMMEDIATE");
    if (err != NARA_OK)
        return err;
    t->saved = t->cur;
    err = append_rows(t, INT64_MAX, &grew);
    if (err == NARA_OK && grew)
        err = save_frontier(t);
    if (err == NARA_OK && needs_head(t))
        err = sign_current(t, t->signer.kp, t->signer.now_ms(t->signer.ctx));
    if (err == NARA_OK)
        err = exec_sql(t, "COMMIT");
    if (err != NARA_OK) {
        rollback(t);
        t->cur = t->saved;
    }
    return err;
}

/* Do the leaves end where the frontier says?  Version 3: the last leaf's
 * events row exists and last_ord is the size (invariant 4); versions 1 and
 * 2: the leaf table ends at the size. */
static nara_err_t check_leaves(nara_tlog_t *t)
{
    uint8_t id[NARA_ID_BYTES];
    uint64_t n = t->cur.frontier.size;
    bool ok = n == 0 || nara_tlog_leaf(t, n - 1, id) == NARA_OK;
    if (ok && t->version >= 3) {
        ok = t->cur.last_ord == (int64_t)n;
    } else if (ok) { /* no row of the leaf table after the last leaf */
        sqlite3_stmt *st = stmt(t, Q_LEAF_GET);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return sql_err(t, rc, "tlog: read leaf");
        ok = rc == SQLITE_DONE;
    }
    return ok ? NARA_OK : sql_err(t, SQLITE_CORRUPT, "tlog: frontier and leaves disagree");
}

/* The stored frontier must agree with the leaves and with the stored head
 * of its size (docs/audit.md 1.9: the frontier is not authenticated). */
static nara_err_t check_state(nara_tlog_t *t)
{
    nara_tree_head_t h;
    uint8_t root[NARA_HASH_BYTES];
    uint64_t n = t->cur.frontier.size;
    nara_err_t err = check_leaves(t);
    if (err != NARA_OK)
        return err;
    sqlite3_stmt *st = stmt(t, Q_HEAD_LATEST);
    err = head_row(t, st, &h);
    if (err == NARA_NOT_FOUND)
        return NARA_OK;
    if (err != NARA_OK)
        return err;
    t->cur.has_head = true;
    t->cur.head_size = h.size;
    t->cur.head_time = h.time_ms;
    if (h.size > n)
        return sql_err(t, SQLITE_CORRUPT, "tlog: a signed head is larger than the tree");
    if (h.size == n) {
        nara_merkle_frontier_root(&t->cur.frontier, root);
        if (memcmp(root, h.root, sizeof root) != 0)
            return sql_err(t, SQLITE_CORRUPT, "tlog: frontier root differs from the signed head");
    }
    return NARA_OK;
}

static nara_err_t tables_present(sqlite3 *db, bool *present)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name"
                                " IN ('tlog_meta', 'tlog_node', 'tlog_head')",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    *present = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 3;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? NARA_OK : NARA_IO;
}

nara_err_t nara_tlog_present(nara_store_t *s, bool *present)
{
    if (s == NULL || present == NULL || nara__store_db(s) == NULL)
        return NARA_INVAL;
    return tables_present(nara__store_db(s), present);
}

/* A read-only handle on a version-1 or -2 log reads its leaf table as it is. */
static const char *const v1_sql[Q_COUNT] = {
    [Q_LEAF_GET] = "SELECT id FROM tlog_leaf WHERE idx = ?1",
    [Q_LEAF_FIND] = "SELECT idx FROM tlog_leaf WHERE id = ?1",
};
static const char *const v2_sql[Q_COUNT] = {
    [Q_LEAF_GET] = "SELECT id FROM tlog_leaf WHERE idx = ?1",
    [Q_LEAF_FIND] = "SELECT l.idx FROM events e JOIN tlog_leaf l ON l.ord = e.ord"
                    " WHERE e.idk = nara_idk(?1) AND e.id = ?1 AND l.id = e.id",
};

static nara_err_t prepare_all(nara_tlog_t *t, int64_t version)
{
    const char *const *old = version == 1 ? v1_sql : version == 2 ? v2_sql : NULL;
    for (int i = 0; i < Q_COUNT; i++) {
        const char *sql = old && old[i] ? old[i] : stmt_sql[i];
        int rc = sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &t->stmt[i], NULL);
        if (rc != SQLITE_OK)
            return sql_err(t, rc, sql);
    }
    return NARA_OK;
}

/* tlog_meta.version, read without prepared statements (they depend on it). */
static nara_err_t read_version(nara_tlog_t *t, int64_t *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(t->db, "SELECT value FROM tlog_meta WHERE key = 'version'", -1, &st,
                                NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? NARA_OK : sql_err(t, rc, "tlog: read version");
}

static int64_t count_rows(nara_tlog_t *t, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(t->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Version 1 or 2 -> 3: the leaf table must say what version 3 takes for
 * granted (invariant 4), leaf idx being the events row idx + 1 with the
 * same id; then it goes.  Anything else is a file the store's invariants
 * do not allow: NARA_CORRUPT, and nothing changes. */
static nara_err_t migrate_to_v3(nara_tlog_t *t)
{
    nara_err_t err = exec_sql(t, "BEGIN IMMEDIATE");
    if (err == NARA_OK &&
        count_rows(t, "SELECT count(*) FROM tlog_leaf l LEFT JOIN events e ON e.ord = l.idx + 1"
                      " WHERE e.id IS NOT l.id") != 0)
        err = sql_err(t, SQLITE_CORRUPT,
                      "tlog: a leaf of the old leaf table is not the event at its position");
    if (err == NARA_OK)
        err = exec_sql(t, "DROP TABLE tlog_leaf;"
                          "UPDATE tlog_meta SET value = 3 WHERE key = 'version';"
                          "COMMIT");
    if (err != NARA_OK)
        rollback(t);
    return err;
}

static void tlog_free(nara_tlog_t *t)
{
    hasher_stop(t, false); /* only if a transaction is still open */
    if (t->hz.ready) {
        pthread_mutex_destroy(&t->hz.mu);
        pthread_cond_destroy(&t->hz.work);
        pthread_cond_destroy(&t->hz.space);
    }
    free(t->hz.nodes);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(t->stmt[i]);
    free(t);
}

/* The hasher's lock and conditions; without them leaves are hashed inline. */
static void hasher_init(hasher_t *hz)
{
    bool mu = pthread_mutex_init(&hz->mu, NULL) == 0;
    bool work = pthread_cond_init(&hz->work, NULL) == 0;
    bool space = pthread_cond_init(&hz->space, NULL) == 0;
    hz->ready = mu && work && space;
    if (!hz->ready) {
        if (mu)
            pthread_mutex_destroy(&hz->mu);
        if (work)
            pthread_cond_destroy(&hz->work);
        if (space)
            pthread_cond_destroy(&hz->space);
    }
}

static nara_err_t install_hooks(nara_tlog_t *t)
{
    nara__store_hooks_t hooks;
    memset(&hooks, 0, sizeof hooks);
    hooks.on_added = hook_added;
    hooks.before_commit = hook_commit;
    hooks.after_rollback = hook_rollback;
    hooks.ctx = t;
    nara_err_t err = nara__store_add_hooks(t->s, &hooks);
    t->hooked = err == NARA_OK;
    return err;
}

static nara_err_t attach(nara_tlog_t *t)
{
    bool present = false;
    nara_err_t err = tables_present(t->db, &present);
    if (err == NARA_OK && !present && t->readonly)
        return NARA_NOT_FOUND;
    if (err == NARA_OK && !present) {
        err = exec_sql(t, "BEGIN IMMEDIATE");
        if (err == NARA_OK)
            err = exec_sql(t, schema_sql);
        if (err == NARA_OK)
            err = exec_sql(t, "INSERT OR IGNORE INTO tlog_meta(key, value) VALUES('version', 3)");
        if (err == NARA_OK)
            err = exec_sql(t, "COMMIT");
        if (err != NARA_OK)
            rollback(t);
    }
    int64_t version = TLOG_VERSION;
    if (err == NARA_OK)
        err = read_version(t, &version);
    if (err == NARA_OK && version > TLOG_VERSION)
        err = NARA_SCHEMA;
    if (err == NARA_OK && version < 3 && !t->readonly) {
        err = migrate_to_v3(t);
        version = 3;
    }
    t->version = version;
    if (err == NARA_OK)
        err = prepare_all(t, version);
    if (err == NARA_OK)
        err = load_frontier(t, &t->cur.frontier, &t->cur.last_ord);
    t->ring_start = t->cur.frontier.size;
    if (err == NARA_OK)
        err = check_state(t);
    if (err == NARA_OK && !t->readonly)
        err = catch_up(t);
    if (err == NARA_OK && !t->readonly)
        err = install_hooks(t);
    return err;
}

nara_err_t nara_tlog_open(nara_store_t *s, const nara_tlog_signer_t *signer, unsigned flags,
                          nara_tlog_t **out)
{
    nara_tlog_t *t;
    nara_err_t err;
    if (out == NULL)
        return NARA_INVAL;
    *out = NULL;
    if (s == NULL || nara__store_db(s) == NULL ||
        (signer && (signer->kp == NULL || signer->now_ms == NULL)))
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return NARA_NOMEM;
    hasher_init(&t->hz);
    t->s = s;
    t->db = nara__store_db(s);
    t->readonly = (flags & NARA_TLOG_READONLY) != 0;
    t->has_signer = signer != NULL && !t->readonly;
    if (t->has_signer)
        t->signer = *signer;
    err = attach(t);
    if (err != NARA_OK) {
        nara_tlog_close(t);
        return err;
    }
    *out = t;
    return NARA_OK;
}

void nara_tlog_close(nara_tlog_t *t)
{
    if (t == NULL)
        return;
    if (t->hooked)
        nara__store_remove_hooks(t->s, t);
    tlog_free(t);
}

/* ---- queries ------------------------------------------------------------------------- */

nara_err_t nara_tlog_size(nara_tlog_t *t, uint64_t *size)
{
    if (t == NULL || size == NULL)
        return NARA_INVAL;
    if (t->readonly) {
        nara_err_t err = load_frontier(t, &t->cur.frontier, &t->cur.last_ord);
        if (err != NARA_OK)
            return err;
    }
    if (t->hz.active) { /* inside a transaction: the rest of it hashes inline */
        nara_err_t err = hasher_stop(t, true);
        if (err != NARA_OK)
            return err;
    }
    *size = t->cur.frontier.size;
    return NARA_OK;
}

/* Current size, and NARA_INVAL when `size` lies beyond it. */
static nara_err_t within(nara_tlog_t *t, uint64_t size)
{
    uint64_t n = 0;
    nara_err_t err = nara_tlog_size(t, &n);
    return err != NARA_OK ? err : size > n ? NARA_INVAL : NARA_OK;
}

nara_err_t nara_tlog_root(nara_tlog_t *t, uint64_t size, uint8_t root[NARA_HASH_BYTES])
{
    nara_err_t err = t && root ? within(t, size) : NARA_INVAL;
    if (err != NARA_OK)
        return err;
    if (size == t->cur.frontier.size) {
        nara_merkle_frontier_root(&t->cur.frontier, root);
        return NARA_OK;
    }
    nara_merkle_source_t src = source(t);
    return nara_merkle_root(&src, size, root);
}

/* The ring holds leaf `index`? (see the top) */
static bool in_ring(const nara_tlog_t *t, uint64_t index)
{
    uint64_t size = tree_size(t);
    return index >= t->ring_start && index < size && size - index <= TLOG_RING;
}

/* Is `index` a leaf?  The events table also holds events not logged yet
 * (version 3 reads leaves from it).  A read-only handle re-reads the size
 * before saying no: another connection may have grown the log. */
static nara_err_t logged(nara_tlog_t *t, uint64_t index)
{
    uint64_t n = tree_size(t);
    nara_err_t err = index < n || !t->readonly ? NARA_OK : nara_tlog_size(t, &n);
    return err != NARA_OK ? err : index < n ? NARA_OK : NARA_NOT_FOUND;
}

nara_err_t nara_tlog_leaf(nara_tlog_t *t, uint64_t index, uint8_t id[NARA_ID_BYTES])
{
    if (t == NULL || id == NULL)
        return NARA_INVAL;
    if (index > (uint64_t)INT64_MAX)
        return NARA_NOT_FOUND;
    nara_err_t err = logged(t, index);
    if (err != NARA_OK)
        return err;
    if (in_ring(t, index)) {
        memcpy(id, t->ring[index % TLOG_RING], NARA_ID_BYTES);
        return NARA_OK;
    }
    sqlite3_stmt *st = stmt(t, Q_LEAF_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    int rc = sqlite3_step(st);
    err = NARA_NOT_FOUND;
    if (rc == SQLITE_ROW)
        err = blob32(st, 0, id) ? NARA_OK : sql_err(t, SQLITE_CORRUPT, "tlog: bad leaf");
    else if (rc != SQLITE_DONE)
        err = sql_err(t, rc, "tlog: read leaf");
    sqlite3_reset(st);
    return err;
}

nara_err_t nara_tlog_find(nara_tlog_t *t, const uint8_t id[NARA_ID_BYTES], uint64_t *index)
{
    if (t == NULL || id == NULL || index == NULL)
        return NARA_INVAL;
    sqlite3_stmt *st = stmt(t, Q_LEAF_FIND);
    sqlite3_bind_blob(st, 1, id, NARA_ID_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    nara_err_t err = NARA_NOT_FOUND;
    int64_t found = -1;
    if (rc == SQLITE_ROW)
        found = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        err = sql_err(t, rc, "tlog: find leaf");
    sqlite3_reset(st);
    if (found >= 0) /* an event, but is it logged yet? */
        err = logged(t, (uint64_t)found);
    if (err == NARA_OK)
        *index = (uint64_t)found;
    return err;
}

nara_err_t nara_tlog_prove_inclusion(nara_tlog_t *t, uint64_t index, uint64_t size,
                                     nara_merkle_proof_t *proof)
{
    nara_err_t err = t && proof ? within(t, size) : NARA_INVAL;
    if (err != NARA_OK)
        return err;
    nara_merkle_source_t src = source(t);
    return nara_merkle_prove_inclusion(&src, index, size, proof);
}

nara_err_t nara_tlog_prove_range(nara_tlog_t *t, uint64_t first, uint64_t count, uint64_t size,
                                 nara_merkle_range_proof_t *proof)
{
    nara_err_t err = t && proof ? within(t, size) : NARA_INVAL;
    if (err != NARA_OK)
        return err;
    nara_merkle_source_t src = source(t);
    return nara_merkle_prove_range(&src, first, count, size, proof);
}

nara_err_t nara_tlog_prove_consistency(nara_tlog_t *t, uint64_t first, uint64_t second,
                                       nara_merkle_proof_t *proof)
{
    nara_err_t err = t && proof ? within(t, second) : NARA_INVAL;
    if (err != NARA_OK)
        return err;
    nara_merkle_source_t src = source(t);
    return nara_merkle_prove_consistency(&src, first, second, proof);
}

nara_err_t nara_tlog_head(nara_tlog_t *t, uint64_t size, nara_tree_head_t *head)
{
    if (t == NULL || head == NULL)
        return NARA_INVAL;
    if (size > (uint64_t)INT64_MAX)
        return NARA_NOT_FOUND;
    sqlite3_stmt *st = stmt(t, Q_HEAD_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    return head_row(t, st, head);
}

nara_err_t nara_tlog_sign_head(nara_tlog_t *t, const nara_keypair_t *kp, uint64_t time_ms,
                               nara_tree_head_t *head)
{
    if (t == NULL || kp == NULL || head == NULL || t->readonly || busy(t))
        return NARA_INVAL;
    nara_err_t err = nara_tlog_head(t, t->cur.frontier.size, head);
    if (err != NARA_NOT_FOUND)
        return err;
    tstate_t keep = t->cur;
    err = exec_sql(t, "BEGIN IMMEDIATE");
    if (err == NARA_OK)
        err = sign_current(t, kp, time_ms);
    if (err == NARA_OK)
        err = exec_sql(t, "COMMIT");
    if (err != NARA_OK) {
        rollback(t);
        t->cur = keep;
        return err;
    }
    return nara_tlog_head(t, t->cur.frontier.size, head);
}

nara_err_t nara_tlog_latest_head(nara_tlog_t *t, nara_tree_head_t *head)
{
    if (t == NULL || head == NULL)
        return NARA_INVAL;
    if (!busy(t) && needs_head(t))
        return nara_tlog_sign_head(t, t->signer.kp, t->signer.now_ms(t->signer.ctx), head);
    return head_row(t, stmt(t, Q_HEAD_LATEST), head);
}

nara_err_t nara_tlog_each_head(nara_tlog_t *t, int (*fn)(void *ctx, const nara_tree_head_t *h),
                               void *ctx)
{
    if (t == NULL || fn == NULL)
        return NARA_INVAL;
    /* A statement of its own, so that the callback may use the log's queries. */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(t->db, stmt_sql[Q_HEAD_ALL], -1, &st, NULL);
    nara_err_t err = sql_err(t, rc, "tlog: list heads");
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nara_tree_head_t h;
        err = read_head(t, st, &h);
        if (err == NARA_OK && fn(ctx, &h) != 0)
            break;
    }
    if (err == NARA_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sql_err(t, rc, "tlog: list heads");
    sqlite3_finalize(st);
    return err;
}
