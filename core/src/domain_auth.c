/*
 * domain_auth.c - who may write what: the authority table of docs/events.md
 * section 5 (nara__authorize, the only place it is written down in code) and
 * the enrolment table built from device.enroll / device.revoke events.
 *
 * ENROLMENT TABLE
 *   For each device, its effective enrol/revoke entries in (hlc, id) order.
 *   A device's standing for an event E is the latest entry strictly before E
 *   in (hlc, id) order: none = unknown device, a revocation = revoked, an
 *   enrolment = that role and scope.  The root key is never in the table and
 *   is always ROOT.
 *
 * Invariants:
 *  1. The table is built by judging every device event in (hlc, id) order
 *     against the table of the events before it (nara__devtab_judge), so it
 *     is a function of the set of device events and the root key.
 *  2. Revocation is strict by time: after a revocation R, every event of the
 *     device ordered after R is refused (rule revoked) until a later
 *     enrolment, whatever the device knew when it wrote.
 *  3. Only the root enrols or revokes an admin, and no admin revokes itself;
 *     nobody enrols or revokes the root key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"

#define BIT(r) (1u << (r))
#define STAFF (BIT(NARA_ROLE_LO) | BIT(NARA_ROLE_REGENCY))

/* Roles allowed per kind: the table of docs/events.md section 5.  The server
 * role (narad's key, enrolled so that auditors can trust its tree heads)
 * appears nowhere: it writes no event. */
static const unsigned allowed[NARA_KIND_COUNT] = {
    [NARA_KIND_DEVICE_ENROLL] = BIT(NARA_ROLE_ROOT) | BIT(NARA_ROLE_ADMIN),
    [NARA_KIND_DEVICE_REVOKE] = BIT(NARA_ROLE_ROOT) | BIT(NARA_ROLE_ADMIN),
    [NARA_KIND_DECREE] = BIT(NARA_ROLE_ROOT) | BIT(NARA_ROLE_ADMIN) | BIT(NARA_ROLE_SECRETARIAT) |
                         BIT(NARA_ROLE_GOVERNOR),
    [NARA_KIND_LO_ASSIGN] = BIT(NARA_ROLE_ROOT) | BIT(NARA_ROLE_ADMIN) | BIT(NARA_ROLE_SECRETARIAT),
    [NARA_KIND_LO_UNASSIGN] =
        BIT(NARA_ROLE_ROOT) | BIT(NARA_ROLE_ADMIN) | BIT(NARA_ROLE_SECRETARIAT),
    [NARA_KIND_CASE_OPEN] = STAFF,
    [NARA_KIND_CASE_ACK] = BIT(NARA_ROLE_LO),
    [NARA_KIND_CASE_NOTE] = STAFF | BIT(NARA_ROLE_SECRETARIAT) | BIT(NARA_ROLE_GOVERNOR),
    [NARA_KIND_CASE_ACTION] = STAFF | BIT(NARA_ROLE_SECRETARIAT) | BIT(NARA_ROLE_GOVERNOR),
    [NARA_KIND_CASE_ESCALATE] = STAFF,
    [NARA_KIND_CASE_RESOLVE] = STAFF | BIT(NARA_ROLE_SECRETARIAT) | BIT(NARA_ROLE_GOVERNOR),
    [NARA_KIND_CASE_REOPEN] = STAFF | BIT(NARA_ROLE_SECRETARIAT),
    [NARA_KIND_CASE_CLOSE] = STAFF | BIT(NARA_ROLE_SECRETARIAT),
};

nara_rule_t nara__stream_rule(nara_kind_t kind, int stream)
{
    if (kind == NARA_KIND_UNKNOWN || kind >= NARA_KIND_COUNT)
        return NARA_RULE_UNKNOWN_KIND;
    if (nara__kind_is_province(kind) && stream != NARA__STREAM_PROVINCE)
        return NARA_RULE_WRONG_STREAM;
    if (nara__kind_is_case(kind) && stream < 0)
        return NARA_RULE_WRONG_STREAM;
    return NARA_RULE_OK;
}

/* Footnote 1: the admin's limits; nobody touches the root key. */
static nara_rule_t target_rule(nara_role_t role, nara_kind_t kind, const nara__target_t *t)
{
    if (t == NULL || t->is_root)
        return NARA_RULE_ROLE;
    if (role != NARA_ROLE_ADMIN)
        return NARA_RULE_OK;
    if (kind == NARA_KIND_DEVICE_ENROLL && t->new_role == NARA_ROLE_ADMIN)
        return NARA_RULE_ROLE;
    if (t->current == NARA_ROLE_ADMIN || (kind == NARA_KIND_DEVICE_REVOKE && t->is_self))
        return NARA_RULE_ROLE;
    return NARA_RULE_OK;
}

nara_rule_t nara__authorize(const nara__who_t *who, nara_kind_t kind, int stream,
                            const nara__target_t *target)
{
    nara_rule_t rule = nara__stream_rule(kind, stream);
    if (rule != NARA_RULE_OK)
        return rule;
    if (who->revoked)
        return NARA_RULE_REVOKED;
    if (who->role == NARA_ROLE_NONE || who->role >= NARA_ROLE_COUNT)
        return NARA_RULE_UNKNOWN_DEVICE;
    if (!(allowed[kind] & BIT(who->role)))
        return NARA_RULE_ROLE;
    if (nara__kind_is_case(kind) && (STAFF & BIT(who->role)) &&
        !nara__scope_has(&who->scope, stream))
        return NARA_RULE_SCOPE;
    if (kind == NARA_KIND_DEVICE_ENROLL || kind == NARA_KIND_DEVICE_REVOKE)
        return target_rule(who->role, kind, target);
    return NARA_RULE_OK;
}

void nara__rule_detail(nara_rule_t rule, const nara__who_t *who, nara_kind_t kind,
                       const char *stream, char *detail, size_t cap)
{
    switch (rule) {
    case NARA_RULE_UNKNOWN_KIND:
        snprintf(detail, cap, "unknown kind");
        break;
    case NARA_RULE_WRONG_STREAM:
        snprintf(detail, cap, "%s may not be written to stream '%s'", nara_kind_name(kind), stream);
        break;
    case NARA_RULE_UNKNOWN_DEVICE:
        snprintf(detail, cap, "author not enrolled at the event's time");
        break;
    case NARA_RULE_REVOKED:
        snprintf(detail, cap, "author revoked before the event's time");
        break;
    case NARA_RULE_ROLE:
        snprintf(detail, cap, "role %s may not write %s", nara_role_name(who->role),
                 nara_kind_name(kind));
        break;
    case NARA_RULE_SCOPE:
        snprintf(detail, cap, "region %s is outside the author's scope", stream);
        break;
    default:
        snprintf(detail, cap, "%s", nara_rule_name(rule));
        break;
    }
}

/* ---- the table -------------------------------------------------------------- */

void nara__devtab_free(nara__devtab_t *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].e);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* Binary search; *pos receives the insertion point when absent. */
static nara__dev_t *find(const nara__devtab_t *t, const uint8_t pk[32], size_t *pos)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(t->v[mid].pk, pk, 32);
        if (c == 0)
            return &t->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos)
        *pos = lo;
    return NULL;
}

nara__dev_t *nara__devtab_find(const nara__devtab_t *t, const uint8_t pk[32])
{
    return find(t, pk, NULL);
}

static nara__dev_t *insert_device(nara__devtab_t *t, const uint8_t pk[32])
{
    size_t pos = 0;
    nara__dev_t *dev = find(t, pk, &pos);
    if (dev)
        return dev;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        nara__dev_t *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    memmove(&t->v[pos + 1], &t->v[pos], (t->n - pos) * sizeof *t->v);
    t->n++;
    dev = &t->v[pos];
    memset(dev, 0, sizeof *dev);
    memcpy(dev->pk, pk, 32);
    return dev;
}

nara_err_t nara__devtab_add(nara__devtab_t *t, const uint8_t pk[32], const nara__dev_entry_t *e)
{
    nara__dev_t *dev = insert_device(t, pk);
    if (dev == NULL)
        return NARA_NOMEM;
    if (dev->n == dev->cap) {
        size_t cap = dev->cap ? dev->cap * 2 : 4;
        nara__dev_entry_t *v = realloc(dev->e, cap * sizeof *v);
        if (v == NULL)
            return NARA_NOMEM;
        dev->e = v;
        dev->cap = cap;
    }
    dev->e[dev->n++] = *e;
    return NARA_OK;
}

static bool entry_equal(const nara__dev_entry_t *a, const nara__dev_entry_t *b)
{
    return a->hlc == b->hlc && memcmp(a->id, b->id, 32) == 0 && a->revoke == b->revoke &&
           a->role == b->role && a->scope.all == b->scope.all &&
           memcmp(a->scope.bits, b->scope.bits, sizeof a->scope.bits) == 0 &&
           memcmp(a->by, b->by, 32) == 0;
}

bool nara__dev_equal(const nara__dev_t *a, const nara__dev_t *b)
{
    if (a == NULL || b == NULL)
        return (a == NULL || a->n == 0) && (b == NULL || b->n == 0);
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (!entry_equal(&a->e[i], &b->e[i]))
            return false;
    return true;
}

/* (hlc, id) strictly before (hlc2, id2)?  id2 NULL means "after everything
 * at hlc2". */
static bool before(uint64_t hlc, const uint8_t id[32], uint64_t hlc2, const uint8_t *id2)
{
    if (hlc != hlc2)
        return hlc < hlc2;
    return id2 == NULL || memcmp(id, id2, 32) < 0;
}

void nara__devtab_who(const nara__devtab_t *t, const uint8_t root[32], const uint8_t author[32],
                      uint64_t hlc, const uint8_t id[32], nara__who_t *who,
                      const nara__dev_entry_t **via)
{
    const nara__dev_t *dev;
    const nara__dev_entry_t *e = NULL;

    memset(who, 0, sizeof *who);
    if (via)
        *via = NULL;
    if (memcmp(author, root, 32) == 0) {
        who->role = NARA_ROLE_ROOT;
        who->scope.all = true;
        return;
    }
    dev = find(t, author, NULL);
    for (size_t i = 0; dev && i < dev->n && before(dev->e[i].hlc, dev->e[i].id, hlc, id); i++)
        e = &dev->e[i];
    if (e == NULL)
        return;
    if (via)
        *via = e;
    if (e->revoke) {
        who->revoked = true;
        return;
    }
    who->role = e->role;
    who->scope = e->scope;
}

nara_err_t nara__devtab_judge(nara__devtab_t *t, const uint8_t root[32], const nara__meta_t *m,
                              const nara__body_t *b, nara_rule_t *rule, char *detail, size_t cap,
                              uint8_t related[32], bool *has_related)
{
    nara__who_t who, target_who;
    nara__target_t target;
    const nara__dev_entry_t *via;
    nara__dev_entry_t e;
    int stream =
        strcmp(m->stream, NARA_STREAM_PROVINCE) == 0 ? NARA__STREAM_PROVINCE : NARA__STREAM_OTHER;

    *has_related = false;
    nara__devtab_who(t, root, m->author, m->hlc, m->id, &who, &via);
    nara__devtab_who(t, root, b->device, m->hlc, m->id, &target_who, NULL);
    target.is_root = memcmp(b->device, root, 32) == 0;
    target.is_self = memcmp(b->device, m->author, 32) == 0;
    target.current = target_who.revoked ? NARA_ROLE_NONE : target_who.role;
    target.new_role = m->kind == NARA_KIND_DEVICE_ENROLL ? b->role : NARA_ROLE_NONE;

    *rule = nara__authorize(&who, m->kind, stream, &target);
    if (*rule == NARA_RULE_ROLE && (allowed[m->kind] & BIT(who.role))) {
        snprintf(detail, cap,
                 target.is_root ? "the root key cannot be enrolled or revoked"
                                : "only the root enrols or revokes an admin, and "
                                  "an admin may not revoke itself");
        return NARA_OK;
    }
    if (*rule != NARA_RULE_OK) {
        nara__rule_detail(*rule, &who, m->kind, m->stream, detail, cap);
        if (*rule == NARA_RULE_REVOKED && via) {
            memcpy(related, via->id, 32);
            *has_related = true;
        }
        return NARA_OK;
    }
    memset(&e, 0, sizeof e);
    e.hlc = m->hlc;
    memcpy(e.id, m->id, 32);
    e.revoke = m->kind == NARA_KIND_DEVICE_REVOKE;
    e.role = e.revoke ? NARA_ROLE_NONE : b->role;
    if (!e.revoke)
        e.scope = b->scope;
    memcpy(e.by, m->author, 32);
    return nara__devtab_add(t, b->device, &e);
}
