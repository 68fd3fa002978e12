/*
 * test_crash_server.c - narad killed with SIGKILL at random moments while
 * devices push, then restarted on the same database, over and over.
 *
 * Three devices (two regency offices and a live secretariat) record cases
 * and notes offline, then sync with narad through in-process clients that
 * know exactly which events narad acknowledged (tests/proc/wsclient.h).  In
 * each round narad is started, the devices connect and push, and narad is
 * killed at a random (seeded) moment: during its start (opening the store
 * and the domain), the handshake, a merge, an ACK, a live push, or idle.
 * After every kill, before the restart, the database must show that:
 *   - SQLite's integrity_check passes;
 *   - every event narad ever acknowledged is accepted;
 *   - the domain had nothing left to fold on opening (the fold commits
 *     with the merge), and its state equals a fresh fold of the log
 *     (nara_domain_digest before and after nara_domain_refold_all).
 * At the end every device syncs cleanly once more, narad holds exactly the
 * events the devices wrote, nothing pending, forked or quarantined, and the
 * secretariat (which reads everything) has the same events as narad.
 *
 * NARA_CRASH_KILLS (default 100) sets the number of kills, NARA_SEED the
 * seed (printed, so a failure can be replayed).  SIGKILL kills the process,
 * not the machine: the page cache survives, so this proves the commit and
 * acknowledgement order and SQLite recovery, not the disk's flush.
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

#include "proc/proc.h"
#include "proc/wsclient.h"
#include "testutil.h"

#define N_DEV 3
#define MAX_NEW_EVENTS 48 /* events a device records between two rounds */
#define KILL_WINDOW_MS                                                                             \
    160                     /* kill within this long after the devices connect, or 0-30 ms         \
                             * after the first batch went out (two rounds in three) */
#define STARTUP_KILLS_PCT 8 /* rounds killed while narad is still starting */
#define MAX_CASES 64

typedef struct {
    wc_client_t *c;
    const char *region; /* where it opens cases */
    uint8_t cases[MAX_CASES][NARA_ID_BYTES];
    size_t n_cases;
    uint64_t written; /* events it recorded */
} device_t;

typedef struct {
    unsigned kills, startup_kills;
    unsigned in_handshake, in_batch, idle; /* what the devices were doing at the kill */
    uint64_t acked_total;
    size_t max_events;
} tally_t;

/* Record `count` case events on d's replica: a case.open now and then, else
 * a note on one of its cases. */
static void record(device_t *d, tu_rng_t *rng, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        nara_err_t err;
        if (d->n_cases == 0 || (d->n_cases < MAX_CASES && tu_below(rng, 5) == 0)) {
            nara_case_open_params_t cp = {.region = d->region,
                                          .category = "pembangunan",
                                          .function = "koordinasi",
                                          .title = "Jembatan rusak",
                                          .description = "Akses dua desa terputus",
                                          .priority = "tinggi"};
            err = nara_case_open(d->c->domain, &d->c->kp, &cp, pr_now_ms(), d->cases[d->n_cases]);
            if (err == NARA_OK)
                d->n_cases++;
        } else {
            char text[64];
            snprintf(text, sizeof text, "catatan %llu", (unsigned long long)d->written);
            err = nara_case_note(d->c->domain, &d->c->kp, d->cases[tu_below(rng, d->n_cases)], NULL,
                                 text, pr_now_ms(), NULL);
        }
        assert_int_equal(err, NARA_OK);
        d->written++;
    }
}

/* Everything any device saw acknowledged, deduplicated in place. */
static void all_acked(device_t *devs, pr_ids_t *out)
{
    out->n = 0;
    for (size_t i = 0; i < N_DEV; i++) {
        pr_ids_unique(&devs[i].c->acked);
        for (size_t k = 0; k < devs[i].c->acked.n; k++)
            pr_ids_add(out, devs[i].c->acked.v[k]);
    }
}

/* What the devices were doing when narad died: some batch unacknowledged
 * (a merge or its ACK under way), else some still authenticating, else
 * idle or live. */
static void note_moment(device_t *devs, tally_t *t)
{
    bool handshake = false, batch = false;
    for (size_t i = 0; i < N_DEV; i++) {
        nara_session_t *s = devs[i].c->session;
        nara_session_state_t st = nara_session_state(s);
        handshake |= !devs[i].c->finished && (st == NARA_SESSION_NEW || st == NARA_SESSION_AUTH);
        batch |= wc_in_flight(devs[i].c) > 0;
    }
    if (batch)
        t->in_batch++;
    else if (handshake)
        t->in_handshake++;
    else
        t->idle++;
}

/* Has some device a batch on the way (sent, not yet acknowledged)? */
static bool batch_out(void *arg)
{
    device_t *devs = arg;
    for (size_t i = 0; i < N_DEV; i++)
        if (wc_in_flight(devs[i].c) > 0)
            return true;
    return false;
}

/* One round: start narad, let the devices push, kill narad at a random
 * moment, and check the database it left. */
static void crash_round(const pr_province_t *p, device_t *devs, tu_rng_t *rng, tally_t *t)
{
    wc_client_t *clients[N_DEV + 1] = {0};
    for (size_t i = 0; i < N_DEV; i++) {
        record(&devs[i], rng, tu_below(rng, MAX_NEW_EVENTS + 1));
        clients[i] = devs[i].c;
    }
    pr_narad_t n;
    pr_narad_spawn(p, &n, NULL);
    if (tu_below(rng, 100) < STARTUP_KILLS_PCT) {
        pr_sleep_ms((unsigned)tu_below(rng, 40));
        t->startup_kills++;
    } else {
        if (!pr_narad_wait_port(p, &n, PR_DEADLINE_MS)) {
            pr_log_print(p, NULL, 20);
            fail_msg("narad did not restart after kill %u", t->kills);
        }
        struct lws_context *ctx = wc_context();
        for (size_t i = 0; i < N_DEV; i++)
            wc_connect(ctx, devs[i].c, n.port);
        /* Two in three kills aim at a merge: a few ms after the first batch
         * went out; the others anywhere in the window. */
        if (tu_below(rng, 3) != 0)
            wc_service_until(ctx, batch_out, devs, KILL_WINDOW_MS);
        uint64_t kill_at = pr_now_ms() + tu_below(rng, tu_below(rng, 3) ? 30 : KILL_WINDOW_MS);
        while (pr_now_ms() < kill_at)
            lws_service(ctx, 0);
        pr_narad_kill(&n);
        note_moment(devs, t);
        /* the devices see the connection die */
        assert_true(wc_service_until(ctx, wc_all_finished, clients, PR_DEADLINE_MS));
        wc_context_free(ctx);
    }
    pr_narad_kill(&n);
    t->kills++;

    pr_ids_t acked = {0};
    all_acked(devs, &acked);
    pr_db_report_t r;
    pr_db_check(p->db, p->root.pk, &acked, &r);
    assert_int_equal(r.indexed_at_open, 0); /* the fold was committed with the merge */
    t->acked_total = acked.n;
    if (r.counts.events > t->max_events)
        t->max_events = (size_t)r.counts.events;
    pr_ids_free(&acked);
}

static void sigkill_at_random_moments_loses_nothing_acknowledged(void **state)
{
    (void)state;
    uint64_t seed = pr_env_u64("NARA_SEED", 0x6e617261u);
    unsigned kills = (unsigned)pr_env_u64("NARA_CRASH_KILLS", 100);
    fprintf(stderr, "seed %llu (NARA_SEED), %u kills (NARA_CRASH_KILLS)\n",
            (unsigned long long)seed, kills);
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);

    pr_province_t p;
    pr_province_make(&p, "crash");
    static const char *regions[N_DEV] = {"32.01", "32.02", "32.73"};
    device_t devs[N_DEV];
    memset(devs, 0, sizeof devs);
    for (size_t i = 0; i < N_DEV; i++) {
        devs[i].c = wc_client_new(NULL, p.server.pk, p.root.pk);
        devs[i].region = regions[i];
    }
    pr_enrol(&p, devs[0].c->kp.pk, NARA_ROLE_REGENCY, regions[0]);
    pr_enrol(&p, devs[1].c->kp.pk, NARA_ROLE_REGENCY, regions[1]);
    pr_enrol(&p, devs[2].c->kp.pk, NARA_ROLE_SECRETARIAT, NULL);
    devs[2].c->live = true; /* stays connected: receives every live push */

    tally_t t = {0};
    uint64_t t0 = pr_now_ms();
    for (unsigned k = 0; k < kills; k++)
        crash_round(&p, devs, &rng, &t);
    uint64_t t1 = pr_now_ms();

    /* Clean syncs: everything recorded reaches narad, and back. */
    pr_narad_t n;
    pr_narad_start(&p, &n, NULL);
    devs[2].c->live = false;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < N_DEV; i++)
            if (!wc_sync(devs[i].c, n.port, PR_DEADLINE_MS))
                fail_msg("device %zu could not sync after the kills", i);
    assert_int_equal(pr_narad_stop(&n), 0);

    pr_ids_t acked = {0};
    all_acked(devs, &acked);
    pr_db_report_t r;
    pr_db_check(p.db, p.root.pk, &acked, &r);
    uint64_t written = 0;
    for (size_t i = 0; i < N_DEV; i++)
        written += devs[i].written;
    assert_int_equal(r.counts.events, N_DEV + written); /* the enrolments, and every event */
    assert_int_equal(r.counts.pending, 0);
    assert_int_equal(r.counts.forks, 0);
    assert_int_equal(r.counts.quarantined, 0);

    nara_store_t *s;
    uint8_t server_digest[NARA_HASH_BYTES], sec_digest[NARA_HASH_BYTES];
    assert_int_equal(nara_store_open(p.db, &s), NARA_OK);
    assert_int_equal(nara_store_digest(s, server_digest), NARA_OK);
    nara_store_close(s);
    assert_int_equal(nara_store_digest(devs[2].c->store, sec_digest), NARA_OK);
    assert_memory_equal(server_digest, sec_digest, NARA_HASH_BYTES);

    fprintf(stderr,
            "kills %u (%u while narad started; with devices connected: %u with a batch "
            "unacknowledged, %u in a handshake, %u idle or live) in %.1f s; "
            "events recorded %llu, acknowledged %zu, server events at most %zu during the "
            "kills; restart checks passed %u/%u\n",
            t.kills, t.startup_kills, t.in_batch, t.in_handshake, t.idle,
            (double)(t1 - t0) / 1000.0, (unsigned long long)written, acked.n, t.max_events, t.kills,
            t.kills);
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
        cmocka_unit_test_teardown(sigkill_at_random_moments_loses_nothing_acknowledged, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
