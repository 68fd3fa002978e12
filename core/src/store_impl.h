/*
 * store_impl.h - what the store's own files (store.c, store_merge.c,
 * store_read.c) share: the store struct, the cached statements and a few
 * helpers.  Nothing outside core/src/store_*.c includes it; other core modules
 * use store_internal.h.  The invariants are in the design notes at the top of
 * store.c.
 */
#ifndef NARA_STORE_IMPL_H
#define NARA_STORE_IMPL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "nara_store.h"
#include "store_internal.h"

/* Schema version kept in PRAGMA user_version, and the application_id that
 * marks a file as a Naradamping replica ("nara"). */
#define NARA__STORE_SCHEMA_VERSION 3
#define NARA__STORE_APP_ID 0x6e617261

/* Speed only (store.c, set_durability): the page size of a new file, the
 * page cache of one connection and the WAL size at which a commit
 * checkpoints. */
#define NARA__STORE_PAGE_SIZE 8192
#define NARA__STORE_CACHE_KIB 8192
#define NARA__STORE_CHECKPOINT_KIB 65536

/* Most threads a merge decodes a batch on (nara_store_set_threads). */
#define NARA__STORE_MAX_THREADS 16

/* Quarantined bytes are truncated to this many (the original length is kept). */
#define NARA__QUARANTINE_CAP (NARA_EVENT_MAX_BYTES + 1024)

/* Every statement the store runs more than once, prepared at open with
 * SQLITE_PREPARE_PERSISTENT.  Parameters are numbered so one value can be
 * used twice. */
#define NARA__STORE_STMTS(X)                                                                       \
    X(BEGIN, "BEGIN IMMEDIATE")                                                                    \
    X(COMMIT, "COMMIT")                                                                            \
    X(ROLLBACK, "ROLLBACK")                                                                        \
    X(READ_BEGIN, "SAVEPOINT nara_read")                                                           \
    X(READ_END, "RELEASE nara_read")                                                               \
    X(CLOCK_GET, "SELECT value FROM meta WHERE key = 'clock'")                                     \
    X(CLOCK_SET, "UPDATE meta SET value = ?1 WHERE key = 'clock'")                                 \
    X(FEED_GET, "SELECT id, head_seq, head_id, head_link FROM feeds WHERE author = ?1 AND "        \
                "stream = ?2")                                                                     \
    X(FEED_NEW, "INSERT INTO feeds(author, stream, head_seq, head_id, head_link) "                 \
                "VALUES(?5, ?6, ?2, ?3, ?4)")                                                      \
    X(FEED_ADVANCE, "UPDATE feeds SET head_seq = ?2, head_id = ?3, head_link = ?4 "                \
                    "WHERE id = ?1")                                                               \
    X(FEED_SEEN, "SELECT coalesce((SELECT head_seq FROM feeds WHERE author = ?1 AND "              \
                 "stream = ?2), 0), (SELECT max(seq) FROM (SELECT seq FROM pending WHERE "         \
                 "author = ?1 AND stream = ?2 AND sig_ok = 1 UNION ALL SELECT seq FROM "           \
                 "forks WHERE author = ?1 AND stream = ?2))")                                      \
    X(HELD, "SELECT 1 FROM events WHERE idk = nara_idk(?1) AND id = ?1 UNION ALL SELECT 1 "        \
            "FROM pending WHERE "                                                                  \
            "id = ?1 AND (sig_ok = 1 OR link = ?2)")                                               \
    X(EVENT_INSERT, "INSERT INTO events(idk, id, feed, seq, hlc, kind, bytes) "                    \
                    "VALUES(nara_idk(?1), ?1, ?2, ?3, ?4, ?5, ?6)")                                \
    X(EVENT_GET, "SELECT bytes FROM events WHERE idk = nara_idk(?1) AND id = ?1")                  \
    X(FORK_FROM_EVENT, "INSERT OR IGNORE INTO forks(author, stream, seq, reason, held_id, "        \
                       "other_id, held, other, wall_ms) SELECT ?1, ?2, ?3, ?4, id, ?5, "           \
                       "bytes, ?6, ?7 FROM events WHERE feed = ?8 AND seq = ?9")                   \
    X(PENDING_INSERT, "INSERT INTO pending(link, id, author, stream, seq, prev, sig_ok, "          \
                      "bytes, wall_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                \
    X(PENDING_ANY, "SELECT 1 FROM pending WHERE author = ?1 AND stream = ?2 AND seq = ?3 "         \
                   "LIMIT 1")                                                                      \
    X(PENDING_FEED, "SELECT 1 FROM pending WHERE author = ?1 AND stream = ?2 LIMIT 1")             \
    X(PENDING_CANDIDATES, "SELECT link, sig_ok, bytes FROM pending WHERE author = ?1 AND "         \
                          "stream = ?2 AND seq = ?3 AND prev = ?4 ORDER BY id, sig_ok DESC, "      \
                          "link")                                                                  \
    X(PENDING_ENDORSED, "WITH RECURSIVE up(seq, link) AS (SELECT ?3, ?4 UNION SELECT p.seq, "      \
                        "p.link FROM pending p, up WHERE p.author = ?1 AND p.stream = ?2 AND "     \
                        "p.seq = up.seq + 1 AND p.prev = up.link AND p.sig_ok = 0) SELECT 1 "      \
                        "FROM pending p, up WHERE p.author = ?1 AND p.stream = ?2 AND "            \
                        "p.seq = up.seq + 1 AND p.prev = up.link AND p.sig_ok = 1 LIMIT 1")        \
    X(PENDING_TO_FORKS, "INSERT OR IGNORE INTO forks(author, stream, seq, reason, held_id, "       \
                        "other_id, held, other, wall_ms) SELECT author, stream, seq, ?4, ?6, "     \
                        "id, coalesce(?7, (SELECT bytes FROM events WHERE idk = nara_idk(?6) "     \
                        "AND id = ?6)), bytes, "                                                   \
                        "?5 FROM pending WHERE author = ?1 AND stream = ?2 AND seq = ?3 AND "      \
                        "sig_ok = 1 AND id <> ?6 ORDER BY id")                                     \
    X(PENDING_CLEAR, "DELETE FROM pending WHERE author = ?1 AND stream = ?2 AND seq = ?3")         \
    X(PENDING_SETTLE, "DELETE FROM pending WHERE author = ?1 AND stream = ?2 AND seq <= ?3 "       \
                      "AND (seq < ?3 OR sig_ok = 1 OR prev <> ?4)")                                \
    X(QUARANTINE_INSERT, "INSERT INTO quarantine(id, bytes, len, reason, wall_ms) "                \
                         "VALUES(?1, ?2, ?3, ?4, ?5)")                                             \
    X(COUNTS, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM feeds), "               \
              "(SELECT count(*) FROM pending), (SELECT count(*) FROM forks), "                     \
              "(SELECT count(*) FROM quarantine)")                                                 \
    X(EVENT_COUNT, "SELECT count(*) FROM events")                                                  \
    X(EVENT_IDS, "SELECT id FROM events ORDER BY idk, id")                                         \
    X(VV, "SELECT author, stream, head_seq, head_id FROM feeds ORDER BY author, stream")

typedef enum {
#define NARA__STMT_ENUM(name, sql) NARA__Q_##name,
    NARA__STORE_STMTS(NARA__STMT_ENUM)
#undef NARA__STMT_ENUM
        NARA__Q_COUNT
} nara__stmt_id_t;

struct nara_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[NARA__Q_COUNT];
    bool failed;               /* sticky: see invariant 5 in store.c */
    nara_verify_mode_t verify; /* NARA_VERIFY_EACH unless set */
    unsigned threads;          /* for decoding a batch, 1..NARA__STORE_MAX_THREADS */
    nara__store_hooks_t hooks[NARA__STORE_MAX_HOOKS]; /* [0..n_hooks) installed */
    size_t n_hooks;
    uint64_t streamed_batches; /* merges that took the STREAMING path (store_merge.c) */
    char errmsg[512];
};

/* A feed's head as stored; id == 0 and seq == 0 when the feed has no
 * accepted event yet. */
typedef struct {
    int64_t id;
    uint64_t seq;
    uint8_t head_id[NARA_ID_BYTES];
    uint8_t link[NARA_HASH_BYTES];
} nara__head_t;

/* The cached statement `id`, reset and with its bindings cleared.  Cannot
 * fail. */
sqlite3_stmt *nara__store_stmt(nara_store_t *s, nara__stmt_id_t id);

/* Step a statement that returns no row (or whose row is ignored), reset it,
 * and translate the result.  NARA_OK or a translated storage error. */
nara_err_t nara__store_exec(nara_store_t *s, sqlite3_stmt *st, const char *what);

/* Record a non-SQLite failure for nara_store_errmsg (unless the store has
 * already failed, whose message is kept); NARA_IO, NARA_FULL and NARA_CORRUPT
 * make the store failed.  Returns err. */
nara_err_t nara__store_fail(nara_store_t *s, nara_err_t err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Begin / commit / roll back the write transaction.  Rollback is a no-op when
 * SQLite already ended the transaction itself (it does after some I/O and
 * disk-full errors) and never changes the error being reported. */
nara_err_t nara__store_begin(nara_store_t *s);
nara_err_t nara__store_commit(nara_store_t *s);
void nara__store_rollback(nara_store_t *s, bool began);

/* Read or write the persisted clock inside a transaction. */
nara_err_t nara__store_clock_get(nara_store_t *s, uint64_t *out);
nara_err_t nara__store_clock_set(nara_store_t *s, uint64_t value);

/* The head of (author, stream); a zeroed head when the feed is unknown. */
nara_err_t nara__store_head(nara_store_t *s, const uint8_t author[NARA_PUBLICKEY_BYTES],
                            const char *stream, nara__head_t *out);

/* Accepted head and the highest seq seen in pending or fork records. */
nara_err_t nara__store_seen(nara_store_t *s, const uint8_t author[NARA_PUBLICKEY_BYTES],
                            const char *stream, uint64_t *head, uint64_t *seen);

#endif /* NARA_STORE_IMPL_H */
