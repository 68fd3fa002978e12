/*
 * bundle_write.c - the audit bundle writer (nara_bundle.h; docs/audit.md
 * section 5).
 *
 * Each record is packed with msgpack-c's packer (always the shortest
 * headers, so what we write is the one encoding the reader accepts) into a
 * buffer reserved once at NARA_BUNDLE_RECORD_MAX, then written behind its
 * length.  Every byte written goes through the running BLAKE2b hash that
 * the trailer ends with.
 *
 * Invariants: records are written in section order (a record of an earlier
 * section after a later one is NARA_OUT_OF_ORDER and writes nothing); after
 * the first write error the writer is failed and writes nothing more.
 */
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "nara_bundle.h"

struct nara_bundle_writer {
    FILE *f;
    uint8_t *buf;
    size_t len;
    int last_type;
    nara_bundle_counts_t counts;
    crypto_generichash_state hash;
    nara_err_t err;
};

static int buf_write(void *data, const char *src, size_t n)
{
    nara_bundle_writer_t *w = data;
    if (n > NARA_BUNDLE_RECORD_MAX - w->len)
        return -1;
    memcpy(w->buf + w->len, src, n);
    w->len += n;
    return 0;
}

static nara_err_t out(nara_bundle_writer_t *w, const void *p, size_t n)
{
    if (w->err != NARA_OK)
        return w->err;
    if (n && fwrite(p, 1, n, w->f) != n)
        return w->err = NARA_IO;
    crypto_generichash_update(&w->hash, p, n);
    return NARA_OK;
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Begin a record of `type` with `elements` array entries (type included). */
static nara_err_t begin(nara_bundle_writer_t *w, nara_brec_type_t type, size_t elements,
                        msgpack_packer *pk)
{
    if (w->err != NARA_OK)
        return w->err;
    if ((int)type < w->last_type)
        return NARA_OUT_OF_ORDER;
    w->len = 0;
    msgpack_packer_init(pk, w, buf_write);
    if (msgpack_pack_array(pk, elements) || msgpack_pack_uint64(pk, (uint64_t)type))
        return NARA_TOO_LARGE;
    return NARA_OK;
}

static nara_err_t finish_record(nara_bundle_writer_t *w, nara_brec_type_t type, int pack_rc)
{
    uint8_t len4[4];
    uint64_t *c[7] = {NULL,
                      NULL,
                      &w->counts.heads,
                      &w->counts.consistency,
                      &w->counts.inclusion,
                      &w->counts.events,
                      &w->counts.forks};
    if (pack_rc != 0)
        return NARA_TOO_LARGE;
    put_be(len4, w->len, 4);
    nara_err_t err = out(w, len4, 4);
    if (err == NARA_OK)
        err = out(w, w->buf, w->len);
    if (err != NARA_OK)
        return err;
    w->last_type = (int)type;
    if (c[type])
        (*c[type])++;
    return NARA_OK;
}

static int pk_bin(msgpack_packer *pk, const uint8_t *p, size_t n)
{
    return msgpack_pack_bin(pk, n) || msgpack_pack_bin_body(pk, p, n);
}

static int pk_str(msgpack_packer *pk, const char *s, size_t n)
{
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

static int pk_proof(msgpack_packer *pk, const nara_merkle_proof_t *p)
{
    uint8_t enc[NARA_MERKLE_PROOF_MAX_BYTES];
    size_t n = 0;
    if (nara_merkle_proof_encode(p, enc, sizeof enc, &n) != NARA_OK)
        return -1;
    return pk_bin(pk, enc, n);
}

/* ---- public ---------------------------------------------------------------------- */

nara_err_t nara_bundle_writer_open(FILE *f, const nara_bundle_header_t *h,
                                   nara_bundle_writer_t **outw)
{
    static const uint8_t magic[NARA_BUNDLE_MAGIC_BYTES] = NARA_BUNDLE_MAGIC;
    nara_bundle_writer_t *w;
    msgpack_packer pk;
    if (outw == NULL)
        return NARA_INVAL;
    *outw = NULL;
    if (f == NULL || h == NULL || (h->regions == NULL && h->regions_len) ||
        (h->note == NULL && h->note_len) || h->regions_len > NARA_BUNDLE_REGIONS_MAX ||
        h->note_len > NARA_BUNDLE_NOTE_MAX)
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    w = calloc(1, sizeof *w);
    if (w == NULL || (w->buf = malloc(NARA_BUNDLE_RECORD_MAX)) == NULL) {
        free(w);
        return NARA_NOMEM;
    }
    w->f = f;
    crypto_generichash_init(&w->hash, NULL, 0, 32);
    nara_err_t err = out(w, magic, sizeof magic);
    if (err == NARA_OK)
        err = begin(w, NARA_BREC_HEADER, 6, &pk);
    if (err == NARA_OK)
        err = finish_record(w, NARA_BREC_HEADER,
                            pk_bin(&pk, h->root, NARA_PUBLICKEY_BYTES) ||
                                pk_str(&pk, h->regions ? h->regions : "", h->regions_len) ||
                                msgpack_pack_uint64(&pk, h->created_ms) ||
                                (h->complete ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk)) ||
                                pk_str(&pk, h->note ? h->note : "", h->note_len));
    if (err != NARA_OK) {
        nara_bundle_writer_free(w);
        return err;
    }
    *outw = w;
    return NARA_OK;
}

nara_err_t nara_bundle_write_head(nara_bundle_writer_t *w, const nara_tree_head_t *h)
{
    uint8_t enc[NARA_TREE_HEAD_MAX_BYTES];
    size_t n = 0;
    msgpack_packer pk;
    if (w == NULL || h == NULL)
        return NARA_INVAL;
    nara_err_t err = nara_tree_head_encode(h, enc, sizeof enc, &n);
    if (err == NARA_OK)
        err = begin(w, NARA_BREC_HEAD, 2, &pk);
    return err != NARA_OK ? err : finish_record(w, NARA_BREC_HEAD, pk_bin(&pk, enc, n));
}

nara_err_t nara_bundle_write_consistency(nara_bundle_writer_t *w, uint64_t first, uint64_t second,
                                         const nara_merkle_proof_t *p)
{
    msgpack_packer pk;
    if (w == NULL || p == NULL)
        return NARA_INVAL;
    nara_err_t err = begin(w, NARA_BREC_CONSISTENCY, 4, &pk);
    return err != NARA_OK ? err
                          : finish_record(w, NARA_BREC_CONSISTENCY,
                                          msgpack_pack_uint64(&pk, first) ||
                                              msgpack_pack_uint64(&pk, second) || pk_proof(&pk, p));
}

nara_err_t nara_bundle_write_inclusion(nara_bundle_writer_t *w, const uint8_t id[NARA_ID_BYTES],
                                       uint64_t size, uint64_t index, const nara_merkle_proof_t *p)
{
    msgpack_packer pk;
    if (w == NULL || id == NULL || p == NULL)
        return NARA_INVAL;
    nara_err_t err = begin(w, NARA_BREC_INCLUSION, 5, &pk);
    return err != NARA_OK
               ? err
               : finish_record(w, NARA_BREC_INCLUSION,
                               pk_bin(&pk, id, NARA_ID_BYTES) || msgpack_pack_uint64(&pk, size) ||
                                   msgpack_pack_uint64(&pk, index) || pk_proof(&pk, p));
}

nara_err_t nara_bundle_write_event(nara_bundle_writer_t *w, bool has_leaf, uint64_t leaf,
                                   const uint8_t *ev, size_t len)
{
    msgpack_packer pk;
    if (w == NULL || ev == NULL || len == 0)
        return NARA_INVAL;
    if (len > NARA_EVENT_MAX_BYTES)
        return NARA_TOO_LARGE;
    nara_err_t err = begin(w, NARA_BREC_EVENT, 3, &pk);
    return err != NARA_OK ? err
                          : finish_record(w, NARA_BREC_EVENT,
                                          (has_leaf ? msgpack_pack_uint64(&pk, leaf)
                                                    : msgpack_pack_nil(&pk)) ||
                                              pk_bin(&pk, ev, len));
}

nara_err_t nara_bundle_write_fork(nara_bundle_writer_t *w, const uint8_t *held, size_t held_len,
                                  const uint8_t *other, size_t other_len)
{
    msgpack_packer pk;
    if (w == NULL || held == NULL || other == NULL || held_len == 0 || other_len == 0)
        return NARA_INVAL;
    if (held_len > NARA_EVENT_MAX_BYTES || other_len > NARA_EVENT_MAX_BYTES)
        return NARA_TOO_LARGE;
    nara_err_t err = begin(w, NARA_BREC_FORK, 3, &pk);
    return err != NARA_OK
               ? err
               : finish_record(w, NARA_BREC_FORK,
                               pk_bin(&pk, held, held_len) || pk_bin(&pk, other, other_len));
}

nara_err_t nara_bundle_write_rec(nara_bundle_writer_t *w, const nara_bundle_rec_t *rec)
{
    if (w == NULL || rec == NULL)
        return NARA_INVAL;
    switch (rec->type) {
    case NARA_BREC_HEAD:
        return nara_bundle_write_head(w, &rec->head);
    case NARA_BREC_CONSISTENCY:
        return nara_bundle_write_consistency(w, rec->first, rec->second, &rec->proof);
    case NARA_BREC_INCLUSION:
        return nara_bundle_write_inclusion(w, rec->id, rec->size, rec->index, &rec->proof);
    case NARA_BREC_EVENT:
        return nara_bundle_write_event(w, rec->has_leaf, rec->leaf, rec->event.bytes,
                                       rec->event.len);
    case NARA_BREC_FORK:
        return nara_bundle_write_fork(w, rec->held.bytes, rec->held.len, rec->other.bytes,
                                      rec->other.len);
    case NARA_BREC_HEADER:
        break;
    }
    return NARA_INVAL; /* the header is written by nara_bundle_writer_open */
}

nara_err_t nara_bundle_writer_finish(nara_bundle_writer_t *w, nara_bundle_counts_t *counts)
{
    uint8_t t[4 + 40], h[32];
    if (w == NULL)
        return NARA_INVAL;
    memset(t, 0, 4);
    put_be(t + 4, w->counts.heads, 8);
    put_be(t + 12, w->counts.consistency, 8);
    put_be(t + 20, w->counts.inclusion, 8);
    put_be(t + 28, w->counts.events, 8);
    put_be(t + 36, w->counts.forks, 8);
    nara_err_t err = out(w, t, sizeof t);
    if (err != NARA_OK)
        return err;
    crypto_generichash_final(&w->hash, h, sizeof h);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h || fflush(w->f) != 0)
        return w->err = NARA_IO;
    w->err = NARA_CLOSED; /* nothing more may be written */
    if (counts)
        *counts = w->counts;
    return NARA_OK;
}

void nara_bundle_writer_free(nara_bundle_writer_t *w)
{
    if (w == NULL)
        return;
    free(w->buf);
    free(w);
}
