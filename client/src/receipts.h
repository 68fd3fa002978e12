/*
 * receipts.h - what the client keeps of the province server's transparency
 * log (receipts.c; docs/client.md "Receipts", docs/audit.md section 3):
 * every tree head it accepted, the consistency proofs between them, one
 * receipt (inclusion proof) per event of its own the server signed for, and
 * the evidence of a server whose history forked or shrank.
 *
 * Tables in the replica's file, reached through the client's own connection
 * (app->meta), like client_meta:
 *   client_head(size PK, root, time_ms, server_pk, sig, seen_ms)
 *   client_consistency(first, second, proof)           PK (first, second)
 *   client_receipt(id PK, leaf, size, proof, seen_ms)  size: the head it is against
 *   client_evidence(ord PK, seen_ms, server_url, pinned, offered, proof)
 *                                                      heads encoded (docs/audit.md 1.8)
 *
 * Invariants:
 *  1. Only heads the session verified are stored, with the proof that each
 *     extends the one before: the stored heads form one chain, and the
 *     largest is the pinned head every later session must extend.
 *  2. A receipt is stored only after its proof verified against its head,
 *     which is stored first (in an earlier or the same call).
 *  3. Each write is one transaction on the client's connection.
 */
#ifndef NARA_CLIENT_RECEIPTS_H
#define NARA_CLIENT_RECEIPTS_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "nara_merkle.h"
#include "nara_protocol.h"

/* Create the tables if needed.  NARA_IO / NARA_BUSY / NARA_FULL. */
nara_err_t nara_rcpt_init(sqlite3 *db);

/* The pinned head: the largest stored.  *found false when there is none
 * (or the tables do not exist yet). */
nara_err_t nara_rcpt_last_head(sqlite3 *db, nara_tree_head_t *out, bool *found);

/* A sink for client sessions writing to the tables.  ctx must live as long
 * as the sink is used; ctx->err keeps the first storage error. */
typedef struct {
    sqlite3 *db;
    const char *server_url; /* kept with evidence */
    uint64_t heads, receipts;
    bool forked;
    nara_err_t err;
} nara_rcpt_ctx_t;

void nara_rcpt_sink(nara_rcpt_ctx_t *ctx, nara_receipt_sink_t *out);

/* One stored receipt. */
typedef struct {
    uint8_t id[NARA_ID_BYTES];
    uint64_t leaf, size, seen_ms;
    const uint8_t *proof;
    size_t proof_len;
} nara_rcpt_row_t;

/* The receipt of an event: *found false if there is none. */
nara_err_t nara_rcpt_get(sqlite3 *db, const uint8_t id[NARA_ID_BYTES], nara_rcpt_row_t *out,
                         uint8_t proof[NARA_MERKLE_PROOF_MAX_BYTES], bool *found);

/* Walks in increasing size / leaf / order; a callback returning non-zero
 * stops (NARA_OK).  Missing tables walk nothing. */
nara_err_t nara_rcpt_each_head(sqlite3 *db, int (*fn)(void *ctx, const nara_tree_head_t *h),
                               void *ctx);
nara_err_t nara_rcpt_each_consistency(sqlite3 *db,
                                      int (*fn)(void *ctx, uint64_t first, uint64_t second,
                                                const nara_merkle_proof_t *p),
                                      void *ctx);
nara_err_t nara_rcpt_each_receipt(sqlite3 *db, int (*fn)(void *ctx, const nara_rcpt_row_t *r),
                                  void *ctx);

typedef struct {
    uint64_t seen_ms;
    const char *server_url;
    bool has_pinned, has_offered;
    nara_tree_head_t pinned, offered;
    nara_merkle_proof_t proof;
} nara_rcpt_evidence_t;

nara_err_t nara_rcpt_each_evidence(sqlite3 *db, int (*fn)(void *ctx, const nara_rcpt_evidence_t *e),
                                   void *ctx);

/* The events of `author` (this device) in `store`, by receipt. */
typedef struct {
    uint64_t receipted; /* with a stored receipt */
    uint64_t sent;      /* without one, held by the server: seq within `server_vv` */
    uint64_t unsent;    /* without one, not known to be held by the server */
} nara_rcpt_own_t;

/* Walks the author's events (one indexed look-up each, nothing loaded);
 * server_vv may be NULL (nothing known sent).  Missing tables: nothing
 * receipted. */
nara_err_t nara_rcpt_count_own(sqlite3 *db, nara_store_t *store,
                               const uint8_t author[NARA_PUBLICKEY_BYTES],
                               const nara_vv_t *server_vv, nara_rcpt_own_t *out);

#endif /* NARA_CLIENT_RECEIPTS_H */
