/*
 * status.c - the status page's HTTP side: routes, headers, writing bodies
 * of any size, and the in-memory "last seen" of every device.
 *
 * Design notes
 * ------------
 *  1. A response body is rendered whole at LWS_CALLBACK_HTTP into a heap
 *     buffer (a pending response, on a short list keyed by wsi) and written
 *     in parts of NARAD_ST_CHUNK bytes, one per HTTP_WRITEABLE, each copied
 *     behind LWS_PRE headroom (h2 frames need it).  The pending response is
 *     freed when its last part is written or when lws destroys the
 *     connection (WSI_DESTROY), whichever comes first.  narad_http_t (and
 *     its 4 KiB body) stays http.c's.
 *  2. Last seen: a sync session's device is remembered with the time of
 *     its last message when the connection is destroyed (WSI_DESTROY, sent
 *     by lws to protocols[0] for every connection, after the sync
 *     protocol's CLOSED).  Sessions still open are read from srv->conns at
 *     each request (status_model.c), so a live session is always current
 *     and a merge shows at once.  The table is sorted by key (binary
 *     search), one entry per device ever admitted since start; it is lost
 *     at restart (the page says "not since the server started").
 *  3. Only admitted sessions count: c->has_device with c->refused ==
 *     NARA_OK (policy.c's admit), i.e. the device proved its key and is
 *     enrolled and not revoked.
 *  4. After PROTOCOL_DESTROY (context teardown) every hook is a no-op, so a
 *     WSI_DESTROY that comes later cannot allocate again.
 *
 * Security headers on every status response: a Content-Security-Policy
 * that allows only this origin's /status.css, /status.js and /status.json
 * (no inline script or style), nosniff, no-referrer, no framing.
 */
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define NARAD_ST_CHUNK 16384u

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "connect-src 'self'; img-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

/* ---- last seen (note 2) --------------------------------------------------- */

typedef struct {
    uint8_t key[NARA_PUBLICKEY_BYTES];
    uint64_t ms;
} seen_t;

static seen_t *g_seen;
static size_t g_n_seen, g_cap_seen;
static bool g_shut;

/* Index of key, or of where it would be inserted (*found false). */
static size_t seen_find(const uint8_t key[NARA_PUBLICKEY_BYTES], bool *found)
{
    size_t lo = 0, hi = g_n_seen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(g_seen[mid].key, key, NARA_PUBLICKEY_BYTES);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Remember key as seen at ms (keeps the later time).  Out of memory: the
 * device is not remembered (the page shows it as not seen). */
static void seen_note(const uint8_t key[NARA_PUBLICKEY_BYTES], uint64_t ms)
{
    bool found;
    size_t i = seen_find(key, &found);
    if (found) {
        if (ms > g_seen[i].ms)
            g_seen[i].ms = ms;
        return;
    }
    if (g_n_seen == g_cap_seen) {
        size_t cap = g_cap_seen ? 2 * g_cap_seen : 64;
        seen_t *p = realloc(g_seen, cap * sizeof *p);
        if (!p)
            return;
        g_seen = p;
        g_cap_seen = cap;
    }
    memmove(g_seen + i + 1, g_seen + i, (g_n_seen - i) * sizeof *g_seen);
    memcpy(g_seen[i].key, key, NARA_PUBLICKEY_BYTES);
    g_seen[i].ms = ms;
    g_n_seen++;
}

uint64_t narad__status_seen(const uint8_t device[NARA_PUBLICKEY_BYTES])
{
    bool found;
    size_t i = seen_find(device, &found);
    return found ? g_seen[i].ms : 0;
}

/* ---- pending responses (note 1) ------------------------------------------ */

typedef struct pending {
    struct pending *next;
    struct lws *wsi;
    narad_sbuf_t body;
    size_t off;
} pending_t;

static pending_t *g_pending;

static pending_t **pending_slot(struct lws *wsi)
{
    pending_t **pp = &g_pending;
    while (*pp && (*pp)->wsi != wsi)
        pp = &(*pp)->next;
    return pp;
}

static void pending_drop(struct lws *wsi)
{
    pending_t **pp = pending_slot(wsi);
    pending_t *p = *pp;
    if (!p)
        return;
    *pp = p->next;
    narad__sb_free(&p->body);
    free(p);
}

/* ---- routes ---------------------------------------------------------------- */

typedef enum { R_NONE, R_HTML, R_JSON, R_CSS, R_JS } route_t;

static route_t route_of(const char *uri)
{
    if (strcmp(uri, "/status") == 0 || strcmp(uri, "/status/") == 0)
        return R_HTML;
    if (strcmp(uri, "/status.json") == 0)
        return R_JSON;
    if (strcmp(uri, "/status.css") == 0)
        return R_CSS;
    if (strcmp(uri, "/status.js") == 0)
        return R_JS;
    return R_NONE;
}

bool narad__status_route(const char *uri)
{
    return route_of(uri) != R_NONE;
}

static narad_lang_t request_lang(struct lws *wsi)
{
    char q[32], al[256];
    const char *lang = lws_get_urlarg_by_name(wsi, "lang=", q, (int)sizeof q);
    if (lws_hdr_copy(wsi, al, (int)sizeof al, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE) < 0)
        al[0] = '\0';
    return narad__lang_pick(lang, al[0] ? al : NULL);
}

/* Render the body of a page route; returns the HTTP status. */
static int render(narad_t *srv, route_t r, narad_lang_t lang, narad_sbuf_t *body)
{
    narad_st_model_t m;
    if (narad__status_model(srv, narad__now_ms(), &m) != NARA_OK) {
        narad__status_model_free(&m);
        return HTTP_STATUS_INTERNAL_SERVER_ERROR;
    }
    if (r == R_HTML)
        narad__status_html(&m, lang, body);
    else
        narad__status_json(&m, body);
    int status = m.err == NARA_OK ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE;
    narad__status_model_free(&m);
    return status;
}

static int add_header(struct lws *wsi, const char *name, const char *value, uint8_t **p,
                      uint8_t *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int write_headers(struct lws *wsi, int status, route_t r, narad_lang_t lang, size_t len)
{
    static const char *const types[] = {
        [R_HTML] = "text/html; charset=utf-8",
        [R_JSON] = "application/json; charset=utf-8",
        [R_CSS] = "text/css; charset=utf-8",
        [R_JS] = "text/javascript; charset=utf-8",
    };
    uint8_t hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    bool page = r == R_HTML || r == R_JSON;
    if (lws_add_http_common_headers(wsi, (unsigned)status, types[r], len, &p, end) ||
        add_header(wsi, "content-security-policy:", csp, &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "no-referrer", &p, end) ||
        add_header(wsi, "x-frame-options:", "DENY", &p, end) ||
        add_header(wsi, "cache-control:", page ? "no-store" : "no-cache", &p, end))
        return -1;
    if (page && (add_header(wsi, "content-language:", narad__lang_code(lang), &p, end) ||
                 add_header(wsi, "vary:", "Accept-Language", &p, end)))
        return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

int narad__status_http(narad_t *srv, struct lws *wsi, const char *uri)
{
    route_t r = route_of(uri);
    if (r == R_NONE || g_shut)
        return -1;
    pending_drop(wsi); /* a keep-alive connection's earlier, unfinished body */
    pending_t *pd = calloc(1, sizeof *pd);
    if (!pd)
        return -1;
    narad_lang_t lang = request_lang(wsi);
    int status = HTTP_STATUS_OK;
    if (r == R_CSS || r == R_JS) {
        size_t len;
        const char *asset = narad__status_asset(r == R_JS, &len);
        narad__sb_put(&pd->body, asset, len);
    } else {
        status = render(srv, r, lang, &pd->body);
    }
    if (pd->body.oom) {
        narad__sb_free(&pd->body);
        pd->body = (narad_sbuf_t){0};
        status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
        narad__log("status page: out of memory");
    }
    pd->wsi = wsi;
    pd->next = g_pending;
    g_pending = pd;
    if (write_headers(wsi, status, r, lang, pd->body.len)) {
        pending_drop(wsi);
        return -1;
    }
    lws_callback_on_writable(wsi);
    return 0;
}

bool narad__status_writeable(struct lws *wsi, int *rc)
{
    static uint8_t scratch[LWS_PRE + NARAD_ST_CHUNK];
    pending_t *p = *pending_slot(wsi);
    if (!p)
        return false;
    size_t n = p->body.len - p->off;
    if (n > NARAD_ST_CHUNK)
        n = NARAD_ST_CHUNK;
    bool last = p->off + n == p->body.len;
    if (n)
        memcpy(scratch + LWS_PRE, p->body.p + p->off, n);
    if (lws_write(wsi, scratch + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
        (int)n) {
        pending_drop(wsi);
        *rc = -1;
        return true;
    }
    p->off += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        *rc = 0;
        return true;
    }
    pending_drop(wsi);
    *rc = lws_http_transaction_completed(wsi) ? -1 : 0;
    return true;
}

void narad__status_wsi_destroy(struct lws *wsi, void *user)
{
    if (g_shut)
        return;
    pending_drop(wsi);
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    if (!user || !proto || !proto->name || strcmp(proto->name, NARAD_SUBPROTOCOL) != 0)
        return;
    const narad_conn_t *c = user; /* note 2: CLOSED left these fields as they were */
    if (c->has_device && c->refused == NARA_OK && c->last_ms)
        seen_note(c->device, c->last_ms);
}

void narad__status_shutdown(void)
{
    while (g_pending)
        pending_drop(g_pending->wsi);
    free(g_seen);
    g_seen = NULL;
    g_n_seen = g_cap_seen = 0;
    g_shut = true;
}
