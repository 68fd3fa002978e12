/*
 * merkle_impl.h - small helpers shared by the Merkle tree sources
 * (merkle_prove.c, merkle_range.c); not part of the public API.
 */
#ifndef NARA_MERKLE_IMPL_H
#define NARA_MERKLE_IMPL_H
#include <assert.h>
#include <string.h>

#include "nara_merkle.h"

/* Largest power of two strictly below n (n >= 2): the RFC's split point k. */
static inline uint64_t nara__merkle_split(uint64_t n)
{
    uint64_t k = 1;

    assert(n >= 2);
    while (k < n - k)
        k <<= 1;
    return k;
}

/* Paths are built from the root down; the RFC lists them from the leaf up. */
static inline void nara__merkle_reverse(nara_merkle_proof_t *p)
{
    uint8_t t[NARA_HASH_BYTES];

    for (unsigned a = 0, b = p->n; a + 1 < b; a++, b--) {
        memcpy(t, p->hash[a], NARA_HASH_BYTES);
        memcpy(p->hash[a], p->hash[b - 1], NARA_HASH_BYTES);
        memcpy(p->hash[b - 1], t, NARA_HASH_BYTES);
    }
}
#endif
