/*
 * nara_store.h - one replica's log of signed events, stored in SQLite.
 *
 * A store is one SQLite file in WAL mode with synchronous=FULL: when a merge
 * or append returns NARA_OK its transaction is durable.  It keeps the exact
 * bytes of every accepted event, each feed's head, events held until their
 * predecessor arrives (pending), fork evidence and a quarantine of rejected
 * events with their reason.  docs/storage.md describes the schema.
 *
 * Invariants:
 *  1. For every feed (author, stream) the accepted events are exactly seq
 *     1..head, each one's prev equal to the link of the one before, each
 *     valid: its signature verifies, or it is endorsed (a valid later event
 *     of the feed has prev equal to its link; only the author can sign one,
 *     see docs/format.md section 8).  Accepted events are never deleted or
 *     changed.
 *  2. Merging is set union: the set of accepted events after merging batches
 *     B1..Bn does not depend on their order, split or duplication, nor on
 *     the verify mode (forks aside, see 4).
 *  3. A merge is one transaction: either every outcome it reports is
 *     committed or none is, and the function returned an error.
 *  4. A second, different event at an occupied feed position is never
 *     applied; both signed events are kept as fork evidence.
 *  5. After a storage failure (I/O, disk full, corruption) the store is
 *     failed: every later call returns NARA_STORE_FAILED until it is closed
 *     and reopened; nara_store_errmsg() says what happened.  Nothing is
 *     retried blindly.
 *
 * A store is used by one thread at a time.  All time is passed in
 * (wall_ms = milliseconds since the Unix epoch), never read here.
 */
#ifndef NARA_STORE_H
#define NARA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_error.h"
#include "nara_event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nara_store nara_store_t;

/* Borrowed byte string. */
typedef struct {
    const uint8_t *bytes;
    size_t len;
} nara_bytes_t;

typedef enum {
    NARA_OUTCOME_ADDED = 0,     /* accepted into the log by this call */
    NARA_OUTCOME_DUPLICATE = 1, /* already held (accepted or pending) */
    NARA_OUTCOME_PENDING = 2,   /* valid, held until its predecessor arrives */
    NARA_OUTCOME_REJECTED = 3,  /* invalid; quarantined with `reason`.  One with a bad
                                 * signature (NARA_SIGNATURE) beyond its feed's head is
                                 * also held, and accepted later (stats.promoted) if a
                                 * valid successor endorses it */
    NARA_OUTCOME_FORK = 4       /* valid signature, conflicts with a held event; kept as evidence */
} nara_outcome_kind_t;

/* What happened to one event of a batch.  `id` is set whenever the event
 * decoded far enough to have one (has_id). */
typedef struct {
    nara_outcome_kind_t kind;
    nara_err_t reason; /* NARA_OK unless REJECTED or FORK */
    bool has_id;
    uint8_t id[NARA_ID_BYTES];
} nara_outcome_t;

typedef struct {
    size_t added;      /* batch events accepted */
    size_t duplicates;
    size_t pending;    /* batch events still waiting for a predecessor */
    size_t rejected;
    size_t forks;
    size_t promoted;   /* held events accepted because this batch filled a gap or endorsed
                        * them (from earlier batches, or REJECTED for their signature) */
} nara_merge_stats_t;

typedef enum {
    /* Check every event's signature (the default). */
    NARA_VERIFY_EACH = 0,
    /* Check one signature per contiguous run of a feed: the newest event's
     * signature vouches for the rest through the hash links.  Any failure
     * falls back to checking each event.  Accepts exactly the same events
     * as NARA_VERIFY_EACH, including an event with a bad signature that its
     * author endorsed by signing a successor over it (accepted in both
     * modes); only outcomes and quarantine may differ.  See docs/format.md
     * section 8. */
    NARA_VERIFY_CHAIN = 1
} nara_verify_mode_t;

/* The process-wide SQLite settings the store wants: no memory statistics
 * (with them, every SQLite allocation takes a global mutex).  They only take
 * effect before SQLite is first used in the process.  nara_store_open calls
 * this; a program that uses SQLite itself before opening a store calls it
 * first.  Idempotent and thread-safe. */
void nara_store_global_init(void);

/* Open (creating if needed) the replica at `path`.  ":memory:" gives a
 * private in-memory store for tests.  On failure *out is NULL and the return
 * value says why (NARA_IO, NARA_CORRUPT, NARA_SCHEMA, NARA_BUSY, NARA_NOMEM). */
nara_err_t nara_store_open(const char *path, nara_store_t **out);

/* Close and free.  Accepts NULL. */
void nara_store_close(nara_store_t *s);

/* Detail of the last failure (including SQLite's message), or "" if none.
 * Valid until the next call on `s`. */
const char *nara_store_errmsg(const nara_store_t *s);

void nara_store_set_verify_mode(nara_store_t *s, nara_verify_mode_t mode);

/* Threads that decode a merged batch of 256 events or more (ids, links and,
 * in NARA_VERIFY_EACH, every signature, duplicates included) before the
 * transaction works through it on the calling thread: 1 (the default) does
 * everything on the calling thread, 0 means one per online CPU; at most 16.
 * The outcomes are the same whatever the number. */
void nara_store_set_threads(nara_store_t *s, unsigned threads);

/* Merge a batch of encoded events in one transaction.  `outcomes` (n
 * entries, required) receives one outcome per input, in input order; `stats`
 * may be NULL.  Valid events are kept even when others in the batch are
 * rejected.  Returns NARA_OK when the transaction committed (whatever the
 * individual outcomes), or a storage error, in which case nothing of the
 * batch was committed (the outcomes then mean nothing and *stats is zeroed).
 * wall_ms feeds the clock (nara_hlc_observe). */
nara_err_t nara_store_merge(nara_store_t *s, const nara_bytes_t *events, size_t n, uint64_t wall_ms,
                            nara_outcome_t *outcomes, nara_merge_stats_t *stats);

/* Record a new local event: ticks the persisted clock, links it to the head
 * of kp's feed for `stream`, signs, stores, and commits durably.  `body` must
 * be a canonical msgpack map (nara_body_validate).  Refuses with
 * NARA_FEED_BEHIND if other replicas are known to hold later events of this
 * feed (the device was restored from an old backup): writing now would fork.
 * id_out may be NULL. */
nara_err_t nara_store_append(nara_store_t *s, const nara_keypair_t *kp, const char *stream,
                             const char *kind, const uint8_t *body, size_t body_len,
                             uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES]);

/* The store's clock: the last timestamp issued or observed. */
nara_err_t nara_store_clock(nara_store_t *s, uint64_t *out);

/* ---- version vectors ---------------------------------------------------- */

typedef struct {
    uint8_t author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;                 /* highest contiguous accepted seq */
    uint8_t head[NARA_ID_BYTES];  /* id of the event at seq */
} nara_feed_head_t;

/* A version vector: one entry per feed, sorted by (author, stream). */
typedef struct {
    nara_feed_head_t *feeds;
    size_t n;
} nara_vv_t;

/* This replica's vector.  The caller frees it with nara_vv_free. */
nara_err_t nara_store_vv(nara_store_t *s, nara_vv_t *out);

/* Free the entries and zero the struct.  Accepts NULL and empty vectors. */
void nara_vv_free(nara_vv_t *vv);

/* Highest seq the vector holds for a feed, 0 if it has none.  The vector
 * must be sorted as nara_store_vv returns it. */
uint64_t nara_vv_seq(const nara_vv_t *vv, const uint8_t author[NARA_PUBLICKEY_BYTES],
                     const char *stream);

/* ---- streaming what a remote replica lacks ------------------------------ */

typedef struct nara_iter nara_iter_t;

/* Optional filter on whole feeds (read scopes): return true to include. */
typedef bool (*nara_feed_filter_fn)(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES],
                                    const char *stream);

/* Iterate, without loading the log into memory, over every accepted event
 * that `remote` lacks (NULL = lacks everything), feed by feed in chain
 * order (ascending seq).  `filter` may be NULL.  `remote` is copied.  The
 * store must not be written while the iterator is open.  Free with
 * nara_iter_free, before closing the store. */
nara_err_t nara_store_iter_missing(nara_store_t *s, const nara_vv_t *remote,
                                   nara_feed_filter_fn filter, void *filter_ctx,
                                   nara_iter_t **out);

/* Next event.  On NARA_OK, *has is false at the end; otherwise *event points
 * to the encoded bytes, valid until the next call or nara_iter_free. */
nara_err_t nara_iter_next(nara_iter_t *it, nara_bytes_t *event, bool *has);

/* The feed position of the event nara_iter_next() last returned - author,
 * stream, seq, and its id in `head` - as the store holds them, without
 * decoding the bytes.  NARA_INVAL before the first event or after the end;
 * NARA_CORRUPT for a damaged row. */
nara_err_t nara_iter_position(const nara_iter_t *it, nara_feed_head_t *pos);

/* Accepts NULL. */
void nara_iter_free(nara_iter_t *it);

/* ---- inspection ---------------------------------------------------------- */

/* One hash over the set of accepted events: BLAKE2b-256 over their ids in
 * ascending byte order, domain-separated.  Equal on two replicas exactly
 * when they hold the same accepted events. */
nara_err_t nara_store_digest(nara_store_t *s, uint8_t out[NARA_HASH_BYTES]);

typedef struct {
    uint64_t events;     /* accepted */
    uint64_t feeds;
    uint64_t pending;    /* held, including events with a bad signature awaiting endorsement */
    uint64_t forks;      /* fork evidence records */
    uint64_t quarantined;
} nara_store_counts_t;

nara_err_t nara_store_counts(nara_store_t *s, nara_store_counts_t *out);

/* Copy the encoded bytes of the accepted event `id` into buf.  NARA_NOT_FOUND
 * if not held; NARA_BUFFER_TOO_SMALL with *len = size needed. */
nara_err_t nara_store_get(nara_store_t *s, const uint8_t id[NARA_ID_BYTES], uint8_t *buf,
                          size_t cap, size_t *len);

/* A fork: two different validly signed events of one feed at one position
 * (reason NARA_FORK), or an event whose prev contradicts the held chain
 * (reason NARA_CHAIN).  `seq` is the position of `other`; for NARA_CHAIN
 * `held` is the accepted event at seq - 1.  `other`'s own signature was
 * verified (or vouched for by a verified successor, NARA_VERIFY_CHAIN): an
 * event with a bad signature is never fork evidence.  Bytes are borrowed for
 * the duration of the callback only. */
typedef struct {
    uint8_t author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;
    nara_err_t reason;    /* NARA_FORK or NARA_CHAIN */
    nara_bytes_t held;    /* the event this replica holds */
    nara_bytes_t other;   /* the conflicting event */
} nara_fork_t;

typedef struct {
    nara_bytes_t bytes;   /* as received (may be truncated to the quarantine cap) */
    nara_err_t reason;
    bool has_id;
    uint8_t id[NARA_ID_BYTES];
    uint64_t wall_ms;     /* when it was received */
} nara_quarantined_t;

/* Visit every fork record / quarantined event, oldest first.  A callback
 * returning non-zero stops the walk, which then returns NARA_OK.  The
 * callback may call the store's read functions but must not write. */
nara_err_t nara_store_each_fork(nara_store_t *s, int (*fn)(void *ctx, const nara_fork_t *f),
                                void *ctx);
nara_err_t nara_store_each_quarantined(nara_store_t *s,
                                       int (*fn)(void *ctx, const nara_quarantined_t *q),
                                       void *ctx);

/* Is this replica's own feed behind what it has seen elsewhere?  *behind is
 * true when pending events with a verified signature or fork records hold
 * events of (author, stream) beyond the accepted head; *seen_seq is the
 * highest such seq (or the head).  Pending events whose signature failed are
 * ignored: anyone can make those, and they must not block the author. */
nara_err_t nara_store_feed_behind(nara_store_t *s, const uint8_t author[NARA_PUBLICKEY_BYTES],
                                  const char *stream, bool *behind, uint64_t *seen_seq);

#ifdef __cplusplus
}
#endif
#endif /* NARA_STORE_H */
