/*
 * flow.c - EVENTS and ACK: sending what the peer lacks, merging what it
 * sends, flow control (docs/protocol.md, "Events and acknowledgements").
 *
 * Invariants:
 *  1. s->peer is what the peer holds as far as we know: its vector from the
 *     handshake, raised by every event we put in a batch and every event it
 *     sent us that our store holds after the merge.  We send an event only
 *     if it is beyond s->peer, so nothing is sent twice in one session and
 *     nothing the peer sent us is echoed back.
 *  2. The store iterator is opened and closed within one call: no read is
 *     open while a merge writes (nara_store_iter_missing's rule).
 *  3. An ACK is queued only after nara_store_merge returned NARA_OK, i.e.
 *     after the batch is durable; a merge error fails the session and no
 *     ACK is sent for that batch.
 *  4. At most send_window of our batches are unacknowledged; a peer that
 *     sends batch k before we output the ACK of batch k - window broke the
 *     window (we check batch_no <= acks_out + window).  Batches and ACKs
 *     are numbered from 1 and must arrive in order.
 *  5. Server side: an event whose (author, stream) the device may not push
 *     is refused with NARA_UNAUTHORIZED and never reaches the store; every
 *     other event of the batch is merged.  Every other verdict is the
 *     store's.
 *  6. Receipts (nara_protocol.h invariant 6, ack_receipts.c): the server's
 *     ACK carries one for the batch's events its log holds, within the
 *     peer's message limit; the client checks the head and every proof
 *     before the ACK retires the batch, so a bad receipt fails the session,
 *     never a kept one.
 *  7. Memory follows use: the arrays of max_batch slots for sending are
 *     allocated with the first event to send, those for receiving with the
 *     first EVENTS or ACK to decode (nara__flow_ensure_receive), so the
 *     thousands of idle live sessions a server may hold cost a few hundred
 *     bytes each here, whatever the batch limit.
 */
#include <stdlib.h>
#include <string.h>

#include "session_impl.h"

/* Per-batch arrays are allocated when first needed (invariant 7), so an idle
 * live session holds none of them. */
nara_err_t nara__flow_alloc(nara_session_t *s)
{
    s->flights = calloc(s->window, sizeof *s->flights);
    return s->flights ? NARA_OK : NARA_NOMEM;
}

/* Feed positions of a batch, sent (send_batch events at most) or received
 * (max_batch).  Both limits are settled by the handshake, before any batch;
 * a server may lower max_batch there (receipts) below send_batch. */
static nara_err_t ensure_scratch(nara_session_t *s)
{
    size_t b = s->max_batch > s->send_batch ? s->max_batch : s->send_batch;
    if (!s->scratch)
        s->scratch = calloc(b, sizeof *s->scratch);
    return s->scratch ? NARA_OK : NARA_NOMEM;
}

/* Sending: the ids of every batch in flight, and the batch buffer. */
static nara_err_t ensure_send(nara_session_t *s)
{
    size_t b = s->send_batch;
    if (s->flight_ids)
        return NARA_OK;
    if (ensure_scratch(s) != NARA_OK ||
        nara__buf_reserve(&s->batch, s->send_message) != NARA_OK || /* never reallocated */
        !(s->flight_ids = calloc(s->window * b, sizeof *s->flight_ids)))
        return NARA_NOMEM;
    for (size_t i = 0; i < s->window; i++)
        s->flights[i].ids = s->flight_ids + i * b;
    return NARA_OK;
}

nara_err_t nara__flow_ensure_receive(nara_session_t *s)
{
    size_t b = s->max_batch;
    if (s->in_events)
        return NARA_OK;
    s->sub = calloc(b, sizeof *s->sub);
    s->map = calloc(b, sizeof *s->map);
    s->outcomes = calloc(b, sizeof *s->outcomes);
    s->entries = calloc(b, sizeof *s->entries);
    if (!s->sub || !s->map || !s->outcomes || !s->entries || ensure_scratch(s) != NARA_OK ||
        nara__receipts_alloc(s) != NARA_OK)
        return NARA_NOMEM;
    s->in_events = calloc(b, sizeof *s->in_events); /* last: it marks the group allocated */
    return s->in_events ? NARA_OK : NARA_NOMEM;
}

void nara__flow_free(nara_session_t *s)
{
    free(s->flights);
    free(s->flight_ids);
    free(s->scratch);
    free(s->in_events);
    free(s->sub);
    free(s->map);
    free(s->outcomes);
    free(s->entries);
    nara__receipts_free(s);
    nara__buf_free(&s->batch);
    nara__feeds_free(&s->peer);
}

/* Feed position of a received event, its id left zero: the merge decodes
 * it in full and gives the id with the outcome (acknowledge). */
static void route(const nara_bytes_t *ev, nara_feed_head_t *out)
{
    memset(out->head, 0, sizeof out->head);
    if (nara_event_peek(ev->bytes, ev->len, out->author, out->stream, &out->seq) != NARA_OK)
        out->seq = 0;
}

static nara_err_t peer_holds(nara_session_t *s, const nara_feed_head_t *f)
{
    return nara__feeds_advance(&s->peer, f->author, f->stream, f->seq, f->head,
                               NARA__PEER_FEEDS_MAX);
}

/* ---- sending ------------------------------------------------------------ */

static bool readable(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    nara_session_t *s = ctx;
    return s->policy->may_read(s->policy->ctx, s->peer_pk, author, stream);
}

/* Read up to one batch of what the peer lacks into s->batch and s->scratch.
 * *exhausted: the iterator ended inside this batch. */
static nara_err_t fill(nara_session_t *s, size_t *n, bool *exhausted)
{
    nara_vv_t vv = nara__feeds_view(&s->peer);
    nara_iter_t *it = NULL;
    size_t used = 0, budget = s->send_message - NARA__EVENTS_HEADROOM;
    nara_bytes_t ev;
    bool has;
    nara_err_t err = nara_store_iter_missing(s->store, &vv, s->server ? readable : NULL, s, &it);
    while (err == NARA_OK && *n < s->send_batch) {
        err = nara_iter_next(it, &ev, &has);
        if (err != NARA_OK || !has) {
            *exhausted = err == NARA_OK;
            break;
        }
        size_t cost = nara__wire_events_cost(ev.len);
        if (used + cost > budget)
            break;
        if (*n == 0 && ((err = ensure_send(s)) != NARA_OK ||
                        (err = nara__wire_events_begin(&s->batch)) != NARA_OK))
            break;
        err = nara_iter_position(it, &s->scratch[*n]);
        if (err == NARA_OK)
            err = nara__wire_events_add(&s->batch, ev.bytes, ev.len);
        used += cost;
        (*n)++;
    }
    nara_iter_free(it);
    return err;
}

/* Record batch n events as in flight and as held by the peer. */
static nara_err_t launch(nara_session_t *s, size_t n, nara_bytes_t *msg)
{
    uint64_t no = s->batches_out + 1;
    nara__flight_t *f = &s->flights[no % s->window];
    for (size_t i = 0; i < n; i++) {
        memcpy(f->ids[i], s->scratch[i].head, NARA_ID_BYTES);
        nara_err_t err = peer_holds(s, &s->scratch[i]);
        if (err != NARA_OK)
            return err;
    }
    f->batch_no = no;
    f->n = n;
    s->batches_out = no;
    s->stats.events_sent += n;
    return nara__wire_events_finish(&s->batch, no, n, msg);
}

nara_err_t nara__flow_next(nara_session_t *s, nara_bytes_t *msg, bool *built)
{
    size_t n = 0;
    bool exhausted = false;
    nara_err_t err;
    *built = false;
    if (s->catchup_done && !(s->opt.live && s->grew))
        return NARA_OK;
    if (s->batches_out - s->acks_in >= s->send_window)
        return NARA_OK;
    err = fill(s, &n, &exhausted);
    if (err == NARA_OK && n == 0 && !exhausted)
        err = NARA_TOO_LARGE; /* NEVER: the message limit fits the largest event */
    if (err == NARA_OK && n > 0)
        err = launch(s, n, msg);
    if (err != NARA_OK)
        return nara__session_fail(s, err, "cannot read the events the peer lacks");
    if (exhausted) {
        s->catchup_done = true;
        s->grew = false;
    }
    *built = n > 0;
    return NARA_OK;
}

/* ---- receiving ---------------------------------------------------------- */

static bool pushable(nara_session_t *s, const nara_feed_head_t *f)
{
    return s->policy->may_push(s->policy->ctx, s->peer_pk, f->author, f->stream);
}

/* Split the batch: refused events get their entry code now, the rest go to
 * s->sub for the merge.  Returns how many go to the merge. */
static size_t triage(nara_session_t *s, size_t n, nara_err_t *codes)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        route(&s->in_events[i], &s->scratch[i]);
        codes[i] = NARA_OK;
        if (s->server && s->scratch[i].seq != 0 && !pushable(s, &s->scratch[i])) {
            codes[i] = NARA_UNAUTHORIZED;
            continue;
        }
        s->sub[k] = s->in_events[i];
        s->map[k++] = i;
    }
    return k;
}

/* The entry code of a merge outcome; NARA_OK when the store holds the event. */
static nara_err_t verdict(const nara_outcome_t *o)
{
    switch (o->kind) {
    case NARA_OUTCOME_ADDED:
    case NARA_OUTCOME_DUPLICATE:
    case NARA_OUTCOME_PENDING:
        return NARA_OK;
    case NARA_OUTCOME_FORK:
        return o->reason != NARA_OK ? o->reason : NARA_FORK;
    case NARA_OUTCOME_REJECTED:
        break;
    }
    return o->reason != NARA_OK ? o->reason : NARA_MALFORMED;
}

/* Note that stream `stream` gained an event (nara_session_grown). */
static void grown(nara_session_t *s, const char *stream)
{
    nara_grown_t *g = &s->grown;
    for (size_t k = 0; k < g->n; k++)
        if (strcmp(g->stream[k], stream) == 0)
            return;
    if (g->n == NARA_GROWN_STREAMS_MAX) {
        g->many = true;
        return;
    }
    memcpy(g->stream[g->n++], stream, sizeof g->stream[0]);
}

/* Fold the outcomes into the ACK and into s->peer, then queue the ACK. */
static nara_err_t acknowledge(nara_session_t *s, const nara__msg_t *m, nara_err_t *codes, size_t k)
{
    uint64_t added = 0, dup = 0;
    size_t ne = 0;
    for (size_t j = 0; j < k; j++) {
        const nara_outcome_t *o = &s->outcomes[j];
        size_t i = s->map[j];
        codes[i] = verdict(o);
        added += o->kind == NARA_OUTCOME_ADDED || o->kind == NARA_OUTCOME_PENDING;
        dup += o->kind == NARA_OUTCOME_DUPLICATE;
        s->stats.events_added += o->kind == NARA_OUTCOME_ADDED;
        if (o->kind == NARA_OUTCOME_ADDED && s->scratch[i].seq != 0)
            grown(s, s->scratch[i].stream);
        if (codes[i] == NARA_OK && s->scratch[i].seq != 0 && o->has_id) {
            memcpy(s->scratch[i].head, o->id, NARA_ID_BYTES);
            nara_err_t err = peer_holds(s, &s->scratch[i]);
            if (err != NARA_OK)
                return err;
        }
    }
    for (size_t i = 0; i < m->n; i++)
        if (codes[i] != NARA_OK)
            s->entries[ne++] = (nara__ack_entry_t){i, (uint64_t)codes[i]};
    if (s->server)
        s->stats.events_rejected += ne;
    uint8_t head[NARA_TREE_HEAD_MAX_BYTES], cons[NARA_MERKLE_PROOF_MAX_BYTES];
    nara__receipt_out_t rc;
    bool has_rc = false;
    memset(&rc, 0, sizeof rc);
    nara_err_t err = nara__receipt_build(s, k, ne, &rc, head, cons, &has_rc);
    if (err != NARA_OK)
        return err;
    if (nara__wire_ack(&s->enc, m->batch_no, added, dup, s->entries, ne, has_rc ? &rc : NULL) !=
        NARA_OK)
        return NARA_NOMEM;
    return nara__session_queue(s, NARA__MSG_ACK);
}

nara_err_t nara__flow_on_events(nara_session_t *s, const nara__msg_t *m, uint64_t wall_ms)
{
    nara_err_t *codes, err = NARA_OK;
    size_t k;
    if (m->batch_no != s->batches_in + 1)
        return nara__session_fail(s, NARA_PROTOCOL, "EVENTS batch out of order");
    if (m->batch_no > s->acks_out + s->window)
        return nara__session_fail(s, NARA_PROTOCOL, "EVENTS beyond the window");
    s->batches_in++;
    s->stats.events_received += m->n;
    s->grown.n = 0;
    s->grown.many = false;
    codes = malloc(m->n * sizeof *codes);
    if (!codes)
        return nara__session_fail(s, NARA_NOMEM, "out of memory");
    k = triage(s, m->n, codes);
    if (k > 0)
        err = nara_store_merge(s->store, s->sub, k, wall_ms, s->outcomes, NULL);
    if (err != NARA_OK) {
        err = nara__session_fail(s, err, "cannot store the events received");
        goto err;
    }
    err = acknowledge(s, m, codes, k);
    if (err != NARA_OK)
        err = nara__session_fail(s, err, "cannot acknowledge the events received");
err:
    free(codes);
    return err;
}

nara_err_t nara__flow_on_ack(nara_session_t *s, const nara__msg_t *m)
{
    const nara__flight_t *f = &s->flights[m->batch_no % s->window];
    if (s->acks_in == s->batches_out || m->batch_no != s->acks_in + 1)
        return nara__session_fail(s, NARA_PROTOCOL, "ACK for a batch not in flight");
    if (m->added > f->n || m->duplicate > f->n || m->added + m->duplicate + m->n != f->n ||
        (m->n > 0 && s->entries[m->n - 1].index >= f->n))
        return nara__session_fail(s, NARA_PROTOCOL, "ACK does not match its batch");
    if (m->has_receipt) {
        nara_err_t err = nara__receipt_check(s, m, f);
        if (err != NARA_OK)
            return err;
    }
    for (size_t i = 0; i < m->n; i++)
        nara__session_refused(s, f->ids[s->entries[i].index], (nara_err_t)s->entries[i].code);
    s->acks_in++;
    s->stats.round_trips++;
    s->stats.events_acked += m->added + m->duplicate;
    if (!s->server)
        s->stats.events_rejected += m->n;
    return NARA_OK;
}
