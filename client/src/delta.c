/*
 * delta.c - writing and streaming-reading delta files (format and
 * invariants in delta.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "delta.h"
#include "msgs.h"

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- writer ------------------------------------------------------------------- */

nara_err_t nara_delta_write_begin(nara_delta_writer_t *w, FILE *f)
{
    w->f = f;
    w->count = 0;
    return fwrite(NARA_DELTA_MAGIC, 1, NARA_DELTA_HEADER_BYTES, f) == NARA_DELTA_HEADER_BYTES
               ? NARA_OK
               : NARA_IO;
}

nara_err_t nara_delta_write_event(nara_delta_writer_t *w, const uint8_t *ev, size_t len)
{
    uint8_t hdr[4];
    if (len == 0 || len > NARA_EVENT_MAX_BYTES)
        return NARA_TOO_LARGE;
    put_be(hdr, len, 4);
    if (fwrite(hdr, 1, 4, w->f) != 4 || fwrite(ev, 1, len, w->f) != len)
        return NARA_IO;
    w->count++;
    return NARA_OK;
}

nara_err_t nara_delta_write_end(nara_delta_writer_t *w)
{
    uint8_t tr[12];
    put_be(tr, 0, 4);
    put_be(tr + 4, w->count, 8);
    if (fwrite(tr, 1, sizeof tr, w->f) != sizeof tr || fflush(w->f) != 0 ||
        fsync(fileno(w->f)) != 0)
        return NARA_IO;
    return NARA_OK;
}

/* ---- reader -------------------------------------------------------------------- */

/* The damage at byte `at`: message `id` (with err's sentence appended unless
 * NARA_OK) in English and in the environment's language. */
static nara_err_t damaged(nara_delta_reader_t *r, uint64_t at, nara_err_t err, nara_msg_id_t id,
                          ...)
{
    va_list ap;
    r->bad_offset = at;
    va_start(ap, id);
    nara_msg_vformat2(r->why, sizeof r->why, r->why_local, sizeof r->why_local, err, id, ap);
    va_end(ap);
    return NARA_CORRUPT;
}

/* Read exactly n bytes; false at EOF or on an error. */
static bool read_exact(nara_delta_reader_t *r, uint8_t *p, size_t n)
{
    size_t got = fread(p, 1, n, r->f);
    r->offset += got;
    return got == n;
}

nara_err_t nara_delta_read_begin(nara_delta_reader_t *r, FILE *f)
{
    uint8_t hdr[NARA_DELTA_HEADER_BYTES];
    r->f = f;
    r->offset = r->count = r->bad_offset = 0;
    r->done = false;
    r->why[0] = r->why_local[0] = '\0';
    if (!read_exact(r, hdr, sizeof hdr) || memcmp(hdr, NARA_DELTA_MAGIC, sizeof hdr) != 0) {
        damaged(r, 0, NARA_OK, NARA_MSG_DELTA_NOT_DELTA);
        return NARA_VERSION;
    }
    return NARA_OK;
}

static nara_err_t read_trailer(nara_delta_reader_t *r, uint64_t at, bool *has)
{
    uint8_t cnt[8], extra;
    if (!read_exact(r, cnt, sizeof cnt))
        return damaged(r, at, NARA_OK, NARA_MSG_DELTA_TRAILER_TRUNCATED);
    if (get_be(cnt, 8) != r->count)
        return damaged(r, at, NARA_OK, NARA_MSG_DELTA_TRAILER_COUNT,
                       (unsigned long long)get_be(cnt, 8), (unsigned long long)r->count);
    if (fread(&extra, 1, 1, r->f) == 1)
        return damaged(r, r->offset, NARA_OK, NARA_MSG_DELTA_AFTER_TRAILER);
    r->done = true;
    *has = false;
    return NARA_OK;
}

/* Decode one event: damage if the record is not an event at all. */
static nara_err_t check_event(nara_delta_reader_t *r, uint64_t at, size_t len)
{
    nara_event_t ev;
    /* Only the framing and the encoding are the file's business: signatures,
     * chains and endorsements are judged by nara_store_merge exactly as in a
     * live sync (an event whose own signature fails may still be endorsed by
     * a later event of its feed). */
    nara_err_t err = nara_event_decode(r->buf, len, &ev);
    if (err == NARA_OK)
        return NARA_OK;
    return damaged(r, at, err, NARA_MSG_DELTA_BAD_RECORD, (unsigned long long)r->count + 1);
}

nara_err_t nara_delta_read_next(nara_delta_reader_t *r, nara_bytes_t *ev, bool *has)
{
    uint8_t hdr[4];
    uint64_t at = r->offset;
    *has = false;
    if (r->done)
        return NARA_OK;
    if (r->bad_offset || r->why[0])
        return NARA_CORRUPT;
    if (!read_exact(r, hdr, 4))
        return damaged(r, at, NARA_OK, NARA_MSG_DELTA_NO_TRAILER);
    uint64_t len = get_be(hdr, 4);
    if (len == 0)
        return read_trailer(r, at, has);
    if (len > NARA_EVENT_MAX_BYTES)
        return damaged(r, at, NARA_OK, NARA_MSG_DELTA_RECORD_TOO_LARGE);
    if (!read_exact(r, r->buf, (size_t)len))
        return damaged(r, at, NARA_OK, NARA_MSG_DELTA_RECORD_TRUNCATED);
    nara_err_t err = check_event(r, at, (size_t)len);
    if (err != NARA_OK)
        return err;
    r->count++;
    ev->bytes = r->buf;
    ev->len = (size_t)len;
    *has = true;
    return NARA_OK;
}
