/*
 * wsclient.c - in-process sync clients over libwebsockets (see wsclient.h).
 *
 * Design: as in the lws minimal examples, RECEIVE only reassembles and hands
 * whole messages on; lws_write happens only in WRITEABLE, one frame per
 * call.  Acknowledgement tracking reads the bytes on the wire, not the
 * session's counters, so it stays exact across drops: a batch whose ACK was
 * lost is simply never marked.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wsclient.h"

#define WC_RX_MAX (NARA_MAX_MESSAGE_BYTES + 64u)
#define WC_TX_MAX (2u * NARA_MAX_MESSAGE_BYTES)

/* ---- msgpack reading ---------------------------------------------------------- */

static bool mp_need(wc_mp_t *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    return true;
}

static uint64_t mp_be(wc_mp_t *r, size_t n)
{
    uint64_t v = 0;
    if (!mp_need(r, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | r->p[i];
    r->p += n;
    return v;
}

size_t wc_mp_array(wc_mp_t *r)
{
    if (!mp_need(r, 1))
        return 0;
    uint8_t b = *r->p++;
    if (b >= 0x90 && b <= 0x9f)
        return b & 0x0f;
    if (b == 0xdc)
        return (size_t)mp_be(r, 2);
    if (b == 0xdd)
        return (size_t)mp_be(r, 4);
    r->bad = true;
    return 0;
}

uint64_t wc_mp_uint(wc_mp_t *r)
{
    if (!mp_need(r, 1))
        return 0;
    uint8_t b = *r->p++;
    if (b <= 0x7f)
        return b;
    if (b >= 0xcc && b <= 0xcf)
        return mp_be(r, (size_t)1 << (b - 0xcc));
    r->bad = true;
    return 0;
}

const uint8_t *wc_mp_bin(wc_mp_t *r, size_t *len)
{
    if (!mp_need(r, 1))
        return NULL;
    uint8_t b = *r->p++;
    if (b < 0xc4 || b > 0xc6) {
        r->bad = true;
        return NULL;
    }
    *len = (size_t)mp_be(r, (size_t)1 << (b - 0xc4));
    if (!mp_need(r, *len))
        return NULL;
    const uint8_t *v = r->p;
    r->p += *len;
    return v;
}

/* ---- acknowledgement tracking ----------------------------------------------------- */

static void flight_clear(wc_flight_t *f)
{
    free(f->ids);
    memset(f, 0, sizeof *f);
}

static void flights_reset(wc_client_t *c)
{
    for (size_t i = 0; i < WC_WINDOW_RING; i++)
        flight_clear(&c->flights[i]);
}

/* An EVENTS message is going out: remember its batch and event ids. */
static void track_events(wc_client_t *c, const uint8_t *msg, size_t len)
{
    wc_mp_t r = {msg, msg + len, false};
    if (wc_mp_array(&r) != 3 || wc_mp_uint(&r) != 5 || r.bad)
        return;
    uint64_t batch = wc_mp_uint(&r);
    size_t n = wc_mp_array(&r);
    if (r.bad || n == 0 || n > NARA_MAX_BATCH_EVENTS)
        return;
    wc_flight_t *f = &c->flights[batch % WC_WINDOW_RING];
    flight_clear(f);
    f->batch_no = batch;
    f->ids = calloc(n, NARA_ID_BYTES);
    assert_non_null(f->ids);
    for (size_t i = 0; i < n; i++) {
        size_t elen = 0;
        const uint8_t *e = wc_mp_bin(&r, &elen);
        nara_event_t ev;
        if (e && nara_event_decode(e, elen, &ev) == NARA_OK)
            memcpy(f->ids[i], ev.id, NARA_ID_BYTES);
    }
    f->n = n;
}

/* An ACK came in: the batch's events not listed as refused are durable. */
static void track_ack(wc_client_t *c, const uint8_t *msg, size_t len)
{
    static const uint8_t zero[NARA_ID_BYTES];
    wc_mp_t r = {msg, msg + len, false};
    if (wc_mp_array(&r) < 5 || wc_mp_uint(&r) != 6 || r.bad) /* 6 with a receipt */
        return;
    uint64_t batch = wc_mp_uint(&r);
    uint64_t added = wc_mp_uint(&r), dup = wc_mp_uint(&r);
    size_t k = wc_mp_array(&r);
    wc_flight_t *f = &c->flights[batch % WC_WINDOW_RING];
    if (r.bad || f->batch_no != batch || !f->ids)
        return;
    bool *refused = calloc(f->n ? f->n : 1, sizeof *refused);
    assert_non_null(refused);
    for (size_t i = 0; i < k; i++) {
        if (wc_mp_array(&r) != 2)
            break;
        uint64_t index = wc_mp_uint(&r);
        (void)wc_mp_uint(&r);
        if (!r.bad && index < f->n)
            refused[index] = true;
    }
    for (size_t i = 0; i < f->n; i++)
        if (!refused[i] && memcmp(f->ids[i], zero, NARA_ID_BYTES) != 0)
            pr_ids_add(&c->acked, f->ids[i]);
    c->acked_added += added;
    c->acked_duplicate += dup;
    c->acked_refused += k;
    free(refused);
    flight_clear(f);
}

/* ---- the client ------------------------------------------------------------------- */

wc_client_t *wc_client_new(const nara_keypair_t *kp, const uint8_t *server_pk, const uint8_t *root)
{
    wc_client_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    if (kp)
        c->kp = *kp;
    else
        assert_int_equal(nara_keypair_generate(&c->kp), NARA_OK);
    assert_int_equal(nara_store_open(":memory:", &c->store), NARA_OK);
    if (root)
        assert_int_equal(nara_domain_open(c->store, root, NULL, &c->domain), NARA_OK);
    c->server_pk = server_pk;
    c->path = "/sync";
    c->rx = malloc(WC_RX_MAX);
    c->tx = malloc(LWS_PRE + WC_TX_MAX);
    assert_non_null(c->rx);
    assert_non_null(c->tx);
    return c;
}

static void queue_clear(wc_client_t *c)
{
    for (size_t i = 0; i < c->n_queue; i++)
        free(c->queue[i]);
    c->n_queue = 0;
}

void wc_client_free(wc_client_t *c)
{
    if (!c)
        return;
    nara_session_free(c->session);
    nara_domain_close(c->domain);
    nara_store_close(c->store);
    flights_reset(c);
    queue_clear(c);
    for (size_t i = 0; i < c->n_rec; i++)
        free(c->rec[i]);
    pr_ids_free(&c->acked);
    nara_keypair_wipe(&c->kp);
    free(c->rx);
    free(c->tx);
    free(c);
}

void wc_send(wc_client_t *c, const uint8_t *msg, size_t len)
{
    assert_true(c->n_queue < 8);
    c->queue[c->n_queue] = malloc(len ? len : 1);
    assert_non_null(c->queue[c->n_queue]);
    memcpy(c->queue[c->n_queue], msg, len);
    c->queue_len[c->n_queue++] = len;
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

bool wc_session_ok(const wc_client_t *c)
{
    const char *text;
    return c->session && nara_session_state(c->session) == NARA_SESSION_CLOSED &&
           nara_session_error(c->session, &text) == NARA_OK && c->clean;
}

void wc_close(wc_client_t *c)
{
    if (!c->session || !c->wsi || c->finished)
        return;
    c->clean = nara_session_done(c->session);
    nara_session_close(c->session);
    lws_callback_on_writable(c->wsi);
}

/* The next message into tx: from the script queue, or the session (which
 * says BYE once a one-shot sync is done).  false if there is none. */
static bool load_next(wc_client_t *c)
{
    if (c->script) {
        if (!c->n_queue)
            return false;
        assert_true(c->queue_len[0] <= WC_TX_MAX);
        memcpy(c->tx + LWS_PRE, c->queue[0], c->queue_len[0]);
        c->tx_len = c->queue_len[0];
        free(c->queue[0]);
        memmove(c->queue, c->queue + 1, (c->n_queue - 1) * sizeof c->queue[0]);
        memmove(c->queue_len, c->queue_len + 1, (c->n_queue - 1) * sizeof c->queue_len[0]);
        c->n_queue--;
        c->tx_off = 0;
        return true;
    }
    nara_bytes_t msg;
    bool has = false;
    nara_err_t err = nara_session_output(c->session, &msg, &has);
    if (err == NARA_OK && !has && !c->live && nara_session_done(c->session)) {
        c->clean = true; /* caught up, everything acknowledged */
        nara_session_close(c->session);
        err = nara_session_output(c->session, &msg, &has);
    }
    if (err != NARA_OK || !has)
        return false;
    assert_true(msg.len <= NARA_MAX_MESSAGE_BYTES);
    memcpy(c->tx + LWS_PRE, msg.bytes, msg.len);
    c->tx_len = msg.len;
    if (c->tamper)
        c->tx_len = c->tamper(c, c->tx + LWS_PRE, c->tx_len, WC_TX_MAX);
    if (c->record && c->n_rec < WC_RECORD_MAX) {
        c->rec[c->n_rec] = malloc(c->tx_len);
        assert_non_null(c->rec[c->n_rec]);
        memcpy(c->rec[c->n_rec], c->tx + LWS_PRE, c->tx_len);
        c->rec_len[c->n_rec++] = c->tx_len;
    }
    track_events(c, c->tx + LWS_PRE, c->tx_len);
    c->tx_off = 0;
    return true;
}

static int send_frame(wc_client_t *c)
{
    size_t left = c->tx_len - c->tx_off;
    size_t n = c->fragment && c->fragment < left ? c->fragment : left;
    int flags = lws_write_ws_flags(LWS_WRITE_BINARY, c->tx_off == 0, n == left);
    if (lws_write(c->wsi, c->tx + LWS_PRE + c->tx_off, n, (enum lws_write_protocol)flags) < (int)n)
        return -1;
    c->tx_off += n;
    lws_callback_on_writable(c->wsi);
    return 0;
}

static int on_writeable(wc_client_t *c)
{
    if (c->tx_off < c->tx_len)
        return send_frame(c);
    if (load_next(c))
        return send_frame(c);
    if (c->script)
        return c->script_done ? -1 : 0;
    nara_session_state_t st = nara_session_state(c->session);
    return st == NARA_SESSION_CLOSED || st == NARA_SESSION_FAILED ? -1 : 0;
}

static void on_established(wc_client_t *c)
{
    c->connected = true;
    if (c->script) {
        if (c->script(c, NULL, 0))
            c->script_done = true;
    } else {
        assert_int_equal(nara_session_start(c->session, pr_now_ms()), NARA_OK);
    }
    lws_callback_on_writable(c->wsi);
}

static int on_receive(wc_client_t *c, const void *in, size_t len)
{
    if (c->rx_len + len > WC_RX_MAX)
        return -1;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
        return 0;
    size_t n = c->rx_len;
    c->rx_len = 0;
    if (c->script) {
        if (c->script(c, c->rx, n))
            c->script_done = true;
    } else {
        track_ack(c, c->rx, n);
        nara_session_receive(c->session, c->rx, n, pr_now_ms());
    }
    lws_callback_on_writable(c->wsi);
    return 0;
}

static void on_finished(wc_client_t *c)
{
    if (c->finished)
        return;
    c->finished = true;
    c->wsi = NULL;
    if (c->session) {
        const nara_session_stats_t *st = nara_session_stats(c->session);
        c->received_total += st->events_received;
        c->added_total += st->events_added;
        if (wc_session_ok(c))
            c->sessions_ok++;
        else
            c->sessions_failed++;
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    wc_client_t *c = user;
    (void)wsi;
    if (!c)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        on_established(c);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(c, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(c);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2)
            c->close_status = ((const uint8_t *)in)[0] << 8 | ((const uint8_t *)in)[1];
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        c->conn_error = true;
        on_finished(c);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        on_finished(c);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {.name = "nara-sync.v1", .callback = callback, .rx_buffer_size = 16384},
    {.name = NULL},
};

/* lws_service sleeps until the next event; this timer makes it return at
 * least every WC_TICK_MS so that callers' deadlines are kept. */
#define WC_TICK_MS 10
typedef struct {
    lws_sorted_usec_list_t sul;
    struct lws_context *ctx;
} wc_tick_t;

static void tick(lws_sorted_usec_list_t *sul)
{
    wc_tick_t *t = lws_container_of(sul, wc_tick_t, sul);
    lws_sul_schedule(t->ctx, 0, &t->sul, tick, WC_TICK_MS * LWS_US_PER_MS);
}

struct lws_context *wc_context(void)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    wc_tick_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.timeout_secs = 15;
    info.connect_timeout_secs = 5;
    info.user = t;
    lws_set_log_level(LLL_ERR, NULL);
    t->ctx = lws_create_context(&info);
    assert_non_null(t->ctx);
    lws_sul_schedule(t->ctx, 0, &t->sul, tick, WC_TICK_MS * LWS_US_PER_MS);
    return t->ctx;
}

void wc_context_free(struct lws_context *ctx)
{
    if (!ctx)
        return;
    wc_tick_t *t = lws_context_user(ctx);
    lws_sul_cancel(&t->sul);
    lws_context_destroy(ctx);
    free(t);
}

void wc_connect(struct lws_context *ctx, wc_client_t *c, int port)
{
    nara_session_free(c->session);
    c->session = NULL;
    flights_reset(c);
    if (!c->script) {
        nara_session_options_t opt = {.live = c->live, .expected_server_pk = c->server_pk};
        assert_int_equal(nara_session_client_new(c->store, &c->kp, &opt, &c->session), NARA_OK);
    }
    c->connected = c->finished = c->conn_error = c->script_done = c->clean = false;
    c->close_status = 0;
    c->rx_len = c->tx_len = c->tx_off = 0;
    c->started_ms = pr_now_ms();
    c->connects++;
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = "127.0.0.1";
    ci.port = port;
    ci.path = c->path;
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.protocol = "nara-sync.v1";
    ci.userdata = c;
    ci.pwsi = &c->wsi;
    if (!lws_client_connect_via_info(&ci)) {
        c->conn_error = true;
        c->finished = true;
        c->wsi = NULL;
    }
}

bool wc_service_until(struct lws_context *ctx, wc_until_fn until, void *arg, unsigned timeout_ms)
{
    uint64_t deadline = pr_now_ms() + timeout_ms;
    while (!until(arg)) {
        if (pr_now_ms() > deadline)
            return false;
        lws_service(ctx, 0);
    }
    return true;
}

size_t wc_in_flight(const wc_client_t *c)
{
    size_t n = 0;
    for (size_t i = 0; i < WC_WINDOW_RING; i++)
        n += c->flights[i].ids != NULL;
    return n;
}

bool wc_is_finished(void *client)
{
    return ((wc_client_t *)client)->finished;
}

bool wc_all_finished(void *clients)
{
    for (wc_client_t **c = clients; *c; c++)
        if (!(*c)->finished)
            return false;
    return true;
}

bool wc_sync(wc_client_t *c, int port, unsigned timeout_ms)
{
    struct lws_context *ctx = wc_context();
    wc_connect(ctx, c, port);
    bool ended = wc_service_until(ctx, wc_is_finished, c, timeout_ms);
    wc_context_free(ctx);
    if (!ended)
        on_finished(c); /* the context is gone: the connection too */
    return ended && wc_session_ok(c);
}
