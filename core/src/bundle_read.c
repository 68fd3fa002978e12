/*
 * bundle_read.c - the audit bundle reader (nara_bundle.h; docs/audit.md
 * section 5): magic, length-prefixed canonical records in section order,
 * end mark, counts and hash.
 *
 * Kept small and separate so that it can be fuzzed on its own.  It reads
 * untrusted bytes, so:
 *  1. Every length is compared with its bound before a byte of what it
 *     announces is read or buffered; the one record buffer is allocated at
 *     NARA_BUNDLE_RECORD_MAX once, so memory does not depend on the input.
 *  2. Records are decoded with the bounded canonical reader of canon.h:
 *     exactly one encoding per record is accepted, and nothing past the
 *     record's end is ever read.
 *  3. Failure is sticky: after the first error every call returns it, and
 *     the offset and message keep pointing at its cause.
 *
 * It checks form only: signatures, proofs and links are the audit's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "canon.h"
#include "nara_bundle.h"

struct nara_bundle_reader {
    FILE *f;
    const uint8_t *mem;
    size_t mem_len, mem_at;
    uint8_t *buf;     /* one record */
    uint64_t offset;  /* bytes consumed so far */
    uint64_t rec_off; /* offset of the record being read */
    uint64_t number;  /* records read */
    int last_type;    /* 0 before the HEADER */
    nara_bundle_counts_t counts;
    crypto_generichash_state hash;
    bool started, done;
    nara_err_t err;
    char msg[160];
};

/* ---- input ------------------------------------------------------------------ */

/* Up to n bytes; returns how many were read (fewer only at the end). */
static size_t raw_read(nara_bundle_reader_t *r, uint8_t *out, size_t n)
{
    if (r->f) {
        size_t got = fread(out, 1, n, r->f);
        if (got < n && ferror(r->f))
            r->err = NARA_IO;
        return got;
    }
    size_t left = r->mem_len - r->mem_at;
    size_t k = n < left ? n : left;
    memcpy(out, r->mem + r->mem_at, k);
    r->mem_at += k;
    return k;
}

static nara_err_t fail(nara_bundle_reader_t *r, nara_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static nara_err_t fail(nara_bundle_reader_t *r, nara_err_t err, const char *fmt, ...)
{
    va_list ap;
    if (r->err != NARA_OK && r->err != err)
        err = r->err; /* an I/O error found on the way wins */
    r->err = err;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return err;
}

/* Exactly n bytes, hashed; NARA_TRUNCATED if the file ends first. */
static nara_err_t read_exact(nara_bundle_reader_t *r, uint8_t *out, size_t n, bool hashed,
                             const char *what)
{
    size_t got = raw_read(r, out, n);
    r->offset += got;
    if (r->err != NARA_OK)
        return fail(r, r->err, "cannot read the file at byte %llu", (unsigned long long)r->offset);
    if (got < n)
        return fail(r, NARA_TRUNCATED, "the file ends inside %s (byte %llu)", what,
                    (unsigned long long)r->offset);
    if (hashed)
        crypto_generichash_update(&r->hash, out, n);
    return NARA_OK;
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- creation ------------------------------------------------------------------ */

static nara_err_t reader_new(nara_bundle_reader_t **out)
{
    nara_bundle_reader_t *r;
    if (out == NULL)
        return NARA_INVAL;
    *out = NULL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return NARA_NOMEM;
    r->buf = malloc(NARA_BUNDLE_RECORD_MAX);
    if (r->buf == NULL) {
        free(r);
        return NARA_NOMEM;
    }
    crypto_generichash_init(&r->hash, NULL, 0, 32);
    *out = r;
    return NARA_OK;
}

nara_err_t nara_bundle_reader_file(FILE *f, nara_bundle_reader_t **out)
{
    if (f == NULL)
        return NARA_INVAL;
    nara_err_t err = reader_new(out);
    if (err == NARA_OK)
        (*out)->f = f;
    return err;
}

nara_err_t nara_bundle_reader_mem(const uint8_t *buf, size_t len, nara_bundle_reader_t **out)
{
    if (buf == NULL && len > 0)
        return NARA_INVAL;
    nara_err_t err = reader_new(out);
    if (err == NARA_OK) {
        (*out)->mem = buf;
        (*out)->mem_len = len;
    }
    return err;
}

void nara_bundle_reader_free(nara_bundle_reader_t *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r);
}

uint64_t nara_bundle_reader_offset(const nara_bundle_reader_t *r)
{
    return r ? r->rec_off : 0;
}

const char *nara_bundle_reader_error(const nara_bundle_reader_t *r)
{
    return r ? r->msg : "";
}

/* ---- decoding one record ---------------------------------------------------------- */

typedef struct {
    nara__mp_reader_t mp;
    nara_bundle_reader_t *r;
} rd_t;

static nara_err_t expect(rd_t *d, nara__mp_kind_t kind, nara__mp_item_t *it)
{
    nara_err_t err = nara__mp_next(&d->mp, it);
    if (err == NARA_OK && it->kind != kind)
        err = NARA_TYPE;
    return err;
}

static nara_err_t rd_uint(rd_t *d, uint64_t *v)
{
    nara__mp_item_t it;
    nara_err_t err = expect(d, NARA__MP_UINT, &it);
    if (err == NARA_OK)
        *v = it.u;
    return err;
}

/* A bin of min..max bytes. */
static nara_err_t rd_bin(rd_t *d, size_t min, size_t max, nara_bytes_t *out)
{
    nara__mp_item_t it;
    nara_err_t err = expect(d, NARA__MP_BIN, &it);
    if (err != NARA_OK)
        return err;
    if (it.u > max)
        return NARA_TOO_LARGE;
    if (it.u < min)
        return NARA_TYPE;
    out->bytes = it.data;
    out->len = (size_t)it.u;
    return NARA_OK;
}

static nara_err_t rd_str(rd_t *d, size_t max, const char **s, size_t *len)
{
    nara__mp_item_t it;
    nara_err_t err = expect(d, NARA__MP_STR, &it);
    if (err != NARA_OK)
        return err;
    if (it.u > max)
        return NARA_TOO_LARGE;
    if (!nara__utf8_valid(it.data, (size_t)it.u))
        return NARA_UTF8;
    *s = (const char *)it.data;
    *len = (size_t)it.u;
    return NARA_OK;
}

static nara_err_t rd_proof(rd_t *d, nara_merkle_proof_t *p)
{
    nara_bytes_t b;
    nara_err_t err = rd_bin(d, 1, NARA_MERKLE_PROOF_MAX_BYTES, &b);
    return err != NARA_OK ? err : nara_merkle_proof_decode(b.bytes, b.len, p);
}

static nara_err_t rd_header(rd_t *d, nara_bundle_rec_t *rec)
{
    nara_bundle_header_t *h = &rec->header;
    nara__mp_item_t it;
    nara_bytes_t root;
    nara_err_t err = rd_bin(d, NARA_PUBLICKEY_BYTES, NARA_PUBLICKEY_BYTES, &root);
    if (err == NARA_OK) {
        memcpy(h->root, root.bytes, NARA_PUBLICKEY_BYTES);
        err = rd_str(d, NARA_BUNDLE_REGIONS_MAX, &h->regions, &h->regions_len);
    }
    if (err == NARA_OK)
        err = rd_uint(d, &h->created_ms);
    if (err == NARA_OK)
        err = expect(d, NARA__MP_BOOL, &it);
    if (err == NARA_OK) {
        h->complete = it.u != 0;
        err = rd_str(d, NARA_BUNDLE_NOTE_MAX, &h->note, &h->note_len);
    }
    return err;
}

static nara_err_t rd_event(rd_t *d, nara_bundle_rec_t *rec)
{
    nara__mp_item_t it;
    nara_err_t err = nara__mp_next(&d->mp, &it);
    if (err == NARA_OK && it.kind == NARA__MP_UINT) {
        rec->has_leaf = true;
        rec->leaf = it.u;
    } else if (err == NARA_OK && it.kind != NARA__MP_NIL) {
        err = NARA_TYPE;
    }
    return err != NARA_OK ? err : rd_bin(d, 1, NARA_EVENT_MAX_BYTES, &rec->event);
}

static nara_err_t rd_body(rd_t *d, nara_bundle_rec_t *rec)
{
    nara_bytes_t b, id;
    nara_err_t err;
    switch (rec->type) {
    case NARA_BREC_HEADER:
        return rd_header(d, rec);
    case NARA_BREC_HEAD:
        err = rd_bin(d, 1, NARA_TREE_HEAD_MAX_BYTES, &b);
        return err != NARA_OK ? err : nara_tree_head_decode(b.bytes, b.len, &rec->head);
    case NARA_BREC_CONSISTENCY:
        err = rd_uint(d, &rec->first);
        if (err == NARA_OK)
            err = rd_uint(d, &rec->second);
        return err != NARA_OK ? err : rd_proof(d, &rec->proof);
    case NARA_BREC_INCLUSION:
        err = rd_bin(d, NARA_ID_BYTES, NARA_ID_BYTES, &id);
        if (err == NARA_OK) {
            memcpy(rec->id, id.bytes, NARA_ID_BYTES);
            err = rd_uint(d, &rec->size);
        }
        if (err == NARA_OK)
            err = rd_uint(d, &rec->index);
        return err != NARA_OK ? err : rd_proof(d, &rec->proof);
    case NARA_BREC_EVENT:
        return rd_event(d, rec);
    case NARA_BREC_FORK:
        err = rd_bin(d, 1, NARA_EVENT_MAX_BYTES, &rec->held);
        return err != NARA_OK ? err : rd_bin(d, 1, NARA_EVENT_MAX_BYTES, &rec->other);
    }
    return NARA_TYPE; /* NEVER: the type was checked */
}

static const uint8_t arity[7] = {0, 6, 2, 4, 5, 3, 3};
static const char *const names[7] = {
    "", "header", "tree head", "consistency proof", "inclusion proof", "event", "fork"};

static nara_err_t decode(nara_bundle_reader_t *r, size_t n, nara_bundle_rec_t *rec)
{
    rd_t d = {{r->buf, r->buf + n}, r};
    nara__mp_item_t it;
    uint64_t type = 0;
    nara_err_t err = expect(&d, NARA__MP_ARRAY, &it);
    if (err == NARA_OK && it.u == 0)
        err = NARA_TYPE;
    if (err == NARA_OK)
        err = rd_uint(&d, &type);
    if (err == NARA_OK && (type < NARA_BREC_HEADER || type > NARA_BREC_FORK))
        err = NARA_TYPE;
    if (err == NARA_OK && it.u != arity[type])
        err = NARA_TYPE;
    if (err != NARA_OK)
        return fail(r, err, "record %llu (byte %llu): not a bundle record (%s)",
                    (unsigned long long)r->number, (unsigned long long)r->rec_off,
                    nara_err_name(err));
    if ((r->last_type == 0) != (type == NARA_BREC_HEADER) || (int)type < r->last_type)
        return fail(r, NARA_OUT_OF_ORDER, "record %llu (byte %llu): a %s %s",
                    (unsigned long long)r->number, (unsigned long long)r->rec_off, names[type],
                    r->last_type == 0 ? "where the header must come first"
                                      : "after the section where it belongs");
    rec->type = (nara_brec_type_t)type;
    err = rd_body(&d, rec);
    if (err == NARA_OK && d.mp.p != d.mp.end)
        err = NARA_TRAILING;
    if (err != NARA_OK)
        return fail(r, err, "record %llu (byte %llu): malformed %s (%s)",
                    (unsigned long long)r->number, (unsigned long long)r->rec_off, names[type],
                    nara_err_name(err));
    r->last_type = (int)type;
    return NARA_OK;
}

/* ---- framing ------------------------------------------------------------------------- */

static nara_err_t read_magic(nara_bundle_reader_t *r)
{
    uint8_t m[NARA_BUNDLE_MAGIC_BYTES];
    static const uint8_t want[NARA_BUNDLE_MAGIC_BYTES] = NARA_BUNDLE_MAGIC;
    size_t got = raw_read(r, m, sizeof m);
    r->offset += got;
    if (r->err != NARA_OK)
        return fail(r, r->err, "cannot read the file");
    crypto_generichash_update(&r->hash, m, got);
    if (got == sizeof m && memcmp(m, want, sizeof m) == 0)
        return NARA_OK;
    if (got >= 12 && memcmp(m, want, 12) == 0)
        return fail(r, NARA_VERSION, "a bundle of another format version (%.15s)", (char *)m);
    return fail(r, NARA_VERSION, "not an audit bundle (no NARA-BUNDLE-V1 magic)");
}

static nara_err_t read_trailer(nara_bundle_reader_t *r)
{
    uint8_t c[40], h[32], want[32], extra;
    nara_err_t err = read_exact(r, c, sizeof c, true, "the trailer");
    if (err != NARA_OK)
        return err;
    crypto_generichash_final(&r->hash, want, sizeof want);
    err = read_exact(r, h, sizeof h, false, "the trailer");
    if (err != NARA_OK)
        return err;
    nara_bundle_counts_t k = {be(c, 8), be(c + 8, 8), be(c + 16, 8), be(c + 24, 8), be(c + 32, 8)};
    if (sodium_memcmp(h, want, sizeof h) != 0)
        return fail(r, NARA_CHECKSUM,
                    "the trailer's hash does not match the file: it was changed "
                    "or damaged after it was written");
    if (memcmp(&k, &r->counts, sizeof k) != 0)
        return fail(r, NARA_CHECKSUM, "the trailer's record counts do not match the records");
    if (raw_read(r, &extra, 1) != 0 || r->err != NARA_OK)
        return fail(r, r->err != NARA_OK ? r->err : NARA_TRAILING,
                    "bytes follow the trailer (byte %llu)", (unsigned long long)r->offset);
    return NARA_OK;
}

static void count(nara_bundle_reader_t *r, nara_brec_type_t t)
{
    uint64_t *c[7] = {NULL,
                      NULL,
                      &r->counts.heads,
                      &r->counts.consistency,
                      &r->counts.inclusion,
                      &r->counts.events,
                      &r->counts.forks};
    if (c[t])
        (*c[t])++;
}

nara_err_t nara_bundle_read(nara_bundle_reader_t *r, nara_bundle_rec_t *rec, bool *has)
{
    uint8_t len4[4];
    nara_err_t err;
    if (r == NULL || rec == NULL || has == NULL)
        return NARA_INVAL;
    *has = false;
    if (r->err != NARA_OK || r->done)
        return r->err;
    if (!r->started) {
        r->started = true;
        err = read_magic(r);
        if (err != NARA_OK)
            return err;
    }
    memset(rec, 0, sizeof *rec);
    r->rec_off = r->offset;
    err = read_exact(r, len4, 4, true, "a record length");
    if (err != NARA_OK)
        return err;
    uint64_t n = be(len4, 4);
    if (n == 0) {
        if (r->last_type == 0)
            return fail(r, NARA_OUT_OF_ORDER, "the bundle has no header record");
        err = read_trailer(r);
        r->done = err == NARA_OK;
        return err;
    }
    if (n > NARA_BUNDLE_RECORD_MAX)
        return fail(r, NARA_TOO_LARGE, "record %llu (byte %llu) claims %llu bytes (at most %u)",
                    (unsigned long long)r->number, (unsigned long long)r->rec_off,
                    (unsigned long long)n, NARA_BUNDLE_RECORD_MAX);
    err = read_exact(r, r->buf, (size_t)n, true, "a record");
    if (err == NARA_OK)
        err = decode(r, (size_t)n, rec);
    if (err != NARA_OK)
        return err;
    rec->number = r->number++;
    rec->offset = r->rec_off;
    count(r, rec->type);
    *has = true;
    return NARA_OK;
}
