/*
 * delta.h - the sneakernet delta file: signed events carried on a USB stick
 * between replicas that cannot connect (docs/client.md, "Delta files").
 *
 * Format (all integers big-endian):
 *   header   16 bytes: "NARA-DELTA-V1\n" followed by two zero bytes
 *   records  repeated: u32 length (1..NARA_EVENT_MAX_BYTES), then that many
 *            bytes of one encoded signed event (docs/format.md)
 *   trailer  u32 0, then u64 count of records; nothing may follow
 *
 * Invariants:
 *  1. The writer never emits a record outside 1..NARA_EVENT_MAX_BYTES and
 *     always ends with the trailer; a file is written under a temporary name
 *     and renamed into place only once complete and fsync'd.
 *  2. The reader streams: it holds one event at a time, checks every length
 *     against the bound before reading, decodes each event and verifies its
 *     signature, and stops at the first damage with its byte offset.  Every
 *     record it returned before the damage is intact.
 */
#ifndef NARA_DELTA_H
#define NARA_DELTA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nara_error.h"
#include "nara_event.h"
#include "nara_store.h"

#define NARA_DELTA_MAGIC "NARA-DELTA-V1\n\0\0"
#define NARA_DELTA_HEADER_BYTES 16

typedef struct {
    FILE *f;
    uint64_t count;
} nara_delta_writer_t;

/* Write the header to f (opened "wb" by the caller).  NARA_IO on failure. */
nara_err_t nara_delta_write_begin(nara_delta_writer_t *w, FILE *f);
/* Append one record.  NARA_TOO_LARGE for an empty or oversized event. */
nara_err_t nara_delta_write_event(nara_delta_writer_t *w, const uint8_t *ev, size_t len);
/* Write the trailer, flush and fsync.  The caller closes f. */
nara_err_t nara_delta_write_end(nara_delta_writer_t *w);

typedef struct {
    FILE *f;
    uint64_t offset;    /* bytes consumed so far */
    uint64_t count;     /* records returned */
    bool done;          /* the trailer was read and checked */
    uint64_t bad_offset;/* where the damage starts (after an error) */
    char why[200];      /* what is wrong there, in English (for --json) */
    char why_local[300]; /* the same in the environment's language (msgs.h) */
    uint8_t buf[NARA_EVENT_MAX_BYTES];
} nara_delta_reader_t;

/* Check the header.  NARA_VERSION if it is not a delta file of version 1
 * (why and bad_offset say so). */
nara_err_t nara_delta_read_begin(nara_delta_reader_t *r, FILE *f);
/* Next record: *has false at the (valid) end.  On NARA_CORRUPT the file is
 * damaged at r->bad_offset (r->why); *ev points into r->buf until the next
 * call. */
nara_err_t nara_delta_read_next(nara_delta_reader_t *r, nara_bytes_t *ev, bool *has);

#endif /* NARA_DELTA_H */
