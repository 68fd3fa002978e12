/*
 * receipts.c - the client's store of tree heads, consistency proofs,
 * receipts and fork evidence (receipts.h): tables in the replica's file,
 * written through the client's own connection, one transaction per call.
 *
 * The sink callbacks run inside nara_session_receive (a WELCOME or an ACK),
 * when the store's connection holds no transaction, so the write lock is
 * free; a busy file is waited on (5 s, the connection's timeout).  A write
 * that fails makes the session fail (receipts that cannot be kept are not
 * silently dropped).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nara_cli.h"
#include "receipts.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS client_head(size INTEGER PRIMARY KEY, root BLOB NOT NULL,"
    " time_ms INTEGER NOT NULL, server_pk BLOB NOT NULL, sig BLOB NOT NULL, seen_ms INTEGER);"
    "CREATE TABLE IF NOT EXISTS client_consistency(first INTEGER NOT NULL, second INTEGER NOT"
    " NULL, proof BLOB NOT NULL, PRIMARY KEY(first, second)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS client_receipt(id BLOB PRIMARY KEY, leaf INTEGER NOT NULL,"
    " size INTEGER NOT NULL, proof BLOB NOT NULL, seen_ms INTEGER) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS client_evidence(ord INTEGER PRIMARY KEY, seen_ms INTEGER,"
    " server_url TEXT, pinned BLOB, offered BLOB, proof BLOB);";

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

nara_err_t nara_rcpt_init(sqlite3 *db)
{
    return nara_cli_sql_err(sqlite3_exec(db, schema_sql, NULL, NULL, NULL));
}

static bool present(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name ="
                           " 'client_head'",
                           -1, &st, NULL) == SQLITE_OK)
        yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* ---- heads -------------------------------------------------------------------- */

static bool read_head(sqlite3_stmt *st, nara_tree_head_t *h)
{
    memset(h, 0, sizeof *h);
    h->size = (uint64_t)sqlite3_column_int64(st, 0);
    h->time_ms = (uint64_t)sqlite3_column_int64(st, 2);
    if (sqlite3_column_bytes(st, 1) != 32 || sqlite3_column_bytes(st, 3) != 32 ||
        sqlite3_column_bytes(st, 4) != 64)
        return false;
    memcpy(h->root, sqlite3_column_blob(st, 1), 32);
    memcpy(h->server_pk, sqlite3_column_blob(st, 3), 32);
    memcpy(h->sig, sqlite3_column_blob(st, 4), 64);
    return true;
}

nara_err_t nara_rcpt_last_head(sqlite3 *db, nara_tree_head_t *out, bool *found)
{
    sqlite3_stmt *st = NULL;
    *found = false;
    if (!present(db))
        return NARA_OK;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT size, root, time_ms, server_pk, sig FROM client_head"
                                " ORDER BY size DESC LIMIT 1",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    nara_err_t err = rc == SQLITE_ROW || rc == SQLITE_DONE ? NARA_OK : nara_cli_sql_err(rc);
    if (rc == SQLITE_ROW) {
        *found = read_head(st, out);
        if (!*found)
            err = NARA_CORRUPT;
    }
    sqlite3_finalize(st);
    return err;
}

nara_err_t nara_rcpt_each_head(sqlite3 *db, int (*fn)(void *ctx, const nara_tree_head_t *h),
                               void *ctx)
{
    sqlite3_stmt *st = NULL;
    nara_tree_head_t h;
    if (!present(db))
        return NARA_OK;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT size, root, time_ms, server_pk, sig FROM client_head"
                                " ORDER BY size",
                                -1, &st, NULL);
    for (rc = rc == SQLITE_OK ? sqlite3_step(st) : rc; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        if (!read_head(st, &h)) {
            rc = SQLITE_CORRUPT;
            break;
        }
        if (fn(ctx, &h) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

nara_err_t nara_rcpt_each_consistency(sqlite3 *db,
                                      int (*fn)(void *ctx, uint64_t first, uint64_t second,
                                                const nara_merkle_proof_t *p),
                                      void *ctx)
{
    sqlite3_stmt *st = NULL;
    nara_merkle_proof_t p;
    if (!present(db))
        return NARA_OK;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT first, second, proof FROM client_consistency ORDER BY"
                                " second, first",
                                -1, &st, NULL);
    for (rc = rc == SQLITE_OK ? sqlite3_step(st) : rc; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        if (nara_merkle_proof_decode(sqlite3_column_blob(st, 2),
                                     (size_t)sqlite3_column_bytes(st, 2), &p) != NARA_OK) {
            rc = SQLITE_CORRUPT;
            break;
        }
        if (fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
               &p) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

/* ---- receipts ------------------------------------------------------------------- */

static void read_receipt(sqlite3_stmt *st, nara_rcpt_row_t *r)
{
    memset(r, 0, sizeof *r);
    if (sqlite3_column_bytes(st, 0) == 32)
        memcpy(r->id, sqlite3_column_blob(st, 0), 32);
    r->leaf = (uint64_t)sqlite3_column_int64(st, 1);
    r->size = (uint64_t)sqlite3_column_int64(st, 2);
    r->proof = sqlite3_column_blob(st, 3);
    r->proof_len = (size_t)sqlite3_column_bytes(st, 3);
    r->seen_ms = (uint64_t)sqlite3_column_int64(st, 4);
}

nara_err_t nara_rcpt_get(sqlite3 *db, const uint8_t id[NARA_ID_BYTES], nara_rcpt_row_t *out,
                         uint8_t proof[NARA_MERKLE_PROOF_MAX_BYTES], bool *found)
{
    sqlite3_stmt *st = NULL;
    *found = false;
    if (!present(db))
        return NARA_OK;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT id, leaf, size, proof, seen_ms FROM client_receipt"
                                " WHERE id = ?1",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, id, NARA_ID_BYTES, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        read_receipt(st, out);
        if (out->proof_len > NARA_MERKLE_PROOF_MAX_BYTES) {
            rc = SQLITE_CORRUPT;
        } else {
            memcpy(proof, out->proof, out->proof_len);
            out->proof = proof;
            *found = true;
            rc = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

nara_err_t nara_rcpt_each_receipt(sqlite3 *db, int (*fn)(void *ctx, const nara_rcpt_row_t *r),
                                  void *ctx)
{
    sqlite3_stmt *st = NULL;
    nara_rcpt_row_t r;
    if (!present(db))
        return NARA_OK;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT id, leaf, size, proof, seen_ms FROM client_receipt"
                                " ORDER BY leaf",
                                -1, &st, NULL);
    for (rc = rc == SQLITE_OK ? sqlite3_step(st) : rc; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        read_receipt(st, &r);
        if (fn(ctx, &r) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

/* ---- evidence -------------------------------------------------------------------------- */

static bool decode_head(sqlite3_stmt *st, int col, nara_tree_head_t *h)
{
    return sqlite3_column_type(st, col) == SQLITE_BLOB &&
           nara_tree_head_decode(sqlite3_column_blob(st, col),
                                 (size_t)sqlite3_column_bytes(st, col), h) == NARA_OK;
}

nara_err_t nara_rcpt_each_evidence(sqlite3 *db, int (*fn)(void *ctx, const nara_rcpt_evidence_t *e),
                                   void *ctx)
{
    sqlite3_stmt *st = NULL;
    nara_rcpt_evidence_t e;
    if (!present(db))
        return NARA_OK;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT seen_ms, server_url, pinned, offered, proof FROM"
                                " client_evidence ORDER BY ord",
                                -1, &st, NULL);
    for (rc = rc == SQLITE_OK ? sqlite3_step(st) : rc; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        memset(&e, 0, sizeof e);
        e.seen_ms = (uint64_t)sqlite3_column_int64(st, 0);
        e.server_url = (const char *)sqlite3_column_text(st, 1);
        e.has_pinned = decode_head(st, 2, &e.pinned);
        e.has_offered = decode_head(st, 3, &e.offered);
        if (sqlite3_column_type(st, 4) == SQLITE_BLOB)
            nara_merkle_proof_decode(sqlite3_column_blob(st, 4),
                                     (size_t)sqlite3_column_bytes(st, 4), &e.proof);
        if (fn(ctx, &e) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

/* ---- own events by receipt ------------------------------------------------------------- */

static bool by_author(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    (void)stream;
    return memcmp(author, ctx, NARA_PUBLICKEY_BYTES) == 0;
}

nara_err_t nara_rcpt_count_own(sqlite3 *db, nara_store_t *store,
                               const uint8_t author[NARA_PUBLICKEY_BYTES],
                               const nara_vv_t *server_vv, nara_rcpt_own_t *out)
{
    nara_iter_t *it = NULL;
    sqlite3_stmt *st = NULL;
    nara_bytes_t b;
    nara_event_t ev;
    bool has = true;
    int rc = SQLITE_OK;
    memset(out, 0, sizeof *out);
    if (present(db))
        rc = sqlite3_prepare_v2(db, "SELECT 1 FROM client_receipt WHERE id = ?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return nara_cli_sql_err(rc);
    nara_err_t err = nara_store_iter_missing(store, NULL, by_author, (void *)author, &it);
    while (err == NARA_OK && (err = nara_iter_next(it, &b, &has)) == NARA_OK && has) {
        if (nara_event_decode(b.bytes, b.len, &ev) != NARA_OK)
            continue;
        bool receipted = false;
        if (st) {
            sqlite3_reset(st);
            sqlite3_bind_blob(st, 1, ev.id, NARA_ID_BYTES, SQLITE_STATIC);
            rc = sqlite3_step(st);
            receipted = rc == SQLITE_ROW;
            if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                err = nara_cli_sql_err(rc);
        }
        if (receipted)
            out->receipted++;
        else if (server_vv && ev.seq <= nara_vv_seq(server_vv, ev.author, ev.stream))
            out->sent++;
        else
            out->unsent++;
    }
    sqlite3_finalize(st);
    nara_iter_free(it);
    return err;
}

/* ---- the sink ------------------------------------------------------------------------------- */

static nara_err_t note(nara_rcpt_ctx_t *x, nara_err_t err)
{
    if (err != NARA_OK && x->err == NARA_OK)
        x->err = err;
    return err;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int insert_head(sqlite3 *db, const nara_tree_head_t *h, uint64_t now)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT OR IGNORE INTO client_head(size, root, time_ms, server_pk,"
                                " sig, seen_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)h->size);
        sqlite3_bind_blob(st, 2, h->root, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)h->time_ms);
        sqlite3_bind_blob(st, 4, h->server_pk, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, h->sig, 64, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int insert_proof(sqlite3 *db, uint64_t first, uint64_t second, const nara_merkle_proof_t *p)
{
    uint8_t enc[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t len = 0;
    sqlite3_stmt *st = NULL;
    if (nara_merkle_proof_encode(p, enc, sizeof enc, &len) != NARA_OK)
        return SQLITE_MISUSE;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT OR IGNORE INTO client_consistency(first, second, proof)"
                                " VALUES(?1, ?2, ?3)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)second);
        sqlite3_bind_blob(st, 3, enc, (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Invariant 1: the head, and the proof it extends the previous one, together. */
static nara_err_t sink_head(void *ctx, const nara_tree_head_t *prev, const nara_tree_head_t *h,
                            const nara_merkle_proof_t *p)
{
    nara_rcpt_ctx_t *x = ctx;
    int rc = exec(x->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = insert_head(x->db, h, wall_ms());
    if (rc == SQLITE_OK && prev)
        rc = insert_proof(x->db, prev->size, h->size, p);
    if (rc == SQLITE_OK)
        rc = exec(x->db, "COMMIT");
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(x->db))
        exec(x->db, "ROLLBACK");
    x->heads += rc == SQLITE_OK;
    return note(x, nara_cli_sql_err(rc));
}

static nara_err_t sink_receipts(void *ctx, const nara_tree_head_t *h, const nara_receipt_t *r,
                                size_t n)
{
    nara_rcpt_ctx_t *x = ctx;
    sqlite3_stmt *st = NULL;
    uint64_t now = wall_ms();
    int rc = exec(x->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(x->db,
                                "INSERT OR IGNORE INTO client_receipt(id, leaf, size, proof,"
                                " seen_ms) VALUES(?1, ?2, ?3, ?4, ?5)",
                                -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, r[i].id, NARA_ID_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)r[i].index);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)h->size);
        sqlite3_bind_blob(st, 4, r[i].proof, (int)r[i].proof_len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = exec(x->db, "COMMIT");
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(x->db))
        exec(x->db, "ROLLBACK");
    if (rc == SQLITE_OK)
        x->receipts += n;
    return note(x, nara_cli_sql_err(rc));
}

/* Evidence: both heads as signed, and the proof that failed. */
static void sink_fork(void *ctx, const nara_tree_head_t *prev, const nara_tree_head_t *offered,
                      const nara_merkle_proof_t *p)
{
    nara_rcpt_ctx_t *x = ctx;
    uint8_t a[NARA_TREE_HEAD_MAX_BYTES], b[NARA_TREE_HEAD_MAX_BYTES],
        c[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t na = 0, nb = 0, nc = 0;
    sqlite3_stmt *st = NULL;
    x->forked = true;
    if (prev)
        nara_tree_head_encode(prev, a, sizeof a, &na);
    if (offered)
        nara_tree_head_encode(offered, b, sizeof b, &nb);
    if (p)
        nara_merkle_proof_encode(p, c, sizeof c, &nc);
    int rc = sqlite3_prepare_v2(x->db,
                                "INSERT INTO client_evidence(seen_ms, server_url, pinned, offered,"
                                " proof) VALUES(?1, ?2, ?3, ?4, ?5)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)wall_ms());
        sqlite3_bind_text(st, 2, x->server_url ? x->server_url : "", -1, SQLITE_STATIC);
        if (na)
            sqlite3_bind_blob(st, 3, a, (int)na, SQLITE_STATIC);
        if (nb)
            sqlite3_bind_blob(st, 4, b, (int)nb, SQLITE_STATIC);
        if (nc)
            sqlite3_bind_blob(st, 5, c, (int)nc, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    note(x, nara_cli_sql_err(rc == SQLITE_DONE ? SQLITE_OK : rc));
}

void nara_rcpt_sink(nara_rcpt_ctx_t *ctx, nara_receipt_sink_t *out)
{
    out->head = sink_head;
    out->receipts = sink_receipts;
    out->fork = sink_fork;
    out->ctx = ctx;
}
