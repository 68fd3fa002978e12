/*
 * domain_items.c - what every entity fold does first: load the entity's
 * events in (hlc, id) order, parse their bodies, judge their authors, and
 * compute which events happened before which ("reachability", docs/events.md
 * section 1.4).
 *
 * Invariants:
 *  1. Items come in (hlc, id) order, the order the fold applies them in.
 *  2. reach(i, j) is true exactly when j can be reached from i by following
 *     parent edges: the references an event names (only those naming an item
 *     of the same entity) and the previous item of the same feed.  Ids are
 *     hashes, so a reference can only name an event that existed when its
 *     author wrote: the relation is causal and acyclic (a cycle, impossible
 *     for real events, is cut rather than followed).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "domain_internal.h"

void nara__items_free(nara__item_t *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        free(items[i].bytes);
    free(items);
}

/* Where the body of a stored event is.  Its bytes passed nara_event_decode
 * when the store accepted them, so only positions are read here: no hashing,
 * no validation.  *body is NULL for a redacted event.  false if the bytes are
 * not an event's (a damaged file). */
bool nara__stored_body(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len)
{
    enum { SIG_PART = 2 + NARA_SIGNATURE_BYTES }; /* c4 40 || sig, the last element */
    nara__mp_reader_t r = {buf, buf + len};
    nara__mp_item_t it;
    if (nara__mp_next(&r, &it) != NARA_OK || it.kind != NARA__MP_ARRAY || it.u != 9)
        return false;
    for (int k = 0; k < 7; k++) /* version .. kind: scalars */
        if (nara__mp_next(&r, &it) != NARA_OK || it.kind == NARA__MP_ARRAY ||
            it.kind == NARA__MP_MAP)
            return false;
    const uint8_t *start = r.p;
    if (nara__mp_next(&r, &it) != NARA_OK || r.end - start < SIG_PART ||
        r.end[-SIG_PART] != 0xc4 || r.end[-SIG_PART + 1] != NARA_SIGNATURE_BYTES)
        return false;
    *body = NULL;
    *body_len = 0;
    if (it.kind == NARA__MP_BIN)
        return it.u == NARA_HASH_BYTES;
    if (it.kind != NARA__MP_MAP)
        return false;
    *body = start;
    *body_len = (size_t)(r.end - SIG_PART - start);
    return true;
}

/* One row of NARA__DQ_ENT_ROWS or NARA__DQ_EVENT_ROW: identity, a copy of
 * the bytes, the body. */
static nara_err_t load_row(nara_domain_t *d, sqlite3_stmt *st, nara__item_t *it)
{
    const uint8_t *body;
    size_t body_len, len = (size_t)sqlite3_column_bytes(st, 6);
    if (!nara__dom_row_meta(st, &it->m))
        return nara__store_sqlite_err(d->s, SQLITE_CORRUPT, "dom_index row");
    it->ord = sqlite3_column_int64(st, 7);
    it->bytes = malloc(len ? len : 1);
    if (it->bytes == NULL)
        return NARA_NOMEM;
    if (len)
        memcpy(it->bytes, sqlite3_column_blob(st, 6), len);
    if (!nara__stored_body(it->bytes, len, &body, &body_len))
        return NARA_CORRUPT;
    it->rule = nara__body_parse(it->m.kind, body, body_len, d->regions, &d->zone, &it->b,
                                it->detail, sizeof it->detail);
    it->parsed = it->rule == NARA_RULE_OK;
    return NARA_OK;
}

/* The rows of NARA__DQ_ENT_ROWS, bound. */
static nara_err_t load_rows(nara_domain_t *d, sqlite3_stmt *st, nara__item_t **items, size_t *n)
{
    size_t cap = 0;
    nara_err_t err = NARA_OK;
    int rc;

    *items = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            nara__item_t *v = realloc(*items, ncap * sizeof *v);
            if (v == NULL) {
                err = NARA_NOMEM;
                break;
            }
            memset(v + cap, 0, (ncap - cap) * sizeof *v);
            *items = v;
            cap = ncap;
        }
        err = load_row(d, st, &(*items)[(*n)++]);
        if (err != NARA_OK)
            break;
    }
    if (err == NARA_OK)
        err = nara__dom_err(d, rc, "read entity rows");
    sqlite3_reset(st);
    if (err == NARA_OK && *items == NULL && (*items = calloc(1, sizeof **items)) == NULL)
        err = NARA_NOMEM;
    if (err != NARA_OK) {
        nara__items_free(*items, *n);
        *items = NULL;
        *n = 0;
    }
    return err;
}

nara_err_t nara__items_load(nara_domain_t *d, int ent, const void *key, size_t key_len,
                            nara__item_t **items, size_t *n)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_ENT_ROWS);
    sqlite3_bind_int(st, 1, ent);
    nara__bind_key(st, 2, key, key_len);
    return load_rows(d, st, items, n);
}

/* ---- the events of cases new in this transaction ------------------------------------ */

nara_err_t nara__txn_event_add(nara_domain_t *d, int64_t cno, int64_t ord, const nara__meta_t *m,
                               const nara_event_t *ev)
{
    nara__txn_events_t *t = &d->txn_events;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        nara__txn_event_t *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return NARA_NOMEM;
        t->v = v;
        t->cap = cap;
    }
    nara__txn_event_t *e = &t->v[t->n];
    e->cno = cno;
    e->ord = ord;
    e->m = *m;
    e->body = NULL;
    e->body_len = 0;
    if (ev->body) {
        e->body = malloc(ev->body_len ? ev->body_len : 1);
        if (e->body == NULL)
            return NARA_NOMEM;
        memcpy(e->body, ev->body, ev->body_len);
        e->body_len = ev->body_len;
    }
    t->n++;
    return NARA_OK;
}

/* (cno, hlc, id): a case's events in the order NARA__DQ_ENT_ROWS gives. */
static int txn_event_cmp(const void *a, const void *b)
{
    const nara__txn_event_t *x = a, *y = b;
    if (x->cno != y->cno)
        return x->cno < y->cno ? -1 : 1;
    if (x->m.hlc != y->m.hlc)
        return x->m.hlc < y->m.hlc ? -1 : 1;
    return memcmp(x->m.id, y->m.id, 32);
}

void nara__txn_events_sort(nara_domain_t *d)
{
    if (d->txn_events.n > 1) /* qsort may not be given a NULL array, even empty */
        qsort(d->txn_events.v, d->txn_events.n, sizeof *d->txn_events.v, txn_event_cmp);
}

void nara__txn_events_clear(nara_domain_t *d)
{
    for (size_t i = 0; i < d->txn_events.n; i++)
        free(d->txn_events.v[i].body);
    d->txn_events.n = 0;
}

/* The items of a case new in this transaction, from d->txn_events (sorted). */
static nara_err_t items_of_txn(nara_domain_t *d, int64_t cno, nara__item_t **items, size_t *n)
{
    const nara__txn_events_t *t = &d->txn_events;
    size_t lo = 0, hi = t->n, end;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].cno < cno)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (end = lo; end < t->n && t->v[end].cno == cno; end++)
        ;
    *n = end - lo;
    *items = calloc(*n ? *n : 1, sizeof **items);
    if (*items == NULL) {
        *n = 0;
        return NARA_NOMEM;
    }
    for (size_t i = 0; i < *n; i++) {
        nara__txn_event_t *e = &t->v[lo + i];
        nara__item_t *it = &(*items)[i];
        it->m = e->m;
        it->ord = e->ord;
        it->bytes = e->body; /* moves: nara__items_free frees it */
        e->body = NULL;
        it->rule = nara__body_parse(it->m.kind, it->bytes, e->body_len, d->regions, &d->zone,
                                    &it->b, it->detail, sizeof it->detail);
        it->parsed = it->rule == NARA_RULE_OK;
    }
    return NARA_OK;
}

/* (hlc, id): the order NARA__DQ_ENT_ROWS gives (hlc <= NARA_HLC_MAX, so the
 * unsigned comparison is SQLite's). */
static int item_cmp(const void *a, const void *b)
{
    const nara__item_t *x = a, *y = b;
    if (x->m.hlc != y->m.hlc)
        return x->m.hlc < y->m.hlc ? -1 : 1;
    return memcmp(x->m.id, y->m.id, 32);
}

/* The ords of a case's event list; *ords NULL when it has none. */
static nara_err_t case_list(nara_domain_t *d, int64_t cno, int64_t **ords, size_t *n)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_CASEEV_GET);
    sqlite3_bind_int64(st, 1, cno);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__dom_err(d, rc, "read dom_case_ev");
    size_t len = rc == SQLITE_ROW ? (size_t)sqlite3_column_bytes(st, 0) : 0;
    const uint8_t *p = rc == SQLITE_ROW ? sqlite3_column_blob(st, 0) : NULL;
    *ords = NULL;
    *n = 0;
    if (err == NARA_OK && len % NARA__EV_ENTRY != 0)
        err = nara__store_sqlite_err(d->s, SQLITE_CORRUPT, "dom_case_ev row");
    if (err == NARA_OK && len > 0 && (*ords = malloc(len / NARA__EV_ENTRY * sizeof **ords)) == NULL)
        err = NARA_NOMEM;
    for (size_t i = 0; err == NARA_OK && i < len / NARA__EV_ENTRY; i++) {
        uint64_t v = 0;
        for (int k = 0; k < NARA__EV_ENTRY; k++)
            v = v << 8 | p[i * NARA__EV_ENTRY + (size_t)k];
        (*ords)[(*n)++] = (int64_t)v;
    }
    sqlite3_reset(st);
    return err;
}

/* A case's events from the store, by the ords of its list, then sorted. */
static nara_err_t items_of_list(nara_domain_t *d, int64_t cno, nara__item_t **items, size_t *n)
{
    int64_t *ords = NULL;
    size_t n_ords = 0;
    nara_err_t err = cno > 0 ? case_list(d, cno, &ords, &n_ords) : NARA_OK;
    *n = 0;
    *items = err == NARA_OK ? calloc(n_ords ? n_ords : 1, sizeof **items) : NULL;
    if (err == NARA_OK && *items == NULL)
        err = NARA_NOMEM;
    for (size_t i = 0; err == NARA_OK && i < n_ords; i++) {
        sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_EVENT_ROW);
        sqlite3_bind_int64(st, 1, ords[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            err = load_row(d, st, &(*items)[(*n)++]);
        else if ((err = nara__dom_err(d, rc, "read case event")) == NARA_OK)
            err = nara__store_sqlite_err(d->s, SQLITE_CORRUPT, "dom_case_ev names no event");
        sqlite3_reset(st);
    }
    free(ords);
    if (err != NARA_OK) {
        nara__items_free(*items, *n);
        *items = NULL;
        *n = 0;
        return err;
    }
    if (*n > 1) /* qsort may not be given a NULL array, even empty */
        qsort(*items, *n, sizeof **items, item_cmp);
    return NARA_OK;
}

nara_err_t nara__items_load_case(nara_domain_t *d, int64_t cno, nara__item_t **items, size_t *n)
{
    if (d->txn_first_ord > 0 && cno >= d->txn_first_ord)
        return items_of_txn(d, cno, items, n);
    return items_of_list(d, cno, items, n);
}

void nara__item_judge(nara_domain_t *d, const nara__devtab_t *devs, nara__item_t *it)
{
    nara__who_t who;
    const nara__dev_entry_t *via;
    if (it->rule != NARA_RULE_OK)
        return;
    nara__devtab_who(devs, d->root, it->m.author, it->m.hlc, it->m.id, &who, &via);
    it->rule =
        nara__authorize(&who, it->m.kind, nara__stream_class(d->regions, it->m.stream), NULL);
    if (it->rule == NARA_RULE_OK)
        return;
    nara__rule_detail(it->rule, &who, it->m.kind, it->m.stream, it->detail, sizeof it->detail);
    if (it->rule == NARA_RULE_REVOKED && via) {
        it->has_related = true;
        memcpy(it->related, via->id, 32);
    }
}

bool nara__items_new(const nara_domain_t *d, const nara__item_t *items, size_t n)
{
    if (d->txn_first_ord <= 0 || n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (items[i].ord < d->txn_first_ord)
            return false;
    return true;
}

int nara__items_find(const nara__item_t *items, size_t n, const uint8_t id[32])
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(items[i].m.id, id, 32) == 0)
            return (int)i;
    return -1;
}

nara_err_t nara__items_quarantine(nara_domain_t *d, const nara__item_t *items, size_t n, int ent,
                                  const void *key, size_t key_len)
{
    nara_err_t err = NARA_OK;
    for (size_t i = 0; err == NARA_OK && i < n; i++)
        if (items[i].rule != NARA_RULE_OK)
            err = nara__dom_quarantine(d, &items[i].m, ent, key, key_len, items[i].rule,
                                       items[i].detail,
                                       items[i].has_related ? items[i].related : NULL);
    return err;
}

/* ---- reachability ----------------------------------------------------------------- */

#define MAX_PARENTS (NARA_SEEN_MAX + 1)

/* Feed order: (author, stream, seq). */
static int feed_cmp(const nara__meta_t *x, const nara__meta_t *y)
{
    int c = memcmp(x->author, y->author, 32);
    if (c == 0)
        c = strcmp(x->stream, y->stream);
    if (c == 0)
        c = (x->seq > y->seq) - (x->seq < y->seq);
    return c;
}

/* Insertion sort of item indices into feed order (n is one entity's event
 * count; each feed is already in order, so the cost is the interleaving). */
static void sort_feed_order(const nara__item_t *items, size_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = i, v = order[i];
        while (j > 0 && feed_cmp(&items[order[j - 1]].m, &items[v].m) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

/* parents[i * MAX_PARENTS + k], -1 terminated. */
static nara_err_t build_parents(const nara__item_t *items, size_t n,
                                size_t (*refs)(const nara__item_t *, const uint8_t **),
                                int *parents)
{
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (order == NULL)
        return NARA_NOMEM;
    for (size_t i = 0; i < n * MAX_PARENTS; i++)
        parents[i] = -1;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *ids[NARA_SEEN_MAX];
        size_t k = 0, m = items[i].parsed ? refs(&items[i], ids) : 0;
        for (size_t j = 0; j < m && j < NARA_SEEN_MAX; j++) {
            int p = nara__items_find(items, n, ids[j]);
            if (p >= 0 && (size_t)p != i)
                parents[i * MAX_PARENTS + k++] = p;
        }
        order[i] = i;
    }
    sort_feed_order(items, order, n);
    for (size_t k = 1; k < n; k++) {
        const nara__meta_t *a = &items[order[k - 1]].m, *b = &items[order[k]].m;
        if (memcmp(a->author, b->author, 32) == 0 && strcmp(a->stream, b->stream) == 0) {
            int *row = &parents[order[k] * MAX_PARENTS];
            while (*row >= 0)
                row++;
            *row = (int)order[k - 1];
        }
    }
    free(order);
    return NARA_OK;
}

/* Ancestors of every node, parents first (iterative DFS, post-order). */
static nara_err_t close_over(nara__reach_t *r, const int *parents)
{
    unsigned char *state = calloc(r->n ? r->n : 1, 1); /* 0 new, 1 on stack, 2 done */
    size_t *stack = malloc((r->n ? r->n : 1) * sizeof *stack);
    if (state == NULL || stack == NULL) {
        free(state);
        free(stack);
        return NARA_NOMEM;
    }
    for (size_t root = 0; root < r->n; root++) {
        size_t top = 0;
        if (state[root])
            continue;
        stack[top++] = root;
        state[root] = 1;
        while (top > 0) {
            size_t i = stack[top - 1];
            const int *p = &parents[i * MAX_PARENTS];
            bool pushed = false;
            for (int k = 0; k < MAX_PARENTS && p[k] >= 0 && !pushed; k++)
                if (state[p[k]] == 0) {
                    state[p[k]] = 1;
                    stack[top++] = (size_t)p[k];
                    pushed = true;
                }
            if (pushed)
                continue;
            uint64_t *row = &r->bits[i * r->words];
            for (int k = 0; k < MAX_PARENTS && p[k] >= 0; k++) {
                if (state[p[k]] != 2)
                    continue; /* a cycle: cut */
                const uint64_t *pr = &r->bits[(size_t)p[k] * r->words];
                for (size_t w = 0; w < r->words; w++)
                    row[w] |= pr[w];
                row[p[k] / 64] |= (uint64_t)1 << (p[k] % 64);
            }
            state[i] = 2;
            top--;
        }
    }
    free(state);
    free(stack);
    return NARA_OK;
}

nara_err_t nara__reach_build(nara__reach_t *r, const nara__item_t *items, size_t n,
                             size_t (*refs)(const nara__item_t *it, const uint8_t **out))
{
    int *parents;
    nara_err_t err;

    memset(r, 0, sizeof *r);
    r->n = n;
    r->words = (n + 63) / 64;
    r->bits = calloc(n > 0 ? n * r->words : 1, sizeof *r->bits);
    parents = malloc((n ? n : 1) * MAX_PARENTS * sizeof *parents);
    if (r->bits == NULL || parents == NULL) {
        free(parents);
        nara__reach_free(r);
        return NARA_NOMEM;
    }
    err = build_parents(items, n, refs, parents);
    if (err == NARA_OK)
        err = close_over(r, parents);
    free(parents);
    if (err != NARA_OK)
        nara__reach_free(r);
    return err;
}

bool nara__reach(const nara__reach_t *r, size_t from, size_t to)
{
    assert(from < r->n && to < r->n);
    return (r->bits[from * r->words + to / 64] >> (to % 64)) & 1u;
}

void nara__reach_free(nara__reach_t *r)
{
    free(r->bits);
    memset(r, 0, sizeof *r);
}
