/*
 * domain_internal.h - what the files of the domain module share: the domain
 * struct, the entity model of the fold, the body reader, the authority
 * function and the enrolment table.  Not installed; tests include it to test
 * nara__authorize and the enrolment table directly.
 *
 * The fold is organised around ENTITIES, the units that are re-folded:
 *
 *   ENT_STATIC   events that cannot be routed anywhere (unknown kind, wrong
 *                stream, a routing field missing): quarantined once, when
 *                indexed.
 *   ENT_DEVICES  every device.enroll / device.revoke: the enrolment table.
 *   ENT_DECREES  every decree.
 *   ENT_REGION   one region's lo.assign / lo.unassign history (key: code).
 *   ENT_CASE     one case's events (key: the case id = id of its case.open;
 *                in dom_case_ev and dom_case the case's number,
 *                see dom_caseno in domain.c).
 *
 * Every accepted event is indexed exactly once: a case event as one entry of
 * its case's event list (dom_case_ev), any other event as one dom_index row
 * naming its entity.  An entity's derived rows (and its quarantine rows) are
 * a function of its indexed events, the bodies of those events, the
 * enrolment table (for the authors of those events) and the region list,
 * nothing else.  That is what makes re-folding one entity at a time correct
 * (see domain.c).
 */
#ifndef NARA_DOMAIN_INTERNAL_H
#define NARA_DOMAIN_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <sqlite3.h>

#include "nara_domain.h"
#include "store_internal.h"

/* ---- streams, scopes -------------------------------------------------------- */

#define NARA__STREAM_PROVINCE (-1) /* "province" */
#define NARA__STREAM_OTHER (-2)    /* neither the province nor a known region */

/* Region index (>= 0) of a stream, or one of the two values above. */
int nara__stream_class(const nara_regions_t *r, const char *stream);
int nara__regions_find_n(const nara_regions_t *r, const char *code, size_t len);
void nara__regions_hash(const nara_regions_t *r, uint8_t out[32]);

typedef struct {
    bool all;
    uint64_t bits[NARA_REGIONS_MAX / 64];
} nara__scope_t;

static inline bool nara__scope_has(const nara__scope_t *s, int region)
{
    return s->all || (region >= 0 && (s->bits[region / 64] >> (region % 64)) & 1u);
}

static inline void nara__scope_add(nara__scope_t *s, int region)
{
    assert(region >= 0 && region < NARA_REGIONS_MAX);
    s->bits[region / 64] |= (uint64_t)1 << (region % 64);
}

/* "*" or the codes in region-list order joined by ','.  Returns bytes
 * written (excluding NUL), truncating at cap. */
size_t nara__scope_format(const nara__scope_t *s, const nara_regions_t *r, char *out, size_t cap);
/* Inverse of nara__scope_format; false if a code is unknown. */
bool nara__scope_parse(const char *text, const nara_regions_t *r, nara__scope_t *out);

/* ---- kinds ------------------------------------------------------------------ */

static inline bool nara__kind_is_case(nara_kind_t k)
{
    return k >= NARA_KIND_CASE_OPEN && k <= NARA_KIND_CASE_CLOSE;
}

static inline bool nara__kind_is_province(nara_kind_t k)
{
    return k >= NARA_KIND_DEVICE_ENROLL && k <= NARA_KIND_LO_UNASSIGN;
}

/* ---- authority (docs/events.md section 5) ----------------------------------- */

/* The author's standing at the event's time. */
typedef struct {
    nara_role_t role; /* NONE: never enrolled before the event */
    bool revoked;     /* the latest entry before the event is a revocation */
    nara__scope_t scope;
} nara__who_t;

/* For device.enroll / device.revoke: the device the event is about. */
typedef struct {
    bool is_root;         /* the target is the province root key */
    bool is_self;         /* the target is the author */
    nara_role_t current;  /* the target's role at the event's time (NONE if none/revoked) */
    nara_role_t new_role; /* device.enroll: the role given */
} nara__target_t;

/* The stream part of the table alone: unknown-kind, wrong-stream or OK. */
nara_rule_t nara__stream_rule(nara_kind_t kind, int stream);

/* THE authority function: may `who` write `kind` to `stream` (a value of
 * nara__stream_class)?  target is required for device.enroll/revoke and
 * ignored otherwise.  Checks, in order: unknown-kind, wrong-stream,
 * unknown-device, revoked, role, scope, then the admin limits (role).
 * Pure; cannot fail. */
nara_rule_t nara__authorize(const nara__who_t *who, nara_kind_t kind, int stream,
                            const nara__target_t *target);

/* ---- event bodies ------------------------------------------------------------- */

typedef struct {
    const char *p; /* NULL when an optional field is absent; not NUL-terminated */
    size_t n;
} nara__str_t;

/* A parsed body.  Strings point into the event's bytes (which must stay
 * alive); ids and keys are copied. */
typedef struct {
    nara_kind_t kind;
    nara__str_t region; /* lo.*, case.open */
    /* device.* */
    uint8_t device[32];
    nara_role_t role;
    nara__scope_t scope;
    nara__str_t name, agency, reason;
    /* decree */
    nara__str_t number, date, effective, until, title, supersedes;
    uint8_t doc_hash[32];
    /* lo.assign / lo.unassign (agency, effective above) */
    nara__str_t officer, decree;
    bool has_device, has_ref;
    uint8_t ref[32]; /* replaces / assignment */
    /* case.open (title above) */
    nara__str_t category, function, description, priority;
    /* other case events (reason above) */
    uint8_t case_id[32];
    size_t n_seen;
    uint8_t seen[NARA_SEEN_MAX][32];
    nara__str_t text, what, who, due, to, summary;
} nara__body_t;

/* Parse a validated body for `kind`.  NARA_RULE_OK, or NARA_RULE_MALFORMED
 * with a reason in detail.  `body` NULL (a redacted event) is malformed.
 * The zone is cleared before returning. */
nara_rule_t nara__body_parse(nara_kind_t kind, const uint8_t *body, size_t len,
                             const nara_regions_t *regions, msgpack_zone *zone, nara__body_t *out,
                             char *detail, size_t cap);

/* Routing only: the region of a lo.* event or the case of a case event
 * (other than case.open).  false if the field is missing or ill-typed, or
 * the body is not one msgpack map.  *region borrows the body. */
bool nara__body_route(nara_kind_t kind, const uint8_t *body, size_t len, nara__str_t *region,
                      uint8_t case_id[32]);

/* ---- the enrolment table -------------------------------------------------------- */

typedef struct {
    uint64_t hlc;
    uint8_t id[32];
    bool revoke;
    nara_role_t role;    /* enrol only */
    nara__scope_t scope; /* enrol only */
    uint8_t by[32];
} nara__dev_entry_t;

typedef struct {
    uint8_t pk[32];
    nara__dev_entry_t *e; /* effective entries in (hlc, id) order */
    size_t n, cap;
} nara__dev_t;

typedef struct {
    nara__dev_t *v; /* sorted by pk */
    size_t n, cap;
} nara__devtab_t;

/* An event's identity and position, as the fold needs it. */
typedef struct {
    uint8_t id[32];
    uint64_t hlc;
    uint8_t author[32];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;
    nara_kind_t kind;
} nara__meta_t;

void nara__devtab_free(nara__devtab_t *t);
nara__dev_t *nara__devtab_find(const nara__devtab_t *t, const uint8_t pk[32]);
/* Append an entry (entries must come in (hlc, id) order per device). */
nara_err_t nara__devtab_add(nara__devtab_t *t, const uint8_t pk[32], const nara__dev_entry_t *e);
bool nara__dev_equal(const nara__dev_t *a, const nara__dev_t *b);

/* The standing of `author` for an event at (hlc, id): the latest entry
 * strictly before it in (hlc, id) order.  *via (may be NULL) receives that
 * entry, or NULL.  The root key is always ROOT. */
void nara__devtab_who(const nara__devtab_t *t, const uint8_t root[32], const uint8_t author[32],
                      uint64_t hlc, const uint8_t id[32], nara__who_t *who,
                      const nara__dev_entry_t **via);

/* Judge one device.enroll / device.revoke (body already parsed) against the
 * table built from the effective events before it, set *rule, and add its
 * entry when it takes effect.  Events must be judged in (hlc, id) order.
 * Fails only with NARA_NOMEM. */
nara_err_t nara__devtab_judge(nara__devtab_t *t, const uint8_t root[32], const nara__meta_t *m,
                              const nara__body_t *b, nara_rule_t *rule, char *detail, size_t cap,
                              uint8_t related[32], bool *has_related);

/* Message for a refused authority check (deterministic). */
void nara__rule_detail(nara_rule_t rule, const nara__who_t *who, nara_kind_t kind,
                       const char *stream, char *detail, size_t cap);

/* ---- the domain ------------------------------------------------------------------ */

enum {
    NARA__ENT_STATIC = 0,
    NARA__ENT_DEVICES = 1,
    NARA__ENT_DECREES = 2,
    NARA__ENT_REGION = 3,
    NARA__ENT_CASE = 4
};

/* Cached statements (sql in domain.c). */
#define NARA__DOM_STMTS(X)                                                                         \
    X(INDEX_INSERT, "INSERT OR IGNORE INTO dom_index(ord, ent, ekey, rule, detail)"                \
                    " VALUES(?1, ?2, ?3, ?4, ?5)")                                                 \
    X(MAX_ORD, "SELECT coalesce(max(ord), 0) FROM events")                                         \
    X(ENT_ROWS, "SELECT e.id, e.hlc, f.author, f.stream, e.seq, e.kind, e.bytes, i.ord"            \
                " FROM dom_index i"                                                                \
                " JOIN events e ON e.ord = i.ord JOIN feeds f ON f.id = e.feed"                    \
                " WHERE i.ent = ?1 AND i.ekey = ?2 ORDER BY e.hlc, e.id")                          \
    X(AUTHOR_EVENTS, "SELECT e.bytes, e.ord FROM feeds f JOIN events e ON e.feed = f.id"           \
                     " WHERE f.author = ?1")                                                       \
    X(EVENTS_AFTER, "SELECT ord, bytes FROM events WHERE ord > ?1 AND ord < ?2 ORDER BY ord")      \
    X(EVENT_ROW, "SELECT e.id, e.hlc, f.author, f.stream, e.seq, e.kind, e.bytes, e.ord"           \
                 " FROM events e JOIN feeds f ON f.id = e.feed WHERE e.ord = ?1")                  \
    X(CASEEV_GET, "SELECT ev FROM dom_case_ev WHERE cno = ?1")                                     \
    X(CASEEV_PUT, "INSERT OR REPLACE INTO dom_case_ev(cno, ev) VALUES(?1, ?2)")                    \
    X(Q_INSERT, "INSERT OR REPLACE INTO dom_quarantine(id, hlc, ent, ekey, rule, detail,"          \
                " related) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                    \
    X(Q_DELETE, "DELETE FROM dom_quarantine WHERE ent = ?1 AND ekey = ?2")                         \
    X(CONFLICT_INSERT, "INSERT OR REPLACE INTO dom_conflict(ent, ekey, kind, a, b,"                \
                       " resolved_by, region) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)")                 \
    X(CONFLICT_DELETE, "DELETE FROM dom_conflict WHERE ent = ?1 AND ekey = ?2")                    \
    X(CASE_DELETE, "DELETE FROM dom_case WHERE cno = ?1")                                          \
    X(CASE_INSERT, "INSERT INTO dom_case(cno, id, region, status, category, function, title,"      \
                   " description, priority, opened, opened_by, ack, ack_by, escalated_to,"         \
                   " resolved, closed, last, tl) VALUES(?17, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"  \
                   " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?18)")                                     \
    X(CASENO_GET, "SELECT cno FROM dom_caseno WHERE idk = nara_idk(?1) AND id = ?1")               \
    X(CASENO_PUT, "INSERT INTO dom_caseno(cno, idk, id) VALUES(?2, nara_idk(?1), ?1)")             \
    X(LOH_DELETE, "DELETE FROM dom_lo_history WHERE region = ?1")                                  \
    X(LOH_INSERT, "INSERT INTO dom_lo_history(region, hlc, id, kind, author, officer,"             \
                  " agency, decree, effective, device, ref, flags)"                                \
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")                    \
    X(DEV_DELETE, "DELETE FROM dom_device")                                                        \
    X(DEV_INSERT, "INSERT INTO dom_device(device, hlc, id, revoke, role, scope, name,"             \
                  " agency, by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                       \
    X(DEV_SELECT, "SELECT device, hlc, id, revoke, role, scope, by FROM dom_device"                \
                  " ORDER BY device, hlc, id")                                                     \
    X(DECREE_DELETE, "DELETE FROM dom_decree")                                                     \
    X(DECREE_INSERT, "INSERT INTO dom_decree(id, hlc, number, date, doc_hash, effective,"          \
                     " until, title, supersedes) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")      \
    X(META_GET, "SELECT value FROM dom_meta WHERE key = ?1")                                       \
    X(META_SET, "INSERT OR REPLACE INTO dom_meta(key, value) VALUES(?1, ?2)")                      \
    X(LO_CURRENT, "SELECT id FROM dom_lo_history WHERE region = ?1 AND flags & 8")                 \
    X(CASE_REGION, "SELECT f.stream FROM events e JOIN feeds f ON f.id = e.feed"                   \
                   " WHERE e.id = ?1 AND e.kind = 'case.open'")

typedef enum {
#define NARA__DOM_STMT_ENUM(name, sql) NARA__DQ_##name,
    NARA__DOM_STMTS(NARA__DOM_STMT_ENUM)
#undef NARA__DOM_STMT_ENUM
        NARA__DQ_COUNT
} nara__dom_stmt_id_t;

/* A case: its id and its number on this replica (dom_caseno). */
typedef struct {
    uint8_t id[32];
    int64_t cno;
} nara__case_ref_t;

/* The cases a transaction made dirty, by id (open addressing; cno 0 marks
 * an empty slot, case numbers are events.ord values, >= 1). */
typedef struct {
    nara__case_ref_t *v;
    size_t n, cap; /* cap: 0 or a power of two */
} nara__caseset_t;

/* A case event accepted in the current transaction for a case that was new
 * in it, kept so that the case's fold need not read its events back. */
typedef struct {
    int64_t cno, ord;
    nara__meta_t m;
    uint8_t *body; /* owned copy; NULL when redacted */
    size_t body_len;
} nara__txn_event_t;

typedef struct {
    nara__txn_event_t *v;
    size_t n, cap;
} nara__txn_events_t;

/* A case event indexed in the current transaction, not yet in its case's
 * event list (dom_case_ev). */
typedef struct {
    int64_t cno, ord;
} nara__case_ord_t;

typedef struct {
    nara__case_ord_t *v;
    size_t n, cap;
} nara__case_ords_t;

struct nara_domain {
    nara_store_t *s;
    sqlite3 *db;
    uint8_t root[32];
    const nara_regions_t *regions;
    nara__devtab_t devs; /* mirrors dom_device (see devs_stale) */
    bool devs_stale;     /* after a rollback: reload devs before use */
    /* what the current transaction made dirty */
    bool dirty_devices, dirty_decrees;
    uint64_t dirty_regions[NARA_REGIONS_MAX / 64];
    nara__caseset_t dirty_cases;
    uint8_t slot_key[16]; /* crypto_shorthash key of dirty_cases */
    /* the events of the cases new in this transaction, sorted by (cno, hlc,
     * id) before the fold */
    nara__txn_events_t txn_events;
    /* ord of the first event this transaction indexed (0: none, or a
     * catch-up): an entity whose events all come from this transaction was
     * never folded before, so it has no derived rows to delete. */
    int64_t txn_first_ord;
    /* the case events this transaction indexed, written to their cases'
     * lists before the fold (flush_case_ords in domain.c) */
    nara__case_ords_t txn_case_ords;
    /* the highest ord this transaction indexed (0: none): dom_meta's
     * 'indexed_ord' at commit */
    int64_t txn_last_ord;
    msgpack_zone zone;
    uint8_t *scratch; /* NARA_EVENT_MAX_BYTES, for nara_store_get */
    sqlite3_stmt *stmt[NARA__DQ_COUNT];
    nara_domain_stats_t stats;
};

/* A statement, reset and with bindings cleared.  NULL never happens after a
 * successful open (all are prepared there). */
sqlite3_stmt *nara__dom_stmt(nara_domain_t *d, nara__dom_stmt_id_t id);
/* Step a statement to completion (write); translate the result. */
nara_err_t nara__dom_exec(nara_domain_t *d, sqlite3_stmt *st, const char *what);
/* Translate a step/prepare result code (records the message in the store). */
nara_err_t nara__dom_err(nara_domain_t *d, int rc, const char *what);

/* Bind an entity key: a zero-length blob for the keyless entities. */
void nara__bind_key(sqlite3_stmt *st, int col, const void *key, size_t len);

/* Read the identity of an event from a row of NARA__DQ_ENT_ROWS or
 * NARA__DQ_EVENT_ROW (columns
 * id, hlc, author, stream, seq, kind); false if the row is damaged. */
bool nara__dom_row_meta(sqlite3_stmt *st, nara__meta_t *m);

/* Quarantine an event of an entity. */
nara_err_t nara__dom_quarantine(nara_domain_t *d, const nara__meta_t *m, int ent, const void *key,
                                size_t key_len, nara_rule_t rule, const char *detail,
                                const uint8_t *related);

/* Bind helpers: a nara__str_t as text ("" when absent), a blob or NULL. */
void nara__bind_str(sqlite3_stmt *st, int col, nara__str_t s);
void nara__bind_id(sqlite3_stmt *st, int col, const uint8_t *id32);

/* The devices' standing (reloads the table after a rollback). */
nara_err_t nara__dom_devs(nara_domain_t *d, const nara__devtab_t **out);

/* The number of a case on this replica; *cno 0 if it has none yet. */
nara_err_t nara__case_number(nara_domain_t *d, const uint8_t id[32], int64_t *cno);

/* ---- an entity's events, loaded for a fold (domain_items.c) -------------------------- */

typedef struct {
    nara__meta_t m;
    int64_t ord;    /* the store's events.ord */
    uint8_t *bytes; /* the event, owned; body strings point here */
    nara__body_t b;
    bool parsed;      /* b is valid (the body is well-formed) */
    nara_rule_t rule; /* OK while it may still take effect */
    char detail[128];
    bool has_related;
    uint8_t related[32];
    unsigned flags; /* NARA_TL_* or NARA_LO_* */
} nara__item_t;

/* Load the entity's events in (hlc, id) order and parse their bodies (rule
 * MALFORMED when a body is).  Free with nara__items_free. */
nara_err_t nara__items_load(nara_domain_t *d, int ent, const void *key, size_t key_len,
                            nara__item_t **items, size_t *n);
/* The same for a case, by its number: the events its list (dom_case_ev)
 * names, read by ord.  A case new in this transaction is taken from
 * d->txn_events (its bodies move to the items) instead of being read back.
 * The list must hold the transaction's events (flushed before the fold). */
nara_err_t nara__items_load_case(nara_domain_t *d, int64_t cno, nara__item_t **items, size_t *n);
/* Keep an event of a case new in this transaction (copies its body). */
nara_err_t nara__txn_event_add(nara_domain_t *d, int64_t cno, int64_t ord, const nara__meta_t *m,
                               const nara_event_t *ev);
/* Sort them for nara__items_load_case; free them. */
void nara__txn_events_sort(nara_domain_t *d);
void nara__txn_events_clear(nara_domain_t *d);
void nara__items_free(nara__item_t *items, size_t n);

/* If the item's rule is still OK, judge its author's authority at its time
 * (rule, detail and, for revoked, the revocation as related). */
void nara__item_judge(nara_domain_t *d, const nara__devtab_t *devs, nara__item_t *it);

/* Were all n items accepted in the current transaction (so the entity was
 * never folded before and has no derived rows)?  false when unknown. */
bool nara__items_new(const nara_domain_t *d, const nara__item_t *items, size_t n);

/* Where the body of a stored event is (NULL for a redacted one), without
 * hashing or validating: the bytes were decoded when accepted.  false if
 * they are not an event's. */
bool nara__stored_body(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len);

/* A case's event list (dom_case_ev.ev): per event, its events.ord (8 bytes,
 * big-endian), in the order the events were indexed. */
#define NARA__EV_ENTRY 8

/* A case timeline (dom_case.tl): per effective event, its events.ord (8
 * bytes, big-endian) and its NARA_TL_* flags (4 bytes, big-endian). */
#define NARA__TL_ENTRY 12

/* The timeline text of a case event (its body parsed), NUL-terminated: in
 * buf when it fits in cap bytes, else malloc'd (*heap true, the caller
 * frees).  NULL when out of memory. */
char *nara__timeline_text(nara_kind_t kind, const nara__body_t *b, char *buf, size_t cap,
                          bool *heap);

/* Index of the item with this id, or -1. */
int nara__items_find(const nara__item_t *items, size_t n, const uint8_t id[32]);

/* Quarantine every item whose rule is not OK. */
nara_err_t nara__items_quarantine(nara_domain_t *d, const nara__item_t *items, size_t n, int ent,
                                  const void *key, size_t key_len);

/* Reachability ("happened before") among n items: reach(i, j) is true when j
 * is in i's causal past through the given parent edges.  Parent edges are
 * the references an event makes (seen, replaces, assignment) plus the
 * previous item of the same feed.  Malformed items take part with their feed
 * edge only. */
typedef struct {
    size_t n, words;
    uint64_t *bits; /* n rows of `words` words: row i = ancestors of i */
} nara__reach_t;

/* refs(i, out) writes item i's reference ids (at most NARA_SEEN_MAX) and
 * returns how many. */
nara_err_t nara__reach_build(nara__reach_t *r, const nara__item_t *items, size_t n,
                             size_t (*refs)(const nara__item_t *it, const uint8_t **out));
bool nara__reach(const nara__reach_t *r, size_t from, size_t to);
void nara__reach_free(nara__reach_t *r);

/* Re-folds (domain_fold_*.c).  Each deletes the entity's derived rows and
 * writes them again; all run inside the caller's transaction. */
nara_err_t nara__fold_devices(nara_domain_t *d, nara__devtab_t *out);
nara_err_t nara__fold_decrees(nara_domain_t *d);
nara_err_t nara__fold_region(nara_domain_t *d, int region);
nara_err_t nara__fold_case(nara_domain_t *d, const nara__case_ref_t *c);

/* The heads of a case on this replica (for `seen`) and its stream.
 * NARA_NOT_FOUND if the case's opening is not in the local log. */
nara_err_t nara__case_heads(nara_domain_t *d, const uint8_t case_id[32],
                            uint8_t heads[NARA_SEEN_MAX][32], size_t *n,
                            char stream[NARA_STREAM_MAX + 1]);

#endif /* NARA_DOMAIN_INTERNAL_H */
