/*
 * sync.c - the nara-sync.v1 WebSocket protocol: one server nara_session_t
 * per connection, driven by the lws callback below.
 *
 * Design notes
 * ------------
 *  1. RECEIVE reassembles fragments into c->rx (at most the session's
 *     max_message_bytes; NARAD_FIRST_MESSAGE_MAX until the session has
 *     received HELLO, and the AUTH limit of message_max() until it is
 *     authenticated; beyond that the connection is closed with 1009
 *     "message too big") and hands each whole message to
 *     nara_session_receive.  Merges therefore run inline on the service
 *     thread; a batch is bounded by NARA_MAX_BATCH_EVENTS so one peer
 *     delays the others by at most one batch (docs/server.md gives the
 *     measured worst case).
 *  2. lws_write happens only in SERVER_WRITEABLE, one message per call:
 *     the session's next message is copied behind LWS_PRE headroom into
 *     c->tx and written at once.  c->rx and c->tx grow on demand and are
 *     freed after a message that made them exceed NARAD_BUF_KEEP.  After
 *     each received message the connection's receive is paused until a
 *     WRITEABLE finds nothing more to send, so a peer that sends without
 *     reading cannot make the session queue grow: the queue is bounded by
 *     what one message causes.
 *  3. A merge that added events bumps srv->log_gen and tells every other
 *     authenticated session whose device may read one of the streams it
 *     added to (nara_session_grown; every session when there were many, and
 *     the province stream is readable by all, so enrolments reach everyone)
 *     with nara_session_log_grew; its next WRITEABLE sends what its peer now
 *     lacks: the live push.  A session no new event concerns is not woken.
 *  4. A session that is CLOSED or FAILED is closed by the server once its
 *     last message (BYE or ERROR) has gone out: the WRITEABLE after it
 *     (called only once lws flushed that write) finds nothing and closes.
 *  5. Timeouts: the handshake must finish within NARAD_HANDSHAKE_TIMEOUT_S;
 *     a session still catching up is closed after NARAD_IDLE_TIMEOUT_S of
 *     silence; a live (SYNCED) session is kept and only pinged (vhost idle
 *     policy).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "narad.h"

/* ---- connection list ---------------------------------------------------- */

static void conn_link(narad_t *srv, narad_conn_t *c)
{
    c->prev = NULL;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->n_conns++;
}

static void conn_unlink(narad_t *srv, narad_conn_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    srv->n_conns--;
}

/* ---- small helpers ------------------------------------------------------ */

static bool session_authed(const narad_conn_t *c)
{
    nara_session_state_t st = nara_session_state(c->session);
    return st == NARA_SESSION_SYNCING || st == NARA_SESSION_SYNCED;
}

static bool session_ended(const narad_conn_t *c)
{
    nara_session_state_t st = nara_session_state(c->session);
    return st == NARA_SESSION_CLOSED || st == NARA_SESSION_FAILED;
}

static void device_hex(const narad_conn_t *c, char out[17])
{
    if (c->has_device)
        narad__short_hex(c->device, out);
    else
        strcpy(out, "-");
}

/* Fold the session's counters into the server's metrics (deltas since the
 * last call).  Returns how many events the last calls added. */
static uint64_t account(narad_conn_t *c)
{
    const nara_session_stats_t *st = nara_session_stats(c->session);
    narad_metrics_t *m = &c->srv->m;
    uint64_t added = st->events_added - c->added_seen;
    m->events_added += added;
    m->events_received += st->events_received - c->received_seen;
    m->events_rejected += st->events_rejected - c->rejected_seen;
    m->bytes_in += st->bytes_in - c->bytes_in_seen;
    m->bytes_out += st->bytes_out - c->bytes_out_seen;
    c->added_seen = st->events_added;
    c->received_seen = st->events_received;
    c->rejected_seen = st->events_rejected;
    c->bytes_in_seen = st->bytes_in;
    c->bytes_out_seen = st->bytes_out;
    return added;
}

/* Refresh the lws timeout for the session's state (note 5). */
static void arm_timeout(narad_conn_t *c)
{
    switch (nara_session_state(c->session)) {
    case NARA_SESSION_SYNCING:
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, NARAD_IDLE_TIMEOUT_S);
        break;
    case NARA_SESSION_SYNCED:
        lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
        break;
    default: /* handshake: its deadline is not extended by traffic */
        break;
    }
}

/* ---- output ------------------------------------------------------------- */

static bool tx_reserve(narad_conn_t *c, size_t len)
{
    if (LWS_PRE + len <= c->tx_cap)
        return true;
    size_t cap = LWS_PRE + len;
    uint8_t *p = realloc(c->tx, cap);
    if (!p)
        return false;
    c->tx = p;
    c->tx_cap = cap;
    return true;
}

/* Large buffers are not kept between messages (note 2). */
static void trim(uint8_t **buf, size_t *cap)
{
    if (*cap > LWS_PRE + NARAD_BUF_KEEP) {
        free(*buf);
        *buf = NULL;
        *cap = 0;
    }
}

/* Copy the session's next message behind LWS_PRE headroom.  Returns its
 * length, 0 if there is nothing to send now.  A session that fails here
 * still yields its ERROR on the second attempt. */
static size_t next_message(narad_conn_t *c)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        nara_bytes_t msg;
        bool has = false;
        nara_err_t err = nara_session_output(c->session, &msg, &has);
        if (err == NARA_CLOSED)
            return 0;
        if (err != NARA_OK) {
            narad__log("%s session output failed: %s", c->peer, nara_err_name(err));
            continue;
        }
        if (!has)
            return 0;
        if (!tx_reserve(c, msg.len)) {
            narad__log("%s out of memory for a %zu-byte message", c->peer, msg.len);
            return 0;
        }
        memcpy(c->tx + LWS_PRE, msg.bytes, msg.len);
        return msg.len;
    }
    return 0;
}

static void rx_pause(narad_conn_t *c, bool pause)
{
    if (pause != c->rx_paused) {
        lws_rx_flow_control(c->wsi, pause ? 0 : 1);
        c->rx_paused = pause;
    }
}

/* Could c's device read any of the streams the merge added to? */
static bool reads_any(narad_conn_t *c, const nara_grown_t *g)
{
    if (g == NULL || g->many || !c->has_device)
        return true;
    for (size_t k = 0; k < g->n; k++)
        if (narad__may_read_stream(c->srv, c->device, g->stream[k]))
            return true;
    return false;
}

/* Note 3: every other authenticated session whose device may read a stream
 * that grew learns that the log grew. */
static void push_live(narad_conn_t *from)
{
    narad_t *srv = from->srv;
    const nara_grown_t *g = nara_session_grown(from->session);
    srv->log_gen++;
    for (narad_conn_t *c = srv->conns; c; c = c->next) {
        if (c == from || !c->session || !session_authed(c) || !reads_any(c, g))
            continue;
        nara_err_t err = nara_session_log_grew(c->session);
        srv->m.live_wakes++;
        if (err != NARA_OK && err != NARA_CLOSED)
            narad__log("%s live push failed: %s", c->peer, nara_err_name(err));
        lws_callback_on_writable(c->wsi);
    }
}

/* Note 2: one message per call; receive resumes once nothing is left. */
static int on_writeable(narad_conn_t *c)
{
    size_t len = next_message(c);
    if (!len) {
        rx_pause(c, false);
        if (!session_ended(c))
            return 0;
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    if (lws_write(c->wsi, c->tx + LWS_PRE, len, LWS_WRITE_BINARY) < (int)len)
        return -1;
    trim(&c->tx, &c->tx_cap);
    c->last_ms = narad__now_ms();
    account(c);
    arm_timeout(c);
    lws_callback_on_writable(c->wsi); /* there may be more */
    return 0;
}

/* ---- input -------------------------------------------------------------- */

/* The session failed on a message: a refused handshake or a broken peer. */
static void log_failure(narad_conn_t *c, nara_err_t err)
{
    const char *text = NULL;
    char dev[17];
    bool auth = err == NARA_AUTH || err == NARA_UNENROLLED || err == NARA_REVOKED;
    if (auth)
        c->srv->m.auth_failures++;
    device_hex(c, dev);
    nara_session_error(c->session, &text);
    narad__log("%s %s device %s: %s (%s)", auth ? "refused" : "session failed with", c->peer, dev,
               nara_err_name(err), text && *text ? text : nara_strerror(err));
}

/* nara_session_receive, timed into receive_seconds_max. */
static nara_err_t receive_timed(narad_conn_t *c, double *secs)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    nara_err_t err = nara_session_receive(c->session, c->rx, c->rx_len, narad__now_ms());
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (*secs > c->srv->m.receive_seconds_max)
        c->srv->m.receive_seconds_max = *secs;
    c->rx_len = 0;
    trim(&c->rx, &c->rx_cap);
    c->last_ms = narad__now_ms();
    return err;
}

/* -v: the handshake's end and each batch. */
static void log_verbose(narad_conn_t *c, bool was_authed, uint64_t received, uint64_t added,
                        uint64_t rejected, double secs)
{
    char dev[17];
    device_hex(c, dev);
    if (!was_authed && session_authed(c))
        narad__log("%s device %s authenticated", c->peer, dev);
    if (received)
        narad__log("%s device %s batch: %llu events, %llu added, %llu refused, %.3f s", c->peer,
                   dev, (unsigned long long)received, (unsigned long long)added,
                   (unsigned long long)rejected, secs);
}

/* One whole message: merge it (inline), account, push live, ask to write. */
static void deliver(narad_conn_t *c)
{
    bool was_authed = session_authed(c);
    uint64_t received0 = c->received_seen, rejected0 = c->rejected_seen;
    double secs;
    nara_err_t err = receive_timed(c, &secs);
    uint64_t added = account(c);
    if (err != NARA_OK && err != NARA_CLOSED)
        log_failure(c, err);
    if (c->srv->cfg.verbose)
        log_verbose(c, was_authed, c->received_seen - received0, added,
                    c->rejected_seen - rejected0, secs);
    if (added) {
        push_live(c);
        narad__tlog_check_key(c->srv); /* the enrolment may just have arrived */
    }
    arm_timeout(c);
    rx_pause(c, true); /* until WRITEABLE has sent what this message caused */
    lws_callback_on_writable(c->wsi);
}

/* The largest AUTH this connection may send (NARAD_AUTH_BASE, narad.h). */
static size_t auth_max(narad_conn_t *c)
{
    if (c->auth_max == 0) {
        nara_store_counts_t n;
        uint64_t feeds = nara_store_counts(c->srv->store, &n) == NARA_OK ? n.feeds : 0;
        uint64_t max = NARAD_AUTH_BASE + 112u * (feeds + NARAD_AUTH_SPARE_FEEDS);
        c->auth_max = max < NARA_MAX_MESSAGE_BYTES ? (size_t)max : NARA_MAX_MESSAGE_BYTES;
    }
    return c->auth_max;
}

/* Before HELLO nobody is known, and before AUTH nobody is proven: an
 * unauthenticated peer may not make narad hold a 1 MiB buffer
 * (docs/server.md, limits). */
static size_t message_max(narad_conn_t *c, const char **which)
{
    switch (nara_session_state(c->session)) {
    case NARA_SESSION_NEW:
        *which = "first ";
        return NARAD_FIRST_MESSAGE_MAX;
    case NARA_SESSION_AUTH:
        *which = "unauthenticated ";
        return auth_max(c);
    default:
        *which = "";
        return NARA_MAX_MESSAGE_BYTES;
    }
}

static int on_receive(narad_conn_t *c, const uint8_t *in, size_t len)
{
    const char *which;
    size_t max = message_max(c, &which);
    if (c->rx_len + len > max) {
        char dev[17];
        device_hex(c, dev);
        static const char too_big[] = "message too big";
        narad__log("refused %s device %s: %smessage over %zu bytes", c->peer, dev, which, max);
        c->why = too_big;
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)too_big,
                         sizeof too_big - 1);
        return -1;
    }
    if (c->rx_len + len > c->rx_cap) {
        size_t cap = c->rx_cap ? c->rx_cap : NARAD_RX_CHUNK;
        while (cap < c->rx_len + len)
            cap *= 2;
        if (cap > max)
            cap = max;
        uint8_t *p = realloc(c->rx, cap);
        if (!p)
            return -1;
        c->rx = p;
        c->rx_cap = cap;
    }
    if (len)
        memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (lws_is_final_fragment(c->wsi) && !lws_remaining_packet_payload(c->wsi))
        deliver(c);
    return 0;
}

/* ---- connection life ---------------------------------------------------- */

/* Refuse the upgrade unless it is for /sync and the server takes more. */
static int on_filter(narad_t *srv, struct lws *wsi)
{
    char uri[64] = "", peer[64] = "?";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0 ||
        strcmp(uri, NARAD_SYNC_PATH) != 0) {
        narad__log("refused %s: WebSocket path is not %s", peer, NARAD_SYNC_PATH);
        srv->m.refused_connections++;
        return 1;
    }
    if (srv->draining || srv->n_conns >= srv->cfg.max_connections) {
        narad__log("refused %s: %s", peer,
                   srv->draining ? "server is stopping" : "too many connections");
        srv->m.refused_connections++;
        return 1;
    }
    return 0;
}

static int on_established(narad_t *srv, narad_conn_t *c, struct lws *wsi)
{
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    c->srv = srv;
    c->started_ms = c->last_ms = narad__now_ms();
    strcpy(c->peer, "?");
    lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
    narad__policy_init(c);
    nara_session_options_t opt = {.live = true, .log = &srv->log};
    nara_err_t err = nara_session_server_new(srv->store, &srv->kp, &c->policy, &opt, &c->session);
    if (err != NARA_OK) {
        narad__log("refused %s: cannot create a session: %s", c->peer, nara_err_name(err));
        return -1;
    }
    conn_link(srv, c);
    srv->m.sessions_total++;
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, NARAD_HANDSHAKE_TIMEOUT_S);
    return 0;
}

/* Have about `secs` passed since `since_ms` (so an lws timeout fired)? */
static bool passed(uint64_t since_ms, unsigned secs)
{
    return narad__now_ms() - since_ms + 250u >= secs * 1000u;
}

static const char *outcome(const narad_conn_t *c, const char **detail)
{
    *detail = "";
    if (c->why)
        return c->why;
    if (c->refused != NARA_OK)
        return nara_err_name(c->refused);
    switch (nara_session_state(c->session)) {
    case NARA_SESSION_CLOSED:
        return "closed";
    case NARA_SESSION_FAILED: {
        nara_err_t err = nara_session_error(c->session, detail);
        if (!*detail)
            *detail = "";
        return nara_err_name(err);
    }
    case NARA_SESSION_SYNCED:
        return "dropped while live";
    case NARA_SESSION_SYNCING:
        return passed(c->last_ms, NARAD_IDLE_TIMEOUT_S) ? "idle timeout" : "dropped while syncing";
    default:
        return passed(c->started_ms, NARAD_HANDSHAKE_TIMEOUT_S) ? "handshake timeout"
                                                                : "dropped during the handshake";
    }
}

static void on_closed(narad_t *srv, narad_conn_t *c)
{
    if (!c->session)
        return;
    account(c);
    const nara_session_stats_t *st = nara_session_stats(c->session);
    const char *detail;
    const char *what = outcome(c, &detail);
    char dev[17];
    device_hex(c, dev);
    narad__log("%s device %s: %s%s%s (received %llu, added %llu, refused %llu, sent %llu, "
               "%.1f s)",
               c->peer, dev, what, *detail ? ": " : "", detail,
               (unsigned long long)st->events_received, (unsigned long long)st->events_added,
               (unsigned long long)st->events_rejected, (unsigned long long)st->events_sent,
               (double)(narad__now_ms() - c->started_ms) / 1000.0);
    conn_unlink(srv, c);
    nara_session_free(c->session);
    c->session = NULL;
    free(c->rx);
    free(c->tx);
    c->rx = c->tx = NULL;
}

void narad__sync_drain(narad_t *srv)
{
    srv->draining = true;
    for (narad_conn_t *c = srv->conns; c; c = c->next) {
        if (!session_ended(c))
            nara_session_close(c->session);
        lws_callback_on_writable(c->wsi);
    }
}

int narad__sync_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    narad_conn_t *c = user;
    narad_t *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return on_filter(srv, wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return on_established(srv, c, wsi);
    case LWS_CALLBACK_RECEIVE:
        return c->session ? on_receive(c, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c->session ? on_writeable(c) : -1;
    case LWS_CALLBACK_CLOSED:
        on_closed(srv, c);
        return 0;
    default:
        return 0;
    }
}
