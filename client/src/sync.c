/*
 * sync.c - the libwebsockets client around a nara client session (contract
 * in sync.h).  Laid out as the libwebsockets minimal ws-client example: one
 * protocol callback with a switch on the reason, a connection object that
 * owns the retry timer, and a constant backoff table.
 *
 * Design notes
 * ------------
 * Lifetimes: one conn_t for the whole run (the lws context user).  Per
 * connection attempt: the session, the wsi, the receive buffer contents and
 * the per-attempt flags, reset by attempt_start() and released by
 * attempt_end(), which every way out of a connection reaches exactly once
 * (guarded by `active`).
 *
 * Invariants:
 *  1. RECEIVE only reassembles and hands whole messages to
 *     nara_session_receive (which merges durably before acknowledging);
 *     lws_write happens only in WRITEABLE, one session message per call.
 *  2. A message larger than NARA_MAX_MESSAGE_BYTES, or a text frame, ends
 *     the connection before anything of it is parsed.
 *  3. After each write another WRITEABLE is requested, so a queued BYE or
 *     ERROR is flushed before the connection is closed (output returns
 *     NARA_CLOSED once nothing is left).
 *  4. The session is told about local appends (log_grew) only after the
 *     vector it reads from changed; `told` is the vector at that moment.
 *  5. Reconnect delays come from backoff_ms[] only, +-20 % jitter; the index
 *     returns to 0 whenever a sync completes.
 *
 * States of one attempt:
 *   connect_via_info --ESTABLISHED--> session started --done (one-shot)-->
 *   close() --BYE written--> output CLOSED --> return -1 --> CLOSED --> end
 *   any --CONNECTION_ERROR / CLOSED / fatal error--> end
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "nara_cli.h"
#include "sync.h"

/* Reconnect policy: 1 s doubling to 60 s, each +-20 % (jitter_pct). */
static const uint32_t backoff_ms[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000};
#define BACKOFF_STEPS (sizeof backoff_ms / sizeof backoff_ms[0])
#define JITTER_PCT 20

/* Idle policy handed to libwebsockets: ping after 30 s of silence, hang up
 * after 75 s without a valid answer. */
static const lws_retry_bo_t idle_policy = {
    .retry_ms_table = backoff_ms,
    .retry_ms_table_count = BACKOFF_STEPS,
    .conceal_count = BACKOFF_STEPS,
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 75,
    .jitter_percent = JITTER_PCT,
};

#define TICK_US (250 * LWS_USEC_PER_SEC / 1000)
#define POLL_TICKS 4          /* watch: look at the local vector every second */
#define PROGRESS_MS 500       /* at most two progress lines per second */
#define CLOSE_GRACE_MS 2000   /* after a signal, wait this long for BYE */

static volatile sig_atomic_t signalled;

static void on_signal(int sig)
{
    (void)sig;
    signalled = 1;
}

typedef struct {
    const nara_sync_opts_t *o;
    nara_store_t *store;
    const nara_keypair_t *kp;
    nara_sync_result_t *r;
    struct lws_context *ctx;
    lws_sorted_usec_list_t sul_connect, sul_tick;
    unsigned backoff; /* index into backoff_ms */
    bool stop;
    bool has_pin;
    uint8_t pin[NARA_PUBLICKEY_BYTES]; /* key to require on the next connection */
    uint8_t *rx, *tx;
    unsigned ticks;
    uint64_t close_deadline;
    uint64_t last_progress_ms;
    uint64_t printed_sig;

    /* per attempt */
    bool active, established, closing, proven, was_done, done_now;
    struct lws *wsi;
    nara_session_t *s;
    size_t rx_len;
    nara_err_t att_err;
    char att_text[256], att_local[320], att_id[320]; /* English, the environment's, Indonesian */
    nara_vv_t told;
    uint64_t told_sig;
    nara_tree_head_t last; /* the pinned tree head of this attempt */
} conn_t;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- URL ------------------------------------------------------------------------ */

bool nara_url_parse(const char *s, nara_url_t *u, nara_msg_id_t *why)
{
    memset(u, 0, sizeof *u);
    const char *p;
    if (strncmp(s, "ws://", 5) == 0) {
        p = s + 5;
    } else if (strncmp(s, "wss://", 6) == 0) {
        p = s + 6;
        u->tls = true;
    } else {
        *why = NARA_MSG_ERR_URL_SCHEME;
        return false;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof u->host) {
        *why = NARA_MSG_ERR_URL_HOST;
        return false;
    }
    memcpy(u->host, p, hl);
    p += hl;
    u->port = u->tls ? 443 : 80;
    if (*p == ':') {
        char *end = NULL;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535 || (*end && *end != '/')) {
            *why = NARA_MSG_ERR_URL_PORT;
            return false;
        }
        u->port = (int)port;
        p = end;
    }
    snprintf(u->path, sizeof u->path, "%s", *p ? p : NARA_SYNC_PATH);
    return true;
}

/* ---- helpers --------------------------------------------------------------------- */

/* The cause of a failed attempt: catalogued message `id` with its arguments. */
static void att_fail(conn_t *c, nara_err_t err, nara_msg_id_t id, ...)
{
    va_list ap, ap2;
    if (c->att_err != NARA_OK)
        return; /* keep the first cause */
    c->att_err = err;
    va_start(ap, id);
    va_copy(ap2, ap);
    nara_msg_vformat2(c->att_text, sizeof c->att_text, c->att_local, sizeof c->att_local, NARA_OK,
                      id, ap);
    nara_msg_vformat(NARA_LANG_ID, c->att_id, sizeof c->att_id, NARA_OK, id, ap2);
    va_end(ap2);
    va_end(ap);
}

/* "could not connect to HOST:PORT: <why>" in one language; libwebsockets'
 * own reason (in) stays as it wrote it. */
static void connect_text(const conn_t *c, nara_lang_t lang, const char *in, char *out, size_t cap)
{
    bool tls_hint = c->o->url.tls && !c->o->insecure && in && strstr(in, "SSL");
    nara_msg_format(lang, out, cap, NARA_MSG_SYNC_ATT_CONNECT, c->o->url.host, c->o->url.port,
                    in ? in : nara_msg_in(lang, NARA_MSG_SYNC_CONNECT_FAILED),
                    tls_hint ? nara_msg_in(lang, NARA_MSG_SYNC_TLS_HINT) : "");
}

static void connect_failed(conn_t *c, const char *in)
{
    if (c->att_err != NARA_OK)
        return; /* keep the first cause */
    c->att_err = NARA_CONNECT;
    connect_text(c, NARA_LANG_EN, in, c->att_text, sizeof c->att_text);
    connect_text(c, nara_msg_lang(), in, c->att_local, sizeof c->att_local);
    connect_text(c, NARA_LANG_ID, in, c->att_id, sizeof c->att_id);
}

/* A fingerprint of a vector: changes whenever any feed grows. */
static uint64_t vv_sig(const nara_vv_t *vv)
{
    uint64_t sig = vv->n;
    for (size_t i = 0; i < vv->n; i++)
        sig += vv->feeds[i].seq;
    return sig;
}

/* Refresh `told`; true if the log grew since the last call. */
static bool refresh_told(conn_t *c)
{
    nara_vv_t vv;
    if (nara_store_vv(c->store, &vv) != NARA_OK)
        return false;
    uint64_t sig = vv_sig(&vv);
    bool grew = sig != c->told_sig;
    nara_vv_free(&c->told);
    c->told = vv;
    c->told_sig = sig;
    return grew;
}

static void progress(conn_t *c, bool final)
{
    const nara_session_stats_t *st = c->s ? nara_session_stats(c->s) : NULL;
    if (!c->o->progress || st == NULL)
        return;
    uint64_t now = mono_ms(), sig = st->events_sent + st->events_acked + st->events_received;
    if (sig == c->printed_sig || (!final && now - c->last_progress_ms < PROGRESS_MS))
        return;
    c->last_progress_ms = now;
    c->printed_sig = sig;
    fprintf(stderr, nara_msg(NARA_MSG_SYNC_PROGRESS),
            (unsigned long long)(c->r->total.events_sent + st->events_sent),
            (unsigned long long)(c->r->total.events_acked + st->events_acked),
            (unsigned long long)(c->r->total.events_received + st->events_received),
            (unsigned long long)(c->r->total.events_added + st->events_added));
}

static void add_stats(nara_session_stats_t *t, const nara_session_stats_t *s)
{
    t->messages_in += s->messages_in;
    t->messages_out += s->messages_out;
    t->bytes_in += s->bytes_in;
    t->bytes_out += s->bytes_out;
    t->events_sent += s->events_sent;
    t->events_acked += s->events_acked;
    t->events_received += s->events_received;
    t->events_added += s->events_added;
    t->events_rejected += s->events_rejected;
    t->round_trips += s->round_trips;
    t->errors_received += s->errors_received;
    t->receipts += s->receipts;
}

static void keep_refused(void *ctx, const uint8_t id[NARA_ID_BYTES], nara_err_t code)
{
    nara_sync_result_t *r = ctx;
    r->refused_total++;
    if (r->n_refused == NARA_SYNC_REFUSED_KEEP)
        return;
    memcpy(r->refused[r->n_refused].id, id, NARA_ID_BYTES);
    r->refused[r->n_refused++].code = code;
}

static uint64_t refused_now(const conn_t *c)
{
    return c->s ? nara_session_stats(c->s)->events_rejected : 0;
}

/* ---- attempts ------------------------------------------------------------------------ */

static void connect_cb(lws_sorted_usec_list_t *sul);

static void schedule_retry(conn_t *c)
{
    uint32_t base = backoff_ms[c->backoff < BACKOFF_STEPS ? c->backoff : BACKOFF_STEPS - 1];
    uint32_t span = base * 2 * JITTER_PCT / 100;
    uint32_t delay = base - base * JITTER_PCT / 100 + randombytes_uniform(span + 1);
    if (c->backoff < BACKOFF_STEPS)
        c->backoff++;
    fprintf(stderr, nara_msg(NARA_MSG_SYNC_RETRY),
            c->r->err_local[0] ? c->r->err_local : nara_msg(NARA_MSG_SYNC_DISCONNECTED),
            delay / 1000.0);
    lws_sul_schedule(c->ctx, 0, &c->sul_connect, connect_cb,
                     (lws_usec_t)delay * LWS_USEC_PER_SEC / 1000);
}

/* How the attempt ended, into c->r->err / err_text. */
static void classify(conn_t *c)
{
    const char *text = NULL;
    nara_err_t err = c->s ? nara_session_error(c->s, &text) : NARA_OK;
    if (err != NARA_OK) {
        c->r->err = err;
        bool extra = text && text[0] && strcmp(text, nara_strerror(err)) != 0;
        /* the peer's own detail (text) is the peer's words: kept as sent */
        snprintf(c->r->err_text, sizeof c->r->err_text, "%s (%s)%s%s", nara_strerror(err),
                 nara_err_name(err), extra ? ": " : "", extra ? text : "");
        snprintf(c->r->err_local, sizeof c->r->err_local, "%s (%s)%s%s", nara_err_text(err),
                 nara_err_name(err), extra ? ": " : "", extra ? text : "");
        snprintf(c->r->err_id, sizeof c->r->err_id, "%s (%s)%s%s",
                 nara_err_text_in(NARA_LANG_ID, err), nara_err_name(err), extra ? ": " : "",
                 extra ? text : "");
    } else if (c->att_err != NARA_OK) {
        c->r->err = c->att_err;
        snprintf(c->r->err_text, sizeof c->r->err_text, "%s", c->att_text);
        snprintf(c->r->err_local, sizeof c->r->err_local, "%s", c->att_local);
        snprintf(c->r->err_id, sizeof c->r->err_id, "%s", c->att_id);
    } else if (!c->o->watch && c->was_done) {
        c->r->err = NARA_OK;
        c->r->err_text[0] = c->r->err_local[0] = c->r->err_id[0] = '\0';
        c->r->done = true;
    } else {
        nara_msg_id_t why = signalled        ? NARA_MSG_SYNC_INTERRUPTED
                            : c->was_done    ? NARA_MSG_SYNC_LOST
                            : c->established ? NARA_MSG_SYNC_LOST_EARLY
                                             : NARA_MSG_SYNC_NO_CONNECT;
        c->r->err = NARA_CONNECT;
        nara_msg_format2(c->r->err_text, sizeof c->r->err_text, c->r->err_local,
                         sizeof c->r->err_local, NARA_OK, why);
        nara_msg_format(NARA_LANG_ID, c->r->err_id, sizeof c->r->err_id, why);
    }
}

static bool permanent(nara_err_t err)
{
    int code = nara_exit_for(err);
    return code == NARA_EXIT_REFUSED || code == NARA_EXIT_STORAGE;
}

/* The one way out of an attempt.  While the run is stopping (context being
 * destroyed) it only releases the attempt: the outcome was decided. */
static void attempt_end(conn_t *c)
{
    if (!c->active)
        return;
    c->active = false;
    c->wsi = NULL;
    progress(c, true);
    if (!c->stop)
        classify(c);
    if (c->s) {
        add_stats(&c->r->total, nara_session_stats(c->s));
        nara_session_each_refused(c->s, keep_refused, c->r);
    }
    nara_session_free(c->s);
    c->s = NULL;
    nara_vv_free(&c->told);
    if (c->stop || !c->o->watch || signalled || permanent(c->r->err))
        c->stop = true;
    else
        schedule_retry(c);
}

static void attempt_start(conn_t *c)
{
    struct lws_client_connect_info i;
    nara_session_options_t so;
    memset(&so, 0, sizeof so);
    so.live = c->o->watch;
    so.expected_server_pk = c->has_pin ? c->pin : NULL;
    so.receipts = c->o->receipts;
    if (c->o->hooks.last_head && c->o->hooks.last_head(c->o->hooks.ctx, &c->last))
        so.last_head = &c->last;
    c->active = true;
    c->established = c->closing = c->proven = c->was_done = c->done_now = false;
    c->rx_len = 0;
    c->att_err = NARA_OK;
    c->att_text[0] = c->att_local[0] = c->att_id[0] = '\0';
    c->told_sig = 0;
    if (nara_session_client_new(c->store, c->kp, &so, &c->s) != NARA_OK) {
        att_fail(c, NARA_NOMEM, NARA_MSG_SYNC_ATT_NOMEM);
        attempt_end(c); /* NOMEM is permanent: the run stops */
        return;
    }
    memset(&i, 0, sizeof i);
    i.context = c->ctx;
    i.address = c->o->url.host;
    i.port = c->o->url.port;
    i.path = c->o->url.path;
    i.host = i.address;
    i.origin = i.address;
    i.protocol = NARA_SYNC_SUBPROTOCOL;
    i.local_protocol_name = NARA_SYNC_SUBPROTOCOL;
    i.pwsi = &c->wsi;
    i.retry_and_idle_policy = &idle_policy;
    if (c->o->url.tls)
        i.ssl_connection = LCCSCF_USE_SSL |
                           (c->o->insecure ? LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_INSECURE |
                                                 LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                                 LCCSCF_ALLOW_EXPIRED
                                           : 0);
    if (lws_client_connect_via_info(&i) == NULL) {
        att_fail(c, NARA_CONNECT, NARA_MSG_SYNC_ATT_START);
        attempt_end(c);
    }
}

static void connect_cb(lws_sorted_usec_list_t *sul)
{
    conn_t *c = lws_container_of(sul, conn_t, sul_connect);
    if (!c->stop)
        attempt_start(c);
}

/* ---- session events -------------------------------------------------------------------- */

/* After a message moved: pin hook, done transitions. */
static void after_message(conn_t *c)
{
    uint8_t pk[NARA_PUBLICKEY_BYTES];
    if (!c->proven && nara_session_peer(c->s, pk)) {
        c->proven = true;
        c->r->server_proven = true;
        memcpy(c->r->server_pk, pk, sizeof pk);
        memcpy(c->pin, pk, sizeof pk);
        c->has_pin = true;
        if (c->o->hooks.authenticated)
            c->o->hooks.authenticated(c->o->hooks.ctx, pk);
    }
    bool done = nara_session_done(c->s);
    if (done && !c->done_now) {
        c->was_done = true;
        c->r->syncs++;
        c->backoff = 0;
        if (c->o->hooks.synced)
            c->o->hooks.synced(c->o->hooks.ctx, &c->told, refused_now(c));
    }
    c->done_now = done;
    progress(c, false);
}

static void on_established(conn_t *c, struct lws *wsi)
{
    c->established = true;
    c->r->connections++;
    refresh_told(c);
    if (nara_session_start(c->s, nara_now_ms()) != NARA_OK)
        att_fail(c, NARA_PROTOCOL, NARA_MSG_SYNC_ATT_SESSION);
    lws_callback_on_writable(wsi);
}

static int on_receive(conn_t *c, struct lws *wsi, const void *in, size_t len)
{
    if (c->s == NULL)
        return -1;
    if (!lws_frame_is_binary(wsi)) {
        att_fail(c, NARA_MALFORMED, NARA_MSG_SYNC_ATT_TEXT);
        return -1;
    }
    if (len > NARA_MAX_MESSAGE_BYTES - c->rx_len) {
        att_fail(c, NARA_TOO_LARGE, NARA_MSG_SYNC_ATT_TOO_LARGE);
        return -1;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
        return 0;
    (void)nara_session_receive(c->s, c->rx, c->rx_len, nara_now_ms()); /* errors: state */
    c->rx_len = 0;
    after_message(c);
    lws_callback_on_writable(wsi);
    return 0;
}

/* One-shot: close once done.  Any mode: close after a signal. */
static void maybe_close(conn_t *c)
{
    if (c->closing)
        return;
    if ((!c->o->watch && nara_session_done(c->s)) || signalled) {
        c->closing = true;
        (void)nara_session_close(c->s);
    }
}

static int on_writeable(conn_t *c, struct lws *wsi)
{
    nara_bytes_t m;
    bool has = false;
    if (c->s == NULL)
        return -1;
    maybe_close(c);
    nara_err_t err = nara_session_output(c->s, &m, &has);
    if (err == NARA_CLOSED || (err == NARA_OK && !has && c->closing &&
                               nara_session_state(c->s) >= NARA_SESSION_CLOSED)) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    if (err != NARA_OK) {
        att_fail(c, err, NARA_MSG_SYNC_ATT_STORE);
        return -1;
    }
    if (!has)
        return 0;
    memcpy(c->tx + LWS_PRE, m.bytes, m.len);
    if (lws_write(wsi, c->tx + LWS_PRE, m.len, LWS_WRITE_BINARY) < (int)m.len) {
        att_fail(c, NARA_CONNECT, NARA_MSG_SYNC_ATT_WRITE);
        return -1;
    }
    after_message(c);
    lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    conn_t *c = ctx ? lws_context_user(ctx) : NULL;
    (void)user;
    if (c == NULL)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        connect_failed(c, in);
        attempt_end(c);
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        on_established(c, wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(c, wsi);
    case LWS_CALLBACK_CLIENT_CLOSED:
        attempt_end(c);
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {NARA_SYNC_SUBPROTOCOL, callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- the loop ---------------------------------------------------------------------- */

/* Every TICK_US: signals, progress, and (watch) local appends. */
static void tick_cb(lws_sorted_usec_list_t *sul)
{
    conn_t *c = lws_container_of(sul, conn_t, sul_tick);
    c->ticks++;
    if (signalled) {
        c->r->interrupted = true;
        if (!c->active) {
            lws_sul_cancel(&c->sul_connect);
            c->stop = true;
        } else if (c->close_deadline == 0) {
            c->close_deadline = mono_ms() + CLOSE_GRACE_MS;
            if (c->wsi)
                lws_callback_on_writable(c->wsi);
        } else if (mono_ms() > c->close_deadline) {
            c->stop = true; /* the server did not answer the BYE */
        }
    }
    if (c->s)
        progress(c, false);
    if (c->o->watch && c->s && c->wsi && c->proven && c->ticks % POLL_TICKS == 0 &&
        refresh_told(c)) {
        (void)nara_session_log_grew(c->s);
        lws_callback_on_writable(c->wsi);
    }
    lws_sul_schedule(c->ctx, 0, &c->sul_tick, tick_cb, TICK_US);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static nara_err_t context_new(conn_t *c)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = c;
    info.fd_limit_per_thread = 1 + 1 + 1;
    if (c->o->url.tls) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.client_ssl_ca_filepath = c->o->ca;
    }
    lws_set_log_level(c->o->verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_USER : 0, NULL);
    c->ctx = lws_create_context(&info);
    return c->ctx ? NARA_OK : NARA_NOMEM;
}

nara_err_t nara_sync_run(nara_store_t *store, const nara_keypair_t *kp,
                         const nara_sync_opts_t *o, nara_sync_result_t *r)
{
    conn_t *c = calloc(1, sizeof *c);
    nara_err_t err = NARA_NOMEM;
    memset(r, 0, sizeof *r);
    if (c == NULL)
        return NARA_NOMEM;
    c->o = o;
    c->store = store;
    c->kp = kp;
    c->r = r;
    c->has_pin = o->have_expected;
    memcpy(c->pin, o->expected, sizeof c->pin);
    c->rx = malloc(NARA_MAX_MESSAGE_BYTES);
    c->tx = malloc(LWS_PRE + NARA_MAX_MESSAGE_BYTES);
    if (c->rx == NULL || c->tx == NULL || (err = context_new(c)) != NARA_OK)
        goto err;
    signalled = 0;
    install_signals();
    lws_sul_schedule(c->ctx, 0, &c->sul_connect, connect_cb, 1);
    lws_sul_schedule(c->ctx, 0, &c->sul_tick, tick_cb, TICK_US);
    while (!c->stop && lws_service(c->ctx, 0) >= 0)
        ;
    r->interrupted |= signalled != 0;
    err = r->done || (o->watch && r->interrupted && !permanent(r->err)) ? NARA_OK : r->err;
    if (err == NARA_OK && !r->done && !o->watch)
        err = NARA_CONNECT;
err:
    c->stop = true;
    if (c->ctx) {
        lws_sul_cancel(&c->sul_tick);
        lws_sul_cancel(&c->sul_connect);
        lws_context_destroy(c->ctx); /* closes a connection still open: attempt_end */
    }
    nara_session_free(c->s);
    nara_vv_free(&c->told);
    free(c->rx);
    free(c->tx);
    free(c);
    return err;
}
