/*
 * merkle_prove.c - roots, inclusion paths and consistency paths computed
 * from a caller's leaf source (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1).
 *
 * Every subtree the RFC's recursion visits in a tree of `size` leaves is
 * D[lo : lo+n] with lo a multiple of the largest power of two <= n (the
 * split point k is a power of two, and n - k <= k).  So each one is either
 * a perfect subtree - level log2(n), index lo >> level - or a right edge
 * that splits into perfect subtrees.  Perfect subtrees are the only hashes
 * ever computed from scratch, and the only ones asked of the node cache,
 * whose answers can therefore never go stale as the log grows.
 *
 * Invariants:
 *  1. Callbacks are only asked about leaves < size and perfect subtrees
 *     inside [0, size).
 *  2. Recursion depth is at most 63 (one level of the tree per frame).
 *  3. On any failure the output is zeroed; a callback's error is returned
 *     unchanged.
 *
 * Paths are built top-down (from the root) and reversed at the end, because
 * the RFC lists them bottom-up.  Nothing here allocates.
 */
#include <assert.h>
#include <string.h>

#include "merkle_impl.h"
#include "nara_merkle.h"

enum { H = NARA_HASH_BYTES };

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        nara_err_t try_rc_ = (expr);                                                               \
        if (try_rc_ != NARA_OK)                                                                    \
            return try_rc_;                                                                        \
    } while (0)

static unsigned log2_exact(uint64_t n)
{
    unsigned l = 0;

    assert(n != 0 && (n & (n - 1)) == 0);
    while (n >> l != 1)
        l++;
    return l;
}

/* MTH of the perfect subtree (level, index): from the cache if it has it,
 * else from its two children. */
static nara_err_t perfect_hash(const nara_merkle_source_t *src, unsigned level, uint64_t index,
                               uint8_t out[H])
{
    uint8_t left[H];

    if (level == 0)
        return src->leaf(src->ctx, index, out);
    if (src->node != NULL) {
        nara_err_t rc = src->node(src->ctx, level, index, out);
        if (rc != NARA_NOT_FOUND)
            return rc;
    }
    TRY(perfect_hash(src, level - 1, 2 * index, left));
    TRY(perfect_hash(src, level - 1, 2 * index + 1, out));
    nara_merkle_hash_children(left, out, out);
    return NARA_OK;
}

/* MTH(D[lo : lo+n]) for a subtree of the RFC recursion (see the top). */
static nara_err_t range_hash(const nara_merkle_source_t *src, uint64_t lo, uint64_t n,
                             uint8_t out[H])
{
    uint8_t left[H];
    uint64_t k;

    assert(n >= 1);
    if ((n & (n - 1)) == 0) {
        unsigned level = log2_exact(n);
        assert(lo % n == 0);
        return perfect_hash(src, level, lo >> level, out);
    }
    k = nara__merkle_split(n);
    assert(lo % k == 0);
    TRY(perfect_hash(src, log2_exact(k), lo / k, left));
    TRY(range_hash(src, lo + k, n - k, out));
    nara_merkle_hash_children(left, out, out);
    return NARA_OK;
}

/* Append the top-down path element MTH(D[lo : lo+n]). */
static nara_err_t push(const nara_merkle_source_t *src, uint64_t lo, uint64_t n,
                       nara_merkle_proof_t *p)
{
    assert(p->n < NARA_MERKLE_MAX_PROOF); /* 63 levels, +1 for a consistency end */
    TRY(range_hash(src, lo, n, p->hash[p->n]));
    p->n++;
    return NARA_OK;
}

nara_err_t nara_merkle_root(const nara_merkle_source_t *src, uint64_t size,
                            uint8_t root[NARA_HASH_BYTES])
{
    nara_err_t rc;

    if (root == NULL)
        return NARA_INVAL;
    memset(root, 0, H);
    if (src == NULL || src->leaf == NULL)
        return NARA_INVAL;
    if (size > (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    if (size == 0) {
        nara_merkle_hash_empty(root);
        return NARA_OK;
    }
    rc = range_hash(src, 0, size, root);
    if (rc != NARA_OK)
        memset(root, 0, H);
    return rc;
}

/* PATH(m, D[lo : lo+n]) = PATH(m, left) : MTH(right) if m < k,
 *                         PATH(m-k, right) : MTH(left) otherwise. */
static nara_err_t inclusion_path(const nara_merkle_source_t *src, uint64_t m, uint64_t n,
                                 nara_merkle_proof_t *p)
{
    uint64_t lo = 0, k;

    while (n > 1) {
        k = nara__merkle_split(n);
        if (m < k) {
            TRY(push(src, lo + k, n - k, p));
            n = k;
        } else {
            TRY(push(src, lo, k, p));
            lo += k;
            m -= k;
            n -= k;
        }
    }
    nara__merkle_reverse(p);
    return NARA_OK;
}

nara_err_t nara_merkle_prove_inclusion(const nara_merkle_source_t *src, uint64_t index,
                                       uint64_t size, nara_merkle_proof_t *proof)
{
    nara_err_t rc;

    if (proof == NULL)
        return NARA_INVAL;
    memset(proof, 0, sizeof *proof);
    if (src == NULL || src->leaf == NULL || index >= size)
        return NARA_INVAL;
    if (size > (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    rc = inclusion_path(src, index, size, proof);
    if (rc != NARA_OK)
        memset(proof, 0, sizeof *proof);
    return rc;
}

/* SUBPROOF(m, D[lo : lo+n], b):
 *   m == n:  [] if b, else [MTH(D[lo : lo+n])];
 *   m <= k:  SUBPROOF(m, left, b) : MTH(right);
 *   m >  k:  SUBPROOF(m-k, right, false) : MTH(left). */
static nara_err_t consistency_path(const nara_merkle_source_t *src, uint64_t m, uint64_t n,
                                   nara_merkle_proof_t *p)
{
    uint64_t lo = 0, k;
    int b = 1;

    while (m != n) {
        k = nara__merkle_split(n);
        if (m <= k) {
            TRY(push(src, lo + k, n - k, p));
            n = k;
        } else {
            TRY(push(src, lo, k, p));
            lo += k;
            m -= k;
            n -= k;
            b = 0;
        }
    }
    if (!b)
        TRY(push(src, lo, n, p));
    nara__merkle_reverse(p);
    return NARA_OK;
}

nara_err_t nara_merkle_prove_consistency(const nara_merkle_source_t *src, uint64_t first,
                                         uint64_t second, nara_merkle_proof_t *proof)
{
    nara_err_t rc;

    if (proof == NULL)
        return NARA_INVAL;
    memset(proof, 0, sizeof *proof);
    if (src == NULL || src->leaf == NULL || first > second)
        return NARA_INVAL;
    if (second > (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    if (first == 0 || first == second)
        return NARA_OK;
    rc = consistency_path(src, first, second, proof);
    if (rc != NARA_OK)
        memset(proof, 0, sizeof *proof);
    return rc;
}

/* One perfect subtree per set bit of size, leftmost (largest) first. */
nara_err_t nara_merkle_frontier_from_source(const nara_merkle_source_t *src, uint64_t size,
                                            nara_merkle_frontier_t *f)
{
    uint64_t lo = 0;
    nara_err_t rc = NARA_OK;

    if (f == NULL)
        return NARA_INVAL;
    nara_merkle_frontier_init(f);
    if (src == NULL || src->leaf == NULL)
        return NARA_INVAL;
    if (size > (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    for (unsigned h = NARA_MERKLE_LEVELS; h-- > 0 && rc == NARA_OK;) {
        if (!((size >> h) & 1))
            continue;
        rc = perfect_hash(src, h, lo >> h, f->node[h]);
        lo += (uint64_t)1 << h;
    }
    if (rc != NARA_OK) {
        nara_merkle_frontier_init(f);
        return rc;
    }
    f->size = size;
    return NARA_OK;
}

/* RANGE(D[lo : lo+n]) of nara_merkle.h, for the range [a, b). */
static nara_err_t range_path(const nara_merkle_source_t *src, uint64_t lo, uint64_t n, uint64_t a,
                             uint64_t b, nara_merkle_range_proof_t *p)
{
    uint64_t k;

    if (lo >= a && lo + n <= b)
        return NARA_OK;
    if (lo + n <= a || lo >= b) {
        assert(p->n < NARA_MERKLE_MAX_RANGE_PROOF); /* two per level at most */
        TRY(range_hash(src, lo, n, p->hash[p->n]));
        p->n++;
        return NARA_OK;
    }
    k = nara__merkle_split(n);
    TRY(range_path(src, lo, k, a, b, p));
    return range_path(src, lo + k, n - k, a, b, p);
}

nara_err_t nara_merkle_prove_range(const nara_merkle_source_t *src, uint64_t first, uint64_t count,
                                   uint64_t size, nara_merkle_range_proof_t *proof)
{
    nara_err_t rc;

    if (proof == NULL)
        return NARA_INVAL;
    proof->n = 0;
    if (src == NULL || src->leaf == NULL || count == 0 || first >= size || count > size - first)
        return NARA_INVAL;
    if (size > (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    rc = range_path(src, 0, size, first, first + count, proof);
    if (rc != NARA_OK)
        proof->n = 0;
    return rc;
}
