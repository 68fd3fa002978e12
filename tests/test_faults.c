/*
 * test_faults.c - sync over a bad network: clients reach narad through a
 * fault-injecting TCP proxy on 127.0.0.1 (tests/proc/faultproxy.h) that
 * cuts connections at random byte offsets (FIN or RST, either direction),
 * stalls one direction for up to 1.5 s, and forwards in 1-7 byte pieces,
 * while the clients themselves split messages into WebSocket fragments of
 * random sizes.
 *
 * Four devices that read everything (two secretariats and a governor that
 * write, an auditor that only reads and stays live) record cases offline
 * and sync every round, over many seeded rounds.  Then the faults stop,
 * every device syncs twice more, and narad is killed with SIGKILL.  What
 * must hold:
 *   - narad never stops serving (alive after every round);
 *   - every event narad acknowledged is in its database after the kill,
 *     whose integrity check passes and whose fold equals a fresh fold;
 *   - no event is duplicated or lost: narad holds exactly the events the
 *     devices wrote, with nothing pending, forked or quarantined;
 *   - every replica converges: narad's and each device's store digests are
 *     equal, and so are their domain (fold) digests.
 *
 * NARA_FAULT_ROUNDS (default 60) and NARA_SEED (printed) replay a run.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/faultproxy.h"
#include "proc/proc.h"
#include "proc/wsclient.h"
#include "testutil.h"

#define N_DEV 4
#define N_WRITERS 3
#define MAX_NEW_EVENTS 24
#define ROUND_MS 8000u
#define MAX_CASES 32

typedef struct {
    wc_client_t *c;
    const char *region;
    uint8_t cases[MAX_CASES][NARA_ID_BYTES];
    size_t n_cases;
    uint64_t written;
} device_t;

static void record(device_t *d, tu_rng_t *rng, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        nara_err_t err;
        if (d->n_cases == 0 || (d->n_cases < MAX_CASES && tu_below(rng, 4) == 0)) {
            nara_case_open_params_t cp = {.region = d->region,
                                          .category = "sosial",
                                          .function = "fasilitasi",
                                          .title = "Banjir",
                                          .description = "Air naik di tiga kecamatan",
                                          .priority = "darurat"};
            err = nara_case_open(d->c->domain, &d->c->kp, &cp, pr_now_ms(), d->cases[d->n_cases]);
            if (err == NARA_OK)
                d->n_cases++;
        } else {
            err = nara_case_note(d->c->domain, &d->c->kp, d->cases[tu_below(rng, d->n_cases)], NULL,
                                 "pompa air dikirim", pr_now_ms(), NULL);
        }
        assert_int_equal(err, NARA_OK);
        d->written++;
    }
}

static bool one_shots_finished(void *arg)
{
    device_t *devs = arg;
    for (size_t i = 0; i < N_DEV; i++)
        if (!devs[i].c->live && !devs[i].c->finished)
            return false;
    return true;
}

typedef struct {
    unsigned rounds, sessions, sessions_ok, timeouts;
} tally_t;

/* One round: record, connect everyone through the proxy, wait for the
 * one-shot syncs, then close the live one. */
static void fault_round(int port, device_t *devs, tu_rng_t *rng, tally_t *t)
{
    static const size_t fragments[] = {0, 0, 0, 3, 61, 1000};
    for (size_t i = 0; i < N_WRITERS; i++)
        record(&devs[i], rng, tu_below(rng, MAX_NEW_EVENTS + 1));
    struct lws_context *ctx = wc_context();
    for (size_t i = 0; i < N_DEV; i++) {
        devs[i].c->fragment = fragments[tu_below(rng, sizeof fragments / sizeof fragments[0])];
        wc_connect(ctx, devs[i].c, port);
    }
    if (!wc_service_until(ctx, one_shots_finished, devs, ROUND_MS))
        t->timeouts++;
    for (size_t i = 0; i < N_DEV; i++)
        if (devs[i].c->live)
            wc_close(devs[i].c);
    for (size_t i = 0; i < N_DEV; i++)
        if (!wc_service_until(ctx, wc_is_finished, devs[i].c, 2000))
            t->timeouts++;
    wc_context_free(ctx);
    for (size_t i = 0; i < N_DEV; i++) {
        t->sessions++;
        t->sessions_ok += wc_session_ok(devs[i].c);
    }
    t->rounds++;
}

static void faults_lose_nothing_and_replicas_converge(void **state)
{
    (void)state;
    uint64_t seed = pr_env_u64("NARA_SEED", 0x66617573u);
    unsigned rounds = (unsigned)pr_env_u64("NARA_FAULT_ROUNDS", 60);
    fprintf(stderr, "seed %llu (NARA_SEED), %u rounds (NARA_FAULT_ROUNDS)\n",
            (unsigned long long)seed, rounds);
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);

    pr_province_t p;
    pr_province_make(&p, "faults");
    static const char *regions[N_DEV] = {"32.01", "32.02", "32.04", "32.05"};
    static const nara_role_t roles[N_DEV] = {NARA_ROLE_SECRETARIAT, NARA_ROLE_SECRETARIAT,
                                             NARA_ROLE_GOVERNOR, NARA_ROLE_AUDITOR};
    device_t devs[N_DEV];
    memset(devs, 0, sizeof devs);
    for (size_t i = 0; i < N_DEV; i++) {
        devs[i].c = wc_client_new(NULL, p.server.pk, p.root.pk);
        devs[i].region = regions[i];
        pr_enrol(&p, devs[i].c->kp.pk, roles[i], NULL);
    }
    devs[N_DEV - 1].c->live = true;

    /* Every device reaches narad through the proxy, so from one address: the
     * per-address rate limit (test_hostile's subject) would add refusals of
     * its own to the faults under test, and is off here. */
    static const char *const no_rate_limit[] = {"--conn-rate", "0", NULL};
    pr_narad_t n;
    pr_narad_start(&p, &n, no_rate_limit);
    fp_proxy_t fp;
    fp_start(&fp, n.port, seed ^ 0x70726f78u);
    fp.sh->cut_pct = 35;
    fp.sh->stall_pct = 25;
    fp.sh->split_pct = 35;
    fp.sh->max_stall_ms = 1500;
    fp.sh->faults_on = 1;

    tally_t t = {0};
    uint64_t t0 = pr_now_ms();
    for (unsigned k = 0; k < rounds; k++) {
        fault_round(fp.port, devs, &rng, &t);
        if (!pr_narad_alive(&n))
            fail_msg("narad died in round %u; see %s", k, p.log);
    }
    uint64_t t1 = pr_now_ms();

    /* The network heals: everything reaches everyone. */
    fp.sh->faults_on = 0;
    devs[N_DEV - 1].c->live = false;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < N_DEV; i++)
            if (!wc_sync(devs[i].c, fp.port, PR_DEADLINE_MS))
                fail_msg("device %zu could not sync once the faults stopped", i);
    assert_true(pr_narad_alive(&n));
    pr_narad_kill(&n);

    pr_ids_t acked = {0};
    uint64_t written = 0, dup_acks = 0, received = 0, added = 0;
    for (size_t i = 0; i < N_DEV; i++) {
        pr_ids_unique(&devs[i].c->acked);
        for (size_t k = 0; k < devs[i].c->acked.n; k++)
            pr_ids_add(&acked, devs[i].c->acked.v[k]);
        written += devs[i].written;
        dup_acks += devs[i].c->acked_duplicate;
        received += devs[i].c->received_total;
        added += devs[i].c->added_total;
    }
    pr_db_report_t r;
    pr_db_check(p.db, p.root.pk, &acked, &r);
    assert_int_equal(r.counts.events, N_DEV + written);
    assert_int_equal(r.counts.pending, 0);
    assert_int_equal(r.counts.forks, 0);
    assert_int_equal(r.counts.quarantined, 0);
    for (size_t i = 0; i < N_DEV; i++) {
        nara_store_counts_t k;
        uint8_t sd[NARA_HASH_BYTES], dd[NARA_HASH_BYTES];
        assert_int_equal(nara_store_counts(devs[i].c->store, &k), NARA_OK);
        assert_int_equal(k.events, r.counts.events);
        assert_int_equal(k.pending + k.forks + k.quarantined, 0);
        assert_int_equal(nara_store_digest(devs[i].c->store, sd), NARA_OK);
        assert_memory_equal(sd, r.store_digest, NARA_HASH_BYTES);
        assert_int_equal(nara_domain_digest(devs[i].c->domain, dd), NARA_OK);
        assert_memory_equal(dd, r.domain_digest, NARA_HASH_BYTES);
    }

    fprintf(stderr,
            "rounds %u in %.1f s: sessions %u (%u clean, %u cut or stalled past the round, %u "
            "round timeouts); proxy: %llu connections, %llu cut (%llu by RST, at offsets up to "
            "%llu B), %llu stalled, %llu split into %llu pieces, %llu B up, %llu B down; "
            "events written %llu, acknowledged %zu, re-sent and acknowledged as duplicates %llu, "
            "received by devices %llu of which already held %llu; replicas %d, all digests "
            "equal\n",
            t.rounds, (double)(t1 - t0) / 1000.0, t.sessions, t.sessions_ok,
            t.sessions - t.sessions_ok, t.timeouts, (unsigned long long)fp.sh->conns,
            (unsigned long long)fp.sh->cuts, (unsigned long long)fp.sh->cuts_rst,
            (unsigned long long)fp.sh->cut_at_max, (unsigned long long)fp.sh->stalls,
            (unsigned long long)fp.sh->split_conns, (unsigned long long)fp.sh->pieces,
            (unsigned long long)fp.sh->bytes_up, (unsigned long long)fp.sh->bytes_down,
            (unsigned long long)written, acked.n, (unsigned long long)dup_acks,
            (unsigned long long)received, (unsigned long long)(received - added), N_DEV + 1);
    fp_stop(&fp);
    pr_ids_free(&acked);
    for (size_t i = 0; i < N_DEV; i++)
        wc_client_free(devs[i].c);
    pr_province_remove(&p);
}

/* After a failed test: no process of ours outlives it. */
static int teardown(void **state)
{
    (void)state;
    pr_kill_all();
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(faults_lose_nothing_and_replicas_converge, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
