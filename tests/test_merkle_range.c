/*
 * test_merkle_range.c - range proofs (nara_merkle.h, docs/audit.md 1.13),
 * read as a specification: a proof for consecutive leaves verifies exactly
 * when the leaves, their position, the tree size and the root are right; it
 * is as short as the definition says; and each leaf's inclusion path read
 * from the check equals the one the tree itself would prove.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "nara_merkle.h"

enum { H = NARA_HASH_BYTES };

#define assert_rc(expr, want) assert_string_equal(nara_err_name(expr), nara_err_name(want))

static uint64_t g_rng = 0x72616e676570726fu;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* ---- an in-memory tree ------------------------------------------------------ */

typedef struct {
    uint8_t (*leaf)[H];
    uint64_t n;
} tree_t;

static nara_err_t tree_leaf(void *ctx, uint64_t index, uint8_t out[H])
{
    tree_t *t = ctx;
    assert_true(index < t->n);
    memcpy(out, t->leaf[index], H);
    return NARA_OK;
}

static tree_t tree_random(uint64_t n)
{
    tree_t t = {calloc(n, H), n};
    assert_non_null(t.leaf);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t id[H];
        for (unsigned k = 0; k < H; k++)
            id[k] = (uint8_t)rnd();
        nara_merkle_hash_leaf(id, H, t.leaf[i]);
    }
    return t;
}

static nara_merkle_source_t src_of(tree_t *t)
{
    nara_merkle_source_t s = {tree_leaf, NULL, t};
    return s;
}

/* Workspace, proofs and paths are large: keep them off the stack. */
static nara_merkle_range_proof_t g_rp, g_rq;
static nara_merkle_proof_t g_path, g_want;
static nara_merkle_node_t *g_work;
static size_t g_work_n;

static nara_merkle_node_t *work_for(uint64_t count)
{
    size_t need = nara_merkle_range_nodes(count);
    if (need > g_work_n) {
        free(g_work);
        g_work = calloc(need, sizeof *g_work);
        assert_non_null(g_work);
        g_work_n = need;
    }
    return g_work;
}

static nara_err_t verify(tree_t *t, uint64_t first, uint64_t count, uint64_t size,
                         const nara_merkle_range_proof_t *p, const uint8_t root[H])
{
    return nara_merkle_verify_range((const uint8_t(*)[H])t->leaf + first, first, count, size, p,
                                    root, work_for(count), nara_merkle_range_nodes(count));
}

/* Prove [first, first + count) in the tree of t->n leaves, check the proof
 * and every leaf's path against nara_merkle_prove_inclusion. */
static void check_range(tree_t *t, uint64_t first, uint64_t count)
{
    nara_merkle_source_t s = src_of(t);
    uint8_t root[H];

    assert_rc(nara_merkle_root(&s, t->n, root), NARA_OK);
    assert_rc(nara_merkle_prove_range(&s, first, count, t->n, &g_rp), NARA_OK);
    assert_rc(verify(t, first, count, t->n, &g_rp, root), NARA_OK);
    for (uint64_t i = first; i < first + count; i++) {
        assert_rc(nara_merkle_range_path(g_work, g_work_n, i, t->n, &g_path), NARA_OK);
        assert_rc(nara_merkle_prove_inclusion(&s, i, t->n, &g_want), NARA_OK);
        assert_int_equal(g_path.n, g_want.n);
        assert_memory_equal(g_path.hash, g_want.hash, (size_t)g_want.n * H);
        assert_rc(nara_merkle_verify_inclusion(t->leaf[i], i, t->n, &g_path, root), NARA_OK);
    }
}

/* ---- behaviour ------------------------------------------------------------ */

static void every_range_of_every_tree_up_to_33_leaves_verifies_with_each_leafs_path(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= 33; n++) {
        tree_t t = tree_random(n);
        for (uint64_t a = 0; a < n; a++)
            for (uint64_t b = a + 1; b <= n; b++)
                check_range(&t, a, b - a);
        free(t.leaf);
    }
}

static void random_ranges_of_larger_trees_verify_with_each_leafs_path(void **state)
{
    (void)state;
    for (unsigned trial = 0; trial < 40; trial++) {
        tree_t t = tree_random(1 + rnd() % 5000);
        uint64_t first = rnd() % t.n;
        uint64_t count = 1 + rnd() % (t.n - first < 600 ? t.n - first : 600);
        check_range(&t, first, count);
        free(t.leaf);
    }
}

static void a_one_leaf_range_proof_holds_exactly_its_inclusion_path(void **state)
{
    tree_t t = tree_random(1000);
    nara_merkle_source_t s = src_of(&t);
    (void)state;
    for (uint64_t i = 0; i < t.n; i += 37) {
        assert_rc(nara_merkle_prove_range(&s, i, 1, t.n, &g_rp), NARA_OK);
        assert_rc(nara_merkle_prove_inclusion(&s, i, t.n, &g_want), NARA_OK);
        assert_int_equal(g_rp.n, g_want.n);
        for (unsigned k = 0; k < g_want.n; k++) {
            unsigned found = 0;
            for (unsigned j = 0; j < g_rp.n; j++)
                found += memcmp(g_rp.hash[j], g_want.hash[k], H) == 0;
            assert_int_equal(found, 1);
        }
    }
    free(t.leaf);
}

static void a_whole_tree_range_needs_no_hash_and_an_aligned_one_needs_few(void **state)
{
    tree_t t = tree_random(1 << 12);
    nara_merkle_source_t s = src_of(&t);
    (void)state;
    assert_rc(nara_merkle_prove_range(&s, 0, t.n, t.n, &g_rp), NARA_OK);
    assert_int_equal(g_rp.n, 0);
    /* 512 leaves aligned on 512 in 4096: one sibling per level above them. */
    assert_rc(nara_merkle_prove_range(&s, 1024, 512, t.n, &g_rp), NARA_OK);
    assert_int_equal(g_rp.n, 3);
    /* Unaligned: at most two per level. */
    assert_rc(nara_merkle_prove_range(&s, 1000, 512, t.n, &g_rp), NARA_OK);
    assert_true(g_rp.n <= 2 * 12);
    free(t.leaf);
}

static void flipping_any_bit_of_a_range_proof_fails(void **state)
{
    tree_t t = tree_random(300);
    nara_merkle_source_t s = src_of(&t);
    uint8_t root[H];
    (void)state;
    assert_rc(nara_merkle_root(&s, t.n, root), NARA_OK);
    assert_rc(nara_merkle_prove_range(&s, 77, 100, t.n, &g_rp), NARA_OK);
    assert_true(g_rp.n > 0);
    for (unsigned k = 0; k < g_rp.n; k++)
        for (unsigned bit = 0; bit < 8 * H; bit += 13) {
            g_rq = g_rp;
            g_rq.hash[k][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_rc(verify(&t, 77, 100, t.n, &g_rq, root), NARA_PROOF);
        }
    free(t.leaf);
}

static void a_range_proof_with_a_hash_missing_or_added_fails(void **state)
{
    tree_t t = tree_random(300);
    nara_merkle_source_t s = src_of(&t);
    uint8_t root[H];
    (void)state;
    assert_rc(nara_merkle_root(&s, t.n, root), NARA_OK);
    assert_rc(nara_merkle_prove_range(&s, 10, 50, t.n, &g_rp), NARA_OK);
    g_rq = g_rp;
    g_rq.n--;
    assert_rc(verify(&t, 10, 50, t.n, &g_rq, root), NARA_PROOF);
    g_rq = g_rp;
    memcpy(g_rq.hash[g_rq.n], g_rq.hash[0], H);
    g_rq.n++;
    assert_rc(verify(&t, 10, 50, t.n, &g_rq, root), NARA_PROOF);
    free(t.leaf);
}

static void a_range_proof_fails_for_a_moved_range_another_size_a_changed_leaf_or_root(void **state)
{
    tree_t t = tree_random(300);
    nara_merkle_source_t s = src_of(&t);
    uint8_t root[H], other[H];
    (void)state;
    assert_rc(nara_merkle_root(&s, t.n, root), NARA_OK);
    assert_rc(nara_merkle_prove_range(&s, 40, 60, t.n, &g_rp), NARA_OK);
    assert_rc(verify(&t, 40, 60, t.n, &g_rp, root), NARA_OK);
    /* the same leaves claimed one position on */
    assert_rc(nara_merkle_verify_range((const uint8_t(*)[H])t.leaf + 40, 41, 60, t.n, &g_rp, root,
                                       work_for(60), g_work_n),
              NARA_PROOF);
    assert_rc(verify(&t, 40, 59, t.n, &g_rp, root), NARA_PROOF);
    /* Sizes that change the shape of the tree around the range.  (The size is
     * not hashed into the root: a size with the same shape proves the same
     * positions, as with RFC 9162 inclusion paths.) */
    assert_rc(verify(&t, 40, 60, 256, &g_rp, root), NARA_PROOF);
    assert_rc(verify(&t, 40, 60, 100, &g_rp, root), NARA_PROOF);
    assert_rc(verify(&t, 40, 60, 513, &g_rp, root), NARA_PROOF);
    t.leaf[70][5] ^= 1;
    assert_rc(verify(&t, 40, 60, t.n, &g_rp, root), NARA_PROOF);
    t.leaf[70][5] ^= 1;
    memcpy(other, root, H);
    other[0] ^= 0x80;
    assert_rc(verify(&t, 40, 60, t.n, &g_rp, other), NARA_PROOF);
    /* ranges that cannot be in the tree at all */
    assert_rc(verify(&t, 40, 0, t.n, &g_rp, root), NARA_PROOF);
    assert_rc(verify(&t, 250, 60, t.n, &g_rp, root), NARA_PROOF);
    free(t.leaf);
}

static void verify_refuses_nulls_and_a_workspace_below_the_bound(void **state)
{
    tree_t t = tree_random(64);
    nara_merkle_source_t s = src_of(&t);
    uint8_t root[H];
    (void)state;
    assert_rc(nara_merkle_root(&s, t.n, root), NARA_OK);
    assert_rc(nara_merkle_prove_range(&s, 3, 9, t.n, &g_rp), NARA_OK);
    assert_rc(nara_merkle_verify_range((const uint8_t(*)[H])t.leaf + 3, 3, 9, t.n, &g_rp, root,
                                       work_for(9), nara_merkle_range_nodes(9) - 1),
              NARA_INVAL);
    assert_rc(nara_merkle_verify_range(NULL, 3, 9, t.n, &g_rp, root, g_work, g_work_n), NARA_INVAL);
    assert_rc(nara_merkle_verify_range((const uint8_t(*)[H])t.leaf + 3, 3, 9, t.n, NULL, root,
                                       g_work, g_work_n),
              NARA_INVAL);
    free(t.leaf);
}

static void prove_range_refuses_empty_and_out_of_tree_ranges(void **state)
{
    tree_t t = tree_random(10);
    nara_merkle_source_t s = src_of(&t);
    (void)state;
    assert_rc(nara_merkle_prove_range(&s, 0, 0, 10, &g_rp), NARA_INVAL);
    assert_rc(nara_merkle_prove_range(&s, 10, 1, 10, &g_rp), NARA_INVAL);
    assert_rc(nara_merkle_prove_range(&s, 5, 6, 10, &g_rp), NARA_INVAL);
    assert_rc(nara_merkle_prove_range(&s, 5, UINT64_MAX, 10, &g_rp), NARA_INVAL);
    assert_rc(nara_merkle_prove_range(NULL, 0, 1, 10, &g_rp), NARA_INVAL);
    assert_rc(nara_merkle_prove_range(&s, 0, 1, 10, NULL), NARA_INVAL);
    free(t.leaf);
}

static void a_path_outside_the_verified_range_is_refused(void **state)
{
    tree_t t = tree_random(100);
    nara_merkle_source_t s = src_of(&t);
    uint8_t root[H];
    (void)state;
    assert_rc(nara_merkle_root(&s, t.n, root), NARA_OK);
    assert_rc(nara_merkle_prove_range(&s, 20, 10, t.n, &g_rp), NARA_OK);
    assert_rc(verify(&t, 20, 10, t.n, &g_rp, root), NARA_OK);
    assert_rc(nara_merkle_range_path(g_work, g_work_n, 19, t.n, &g_path), NARA_INVAL);
    assert_rc(nara_merkle_range_path(g_work, g_work_n, 30, t.n, &g_path), NARA_INVAL);
    assert_rc(nara_merkle_range_path(g_work, g_work_n, 100, t.n, &g_path), NARA_INVAL);
    free(t.leaf);
}

/* ---- codec ------------------------------------------------------------------- */

static void range_proof_codec_round_trips_up_to_126_hashes_and_refuses_more(void **state)
{
    uint8_t buf[NARA_MERKLE_RANGE_PROOF_MAX_BYTES + 64];
    size_t len;
    (void)state;
    for (unsigned n = 0; n <= NARA_MERKLE_MAX_RANGE_PROOF; n += 5) {
        memset(&g_rp, 0, sizeof g_rp);
        g_rp.n = (uint8_t)n;
        for (unsigned k = 0; k < n; k++)
            for (unsigned j = 0; j < H; j++)
                g_rp.hash[k][j] = (uint8_t)rnd();
        assert_rc(nara_merkle_range_proof_encode(&g_rp, buf, sizeof buf, &len), NARA_OK);
        assert_int_equal(len, (n < 16 ? 1u : 3u) + n * 34u);
        assert_rc(nara_merkle_range_proof_decode(buf, len, &g_rq), NARA_OK);
        assert_memory_equal(&g_rq, &g_rp, sizeof g_rp);
        assert_rc(nara_merkle_range_proof_decode(buf, len > 0 ? len - 1 : 0, &g_rq),
                  NARA_TRUNCATED);
    }
    g_rp.n = NARA_MERKLE_MAX_RANGE_PROOF + 1;
    assert_rc(nara_merkle_range_proof_encode(&g_rp, buf, sizeof buf, &len), NARA_TOO_LARGE);
    /* 127 entries: refused by length, and by count within the length limit */
    static uint8_t big[3 + 127 * 34];
    big[0] = 0xdc;
    big[1] = 0;
    big[2] = NARA_MERKLE_MAX_RANGE_PROOF + 1;
    for (unsigned k = 0; k < 127; k++) {
        big[3 + k * 34] = 0xc4;
        big[4 + k * 34] = 0x20;
    }
    assert_rc(nara_merkle_range_proof_decode(big, sizeof big, &g_rq), NARA_TOO_LARGE);
    assert_rc(nara_merkle_range_proof_decode(big, NARA_MERKLE_RANGE_PROOF_MAX_BYTES, &g_rq),
              NARA_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_range_of_every_tree_up_to_33_leaves_verifies_with_each_leafs_path),
        cmocka_unit_test(random_ranges_of_larger_trees_verify_with_each_leafs_path),
        cmocka_unit_test(a_one_leaf_range_proof_holds_exactly_its_inclusion_path),
        cmocka_unit_test(a_whole_tree_range_needs_no_hash_and_an_aligned_one_needs_few),
        cmocka_unit_test(flipping_any_bit_of_a_range_proof_fails),
        cmocka_unit_test(a_range_proof_with_a_hash_missing_or_added_fails),
        cmocka_unit_test(a_range_proof_fails_for_a_moved_range_another_size_a_changed_leaf_or_root),
        cmocka_unit_test(verify_refuses_nulls_and_a_workspace_below_the_bound),
        cmocka_unit_test(prove_range_refuses_empty_and_out_of_tree_ranges),
        cmocka_unit_test(a_path_outside_the_verified_range_is_refused),
        cmocka_unit_test(range_proof_codec_round_trips_up_to_126_hashes_and_refuses_more),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(g_work);
    return rc;
}
