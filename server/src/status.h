/*
 * status.h - narad's status page for the provincial operator: GET /status
 * (HTML), /status.json, and the page's two static assets /status.css and
 * /status.js, on the sync port.  docs/operations.md shows the page.
 *
 * Files:
 *   status.c         routes, response headers, writing a body of any size,
 *                    and the in-memory "last seen" of every device
 *   status_model.c   what the page shows, gathered from the domain, the
 *                    store and the live connections
 *   status_render.c  the model as HTML or JSON (every string escaped), and
 *                    the CSS and script
 *   status_msgs.c    the words (English, Bahasa Indonesia)
 *
 * Everything runs on the lws service thread (narad.h invariant 1).  What
 * the page shows is computed at each request; the only state kept between
 * requests is the last-seen table (per device key, since the process
 * started) and the bodies being written.
 */
#ifndef NARAD_STATUS_H
#define NARAD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "narad.h"
#include "status_msgs.h"

/* ---- status.c: the hooks http.c calls ----------------------------------- */

/* Is this a path the status page serves ("/status", "/status.json",
 * "/status.css", "/status.js")? */
bool narad__status_route(const char *uri);

/* LWS_CALLBACK_HTTP for a status route: write the headers and queue the
 * body.  Returns what the lws callback returns (0, or non-zero to close). */
int narad__status_http(narad_t *srv, struct lws *wsi, const char *uri);

/* LWS_CALLBACK_HTTP_WRITEABLE: if a status body is being written on wsi,
 * write its next part, set *rc to the callback's return and return true;
 * false if wsi has no status body (http.c handles it). */
bool narad__status_writeable(struct lws *wsi, int *rc);

/* LWS_CALLBACK_WSI_DESTROY (lws sends it to protocols[0], http.c, for every
 * connection, with the connection's user data still intact): free a body
 * left unwritten, and when the connection was an admitted sync session
 * remember its device as seen at its last message.  Relies on sync.c's
 * CLOSED leaving c->has_device, c->device, c->refused and c->last_ms
 * untouched.  `user` may be NULL. */
void narad__status_wsi_destroy(struct lws *wsi, void *user);

/* LWS_CALLBACK_PROTOCOL_DESTROY: free everything; later hooks are ignored. */
void narad__status_shutdown(void);

/* Last time the device was seen by a session that ended, 0 if never. */
uint64_t narad__status_seen(const uint8_t device[NARA_PUBLICKEY_BYTES]);

/* ---- status_model.c ------------------------------------------------------ */

typedef struct {
    const char *code, *name; /* borrowed from the region list */
    nara_region_type_t type;
    char *lo_officer, *lo_agency; /* NULL without an LO */
    uint32_t open, overdue, late, escalated, resolved, closed;
    uint64_t median_ack_ms;
    uint64_t last_ms; /* last sync of a device of this region, 0 if never */
} narad_st_region_t;

typedef struct {
    uint8_t key[NARA_PUBLICKEY_BYTES];
    nara_role_t role;
    char *name, *agency, *scope; /* scope: "*" or "32.01,32.02" */
    bool revoked, connected;
    uint64_t last_ms; /* 0 if not seen since start */
} narad_st_device_t;

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    const char *region; /* borrowed from the region list */
    char *title, *to;   /* to: "sekda" or "gubernur" */
    uint64_t opened_ms;
} narad_st_escalation_t;

#define NARAD_ST_MAX_ESCALATIONS 200 /* listed; the count is exact */

typedef struct {
    uint64_t now_ms;
    const char *province_code, *province_name; /* borrowed */
    nara_err_t err;                            /* NARA_OK, or why the data is missing */
    bool draining;
    uint64_t events, connections, sessions_total;
    bool has_tree;
    uint64_t tree_size;
    uint32_t pending, overdue, escalated; /* sums over the regions */
    narad_st_region_t *regions;
    size_t n_regions;
    narad_st_device_t *devices; /* the root first if it was seen, then by key */
    size_t n_devices;
    narad_st_escalation_t *esc;
    size_t n_esc;
} narad_st_model_t;

/* Fill m for "now".  Returns NARA_OK or NARA_NOMEM; a store or domain
 * failure is not an error here but m->err (the page says so). */
nara_err_t narad__status_model(narad_t *srv, uint64_t now_ms, narad_st_model_t *m);
/* Accepts a zeroed or partly filled model. */
void narad__status_model_free(narad_st_model_t *m);

/* ---- status_render.c ------------------------------------------------------ */

/* A growing text buffer.  Once an allocation failed it stays failed (oom)
 * and appends do nothing. */
typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} narad_sbuf_t;

void narad__sb_put(narad_sbuf_t *b, const char *s, size_t n);
void narad__sb_printf(narad_sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void narad__sb_free(narad_sbuf_t *b);

void narad__status_html(const narad_st_model_t *m, narad_lang_t lang, narad_sbuf_t *out);
/* JSON is data only: the same in every language. */
void narad__status_json(const narad_st_model_t *m, narad_sbuf_t *out);

/* The stylesheet and the script (status.css, status.js embedded by CMake). */
const char *narad__status_asset(bool js, size_t *len);

#endif /* NARAD_STATUS_H */
