/*
 * test_tlog.c - the transparency log beside a store (nara_tlog.h): leaves in
 * acceptance order, roots equal to an independent frontier, proofs that
 * verify for every pair of sizes, nothing left by a rolled-back merge,
 * catch-up at open, one signed head per growing transaction with times
 * that never go back, read-only opening, a tampered frontier refused, old
 * leaf tables read as they are or migrated (and refused when they disagree
 * with events), events another connection accepted logged first; and the
 * `server` role of the domain (enrolable, writes nothing).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_tlog.h"
#include "store_internal.h"
#include "test_domain_util.h"
#include "testutil.h"

#define WALL0 1700000000000ull

/* ---- helpers ----------------------------------------------------------- */

typedef struct {
    uint64_t now;
} clock_t_;

static uint64_t fixed_now(void *ctx)
{
    return ((clock_t_ *)ctx)->now;
}

/* The ids of the store's accepted events in acceptance (ord) order. */
static size_t accepted_ids(nara_store_t *s, uint8_t (*ids)[32], size_t cap)
{
    sqlite3_stmt *st;
    size_t n = 0;
    assert_int_equal(
        sqlite3_prepare_v2(nara__store_db(s), "SELECT id FROM events ORDER BY ord", -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_true(n < cap);
        memcpy(ids[n++], sqlite3_column_blob(st, 0), 32);
    }
    sqlite3_finalize(st);
    return n;
}

static void frontier_root(uint8_t (*ids)[32], size_t n, uint8_t root[32])
{
    nara_merkle_frontier_t f;
    uint8_t h[32];
    nara_merkle_frontier_init(&f);
    for (size_t i = 0; i < n; i++) {
        nara_merkle_hash_leaf(ids[i], 32, h);
        assert_int_equal(nara_merkle_frontier_append(&f, h), NARA_OK);
    }
    nara_merkle_frontier_root(&f, root);
}

/* The log's root over all `n` leaves is the root of the store's accepted
 * ids, hashed independently. */
static void assert_root_of_ids(nara_tlog_t *t, uint8_t (*ids)[32], size_t n)
{
    uint8_t want[32], root[32];
    frontier_root(ids, n, want);
    assert_int_equal(nara_tlog_root(t, n, root), NARA_OK);
    assert_memory_equal(root, want, 32);
}

/* Events of several feeds, merged in random batches (some out of order, so
 * that pending events are promoted later). */
static void fill(nara_store_t *s, uint64_t seed, size_t feeds, size_t per_feed)
{
    tu_list_t l = {0};
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);
    for (size_t f = 0; f < feeds; f++) {
        tu_feed_t feed;
        tu_feed_init(&feed, seed * 100 + f, "32.01");
        for (size_t i = 0; i < per_feed; i++)
            tu_feed_next(&feed, (WALL0 + i) << 16, i, 0, &l);
    }
    size_t *order = malloc(l.n * sizeof *order);
    assert_non_null(order);
    for (size_t i = 0; i < l.n; i++)
        order[i] = i;
    tu_shuffle(&rng, order, l.n);
    for (size_t at = 0; at < l.n;) {
        size_t k = 1 + tu_below(&rng, 7);
        if (k > l.n - at)
            k = l.n - at;
        nara_bytes_t batch[8];
        nara_outcome_t out[8];
        for (size_t j = 0; j < k; j++)
            batch[j] = l.v[order[at + j]];
        assert_int_equal(nara_store_merge(s, batch, k, WALL0, out, NULL), NARA_OK);
        at += k;
    }
    free(order);
    tu_list_free(&l);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_leaves_follow_acceptance_order_and_roots_match(void **state)
{
    (void)state;
    nara_store_t *s;
    nara_tlog_t *t;
    static uint8_t ids[512][32];
    uint8_t want[32], got[32], id[32];
    uint64_t size, index;
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    fill(s, 1, 5, 40);
    size_t n = accepted_ids(s, ids, 512);
    assert_int_equal(n, 200);
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(nara_tlog_leaf(t, i, id), NARA_OK);
        assert_memory_equal(id, ids[i], 32);
        assert_int_equal(nara_tlog_find(t, ids[i], &index), NARA_OK);
        assert_int_equal(index, i);
    }
    assert_int_equal(nara_tlog_leaf(t, n, id), NARA_NOT_FOUND);
    for (size_t k = 0; k <= n; k += 7) {
        frontier_root(ids, k, want);
        assert_int_equal(nara_tlog_root(t, k, got), NARA_OK);
        assert_memory_equal(got, want, 32);
    }
    assert_int_equal(nara_tlog_root(t, n + 1, got), NARA_INVAL);
    nara_tlog_close(t);
    nara_store_close(s);
}

static void test_every_proof_verifies_and_a_wrong_one_does_not(void **state)
{
    (void)state;
    nara_store_t *s;
    nara_tlog_t *t;
    nara_merkle_proof_t p;
    uint8_t roots[41][32], id[32], h[32];
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    fill(s, 2, 4, 10);
    for (uint64_t n = 0; n <= 40; n++)
        assert_int_equal(nara_tlog_root(t, n, roots[n]), NARA_OK);
    for (uint64_t n = 1; n <= 40; n++) {
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(nara_tlog_leaf(t, i, id), NARA_OK);
            nara_merkle_hash_leaf(id, 32, h);
            assert_int_equal(nara_tlog_prove_inclusion(t, i, n, &p), NARA_OK);
            assert_int_equal(nara_merkle_verify_inclusion(h, i, n, &p, roots[n]), NARA_OK);
            if (n > 1)
                assert_int_equal(nara_merkle_verify_inclusion(h, (i + 1) % n, n, &p, roots[n]),
                                 NARA_PROOF);
        }
        for (uint64_t m = 0; m <= n; m++) {
            assert_int_equal(nara_tlog_prove_consistency(t, m, n, &p), NARA_OK);
            assert_int_equal(nara_merkle_verify_consistency(m, n, roots[m], roots[n], &p), NARA_OK);
        }
    }
    assert_int_equal(nara_tlog_prove_inclusion(t, 0, 41, &p), NARA_INVAL);
    nara_tlog_close(t);
    nara_store_close(s);
}

static nara_err_t fail_commit(void *ctx)
{
    (void)ctx;
    return NARA_NOMEM;
}

static void test_a_rolled_back_merge_leaves_no_trace(void **state)
{
    (void)state;
    nara_store_t *s;
    nara_tlog_t *t;
    tu_list_t l = {0};
    tu_feed_t feed;
    nara_outcome_t out[4];
    uint64_t size;
    uint8_t root[32], want[32];
    static uint8_t ids[16][32];
    static int token;
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    tu_feed_init(&feed, 9, "32.02");
    for (int i = 0; i < 6; i++)
        tu_feed_next(&feed, (WALL0 + (uint64_t)i) << 16, (uint64_t)i, 0, &l);
    tu_merge_range(s, &l, 0, 2, NULL);
    nara__store_hooks_t fail = {.before_commit = fail_commit, .ctx = &token};
    assert_int_equal(nara__store_add_hooks(s, &fail), NARA_OK);
    assert_int_equal(nara_store_merge(s, l.v + 2, 2, WALL0, out, NULL), NARA_NOMEM);
    nara__store_remove_hooks(s, &token);
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, 2);
    tu_merge_range(s, &l, 2, 4, NULL);
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, 6);
    size_t n = accepted_ids(s, ids, 16);
    for (size_t i = 0; i < n; i++) { /* the rolled-back ids are nowhere, not even in memory */
        uint8_t id[32];
        uint64_t index;
        assert_int_equal(nara_tlog_leaf(t, i, id), NARA_OK);
        assert_memory_equal(id, ids[i], 32);
        assert_int_equal(nara_tlog_find(t, ids[i], &index), NARA_OK);
        assert_int_equal(index, i);
    }
    frontier_root(ids, n, want);
    assert_int_equal(nara_tlog_root(t, 6, root), NARA_OK);
    assert_memory_equal(root, want, 32);
    tu_list_free(&l);
    nara_tlog_close(t);
    nara_store_close(s);
}

static void test_reopening_catches_up_and_signs_one_head_per_merge(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s;
    nara_tlog_t *t;
    nara_keypair_t server;
    nara_tree_head_t h, h2;
    clock_t_ clk = {WALL0};
    nara_tlog_signer_t signer = {&server, fixed_now, &clk};
    static uint8_t ids[256][32];
    uint8_t want[32];
    uint64_t size;
    tu_keypair(77, &server);
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    fill(s, 3, 3, 10); /* before any log: caught up at open */
    assert_int_equal(nara_tlog_open(s, &signer, 0, &t), NARA_OK);
    assert_int_equal(nara_tlog_latest_head(t, &h), NARA_OK);
    assert_int_equal(h.size, 30);
    assert_int_equal(h.time_ms, WALL0);
    assert_int_equal(nara_tree_head_verify(&h, server.pk), NARA_OK);
    frontier_root(ids, accepted_ids(s, ids, 256), want);
    assert_memory_equal(h.root, want, 32);

    /* Each growing merge: one head; the clock stepping back does not make it older. */
    clk.now = WALL0 - 5000;
    tu_list_t l = {0};
    tu_feed_t feed;
    tu_feed_init(&feed, 1234, "province");
    for (int i = 0; i < 3; i++)
        tu_feed_next(&feed, (WALL0 + (uint64_t)i) << 16, (uint64_t)i, 0, &l);
    tu_merge_range(s, &l, 0, 1, NULL);
    tu_merge_range(s, &l, 0, 1, NULL); /* duplicate: no growth, no head */
    assert_int_equal(nara_tlog_latest_head(t, &h2), NARA_OK);
    assert_int_equal(h2.size, 31);
    assert_int_equal(h2.time_ms, WALL0);
    nara_tlog_close(t);

    /* Events merged while no log is attached are logged at the next open. */
    tu_merge_range(s, &l, 1, 2, NULL);
    clk.now = WALL0 + 9000;
    assert_int_equal(nara_tlog_open(s, &signer, 0, &t), NARA_OK);
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, 33);
    int heads = 0;
    uint64_t last = 0;
    for (uint64_t k = 0; k <= 33; k++)
        if (nara_tlog_head(t, k, &h) == NARA_OK) {
            heads++;
            assert_true(h.time_ms >= last);
            last = h.time_ms;
            assert_int_equal(nara_tree_head_verify(&h, server.pk), NARA_OK);
        }
    assert_int_equal(heads, 3); /* 30, 31, 33 */
    assert_int_equal(nara_tlog_head(t, 32, &h), NARA_NOT_FOUND);
    frontier_root(ids, accepted_ids(s, ids, 256), want);
    assert_int_equal(nara_tlog_head(t, 33, &h), NARA_OK);
    assert_memory_equal(h.root, want, 32);
    nara_tlog_close(t);
    tu_list_free(&l);
    nara_store_close(s);
    tu_remove_db(path);
}

static int count_head(void *ctx, const nara_tree_head_t *h)
{
    (void)h;
    (*(int *)ctx)++;
    return 0;
}

static void test_read_only_open_sees_the_log_and_writes_nothing(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s;
    nara_tlog_t *t, *ro;
    nara_keypair_t server;
    nara_tree_head_t h;
    uint8_t a[32], b[32];
    uint64_t n1, n2;
    bool present = true;
    tu_keypair(78, &server);
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    fill(s, 4, 2, 5);
    assert_int_equal(nara_tlog_present(s, &present), NARA_OK);
    assert_false(present);
    assert_int_equal(nara_tlog_open(s, NULL, NARA_TLOG_READONLY, &ro), NARA_NOT_FOUND);
    assert_null(ro);
    assert_int_equal(nara_tlog_present(s, &present), NARA_OK);
    assert_false(present);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    assert_int_equal(nara_tlog_sign_head(t, &server, WALL0, &h), NARA_OK);
    nara_tlog_close(t);

    nara_store_t *s2;
    assert_int_equal(nara_store_open(path, &s2), NARA_OK);
    assert_int_equal(nara_tlog_open(s2, NULL, NARA_TLOG_READONLY, &ro), NARA_OK);
    assert_int_equal(nara_tlog_size(ro, &n1), NARA_OK);
    assert_int_equal(n1, 10);
    fill(s, 5, 1, 3); /* written by another connection: not logged by a read-only log */
    assert_int_equal(nara_tlog_size(ro, &n2), NARA_OK);
    assert_int_equal(n2, 10);
    assert_int_equal(nara_tlog_root(ro, 10, a), NARA_OK);
    assert_memory_equal(a, h.root, 32);
    assert_int_equal(nara_tlog_latest_head(ro, &h), NARA_OK);
    assert_int_equal(h.size, 10);
    assert_int_equal(nara_tlog_sign_head(ro, &server, WALL0, &h), NARA_INVAL);
    int heads = 0;
    assert_int_equal(nara_tlog_each_head(ro, count_head, &heads), NARA_OK);
    assert_int_equal(heads, 1);
    nara_tlog_close(ro);
    nara_store_close(s2);

    /* Attaching again logs the three events merged meanwhile. */
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    assert_int_equal(nara_tlog_size(t, &n2), NARA_OK);
    assert_int_equal(n2, 13);
    assert_int_equal(nara_tlog_root(t, 10, b), NARA_OK);
    assert_memory_equal(a, b, 32);
    nara_tlog_close(t);
    nara_store_close(s);
    tu_remove_db(path);
}

static void test_a_tampered_frontier_is_refused(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s;
    nara_tlog_t *t;
    nara_keypair_t server;
    nara_tree_head_t h;
    tu_keypair(79, &server);
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    fill(s, 6, 2, 4);
    assert_int_equal(nara_tlog_sign_head(t, &server, WALL0, &h), NARA_OK);
    nara_tlog_close(t);
    /* Flip one bit of the first stored subtree hash (after the 8-byte size). */
    assert_int_equal(sqlite3_exec(nara__store_db(s),
                                  "UPDATE tlog_meta SET value = substr(value, 1, 8) ||"
                                  " x'ff' || substr(value, 10) WHERE key = 'frontier'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_CORRUPT);
    assert_null(t);
    nara_store_close(s);
    tu_remove_db(path);
}

static void test_the_server_role_is_enrolable_and_writes_nothing(void **state)
{
    (void)state;
    nara_keypair_t root, admin, server;
    td_replica_t r;
    uint8_t id[32];
    nara_role_t role;
    bool revoked;
    tu_keypair(1, &root);
    tu_keypair(2, &admin);
    tu_keypair(3, &server);
    assert_string_equal(nara_role_name(NARA_ROLE_SERVER), "server");
    assert_int_equal(nara_role_parse("server"), NARA_ROLE_SERVER);
    td_open(&r, &root);
    td_enroll(&r, &root, &admin, NARA_ROLE_ADMIN, "*", NULL);
    td_enroll(&r, &admin, &server, NARA_ROLE_SERVER, "*", id);
    assert_int_equal(td_rule(&r, id), -1);
    assert_int_equal(nara_domain_device_role(r.d, server.pk, &role, &revoked), NARA_OK);
    assert_int_equal(role, NARA_ROLE_SERVER);
    assert_false(revoked);
    uint8_t doc[32] = {0};
    nara_decree_params_t dp = {"800/1", "2026-01-01", doc, "2026-01-02", NULL, "t", NULL};
    assert_int_equal(nara_decree_record(r.d, &server, &dp, td_tick(&r), id), NARA_OK);
    assert_int_equal(td_rule(&r, id), NARA_RULE_ROLE);
    td_close(&r);
}

/* More leaves than the in-memory ring of recent ids holds (4096). */
static void test_leaves_older_than_the_recent_ones_are_read_back_exactly(void **state)
{
    (void)state;
    nara_store_t *s;
    nara_tlog_t *t;
    static uint8_t ids[5000][32];
    uint8_t id[32];
    uint64_t index;
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    fill(s, 6, 5, 1000);
    size_t n = accepted_ids(s, ids, 5000);
    assert_int_equal(n, 5000);
    for (size_t i = 0; i < n; i += (i < 100 || i > 4800) ? 1 : 37) {
        assert_int_equal(nara_tlog_leaf(t, i, id), NARA_OK);
        assert_memory_equal(id, ids[i], 32);
        assert_int_equal(nara_tlog_find(t, ids[i], &index), NARA_OK);
        assert_int_equal(index, i);
    }
    nara_tlog_close(t);
    nara_store_close(s);
}

/* ---- the hasher: a transaction's leaves past the first 256 are hashed on a
 * thread of their own; the tree must be the one inline hashing builds. ---- */

#define BIG 6000 /* more than the ring of 4096 ids: the merge waits for the hasher */

/* BIG events of one feed, in chain order: accepted in list order however
 * they are split into batches. */
static void big_list(tu_list_t *l)
{
    tu_feed_t feed;
    tu_feed_init(&feed, 40, "32.03");
    for (size_t i = 0; i < BIG; i++)
        tu_feed_next(&feed, (WALL0 + i) << 16, i, 0, l);
}

/* Every tlog_node row of a and b, in order, is the same. */
static void assert_same_nodes(nara_store_t *a, nara_store_t *b)
{
    static const char sql[] = "SELECT level, idx, hash FROM tlog_node ORDER BY level, idx";
    sqlite3_stmt *x, *y;
    size_t rows = 0;
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(a), sql, -1, &x, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(b), sql, -1, &y, NULL), SQLITE_OK);
    for (;;) {
        int rx = sqlite3_step(x), ry = sqlite3_step(y);
        assert_int_equal(rx, ry);
        if (rx != SQLITE_ROW)
            break;
        assert_int_equal(sqlite3_column_int64(x, 0), sqlite3_column_int64(y, 0));
        assert_int_equal(sqlite3_column_int64(x, 1), sqlite3_column_int64(y, 1));
        assert_int_equal(sqlite3_column_bytes(x, 2), 32);
        assert_memory_equal(sqlite3_column_blob(x, 2), sqlite3_column_blob(y, 2), 32);
        rows++;
    }
    assert_true(rows > BIG / 8);
    sqlite3_finalize(x);
    sqlite3_finalize(y);
}

static void test_a_large_batch_builds_the_tree_and_nodes_that_small_ones_do(void **state)
{
    (void)state;
    nara_store_t *big, *small;
    nara_tlog_t *tb, *ts;
    tu_list_t l = {0};
    static uint8_t ids[BIG][32];
    static nara_outcome_t out[BIG];
    uint8_t want[32], root[32], id[32], h[32];
    uint64_t size;
    nara_merkle_proof_t p;
    big_list(&l);
    assert_int_equal(nara_store_open(":memory:", &big), NARA_OK);
    assert_int_equal(nara_store_open(":memory:", &small), NARA_OK);
    assert_int_equal(nara_tlog_open(big, NULL, 0, &tb), NARA_OK);
    assert_int_equal(nara_tlog_open(small, NULL, 0, &ts), NARA_OK);
    tu_merge_range(big, &l, 0, 10, NULL); /* a tree that does not start at 0 */
    tu_merge_range(big, &l, 10, BIG - 10, out);
    for (size_t at = 0; at < BIG; at += 100)
        tu_merge_range(small, &l, at, 100, NULL);

    size_t n = accepted_ids(big, ids, BIG);
    assert_int_equal(n, BIG);
    assert_int_equal(nara_tlog_size(tb, &size), NARA_OK);
    assert_int_equal(size, BIG);
    frontier_root(ids, n, want);
    assert_int_equal(nara_tlog_root(tb, n, root), NARA_OK);
    assert_memory_equal(root, want, 32);
    assert_same_nodes(big, small);
    for (uint64_t i = 0; i < n; i += 97) {
        assert_int_equal(nara_tlog_leaf(tb, i, id), NARA_OK);
        nara_merkle_hash_leaf(id, 32, h);
        assert_int_equal(nara_tlog_prove_inclusion(tb, i, n, &p), NARA_OK);
        assert_int_equal(nara_merkle_verify_inclusion(h, i, n, &p, want), NARA_OK);
    }
    nara_tlog_close(tb);
    nara_tlog_close(ts);
    nara_store_close(big);
    nara_store_close(small);
    tu_list_free(&l);
}

static void test_a_rolled_back_large_batch_leaves_no_trace(void **state)
{
    (void)state;
    nara_store_t *s;
    nara_tlog_t *t;
    tu_list_t l = {0};
    static uint8_t ids[BIG][32];
    static nara_outcome_t out[BIG];
    static int token;
    uint64_t size;
    big_list(&l);
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    tu_merge_range(s, &l, 0, 3, NULL);
    nara__store_hooks_t fail = {.before_commit = fail_commit, .ctx = &token};
    assert_int_equal(nara__store_add_hooks(s, &fail), NARA_OK);
    assert_int_equal(nara_store_merge(s, l.v + 3, BIG - 3, WALL0, out, NULL), NARA_NOMEM);
    nara__store_remove_hooks(s, &token);
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, 3);
    assert_int_equal(sqlite3_get_autocommit(nara__store_db(s)), 1);
    tu_merge_range(s, &l, 3, BIG - 3, out);
    size_t n = accepted_ids(s, ids, BIG);
    assert_root_of_ids(t, ids, n);
    nara_tlog_close(t);
    nara_store_close(s);
    tu_list_free(&l);
}

/* A reader inside the transaction (a later hook) sees every leaf so far. */
typedef struct {
    nara_tlog_t *t;
    uint64_t seen, size_at_400;
} peek_t;

static nara_err_t peek_added(void *ctx, const nara_event_t *ev, int64_t rowid)
{
    (void)ev;
    (void)rowid;
    peek_t *p = ctx;
    if (++p->seen == 400)
        assert_int_equal(nara_tlog_size(p->t, &p->size_at_400), NARA_OK);
    return NARA_OK;
}

static void test_the_size_read_inside_a_large_transaction_counts_every_leaf(void **state)
{
    (void)state;
    nara_store_t *s;
    nara_tlog_t *t;
    tu_list_t l = {0};
    static uint8_t ids[BIG][32];
    static nara_outcome_t out[BIG];
    big_list(&l);
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    peek_t peek = {.t = t};
    nara__store_hooks_t hooks = {.on_added = peek_added, .ctx = &peek};
    assert_int_equal(nara__store_add_hooks(s, &hooks), NARA_OK);
    tu_merge_range(s, &l, 0, BIG, out);
    nara__store_remove_hooks(s, &peek);
    assert_int_equal(peek.size_at_400, 400);
    size_t n = accepted_ids(s, ids, BIG);
    assert_root_of_ids(t, ids, n);
    nara_tlog_close(t);
    nara_store_close(s);
    tu_list_free(&l);
}

/* The integer the query returns. */
static int64_t query_int(nara_store_t *s, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Rewrite a version-3 log as version 1 or 2 had it: a leaf table, keyed by
 * idx, with the id UNIQUE (1) or the events row's ord (2).  `shift` moves
 * every leaf's id one row on, so that the table disagrees with events. */
static void downgrade(nara_store_t *s, int version, int shift)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "BEGIN;"
             "CREATE TABLE tlog_leaf(idx INTEGER PRIMARY KEY, id BLOB NOT NULL %s);"
             "INSERT INTO tlog_leaf SELECT ord - 1, "
             " (SELECT id FROM events b WHERE b.ord = e.ord + %d)%s FROM events e"
             " WHERE ord <= (SELECT value FROM tlog_meta WHERE key = 'last_ord') - %d;"
             "UPDATE tlog_meta SET value = %d WHERE key = 'version';"
             "COMMIT;",
             version == 1 ? "UNIQUE" : ", ord INTEGER NOT NULL UNIQUE", shift,
             version == 1 ? "" : ", ord", shift, version);
    assert_int_equal(sqlite3_exec(nara__store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
}

static void old_log_is_read_as_is_and_migrated_when_writable(int version)
{
    char path[64];
    nara_store_t *s;
    nara_tlog_t *t;
    static uint8_t ids[64][32];
    uint8_t before[32], after[32], id[32];
    uint64_t index, size;
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    fill(s, 7, 3, 15);
    assert_int_equal(nara_tlog_root(t, 45, before), NARA_OK);
    nara_tlog_close(t);
    downgrade(s, version, 0);
    size_t n = accepted_ids(s, ids, 64);

    assert_int_equal(nara_tlog_open(s, NULL, NARA_TLOG_READONLY, &t), NARA_OK);
    assert_int_equal(nara_tlog_find(t, ids[44], &index), NARA_OK);
    assert_int_equal(index, 44);
    assert_int_equal(nara_tlog_leaf(t, 3, id), NARA_OK);
    assert_memory_equal(id, ids[3], 32);
    nara_tlog_close(t);
    assert_int_equal(query_int(s, "SELECT count(*) FROM tlog_leaf"), n);

    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE name = 'tlog_leaf'"), 0);
    assert_int_equal(query_int(s, "SELECT value FROM tlog_meta WHERE key = 'version'"), 3);
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, n);
    assert_int_equal(nara_tlog_root(t, 45, after), NARA_OK);
    assert_memory_equal(after, before, 32);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(nara_tlog_find(t, ids[i], &index), NARA_OK);
        assert_int_equal(index, i);
    }
    fill(s, 8, 1, 5); /* and it keeps growing */
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, n + 5);
    nara_tlog_close(t);
    nara_store_close(s);
    tu_remove_db(path);
}

static void test_a_version_1_log_is_read_as_is_and_migrated_when_writable(void **state)
{
    (void)state;
    old_log_is_read_as_is_and_migrated_when_writable(1);
}

static void test_a_version_2_log_is_read_as_is_and_migrated_when_writable(void **state)
{
    (void)state;
    old_log_is_read_as_is_and_migrated_when_writable(2);
}

/* Version 3 takes leaf i to be the events row i + 1; an old leaf table that
 * says otherwise is refused, and left as it was. */
static void test_an_old_leaf_table_that_disagrees_with_events_is_refused(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s;
    nara_tlog_t *t;
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    fill(s, 9, 2, 6);
    nara_tlog_close(t);
    downgrade(s, 2, 1);
    nara_store_close(s);

    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_CORRUPT);
    assert_non_null(strstr(nara_store_errmsg(s), "not the event at its position"));
    nara_store_close(s);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(query_int(s, "SELECT value FROM tlog_meta WHERE key = 'version'"), 2);
    assert_int_equal(query_int(s, "SELECT count(*) FROM tlog_leaf"), 11);
    nara_store_close(s);
    tu_remove_db(path);
}

/* Another connection (a `nara` command on the server's file) accepts events
 * while the log is open: the next transaction logs them first, in ord
 * order, so leaf i stays the events row i + 1. */
static void test_events_another_connection_accepted_are_logged_first(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s, *other;
    nara_tlog_t *t;
    static uint8_t ids[64][32];
    uint8_t id[32];
    uint64_t size;
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(nara_store_open(path, &other), NARA_OK);
    assert_int_equal(nara_tlog_open(s, NULL, 0, &t), NARA_OK);
    fill(s, 10, 1, 4);
    fill(other, 11, 2, 5); /* not logged yet */
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, 4);
    fill(s, 12, 1, 3);
    size_t n = accepted_ids(s, ids, 64);
    assert_int_equal(n, 17);
    assert_int_equal(nara_tlog_size(t, &size), NARA_OK);
    assert_int_equal(size, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(nara_tlog_leaf(t, i, id), NARA_OK);
        assert_memory_equal(id, ids[i], 32);
    }
    assert_root_of_ids(t, ids, n);
    nara_tlog_close(t);
    nara_store_close(other);
    nara_store_close(s);
    tu_remove_db(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaves_follow_acceptance_order_and_roots_match),
        cmocka_unit_test(test_every_proof_verifies_and_a_wrong_one_does_not),
        cmocka_unit_test(test_a_rolled_back_merge_leaves_no_trace),
        cmocka_unit_test(test_reopening_catches_up_and_signs_one_head_per_merge),
        cmocka_unit_test(test_read_only_open_sees_the_log_and_writes_nothing),
        cmocka_unit_test(test_a_tampered_frontier_is_refused),
        cmocka_unit_test(test_the_server_role_is_enrolable_and_writes_nothing),
        cmocka_unit_test(test_leaves_older_than_the_recent_ones_are_read_back_exactly),
        cmocka_unit_test(test_a_large_batch_builds_the_tree_and_nodes_that_small_ones_do),
        cmocka_unit_test(test_a_rolled_back_large_batch_leaves_no_trace),
        cmocka_unit_test(test_the_size_read_inside_a_large_transaction_counts_every_leaf),
        cmocka_unit_test(test_a_version_1_log_is_read_as_is_and_migrated_when_writable),
        cmocka_unit_test(test_a_version_2_log_is_read_as_is_and_migrated_when_writable),
        cmocka_unit_test(test_an_old_leaf_table_that_disagrees_with_events_is_refused),
        cmocka_unit_test(test_events_another_connection_accepted_are_logged_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
