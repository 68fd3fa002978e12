/*
 * merkle_range.c - checking a range proof (nara_merkle.h, docs/audit.md
 * 1.13) and reading each leaf's inclusion path out of what the check
 * computed.
 *
 * The check walks the RFC 9162 recursion exactly as the prover did
 * (merkle_prove.c, range_path): a subtree inside the range is hashed from
 * the caller's leaves, one outside it takes the next proof hash, any other
 * is split.  Every subtree visited becomes one node of the caller's
 * workspace, in pre-order, with the indexes of its two children; the root
 * is node 0.  A leaf of the range is then reached from the root by the
 * same splits, and its inclusion path is the sibling met at each level.
 *
 * Invariants:
 *  1. The walk visits at most 2 count - 1 subtrees inside the range plus at
 *     most two split and two outside subtrees per level (63 levels): the
 *     bound nara_merkle_range_nodes() gives.  A smaller workspace is refused
 *     before anything is read.
 *  2. Recursion depth is at most 63; the proof is read strictly in order and
 *     must be used up exactly, so two encodings never verify the same range.
 *  3. Nothing here allocates or calls back.
 */
#include <stdint.h>
#include <string.h>

#include "merkle_impl.h"
#include "nara_merkle.h"

enum { H = NARA_HASH_BYTES };
#define NONE UINT32_MAX

typedef struct {
    const uint8_t (*leaf)[H];
    uint64_t first, end; /* the range [first, end) */
    const nara_merkle_range_proof_t *proof;
    unsigned used; /* proof hashes taken */
    nara_merkle_node_t *work;
    size_t cap, len;
} walk_t;

/* Add the node for D[lo : lo+n] to the workspace and compute its hash;
 * *at is its index. */
static nara_err_t walk(walk_t *w, uint64_t lo, uint64_t n, uint32_t *at)
{
    nara_merkle_node_t *node;
    uint32_t left, right;
    uint64_t k;
    nara_err_t rc;

    if (w->len == w->cap)
        return NARA_PROOF; /* cannot happen within invariant 1 */
    *at = (uint32_t)w->len;
    node = &w->work[w->len++];
    node->child[0] = node->child[1] = NONE;
    if (lo + n <= w->first || lo >= w->end) { /* holds none of the range */
        if (w->used == w->proof->n)
            return NARA_PROOF;
        memcpy(node->hash, w->proof->hash[w->used++], H);
        return NARA_OK;
    }
    if (n == 1) {
        memcpy(node->hash, w->leaf[lo - w->first], H);
        return NARA_OK;
    }
    k = nara__merkle_split(n);
    if ((rc = walk(w, lo, k, &left)) != NARA_OK || (rc = walk(w, lo + k, n - k, &right)) != NARA_OK)
        return rc;
    node->child[0] = left;
    node->child[1] = right;
    nara_merkle_hash_children(w->work[left].hash, w->work[right].hash, node->hash);
    return NARA_OK;
}

size_t nara_merkle_range_nodes(uint64_t count)
{
    return (size_t)(2 * count + 2 * NARA_MERKLE_MAX_RANGE_PROOF);
}

nara_err_t nara_merkle_verify_range(const uint8_t (*leaf_hash)[NARA_HASH_BYTES], uint64_t first,
                                    uint64_t count, uint64_t size,
                                    const nara_merkle_range_proof_t *proof,
                                    const uint8_t root[NARA_HASH_BYTES], nara_merkle_node_t *work,
                                    size_t work_nodes)
{
    walk_t w = {leaf_hash, first, first + count, proof, 0, work, work_nodes, 0};
    uint32_t top;

    if (leaf_hash == NULL || proof == NULL || root == NULL || work == NULL)
        return NARA_INVAL;
    if (count > (uint64_t)NARA_MERKLE_MAX_SIZE || work_nodes < nara_merkle_range_nodes(count))
        return NARA_INVAL;
    if (count == 0 || size > (uint64_t)NARA_MERKLE_MAX_SIZE || first >= size ||
        count > size - first || proof->n > NARA_MERKLE_MAX_RANGE_PROOF)
        return NARA_PROOF;
    if (walk(&w, 0, size, &top) != NARA_OK || w.used != proof->n ||
        memcmp(work[top].hash, root, H) != 0)
        return NARA_PROOF;
    return NARA_OK;
}

nara_err_t nara_merkle_range_path(const nara_merkle_node_t *work, size_t work_nodes, uint64_t index,
                                  uint64_t size, nara_merkle_proof_t *proof)
{
    uint64_t lo = 0, n = size, k;
    uint32_t at = 0;

    if (proof == NULL)
        return NARA_INVAL;
    memset(proof, 0, sizeof *proof);
    if (work == NULL || work_nodes == 0 || index >= size || size > (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_INVAL;
    /* Top-down, then reversed: the RFC lists the path from the leaf up. */
    for (; n > 1; proof->n++) {
        const nara_merkle_node_t *node = &work[at];
        int right;
        if (node->child[0] >= work_nodes || node->child[1] >= work_nodes ||
            proof->n == NARA_MERKLE_MAX_PROOF) {
            memset(proof, 0, sizeof *proof);
            return NARA_INVAL; /* the index was not in the verified range */
        }
        k = nara__merkle_split(n);
        right = index >= lo + k;
        memcpy(proof->hash[proof->n], work[node->child[!right]].hash, H);
        at = node->child[right];
        if (right) {
            lo += k;
            n -= k;
        } else {
            n = k;
        }
    }
    nara__merkle_reverse(proof);
    return NARA_OK;
}
