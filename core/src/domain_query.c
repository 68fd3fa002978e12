/*
 * domain_query.c - reading the folded state: LOs, cases, timelines,
 * conflicts, quarantine, devices, decrees, the 24-hour report and the digest.
 *
 * Every walk prepares its own statement, so a callback may call any other
 * read function of the domain or the store (but must not write).  Strings
 * handed to callbacks are SQLite's and live until the callback returns.
 * Nothing here writes.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "domain_internal.h"
#include "nara_hlc.h"

static nara_err_t prepare(nara_domain_t *d, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    return nara__dom_err(d, sqlite3_prepare_v2(d->db, sql, -1, st, NULL), sql);
}

/* Copy a 32-byte blob column; false (out zeroed) if it is not one. */
static bool col_id(sqlite3_stmt *st, int col, uint8_t out[32])
{
    if (sqlite3_column_bytes(st, col) != 32 || sqlite3_column_type(st, col) != SQLITE_BLOB) {
        memset(out, 0, 32);
        return false;
    }
    memcpy(out, sqlite3_column_blob(st, col), 32);
    return true;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static uint64_t col_u64(sqlite3_stmt *st, int col)
{
    return (uint64_t)sqlite3_column_int64(st, col);
}

/* A walk: bind `text` (or `id`) as ?1 when given, step, call `row` per row
 * until it returns non-zero.  NARA_NOT_FOUND if no row and `need_row`. */
typedef int (*row_fn)(sqlite3_stmt *st, void *walk);

static nara_err_t walk(nara_domain_t *d, const char *sql, const char *text, const uint8_t *id,
                       bool need_row, row_fn row, void *ctx)
{
    sqlite3_stmt *st;
    bool any = false;
    int rc = SQLITE_DONE;
    nara_err_t err = prepare(d, sql, &st);

    if (err == NARA_OK && text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    if (err == NARA_OK && id)
        sqlite3_bind_blob(st, 1, id, 32, SQLITE_TRANSIENT);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        any = true;
        if (row(st, ctx) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (err == NARA_OK)
        err = nara__dom_err(d, rc, sql);
    sqlite3_finalize(st);
    if (err == NARA_OK && need_row && !any)
        err = NARA_NOT_FOUND;
    return err;
}

/* The user's callback and context, with a filter for walks that need one. */
typedef struct {
    void (*fn)(void); /* cast back to the walk's callback type before the call */
    void *ctx;
    unsigned mask;
} user_t;

/* ---- LOs ----------------------------------------------------------------------- */

static int lo_row(sqlite3_stmt *st, void *walk_ctx)
{
    user_t *u = walk_ctx;
    nara_lo_t lo;
    memset(&lo, 0, sizeof lo);
    lo.region = col_text(st, 0);
    col_id(st, 1, lo.assignment);
    lo.hlc = col_u64(st, 2);
    lo.officer = col_text(st, 3);
    lo.agency = col_text(st, 4);
    lo.decree = col_text(st, 5);
    lo.effective = col_text(st, 6);
    lo.has_device = col_id(st, 7, lo.device);
    return ((int (*)(void *, const nara_lo_t *))u->fn)(u->ctx, &lo);
}

nara_err_t nara_domain_lo(nara_domain_t *d, const char *region,
                          int (*fn)(void *ctx, const nara_lo_t *lo), void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, 0};
    if (d == NULL || region == NULL || fn == NULL)
        return NARA_INVAL;
    return walk(d,
                "SELECT region, id, hlc, officer, agency, decree, effective, device"
                " FROM dom_lo_history WHERE region = ?1 AND flags & 8",
                region, NULL, true, lo_row, &u);
}

static int lo_entry_row(sqlite3_stmt *st, void *walk_ctx)
{
    user_t *u = walk_ctx;
    nara_lo_entry_t e;
    memset(&e, 0, sizeof e);
    e.hlc = col_u64(st, 0);
    col_id(st, 1, e.id);
    e.kind = nara_kind_parse(col_text(st, 2));
    col_id(st, 3, e.author);
    e.officer = col_text(st, 4);
    e.agency = col_text(st, 5);
    e.decree = col_text(st, 6);
    e.effective = col_text(st, 7);
    e.has_ref = col_id(st, 8, e.ref);
    e.flags = (unsigned)sqlite3_column_int(st, 9);
    return ((int (*)(void *, const nara_lo_entry_t *))u->fn)(u->ctx, &e);
}

nara_err_t nara_domain_lo_history(nara_domain_t *d, const char *region,
                                  int (*fn)(void *ctx, const nara_lo_entry_t *e), void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, 0};
    if (d == NULL || region == NULL || fn == NULL)
        return NARA_INVAL;
    return walk(d,
                "SELECT hlc, id, kind, author, officer, agency, decree, effective, ref, flags"
                " FROM dom_lo_history WHERE region = ?1 ORDER BY hlc, id",
                region, NULL, false, lo_entry_row, &u);
}

/* ---- cases ----------------------------------------------------------------------- */

/* The columns of a case as version 2 declared them (the digest hashes them
 * in this order). */
#define CASE_COLUMNS                                                                               \
    "c.id, c.region, c.status, c.category, c.function, c.title, c.description, c.priority,"        \
    " c.opened, c.opened_by, c.ack, c.ack_by, c.escalated_to, c.resolved, c.closed, c.last"
#define CASE_COLS "SELECT " CASE_COLUMNS " FROM dom_case c"
/* A case's number from its id (?1). */
#define CNO_OF_ID "(SELECT cno FROM dom_caseno WHERE idk = nara_idk(?1) AND id = ?1)"

static void read_case(sqlite3_stmt *st, nara_case_t *c)
{
    memset(c, 0, sizeof *c);
    col_id(st, 0, c->id);
    c->region = col_text(st, 1);
    c->status = (nara_case_status_t)sqlite3_column_int(st, 2);
    c->category = col_text(st, 3);
    c->function = col_text(st, 4);
    c->title = col_text(st, 5);
    c->description = col_text(st, 6);
    c->priority = col_text(st, 7);
    c->opened = col_u64(st, 8);
    col_id(st, 9, c->opened_by);
    c->acked = sqlite3_column_type(st, 10) != SQLITE_NULL;
    c->ack = c->acked ? col_u64(st, 10) : 0;
    col_id(st, 11, c->ack_by);
    c->escalated_to = col_text(st, 12);
    c->resolved = col_u64(st, 13);
    c->closed = col_u64(st, 14);
    c->last = col_u64(st, 15);
}

static int case_row(sqlite3_stmt *st, void *walk_ctx)
{
    user_t *u = walk_ctx;
    nara_case_t c;
    read_case(st, &c);
    if (u->mask && !((u->mask >> c.status) & 1u))
        return 0;
    return ((int (*)(void *, const nara_case_t *))u->fn)(u->ctx, &c);
}

nara_err_t nara_domain_case(nara_domain_t *d, const uint8_t case_id[NARA_ID_BYTES],
                            int (*fn)(void *ctx, const nara_case_t *c), void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, 0};
    if (d == NULL || case_id == NULL || fn == NULL)
        return NARA_INVAL;
    return walk(d, CASE_COLS " WHERE c.cno = " CNO_OF_ID, NULL, case_id, true, case_row, &u);
}

nara_err_t nara_domain_cases(nara_domain_t *d, const char *region, unsigned status_mask,
                             int (*fn)(void *ctx, const nara_case_t *c), void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, status_mask};
    if (d == NULL || fn == NULL)
        return NARA_INVAL;
    if (region)
        return walk(d, CASE_COLS " WHERE region = ?1 ORDER BY opened, id", region, NULL, false,
                    case_row, &u);
    return walk(d, CASE_COLS " ORDER BY opened, id", NULL, NULL, false, case_row, &u);
}

/* ---- timelines ------------------------------------------------------------------ */

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int k = 0; k < n; k++)
        v = v << 8 | p[k];
    return v;
}

enum { TL_OPENING, TL_OTHERS, TL_ALL };

/* Call fn for the entries of a case timeline (dom_case.tl, see
 * domain_internal.h), in their order: the case.open entries (TL_OPENING),
 * the others (TL_OTHERS) or all.  Each event is read by its ord and its text
 * made from its body, as the fold would have.  A non-zero fn stops:
 * *stop. */
static nara_err_t tl_walk(nara_domain_t *d, sqlite3_stmt *ev, const uint8_t *tl, size_t tl_len,
                          int which, int (*fn)(void *ctx, const nara_timeline_entry_t *e),
                          void *ctx, bool *stop)
{
    nara_err_t err = NARA_OK;
    for (size_t k = 0; err == NARA_OK && !*stop && k + NARA__TL_ENTRY <= tl_len;
         k += NARA__TL_ENTRY) {
        nara_timeline_entry_t e;
        const uint8_t *body;
        size_t body_len;
        nara__body_t b;
        char detail[128], buf[1024];
        bool heap = false;
        char *text = NULL;

        sqlite3_reset(ev);
        sqlite3_bind_int64(ev, 1, (sqlite3_int64)get_be(tl + k, 8));
        int rc = sqlite3_step(ev);
        if (rc != SQLITE_ROW) {
            err = nara__dom_err(d, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "timeline event");
            break;
        }
        memset(&e, 0, sizeof e);
        e.kind = nara_kind_parse(col_text(ev, 3));
        if (which != TL_ALL && (e.kind == NARA_KIND_CASE_OPEN) != (which == TL_OPENING))
            continue;
        col_id(ev, 0, e.id);
        e.hlc = col_u64(ev, 1);
        col_id(ev, 2, e.author);
        e.flags = (unsigned)get_be(tl + k + 8, 4);
        if (!nara__stored_body(sqlite3_column_blob(ev, 4), (size_t)sqlite3_column_bytes(ev, 4),
                               &body, &body_len) ||
            nara__body_parse(e.kind, body, body_len, d->regions, &d->zone, &b, detail,
                             sizeof detail) != NARA_RULE_OK) {
            err = nara__dom_err(d, SQLITE_CORRUPT, "timeline event body");
            break;
        }
        text = nara__timeline_text(e.kind, &b, buf, sizeof buf, &heap);
        if (text == NULL) {
            err = NARA_NOMEM;
            break;
        }
        e.text = text;
        *stop = fn(ctx, &e) != 0;
        if (heap)
            free(text);
    }
    sqlite3_reset(ev);
    return err;
}

#define TL_EVENT_SQL                                                                               \
    "SELECT e.id, e.hlc, f.author, e.kind, e.bytes FROM events e JOIN feeds f ON f.id = e.feed"    \
    " WHERE e.ord = ?1"

nara_err_t nara_domain_timeline(nara_domain_t *d, const uint8_t case_id[NARA_ID_BYTES],
                                int (*fn)(void *ctx, const nara_timeline_entry_t *e), void *ctx)
{
    sqlite3_stmt *st = NULL, *ev = NULL;
    bool stop = false;
    int rc = SQLITE_DONE;
    if (d == NULL || case_id == NULL || fn == NULL)
        return NARA_INVAL;
    nara_err_t err = prepare(d, "SELECT tl FROM dom_case WHERE cno = " CNO_OF_ID, &st);
    if (err == NARA_OK)
        err = prepare(d, TL_EVENT_SQL, &ev);
    if (err == NARA_OK) {
        sqlite3_bind_blob(st, 1, case_id, 32, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        err = nara__dom_err(d, rc, "read dom_case");
    }
    if (err == NARA_OK && rc == SQLITE_ROW) {
        const uint8_t *tl = sqlite3_column_blob(st, 0);
        size_t tl_len = (size_t)sqlite3_column_bytes(st, 0);
        /* the opening first, then the others in (hlc, id) order */
        err = tl_walk(d, ev, tl, tl_len, TL_OPENING, fn, ctx, &stop);
        if (err == NARA_OK)
            err = tl_walk(d, ev, tl, tl_len, TL_OTHERS, fn, ctx, &stop);
    }
    sqlite3_finalize(ev);
    sqlite3_finalize(st);
    return err;
}

/* ---- conflicts, quarantine, decrees ----------------------------------------------- */

static int conflict_row(sqlite3_stmt *st, void *walk_ctx)
{
    user_t *u = walk_ctx;
    nara_conflict_t c;
    memset(&c, 0, sizeof c);
    c.has_case = sqlite3_column_int(st, 0) == NARA__ENT_CASE && col_id(st, 1, c.case_id);
    c.kind = col_text(st, 2);
    col_id(st, 3, c.a);
    col_id(st, 4, c.b);
    c.resolved = col_id(st, 5, c.resolved_by);
    c.region = col_text(st, 6);
    return ((int (*)(void *, const nara_conflict_t *))u->fn)(u->ctx, &c);
}

nara_err_t nara_domain_conflicts(nara_domain_t *d, int (*fn)(void *ctx, const nara_conflict_t *c),
                                 void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, 0};
    if (d == NULL || fn == NULL)
        return NARA_INVAL;
    return walk(d,
                "SELECT ent, ekey, kind, a, b, resolved_by, region FROM dom_conflict"
                " ORDER BY ent, ekey, kind, a, b",
                NULL, NULL, false, conflict_row, &u);
}

static int quarantine_row(sqlite3_stmt *st, void *walk_ctx)
{
    user_t *u = walk_ctx;
    nara_dom_quarantined_t q;
    memset(&q, 0, sizeof q);
    col_id(st, 0, q.id);
    q.hlc = col_u64(st, 1);
    col_id(st, 2, q.author);
    q.stream = col_text(st, 3);
    q.kind = col_text(st, 4);
    q.rule = (nara_rule_t)sqlite3_column_int(st, 5);
    q.detail = col_text(st, 6);
    q.has_related = col_id(st, 7, q.related);
    return ((int (*)(void *, const nara_dom_quarantined_t *))u->fn)(u->ctx, &q);
}

nara_err_t nara_domain_quarantine(nara_domain_t *d,
                                  int (*fn)(void *ctx, const nara_dom_quarantined_t *q), void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, 0};
    if (d == NULL || fn == NULL)
        return NARA_INVAL;
    return walk(d,
                "SELECT q.id, q.hlc, f.author, f.stream, e.kind, q.rule, q.detail, q.related"
                " FROM dom_quarantine q JOIN events e ON e.idk = nara_idk(q.id) AND e.id = q.id"
                " JOIN feeds f ON f.id = e.feed ORDER BY q.hlc, q.id",
                NULL, NULL, false, quarantine_row, &u);
}

static int decree_row(sqlite3_stmt *st, void *walk_ctx)
{
    user_t *u = walk_ctx;
    nara_decree_t dc;
    memset(&dc, 0, sizeof dc);
    col_id(st, 0, dc.id);
    dc.hlc = col_u64(st, 1);
    dc.number = col_text(st, 2);
    dc.date = col_text(st, 3);
    dc.effective = col_text(st, 4);
    dc.until = col_text(st, 5);
    dc.title = col_text(st, 6);
    dc.supersedes = col_text(st, 7);
    col_id(st, 8, dc.doc_hash);
    return ((int (*)(void *, const nara_decree_t *))u->fn)(u->ctx, &dc);
}

nara_err_t nara_domain_decrees(nara_domain_t *d, int (*fn)(void *ctx, const nara_decree_t *dc),
                               void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, 0};
    if (d == NULL || fn == NULL)
        return NARA_INVAL;
    return walk(d,
                "SELECT id, hlc, number, date, effective, until, title, supersedes, doc_hash"
                " FROM dom_decree ORDER BY hlc, id",
                NULL, NULL, false, decree_row, &u);
}

/* ---- devices ------------------------------------------------------------------------- */

/* The latest effective enrolment of the device, and whether a revocation
 * follows it.  The query orders rows by (device, hlc, id), so one device's
 * rows are adjacent and the last enrolment row of a device is the one to
 * report; devices are reported when their last row has been seen. */
#define DEVICE_SQL                                                                                 \
    "SELECT e.device, e.role, e.scope, e.name, e.agency, e.hlc, e.by, r.hlc, r.by"                 \
    " FROM dom_device e LEFT JOIN (SELECT device, hlc, by FROM dom_device x WHERE revoke = 1"      \
    "   AND NOT EXISTS (SELECT 1 FROM dom_device y WHERE y.device = x.device"                      \
    "     AND (y.hlc > x.hlc OR (y.hlc = x.hlc AND y.id > x.id)))) r ON r.device = e.device"       \
    " WHERE e.revoke = 0 AND NOT EXISTS (SELECT 1 FROM dom_device z WHERE z.device = e.device"     \
    "   AND z.revoke = 0 AND (z.hlc > e.hlc OR (z.hlc = e.hlc AND z.id > e.id)))"                  \
    " ORDER BY e.device"

static int device_row(sqlite3_stmt *st, void *walk_ctx)
{
    user_t *u = walk_ctx;
    nara_device_t v;
    memset(&v, 0, sizeof v);
    col_id(st, 0, v.device);
    v.role = nara_role_parse(col_text(st, 1));
    v.scope = col_text(st, 2);
    v.name = col_text(st, 3);
    v.agency = col_text(st, 4);
    v.since = col_u64(st, 5);
    col_id(st, 6, v.enrolled_by);
    v.revoked = sqlite3_column_type(st, 7) != SQLITE_NULL;
    v.revoked_at = v.revoked ? col_u64(st, 7) : 0;
    col_id(st, 8, v.revoked_by);
    return ((int (*)(void *, const nara_device_t *))u->fn)(u->ctx, &v);
}

nara_err_t nara_domain_devices(nara_domain_t *d, int (*fn)(void *ctx, const nara_device_t *dev),
                               void *ctx)
{
    user_t u = {(void (*)(void))fn, ctx, 0};
    if (d == NULL || fn == NULL)
        return NARA_INVAL;
    return walk(d, DEVICE_SQL, NULL, NULL, false, device_row, &u);
}

nara_err_t nara_domain_device_role(nara_domain_t *d, const uint8_t device[NARA_PUBLICKEY_BYTES],
                                   nara_role_t *role, bool *revoked)
{
    const nara__devtab_t *devs;
    nara__who_t who;
    nara_err_t err;
    if (d == NULL || device == NULL || role == NULL || revoked == NULL)
        return NARA_INVAL;
    err = nara__dom_devs(d, &devs);
    if (err != NARA_OK)
        return err;
    nara__devtab_who(devs, d->root, device, UINT64_MAX, NULL, &who, NULL);
    *role = who.role;
    *revoked = who.revoked;
    return NARA_OK;
}

/* ---- the 24-hour report --------------------------------------------------------------- */

typedef struct {
    uint64_t as_of;
    nara_report_row_t *row;
    uint64_t *delays;
    size_t n_delays, cap;
    bool nomem;
} report_t;

static int report_case(sqlite3_stmt *st, void *walk_ctx)
{
    report_t *r = walk_ctx;
    nara_case_status_t status = (nara_case_status_t)sqlite3_column_int(st, 0);
    uint64_t opened = nara_hlc_ms(col_u64(st, 1));
    bool acked = sqlite3_column_type(st, 2) != SQLITE_NULL;
    uint64_t ack = acked ? nara_hlc_ms(col_u64(st, 2)) : 0;
    bool active = status != NARA_CASE_RESOLVED && status != NARA_CASE_CLOSED;

    r->row->open += active;
    r->row->overdue +=
        active && !acked && r->as_of >= opened && r->as_of - opened >= NARA_ACK_DUTY_MS;
    r->row->escalated += status == NARA_CASE_ESCALATED;
    r->row->resolved += status == NARA_CASE_RESOLVED;
    r->row->closed += status == NARA_CASE_CLOSED;
    if (!acked)
        return 0;
    uint64_t delay = ack > opened ? ack - opened : 0;
    r->row->acked++;
    r->row->late += delay >= NARA_ACK_DUTY_MS;
    if (r->n_delays == r->cap) {
        uint64_t *v = realloc(r->delays, (r->cap = r->cap ? r->cap * 2 : 64) * sizeof *v);
        if (v == NULL) {
            r->nomem = true;
            return 1;
        }
        r->delays = v;
    }
    r->delays[r->n_delays++] = delay;
    return 0;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Median; for an even count the mean of the two middle values, rounded down. */
static uint64_t median(uint64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    if (n > 1) /* qsort may not be given a NULL array, even empty */
        qsort(v, n, sizeof *v, u64_cmp);
    if (n % 2)
        return v[n / 2];
    return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

static int report_lo(void *ctx, const nara_lo_t *lo)
{
    nara_report_row_t *row = ctx;
    row->has_lo = true;
    row->lo_officer = strdup(lo->officer);
    row->lo_agency = strdup(lo->agency);
    return 0;
}

static nara_err_t report_region(nara_domain_t *d, const nara_region_t *reg, report_t *r,
                                int (*fn)(void *ctx, const nara_report_row_t *row), void *ctx,
                                bool *stop)
{
    nara_report_row_t row;
    nara_err_t err;

    memset(&row, 0, sizeof row);
    row.code = reg->code;
    row.name = reg->name;
    row.type = reg->type;
    r->row = &row;
    r->n_delays = 0;
    err = nara_domain_lo(d, reg->code, report_lo, &row);
    if (err == NARA_NOT_FOUND)
        err = NARA_OK;
    if (err == NARA_OK && row.has_lo && (row.lo_officer == NULL || row.lo_agency == NULL))
        err = NARA_NOMEM;
    if (err == NARA_OK)
        err = walk(d, "SELECT status, opened, ack FROM dom_case WHERE region = ?1", reg->code, NULL,
                   false, report_case, r);
    if (err == NARA_OK && r->nomem)
        err = NARA_NOMEM;
    if (err == NARA_OK) {
        row.median_ack_ms = median(r->delays, r->n_delays);
        nara_report_row_t out = row;
        out.lo_officer = row.has_lo ? row.lo_officer : "";
        out.lo_agency = row.has_lo ? row.lo_agency : "";
        *stop = fn(ctx, &out) != 0;
    }
    free((char *)row.lo_officer);
    free((char *)row.lo_agency);
    return err;
}

nara_err_t nara_domain_report(nara_domain_t *d, uint64_t as_of_ms,
                              int (*fn)(void *ctx, const nara_report_row_t *row), void *ctx)
{
    report_t r;
    bool stop = false;
    nara_err_t err = NARA_OK;

    if (d == NULL || fn == NULL)
        return NARA_INVAL;
    memset(&r, 0, sizeof r);
    r.as_of = as_of_ms;
    for (size_t i = 0; err == NARA_OK && !stop && i < nara_regions_count(d->regions); i++)
        err = report_region(d, nara_regions_at(d->regions, i), &r, fn, ctx, &stop);
    free(r.delays);
    return err;
}

/* ---- digest ----------------------------------------------------------------------------- */

/* Every derived table, each in the order of its primary key.  SELECT * gives
 * the columns in declaration order.  The digest is compared between
 * replicas of different versions, so it hashes what version 2 did: the
 * cases as if keyed by the case id (dom_case is keyed by the case's local
 * number; dom_caseno maps the ids to it, in id order), and then version 2's
 * dom_timeline rows (case_id, hlc, id, kind, author, flags, text) ordered by
 * (case_id, hlc, id), rebuilt from each case's `tl` (NULL below). */
static const char *const digest_sql[] = {
    "SELECT * FROM dom_device ORDER BY device, hlc, id",
    "SELECT * FROM dom_decree ORDER BY id",
    "SELECT * FROM dom_lo_history ORDER BY region, hlc, id",
    "SELECT " CASE_COLUMNS
    " FROM dom_caseno m JOIN dom_case c ON c.cno = m.cno ORDER BY m.idk, m.id",
    NULL,
    "SELECT * FROM dom_conflict ORDER BY ent, ekey, kind, a, b",
    "SELECT * FROM dom_quarantine ORDER BY ent, ekey, id",
};

static void hash_u64(crypto_generichash_state *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    crypto_generichash_update(h, b, 8);
}

/* One column: type tag, then a fixed-width integer or a length-prefixed byte
 * string. */
static void hash_column(crypto_generichash_state *h, sqlite3_stmt *st, int col)
{
    uint8_t type = (uint8_t)sqlite3_column_type(st, col);
    crypto_generichash_update(h, &type, 1);
    if (type == SQLITE_INTEGER) {
        hash_u64(h, (uint64_t)sqlite3_column_int64(st, col));
    } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
        const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, col)
                                            : sqlite3_column_blob(st, col);
        size_t n = (size_t)sqlite3_column_bytes(st, col);
        hash_u64(h, n);
        if (n)
            crypto_generichash_update(h, p, n);
    }
}

static void hash_blob(crypto_generichash_state *h, uint8_t type, const void *p, size_t n)
{
    crypto_generichash_update(h, &type, 1);
    hash_u64(h, n);
    if (n)
        crypto_generichash_update(h, p, n);
}

static void hash_int(crypto_generichash_state *h, uint64_t v)
{
    uint8_t type = SQLITE_INTEGER;
    crypto_generichash_update(h, &type, 1);
    hash_u64(h, v);
}

/* One timeline entry hashed as hash_column would hash version 2's row. */
typedef struct {
    crypto_generichash_state *h;
    const uint8_t *case_id;
} tl_digest_t;

static int digest_tl_entry(void *ctx, const nara_timeline_entry_t *e)
{
    tl_digest_t *t = ctx;
    const char *kind = nara_kind_name(e->kind);
    crypto_generichash_update(t->h, (const uint8_t *)"R", 1);
    hash_blob(t->h, SQLITE_BLOB, t->case_id, 32);
    hash_int(t->h, e->hlc);
    hash_blob(t->h, SQLITE_BLOB, e->id, 32);
    hash_blob(t->h, SQLITE_TEXT, kind, strlen(kind));
    hash_blob(t->h, SQLITE_BLOB, e->author, 32);
    hash_int(t->h, e->flags);
    hash_blob(t->h, SQLITE_TEXT, e->text, strlen(e->text));
    return 0;
}

static nara_err_t digest_timelines(nara_domain_t *d, crypto_generichash_state *h)
{
    sqlite3_stmt *st = NULL, *ev = NULL;
    bool stop = false;
    int rc = SQLITE_DONE;
    nara_err_t err = prepare(d,
                             "SELECT m.id, c.tl FROM dom_caseno m JOIN dom_case c ON c.cno = m.cno"
                             " ORDER BY m.idk, m.id",
                             &st);
    if (err == NARA_OK)
        err = prepare(d, TL_EVENT_SQL, &ev);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        tl_digest_t t = {h, sqlite3_column_blob(st, 0)};
        if (sqlite3_column_bytes(st, 0) != 32) {
            err = nara__dom_err(d, SQLITE_CORRUPT, "dom_caseno row");
            break;
        }
        const uint8_t *tl = sqlite3_column_blob(st, 1);
        size_t tl_len = (size_t)sqlite3_column_bytes(st, 1);
        /* version 2 ordered by (hlc, id) only: every entry, in tl order */
        err = tl_walk(d, ev, tl, tl_len, TL_ALL, digest_tl_entry, &t, &stop);
    }
    if (err == NARA_OK)
        err = nara__dom_err(d, rc, "read timelines");
    sqlite3_finalize(ev);
    sqlite3_finalize(st);
    return err;
}

static int digest_row(sqlite3_stmt *st, void *walk_ctx)
{
    crypto_generichash_state *h = walk_ctx;
    int cols = sqlite3_column_count(st);
    crypto_generichash_update(h, (const uint8_t *)"R", 1);
    for (int c = 0; c < cols; c++)
        hash_column(h, st, c);
    return 0;
}

nara_err_t nara_domain_digest(nara_domain_t *d, uint8_t out[NARA_HASH_BYTES])
{
    static const char tag[] = "nara/v1/domain-digest";
    crypto_generichash_state h;
    nara_err_t err = NARA_OK;

    if (d == NULL || out == NULL)
        return NARA_INVAL;
    crypto_generichash_init(&h, NULL, 0, NARA_HASH_BYTES);
    crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag);
    for (size_t t = 0; err == NARA_OK && t < sizeof digest_sql / sizeof digest_sql[0]; t++) {
        uint8_t table = (uint8_t)t;
        crypto_generichash_update(&h, &table, 1);
        if (digest_sql[t])
            err = walk(d, digest_sql[t], NULL, NULL, false, digest_row, &h);
        else
            err = digest_timelines(d, &h);
    }
    crypto_generichash_final(&h, out, NARA_HASH_BYTES);
    if (err != NARA_OK)
        memset(out, 0, NARA_HASH_BYTES);
    return err;
}
