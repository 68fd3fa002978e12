/*
 * nara_merkle.h - the transparency log: an append-only Merkle tree over the
 * ids of the events a provincial server accepts, with RFC 9162 (Certificate
 * Transparency v2) hashing; its inclusion and consistency proofs; a compact
 * frontier for appending; signed tree heads; and the canonical msgpack
 * encodings of heads and proofs.  docs/audit.md is the byte-level
 * specification; this header is the C contract.
 *
 *   leaf hash   = SHA-256(0x00 || leaf)          (a leaf is a 32-byte event id)
 *   node hash   = SHA-256(0x01 || left || right)
 *   MTH({})     = SHA-256("")
 *   MTH(D[n])   = node hash of MTH(D[0:k]) and MTH(D[k:n]), k the largest
 *                 power of two < n                          (RFC 9162 2.1.1)
 *   tree head   = [size, root, time_ms, server_pk, sig]      (msgpack array)
 *   sig         = Ed25519(server sk, "nara/v1/tree-head\0" || [size, root, time_ms, server_pk])
 *
 * Invariants kept by this module:
 *  1. Tree sizes are at most NARA_MERKLE_MAX_SIZE (2^63-1, SQLite's signed
 *     integer), so an inclusion proof has at most 63 hashes and a consistency
 *     proof at most 64 (NARA_MERKLE_MAX_PROOF); every bound is checked.
 *  2. Verification follows RFC 9162 2.1.3.2 and 2.1.4.2 step by step; the
 *     cases the RFC leaves out (equal sizes, an empty first tree) have the
 *     stricter rules written at nara_merkle_verify_consistency().
 *  3. Decoders accept exactly one byte string per value (the encoder's) and
 *     read no byte past the input; nothing here allocates.
 *
 * Everything is a pure function of its arguments: no I/O, no clock, no
 * globals.  Proof generation reads leaf hashes (and optionally cached
 * subtree hashes) through caller callbacks, so the server can keep the tree
 * in SQLite.  Verifying a proof or a tree head never calls back.
 *
 * Error codes: a proof that does not verify is NARA_PROOF (inclusion: the
 * leaf is not shown to be in the tree) or NARA_TREE_FORK (consistency: the
 * second tree does not extend the first - the log forked or shrank).
 */
#ifndef NARA_MERKLE_H
#define NARA_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "nara_error.h"
#include "nara_event.h" /* NARA_HASH_BYTES, key and signature sizes, nara_keypair_t */

#ifdef __cplusplus
extern "C" {
#endif

#define NARA_MERKLE_MAX_SIZE INT64_MAX /* leaves in one tree */
#define NARA_MERKLE_MAX_PROOF 64       /* hashes in one proof */
#define NARA_MERKLE_LEVELS 64          /* frontier slots (levels 0..62 are ever used) */
#define NARA_TREE_HEAD_TIME_MAX INT64_MAX

/* Encoded sizes, upper bounds: frontier 8 + 63*32; proof dc 00 40 + 64 * (c4 20 + 32);
 * tree head 95 + cf size + c4 20 root + cf time + c4 20 pk + c4 40 sig. */
#define NARA_MERKLE_FRONTIER_MAX_BYTES 2024
#define NARA_MERKLE_PROOF_MAX_BYTES 2179
#define NARA_TREE_HEAD_MAX_BYTES 153

/* ---- hashing (RFC 9162 2.1.1) ------------------------------------------ */
/* These cannot fail and need no nara_crypto_init(). */

/* SHA-256(0x00 || leaf[0..len)).  leaf may be NULL only when len is 0. */
void nara_merkle_hash_leaf(const uint8_t *leaf, size_t len, uint8_t out[NARA_HASH_BYTES]);

/* SHA-256(0x01 || left || right).  out may be the same buffer as left or right. */
void nara_merkle_hash_children(const uint8_t left[NARA_HASH_BYTES],
                               const uint8_t right[NARA_HASH_BYTES], uint8_t out[NARA_HASH_BYTES]);

/* MTH of the empty tree: SHA-256 of no bytes (e3b0c442...b855). */
void nara_merkle_hash_empty(uint8_t out[NARA_HASH_BYTES]);

/* ---- proofs -------------------------------------------------------------- */

/* An inclusion path (RFC 9162 2.1.3.1) or consistency path (2.1.4.1), in the
 * RFC's order: the hash nearest the leaves first.  Plain data, caller-owned
 * (2 KiB: keep it off small stacks if that matters). */
typedef struct {
    uint8_t n; /* hashes in use, 0..NARA_MERKLE_MAX_PROOF */
    uint8_t hash[NARA_MERKLE_MAX_PROOF][NARA_HASH_BYTES];
} nara_merkle_proof_t;

/* Does `proof` show that the leaf with hash `leaf_hash` is leaf number
 * `index` (from 0) of the tree of `size` leaves whose MTH is `root`?
 * Exactly RFC 9162 2.1.3.2.  NARA_OK, or NARA_PROOF for any proof that
 * does not verify (including index >= size and proof->n > 64).  NULL
 * pointers: NARA_INVAL.  Never calls back, never allocates. */
nara_err_t nara_merkle_verify_inclusion(const uint8_t leaf_hash[NARA_HASH_BYTES], uint64_t index,
                                        uint64_t size, const nara_merkle_proof_t *proof,
                                        const uint8_t root[NARA_HASH_BYTES]);

/* Does `proof` show that the tree of `first` leaves with MTH `first_root` is
 * a prefix of the tree of `second` leaves with MTH `second_root`?
 * For 0 < first < second: exactly RFC 9162 2.1.4.2.  Outside it:
 *   first >  second               never (the log shrank);
 *   first == second               proof empty and the two roots equal;
 *   first == 0                    proof empty and first_root == MTH({})
 *                                 (and, if second is 0 too, the rule above).
 * NARA_OK, or NARA_TREE_FORK for any proof that does not verify.  NULL pointers:
 * NARA_INVAL.  Never calls back, never allocates. */
nara_err_t nara_merkle_verify_consistency(uint64_t first, uint64_t second,
                                          const uint8_t first_root[NARA_HASH_BYTES],
                                          const uint8_t second_root[NARA_HASH_BYTES],
                                          const nara_merkle_proof_t *proof);

/* ---- proof generation from a leaf source ----------------------------------- */

/* Write the leaf hash of leaf `index` (always < the size being proven).
 * Return NARA_OK, or any error, which aborts the operation and is returned
 * unchanged (NARA_NOT_FOUND, NARA_IO, ...). */
typedef nara_err_t (*nara_merkle_leaf_fn)(void *ctx, uint64_t index,
                                          uint8_t leaf_hash[NARA_HASH_BYTES]);

/* Optional cache of perfect subtrees: write the MTH of the 2^level leaves
 * [index * 2^level, (index + 1) * 2^level), level >= 1, a range that always
 * lies inside the tree being proven (so its hash can never change in an
 * append-only log).  Return NARA_OK, NARA_NOT_FOUND when not cached (the
 * hash is then computed from its two children), or any other error, which
 * aborts the operation and is returned unchanged.  A wrong hash gives wrong
 * proofs and roots, never memory errors. */
typedef nara_err_t (*nara_merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
                                          uint8_t hash[NARA_HASH_BYTES]);

/* Where the tree's leaves come from.  The module keeps no pointer to it.
 *
 * Cost of one operation on a tree of n leaves:
 *   without `node`:  up to n leaf calls (every leaf outside the proven path
 *                    is hashed once: O(n) time, O(log n) stack);
 *   with a cache of every left child (what nara_merkle_frontier_last() hands
 *   out while appending): O(log^2 n) calls - each of the O(log n) subtrees in
 *   a proof is a cached left child or a right child whose left children are
 *   cached;
 *   with a cache of every node: O(log n) calls. */
typedef struct {
    nara_merkle_leaf_fn leaf; /* required */
    nara_merkle_node_fn node; /* optional; NULL = no cache */
    void *ctx;                /* passed to both */
} nara_merkle_source_t;

/* MTH of the first `size` leaves.  size 0 gives MTH({}) without calling back.
 * NARA_INVAL (NULL), NARA_TOO_LARGE (size > NARA_MERKLE_MAX_SIZE), or a
 * callback's error; on failure root is zeroed. */
nara_err_t nara_merkle_root(const nara_merkle_source_t *src, uint64_t size,
                            uint8_t root[NARA_HASH_BYTES]);

/* The inclusion path of leaf `index` in the tree of the first `size` leaves
 * (RFC 9162 2.1.3.1).  NARA_INVAL (NULL, index >= size), NARA_TOO_LARGE
 * (size > NARA_MERKLE_MAX_SIZE), or a callback's error; on failure
 * proof->n is 0 and the hashes are zeroed. */
nara_err_t nara_merkle_prove_inclusion(const nara_merkle_source_t *src, uint64_t index,
                                       uint64_t size, nara_merkle_proof_t *proof);

/* The consistency path from the first `first` leaves to the first `second`
 * (RFC 9162 2.1.4.1); empty, without calling back, when first is 0 or equal
 * to second.  NARA_INVAL (NULL, first > second), NARA_TOO_LARGE (second >
 * NARA_MERKLE_MAX_SIZE), or a callback's error; on failure as above. */
nara_err_t nara_merkle_prove_consistency(const nara_merkle_source_t *src, uint64_t first,
                                         uint64_t second, nara_merkle_proof_t *proof);

/* ---- frontier: append and take roots in O(log n) memory -------------------- */

/* The roots of the perfect subtrees that make up a tree of `size` leaves,
 * one per set bit of size: node[h] is the MTH of 2^h consecutive leaves
 * when bit h of size is set, and all zero bytes otherwise.  Zero-filled
 * memory is the empty frontier.  Plain data; copy it freely. */
typedef struct {
    uint64_t size;
    uint8_t node[NARA_MERKLE_LEVELS][NARA_HASH_BYTES];
} nara_merkle_frontier_t;

/* Make *f the empty frontier.  Accepts NULL (does nothing). */
void nara_merkle_frontier_init(nara_merkle_frontier_t *f);

/* Append one leaf hash (nara_merkle_hash_leaf of the event id): O(log n)
 * hashes, one amortised.  NARA_INVAL (NULL) or NARA_TOO_LARGE (the tree holds
 * NARA_MERKLE_MAX_SIZE leaves); on failure *f is unchanged. */
nara_err_t nara_merkle_frontier_append(nara_merkle_frontier_t *f,
                                       const uint8_t leaf_hash[NARA_HASH_BYTES]);

/* Told of each perfect subtree an append completes, smallest first: the MTH
 * of the 2^level leaves [index * 2^level, (index + 1) * 2^level), level >= 1.
 * An error stops the append and is returned. */
typedef nara_err_t (*nara_merkle_completed_fn)(void *ctx, unsigned level, uint64_t index,
                                               const uint8_t hash[NARA_HASH_BYTES]);

/* nara_merkle_frontier_append(), calling fn (if not NULL) for every subtree
 * the append completes - what a node cache stores (nara_merkle_source_t).
 * When fn fails, *f is unchanged. */
nara_err_t nara_merkle_frontier_append_each(nara_merkle_frontier_t *f,
                                            const uint8_t leaf_hash[NARA_HASH_BYTES],
                                            nara_merkle_completed_fn fn, void *ctx);

/* MTH of the tree *f describes; O(log n) hashes.  Cannot fail (f non-NULL). */
void nara_merkle_frontier_root(const nara_merkle_frontier_t *f, uint8_t root[NARA_HASH_BYTES]);

/* The largest perfect subtree completed by the latest append: level h =
 * number of trailing zero bits of size, index = size / 2^h - 1, and its
 * hash.  Storing these as they come fills a node cache with every left
 * child (see nara_merkle_source_t); level 0 means only the leaf itself.
 * NARA_INVAL (NULL) or NARA_NOT_FOUND (empty tree). */
nara_err_t nara_merkle_frontier_last(const nara_merkle_frontier_t *f, unsigned *level,
                                     uint64_t *index, uint8_t hash[NARA_HASH_BYTES]);

/* The frontier of the first `size` leaves of a source (to rebuild one, or
 * to check a stored one).  Errors as nara_merkle_root(); on failure *f is
 * the empty frontier. */
nara_err_t nara_merkle_frontier_from_source(const nara_merkle_source_t *src, uint64_t size,
                                            nara_merkle_frontier_t *f);

/* Persist: 8-byte big-endian size, then node[h] for each set bit h of size,
 * highest h first (leftmost subtree first): 8 + 32 * popcount(size) bytes.
 * If cap is too small: NARA_BUFFER_TOO_SMALL with *len set to the size
 * needed (buf may then be NULL with cap 0).  NARA_INVAL for NULL f or len. */
nara_err_t nara_merkle_frontier_save(const nara_merkle_frontier_t *f, uint8_t *buf, size_t cap,
                                     size_t *len);

/* Restore what nara_merkle_frontier_save() wrote.  NARA_TRUNCATED (fewer
 * bytes than the size needs), NARA_TRAILING (more), NARA_TOO_LARGE (size >
 * NARA_MERKLE_MAX_SIZE), NARA_INVAL (NULL).  On failure *f is the empty
 * frontier.  The bytes are not authenticated: compare the root with the
 * last signed tree head before trusting a stored frontier. */
nara_err_t nara_merkle_frontier_load(const uint8_t *buf, size_t len, nara_merkle_frontier_t *f);

/* ---- canonical encoding of a proof --------------------------------------- */

/* A msgpack array of proof->n bin 32 (fixarray up to 15, else array 16).
 * NARA_TOO_LARGE (n > 64), NARA_BUFFER_TOO_SMALL (with *len = size needed;
 * buf may be NULL with cap 0), NARA_INVAL (NULL proof or len). */
nara_err_t nara_merkle_proof_encode(const nara_merkle_proof_t *proof, uint8_t *buf, size_t cap,
                                    size_t *len);

/* Decode exactly one canonical proof encoding.  Errors, first broken rule
 * first (docs/audit.md): NARA_TOO_LARGE (len > NARA_MERKLE_PROOF_MAX_BYTES,
 * more than 64 entries), NARA_TRUNCATED, NARA_TYPE (not an array, an entry
 * not bin 32), NARA_NONCANONICAL, NARA_FLOAT, NARA_EXT, NARA_TRAILING.
 * NARA_INVAL for NULL.  On failure *proof is zeroed. */
nara_err_t nara_merkle_proof_decode(const uint8_t *buf, size_t len, nara_merkle_proof_t *proof);

/* ---- range proofs: many consecutive leaves at once ------------------------ */

/* A range proof shows that the `count` consecutive leaves [first, first +
 * count) are in the tree of `size` leaves, with one list of hashes instead
 * of one inclusion path per leaf: the MTH of every maximal subtree of the
 * RFC 9162 recursion that holds none of the range, left to right:
 *
 *   RANGE(D[lo : lo+n]) = []                          if [lo, lo+n) is inside the range;
 *                         [MTH(D[lo : lo+n])]         if it holds none of the range;
 *                         RANGE(left) : RANGE(right)  otherwise (k as in MTH).
 *
 * At most 126 hashes (63 levels, one subtree on either side of the range per
 * level): about 2 log2(size) - 2 log2(count), so a batch of 512 receipts in a
 * million-leaf tree costs some 22 hashes instead of 512 * 20.  For count 1 it
 * holds the hashes of the leaf's RFC 9162 inclusion path (left to right, not
 * bottom-up).  docs/audit.md 1.13. */
#define NARA_MERKLE_MAX_RANGE_PROOF 126
#define NARA_MERKLE_RANGE_PROOF_MAX_BYTES (3 + NARA_MERKLE_MAX_RANGE_PROOF * 34)

typedef struct {
    uint8_t n; /* hashes in use, 0..NARA_MERKLE_MAX_RANGE_PROOF */
    uint8_t hash[NARA_MERKLE_MAX_RANGE_PROOF][NARA_HASH_BYTES];
} nara_merkle_range_proof_t;

/* The range proof of leaves [first, first + count) in the tree of the first
 * `size` leaves.  NARA_INVAL (NULL, count 0, first + count > size),
 * NARA_TOO_LARGE (size > NARA_MERKLE_MAX_SIZE), or a callback's error; on
 * failure proof->n is 0.  Calls back only for subtrees outside the range. */
nara_err_t nara_merkle_prove_range(const nara_merkle_source_t *src, uint64_t first, uint64_t count,
                                   uint64_t size, nara_merkle_range_proof_t *proof);

/* Workspace for verifying a range: one node per subtree the verification
 * computes, so that each leaf's own inclusion path can be read from it
 * afterwards.  Plain data, caller-owned. */
typedef struct {
    uint8_t hash[NARA_HASH_BYTES];
    uint32_t child[2]; /* indexes into the workspace; UINT32_MAX for a leaf or a proof hash */
} nara_merkle_node_t;

/* Nodes a workspace needs for a range of `count` leaves (2 count + 2 * 126). */
size_t nara_merkle_range_nodes(uint64_t count);

/* Does `proof` show that the leaves with hashes leaf_hash[0 .. count) are
 * leaves [first, first + count) of the tree of `size` leaves with MTH
 * `root`?  Every proof hash must be used, exactly.  NARA_OK, or NARA_PROOF
 * for any range and proof that do not verify (including count 0 and first +
 * count > size); NARA_INVAL for NULL pointers or a workspace smaller than
 * nara_merkle_range_nodes(count).  Never calls back, never allocates; on
 * NARA_OK `work` holds the nodes nara_merkle_range_path() reads. */
nara_err_t nara_merkle_verify_range(const uint8_t (*leaf_hash)[NARA_HASH_BYTES], uint64_t first,
                                    uint64_t count, uint64_t size,
                                    const nara_merkle_range_proof_t *proof,
                                    const uint8_t root[NARA_HASH_BYTES], nara_merkle_node_t *work,
                                    size_t work_nodes);

/* After nara_merkle_verify_range() returned NARA_OK on `work` for a tree of
 * `size` leaves: the RFC 9162 inclusion path of leaf `index` (inside the
 * verified range), as nara_merkle_prove_inclusion() would give it.
 * NARA_INVAL for NULL or an index outside [0, size); a workspace that was
 * not verified for a range holding `index` gives a wrong path, never a
 * memory error outside `work_nodes`. */
nara_err_t nara_merkle_range_path(const nara_merkle_node_t *work, size_t work_nodes, uint64_t index,
                                  uint64_t size, nara_merkle_proof_t *proof);

/* A msgpack array of proof->n bin 32, as nara_merkle_proof_encode(); at most
 * NARA_MERKLE_RANGE_PROOF_MAX_BYTES.  Errors as nara_merkle_proof_encode()
 * (NARA_TOO_LARGE above 126 hashes). */
nara_err_t nara_merkle_range_proof_encode(const nara_merkle_range_proof_t *proof, uint8_t *buf,
                                          size_t cap, size_t *len);

/* Decode exactly one canonical range proof encoding; errors as
 * nara_merkle_proof_decode() with the range limits.  On failure *proof is
 * zeroed. */
nara_err_t nara_merkle_range_proof_decode(const uint8_t *buf, size_t len,
                                          nara_merkle_range_proof_t *proof);

/* ---- signed tree heads --------------------------------------------------- */

/* What the server signs: the log had `size` leaves with MTH `root` at
 * `time_ms` (Unix milliseconds, server clock).  Plain data. */
typedef struct {
    uint64_t size;
    uint8_t root[NARA_HASH_BYTES];
    uint64_t time_ms;
    uint8_t server_pk[NARA_PUBLICKEY_BYTES];
    uint8_t sig[NARA_SIGNATURE_BYTES];
} nara_tree_head_t;

/* The caller fills size, root and time_ms; this sets server_pk to kp->pk and
 * sig.  NARA_INVAL (NULL; kp->sk does not hold kp->pk), NARA_TOO_LARGE (size
 * or time_ms over its limit), NARA_CRYPTO.  On failure *th is unchanged. */
nara_err_t nara_tree_head_sign(nara_tree_head_t *th, const nara_keypair_t *kp);

/* Check the head's signature.  With trusted_pk non-NULL the head must also
 * come from that key.  In this order: NARA_INVAL (NULL th), NARA_SERVER_KEY
 * (server_pk is not trusted_pk), NARA_TOO_LARGE (a field over its limit),
 * NARA_BAD_KEY (server_pk not a canonical, non-small-order Ed25519 point),
 * NARA_SIGNATURE, NARA_CRYPTO; NARA_OK. */
nara_err_t nara_tree_head_verify(const nara_tree_head_t *th,
                                 const uint8_t trusted_pk[NARA_PUBLICKEY_BYTES]);

/* msgpack [size, root, time_ms, server_pk, sig] in shortest forms (at most
 * NARA_TREE_HEAD_MAX_BYTES).  The signature is not checked.  NARA_TOO_LARGE
 * (a field over its limit), NARA_BUFFER_TOO_SMALL (with *len = size needed;
 * buf may be NULL with cap 0), NARA_INVAL (NULL th or len). */
nara_err_t nara_tree_head_encode(const nara_tree_head_t *th, uint8_t *buf, size_t cap, size_t *len);

/* Decode exactly one canonical tree head; the signature is NOT checked
 * (nara_tree_head_verify).  Errors, first broken rule first (docs/audit.md):
 * NARA_TOO_LARGE (len > NARA_TREE_HEAD_MAX_BYTES; size or time_ms over its
 * limit), NARA_TRUNCATED, NARA_TYPE, NARA_NONCANONICAL, NARA_FLOAT, NARA_EXT,
 * NARA_TRAILING.  NARA_INVAL for NULL.  On failure *th is zeroed. */
nara_err_t nara_tree_head_decode(const uint8_t *buf, size_t len, nara_tree_head_t *th);

#ifdef __cplusplus
}
#endif
#endif /* NARA_MERKLE_H */
