/*
 * store_merge.c - the store's write paths: nara_store_merge and
 * nara_store_append.  Both accept events through one function,
 * accept_event (insert, advance the head, run on_added, promote pending
 * successors), so a local event is stored exactly as a received one would be.
 * The store's invariants are listed in store.c.
 *
 * MERGE ALGORITHM (all inside one BEGIN IMMEDIATE transaction)
 *  1. Decode every input.  One that does not decode is REJECTED with the
 *     decoder's reason and quarantined.
 *  2. Sort the decoded ones by (author, stream, seq, id, input index): a
 *     feed's events are met in chain order whatever order they came in, so a
 *     batch never creates false gaps, and a conflict inside one batch is
 *     resolved the same way as among pending events (lowest id first).
 *  3. For each in that order: DUPLICATE if its id is in events, or in
 *     pending with a verified signature, or in pending as this very copy
 *     (same link).  A held copy with a bad signature does not hide another
 *     copy of the same id, so a forged copy cannot shadow the genuine event.
 *  4. Otherwise check its signature (VERIFY_CHAIN below).  A bad one is
 *     REJECTED (NARA_SIGNATURE or NARA_BAD_KEY) and quarantined.  With
 *     NARA_SIGNATURE and seq > h (seq == h+1 only if prev == link) it is also
 *     held in pending with sig_ok = 0 (ENDORSEMENT below).
 *  5. Compare with its feed's head h (0 for an unknown feed):
 *       seq <= h                  FORK, reason NARA_FORK: evidence (event at seq, it)
 *       seq == h+1, prev != link  FORK, reason NARA_CHAIN: evidence (head event, it)
 *       seq == h+1, prev == link  ADDED: accept_event
 *       seq >  h+1                PENDING: kept in `pending` with sig_ok = 1
 *  6. The hlc of every ADDED or PENDING event is observed into the clock (an
 *     event whose signature failed: when it is promoted); the clock is
 *     written, before_commit runs, COMMIT.
 * Outcomes are written at the input's index, so they come back in input order.
 *
 * ENDORSEMENT.  An event is valid when its signature verifies or when a valid
 * later event of its feed (recursively) has prev equal to its link; the link
 * hashes its id and signature, so only the author, by signing a successor
 * over it, can endorse an event as received (docs/format.md section 8).  A
 * pending row with sig_ok = 0 is never promoted unless endorsed by pending
 * rows: a chain of rows at seq+1, seq+2, ..., each linking onto the one below,
 * unverified but the last, which is sig_ok.  After any row is held at seq s,
 * promotion is tried from the unchanged head h when s == h+1 or the feed has
 * a pending row at h+1 (one indexed look-up; such rows are all unverified).
 *
 * PROMOTION.  After a head moves to h (or a hold, above), the pending rows at
 * h+1 whose prev is the head's link are candidates.  Promotable are those
 * with sig_ok = 1 and the endorsed ones; the lowest id wins (a verified copy
 * before an unverified one of the same id): it is accepted (and promotion
 * continues after it); the other verified rows at h+1 become NARA_FORK
 * evidence against it, the unverified ones are deleted (they stay in the
 * quarantine; a bad signature is no evidence).  If none is promotable, the
 * verified rows at h+1 (none links) become NARA_CHAIN evidence against the
 * head and are deleted with the unverified ones that do not link and any row
 * left at or below the head; unverified rows that link stay, waiting for an
 * endorsement (store.c invariant 6).  The result depends only on the set of
 * pending rows.  A verified batch event that promotion accepts right after it
 * was held is reported ADDED.
 *
 * VERIFY_CHAIN.  When an event links onto the current head, take the longest
 * run of following batch events of the same feed that each link onto the one
 * before (skipping in-batch copies of a run member).  If the run's last
 * signature verifies, every member is vouched for: its id and signature are
 * hashed into its successor's prev, up to a verified signature.  If it fails,
 * nothing is vouched and each event is checked on its own when reached.  Ids
 * and links are always recomputed from the bytes; only signature checks are
 * skipped.  For an author who signs only valid events the outcomes equal
 * NARA_VERIFY_EACH's.  A vouched event is endorsed by the verified last one,
 * so it is valid; EACH mode rejects an unchecked member whose signature is
 * bad, holds it and promotes it once the endorsing successor is held: the
 * accepted sets are the same, only outcomes and quarantine differ.  A run
 * never crosses a multiple of CHAIN_CHUNK input positions (one more
 * signature per CHAIN_CHUNK events), so that a batch can be merged while it
 * is still being decoded (STREAMING), with the same outcomes.
 *
 * THREADS.  Step 1 (decoding, ids, links) and, in NARA_VERIFY_EACH, the
 * signature check of every decoded input run on s->threads threads for a
 * batch of at least DECODE_PARALLEL_MIN inputs: each thread fills a slice of
 * the items and touches nothing else; the transaction (quarantine, steps
 * 2-6) stays on the calling thread, in input order.  A signature verdict
 * computed in advance is the one check_signature would compute (a pure
 * function of the event), so the outcomes do not depend on the threads.
 * In advance, duplicates are checked too, which one thread (checking only
 * what step 4 reaches) does not do: on threads, resent batches cost
 * signature checks, in exchange for checking new ones on every core.
 *
 * STREAMING.  In NARA_VERIFY_CHAIN, on threads, a batch of at least
 * DECODE_PARALLEL_MIN inputs that is already in merge order - each input's
 * (author, stream, seq), read without hashing (nara_event_peek), strictly
 * after the one before, as a device pushes its feed - needs no sort: one
 * thread decodes it CHAIN_CHUNK inputs at a time while the calling thread
 * merges the chunks already decoded (steps 3-5, and the quarantine of an
 * input that did not decode, in input order).  No chain run reaches past
 * its chunk, so nothing is read before it is decoded.  The order is the
 * sorted one and the runs are the same, so the outcomes equal those of the
 * other path; only the quarantine rows of undecodable inputs come in
 * another order.  Decoding, a sixth of a merge, then no longer holds up
 * the transaction.
 *
 * Memory: one item per input (the decoded event, borrowing the caller's
 * bytes), one pointer per input for sorting, and one NARA_EVENT_MAX_BYTES
 * buffer when a pending event is promoted.  The endorsement walk runs in
 * SQLite (a recursive query over the feed's pending rows).
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_hlc.h"
#include "store_impl.h"

typedef struct {
    nara_event_t ev; /* decoded; body borrows `bytes` */
    const uint8_t *bytes;
    size_t len;
    size_t idx;                    /* position in the caller's batch */
    bool vouched;                  /* signature covered by a verified successor */
    bool sig_known;                /* NARA_VERIFY_EACH: `sig` was computed at decoding */
    nara_err_t reason;             /* the decoder's verdict */
    nara_err_t sig;                /* nara_event_verify, if sig_known */
    uint8_t link[NARA_HASH_BYTES]; /* computed once, at decoding */
} item_t;

/* Batches smaller than this are decoded on the calling thread: starting a
 * thread costs tens of microseconds, decoding an event one or two. */
#define DECODE_PARALLEL_MIN 256

/* Chain runs end at multiples of this many input positions (VERIFY_CHAIN),
 * and a streamed batch is decoded in chunks of it (STREAMING). */
#define CHAIN_CHUNK 512

/* State of one write transaction.
 *
 * The feed being worked on (FEED CACHE).  A merge meets a feed's events one
 * after the other (they are sorted), so its head is read once, kept in
 * `head` while the feed's events are merged, and written back to `feeds`
 * once (flush_head) when the next feed starts and before COMMIT, instead of
 * one UPDATE per event.  A feed row is inserted at once when its first
 * event is accepted (events.feed needs its id).  Nothing reads head_seq,
 * head_id or head_link from `feeds` inside a write transaction except
 * through this cache.  `pending` says whether the feed may have pending rows:
 * when it has none (one indexed look-up per feed), promotion has no
 * candidate and an event beyond the head cannot be held already, so both
 * look-ups are skipped; holding a row sets it again. */
typedef struct {
    nara_store_t *s;
    uint64_t wall_ms;
    uint64_t clock;
    nara_merge_stats_t stats;
    uint8_t *scratch;         /* NARA_EVENT_MAX_BYTES, allocated on first promotion */
    const uint8_t *self_link; /* the batch event just held as PENDING, or NULL */
    bool self_accepted;       /* ... and promotion has accepted it */
    bool has_feed;            /* the FEED CACHE holds a feed */
    uint8_t feed_author[NARA_PUBLICKEY_BYTES];
    char feed_stream[NARA_STREAM_MAX + 1];
    nara__head_t head;
    bool head_dirty; /* head moved since it was read or written */
    int pending;     /* -1 unknown, 0 no pending row of the feed, 1 maybe some */
} txn_t;

/* ---- small helpers ------------------------------------------------------ */

static void bind_bytes(sqlite3_stmt *st, int col, const uint8_t *bytes, size_t len)
{
    if (len == 0)
        sqlite3_bind_zeroblob(st, col, 0);
    else
        sqlite3_bind_blob(st, col, bytes, (int)len, SQLITE_STATIC);
}

static void bind_feed(sqlite3_stmt *st, const uint8_t author[NARA_PUBLICKEY_BYTES],
                      const char *stream)
{
    sqlite3_bind_blob(st, 1, author, NARA_PUBLICKEY_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
}

/* Does ev sit directly on head h?  The decoder guarantees seq == 1 exactly
 * when there is no prev. */
static bool links_onto(const nara__head_t *h, const nara_event_t *ev)
{
    if (ev->seq != h->seq + 1)
        return false;
    if (h->seq == 0)
        return !ev->has_prev;
    return ev->has_prev && memcmp(ev->prev, h->link, NARA_HASH_BYTES) == 0;
}

static bool same_feed(const nara_event_t *a, const nara_event_t *b)
{
    return memcmp(a->author, b->author, NARA_PUBLICKEY_BYTES) == 0 &&
           strcmp(a->stream, b->stream) == 0;
}

static int cmp_items(const void *pa, const void *pb)
{
    const item_t *a = *(const item_t *const *)pa;
    const item_t *b = *(const item_t *const *)pb;
    int c = memcmp(a->ev.author, b->ev.author, NARA_PUBLICKEY_BYTES);
    if (c == 0)
        c = strcmp(a->ev.stream, b->ev.stream);
    if (c == 0 && a->ev.seq != b->ev.seq)
        c = a->ev.seq < b->ev.seq ? -1 : 1;
    if (c == 0)
        c = memcmp(a->ev.id, b->ev.id, NARA_ID_BYTES);
    if (c == 0 && a->idx != b->idx)
        c = a->idx < b->idx ? -1 : 1;
    return c;
}

/* ---- feed heads --------------------------------------------------------- */

nara_err_t nara__store_head(nara_store_t *s, const uint8_t author[NARA_PUBLICKEY_BYTES],
                            const char *stream, nara__head_t *out)
{
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_FEED_GET);
    bind_feed(st, author, stream);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, "read feed head");
    memset(out, 0, sizeof *out);
    if (err == NARA_OK && rc == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 2) != NARA_ID_BYTES ||
            sqlite3_column_bytes(st, 3) != NARA_HASH_BYTES) {
            err = nara__store_fail(s, NARA_CORRUPT, "read feed head: bad head columns");
        } else {
            out->id = sqlite3_column_int64(st, 0);
            out->seq = (uint64_t)sqlite3_column_int64(st, 1);
            memcpy(out->head_id, sqlite3_column_blob(st, 2), NARA_ID_BYTES);
            memcpy(out->link, sqlite3_column_blob(st, 3), NARA_HASH_BYTES);
        }
    }
    sqlite3_reset(st);
    return err;
}

nara_err_t nara__store_seen(nara_store_t *s, const uint8_t author[NARA_PUBLICKEY_BYTES],
                            const char *stream, uint64_t *head, uint64_t *seen)
{
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_FEED_SEEN);
    bind_feed(st, author, stream);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, "read feed_behind");
    *head = *seen = 0;
    if (err == NARA_OK && rc == SQLITE_ROW) {
        *head = (uint64_t)sqlite3_column_int64(st, 0);
        *seen = (uint64_t)sqlite3_column_int64(st, 1); /* NULL reads as 0 */
    }
    sqlite3_reset(st);
    return err;
}

/* Pending or fork records beyond the head: see nara_store_feed_behind. */
nara_err_t nara_store_feed_behind(nara_store_t *s, const uint8_t author[NARA_PUBLICKEY_BYTES],
                                  const char *stream, bool *behind, uint64_t *seen_seq)
{
    uint64_t head, seen;
    if (s == NULL || author == NULL || stream == NULL || behind == NULL)
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    nara_err_t err = nara__store_seen(s, author, stream, &head, &seen);
    if (err != NARA_OK)
        return err;
    *behind = seen > head;
    if (seen_seq)
        *seen_seq = seen > head ? seen : head;
    return NARA_OK;
}

/* ---- the feed cache (see txn_t) ----------------------------------------- */

/* Write the cached head back to `feeds` if it moved. */
static nara_err_t flush_head(txn_t *t)
{
    if (!t->head_dirty)
        return NARA_OK;
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_FEED_ADVANCE);
    sqlite3_bind_int64(st, 1, t->head.id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)t->head.seq);
    sqlite3_bind_blob(st, 3, t->head.head_id, NARA_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, t->head.link, NARA_HASH_BYTES, SQLITE_STATIC);
    t->head_dirty = false;
    return nara__store_exec(t->s, st, "advance feed head");
}

/* Point the cache at (author, stream): the cached head if it is that feed,
 * else flush the old one and read this one. */
static nara_err_t feed_head(txn_t *t, const uint8_t author[NARA_PUBLICKEY_BYTES],
                            const char *stream, nara__head_t **h)
{
    *h = &t->head;
    if (t->has_feed && memcmp(t->feed_author, author, NARA_PUBLICKEY_BYTES) == 0 &&
        strcmp(t->feed_stream, stream) == 0)
        return NARA_OK;
    nara_err_t err = flush_head(t);
    t->has_feed = false;
    if (err == NARA_OK)
        err = nara__store_head(t->s, author, stream, &t->head);
    if (err != NARA_OK)
        return err;
    memcpy(t->feed_author, author, NARA_PUBLICKEY_BYTES);
    snprintf(t->feed_stream, sizeof t->feed_stream, "%s", stream);
    t->has_feed = true;
    t->pending = -1;
    return NARA_OK;
}

/* May the cached feed have pending rows?  One look-up per feed. */
static nara_err_t feed_pending(txn_t *t, bool *maybe)
{
    if (t->pending < 0) {
        sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_FEED);
        bind_feed(st, t->feed_author, t->feed_stream);
        int rc = sqlite3_step(st);
        nara_err_t err = nara__store_sqlite_err(t->s, rc, "look up pending");
        sqlite3_reset(st);
        if (err != NARA_OK)
            return err;
        t->pending = rc == SQLITE_ROW;
    }
    *maybe = t->pending != 0;
    return NARA_OK;
}

/* ---- the records a merge writes ---------------------------------------- */

/* Held: accepted, or pending with a verified signature, or pending as this
 * very copy (same link).  A pending copy whose signature failed does not hide
 * a different copy of the same id: the genuine one must still get in. */
static nara_err_t is_held(nara_store_t *s, const uint8_t id[NARA_ID_BYTES],
                          const uint8_t link[NARA_HASH_BYTES], bool *held)
{
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_HELD);
    sqlite3_bind_blob(st, 1, id, NARA_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, link, NARA_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *held = rc == SQLITE_ROW;
    nara_err_t err = nara__store_sqlite_err(s, rc, "look up id");
    sqlite3_reset(st);
    return err;
}

/* Keep a rejected input (bytes truncated to NARA__QUARANTINE_CAP). */
static nara_err_t quarantine(txn_t *t, const uint8_t *bytes, size_t len, nara_err_t reason,
                             const uint8_t *id)
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_QUARANTINE_INSERT);
    if (id)
        sqlite3_bind_blob(st, 1, id, NARA_ID_BYTES, SQLITE_STATIC);
    bind_bytes(st, 2, bytes, len < NARA__QUARANTINE_CAP ? len : NARA__QUARANTINE_CAP);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)len);
    sqlite3_bind_int(st, 4, (int)reason);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)t->wall_ms);
    return nara__store_exec(t->s, st, "quarantine");
}

/* Evidence: the accepted event at held_seq of h's feed against `it`. */
static nara_err_t fork_evidence(txn_t *t, const nara__head_t *h, uint64_t held_seq,
                                const item_t *it, nara_err_t reason)
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_FORK_FROM_EVENT);
    bind_feed(st, it->ev.author, it->ev.stream);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)it->ev.seq);
    sqlite3_bind_int(st, 4, (int)reason);
    sqlite3_bind_blob(st, 5, it->ev.id, NARA_ID_BYTES, SQLITE_STATIC);
    bind_bytes(st, 6, it->bytes, it->len);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)t->wall_ms);
    sqlite3_bind_int64(st, 8, h->id);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)held_seq);
    return nara__store_exec(t->s, st, "store fork evidence");
}

/* Keep `it` in pending.  prev is all zeros for seq 1 (the decoder zeroes
 * the event), which is the link of an empty feed's head. */
static nara_err_t hold_pending(txn_t *t, const item_t *it, const uint8_t link[NARA_HASH_BYTES],
                               bool sig_ok)
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_INSERT);
    sqlite3_bind_blob(st, 1, link, NARA_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, it->ev.id, NARA_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, it->ev.author, NARA_PUBLICKEY_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, it->ev.stream, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)it->ev.seq);
    sqlite3_bind_blob(st, 6, it->ev.prev, NARA_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, sig_ok ? 1 : 0);
    bind_bytes(st, 8, it->bytes, it->len);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)t->wall_ms);
    t->pending = 1; /* it is the cached feed's */
    return nara__store_exec(t->s, st, "hold pending");
}

/* Create the feed row at its first event (its id is needed by events.feed);
 * later heads are kept in the feed cache and written by flush_head. */
static nara_err_t advance_head(txn_t *t, nara__head_t *h, const nara_event_t *ev,
                               const uint8_t link[NARA_HASH_BYTES])
{
    assert(h == &t->head);
    if (h->id != 0) {
        t->head_dirty = true;
        return NARA_OK;
    }
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_FEED_NEW);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->seq);
    sqlite3_bind_blob(st, 3, ev->id, NARA_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, link, NARA_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, ev->author, NARA_PUBLICKEY_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ev->stream, -1, SQLITE_STATIC);
    nara_err_t err = nara__store_exec(t->s, st, "advance feed head");
    if (err == NARA_OK)
        h->id = sqlite3_last_insert_rowid(t->s->db);
    return err;
}

/* Insert an event that links onto h (the cached head), advance h, run
 * on_added.  `link` is the event's link. */
static nara_err_t insert_event(txn_t *t, nara__head_t *h, const nara_event_t *ev,
                               const uint8_t *bytes, size_t len,
                               const uint8_t link[NARA_HASH_BYTES])
{
    nara_store_t *s = t->s;

    assert(links_onto(h, ev));
    nara_err_t err = advance_head(t, h, ev, link);
    if (err != NARA_OK)
        return err;
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_EVENT_INSERT);
    sqlite3_bind_blob(st, 1, ev->id, NARA_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, h->id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->seq);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)ev->hlc);
    sqlite3_bind_text(st, 5, ev->kind, -1, SQLITE_STATIC);
    bind_bytes(st, 6, bytes, len);
    err = nara__store_exec(s, st, "insert event");
    if (err != NARA_OK)
        return err;

    h->seq = ev->seq;
    memcpy(h->head_id, ev->id, NARA_ID_BYTES);
    memcpy(h->link, link, NARA_HASH_BYTES);
    int64_t rowid = sqlite3_last_insert_rowid(s->db);
    for (size_t i = 0; i < s->n_hooks; i++) {
        if (s->hooks[i].on_added == NULL)
            continue;
        err = s->hooks[i].on_added(s->hooks[i].ctx, ev, rowid);
        if (err != NARA_OK)
            return nara__store_fail(s, err, "on_added hook: %s", nara_err_name(err));
    }
    return NARA_OK;
}

/* Turn every pending row of the feed at `seq` with a verified signature,
 * except `held_id`, into evidence against the accepted event `held_id` (whose
 * bytes are `held`, or looked up in events when NULL).  Rows whose signature
 * failed are not signed evidence and are left to the caller's delete. */
static nara_err_t pending_to_forks(txn_t *t, const nara_event_t *feed, uint64_t seq,
                                   nara_err_t reason, const uint8_t held_id[NARA_ID_BYTES],
                                   const uint8_t *held, size_t held_len)
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_TO_FORKS);
    bind_feed(st, feed->author, feed->stream);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
    sqlite3_bind_int(st, 4, (int)reason);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)t->wall_ms);
    sqlite3_bind_blob(st, 6, held_id, NARA_ID_BYTES, SQLITE_STATIC);
    if (held)
        bind_bytes(st, 7, held, held_len);
    return nara__store_exec(t->s, st, "pending to fork evidence");
}

/* Delete every pending row of the feed at `seq` (a winner was chosen). */
static nara_err_t pending_clear(txn_t *t, const nara_event_t *feed, uint64_t seq)
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_CLEAR);
    bind_feed(st, feed->author, feed->stream);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
    return nara__store_exec(t->s, st, "clear pending");
}

/* No candidate at h+1 is promotable: delete the rows at or below the head
 * (copies whose signature failed, left behind when another event took
 * their position) and those at h+1 that can never be accepted (verified ones,
 * already turned into evidence, and unverified ones with another prev).
 * Unverified rows at h+1 that link onto the head stay, waiting for an
 * endorsement. */
static nara_err_t pending_settle(txn_t *t, const nara_event_t *feed, const nara__head_t *h)
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_SETTLE);
    bind_feed(st, feed->author, feed->stream);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(h->seq + 1));
    sqlite3_bind_blob(st, 4, h->link, NARA_HASH_BYTES, SQLITE_STATIC);
    return nara__store_exec(t->s, st, "settle pending");
}

/* Is the pending row (seq, link) of the feed endorsed: does a chain of
 * pending rows seq+1, seq+2, ..., each prev equal to the link of the one
 * below and all unverified but the last, end in a verified row?  One
 * recursive query (SQLite evaluates it iteratively); UNION keeps it within
 * the feed's pending rows. */
static nara_err_t endorsed(txn_t *t, const nara_event_t *feed, uint64_t seq,
                           const uint8_t link[NARA_HASH_BYTES], bool *yes)
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_ENDORSED);
    bind_feed(st, feed->author, feed->stream);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
    sqlite3_bind_blob(st, 4, link, NARA_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *yes = rc == SQLITE_ROW;
    nara_err_t err = nara__store_sqlite_err(t->s, rc, "check endorsement");
    sqlite3_reset(st);
    return err;
}

/* Copy into t->scratch the winner among the pending rows at h->seq + 1 whose
 * prev is h's link: the lowest id among those that are promotable (verified,
 * or endorsed), a verified copy before an unverified one of the same id.
 * *len = 0 when there is none; otherwise *sig_ok and link say which row. */
static nara_err_t pending_winner(txn_t *t, const nara_event_t *feed, const nara__head_t *h,
                                 size_t *len, bool *sig_ok, uint8_t link[NARA_HASH_BYTES])
{
    sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_CANDIDATES);
    bind_feed(st, feed->author, feed->stream);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(h->seq + 1));
    sqlite3_bind_blob(st, 4, h->link, NARA_HASH_BYTES, SQLITE_STATIC);
    nara_err_t err = NARA_OK;
    bool found = false;
    int rc = SQLITE_DONE;
    *len = 0;
    while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) != NARA_HASH_BYTES) {
            err = nara__store_fail(t->s, NARA_CORRUPT, "promote: bad pending link");
            break;
        }
        memcpy(link, sqlite3_column_blob(st, 0), NARA_HASH_BYTES);
        *sig_ok = sqlite3_column_int(st, 1) != 0;
        found = *sig_ok;
        if (!found) {
            err = endorsed(t, feed, h->seq + 1, link, &found);
            if (err != NARA_OK)
                break;
        }
    }
    if (err == NARA_OK && !found)
        err = nara__store_sqlite_err(t->s, rc, "find pending successor");
    if (err == NARA_OK && found) {
        int n = sqlite3_column_bytes(st, 2);
        if (t->scratch == NULL)
            t->scratch = malloc(NARA_EVENT_MAX_BYTES);
        if (t->scratch == NULL)
            err = nara__store_fail(t->s, NARA_NOMEM, "promote: out of memory");
        else if (n <= 0 || n > NARA_EVENT_MAX_BYTES)
            err = nara__store_fail(t->s, NARA_CORRUPT, "promote: bad pending row");
        else {
            memcpy(t->scratch, sqlite3_column_blob(st, 2), (size_t)n);
            *len = (size_t)n;
        }
    }
    sqlite3_reset(st);
    return err;
}

/* Promote pending successors of h one by one (see PROMOTION above). */
static nara_err_t promote(txn_t *t, nara__head_t *h, const nara_event_t *feed)
{
    nara_event_t ev;
    uint8_t link[NARA_HASH_BYTES];
    size_t len;
    bool sig_ok = false, maybe = true;
    for (;;) {
        nara_err_t err = feed_pending(t, &maybe);
        if (err != NARA_OK || !maybe) /* no candidate, nothing to turn into evidence */
            return err;
        err = pending_winner(t, feed, h, &len, &sig_ok, link);
        if (err != NARA_OK)
            return err;
        if (len == 0) {
            err = pending_to_forks(t, feed, h->seq + 1, NARA_CHAIN, h->head_id, NULL, 0);
            return err != NARA_OK ? err : pending_settle(t, feed, h);
        }
        err = nara_event_decode(t->scratch, len, &ev);
        if (err != NARA_OK) /* it decoded when it was stored */
            return nara__store_fail(t->s, NARA_CORRUPT, "promote: pending event no longer decodes");
        err = pending_to_forks(t, feed, ev.seq, NARA_FORK, ev.id, t->scratch, len);
        if (err == NARA_OK)
            err = pending_clear(t, feed, ev.seq);
        if (err == NARA_OK)
            err = insert_event(t, h, &ev, t->scratch, len, link);
        if (err != NARA_OK)
            return err;
        if (!sig_ok) /* its clock was not observed when it was held */
            t->clock = nara_hlc_observe(t->clock, ev.hlc, t->wall_ms);
        if (t->self_link && memcmp(link, t->self_link, NARA_HASH_BYTES) == 0)
            t->self_accepted = true;
        else
            t->stats.promoted++;
    }
}

/* After holding a pending row at `seq`: promotion from the unchanged head h
 * can only succeed if the feed has a pending row at h+1 (necessarily
 * unverified, invariant 6) that the new row completes an endorsement of.
 * The just-held row is itself at h+1, or one indexed look-up tells. */
static nara_err_t promote_if_endorsed(txn_t *t, nara__head_t *h, const nara_event_t *ev)
{
    if (ev->seq != h->seq + 1) {
        sqlite3_stmt *st = nara__store_stmt(t->s, NARA__Q_PENDING_ANY);
        bind_feed(st, ev->author, ev->stream);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)(h->seq + 1));
        int rc = sqlite3_step(st);
        nara_err_t err = nara__store_sqlite_err(t->s, rc, "look up pending");
        sqlite3_reset(st);
        if (err != NARA_OK || rc != SQLITE_ROW)
            return err;
    }
    return promote(t, h, ev);
}

/* The one acceptance path for merged and appended events. */
static nara_err_t accept_event(txn_t *t, nara__head_t *h, const nara_event_t *ev,
                               const uint8_t *bytes, size_t len,
                               const uint8_t link[NARA_HASH_BYTES])
{
    nara_err_t err = insert_event(t, h, ev, bytes, len, link);
    if (err == NARA_OK)
        err = promote(t, h, ev);
    return err;
}

/* Write the cached head and the clock, run before_commit, COMMIT. */
static nara_err_t finish(txn_t *t)
{
    nara_store_t *s = t->s;
    nara_err_t err = flush_head(t);
    if (err == NARA_OK)
        err = nara__store_clock_set(s, t->clock);
    for (size_t i = 0; err == NARA_OK && i < s->n_hooks; i++) {
        if (s->hooks[i].before_commit == NULL)
            continue;
        err = s->hooks[i].before_commit(s->hooks[i].ctx);
        if (err != NARA_OK)
            return nara__store_fail(s, err, "before_commit hook: %s", nara_err_name(err));
    }
    if (err == NARA_OK)
        err = nara__store_commit(s);
    return err;
}

/* ---- merge -------------------------------------------------------------- */

/* Walk the run of items[k..] that link one onto the next (see VERIFY_CHAIN);
 * return the index of its last member, marking members vouched if `mark`. */
static size_t chain_run(item_t **items, size_t n, size_t k, bool mark)
{
    size_t last = k;
    if (mark)
        items[k]->vouched = true;
    for (size_t j = k + 1; j < n; j++) {
        const nara_event_t *ev = &items[j]->ev, *prev = &items[last]->ev;
        if (items[j]->idx / CHAIN_CHUNK != items[k]->idx / CHAIN_CHUNK || !same_feed(ev, prev))
            break;
        if (memcmp(ev->id, prev->id, NARA_ID_BYTES) == 0)
            continue; /* an in-batch copy: it will be a duplicate */
        if (ev->seq != prev->seq + 1 || memcmp(ev->prev, items[last]->link, NARA_HASH_BYTES) != 0)
            break;
        last = j;
        if (mark)
            items[j]->vouched = true;
    }
    return last;
}

/* The signature verdict for items[k] whose feed head is h. */
static nara_err_t check_signature(const nara_store_t *s, item_t **items, size_t n, size_t k,
                                  const nara__head_t *h)
{
    item_t *it = items[k];
    if (it->vouched)
        return NARA_OK;
    if (s->verify == NARA_VERIFY_CHAIN && links_onto(h, &it->ev)) {
        size_t last = chain_run(items, n, k, false);
        if (last > k && nara_event_verify(&items[last]->ev) == NARA_OK) {
            chain_run(items, n, k, true);
            return NARA_OK;
        }
    }
    return it->sig_known ? it->sig : nara_event_verify(&it->ev);
}

/* Hold items[k] (not accepted now) in pending and try promotion, which it
 * may have made possible by completing an endorsement.  A verified row that
 * promotion accepts at once is reported ADDED, not PENDING. */
static nara_err_t hold_and_promote(txn_t *t, nara__head_t *h, const item_t *it,
                                   const uint8_t link[NARA_HASH_BYTES], bool sig_ok,
                                   nara_outcome_t *out)
{
    nara_err_t err = hold_pending(t, it, link, sig_ok);
    if (err != NARA_OK)
        return err;
    t->self_link = sig_ok ? link : NULL;
    t->self_accepted = false;
    err = promote_if_endorsed(t, h, &it->ev);
    t->self_link = NULL;
    if (err == NARA_OK && t->self_accepted) {
        out->kind = NARA_OUTCOME_ADDED;
        t->stats.pending--;
        t->stats.added++;
    }
    return err;
}

/* Decide and record the outcome of the decoded items[k] (steps 3-5). */
static nara_err_t merge_one(txn_t *t, item_t **items, size_t n, size_t k, nara_outcome_t *out)
{
    item_t *it = items[k];
    const nara_event_t *ev = &it->ev;
    const uint8_t *link = it->link;
    nara__head_t *hp;
    bool held = false, maybe = true;

    out->has_id = true;
    memcpy(out->id, ev->id, NARA_ID_BYTES);
    nara_err_t err = feed_head(t, ev->author, ev->stream, &hp);
    /* Beyond the head and with no pending row of its feed, it cannot be held:
     * an id fixes its feed and seq, and the feed's events are 1..head. */
    if (err == NARA_OK && ev->seq > hp->seq)
        err = feed_pending(t, &maybe);
    if (err == NARA_OK && (ev->seq <= hp->seq || maybe))
        err = is_held(t->s, ev->id, link, &held);
    if (err != NARA_OK)
        return err;
    if (held) {
        out->kind = NARA_OUTCOME_DUPLICATE;
        t->stats.duplicates++;
        return NARA_OK;
    }
    nara__head_t h = *hp; /* for the checks below; accepting moves *hp */
    nara_err_t verdict = check_signature(t->s, items, n, k, &h);
    if (verdict != NARA_OK) {
        out->kind = NARA_OUTCOME_REJECTED;
        out->reason = verdict;
        t->stats.rejected++;
        err = quarantine(t, it->bytes, it->len, verdict, ev->id);
        /* A bad signature (not a bad key) may still be endorsed later. */
        if (err == NARA_OK && verdict == NARA_SIGNATURE && ev->seq > h.seq &&
            (ev->seq > h.seq + 1 || links_onto(&h, ev)))
            err = hold_and_promote(t, hp, it, link, false, out);
        return err;
    }
    if (ev->seq <= h.seq || !links_onto(&h, ev)) {
        if (ev->seq > h.seq + 1) {
            out->kind = NARA_OUTCOME_PENDING;
            t->stats.pending++;
            t->clock = nara_hlc_observe(t->clock, ev->hlc, t->wall_ms);
            return hold_and_promote(t, hp, it, link, true, out);
        }
        out->kind = NARA_OUTCOME_FORK;
        out->reason = ev->seq <= h.seq ? NARA_FORK : NARA_CHAIN;
        t->stats.forks++;
        return fork_evidence(t, &h, ev->seq <= h.seq ? ev->seq : h.seq, it, out->reason);
    }
    out->kind = NARA_OUTCOME_ADDED;
    t->stats.added++;
    t->clock = nara_hlc_observe(t->clock, ev->hlc, t->wall_ms);
    return accept_event(t, hp, ev, it->bytes, it->len, link);
}

/* One thread's share of step 1: items[from..to). */
typedef struct {
    item_t *items;
    size_t from, to;
    bool verify; /* NARA_VERIFY_EACH: check every signature now */
} decode_slice_t;

static void *decode_slice(void *arg)
{
    const decode_slice_t *sl = arg;
    for (size_t i = sl->from; i < sl->to; i++) {
        item_t *it = &sl->items[i];
        it->reason = nara_event_decode(it->bytes, it->len, &it->ev);
        if (it->reason != NARA_OK)
            continue;
        nara_event_link(&it->ev, it->link);
        if (sl->verify) {
            it->sig = nara_event_verify(&it->ev);
            it->sig_known = true;
        }
    }
    return NULL;
}

/* Decode items[0..n) on up to s->threads threads (see THREADS); a thread
 * that cannot start leaves its slice to the calling thread. */
static void decode_parallel(const nara_store_t *s, item_t *items, size_t n)
{
    unsigned k = n >= DECODE_PARALLEL_MIN ? s->threads : 1;
    if (k > NARA__STORE_MAX_THREADS)
        k = NARA__STORE_MAX_THREADS;
    bool verify = k > 1 && s->verify == NARA_VERIFY_EACH;
    decode_slice_t sl[NARA__STORE_MAX_THREADS];
    pthread_t th[NARA__STORE_MAX_THREADS];
    bool started[NARA__STORE_MAX_THREADS] = {false};
    for (unsigned j = 0; j < k; j++) {
        sl[j] = (decode_slice_t){items, n * j / k, n * (j + 1) / k, verify};
        if (j > 0)
            started[j] = pthread_create(&th[j], NULL, decode_slice, &sl[j]) == 0;
    }
    decode_slice(&sl[0]);
    for (unsigned j = 1; j < k; j++) {
        if (started[j])
            pthread_join(th[j], NULL);
        else
            decode_slice(&sl[j]);
    }
}

/* Point each item at its input; nothing decoded yet. */
static void items_init(const nara_bytes_t *events, size_t n, item_t *items)
{
    for (size_t i = 0; i < n; i++) {
        items[i].bytes = events[i].bytes;
        items[i].len = events[i].len;
        items[i].idx = i;
    }
}

/* An input that did not decode: REJECTED with the decoder's reason, and
 * quarantined without an id. */
static nara_err_t reject_undecodable(txn_t *t, const item_t *it, nara_outcome_t *out)
{
    out->kind = NARA_OUTCOME_REJECTED;
    out->reason = it->reason;
    t->stats.rejected++;
    return quarantine(t, it->bytes, it->len, it->reason, NULL);
}

/* Step 1: decode each input; reject and quarantine what does not decode.
 * Fills sorted[0..*m) with the decoded items. */
static nara_err_t decode_all(txn_t *t, const nara_bytes_t *events, size_t n, item_t *items,
                             item_t **sorted, size_t *m, nara_outcome_t *outcomes)
{
    items_init(events, n, items);
    decode_parallel(t->s, items, n);
    *m = 0;
    for (size_t i = 0; i < n; i++) {
        item_t *it = &items[i];
        if (it->reason == NARA_OK) {
            sorted[(*m)++] = it;
            continue;
        }
        nara_err_t err = reject_undecodable(t, it, &outcomes[i]);
        if (err != NARA_OK)
            return err;
    }
    return NARA_OK;
}

/* ---- streaming (see STREAMING) ------------------------------------------ */

/* Is the batch in merge order, by what nara_event_peek reads? */
static bool presorted(const nara_bytes_t *events, size_t n)
{
    uint8_t author[2][NARA_PUBLICKEY_BYTES];
    char stream[2][NARA_STREAM_MAX + 1];
    uint64_t seq[2];
    for (size_t i = 0; i < n; i++) {
        unsigned cur = i % 2, prev = 1 - cur;
        if (nara_event_peek(events[i].bytes, events[i].len, author[cur], stream[cur],
                            &seq[cur]) != NARA_OK)
            return false;
        if (i == 0)
            continue;
        int c = memcmp(author[prev], author[cur], NARA_PUBLICKEY_BYTES);
        if (c == 0)
            c = strcmp(stream[prev], stream[cur]);
        if (c > 0 || (c == 0 && seq[prev] >= seq[cur]))
            return false;
    }
    return true;
}

/* The decoding side: chunk after chunk, published through `ready`. */
typedef struct {
    item_t *items;
    size_t n;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready; /* items[0..ready) are decoded; under mu */
} stream_t;

static void *stream_decode(void *arg)
{
    stream_t *st = arg;
    for (size_t from = 0; from < st->n; from += CHAIN_CHUNK) {
        size_t to = st->n - from > CHAIN_CHUNK ? from + CHAIN_CHUNK : st->n;
        decode_slice(&(decode_slice_t){st->items, from, to, false});
        pthread_mutex_lock(&st->mu);
        st->ready = to;
        pthread_cond_signal(&st->cv);
        pthread_mutex_unlock(&st->mu);
    }
    return NULL;
}

static void stream_wait(stream_t *st, size_t upto)
{
    pthread_mutex_lock(&st->mu);
    while (st->ready < upto)
        pthread_cond_wait(&st->cv, &st->mu);
    pthread_mutex_unlock(&st->mu);
}

/* Steps 1 and 3-5 for a presorted batch, chunk by chunk as it is decoded.
 * *streamed is false (and nothing was done) when no thread could start. */
static nara_err_t merge_streamed(txn_t *t, const nara_bytes_t *events, size_t n, item_t *items,
                                 item_t **sorted, nara_outcome_t *outcomes, bool *streamed)
{
    stream_t st = {.items = items, .n = n};
    pthread_t th;
    *streamed = false;
    items_init(events, n, items);
    for (size_t i = 0; i < n; i++)
        sorted[i] = &items[i];
    bool mu = pthread_mutex_init(&st.mu, NULL) == 0;
    bool cv = mu && pthread_cond_init(&st.cv, NULL) == 0;
    if (!cv || pthread_create(&th, NULL, stream_decode, &st) != 0) {
        if (cv)
            pthread_cond_destroy(&st.cv);
        if (mu)
            pthread_mutex_destroy(&st.mu);
        return NARA_OK;
    }
    *streamed = true;
    t->s->streamed_batches++;
    nara_err_t err = NARA_OK;
    for (size_t from = 0; from < n && err == NARA_OK; from += CHAIN_CHUNK) {
        size_t to = n - from > CHAIN_CHUNK ? from + CHAIN_CHUNK : n;
        stream_wait(&st, to);
        for (size_t k = from; k < to && err == NARA_OK; k++)
            err = items[k].reason == NARA_OK ? merge_one(t, sorted, to, k, &outcomes[k])
                                             : reject_undecodable(t, &items[k], &outcomes[k]);
    }
    pthread_join(th, NULL);
    pthread_cond_destroy(&st.cv);
    pthread_mutex_destroy(&st.mu);
    return err;
}

static bool batch_ok(const nara_bytes_t *events, size_t n)
{
    if (n > SIZE_MAX / sizeof(item_t))
        return false;
    for (size_t i = 0; i < n; i++)
        if (events[i].bytes == NULL && events[i].len != 0)
            return false;
    return true;
}

/* Merge a batch (algorithm above).  On any error the transaction is rolled
 * back, after_rollback runs, *stats is zeroed and the outcomes mean nothing. */
nara_err_t nara_store_merge(nara_store_t *s, const nara_bytes_t *events, size_t n, uint64_t wall_ms,
                            nara_outcome_t *outcomes, nara_merge_stats_t *stats)
{
    txn_t t = {.s = s, .wall_ms = wall_ms, .pending = -1};
    item_t *items = NULL, **sorted = NULL;
    bool began = false;
    size_t m = 0;
    nara_err_t err;

    if (stats)
        memset(stats, 0, sizeof *stats);
    if (s == NULL || (n > 0 && (events == NULL || outcomes == NULL)) || !batch_ok(events, n))
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    if (n == 0)
        return NARA_OK;
    memset(outcomes, 0, n * sizeof *outcomes);
    items = calloc(n, sizeof *items);
    sorted = calloc(n, sizeof *sorted);
    if (items == NULL || sorted == NULL) {
        err = nara__store_fail(s, NARA_NOMEM, "merge: out of memory");
        goto err;
    }
    err = nara__store_begin(s);
    if (err != NARA_OK)
        goto err;
    began = true;
    err = nara__store_clock_get(s, &t.clock);
    bool streamed = false;
    if (err == NARA_OK && s->verify == NARA_VERIFY_CHAIN && s->threads > 1 &&
        n >= DECODE_PARALLEL_MIN && presorted(events, n))
        err = merge_streamed(&t, events, n, items, sorted, outcomes, &streamed);
    if (err == NARA_OK && !streamed)
        err = decode_all(&t, events, n, items, sorted, &m, outcomes);
    if (err != NARA_OK)
        goto err;
    if (!streamed)
        qsort(sorted, m, sizeof *sorted, cmp_items);
    for (size_t k = 0; !streamed && k < m && err == NARA_OK; k++)
        err = merge_one(&t, sorted, m, k, &outcomes[sorted[k]->idx]);
    if (err == NARA_OK)
        err = finish(&t);
    if (err != NARA_OK)
        goto err;
    if (stats)
        *stats = t.stats;
    free(t.scratch);
    free(sorted);
    free(items);
    return NARA_OK;
err:
    nara__store_rollback(s, began);
    free(t.scratch);
    free(sorted);
    free(items);
    return err;
}

/* ---- append ------------------------------------------------------------- */

/* Fill and seal the next event of h's feed into buf. */
static nara_err_t seal_next(const nara__head_t *h, const nara_keypair_t *kp, const char *stream,
                            const char *kind, const uint8_t *body, size_t body_len, uint64_t hlc,
                            uint8_t *buf, size_t *len)
{
    nara_event_t ev;
    memset(&ev, 0, sizeof ev);
    if (strlen(stream) > NARA_STREAM_MAX)
        return NARA_BAD_STREAM;
    if (strlen(kind) > NARA_KIND_MAX)
        return NARA_BAD_KIND;
    strcpy(ev.stream, stream);
    strcpy(ev.kind, kind);
    ev.seq = h->seq + 1;
    ev.has_prev = h->seq > 0;
    if (ev.has_prev)
        memcpy(ev.prev, h->link, NARA_HASH_BYTES);
    ev.hlc = hlc;
    ev.body = body;
    ev.body_len = body_len;
    return nara_event_seal(&ev, kp, buf, NARA_EVENT_MAX_BYTES, len);
}

/* Build, seal and accept the next local event inside the open transaction;
 * the sealed bytes are decoded again so that on_added sees exactly what a
 * receiving replica would. */
static nara_err_t append_locked(txn_t *t, const nara_keypair_t *kp, const char *stream,
                                const char *kind, const uint8_t *body, size_t body_len,
                                uint8_t *buf, uint8_t id_out[NARA_ID_BYTES])
{
    nara_store_t *s = t->s;
    nara__head_t *h = NULL;
    nara_event_t ev;
    uint64_t head, seen, last;
    uint8_t link[NARA_HASH_BYTES];
    size_t len = 0;

    nara_err_t err = nara__store_seen(s, kp->pk, stream, &head, &seen);
    if (err == NARA_OK && seen > head)
        return nara__store_fail(s, NARA_FEED_BEHIND,
                                "append: replicas hold seq %llu of this "
                                "feed, head is %llu",
                                (unsigned long long)seen, (unsigned long long)head);
    if (err == NARA_OK)
        err = feed_head(t, kp->pk, stream, &h);
    if (err == NARA_OK)
        err = nara__store_clock_get(s, &last);
    if (err == NARA_OK)
        err = nara_hlc_tick(last, t->wall_ms, &t->clock);
    if (err == NARA_OK)
        err = seal_next(h, kp, stream, kind, body, body_len, t->clock, buf, &len);
    if (err == NARA_OK)
        err = nara_event_decode(buf, len, &ev);
    if (err != NARA_OK)
        return nara__store_fail(s, err, "append: %s", nara_strerror(err));
    nara_event_link(&ev, link);
    err = accept_event(t, h, &ev, buf, len, link);
    if (err == NARA_OK && id_out)
        memcpy(id_out, ev.id, NARA_ID_BYTES);
    return err;
}

nara_err_t nara_store_append(nara_store_t *s, const nara_keypair_t *kp, const char *stream,
                             const char *kind, const uint8_t *body, size_t body_len,
                             uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    txn_t t = {.s = s, .wall_ms = wall_ms, .pending = -1};
    uint8_t *buf = NULL;
    uint8_t id[NARA_ID_BYTES];
    bool began = false;
    nara_err_t err;

    if (s == NULL || kp == NULL || stream == NULL || kind == NULL || body == NULL)
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    buf = malloc(NARA_EVENT_MAX_BYTES);
    if (buf == NULL)
        return nara__store_fail(s, NARA_NOMEM, "append: out of memory");
    err = nara__store_begin(s);
    if (err != NARA_OK)
        goto err;
    began = true;
    err = append_locked(&t, kp, stream, kind, body, body_len, buf, id);
    if (err == NARA_OK)
        err = finish(&t);
    if (err != NARA_OK)
        goto err;
    if (id_out)
        memcpy(id_out, id, NARA_ID_BYTES);
    free(t.scratch);
    free(buf);
    return NARA_OK;
err:
    nara__store_rollback(s, began);
    free(t.scratch);
    free(buf);
    return err;
}
