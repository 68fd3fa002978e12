/*
 * workload.h - the province the benchmarks measure: a root key that enrols
 * one regency device per region of Jawa Barat (27), and each regency writing
 * the life of its cases (case.open, notes and actions, case.resolve, and
 * mostly case.close) into its region stream.  Real domain events, real
 * signatures, deterministic keys and contents.
 *
 * A workload of n events is generated once into DIR/wl-<n>/ (one file per
 * feed: feed-00 the province feed with the 27 enrolments, feed-01..27 one
 * regency each) and reused by later runs; a file "done" marks a complete
 * generation.  Readers stream it back in batches, so nothing holds the
 * workload in memory.
 */
#ifndef NARA_BENCH_WORKLOAD_H
#define NARA_BENCH_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nara_domain.h"
#include "nara_event.h"
#include "nara_store.h"

#define WL_REGIONS 27
#define WL_FEEDS (WL_REGIONS + 1) /* feed 0: province; feed i: region i-1 */
#define WL_EVENT_CAP 4096         /* every generated event is smaller */
#define WL_T0_MS 1767225600000ull /* 2026-01-01T00:00:00Z */

/* Deterministic keys: the province root and device `i` (any index). */
void wl_root_key(nara_keypair_t *kp);
void wl_device_key(uint32_t i, nara_keypair_t *kp);
/* Region code of region i (0..26) of the built-in list. */
const char *wl_region(size_t i);

/* One author's feed being written: seq, link of the last event, clock and
 * the case in progress.  Plain data. */
typedef struct {
    const nara_keypair_t *kp;
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;
    uint8_t link[NARA_HASH_BYTES];
    uint64_t ms;   /* wall clock of the last event */
    uint64_t rng;
    uint8_t case_id[NARA_ID_BYTES];
    uint8_t head[NARA_ID_BYTES]; /* last event of the case (its only head) */
    int step;                     /* position in the current case's script, 0: next opens */
    int middle;                   /* notes and actions in the current case */
    bool closes;                  /* the current case ends with case.close */
} wl_feed_t;

void wl_feed_init(wl_feed_t *f, const nara_keypair_t *kp, const char *stream, uint64_t seed,
                  uint64_t t0_ms);
/* Seal the next case event of f's script into buf (WL_EVENT_CAP bytes);
 * returns its length. */
size_t wl_feed_case_event(wl_feed_t *f, uint8_t *buf);
/* Seal a device.enroll of `device` (role, one region or "*") into buf. */
size_t wl_feed_enroll(wl_feed_t *f, const uint8_t device[NARA_PUBLICKEY_BYTES], nara_role_t role,
                      const char *region, const char *name, uint8_t *buf);

/* Generate (unless present) the workload of n events under dir; writes its
 * directory into path.  Uses `threads` cores. */
void wl_prepare(const char *dir, size_t n, unsigned threads, char *path, size_t cap);

/* A batch of events read back, borrowing the batch's arena. */
typedef struct {
    nara_bytes_t *ev;
    size_t n, cap;
    uint8_t *arena;
    size_t used, arena_cap;
    uint64_t bytes; /* sum of the events' lengths */
} wl_batch_t;

void wl_batch_init(wl_batch_t *b, size_t cap);
void wl_batch_free(wl_batch_t *b);

typedef struct {
    FILE *f[WL_FEEDS];
    uint64_t left[WL_FEEDS];
    uint64_t total;
    size_t cur; /* next regency feed in the round robin */
} wl_reader_t;

/* Open a prepared workload.  Feeds in `mask` only (bit i = feed i; ~0 all). */
void wl_open(wl_reader_t *r, const char *path, uint32_t mask);
void wl_close(wl_reader_t *r);
/* The next batch: the province feed first, then the regency feeds in turn,
 * up to `max` consecutive events of one feed per batch (the shape of a
 * device pushing its feed).  false at the end. */
bool wl_next(wl_reader_t *r, size_t max, wl_batch_t *b);
/* The next batch of feed i only. */
bool wl_next_feed(wl_reader_t *r, size_t feed, size_t max, wl_batch_t *b);

/* Merge a whole workload into `store` in batches of `batch` (no timing);
 * returns the events added.  Dies on error or if any event is not ADDED. */
uint64_t wl_merge_all(nara_store_t *store, const char *path, uint32_t mask, size_t batch);

/* ---- baselines ------------------------------------------------------------ */

/* What raw verification needs of one event. */
typedef struct {
    uint8_t pk[NARA_PUBLICKEY_BYTES];
    uint8_t sig[NARA_SIGNATURE_BYTES];
    uint8_t id[NARA_ID_BYTES];
} wl_sig_t;

/* crypto_sign_verify_detached over "nara/v1/event-sig\0" || id, nothing else
 * (no point check, no decoding): libsodium's own speed.  Runs on `threads`
 * cores; dies if any fails. */
void wl_raw_verify(const wl_sig_t *sigs, size_t n, unsigned threads);

#endif /* NARA_BENCH_WORKLOAD_H */
