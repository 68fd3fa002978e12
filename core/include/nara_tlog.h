/*
 * nara_tlog.h - the transparency log of a store: an append-only Merkle tree
 * (RFC 9162 hashing, nara_merkle.h) over the ids of the events the store
 * accepts, in acceptance order, kept in the store's own SQLite file and
 * grown inside the transaction that accepts each event.  The provincial
 * server attaches one to its replica and signs tree heads with its key;
 * docs/audit.md section 4 describes the tables.
 *
 * Invariants:
 *  1. Leaf i is the id of the (i+1)-th event the store accepted (events.ord
 *     order), each accepted event exactly once; leaves are never changed or
 *     removed, so every tree the log ever had is a prefix of the current one.
 *  2. The tree grows in the transaction that accepts the events, so after
 *     every commit the tree has exactly as many leaves as the store has
 *     accepted events; a rolled-back transaction leaves no trace.
 *  3. With a signer, every transaction that grows the tree also stores one
 *     head signed for the new size, durable with the events it covers.
 *     Heads are kept (one per size) and never changed.
 *
 * A log is used by one thread at a time, together with its store.  Time is
 * passed in (the signer's clock), never read here.
 */
#ifndef NARA_TLOG_H
#define NARA_TLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "nara_error.h"
#include "nara_event.h"
#include "nara_merkle.h"
#include "nara_store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nara_tlog nara_tlog_t;

/* Who signs tree heads, and with which clock.  Borrowed for the log's life. */
typedef struct {
    const nara_keypair_t *kp;
    uint64_t (*now_ms)(void *ctx); /* Unix milliseconds */
    void *ctx;
} nara_tlog_signer_t;

/* Open the log without changing the file: no table is created, nothing is
 * appended, no hook is installed.  For exporting and auditing a replica
 * whose server is stopped or running elsewhere. */
#define NARA_TLOG_READONLY 0x01u

/* Attach a log to an open store: create the tlog_* tables if needed, append
 * every accepted event not yet logged (in acceptance order, one
 * transaction), sign a head for the current size if a signer is given and
 * the tree outgrew the last head (or no head exists yet: an empty log gets
 * one of size 0), and install the store hooks.  With NARA_TLOG_READONLY:
 * NARA_NOT_FOUND if the file has no log.  A stored frontier whose root
 * disagrees with the stored head of its size is NARA_CORRUPT.  signer may
 * be NULL (heads are then only signed by nara_tlog_sign_head).  On failure
 * *out is NULL and nothing stays installed.  One log per store. */
nara_err_t nara_tlog_open(nara_store_t *s, const nara_tlog_signer_t *signer, unsigned flags,
                          nara_tlog_t **out);

/* Remove the hooks and free.  The store stays open.  Accepts NULL. */
void nara_tlog_close(nara_tlog_t *t);

/* Leaves in the tree now.  A read-only log reads it from the file. */
nara_err_t nara_tlog_size(nara_tlog_t *t, uint64_t *size);

/* MTH of the first `size` leaves (size <= the current size, else
 * NARA_INVAL).  O(log n) look-ups. */
nara_err_t nara_tlog_root(nara_tlog_t *t, uint64_t size, uint8_t root[NARA_HASH_BYTES]);

/* The event id at leaf `index`; NARA_NOT_FOUND beyond the tree. */
nara_err_t nara_tlog_leaf(nara_tlog_t *t, uint64_t index, uint8_t id[NARA_ID_BYTES]);

/* The leaf index of event `id`; NARA_NOT_FOUND if it is not logged. */
nara_err_t nara_tlog_find(nara_tlog_t *t, const uint8_t id[NARA_ID_BYTES], uint64_t *index);

/* Inclusion proof of leaf `index` in the tree of `size` leaves, and the
 * consistency proof from `first` to `second` leaves (RFC 9162).  Sizes
 * beyond the current tree: NARA_INVAL; otherwise as nara_merkle_prove_*. */
nara_err_t nara_tlog_prove_inclusion(nara_tlog_t *t, uint64_t index, uint64_t size,
                                     nara_merkle_proof_t *proof);
nara_err_t nara_tlog_prove_consistency(nara_tlog_t *t, uint64_t first, uint64_t second,
                                       nara_merkle_proof_t *proof);
/* Range proof of leaves [first, first + count) in the tree of `size` leaves
 * (nara_merkle_prove_range); errors as above. */
nara_err_t nara_tlog_prove_range(nara_tlog_t *t, uint64_t first, uint64_t count, uint64_t size,
                                 nara_merkle_range_proof_t *proof);

/* Sign a head for the current size at time_ms with kp and store it (one
 * transaction); if a head of this size is stored already, that one is
 * returned unchanged instead.  Not for a read-only log (NARA_INVAL). */
nara_err_t nara_tlog_sign_head(nara_tlog_t *t, const nara_keypair_t *kp, uint64_t time_ms,
                               nara_tree_head_t *head);

/* The newest stored head: with a signer, a head for the current size is
 * signed first if the tree outgrew the last one.  NARA_NOT_FOUND if no head
 * was ever signed. */
nara_err_t nara_tlog_latest_head(nara_tlog_t *t, nara_tree_head_t *head);

/* The stored head of a given size; NARA_NOT_FOUND if none. */
nara_err_t nara_tlog_head(nara_tlog_t *t, uint64_t size, nara_tree_head_t *head);

/* Visit every stored head in increasing size; a callback returning non-zero
 * stops the walk (NARA_OK).  The callback must not write to the store. */
nara_err_t nara_tlog_each_head(nara_tlog_t *t, int (*fn)(void *ctx, const nara_tree_head_t *h),
                               void *ctx);

/* Does the file at this store hold a log (tlog tables)?  Never writes. */
nara_err_t nara_tlog_present(nara_store_t *s, bool *present);

#ifdef __cplusplus
}
#endif
#endif /* NARA_TLOG_H */
