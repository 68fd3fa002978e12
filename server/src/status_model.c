/*
 * status_model.c - what the status page shows, gathered at each request:
 * the per-region 24-hour report (nara_domain_report at now), the current
 * LOs, the escalated cases, the enrolled devices with their last-seen time
 * and whether they are connected, and the server's totals.
 *
 * Invariants:
 *  1. Every string the model owns is a copy (the domain's query strings are
 *     borrowed for one callback only); region codes and names point into
 *     the domain's region list, which outlives the request.
 *  2. A device's last-seen time is the later of the table of ended
 *     sessions (status.c) and the last message of its open sessions; a
 *     region's is the latest of the devices whose scope names it
 *     explicitly.  Devices with scope "*" (admin, secretariat, auditor...)
 *     count for no region: their sync says nothing about the regency.
 *  3. A failing store or domain query is not an error of the model: it is
 *     recorded in m->err and the page shows what could be read.  Only an
 *     allocation failure is (NARA_NOMEM).
 */
#include <stdlib.h>
#include <string.h>

#include "nara_hlc.h"
#include "status.h"

static char *dup_str(const char *s, bool *oom)
{
    char *d = strdup(s ? s : "");
    if (!d)
        *oom = true;
    return d;
}

/* ---- devices -------------------------------------------------------------- */

typedef struct {
    narad_st_model_t *m;
    size_t cap;
    bool oom;
} dev_ctx_t;

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 32;
    void *p = realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

static int on_device(void *ctx, const nara_device_t *dev)
{
    dev_ctx_t *x = ctx;
    narad_st_model_t *m = x->m;
    if (grow((void **)&m->devices, &x->cap, m->n_devices, sizeof *m->devices)) {
        x->oom = true;
        return 1;
    }
    narad_st_device_t *d = &m->devices[m->n_devices++];
    memset(d, 0, sizeof *d);
    memcpy(d->key, dev->device, sizeof d->key);
    d->role = dev->role;
    d->revoked = dev->revoked;
    d->name = dup_str(dev->name, &x->oom);
    d->agency = dup_str(dev->agency, &x->oom);
    d->scope = dup_str(dev->scope, &x->oom);
    d->last_ms = narad__status_seen(dev->device);
    return x->oom;
}

/* Devices come from nara_domain_devices sorted by key (memcmp order). */
static int key_cmp(const void *key, const void *dev)
{
    return memcmp(key, ((const narad_st_device_t *)dev)->key, NARA_PUBLICKEY_BYTES);
}

/* The province root is not in the enrolment table: list it first when it
 * has been seen. */
static int add_root(narad_t *srv, narad_st_model_t *m, size_t *cap, bool live, uint64_t last_ms)
{
    if (grow((void **)&m->devices, cap, m->n_devices, sizeof *m->devices))
        return -1;
    memmove(m->devices + 1, m->devices, m->n_devices * sizeof *m->devices);
    narad_st_device_t *d = &m->devices[0];
    memset(d, 0, sizeof *d);
    m->n_devices++;
    memcpy(d->key, srv->cfg.root, sizeof d->key);
    d->role = NARA_ROLE_ROOT;
    d->connected = live;
    d->last_ms = last_ms;
    bool oom = false;
    d->name = dup_str("", &oom);
    d->agency = dup_str("", &oom);
    d->scope = dup_str("*", &oom);
    return oom ? -1 : 0;
}

/* Invariant 2: open sessions; then the root, if seen. */
static int mark_live(narad_t *srv, narad_st_model_t *m, size_t *cap)
{
    bool root_live = false;
    uint64_t root_ms = narad__status_seen(srv->cfg.root);
    for (narad_conn_t *c = srv->conns; c; c = c->next) {
        if (!c->has_device || c->refused != NARA_OK)
            continue;
        if (memcmp(c->device, srv->cfg.root, NARA_PUBLICKEY_BYTES) == 0) {
            root_live = true;
            if (c->last_ms > root_ms)
                root_ms = c->last_ms;
            continue;
        }
        narad_st_device_t *d =
            m->n_devices ? bsearch(c->device, m->devices, m->n_devices, sizeof *m->devices, key_cmp)
                         : NULL;
        if (!d)
            continue;
        d->connected = true;
        if (c->last_ms > d->last_ms)
            d->last_ms = c->last_ms;
    }
    return root_ms ? add_root(srv, m, cap, root_live, root_ms) : 0;
}

/* ---- regions -------------------------------------------------------------- */

typedef struct {
    narad_st_model_t *m;
    const nara_regions_t *list;
    bool oom;
} report_ctx_t;

static int on_row(void *ctx, const nara_report_row_t *row)
{
    report_ctx_t *x = ctx;
    int i = nara_regions_find(x->list, row->code);
    if (i < 0 || (size_t)i >= x->m->n_regions)
        return 0;
    narad_st_region_t *r = &x->m->regions[i];
    if (row->has_lo) {
        r->lo_officer = dup_str(row->lo_officer, &x->oom);
        r->lo_agency = dup_str(row->lo_agency, &x->oom);
    }
    r->open = row->open;
    r->overdue = row->overdue;
    r->late = row->late;
    r->escalated = row->escalated;
    r->resolved = row->resolved;
    r->closed = row->closed;
    r->median_ack_ms = row->median_ack_ms;
    x->m->pending += row->open;
    x->m->overdue += row->overdue;
    x->m->escalated += row->escalated;
    return x->oom;
}

/* Invariant 2: each device's time goes to the regions its scope names. */
static void region_last_seen(narad_st_model_t *m, const nara_regions_t *list)
{
    for (size_t i = 0; i < m->n_devices; i++) {
        const narad_st_device_t *d = &m->devices[i];
        if (!d->last_ms || strcmp(d->scope, "*") == 0)
            continue;
        const char *p = d->scope;
        while (*p) {
            size_t n = strcspn(p, ",");
            char code[NARA_STREAM_MAX + 1];
            if (n < sizeof code) {
                memcpy(code, p, n);
                code[n] = '\0';
                int k = nara_regions_find(list, code);
                if (k >= 0 && (size_t)k < m->n_regions && d->last_ms > m->regions[k].last_ms)
                    m->regions[k].last_ms = d->last_ms;
            }
            p += n;
            if (*p == ',')
                p++;
        }
    }
}

static int regions_init(narad_st_model_t *m, const nara_regions_t *list)
{
    m->n_regions = nara_regions_count(list);
    m->regions = calloc(m->n_regions ? m->n_regions : 1, sizeof *m->regions);
    if (!m->regions)
        return -1;
    for (size_t i = 0; i < m->n_regions; i++) {
        const nara_region_t *r = nara_regions_at(list, i);
        m->regions[i].code = r->code;
        m->regions[i].name = r->name;
        m->regions[i].type = r->type;
    }
    return 0;
}

/* ---- escalated cases ------------------------------------------------------ */

typedef struct {
    narad_st_model_t *m;
    const nara_regions_t *list;
    bool oom;
} esc_ctx_t;

static int on_case(void *ctx, const nara_case_t *c)
{
    esc_ctx_t *x = ctx;
    narad_st_model_t *m = x->m;
    if (m->n_esc >= NARAD_ST_MAX_ESCALATIONS)
        return 1;
    int k = nara_regions_find(x->list, c->region);
    narad_st_escalation_t *e = &m->esc[m->n_esc++];
    memcpy(e->id, c->id, sizeof e->id);
    e->region = k >= 0 ? nara_regions_at(x->list, (size_t)k)->code : "?";
    e->title = dup_str(c->title, &x->oom);
    e->to = dup_str(c->escalated_to, &x->oom);
    e->opened_ms = nara_hlc_ms(c->opened);
    return x->oom;
}

/* ---- the model ------------------------------------------------------------ */

/* Runs the domain queries; returns -1 on allocation failure only. */
static int gather(narad_t *srv, narad_st_model_t *m, const nara_regions_t *list)
{
    nara_store_counts_t n;
    nara_err_t err = nara_store_counts(srv->store, &n);
    if (err != NARA_OK) {
        m->err = err;
        return 0;
    }
    m->events = n.events;
    dev_ctx_t dx = {.m = m};
    err = nara_domain_devices(srv->domain, on_device, &dx);
    if (dx.oom || mark_live(srv, m, &dx.cap))
        return -1;
    report_ctx_t rx = {.m = m, .list = list};
    if (err == NARA_OK)
        err = nara_domain_report(srv->domain, m->now_ms, on_row, &rx);
    if (rx.oom)
        return -1;
    region_last_seen(m, list);
    m->esc = calloc(NARAD_ST_MAX_ESCALATIONS, sizeof *m->esc);
    if (!m->esc)
        return -1;
    esc_ctx_t ex = {.m = m, .list = list};
    if (err == NARA_OK)
        err = nara_domain_cases(srv->domain, NULL, 1u << NARA_CASE_ESCALATED, on_case, &ex);
    if (ex.oom)
        return -1;
    m->err = err;
    return 0;
}

nara_err_t narad__status_model(narad_t *srv, uint64_t now_ms, narad_st_model_t *m)
{
    memset(m, 0, sizeof *m);
    m->now_ms = now_ms;
    m->draining = srv->draining;
    m->connections = srv->n_conns;
    m->sessions_total = srv->m.sessions_total;
    m->has_tree = srv->tlog && nara_tlog_size(srv->tlog, &m->tree_size) == NARA_OK;
    const nara_regions_t *list = nara_domain_regions(srv->domain);
    m->province_code = nara_regions_province_code(list);
    m->province_name = nara_regions_province_name(list);
    if (regions_init(m, list) || gather(srv, m, list))
        return NARA_NOMEM;
    return NARA_OK;
}

void narad__status_model_free(narad_st_model_t *m)
{
    for (size_t i = 0; m->regions && i < m->n_regions; i++) {
        free(m->regions[i].lo_officer);
        free(m->regions[i].lo_agency);
    }
    for (size_t i = 0; i < m->n_devices; i++) {
        free(m->devices[i].name);
        free(m->devices[i].agency);
        free(m->devices[i].scope);
    }
    for (size_t i = 0; i < m->n_esc; i++) {
        free(m->esc[i].title);
        free(m->esc[i].to);
    }
    free(m->regions);
    free(m->devices);
    free(m->esc);
    memset(m, 0, sizeof *m);
}
