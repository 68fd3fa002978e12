/*
 * http.c - plain HTTP on narad's port: GET /healthz (JSON) and GET /metrics
 * (Prometheus text); the status page's paths are handed to status.c; every
 * other path is 404.  It also refuses a WebSocket upgrade that did not ask
 * for the nara-sync.v1 subprotocol (lws hands those to the first protocol,
 * this one).
 *
 * As in the lws minimal examples, the headers are written from
 * LWS_CALLBACK_HTTP and the body, built into the per-transaction struct
 * there, from LWS_CALLBACK_HTTP_WRITEABLE.  A body never exceeds
 * NARAD_HTTP_BODY_MAX (asserted by construction: fixed metric list).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "narad.h"
#include "status.h"

typedef struct {
    char *p;
    size_t len, cap;
} text_t;

static void put(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
}

static void metric(text_t *t, const char *name, const char *type, const char *help, uint64_t v)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
        (unsigned long long)v);
}

static int build_healthz(narad_t *srv, text_t *t)
{
    nara_store_counts_t n;
    nara_err_t err = nara_store_counts(srv->store, &n);
    if (err != NARA_OK) {
        put(t, "{\"status\":\"error\",\"error\":\"%s\"}\n", nara_err_name(err));
        return HTTP_STATUS_SERVICE_UNAVAILABLE;
    }
    uint64_t tree = 0;
    nara_tlog_size(srv->tlog, &tree);
    put(t,
        "{\"status\":\"%s\",\"events\":%llu,\"tree_size\":%llu,"
        "\"server_key_enrolled\":%s}\n",
        srv->draining ? "stopping" : "ok", (unsigned long long)n.events, (unsigned long long)tree,
        srv->key_enrolled ? "true" : "false");
    return HTTP_STATUS_OK;
}

static int build_metrics(narad_t *srv, text_t *t)
{
    const narad_metrics_t *m = &srv->m;
    nara_store_counts_t n;
    nara_err_t err = nara_store_counts(srv->store, &n);
    if (err != NARA_OK) {
        put(t, "# store counts unavailable: %s\n", nara_err_name(err));
        return HTTP_STATUS_SERVICE_UNAVAILABLE;
    }
    metric(t, "nara_connections", "gauge", "Connected sync sessions.", srv->n_conns);
    metric(t, "nara_sessions_total", "counter", "Sync sessions accepted.", m->sessions_total);
    metric(t, "nara_events_received_total", "counter", "Events received from devices.",
           m->events_received);
    metric(t, "nara_events_added_total", "counter", "Received events newly accepted.",
           m->events_added);
    metric(t, "nara_events_rejected_total", "counter", "Received events refused.",
           m->events_rejected);
    metric(t, "nara_store_events", "gauge", "Accepted events in the store.", n.events);
    metric(t, "nara_store_pending", "gauge", "Events waiting for a predecessor.", n.pending);
    metric(t, "nara_store_forks", "gauge", "Fork evidence records.", n.forks);
    metric(t, "nara_store_quarantined", "gauge", "Quarantined events.", n.quarantined);
    uint64_t tree = 0;
    nara_tlog_size(srv->tlog, &tree);
    metric(t, "nara_tree_size", "gauge", "Leaves in the transparency log (accepted events).", tree);
    metric(t, "nara_bytes_in_total", "counter", "Sync message bytes received.", m->bytes_in);
    metric(t, "nara_bytes_out_total", "counter", "Sync message bytes sent.", m->bytes_out);
    metric(t, "nara_auth_failures_total", "counter",
           "Handshakes refused (auth, unenrolled, revoked).", m->auth_failures);
    metric(t, "nara_live_wakes_total", "counter",
           "Live sessions woken to send new events their device may read.", m->live_wakes);
    metric(t, "nara_refused_connections_total", "counter",
           "Upgrades refused (path, subprotocol, limit, stopping).", m->refused_connections);
    put(t,
        "# HELP nara_receive_seconds_max Slowest message handling (one merge batch).\n"
        "# TYPE nara_receive_seconds_max gauge\nnara_receive_seconds_max %.6f\n",
        m->receive_seconds_max);
    return HTTP_STATUS_OK;
}

static int on_http(narad_t *srv, narad_http_t *h, struct lws *wsi, const char *uri)
{
    uint8_t hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    text_t t = {(char *)h->buf + LWS_PRE, 0, NARAD_HTTP_BODY_MAX};
    t.p[0] = '\0';
    bool get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    if (get && narad__status_route(uri))
        return narad__status_http(srv, wsi, uri);
    int status = HTTP_STATUS_NOT_FOUND;
    const char *type = "text/plain; charset=utf-8";
    if (get && strcmp(uri, "/healthz") == 0) {
        status = build_healthz(srv, &t);
        type = "application/json";
    } else if (get && strcmp(uri, "/metrics") == 0) {
        status = build_metrics(srv, &t);
        type = "text/plain; version=0.0.4; charset=utf-8";
    } else {
        put(&t, "not found: narad serves /healthz, /metrics, /status and WebSocket %s\n",
            NARAD_SYNC_PATH);
    }
    h->len = t.len;
    if (lws_add_http_common_headers(wsi, (unsigned)status, type, h->len, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_http_writeable(narad_http_t *h, struct lws *wsi)
{
    if (lws_write(wsi, h->buf + LWS_PRE, h->len, LWS_WRITE_HTTP_FINAL) != (int)h->len)
        return 1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int narad__http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    narad_http_t *h = user;
    narad_t *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(srv, h, wsi, in ? (const char *)in : "");
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        int rc;
        if (narad__status_writeable(wsi, &rc))
            return rc;
        return h ? on_http_writeable(h, wsi) : -1;
    }
    case LWS_CALLBACK_WSI_DESTROY: /* every connection, sync sessions too */
        narad__status_wsi_destroy(wsi, user);
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    case LWS_CALLBACK_PROTOCOL_DESTROY:
        narad__status_shutdown();
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char peer[64] = "?";
        lws_get_peer_simple(wsi, peer, sizeof peer);
        narad__log("refused %s: WebSocket without the %s subprotocol", peer, NARAD_SUBPROTOCOL);
        srv->m.refused_connections++;
        return 1;
    }
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
