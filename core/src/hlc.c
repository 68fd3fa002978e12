/*
 * hlc.c - hybrid logical clock arithmetic (see nara_hlc.h).
 *
 * A timestamp is (ms << 16) | counter, so "last + 1" carries a full counter
 * (0xffff) into the next millisecond by plain integer addition.  Invariants:
 *
 *  1. tick() returns a value strictly greater than `last` and not below the
 *     wall clock (wall_ms << 16), or NARA_CLOCK; never a value above
 *     NARA_HLC_MAX, which keeps every timestamp a valid SQLite integer.
 *  2. observe() never moves the clock back and never past the end of
 *     millisecond wall_ms + NARA_HLC_MAX_DRIFT_MS (nor past NARA_HLC_MAX).
 *
 * Pure functions: no clock is read here, time is always an argument.
 */
#include <stddef.h>

#include "nara_event.h"
#include "nara_hlc.h"

/* The largest millisecond value whose timestamps stay <= NARA_HLC_MAX. */
#define HLC_MS_MAX ((uint64_t)NARA_HLC_MAX >> NARA_HLC_LOGICAL_BITS)

nara_err_t nara_hlc_tick(uint64_t last, uint64_t wall_ms, uint64_t *out)
{
    uint64_t next;

    if (out == NULL)
        return NARA_INVAL;
    if (last >= (uint64_t)NARA_HLC_MAX || wall_ms > HLC_MS_MAX)
        return NARA_CLOCK;
    next = last + 1;
    if (nara_hlc_make(wall_ms, 0) > next)
        next = nara_hlc_make(wall_ms, 0);
    *out = next;
    return NARA_OK;
}

uint64_t nara_hlc_observe(uint64_t last, uint64_t remote, uint64_t wall_ms)
{
    uint64_t ms, bound, seen;

    ms =
        wall_ms > HLC_MS_MAX - NARA_HLC_MAX_DRIFT_MS ? HLC_MS_MAX : wall_ms + NARA_HLC_MAX_DRIFT_MS;
    bound = nara_hlc_make(ms, 0xffff);
    seen = remote < bound ? remote : bound;
    return seen > last ? seen : last;
}
