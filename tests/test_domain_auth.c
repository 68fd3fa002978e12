/*
 * test_domain_auth.c - authority: the table of docs/events.md section 5,
 * checked row by row and role by role against nara__authorize, the admin's
 * limits, and the enrolment intervals as the fold applies them (event before
 * enrolment, strict revocation, re-enrolment with a new scope).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain_internal.h"
#include "test_domain_util.h"

/* The table of docs/events.md section 5, transcribed independently of the
 * code: one string per kind, one character per role in the order
 * root admin secretariat governor auditor lo regency; 'Y' = allowed. */
static const struct {
    nara_kind_t kind;
    const char *roles;
} table[] = {
    {NARA_KIND_DEVICE_ENROLL, "YY....."}, {NARA_KIND_DEVICE_REVOKE, "YY....."},
    {NARA_KIND_DECREE, "YYYY..."},        {NARA_KIND_LO_ASSIGN, "YYY...."},
    {NARA_KIND_LO_UNASSIGN, "YYY...."},   {NARA_KIND_CASE_OPEN, ".....YY"},
    {NARA_KIND_CASE_ACK, ".....Y."},      {NARA_KIND_CASE_NOTE, "..YY.YY"},
    {NARA_KIND_CASE_ACTION, "..YY.YY"},   {NARA_KIND_CASE_ESCALATE, ".....YY"},
    {NARA_KIND_CASE_RESOLVE, "..YY.YY"},  {NARA_KIND_CASE_REOPEN, "..Y..YY"},
    {NARA_KIND_CASE_CLOSE, "..Y..YY"},
};
#define N_ROWS (sizeof table / sizeof table[0])

static const nara_role_t roles[] = {NARA_ROLE_ROOT,     NARA_ROLE_ADMIN,   NARA_ROLE_SECRETARIAT,
                                    NARA_ROLE_GOVERNOR, NARA_ROLE_AUDITOR, NARA_ROLE_LO,
                                    NARA_ROLE_REGENCY};

/* Region 0 is 32.01 in the default list. */
static int stream_of(nara_kind_t k)
{
    return nara__kind_is_case(k) ? 0 : NARA__STREAM_PROVINCE;
}

static nara__who_t who_as(nara_role_t role, int scope_region)
{
    nara__who_t w;
    memset(&w, 0, sizeof w);
    w.role = role;
    if (scope_region >= 0)
        nara__scope_add(&w.scope, scope_region);
    return w;
}

/* A device.* target that no footnote forbids. */
static const nara__target_t plain_target = {false, false, NARA_ROLE_NONE, NARA_ROLE_LO};

static void test_every_row_and_role_of_the_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS; i++) {
        for (size_t r = 0; r < 7; r++) {
            nara__who_t w = who_as(roles[r], 0);
            nara_rule_t got =
                nara__authorize(&w, table[i].kind, stream_of(table[i].kind), &plain_target);
            nara_rule_t want = table[i].roles[r] == 'Y' ? NARA_RULE_OK : NARA_RULE_ROLE;
            if (got != want)
                fail_msg("%s by %s: got %s, want %s", nara_kind_name(table[i].kind),
                         nara_role_name(roles[r]), nara_rule_name(got), nara_rule_name(want));
        }
    }
}

static void test_scoped_roles_outside_their_scope_get_rule_scope(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS; i++) {
        if (!nara__kind_is_case(table[i].kind))
            continue;
        for (size_t r = 5; r < 7; r++) {         /* lo, regency */
            nara__who_t w = who_as(roles[r], 1); /* scope 32.02, event in 32.01 */
            nara_rule_t want = table[i].roles[r] == 'Y' ? NARA_RULE_SCOPE : NARA_RULE_ROLE;
            assert_int_equal(nara__authorize(&w, table[i].kind, 0, NULL), want);
            w.scope.all = true;
            want = table[i].roles[r] == 'Y' ? NARA_RULE_OK : NARA_RULE_ROLE;
            assert_int_equal(nara__authorize(&w, table[i].kind, 0, NULL), want);
        }
    }
}

static void test_unscoped_roles_write_cases_in_every_region(void **state)
{
    (void)state;
    nara__who_t w = who_as(NARA_ROLE_SECRETARIAT, -1);
    assert_int_equal(nara__authorize(&w, NARA_KIND_CASE_NOTE, 26, NULL), NARA_RULE_OK);
}

static void test_unknown_device_is_refused_for_every_kind(void **state)
{
    (void)state;
    nara__who_t w = who_as(NARA_ROLE_NONE, -1);
    for (size_t i = 0; i < N_ROWS; i++)
        assert_int_equal(
            nara__authorize(&w, table[i].kind, stream_of(table[i].kind), &plain_target),
            NARA_RULE_UNKNOWN_DEVICE);
}

static void test_revoked_device_is_refused_for_every_kind(void **state)
{
    (void)state;
    nara__who_t w = who_as(NARA_ROLE_NONE, -1);
    w.revoked = true;
    for (size_t i = 0; i < N_ROWS; i++)
        assert_int_equal(
            nara__authorize(&w, table[i].kind, stream_of(table[i].kind), &plain_target),
            NARA_RULE_REVOKED);
}

static void test_kinds_in_the_wrong_stream_get_rule_wrong_stream(void **state)
{
    (void)state;
    nara__who_t root = who_as(NARA_ROLE_ROOT, -1);
    nara__who_t lo = who_as(NARA_ROLE_LO, 0);
    for (size_t i = 0; i < N_ROWS; i++) {
        nara_kind_t k = table[i].kind;
        const nara__who_t *w = nara__kind_is_case(k) ? &lo : &root;
        int wrong = nara__kind_is_case(k) ? NARA__STREAM_PROVINCE : 0;
        assert_int_equal(nara__authorize(w, k, wrong, &plain_target), NARA_RULE_WRONG_STREAM);
        assert_int_equal(nara__authorize(w, k, NARA__STREAM_OTHER, &plain_target),
                         NARA_RULE_WRONG_STREAM);
    }
}

static void test_unknown_kind_is_refused_before_anything_else(void **state)
{
    (void)state;
    nara__who_t w = who_as(NARA_ROLE_NONE, -1);
    assert_int_equal(nara__authorize(&w, NARA_KIND_UNKNOWN, NARA__STREAM_OTHER, NULL),
                     NARA_RULE_UNKNOWN_KIND);
}

static void test_admin_may_not_enrol_an_admin_but_root_may(void **state)
{
    (void)state;
    nara__who_t admin = who_as(NARA_ROLE_ADMIN, -1), root = who_as(NARA_ROLE_ROOT, -1);
    nara__target_t t = {false, false, NARA_ROLE_NONE, NARA_ROLE_ADMIN};
    assert_int_equal(nara__authorize(&admin, NARA_KIND_DEVICE_ENROLL, NARA__STREAM_PROVINCE, &t),
                     NARA_RULE_ROLE);
    assert_int_equal(nara__authorize(&root, NARA_KIND_DEVICE_ENROLL, NARA__STREAM_PROVINCE, &t),
                     NARA_RULE_OK);
}

static void test_admin_may_not_revoke_or_reenrol_an_admin(void **state)
{
    (void)state;
    nara__who_t admin = who_as(NARA_ROLE_ADMIN, -1), root = who_as(NARA_ROLE_ROOT, -1);
    nara__target_t t = {false, false, NARA_ROLE_ADMIN, NARA_ROLE_LO};
    assert_int_equal(nara__authorize(&admin, NARA_KIND_DEVICE_REVOKE, NARA__STREAM_PROVINCE, &t),
                     NARA_RULE_ROLE);
    assert_int_equal(nara__authorize(&admin, NARA_KIND_DEVICE_ENROLL, NARA__STREAM_PROVINCE, &t),
                     NARA_RULE_ROLE);
    assert_int_equal(nara__authorize(&root, NARA_KIND_DEVICE_REVOKE, NARA__STREAM_PROVINCE, &t),
                     NARA_RULE_OK);
}

static void test_admin_may_not_revoke_itself(void **state)
{
    (void)state;
    nara__who_t admin = who_as(NARA_ROLE_ADMIN, -1);
    nara__target_t self = {false, true, NARA_ROLE_NONE, NARA_ROLE_NONE};
    assert_int_equal(nara__authorize(&admin, NARA_KIND_DEVICE_REVOKE, NARA__STREAM_PROVINCE, &self),
                     NARA_RULE_ROLE);
}

static void test_nobody_enrols_or_revokes_the_root_key(void **state)
{
    (void)state;
    nara__who_t root = who_as(NARA_ROLE_ROOT, -1);
    nara__target_t t = {true, false, NARA_ROLE_NONE, NARA_ROLE_LO};
    assert_int_equal(nara__authorize(&root, NARA_KIND_DEVICE_ENROLL, NARA__STREAM_PROVINCE, &t),
                     NARA_RULE_ROLE);
    assert_int_equal(nara__authorize(&root, NARA_KIND_DEVICE_REVOKE, NARA__STREAM_PROVINCE, &t),
                     NARA_RULE_ROLE);
}

/* ---- enrolment intervals, through the fold -------------------------------------- */

typedef struct {
    nara_keypair_t root, admin, lo, lo2;
    td_replica_t a, b, c;
} world_t;

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    tu_keypair(1, &w->root);
    tu_keypair(2, &w->admin);
    tu_keypair(3, &w->lo);
    tu_keypair(4, &w->lo2);
    td_open(&w->a, &w->root);
    td_open(&w->b, &w->root);
    td_open(&w->c, &w->root);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    td_close(&w->a);
    td_close(&w->b);
    td_close(&w->c);
    free(w);
    return 0;
}

static void test_event_before_enrolment_time_is_unknown_device(void **state)
{
    world_t *w = *state;
    uint8_t early[32], late[32];
    w->b.wall = TD_T0 + 10 * 1000; /* the LO's device writes at T0+11s */
    td_case_open(&w->b, &w->lo, "32.01", early);
    w->a.wall = TD_T0 + 20 * 1000; /* the root enrols it at T0+21s */
    td_enroll(&w->a, &w->root, &w->lo, NARA_ROLE_LO, "32.01", NULL);
    td_sync(&w->a, &w->b);
    td_case_open(&w->b, &w->lo, "32.01", late);
    assert_int_equal(td_rule(&w->b, early), NARA_RULE_UNKNOWN_DEVICE);
    assert_int_equal(td_status(&w->b, early), -1);
    assert_int_equal(td_status(&w->b, late), NARA_CASE_OPEN);
    td_check_refold(&w->b);
}

static void test_revocation_is_strict_by_time_and_names_the_revocation(void **state)
{
    world_t *w = *state;
    uint8_t before[32], after[32], rev[32];
    td_enroll(&w->a, &w->root, &w->lo, NARA_ROLE_LO, "32.01", NULL);
    td_sync(&w->a, &w->b);
    w->b.wall = TD_T0 + 100 * 1000;
    td_case_open(&w->b, &w->lo, "32.01", before); /* T0+101s */
    w->a.wall = TD_T0 + 200 * 1000;
    td_revoke(&w->a, &w->root, &w->lo, rev); /* T0+201s */
    w->b.wall = TD_T0 + 300 * 1000;
    td_case_open(&w->b, &w->lo, "32.01", after); /* T0+301s, not knowing */
    td_sync(&w->a, &w->c);
    td_sync(&w->b, &w->c);
    assert_int_equal(td_status(&w->c, before), NARA_CASE_OPEN);
    assert_int_equal(td_rule(&w->c, after), NARA_RULE_REVOKED);
    td_check_refold(&w->c);
}

static int related_cb(void *ctx, const nara_dom_quarantined_t *q)
{
    uint8_t *out = ctx;
    if (q->rule == NARA_RULE_REVOKED && q->has_related)
        memcpy(out, q->related, 32);
    return 0;
}

static void test_revoked_quarantine_entry_names_the_revocation(void **state)
{
    world_t *w = *state;
    uint8_t rev[32], named[32] = {0}, after[32];
    td_enroll(&w->a, &w->root, &w->lo, NARA_ROLE_LO, "32.01", NULL);
    td_revoke(&w->a, &w->root, &w->lo, rev);
    td_case_open(&w->a, &w->lo, "32.01", after);
    assert_int_equal(td_rule(&w->a, after), NARA_RULE_REVOKED);
    assert_int_equal(nara_domain_quarantine(w->a.d, related_cb, named), NARA_OK);
    assert_memory_equal(named, rev, 32);
}

static void test_reenrolment_with_a_new_scope_applies_from_its_time(void **state)
{
    world_t *w = *state;
    uint8_t in01[32], in02_before[32], in02_after[32], in01_after[32];
    td_enroll(&w->a, &w->root, &w->lo, NARA_ROLE_LO, "32.01", NULL);
    td_case_open(&w->a, &w->lo, "32.01", in01);
    td_case_open(&w->a, &w->lo, "32.02", in02_before);
    td_enroll(&w->a, &w->root, &w->lo, NARA_ROLE_LO, "32.02", NULL);
    td_case_open(&w->a, &w->lo, "32.02", in02_after);
    td_case_open(&w->a, &w->lo, "32.01", in01_after);
    assert_int_equal(td_status(&w->a, in01), NARA_CASE_OPEN);
    assert_int_equal(td_rule(&w->a, in02_before), NARA_RULE_SCOPE);
    assert_int_equal(td_status(&w->a, in02_after), NARA_CASE_OPEN);
    assert_int_equal(td_rule(&w->a, in01_after), NARA_RULE_SCOPE);
    td_check_refold(&w->a);
}

static void test_admin_enrolling_an_admin_is_quarantined_role(void **state)
{
    world_t *w = *state;
    uint8_t bad[32], by_lo2[32];
    td_enroll(&w->a, &w->root, &w->admin, NARA_ROLE_ADMIN, "*", NULL);
    td_enroll(&w->a, &w->admin, &w->lo2, NARA_ROLE_ADMIN, "*", bad);
    assert_int_equal(td_rule(&w->a, bad), NARA_RULE_ROLE);
    td_enroll(&w->a, &w->lo2, &w->lo, NARA_ROLE_LO, "32.01", by_lo2);
    assert_int_equal(td_rule(&w->a, by_lo2), NARA_RULE_UNKNOWN_DEVICE);
}

static void test_admin_enrols_lo_and_revoking_itself_is_refused(void **state)
{
    world_t *w = *state;
    uint8_t enrol[32], self[32], c[32];
    td_enroll(&w->a, &w->root, &w->admin, NARA_ROLE_ADMIN, "*", NULL);
    td_enroll(&w->a, &w->admin, &w->lo, NARA_ROLE_LO, "32.01", enrol);
    td_revoke(&w->a, &w->admin, &w->admin, self);
    td_case_open(&w->a, &w->lo, "32.01", c);
    assert_int_equal(td_rule(&w->a, enrol), -1);
    assert_int_equal(td_rule(&w->a, self), NARA_RULE_ROLE);
    assert_int_equal(td_status(&w->a, c), NARA_CASE_OPEN);
}

static void test_enrolment_by_an_admin_before_its_own_enrolment_fails(void **state)
{
    world_t *w = *state;
    uint8_t early[32], c[32];
    w->b.wall = TD_T0 + 5 * 1000; /* the admin's device enrols the LO at T0+6s... */
    td_enroll(&w->b, &w->admin, &w->lo, NARA_ROLE_LO, "32.01", early);
    td_case_open(&w->b, &w->lo, "32.01", c);
    w->a.wall = TD_T0 + 50 * 1000; /* ...but is itself enrolled only at T0+51s */
    td_enroll(&w->a, &w->root, &w->admin, NARA_ROLE_ADMIN, "*", NULL);
    td_sync(&w->b, &w->a);
    assert_int_equal(td_rule(&w->a, early), NARA_RULE_UNKNOWN_DEVICE);
    assert_int_equal(td_rule(&w->a, c), NARA_RULE_UNKNOWN_DEVICE);
    td_check_refold(&w->a);
}

static void test_late_enrolment_makes_earlier_quarantined_events_effective(void **state)
{
    world_t *w = *state;
    uint8_t c[32];
    w->a.wall = TD_T0; /* root enrols at T0+1s on a, which syncs late */
    td_enroll(&w->a, &w->root, &w->lo, NARA_ROLE_LO, "32.01", NULL);
    w->b.wall = TD_T0 + 60 * 1000;
    td_case_open(&w->b, &w->lo, "32.01", c);
    assert_int_equal(td_rule(&w->b, c), NARA_RULE_UNKNOWN_DEVICE);
    td_sync(&w->a, &w->b);
    assert_int_equal(td_rule(&w->b, c), -1);
    assert_int_equal(td_status(&w->b, c), NARA_CASE_OPEN);
    td_check_refold(&w->b);
}

static void test_device_role_reports_the_current_standing(void **state)
{
    world_t *w = *state;
    nara_role_t role;
    bool revoked;
    td_enroll(&w->a, &w->root, &w->lo, NARA_ROLE_LO, "32.01", NULL);
    assert_int_equal(nara_domain_device_role(w->a.d, w->lo.pk, &role, &revoked), NARA_OK);
    assert_int_equal(role, NARA_ROLE_LO);
    assert_false(revoked);
    td_revoke(&w->a, &w->root, &w->lo, NULL);
    assert_int_equal(nara_domain_device_role(w->a.d, w->lo.pk, &role, &revoked), NARA_OK);
    assert_true(revoked);
    assert_int_equal(nara_domain_device_role(w->a.d, w->root.pk, &role, &revoked), NARA_OK);
    assert_int_equal(role, NARA_ROLE_ROOT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_and_role_of_the_table),
        cmocka_unit_test(test_scoped_roles_outside_their_scope_get_rule_scope),
        cmocka_unit_test(test_unscoped_roles_write_cases_in_every_region),
        cmocka_unit_test(test_unknown_device_is_refused_for_every_kind),
        cmocka_unit_test(test_revoked_device_is_refused_for_every_kind),
        cmocka_unit_test(test_kinds_in_the_wrong_stream_get_rule_wrong_stream),
        cmocka_unit_test(test_unknown_kind_is_refused_before_anything_else),
        cmocka_unit_test(test_admin_may_not_enrol_an_admin_but_root_may),
        cmocka_unit_test(test_admin_may_not_revoke_or_reenrol_an_admin),
        cmocka_unit_test(test_admin_may_not_revoke_itself),
        cmocka_unit_test(test_nobody_enrols_or_revokes_the_root_key),
        cmocka_unit_test_setup_teardown(test_event_before_enrolment_time_is_unknown_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_revocation_is_strict_by_time_and_names_the_revocation,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_quarantine_entry_names_the_revocation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reenrolment_with_a_new_scope_applies_from_its_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_enrolling_an_admin_is_quarantined_role, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_admin_enrols_lo_and_revoking_itself_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_enrolment_by_an_admin_before_its_own_enrolment_fails,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_late_enrolment_makes_earlier_quarantined_events_effective, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_role_reports_the_current_standing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
