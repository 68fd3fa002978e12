/*
 * domain_fold_case.c - the fold of one case: its status machine, timeline,
 * conflicts and quarantine (docs/events.md sections 4-6).
 *
 * DESIGN NOTES
 *   A case is the entity keyed by the id of its case.open.  Its events are
 *   judged (body, authority, then: is the opening in the log and effective,
 *   is the event in the opening's region stream), then the effective ones
 *   are applied in (hlc, id) order, the opening first:
 *
 *     open --ack--> acknowledged --escalate--> escalated --escalate--> escalated
 *       |               |                        |
 *       +---------------+------------------------+--resolve--> resolved --close--> closed
 *       +---------------+------------------------+--close----> closed
 *     resolved/closed --reopen--> reopened (acts as acknowledged)
 *     ack when past open: records the acknowledgement time if none yet
 *     note, action: always applied, status unchanged
 *
 *   Concurrency (section 6) uses reachability through `seen` and feed order
 *   (domain_items.c):
 *     - a close concurrent with an applied reopen earlier in the order has
 *       no effect (reopen wins whatever the clocks); every concurrent
 *       (close, applied reopen) pair is a close-reopen conflict;
 *     - every concurrent (applied resolve, note/action) pair is a
 *       note-after-resolve conflict; the note stays, the status too.
 *
 * Invariants:
 *  1. nara__fold_case deletes every row keyed by the case (dom_case, with
 *     its timeline, by its number, its conflicts and quarantine rows by its
 *     id) and writes them again
 *     from the case's events, the enrolment table and the region list only.
 *  2. Every event of the case is on the timeline (effective) or in the
 *     quarantine, never both; without an effective opening there is no case
 *     row and every other event is quarantined unknown-case (held: re-folded
 *     when the opening arrives, since it belongs to the same entity).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"

typedef struct {
    const char *kind; /* "close-reopen" / "note-after-resolve" */
    int a, b;
} case_conflict_t;

typedef struct {
    const uint8_t *case_id;
    int64_t cno; /* the case's number (dom_caseno) */
    nara__item_t *items;
    size_t n;
    int open;
    nara__reach_t reach;
    nara_case_status_t status;
    int ack, escalate, resolved, closed; /* item indices, -1 if none */
    uint64_t last;
    case_conflict_t *conflicts;
    size_t n_conflicts;
} case_fold_t;

static size_t case_refs(const nara__item_t *it, const uint8_t **out)
{
    for (size_t i = 0; i < it->b.n_seen; i++)
        out[i] = it->b.seen[i];
    return it->b.n_seen;
}

static bool str_eq(nara__str_t s, const char *z)
{
    return s.n == strlen(z) && memcmp(s.p, z, s.n) == 0;
}

/* ---- judging ---------------------------------------------------------------------- */

static void judge_open(nara_domain_t *d, const nara__devtab_t *devs, nara__item_t *it)
{
    if (it->rule == NARA_RULE_OK && !str_eq(it->b.region, it->m.stream)) {
        it->rule = NARA_RULE_WRONG_STREAM;
        snprintf(it->detail, sizeof it->detail, "field 'region' differs from stream '%s'",
                 it->m.stream);
    }
    nara__item_judge(d, devs, it);
}

static void judge_event(nara_domain_t *d, const nara__devtab_t *devs, const case_fold_t *f,
                        nara__item_t *it)
{
    nara__item_judge(d, devs, it);
    if (it->rule != NARA_RULE_OK)
        return;
    if (f->open < 0 || f->items[f->open].rule != NARA_RULE_OK) {
        it->rule = NARA_RULE_UNKNOWN_CASE;
        snprintf(it->detail, sizeof it->detail,
                 f->open < 0 ? "case opening not in the log" : "case opening did not take effect");
    } else if (strcmp(it->m.stream, f->items[f->open].m.stream) != 0) {
        it->rule = NARA_RULE_WRONG_STREAM;
        snprintf(it->detail, sizeof it->detail, "the case belongs to region %s",
                 f->items[f->open].m.stream);
    }
}

static void judge_all(nara_domain_t *d, const nara__devtab_t *devs, case_fold_t *f)
{
    f->open = -1;
    for (size_t i = 0; i < f->n; i++)
        if (f->items[i].m.kind == NARA_KIND_CASE_OPEN &&
            memcmp(f->items[i].m.id, f->case_id, 32) == 0)
            f->open = (int)i;
    if (f->open >= 0)
        judge_open(d, devs, &f->items[f->open]);
    for (size_t i = 0; i < f->n; i++)
        if ((int)i != f->open)
            judge_event(d, devs, f, &f->items[i]);
}

/* ---- applying -------------------------------------------------------------------- */

static bool concurrent(const case_fold_t *f, size_t i, size_t j)
{
    return i != j && !nara__reach(&f->reach, i, j) && !nara__reach(&f->reach, j, i);
}

/* Is there an applied reopen before item i that i did not see? */
static bool beaten_by_reopen(const case_fold_t *f, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (f->items[j].m.kind == NARA_KIND_CASE_REOPEN && (f->items[j].flags & NARA_TL_APPLIED) &&
            concurrent(f, i, j))
            return true;
    return false;
}

static bool status_in(nara_case_status_t st, unsigned mask)
{
    return (mask >> st) & 1u;
}

#define S(x) (1u << NARA_CASE_##x)
#define ACTIVE (S(ACKNOWLEDGED) | S(ESCALATED) | S(REOPENED))

/* Apply item i to the state; true if it took effect. */
static bool apply_one(case_fold_t *f, size_t i)
{
    nara_kind_t k = f->items[i].m.kind;
    switch (k) {
    case NARA_KIND_CASE_ACK:
        if (f->ack >= 0)
            return false;
        f->ack = (int)i;
        if (f->status == NARA_CASE_OPEN)
            f->status = NARA_CASE_ACKNOWLEDGED;
        return true;
    case NARA_KIND_CASE_NOTE:
    case NARA_KIND_CASE_ACTION:
        return true;
    case NARA_KIND_CASE_ESCALATE:
        if (!status_in(f->status, ACTIVE))
            return false;
        f->status = NARA_CASE_ESCALATED;
        f->escalate = (int)i;
        return true;
    case NARA_KIND_CASE_RESOLVE:
        if (!status_in(f->status, S(OPEN) | ACTIVE))
            return false;
        f->status = NARA_CASE_RESOLVED;
        f->resolved = (int)i;
        return true;
    case NARA_KIND_CASE_CLOSE:
        if (!status_in(f->status, S(OPEN) | ACTIVE | S(RESOLVED)) || beaten_by_reopen(f, i))
            return false;
        f->status = NARA_CASE_CLOSED;
        f->closed = (int)i;
        return true;
    case NARA_KIND_CASE_REOPEN:
        if (!status_in(f->status, S(RESOLVED) | S(CLOSED)))
            return false;
        f->status = NARA_CASE_REOPENED;
        f->resolved = f->closed = -1;
        return true;
    default:
        return false;
    }
}

static void apply_all(case_fold_t *f)
{
    assert(f->open >= 0 && f->items[f->open].rule == NARA_RULE_OK);
    f->status = NARA_CASE_OPEN;
    f->ack = f->escalate = f->resolved = f->closed = -1;
    f->items[f->open].flags = NARA_TL_APPLIED;
    f->last = f->items[f->open].m.hlc;
    for (size_t i = 0; i < f->n; i++) {
        nara__item_t *it = &f->items[i];
        if ((int)i == f->open || it->rule != NARA_RULE_OK)
            continue;
        if (apply_one(f, i)) {
            it->flags |= NARA_TL_APPLIED;
            if (it->m.hlc > f->last)
                f->last = it->m.hlc;
        } else {
            it->flags |= NARA_TL_NO_EFFECT;
        }
    }
}

static nara_err_t add_conflict(case_fold_t *f, const char *kind, size_t a, size_t b)
{
    case_conflict_t *v = realloc(f->conflicts, (f->n_conflicts + 1) * sizeof *v);
    if (v == NULL)
        return NARA_NOMEM;
    f->conflicts = v;
    f->conflicts[f->n_conflicts++] = (case_conflict_t){kind, (int)a, (int)b};
    f->items[a].flags |= NARA_TL_CONFLICT;
    f->items[b].flags |= NARA_TL_CONFLICT;
    return NARA_OK;
}

static bool effective(const nara__item_t *it, nara_kind_t kind)
{
    return it->rule == NARA_RULE_OK && it->m.kind == kind;
}

static bool applied(const nara__item_t *it, nara_kind_t kind)
{
    return effective(it, kind) && (it->flags & NARA_TL_APPLIED);
}

static nara_err_t find_conflicts(case_fold_t *f)
{
    nara_err_t err = NARA_OK;
    for (size_t i = 0; err == NARA_OK && i < f->n; i++) {
        for (size_t j = 0; err == NARA_OK && j < f->n; j++) {
            const nara__item_t *x = &f->items[i], *y = &f->items[j];
            if (!concurrent(f, i, j))
                continue;
            if (effective(x, NARA_KIND_CASE_CLOSE) && applied(y, NARA_KIND_CASE_REOPEN))
                err = add_conflict(f, "close-reopen", i, j);
            else if (applied(x, NARA_KIND_CASE_RESOLVE) &&
                     (effective(y, NARA_KIND_CASE_NOTE) || effective(y, NARA_KIND_CASE_ACTION)))
                err = add_conflict(f, "note-after-resolve", i, j);
        }
    }
    return err;
}

/* ---- writing --------------------------------------------------------------------- */

char *nara__timeline_text(nara_kind_t kind, const nara__body_t *b, char *buf, size_t cap,
                          bool *heap)
{
    nara__str_t parts[5] = {{0}};
    const char *seps[5] = {"", "", "", "", ""};
    size_t len = 1;
    char *out;

    switch (kind) {
    case NARA_KIND_CASE_OPEN:
        parts[0] = b->title;
        break;
    case NARA_KIND_CASE_NOTE:
        parts[0] = b->text;
        break;
    case NARA_KIND_CASE_RESOLVE:
        parts[0] = b->summary;
        break;
    case NARA_KIND_CASE_REOPEN:
        parts[0] = b->reason;
        break;
    case NARA_KIND_CASE_ESCALATE:
        parts[0] = b->to, seps[1] = ": ", parts[1] = b->reason;
        break;
    case NARA_KIND_CASE_ACTION:
        parts[0] = b->what, seps[1] = " (", parts[1] = b->who, seps[2] = ", ";
        parts[2] = b->due, seps[3] = ")";
        break;
    default:
        break;
    }
    for (int k = 0; k < 5; k++)
        len += strlen(seps[k]) + parts[k].n;
    *heap = len > cap;
    out = *heap ? malloc(len) : buf;
    if (out == NULL)
        return NULL;
    len = 0;
    for (int k = 0; k < 5; k++) {
        memcpy(out + len, seps[k], strlen(seps[k]));
        len += strlen(seps[k]);
        if (parts[k].n)
            memcpy(out + len, parts[k].p, parts[k].n);
        len += parts[k].n;
    }
    out[len] = '\0';
    return out;
}

static void bind_hlc_of(sqlite3_stmt *st, int col, const case_fold_t *f, int item)
{
    sqlite3_bind_int64(st, col, item >= 0 ? (sqlite3_int64)f->items[item].m.hlc : 0);
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * (n - 1 - k)));
}

/* The case row, with its timeline: the effective events in (hlc, id) order
 * (the items' order), each (ord, flags). */
static nara_err_t write_case(nara_domain_t *d, const case_fold_t *f)
{
    const nara__item_t *o = &f->items[f->open];
    uint8_t *tl = malloc(f->n * NARA__TL_ENTRY + 1);
    size_t tl_len = 0;
    if (tl == NULL)
        return NARA_NOMEM;
    for (size_t i = 0; i < f->n; i++) {
        if (f->items[i].rule != NARA_RULE_OK)
            continue;
        put_be(tl + tl_len, (uint64_t)f->items[i].ord, 8);
        put_be(tl + tl_len + 8, f->items[i].flags, 4);
        tl_len += NARA__TL_ENTRY;
    }
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_CASE_INSERT);
    sqlite3_bind_blob(st, 18, tl, (int)tl_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 17, f->cno);
    sqlite3_bind_blob(st, 1, f->case_id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, o->m.stream, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, (int)f->status);
    nara__bind_str(st, 4, o->b.category);
    nara__bind_str(st, 5, o->b.function);
    nara__bind_str(st, 6, o->b.title);
    nara__bind_str(st, 7, o->b.description);
    nara__bind_str(st, 8, o->b.priority);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)o->m.hlc);
    sqlite3_bind_blob(st, 10, o->m.author, 32, SQLITE_TRANSIENT);
    if (f->ack >= 0) {
        sqlite3_bind_int64(st, 11, (sqlite3_int64)f->items[f->ack].m.hlc);
        sqlite3_bind_blob(st, 12, f->items[f->ack].m.author, 32, SQLITE_TRANSIENT);
    }
    if (f->escalate >= 0)
        nara__bind_str(st, 13, f->items[f->escalate].b.to);
    else
        sqlite3_bind_text(st, 13, "", 0, SQLITE_STATIC);
    bind_hlc_of(st, 14, f, f->resolved);
    bind_hlc_of(st, 15, f, f->closed);
    sqlite3_bind_int64(st, 16, (sqlite3_int64)f->last);
    nara_err_t err = nara__dom_exec(d, st, "insert dom_case");
    free(tl);
    return err;
}

static nara_err_t write_conflict(nara_domain_t *d, const case_fold_t *f, const case_conflict_t *c)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_CONFLICT_INSERT);
    sqlite3_bind_int(st, 1, NARA__ENT_CASE);
    sqlite3_bind_blob(st, 2, f->case_id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, f->items[c->a].m.id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 5, f->items[c->b].m.id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_null(st, 6);
    sqlite3_bind_text(st, 7, f->items[f->open].m.stream, -1, SQLITE_TRANSIENT);
    return nara__dom_exec(d, st, "insert dom_conflict");
}

static nara_err_t delete_case_rows(nara_domain_t *d, const uint8_t *case_id, int64_t cno)
{
    static const nara__dom_stmt_id_t by_ent[] = {NARA__DQ_CONFLICT_DELETE, NARA__DQ_Q_DELETE};
    sqlite3_stmt *row = nara__dom_stmt(d, NARA__DQ_CASE_DELETE);
    sqlite3_bind_int64(row, 1, cno);
    nara_err_t err = nara__dom_exec(d, row, "delete case rows");
    for (int k = 0; err == NARA_OK && k < 2; k++) {
        sqlite3_stmt *st = nara__dom_stmt(d, by_ent[k]);
        sqlite3_bind_int(st, 1, NARA__ENT_CASE);
        sqlite3_bind_blob(st, 2, case_id, 32, SQLITE_TRANSIENT);
        err = nara__dom_exec(d, st, "delete case rows");
    }
    return err;
}

static nara_err_t write_all(nara_domain_t *d, const case_fold_t *f)
{
    /* A case whose events all arrived in this transaction has no rows yet. */
    nara_err_t err = nara__items_new(d, f->items, f->n) ? NARA_OK
                                                         : delete_case_rows(d, f->case_id, f->cno);
    bool exists = f->open >= 0 && f->items[f->open].rule == NARA_RULE_OK;
    if (err == NARA_OK && exists)
        err = write_case(d, f);
    for (size_t k = 0; err == NARA_OK && k < f->n_conflicts; k++)
        err = write_conflict(d, f, &f->conflicts[k]);
    if (err == NARA_OK)
        err = nara__items_quarantine(d, f->items, f->n, NARA__ENT_CASE, f->case_id, 32);
    return err;
}

/* ---- entry points ------------------------------------------------------------------ */

static void case_fold_free(case_fold_t *f)
{
    nara__reach_free(&f->reach);
    nara__items_free(f->items, f->n);
    free(f->conflicts);
}

nara_err_t nara__fold_case(nara_domain_t *d, const nara__case_ref_t *c)
{
    const nara__devtab_t *devs;
    case_fold_t f;
    nara_err_t err;

    memset(&f, 0, sizeof f);
    f.case_id = c->id;
    f.cno = c->cno;
    err = nara__dom_devs(d, &devs);
    if (err == NARA_OK)
        err = nara__items_load_case(d, c->cno, &f.items, &f.n);
    if (err == NARA_OK) {
        judge_all(d, devs, &f);
        err = nara__reach_build(&f.reach, f.items, f.n, case_refs);
    }
    if (err == NARA_OK && f.open >= 0 && f.items[f.open].rule == NARA_RULE_OK) {
        apply_all(&f);
        err = find_conflicts(&f);
    }
    if (err == NARA_OK)
        err = write_all(d, &f);
    case_fold_free(&f);
    d->stats.cases_refolded++;
    return err;
}

nara_err_t nara__case_heads(nara_domain_t *d, const uint8_t case_id[32],
                            uint8_t heads[NARA_SEEN_MAX][32], size_t *n,
                            char stream[NARA_STREAM_MAX + 1])
{
    case_fold_t f;
    int64_t cno = 0;
    nara_err_t err;

    memset(&f, 0, sizeof f);
    *n = 0;
    err = nara__case_number(d, case_id, &cno);
    if (err == NARA_OK)
        err = nara__items_load_case(d, cno, &f.items, &f.n);
    if (err == NARA_OK && nara__items_find(f.items, f.n, case_id) < 0)
        err = NARA_NOT_FOUND;
    if (err == NARA_OK)
        err = nara__reach_build(&f.reach, f.items, f.n, case_refs);
    for (size_t i = f.n; err == NARA_OK && i-- > 0 && *n < NARA_SEEN_MAX;) {
        bool head = true;
        for (size_t j = 0; j < f.n && head; j++)
            head = !nara__reach(&f.reach, j, i);
        if (head)
            memcpy(heads[(*n)++], f.items[i].m.id, 32);
    }
    if (err == NARA_OK)
        memcpy(stream, f.items[nara__items_find(f.items, f.n, case_id)].m.stream,
               NARA_STREAM_MAX + 1);
    case_fold_free(&f);
    return err;
}
