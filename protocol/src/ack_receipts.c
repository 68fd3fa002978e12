/*
 * ack_receipts.c - the receipt an ACK carries (docs/protocol.md section 12,
 * docs/audit.md 1.13): built by a server with a transparency log, checked by
 * the client before the ACK retires its batch.
 *
 * A receipt is the server's current signed head, the consistency proof from
 * the head it showed before, and entries [index, leaf, count, proof]: the
 * batch positions index .. index + count - 1 hold the log's leaves leaf ..
 * leaf + count - 1, and `proof` is one range proof for all of them.  Events
 * a device pushes in one batch are merged in one transaction and logged in
 * batch order, so a batch usually needs one entry, whatever its size.
 *
 * Invariants:
 *  1. Server: an entry names only events the ACK holds (added or duplicate)
 *     and the log holds within the head; a run ends where either the batch
 *     positions or the leaves stop being consecutive.  Entries that do not
 *     fit the peer's message limit are left out (their events get no receipt
 *     this time).
 *  2. Client: entries are in ascending, non-overlapping order, inside the
 *     batch, and name no event the ACK refuses; every range proof verifies
 *     against the head (already checked to be signed and to extend the
 *     previous one) for the ids *we* sent at those positions.  Only then is
 *     each event's own inclusion path read out of the check and handed to
 *     the receipt sink: the sink keeps per-event receipts, as before ranges.
 *  3. Workspaces are allocated once per session (nara__receipts_alloc), and
 *     the per-event paths of one ACK in one buffer reserved up front, so the
 *     pointers handed to the sink stay valid for the callback.
 */
#include <stdlib.h>
#include <string.h>

#include "session_impl.h"

nara_err_t nara__receipts_alloc(nara_session_t *s)
{
    size_t b = s->max_batch;
    if (s->server)
        return NARA_OK; /* only a client receives receipts */
    s->rc_in = calloc(b, sizeof *s->rc_in);
    s->rcpt = calloc(b, sizeof *s->rcpt);
    s->rc_leaf = calloc(b, sizeof *s->rc_leaf);
    s->rc_work_n = nara_merkle_range_nodes(b);
    s->rc_work = calloc(s->rc_work_n, sizeof *s->rc_work);
    return s->rc_in && s->rcpt && s->rc_leaf && s->rc_work ? NARA_OK : NARA_NOMEM;
}

void nara__receipts_free(nara_session_t *s)
{
    free(s->rc_in);
    free(s->rcpt);
    free(s->rc_leaf);
    free(s->rc_work);
    nara__buf_free(&s->rc_out);
    nara__buf_free(&s->rc_paths);
}

/* ---- server ------------------------------------------------------------------ */

static bool held(const nara_outcome_t *o)
{
    return o->has_id && (o->kind == NARA_OUTCOME_ADDED || o->kind == NARA_OUTCOME_DUPLICATE);
}

/* The run of merged events starting at s->outcomes[j], whose first leaf is
 * `leaf`: how many consecutive batch positions hold consecutive leaves. */
static nara_err_t run_length(nara_session_t *s, size_t j, size_t k, uint64_t leaf, uint64_t size,
                             size_t *count)
{
    const nara_log_provider_t *log = s->opt.log;
    size_t c = 1;
    while (j + c < k && held(&s->outcomes[j + c]) && s->map[j + c] == s->map[j] + c &&
           leaf + c < size) {
        nara_err_t err = log->holds(log->ctx, leaf + c, s->outcomes[j + c].id);
        if (err == NARA_NOT_FOUND)
            break;
        if (err != NARA_OK)
            return err;
        c++;
    }
    *count = c;
    return NARA_OK;
}

/* Append the entries for outcomes [0, k) to s->rc_out, within `budget`
 * bytes; *n counts the events they cover, *n_entries the entries. */
static nara_err_t entries(nara_session_t *s, size_t k, uint64_t size, size_t budget, size_t *n,
                          size_t *n_entries)
{
    const nara_log_provider_t *log = s->opt.log;
    nara_merkle_range_proof_t p;
    uint8_t enc[NARA_MERKLE_RANGE_PROOF_MAX_BYTES];
    size_t len, count;
    *n = *n_entries = 0;
    s->rc_out.len = 0;
    for (size_t j = 0; j < k;) {
        uint64_t leaf;
        nara_err_t err = held(&s->outcomes[j]) ? log->find(log->ctx, s->outcomes[j].id, size, &leaf)
                                               : NARA_NOT_FOUND;
        if (err == NARA_NOT_FOUND) { /* refused, or held but not logged yet: no receipt */
            j++;
            continue;
        }
        if (err == NARA_OK)
            err = run_length(s, j, k, leaf, size, &count);
        if (err == NARA_OK)
            err = log->prove_range(log->ctx, leaf, count, size, &p);
        if (err == NARA_OK)
            err = nara_merkle_range_proof_encode(&p, enc, sizeof enc, &len);
        size_t before = s->rc_out.len;
        if (err == NARA_OK)
            err = nara__wire_receipt_entry(&s->rc_out, s->map[j], leaf, count, enc, len);
        if (err != NARA_OK)
            return err;
        if (s->rc_out.len > budget) {
            s->rc_out.len = before; /* the rest get none this time */
            break;
        }
        *n += count;
        (*n_entries)++;
        j += count;
    }
    return NARA_OK;
}

nara_err_t nara__receipt_build(nara_session_t *s, size_t k, size_t n_ack_entries,
                               nara__receipt_out_t *rc, uint8_t head[NARA_TREE_HEAD_MAX_BYTES],
                               uint8_t cons[NARA_MERKLE_PROOF_MAX_BYTES], bool *has)
{
    const nara_log_provider_t *log = s->opt.log;
    nara_tree_head_t h;
    nara_merkle_proof_t p;
    size_t n = 0, n_entries = 0, overhead = nara__wire_ack_overhead(n_ack_entries);
    size_t budget = s->send_message > overhead ? s->send_message - overhead : 0;
    bool any = false;
    *has = false;
    for (size_t j = 0; j < k && !any; j++)
        any = held(&s->outcomes[j]);
    if (!s->server || log == NULL || !any)
        return NARA_OK;
    nara_err_t err = log->current(log->ctx, s->shown_size, &h, &p);
    if (err == NARA_OK)
        err = nara_tree_head_encode(&h, head, NARA_TREE_HEAD_MAX_BYTES, &rc->head_len);
    if (err == NARA_OK)
        err = nara_merkle_proof_encode(&p, cons, NARA_MERKLE_PROOF_MAX_BYTES, &rc->cons_len);
    if (err == NARA_OK)
        err = entries(s, k, h.size, budget, &n, &n_entries);
    if (err != NARA_OK || s->rc_out.len == 0)
        return err;
    rc->head = head;
    rc->cons = cons;
    rc->entries = s->rc_out.p;
    rc->entries_len = s->rc_out.len;
    rc->n = n_entries;
    s->shown_size = h.size;
    s->stats.receipts += n;
    *has = true;
    return NARA_OK;
}

/* ---- client ------------------------------------------------------------------ */

/* Entry e (after `prev_end`, the position after the previous entry) names
 * positions of batch f that the ACK holds?  `refused` walks the ACK's
 * refusals, which are in ascending order too. */
static bool entry_in_batch(const nara_session_t *s, const nara__msg_t *m,
                           const nara__receipt_entry_t *e, const nara__flight_t *f,
                           uint64_t prev_end, size_t *refused)
{
    if (e->count == 0 || e->index < prev_end || e->index >= f->n || e->count > f->n - e->index)
        return false;
    while (*refused < m->n && s->entries[*refused].index < e->index)
        (*refused)++;
    return *refused == m->n || s->entries[*refused].index >= e->index + e->count;
}

/* Verify entry e against the session's head; add one receipt per event to
 * s->rcpt from *nr on, their paths appended to s->rc_paths. */
static nara_err_t check_entry(nara_session_t *s, const nara__receipt_entry_t *e,
                              const nara__flight_t *f, size_t *nr)
{
    nara_merkle_range_proof_t rp;
    nara_merkle_proof_t path;
    size_t len;
    if (nara_merkle_range_proof_decode(e->proof, e->proof_len, &rp) != NARA_OK)
        return nara__session_fail(s, NARA_MALFORMED, "malformed range proof in a receipt");
    for (uint64_t x = 0; x < e->count; x++)
        nara_merkle_hash_leaf(f->ids[e->index + x], NARA_ID_BYTES, s->rc_leaf[x]);
    if (nara_merkle_verify_range((const uint8_t(*)[NARA_HASH_BYTES])s->rc_leaf, e->leaf, e->count,
                                 s->head.size, &rp, s->head.root, s->rc_work,
                                 s->rc_work_n) != NARA_OK)
        return nara__session_fail(s, NARA_PROOF,
                                  "the server's receipt for events it acknowledged does not "
                                  "verify against its signed tree head");
    for (uint64_t x = 0; x < e->count; x++) {
        nara_receipt_t *r = &s->rcpt[(*nr)++];
        nara_err_t err = nara_merkle_range_path(s->rc_work, s->rc_work_n, e->leaf + x,
                                                s->head.size, &path);
        uint8_t *out = s->rc_paths.p + s->rc_paths.len;
        if (err == NARA_OK)
            err = nara_merkle_proof_encode(&path, out, s->rc_paths.cap - s->rc_paths.len, &len);
        if (err != NARA_OK)
            return nara__session_fail(s, err, "cannot read an inclusion path from a receipt");
        memcpy(r->id, f->ids[e->index + x], NARA_ID_BYTES);
        r->index = e->leaf + x;
        r->proof = out;
        r->proof_len = len;
        s->rc_paths.len += len;
    }
    return NARA_OK;
}

/* Bytes of one encoded inclusion path in a tree of `size` leaves, at most. */
static size_t path_bytes(uint64_t size)
{
    unsigned height = 0;
    while (height < 63 && ((uint64_t)1 << height) < size)
        height++;
    return 3 + 34u * height;
}

nara_err_t nara__receipt_check(nara_session_t *s, const nara__msg_t *m, const nara__flight_t *f)
{
    const nara_receipt_sink_t *sink = s->opt.receipts;
    size_t refused = 0, nr = 0;
    uint64_t prev_end = 0;
    if (s->server)
        return nara__session_fail(s, NARA_PROTOCOL, "a receipt in a client's ACK");
    nara_err_t err = nara__hs_accept_head(s, m->head, m->head_len, m->cons, m->cons_len);
    if (err != NARA_OK)
        return err;
    s->rc_paths.len = 0;
    if (nara__buf_reserve(&s->rc_paths, f->n * path_bytes(s->head.size)) != NARA_OK)
        return nara__session_fail(s, NARA_NOMEM, "out of memory");
    for (size_t i = 0; i < m->n_receipts; i++) {
        const nara__receipt_entry_t *e = &s->rc_in[i];
        if (!entry_in_batch(s, m, e, f, prev_end, &refused))
            return nara__session_fail(s, NARA_PROTOCOL, "a receipt for no event the ACK holds");
        if ((err = check_entry(s, e, f, &nr)) != NARA_OK)
            return err;
        prev_end = e->index + e->count;
    }
    if (sink && sink->receipts && nr) {
        err = sink->receipts(sink->ctx, &s->head, s->rcpt, nr);
        if (err != NARA_OK)
            return nara__session_fail(s, err, "cannot keep the server's receipts");
    }
    s->stats.receipts += nr;
    return NARA_OK;
}
