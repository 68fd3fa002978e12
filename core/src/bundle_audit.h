/*
 * bundle_audit.h - internal: the state of one audit, shared by
 * bundle_audit.c (reading the bundles record by record, the chunked
 * signature checks, the scratch store) and bundle_audit_end.c (the checks
 * that need every record: chains, receipts, completeness, forks,
 * authority, the server key, backdating).
 *
 * The scratch store is an ordinary replica in a temporary file with the
 * domain attached, plus the aud_* tables below in the same file: what the
 * audit must remember about heads, proofs and events lives on disk, so
 * memory does not grow with the history.
 *
 *   aud_head(size PK, root, time_ms, server_pk, bundle, record)  valid signed heads
 *   aud_bad(size PK)                         sizes of heads that failed their checks
 *   aud_cons(first, second PK)               verified consistency proofs
 *   aud_leaf(idx PK, id, size, bundle, record)   verified inclusion proofs
 *   aud_event(id PK, author, stream, seq, hlc, bundle, record)   events that decoded
 */
#ifndef NARA_BUNDLE_AUDIT_H
#define NARA_BUNDLE_AUDIT_H

#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>

#include "nara_bundle.h"

#define AUD_STMTS(X)                                                                               \
    X(HEAD_GET, "SELECT root FROM aud_head WHERE size = ?1")                                       \
    X(HEAD_PUT, "INSERT INTO aud_head(size, root, time_ms, server_pk, bundle, record)"             \
                " VALUES(?1, ?2, ?3, ?4, ?5, ?6)")                                                 \
    X(HEAD_TIME, "UPDATE aud_head SET time_ms = min(time_ms, ?2) WHERE size = ?1")                 \
    X(BAD_GET, "SELECT 1 FROM aud_bad WHERE size = ?1")                                            \
    X(BAD_PUT, "INSERT OR IGNORE INTO aud_bad(size) VALUES(?1)")                                   \
    X(CONS_PUT, "INSERT OR IGNORE INTO aud_cons(first, second) VALUES(?1, ?2)")                    \
    X(LEAF_AT, "SELECT id FROM aud_leaf WHERE idx = ?1")                                           \
    X(LEAF_OF, "SELECT idx FROM aud_leaf WHERE id = ?1")                                           \
    X(LEAF_PUT, "INSERT INTO aud_leaf(idx, id, size, bundle, record) VALUES(?1, ?2, ?3, ?4, ?5)")  \
    X(EVENT_PUT, "INSERT OR IGNORE INTO aud_event(id, author, stream, seq, hlc, bundle, record)"   \
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)")

typedef enum {
#define AUD_STMT_ENUM(name, sql) AQ_##name,
    AUD_STMTS(AUD_STMT_ENUM)
#undef AUD_STMT_ENUM
        AQ_COUNT
} aud_stmt_t;

/* One EVENT record waiting in the current chunk. */
typedef struct {
    uint64_t record;
    bool has_leaf;
    uint64_t leaf;
    nara_bytes_t bytes; /* in the chunk's arena */
    nara_err_t dec;     /* decoding */
    nara_err_t sig;     /* signature (when it decoded) */
    nara_event_t ev;
} aud_item_t;

typedef struct {
    const nara_audit_options_t *o;
    nara_audit_report_t *r;
    unsigned bundle; /* the input being read */

    /* scratch store */
    char path[PATH_MAX];
    nara_store_t *s;
    sqlite3 *db;
    sqlite3_stmt *q[AQ_COUNT];
    nara_domain_t *d;
    nara_regions_t *regions;
    bool have_root;
    uint8_t regions_hash[32];

    /* the server key: trusted, or taken from the first valid head */
    bool has_server;
    uint8_t server[NARA_PUBLICKEY_BYTES];

    /* this bundle */
    bool claims_complete;
    uint64_t bundle_max_head;
    uint64_t complete_size; /* largest head of the bundles that claim completeness */

    /* EVENT records: order and chain state, and the chunk */
    bool has_prev;
    nara_event_t prev;
    uint8_t prev_link[NARA_HASH_BYTES];
    size_t chunk_max;
    uint8_t *arena;
    size_t arena_used;
    aud_item_t *items;
    size_t n_items;
    nara_bytes_t *batch;
    nara_outcome_t *outcomes;

    /* HEAD, CONSISTENCY and INCLUSION records are written in one open
     * transaction of up to AUD_TXN_RECORDS records (bundle_audit.c) */
    bool txn;
    size_t txn_records;
    /* the root of the last head looked up by size (heads never change) */
    bool hr_valid;
    uint64_t hr_size;
    uint8_t hr_root[32];

    /* the verdict so far */
    bool has_failure, has_finding;
    nara_audit_finding_t first_failure, first_finding;
} aud_t;

#define AUD_ARENA_BYTES (4u * 1024u * 1024u)
#define AUD_TXN_RECORDS 16384u /* HEAD/CONSISTENCY/INCLUSION records per transaction */

/* bundle_audit.c */
sqlite3_stmt *nara__aud_stmt(aud_t *a, aud_stmt_t id);
nara_err_t nara__aud_sql(aud_t *a, int rc, const char *what);
/* A finding about nothing in particular (no event). */
void nara__aud_init(nara_audit_finding_t *f, nara_audit_severity_t sev, const char *check,
                    nara_err_t code, unsigned bundle, uint64_t record);
void nara__aud_event(nara_audit_finding_t *f, const nara_event_t *ev);
/* Count and pass on a finding of `kind` (its parameters already set in f)
 * whose English detail is fmt. */
void nara__aud_report(aud_t *a, nara_audit_finding_t *f, nara_audit_kind_t kind, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

/* bundle_audit_end.c: every check that needs all records; then the counts. */
nara_err_t nara__aud_finish(aud_t *a);

#endif /* NARA_BUNDLE_AUDIT_H */
