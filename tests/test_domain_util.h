/*
 * test_domain_util.h - helpers for the domain tests: a replica (":memory:"
 * store + domain) with a wall clock that moves forward on every write, key
 * and enrolment shortcuts, syncing replicas through version vectors, and
 * small readers of the folded state.  Every helper fails the calling cmocka
 * test on an unexpected error.  Store-level helpers (keys, PRNG, event
 * lists) come from testutil.h.
 */
#ifndef NARA_TEST_DOMAIN_UTIL_H
#define NARA_TEST_DOMAIN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_domain.h"
#include "testutil.h"

#define TD_T0 1767225600000ULL /* 2026-01-01T00:00:00Z */
#define TD_HOUR (60ULL * 60ULL * 1000ULL)

typedef struct {
    nara_store_t *s;
    nara_domain_t *d;
    uint64_t wall; /* ms; td_tick advances it */
} td_replica_t;

/* Open a ":memory:" replica configured with root's public key. */
void td_open(td_replica_t *r, const nara_keypair_t *root);
void td_close(td_replica_t *r);
/* The wall time for the next write: +1 s each call (or set r->wall). */
uint64_t td_tick(td_replica_t *r);

/* Enrol dev with role and scope ("*" or comma-separated codes), written by
 * `by` on r.  id_out may be NULL. */
void td_enroll(td_replica_t *r, const nara_keypair_t *by, const nara_keypair_t *dev,
               nara_role_t role, const char *scope, uint8_t id_out[32]);
void td_revoke(td_replica_t *r, const nara_keypair_t *by, const nara_keypair_t *dev,
               uint8_t id_out[32]);
/* Open a case in region (pembangunan / koordinasi / sedang). */
void td_case_open(td_replica_t *r, const nara_keypair_t *kp, const char *region,
                  uint8_t case_id[32]);
/* Assign an LO with the replica's current assignment as `replaces`. */
void td_assign(td_replica_t *r, const nara_keypair_t *kp, const char *region, const char *officer,
               const char *agency, const char *effective, uint8_t id[32]);

/* Append an event with an arbitrary body (tests of malformed events). */
void td_append_raw(td_replica_t *r, const nara_keypair_t *kp, const char *stream, const char *kind,
                   const nara_field_t *fields, size_t n, uint8_t id[32]);

/* Merge everything `from` has that `to` lacks, as one batch. */
void td_sync(td_replica_t *from, td_replica_t *to);

/* Folded-state readers. */
int td_status(td_replica_t *r, const uint8_t case_id[32]); /* -1: no such case */
/* The quarantine rule of an event, or -1 if it is not quarantined. */
int td_rule(td_replica_t *r, const uint8_t id[32]);
/* Timeline flags of an event of a case, or -1 if not on the timeline. */
int td_flags(td_replica_t *r, const uint8_t case_id[32], const uint8_t id[32]);
size_t td_count_conflicts(td_replica_t *r, const char *kind);
size_t td_count_quarantine(td_replica_t *r);
void td_digest(td_replica_t *r, uint8_t out[32]);
/* Refold everything from scratch and check the digest did not change. */
void td_check_refold(td_replica_t *r);

#endif
