/*
 * test_converge.c - property tests of the store's merge: replicas that see
 * the same events, in any order, split, duplication and verify mode, and that
 * exchange what they lack through version vectors, end with the same
 * accepted set; and merging everything as one batch equals merging it event
 * by event.  In about a third of the trials one author runs a modified client
 * and endorses an event with a bad signature (signs its successor over the
 * corrupted copy's link): that event is valid by endorsement, so every
 * replica, whatever its verify mode, must end up accepting it too.
 *
 * Each trial is deterministic given its seed, printed on failure.  Set
 * NARA_SEED / NARA_TRIALS in the environment to replay or extend a run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_store.h"
#include "testutil.h"

#define DEFAULT_TRIALS 1000
#define MAX_REPLICAS 4
#define MAX_FEEDS 15
#define WALL 1700000000000ULL

/* One trial's context: its seed (for messages), PRNG, every event made, and
 * the id of the endorsed event with a bad signature if there is one. */
typedef struct {
    uint64_t seed;
    tu_rng_t rng;
    tu_list_t all;
    bool has_bad;
    uint8_t bad_id[NARA_ID_BYTES];
} trial_t;

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : dflt;
}

/* Merge in[0..n) as one batch; no event may be forked (no author forks) and
 * none rejected but the endorsed one with a bad signature, for that reason.
 * Returns events accepted. */
static size_t merge_bytes(trial_t *t, nara_store_t *s, const nara_bytes_t *in, size_t n)
{
    nara_merge_stats_t st;
    nara_outcome_t *out = calloc(n ? n : 1, sizeof *out);
    assert_non_null(out);
    nara_err_t err = nara_store_merge(s, in, n, WALL, out, &st);
    if (err != NARA_OK)
        fail_msg("seed %llu: merge: %s (%s)", (unsigned long long)t->seed, nara_err_name(err),
                 nara_store_errmsg(s));
    for (size_t i = 0; i < n; i++) {
        if (out[i].kind == NARA_OUTCOME_REJECTED && t->has_bad && out[i].has_id &&
            out[i].reason == NARA_SIGNATURE && memcmp(out[i].id, t->bad_id, NARA_ID_BYTES) == 0)
            continue;
        if (out[i].kind == NARA_OUTCOME_REJECTED || out[i].kind == NARA_OUTCOME_FORK)
            fail_msg("seed %llu: outcome %d reason %s", (unsigned long long)t->seed,
                     (int)out[i].kind, nara_err_name(out[i].reason));
    }
    free(out);
    return st.added + st.promoted;
}

/* Merge the events at idx[0..n) of t->all as one batch. */
static void merge_idx(trial_t *t, nara_store_t *s, const size_t *idx, size_t n)
{
    nara_bytes_t *in = calloc(n ? n : 1, sizeof *in);
    assert_non_null(in);
    for (size_t i = 0; i < n; i++)
        in[i] = t->all.v[idx[i]];
    merge_bytes(t, s, in, n);
    free(in);
}

/* 3-5 authors with 1-3 streams each write 5-38 events in random feeds; in
 * about a third of the trials one of those events gets a corrupted signature
 * and its author's next event of that feed, sealed right after, endorses the
 * corrupted copy. */
static void make_events(trial_t *t)
{
    static const char *const streams[3] = {"32.01", "32.02", "province"};
    tu_feed_t feeds[MAX_FEEDS];
    size_t nfeeds = 0, authors = 3 + tu_below(&t->rng, 3);
    for (size_t a = 0; a < authors; a++) {
        size_t ns = 1 + tu_below(&t->rng, 3);
        uint64_t key = tu_rand(&t->rng);
        for (size_t k = 0; k < ns; k++)
            tu_feed_init(&feeds[nfeeds++], key, streams[k]);
    }
    size_t total = 5 + tu_below(&t->rng, 34);
    size_t bad_at = tu_below(&t->rng, 3) == 0 ? tu_below(&t->rng, total) : SIZE_MAX;
    for (size_t e = 0; e < total; e++) {
        tu_feed_t *f = &feeds[tu_below(&t->rng, nfeeds)];
        size_t pad = tu_below(&t->rng, 4) == 0 ? tu_below(&t->rng, 64) : 0;
        tu_feed_next(f, WALL + e * 7, e, pad, &t->all);
        if (e == bad_at) {
            tu_feed_break_head_sig(f, &t->all, t->bad_id);
            t->has_bad = true;
            tu_feed_next(f, WALL + e * 7 + 1, total + e, 0, &t->all);
        }
    }
}

/* Deliver a random subset (each event with probability 1/2, some twice), or
 * everything, in random order and random batches. */
static void deliver_subset(trial_t *t, nara_store_t *s, bool everything)
{
    size_t n = t->all.n, m = 0;
    size_t *idx = malloc(2 * n * sizeof *idx);
    assert_non_null(idx);
    for (size_t i = 0; i < n; i++)
        if (everything || tu_below(&t->rng, 2))
            idx[m++] = i;
    for (size_t i = 0, dups = m ? tu_below(&t->rng, m / 3 + 1) : 0; i < dups; i++) {
        size_t pick = idx[tu_below(&t->rng, m)];
        idx[m++] = pick;
    }
    tu_shuffle(&t->rng, idx, m);
    for (size_t from = 0; from < m;) {
        size_t len = 1 + tu_below(&t->rng, m - from);
        merge_idx(t, s, idx + from, len);
        from += len;
    }
    free(idx);
}

/* dst pulls what it lacks from src: vv(dst), iter_missing(src), merged in
 * one or two batches.  Returns how many events dst accepted. */
static size_t pull(trial_t *t, nara_store_t *dst, nara_store_t *src)
{
    nara_vv_t vv;
    tu_list_t got = {0};
    size_t added = 0;
    assert_int_equal(nara_store_vv(dst, &vv), NARA_OK);
    tu_collect(src, &vv, &got);
    nara_vv_free(&vv);
    size_t split = got.n ? tu_below(&t->rng, got.n + 1) : 0;
    added += merge_bytes(t, dst, got.v, split);
    added += merge_bytes(t, dst, got.v + split, got.n - split);
    tu_list_free(&got);
    return added;
}

static void check_converged(trial_t *t, nara_store_t *s, const uint8_t want[NARA_HASH_BYTES],
                            const char *who)
{
    uint8_t d[NARA_HASH_BYTES];
    nara_store_counts_t c;
    assert_int_equal(nara_store_digest(s, d), NARA_OK);
    assert_int_equal(nara_store_counts(s, &c), NARA_OK);
    if (memcmp(d, want, NARA_HASH_BYTES) != 0)
        fail_msg("seed %llu: %s digest differs", (unsigned long long)t->seed, who);
    if (c.events != t->all.n || c.pending != 0 || c.forks != 0 ||
        (c.quarantined != 0 && !t->has_bad))
        fail_msg("seed %llu: %s counts events %llu/%zu pending %llu forks %llu quarantined %llu",
                 (unsigned long long)t->seed, who, (unsigned long long)c.events, t->all.n,
                 (unsigned long long)c.pending, (unsigned long long)c.forks,
                 (unsigned long long)c.quarantined);
}

/* Property: everything as one shuffled batch gives the same accepted set as
 * every event alone, in another random order. */
static void run_batch_vs_single(uint64_t seed)
{
    trial_t t = {.seed = seed};
    nara_store_t *batch = NULL, *single = NULL;
    uint8_t want[NARA_HASH_BYTES];
    tu_rng_seed(&t.rng, seed);
    make_events(&t);
    size_t n = t.all.n;
    size_t *idx = malloc(n * sizeof *idx);
    assert_non_null(idx);
    assert_int_equal(nara_store_open(":memory:", &batch), NARA_OK);
    assert_int_equal(nara_store_open(":memory:", &single), NARA_OK);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    tu_shuffle(&t.rng, idx, n);
    merge_idx(&t, batch, idx, n);
    tu_shuffle(&t.rng, idx, n);
    for (size_t i = 0; i < n; i++)
        merge_idx(&t, single, idx + i, 1);
    assert_int_equal(nara_store_digest(batch, want), NARA_OK);
    check_converged(&t, batch, want, "one-batch store");
    check_converged(&t, single, want, "event-by-event store");
    nara_store_close(batch);
    nara_store_close(single);
    free(idx);
    tu_list_free(&t.all);
}

static void run_trial(uint64_t seed)
{
    trial_t t = {.seed = seed};
    nara_store_t *r[MAX_REPLICAS] = {0};
    uint8_t want[NARA_HASH_BYTES];
    char who[32];
    tu_rng_seed(&t.rng, seed);
    make_events(&t);

    size_t nr = 3 + tu_below(&t.rng, 2);
    for (size_t i = 0; i < nr; i++) {
        assert_int_equal(nara_store_open(":memory:", &r[i]), NARA_OK);
        nara_store_set_verify_mode(r[i], tu_below(&t.rng, 2) ? NARA_VERIFY_CHAIN
                                                              : NARA_VERIFY_EACH);
    }
    for (size_t round = 0, rounds = 1 + tu_below(&t.rng, 3); round < rounds; round++) {
        for (size_t i = 0; i < nr; i++)
            if (tu_below(&t.rng, 2))
                deliver_subset(&t, r[i], false);
        for (size_t p = 0, pulls = tu_below(&t.rng, 2 * nr); p < pulls; p++) {
            size_t a = tu_below(&t.rng, nr), b = tu_below(&t.rng, nr);
            if (a != b)
                pull(&t, r[a], r[b]);
        }
    }
    /* Full exchange: replica 0 receives every event, the others pull from
     * it, and then it has nothing left to learn from them. */
    deliver_subset(&t, r[0], true);
    for (size_t i = 1; i < nr; i++)
        pull(&t, r[i], r[0]);
    for (size_t i = 1; i < nr; i++)
        if (pull(&t, r[0], r[i]) != 0)
            fail_msg("seed %llu: replica 0 learned from replica %zu after having everything",
                     (unsigned long long)seed, i);
    /* Every replica accepted all events (counts) and the same ones (digest). */
    assert_int_equal(nara_store_digest(r[0], want), NARA_OK);
    for (size_t i = 0; i < nr; i++) {
        snprintf(who, sizeof who, "replica %zu", i);
        check_converged(&t, r[i], want, who);
        nara_store_close(r[i]);
    }
    tu_list_free(&t.all);
}

static void test_replicas_converge_under_any_order_split_and_duplication(void **state)
{
    (void)state;
    uint64_t base = env_u64("NARA_SEED", 1), trials = env_u64("NARA_TRIALS", DEFAULT_TRIALS);
    for (uint64_t i = 0; i < trials; i++)
        run_trial(base + i);
}

static void test_one_batch_equals_event_by_event(void **state)
{
    (void)state;
    uint64_t base = env_u64("NARA_SEED", 1), trials = env_u64("NARA_TRIALS", DEFAULT_TRIALS);
    for (uint64_t i = 0; i < trials / 8; i++)
        run_batch_vs_single(base + 1000003 * (i + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replicas_converge_under_any_order_split_and_duplication),
        cmocka_unit_test(test_one_batch_equals_event_by_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
