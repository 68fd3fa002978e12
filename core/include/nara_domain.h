/*
 * nara_domain.h - what the signed log means: regions, devices and roles, LO
 * assignments, cases and the 24-hour service level.  docs/events.md is the
 * specification; this header is the C contract.
 *
 * A domain is attached to one open store.  It keeps its derived tables (all
 * named dom_*) in the store's SQLite file and folds every event inside the
 * transaction that accepts it, so the folded state is always exactly the fold
 * of the accepted log.
 *
 * Invariants:
 *  1. The folded state is a pure function of the set of accepted events, the
 *     province root key and the region list: it does not depend on arrival
 *     order, batch split or duplication.  nara_domain_digest() hashes it and
 *     nara_domain_refold_all() recomputes it from scratch; both give the same
 *     digest.
 *  2. An event that breaks a rule stays in the log and is listed in the
 *     domain quarantine with the rule (nara_rule_t); it has no other effect.
 *  3. Accepting an event re-folds only the entities it touches (one case, one
 *     region's LO history, the enrolment table and what the devices whose
 *     enrolment changed wrote).
 *
 * Time: every time here is an HLC timestamp (see nara_hlc.h) unless its name
 * ends in _ms; dates are "YYYY-MM-DD" strings.  Query callbacks receive
 * structs whose strings and byte pointers are borrowed for the duration of
 * the callback only; a callback returning non-zero stops the walk (the
 * function still returns NARA_OK).  A domain is used by one thread at a time,
 * together with its store.
 */
#ifndef NARA_DOMAIN_H
#define NARA_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_error.h"
#include "nara_event.h"
#include "nara_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- regions (docs/events.md section 2) ---------------------------------- */

#define NARA_REGIONS_MAX 128    /* regions in one province */
#define NARA_REGION_NAME_MAX 64 /* bytes in a region or province name */
#define NARA_STREAM_PROVINCE "province"

typedef enum { NARA_REGION_KABUPATEN = 0, NARA_REGION_KOTA = 1 } nara_region_type_t;

typedef struct {
    const char *code; /* "32.01": a stream name */
    nara_region_type_t type;
    const char *name; /* "Bogor" */
} nara_region_t;

typedef struct nara_regions nara_regions_t;

/* The built-in list: Jawa Barat, province 32, 27 regions.  Static storage;
 * passing it to nara_regions_free is harmless. */
const nara_regions_t *nara_regions_default(void);

/* Parse the TSV format of docs/events.md section 2 from text[0..len).  On
 * failure *out is NULL, the return is NARA_INVAL (or NARA_NOMEM) and errbuf
 * (may be NULL) holds a message such as "line 7: duplicate region code
 * 32.05".  The caller frees *out with nara_regions_free. */
nara_err_t nara_regions_parse(const char *text, size_t len, nara_regions_t **out, char *errbuf,
                              size_t errcap);

/* Read and parse a file; NARA_IO with a message if it cannot be read. */
nara_err_t nara_regions_load(const char *path, nara_regions_t **out, char *errbuf, size_t errcap);

/* Accepts NULL and the default list. */
void nara_regions_free(nara_regions_t *r);

size_t nara_regions_count(const nara_regions_t *r);
/* The i-th region in file order, NULL if i is out of range. */
const nara_region_t *nara_regions_at(const nara_regions_t *r, size_t i);
/* Index of the region with this code, or -1. */
int nara_regions_find(const nara_regions_t *r, const char *code);
const char *nara_regions_province_code(const nara_regions_t *r);
const char *nara_regions_province_name(const nara_regions_t *r);
const char *nara_region_type_name(nara_region_type_t t); /* "kabupaten" / "kota" */

/* ---- vocabulary ------------------------------------------------------------ */

typedef enum {
    NARA_ROLE_NONE = 0, /* not enrolled */
    NARA_ROLE_ROOT,
    NARA_ROLE_ADMIN,
    NARA_ROLE_SECRETARIAT,
    NARA_ROLE_GOVERNOR,
    NARA_ROLE_AUDITOR,
    NARA_ROLE_LO,
    NARA_ROLE_REGENCY,
    NARA_ROLE_SERVER, /* the provincial server's key: signs tree heads, writes no event */
    NARA_ROLE_COUNT
} nara_role_t;

/* "admin", "lo", ...; "none" for NARA_ROLE_NONE.  Static storage. */
const char *nara_role_name(nara_role_t role);
/* NARA_ROLE_NONE if the string names no role. */
nara_role_t nara_role_parse(const char *name);

typedef enum {
    NARA_KIND_UNKNOWN = 0,
    NARA_KIND_DEVICE_ENROLL,
    NARA_KIND_DEVICE_REVOKE,
    NARA_KIND_DECREE,
    NARA_KIND_LO_ASSIGN,
    NARA_KIND_LO_UNASSIGN,
    NARA_KIND_CASE_OPEN,
    NARA_KIND_CASE_ACK,
    NARA_KIND_CASE_NOTE,
    NARA_KIND_CASE_ACTION,
    NARA_KIND_CASE_ESCALATE,
    NARA_KIND_CASE_RESOLVE,
    NARA_KIND_CASE_REOPEN,
    NARA_KIND_CASE_CLOSE,
    NARA_KIND_COUNT
} nara_kind_t;

const char *nara_kind_name(nara_kind_t kind); /* "case.open", ...; "" for UNKNOWN */
nara_kind_t nara_kind_parse(const char *name);

/* Why an event took no effect (docs/events.md section 5). */
#define NARA_RULE_MAP(X)                                                                           \
    X(OK, 0, "ok")                                                                                 \
    X(UNKNOWN_DEVICE, 1, "unknown-device")                                                         \
    X(REVOKED, 2, "revoked")                                                                       \
    X(ROLE, 3, "role")                                                                             \
    X(SCOPE, 4, "scope")                                                                           \
    X(WRONG_STREAM, 5, "wrong-stream")                                                             \
    X(MALFORMED, 6, "malformed")                                                                   \
    X(UNKNOWN_CASE, 7, "unknown-case")                                                             \
    X(UNKNOWN_KIND, 8, "unknown-kind")

typedef enum {
#define NARA__RULE_ENUM(name, num, text) NARA_RULE_##name = num,
    NARA_RULE_MAP(NARA__RULE_ENUM)
#undef NARA__RULE_ENUM
} nara_rule_t;

/* The rule's name as docs/events.md spells it.  Static storage. */
const char *nara_rule_name(nara_rule_t rule);

typedef enum {
    NARA_CASE_OPEN = 0,
    NARA_CASE_ACKNOWLEDGED,
    NARA_CASE_ESCALATED,
    NARA_CASE_RESOLVED,
    NARA_CASE_CLOSED,
    NARA_CASE_REOPENED,
    NARA_CASE_STATUS_COUNT
} nara_case_status_t;

const char *nara_case_status_name(nara_case_status_t st); /* "open", "acknowledged", ... */

/* ---- canonical bodies ------------------------------------------------------ */

typedef enum {
    NARA_FIELD_STR,   /* str: NUL-terminated UTF-8 */
    NARA_FIELD_UINT,  /* u */
    NARA_FIELD_BIN32, /* bin: 32 bytes */
    NARA_FIELD_STRS,  /* strs[0..n): array of str */
    NARA_FIELD_BIN32S /* bins[0..n): array of bin 32 */
} nara_field_type_t;

typedef struct {
    const char *key;
    nara_field_type_t type;
    const char *str;
    uint64_t u;
    const uint8_t *bin;
    const char *const *strs;
    const uint8_t (*bins)[32];
    size_t n;
} nara_field_t;

#define NARA_BODY_MAX_FIELDS 32

/* Encode fields (any order) as one canonical msgpack map, keys sorted
 * bytewise.  NARA_INVAL for a duplicate or missing key, a NULL value or more
 * than NARA_BODY_MAX_FIELDS fields; NARA_BUFFER_TOO_SMALL with *len = the size
 * needed when cap is too small (buf may then be NULL).  Does not check UTF-8
 * (nara_body_validate does, and nara_store_append calls it). */
nara_err_t nara_body_build(const nara_field_t *fields, size_t n, uint8_t *buf, size_t cap,
                           size_t *len);

/* ---- the domain ------------------------------------------------------------ */

typedef struct nara_domain nara_domain_t;

/* Attach a domain to an open store: create the dom_* tables if needed,
 * install the store's hooks (every later merge/append folds in its own
 * transaction) and fold whatever the store holds that is not folded yet (all
 * of it for a fresh domain, or when root_pk or the region list changed since
 * the tables were written).  `regions` NULL means nara_regions_default(); it
 * is borrowed and must outlive the domain.  One domain per store.  On failure
 * *out is NULL and nothing stays installed. */
nara_err_t nara_domain_open(nara_store_t *s, const uint8_t root_pk[NARA_PUBLICKEY_BYTES],
                            const nara_regions_t *regions, nara_domain_t **out);

/* Remove the hooks and free.  The store stays open.  Accepts NULL. */
void nara_domain_close(nara_domain_t *d);

nara_store_t *nara_domain_store(nara_domain_t *d);
const nara_regions_t *nara_domain_regions(const nara_domain_t *d);

/* Throw every derived row away and fold the whole log again, in one
 * transaction.  On error nothing changed. */
nara_err_t nara_domain_refold_all(nara_domain_t *d);

/* BLAKE2b-256 over the whole folded state (enrolments, decrees, LOs and their
 * history, cases, timelines, conflicts, quarantine) in a canonical order.
 * Two replicas holding the same events give the same digest. */
nara_err_t nara_domain_digest(nara_domain_t *d, uint8_t out[NARA_HASH_BYTES]);

/* Work counters since open (for tests and benchmarks). */
typedef struct {
    uint64_t events_indexed;   /* events routed into the fold */
    uint64_t cases_refolded;   /* case re-folds */
    uint64_t regions_refolded; /* region LO-history re-folds */
    uint64_t device_rebuilds;  /* enrolment-table recomputations */
    uint64_t full_refolds;     /* nara_domain_refold_all and full folds at open */
} nara_domain_stats_t;

void nara_domain_stats(const nara_domain_t *d, nara_domain_stats_t *out);

/* ---- writing events: build the body, then nara_store_append --------------- */
/* Each function checks its arguments (NARA_INVAL), builds the canonical body
 * of docs/events.md section 4 and appends it with kp to the right stream; the
 * event is folded before the function returns.  They do not check authority:
 * an unauthorised event is recorded and quarantined by the fold, as it would
 * be on every other replica.  id_out may be NULL.  Errors are those of
 * nara_store_append. */

typedef struct {
    const uint8_t *device; /* 32-byte public key */
    nara_role_t role;
    bool scope_all;           /* scope "*" */
    const char *const *scope; /* region codes, when !scope_all */
    size_t n_scope;
    const char *name;
    const char *agency; /* optional (NULL) */
} nara_enroll_params_t;

nara_err_t nara_device_enroll(nara_domain_t *d, const nara_keypair_t *kp,
                              const nara_enroll_params_t *p, uint64_t wall_ms,
                              uint8_t id_out[NARA_ID_BYTES]);

/* reason may be NULL. */
nara_err_t nara_device_revoke(nara_domain_t *d, const nara_keypair_t *kp,
                              const uint8_t device[NARA_PUBLICKEY_BYTES], const char *reason,
                              uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);

typedef struct {
    const char *number; /* "800/Kep.123-Org/2026" */
    const char *date;
    const uint8_t *doc_hash; /* 32 bytes */
    const char *effective;
    const char *until; /* optional */
    const char *title;
    const char *supersedes; /* optional */
} nara_decree_params_t;

nara_err_t nara_decree_record(nara_domain_t *d, const nara_keypair_t *kp,
                              const nara_decree_params_t *p, uint64_t wall_ms,
                              uint8_t id_out[NARA_ID_BYTES]);

typedef struct {
    const char *region;
    const char *agency;
    const char *officer;
    const uint8_t *device; /* optional: the LO's device key */
    const char *decree;
    const char *effective;
    /* The assignment this one replaces.  NULL: the region's current
     * assignment on this replica, if any.  omit_replaces: write none. */
    const uint8_t *replaces;
    bool omit_replaces;
} nara_lo_assign_params_t;

nara_err_t nara_lo_assign(nara_domain_t *d, const nara_keypair_t *kp,
                          const nara_lo_assign_params_t *p, uint64_t wall_ms,
                          uint8_t id_out[NARA_ID_BYTES]);

nara_err_t nara_lo_unassign(nara_domain_t *d, const nara_keypair_t *kp, const char *region,
                            const uint8_t assignment[NARA_ID_BYTES], const char *decree,
                            const char *effective, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);

typedef struct {
    const char *region;
    const char *category; /* pembangunan, sosial, rpjmd, rapim, lainnya */
    const char *function; /* koordinasi, fasilitasi, sinkronisasi, komunikasi */
    const char *title;
    const char *description;
    const char *priority; /* rendah, sedang, tinggi, darurat */
} nara_case_open_params_t;

/* case_id_out (may be NULL) receives the new case's id. */
nara_err_t nara_case_open(nara_domain_t *d, const nara_keypair_t *kp,
                          const nara_case_open_params_t *p, uint64_t wall_ms,
                          uint8_t case_id_out[NARA_ID_BYTES]);

/* What a case event says its author had seen (docs/events.md section 4).
 * NULL, or n == 0: every head of the case on this replica (the events of the
 * case that no other local event of the case follows). */
#define NARA_SEEN_MAX 16
typedef struct {
    const uint8_t (*ids)[NARA_ID_BYTES];
    size_t n;
} nara_seen_t;

/* The case events.  The stream is the case's region, looked up on this
 * replica: NARA_NOT_FOUND if the case's opening is not in the local log. */
nara_err_t nara_case_ack(nara_domain_t *d, const nara_keypair_t *kp,
                         const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                         uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);
nara_err_t nara_case_note(nara_domain_t *d, const nara_keypair_t *kp,
                          const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                          const char *text, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);
nara_err_t nara_case_action(nara_domain_t *d, const nara_keypair_t *kp,
                            const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                            const char *what, const char *who, const char *due, uint64_t wall_ms,
                            uint8_t id_out[NARA_ID_BYTES]);
/* to: "sekda" or "gubernur". */
nara_err_t nara_case_escalate(nara_domain_t *d, const nara_keypair_t *kp,
                              const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                              const char *to, const char *reason, uint64_t wall_ms,
                              uint8_t id_out[NARA_ID_BYTES]);
nara_err_t nara_case_resolve(nara_domain_t *d, const nara_keypair_t *kp,
                             const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                             const char *summary, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);
nara_err_t nara_case_reopen(nara_domain_t *d, const nara_keypair_t *kp,
                            const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                            const char *reason, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);
nara_err_t nara_case_close(nara_domain_t *d, const nara_keypair_t *kp,
                           const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                           uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);

/* ---- queries ----------------------------------------------------------------- */

typedef struct {
    const char *region;
    uint8_t assignment[NARA_ID_BYTES]; /* the lo.assign event */
    uint64_t hlc;
    const char *officer;
    const char *agency;
    const char *decree;
    const char *effective;
    bool has_device;
    uint8_t device[NARA_PUBLICKEY_BYTES];
} nara_lo_t;

/* The region's current LO.  NARA_NOT_FOUND if it has none (fn not called). */
nara_err_t nara_domain_lo(nara_domain_t *d, const char *region,
                          int (*fn)(void *ctx, const nara_lo_t *lo), void *ctx);

#define NARA_LO_APPLIED 0x01   /* changed the current LO */
#define NARA_LO_NO_EFFECT 0x02 /* stale (already replaced) or ended nothing current */
#define NARA_LO_CONFLICT 0x04  /* part of a concurrent-assignment conflict */
#define NARA_LO_CURRENT 0x08   /* the region's current assignment */

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    uint64_t hlc;
    nara_kind_t kind; /* LO_ASSIGN or LO_UNASSIGN */
    uint8_t author[NARA_PUBLICKEY_BYTES];
    const char *officer; /* "" for an unassign */
    const char *agency;  /* "" for an unassign */
    const char *decree;
    const char *effective;
    bool has_ref; /* replaces (assign) / assignment (unassign) */
    uint8_t ref[NARA_ID_BYTES];
    unsigned flags; /* NARA_LO_* */
} nara_lo_entry_t;

/* Every effective lo.assign / lo.unassign of the region in (hlc, id) order
 * (quarantined ones are in the quarantine instead). */
nara_err_t nara_domain_lo_history(nara_domain_t *d, const char *region,
                                  int (*fn)(void *ctx, const nara_lo_entry_t *e), void *ctx);

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    const char *region;
    nara_case_status_t status;
    const char *category;
    const char *function;
    const char *title;
    const char *description;
    const char *priority;
    uint64_t opened; /* HLC of the case.open */
    uint8_t opened_by[NARA_PUBLICKEY_BYTES];
    bool acked;
    uint64_t ack; /* HLC of the acknowledgement, if acked */
    uint8_t ack_by[NARA_PUBLICKEY_BYTES];
    const char *escalated_to; /* "" if never escalated */
    uint64_t resolved;        /* 0 unless resolved (cleared by reopen) */
    uint64_t closed;          /* 0 unless closed (cleared by reopen) */
    uint64_t last;            /* HLC of the last effective event */
} nara_case_t;

/* One case.  NARA_NOT_FOUND if its opening is not in the log or did not take
 * effect. */
nara_err_t nara_domain_case(nara_domain_t *d, const uint8_t case_id[NARA_ID_BYTES],
                            int (*fn)(void *ctx, const nara_case_t *c), void *ctx);

/* Cases in (opened, id) order.  region NULL: all regions.  status_mask 0: any
 * status, else a bit set of (1u << nara_case_status_t). */
nara_err_t nara_domain_cases(nara_domain_t *d, const char *region, unsigned status_mask,
                             int (*fn)(void *ctx, const nara_case_t *c), void *ctx);

#define NARA_TL_APPLIED 0x01   /* took effect (changed status or recorded something) */
#define NARA_TL_NO_EFFECT 0x02 /* authorised but its transition was invalid */
#define NARA_TL_CONFLICT 0x04  /* part of a conflict (see nara_domain_conflicts) */

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    uint64_t hlc;
    nara_kind_t kind;
    uint8_t author[NARA_PUBLICKEY_BYTES];
    unsigned flags;   /* NARA_TL_* */
    const char *text; /* title, note, action, reason or summary; "" if none */
} nara_timeline_entry_t;

/* The case's authorised events in (hlc, id) order, the opening first. */
nara_err_t nara_domain_timeline(nara_domain_t *d, const uint8_t case_id[NARA_ID_BYTES],
                                int (*fn)(void *ctx, const nara_timeline_entry_t *e), void *ctx);

typedef struct {
    const char *kind;   /* "lo-assign", "close-reopen", "note-after-resolve" */
    const char *region; /* for lo-assign; the case's region otherwise */
    bool has_case;
    uint8_t case_id[NARA_ID_BYTES];
    uint8_t a[NARA_ID_BYTES]; /* winner / close / resolve */
    uint8_t b[NARA_ID_BYTES]; /* loser / reopen / note */
    bool resolved;            /* lo-assign only: a later event settled it */
    uint8_t resolved_by[NARA_ID_BYTES];
} nara_conflict_t;

/* Every conflict, LO conflicts first (by region), then by case. */
nara_err_t nara_domain_conflicts(nara_domain_t *d, int (*fn)(void *ctx, const nara_conflict_t *c),
                                 void *ctx);

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    uint64_t hlc;
    uint8_t author[NARA_PUBLICKEY_BYTES];
    const char *stream;
    const char *kind;
    nara_rule_t rule;
    const char *detail;
    bool has_related; /* e.g. the revocation for rule revoked */
    uint8_t related[NARA_ID_BYTES];
} nara_dom_quarantined_t;

/* Every event that took no effect, in (hlc, id) order. */
nara_err_t nara_domain_quarantine(nara_domain_t *d,
                                  int (*fn)(void *ctx, const nara_dom_quarantined_t *q), void *ctx);

typedef struct {
    uint8_t device[NARA_PUBLICKEY_BYTES];
    nara_role_t role;  /* of the latest effective enrolment */
    const char *scope; /* "*" or comma-separated region codes */
    const char *name;
    const char *agency; /* "" if none */
    uint64_t since;     /* HLC of the latest effective enrolment */
    uint8_t enrolled_by[NARA_PUBLICKEY_BYTES];
    bool revoked; /* the latest effective entry is a revocation */
    uint64_t revoked_at;
    uint8_t revoked_by[NARA_PUBLICKEY_BYTES];
} nara_device_t;

/* Every device with an effective enrolment, by public key. */
nara_err_t nara_domain_devices(nara_domain_t *d, int (*fn)(void *ctx, const nara_device_t *dev),
                               void *ctx);

/* A device's standing after every event folded so far: its role (ROOT for
 * the root key, NONE if never enrolled or revoked) and whether its latest
 * enrolment entry is a revocation. */
nara_err_t nara_domain_device_role(nara_domain_t *d, const uint8_t device[NARA_PUBLICKEY_BYTES],
                                   nara_role_t *role, bool *revoked);

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    uint64_t hlc;
    const char *number;
    const char *date;
    const char *effective;
    const char *until; /* "" if none */
    const char *title;
    const char *supersedes; /* "" if none */
    uint8_t doc_hash[NARA_HASH_BYTES];
} nara_decree_t;

/* Effective decrees in (hlc, id) order. */
nara_err_t nara_domain_decrees(nara_domain_t *d, int (*fn)(void *ctx, const nara_decree_t *dc),
                               void *ctx);

/* ---- the 24-hour report (docs/events.md section 7) ------------------------ */

#define NARA_ACK_DUTY_MS (24u * 60u * 60u * 1000u)

typedef struct {
    const char *code;
    const char *name;
    nara_region_type_t type;
    bool has_lo;
    const char *lo_officer; /* "" without an LO */
    const char *lo_agency;
    uint32_t open;          /* status open, acknowledged, escalated or reopened */
    uint32_t overdue;       /* open, never acknowledged, opened >= 24 h before as_of */
    uint32_t late;          /* acknowledged >= 24 h after opening */
    uint32_t escalated;     /* status escalated */
    uint32_t resolved;      /* status resolved */
    uint32_t closed;        /* status closed */
    uint32_t acked;         /* cases with an acknowledgement */
    uint64_t median_ack_ms; /* median opening-to-acknowledgement time; 0 if acked == 0 */
} nara_report_row_t;

/* One row per region, in region-list order, computed at as_of_ms
 * (milliseconds since the epoch, compared with nara_hlc_ms of event times). */
nara_err_t nara_domain_report(nara_domain_t *d, uint64_t as_of_ms,
                              int (*fn)(void *ctx, const nara_report_row_t *row), void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* NARA_DOMAIN_H */
