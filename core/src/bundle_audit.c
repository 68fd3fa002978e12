/*
 * bundle_audit.c - the offline audit of one or more bundles
 * (nara_bundle_audit, nara_bundle.h; docs/audit.md section 5.4): reading
 * every record once, in order, and checking what can be checked there.
 *
 * DESIGN NOTES
 *
 * Per record, in the order of the file:
 *   HEADER       the province root (against the trusted one) and the region
 *                list; the first one opens the domain on the scratch store
 *   HEAD         signature by the server key (trusted, else the first head's,
 *                which must then be enrolled as server: bundle_audit_end.c);
 *                two heads of one size with different roots are a fork
 *   CONSISTENCY  the proof between two valid heads (RFC 9162)
 *   INCLUSION    the proof of an event id at a leaf of a valid head; one
 *                leaf holding two ids, or one id at two leaves, is a fork
 *   EVENT        collected into a chunk (at most chunk_events events and
 *                AUD_ARENA_BYTES bytes); a full chunk is decoded, its
 *                signatures checked on `threads` threads (each thread a
 *                contiguous slice), then each record is judged in order -
 *                decoding, order, leaf ("altered"), signature, link to the
 *                record before - and the chunk is merged into the scratch
 *                store, where the domain folds it
 *   FORK         both events decoded, verified and merged (the store keeps
 *                the fork as evidence)
 * A record that cannot be read stops that bundle (the rest of it cannot be
 * framed) and is a failure; the audit goes on with the next input and the
 * final checks.
 *
 * Invariants:
 *  1. Memory: one record (the reader), one chunk (arena + items), the
 *     scratch store's cache.  Everything else is in the scratch store.
 *  2. Findings are reported as found, so the first failure reported is the
 *     first in file order for everything checked per record; a gap in a
 *     feed is only known at the end (a later record may fill it), so gaps
 *     are reported by the final checks.
 *  3. Nothing from the bundle is trusted: ids and links are recomputed from
 *     the event bytes, heads and proofs are verified before they are used.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bundle_audit.h"
#include "store_internal.h"

static const char *const stmt_sql[AQ_COUNT] = {
#define AUD_STMT_SQL(name, sql) sql,
    AUD_STMTS(AUD_STMT_SQL)
#undef AUD_STMT_SQL
};

static const char scratch_sql[] =
    /* A scratch file nobody reopens: no durability, its rollback journal in
     * memory, a cache for the chunk's pages (docs/audit.md 5.4). */
    "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY; PRAGMA cache_size = -16384;"
    "CREATE TABLE aud_head(size INTEGER PRIMARY KEY, root BLOB NOT NULL, time_ms INTEGER NOT NULL,"
    " server_pk BLOB NOT NULL, bundle INTEGER, record INTEGER);"
    "CREATE TABLE aud_bad(size INTEGER PRIMARY KEY);"
    "CREATE TABLE aud_cons(first INTEGER, second INTEGER, PRIMARY KEY(first, second))"
    " WITHOUT ROWID;"
    "CREATE TABLE aud_leaf(idx INTEGER PRIMARY KEY, id BLOB NOT NULL, size INTEGER,"
    " bundle INTEGER, record INTEGER);"
    "CREATE INDEX aud_leaf_id ON aud_leaf(id);"
    "CREATE TABLE aud_event(id BLOB PRIMARY KEY, author BLOB NOT NULL, stream TEXT NOT NULL,"
    " seq INTEGER NOT NULL, hlc INTEGER NOT NULL, bundle INTEGER, record INTEGER) WITHOUT ROWID;"
    "CREATE INDEX aud_event_feed ON aud_event(author, stream, seq);"
    "CREATE INDEX aud_event_hlc ON aud_event(author, hlc);";

/* ---- helpers shared with bundle_audit_end.c ------------------------------------ */

sqlite3_stmt *nara__aud_stmt(aud_t *a, aud_stmt_t id)
{
    sqlite3_stmt *st = a->q[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

nara_err_t nara__aud_sql(aud_t *a, int rc, const char *what)
{
    return nara__store_sqlite_err(a->s, rc, what);
}

void nara__aud_init(nara_audit_finding_t *f, nara_audit_severity_t sev, const char *check,
                    nara_err_t code, unsigned bundle, uint64_t record)
{
    memset(f, 0, sizeof *f);
    f->severity = sev;
    f->check = check;
    f->code = code;
    f->bundle = bundle;
    f->record = record;
}

void nara__aud_event(nara_audit_finding_t *f, const nara_event_t *ev)
{
    f->has_event = true;
    memcpy(f->event, ev->id, NARA_ID_BYTES);
    f->has_feed = true;
    memcpy(f->author, ev->author, NARA_PUBLICKEY_BYTES);
    memcpy(f->stream, ev->stream, sizeof f->stream);
    f->seq = ev->seq;
    f->hlc = ev->hlc;
}

const char *nara_audit_kind_shape(nara_audit_kind_t kind)
{
    static const char *const shapes[NARA_AUDIT_K_COUNT] = {[NARA_AUDIT_K_NONE] = "",
#define AUD_SHAPE(name, shape) [NARA_AUDIT_K_##name] = shape,
                                                           NARA_AUDIT_KIND_MAP(AUD_SHAPE)
#undef AUD_SHAPE
    };
    return (unsigned)kind < NARA_AUDIT_K_COUNT ? shapes[kind] : "";
}

void nara__aud_report(aud_t *a, nara_audit_finding_t *f, nara_audit_kind_t kind, const char *fmt,
                      ...)
{
    va_list ap;
    f->kind = kind;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    if (f->severity == NARA_AUDIT_FAILURE) {
        a->r->failures++;
        if (!a->has_failure)
            a->first_failure = *f;
        a->has_failure = true;
    } else {
        a->r->findings++;
        if (!a->has_finding)
            a->first_finding = *f;
        a->has_finding = true;
    }
    if (a->o->on_finding)
        a->o->on_finding(a->o->ctx, f);
}

/* A failure about one record: its kind, the error it names (cause), its
 * English detail. */
static void fail_rec(aud_t *a, const char *check, nara_err_t code, uint64_t record,
                     const nara_event_t *ev, nara_audit_kind_t kind, nara_err_t cause,
                     const char *detail)
{
    nara_audit_finding_t f;
    nara__aud_init(&f, NARA_AUDIT_FAILURE, check, code, a->bundle, record);
    if (ev)
        nara__aud_event(&f, ev);
    f.cause = cause;
    nara__aud_report(a, &f, kind, "%s", detail);
}

static void short_hex(const uint8_t *b, char out[17])
{
    nara_hex(b, 8, out);
}

/* ---- the scratch store ----------------------------------------------------------------- */

static nara_err_t scratch_open(aud_t *a)
{
    const char *dir = a->o->tmp_dir;
    if (dir == NULL || *dir == '\0')
        dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    if (snprintf(a->path, sizeof a->path, "%s/nara-audit-XXXXXX", dir) >= (int)sizeof a->path)
        return NARA_INVAL;
    int fd = mkstemp(a->path);
    if (fd < 0) {
        a->path[0] = '\0';
        return NARA_IO;
    }
    close(fd);
    nara_err_t err = nara_store_open(a->path, &a->s);
    if (err != NARA_OK)
        return err;
    nara_store_set_verify_mode(a->s, NARA_VERIFY_CHAIN);
    nara_store_set_threads(a->s, a->o->threads ? a->o->threads : 2);
    a->db = nara__store_db(a->s);
    err = nara__aud_sql(a, sqlite3_exec(a->db, scratch_sql, NULL, NULL, NULL), "audit: scratch");
    for (int i = 0; err == NARA_OK && i < AQ_COUNT; i++)
        err = nara__aud_sql(
            a,
            sqlite3_prepare_v3(a->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &a->q[i], NULL),
            stmt_sql[i]);
    return err;
}

static void scratch_close(aud_t *a)
{
    char p[PATH_MAX + 8];
    nara_domain_close(a->d);
    a->d = NULL;
    for (int i = 0; i < AQ_COUNT; i++)
        sqlite3_finalize(a->q[i]);
    nara_store_close(a->s);
    a->s = NULL;
    nara_regions_free(a->regions);
    a->regions = NULL;
    if (a->path[0]) {
        unlink(a->path);
        snprintf(p, sizeof p, "%s-wal", a->path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", a->path);
        unlink(p);
    }
}

/* ---- HEADER ---------------------------------------------------------------------------- */

static nara_err_t on_header(aud_t *a, const nara_bundle_rec_t *rec)
{
    const nara_bundle_header_t *h = &rec->header;
    uint8_t rh[32];
    char msg[200] = "";
    crypto_generichash(rh, sizeof rh, (const uint8_t *)h->regions, h->regions_len, NULL, 0);
    a->claims_complete = h->complete;
    a->r->claims_complete |= h->complete;
    if (a->have_root) {
        if (memcmp(h->root, a->r->root_pk, NARA_PUBLICKEY_BYTES) != 0)
            fail_rec(a, "root", NARA_AUTH, rec->number, NULL, NARA_AUDIT_K_ROOT_MISMATCH, NARA_OK,
                     "this bundle belongs to another province root than the first one");
        if (memcmp(rh, a->regions_hash, sizeof rh) != 0)
            fail_rec(a, "bundle", NARA_MALFORMED, rec->number, NULL, NARA_AUDIT_K_REGIONS_MISMATCH,
                     NARA_OK, "this bundle names another region list than the first one");
        return NARA_OK;
    }
    a->have_root = true;
    memcpy(a->regions_hash, rh, sizeof rh);
    if (a->o->root_pk) {
        memcpy(a->r->root_pk, a->o->root_pk, NARA_PUBLICKEY_BYTES);
        if (memcmp(h->root, a->o->root_pk, NARA_PUBLICKEY_BYTES) != 0)
            fail_rec(a, "root", NARA_AUTH, rec->number, NULL, NARA_AUDIT_K_ROOT_UNTRUSTED, NARA_OK,
                     "the bundle names another province root than the one given: its "
                     "authority is replayed from the trusted root");
    } else {
        memcpy(a->r->root_pk, h->root, NARA_PUBLICKEY_BYTES);
        a->r->root_from_bundle = true;
    }
    if (nara_regions_parse(h->regions, h->regions_len, &a->regions, msg, sizeof msg) != NARA_OK) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "bundle", NARA_MALFORMED, a->bundle, rec->number);
        snprintf(f.text, sizeof f.text, "%s", msg);
        nara__aud_report(a, &f, NARA_AUDIT_K_REGIONS_INVALID,
                         "the region list in the header is not valid (%s); the built-in "
                         "list is used",
                         msg);
        a->regions = NULL;
    }
    return nara_domain_open(a->s, a->r->root_pk, a->regions, &a->d);
}

/* ---- HEAD ---------------------------------------------------------------------------------- */

static nara_err_t mark_bad(aud_t *a, uint64_t size)
{
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_BAD_PUT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    int rc = sqlite3_step(st);
    return nara__aud_sql(a, rc == SQLITE_ROW ? SQLITE_DONE : rc, "audit: bad head");
}

/* The root of the stored (valid) head of `size`: NARA_OK or NARA_NOT_FOUND. */
static nara_err_t stored_root(aud_t *a, uint64_t size, uint8_t root[32])
{
    if (size > (uint64_t)INT64_MAX)
        return NARA_NOT_FOUND;
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_HEAD_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(root, sqlite3_column_blob(st, 0), 32);
        return NARA_OK;
    }
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? NARA_NOT_FOUND
                                                 : nara__aud_sql(a, rc, "audit: read head");
}

/* The root of the valid head of `size` (the empty tree's for 0): NARA_OK,
 * NARA_NOT_FOUND (no such head), or NARA_SIGNATURE (a head of that size
 * failed its checks: already reported). */
static nara_err_t head_root(aud_t *a, uint64_t size, uint8_t root[32])
{
    if (size == 0) {
        nara_merkle_hash_empty(root);
        return NARA_OK;
    }
    if (size > (uint64_t)INT64_MAX)
        return NARA_NOT_FOUND;
    if (a->hr_valid && a->hr_size == size) { /* a stored head never changes */
        memcpy(root, a->hr_root, 32);
        return NARA_OK;
    }
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_HEAD_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(root, sqlite3_column_blob(st, 0), 32);
        memcpy(a->hr_root, root, 32);
        a->hr_size = size;
        a->hr_valid = true;
        return NARA_OK;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return nara__aud_sql(a, rc, "audit: read head");
    st = nara__aud_stmt(a, AQ_BAD_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    rc = sqlite3_step(st);
    return rc == SQLITE_ROW ? NARA_SIGNATURE : NARA_NOT_FOUND;
}

static nara_err_t on_head(aud_t *a, const nara_bundle_rec_t *rec)
{
    const nara_tree_head_t *h = &rec->head;
    const uint8_t *trusted = a->o->server_pk ? a->o->server_pk : a->has_server ? a->server : NULL;
    uint8_t root[32];
    nara_err_t v = nara_tree_head_verify(h, trusted);
    nara_audit_finding_t f;
    nara__aud_init(&f, NARA_AUDIT_FAILURE, "head", v, a->bundle, rec->number);
    if (v != NARA_OK) {
        short_hex(h->server_pk, f.ref[0]);
        f.arg[0] = h->size;
        nara__aud_report(
            a, &f, v == NARA_SERVER_KEY ? NARA_AUDIT_K_HEAD_OTHER_KEY : NARA_AUDIT_K_HEAD_SIGNATURE,
            "the tree head of size %llu (signed by %s...) %s", (unsigned long long)h->size,
            f.ref[0],
            v == NARA_SERVER_KEY ? "is signed by another key than the server's"
                                 : "has a signature that does not verify");
        return mark_bad(a, h->size);
    }
    if (!a->has_server) {
        a->has_server = true;
        memcpy(a->server, h->server_pk, NARA_PUBLICKEY_BYTES);
    }
    if (h->size > a->bundle_max_head)
        a->bundle_max_head = h->size;
    nara_err_t err = stored_root(a, h->size, root);
    if (err == NARA_NOT_FOUND && h->size == 0) {
        nara_merkle_hash_empty(root);
        if (memcmp(root, h->root, 32) != 0) {
            f.code = NARA_TREE_FORK;
            nara__aud_report(a, &f, NARA_AUDIT_K_HEAD_EMPTY_ROOT,
                             "a tree head of size 0 whose root is not the empty tree's");
            return NARA_OK;
        }
    }
    if (err == NARA_OK && memcmp(root, h->root, 32) != 0) {
        f.code = NARA_TREE_FORK;
        short_hex(root, f.ref[0]);
        short_hex(h->root, f.ref[1]);
        f.arg[0] = h->size;
        nara__aud_report(a, &f, NARA_AUDIT_K_HEAD_TWO_ROOTS,
                         "two tree heads of size %llu have different roots (%s... and "
                         "%s...): the server signed two different histories",
                         (unsigned long long)h->size, f.ref[0], f.ref[1]);
        return NARA_OK;
    }
    if (err == NARA_OK) { /* the same head again: keep its earliest time */
        sqlite3_stmt *st = nara__aud_stmt(a, AQ_HEAD_TIME);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)h->size);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)h->time_ms);
        return nara__aud_sql(a, sqlite3_step(st), "audit: head time");
    }
    if (err != NARA_NOT_FOUND)
        return err;
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_HEAD_PUT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)h->size);
    sqlite3_bind_blob(st, 2, h->root, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)h->time_ms);
    sqlite3_bind_blob(st, 4, h->server_pk, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a->bundle);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)rec->number);
    return nara__aud_sql(a, sqlite3_step(st), "audit: store head");
}

/* ---- CONSISTENCY, INCLUSION ------------------------------------------------------------------ */

static nara_err_t on_consistency(aud_t *a, const nara_bundle_rec_t *rec)
{
    uint8_t r1[32], r2[32];
    nara_audit_finding_t f;
    nara_err_t e1 = head_root(a, rec->first, r1), e2 = head_root(a, rec->second, r2);
    nara__aud_init(&f, NARA_AUDIT_FAILURE, "consistency", NARA_NOT_FOUND, a->bundle, rec->number);
    if (e1 == NARA_SIGNATURE || e2 == NARA_SIGNATURE)
        return NARA_OK; /* the bad head was reported */
    if (e1 != NARA_OK || e2 != NARA_OK) {
        if (e1 != NARA_NOT_FOUND && e1 != NARA_OK)
            return e1;
        if (e2 != NARA_NOT_FOUND && e2 != NARA_OK)
            return e2;
        f.arg[0] = rec->first;
        f.arg[1] = rec->second;
        f.arg[2] = e1 != NARA_OK ? rec->first : rec->second;
        nara__aud_report(a, &f, NARA_AUDIT_K_CONSISTENCY_NO_HEAD,
                         "a consistency proof from size %llu to %llu, but the bundle has "
                         "no tree head of size %llu",
                         (unsigned long long)f.arg[0], (unsigned long long)f.arg[1],
                         (unsigned long long)f.arg[2]);
        return NARA_OK;
    }
    if (nara_merkle_verify_consistency(rec->first, rec->second, r1, r2, &rec->proof) != NARA_OK) {
        f.code = NARA_TREE_FORK;
        f.arg[0] = rec->first;
        f.arg[1] = rec->second;
        nara__aud_report(a, &f, NARA_AUDIT_K_CONSISTENCY_FAILS,
                         "the tree heads of size %llu and %llu are not one history: "
                         "the consistency proof fails (the server's log forked or shrank)",
                         (unsigned long long)rec->first, (unsigned long long)rec->second);
        return NARA_OK;
    }
    a->r->consistency++;
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_CONS_PUT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)rec->second);
    return nara__aud_sql(a, sqlite3_step(st), "audit: store consistency");
}

/* The id at leaf idx (NARA_NOT_FOUND), or the leaf of an id. */
static nara_err_t leaf_at(aud_t *a, uint64_t idx, uint8_t id[32])
{
    if (idx > (uint64_t)INT64_MAX)
        return NARA_NOT_FOUND;
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_LEAF_AT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(id, sqlite3_column_blob(st, 0), 32);
        return NARA_OK;
    }
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? NARA_NOT_FOUND
                                                 : nara__aud_sql(a, rc, "audit: read leaf");
}

static nara_err_t leaf_of(aud_t *a, const uint8_t id[32], uint64_t *idx)
{
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_LEAF_OF);
    sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *idx = (uint64_t)sqlite3_column_int64(st, 0);
        return NARA_OK;
    }
    return rc == SQLITE_DONE ? NARA_NOT_FOUND : nara__aud_sql(a, rc, "audit: find leaf");
}

static nara_err_t on_inclusion(aud_t *a, const nara_bundle_rec_t *rec)
{
    uint8_t root[32], leaf[32], other[32];
    uint64_t at;
    nara_audit_finding_t f;
    nara__aud_init(&f, NARA_AUDIT_FAILURE, "inclusion", NARA_PROOF, a->bundle, rec->number);
    f.has_event = true;
    memcpy(f.event, rec->id, 32);
    char *x = f.ref[0];
    short_hex(rec->id, x);
    nara_err_t err = head_root(a, rec->size, root);
    if (err == NARA_SIGNATURE)
        return NARA_OK;
    if (err == NARA_NOT_FOUND) {
        f.code = NARA_NOT_FOUND;
        f.arg[0] = rec->size;
        nara__aud_report(a, &f, NARA_AUDIT_K_RECEIPT_NO_HEAD,
                         "a receipt for event %s... against a tree head of size %llu "
                         "that the bundle does not hold",
                         x, (unsigned long long)rec->size);
        return NARA_OK;
    }
    if (err != NARA_OK)
        return err;
    nara_merkle_hash_leaf(rec->id, 32, leaf);
    if (nara_merkle_verify_inclusion(leaf, rec->index, rec->size, &rec->proof, root) != NARA_OK) {
        f.arg[0] = rec->index;
        f.arg[1] = rec->size;
        nara__aud_report(a, &f, NARA_AUDIT_K_INCLUSION_FAILS,
                         "the inclusion proof of event %s... at leaf %llu does not verify "
                         "against the tree head of size %llu",
                         x, (unsigned long long)rec->index, (unsigned long long)rec->size);
        return NARA_OK;
    }
    f.code = NARA_TREE_FORK;
    err = leaf_at(a, rec->index, other);
    if (err == NARA_OK) {
        if (memcmp(other, rec->id, 32) != 0) {
            memcpy(f.ref[1], f.ref[0], sizeof f.ref[1]);
            short_hex(other, f.ref[0]);
            f.arg[0] = rec->index;
            nara__aud_report(a, &f, NARA_AUDIT_K_LEAF_TWO_EVENTS,
                             "leaf %llu is event %s... in one proof and event %s... in "
                             "another: the server's log forked",
                             (unsigned long long)rec->index, f.ref[0], f.ref[1]);
        }
        a->r->inclusion++;
        return NARA_OK;
    }
    if (err != NARA_NOT_FOUND)
        return err;
    err = leaf_of(a, rec->id, &at);
    if (err == NARA_OK) {
        f.arg[0] = at;
        f.arg[1] = rec->index;
        nara__aud_report(a, &f, NARA_AUDIT_K_EVENT_TWO_LEAVES,
                         "event %s... is at leaf %llu in one proof and at leaf %llu in "
                         "another",
                         x, (unsigned long long)at, (unsigned long long)rec->index);
        return NARA_OK;
    }
    if (err != NARA_NOT_FOUND)
        return err;
    a->r->inclusion++;
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_LEAF_PUT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->index);
    sqlite3_bind_blob(st, 2, rec->id, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)rec->size);
    sqlite3_bind_int64(st, 4, a->bundle);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)rec->number);
    return nara__aud_sql(a, sqlite3_step(st), "audit: store leaf");
}

/* ---- EVENT: the chunk ---------------------------------------------------------------------- */

typedef struct {
    aud_item_t *items;
    size_t from, to;
} slice_t;

static void *verify_slice(void *arg)
{
    slice_t *s = arg;
    for (size_t i = s->from; i < s->to; i++) {
        aud_item_t *it = &s->items[i];
        it->dec = nara_event_decode(it->bytes.bytes, it->bytes.len, &it->ev);
        it->sig = it->dec == NARA_OK ? nara_event_verify(&it->ev) : NARA_OK;
    }
    return NULL;
}

/* Decoding and signatures of the chunk on up to `threads` threads
 * (contiguous slices). */
static void verify_chunk(aud_t *a)
{
    enum { MAX_THREADS = 16 };
    unsigned n = a->o->threads ? a->o->threads : 2;
    pthread_t th[MAX_THREADS];
    slice_t sl[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (n > a->n_items)
        n = a->n_items ? (unsigned)a->n_items : 1;
    for (unsigned t = 0; t < n; t++)
        sl[t] = (slice_t){a->items, a->n_items * t / n, a->n_items * (t + 1) / n};
    for (unsigned t = 1; t < n; t++)
        started[t] = pthread_create(&th[t], NULL, verify_slice, &sl[t]) == 0;
    verify_slice(&sl[0]);
    for (unsigned t = 1; t < n; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            verify_slice(&sl[t]); /* no thread: do it here */
    }
}

static int feed_cmp(const nara_event_t *a, const nara_event_t *b)
{
    int c = memcmp(a->author, b->author, NARA_PUBLICKEY_BYTES);
    if (c == 0)
        c = strcmp(a->stream, b->stream);
    if (c == 0)
        c = a->seq < b->seq ? -1 : a->seq > b->seq;
    return c;
}

static bool same_feed(const nara_event_t *a, const nara_event_t *b)
{
    return memcmp(a->author, b->author, NARA_PUBLICKEY_BYTES) == 0 &&
           strcmp(a->stream, b->stream) == 0;
}

/* The leaf a record claims, against the verified inclusion proofs. */
static nara_err_t judge_leaf(aud_t *a, const aud_item_t *it)
{
    uint8_t id[32];
    uint64_t at;
    nara_err_t err = it->has_leaf ? leaf_at(a, it->leaf, id) : NARA_NOT_FOUND;
    if (err == NARA_OK && memcmp(id, it->ev.id, 32) != 0) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "altered", NARA_PROOF, a->bundle, it->record);
        nara__aud_event(&f, &it->ev);
        short_hex(id, f.ref[0]);
        short_hex(it->ev.id, f.ref[1]);
        f.arg[0] = it->leaf;
        nara__aud_report(a, &f, NARA_AUDIT_K_EVENT_CHANGED,
                         "the signed log holds event %s... at leaf %llu, but this record "
                         "claims that leaf with different bytes (id %s...): the event was "
                         "changed",
                         f.ref[0], (unsigned long long)it->leaf, f.ref[1]);
        return NARA_OK;
    }
    if (err != NARA_OK && err != NARA_NOT_FOUND)
        return err;
    err = leaf_of(a, it->ev.id, &at);
    if (err == NARA_OK && it->has_leaf && at != it->leaf) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "inclusion", NARA_PROOF, a->bundle, it->record);
        nara__aud_event(&f, &it->ev);
        f.arg[0] = it->leaf;
        f.arg[1] = at;
        nara__aud_report(a, &f, NARA_AUDIT_K_LEAF_MISMATCH,
                         "the record claims leaf %llu, but the signed log has this event "
                         "at leaf %llu",
                         (unsigned long long)it->leaf, (unsigned long long)at);
    }
    return err == NARA_NOT_FOUND ? NARA_OK : err;
}

static nara_err_t store_event(aud_t *a, const aud_item_t *it)
{
    sqlite3_stmt *st = nara__aud_stmt(a, AQ_EVENT_PUT);
    sqlite3_bind_blob(st, 1, it->ev.id, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, it->ev.author, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, it->ev.stream, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)it->ev.seq);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)it->ev.hlc);
    sqlite3_bind_int64(st, 6, a->bundle);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)it->record);
    return nara__aud_sql(a, sqlite3_step(st), "audit: store event");
}

/* Judge one record of the chunk, in file order (see the design notes). */
static nara_err_t judge(aud_t *a, aud_item_t *it, size_t *n_batch)
{
    char msg[200];
    if (it->dec != NARA_OK) {
        snprintf(msg, sizeof msg, "the record does not hold a valid signed event: %s",
                 nara_strerror(it->dec));
        fail_rec(a, "event", it->dec, it->record, NULL, NARA_AUDIT_K_EVENT_INVALID, it->dec, msg);
        return NARA_OK;
    }
    bool in_order = !a->has_prev || feed_cmp(&it->ev, &a->prev) > 0;
    if (!in_order) /* still kept: only its place is wrong; the chain state stays put */
        fail_rec(a, "order", NARA_OUT_OF_ORDER, it->record, &it->ev, NARA_AUDIT_K_ORDER, NARA_OK,
                 "events are not in feed order (author, stream, ascending seq): this record "
                 "comes after a later or equal position");
    nara_err_t err = judge_leaf(a, it);
    if (err != NARA_OK)
        return err;
    if (it->sig != NARA_OK) {
        snprintf(msg, sizeof msg, "%s",
                 it->sig == NARA_BAD_KEY
                     ? "the event's author is not a valid Ed25519 key: its signature means nothing"
                     : "the event's signature does not verify under its author's key: it is not "
                       "what its author signed");
        fail_rec(a, "signature", it->sig, it->record, &it->ev,
                 it->sig == NARA_BAD_KEY ? NARA_AUDIT_K_AUTHOR_KEY : NARA_AUDIT_K_SIGNATURE,
                 it->sig, msg);
    }
    if (in_order && a->has_prev && same_feed(&it->ev, &a->prev) && it->ev.seq == a->prev.seq + 1 &&
        (!it->ev.has_prev || memcmp(it->ev.prev, a->prev_link, NARA_HASH_BYTES) != 0))
        fail_rec(a, "chain", NARA_CHAIN, it->record, &it->ev, NARA_AUDIT_K_CHAIN, NARA_OK,
                 "the event's prev does not link to the event before it in its feed (the "
                 "event before was changed, or this one belongs to another history)");
    if (in_order) {
        a->prev = it->ev;
        a->prev.body = NULL;
        nara_event_link(&it->ev, a->prev_link);
        a->has_prev = true;
    }
    err = store_event(a, it);
    a->batch[(*n_batch)++] = it->bytes;
    return err;
}

/* The transaction HEAD, CONSISTENCY and INCLUSION records write in: one
 * per record would cost a commit (a file write) each. */
static nara_err_t records_begin(aud_t *a)
{
    if (a->txn)
        return NARA_OK;
    a->txn = true;
    a->txn_records = 0;
    return nara__aud_sql(a, sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL), "audit: begin");
}

static nara_err_t records_commit(aud_t *a)
{
    if (!a->txn)
        return NARA_OK;
    a->txn = false;
    return nara__aud_sql(a, sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL), "audit: commit");
}

static nara_err_t flush(aud_t *a)
{
    size_t n_batch = 0;
    nara_err_t err = records_commit(a);
    if (err != NARA_OK || a->n_items == 0)
        return err;
    verify_chunk(a);
    err = nara__aud_sql(a, sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL), "audit: begin");
    for (size_t i = 0; err == NARA_OK && i < a->n_items; i++)
        err = judge(a, &a->items[i], &n_batch);
    if (err == NARA_OK)
        err = nara__aud_sql(a, sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL), "audit: commit");
    else if (!sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    if (err == NARA_OK && n_batch)
        err = nara_store_merge(a->s, a->batch, n_batch, 0, a->outcomes, NULL);
    a->n_items = 0;
    a->arena_used = 0;
    return err;
}

static nara_err_t on_event(aud_t *a, const nara_bundle_rec_t *rec)
{
    nara_err_t err = NARA_OK;
    if (a->n_items == a->chunk_max || rec->event.len > AUD_ARENA_BYTES - a->arena_used)
        err = flush(a);
    if (err != NARA_OK)
        return err;
    aud_item_t *it = &a->items[a->n_items++];
    memset(it, 0, sizeof *it);
    it->record = rec->number;
    it->has_leaf = rec->has_leaf;
    it->leaf = rec->leaf;
    memcpy(a->arena + a->arena_used, rec->event.bytes, rec->event.len);
    it->bytes = (nara_bytes_t){a->arena + a->arena_used, rec->event.len};
    a->arena_used += rec->event.len;
    a->r->events++;
    return NARA_OK;
}

/* ---- FORK -------------------------------------------------------------------------------------
 */

static nara_err_t on_fork(aud_t *a, const nara_bundle_rec_t *rec)
{
    nara_event_t e[2];
    const nara_bytes_t *b[2] = {&rec->held, &rec->other};
    nara_outcome_t out[2];
    char msg[160];
    for (int i = 0; i < 2; i++) {
        nara_err_t err = nara_event_decode(b[i]->bytes, b[i]->len, &e[i]);
        if (err == NARA_OK)
            err = nara_event_verify(&e[i]);
        if (err != NARA_OK) {
            snprintf(msg, sizeof msg,
                     "a fork record holds an event that is not validly signed "
                     "(%s): it is no evidence",
                     nara_strerror(err));
            fail_rec(a, "fork", err, rec->number, NULL, NARA_AUDIT_K_FORK_UNSIGNED, err, msg);
            return NARA_OK;
        }
    }
    if (!same_feed(&e[0], &e[1])) {
        fail_rec(a, "fork", NARA_MALFORMED, rec->number, &e[1], NARA_AUDIT_K_FORK_TWO_FEEDS,
                 NARA_OK, "a fork record holds events of two different feeds");
        return NARA_OK;
    }
    a->r->forks++;
    nara_bytes_t batch[2] = {rec->held, rec->other};
    return nara_store_merge(a->s, batch, 2, 0, out, NULL);
}

/* ---- driving ----------------------------------------------------------------------------------
 */

static nara_err_t on_record(aud_t *a, const nara_bundle_rec_t *rec)
{
    bool in_txn = rec->type == NARA_BREC_HEAD || rec->type == NARA_BREC_CONSISTENCY ||
                  rec->type == NARA_BREC_INCLUSION;
    if (rec->type != NARA_BREC_EVENT && a->n_items > 0) {
        nara_err_t err = flush(a);
        if (err != NARA_OK)
            return err;
    }
    if (!in_txn || a->txn_records == AUD_TXN_RECORDS) {
        nara_err_t err = records_commit(a);
        if (err != NARA_OK)
            return err;
    }
    if (in_txn) {
        nara_err_t err = records_begin(a);
        if (err != NARA_OK)
            return err;
        a->txn_records++;
    }
    switch (rec->type) {
    case NARA_BREC_HEADER:
        return on_header(a, rec);
    case NARA_BREC_HEAD:
        return on_head(a, rec);
    case NARA_BREC_CONSISTENCY:
        return on_consistency(a, rec);
    case NARA_BREC_INCLUSION:
        return on_inclusion(a, rec);
    case NARA_BREC_EVENT:
        return on_event(a, rec);
    case NARA_BREC_FORK:
        return on_fork(a, rec);
    }
    return NARA_OK;
}

static nara_err_t audit_one(aud_t *a, FILE *in)
{
    nara_bundle_reader_t *rd = NULL;
    nara_bundle_rec_t rec;
    bool has = true;
    nara_err_t err = nara_bundle_reader_file(in, &rd), rerr = NARA_OK;
    a->has_prev = false;
    a->claims_complete = false;
    a->bundle_max_head = 0;
    while (err == NARA_OK && (rerr = nara_bundle_read(rd, &rec, &has)) == NARA_OK && has) {
        a->r->records++;
        err = on_record(a, &rec);
    }
    if (err == NARA_OK)
        err = flush(a);
    if (err == NARA_OK && rerr != NARA_OK) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "bundle", rerr, a->bundle, UINT64_MAX);
        f.arg[0] = nara_bundle_reader_offset(rd);
        f.cause = rerr;
        nara__aud_report(a, &f, NARA_AUDIT_K_UNREADABLE, "%s", nara_bundle_reader_error(rd));
    }
    if (err == NARA_OK && a->claims_complete && a->bundle_max_head > a->complete_size)
        a->complete_size = a->bundle_max_head;
    nara_bundle_reader_free(rd);
    return err;
}

static nara_err_t aud_alloc(aud_t *a)
{
    a->chunk_max = a->o->chunk_events ? a->o->chunk_events : 4096;
    a->arena = malloc(AUD_ARENA_BYTES);
    a->items = calloc(a->chunk_max, sizeof *a->items);
    a->batch = calloc(a->chunk_max, sizeof *a->batch);
    a->outcomes = calloc(a->chunk_max, sizeof *a->outcomes);
    return a->arena && a->items && a->batch && a->outcomes ? NARA_OK : NARA_NOMEM;
}

nara_err_t nara_bundle_audit(FILE *const *in, size_t n, const nara_audit_options_t *o,
                             nara_audit_report_t *r)
{
    static const nara_audit_options_t none;
    aud_t *a;
    nara_err_t err;
    if (in == NULL || n == 0 || r == NULL)
        return NARA_INVAL;
    memset(r, 0, sizeof *r);
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    a = calloc(1, sizeof *a);
    if (a == NULL)
        return NARA_NOMEM;
    a->o = o ? o : &none;
    a->r = r;
    if (a->o->server_pk) {
        a->has_server = true;
        memcpy(a->server, a->o->server_pk, NARA_PUBLICKEY_BYTES);
    }
    err = aud_alloc(a);
    if (err == NARA_OK)
        err = scratch_open(a);
    for (size_t i = 0; err == NARA_OK && i < n; i++) {
        a->bundle = (unsigned)i;
        err = in[i] ? audit_one(a, in[i]) : NARA_INVAL;
    }
    if (err == NARA_OK && a->d == NULL) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "bundle", NARA_MALFORMED, 0, UINT64_MAX);
        nara__aud_report(a, &f, NARA_AUDIT_K_NO_HEADER,
                         "no bundle header could be read: nothing was verified");
    }
    if (err == NARA_OK && a->d)
        err = nara__aud_finish(a);
    if (err == NARA_OK) {
        r->has_first = a->has_failure || a->has_finding;
        r->first = a->has_failure ? a->first_failure : a->first_finding;
        r->has_server = a->has_server;
        memcpy(r->server_pk, a->server, NARA_PUBLICKEY_BYTES);
    }
    scratch_close(a);
    free(a->arena);
    free(a->items);
    free(a->batch);
    free(a->outcomes);
    free(a);
    return err;
}
