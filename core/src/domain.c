/*
 * domain.c - the domain's life: its tables, the store hooks that fold every
 * accepted event inside the store's transaction, dirty tracking, catch-up at
 * open and the full re-fold.  The folds themselves are in domain_fold_*.c,
 * queries in domain_query.c, event writers in domain_write.c.
 *
 * DESIGN NOTES
 *
 * Tables (in the store's SQLite file, all named dom_*):
 *   dom_meta        'version', 'root' (the root key the fold used), 'regions'
 *                   (hash of the region list the fold used), 'indexed_ord'
 *                   (every event with an events.ord up to it is indexed,
 *                   none above).
 *   dom_index       one row per accepted event that is not a case event:
 *                   the entity it belongs to (ent, ekey), the store's
 *                   events.ord of the event (the rowid on_added receives)
 *                   and, for ENT_STATIC rows, the rule that refused it; one
 *                   b-tree keyed (ent, ekey, ord).  The event itself (id,
 *                   hlc, author, stream, seq, kind, bytes) is read from the
 *                   store's events and feeds rows by joining on ord: nothing
 *                   is copied.
 *   dom_case_ev     per case (keyed by its number): its event list `ev`,
 *                   the events.ord of each of its events (NARA__EV_ENTRY),
 *                   in the order they were indexed.  Written once per case
 *                   per transaction, before the fold (flush_case_ords).
 *   dom_device      the enrolment table (effective enrol/revoke entries).
 *   dom_decree      effective decrees.
 *   dom_lo_history  per region: its effective LO events; the current
 *                   assignment is the row flagged NARA_LO_CURRENT.
 *   dom_caseno      case number -> case id, found by id through `idk`
 *                   (the store's nara_idk: the id's first four bytes),
 *                   indexed but not unique; the domain gives an id a
 *                   number only after looking it up (case_number_or_new).
 *   dom_case        per case (keyed by its number): state, and its timeline
 *                   `tl`: the effective events in (hlc, id) order, each as
 *                   (events.ord, NARA_TL_* flags); what the timeline shows
 *                   of an event (kind, author, text) is read from the event
 *                   (domain_query.c).
 *   dom_conflict    per entity (region or case): conflict records.
 *   dom_quarantine  every accepted event that took no effect, with its rule.
 *
 * Flow of one store transaction (merge or append):
 *   on_added (per accepted event) -> index_event: route the event to its
 *     entity, insert its dom_index row (a case event: remember (case
 *     number, ord) in d->txn_case_ords), mark the entity dirty.  The first
 *     one of a transaction first indexes the events between 'indexed_ord'
 *     and its own ord, if any: accepted by a connection without the domain.
 *   before_commit -> fold_dirty:
 *     0. append the remembered case events to their cases' lists, one write
 *        per case, in number order.
 *     1. devices dirty: rebuild the enrolment table; for every device whose
 *        entries changed, mark dirty every entity it wrote to.
 *     2. re-fold the decrees, each dirty region, each dirty case.
 *     3. 'indexed_ord' = the highest ord indexed.
 *   after_rollback: forget the dirty marks; the in-memory enrolment table is
 *     reloaded from dom_device before its next use.
 *
 * Invariants:
 *  1. After every committed store transaction, dom_index and the case lists
 *     together name every accepted event with an ord up to 'indexed_ord'
 *     exactly once and no other, and every derived row equals what a full
 *     fold of those events would give (nara_domain_refold_all checks this).
 *     The store never deletes an event and gives a new one the ord
 *     max(ord) + 1, so the events not indexed yet are those above
 *     'indexed_ord' (catch_up, hook_added).
 *  2. An entity's derived rows depend only on its indexed events, their
 *     bodies, the enrolment entries of their authors and the region list
 *     (see domain_internal.h), so re-folding the dirty entities is enough.
 *  3. d->devs equals dom_device whenever devs_stale is false.
 *  4. The dirty marks are empty outside a transaction.
 *
 * Performance (docs/storage.md, "Performance").  A merge writes one entry
 * per case into dom_case_ev (version 4 wrote one dom_index row per case
 * event) and one dom_index row per other event; a case's
 * rows are keyed by its number (dom_caseno: the ord of the first event of
 * the case this replica indexed), which grows with the log, so a new case's
 * rows are appended rather than written into a random page of each b-tree.
 * A case's timeline is one blob in its row, not one row per event.  A case
 * new in the transaction is folded from the events on_added kept
 * (d->txn_events); an older case's events are read back in one query that
 * also returns their bytes, whose body is located without hashing (they
 * were decoded and verified when they were accepted).  Versions 1 to 3 of
 * these tables had other layouts (version 1: a copy of each event's
 * identity keyed by its random id; 2: case tables keyed by the random case
 * id; 3: one dom_timeline row per event; 4: one dom_index row per case
 * event); their tables are dropped (version 4's are emptied) and the whole
 * fold rebuilt at open (drop_old, check_meta).  The digest reads the
 * same values whatever the layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "domain_internal.h"

#define DOM_SCHEMA_VERSION 6

/* One transaction: one commit instead of one per statement. */
static const char schema_sql[] =
    "BEGIN;"
    "CREATE TABLE IF NOT EXISTS dom_meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dom_index(ent INTEGER NOT NULL, ekey BLOB NOT NULL,"
    " ord INTEGER NOT NULL, rule INTEGER NOT NULL, detail TEXT NOT NULL,"
    " PRIMARY KEY(ent, ekey, ord)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dom_quarantine(ent INTEGER NOT NULL, ekey BLOB NOT NULL,"
    " id BLOB NOT NULL, hlc INTEGER NOT NULL, rule INTEGER NOT NULL, detail TEXT NOT NULL,"
    " related BLOB, PRIMARY KEY(ent, ekey, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dom_device(device BLOB NOT NULL, hlc INTEGER NOT NULL,"
    " id BLOB NOT NULL, revoke INTEGER NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL,"
    " name TEXT NOT NULL, agency TEXT NOT NULL, by BLOB NOT NULL,"
    " PRIMARY KEY(device, hlc, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dom_decree(id BLOB PRIMARY KEY, hlc INTEGER NOT NULL,"
    " number TEXT NOT NULL, date TEXT NOT NULL, doc_hash BLOB NOT NULL,"
    " effective TEXT NOT NULL, until TEXT NOT NULL, title TEXT NOT NULL,"
    " supersedes TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dom_lo_history(region TEXT NOT NULL, hlc INTEGER NOT NULL,"
    " id BLOB NOT NULL, kind TEXT NOT NULL, author BLOB NOT NULL, officer TEXT NOT NULL,"
    " agency TEXT NOT NULL, decree TEXT NOT NULL, effective TEXT NOT NULL, device BLOB,"
    " ref BLOB, flags INTEGER NOT NULL, PRIMARY KEY(region, hlc, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dom_caseno(cno INTEGER PRIMARY KEY, idk INTEGER NOT NULL,"
    " id BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS dom_caseno_idk ON dom_caseno(idk);"
    "CREATE TABLE IF NOT EXISTS dom_case(cno INTEGER PRIMARY KEY, id BLOB NOT NULL,"
    " region TEXT NOT NULL,"
    " status INTEGER NOT NULL, category TEXT NOT NULL, function TEXT NOT NULL,"
    " title TEXT NOT NULL, description TEXT NOT NULL, priority TEXT NOT NULL,"
    " opened INTEGER NOT NULL, opened_by BLOB NOT NULL, ack INTEGER, ack_by BLOB,"
    " escalated_to TEXT NOT NULL, resolved INTEGER NOT NULL, closed INTEGER NOT NULL,"
    " last INTEGER NOT NULL, tl BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS dom_case_ev(cno INTEGER PRIMARY KEY, ev BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS dom_case_region ON dom_case(region, opened, id);"
    "CREATE TABLE IF NOT EXISTS dom_conflict(ent INTEGER NOT NULL, ekey BLOB NOT NULL,"
    " kind TEXT NOT NULL, a BLOB NOT NULL, b BLOB NOT NULL, resolved_by BLOB,"
    " region TEXT NOT NULL, PRIMARY KEY(ent, ekey, kind, a, b)) WITHOUT ROWID;"
    "COMMIT;";

/* The tables whose layout changed: version 1's dom_index (keyed by id,
 * without ord), version 2's dom_index, dom_case and dom_timeline (keyed by
 * the case id, not its number), version 3's dom_case (no `tl`) and
 * dom_timeline (one row per event, now in dom_case.tl).  They are dropped
 * before the tables are created; check_meta then finds the version changed
 * and the whole fold is rebuilt.  Version 4's tables have the current
 * layout (its dom_index also held the case events): the version check
 * alone rebuilds them.  Version 5's dom_caseno was keyed by the case id.
 * The digest does not depend on the layout. */
static const char drop_old_sql[] =
    "DROP TABLE IF EXISTS dom_index; DROP TABLE IF EXISTS dom_case;"
    "DROP TABLE IF EXISTS dom_timeline; DROP TABLE IF EXISTS dom_caseno;";

/* Everything derived, for a full re-fold (dom_meta stays). */
static const char clear_sql[] = "DELETE FROM dom_index; DELETE FROM dom_quarantine;"
                                "DELETE FROM dom_device; DELETE FROM dom_decree;"
                                "DELETE FROM dom_lo_history;"
                                "DELETE FROM dom_caseno;"
                                "DELETE FROM dom_case;"
                                "DELETE FROM dom_case_ev;"
                                "DELETE FROM dom_conflict;";

static const char *const stmt_sql[NARA__DQ_COUNT] = {
#define NARA__DOM_STMT_SQL(name, sql) sql,
    NARA__DOM_STMTS(NARA__DOM_STMT_SQL)
#undef NARA__DOM_STMT_SQL
};

/* ---- SQL helpers ------------------------------------------------------------ */

nara_err_t nara__dom_err(nara_domain_t *d, int rc, const char *what)
{
    return nara__store_sqlite_err(d->s, rc, what);
}

sqlite3_stmt *nara__dom_stmt(nara_domain_t *d, nara__dom_stmt_id_t id)
{
    sqlite3_stmt *st = d->stmt[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

nara_err_t nara__dom_exec(nara_domain_t *d, sqlite3_stmt *st, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    nara_err_t err = nara__dom_err(d, rc, what);
    sqlite3_reset(st);
    return err;
}

static nara_err_t exec_sql(nara_domain_t *d, const char *sql)
{
    return nara__dom_err(d, sqlite3_exec(d->db, sql, NULL, NULL, NULL), sql);
}

/* The bind helpers do not copy (SQLITE_STATIC): every caller steps the
 * statement to completion (nara__dom_exec) while the bound memory (an item,
 * the event's bytes) is alive, and the next use clears the bindings. */
void nara__bind_str(sqlite3_stmt *st, int col, nara__str_t s)
{
    sqlite3_bind_text(st, col, s.p ? s.p : "", (int)s.n, SQLITE_STATIC);
}

void nara__bind_id(sqlite3_stmt *st, int col, const uint8_t *id32)
{
    if (id32)
        sqlite3_bind_blob(st, col, id32, 32, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

void nara__bind_key(sqlite3_stmt *st, int col, const void *key, size_t len)
{
    if (len == 0)
        sqlite3_bind_zeroblob(st, col, 0);
    else
        sqlite3_bind_blob(st, col, key, (int)len, SQLITE_STATIC);
}

bool nara__dom_row_meta(sqlite3_stmt *st, nara__meta_t *m)
{
    const unsigned char *stream = sqlite3_column_text(st, 3);
    int stream_len = sqlite3_column_bytes(st, 3);
    if (sqlite3_column_bytes(st, 0) != 32 || sqlite3_column_bytes(st, 2) != 32 || stream == NULL ||
        stream_len > NARA_STREAM_MAX)
        return false;
    memset(m, 0, sizeof *m);
    memcpy(m->id, sqlite3_column_blob(st, 0), 32);
    m->hlc = (uint64_t)sqlite3_column_int64(st, 1);
    memcpy(m->author, sqlite3_column_blob(st, 2), 32);
    memcpy(m->stream, stream, (size_t)stream_len);
    m->seq = (uint64_t)sqlite3_column_int64(st, 4);
    m->kind = nara_kind_parse((const char *)sqlite3_column_text(st, 5));
    return true;
}

nara_err_t nara__dom_quarantine(nara_domain_t *d, const nara__meta_t *m, int ent, const void *key,
                                size_t key_len, nara_rule_t rule, const char *detail,
                                const uint8_t *related)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_Q_INSERT);
    sqlite3_bind_blob(st, 1, m->id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)m->hlc);
    sqlite3_bind_int(st, 3, ent);
    nara__bind_key(st, 4, key, key_len);
    sqlite3_bind_int(st, 5, (int)rule);
    sqlite3_bind_text(st, 6, detail, -1, SQLITE_TRANSIENT);
    nara__bind_id(st, 7, related);
    return nara__dom_exec(d, st, "insert dom_quarantine");
}

/* ---- the enrolment table in memory -------------------------------------------- */

static nara_err_t load_devs(nara_domain_t *d)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_DEV_SELECT);
    nara__devtab_t t = {0};
    nara_err_t err = NARA_OK;
    int rc;

    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nara__dev_entry_t e;
        memset(&e, 0, sizeof e);
        const char *scope = (const char *)sqlite3_column_text(st, 5);
        if (sqlite3_column_bytes(st, 0) != 32 || sqlite3_column_bytes(st, 2) != 32 ||
            sqlite3_column_bytes(st, 6) != 32 || scope == NULL ||
            !nara__scope_parse(scope, d->regions, &e.scope)) {
            err = nara__store_sqlite_err(d->s, SQLITE_CORRUPT, "dom_device row");
            break;
        }
        e.hlc = (uint64_t)sqlite3_column_int64(st, 1);
        memcpy(e.id, sqlite3_column_blob(st, 2), 32);
        e.revoke = sqlite3_column_int(st, 3) != 0;
        e.role = nara_role_parse((const char *)sqlite3_column_text(st, 4));
        memcpy(e.by, sqlite3_column_blob(st, 6), 32);
        err = nara__devtab_add(&t, sqlite3_column_blob(st, 0), &e);
    }
    if (err == NARA_OK)
        err = nara__dom_err(d, rc, "read dom_device");
    sqlite3_reset(st);
    if (err != NARA_OK) {
        nara__devtab_free(&t);
        return err;
    }
    nara__devtab_free(&d->devs);
    d->devs = t;
    d->devs_stale = false;
    return NARA_OK;
}

nara_err_t nara__dom_devs(nara_domain_t *d, const nara__devtab_t **out)
{
    nara_err_t err = d->devs_stale ? load_devs(d) : NARA_OK;
    *out = &d->devs;
    return err;
}

/* ---- dirty marks ---------------------------------------------------------------- */

/* Slot of a case id.  Ids named by a case event's `case` field are chosen by
 * its author, so the hash is keyed (SipHash, a random key per domain). */
static size_t case_slot(const nara_domain_t *d, const uint8_t id[32], size_t cap)
{
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t v;
    crypto_shorthash(h, id, 32, d->slot_key);
    memcpy(&v, h, sizeof v);
    return (size_t)v & (cap - 1);
}

static nara__case_ref_t *caseset_find(const nara_domain_t *d, const uint8_t id[32])
{
    const nara__caseset_t *cs = &d->dirty_cases;
    if (cs->cap == 0)
        return NULL;
    for (size_t i = case_slot(d, id, cs->cap);; i = (i + 1) & (cs->cap - 1)) {
        if (cs->v[i].cno == 0)
            return NULL;
        if (memcmp(cs->v[i].id, id, 32) == 0)
            return &cs->v[i];
    }
}

static void caseset_put(nara_domain_t *d, const nara__case_ref_t *c)
{
    nara__caseset_t *cs = &d->dirty_cases;
    size_t i = case_slot(d, c->id, cs->cap);
    while (cs->v[i].cno != 0)
        i = (i + 1) & (cs->cap - 1);
    cs->v[i] = *c;
    cs->n++;
}

/* Add a case (not in the set yet), keeping the load at most one half. */
static nara_err_t caseset_add(nara_domain_t *d, const nara__case_ref_t *c)
{
    nara__caseset_t *cs = &d->dirty_cases;
    if ((cs->n + 1) * 2 > cs->cap) {
        nara__caseset_t old = *cs;
        size_t cap = old.cap ? old.cap * 2 : 64;
        cs->v = calloc(cap, sizeof *cs->v);
        if (cs->v == NULL) {
            *cs = old;
            return NARA_NOMEM;
        }
        cs->cap = cap;
        cs->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.v[i].cno != 0)
                caseset_put(d, &old.v[i]);
        free(old.v);
    }
    caseset_put(d, c);
    return NARA_OK;
}

static int cno_cmp(const void *a, const void *b)
{
    int64_t x = ((const nara__case_ref_t *)a)->cno, y = ((const nara__case_ref_t *)b)->cno;
    return (x > y) - (x < y);
}

/* ---- case numbers ----------------------------------------------------------------- */

/* dom_caseno gives every case id a number that grows with the log: the ord
 * of the first event of the case this replica indexed.  The case-keyed
 * tables use it as their key, so a new case's rows go to the end of their
 * b-trees instead of a random page each.  dom_caseno itself is keyed by
 * the number too; only its idk index (4-byte keys) takes random inserts.
 * The numbers are local (the digest reads the case ids). */
static nara_err_t caseno_get(nara_domain_t *d, const uint8_t id[32], int64_t *cno)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_CASENO_GET);
    sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *cno = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    nara_err_t err = nara__dom_err(d, rc, "read dom_caseno");
    sqlite3_reset(st);
    return err;
}

nara_err_t nara__case_number(nara_domain_t *d, const uint8_t id[32], int64_t *cno)
{
    const nara__case_ref_t *c = caseset_find(d, id);
    if (c) {
        *cno = c->cno;
        return NARA_OK;
    }
    return caseno_get(d, id, cno);
}

/* The number of a case, given to it now (the ord of the event being
 * indexed) if it has none. */
static nara_err_t case_number_or_new(nara_domain_t *d, const uint8_t id[32], int64_t ord,
                                     int64_t *cno)
{
    nara_err_t err = nara__case_number(d, id, cno);
    if (err != NARA_OK || *cno != 0)
        return err;
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_CASENO_PUT);
    sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ord);
    *cno = ord;
    return nara__dom_exec(d, st, "insert dom_caseno");
}

/* cno: for a case, its number. */
static nara_err_t mark(nara_domain_t *d, int ent, const void *key, size_t key_len, int64_t cno)
{
    nara__case_ref_t c;
    int region;
    switch (ent) {
    case NARA__ENT_DEVICES:
        d->dirty_devices = true;
        return NARA_OK;
    case NARA__ENT_DECREES:
        d->dirty_decrees = true;
        return NARA_OK;
    case NARA__ENT_REGION:
        region = nara__regions_find_n(d->regions, key, key_len);
        if (region >= 0)
            d->dirty_regions[region / 64] |= (uint64_t)1 << (region % 64);
        return NARA_OK;
    case NARA__ENT_CASE:
        if (key_len != 32 || cno <= 0 || caseset_find(d, key) != NULL)
            return NARA_OK;
        memcpy(c.id, key, 32);
        c.cno = cno;
        return caseset_add(d, &c);
    default:
        return NARA_OK;
    }
}

static void clear_dirty(nara_domain_t *d)
{
    nara__txn_events_clear(d);
    d->txn_case_ords.n = 0;
    d->txn_first_ord = d->txn_last_ord = 0;
    d->dirty_devices = d->dirty_decrees = false;
    memset(d->dirty_regions, 0, sizeof d->dirty_regions);
    if (d->dirty_cases.n > 0)
        memset(d->dirty_cases.v, 0, d->dirty_cases.cap * sizeof *d->dirty_cases.v);
    d->dirty_cases.n = 0;
}

static nara_err_t mark_author_event(nara_domain_t *d, const nara_event_t *ev, int64_t ord);

/* Mark every entity a device wrote to (its enrolment changed): its events,
 * routed again (routing depends only on the event and the region list, so
 * it gives the entity its dom_index row names).  Rare: enrolment changes. */
static nara_err_t mark_author(nara_domain_t *d, const uint8_t pk[32])
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_AUTHOR_EVENTS);
    nara_err_t err = NARA_OK;
    int rc;
    sqlite3_bind_blob(st, 1, pk, 32, SQLITE_TRANSIENT);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nara_event_t ev;
        if (nara_event_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                              &ev) != NARA_OK) {
            err = nara__store_sqlite_err(d->s, SQLITE_CORRUPT, "stored event does not decode");
            break;
        }
        err = mark_author_event(d, &ev, sqlite3_column_int64(st, 1));
    }
    if (err == NARA_OK)
        err = nara__dom_err(d, rc, "authored entities");
    sqlite3_reset(st);
    return err;
}

/* Mark the authors whose entries differ between two tables. */
static nara_err_t mark_changed(nara_domain_t *d, const nara__devtab_t *old,
                               const nara__devtab_t *new)
{
    nara_err_t err = NARA_OK;
    for (size_t i = 0; err == NARA_OK && i < old->n; i++)
        if (!nara__dev_equal(&old->v[i], nara__devtab_find(new, old->v[i].pk)))
            err = mark_author(d, old->v[i].pk);
    for (size_t i = 0; err == NARA_OK && i < new->n; i++)
        if (nara__devtab_find(old, new->v[i].pk) == NULL)
            err = mark_author(d, new->v[i].pk);
    return err;
}

/* ---- the fold of one transaction ------------------------------------------------ */

static nara_err_t fold_devices(nara_domain_t *d)
{
    const nara__devtab_t *old;
    nara__devtab_t fresh = {0};
    nara_err_t err = nara__dom_devs(d, &old);
    if (err == NARA_OK)
        err = nara__fold_devices(d, &fresh);
    if (err == NARA_OK)
        err = mark_changed(d, old, &fresh);
    if (err != NARA_OK) {
        nara__devtab_free(&fresh);
        return err;
    }
    nara__devtab_free(&d->devs);
    d->devs = fresh;
    d->stats.device_rebuilds++;
    return NARA_OK;
}

static nara_err_t meta_set(nara_domain_t *d, const char *key, const void *blob, size_t len,
                           int64_t value);

static int case_ord_cmp(const void *a, const void *b)
{
    const nara__case_ord_t *x = a, *y = b;
    if (x->cno != y->cno)
        return x->cno < y->cno ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

/* Append the case events indexed since the last flush to their cases'
 * lists: one read (none for a case new in this transaction: no list yet)
 * and one write per case, in number order. */
static nara_err_t flush_case_ords(nara_domain_t *d)
{
    nara__case_ords_t *t = &d->txn_case_ords;
    uint8_t *buf = NULL;
    size_t cap = 0;
    nara_err_t err = NARA_OK;

    if (t->n > 1) /* qsort may not be given a NULL array, even empty */
        qsort(t->v, t->n, sizeof *t->v, case_ord_cmp);
    for (size_t i = 0, end; err == NARA_OK && i < t->n; i = end) {
        int64_t cno = t->v[i].cno;
        const void *old = NULL;
        size_t old_len = 0;
        sqlite3_stmt *get = NULL;
        for (end = i; end < t->n && t->v[end].cno == cno; end++)
            ;
        if (d->txn_first_ord <= 0 || cno < d->txn_first_ord) {
            get = nara__dom_stmt(d, NARA__DQ_CASEEV_GET);
            sqlite3_bind_int64(get, 1, cno);
            int rc = sqlite3_step(get);
            err = nara__dom_err(d, rc, "read dom_case_ev");
            if (rc == SQLITE_ROW) {
                old = sqlite3_column_blob(get, 0);
                old_len = (size_t)sqlite3_column_bytes(get, 0);
            }
        }
        size_t len = old_len + (end - i) * NARA__EV_ENTRY;
        if (err == NARA_OK && len > cap) {
            uint8_t *nb = realloc(buf, len);
            if (nb == NULL)
                err = NARA_NOMEM;
            else
                buf = nb, cap = len;
        }
        if (err == NARA_OK) {
            if (old_len)
                memcpy(buf, old, old_len);
            for (size_t k = i; k < end; k++)
                for (int b = 0; b < NARA__EV_ENTRY; b++)
                    buf[old_len + (k - i) * NARA__EV_ENTRY + (size_t)b] =
                        (uint8_t)((uint64_t)t->v[k].ord >> (8 * (NARA__EV_ENTRY - 1 - b)));
        }
        if (get)
            sqlite3_reset(get);
        if (err == NARA_OK) {
            sqlite3_stmt *put = nara__dom_stmt(d, NARA__DQ_CASEEV_PUT);
            sqlite3_bind_int64(put, 1, cno);
            sqlite3_bind_blob(put, 2, buf, (int)len, SQLITE_STATIC);
            err = nara__dom_exec(d, put, "write dom_case_ev");
        }
    }
    free(buf);
    t->n = 0;
    return err;
}

static nara_err_t fold_dirty(nara_domain_t *d)
{
    nara_err_t err = flush_case_ords(d);
    if (err == NARA_OK && d->dirty_devices)
        err = fold_devices(d);
    if (err == NARA_OK && d->dirty_decrees)
        err = nara__fold_decrees(d);
    for (size_t i = 0; err == NARA_OK && i < nara_regions_count(d->regions); i++)
        if ((d->dirty_regions[i / 64] >> (i % 64)) & 1u)
            err = nara__fold_region(d, (int)i);
    /* The dirty cases, packed at the front of the table, in number order:
     * their rows are written in key order. */
    nara__caseset_t *cs = &d->dirty_cases;
    size_t n = 0;
    for (size_t i = 0; i < cs->cap; i++)
        if (cs->v[i].cno != 0)
            cs->v[n++] = cs->v[i];
    if (n > 1) /* qsort may not be given a NULL array, even empty */
        qsort(cs->v, n, sizeof *cs->v, cno_cmp);
    nara__txn_events_sort(d);
    for (size_t i = 0; err == NARA_OK && i < n; i++)
        err = nara__fold_case(d, &cs->v[i]);
    if (err == NARA_OK && d->txn_last_ord > 0)
        err = meta_set(d, "indexed_ord", NULL, 0, d->txn_last_ord);
    if (cs->cap > 0)
        memset(cs->v, 0, cs->cap * sizeof *cs->v);
    cs->n = 0;
    clear_dirty(d);
    return err;
}

/* ---- indexing ---------------------------------------------------------------------- */

typedef struct {
    int64_t ord; /* the store's events.ord */
    int64_t cno; /* ENT_CASE: the case's number */
    nara__meta_t m;
    int ent;
    uint8_t key[NARA_STREAM_MAX + 1 > 32 ? NARA_STREAM_MAX + 1 : 32];
    size_t key_len;
    nara_rule_t rule;
    char detail[96];
} index_row_t;

/* detail NULL: r->detail is already written. */
static void route_static(index_row_t *r, nara_rule_t rule, const char *detail)
{
    r->ent = NARA__ENT_STATIC;
    r->key_len = 0;
    r->rule = rule;
    if (detail)
        snprintf(r->detail, sizeof r->detail, "%s", detail);
}

/* lo.* events belong to the region they name, case events to the case. */
static void route_by_body(nara_domain_t *d, const nara_event_t *ev, index_row_t *r)
{
    nara__str_t region = {0};
    if (!nara__body_route(r->m.kind, ev->body, ev->body_len, &region, r->key)) {
        route_static(r, NARA_RULE_MALFORMED,
                     nara__kind_is_case(r->m.kind) ? "field 'case' missing or ill-typed"
                                                   : "field 'region' missing or ill-typed");
    } else if (nara__kind_is_case(r->m.kind)) {
        r->ent = NARA__ENT_CASE;
        r->key_len = 32;
    } else if (nara__regions_find_n(d->regions, region.p, region.n) < 0) {
        route_static(r, NARA_RULE_MALFORMED, "field 'region' is not a known region code");
    } else {
        r->ent = NARA__ENT_REGION;
        memcpy(r->key, region.p, region.n);
        r->key_len = region.n;
    }
}

/* Decide an event's entity (or its static rule) from the event alone. */
static void route(nara_domain_t *d, const nara_event_t *ev, index_row_t *r)
{
    nara_rule_t rule;

    memset(r, 0, sizeof *r);
    memcpy(r->m.id, ev->id, 32);
    r->m.hlc = ev->hlc;
    memcpy(r->m.author, ev->author, 32);
    memcpy(r->m.stream, ev->stream, sizeof r->m.stream);
    r->m.seq = ev->seq;
    r->m.kind = nara_kind_parse(ev->kind);
    rule = nara__stream_rule(r->m.kind, nara__stream_class(d->regions, ev->stream));
    if (rule != NARA_RULE_OK) {
        nara__rule_detail(rule, NULL, r->m.kind, ev->stream, r->detail, sizeof r->detail);
        route_static(r, rule, NULL);
        return;
    }
    switch (r->m.kind) {
    case NARA_KIND_DEVICE_ENROLL:
    case NARA_KIND_DEVICE_REVOKE:
        r->ent = NARA__ENT_DEVICES;
        break;
    case NARA_KIND_DECREE:
        r->ent = NARA__ENT_DECREES;
        break;
    case NARA_KIND_CASE_OPEN:
        r->ent = NARA__ENT_CASE;
        memcpy(r->key, ev->id, 32);
        r->key_len = 32;
        break;
    default:
        route_by_body(d, ev, r);
        break;
    }
}

/* Remember a case event for its case's list (flush_case_ords). */
static nara_err_t case_ord_add(nara_domain_t *d, int64_t cno, int64_t ord)
{
    nara__case_ords_t *t = &d->txn_case_ords;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        nara__case_ord_t *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return NARA_NOMEM;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = (nara__case_ord_t){cno, ord};
    return NARA_OK;
}

/* Index an event not indexed yet: a case event goes to its case's list
 * (the case is given its number now if it has none), any other to
 * dom_index; mark its entity dirty. */
static nara_err_t insert_row(nara_domain_t *d, index_row_t *r)
{
    nara_err_t err = NARA_OK;
    if (r->ord > d->txn_last_ord)
        d->txn_last_ord = r->ord;
    if (r->ent == NARA__ENT_CASE) {
        err = case_number_or_new(d, r->key, r->ord, &r->cno);
        if (err == NARA_OK)
            err = case_ord_add(d, r->cno, r->ord);
        if (err == NARA_OK)
            d->stats.events_indexed++;
        return err == NARA_OK ? mark(d, r->ent, r->key, r->key_len, r->cno) : err;
    }
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_INDEX_INSERT);
    sqlite3_bind_int64(st, 1, r->ord);
    sqlite3_bind_int(st, 2, r->ent);
    nara__bind_key(st, 3, r->key, r->key_len);
    sqlite3_bind_int(st, 4, (int)r->rule);
    sqlite3_bind_text(st, 5, r->detail, -1, SQLITE_STATIC);
    err = nara__dom_exec(d, st, "insert dom_index");
    if (err != NARA_OK || sqlite3_changes(d->db) == 0)
        return err;
    d->stats.events_indexed++;
    if (r->ent == NARA__ENT_STATIC)
        return nara__dom_quarantine(d, &r->m, NARA__ENT_STATIC, NULL, 0, r->rule, r->detail, NULL);
    return mark(d, r->ent, r->key, r->key_len, r->cno);
}

/* mark_author: mark the entity of one of the author's events (not its
 * enrolment entries nor a static rule: those are not refolded per author). */
static nara_err_t mark_author_event(nara_domain_t *d, const nara_event_t *ev, int64_t ord)
{
    index_row_t r;
    nara_err_t err = NARA_OK;
    route(d, ev, &r);
    if (r.ent == NARA__ENT_CASE)
        err = case_number_or_new(d, r.key, ord, &r.cno);
    if (err == NARA_OK && r.ent >= NARA__ENT_DECREES)
        err = mark(d, r.ent, r.key, r.key_len, r.cno);
    return err;
}

/* A merged or appended event.  An event of a case new in this transaction
 * is also kept in memory for the case's fold. */
static nara_err_t index_event(nara_domain_t *d, const nara_event_t *ev, int64_t ord)
{
    index_row_t r;
    route(d, ev, &r);
    r.ord = ord;
    nara_err_t err = insert_row(d, &r);
    if (err == NARA_OK && r.ent == NARA__ENT_CASE && d->txn_first_ord > 0 &&
        r.cno >= d->txn_first_ord)
        err = nara__txn_event_add(d, r.cno, ord, &r.m, ev);
    return err;
}

/* ---- hooks ------------------------------------------------------------------------- */

static nara_err_t index_range(nara_domain_t *d, int64_t after, int64_t before);
static nara_err_t indexed_ord(nara_domain_t *d, int64_t *out, bool *found);

/* The first event of a transaction also indexes the events accepted since
 * 'indexed_ord' by a connection without the domain (ords grow by one). */
static nara_err_t hook_added(void *ctx, const nara_event_t *ev, int64_t rowid)
{
    nara_domain_t *d = ctx;
    nara_err_t err = NARA_OK;
    if (d->txn_first_ord == 0) {
        int64_t w = 0;
        bool found = false;
        err = indexed_ord(d, &w, &found);
        if (err == NARA_OK && found && w < rowid - 1)
            err = index_range(d, w, rowid);
        d->txn_first_ord = rowid;
    }
    return err == NARA_OK ? index_event(d, ev, rowid) : err;
}

static nara_err_t hook_commit(void *ctx)
{
    return fold_dirty(ctx);
}

static void hook_rollback(void *ctx)
{
    nara_domain_t *d = ctx;
    clear_dirty(d);
    d->devs_stale = true;
}

/* ---- catch-up and full re-fold ------------------------------------------------------ */

/* Case events remembered before a flush during a catch-up: bounds its
 * memory (16 bytes each) whatever the size of the log. */
#define CATCHUP_FLUSH 65536

/* Index every accepted event with after < ord < before (all of them after a
 * clear), streaming: one event in memory at a time, and the case events'
 * (number, ord) pairs until they are flushed to their lists.  Inside the
 * caller's transaction; reading `events` while writing dom_* tables on the
 * same connection is fine for SQLite. */
static nara_err_t index_range(nara_domain_t *d, int64_t after, int64_t before)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_EVENTS_AFTER);
    nara_err_t err = NARA_OK;
    int rc;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, before);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nara_event_t ev;
        index_row_t r;
        const void *bytes = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        if (nara_event_decode(bytes, len, &ev) != NARA_OK) {
            err = nara__store_sqlite_err(d->s, SQLITE_CORRUPT, "stored event does not decode");
            break;
        }
        route(d, &ev, &r);
        r.ord = sqlite3_column_int64(st, 0);
        err = insert_row(d, &r);
        if (err == NARA_OK && d->txn_case_ords.n >= CATCHUP_FLUSH)
            err = flush_case_ords(d);
    }
    if (err == NARA_OK)
        err = nara__dom_err(d, rc, "read events");
    sqlite3_reset(st);
    return err;
}

static nara_err_t meta_set(nara_domain_t *d, const char *key, const void *blob, size_t len,
                           int64_t value)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_META_SET);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (blob)
        sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, 2, value);
    return nara__dom_exec(d, st, "write dom_meta");
}

/* dom_meta's 'indexed_ord'; *found false (and *out 0) if it has none. */
static nara_err_t indexed_ord(nara_domain_t *d, int64_t *out, bool *found)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_META_GET);
    sqlite3_bind_text(st, 1, "indexed_ord", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER;
    *out = *found ? sqlite3_column_int64(st, 0) : 0;
    nara_err_t err = nara__dom_err(d, rc, "read dom_meta");
    sqlite3_reset(st);
    return err;
}

static nara_err_t max_ord(nara_domain_t *d, int64_t *out)
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_MAX_ORD);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    nara_err_t err = nara__dom_err(d, rc, "max events.ord");
    sqlite3_reset(st);
    return err;
}

/* All of dom_meta; indexed: the 'indexed_ord' the tables hold. */
static nara_err_t write_meta(nara_domain_t *d, int64_t indexed)
{
    uint8_t h[32];
    nara__regions_hash(d->regions, h);
    nara_err_t err = meta_set(d, "version", NULL, 0, DOM_SCHEMA_VERSION);
    if (err == NARA_OK)
        err = meta_set(d, "root", d->root, 32, 0);
    if (err == NARA_OK)
        err = meta_set(d, "regions", h, 32, 0);
    if (err == NARA_OK)
        err = meta_set(d, "indexed_ord", NULL, 0, indexed);
    return err;
}

/* Inside the transaction: index the events above 'indexed_ord' (fresh: all,
 * into empty tables) and fold what they made dirty. */
static nara_err_t apply_rows(nara_domain_t *d, bool fresh)
{
    int64_t w = 0, top = 0;
    bool found = false;
    nara_err_t err = fresh ? NARA_OK : indexed_ord(d, &w, &found);
    if (err == NARA_OK)
        err = max_ord(d, &top);
    if (err == NARA_OK && (!found || w > top)) /* no watermark, or a wrong one */
        fresh = true;
    if (err == NARA_OK && fresh) {
        w = 0;
        err = exec_sql(d, clear_sql);
        nara__devtab_free(&d->devs);
        d->devs_stale = false;
        d->stats.full_refolds++;
    }
    if (err == NARA_OK)
        err = write_meta(d, w);
    if (err == NARA_OK)
        err = index_range(d, w, INT64_MAX);
    if (err == NARA_OK)
        err = fold_dirty(d);
    return err;
}

/* Fold what the store holds above 'indexed_ord'; fresh: everything, from
 * empty tables.  One transaction. */
static nara_err_t catch_up(nara_domain_t *d, bool fresh)
{
    int64_t w = 0, top = 0;
    bool found = false;
    nara_err_t err = max_ord(d, &top);

    if (err == NARA_OK && !fresh)
        err = indexed_ord(d, &w, &found);
    if (err != NARA_OK || (!fresh && found && w == top))
        return err;
    if (top == 0 && fresh) /* nothing to fold (a new replica) */
        return write_meta(d, 0);
    err = exec_sql(d, "BEGIN IMMEDIATE");
    if (err == NARA_OK) {
        err = apply_rows(d, fresh);
        if (err == NARA_OK)
            err = exec_sql(d, "COMMIT");
        if (err != NARA_OK) {
            sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
            hook_rollback(d);
        }
    }
    return err;
}

nara_err_t nara_domain_refold_all(nara_domain_t *d)
{
    if (d == NULL)
        return NARA_INVAL;
    return catch_up(d, true);
}

/* ---- open / close ------------------------------------------------------------------ */

/* Do the tables hold a fold made with this root key and region list?
 * NARA_SCHEMA if they were written by a newer program. */
static nara_err_t check_meta(nara_domain_t *d, bool *fresh)
{
    static const char *const keys[] = {"version", "root", "regions"};
    uint8_t h[32];
    bool same[3] = {false, false, false};
    nara_err_t err = NARA_OK;

    nara__regions_hash(d->regions, h);
    for (int i = 0; err == NARA_OK && i < 3; i++) {
        sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_META_GET);
        sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        err = nara__dom_err(d, rc, "read dom_meta");
        if (rc == SQLITE_ROW && i == 0) {
            int64_t v = sqlite3_column_int64(st, 0);
            if (v > DOM_SCHEMA_VERSION)
                err = NARA_SCHEMA;
            same[0] = v == DOM_SCHEMA_VERSION;
        } else if (rc == SQLITE_ROW) {
            const uint8_t *want = i == 1 ? d->root : h;
            same[i] = sqlite3_column_bytes(st, 0) == 32 &&
                      memcmp(sqlite3_column_blob(st, 0), want, 32) == 0;
        }
        sqlite3_reset(st);
    }
    *fresh = !(same[0] && same[1] && same[2]);
    return err;
}

/* Drop the tables of an older layout, see drop_old_sql: a dom_index without
 * `ord` (version 1), a dom_case without `cno` (version 2) or `tl` (version
 * 3), a dom_caseno without `idk` (version 5).  Their indexes go with them. */
static nara_err_t drop_old(nara_domain_t *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->db,
                                "SELECT (SELECT count(*) FROM pragma_table_info('dom_index')),"
                                " (SELECT count(*) FROM pragma_table_info('dom_index')"
                                " WHERE name = 'ord'),"
                                " (SELECT count(*) FROM pragma_table_info('dom_case')),"
                                " (SELECT count(*) FROM pragma_table_info('dom_case')"
                                " WHERE name IN ('cno', 'tl')),"
                                " (SELECT count(*) FROM pragma_table_info('dom_caseno')),"
                                " (SELECT count(*) FROM pragma_table_info('dom_caseno')"
                                " WHERE name = 'idk')",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    bool old =
        rc == SQLITE_ROW && ((sqlite3_column_int(st, 0) > 0 && sqlite3_column_int(st, 1) == 0) ||
                             (sqlite3_column_int(st, 2) > 0 && sqlite3_column_int(st, 3) < 2) ||
                             (sqlite3_column_int(st, 4) > 0 && sqlite3_column_int(st, 5) == 0));
    nara_err_t err = nara__dom_err(d, rc, "dom_* layout");
    sqlite3_finalize(st);
    if (err == NARA_OK && old)
        err = exec_sql(d, drop_old_sql);
    return err;
}

static void domain_free(nara_domain_t *d)
{
    for (int i = 0; i < NARA__DQ_COUNT; i++)
        sqlite3_finalize(d->stmt[i]);
    nara__devtab_free(&d->devs);
    free(d->dirty_cases.v);
    nara__txn_events_clear(d);
    free(d->txn_events.v);
    free(d->txn_case_ords.v);
    free(d->scratch);
    msgpack_zone_destroy(&d->zone);
    free(d);
}

static nara_err_t prepare_all(nara_domain_t *d)
{
    for (int i = 0; i < NARA__DQ_COUNT; i++) {
        int rc = sqlite3_prepare_v3(d->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &d->stmt[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return nara__dom_err(d, rc, stmt_sql[i]);
    }
    return NARA_OK;
}

static nara_domain_t *domain_new(nara_store_t *s, const uint8_t root_pk[32],
                                 const nara_regions_t *regions)
{
    nara_domain_t *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->s = s;
    d->db = nara__store_db(s);
    memcpy(d->root, root_pk, 32);
    d->regions = regions ? regions : nara_regions_default();
    d->scratch = malloc(NARA_EVENT_MAX_BYTES);
    randombytes_buf(d->slot_key, sizeof d->slot_key);
    if (!msgpack_zone_init(&d->zone, 4096) || d->scratch == NULL) {
        free(d->scratch);
        free(d);
        return NULL;
    }
    return d;
}

static nara_err_t install_hooks(nara_domain_t *d)
{
    nara__store_hooks_t hooks;
    memset(&hooks, 0, sizeof hooks);
    hooks.on_added = hook_added;
    hooks.before_commit = hook_commit;
    hooks.after_rollback = hook_rollback;
    hooks.ctx = d;
    return nara__store_add_hooks(d->s, &hooks);
}

nara_err_t nara_domain_open(nara_store_t *s, const uint8_t root_pk[NARA_PUBLICKEY_BYTES],
                            const nara_regions_t *regions, nara_domain_t **out)
{
    nara_domain_t *d;
    bool fresh = true;
    nara_err_t err;

    if (out == NULL)
        return NARA_INVAL;
    *out = NULL;
    if (s == NULL || root_pk == NULL || nara__store_db(s) == NULL)
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    d = domain_new(s, root_pk, regions);
    if (d == NULL)
        return NARA_NOMEM;
    err = drop_old(d);
    if (err == NARA_OK)
        err = exec_sql(d, schema_sql);
    if (err != NARA_OK && !sqlite3_get_autocommit(d->db))
        sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    if (err == NARA_OK)
        err = prepare_all(d);
    if (err == NARA_OK)
        err = check_meta(d, &fresh);
    if (err == NARA_OK && !fresh)
        err = load_devs(d);
    if (err == NARA_OK)
        err = catch_up(d, fresh);
    if (err == NARA_OK)
        err = install_hooks(d);
    if (err != NARA_OK) {
        domain_free(d);
        return err;
    }
    *out = d;
    return NARA_OK;
}

void nara_domain_close(nara_domain_t *d)
{
    if (d == NULL)
        return;
    nara__store_remove_hooks(d->s, d);
    domain_free(d);
}

nara_store_t *nara_domain_store(nara_domain_t *d)
{
    return d ? d->s : NULL;
}

const nara_regions_t *nara_domain_regions(const nara_domain_t *d)
{
    return d ? d->regions : NULL;
}

void nara_domain_stats(const nara_domain_t *d, nara_domain_stats_t *out)
{
    if (out == NULL)
        return;
    if (d == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = d->stats;
}
