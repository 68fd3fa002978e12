/*
 * session.c - the sync session: public API, message dispatch, output queue.
 *
 * A session is a pure state machine (nara_protocol.h): whole messages in
 * through nara_session_receive(), whole messages out through
 * nara_session_output(); no sockets, no clock.  handshake.c handles HELLO to
 * WELCOME, flow.c handles EVENTS and ACK.  docs/protocol.md is the wire
 * specification.
 *
 * Design notes
 * ------------
 * Invariants (numbers as in nara_protocol.h, plus local ones):
 *  1. No EVENTS or ACK is accepted or produced before `authed`, which is set
 *     only when the handshake completed (handshake.c, invariant 2).
 *  2. An ACK is queued only after the merge committed (flow.c, 3).
 *  3. Scopes: the server reads and sends only what policy.may_read allows
 *     and merges only what policy.may_push allows (flow.c, 5).
 *  4. Checks before decoding: message size first, here; then type against
 *     the state, version and counts against their limits, in wire.c.
 *  5. Sticky failure: nara__session_fail() empties the queue, queues one
 *     ERROR and moves to FAILED; from then on output() yields that ERROR
 *     once and every call returns NARA_CLOSED.  CLOSED likewise, after BYE.
 *  6. Output order: queued control messages (FIFO), then BYE if closing,
 *     then the next EVENTS batch, then SYNCED once catch-up is done.  So an
 *     ACK never waits behind events and SYNCED always follows the last
 *     catch-up batch.
 *
 * States and the function that moves between them:
 *
 *            start() [client] / receive(HELLO) [server]
 *     NEW ------------------------------------------------> AUTH
 *     AUTH --- receive(WELCOME) [client] / receive(AUTH) [server] ---> SYNCING
 *     SYNCING --- output(SYNCED) after the peer's, or
 *                 receive(SYNCED) after ours ---------------------> SYNCED
 *     NEW..SYNCED --- output(BYE) or receive(BYE) ---> CLOSED
 *     NEW..SYNCED --- nara__session_fail() or receive(fatal ERROR) ---> FAILED
 *
 * Messages allowed (anything else is NARA_PROTOCOL):
 *     server NEW: HELLO          client NEW: none
 *     server AUTH: AUTH          client AUTH: CHALLENGE, then WELCOME
 *     authed: EVENTS, ACK, SYNCED (once);  ERROR and BYE once started.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_impl.h"

/* ---- output queue ------------------------------------------------------- */

nara_err_t nara__session_queue(nara_session_t *s, nara__msg_type_t type)
{
    nara__qmsg_t *q = malloc(sizeof *q + s->enc.len);
    if (!q)
        return NARA_NOMEM;
    q->next = NULL;
    q->type = type;
    q->len = s->enc.len;
    memcpy(q->bytes, s->enc.p, s->enc.len);
    if (s->qtail)
        s->qtail->next = q;
    else
        s->qhead = q;
    s->qtail = q;
    return NARA_OK;
}

static void queue_clear(nara_session_t *s)
{
    while (s->qhead) {
        nara__qmsg_t *q = s->qhead;
        s->qhead = q->next;
        free(q);
    }
    s->qtail = NULL;
}

static bool ended(const nara_session_t *s)
{
    return s->state == NARA_SESSION_FAILED || s->state == NARA_SESSION_CLOSED;
}

nara_err_t nara__session_fail(nara_session_t *s, nara_err_t code, const char *text)
{
    if (ended(s))
        return code;
    s->state = NARA_SESSION_FAILED;
    s->err = code;
    snprintf(s->err_text, sizeof s->err_text, "%s", text);
    queue_clear(s);
    if (nara__wire_error(&s->enc, code, text, true) == NARA_OK)
        (void)nara__session_queue(s, NARA__MSG_ERROR); /* if memory fails, close silently */
    return code;
}

void nara__session_refused(nara_session_t *s, const uint8_t id[NARA_ID_BYTES], nara_err_t code)
{
    if (s->n_refused >= NARA__REFUSED_KEEP)
        return;
    memcpy(s->refused[s->n_refused].id, id, NARA_ID_BYTES);
    s->refused[s->n_refused++].code = code;
}

/* ---- creation ----------------------------------------------------------- */

static nara_err_t limits(nara_session_t *s, const nara_session_options_t *opt)
{
    if (opt)
        s->opt = *opt;
    s->max_message = s->opt.max_message_bytes ? s->opt.max_message_bytes : NARA_MAX_MESSAGE_BYTES;
    s->max_batch = s->opt.max_batch_events ? s->opt.max_batch_events : NARA_MAX_BATCH_EVENTS;
    s->window = s->opt.window ? s->opt.window : NARA_MAX_WINDOW;
    if (s->max_message < NARA__MIN_MESSAGE_BYTES || s->max_batch > NARA__MAX_BATCH_OPTION ||
        s->window > NARA__MAX_WINDOW_OPTION)
        return NARA_INVAL;
    s->send_message = s->max_message;
    s->send_batch = s->max_batch;
    s->send_window = s->window;
    return NARA_OK;
}

static nara_err_t session_new(bool server, nara_store_t *store, const nara_keypair_t *kp,
                              const nara_session_options_t *opt, nara_session_t **out)
{
    nara_session_t *s = NULL;
    nara_err_t err;
    if (!out)
        return NARA_INVAL;
    *out = NULL;
    if (!store || !kp)
        return NARA_INVAL;
    err = nara_crypto_init();
    if (err != NARA_OK)
        return err;
    s = calloc(1, sizeof *s);
    if (!s)
        return NARA_NOMEM;
    s->server = server;
    s->store = store;
    s->kp = kp;
    err = limits(s, opt);
    if (err != NARA_OK)
        goto err;
    s->refused = calloc(NARA__REFUSED_KEEP, sizeof *s->refused);
    err = s->refused ? nara__flow_alloc(s) : NARA_NOMEM;
    if (err != NARA_OK)
        goto err;
    *out = s;
    return NARA_OK;
err:
    nara_session_free(s);
    return err;
}

nara_err_t nara_session_client_new(nara_store_t *store, const nara_keypair_t *kp,
                                   const nara_session_options_t *opt, nara_session_t **out)
{
    return session_new(false, store, kp, opt, out);
}

nara_err_t nara_session_server_new(nara_store_t *store, const nara_keypair_t *kp,
                                   const nara_policy_t *policy, const nara_session_options_t *opt,
                                   nara_session_t **out)
{
    nara_err_t err;
    if (!policy || !policy->admit || !policy->may_read || !policy->may_push) {
        if (out)
            *out = NULL;
        return NARA_INVAL;
    }
    err = session_new(true, store, kp, opt, out);
    if (err == NARA_OK)
        (*out)->policy = policy;
    return err;
}

void nara_session_free(nara_session_t *s)
{
    if (!s)
        return;
    queue_clear(s);
    free(s->last);
    nara__flow_free(s);
    nara__buf_free(&s->enc);
    free(s->refused);
    sodium_memzero(s->my_nonce, sizeof s->my_nonce);
    free(s);
}

nara_err_t nara_session_start(nara_session_t *s, uint64_t wall_ms)
{
    (void)wall_ms;
    if (!s)
        return NARA_INVAL;
    if (ended(s))
        return NARA_CLOSED;
    if (s->server)
        return NARA_OK;
    if (s->state != NARA_SESSION_NEW)
        return NARA_INVAL;
    return nara__hs_start(s);
}

/* ---- receiving ---------------------------------------------------------- */

static uint32_t allowed_now(const nara_session_t *s)
{
    uint32_t always = NARA__MSG_BIT(NARA__MSG_ERROR) | NARA__MSG_BIT(NARA__MSG_BYE);
    if (s->authed)
        return always | NARA__MSG_BIT(NARA__MSG_EVENTS) | NARA__MSG_BIT(NARA__MSG_ACK) |
               (s->got_synced ? 0 : NARA__MSG_BIT(NARA__MSG_SYNCED));
    if (s->server)
        return always |
               NARA__MSG_BIT(s->state == NARA_SESSION_NEW ? NARA__MSG_HELLO : NARA__MSG_AUTH);
    if (s->state == NARA_SESSION_NEW)
        return 0;
    return always | NARA__MSG_BIT(s->peer_proven ? NARA__MSG_WELCOME : NARA__MSG_CHALLENGE);
}

static void both_synced(nara_session_t *s)
{
    if (s->sent_synced && s->got_synced && s->state == NARA_SESSION_SYNCING)
        s->state = NARA_SESSION_SYNCED;
}

/* The peer's ERROR: fatal ends the session with its code and text. */
static nara_err_t on_error(nara_session_t *s, const nara__msg_t *m)
{
    if (!m->fatal) {
        s->stats.errors_received++;
        return NARA_OK;
    }
    queue_clear(s);
    s->state = NARA_SESSION_FAILED;
    s->err = (nara_err_t)m->code;
    snprintf(s->err_text, sizeof s->err_text, "%.*s", (int)m->text_len, m->text);
    return s->err;
}

static nara_err_t dispatch(nara_session_t *s, nara__msg_t *m, uint64_t wall_ms)
{
    switch (m->type) {
    case NARA__MSG_HELLO:
        return nara__hs_on_hello(s, m);
    case NARA__MSG_CHALLENGE:
        return nara__hs_on_challenge(s, m);
    case NARA__MSG_AUTH:
        return nara__hs_on_auth(s, m);
    case NARA__MSG_WELCOME:
        return nara__hs_on_welcome(s, m);
    case NARA__MSG_EVENTS:
        return nara__flow_on_events(s, m, wall_ms);
    case NARA__MSG_ACK:
        return nara__flow_on_ack(s, m);
    case NARA__MSG_SYNCED:
        s->got_synced = true;
        both_synced(s);
        return NARA_OK;
    case NARA__MSG_ERROR:
        return on_error(s, m);
    case NARA__MSG_BYE:
        queue_clear(s);
        s->state = NARA_SESSION_CLOSED;
        return NARA_OK;
    }
    return nara__session_fail(s, NARA_MALFORMED, "unknown message type"); /* NEVER */
}

nara_err_t nara_session_receive(nara_session_t *s, const uint8_t *msg, size_t len, uint64_t wall_ms)
{
    nara__wire_in_t in;
    nara__msg_t m;
    nara_err_t err;
    if (!s || (!msg && len > 0))
        return NARA_INVAL;
    if (ended(s))
        return NARA_CLOSED;
    s->stats.messages_in++;
    s->stats.bytes_in += len;
    if (len > s->max_message)
        return nara__session_fail(s, NARA_TOO_LARGE, "message exceeds the size limit");
    /* Every message is a fixarray with its type first (wire.c): EVENTS and
     * ACK decode into arrays made at the first one. */
    if (len >= 2 && (msg[1] == NARA__MSG_EVENTS || msg[1] == NARA__MSG_ACK) &&
        nara__flow_ensure_receive(s) != NARA_OK)
        return nara__session_fail(s, NARA_NOMEM, "out of memory");
    in = (nara__wire_in_t){allowed_now(s), s->max_batch, s->in_events, s->entries, s->rc_in};
    err = nara__wire_decode(msg, len, &in, &m);
    if (err != NARA_OK)
        return nara__session_fail(s, err, nara_strerror(err));
    err = dispatch(s, &m, wall_ms);
    nara__feeds_free(&m.vv);
    return err;
}

/* ---- sending ------------------------------------------------------------ */

/* Account for a message about to be handed out. */
static void emitted(nara_session_t *s, nara__msg_type_t type, nara_bytes_t *msg)
{
    s->stats.messages_out++;
    s->stats.bytes_out += msg->len;
    if (type == NARA__MSG_ACK)
        s->acks_out++;
    if (type == NARA__MSG_SYNCED) {
        s->sent_synced = true;
        both_synced(s);
    }
    if (type == NARA__MSG_BYE)
        s->state = NARA_SESSION_CLOSED;
}

static void pop(nara_session_t *s, nara_bytes_t *msg)
{
    nara__qmsg_t *q = s->qhead;
    s->qhead = q->next;
    if (!s->qhead)
        s->qtail = NULL;
    s->last = q;
    msg->bytes = q->bytes;
    msg->len = q->len;
    emitted(s, q->type, msg);
}

/* SYNCED or BYE, encoded into s->enc. */
static nara_err_t emit_simple(nara_session_t *s, nara__msg_type_t type, nara_bytes_t *msg)
{
    if (nara__wire_simple(&s->enc, type) != NARA_OK)
        return nara__session_fail(s, NARA_NOMEM, "out of memory");
    msg->bytes = s->enc.p;
    msg->len = s->enc.len;
    emitted(s, type, msg);
    return NARA_OK;
}

nara_err_t nara_session_output(nara_session_t *s, nara_bytes_t *msg, bool *has)
{
    nara_err_t err;
    if (!s || !msg || !has)
        return NARA_INVAL;
    *has = false;
    free(s->last);
    s->last = NULL;
    if (s->qhead) {
        pop(s, msg);
        *has = true;
        return NARA_OK;
    }
    if (ended(s))
        return NARA_CLOSED;
    if (s->closing) {
        *has = true;
        return emit_simple(s, NARA__MSG_BYE, msg);
    }
    if (!s->authed)
        return NARA_OK;
    err = nara__flow_next(s, msg, has);
    if (err != NARA_OK || *has) {
        if (*has)
            emitted(s, NARA__MSG_EVENTS, msg);
        return err;
    }
    if (s->catchup_done && !s->sent_synced) {
        *has = true;
        return emit_simple(s, NARA__MSG_SYNCED, msg);
    }
    return NARA_OK;
}

nara_err_t nara_session_log_grew(nara_session_t *s)
{
    if (!s)
        return NARA_INVAL;
    if (ended(s))
        return NARA_CLOSED;
    if (s->opt.live)
        s->grew = true;
    return NARA_OK;
}

nara_err_t nara_session_close(nara_session_t *s)
{
    if (!s)
        return NARA_INVAL;
    if (ended(s))
        return NARA_CLOSED;
    s->closing = true;
    return NARA_OK;
}

/* ---- inspection --------------------------------------------------------- */

nara_session_state_t nara_session_state(const nara_session_t *s)
{
    return s ? s->state : NARA_SESSION_FAILED;
}

bool nara_session_done(const nara_session_t *s)
{
    return s && !s->server && s->state == NARA_SESSION_SYNCED && s->acks_in == s->batches_out &&
           !s->qhead;
}

const nara_grown_t *nara_session_grown(const nara_session_t *s)
{
    return s ? &s->grown : NULL;
}

const nara_session_stats_t *nara_session_stats(const nara_session_t *s)
{
    return s ? &s->stats : NULL;
}

bool nara_session_peer(const nara_session_t *s, uint8_t pk[NARA_PUBLICKEY_BYTES])
{
    if (!s || !s->peer_proven || (s->server && !s->authed))
        return false;
    memcpy(pk, s->peer_pk, NARA_PUBLICKEY_BYTES);
    return true;
}

nara_err_t nara_session_error(const nara_session_t *s, const char **text)
{
    if (text)
        *text = s ? s->err_text : "";
    return s ? s->err : NARA_INVAL;
}

void nara_session_each_refused(const nara_session_t *s,
                               void (*fn)(void *ctx, const uint8_t id[NARA_ID_BYTES],
                                          nara_err_t code),
                               void *ctx)
{
    if (!s || !fn)
        return;
    for (size_t i = 0; i < s->n_refused; i++)
        fn(ctx, s->refused[i].id, s->refused[i].code);
}
