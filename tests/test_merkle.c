/*
 * test_merkle.c - the transparency log (nara_merkle.h), read as a
 * specification.
 *
 *  - known answers: the Certificate Transparency data published in
 *    transparency-dev/merkle (vectors/merkle.txt) - roots, inclusion and
 *    consistency proofs - and every proof over up to 8 leaves plus signed
 *    tree heads from an independent Python implementation
 *    (vectors/merkle_gen.py -> vectors/merkle_gen.txt), byte for byte;
 *  - the RFC 9162 verification rules, including the cases it leaves out;
 *  - properties on random trees of up to a few thousand leaves: generated
 *    proofs verify, any change to a proof, index, size or root does not,
 *    the frontier agrees with the recursive definition, the node cache
 *    changes the cost and not the answer;
 *  - the tree-head and proof codecs: round trips, every rejection with its
 *    error code, every strict prefix is NARA_TRUNCATED, and whatever the
 *    decoders accept re-encodes to the same bytes.
 *
 * Runs with tests/ as working directory (vectors/merkle*.txt).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "nara_merkle.h"

enum { H = NARA_HASH_BYTES };

#define assert_rc(expr, want) assert_string_equal(nara_err_name(expr), nara_err_name(want))

/* ---- small helpers ------------------------------------------------------- */

typedef struct {
    uint8_t b[4096];
    size_t n;
} buf_t;

static void put(buf_t *o, const void *p, size_t n)
{
    assert_true(n <= sizeof o->b - o->n);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_byte(buf_t *o, uint8_t c)
{
    put(o, &c, 1);
}

static void put_be(buf_t *o, uint64_t v, unsigned width)
{
    for (unsigned k = width; k-- > 0;)
        put_byte(o, (uint8_t)(v >> (8 * k)));
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);

    assert_true(n % 2 == 0 && n / 2 <= cap);
    for (size_t k = 0; k < n / 2; k++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * k, "%2x", &v), 1);
        out[k] = (uint8_t)v;
    }
    return n / 2;
}

static void unhex_exact(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(unhex(hex, out, n), n);
}

/* splitmix64: a seeded PRNG, so every failure reproduces. */
static uint64_t g_rng = 0x6e617261646d7067u;

static uint64_t rnd(void)
{
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
    return rnd() % n;
}

static void empty_hash(uint8_t out[H])
{
    crypto_hash_sha256(out, (const uint8_t *)"", 0);
}

/* The RFC 9162 definition, recursively, straight from leaf hashes. */
static void ref_mth(const uint8_t (*lh)[H], uint64_t n, uint8_t out[H])
{
    uint8_t l[H], r[H];
    uint64_t k = 1;

    if (n == 0) {
        empty_hash(out);
        return;
    }
    if (n == 1) {
        memcpy(out, lh[0], H);
        return;
    }
    while (2 * k < n)
        k *= 2;
    ref_mth(lh, k, l);
    ref_mth(lh + k, n - k, r);
    nara_merkle_hash_children(l, r, out);
}

/* ---- an in-memory leaf source with call counters and fault injection ----- */

typedef struct {
    uint8_t (*leaf)[H]; /* leaf hashes */
    uint64_t n;
    uint64_t limit; /* the size being proven: callbacks must stay below it */
    unsigned long leaf_calls, node_calls;
    nara_err_t leaf_rc; /* returned instead for leaf fail_at, when not NARA_OK */
    uint64_t fail_at;
    nara_err_t node_rc; /* returned for every node call, when not NARA_OK */
    uint8_t *cache[64]; /* per level: (n >> level) hashes */
    uint8_t *have[64];  /* per level: 1 where cache holds a hash */
} mem_t;

static nara_err_t mem_leaf(void *ctx, uint64_t index, uint8_t out[H])
{
    mem_t *m = ctx;

    m->leaf_calls++;
    assert_true(index < m->limit && index < m->n);
    if (m->leaf_rc != NARA_OK && index == m->fail_at)
        return m->leaf_rc;
    memcpy(out, m->leaf[index], H);
    return NARA_OK;
}

static nara_err_t mem_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
    mem_t *m = ctx;

    m->node_calls++;
    assert_true(level >= 1 && level < 64);
    assert_true((index + 1) << level <= m->limit); /* only subtrees inside the tree */
    if (m->node_rc != NARA_OK)
        return m->node_rc;
    if (m->have[level] == NULL || !m->have[level][index])
        return NARA_NOT_FOUND;
    memcpy(out, m->cache[level] + H * index, H);
    return NARA_OK;
}

static void mem_random(mem_t *m, uint64_t n)
{
    memset(m, 0, sizeof *m);
    m->n = m->limit = n;
    m->leaf = calloc(n ? n : 1, H);
    assert_non_null(m->leaf);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t id[H];
        for (unsigned k = 0; k < H; k++)
            id[k] = (uint8_t)rnd();
        nara_merkle_hash_leaf(id, H, m->leaf[i]);
    }
}

/* Fill the cache the way a server would: one frontier_last per append. */
static void mem_fill_cache(mem_t *m)
{
    nara_merkle_frontier_t *f = malloc(sizeof *f);

    assert_non_null(f);
    nara_merkle_frontier_init(f);
    for (unsigned l = 1; l < 64 && (m->n >> l) != 0; l++) {
        m->cache[l] = calloc(m->n >> l, H);
        m->have[l] = calloc(m->n >> l, 1);
        assert_true(m->cache[l] && m->have[l]);
    }
    for (uint64_t i = 0; i < m->n; i++) {
        unsigned level;
        uint64_t index;
        uint8_t hash[H];
        assert_rc(nara_merkle_frontier_append(f, m->leaf[i]), NARA_OK);
        assert_rc(nara_merkle_frontier_last(f, &level, &index, hash), NARA_OK);
        if (level > 0) {
            memcpy(m->cache[level] + H * index, hash, H);
            m->have[level][index] = 1;
        }
    }
    free(f);
}

static void mem_free(mem_t *m)
{
    free(m->leaf);
    for (unsigned l = 0; l < 64; l++) {
        free(m->cache[l]);
        free(m->have[l]);
    }
    memset(m, 0, sizeof *m);
}

static nara_merkle_source_t src_of(mem_t *m, int with_cache)
{
    nara_merkle_source_t s = {mem_leaf, with_cache ? mem_node : NULL, m};
    return s;
}

/* ---- vectors --------------------------------------------------------------- */

typedef struct {
    uint64_t a, b; /* index and size, or first and second */
    nara_merkle_proof_t p;
} kat_proof_t;

typedef struct {
    char name[16];
    uint8_t seed[NARA_SEED_BYTES];
    uint64_t size, time_ms;
    uint8_t root[H], pk[NARA_PUBLICKEY_BYTES], sig[NARA_SIGNATURE_BYTES];
    uint8_t pre[256], enc[256];
    size_t pre_len, enc_len;
} kat_head_t;

static struct {
    int loaded;
    uint8_t leaf[8][16];
    size_t leaf_len[8], n_leaves;
    uint8_t root[9][H]; /* root[n] for n = 1..8 */
    kat_proof_t incl[8], cons[8];
    size_t n_incl, n_cons;
} g_ct;

static struct {
    kat_proof_t incl[64], cons[64];
    size_t n_incl, n_cons;
    kat_head_t head[8];
    size_t n_heads;
} g_gen;

static mem_t g_ct_mem; /* leaf hashes of the 8 CT leaves */

static void parse_proof(char **save, kat_proof_t *kp)
{
    char *w;

    kp->a = strtoull(strtok_r(NULL, " \n", save), NULL, 10);
    kp->b = strtoull(strtok_r(NULL, " \n", save), NULL, 10);
    memset(&kp->p, 0, sizeof kp->p);
    while ((w = strtok_r(NULL, " \n", save)) != NULL) {
        assert_true(kp->p.n < NARA_MERKLE_MAX_PROOF);
        unhex_exact(w, kp->p.hash[kp->p.n++], H);
    }
}

static void parse_head(char **save, kat_head_t *h)
{
    snprintf(h->name, sizeof h->name, "%s", strtok_r(NULL, " \n", save));
    unhex_exact(strtok_r(NULL, " \n", save), h->seed, sizeof h->seed);
    h->size = strtoull(strtok_r(NULL, " \n", save), NULL, 10);
    unhex_exact(strtok_r(NULL, " \n", save), h->root, H);
    h->time_ms = strtoull(strtok_r(NULL, " \n", save), NULL, 10);
    unhex_exact(strtok_r(NULL, " \n", save), h->pk, sizeof h->pk);
    h->pre_len = unhex(strtok_r(NULL, " \n", save), h->pre, sizeof h->pre);
    unhex_exact(strtok_r(NULL, " \n", save), h->sig, sizeof h->sig);
    h->enc_len = unhex(strtok_r(NULL, " \n", save), h->enc, sizeof h->enc);
}

static void load_file(const char *path, int gen)
{
    static char line[8192];
    FILE *f = fopen(path, "r");

    if (f == NULL)
        fail_msg("cannot open %s: run from tests/ (ctest does)", path);
    while (fgets(line, sizeof line, f) != NULL) {
        char *save = NULL, *key = strtok_r(line, " \n", &save);
        if (key == NULL || key[0] == '#')
            continue;
        if (strcmp(key, "leaf") == 0) {
            const char *w = strtok_r(NULL, " \n", &save);
            size_t i = g_ct.n_leaves++;
            g_ct.leaf_len[i] = strcmp(w, "-") == 0 ? 0 : unhex(w, g_ct.leaf[i], 16);
        } else if (strcmp(key, "root") == 0) {
            uint64_t n = strtoull(strtok_r(NULL, " \n", &save), NULL, 10);
            assert_true(n >= 1 && n <= 8);
            unhex_exact(strtok_r(NULL, " \n", &save), g_ct.root[n], H);
        } else if (strcmp(key, "inclusion") == 0) {
            kat_proof_t *kp = gen ? &g_gen.incl[g_gen.n_incl++] : &g_ct.incl[g_ct.n_incl++];
            parse_proof(&save, kp);
        } else if (strcmp(key, "consistency") == 0) {
            kat_proof_t *kp = gen ? &g_gen.cons[g_gen.n_cons++] : &g_ct.cons[g_ct.n_cons++];
            parse_proof(&save, kp);
        } else if (strcmp(key, "head") == 0) {
            parse_head(&save, &g_gen.head[g_gen.n_heads++]);
        } else {
            fail_msg("unknown line '%s' in %s", key, path);
        }
    }
    fclose(f);
}

static void load_vectors(void)
{
    if (g_ct.loaded)
        return;
    load_file("vectors/merkle.txt", 0);
    load_file("vectors/merkle_gen.txt", 1);
    assert_int_equal(g_ct.n_leaves, 8);
    assert_int_equal(g_ct.n_incl, 5);
    assert_int_equal(g_ct.n_cons, 5);
    assert_int_equal(g_gen.n_incl, 36); /* 1 + 2 + ... + 8 */
    assert_int_equal(g_gen.n_cons, 28); /* pairs 0 < m < n <= 8 */
    assert_int_equal(g_gen.n_heads, 4);
    memset(&g_ct_mem, 0, sizeof g_ct_mem);
    g_ct_mem.leaf = calloc(8, H);
    assert_non_null(g_ct_mem.leaf);
    g_ct_mem.n = g_ct_mem.limit = 8;
    for (size_t i = 0; i < 8; i++)
        nara_merkle_hash_leaf(g_ct.leaf[i], g_ct.leaf_len[i], g_ct_mem.leaf[i]);
    g_ct.loaded = 1;
}

/* The CT tree restricted to its first n leaves. */
static nara_merkle_source_t ct_src(uint64_t n)
{
    load_vectors();
    g_ct_mem.limit = n;
    return src_of(&g_ct_mem, 0);
}

static nara_merkle_proof_t g_p, g_q; /* 2 KiB each: keep them off the stack */

/* ---- hashing -------------------------------------------------------------- */

static void empty_tree_hash_is_sha256_of_no_bytes(void **state)
{
    uint8_t got[H], want[H];
    (void)state;

    unhex_exact("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, H);
    nara_merkle_hash_empty(got);
    assert_memory_equal(got, want, H);
}

static void leaf_and_node_hashes_are_prefixed_sha256(void **state)
{
    uint8_t in[65], want[H], got[H], l[H], r[H];
    (void)state;

    in[0] = 0x00;
    crypto_hash_sha256(want, in, 1);
    nara_merkle_hash_leaf(NULL, 0, got);
    assert_memory_equal(got, want, H);

    for (unsigned k = 0; k < H; k++) {
        l[k] = (uint8_t)k;
        r[k] = (uint8_t)(0xff - k);
    }
    in[0] = 0x01;
    memcpy(in + 1, l, H);
    memcpy(in + 1 + H, r, H);
    crypto_hash_sha256(want, in, 65);
    nara_merkle_hash_children(l, r, got);
    assert_memory_equal(got, want, H);
    nara_merkle_hash_children(l, r, l); /* out may alias left */
    assert_memory_equal(l, want, H);
}

/* ---- known answers: published CT data --------------------------------------- */

static void ct_roots_for_sizes_1_to_8_match_published(void **state)
{
    nara_merkle_frontier_t f;
    uint8_t root[H];
    (void)state;

    load_vectors();
    nara_merkle_frontier_init(&f);
    for (uint64_t n = 1; n <= 8; n++) {
        nara_merkle_source_t s = ct_src(n);
        assert_rc(nara_merkle_root(&s, n, root), NARA_OK);
        assert_memory_equal(root, g_ct.root[n], H);
        assert_rc(nara_merkle_frontier_append(&f, g_ct_mem.leaf[n - 1]), NARA_OK);
        nara_merkle_frontier_root(&f, root);
        assert_memory_equal(root, g_ct.root[n], H);
    }
}

static void ct_published_inclusion_proofs_are_generated_exactly(void **state)
{
    (void)state;
    load_vectors();
    for (size_t k = 0; k < g_ct.n_incl; k++) {
        const kat_proof_t *kp = &g_ct.incl[k];
        nara_merkle_source_t s = ct_src(kp->b);
        assert_rc(nara_merkle_prove_inclusion(&s, kp->a, kp->b, &g_p), NARA_OK);
        assert_int_equal(g_p.n, kp->p.n);
        assert_memory_equal(g_p.hash, kp->p.hash, (size_t)H * kp->p.n);
    }
}

static void ct_published_consistency_proofs_are_generated_exactly(void **state)
{
    (void)state;
    load_vectors();
    for (size_t k = 0; k < g_ct.n_cons; k++) {
        const kat_proof_t *kp = &g_ct.cons[k];
        nara_merkle_source_t s = ct_src(kp->b);
        assert_rc(nara_merkle_prove_consistency(&s, kp->a, kp->b, &g_p), NARA_OK);
        assert_int_equal(g_p.n, kp->p.n);
        assert_memory_equal(g_p.hash, kp->p.hash, (size_t)H * kp->p.n);
    }
}

static void ct_published_proofs_verify(void **state)
{
    (void)state;
    load_vectors();
    for (size_t k = 0; k < g_ct.n_incl; k++) {
        const kat_proof_t *kp = &g_ct.incl[k];
        assert_rc(nara_merkle_verify_inclusion(g_ct_mem.leaf[kp->a], kp->a, kp->b, &kp->p,
                                               g_ct.root[kp->b]),
                  NARA_OK);
    }
    for (size_t k = 0; k < g_ct.n_cons; k++) {
        const kat_proof_t *kp = &g_ct.cons[k];
        assert_rc(nara_merkle_verify_consistency(kp->a, kp->b, g_ct.root[kp->a], g_ct.root[kp->b],
                                                 &kp->p),
                  NARA_OK);
    }
}

/* The probes of transparency-dev/merkle's corruptInclusionProof (minus the
 * empty-leaf ones, which a fixed-size hash cannot express). */
static void ct_inclusion_proofs_fail_under_the_published_corruptions(void **state)
{
    static uint8_t some[H] = {0xab, 0xac, 0xab, 0xa0, [28] = 0x12, 0x34, 0x56};
    uint8_t empty[H], wrong_leaf[H];
    (void)state;

    load_vectors();
    empty_hash(empty);
    nara_merkle_hash_leaf((const uint8_t *)"WrongLeaf", 9, wrong_leaf);
    for (size_t k = 1; k < g_ct.n_incl; k++) { /* [0] is the 1-leaf tree */
        const kat_proof_t *kp = &g_ct.incl[k];
        const uint8_t *leaf = g_ct_mem.leaf[kp->a], *root = g_ct.root[kp->b];
        uint64_t i = kp->a, n = kp->b;

        assert_rc(nara_merkle_verify_inclusion(leaf, i - 1, n, &kp->p, root), NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(leaf, i + 1, n, &kp->p, root), NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(leaf, i ^ 2, n, &kp->p, root), NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(leaf, i, n * 2, &kp->p, root), NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(leaf, i, n / 2, &kp->p, root), NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(wrong_leaf, i, n, &kp->p, root), NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(leaf, i, n, &kp->p, empty), NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(leaf, i, n, &kp->p, some), NARA_PROOF);

        g_q = kp->p; /* trailing root */
        memcpy(g_q.hash[g_q.n++], root, H);
        assert_rc(nara_merkle_verify_inclusion(leaf, i, n, &g_q, root), NARA_PROOF);
        g_q = kp->p; /* preceding root */
        memmove(g_q.hash[1], g_q.hash[0], (size_t)H * g_q.n++);
        memcpy(g_q.hash[0], root, H);
        assert_rc(nara_merkle_verify_inclusion(leaf, i, n, &g_q, root), NARA_PROOF);
        g_q = kp->p; /* removed component */
        g_q.n--;
        assert_rc(nara_merkle_verify_inclusion(leaf, i, n, &g_q, root), NARA_PROOF);
        if (kp->p.n > 1) { /* inserted component */
            g_q = kp->p;
            memmove(g_q.hash[2], g_q.hash[1], (size_t)H * (g_q.n++ - 1));
            memcpy(g_q.hash[1], some, H);
            assert_rc(nara_merkle_verify_inclusion(leaf, i, n, &g_q, root), NARA_PROOF);
        }
        for (unsigned j = 0; j < kp->p.n; j++) { /* bit 3 of each element */
            g_q = kp->p;
            g_q.hash[j][0] ^= 8;
            assert_rc(nara_merkle_verify_inclusion(leaf, i, n, &g_q, root), NARA_PROOF);
        }
    }
}

/* transparency-dev/merkle's corruptConsistencyProof probes. */
static void ct_consistency_proofs_fail_under_the_published_corruptions(void **state)
{
    uint8_t wrong[H];
    (void)state;

    load_vectors();
    memset(wrong, 0x57, H);
    for (size_t k = 1; k < g_ct.n_cons; k++) { /* [0] is 1 -> 1, an empty proof */
        const kat_proof_t *kp = &g_ct.cons[k];
        uint64_t m = kp->a, n = kp->b;
        const uint8_t *r1 = g_ct.root[m], *r2 = g_ct.root[n];
        const nara_merkle_proof_t *p = &kp->p;
        nara_merkle_proof_t none = {0};

        assert_rc(nara_merkle_verify_consistency(m - 1, n, r1, r2, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m + 1, n, r1, r2, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m ^ 2, n, r1, r2, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m, n * 2, r1, r2, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m, n / 2, r1, r2, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m, n, wrong, r2, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m, n, r1, wrong, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m, n, r2, r1, p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(m, n, r1, r2, &none), NARA_TREE_FORK);
        for (int which = 0; which < 3; which++) { /* trailing root1, root2, proof[0]... */
            const uint8_t *extra = which == 0 ? r1 : which == 1 ? r2 : p->hash[0];
            g_q = *p;
            memcpy(g_q.hash[g_q.n++], extra, H);
            assert_rc(nara_merkle_verify_consistency(m, n, r1, r2, &g_q), NARA_TREE_FORK);
            g_q = *p; /* ... and preceding */
            memmove(g_q.hash[1], g_q.hash[0], (size_t)H * g_q.n++);
            memcpy(g_q.hash[0], extra, H);
            assert_rc(nara_merkle_verify_consistency(m, n, r1, r2, &g_q), NARA_TREE_FORK);
        }
        g_q = *p; /* truncated */
        g_q.n--;
        assert_rc(nara_merkle_verify_consistency(m, n, r1, r2, &g_q), NARA_TREE_FORK);
        for (unsigned j = 0; j < p->n; j++) { /* bit 4 of each element */
            g_q = *p;
            g_q.hash[j][0] ^= 16;
            assert_rc(nara_merkle_verify_consistency(m, n, r1, r2, &g_q), NARA_TREE_FORK);
        }
    }
}

/* ---- known answers: every proof up to 8 leaves (independent implementation) -- */

static void every_inclusion_proof_up_to_8_leaves_matches_and_verifies(void **state)
{
    (void)state;
    load_vectors();
    for (size_t k = 0; k < g_gen.n_incl; k++) {
        const kat_proof_t *kp = &g_gen.incl[k];
        nara_merkle_source_t s = ct_src(kp->b);
        assert_rc(nara_merkle_prove_inclusion(&s, kp->a, kp->b, &g_p), NARA_OK);
        assert_int_equal(g_p.n, kp->p.n);
        assert_memory_equal(g_p.hash, kp->p.hash, (size_t)H * kp->p.n);
        assert_rc(nara_merkle_verify_inclusion(g_ct_mem.leaf[kp->a], kp->a, kp->b, &g_p,
                                               g_ct.root[kp->b]),
                  NARA_OK);
    }
}

static void every_consistency_proof_up_to_8_leaves_matches_and_verifies(void **state)
{
    uint8_t empty[H];
    (void)state;

    load_vectors();
    for (size_t k = 0; k < g_gen.n_cons; k++) {
        const kat_proof_t *kp = &g_gen.cons[k];
        nara_merkle_source_t s = ct_src(kp->b);
        assert_rc(nara_merkle_prove_consistency(&s, kp->a, kp->b, &g_p), NARA_OK);
        assert_int_equal(g_p.n, kp->p.n);
        assert_memory_equal(g_p.hash, kp->p.hash, (size_t)H * kp->p.n);
        assert_rc(
            nara_merkle_verify_consistency(kp->a, kp->b, g_ct.root[kp->a], g_ct.root[kp->b], &g_p),
            NARA_OK);
    }
    /* The cases outside 0 < m < n: empty proofs that verify. */
    empty_hash(empty);
    for (uint64_t n = 0; n <= 8; n++) {
        const uint8_t *rn = n ? g_ct.root[n] : empty;
        nara_merkle_source_t s = ct_src(n);
        assert_rc(nara_merkle_prove_consistency(&s, 0, n, &g_p), NARA_OK);
        assert_int_equal(g_p.n, 0);
        assert_rc(nara_merkle_verify_consistency(0, n, empty, rn, &g_p), NARA_OK);
        assert_rc(nara_merkle_prove_consistency(&s, n, n, &g_p), NARA_OK);
        assert_int_equal(g_p.n, 0);
        assert_rc(nara_merkle_verify_consistency(n, n, rn, rn, &g_p), NARA_OK);
    }
}

/* ---- verification rules ------------------------------------------------------ */

static void inclusion_with_index_not_below_size_fails(void **state)
{
    uint8_t leaf[H] = {1};
    nara_merkle_proof_t none = {0};
    (void)state;

    /* A 1-leaf tree's root is its leaf hash and its proof is empty. */
    assert_rc(nara_merkle_verify_inclusion(leaf, 0, 1, &none, leaf), NARA_OK);
    assert_rc(nara_merkle_verify_inclusion(leaf, 1, 1, &none, leaf), NARA_PROOF);
    assert_rc(nara_merkle_verify_inclusion(leaf, 0, 0, &none, leaf), NARA_PROOF);
    assert_rc(nara_merkle_verify_inclusion(leaf, 2, 1, &none, leaf), NARA_PROOF);
    assert_rc(nara_merkle_verify_inclusion(leaf, UINT64_MAX, UINT64_MAX, &none, leaf),
              NARA_PROOF);
}

static void consistency_between_equal_sizes_needs_an_empty_proof_and_equal_roots(void **state)
{
    uint8_t a[H] = {1}, b[H] = {2};
    nara_merkle_proof_t none = {0}, one = {.n = 1};
    (void)state;

    assert_rc(nara_merkle_verify_consistency(5, 5, a, a, &none), NARA_OK);
    assert_rc(nara_merkle_verify_consistency(5, 5, a, b, &none), NARA_TREE_FORK);
    memcpy(one.hash[0], a, H);
    assert_rc(nara_merkle_verify_consistency(5, 5, a, a, &one), NARA_TREE_FORK);
}

static void consistency_from_the_empty_tree_needs_the_empty_root(void **state)
{
    uint8_t empty[H], a[H] = {1};
    nara_merkle_proof_t none = {0}, one = {.n = 1};
    (void)state;

    empty_hash(empty);
    assert_rc(nara_merkle_verify_consistency(0, 7, empty, a, &none), NARA_OK);
    assert_rc(nara_merkle_verify_consistency(0, 7, a, a, &none), NARA_TREE_FORK);
    assert_rc(nara_merkle_verify_consistency(0, 0, empty, empty, &none), NARA_OK);
    assert_rc(nara_merkle_verify_consistency(0, 0, a, a, &none), NARA_TREE_FORK);
    memcpy(one.hash[0], empty, H);
    assert_rc(nara_merkle_verify_consistency(0, 7, empty, a, &one), NARA_TREE_FORK);
}

static void consistency_to_a_smaller_tree_is_a_fork(void **state)
{
    (void)state;
    load_vectors();
    /* Even with the proof that is valid the other way round. */
    const kat_proof_t *kp = &g_ct.cons[2]; /* 6 -> 8 */
    assert_rc(
        nara_merkle_verify_consistency(kp->b, kp->a, g_ct.root[kp->b], g_ct.root[kp->a], &kp->p),
        NARA_TREE_FORK);
    assert_rc(nara_merkle_verify_consistency(1, 0, g_ct.root[1], g_ct.root[1], &g_ct.cons[0].p),
              NARA_TREE_FORK);
}

static void verifiers_refuse_null_arguments_and_overlong_proofs(void **state)
{
    uint8_t h[H] = {0};
    nara_merkle_proof_t none = {0};
    (void)state;

    assert_rc(nara_merkle_verify_inclusion(NULL, 0, 1, &none, h), NARA_INVAL);
    assert_rc(nara_merkle_verify_inclusion(h, 0, 1, NULL, h), NARA_INVAL);
    assert_rc(nara_merkle_verify_inclusion(h, 0, 1, &none, NULL), NARA_INVAL);
    assert_rc(nara_merkle_verify_consistency(1, 2, NULL, h, &none), NARA_INVAL);
    assert_rc(nara_merkle_verify_consistency(1, 2, h, NULL, &none), NARA_INVAL);
    assert_rc(nara_merkle_verify_consistency(1, 2, h, h, NULL), NARA_INVAL);
    memset(&g_q, 0, sizeof g_q);
    g_q.n = NARA_MERKLE_MAX_PROOF + 1;
    assert_rc(nara_merkle_verify_inclusion(h, 0, 2, &g_q, h), NARA_PROOF);
    assert_rc(nara_merkle_verify_consistency(1, 2, h, h, &g_q), NARA_TREE_FORK);
}

/* ---- properties on random trees -------------------------------------------------- */

/* Sizes: every size up to 64, then a few random ones up to 4096. */
static uint64_t pick_size(unsigned k)
{
    return k < 64 ? k + 1 : 65 + below(4096 - 65);
}

enum { N_SIZES = 64 + 10 };

static void random_trees_every_inclusion_proof_verifies(void **state)
{
    uint8_t root[H];
    (void)state;

    for (unsigned k = 0; k < N_SIZES; k++) {
        uint64_t n = pick_size(k);
        mem_t m;
        mem_random(&m, n);
        nara_merkle_source_t s = src_of(&m, 0);
        ref_mth(m.leaf, n, root);
        for (uint64_t t = 0; t < (n <= 64 ? n : 40); t++) {
            uint64_t i = n <= 64 ? t : t == 0 ? 0 : t == 1 ? n - 1 : below(n);
            assert_rc(nara_merkle_prove_inclusion(&s, i, n, &g_p), NARA_OK);
            assert_rc(nara_merkle_verify_inclusion(m.leaf[i], i, n, &g_p, root), NARA_OK);
        }
        mem_free(&m);
    }
}

static void random_trees_every_consistency_proof_verifies(void **state)
{
    uint8_t r1[H], r2[H];
    (void)state;

    for (unsigned k = 0; k < N_SIZES; k++) {
        uint64_t n = pick_size(k);
        mem_t m;
        mem_random(&m, n);
        nara_merkle_source_t s = src_of(&m, 0);
        ref_mth(m.leaf, n, r2);
        for (uint64_t t = 0; t <= (n <= 64 ? n : 30); t++) {
            uint64_t first = n <= 64 ? t : t == 0 ? 0 : t == 1 ? n : t == 2 ? n - 1 : below(n);
            ref_mth(m.leaf, first, r1);
            assert_rc(nara_merkle_prove_consistency(&s, first, n, &g_p), NARA_OK);
            assert_rc(nara_merkle_verify_consistency(first, n, r1, r2, &g_p), NARA_OK);
        }
        mem_free(&m);
    }
}

static void flipping_any_byte_of_an_inclusion_proof_fails(void **state)
{
    uint8_t root[H];
    mem_t m;
    (void)state;

    mem_random(&m, 1000);
    nara_merkle_source_t s = src_of(&m, 0);
    ref_mth(m.leaf, m.n, root);
    for (int t = 0; t < 6; t++) {
        uint64_t i = t == 0 ? 0 : t == 1 ? m.n - 1 : below(m.n);
        assert_rc(nara_merkle_prove_inclusion(&s, i, m.n, &g_p), NARA_OK);
        for (unsigned b = 0; b < (unsigned)g_p.n * H; b++) {
            g_q = g_p;
            g_q.hash[b / H][b % H] ^= (uint8_t)(1 + below(255));
            assert_rc(nara_merkle_verify_inclusion(m.leaf[i], i, m.n, &g_q, root), NARA_PROOF);
        }
    }
    mem_free(&m);
}

static void flipping_any_byte_of_a_consistency_proof_fails(void **state)
{
    uint8_t r1[H], r2[H];
    mem_t m;
    (void)state;

    mem_random(&m, 1000);
    nara_merkle_source_t s = src_of(&m, 0);
    ref_mth(m.leaf, m.n, r2);
    for (int t = 0; t < 6; t++) {
        uint64_t first = t == 0 ? 1 : t == 1 ? m.n - 1 : t == 2 ? 512 : 1 + below(m.n - 1);
        ref_mth(m.leaf, first, r1);
        assert_rc(nara_merkle_prove_consistency(&s, first, m.n, &g_p), NARA_OK);
        for (unsigned b = 0; b < (unsigned)g_p.n * H; b++) {
            g_q = g_p;
            g_q.hash[b / H][b % H] ^= (uint8_t)(1 + below(255));
            assert_rc(nara_merkle_verify_consistency(first, m.n, r1, r2, &g_q), NARA_TREE_FORK);
        }
    }
    mem_free(&m);
}

/* A wrong size is checked against the root of a tree of that size: a size
 * with the same path shape and the *same* root would verify, which is why a
 * tree head signs size and root together. */
static void inclusion_proof_fails_for_a_wrong_index_size_leaf_or_root(void **state)
{
    static uint8_t roots[601][H];
    mem_t m;
    (void)state;

    mem_random(&m, 600);
    nara_merkle_source_t s = src_of(&m, 0);
    for (uint64_t n = 0; n <= m.n; n++)
        ref_mth(m.leaf, n, roots[n]);
    for (int t = 0; t < 40; t++) {
        uint64_t n = 2 + below(m.n - 1), i = below(n), j = below(n), n2 = 1 + below(m.n);
        assert_rc(nara_merkle_prove_inclusion(&s, i, n, &g_p), NARA_OK);
        assert_rc(nara_merkle_verify_inclusion(m.leaf[i], i, n, &g_p, roots[n]), NARA_OK);
        if (j != i) {
            assert_rc(nara_merkle_verify_inclusion(m.leaf[i], j, n, &g_p, roots[n]),
                      NARA_PROOF);
            assert_rc(nara_merkle_verify_inclusion(m.leaf[j], i, n, &g_p, roots[n]),
                      NARA_PROOF);
        }
        if (n2 != n && i < n2)
            assert_rc(nara_merkle_verify_inclusion(m.leaf[i], i, n2, &g_p, roots[n2]),
                      NARA_PROOF);
        assert_rc(nara_merkle_verify_inclusion(m.leaf[i], i, n, &g_p, roots[n - 1]),
                  NARA_PROOF);
    }
    mem_free(&m);
}

static void consistency_proof_fails_for_wrong_sizes_or_roots(void **state)
{
    static uint8_t roots[601][H];
    mem_t m;
    (void)state;

    mem_random(&m, 600);
    nara_merkle_source_t s = src_of(&m, 0);
    for (uint64_t n = 0; n <= m.n; n++)
        ref_mth(m.leaf, n, roots[n]);
    for (int t = 0; t < 40; t++) {
        uint64_t n = 3 + below(m.n - 2), a = 1 + below(n - 1);
        uint64_t a2 = 1 + below(n - 1), n2 = a + 1 + below(m.n - a);
        assert_rc(nara_merkle_prove_consistency(&s, a, n, &g_p), NARA_OK);
        assert_rc(nara_merkle_verify_consistency(a, n, roots[a], roots[n], &g_p), NARA_OK);
        if (a2 != a)
            assert_rc(nara_merkle_verify_consistency(a2, n, roots[a2], roots[n], &g_p), NARA_TREE_FORK);
        if (n2 != n)
            assert_rc(nara_merkle_verify_consistency(a, n2, roots[a], roots[n2], &g_p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(a, n, roots[a - 1], roots[n], &g_p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(a, n, roots[a], roots[n - 1], &g_p), NARA_TREE_FORK);
        assert_rc(nara_merkle_verify_consistency(a, n, roots[n], roots[a], &g_p), NARA_TREE_FORK);
    }
    mem_free(&m);
}

/* ---- frontier -------------------------------------------------------------- */

enum { FRONTIER_SIZES = 2100 };

static void frontier_root_equals_recursive_mth_for_every_size(void **state)
{
    nara_merkle_frontier_t f;
    uint8_t got[H], want[H];
    mem_t m;
    (void)state;

    mem_random(&m, FRONTIER_SIZES);
    nara_merkle_frontier_init(&f);
    for (uint64_t n = 0;; n++) {
        nara_merkle_frontier_root(&f, got);
        ref_mth(m.leaf, n, want);
        assert_memory_equal(got, want, H);
        assert_int_equal(f.size, n);
        if (n == m.n)
            break;
        assert_rc(nara_merkle_frontier_append(&f, m.leaf[n]), NARA_OK);
    }
    mem_free(&m);
}

/* docs/audit.md 1.9: the CT tree of 5 leaves is saved as its size, MTH(D[0:4]), leaf 4. */
static void ct_frontier_of_5_leaves_saves_as_documented(void **state)
{
    nara_merkle_frontier_t f;
    uint8_t buf[NARA_MERKLE_FRONTIER_MAX_BYTES], want[8 + 2 * H];
    size_t len;
    nara_merkle_source_t s = ct_src(5);
    (void)state;

    unhex_exact("0000000000000005"
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                want, sizeof want);
    assert_rc(nara_merkle_frontier_from_source(&s, 5, &f), NARA_OK);
    assert_rc(nara_merkle_frontier_save(&f, buf, sizeof buf, &len), NARA_OK);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, len);
}

static void frontier_save_and_load_round_trip_for_every_size(void **state)
{
    nara_merkle_frontier_t f, back;
    uint8_t buf[NARA_MERKLE_FRONTIER_MAX_BYTES];
    size_t len;
    mem_t m;
    (void)state;

    mem_random(&m, 1100);
    nara_merkle_frontier_init(&f);
    for (uint64_t n = 0;; n++) {
        assert_rc(nara_merkle_frontier_save(&f, buf, sizeof buf, &len), NARA_OK);
        assert_int_equal(len, 8 + H * (size_t)__builtin_popcountll(n));
        assert_rc(nara_merkle_frontier_load(buf, len, &back), NARA_OK);
        assert_memory_equal(&back, &f, sizeof f);
        if (n == m.n)
            break;
        assert_rc(nara_merkle_frontier_append(&f, m.leaf[n]), NARA_OK);
    }
    mem_free(&m);
}

static void frontier_load_rejects_truncated_trailing_and_oversize_input(void **state)
{
    nara_merkle_frontier_t f;
    uint8_t buf[NARA_MERKLE_FRONTIER_MAX_BYTES + 1] = {0};
    size_t len;
    (void)state;

    nara_merkle_frontier_init(&f);
    f.size = 5; /* two slots: levels 2 and 0 */
    memset(f.node[2], 0x22, H);
    memset(f.node[0], 0x11, H);
    assert_rc(nara_merkle_frontier_save(&f, buf, sizeof buf, &len), NARA_OK);
    assert_int_equal(len, 8 + 2 * H);
    assert_int_equal(buf[7], 5);
    assert_int_equal(buf[8], 0x22); /* highest level first */
    assert_int_equal(buf[8 + H], 0x11);
    for (size_t k = 0; k < len; k++)
        assert_rc(nara_merkle_frontier_load(buf, k, &f), NARA_TRUNCATED);
    assert_rc(nara_merkle_frontier_load(buf, len + 1, &f), NARA_TRAILING);
    assert_int_equal(f.size, 0); /* left empty on failure */
    memset(buf, 0, 8);
    buf[0] = 0x80; /* size 2^63 */
    assert_rc(nara_merkle_frontier_load(buf, 8, &f), NARA_TOO_LARGE);
    assert_rc(nara_merkle_frontier_load(NULL, 8, &f), NARA_INVAL);
    assert_rc(nara_merkle_frontier_load(buf, 8, NULL), NARA_INVAL);
    assert_rc(nara_merkle_frontier_save(&f, NULL, 0, &len), NARA_BUFFER_TOO_SMALL);
    assert_int_equal(len, 8);
}

static void frontier_from_source_equals_the_appended_frontier(void **state)
{
    nara_merkle_frontier_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    mem_t m;
    (void)state;

    assert_true(a && b);
    mem_random(&m, 700);
    mem_fill_cache(&m);
    nara_merkle_frontier_init(a);
    for (uint64_t n = 0;; n++) {
        m.limit = n;
        for (int cache = 0; cache < 2; cache++) {
            nara_merkle_source_t s = src_of(&m, cache);
            assert_rc(nara_merkle_frontier_from_source(&s, n, b), NARA_OK);
            assert_memory_equal(a, b, sizeof *a);
        }
        if (n == m.n)
            break;
        assert_rc(nara_merkle_frontier_append(a, m.leaf[n]), NARA_OK);
    }
    mem_free(&m);
    free(a);
    free(b);
}

static void frontier_last_names_the_subtree_each_append_completed(void **state)
{
    nara_merkle_frontier_t f;
    unsigned level;
    uint64_t index;
    uint8_t hash[H], want[H];
    mem_t m;
    (void)state;

    mem_random(&m, 300);
    nara_merkle_frontier_init(&f);
    assert_rc(nara_merkle_frontier_last(&f, &level, &index, hash), NARA_NOT_FOUND);
    for (uint64_t n = 1; n <= m.n; n++) {
        assert_rc(nara_merkle_frontier_append(&f, m.leaf[n - 1]), NARA_OK);
        assert_rc(nara_merkle_frontier_last(&f, &level, &index, hash), NARA_OK);
        assert_int_equal(level, (unsigned)__builtin_ctzll(n));
        assert_int_equal((index + 1) << level, n);
        ref_mth(m.leaf + (index << level), (uint64_t)1 << level, want);
        assert_memory_equal(hash, want, H);
    }
    mem_free(&m);
}

static void frontier_append_stops_at_the_maximum_size(void **state)
{
    nara_merkle_frontier_t f, before;
    uint8_t buf[NARA_MERKLE_FRONTIER_MAX_BYTES], leaf[H] = {9};
    buf_t b = {.n = 0};
    size_t len;
    (void)state;

    put_be(&b, (uint64_t)NARA_MERKLE_MAX_SIZE, 8);
    for (unsigned h = 0; h < 63; h++) {
        uint8_t x[H];
        memset(x, (int)h + 1, H);
        put(&b, x, H);
    }
    assert_int_equal(b.n, NARA_MERKLE_FRONTIER_MAX_BYTES);
    assert_rc(nara_merkle_frontier_load(b.b, b.n, &f), NARA_OK);
    before = f;
    assert_rc(nara_merkle_frontier_append(&f, leaf), NARA_TOO_LARGE);
    assert_memory_equal(&f, &before, sizeof f);
    assert_rc(nara_merkle_frontier_save(&f, buf, sizeof buf, &len), NARA_OK);
    assert_memory_equal(buf, b.b, b.n);
}

/* ---- sources: cache, errors, arguments ------------------------------------------ */

/* Without a cache an inclusion proof reads every other leaf once; with the
 * left children that frontier_last hands out it needs O(log^2 n) calls. */
static void node_cache_gives_the_same_proofs_with_polylog_callbacks(void **state)
{
    static nara_merkle_proof_t slow;
    mem_t m;
    uint8_t r1[H], r2[H];
    (void)state;

    mem_random(&m, 5000);
    mem_fill_cache(&m);
    for (int t = 0; t < 30; t++) {
        uint64_t n = 2 + below(m.n - 1), i = below(n), a = 1 + below(n - 1);
        nara_merkle_source_t plain = src_of(&m, 0), cached = src_of(&m, 1);
        m.limit = n;

        m.leaf_calls = m.node_calls = 0;
        assert_rc(nara_merkle_prove_inclusion(&plain, i, n, &slow), NARA_OK);
        assert_int_equal(m.leaf_calls, n - 1);
        m.leaf_calls = m.node_calls = 0;
        assert_rc(nara_merkle_prove_inclusion(&cached, i, n, &g_p), NARA_OK);
        assert_true(m.leaf_calls + m.node_calls <= 2 * 13 * 13);
        assert_memory_equal(&g_p, &slow, sizeof g_p);

        assert_rc(nara_merkle_prove_consistency(&plain, a, n, &slow), NARA_OK);
        m.leaf_calls = m.node_calls = 0;
        assert_rc(nara_merkle_prove_consistency(&cached, a, n, &g_p), NARA_OK);
        assert_true(m.leaf_calls + m.node_calls <= 2 * 13 * 13);
        assert_memory_equal(&g_p, &slow, sizeof g_p);

        m.leaf_calls = m.node_calls = 0;
        assert_rc(nara_merkle_root(&cached, n, r1), NARA_OK);
        assert_true(m.leaf_calls + m.node_calls <= 13);
        ref_mth(m.leaf, n, r2);
        assert_memory_equal(r1, r2, H);
    }
    mem_free(&m);
}

static void leaf_source_errors_are_returned_and_leave_nothing_behind(void **state)
{
    nara_merkle_frontier_t f;
    uint8_t root[H];
    mem_t m;
    (void)state;

    mem_random(&m, 100);
    nara_merkle_source_t s = src_of(&m, 0);
    m.leaf_rc = NARA_IO;
    m.fail_at = 37;
    assert_rc(nara_merkle_prove_inclusion(&s, 3, 100, &g_p), NARA_IO);
    assert_int_equal(g_p.n, 0);
    memset(&g_q, 0, sizeof g_q);
    assert_memory_equal(&g_p, &g_q, sizeof g_p);
    assert_rc(nara_merkle_prove_consistency(&s, 10, 100, &g_p), NARA_IO);
    assert_memory_equal(&g_p, &g_q, sizeof g_p);
    assert_rc(nara_merkle_root(&s, 100, root), NARA_IO);
    assert_rc(nara_merkle_frontier_from_source(&s, 100, &f), NARA_IO);
    assert_int_equal(f.size, 0);
    m.leaf_rc = NARA_NOT_FOUND; /* a missing leaf is not a cache miss */
    assert_rc(nara_merkle_prove_inclusion(&s, 3, 100, &g_p), NARA_NOT_FOUND);
    /* The leaf being proven is not read: its own failure does not matter. */
    m.leaf_rc = NARA_IO;
    assert_rc(nara_merkle_prove_inclusion(&s, 37, 100, &g_p), NARA_OK);
    mem_free(&m);
}

static void node_cache_errors_other_than_not_found_are_returned(void **state)
{
    mem_t m;
    (void)state;

    mem_random(&m, 100);
    mem_fill_cache(&m);
    nara_merkle_source_t s = src_of(&m, 1);
    m.node_rc = NARA_CORRUPT;
    assert_rc(nara_merkle_prove_inclusion(&s, 3, 100, &g_p), NARA_CORRUPT);
    assert_int_equal(g_p.n, 0);
    m.node_rc = NARA_NOT_FOUND; /* a cache that never answers is just slow */
    m.leaf_calls = 0;
    assert_rc(nara_merkle_prove_inclusion(&s, 3, 100, &g_p), NARA_OK);
    assert_int_equal(m.leaf_calls, 99);
    mem_free(&m);
}

static void prove_refuses_bad_arguments(void **state)
{
    uint8_t root[H];
    mem_t m;
    nara_merkle_source_t no_leaf = {NULL, NULL, NULL};
    (void)state;

    mem_random(&m, 4);
    nara_merkle_source_t s = src_of(&m, 0);
    assert_rc(nara_merkle_prove_inclusion(&s, 4, 4, &g_p), NARA_INVAL);
    assert_rc(nara_merkle_prove_inclusion(&s, 0, 0, &g_p), NARA_INVAL);
    assert_rc(nara_merkle_prove_inclusion(NULL, 0, 4, &g_p), NARA_INVAL);
    assert_rc(nara_merkle_prove_inclusion(&no_leaf, 0, 4, &g_p), NARA_INVAL);
    assert_rc(nara_merkle_prove_inclusion(&s, 0, 4, NULL), NARA_INVAL);
    assert_rc(nara_merkle_prove_inclusion(&s, 0, (uint64_t)NARA_MERKLE_MAX_SIZE + 1, &g_p),
              NARA_TOO_LARGE);
    assert_rc(nara_merkle_prove_consistency(&s, 3, 2, &g_p), NARA_INVAL);
    assert_rc(nara_merkle_prove_consistency(&s, 1, (uint64_t)NARA_MERKLE_MAX_SIZE + 1, &g_p),
              NARA_TOO_LARGE);
    assert_rc(nara_merkle_root(&s, (uint64_t)NARA_MERKLE_MAX_SIZE + 1, root), NARA_TOO_LARGE);
    assert_rc(nara_merkle_root(NULL, 1, root), NARA_INVAL);
    mem_free(&m);
}

/* A tree of 2^63 - 1 equal leaves: every perfect subtree of one level has
 * the same hash, so a node cache can answer for all of it. */
static uint8_t g_uniform[64][H];

static nara_err_t uniform_leaf(void *ctx, uint64_t index, uint8_t out[H])
{
    (void)ctx;
    (void)index;
    memcpy(out, g_uniform[0], H);
    return NARA_OK;
}

static nara_err_t uniform_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
    (void)ctx;
    (void)index;
    memcpy(out, g_uniform[level], H);
    return NARA_OK;
}

static void proofs_at_the_maximum_tree_size_fit_in_64_hashes(void **state)
{
    const uint64_t max = (uint64_t)NARA_MERKLE_MAX_SIZE;
    nara_merkle_source_t s = {uniform_leaf, uniform_node, NULL};
    nara_merkle_frontier_t f;
    uint8_t root[H], r3[H], froot[H], buf[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t len;
    (void)state;

    nara_merkle_hash_leaf((const uint8_t *)"x", 1, g_uniform[0]);
    for (unsigned l = 1; l < 64; l++)
        nara_merkle_hash_children(g_uniform[l - 1], g_uniform[l - 1], g_uniform[l]);
    assert_rc(nara_merkle_root(&s, max, root), NARA_OK);
    assert_rc(nara_merkle_frontier_from_source(&s, max, &f), NARA_OK);
    nara_merkle_frontier_root(&f, froot);
    assert_memory_equal(froot, root, H);

    assert_rc(nara_merkle_prove_inclusion(&s, 0, max, &g_p), NARA_OK);
    assert_int_equal(g_p.n, 63);
    assert_rc(nara_merkle_verify_inclusion(g_uniform[0], 0, max, &g_p, root), NARA_OK);
    assert_rc(nara_merkle_prove_inclusion(&s, max - 1, max, &g_p), NARA_OK);
    assert_rc(nara_merkle_verify_inclusion(g_uniform[0], max - 1, max, &g_p, root), NARA_OK);

    assert_rc(nara_merkle_root(&s, 3, r3), NARA_OK);
    assert_rc(nara_merkle_prove_consistency(&s, 3, max, &g_p), NARA_OK);
    assert_int_equal(g_p.n, NARA_MERKLE_MAX_PROOF);
    assert_rc(nara_merkle_verify_consistency(3, max, r3, root, &g_p), NARA_OK);
    assert_rc(nara_merkle_proof_encode(&g_p, buf, sizeof buf, &len), NARA_OK);
    assert_int_equal(len, NARA_MERKLE_PROOF_MAX_BYTES);
    assert_rc(nara_merkle_proof_decode(buf, len, &g_q), NARA_OK);
    assert_memory_equal(&g_q, &g_p, sizeof g_p);
}

/* Range proofs (test_merkle_range.c) at the same extreme. */
static nara_merkle_range_proof_t g_rp_big, g_rq_big;

static void range_proofs_at_the_maximum_tree_size_fit_in_126_hashes(void **state)
{
    const uint64_t max = (uint64_t)NARA_MERKLE_MAX_SIZE;
    nara_merkle_source_t s = {uniform_leaf, uniform_node, NULL};
    uint8_t root[H], buf[NARA_MERKLE_RANGE_PROOF_MAX_BYTES], leaves[2][H];
    static nara_merkle_node_t work[2 * 2 + 2 * NARA_MERKLE_MAX_RANGE_PROOF];
    size_t len;
    (void)state;
    nara_merkle_hash_leaf((const uint8_t *)"x", 1, g_uniform[0]);
    for (unsigned l = 1; l < 64; l++)
        nara_merkle_hash_children(g_uniform[l - 1], g_uniform[l - 1], g_uniform[l]);
    memcpy(leaves[0], g_uniform[0], H);
    memcpy(leaves[1], g_uniform[0], H);
    assert_rc(nara_merkle_root(&s, max, root), NARA_OK);
    /* Two leaves on either side of the largest split: the longest proof. */
    uint64_t k = (uint64_t)1 << 62;
    assert_rc(nara_merkle_prove_range(&s, k - 1, 2, max, &g_rp_big), NARA_OK);
    assert_true(g_rp_big.n > 63 && g_rp_big.n <= NARA_MERKLE_MAX_RANGE_PROOF);
    assert_rc(nara_merkle_verify_range((const uint8_t(*)[H])leaves, k - 1, 2, max, &g_rp_big, root,
                                       work, sizeof work / sizeof work[0]),
              NARA_OK);
    assert_rc(nara_merkle_range_proof_encode(&g_rp_big, buf, sizeof buf, &len), NARA_OK);
    assert_rc(nara_merkle_range_proof_decode(buf, len, &g_rq_big), NARA_OK);
    assert_int_equal(g_rq_big.n, g_rp_big.n);
    assert_memory_equal(g_rq_big.hash, g_rp_big.hash, (size_t)g_rp_big.n * H);
}

/* ---- proof codec --------------------------------------------------------------- */

static void random_proof(nara_merkle_proof_t *p, unsigned n)
{
    memset(p, 0, sizeof *p);
    p->n = (uint8_t)n;
    for (unsigned k = 0; k < n; k++)
        for (unsigned j = 0; j < H; j++)
            p->hash[k][j] = (uint8_t)rnd();
}

static void proof_encoding_round_trips_for_0_to_64_hashes(void **state)
{
    uint8_t buf[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t len;
    (void)state;

    for (unsigned n = 0; n <= NARA_MERKLE_MAX_PROOF; n++) {
        size_t hdr = n < 16 ? 1 : 3;
        random_proof(&g_p, n);
        assert_rc(nara_merkle_proof_encode(&g_p, buf, sizeof buf, &len), NARA_OK);
        assert_int_equal(len, hdr + n * (2 + H));
        if (n < 16) {
            assert_int_equal(buf[0], 0x90 | n);
        } else {
            assert_int_equal(buf[0], 0xdc);
            assert_int_equal(buf[1], 0);
            assert_int_equal(buf[2], n);
        }
        if (n > 0) {
            assert_int_equal(buf[hdr], 0xc4);
            assert_int_equal(buf[hdr + 1], 0x20);
        }
        assert_rc(nara_merkle_proof_decode(buf, len, &g_q), NARA_OK);
        assert_memory_equal(&g_q, &g_p, sizeof g_p);
    }
}

static void proof_codec_refuses_more_than_64_hashes(void **state)
{
    buf_t b = {.n = 0};
    uint8_t h[H] = {0}, out[8];
    size_t len;
    (void)state;

    put_byte(&b, 0xdc);
    put_be(&b, 65, 2);
    for (int k = 0; k < 65; k++) {
        put_byte(&b, 0xc4);
        put_byte(&b, 0x20);
        put(&b, h, H);
    }
    assert_rc(nara_merkle_proof_decode(b.b, b.n, &g_q), NARA_TOO_LARGE); /* by length */
    assert_rc(nara_merkle_proof_decode(b.b, NARA_MERKLE_PROOF_MAX_BYTES, &g_q), NARA_TOO_LARGE);
    memset(&g_p, 0, sizeof g_p);
    g_p.n = 65;
    assert_rc(nara_merkle_proof_encode(&g_p, out, sizeof out, &len), NARA_TOO_LARGE);
}

static void proof_decode_refuses_wrong_types(void **state)
{
    static const struct {
        const char *hex;
        nara_err_t rc;
    } cases[] = {
        {"80", NARA_TYPE},                    /* map */
        {"c0", NARA_TYPE},                    /* nil */
        {"91c0", NARA_TYPE},                  /* entry nil */
        {"91a0", NARA_TYPE},                  /* entry str */
        {"91cb0000000000000000", NARA_FLOAT}, /* entry float64 */
        {"91d40000", NARA_EXT},               /* entry fixext1 */
        {"c1", NARA_TYPE},                    /* never used */
    };
    uint8_t buf[64];
    (void)state;

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = unhex(cases[k].hex, buf, sizeof buf);
        assert_rc(nara_merkle_proof_decode(buf, n, &g_q), cases[k].rc);
        assert_int_equal(g_q.n, 0);
    }
    memset(buf, 0, sizeof buf); /* an entry of bin 31, then of bin 33 */
    memcpy(buf, "\x91\xc4\x1f", 3);
    assert_rc(nara_merkle_proof_decode(buf, 3 + 31, &g_q), NARA_TYPE);
    buf[2] = 33;
    assert_rc(nara_merkle_proof_decode(buf, 3 + 33, &g_q), NARA_TYPE);
}

static void proof_decode_refuses_noncanonical_headers(void **state)
{
    buf_t b = {.n = 0};
    uint8_t h[H] = {0};
    (void)state;

    put(&b, "\xdc\x00\x01\xc4\x20", 5); /* array 16 for one entry */
    put(&b, h, H);
    assert_rc(nara_merkle_proof_decode(b.b, b.n, &g_q), NARA_NONCANONICAL);
    b.n = 0;
    put(&b, "\x91\xc5\x00\x20", 4); /* bin 16 for 32 bytes */
    put(&b, h, H);
    assert_rc(nara_merkle_proof_decode(b.b, b.n, &g_q), NARA_NONCANONICAL);
    b.n = 0;
    put(&b, "\xdd\x00\x00\x00\x00", 5); /* array 32 for none */
    assert_rc(nara_merkle_proof_decode(b.b, b.n, &g_q), NARA_NONCANONICAL);
}

static void proof_decode_refuses_trailing_bytes(void **state)
{
    uint8_t buf[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t len;
    (void)state;

    random_proof(&g_p, 3);
    assert_rc(nara_merkle_proof_encode(&g_p, buf, sizeof buf, &len), NARA_OK);
    buf[len] = 0x00;
    assert_rc(nara_merkle_proof_decode(buf, len + 1, &g_q), NARA_TRAILING);
    assert_int_equal(g_q.n, 0);
}

static void every_strict_prefix_of_a_proof_is_truncated(void **state)
{
    uint8_t buf[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t len;
    (void)state;

    for (unsigned n = 0; n <= 20; n += 5) {
        random_proof(&g_p, n);
        assert_rc(nara_merkle_proof_encode(&g_p, buf, sizeof buf, &len), NARA_OK);
        for (size_t k = 0; k < len; k++)
            assert_rc(nara_merkle_proof_decode(buf, k, &g_q), NARA_TRUNCATED);
    }
}

static void proof_encode_reports_the_size_it_needs(void **state)
{
    uint8_t buf[200];
    size_t len = 0;
    (void)state;

    random_proof(&g_p, 5);
    assert_rc(nara_merkle_proof_encode(&g_p, NULL, 0, &len), NARA_BUFFER_TOO_SMALL);
    assert_int_equal(len, 1 + 5 * 34);
    assert_rc(nara_merkle_proof_encode(&g_p, buf, len - 1, &len), NARA_BUFFER_TOO_SMALL);
    assert_rc(nara_merkle_proof_encode(&g_p, buf, len, &len), NARA_OK);
    assert_rc(nara_merkle_proof_encode(&g_p, NULL, 5, &len), NARA_INVAL);
    assert_rc(nara_merkle_proof_encode(NULL, buf, sizeof buf, &len), NARA_INVAL);
    assert_rc(nara_merkle_proof_decode(NULL, 1, &g_q), NARA_INVAL);
}

static void mutated_proofs_we_accept_reencode_to_the_same_bytes(void **state)
{
    uint8_t buf[NARA_MERKLE_PROOF_MAX_BYTES + 8], again[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t len, len2;
    unsigned accepted = 0;
    (void)state;

    for (int t = 0; t < 20000; t++) {
        random_proof(&g_p, (unsigned)below(20));
        assert_rc(nara_merkle_proof_encode(&g_p, buf, sizeof buf, &len), NARA_OK);
        for (int k = 0, edits = 1 + (int)below(3); k < edits; k++) {
            size_t at = below(len + 1);
            switch (below(3)) {
            case 0: /* change a byte */
                if (at < len)
                    buf[at] = (uint8_t)rnd();
                break;
            case 1: /* drop a byte */
                if (at < len)
                    memmove(buf + at, buf + at + 1, len-- - at - 1);
                break;
            default: /* insert a byte */
                if (len < sizeof buf - 1) {
                    memmove(buf + at + 1, buf + at, len++ - at);
                    buf[at] = (uint8_t)rnd();
                }
            }
        }
        if (nara_merkle_proof_decode(buf, len, &g_q) != NARA_OK)
            continue;
        accepted++;
        assert_rc(nara_merkle_proof_encode(&g_q, again, sizeof again, &len2), NARA_OK);
        assert_int_equal(len2, len);
        assert_memory_equal(again, buf, len);
    }
    assert_true(accepted > 100); /* hash-byte edits keep it valid */
}

/* ---- tree heads ------------------------------------------------------------- */

static void keypair(const uint8_t seed[NARA_SEED_BYTES], nara_keypair_t *kp)
{
    assert_rc(nara_keypair_from_seed(seed, kp), NARA_OK);
}

static void tree_head_vectors_from_the_independent_implementation_are_reproduced(void **state)
{
    uint8_t buf[NARA_TREE_HEAD_MAX_BYTES];
    size_t len;
    (void)state;

    load_vectors();
    for (size_t k = 0; k < g_gen.n_heads; k++) {
        const kat_head_t *v = &g_gen.head[k];
        nara_tree_head_t th = {.size = v->size, .time_ms = v->time_ms}, back;
        nara_keypair_t kp;
        keypair(v->seed, &kp);
        memcpy(th.root, v->root, H);
        assert_rc(nara_tree_head_sign(&th, &kp), NARA_OK);
        assert_memory_equal(th.server_pk, v->pk, sizeof v->pk);
        assert_memory_equal(th.sig, v->sig, sizeof v->sig); /* Ed25519 is deterministic */
        assert_rc(nara_tree_head_encode(&th, buf, sizeof buf, &len), NARA_OK);
        assert_int_equal(len, v->enc_len);
        assert_memory_equal(buf, v->enc, len);
        assert_rc(nara_tree_head_decode(v->enc, v->enc_len, &back), NARA_OK);
        assert_memory_equal(&back, &th, sizeof th);
        assert_rc(nara_tree_head_verify(&back, v->pk), NARA_OK);
        /* The documented pre-image is what is signed. */
        assert_int_equal(crypto_sign_verify_detached(v->sig, v->pre, v->pre_len, v->pk), 0);
        assert_memory_equal(v->pre, "nara/v1/tree-head\0\x94", 19);
        assert_memory_equal(v->pre + 19, v->enc + 1, v->pre_len - 19);
        nara_keypair_wipe(&kp);
    }
    assert_int_equal(g_gen.head[3].enc_len, NARA_TREE_HEAD_MAX_BYTES); /* "max" */
}

static nara_keypair_t g_server, g_other;

static void make_head(nara_tree_head_t *th)
{
    uint8_t seed[NARA_SEED_BYTES];

    for (unsigned k = 0; k < sizeof seed; k++)
        seed[k] = (uint8_t)(0x40 + k);
    keypair(seed, &g_server);
    seed[0] ^= 1;
    keypair(seed, &g_other);
    memset(th, 0, sizeof *th);
    th->size = 1234567;
    for (unsigned k = 0; k < H; k++)
        th->root[k] = (uint8_t)(3 * k);
    th->time_ms = 1717171717171;
    assert_rc(nara_tree_head_sign(th, &g_server), NARA_OK);
}

static void signed_tree_head_verifies(void **state)
{
    nara_tree_head_t th;
    (void)state;

    make_head(&th);
    assert_memory_equal(th.server_pk, g_server.pk, NARA_PUBLICKEY_BYTES);
    assert_rc(nara_tree_head_verify(&th, g_server.pk), NARA_OK);
    assert_rc(nara_tree_head_verify(&th, NULL), NARA_OK);
}

static void tampering_with_any_tree_head_field_fails_verification(void **state)
{
    nara_tree_head_t th, t;
    (void)state;

    make_head(&th);
    t = th;
    t.size++;
    assert_rc(nara_tree_head_verify(&t, NULL), NARA_SIGNATURE);
    t = th;
    t.root[7] ^= 1;
    assert_rc(nara_tree_head_verify(&t, NULL), NARA_SIGNATURE);
    t = th;
    t.time_ms--;
    assert_rc(nara_tree_head_verify(&t, NULL), NARA_SIGNATURE);
    t = th;
    memcpy(t.server_pk, g_other.pk, NARA_PUBLICKEY_BYTES);
    assert_rc(nara_tree_head_verify(&t, NULL), NARA_SIGNATURE);
    for (unsigned k = 0; k < NARA_SIGNATURE_BYTES; k++) {
        t = th;
        t.sig[k] ^= 0x20;
        assert_rc(nara_tree_head_verify(&t, NULL), NARA_SIGNATURE);
    }
}

static void tree_head_from_an_untrusted_key_is_refused(void **state)
{
    nara_tree_head_t th;
    (void)state;

    make_head(&th);
    assert_rc(nara_tree_head_verify(&th, g_other.pk), NARA_SERVER_KEY);
    assert_rc(nara_tree_head_sign(&th, &g_other), NARA_OK); /* validly signed by another key */
    assert_rc(nara_tree_head_verify(&th, NULL), NARA_OK);
    assert_rc(nara_tree_head_verify(&th, g_server.pk), NARA_SERVER_KEY);
}

static void tree_head_with_an_invalid_key_is_bad_key(void **state)
{
    nara_tree_head_t th;
    (void)state;

    make_head(&th);
    memset(th.server_pk, 0, NARA_PUBLICKEY_BYTES); /* small order */
    assert_rc(nara_tree_head_verify(&th, NULL), NARA_BAD_KEY);
    th.server_pk[0] = 1; /* the identity */
    assert_rc(nara_tree_head_verify(&th, NULL), NARA_BAD_KEY);
    assert_rc(nara_tree_head_verify(NULL, NULL), NARA_INVAL);
}

/* The five encoded fields of a head, to be reassembled with variations. */
typedef struct {
    buf_t hdr, size, root, time, pk, sig;
} parts_t;

static void canonical_parts(const nara_tree_head_t *th, parts_t *p)
{
    uint8_t buf[NARA_TREE_HEAD_MAX_BYTES];
    size_t len, at = 1;
    buf_t *f[5] = {&p->size, &p->root, &p->time, &p->pk, &p->sig};
    const size_t widths[] = {0, 34, 0, 34, 66};

    memset(p, 0, sizeof *p);
    assert_rc(nara_tree_head_encode(th, buf, sizeof buf, &len), NARA_OK);
    put_byte(&p->hdr, buf[0]);
    for (int k = 0; k < 5; k++) {
        size_t w = widths[k];
        if (w == 0) /* a uint: fixint, or cc/cd/ce/cf and 1/2/4/8 bytes */
            w = buf[at] < 0x80 ? 1 : 1 + (1u << (buf[at] - 0xcc));
        put(f[k], buf + at, w);
        at += w;
    }
    assert_int_equal(at, len);
}

static size_t join(const parts_t *p, uint8_t *out)
{
    const buf_t *f[6] = {&p->hdr, &p->size, &p->root, &p->time, &p->pk, &p->sig};
    size_t n = 0;

    for (int k = 0; k < 6; k++) {
        memcpy(out + n, f[k]->b, f[k]->n);
        n += f[k]->n;
    }
    return n;
}

static nara_err_t decode_parts(const parts_t *p)
{
    uint8_t buf[1024];
    nara_tree_head_t th;
    size_t n = join(p, buf);
    nara_err_t rc = nara_tree_head_decode(buf, n, &th);
    static const nara_tree_head_t zero;

    if (rc != NARA_OK)
        assert_memory_equal(&th, &zero, sizeof th); /* zeroed on failure */
    return rc;
}

static void tree_head_decode_refuses_noncanonical_integers_and_lengths(void **state)
{
    nara_tree_head_t th;
    parts_t p, q;
    (void)state;

    make_head(&th);
    th.size = 5;
    th.time_ms = 200;
    assert_rc(nara_tree_head_sign(&th, &g_server), NARA_OK);
    canonical_parts(&th, &p);
    assert_rc(decode_parts(&p), NARA_OK);

    q = p; /* size 5 as uint 8 */
    q.size.n = 0;
    put(&q.size, "\xcc\x05", 2);
    assert_rc(decode_parts(&q), NARA_NONCANONICAL);
    q = p; /* time 200 as uint 64 */
    q.time.n = 0;
    put_byte(&q.time, 0xcf);
    put_be(&q.time, 200, 8);
    assert_rc(decode_parts(&q), NARA_NONCANONICAL);
    q = p; /* root as bin 16 */
    q.root.n = 0;
    put(&q.root, "\xc5\x00\x20", 3);
    put(&q.root, th.root, H);
    assert_rc(decode_parts(&q), NARA_NONCANONICAL);
    q = p; /* signature as bin 32 (the 4-byte length form) */
    q.sig.n = 0;
    put(&q.sig, "\xc6\x00\x00\x00\x40", 5);
    put(&q.sig, th.sig, NARA_SIGNATURE_BYTES);
    assert_rc(decode_parts(&q), NARA_NONCANONICAL);
    q = p; /* array 16 header for 5 elements */
    q.hdr.n = 0;
    put(&q.hdr, "\xdc\x00\x05", 3);
    assert_rc(decode_parts(&q), NARA_NONCANONICAL);
}

static void tree_head_decode_refuses_wrong_types_and_counts(void **state)
{
    nara_tree_head_t th;
    parts_t p, q;
    (void)state;

    make_head(&th);
    canonical_parts(&th, &p);
    q = p;
    q.hdr.b[0] = 0x94; /* 4 elements: the pre-image is not a head */
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.hdr.b[0] = 0x96;
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.hdr.b[0] = 0x85; /* a map */
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.size.n = 0;
    put_byte(&q.size, 0xff); /* -1 */
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.size.n = 0;
    put_byte(&q.size, 0xc0); /* nil */
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.root.b[1] = 31; /* bin 31 ... */
    q.root.n--;
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.root.b[0] = 0xd9; /* str 8 with 32 bytes */
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.pk.b[1] = 33; /* bin 33 */
    put_byte(&q.pk, 0);
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.sig.b[1] = 32; /* bin 32 where 64 belong */
    q.sig.n = 34;
    assert_rc(decode_parts(&q), NARA_TYPE);
    q = p;
    q.time.n = 0;
    put_byte(&q.time, 0xcb); /* float 64 */
    put_be(&q.time, 0, 8);
    assert_rc(decode_parts(&q), NARA_FLOAT);
    q = p;
    q.time.n = 0;
    put(&q.time, "\xd5\x01\x00\x00", 4); /* fixext 2 */
    assert_rc(decode_parts(&q), NARA_EXT);
}

static void tree_head_decode_refuses_oversize_input_and_fields(void **state)
{
    nara_tree_head_t th, out;
    uint8_t buf[1024];
    parts_t p, q;
    size_t len;
    (void)state;

    make_head(&th);
    canonical_parts(&th, &p);
    q = p;
    q.size.n = 0;
    put_byte(&q.size, 0xcf);
    put_be(&q.size, (uint64_t)1 << 63, 8);
    assert_rc(decode_parts(&q), NARA_TOO_LARGE);
    q = p;
    q.time.n = 0;
    put_byte(&q.time, 0xcf);
    put_be(&q.time, UINT64_MAX, 8);
    assert_rc(decode_parts(&q), NARA_TOO_LARGE);
    len = join(&p, buf);
    memset(buf + len, 0, NARA_TREE_HEAD_MAX_BYTES + 1 - len);
    assert_rc(nara_tree_head_decode(buf, NARA_TREE_HEAD_MAX_BYTES + 1, &out), NARA_TOO_LARGE);
}

static void tree_head_decode_refuses_trailing_bytes(void **state)
{
    nara_tree_head_t th, out;
    uint8_t buf[NARA_TREE_HEAD_MAX_BYTES + 1];
    size_t len;
    (void)state;

    make_head(&th);
    assert_rc(nara_tree_head_encode(&th, buf, sizeof buf, &len), NARA_OK);
    buf[len] = 0xc0;
    assert_rc(nara_tree_head_decode(buf, len + 1, &out), NARA_TRAILING);
}

static void every_strict_prefix_of_a_tree_head_is_truncated(void **state)
{
    nara_tree_head_t th, out;
    uint8_t buf[NARA_TREE_HEAD_MAX_BYTES];
    size_t len;
    (void)state;

    load_vectors();
    make_head(&th);
    assert_rc(nara_tree_head_encode(&th, buf, sizeof buf, &len), NARA_OK);
    for (size_t k = 0; k < len; k++)
        assert_rc(nara_tree_head_decode(buf, k, &out), NARA_TRUNCATED);
    for (size_t v = 0; v < g_gen.n_heads; v++)
        for (size_t k = 0; k < g_gen.head[v].enc_len; k++)
            assert_rc(nara_tree_head_decode(g_gen.head[v].enc, k, &out), NARA_TRUNCATED);
}

static void tree_head_encode_reports_the_size_it_needs(void **state)
{
    nara_tree_head_t th;
    uint8_t buf[NARA_TREE_HEAD_MAX_BYTES];
    size_t len = 0;
    (void)state;

    make_head(&th);
    assert_rc(nara_tree_head_encode(&th, NULL, 0, &len), NARA_BUFFER_TOO_SMALL);
    assert_int_equal(len, 1 + 5 + 34 + 9 + 34 + 66); /* size: ce, time: cf */
    assert_rc(nara_tree_head_encode(&th, buf, len - 1, &len), NARA_BUFFER_TOO_SMALL);
    assert_rc(nara_tree_head_encode(&th, buf, len, &len), NARA_OK);
    assert_rc(nara_tree_head_encode(&th, NULL, 4, &len), NARA_INVAL);
    th.size = (uint64_t)NARA_MERKLE_MAX_SIZE + 1;
    assert_rc(nara_tree_head_encode(&th, buf, sizeof buf, &len), NARA_TOO_LARGE);
}

static void tree_head_sign_refuses_a_mismatched_keypair_and_oversize_fields(void **state)
{
    nara_tree_head_t th, before;
    nara_keypair_t bad;
    (void)state;

    make_head(&th);
    before = th;
    bad = g_server;
    memcpy(bad.pk, g_other.pk, NARA_PUBLICKEY_BYTES);
    assert_rc(nara_tree_head_sign(&th, &bad), NARA_INVAL);
    assert_memory_equal(&th, &before, sizeof th);
    th.time_ms = (uint64_t)NARA_TREE_HEAD_TIME_MAX + 1;
    assert_rc(nara_tree_head_sign(&th, &g_server), NARA_TOO_LARGE);
    assert_rc(nara_tree_head_verify(&th, NULL), NARA_TOO_LARGE);
    assert_rc(nara_tree_head_sign(NULL, &g_server), NARA_INVAL);
    assert_rc(nara_tree_head_sign(&th, NULL), NARA_INVAL);
}

static void mutated_tree_heads_we_accept_reencode_to_the_same_bytes(void **state)
{
    nara_tree_head_t th, out;
    uint8_t buf[NARA_TREE_HEAD_MAX_BYTES + 8], again[NARA_TREE_HEAD_MAX_BYTES];
    size_t len, len2;
    unsigned accepted = 0;
    (void)state;

    make_head(&th);
    for (int t = 0; t < 20000; t++) {
        th.size = rnd() >> (1 + below(63));
        th.time_ms = rnd() >> (1 + below(63));
        assert_rc(nara_tree_head_encode(&th, buf, sizeof buf, &len), NARA_OK);
        size_t at = below(len);
        switch (below(3)) {
        case 0:
            buf[at] = (uint8_t)rnd();
            break;
        case 1:
            memmove(buf + at, buf + at + 1, len-- - at - 1);
            break;
        default:
            memmove(buf + at + 1, buf + at, len++ - at);
            buf[at] = (uint8_t)rnd();
        }
        if (nara_tree_head_decode(buf, len, &out) != NARA_OK)
            continue;
        accepted++;
        assert_rc(nara_tree_head_encode(&out, again, sizeof again, &len2), NARA_OK);
        assert_int_equal(len2, len);
        assert_memory_equal(again, buf, len);
    }
    assert_true(accepted > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_tree_hash_is_sha256_of_no_bytes),
        cmocka_unit_test(leaf_and_node_hashes_are_prefixed_sha256),
        cmocka_unit_test(ct_roots_for_sizes_1_to_8_match_published),
        cmocka_unit_test(ct_published_inclusion_proofs_are_generated_exactly),
        cmocka_unit_test(ct_published_consistency_proofs_are_generated_exactly),
        cmocka_unit_test(ct_published_proofs_verify),
        cmocka_unit_test(ct_inclusion_proofs_fail_under_the_published_corruptions),
        cmocka_unit_test(ct_consistency_proofs_fail_under_the_published_corruptions),
        cmocka_unit_test(every_inclusion_proof_up_to_8_leaves_matches_and_verifies),
        cmocka_unit_test(every_consistency_proof_up_to_8_leaves_matches_and_verifies),
        cmocka_unit_test(inclusion_with_index_not_below_size_fails),
        cmocka_unit_test(consistency_between_equal_sizes_needs_an_empty_proof_and_equal_roots),
        cmocka_unit_test(consistency_from_the_empty_tree_needs_the_empty_root),
        cmocka_unit_test(consistency_to_a_smaller_tree_is_a_fork),
        cmocka_unit_test(verifiers_refuse_null_arguments_and_overlong_proofs),
        cmocka_unit_test(random_trees_every_inclusion_proof_verifies),
        cmocka_unit_test(random_trees_every_consistency_proof_verifies),
        cmocka_unit_test(flipping_any_byte_of_an_inclusion_proof_fails),
        cmocka_unit_test(flipping_any_byte_of_a_consistency_proof_fails),
        cmocka_unit_test(inclusion_proof_fails_for_a_wrong_index_size_leaf_or_root),
        cmocka_unit_test(consistency_proof_fails_for_wrong_sizes_or_roots),
        cmocka_unit_test(frontier_root_equals_recursive_mth_for_every_size),
        cmocka_unit_test(ct_frontier_of_5_leaves_saves_as_documented),
        cmocka_unit_test(frontier_save_and_load_round_trip_for_every_size),
        cmocka_unit_test(frontier_load_rejects_truncated_trailing_and_oversize_input),
        cmocka_unit_test(frontier_from_source_equals_the_appended_frontier),
        cmocka_unit_test(frontier_last_names_the_subtree_each_append_completed),
        cmocka_unit_test(frontier_append_stops_at_the_maximum_size),
        cmocka_unit_test(node_cache_gives_the_same_proofs_with_polylog_callbacks),
        cmocka_unit_test(leaf_source_errors_are_returned_and_leave_nothing_behind),
        cmocka_unit_test(node_cache_errors_other_than_not_found_are_returned),
        cmocka_unit_test(prove_refuses_bad_arguments),
        cmocka_unit_test(proofs_at_the_maximum_tree_size_fit_in_64_hashes),
        cmocka_unit_test(range_proofs_at_the_maximum_tree_size_fit_in_126_hashes),
        cmocka_unit_test(proof_encoding_round_trips_for_0_to_64_hashes),
        cmocka_unit_test(proof_codec_refuses_more_than_64_hashes),
        cmocka_unit_test(proof_decode_refuses_wrong_types),
        cmocka_unit_test(proof_decode_refuses_noncanonical_headers),
        cmocka_unit_test(proof_decode_refuses_trailing_bytes),
        cmocka_unit_test(every_strict_prefix_of_a_proof_is_truncated),
        cmocka_unit_test(proof_encode_reports_the_size_it_needs),
        cmocka_unit_test(mutated_proofs_we_accept_reencode_to_the_same_bytes),
        cmocka_unit_test(tree_head_vectors_from_the_independent_implementation_are_reproduced),
        cmocka_unit_test(signed_tree_head_verifies),
        cmocka_unit_test(tampering_with_any_tree_head_field_fails_verification),
        cmocka_unit_test(tree_head_from_an_untrusted_key_is_refused),
        cmocka_unit_test(tree_head_with_an_invalid_key_is_bad_key),
        cmocka_unit_test(tree_head_decode_refuses_noncanonical_integers_and_lengths),
        cmocka_unit_test(tree_head_decode_refuses_wrong_types_and_counts),
        cmocka_unit_test(tree_head_decode_refuses_oversize_input_and_fields),
        cmocka_unit_test(tree_head_decode_refuses_trailing_bytes),
        cmocka_unit_test(every_strict_prefix_of_a_tree_head_is_truncated),
        cmocka_unit_test(tree_head_encode_reports_the_size_it_needs),
        cmocka_unit_test(tree_head_sign_refuses_a_mismatched_keypair_and_oversize_fields),
        cmocka_unit_test(mutated_tree_heads_we_accept_reencode_to_the_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
