/*
 * handshake.c - HELLO, CHALLENGE, AUTH, WELCOME: mutual authentication and
 * the exchange of version vectors (docs/protocol.md, "Handshake").
 *
 * Invariants:
 *  1. Each side signs a pre-image holding both nonces and both keys under
 *     its own domain prefix, so neither signature can be used in the other
 *     role, for another key, or on another connection: the verifier's own
 *     fresh nonce is always in what it verifies.
 *  2. The client accepts a server only after checking the pin (if any) and
 *     the server's signature; the server admits a device only after its
 *     signature verified AND policy.admit said yes.  `authed` (events may
 *     flow) is set only after both, on both sides.
 *  3. The server's WELCOME vector holds only feeds the device may read.
 *  4. A client takes a tree head (WELCOME, or an ACK's receipt) only after
 *     checking that the session's server key signed it and that it extends
 *     the previous head (the session's, else the pinned one): the server's
 *     history may grow, never fork or shrink (docs/audit.md section 3).
 *
 * Secrets: only kp->sk, borrowed, used through libsodium; no copies are made.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_impl.h"

#define PREIMAGE_BYTES (NARA__AUTH_PREFIX_BYTES + 2 * NARA_NONCE_BYTES + 2 * NARA_PUBLICKEY_BYTES)

/* prefix (with its NUL) || n1 || n2 || k1 || k2 */
static void preimage(uint8_t out[PREIMAGE_BYTES], const char *prefix, const uint8_t *n1,
                     const uint8_t *n2, const uint8_t *k1, const uint8_t *k2)
{
    uint8_t *p = out;
    memcpy(p, prefix, NARA__AUTH_PREFIX_BYTES);
    p += NARA__AUTH_PREFIX_BYTES;
    memcpy(p, n1, NARA_NONCE_BYTES);
    p += NARA_NONCE_BYTES;
    memcpy(p, n2, NARA_NONCE_BYTES);
    p += NARA_NONCE_BYTES;
    memcpy(p, k1, NARA_PUBLICKEY_BYTES);
    p += NARA_PUBLICKEY_BYTES;
    memcpy(p, k2, NARA_PUBLICKEY_BYTES);
}

/* A fresh nonce, or with options.nonce_seed a reproducible one:
 * BLAKE2b-256 keyed by the seed over "nara/v1/test-nonce\0" || 'c' or 's'. */
static void make_nonce(nara_session_t *s)
{
    static const char label[] = "nara/v1/test-nonce";
    uint8_t in[sizeof label + 1];
    if (!s->opt.nonce_seed) {
        randombytes_buf(s->my_nonce, NARA_NONCE_BYTES);
        return;
    }
    memcpy(in, label, sizeof label);
    in[sizeof label] = s->server ? 's' : 'c';
    crypto_generichash(s->my_nonce, NARA_NONCE_BYTES, in, sizeof in, s->opt.nonce_seed,
                       NARA_NONCE_BYTES);
}

nara_err_t nara__hs_start(nara_session_t *s)
{
    make_nonce(s);
    if (nara__wire_hello(&s->enc, s->kp->pk, s->my_nonce) != NARA_OK ||
        nara__session_queue(s, NARA__MSG_HELLO) != NARA_OK)
        return nara__session_fail(s, NARA_NOMEM, "out of memory");
    s->state = NARA_SESSION_AUTH;
    return NARA_OK;
}

/* Server: remember the claimed device key and nonce, prove our key. */
nara_err_t nara__hs_on_hello(nara_session_t *s, const nara__msg_t *m)
{
    uint8_t pre[PREIMAGE_BYTES], sig[NARA_SIGNATURE_BYTES];
    memcpy(s->peer_pk, m->pk, NARA_PUBLICKEY_BYTES);
    memcpy(s->peer_nonce, m->nonce, NARA_NONCE_BYTES);
    make_nonce(s);
    preimage(pre, NARA__SERVER_AUTH_PREFIX, s->peer_nonce, s->my_nonce, s->peer_pk, s->kp->pk);
    if (crypto_sign_detached(sig, NULL, pre, sizeof pre, s->kp->sk) != 0)
        return nara__session_fail(s, NARA_CRYPTO, "signing failed");
    if (nara__wire_challenge(&s->enc, s->kp->pk, s->my_nonce, sig) != NARA_OK ||
        nara__session_queue(s, NARA__MSG_CHALLENGE) != NARA_OK)
        return nara__session_fail(s, NARA_NOMEM, "out of memory");
    s->state = NARA_SESSION_AUTH;
    return NARA_OK;
}

static nara__limits_t own_limits(const nara_session_t *s)
{
    return (nara__limits_t){s->max_batch, s->max_message, s->window};
}

static size_t min_size(size_t a, uint64_t b)
{
    return (uint64_t)a < b ? a : (size_t)b;
}

/* The peer's limits (AUTH or WELCOME): we send within min(ours, theirs). */
static nara_err_t peer_limits(nara_session_t *s, const nara__msg_t *m)
{
    if (m->lim_batch == 0 || m->lim_window == 0 || m->lim_message < NARA__MIN_MESSAGE_BYTES)
        return nara__session_fail(s, NARA_MALFORMED, "limits out of range");
    s->send_batch = min_size(s->max_batch, m->lim_batch);
    s->send_message = min_size(s->max_message, m->lim_message);
    s->send_window = min_size(s->window, m->lim_window);
    return NARA_OK;
}

/* Client: AUTH carries our signature, our whole version vector, our limits. */
static nara_err_t send_auth(nara_session_t *s)
{
    uint8_t pre[PREIMAGE_BYTES], sig[NARA_SIGNATURE_BYTES];
    nara_vv_t vv = {0};
    nara__limits_t lim = own_limits(s);
    nara_err_t err;
    preimage(pre, NARA__CLIENT_AUTH_PREFIX, s->peer_nonce, s->my_nonce, s->peer_pk, s->kp->pk);
    if (crypto_sign_detached(sig, NULL, pre, sizeof pre, s->kp->sk) != 0)
        return nara__session_fail(s, NARA_CRYPTO, "signing failed");
    err = nara_store_vv(s->store, &vv);
    if (err != NARA_OK)
        return nara__session_fail(s, err, "cannot read the local version vector");
    if (vv.n > NARA_MAX_VV_ENTRIES)
        err = nara__session_fail(s, NARA_TOO_LARGE, "local version vector too large");
    else if (nara__wire_auth(&s->enc, sig, vv.feeds, vv.n, &lim,
                             s->opt.last_head ? s->opt.last_head->size : 0) != NARA_OK)
        err = nara__session_fail(s, NARA_NOMEM, "out of memory");
    else if (s->enc.len > s->max_message)
        err = nara__session_fail(s, NARA_TOO_LARGE, "version vector does not fit in one message");
    else if (nara__session_queue(s, NARA__MSG_AUTH) != NARA_OK)
        err = nara__session_fail(s, NARA_NOMEM, "out of memory");
    nara_vv_free(&vv);
    return err;
}

nara_err_t nara__hs_on_challenge(nara_session_t *s, const nara__msg_t *m)
{
    uint8_t pre[PREIMAGE_BYTES];
    s->stats.round_trips++;
    if (s->opt.expected_server_pk &&
        sodium_memcmp(s->opt.expected_server_pk, m->pk, NARA_PUBLICKEY_BYTES) != 0)
        return nara__session_fail(s, NARA_SERVER_KEY, "server key is not the trusted one");
    preimage(pre, NARA__SERVER_AUTH_PREFIX, s->my_nonce, m->nonce, s->kp->pk, m->pk);
    if (crypto_sign_verify_detached(m->sig, pre, sizeof pre, m->pk) != 0)
        return nara__session_fail(s, NARA_AUTH, "server signature does not verify");
    memcpy(s->peer_pk, m->pk, NARA_PUBLICKEY_BYTES);
    memcpy(s->peer_nonce, m->nonce, NARA_NONCE_BYTES);
    s->peer_proven = true;
    return send_auth(s);
}

static bool readable(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    nara_session_t *s = ctx;
    return s->policy->may_read(s->policy->ctx, s->peer_pk, author, stream);
}

/* Server: the log's current head and the consistency proof from the size
 * the client last saw, encoded; *head_len 0 without a log.  A client whose
 * head is larger than our tree gets our head and an empty proof: it will
 * refuse us (docs/audit.md section 3). */
static nara_err_t current_head(nara_session_t *s, uint64_t from,
                               uint8_t head[NARA_TREE_HEAD_MAX_BYTES], size_t *head_len,
                               uint8_t cons[NARA_MERKLE_PROOF_MAX_BYTES], size_t *cons_len)
{
    nara_tree_head_t h;
    nara_merkle_proof_t p;
    *head_len = *cons_len = 0;
    if (s->opt.log == NULL)
        return NARA_OK;
    nara_err_t err = s->opt.log->current(s->opt.log->ctx, from, &h, &p);
    if (err == NARA_TREE_FORK) {
        memset(&p, 0, sizeof p);
        err = NARA_OK;
    }
    if (err == NARA_OK)
        err = nara_tree_head_encode(&h, head, NARA_TREE_HEAD_MAX_BYTES, head_len);
    if (err == NARA_OK)
        err = nara_merkle_proof_encode(&p, cons, NARA_MERKLE_PROOF_MAX_BYTES, cons_len);
    if (err == NARA_OK)
        s->shown_size = h.size;
    return err;
}

/* Server with a log: the batch we accept is capped so that a receipt for
 * every event of a batch fits in one ACK within the client's message limit
 * (docs/audit.md section 2): an entry's proof has at most one hash per level
 * of the tree, taken 4 levels (16x) above today's so a live session can grow. */
static void cap_batch_for_receipts(nara_session_t *s, uint64_t tree_size)
{
    unsigned height = 4;
    while (height < 63 && (tree_size >> (height - 4)) > 1)
        height++;
    size_t entry = 13 + 20 + 34u * height; /* an ACK entry, then a receipt entry */
    size_t room = s->send_message > nara__wire_ack_overhead(0)
                      ? s->send_message - nara__wire_ack_overhead(0)
                      : 0;
    size_t fit = room / entry;
    if (fit < 1)
        fit = 1;
    if (fit < s->max_batch)
        s->max_batch = fit;
}

/* Server: our vector within the device's read scope, our limits, and our
 * log's head. */
static nara_err_t send_welcome(nara_session_t *s, uint64_t last_size)
{
    nara_vv_t vv = {0};
    nara_feed_head_t *keep = NULL;
    uint8_t head[NARA_TREE_HEAD_MAX_BYTES], cons[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t k = 0, head_len = 0, cons_len = 0;
    nara_err_t err = current_head(s, last_size, head, &head_len, cons, &cons_len);
    if (err != NARA_OK)
        return nara__session_fail(s, err, "cannot read the transparency log");
    if (head_len)
        cap_batch_for_receipts(s, s->shown_size);
    nara__limits_t lim = own_limits(s);
    err = nara_store_vv(s->store, &vv);
    if (err != NARA_OK)
        return nara__session_fail(s, err, "cannot read the local version vector");
    keep = malloc((vv.n ? vv.n : 1) * sizeof *keep);
    if (!keep) {
        err = nara__session_fail(s, NARA_NOMEM, "out of memory");
        goto err;
    }
    for (size_t i = 0; i < vv.n; i++)
        if (readable(s, vv.feeds[i].author, vv.feeds[i].stream))
            keep[k++] = vv.feeds[i];
    if (k > NARA_MAX_VV_ENTRIES)
        err = nara__session_fail(s, NARA_TOO_LARGE, "version vector too large");
    else if (nara__wire_welcome(&s->enc, keep, k, &lim, head_len ? head : NULL, head_len, cons,
                                cons_len) != NARA_OK)
        err = nara__session_fail(s, NARA_NOMEM, "out of memory");
    else if (s->enc.len > s->send_message)
        err = nara__session_fail(s, NARA_TOO_LARGE, "version vector does not fit in one message");
    else if (nara__session_queue(s, NARA__MSG_WELCOME) != NARA_OK)
        err = nara__session_fail(s, NARA_NOMEM, "out of memory");
err:
    free(keep);
    nara_vv_free(&vv);
    return err;
}

nara_err_t nara__hs_on_auth(nara_session_t *s, nara__msg_t *m)
{
    uint8_t pre[PREIMAGE_BYTES];
    nara_err_t err;
    s->stats.round_trips++;
    err = peer_limits(s, m);
    if (err != NARA_OK)
        return err;
    preimage(pre, NARA__CLIENT_AUTH_PREFIX, s->my_nonce, s->peer_nonce, s->kp->pk, s->peer_pk);
    if (crypto_sign_verify_detached(m->sig, pre, sizeof pre, s->peer_pk) != 0)
        return nara__session_fail(s, NARA_AUTH, "device signature does not verify");
    err = s->policy->admit(s->policy->ctx, s->peer_pk);
    if (err != NARA_OK)
        return nara__session_fail(s, err, nara_strerror(err));
    s->peer_proven = true;
    s->peer = m->vv; /* the decoded vector is ours now */
    memset(&m->vv, 0, sizeof m->vv);
    s->shown_size = m->last_size;
    err = send_welcome(s, m->last_size);
    if (err != NARA_OK)
        return err;
    s->authed = true;
    s->state = NARA_SESSION_SYNCING;
    return NARA_OK;
}

nara_err_t nara__hs_accept_head(nara_session_t *s, const uint8_t *head, size_t head_len,
                                const uint8_t *cons, size_t cons_len)
{
    const nara_receipt_sink_t *sink = s->opt.receipts;
    const nara_tree_head_t *prev = s->has_head ? &s->head : s->opt.last_head;
    nara_tree_head_t h;
    nara_merkle_proof_t p;
    uint8_t empty[NARA_HASH_BYTES];
    nara_err_t err;
    if (nara_tree_head_decode(head, head_len, &h) != NARA_OK ||
        nara_merkle_proof_decode(cons, cons_len, &p) != NARA_OK)
        return nara__session_fail(s, NARA_MALFORMED, "malformed tree head or consistency proof");
    if (nara_tree_head_verify(&h, s->peer_pk) != NARA_OK)
        return nara__session_fail(s, NARA_PROOF,
                                  "the server's tree head is not signed by the server's key");
    nara_merkle_hash_empty(empty);
    if (nara_merkle_verify_consistency(prev ? prev->size : 0, h.size, prev ? prev->root : empty,
                                       h.root, &p) != NARA_OK) {
        char text[160];
        if (sink && sink->fork)
            sink->fork(sink->ctx, prev, &h, &p);
        snprintf(text, sizeof text,
                 "its tree head (%llu events) does not extend the one kept before (%llu events)",
                 (unsigned long long)h.size, (unsigned long long)(prev ? prev->size : 0));
        return nara__session_fail(s, NARA_TREE_FORK, text);
    }
    bool same = prev && prev->size == h.size && memcmp(prev->root, h.root, NARA_HASH_BYTES) == 0;
    if (!same && sink && sink->head) {
        err = sink->head(sink->ctx, prev, &h, &p);
        if (err != NARA_OK)
            return nara__session_fail(s, err, "cannot keep the server's tree head");
    }
    if (!same || !s->has_head) {
        s->head = h;
        s->has_head = true;
    }
    return NARA_OK;
}

nara_err_t nara__hs_on_welcome(nara_session_t *s, nara__msg_t *m)
{
    nara_err_t err;
    s->stats.round_trips++;
    err = peer_limits(s, m);
    if (err != NARA_OK)
        return err;
    if (m->head) {
        err = nara__hs_accept_head(s, m->head, m->head_len, m->cons, m->cons_len);
        if (err != NARA_OK)
            return err;
    } else if (s->opt.last_head) {
        if (s->opt.receipts && s->opt.receipts->fork)
            s->opt.receipts->fork(s->opt.receipts->ctx, s->opt.last_head, NULL, NULL);
        return nara__session_fail(s, NARA_TREE_FORK,
                                  "the server no longer shows a signed tree head: its history "
                                  "cannot be checked against the one this device kept");
    }
    s->peer = m->vv;
    memset(&m->vv, 0, sizeof m->vv);
    s->authed = true;
    s->state = NARA_SESSION_SYNCING;
    return NARA_OK;
}
