/*
 * test_domain.c - the fold: case life and status transitions, each
 * concurrent-edit rule of docs/events.md section 6 in both arrival orders,
 * local re-folds, quarantine of malformed and misplaced events, the 24-hour
 * report, and catch-up when a domain is opened over an existing store.
 *
 * World: replica a holds the enrolments (root, admin, admin2, secretariat,
 * two LOs and a regency office for 32.01) and is synced to b before each
 * test; c and d receive a's and b's concurrent writes in opposite orders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"
#include "test_domain_util.h"

typedef struct {
    nara_keypair_t root, admin, admin2, sekda, lo, lo2, regency;
    td_replica_t a, b, c, d;
} world_t;

#define START (TD_T0 - 24 * TD_HOUR)

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    tu_keypair(1, &w->root);
    tu_keypair(2, &w->admin);
    tu_keypair(3, &w->admin2);
    tu_keypair(4, &w->sekda);
    tu_keypair(5, &w->lo);
    tu_keypair(6, &w->lo2);
    tu_keypair(7, &w->regency);
    td_open(&w->a, &w->root);
    td_open(&w->b, &w->root);
    td_open(&w->c, &w->root);
    td_open(&w->d, &w->root);
    w->a.wall = START;
    td_enroll(&w->a, &w->root, &w->admin, NARA_ROLE_ADMIN, "*", NULL);
    td_enroll(&w->a, &w->root, &w->admin2, NARA_ROLE_ADMIN, "*", NULL);
    td_enroll(&w->a, &w->admin, &w->sekda, NARA_ROLE_SECRETARIAT, "*", NULL);
    td_enroll(&w->a, &w->admin, &w->lo, NARA_ROLE_LO, "32.01", NULL);
    td_enroll(&w->a, &w->admin, &w->regency, NARA_ROLE_REGENCY, "32.01", NULL);
    w->b.wall = w->c.wall = w->d.wall = w->a.wall;
    td_sync(&w->a, &w->b);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    td_close(&w->a);
    td_close(&w->b);
    td_close(&w->c);
    td_close(&w->d);
    free(w);
    return 0;
}

/* The next write on r happens at wall time t. */
static void at(td_replica_t *r, uint64_t t)
{
    r->wall = t - 1000;
}

static void sync_both(world_t *w)
{
    td_sync(&w->a, &w->b);
    td_sync(&w->b, &w->a);
}

/* c gets a's writes then b's; d gets b's then a's.  Their states must be
 * equal, and equal to a full re-fold. */
static void merge_both_orders(world_t *w)
{
    uint8_t dc[32], dd[32];
    td_sync(&w->a, &w->c);
    td_sync(&w->b, &w->c);
    td_sync(&w->b, &w->d);
    td_sync(&w->a, &w->d);
    td_digest(&w->c, dc);
    td_digest(&w->d, dd);
    assert_memory_equal(dc, dd, 32);
    td_check_refold(&w->c);
}

static nara_seen_t seen1(const uint8_t id[32])
{
    nara_seen_t s = {(const uint8_t(*)[32])id, 1};
    return s;
}

#define OK(expr) assert_int_equal((expr), NARA_OK)

/* ---- case life ----------------------------------------------------------------- */

typedef struct {
    nara_case_t c;
    char escalated_to[16];
} case_copy_t;

static int copy_case(void *ctx, const nara_case_t *c)
{
    case_copy_t *out = ctx;
    out->c = *c;
    snprintf(out->escalated_to, sizeof out->escalated_to, "%s", c->escalated_to);
    return 0;
}

static void test_case_life_open_ack_note_escalate_resolve_close(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], ack[32];
    case_copy_t got;
    td_case_open(a, &w->regency, "32.01", c);
    assert_int_equal(td_status(a, c), NARA_CASE_OPEN);
    OK(nara_case_ack(a->d, &w->lo, c, NULL, td_tick(a), ack));
    assert_int_equal(td_status(a, c), NARA_CASE_ACKNOWLEDGED);
    OK(nara_case_note(a->d, &w->lo, c, NULL, "Sudah koordinasi dengan PUPR", td_tick(a), NULL));
    OK(nara_case_escalate(a->d, &w->lo, c, NULL, "sekda", "Butuh anggaran", td_tick(a), NULL));
    assert_int_equal(td_status(a, c), NARA_CASE_ESCALATED);
    OK(nara_case_resolve(a->d, &w->sekda, c, NULL, "Anggaran dialokasikan", td_tick(a), NULL));
    assert_int_equal(td_status(a, c), NARA_CASE_RESOLVED);
    OK(nara_case_close(a->d, &w->regency, c, NULL, td_tick(a), NULL));
    OK(nara_domain_case(a->d, c, copy_case, &got));
    assert_int_equal(got.c.status, NARA_CASE_CLOSED);
    assert_true(got.c.acked);
    assert_memory_equal(got.c.ack_by, w->lo.pk, 32);
    assert_string_equal(got.escalated_to, "sekda");
    assert_true(got.c.resolved > got.c.ack && got.c.closed > got.c.resolved);
    assert_int_equal(td_flags(a, c, ack), NARA_TL_APPLIED);
    assert_int_equal(td_count_quarantine(a), 0);
}

static int count_timeline(void *ctx, const nara_timeline_entry_t *e)
{
    (void)e;
    ++*(size_t *)ctx;
    return 0;
}

static void test_invalid_transition_is_kept_on_timeline_as_no_effect(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], res[32];
    size_t n = 0;
    td_case_open(a, &w->regency, "32.01", c);
    OK(nara_case_close(a->d, &w->regency, c, NULL, td_tick(a), NULL));
    OK(nara_case_resolve(a->d, &w->regency, c, NULL, "late", td_tick(a), res));
    assert_int_equal(td_status(a, c), NARA_CASE_CLOSED);
    assert_int_equal(td_flags(a, c, res), NARA_TL_NO_EFFECT);
    OK(nara_domain_timeline(a->d, c, count_timeline, &n));
    assert_int_equal(n, 3);
}

typedef struct {
    size_t n, stop_after;
    char text[4][96];
    nara_kind_t kind[4];
    uint8_t author[4][32];
} timeline_t;

static int collect_timeline(void *ctx, const nara_timeline_entry_t *e)
{
    timeline_t *t = ctx;
    if (t->n < 4) {
        snprintf(t->text[t->n], sizeof t->text[t->n], "%s", e->text);
        t->kind[t->n] = e->kind;
        memcpy(t->author[t->n], e->author, 32);
    }
    return ++t->n == t->stop_after;
}

/* The timeline shows each effective event's kind, author and text, the
 * opening first, and stops when the callback asks. */
static void test_timeline_entries_carry_kind_author_and_text(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32];
    timeline_t t;
    td_case_open(a, &w->regency, "32.01", c);
    OK(nara_case_ack(a->d, &w->lo, c, NULL, td_tick(a), NULL));
    OK(nara_case_action(a->d, &w->lo, c, NULL, "Rapat", "Dinas PUPR", "2026-12-01", td_tick(a),
                        NULL));
    OK(nara_case_escalate(a->d, &w->lo, c, NULL, "sekda", "lintas OPD", td_tick(a), NULL));
    memset(&t, 0, sizeof t);
    OK(nara_domain_timeline(a->d, c, collect_timeline, &t));
    assert_int_equal(t.n, 4);
    assert_int_equal(t.kind[0], NARA_KIND_CASE_OPEN);
    assert_string_equal(t.text[0], "Jalan rusak");
    assert_memory_equal(t.author[0], w->regency.pk, 32);
    assert_int_equal(t.kind[1], NARA_KIND_CASE_ACK);
    assert_string_equal(t.text[1], "");
    assert_memory_equal(t.author[1], w->lo.pk, 32);
    assert_string_equal(t.text[2], "Rapat (Dinas PUPR, 2026-12-01)");
    assert_string_equal(t.text[3], "sekda: lintas OPD");
    memset(&t, 0, sizeof t);
    t.stop_after = 2;
    OK(nara_domain_timeline(a->d, c, collect_timeline, &t));
    assert_int_equal(t.n, 2);
    memset(&t, 0, sizeof t);
    OK(nara_domain_timeline(a->d, w->lo.pk, collect_timeline, &t)); /* no such case */
    assert_int_equal(t.n, 0);
}

static void test_escalating_an_unacknowledged_case_has_no_effect(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], esc[32];
    td_case_open(a, &w->regency, "32.01", c);
    OK(nara_case_escalate(a->d, &w->regency, c, NULL, "gubernur", "x", td_tick(a), esc));
    assert_int_equal(td_status(a, c), NARA_CASE_OPEN);
    assert_int_equal(td_flags(a, c, esc), NARA_TL_NO_EFFECT);
}

static void test_reopen_clears_resolution_and_acts_as_acknowledged(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], esc[32];
    case_copy_t got;
    td_case_open(a, &w->regency, "32.01", c);
    OK(nara_case_resolve(a->d, &w->regency, c, NULL, "done", td_tick(a), NULL));
    OK(nara_case_reopen(a->d, &w->regency, c, NULL, "not done", td_tick(a), NULL));
    OK(nara_domain_case(a->d, c, copy_case, &got));
    assert_int_equal(got.c.status, NARA_CASE_REOPENED);
    assert_int_equal(got.c.resolved, 0);
    OK(nara_case_escalate(a->d, &w->regency, c, NULL, "sekda", "again", td_tick(a), esc));
    assert_int_equal(td_status(a, c), NARA_CASE_ESCALATED);
}

static void test_ack_after_resolve_records_the_time_once(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], ack1[32], ack2[32];
    case_copy_t got;
    td_case_open(a, &w->regency, "32.01", c);
    OK(nara_case_resolve(a->d, &w->regency, c, NULL, "fixed locally", td_tick(a), NULL));
    OK(nara_case_ack(a->d, &w->lo, c, NULL, td_tick(a), ack1));
    OK(nara_case_ack(a->d, &w->lo, c, NULL, td_tick(a), ack2));
    OK(nara_domain_case(a->d, c, copy_case, &got));
    assert_int_equal(got.c.status, NARA_CASE_RESOLVED);
    assert_true(got.c.acked);
    assert_int_equal(td_flags(a, c, ack1), NARA_TL_APPLIED);
    assert_int_equal(td_flags(a, c, ack2), NARA_TL_NO_EFFECT);
}

static void test_regency_may_not_acknowledge(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], ack[32];
    td_case_open(a, &w->regency, "32.01", c);
    OK(nara_case_ack(a->d, &w->regency, c, NULL, td_tick(a), ack));
    assert_int_equal(td_rule(a, ack), NARA_RULE_ROLE);
    assert_int_equal(td_status(a, c), NARA_CASE_OPEN);
    assert_int_equal(td_flags(a, c, ack), -1);
}

/* ---- section 6: concurrent edits ---------------------------------------------- */

typedef struct {
    uint8_t id[32];
    char officer[32];
} lo_copy_t;

static int copy_lo(void *ctx, const nara_lo_t *lo)
{
    lo_copy_t *out = ctx;
    memcpy(out->id, lo->assignment, 32);
    snprintf(out->officer, sizeof out->officer, "%s", lo->officer);
    return 0;
}

static void test_concurrent_lo_assign_later_effective_wins_with_conflict(void **state)
{
    world_t *w = *state;
    uint8_t x[32], y[32];
    lo_copy_t lo_c, lo_d;
    at(&w->a, TD_T0 + 10 * 1000); /* earlier clock, later effective date: wins */
    td_assign(&w->a, &w->admin, "32.01", "Dr. Asep", "Dinas Kesehatan", "2026-02-01", x);
    at(&w->b, TD_T0 + 20 * 1000);
    td_assign(&w->b, &w->admin2, "32.01", "Ir. Budi", "Dinas PUPR", "2026-01-15", y);
    merge_both_orders(w);
    OK(nara_domain_lo(w->c.d, "32.01", copy_lo, &lo_c));
    OK(nara_domain_lo(w->d.d, "32.01", copy_lo, &lo_d));
    assert_memory_equal(lo_c.id, x, 32);
    assert_memory_equal(lo_d.id, x, 32);
    assert_string_equal(lo_c.officer, "Dr. Asep");
    assert_int_equal(td_count_conflicts(&w->c, "lo-assign"), 1);
    assert_int_equal(td_count_conflicts(&w->d, "lo-assign"), 1);
}

static void test_concurrent_lo_assign_same_effective_later_clock_wins(void **state)
{
    world_t *w = *state;
    uint8_t x[32], y[32];
    lo_copy_t lo;
    at(&w->a, TD_T0 + 10 * 1000);
    td_assign(&w->a, &w->admin, "32.01", "Dr. Asep", "Dinas Kesehatan", "2026-02-01", x);
    at(&w->b, TD_T0 + 20 * 1000);
    td_assign(&w->b, &w->admin2, "32.01", "Ir. Budi", "Dinas PUPR", "2026-02-01", y);
    merge_both_orders(w);
    OK(nara_domain_lo(w->d.d, "32.01", copy_lo, &lo));
    assert_memory_equal(lo.id, y, 32);
}

typedef struct {
    size_t open, resolved;
    uint8_t a[32], b[32];
} conflicts_t;

static int count_lo_conflicts(void *ctx, const nara_conflict_t *c)
{
    conflicts_t *n = ctx;
    if (c->resolved)
        n->resolved++;
    else
        n->open++;
    memcpy(n->a, c->a, 32);
    memcpy(n->b, c->b, 32);
    return 0;
}

static void test_replacing_the_winner_settles_the_lo_conflict(void **state)
{
    world_t *w = *state;
    uint8_t x[32], y[32], z[32];
    conflicts_t n = {0};
    lo_copy_t lo;
    td_assign(&w->a, &w->admin, "32.01", "Dr. Asep", "Dinas Kesehatan", "2026-02-01", x);
    td_assign(&w->b, &w->admin2, "32.01", "Ir. Budi", "Dinas PUPR", "2026-01-01", y);
    sync_both(w);
    OK(nara_domain_conflicts(w->a.d, count_lo_conflicts, &n));
    assert_int_equal(n.open, 1);
    assert_memory_equal(n.a, x, 32); /* winner first, loser second */
    assert_memory_equal(n.b, y, 32);
    td_assign(&w->a, &w->admin, "32.01", "Drs. Cecep", "Bappeda", "2026-03-01", z);
    memset(&n, 0, sizeof n);
    OK(nara_domain_conflicts(w->a.d, count_lo_conflicts, &n));
    assert_int_equal(n.open, 0);
    assert_int_equal(n.resolved, 1);
    OK(nara_domain_lo(w->a.d, "32.01", copy_lo, &lo));
    assert_memory_equal(lo.id, z, 32);
    td_check_refold(&w->a);
}

/* A case resolved on a and known to b. */
static void resolved_case(world_t *w, uint8_t c[32], uint8_t res[32])
{
    td_case_open(&w->a, &w->regency, "32.01", c);
    OK(nara_case_resolve(w->a.d, &w->lo, c, NULL, "done", td_tick(&w->a), res));
    sync_both(w);
}

static void close_reopen_race(world_t *w, uint64_t close_at, uint64_t reopen_at)
{
    uint8_t c[32], res[32], cl[32], re[32];
    resolved_case(w, c, res);
    at(&w->a, close_at);
    OK(nara_case_close(w->a.d, &w->regency, c, NULL, td_tick(&w->a), cl));
    at(&w->b, reopen_at);
    OK(nara_case_reopen(w->b.d, &w->lo, c, NULL, "belum selesai", td_tick(&w->b), re));
    merge_both_orders(w);
    assert_int_equal(td_status(&w->c, c), NARA_CASE_REOPENED);
    assert_int_equal(td_status(&w->d, c), NARA_CASE_REOPENED);
    assert_int_equal(td_count_conflicts(&w->c, "close-reopen"), 1);
    assert_true(td_flags(&w->c, c, cl) & NARA_TL_CONFLICT);
    assert_true(td_flags(&w->c, c, re) & NARA_TL_CONFLICT);
}

static void test_reopen_beats_a_concurrent_later_close(void **state)
{
    world_t *w = *state;
    close_reopen_race(w, TD_T0 + 3 * TD_HOUR, TD_T0 + 2 * TD_HOUR);
}

static void test_reopen_beats_a_concurrent_earlier_close(void **state)
{
    world_t *w = *state;
    close_reopen_race(w, TD_T0 + 2 * TD_HOUR, TD_T0 + 3 * TD_HOUR);
}

static void test_close_after_seeing_the_reopen_closes(void **state)
{
    world_t *w = *state;
    uint8_t c[32], res[32], cl[32], re[32], cl2[32];
    resolved_case(w, c, res);
    OK(nara_case_close(w->a.d, &w->regency, c, NULL, td_tick(&w->a), cl));
    OK(nara_case_reopen(w->b.d, &w->lo, c, NULL, "belum", td_tick(&w->b), re));
    sync_both(w);
    /* the regency has now seen both branches: its seen names both heads */
    OK(nara_case_close(w->a.d, &w->regency, c, NULL, td_tick(&w->a), cl2));
    assert_int_equal(td_status(&w->a, c), NARA_CASE_CLOSED);
    assert_int_equal(td_flags(&w->a, c, cl2), NARA_TL_APPLIED);
    td_check_refold(&w->a);
}

static void test_note_concurrent_with_resolve_is_kept_and_flagged(void **state)
{
    world_t *w = *state;
    uint8_t c[32], note[32], res[32];
    td_case_open(&w->a, &w->regency, "32.01", c);
    OK(nara_case_ack(w->a.d, &w->lo, c, NULL, td_tick(&w->a), NULL));
    sync_both(w);
    OK(nara_case_resolve(w->a.d, &w->lo, c, NULL, "selesai", td_tick(&w->a), res));
    OK(nara_case_note(w->b.d, &w->regency, c, NULL, "Masih ada kendala", td_tick(&w->b), note));
    merge_both_orders(w);
    assert_int_equal(td_status(&w->c, c), NARA_CASE_RESOLVED);
    assert_int_equal(td_status(&w->d, c), NARA_CASE_RESOLVED);
    assert_int_equal(td_flags(&w->c, c, note), NARA_TL_APPLIED | NARA_TL_CONFLICT);
    assert_int_equal(td_count_conflicts(&w->c, "note-after-resolve"), 1);
}

static void test_note_after_seeing_the_resolve_is_no_conflict(void **state)
{
    world_t *w = *state;
    uint8_t c[32], note[32];
    td_case_open(&w->a, &w->regency, "32.01", c);
    OK(nara_case_resolve(w->a.d, &w->lo, c, NULL, "selesai", td_tick(&w->a), NULL));
    OK(nara_case_note(w->a.d, &w->regency, c, NULL, "Terima kasih", td_tick(&w->a), note));
    assert_int_equal(td_flags(&w->a, c, note), NARA_TL_APPLIED);
    assert_int_equal(td_count_conflicts(&w->a, NULL), 0);
}

static void test_explicit_seen_of_only_the_opening_makes_a_note_concurrent(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], note[32];
    td_case_open(a, &w->regency, "32.01", c);
    OK(nara_case_resolve(a->d, &w->lo, c, NULL, "selesai", td_tick(a), NULL));
    nara_seen_t only_open = seen1(c); /* its author had seen the opening only */
    OK(nara_case_note(a->d, &w->regency, c, &only_open, "lama", td_tick(a), note));
    assert_int_equal(td_flags(a, c, note), NARA_TL_APPLIED | NARA_TL_CONFLICT);
    assert_int_equal(td_count_conflicts(a, "note-after-resolve"), 1);
}

static void test_event_of_device_revoked_concurrently_counts_only_before(void **state)
{
    world_t *w = *state;
    uint8_t c[32], before[32], after[32];
    td_case_open(&w->a, &w->regency, "32.01", c);
    sync_both(w);
    at(&w->b, TD_T0 + 1 * TD_HOUR);
    OK(nara_case_note(w->b.d, &w->lo, c, NULL, "sebelum", td_tick(&w->b), before));
    at(&w->a, TD_T0 + 2 * TD_HOUR);
    td_revoke(&w->a, &w->admin, &w->lo, NULL);
    at(&w->b, TD_T0 + 3 * TD_HOUR);
    OK(nara_case_note(w->b.d, &w->lo, c, NULL, "sesudah", td_tick(&w->b), after));
    merge_both_orders(w);
    assert_int_equal(td_flags(&w->c, c, before), NARA_TL_APPLIED);
    assert_int_equal(td_rule(&w->c, after), NARA_RULE_REVOKED);
    assert_int_equal(td_rule(&w->d, after), NARA_RULE_REVOKED);
}

static void test_concurrent_resolves_apply_in_order_second_no_effect(void **state)
{
    world_t *w = *state;
    uint8_t c[32], r1[32], r2[32];
    td_case_open(&w->a, &w->regency, "32.01", c);
    sync_both(w);
    at(&w->a, TD_T0 + 1 * TD_HOUR);
    OK(nara_case_resolve(w->a.d, &w->lo, c, NULL, "satu", td_tick(&w->a), r1));
    at(&w->b, TD_T0 + 2 * TD_HOUR);
    OK(nara_case_resolve(w->b.d, &w->sekda, c, NULL, "dua", td_tick(&w->b), r2));
    merge_both_orders(w);
    assert_int_equal(td_flags(&w->c, c, r1), NARA_TL_APPLIED);
    assert_int_equal(td_flags(&w->c, c, r2), NARA_TL_NO_EFFECT);
    assert_int_equal(td_flags(&w->d, c, r2), NARA_TL_NO_EFFECT);
    assert_int_equal(td_status(&w->d, c), NARA_CASE_RESOLVED);
}

/* ---- local re-folds ------------------------------------------------------------ */

static void test_late_event_refolds_only_its_case(void **state)
{
    world_t *w = *state;
    uint8_t c1[32], c2[32], c3[32];
    nara_domain_stats_t s0, s1;
    td_case_open(&w->a, &w->regency, "32.01", c1);
    td_case_open(&w->a, &w->regency, "32.01", c2);
    td_case_open(&w->a, &w->regency, "32.01", c3);
    sync_both(w);
    at(&w->b, w->a.wall - 10 * 1000); /* b's clock is behind: the note sorts early */
    OK(nara_case_note(w->b.d, &w->lo, c2, NULL, "terlambat", td_tick(&w->b), NULL));
    nara_domain_stats(w->a.d, &s0);
    td_sync(&w->b, &w->a);
    nara_domain_stats(w->a.d, &s1);
    assert_int_equal(s1.cases_refolded - s0.cases_refolded, 1);
    assert_int_equal(s1.regions_refolded - s0.regions_refolded, 0);
    assert_int_equal(s1.device_rebuilds - s0.device_rebuilds, 0);
    td_check_refold(&w->a);
}

static void test_late_enrolment_refolds_only_cases_its_device_wrote(void **state)
{
    world_t *w = *state;
    uint8_t c1[32], c2[32], c3[32], note[32];
    nara_domain_stats_t s0, s1;
    at(&w->b, TD_T0); /* the enrolment is written first, on b */
    td_enroll(&w->b, &w->admin, &w->lo2, NARA_ROLE_LO, "32.01", NULL);
    at(&w->a, TD_T0 + TD_HOUR);
    td_case_open(&w->a, &w->regency, "32.01", c1);
    td_case_open(&w->a, &w->regency, "32.01", c2);
    td_case_open(&w->a, &w->regency, "32.01", c3);
    OK(nara_case_note(w->a.d, &w->lo2, c2, NULL, "catatan", td_tick(&w->a), note));
    assert_int_equal(td_rule(&w->a, note), NARA_RULE_UNKNOWN_DEVICE);
    nara_domain_stats(w->a.d, &s0);
    td_sync(&w->b, &w->a);
    nara_domain_stats(w->a.d, &s1);
    assert_int_equal(td_rule(&w->a, note), -1);
    assert_int_equal(td_flags(&w->a, c2, note), NARA_TL_APPLIED);
    assert_int_equal(s1.device_rebuilds - s0.device_rebuilds, 1);
    assert_int_equal(s1.cases_refolded - s0.cases_refolded, 1);
    td_check_refold(&w->a);
}

/* ---- quarantine ------------------------------------------------------------------ */

static void test_malformed_bodies_are_quarantined_and_neighbours_applied(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], no_text[32], bad_to[32], bad_cat[32], bad_region[32], note[32], unk[32];
    nara_field_t f[8];
    td_case_open(a, &w->regency, "32.01", c);
    f[0] = (nara_field_t){.key = "case", .type = NARA_FIELD_BIN32, .bin = c};
    f[1] = (nara_field_t){.key = "seen", .type = NARA_FIELD_BIN32, .bin = c};
    td_append_raw(a, &w->lo, "32.01", "case.note", f, 2, no_text); /* text missing */
    f[2] = (nara_field_t){.key = "to", .type = NARA_FIELD_STR, .str = "bupati"};
    f[3] = (nara_field_t){.key = "reason", .type = NARA_FIELD_STR, .str = "x"};
    td_append_raw(a, &w->lo, "32.01", "case.escalate", f, 4, bad_to);
    OK(nara_case_note(a->d, &w->lo, c, NULL, "valid", td_tick(a), note));
    nara_case_open_params_t p = {"32.01", "olahraga", "koordinasi", "t", "d", "sedang"};
    OK(nara_case_open(a->d, &w->regency, &p, td_tick(a), bad_cat));
    td_assign(a, &w->admin, "99.01", "X", "Y", "2026-01-01", bad_region);
    f[0] = (nara_field_t){.key = "x", .type = NARA_FIELD_UINT, .u = 1};
    td_append_raw(a, &w->lo, "32.01", "case.frobnicate", f, 1, unk);
    assert_int_equal(td_rule(a, no_text), NARA_RULE_MALFORMED);
    assert_int_equal(td_rule(a, bad_to), NARA_RULE_MALFORMED);
    assert_int_equal(td_rule(a, bad_cat), NARA_RULE_MALFORMED);
    assert_int_equal(td_rule(a, bad_region), NARA_RULE_MALFORMED);
    assert_int_equal(td_rule(a, unk), NARA_RULE_UNKNOWN_KIND);
    assert_int_equal(td_flags(a, c, note), NARA_TL_APPLIED);
    assert_int_equal(td_status(a, c), NARA_CASE_OPEN);
    assert_int_equal(td_count_quarantine(a), 5);
    td_check_refold(a);
}

static void test_unknown_fields_are_ignored(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], note[32];
    nara_field_t f[4];
    td_case_open(a, &w->regency, "32.01", c);
    f[0] = (nara_field_t){.key = "case", .type = NARA_FIELD_BIN32, .bin = c};
    f[1] = (nara_field_t){.key = "seen", .type = NARA_FIELD_BIN32, .bin = c};
    f[2] = (nara_field_t){.key = "text", .type = NARA_FIELD_STR, .str = "ok"};
    f[3] = (nara_field_t){.key = "zz_future", .type = NARA_FIELD_UINT, .u = 7};
    td_append_raw(a, &w->lo, "32.01", "case.note", f, 4, note);
    assert_int_equal(td_flags(a, c, note), NARA_TL_APPLIED);
}

static void test_kinds_in_the_wrong_stream_are_quarantined(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], in_province[32], other_region[32], decree_in_region[32];
    nara_field_t f[3];
    td_case_open(a, &w->regency, "32.01", c);
    f[0] = (nara_field_t){.key = "case", .type = NARA_FIELD_BIN32, .bin = c};
    f[1] = (nara_field_t){.key = "seen", .type = NARA_FIELD_BIN32, .bin = c};
    f[2] = (nara_field_t){.key = "text", .type = NARA_FIELD_STR, .str = "x"};
    td_append_raw(a, &w->sekda, "province", "case.note", f, 3, in_province);
    td_append_raw(a, &w->sekda, "32.02", "case.note", f, 3, other_region);
    f[0] = (nara_field_t){.key = "number", .type = NARA_FIELD_STR, .str = "1"};
    td_append_raw(a, &w->admin, "32.01", "decree", f, 1, decree_in_region);
    assert_int_equal(td_rule(a, in_province), NARA_RULE_WRONG_STREAM);
    assert_int_equal(td_rule(a, other_region), NARA_RULE_WRONG_STREAM);
    assert_int_equal(td_rule(a, decree_in_region), NARA_RULE_WRONG_STREAM);
}

/* Every event b holds except those of one author. */
static bool not_author(void *ctx, const uint8_t author[32], const char *stream)
{
    (void)stream;
    return memcmp(ctx, author, 32) != 0;
}

static void test_case_event_before_its_opening_is_held_then_applied(void **state)
{
    world_t *w = *state;
    uint8_t c[32], note[32];
    nara_iter_t *it;
    nara_bytes_t ev;
    bool has;
    td_case_open(&w->a, &w->regency, "32.01", c);
    td_sync(&w->a, &w->b);
    OK(nara_case_note(w->b.d, &w->lo, c, NULL, "cepat", td_tick(&w->b), note));
    OK(nara_store_iter_missing(w->b.s, NULL, not_author, w->regency.pk, &it));
    tu_list_t l = {0};
    while (nara_iter_next(it, &ev, &has) == NARA_OK && has)
        tu_list_push(&l, ev.bytes, ev.len);
    nara_iter_free(it);
    tu_merge(w->c.s, &l, NULL);
    tu_list_free(&l);
    assert_int_equal(td_rule(&w->c, note), NARA_RULE_UNKNOWN_CASE);
    td_sync(&w->a, &w->c);
    assert_int_equal(td_rule(&w->c, note), -1);
    assert_int_equal(td_flags(&w->c, c, note), NARA_TL_APPLIED);
}

static void test_events_of_a_refused_opening_are_unknown_case(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32], note[32];
    td_case_open(a, &w->sekda, "32.01", c); /* the secretariat may not open cases */
    OK(nara_case_note(a->d, &w->lo, c, NULL, "x", td_tick(a), note));
    assert_int_equal(td_rule(a, c), NARA_RULE_ROLE);
    assert_int_equal(td_rule(a, note), NARA_RULE_UNKNOWN_CASE);
    assert_int_equal(td_status(a, c), -1);
}

/* ---- LO history, decrees -------------------------------------------------------- */

static int lo_flags(void *ctx, const nara_lo_entry_t *e)
{
    unsigned *out = ctx;
    out[e->kind == NARA_KIND_LO_ASSIGN ? 0 : 1] = e->flags;
    return 0;
}

static void test_lo_unassign_ends_the_current_assignment(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t x[32];
    unsigned flags[2] = {0, 0};
    lo_copy_t lo;
    td_assign(a, &w->sekda, "32.01", "Dr. Asep", "Dinas Kesehatan", "2026-01-01", x);
    OK(nara_domain_lo(a->d, "32.01", copy_lo, &lo));
    OK(nara_lo_unassign(a->d, &w->sekda, "32.01", x, "800/Kep.2-Org/2026", "2026-06-01", td_tick(a),
                        NULL));
    assert_int_equal(nara_domain_lo(a->d, "32.01", copy_lo, &lo), NARA_NOT_FOUND);
    OK(nara_domain_lo_history(a->d, "32.01", lo_flags, flags));
    assert_int_equal(flags[0], NARA_LO_APPLIED);
    assert_int_equal(flags[1], NARA_LO_APPLIED);
}

static int count_decrees(void *ctx, const nara_decree_t *dc)
{
    (void)dc;
    ++*(size_t *)ctx;
    return 0;
}

static void test_decree_by_governor_office_roles_only(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t hash[32] = {1}, ok_id[32], bad[32];
    size_t n = 0;
    nara_decree_params_t p = {"800/Kep.123-Org/2026",  "2026-01-05", hash, "2026-01-10", NULL,
                              "Penugasan Naradamping", NULL};
    OK(nara_decree_record(a->d, &w->sekda, &p, td_tick(a), ok_id));
    OK(nara_decree_record(a->d, &w->regency, &p, td_tick(a), bad));
    assert_int_equal(td_rule(a, bad), NARA_RULE_ROLE);
    OK(nara_domain_decrees(a->d, count_decrees, &n));
    assert_int_equal(n, 1);
}

/* ---- the 24-hour report ----------------------------------------------------------- */

typedef struct {
    nara_report_row_t r01, r02;
    char officer[64], agency[64];
    size_t rows;
} report_copy_t;

static int copy_report(void *ctx, const nara_report_row_t *row)
{
    report_copy_t *out = ctx;
    out->rows++;
    if (strcmp(row->code, "32.01") == 0) {
        out->r01 = *row;
        snprintf(out->officer, sizeof out->officer, "%s", row->lo_officer);
        snprintf(out->agency, sizeof out->agency, "%s", row->lo_agency);
    } else if (strcmp(row->code, "32.02") == 0) {
        out->r02 = *row;
    }
    return 0;
}

static void test_report_counts_overdue_late_and_median_at_pinned_as_of(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t ca[32], cb[32], cc[32], cd[32], ce[32], cf[32];
    report_copy_t rep;
    at(a, TD_T0 - TD_HOUR);
    td_assign(a, &w->admin, "32.01", "Dr. Asep", "Dinas Kesehatan", "2026-01-01", NULL);
    at(a, TD_T0);
    td_case_open(a, &w->regency, "32.01", ca);
    at(a, TD_T0 + 1 * TD_HOUR);
    td_case_open(a, &w->regency, "32.01", cb);
    at(a, TD_T0 + 2 * TD_HOUR);
    OK(nara_case_ack(a->d, &w->lo, ca, NULL, td_tick(a), NULL)); /* 2 h */
    at(a, TD_T0 + 3 * TD_HOUR);
    td_case_open(a, &w->regency, "32.01", ce);
    at(a, TD_T0 + 4 * TD_HOUR);
    td_case_open(a, &w->regency, "32.01", cf);
    at(a, TD_T0 + 5 * TD_HOUR);
    OK(nara_case_resolve(a->d, &w->regency, cf, NULL, "beres", td_tick(a), NULL));
    at(a, TD_T0 + 7 * TD_HOUR);
    OK(nara_case_ack(a->d, &w->lo, ce, NULL, td_tick(a), NULL)); /* 4 h */
    at(a, TD_T0 + 8 * TD_HOUR);
    OK(nara_case_escalate(a->d, &w->lo, ce, NULL, "sekda", "anggaran", td_tick(a), NULL));
    at(a, TD_T0 + 10 * TD_HOUR);
    td_case_open(a, &w->regency, "32.01", cc); /* never acknowledged: overdue */
    at(a, TD_T0 + 31 * TD_HOUR);
    OK(nara_case_ack(a->d, &w->lo, cb, NULL, td_tick(a), NULL)); /* 30 h: late */
    at(a, TD_T0 + 47 * TD_HOUR);
    td_case_open(a, &w->regency, "32.01", cd); /* 1 h old at as_of */
    memset(&rep, 0, sizeof rep);
    OK(nara_domain_report(a->d, TD_T0 + 48 * TD_HOUR, copy_report, &rep));
    assert_int_equal(rep.rows, 27);
    assert_true(rep.r01.has_lo);
    assert_string_equal(rep.officer, "Dr. Asep");
    assert_string_equal(rep.agency, "Dinas Kesehatan");
    assert_int_equal(rep.r01.open, 5);
    assert_int_equal(rep.r01.overdue, 1);
    assert_int_equal(rep.r01.late, 1);
    assert_int_equal(rep.r01.escalated, 1);
    assert_int_equal(rep.r01.resolved, 1);
    assert_int_equal(rep.r01.acked, 3);
    assert_int_equal(rep.r01.median_ack_ms, 4 * TD_HOUR);
    assert_false(rep.r02.has_lo);
    assert_int_equal(rep.r02.open, 0);
}

static void test_report_overdue_starts_at_exactly_24_hours(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c[32];
    report_copy_t rep;
    at(a, TD_T0);
    td_case_open(a, &w->regency, "32.01", c);
    memset(&rep, 0, sizeof rep);
    OK(nara_domain_report(a->d, TD_T0 + 24 * TD_HOUR - 1, copy_report, &rep));
    assert_int_equal(rep.r01.overdue, 0);
    OK(nara_domain_report(a->d, TD_T0 + 24 * TD_HOUR, copy_report, &rep));
    assert_int_equal(rep.r01.overdue, 1);
}

static int count_cases(void *ctx, const nara_case_t *c)
{
    (void)c;
    ++*(size_t *)ctx;
    return 0;
}

static void test_cases_list_by_region_and_status(void **state)
{
    world_t *w = *state;
    td_replica_t *a = &w->a;
    uint8_t c1[32], c2[32];
    size_t all = 0, open = 0, other = 0;
    td_case_open(a, &w->regency, "32.01", c1);
    td_case_open(a, &w->regency, "32.01", c2);
    OK(nara_case_close(a->d, &w->regency, c2, NULL, td_tick(a), NULL));
    OK(nara_domain_cases(a->d, NULL, 0, count_cases, &all));
    OK(nara_domain_cases(a->d, "32.01", 1u << NARA_CASE_OPEN, count_cases, &open));
    OK(nara_domain_cases(a->d, "32.02", 0, count_cases, &other));
    assert_int_equal(all, 2);
    assert_int_equal(open, 1);
    assert_int_equal(other, 0);
}

/* ---- opening a domain over an existing store -------------------------------------- */

/* A replica in a new file with the domain attached, holding w->a's events
 * and a case opened in it (also synced back to w->a). */
static td_replica_t file_replica_with_case(world_t *w, char *path, size_t cap, uint8_t c[32])
{
    nara_store_t *s;
    nara_domain_t *d;
    tu_temp_path(path, cap);
    OK(nara_store_open(path, &s));
    OK(nara_domain_open(s, w->root.pk, NULL, &d));
    td_replica_t r = {s, d, TD_T0};
    td_sync(&w->a, &r);
    td_case_open(&r, &w->regency, "32.01", c);
    td_sync(&r, &w->a);
    return r;
}

static void test_domain_reopened_folds_events_appended_without_it(void **state)
{
    world_t *w = *state;
    char path[256];
    uint8_t c[32];
    td_replica_t r = file_replica_with_case(w, path, sizeof path, c);
    nara_store_t *s = r.s;
    nara_domain_t *d = r.d;
    nara_domain_close(d);
    OK(nara_case_ack(w->a.d, &w->lo, c, NULL, td_tick(&w->a), NULL)); /* not yet in s */
    tu_list_t l = {0};
    tu_collect(w->a.s, NULL, &l);
    tu_merge(s, &l, NULL); /* merged with no domain attached */
    tu_list_free(&l);
    nara_store_close(s);
    OK(nara_store_open(path, &s));
    OK(nara_domain_open(s, w->root.pk, NULL, &d));
    r.s = s;
    r.d = d;
    assert_int_equal(td_status(&r, c), NARA_CASE_ACKNOWLEDGED);
    td_check_refold(&r);
    nara_domain_close(d);
    nara_store_close(s);
    tu_remove_db(path);
}

/* Another connection without the domain accepts an event while the domain
 * is open: the domain's next transaction indexes it first (its ord is below
 * that transaction's first), exactly once. */
static void test_event_accepted_by_another_connection_is_folded_by_the_next_merge(void **state)
{
    world_t *w = *state;
    char path[256];
    nara_store_t *other;
    nara_domain_stats_t s0, s1;
    uint8_t c[32], before[32], after[32];
    td_replica_t r = file_replica_with_case(w, path, sizeof path, c);
    nara_store_t *s = r.s;
    nara_domain_t *d = r.d;
    OK(nara_case_ack(w->a.d, &w->lo, c, NULL, td_tick(&w->a), NULL)); /* not yet in s */
    OK(nara_store_open(path, &other));
    tu_list_t l = {0};
    tu_collect(w->a.s, NULL, &l);
    tu_merge(other, &l, NULL); /* the ack, with no domain attached */
    tu_list_free(&l);
    nara_store_close(other);
    assert_int_equal(td_status(&r, c), NARA_CASE_OPEN); /* not folded yet */
    nara_domain_stats(d, &s0);
    OK(nara_case_note(d, &w->regency, c, NULL, "catatan", td_tick(&r), NULL));
    nara_domain_stats(d, &s1);
    assert_int_equal(s1.events_indexed - s0.events_indexed, 2); /* the ack and the note */
    assert_int_equal(s1.cases_refolded - s0.cases_refolded, 1);
    assert_int_equal(td_status(&r, c), NARA_CASE_ACKNOWLEDGED);
    td_digest(&r, before);
    td_check_refold(&r);
    td_digest(&r, after);
    assert_memory_equal(before, after, 32);
    nara_domain_close(d);
    nara_store_close(s);
    tu_remove_db(path);
}

static void test_fresh_domain_over_a_full_store_equals_the_incremental_fold(void **state)
{
    world_t *w = *state;
    uint8_t c[32], inc[32], full[32];
    nara_domain_t *d;
    nara_domain_stats_t st;
    td_case_open(&w->a, &w->regency, "32.01", c);
    OK(nara_case_ack(w->a.d, &w->lo, c, NULL, td_tick(&w->a), NULL));
    td_assign(&w->a, &w->admin, "32.02", "Dr. Asep", "Dinas Kesehatan", "2026-01-01", NULL);
    td_digest(&w->a, inc);
    nara_domain_close(w->a.d);
    OK(nara_domain_open(w->a.s, w->root.pk, NULL, &d)); /* same tables: nothing to do */
    nara_domain_stats(d, &st);
    assert_int_equal(st.full_refolds, 0);
    nara_domain_close(d);
    nara_store_t *s = w->a.s;
    w->a.d = NULL;
    OK(sqlite3_exec(nara__store_db(s), "DROP TABLE dom_meta", NULL, NULL, NULL) == SQLITE_OK
           ? NARA_OK
           : NARA_IO);
    OK(nara_domain_open(s, w->root.pk, NULL, &w->a.d)); /* looks fresh: full fold */
    nara_domain_stats(w->a.d, &st);
    assert_int_equal(st.full_refolds, 1);
    td_digest(&w->a, full);
    assert_memory_equal(inc, full, 32);
}

/* SELECT count(*) FROM what. */
static int count_of(sqlite3 *db, const char *what)
{
    char sql[256];
    sqlite3_stmt *q;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", what);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* A replica whose domain tables `sql` turns into an older version's opens:
 * they are refolded in the current layout and the digest is unchanged. */
static void rebuilt_with_the_same_digest(world_t *w, const char *sql)
{
    uint8_t c[32], before[32], after[32];
    nara_domain_stats_t st;
    td_case_open(&w->a, &w->regency, "32.01", c);
    OK(nara_case_ack(w->a.d, &w->lo, c, NULL, td_tick(&w->a), NULL));
    OK(nara_case_note(w->a.d, &w->regency, c, NULL, "catatan", td_tick(&w->a), NULL));
    td_digest(&w->a, before);
    nara_domain_close(w->a.d);
    w->a.d = NULL;
    assert_int_equal(sqlite3_exec(nara__store_db(w->a.s), sql, NULL, NULL, NULL), SQLITE_OK);
    OK(nara_domain_open(w->a.s, w->root.pk, NULL, &w->a.d));
    nara_domain_stats(w->a.d, &st);
    assert_int_equal(st.full_refolds, 1);
    td_digest(&w->a, after);
    assert_memory_equal(before, after, 32);
    assert_int_equal(td_status(&w->a, c), NARA_CASE_ACKNOWLEDGED);
}

/* A replica written by version 2 of the domain tables (dom_index, dom_case
 * and dom_timeline keyed by the case id). */
static void test_version_2_tables_are_rebuilt_with_the_same_digest(void **state)
{
    world_t *w = *state;
    sqlite3 *db = nara__store_db(w->a.s);
    static const char v2[] =
        "DROP TABLE dom_index; DROP TABLE dom_case; DROP TABLE IF EXISTS dom_timeline;"
        "DROP TABLE dom_caseno;"
        "CREATE TABLE dom_index(ent INTEGER NOT NULL, ekey BLOB NOT NULL,"
        " ord INTEGER NOT NULL, rule INTEGER NOT NULL, detail TEXT NOT NULL,"
        " PRIMARY KEY(ent, ekey, ord)) WITHOUT ROWID;"
        "CREATE TABLE dom_case(id BLOB PRIMARY KEY, region TEXT NOT NULL,"
        " status INTEGER NOT NULL, category TEXT NOT NULL, function TEXT NOT NULL,"
        " title TEXT NOT NULL, description TEXT NOT NULL, priority TEXT NOT NULL,"
        " opened INTEGER NOT NULL, opened_by BLOB NOT NULL, ack INTEGER, ack_by BLOB,"
        " escalated_to TEXT NOT NULL, resolved INTEGER NOT NULL, closed INTEGER NOT NULL,"
        " last INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX dom_case_region ON dom_case(region, opened, id);"
        "CREATE TABLE dom_timeline(case_id BLOB NOT NULL, hlc INTEGER NOT NULL,"
        " id BLOB NOT NULL, kind TEXT NOT NULL, author BLOB NOT NULL, flags INTEGER NOT NULL,"
        " text TEXT NOT NULL, PRIMARY KEY(case_id, hlc, id)) WITHOUT ROWID;"
        "INSERT INTO dom_case VALUES(x'00', '32.01', 0, '', '', '', '', '', 0, x'00', NULL,"
        " NULL, '', 0, 0, 0);"
        "UPDATE dom_meta SET value = 2 WHERE key = 'version';";
    rebuilt_with_the_same_digest(w, v2);
    assert_int_equal(count_of(db, "pragma_table_info('dom_case') WHERE name IN ('cno', 'tl')"), 2);
    assert_int_equal(count_of(db, "sqlite_schema WHERE name = 'dom_timeline'"), 0);
}

/* A replica written by version 4 (every case event in dom_index, no case
 * event lists, no 'indexed_ord'). */
static void test_version_4_tables_are_rebuilt_with_the_same_digest(void **state)
{
    world_t *w = *state;
    sqlite3 *db = nara__store_db(w->a.s);
    static const char v4[] = "DROP TABLE dom_case_ev;"
                             "INSERT INTO dom_index(ent, ekey, ord, rule, detail)"
                             " SELECT 4, cno, cno, 0, '' FROM dom_case;"
                             "DELETE FROM dom_meta WHERE key = 'indexed_ord';"
                             "UPDATE dom_meta SET value = 4 WHERE key = 'version';";
    rebuilt_with_the_same_digest(w, v4);
    assert_int_equal(count_of(db, "dom_index WHERE ent = 4"), 0);
    assert_int_equal(count_of(db, "dom_case_ev"), 1);
}

/* A replica written by version 5 (dom_caseno keyed by the case id). */
static void test_version_5_tables_are_rebuilt_with_the_same_digest(void **state)
{
    world_t *w = *state;
    sqlite3 *db = nara__store_db(w->a.s);
    static const char v5[] = "ALTER TABLE dom_caseno RENAME TO dom_caseno_v6;"
                             "CREATE TABLE dom_caseno(id BLOB PRIMARY KEY, cno INTEGER NOT NULL)"
                             " WITHOUT ROWID;"
                             "INSERT INTO dom_caseno SELECT id, cno FROM dom_caseno_v6;"
                             "DROP TABLE dom_caseno_v6;"
                             "UPDATE dom_meta SET value = 5 WHERE key = 'version';";
    rebuilt_with_the_same_digest(w, v5);
    assert_int_equal(count_of(db, "pragma_table_info('dom_caseno') WHERE name = 'idk'"), 1);
    assert_int_equal(count_of(db, "dom_caseno WHERE idk = nara_idk(id)"), 1);
}

static void test_domain_opened_with_another_root_refolds_everything(void **state)
{
    world_t *w = *state;
    nara_keypair_t other;
    uint8_t c[32];
    tu_keypair(99, &other);
    td_case_open(&w->a, &w->regency, "32.01", c);
    nara_domain_close(w->a.d);
    OK(nara_domain_open(w->a.s, other.pk, NULL, &w->a.d));
    assert_int_equal(td_status(&w->a, c), -1); /* nobody is enrolled under that root */
    assert_int_equal(td_rule(&w->a, c), NARA_RULE_UNKNOWN_DEVICE);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_case_life_open_ack_note_escalate_resolve_close),
        T(test_invalid_transition_is_kept_on_timeline_as_no_effect),
        T(test_timeline_entries_carry_kind_author_and_text),
        T(test_escalating_an_unacknowledged_case_has_no_effect),
        T(test_reopen_clears_resolution_and_acts_as_acknowledged),
        T(test_ack_after_resolve_records_the_time_once),
        T(test_regency_may_not_acknowledge),
        T(test_concurrent_lo_assign_later_effective_wins_with_conflict),
        T(test_concurrent_lo_assign_same_effective_later_clock_wins),
        T(test_replacing_the_winner_settles_the_lo_conflict),
        T(test_reopen_beats_a_concurrent_later_close),
        T(test_reopen_beats_a_concurrent_earlier_close),
        T(test_close_after_seeing_the_reopen_closes),
        T(test_note_concurrent_with_resolve_is_kept_and_flagged),
        T(test_note_after_seeing_the_resolve_is_no_conflict),
        T(test_explicit_seen_of_only_the_opening_makes_a_note_concurrent),
        T(test_event_of_device_revoked_concurrently_counts_only_before),
        T(test_concurrent_resolves_apply_in_order_second_no_effect),
        T(test_late_event_refolds_only_its_case),
        T(test_late_enrolment_refolds_only_cases_its_device_wrote),
        T(test_malformed_bodies_are_quarantined_and_neighbours_applied),
        T(test_unknown_fields_are_ignored),
        T(test_kinds_in_the_wrong_stream_are_quarantined),
        T(test_case_event_before_its_opening_is_held_then_applied),
        T(test_events_of_a_refused_opening_are_unknown_case),
        T(test_lo_unassign_ends_the_current_assignment),
        T(test_decree_by_governor_office_roles_only),
        T(test_report_counts_overdue_late_and_median_at_pinned_as_of),
        T(test_report_overdue_starts_at_exactly_24_hours),
        T(test_cases_list_by_region_and_status),
        T(test_domain_reopened_folds_events_appended_without_it),
        T(test_fresh_domain_over_a_full_store_equals_the_incremental_fold),
        T(test_domain_opened_with_another_root_refolds_everything),
        T(test_version_2_tables_are_rebuilt_with_the_same_digest),
        T(test_version_4_tables_are_rebuilt_with_the_same_digest),
        T(test_version_5_tables_are_rebuilt_with_the_same_digest),
        T(test_event_accepted_by_another_connection_is_folded_by_the_next_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
