/*
 * domain_fold_province.c - the folds of the province stream: the enrolment
 * table (device.enroll / device.revoke), decrees, and one region's LO
 * history (lo.assign / lo.unassign).
 *
 * LO HISTORY OF ONE REGION (docs/events.md section 6, first row)
 *   The region's effective events are applied in (hlc, id) order to one
 *   variable, `cur`, the current assignment:
 *     assign A, no current            -> cur = A                    APPLIED
 *     assign A reaching cur           -> cur = A, open conflicts of
 *       (A replaces cur, transitively)   the region resolved by A     APPLIED
 *     assign A that cur reaches       -> stale                      NO_EFFECT
 *     assign A concurrent with cur    -> cur = the later of the two in
 *                                        (effective, hlc, id); conflict
 *                                        lo-assign (winner, loser)  CONFLICT
 *     unassign U naming cur           -> cur = none, conflicts resolved by U
 *     unassign U naming anything else -> NO_EFFECT
 *   "Reaching" follows replaces / assignment references and feed order
 *   (domain_items.c).
 *
 * Invariants:
 *  1. Each fold first deletes every row it owns (dom_device, dom_decree, or
 *     the region's dom_lo_history, conflicts and quarantine rows),
 *     then writes them again from the entity's events alone.
 *  3. At most one row of a region's history is flagged NARA_LO_CURRENT.
 *  2. An event is either effective (a history/device/decree row) or in the
 *     quarantine, never both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"

static nara_err_t delete_ent(nara_domain_t *d, nara__dom_stmt_id_t which, int ent, const void *key,
                             size_t key_len)
{
    sqlite3_stmt *st = nara__dom_stmt(d, which);
    sqlite3_bind_int(st, 1, ent);
    if (key_len)
        sqlite3_bind_blob(st, 2, key, (int)key_len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_zeroblob(st, 2, 0);
    return nara__dom_exec(d, st, "delete entity rows");
}

/* Run a one-parameter DELETE (or a parameterless one when text is NULL). */
static nara_err_t delete_by(nara_domain_t *d, nara__dom_stmt_id_t which, const char *text)
{
    sqlite3_stmt *st = nara__dom_stmt(d, which);
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    return nara__dom_exec(d, st, "delete derived rows");
}

/* ---- enrolment table ---------------------------------------------------------- */

static nara_err_t insert_device(nara_domain_t *d, const nara__item_t *it)
{
    char scope[NARA_REGIONS_MAX * (NARA_STREAM_MAX + 1) + 2];
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_DEV_INSERT);
    bool revoke = it->m.kind == NARA_KIND_DEVICE_REVOKE;
    nara__scope_t none = {0};

    nara__scope_format(revoke ? &none : &it->b.scope, d->regions, scope, sizeof scope);
    sqlite3_bind_blob(st, 1, it->b.device, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)it->m.hlc);
    sqlite3_bind_blob(st, 3, it->m.id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, revoke);
    sqlite3_bind_text(st, 5, revoke ? "" : nara_role_name(it->b.role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, scope, -1, SQLITE_TRANSIENT);
    nara__bind_str(st, 7, it->b.name);
    nara__bind_str(st, 8, it->b.agency);
    sqlite3_bind_blob(st, 9, it->m.author, 32, SQLITE_TRANSIENT);
    return nara__dom_exec(d, st, "insert dom_device");
}

nara_err_t nara__fold_devices(nara_domain_t *d, nara__devtab_t *out)
{
    nara__item_t *items = NULL;
    size_t n = 0;
    nara_err_t err = nara__items_load(d, NARA__ENT_DEVICES, NULL, 0, &items, &n);

    if (err == NARA_OK)
        err = delete_by(d, NARA__DQ_DEV_DELETE, NULL);
    if (err == NARA_OK)
        err = delete_ent(d, NARA__DQ_Q_DELETE, NARA__ENT_DEVICES, NULL, 0);
    for (size_t i = 0; err == NARA_OK && i < n; i++) {
        nara__item_t *it = &items[i];
        if (it->rule == NARA_RULE_OK)
            err = nara__devtab_judge(out, d->root, &it->m, &it->b, &it->rule, it->detail,
                                     sizeof it->detail, it->related, &it->has_related);
        if (err == NARA_OK && it->rule == NARA_RULE_OK)
            err = insert_device(d, it);
    }
    if (err == NARA_OK)
        err = nara__items_quarantine(d, items, n, NARA__ENT_DEVICES, NULL, 0);
    nara__items_free(items, n);
    return err;
}

/* ---- decrees ----------------------------------------------------------------------- */

static nara_err_t insert_decree(nara_domain_t *d, const nara__item_t *it)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_DECREE_INSERT);
    sqlite3_bind_blob(st, 1, it->m.id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)it->m.hlc);
    nara__bind_str(st, 3, it->b.number);
    nara__bind_str(st, 4, it->b.date);
    sqlite3_bind_blob(st, 5, it->b.doc_hash, 32, SQLITE_TRANSIENT);
    nara__bind_str(st, 6, it->b.effective);
    nara__bind_str(st, 7, it->b.until);
    nara__bind_str(st, 8, it->b.title);
    nara__bind_str(st, 9, it->b.supersedes);
    return nara__dom_exec(d, st, "insert dom_decree");
}

nara_err_t nara__fold_decrees(nara_domain_t *d)
{
    const nara__devtab_t *devs;
    nara__item_t *items = NULL;
    size_t n = 0;
    nara_err_t err = nara__dom_devs(d, &devs);

    if (err == NARA_OK)
        err = nara__items_load(d, NARA__ENT_DECREES, NULL, 0, &items, &n);
    if (err == NARA_OK)
        err = delete_by(d, NARA__DQ_DECREE_DELETE, NULL);
    if (err == NARA_OK)
        err = delete_ent(d, NARA__DQ_Q_DELETE, NARA__ENT_DECREES, NULL, 0);
    for (size_t i = 0; err == NARA_OK && i < n; i++) {
        nara__item_judge(d, devs, &items[i]);
        if (items[i].rule == NARA_RULE_OK)
            err = insert_decree(d, &items[i]);
    }
    if (err == NARA_OK)
        err = nara__items_quarantine(d, items, n, NARA__ENT_DECREES, NULL, 0);
    nara__items_free(items, n);
    return err;
}

/* ---- one region's LO history --------------------------------------------------------- */

typedef struct {
    int a, b, resolved_by; /* item indices; resolved_by -1 while open */
} lo_conflict_t;

typedef struct {
    nara__item_t *items;
    size_t n;
    nara__reach_t reach;
    int cur;
    lo_conflict_t *conflicts;
    size_t n_conflicts;
} lo_fold_t;

static size_t lo_refs(const nara__item_t *it, const uint8_t **out)
{
    if (!it->b.has_ref)
        return 0;
    out[0] = it->b.ref;
    return 1;
}

static int str_cmp(nara__str_t a, nara__str_t b)
{
    int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);
    return c ? c : (a.n > b.n) - (a.n < b.n);
}

/* Is item x later than item y in (effective, hlc, id) order? */
static bool lo_later(const nara__item_t *x, const nara__item_t *y)
{
    int c = str_cmp(x->b.effective, y->b.effective);
    if (c == 0)
        c = (x->m.hlc > y->m.hlc) - (x->m.hlc < y->m.hlc);
    if (c == 0)
        c = memcmp(x->m.id, y->m.id, 32);
    return c > 0;
}

static void lo_resolve_open(lo_fold_t *f, int by)
{
    for (size_t k = 0; k < f->n_conflicts; k++)
        if (f->conflicts[k].resolved_by < 0)
            f->conflicts[k].resolved_by = by;
}

static nara_err_t lo_assign(lo_fold_t *f, int i)
{
    nara__item_t *it = &f->items[i];
    if (f->cur < 0) {
        it->flags |= NARA_LO_APPLIED;
    } else if (nara__reach(&f->reach, (size_t)i, (size_t)f->cur)) {
        lo_resolve_open(f, i);
        it->flags |= NARA_LO_APPLIED;
    } else if (nara__reach(&f->reach, (size_t)f->cur, (size_t)i)) {
        it->flags |= NARA_LO_NO_EFFECT;
        return NARA_OK;
    } else {
        bool wins = lo_later(it, &f->items[f->cur]);
        lo_conflict_t c = {wins ? i : f->cur, wins ? f->cur : i, -1};
        lo_conflict_t *v = realloc(f->conflicts, (f->n_conflicts + 1) * sizeof *v);
        if (v == NULL)
            return NARA_NOMEM;
        f->conflicts = v;
        f->conflicts[f->n_conflicts++] = c;
        it->flags |= NARA_LO_CONFLICT | (wins ? NARA_LO_APPLIED : 0);
        f->items[f->cur].flags |= NARA_LO_CONFLICT;
        if (!wins)
            return NARA_OK;
    }
    f->cur = i;
    return NARA_OK;
}

static void lo_unassign(lo_fold_t *f, int i)
{
    nara__item_t *it = &f->items[i];
    if (f->cur >= 0 && memcmp(f->items[f->cur].m.id, it->b.ref, 32) == 0) {
        lo_resolve_open(f, i);
        f->cur = -1;
        it->flags |= NARA_LO_APPLIED;
    } else {
        it->flags |= NARA_LO_NO_EFFECT;
    }
}

static nara_err_t lo_apply(lo_fold_t *f)
{
    nara_err_t err = NARA_OK;
    f->cur = -1;
    for (size_t i = 0; err == NARA_OK && i < f->n; i++) {
        if (f->items[i].rule != NARA_RULE_OK)
            continue;
        if (f->items[i].m.kind == NARA_KIND_LO_ASSIGN)
            err = lo_assign(f, (int)i);
        else
            lo_unassign(f, (int)i);
    }
    if (f->cur >= 0)
        f->items[f->cur].flags |= NARA_LO_CURRENT;
    return err;
}

static nara_err_t lo_write_history(nara_domain_t *d, const char *code, const nara__item_t *it)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_LOH_INSERT);
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)it->m.hlc);
    sqlite3_bind_blob(st, 3, it->m.id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, nara_kind_name(it->m.kind), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, it->m.author, 32, SQLITE_TRANSIENT);
    nara__bind_str(st, 6, it->b.officer);
    nara__bind_str(st, 7, it->b.agency);
    nara__bind_str(st, 8, it->b.decree);
    nara__bind_str(st, 9, it->b.effective);
    nara__bind_id(st, 10, it->b.has_device ? it->b.device : NULL);
    nara__bind_id(st, 11, it->b.has_ref ? it->b.ref : NULL);
    sqlite3_bind_int(st, 12, (int)it->flags);
    return nara__dom_exec(d, st, "insert dom_lo_history");
}

static nara_err_t lo_write_conflict(nara_domain_t *d, const char *code, const lo_fold_t *f,
                                    const lo_conflict_t *c)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_CONFLICT_INSERT);
    sqlite3_bind_int(st, 1, NARA__ENT_REGION);
    sqlite3_bind_blob(st, 2, code, (int)strlen(code), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, "lo-assign", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, f->items[c->a].m.id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 5, f->items[c->b].m.id, 32, SQLITE_TRANSIENT);
    nara__bind_id(st, 6, c->resolved_by >= 0 ? f->items[c->resolved_by].m.id : NULL);
    sqlite3_bind_text(st, 7, code, -1, SQLITE_TRANSIENT);
    return nara__dom_exec(d, st, "insert dom_conflict");
}

static nara_err_t lo_write(nara_domain_t *d, const char *code, const lo_fold_t *f)
{
    nara_err_t err = NARA_OK;
    for (size_t i = 0; err == NARA_OK && i < f->n; i++)
        if (f->items[i].rule == NARA_RULE_OK)
            err = lo_write_history(d, code, &f->items[i]);
    for (size_t k = 0; err == NARA_OK && k < f->n_conflicts; k++)
        err = lo_write_conflict(d, code, f, &f->conflicts[k]);
    if (err == NARA_OK)
        err = nara__items_quarantine(d, f->items, f->n, NARA__ENT_REGION, code, strlen(code));
    return err;
}

static nara_err_t lo_clear(nara_domain_t *d, const char *code)
{
    nara_err_t err = delete_by(d, NARA__DQ_LOH_DELETE, code);
    if (err == NARA_OK)
        err = delete_ent(d, NARA__DQ_CONFLICT_DELETE, NARA__ENT_REGION, code, strlen(code));
    if (err == NARA_OK)
        err = delete_ent(d, NARA__DQ_Q_DELETE, NARA__ENT_REGION, code, strlen(code));
    return err;
}

nara_err_t nara__fold_region(nara_domain_t *d, int region)
{
    const char *code = nara_regions_at(d->regions, (size_t)region)->code;
    const nara__devtab_t *devs;
    lo_fold_t f;
    nara_err_t err;

    memset(&f, 0, sizeof f);
    err = nara__dom_devs(d, &devs);
    if (err == NARA_OK)
        err = nara__items_load(d, NARA__ENT_REGION, code, strlen(code), &f.items, &f.n);
    for (size_t i = 0; err == NARA_OK && i < f.n; i++)
        nara__item_judge(d, devs, &f.items[i]);
    if (err == NARA_OK)
        err = nara__reach_build(&f.reach, f.items, f.n, lo_refs);
    if (err == NARA_OK)
        err = lo_apply(&f);
    if (err == NARA_OK)
        err = lo_clear(d, code);
    if (err == NARA_OK)
        err = lo_write(d, code, &f);
    nara__reach_free(&f.reach);
    nara__items_free(f.items, f.n);
    free(f.conflicts);
    d->stats.regions_refolded++;
    return err;
}
