/*
 * policy.c - who may connect to narad and which feeds each device may read
 * and push (nara_policy_t), from the domain's current enrolment table.
 *
 * The rules (docs/server.md, "Policy"):
 *   admit     the province root key always; any other device if it has an
 *             effective enrolment that is not revoked now.
 *   read      "province" for every admitted device; a region stream if the
 *             role reads everything (root, admin, secretariat, governor,
 *             auditor) or the device's scope is "*" or lists the region.
 *   push      an event the device authored itself: only to a stream it may
 *             write (province for root, admin, secretariat, governor; known
 *             region streams in scope for lo, regency, secretariat and
 *             governor; nothing for an auditor).  An event relayed from
 *             another author: only if the device may read that feed.
 * The policy is a gate, not the authority: the domain fold still judges
 * every accepted event at its own time and quarantines what breaks a rule.
 *
 * The domain has no public query for one device's scope, so the table is
 * cached here from nara_domain_devices: sorted by key, rebuilt on the first
 * question after a merge added events (srv->log_gen moved).  If the rebuild
 * fails the old table is kept (and a line logged); a device enrolled by
 * the failed batch is then refused until the next successful rebuild.
 *
 * Invariant: a device unknown to the cache, revoked, or of role NONE reads
 * and pushes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "narad.h"

/* ---- the cache ---------------------------------------------------------- */

typedef struct {
    narad_dev_t *v;
    size_t n, cap;
    bool nomem;
} dev_list_t;

static int collect_device(void *ctx, const nara_device_t *dev)
{
    dev_list_t *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        narad_dev_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            goto err;
        l->v = v;
        l->cap = cap;
    }
    narad_dev_t *d = &l->v[l->n];
    memcpy(d->pk, dev->device, sizeof d->pk);
    d->role = dev->role;
    d->revoked = dev->revoked;
    d->scope = strdup(dev->scope ? dev->scope : "");
    if (!d->scope)
        goto err;
    l->n++;
    return 0;
err:
    l->nomem = true;
    return 1;
}

static int dev_cmp(const void *a, const void *b)
{
    return memcmp(((const narad_dev_t *)a)->pk, ((const narad_dev_t *)b)->pk, NARA_PUBLICKEY_BYTES);
}

static void dev_array_free(narad_dev_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].scope);
    free(v);
}

void narad__devcache_free(narad_devcache_t *dc)
{
    if (!dc)
        return;
    dev_array_free(dc->v, dc->n);
    memset(dc, 0, sizeof *dc);
}

/* Bring the cache up to the current log generation.  Keeps the old table on
 * failure. */
static void devcache_refresh(narad_t *srv)
{
    narad_devcache_t *dc = &srv->devs;
    if (dc->valid && dc->built_gen == srv->log_gen)
        return;
    dev_list_t l = {0};
    nara_err_t err = nara_domain_devices(srv->domain, collect_device, &l);
    if (err == NARA_OK && l.nomem)
        err = NARA_NOMEM;
    if (err != NARA_OK) {
        narad__log("device table not refreshed: %s", nara_err_name(err));
        dev_array_free(l.v, l.n);
        return;
    }
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, dev_cmp);
    dev_array_free(dc->v, dc->n);
    dc->v = l.v;
    dc->n = l.n;
    dc->built_gen = srv->log_gen;
    dc->valid = true;
}

/* The device's current role: ROOT for the root key, NONE if unknown or
 * revoked.  *scope is set to its scope ("*" for root). */
static nara_role_t role_now(narad_t *srv, const uint8_t pk[NARA_PUBLICKEY_BYTES],
                            const char **scope, bool *revoked)
{
    *scope = "";
    *revoked = false;
    if (memcmp(pk, srv->cfg.root, NARA_PUBLICKEY_BYTES) == 0) {
        *scope = "*";
        return NARA_ROLE_ROOT;
    }
    devcache_refresh(srv);
    if (!srv->devs.n)
        return NARA_ROLE_NONE;
    narad_dev_t key;
    memcpy(key.pk, pk, sizeof key.pk);
    const narad_dev_t *d = bsearch(&key, srv->devs.v, srv->devs.n, sizeof *d, dev_cmp);
    if (!d)
        return NARA_ROLE_NONE;
    *revoked = d->revoked;
    *scope = d->scope;
    return d->revoked ? NARA_ROLE_NONE : d->role;
}

/* ---- the rules ---------------------------------------------------------- */

static bool is_province(const char *stream)
{
    return strcmp(stream, NARA_STREAM_PROVINCE) == 0;
}

/* Does a scope ("*" or "32.01,32.73") cover a region stream? */
static bool scope_has(const char *scope, const char *stream)
{
    if (strcmp(scope, "*") == 0)
        return true;
    size_t n = strlen(stream);
    for (const char *p = scope; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, stream, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static bool reads_everything(nara_role_t role)
{
    return role == NARA_ROLE_ROOT || role == NARA_ROLE_ADMIN || role == NARA_ROLE_SECRETARIAT ||
           role == NARA_ROLE_GOVERNOR || role == NARA_ROLE_AUDITOR;
}

static bool known_region(narad_t *srv, const char *stream)
{
    const nara_regions_t *r = srv->regions ? srv->regions : nara_regions_default();
    return nara_regions_find(r, stream) >= 0;
}

static bool may_read_stream(narad_t *srv, const uint8_t device[NARA_PUBLICKEY_BYTES],
                            const char *stream)
{
    const char *scope;
    bool revoked;
    nara_role_t role = role_now(srv, device, &scope, &revoked);
    if (role == NARA_ROLE_NONE)
        return false;
    if (is_province(stream) || reads_everything(role))
        return true;
    return scope_has(scope, stream);
}

static bool may_write_stream(narad_t *srv, const uint8_t device[NARA_PUBLICKEY_BYTES],
                             const char *stream)
{
    const char *scope;
    bool revoked;
    nara_role_t role = role_now(srv, device, &scope, &revoked);
    bool region = !is_province(stream) && known_region(srv, stream) && scope_has(scope, stream);
    switch (role) {
    case NARA_ROLE_ROOT:
    case NARA_ROLE_ADMIN:
        return is_province(stream);
    case NARA_ROLE_SECRETARIAT:
    case NARA_ROLE_GOVERNOR:
        return is_province(stream) || region;
    case NARA_ROLE_LO:
    case NARA_ROLE_REGENCY:
        return region;
    default:
        return false;
    }
}

bool narad__may_read_stream(narad_t *srv, const uint8_t device[NARA_PUBLICKEY_BYTES],
                            const char *stream)
{
    return may_read_stream(srv, device, stream);
}

/* ---- nara_policy_t callbacks (ctx = the connection) ---------------------- */

static nara_err_t policy_admit(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES])
{
    narad_conn_t *c = ctx;
    memcpy(c->device, device, sizeof c->device);
    c->has_device = true;
    const char *scope;
    bool revoked;
    nara_role_t role = role_now(c->srv, device, &scope, &revoked);
    c->refused = revoked ? NARA_REVOKED : role == NARA_ROLE_NONE ? NARA_UNENROLLED : NARA_OK;
    return c->refused;
}

static bool policy_may_read(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES],
                            const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    narad_conn_t *c = ctx;
    (void)author;
    return may_read_stream(c->srv, device, stream);
}

static bool policy_may_push(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES],
                            const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    narad_conn_t *c = ctx;
    if (memcmp(author, device, NARA_PUBLICKEY_BYTES) == 0)
        return may_write_stream(c->srv, device, stream);
    return may_read_stream(c->srv, device, stream);
}

void narad__policy_init(narad_conn_t *c)
{
    c->policy.admit = policy_admit;
    c->policy.may_read = policy_may_read;
    c->policy.may_push = policy_may_push;
    c->policy.ctx = c;
}
