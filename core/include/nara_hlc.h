/*
 * nara_hlc.h - hybrid logical clock.
 *
 * A timestamp is one uint64: the upper 48 bits are milliseconds since the Unix
 * epoch, the lower 16 bits a logical counter.  Timestamps a device issues are
 * strictly increasing, even across restarts (the store persists the last one)
 * and even if the wall clock steps back.  Observing a received timestamp
 * advances the clock, but never further than NARA_HLC_MAX_DRIFT_MS ahead of
 * the local wall clock: one device with a clock set in the future cannot drag
 * every other device's clock with it.  The event is accepted all the same
 * (acceptance must not depend on local time, or replicas would diverge).
 *
 * These functions are pure: time is always an argument.
 */
#ifndef NARA_HLC_H
#define NARA_HLC_H

#include <stdint.h>

#include "nara_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NARA_HLC_LOGICAL_BITS 16
#define NARA_HLC_MAX_DRIFT_MS (5u * 60u * 1000u)

static inline uint64_t nara_hlc_make(uint64_t ms, uint16_t logical)
{
    return (ms << NARA_HLC_LOGICAL_BITS) | logical;
}

static inline uint64_t nara_hlc_ms(uint64_t hlc)
{
    return hlc >> NARA_HLC_LOGICAL_BITS;
}

/* Next timestamp for a local event: max(last + 1, wall_ms << 16).
 * NARA_CLOCK if the result would exceed NARA_HLC_MAX (2^47 - 1 ms: year
 * 6429), including when wall_ms itself is beyond it; *out is then unchanged. */
nara_err_t nara_hlc_tick(uint64_t last, uint64_t wall_ms, uint64_t *out);

/* Clock state after seeing a remote timestamp: max(last, min(remote,
 * end of millisecond wall_ms + NARA_HLC_MAX_DRIFT_MS)).  Cannot fail. */
uint64_t nara_hlc_observe(uint64_t last, uint64_t remote, uint64_t wall_ms);

#ifdef __cplusplus
}
#endif
#endif /* NARA_HLC_H */
