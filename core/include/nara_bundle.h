/*
 * nara_bundle.h - audit bundles: a self-contained, streamable file holding a
 * province's history (signed events), the tree heads the server signed over
 * it, and the proofs that tie them together; its reader, writer, exporters
 * and the offline audit.  docs/audit.md section 5 is the byte-level
 * specification; this header is the C contract.
 *
 *   file    = magic record* end counts hash
 *   magic   = "NARA-BUNDLE-V1\n" 00                      (16 bytes)
 *   record  = u32 length n (1 .. NARA_BUNDLE_RECORD_MAX), then n bytes: one
 *             canonical msgpack array [type, ...]
 *   end     = u32 0
 *   counts  = u64 heads, consistency, inclusion, events, forks (big-endian)
 *   hash    = BLAKE2b-256 of every byte before it
 *
 * Records come in sections, in this order: one HEADER, then HEAD*,
 * CONSISTENCY*, INCLUSION*, EVENT* (feed by feed, ascending seq: strictly
 * increasing (author, stream, seq)), FORK*.
 *
 * Invariants:
 *  1. The reader checks every length against its bound before reading the
 *     bytes it announces, accepts exactly one encoding per record (the
 *     writer's), and holds one record at a time: memory is bounded by
 *     NARA_BUNDLE_RECORD_MAX whatever the file's size.
 *  2. The audit never trusts the file: every signature, link, proof and
 *     order is checked, in bounded memory (chunks of events; everything
 *     else it must remember goes to a scratch SQLite file).
 *
 * Not here: how the client keeps its receipts (client/) or how narad signs
 * (nara_tlog.h).
 */
#ifndef NARA_BUNDLE_H
#define NARA_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nara_domain.h"
#include "nara_error.h"
#include "nara_event.h"
#include "nara_merkle.h"
#include "nara_store.h"
#include "nara_tlog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NARA_BUNDLE_MAGIC "NARA-BUNDLE-V1\n" /* + one 00 byte: 16 bytes */
#define NARA_BUNDLE_MAGIC_BYTES 16
#define NARA_BUNDLE_REGIONS_MAX 65536 /* bytes of region list text in the header */
#define NARA_BUNDLE_NOTE_MAX 1024     /* bytes of the header's note */
/* Largest record: a FORK of two largest events (each bin 32 with a 5-byte
 * header) and the array header; the HEADER with its longest texts fits too. */
#define NARA_BUNDLE_RECORD_MAX (2u * (NARA_EVENT_MAX_BYTES + 5u) + 16u)
#define NARA_BUNDLE_TRAILER_BYTES (4u + 5u * 8u + 32u)

typedef enum {
    NARA_BREC_HEADER = 1,
    NARA_BREC_HEAD = 2,
    NARA_BREC_CONSISTENCY = 3,
    NARA_BREC_INCLUSION = 4,
    NARA_BREC_EVENT = 5,
    NARA_BREC_FORK = 6
} nara_brec_type_t;

/* What the HEADER record says: the province the bundle belongs to. */
typedef struct {
    uint8_t root[NARA_PUBLICKEY_BYTES]; /* the province root key (to be checked by the reader) */
    const char *regions;                /* region list, TSV (docs/events.md section 2) */
    size_t regions_len;
    uint64_t created_ms;
    /* The exporter claims the bundle holds every event of the largest head's
     * tree, each with its inclusion proof (the server's full export). */
    bool complete;
    const char *note; /* what was selected, for people; may be empty */
    size_t note_len;
} nara_bundle_header_t;

typedef struct {
    uint64_t heads, consistency, inclusion, events, forks;
} nara_bundle_counts_t;

/* One record as read.  Pointers borrow from the reader (or the caller's
 * buffer) until the next read. */
typedef struct {
    nara_brec_type_t type;
    uint64_t number; /* from 0 (the HEADER) */
    uint64_t offset; /* of its length prefix, from the start of the file */
    nara_bundle_header_t header;
    nara_tree_head_t head;
    uint64_t first, second;    /* CONSISTENCY */
    uint8_t id[NARA_ID_BYTES]; /* INCLUSION: the event */
    uint64_t size, index;      /* INCLUSION: tree size and leaf index */
    nara_merkle_proof_t proof; /* CONSISTENCY, INCLUSION */
    bool has_leaf;             /* EVENT: the exporter's leaf index for it */
    uint64_t leaf;
    nara_bytes_t event;       /* EVENT */
    nara_bytes_t held, other; /* FORK: the event held and the conflicting one */
} nara_bundle_rec_t;

/* ---- reading (bundle_read.c) ---------------------------------------------- */

typedef struct nara_bundle_reader nara_bundle_reader_t;

/* A reader over a stream (not closed by the reader) or over memory
 * (borrowed).  The magic is read at the first nara_bundle_read.  NARA_NOMEM
 * or NARA_INVAL. */
nara_err_t nara_bundle_reader_file(FILE *f, nara_bundle_reader_t **out);
nara_err_t nara_bundle_reader_mem(const uint8_t *buf, size_t len, nara_bundle_reader_t **out);
void nara_bundle_reader_free(nara_bundle_reader_t *r); /* accepts NULL */

/* The next record.  *has false: the end mark was read and the trailer
 * verified (counts and hash).  Errors, sticky (every later call returns the
 * same): NARA_VERSION (not a version-1 bundle), NARA_TRUNCATED, NARA_TOO_LARGE
 * (a length over its bound), NARA_TYPE / NARA_NONCANONICAL / NARA_TRAILING
 * (a record not in its one encoding), NARA_OUT_OF_ORDER (sections out of
 * order, or a second HEADER), NARA_CHECKSUM (counts or hash), NARA_IO.
 * nara_bundle_reader_offset then says where. */
nara_err_t nara_bundle_read(nara_bundle_reader_t *r, nara_bundle_rec_t *rec, bool *has);

/* Byte offset of the record being read (or of the failure). */
uint64_t nara_bundle_reader_offset(const nara_bundle_reader_t *r);
/* A sentence on the last failure ("record 12: event longer than 65536
 * bytes"); "" if none. */
const char *nara_bundle_reader_error(const nara_bundle_reader_t *r);

/* ---- writing (bundle_write.c) ----------------------------------------------- */

typedef struct nara_bundle_writer nara_bundle_writer_t;

/* Start a bundle on f (written, not closed, by the writer): magic and the
 * HEADER.  NARA_INVAL (texts over their limits), NARA_IO, NARA_NOMEM. */
nara_err_t nara_bundle_writer_open(FILE *f, const nara_bundle_header_t *h,
                                   nara_bundle_writer_t **out);
/* Each writes one record.  NARA_OUT_OF_ORDER if its section is already
 * closed (a record of a later section was written), NARA_TOO_LARGE,
 * NARA_IO. */
nara_err_t nara_bundle_write_head(nara_bundle_writer_t *w, const nara_tree_head_t *h);
nara_err_t nara_bundle_write_consistency(nara_bundle_writer_t *w, uint64_t first, uint64_t second,
                                         const nara_merkle_proof_t *p);
nara_err_t nara_bundle_write_inclusion(nara_bundle_writer_t *w, const uint8_t id[NARA_ID_BYTES],
                                       uint64_t size, uint64_t index, const nara_merkle_proof_t *p);
nara_err_t nara_bundle_write_event(nara_bundle_writer_t *w, bool has_leaf, uint64_t leaf,
                                   const uint8_t *ev, size_t len);
nara_err_t nara_bundle_write_fork(nara_bundle_writer_t *w, const uint8_t *held, size_t held_len,
                                  const uint8_t *other, size_t other_len);
/* Any record as read (tests rewrite bundles with it). */
nara_err_t nara_bundle_write_rec(nara_bundle_writer_t *w, const nara_bundle_rec_t *rec);
/* End mark, counts and hash; then fflush.  The writer must still be freed. */
nara_err_t nara_bundle_writer_finish(nara_bundle_writer_t *w, nara_bundle_counts_t *counts);
void nara_bundle_writer_free(nara_bundle_writer_t *w); /* accepts NULL */

/* ---- choosing and exporting (bundle_export.c) ------------------------------------- */

/* Which events a bundle holds.  The province stream is always kept whole
 * (it holds the authority).  Region streams: all, or those listed.  Dates
 * (the events' claimed times, hlc milliseconds) choose region feeds: a feed
 * is kept when it has an event with from_ms <= time <= to_ms, and it is
 * exported from its first event (so its chain verifies) up to its last
 * event not after to_ms. */
typedef struct {
    const char *const *regions; /* NULL or n_regions == 0: every region */
    size_t n_regions;
    uint64_t from_ms; /* 0: no lower bound */
    uint64_t to_ms;   /* 0: no upper bound */
} nara_bundle_filter_t;

/* true when f selects everything (NULL, or no bound at all). */
bool nara_bundle_filter_all(const nara_bundle_filter_t *f);

/* Visit the selected accepted events in bundle order (feed by feed, chain
 * order).  fn returning an error stops the walk with it.  Two passes over
 * the store, memory bounded by the number of feeds.  The store must not be
 * written meanwhile. */
nara_err_t nara_bundle_select(nara_store_t *s, const nara_bundle_filter_t *f,
                              nara_err_t (*fn)(void *ctx, const nara_event_t *ev,
                                               const nara_bytes_t *bytes),
                              void *ctx);

/* Write one FORK record per fork record of the store whose feed f keeps. */
nara_err_t nara_bundle_write_store_forks(nara_bundle_writer_t *w, nara_store_t *s,
                                         const nara_bundle_filter_t *f);

/* The region list as the TSV text of docs/events.md section 2 (what a
 * HEADER carries).  NARA_BUFFER_TOO_SMALL with *len = size needed. */
nara_err_t nara_regions_format(const nara_regions_t *r, char *buf, size_t cap, size_t *len);

/* The provincial server's bundle: every head its log holds (ascending),
 * consistency proofs between consecutive heads, the selected events, each
 * with its leaf and an inclusion proof against the largest head (events
 * logged after it have none), and the fork records.  `complete` is claimed
 * when the filter selects everything and the largest head covers the whole
 * tree.  Reads one snapshot of the store (a read transaction).  counts may
 * be NULL. */
nara_err_t nara_bundle_export_log(nara_store_t *s, nara_tlog_t *t,
                                  const uint8_t root[NARA_PUBLICKEY_BYTES],
                                  const nara_regions_t *regions, const nara_bundle_filter_t *f,
                                  uint64_t created_ms, FILE *out, nara_bundle_counts_t *counts);

/* ---- the audit (bundle_audit.c) ------------------------------------------------- */

typedef enum {
    /* The history as given cannot be trusted: tampered, forged, reordered,
     * incomplete, or the server's heads do not form one history. */
    NARA_AUDIT_FAILURE = 1,
    /* An authentic history holding something a person must judge: forks,
     * events without authority, events that reached the province only
     * after their author's revocation. */
    NARA_AUDIT_FINDING = 2
} nara_audit_severity_t;

/* What a finding says, as data, so that a program can word it in any language
 * (the detail is English).  Each kind names its parameters in the order its
 * shape lists them: 'u' the next of arg[], 't' the next of arg[] as a time
 * (ms since the epoch, UTC), 'r' the next of ref[] (the first 16 hex digits of
 * an event id, a key or a root), 'e' cause (an error code), 'k' name (an
 * event kind), 'l' rule (a domain rule, nara_rule_name), 'x' text (a sentence
 * of another module, English, e.g. nara_regions_parse's error). */
#define NARA_AUDIT_KIND_MAP(X)                                                                     \
    X(ROOT_MISMATCH, "")          /* another province root than the first bundle's */              \
    X(REGIONS_MISMATCH, "")       /* another region list than the first bundle's */                \
    X(ROOT_UNTRUSTED, "")         /* another province root than the one given */                   \
    X(REGIONS_INVALID, "x")       /* the header's region list does not parse: why */               \
    X(HEAD_OTHER_KEY, "ur")       /* head size, its signer */                                      \
    X(HEAD_SIGNATURE, "ur")       /* head size, its signer */                                      \
    X(HEAD_EMPTY_ROOT, "")        /* a head of size 0 with another root */                         \
    X(HEAD_TWO_ROOTS, "urr")      /* size, the two roots */                                        \
    X(CONSISTENCY_NO_HEAD, "uuu") /* from, to, the size without a head */                          \
    X(CONSISTENCY_FAILS, "uu")    /* from, to */                                                   \
    X(RECEIPT_NO_HEAD, "ru")      /* event, head size */                                           \
    X(INCLUSION_FAILS, "ruu")     /* event, leaf, head size */                                     \
    X(LEAF_TWO_EVENTS, "urr")     /* leaf, the event held, this one */                             \
    X(EVENT_TWO_LEAVES, "ruu")    /* event, its leaf, the other leaf */                            \
    X(EVENT_CHANGED, "rur")       /* the logged event, leaf, this record's id */                   \
    X(LEAF_MISMATCH, "uu")        /* the leaf claimed, the leaf in the log */                      \
    X(EVENT_INVALID, "e")         /* the decoding error */                                         \
    X(ORDER, "")                  /* events out of feed order */                                   \
    X(AUTHOR_KEY, "")             /* the author is no Ed25519 key */                               \
    X(SIGNATURE, "")              /* the signature fails */                                        \
    X(CHAIN, "")                  /* prev does not link */                                         \
    X(FORK_UNSIGNED, "e")         /* a fork record's event does not verify */                      \
    X(FORK_TWO_FEEDS, "")         /* a fork record of two feeds */                                 \
    X(UNREADABLE, "ue")           /* byte offset, the reading error */                             \
    X(NO_HEADER, "")              /* no bundle header at all */                                    \
    X(CONSISTENCY_MISSING, "uu")  /* head size, the largest */                                     \
    X(RECEIPT_NO_EVENT, "ruu")    /* event, leaf, head size */                                     \
    X(FEED_GAP, "uu")             /* the missing seq, this seq */                                  \
    X(INCOMPLETE, "uuu")          /* leaves missing, leaves, the first missing */                  \
    X(NOT_IN_LOG, "")             /* an event the complete log lacks */                            \
    X(FORK_CONTINUATION, "uu")    /* seq, the held event's seq */                                  \
    X(FORK_SEQ, "u")              /* seq */                                                        \
    X(NO_EFFECT, "kl")            /* event kind, rule (the detail adds the domain's words) */      \
    X(SERVER_UNENROLLED, "r")     /* the heads' signer */                                          \
    X(SERVER_REVOKED, "rutt")     /* key, head size, head time, revocation time */                 \
    X(BACKDATED, "ttt")           /* claimed, revocation, first signed for */

typedef enum {
    NARA_AUDIT_K_NONE = 0,
#define NARA__AUDIT_KIND_ENUM(name, shape) NARA_AUDIT_K_##name,
    NARA_AUDIT_KIND_MAP(NARA__AUDIT_KIND_ENUM)
#undef NARA__AUDIT_KIND_ENUM
        NARA_AUDIT_K_COUNT
} nara_audit_kind_t;

/* The kind's shape (above); "" for NARA_AUDIT_K_NONE or out of range. */
const char *nara_audit_kind_shape(nara_audit_kind_t kind);

typedef struct {
    nara_audit_severity_t severity;
    /* The check that found it: "bundle", "root", "head", "consistency",
     * "inclusion", "event", "order", "altered", "signature", "chain",
     * "receipt", "completeness", "server-key", "fork", "authority",
     * "effect", "backdated". */
    const char *check;
    nara_err_t code;
    uint64_t record; /* record number in its bundle; UINT64_MAX: none */
    unsigned bundle; /* which input (from 0) */
    bool has_event;  /* the event concerned */
    uint8_t event[NARA_ID_BYTES];
    bool has_feed; /* author, stream, seq, hlc of that event (when decoded) */
    uint8_t author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq, hlc;
    bool has_other; /* the second event of a fork */
    uint8_t other[NARA_ID_BYTES];
    char detail[256]; /* one sentence, English */
    /* The detail as data (NARA_AUDIT_KIND_MAP). */
    nara_audit_kind_t kind;
    uint64_t arg[3];
    char ref[2][17];
    nara_err_t cause;
    char name[NARA_KIND_MAX + 1];
    nara_rule_t rule;
    char text[200];
} nara_audit_finding_t;

typedef struct {
    const uint8_t *root_pk;   /* the province root the auditor trusts; NULL: the bundle's */
    const uint8_t *server_pk; /* the server key the auditor trusts; NULL: the one the log enrols */
    const char *tmp_dir;      /* scratch store; NULL: $TMPDIR, else /tmp */
    unsigned threads;         /* signature checks; 0 = 2 */
    size_t chunk_events;      /* events per chunk; 0 = 4096 (and at most 4 MiB) */
    /* Every failure and finding, in the order found (optional). */
    void (*on_finding)(void *ctx, const nara_audit_finding_t *f);
    void *ctx;
} nara_audit_options_t;

typedef struct {
    uint8_t root_pk[NARA_PUBLICKEY_BYTES];
    bool root_from_bundle; /* no trusted root given: the bundle's was used */
    bool has_server;
    uint8_t server_pk[NARA_PUBLICKEY_BYTES];
    bool server_enrolled; /* the log enrols server_pk with role server */
    uint64_t records, events, feeds, heads, consistency, inclusion, forks;
    uint64_t tree_size;    /* the largest valid head */
    uint64_t tree_time_ms; /* its time */
    uint64_t receipted;    /* events with a verified inclusion proof */
    bool claims_complete;  /* some bundle claims to be complete */
    bool complete;         /* ... and every leaf of its largest head is an event here */
    uint64_t failures, findings;
    bool has_first;
    nara_audit_finding_t first; /* the first failure, else the first finding */
    uint64_t unknown_case;      /* case events whose opening is missing (not a finding) */
} nara_audit_report_t;

/* Audit n bundles (n >= 1) as one body of evidence: every record of every
 * bundle is checked; heads, proofs and events from all of them are put
 * together (a regency's receipts beside the province's bundle).  Returns
 * NARA_OK when the audit ran to the end, whatever it found (the verdict is
 * in *r: failures == 0 && findings == 0 means verified and clean), or the
 * error that stopped it: NARA_IO / NARA_FULL for the scratch store, NARA_NOMEM,
 * NARA_INVAL.  A malformed bundle is a failure, not an error. */
nara_err_t nara_bundle_audit(FILE *const *in, size_t n, const nara_audit_options_t *o,
                             nara_audit_report_t *r);

#ifdef __cplusplus
}
#endif
#endif /* NARA_BUNDLE_H */
