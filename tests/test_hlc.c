/*
 * test_hlc.c - the hybrid logical clock: issued timestamps strictly increase
 * whatever the wall clock does, observation is clamped to wall + drift, a
 * full counter carries into the millisecond, and the top of the range is
 * refused rather than wrapped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nara_event.h"
#include "nara_hlc.h"

#define T0 1700000000000ull /* some wall clock, ms */
#define MS_MAX ((uint64_t)NARA_HLC_MAX >> NARA_HLC_LOGICAL_BITS)

static void tick_takes_the_wall_clock_when_it_is_ahead(void **state)
{
    uint64_t out;
    (void)state;
    assert_int_equal(nara_hlc_tick(nara_hlc_make(T0, 5), T0 + 1, &out), NARA_OK);
    assert_true(out == nara_hlc_make(T0 + 1, 0));
}

static void tick_counts_within_one_millisecond(void **state)
{
    uint64_t out;
    (void)state;
    assert_int_equal(nara_hlc_tick(nara_hlc_make(T0, 5), T0, &out), NARA_OK);
    assert_true(out == nara_hlc_make(T0, 6));
}

static void tick_is_monotonic_when_the_wall_clock_steps_back(void **state)
{
    uint64_t last = nara_hlc_make(T0, 0), out;
    (void)state;
    for (int k = 0; k < 1000; k++) {
        assert_int_equal(nara_hlc_tick(last, T0 - 60000 - (uint64_t)k, &out), NARA_OK);
        assert_true(out == last + 1);
        last = out;
    }
}

static void tick_carries_a_full_counter_into_the_millisecond(void **state)
{
    uint64_t out;
    (void)state;
    assert_int_equal(nara_hlc_tick(nara_hlc_make(T0, 0xffff), T0, &out), NARA_OK);
    assert_true(out == nara_hlc_make(T0 + 1, 0));
    assert_true(nara_hlc_ms(out) == T0 + 1);
}

static void tick_refuses_to_pass_the_maximum(void **state)
{
    uint64_t out = 42;
    (void)state;
    assert_int_equal(nara_hlc_tick((uint64_t)NARA_HLC_MAX, T0, &out), NARA_CLOCK);
    assert_true(out == 42); /* untouched on failure */
    assert_int_equal(nara_hlc_tick((uint64_t)NARA_HLC_MAX - 1, T0, &out), NARA_OK);
    assert_true(out == (uint64_t)NARA_HLC_MAX);
}

static void tick_refuses_a_wall_clock_beyond_the_range(void **state)
{
    uint64_t out;
    (void)state;
    assert_int_equal(nara_hlc_tick(0, MS_MAX, &out), NARA_OK);
    assert_true(out == nara_hlc_make(MS_MAX, 0));
    assert_int_equal(nara_hlc_tick(0, MS_MAX + 1, &out), NARA_CLOCK);
    assert_int_equal(nara_hlc_tick(0, UINT64_MAX, &out), NARA_CLOCK);
}

static void observe_advances_to_a_later_remote_timestamp(void **state)
{
    uint64_t remote = nara_hlc_make(T0 + 1000, 3);
    (void)state;
    assert_true(nara_hlc_observe(nara_hlc_make(T0, 0), remote, T0) == remote);
}

static void observe_never_moves_the_clock_back(void **state)
{
    uint64_t last = nara_hlc_make(T0, 9);
    (void)state;
    assert_true(nara_hlc_observe(last, nara_hlc_make(T0 - 5000, 0), T0) == last);
}

static void observe_clamps_to_the_end_of_wall_plus_drift(void **state)
{
    uint64_t far = nara_hlc_make(T0 + 86400000ull, 0);
    uint64_t bound = nara_hlc_make(T0 + NARA_HLC_MAX_DRIFT_MS, 0xffff);
    (void)state;
    assert_true(nara_hlc_observe(nara_hlc_make(T0, 0), far, T0) == bound);
    assert_true(nara_hlc_observe(0, bound, T0) == bound); /* exactly at the bound: kept */
}

static void tick_after_a_clamped_observe_moves_to_the_next_millisecond(void **state)
{
    uint64_t out, c = nara_hlc_observe(0, UINT64_MAX >> 1, T0);
    (void)state;
    assert_int_equal(nara_hlc_tick(c, T0, &out), NARA_OK);
    assert_true(out == nara_hlc_make(T0 + NARA_HLC_MAX_DRIFT_MS + 1, 0));
}

static void observe_stays_in_range_at_the_end_of_time(void **state)
{
    (void)state;
    assert_true(nara_hlc_observe(0, UINT64_MAX, UINT64_MAX) == (uint64_t)NARA_HLC_MAX);
    assert_true(nara_hlc_observe(0, UINT64_MAX, MS_MAX - 1) == (uint64_t)NARA_HLC_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tick_takes_the_wall_clock_when_it_is_ahead),
        cmocka_unit_test(tick_counts_within_one_millisecond),
        cmocka_unit_test(tick_is_monotonic_when_the_wall_clock_steps_back),
        cmocka_unit_test(tick_carries_a_full_counter_into_the_millisecond),
        cmocka_unit_test(tick_refuses_to_pass_the_maximum),
        cmocka_unit_test(tick_refuses_a_wall_clock_beyond_the_range),
        cmocka_unit_test(observe_advances_to_a_later_remote_timestamp),
        cmocka_unit_test(observe_never_moves_the_clock_back),
        cmocka_unit_test(observe_clamps_to_the_end_of_wall_plus_drift),
        cmocka_unit_test(tick_after_a_clamped_observe_moves_to_the_next_millisecond),
        cmocka_unit_test(observe_stays_in_range_at_the_end_of_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
