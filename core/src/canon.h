/*
 * canon.h - internal: a bounded reader for canonical msgpack.
 *
 * The reader walks raw bytes one header at a time.  It is the only code that
 * interprets untrusted msgpack, so it keeps these invariants:
 *
 *  1. It never allocates and never reads at or past `end`.
 *  2. Every declared length or count is compared with the bytes that remain
 *     before it is used; one that cannot fit is NARA_TRUNCATED at once, so a
 *     header such as DD FF FF FF FF costs nothing.
 *  3. Only the canonical form is accepted: shortest integer and length
 *     headers, negative formats only for negative values, no 0xc1, no
 *     float (NARA_FLOAT), no ext (NARA_EXT).
 *  4. Checks run in a fixed order, so one input always yields one error code
 *     (docs/format.md, section 3).
 *
 * It does not know what an event is: event.c applies the envelope rules on
 * top of nara__mp_next(), and nara__mp_scan_children() applies the body rules
 * (depth, entries, key order, UTF-8).
 */
#ifndef NARA_CANON_H
#define NARA_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_error.h"

typedef enum {
    NARA__MP_NIL,
    NARA__MP_BOOL,
    NARA__MP_UINT, /* any non-negative integer */
    NARA__MP_NEG,  /* a negative integer */
    NARA__MP_STR,
    NARA__MP_BIN,
    NARA__MP_ARRAY,
    NARA__MP_MAP
} nara__mp_kind_t;

/* One decoded header.  For STR and BIN the payload has been stepped over and
 * `data` points at it; for ARRAY and MAP only the header has been read and
 * the elements follow. */
typedef struct {
    nara__mp_kind_t kind;
    uint64_t u;          /* BOOL 0/1, UINT value, STR/BIN byte length, ARRAY/MAP count */
    int64_t i;           /* NEG value (always < 0) */
    const uint8_t *data; /* STR/BIN payload, borrowed from the input */
} nara__mp_item_t;

typedef struct {
    const uint8_t *p;   /* next unread byte */
    const uint8_t *end; /* one past the last byte that may be read */
} nara__mp_reader_t;

/* Read one header (and a str/bin payload) at r->p.  On success r->p moves past
 * it.  Errors: NARA_TRUNCATED, NARA_TYPE (0xc1), NARA_FLOAT, NARA_EXT,
 * NARA_NONCANONICAL.  On failure r->p is unchanged and *it is zeroed. */
nara_err_t nara__mp_next(nara__mp_reader_t *r, nara__mp_item_t *it);

/* Scan the elements of the array or map `c` (just read by nara__mp_next),
 * which sits at nesting `depth` (the body map is depth 1), applying the body
 * rules: depth <= NARA_BODY_MAX_DEPTH, entries <= NARA_BODY_MAX_ENTRIES, keys
 * unique sorted str of <= NARA_BODY_MAX_KEY bytes, every str valid UTF-8. */
nara_err_t nara__mp_scan_children(nara__mp_reader_t *r, const nara__mp_item_t *c, unsigned depth);

/* True if s[0..n) is well-formed UTF-8: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequence. */
bool nara__utf8_valid(const uint8_t *s, size_t n);

/* A msgpack-c write callback into a fixed buffer, for encoders whose output
 * size is bounded in advance: msgpack_packer_init(&pk, &out, nara__fixed_write).
 * Overflowing the buffer is a bug in the caller's bound; it is reported to
 * msgpack-c as -1 and the buffer is left as it was. */
typedef struct {
    uint8_t *buf;
    size_t cap, len;
} nara__fixed_out_t;

int nara__fixed_write(void *data, const char *bytes, size_t n);

#endif /* NARA_CANON_H */
