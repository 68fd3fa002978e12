/*
 * testutil.h - helpers shared by the store and convergence tests: keys from
 * seeds, small canonical bodies built with msgpack_packer, feeds sealed
 * directly (no store), owned lists of encoded events, a seeded PRNG, and
 * temporary database paths.  Helpers fail the calling cmocka test on any
 * unexpected error, so tests can stay one behaviour long.
 */
#ifndef NARA_TESTUTIL_H
#define NARA_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "nara_event.h"
#include "nara_store.h"

/* ---- keys and bodies ---------------------------------------------------- */

/* Deterministic key: the seed is `seed` written little-endian, zero padded. */
void tu_keypair(uint64_t seed, nara_keypair_t *kp);

/* Canonical body {"n": n} or, with pad > 0, {"n": n, "p": "xxx..."} (pad
 * bytes).  Returns its length; asserts it fits in cap. */
size_t tu_body(uint8_t *buf, size_t cap, uint64_t n, size_t pad);

/* ---- seeded PRNG (splitmix64) --------------------------------------------- */

typedef struct {
    uint64_t state;
} tu_rng_t;

void tu_rng_seed(tu_rng_t *r, uint64_t seed);
uint64_t tu_rand(tu_rng_t *r);
/* Uniform in [0, n); n > 0. */
size_t tu_below(tu_rng_t *r, size_t n);
/* Fisher-Yates shuffle of n size_t values. */
void tu_shuffle(tu_rng_t *r, size_t *v, size_t n);

/* ---- owned event lists -------------------------------------------------- */

typedef struct {
    nara_bytes_t *v; /* each v[i].bytes is malloc'd and owned by the list */
    size_t n, cap;
} tu_list_t;

void tu_list_push(tu_list_t *l, const uint8_t *bytes, size_t len);
void tu_list_free(tu_list_t *l);

/* ---- sealing without a store -------------------------------------------- */

/* A feed written by sealing events directly: seq and link of its head. */
typedef struct {
    nara_keypair_t kp;
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;
    uint8_t link[NARA_HASH_BYTES];
} tu_feed_t;

void tu_feed_init(tu_feed_t *f, uint64_t key_seed, const char *stream);

/* Seal the feed's next event (body tu_body(n, pad), kind "test.note") and
 * append it to out. */
void tu_feed_next(tu_feed_t *f, uint64_t hlc, uint64_t n, size_t pad, tu_list_t *out);

/* Corrupt the signature of the feed's head event, which must be out's last
 * entry (one bit of its last byte flipped, so it still decodes but fails
 * nara_event_verify with NARA_SIGNATURE), and point the feed at the corrupted
 * copy: the next tu_feed_next then signs a successor whose prev is that
 * copy's link, i.e. the author endorses an event with an invalid signature.
 * The corrupted event's id (unchanged by the flip) goes to id if not NULL. */
void tu_feed_break_head_sig(tu_feed_t *f, tu_list_t *out, uint8_t id[NARA_ID_BYTES]);

/* Seal any event (prev NULL for none) into buf; returns the length and fills
 * *ev (body pointer not kept). */
size_t tu_seal(const nara_keypair_t *kp, const char *stream, uint64_t seq, const uint8_t *prev,
               uint64_t hlc, uint64_t n, size_t pad, uint8_t *buf, size_t cap, nara_event_t *ev);

/* ---- store helpers ------------------------------------------------------ */

/* Everything `s` holds that `remote` lacks (nara_store_iter_missing), in the
 * iterator's order, appended to out. */
void tu_collect(nara_store_t *s, const nara_vv_t *remote, tu_list_t *out);

/* Merge l->v[from..from+count) as one batch; asserts NARA_OK.  outcomes may
 * be NULL. */
nara_merge_stats_t tu_merge_range(nara_store_t *s, const tu_list_t *l, size_t from, size_t count,
                                  nara_outcome_t *outcomes);
nara_merge_stats_t tu_merge(nara_store_t *s, const tu_list_t *l, nara_outcome_t *outcomes);

/* The accepted event's decoded form (body pointer cleared). */
void tu_get_event(nara_store_t *s, const uint8_t id[NARA_ID_BYTES], nara_event_t *ev);

/* A fresh file name under /tmp (the file exists, empty); remove it with
 * tu_remove_db, which also removes -wal and -shm. */
void tu_temp_path(char *buf, size_t cap);
void tu_remove_db(const char *path);

#endif /* NARA_TESTUTIL_H */
