/*
 * merkle.c - RFC 9162 tree hashing, proof verification and the frontier.
 * docs/audit.md section 1 is the specification; nara_merkle.h the contract.
 *
 * Invariants:
 *  1. The two verifiers are RFC 9162 2.1.3.2 and 2.1.4.2 transcribed step by
 *     step (the step numbers are in the comments); they read only their
 *     arguments, and a proof longer than NARA_MERKLE_MAX_PROOF never
 *     verifies.
 *  2. A frontier of size s holds node[h] exactly for the set bits h of s, and
 *     zero bytes in every other slot (checked by assert after each change),
 *     so two frontiers of one tree are equal byte for byte.
 *  3. s <= NARA_MERKLE_MAX_SIZE, hence only levels 0..62 are ever used.
 *
 * Proof generation from callbacks is in merkle_prove.c; the msgpack codecs
 * and signed tree heads are in merkle_head.c.  Nothing here allocates.
 */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "nara_merkle.h"

enum { H = NARA_HASH_BYTES };

/* ---- hashing ------------------------------------------------------------- */

void nara_merkle_hash_leaf(const uint8_t *leaf, size_t len, uint8_t out[NARA_HASH_BYTES])
{
    static const uint8_t prefix[1] = {0x00};
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prefix, sizeof prefix);
    if (len > 0)
        crypto_hash_sha256_update(&st, leaf, len);
    crypto_hash_sha256_final(&st, out);
}

void nara_merkle_hash_children(const uint8_t left[NARA_HASH_BYTES],
                               const uint8_t right[NARA_HASH_BYTES], uint8_t out[NARA_HASH_BYTES])
{
    uint8_t in[1 + 2 * H];

    in[0] = 0x01;
    memcpy(in + 1, left, H);
    memcpy(in + 1 + H, right, H);
    crypto_hash_sha256(out, in, sizeof in); /* `in` is a copy: out may alias */
}

void nara_merkle_hash_empty(uint8_t out[NARA_HASH_BYTES])
{
    static const uint8_t nothing[1] = {0};

    crypto_hash_sha256(out, nothing, 0);
}

static bool same(const uint8_t a[H], const uint8_t b[H])
{
    return memcmp(a, b, H) == 0; /* public values: no need for constant time */
}

/* ---- verification (RFC 9162 2.1.3.2, 2.1.4.2) ----------------------------- */

nara_err_t nara_merkle_verify_inclusion(const uint8_t leaf_hash[NARA_HASH_BYTES], uint64_t index,
                                        uint64_t size, const nara_merkle_proof_t *proof,
                                        const uint8_t root[NARA_HASH_BYTES])
{
    uint8_t r[H];
    uint64_t fn, sn;

    if (leaf_hash == NULL || proof == NULL || root == NULL)
        return NARA_INVAL;
    if (proof->n > NARA_MERKLE_MAX_PROOF)
        return NARA_PROOF;
    /* 1. leaf_index >= tree_size fails. */
    if (index >= size)
        return NARA_PROOF;
    /* 2., 3. */
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, H);
    /* 4. */
    for (unsigned k = 0; k < proof->n; k++) {
        const uint8_t *p = proof->hash[k];
        if (sn == 0) /* a. */
            return NARA_PROOF;
        if ((fn & 1) || fn == sn) { /* b. */
            nara_merkle_hash_children(p, r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            nara_merkle_hash_children(r, p, r);
        }
        fn >>= 1; /* c. */
        sn >>= 1;
    }
    /* 5. */
    return sn == 0 && same(r, root) ? NARA_OK : NARA_PROOF;
}

/* The cases RFC 9162 leaves out: first == 0 or first == second. */
static nara_err_t verify_trivial_consistency(uint64_t first, uint64_t second,
                                             const uint8_t first_root[H],
                                             const uint8_t second_root[H], unsigned n)
{
    uint8_t empty[H];

    nara_merkle_hash_empty(empty);
    if (n != 0)
        return NARA_TREE_FORK;
    if (first == 0 && !same(first_root, empty))
        return NARA_TREE_FORK;
    if (first == second && !same(first_root, second_root))
        return NARA_TREE_FORK;
    return NARA_OK;
}

nara_err_t nara_merkle_verify_consistency(uint64_t first, uint64_t second,
                                          const uint8_t first_root[NARA_HASH_BYTES],
                                          const uint8_t second_root[NARA_HASH_BYTES],
                                          const nara_merkle_proof_t *proof)
{
    uint8_t fr[H], sr[H];
    uint64_t fn, sn;
    unsigned count, pre;

    if (first_root == NULL || second_root == NULL || proof == NULL)
        return NARA_INVAL;
    if (first > second || proof->n > NARA_MERKLE_MAX_PROOF)
        return NARA_TREE_FORK;
    if (first == 0 || first == second)
        return verify_trivial_consistency(first, second, first_root, second_root, proof->n);

    /* 1. An empty consistency_path fails. */
    if (proof->n == 0)
        return NARA_TREE_FORK;
    /* 2. If first is an exact power of 2, prepend first_hash: path[i] below
     *    is first_root for i == 0 when pre, else proof->hash[i - pre]. */
    pre = (first & (first - 1)) == 0;
    count = proof->n + pre;
#define PATH(i) ((i) < pre ? first_root : proof->hash[(i)-pre])
    /* 3. */
    fn = first - 1;
    sn = second - 1;
    /* 4. */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    /* 5. */
    memcpy(fr, PATH(0u), H);
    memcpy(sr, PATH(0u), H);
    /* 6. */
    for (unsigned i = 1; i < count; i++) {
        const uint8_t *c = PATH(i);
        if (sn == 0) /* a. */
            return NARA_TREE_FORK;
        if ((fn & 1) || fn == sn) { /* b. */
            nara_merkle_hash_children(c, fr, fr);
            nara_merkle_hash_children(c, sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            nara_merkle_hash_children(sr, c, sr);
        }
        fn >>= 1; /* c. */
        sn >>= 1;
    }
#undef PATH
    /* 7. */
    return same(fr, first_root) && same(sr, second_root) && sn == 0 ? NARA_OK : NARA_TREE_FORK;
}

/* ---- frontier ------------------------------------------------------------ */

#ifndef NDEBUG
/* Invariant 2: a slot holds a hash exactly when its bit of size is set (a
 * hash of all zero bytes in a used slot is not worth worrying about). */
static void assert_frontier(const nara_merkle_frontier_t *f)
{
    static const uint8_t zero[H];

    assert(f->size <= (uint64_t)NARA_MERKLE_MAX_SIZE);
    for (unsigned h = 0; h < NARA_MERKLE_LEVELS; h++)
        if (!((f->size >> h) & 1))
            assert(memcmp(f->node[h], zero, H) == 0);
}
#else
#define assert_frontier(f) ((void)0)
#endif

void nara_merkle_frontier_init(nara_merkle_frontier_t *f)
{
    if (f != NULL)
        memset(f, 0, sizeof *f);
}

/* Binary increment: a carry merges with every full slot it meets. */
nara_err_t nara_merkle_frontier_append_each(nara_merkle_frontier_t *f,
                                            const uint8_t leaf_hash[NARA_HASH_BYTES],
                                            nara_merkle_completed_fn fn, void *ctx)
{
    uint8_t carry[H];
    unsigned h = 0;
    nara_err_t rc;

    if (f == NULL || leaf_hash == NULL)
        return NARA_INVAL;
    if (f->size >= (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    memcpy(carry, leaf_hash, H);
    /* Report every subtree first, so that a failing callback leaves *f as it was. */
    while ((f->size >> h) & 1) {
        nara_merkle_hash_children(f->node[h], carry, carry);
        h++;
        if (fn != NULL && (rc = fn(ctx, h, ((f->size + 1) >> h) - 1, carry)) != NARA_OK)
            return rc;
    }
    assert(h < NARA_MERKLE_LEVELS - 1);
    for (unsigned l = 0; l < h; l++)
        memset(f->node[l], 0, H);
    memcpy(f->node[h], carry, H);
    f->size++;
    assert_frontier(f);
    return NARA_OK;
}

nara_err_t nara_merkle_frontier_append(nara_merkle_frontier_t *f,
                                       const uint8_t leaf_hash[NARA_HASH_BYTES])
{
    return nara_merkle_frontier_append_each(f, leaf_hash, NULL, NULL);
}

/* Fold right to left: the smallest subtree is the rightmost. */
void nara_merkle_frontier_root(const nara_merkle_frontier_t *f, uint8_t root[NARA_HASH_BYTES])
{
    unsigned h;

    assert(f != NULL && root != NULL);
    if (f->size == 0) {
        nara_merkle_hash_empty(root);
        return;
    }
    for (h = 0; !((f->size >> h) & 1); h++)
        ;
    memcpy(root, f->node[h], H);
    for (h++; h < NARA_MERKLE_LEVELS; h++)
        if ((f->size >> h) & 1)
            nara_merkle_hash_children(f->node[h], root, root);
}

nara_err_t nara_merkle_frontier_last(const nara_merkle_frontier_t *f, unsigned *level,
                                     uint64_t *index, uint8_t hash[NARA_HASH_BYTES])
{
    unsigned h;

    if (f == NULL || level == NULL || index == NULL || hash == NULL)
        return NARA_INVAL;
    if (f->size == 0)
        return NARA_NOT_FOUND;
    for (h = 0; !((f->size >> h) & 1); h++)
        ;
    *level = h;
    *index = (f->size >> h) - 1;
    memcpy(hash, f->node[h], H);
    return NARA_OK;
}

static unsigned popcount64(uint64_t v)
{
    unsigned n = 0;

    for (; v != 0; v &= v - 1)
        n++;
    return n;
}

nara_err_t nara_merkle_frontier_save(const nara_merkle_frontier_t *f, uint8_t *buf, size_t cap,
                                     size_t *len)
{
    size_t need, at = 8;

    if (f == NULL || len == NULL || (buf == NULL && cap != 0))
        return NARA_INVAL;
    assert_frontier(f);
    need = 8 + (size_t)H * popcount64(f->size);
    *len = need;
    if (need > cap)
        return NARA_BUFFER_TOO_SMALL;
    for (unsigned k = 0; k < 8; k++)
        buf[k] = (uint8_t)(f->size >> (56 - 8 * k));
    for (unsigned h = NARA_MERKLE_LEVELS; h-- > 0;) {
        if ((f->size >> h) & 1) {
            memcpy(buf + at, f->node[h], H);
            at += H;
        }
    }
    assert(at == need);
    return NARA_OK;
}

nara_err_t nara_merkle_frontier_load(const uint8_t *buf, size_t len, nara_merkle_frontier_t *f)
{
    uint64_t size = 0;
    size_t need, at = 8;

    if (f == NULL)
        return NARA_INVAL;
    memset(f, 0, sizeof *f);
    if (buf == NULL)
        return NARA_INVAL;
    if (len < 8)
        return NARA_TRUNCATED;
    for (unsigned k = 0; k < 8; k++)
        size = (size << 8) | buf[k];
    if (size > (uint64_t)NARA_MERKLE_MAX_SIZE)
        return NARA_TOO_LARGE;
    need = 8 + (size_t)H * popcount64(size);
    if (len < need)
        return NARA_TRUNCATED;
    if (len > need)
        return NARA_TRAILING;
    f->size = size;
    for (unsigned h = NARA_MERKLE_LEVELS; h-- > 0;) {
        if ((size >> h) & 1) {
            memcpy(f->node[h], buf + at, H);
            at += H;
        }
    }
    assert_frontier(f);
    return NARA_OK;
}
