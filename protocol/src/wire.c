/*
 * wire.c - encode and decode sync messages (docs/protocol.md, "Messages").
 *
 * Encoding uses msgpack-c's packer, whose integer, string, binary, array and
 * map headers are always the shortest form, so what we send is canonical.
 * Decoding uses the bounded reader below and never msgpack_unpack: every
 * declared count or length is checked against its limit and then against the
 * bytes that remain before anything is allocated or stepped over (wire.h,
 * invariants 1-3).  Any deviation from the one canonical form is
 * NARA_MALFORMED.
 *
 * Not here: what a message means in a given state (session.c, handshake.c,
 * flow.c) and the message size limit (checked by the caller first).
 */
#include "wire.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "nara_merkle.h"

/* ---- bounded reader -------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} rd_t;

/* Smallest encoded size of one version-vector entry: 94 c4 20 <32> a1 x 01 c4 20 <32>. */
#define VV_ENTRY_MIN 72u
/* Smallest ACK entry: 92 00 00.  Smallest event bin: c4 00.  Smallest
 * receipt entry: 94 00 00 01 c4 01 90 (an empty proof). */
#define ACK_ENTRY_MIN 3u
#define EVENT_BIN_MIN 2u
#define RECEIPT_ENTRY_MIN 7u
/* Error codes on the wire fit 16 bits (codes unknown to us are still shown). */
#define CODE_MAX 0xffffu

static size_t rd_left(const rd_t *r)
{
    return (size_t)(r->end - r->p);
}

/* n big-endian bytes (n <= 8) into *v. */
static nara_err_t rd_be(rd_t *r, size_t n, uint64_t *v)
{
    if (rd_left(r) < n)
        return NARA_MALFORMED;
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v = (*v << 8) | r->p[i];
    r->p += n;
    return NARA_OK;
}

static nara_err_t rd_byte(rd_t *r, uint8_t *b)
{
    if (rd_left(r) < 1)
        return NARA_MALFORMED;
    *b = *r->p++;
    return NARA_OK;
}

/* A non-negative integer in its shortest form. */
static nara_err_t rd_uint(rd_t *r, uint64_t *v)
{
    static const uint64_t min[4] = {0x80u, 0x100u, 0x10000u, 0x100000000u};
    uint8_t b;
    if (rd_byte(r, &b) != NARA_OK)
        return NARA_MALFORMED;
    if (b <= 0x7f) {
        *v = b;
        return NARA_OK;
    }
    if (b < 0xcc || b > 0xcf)
        return NARA_MALFORMED;
    unsigned k = b - 0xccu;
    if (rd_be(r, (size_t)1 << k, v) != NARA_OK || *v < min[k])
        return NARA_MALFORMED;
    return NARA_OK;
}

/* An array (map = false) or map header in its shortest form. */
static nara_err_t rd_count(rd_t *r, bool map, uint64_t *n)
{
    uint8_t b, fix = map ? 0x80 : 0x90, w16 = map ? 0xde : 0xdc;
    if (rd_byte(r, &b) != NARA_OK)
        return NARA_MALFORMED;
    if ((b & 0xf0) == fix) {
        *n = b & 0x0fu;
        return NARA_OK;
    }
    if (b == w16)
        return (rd_be(r, 2, n) == NARA_OK && *n >= 16) ? NARA_OK : NARA_MALFORMED;
    if (b == w16 + 1)
        return (rd_be(r, 4, n) == NARA_OK && *n >= 0x10000) ? NARA_OK : NARA_MALFORMED;
    return NARA_MALFORMED;
}

/* A str (str = true) or bin in its shortest form; its payload must fit. */
static nara_err_t rd_blob(rd_t *r, bool str, const uint8_t **data, size_t *len)
{
    uint8_t b;
    uint64_t n = 0, min = 0;
    if (rd_byte(r, &b) != NARA_OK)
        return NARA_MALFORMED;
    if (str && (b & 0xe0) == 0xa0) {
        n = b & 0x1fu;
    } else {
        uint8_t base = str ? 0xd9 : 0xc4;
        static const uint64_t str_min[3] = {32, 0x100, 0x10000}, bin_min[3] = {0, 0x100, 0x10000};
        if (b < base || b > base + 2)
            return NARA_MALFORMED;
        unsigned k = b - base;
        min = str ? str_min[k] : bin_min[k];
        if (rd_be(r, (size_t)1 << k, &n) != NARA_OK || n < min)
            return NARA_MALFORMED;
    }
    if (n > rd_left(r))
        return NARA_MALFORMED;
    *data = r->p;
    *len = (size_t)n;
    r->p += n;
    return NARA_OK;
}

static nara_err_t rd_bin_fixed(rd_t *r, size_t want, const uint8_t **data)
{
    size_t n;
    if (rd_blob(r, false, data, &n) != NARA_OK || n != want)
        return NARA_MALFORMED;
    return NARA_OK;
}

static nara_err_t rd_bool(rd_t *r, bool *v)
{
    uint8_t b;
    if (rd_byte(r, &b) != NARA_OK || (b != 0xc2 && b != 0xc3))
        return NARA_MALFORMED;
    *v = b == 0xc3;
    return NARA_OK;
}

/* Well-formed UTF-8: no overlong forms, surrogates or values past U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k = c < 0x80             ? 0
                   : (c & 0xe0) == 0xc0 ? 1
                   : (c & 0xf0) == 0xe0 ? 2
                   : (c & 0xf8) == 0xf0 ? 3
                                        : 9;
        if (k == 9 || k > n - i - 1)
            return false; /* invalid lead byte, or sequence cut short */
        uint32_t cp = k == 0 ? c : (uint32_t)(c & (0x3f >> k));
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

/* Stream names as in nara_event.h: 1..NARA_STREAM_MAX bytes of [a-z0-9._-]. */
static bool stream_valid(const uint8_t *s, size_t n)
{
    if (n == 0 || n > NARA_STREAM_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---- message bodies -------------------------------------------------------- */

static nara_err_t rd_vv_entry(rd_t *r, nara_feed_head_t *e)
{
    uint64_t n;
    const uint8_t *author, *stream, *head;
    size_t slen;
    if (rd_count(r, false, &n) != NARA_OK || n != 4 ||
        rd_bin_fixed(r, NARA_PUBLICKEY_BYTES, &author) != NARA_OK ||
        rd_blob(r, true, &stream, &slen) != NARA_OK || !stream_valid(stream, slen) ||
        rd_uint(r, &e->seq) != NARA_OK || e->seq == 0 || e->seq > (uint64_t)NARA_SEQ_MAX ||
        rd_bin_fixed(r, NARA_ID_BYTES, &head) != NARA_OK)
        return NARA_MALFORMED;
    memcpy(e->author, author, NARA_PUBLICKEY_BYTES);
    memcpy(e->stream, stream, slen);
    e->stream[slen] = '\0';
    memcpy(e->head, head, NARA_ID_BYTES);
    return NARA_OK;
}

/* A version vector: count limit first, then fit, then strictly sorted entries. */
static nara_err_t rd_vv(rd_t *r, nara__feeds_t *out)
{
    uint64_t n;
    if (rd_count(r, false, &n) != NARA_OK)
        return NARA_MALFORMED;
    if (n > NARA_MAX_VV_ENTRIES)
        return NARA_TOO_LARGE;
    if (n > rd_left(r) / VV_ENTRY_MIN)
        return NARA_MALFORMED;
    if (n == 0)
        return NARA_OK;
    out->v = calloc((size_t)n, sizeof *out->v);
    if (!out->v)
        return NARA_NOMEM;
    out->cap = (size_t)n;
    for (size_t i = 0; i < n; i++) {
        nara_feed_head_t *e = &out->v[i];
        if (rd_vv_entry(r, e) != NARA_OK)
            return NARA_MALFORMED;
        if (i > 0 && nara__feed_cmp(e[-1].author, e[-1].stream, e->author, e->stream) >= 0)
            return NARA_MALFORMED;
        out->n = i + 1;
    }
    return NARA_OK;
}

static nara_err_t rd_key(rd_t *r, const char *want)
{
    const uint8_t *k;
    size_t n;
    if (rd_blob(r, true, &k, &n) != NARA_OK || n != strlen(want) || memcmp(k, want, n) != 0)
        return NARA_MALFORMED;
    return NARA_OK;
}

static nara_err_t rd_limits(rd_t *r, nara__msg_t *m)
{
    uint64_t n;
    if (rd_count(r, true, &n) != NARA_OK || n != 3 || rd_key(r, "batch") != NARA_OK ||
        rd_uint(r, &m->lim_batch) != NARA_OK || rd_key(r, "message") != NARA_OK ||
        rd_uint(r, &m->lim_message) != NARA_OK || rd_key(r, "window") != NARA_OK ||
        rd_uint(r, &m->lim_window) != NARA_OK)
        return NARA_MALFORMED;
    return NARA_OK;
}

static nara_err_t rd_version(rd_t *r, nara__msg_t *m)
{
    if (rd_uint(r, &m->version) != NARA_OK)
        return NARA_MALFORMED;
    return m->version == NARA_PROTOCOL_VERSION ? NARA_OK : NARA_VERSION;
}

static nara_err_t rd_hello(rd_t *r, nara__msg_t *m)
{
    nara_err_t err = rd_version(r, m);
    if (err != NARA_OK)
        return err;
    if (rd_bin_fixed(r, NARA_PUBLICKEY_BYTES, &m->pk) != NARA_OK ||
        rd_bin_fixed(r, NARA_NONCE_BYTES, &m->nonce) != NARA_OK)
        return NARA_MALFORMED;
    return NARA_OK;
}

static nara_err_t rd_challenge(rd_t *r, nara__msg_t *m)
{
    nara_err_t err = rd_hello(r, m);
    if (err != NARA_OK)
        return err;
    return rd_bin_fixed(r, NARA_SIGNATURE_BYTES, &m->sig);
}

static nara_err_t rd_events(rd_t *r, const nara__wire_in_t *in, nara__msg_t *m)
{
    uint64_t n;
    if (in->events == NULL)
        return NARA_NOMEM; /* NEVER: the session makes them first */
    if (rd_uint(r, &m->batch_no) != NARA_OK || rd_count(r, false, &n) != NARA_OK)
        return NARA_MALFORMED;
    if (n > in->max_batch)
        return NARA_TOO_LARGE;
    if (n == 0 || n > rd_left(r) / EVENT_BIN_MIN)
        return NARA_MALFORMED;
    for (size_t i = 0; i < n; i++)
        if (rd_blob(r, false, &in->events[i].bytes, &in->events[i].len) != NARA_OK)
            return NARA_MALFORMED;
    m->n = (size_t)n;
    return NARA_OK;
}

static bool rd_nil(rd_t *r)
{
    if (rd_left(r) > 0 && *r->p == 0xc0) {
        r->p++;
        return true;
    }
    return false;
}

/* A bin of 1..max bytes (an encoded head or proof: its own decoder checks it). */
static nara_err_t rd_bin_max(rd_t *r, size_t max, const uint8_t **data, size_t *len)
{
    if (rd_blob(r, false, data, len) != NARA_OK || *len == 0 || *len > max)
        return NARA_MALFORMED;
    return NARA_OK;
}

/* WELCOME's head and consistency proof: both nil, or both bin. */
static nara_err_t rd_head_pair(rd_t *r, nara__msg_t *m)
{
    if (rd_nil(r))
        return rd_nil(r) ? NARA_OK : NARA_MALFORMED;
    if (rd_bin_max(r, NARA_TREE_HEAD_MAX_BYTES, &m->head, &m->head_len) != NARA_OK ||
        rd_bin_max(r, NARA_MERKLE_PROOF_MAX_BYTES, &m->cons, &m->cons_len) != NARA_OK)
        return NARA_MALFORMED;
    return NARA_OK;
}

/* An ACK's receipt: nil, or [head, consistency, [[index, leaf, count,
 * proof], ...]] with indices strictly ascending and counts >= 1 (that the
 * entries do not overlap is the session's check: ack_receipts.c). */
static nara_err_t rd_receipt(rd_t *r, const nara__wire_in_t *in, nara__msg_t *m)
{
    uint64_t n, k;
    if (rd_nil(r))
        return NARA_OK;
    if (in->receipts == NULL)
        return NARA_PROTOCOL; /* a receipt to a server: only servers give them */
    if (rd_count(r, false, &k) != NARA_OK || k != 3 || rd_head_pair(r, m) != NARA_OK ||
        m->head == NULL || rd_count(r, false, &n) != NARA_OK)
        return NARA_MALFORMED;
    if (n > in->max_batch)
        return NARA_TOO_LARGE;
    if (n > rd_left(r) / RECEIPT_ENTRY_MIN)
        return NARA_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        nara__receipt_entry_t *e = &in->receipts[i];
        if (rd_count(r, false, &k) != NARA_OK || k != 4 || rd_uint(r, &e->index) != NARA_OK ||
            rd_uint(r, &e->leaf) != NARA_OK || rd_uint(r, &e->count) != NARA_OK ||
            e->count == 0 ||
            rd_bin_max(r, NARA_MERKLE_RANGE_PROOF_MAX_BYTES, &e->proof, &e->proof_len) !=
                NARA_OK ||
            (i > 0 && e->index <= e[-1].index))
            return NARA_MALFORMED;
    }
    m->has_receipt = true;
    m->n_receipts = (size_t)n;
    return NARA_OK;
}

static nara_err_t rd_ack(rd_t *r, const nara__wire_in_t *in, nara__msg_t *m)
{
    uint64_t n, two;
    if (in->entries == NULL)
        return NARA_NOMEM; /* NEVER: the session makes them first */
    if (rd_uint(r, &m->batch_no) != NARA_OK || rd_uint(r, &m->added) != NARA_OK ||
        rd_uint(r, &m->duplicate) != NARA_OK || rd_count(r, false, &n) != NARA_OK)
        return NARA_MALFORMED;
    if (n > in->max_batch)
        return NARA_TOO_LARGE;
    if (n > rd_left(r) / ACK_ENTRY_MIN)
        return NARA_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        nara__ack_entry_t *e = &in->entries[i];
        if (rd_count(r, false, &two) != NARA_OK || two != 2 || rd_uint(r, &e->index) != NARA_OK ||
            rd_uint(r, &e->code) != NARA_OK || e->code == NARA_OK || e->code > CODE_MAX ||
            (i > 0 && e->index <= e[-1].index))
            return NARA_MALFORMED;
    }
    m->n = (size_t)n;
    return rd_receipt(r, in, m);
}

static nara_err_t rd_error(rd_t *r, nara__msg_t *m)
{
    const uint8_t *t;
    if (rd_uint(r, &m->code) != NARA_OK || m->code == NARA_OK || m->code > CODE_MAX ||
        rd_blob(r, true, &t, &m->text_len) != NARA_OK || m->text_len > NARA__ERROR_TEXT_MAX ||
        !utf8_valid(t, m->text_len) || rd_bool(r, &m->fatal) != NARA_OK)
        return NARA_MALFORMED;
    m->text = (const char *)t;
    return NARA_OK;
}

static nara_err_t rd_body(rd_t *r, const nara__wire_in_t *in, nara__msg_t *m)
{
    nara_err_t err;
    switch (m->type) {
    case NARA__MSG_HELLO:
        return rd_hello(r, m);
    case NARA__MSG_CHALLENGE:
        return rd_challenge(r, m);
    case NARA__MSG_AUTH:
        if (rd_bin_fixed(r, NARA_SIGNATURE_BYTES, &m->sig) != NARA_OK)
            return NARA_MALFORMED;
        err = rd_vv(r, &m->vv);
        if (err == NARA_OK)
            err = rd_limits(r, m);
        return err != NARA_OK ? err : rd_uint(r, &m->last_size);
    case NARA__MSG_WELCOME:
        err = rd_vv(r, &m->vv);
        if (err == NARA_OK)
            err = rd_limits(r, m);
        return err != NARA_OK ? err : rd_head_pair(r, m);
    case NARA__MSG_EVENTS:
        return rd_events(r, in, m);
    case NARA__MSG_ACK:
        return rd_ack(r, in, m);
    case NARA__MSG_ERROR:
        return rd_error(r, m);
    case NARA__MSG_SYNCED:
    case NARA__MSG_BYE:
        return NARA_OK;
    }
    return NARA_MALFORMED; /* NEVER: the type was checked */
}

nara_err_t nara__wire_decode(const uint8_t *buf, size_t len, const nara__wire_in_t *in,
                             nara__msg_t *m)
{
    /* Elements of each message type, type included; index = type. */
    static const uint8_t arity[10] = {0, 4, 5, 5, 5, 3, 6, 1, 4, 1};
    rd_t r = {buf, buf + len};
    uint64_t n, type;
    nara_err_t err;

    memset(m, 0, sizeof *m);
    if (rd_count(&r, false, &n) != NARA_OK || n == 0 || rd_uint(&r, &type) != NARA_OK ||
        type < NARA__MSG_HELLO || type > NARA__MSG_BYE)
        return NARA_MALFORMED;
    if (!(in->allowed & NARA__MSG_BIT(type)))
        return NARA_PROTOCOL;
    if (n != arity[type])
        return NARA_MALFORMED;
    m->type = (nara__msg_type_t)type;
    err = rd_body(&r, in, m);
    if (err == NARA_OK && r.p != r.end)
        err = NARA_MALFORMED;
    if (err != NARA_OK)
        goto err;
    return NARA_OK;
err:
    nara__feeds_free(&m->vv);
    memset(m, 0, sizeof *m);
    return err;
}

/* ---- encoders ---------------------------------------------------------------- */

static int buf_write(void *data, const char *src, size_t n)
{
    nara__buf_t *b = data;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}

static void packer(nara__buf_t *b, msgpack_packer *pk)
{
    b->len = 0;
    msgpack_packer_init(pk, b, buf_write);
}

static int pk_bin(msgpack_packer *pk, const uint8_t *p, size_t n)
{
    return msgpack_pack_bin(pk, n) || msgpack_pack_bin_body(pk, p, n);
}

static int pk_str(msgpack_packer *pk, const char *s, size_t n)
{
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

static int pk_vv(msgpack_packer *pk, const nara_feed_head_t *v, size_t n)
{
    if (msgpack_pack_array(pk, n))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (msgpack_pack_array(pk, 4) || pk_bin(pk, v[i].author, NARA_PUBLICKEY_BYTES) ||
            pk_str(pk, v[i].stream, strlen(v[i].stream)) || msgpack_pack_uint64(pk, v[i].seq) ||
            pk_bin(pk, v[i].head, NARA_ID_BYTES))
            return -1;
    return 0;
}

static int pk_head(msgpack_packer *pk, size_t n, nara__msg_type_t type)
{
    return msgpack_pack_array(pk, n) || msgpack_pack_uint64(pk, (uint64_t)type);
}

nara_err_t nara__wire_hello(nara__buf_t *b, const uint8_t pk[NARA_PUBLICKEY_BYTES],
                            const uint8_t nonce[NARA_NONCE_BYTES])
{
    msgpack_packer p;
    packer(b, &p);
    if (pk_head(&p, 4, NARA__MSG_HELLO) || msgpack_pack_uint64(&p, NARA_PROTOCOL_VERSION) ||
        pk_bin(&p, pk, NARA_PUBLICKEY_BYTES) || pk_bin(&p, nonce, NARA_NONCE_BYTES))
        return NARA_NOMEM;
    return NARA_OK;
}

nara_err_t nara__wire_challenge(nara__buf_t *b, const uint8_t pk[NARA_PUBLICKEY_BYTES],
                                const uint8_t nonce[NARA_NONCE_BYTES],
                                const uint8_t sig[NARA_SIGNATURE_BYTES])
{
    msgpack_packer p;
    packer(b, &p);
    if (pk_head(&p, 5, NARA__MSG_CHALLENGE) || msgpack_pack_uint64(&p, NARA_PROTOCOL_VERSION) ||
        pk_bin(&p, pk, NARA_PUBLICKEY_BYTES) || pk_bin(&p, nonce, NARA_NONCE_BYTES) ||
        pk_bin(&p, sig, NARA_SIGNATURE_BYTES))
        return NARA_NOMEM;
    return NARA_OK;
}

/* {"batch": b, "message": m, "window": w}: keys in bytewise order. */
static int pk_limits(msgpack_packer *pk, const nara__limits_t *lim)
{
    return msgpack_pack_map(pk, 3) || pk_str(pk, "batch", 5) ||
           msgpack_pack_uint64(pk, lim->batch) || pk_str(pk, "message", 7) ||
           msgpack_pack_uint64(pk, lim->message) || pk_str(pk, "window", 6) ||
           msgpack_pack_uint64(pk, lim->window);
}

nara_err_t nara__wire_auth(nara__buf_t *b, const uint8_t sig[NARA_SIGNATURE_BYTES],
                           const nara_feed_head_t *v, size_t n, const nara__limits_t *lim,
                           uint64_t last_size)
{
    msgpack_packer p;
    packer(b, &p);
    if (pk_head(&p, 5, NARA__MSG_AUTH) || pk_bin(&p, sig, NARA_SIGNATURE_BYTES) ||
        pk_vv(&p, v, n) || pk_limits(&p, lim) || msgpack_pack_uint64(&p, last_size))
        return NARA_NOMEM;
    return NARA_OK;
}

/* head and consistency proof, or two nils. */
static int pk_head_pair(msgpack_packer *p, const uint8_t *head, size_t head_len,
                        const uint8_t *cons, size_t cons_len)
{
    if (head == NULL)
        return msgpack_pack_nil(p) || msgpack_pack_nil(p);
    return pk_bin(p, head, head_len) || pk_bin(p, cons, cons_len);
}

nara_err_t nara__wire_welcome(nara__buf_t *b, const nara_feed_head_t *v, size_t n,
                              const nara__limits_t *lim, const uint8_t *head, size_t head_len,
                              const uint8_t *cons, size_t cons_len)
{
    msgpack_packer p;
    packer(b, &p);
    if (pk_head(&p, 5, NARA__MSG_WELCOME) || pk_vv(&p, v, n) || pk_limits(&p, lim) ||
        pk_head_pair(&p, head, head_len, cons, cons_len))
        return NARA_NOMEM;
    return NARA_OK;
}

nara_err_t nara__wire_ack(nara__buf_t *b, uint64_t batch_no, uint64_t added, uint64_t duplicate,
                          const nara__ack_entry_t *e, size_t n, const nara__receipt_out_t *rc)
{
    msgpack_packer p;
    packer(b, &p);
    if (pk_head(&p, 6, NARA__MSG_ACK) || msgpack_pack_uint64(&p, batch_no) ||
        msgpack_pack_uint64(&p, added) || msgpack_pack_uint64(&p, duplicate) ||
        msgpack_pack_array(&p, n))
        return NARA_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (msgpack_pack_array(&p, 2) || msgpack_pack_uint64(&p, e[i].index) ||
            msgpack_pack_uint64(&p, e[i].code))
            return NARA_NOMEM;
    if (rc == NULL)
        return msgpack_pack_nil(&p) ? NARA_NOMEM : NARA_OK;
    if (msgpack_pack_array(&p, 3) ||
        pk_head_pair(&p, rc->head, rc->head_len, rc->cons, rc->cons_len) ||
        msgpack_pack_array(&p, rc->n) ||
        (rc->entries_len && buf_write(b, (const char *)rc->entries, rc->entries_len)))
        return NARA_NOMEM;
    return NARA_OK;
}

nara_err_t nara__wire_receipt_entry(nara__buf_t *b, uint64_t index, uint64_t leaf, uint64_t count,
                                    const uint8_t *proof, size_t len)
{
    msgpack_packer p;
    msgpack_packer_init(&p, b, buf_write);
    if (msgpack_pack_array(&p, 4) || msgpack_pack_uint64(&p, index) ||
        msgpack_pack_uint64(&p, leaf) || msgpack_pack_uint64(&p, count) || pk_bin(&p, proof, len))
        return NARA_NOMEM;
    return NARA_OK;
}

size_t nara__wire_ack_overhead(size_t n)
{
    /* 96 06 + 3 uints (9 each) + array header (5) + n * (92 + 9 + 3)
     * + receipt: 93 + head bin (2 + 153) + proof bin (3 + 2179) + array header (5). */
    return 2 + 27 + 5 + n * 13 + 1 + 155 + 2182 + 5;
}

nara_err_t nara__wire_simple(nara__buf_t *b, nara__msg_type_t type)
{
    msgpack_packer p;
    packer(b, &p);
    return pk_head(&p, 1, type) ? NARA_NOMEM : NARA_OK;
}

nara_err_t nara__wire_error(nara__buf_t *b, nara_err_t code, const char *text, bool fatal)
{
    msgpack_packer p;
    size_t n = strlen(text);
    if (n > NARA__ERROR_TEXT_MAX)
        n = NARA__ERROR_TEXT_MAX; /* our texts are ASCII: no character is cut */
    packer(b, &p);
    if (pk_head(&p, 4, NARA__MSG_ERROR) || msgpack_pack_uint64(&p, (uint64_t)code) ||
        pk_str(&p, text, n) || (fatal ? msgpack_pack_true(&p) : msgpack_pack_false(&p)))
        return NARA_NOMEM;
    return NARA_OK;
}

nara_err_t nara__wire_events_begin(nara__buf_t *b)
{
    static const uint8_t zeros[NARA__EVENTS_HEADROOM];
    b->len = 0;
    return buf_write(b, (const char *)zeros, sizeof zeros) ? NARA_NOMEM : NARA_OK;
}

size_t nara__wire_events_cost(size_t len)
{
    return (len < 0x100 ? 2 : len < 0x10000 ? 3 : 5) + len;
}

nara_err_t nara__wire_events_add(nara__buf_t *b, const uint8_t *ev, size_t len)
{
    msgpack_packer p;
    msgpack_packer_init(&p, b, buf_write);
    return pk_bin(&p, ev, len) ? NARA_NOMEM : NARA_OK;
}

/* A fixed 16-byte target for the EVENTS header. */
typedef struct {
    uint8_t a[NARA__EVENTS_HEADROOM];
    size_t len;
} head_buf_t;

static int head_write(void *data, const char *src, size_t n)
{
    head_buf_t *h = data;
    if (n > sizeof h->a - h->len)
        return -1; /* NEVER: 1 + 1 + 9 + 5 bytes at most */
    memcpy(h->a + h->len, src, n);
    h->len += n;
    return 0;
}

nara_err_t nara__wire_events_finish(nara__buf_t *b, uint64_t batch_no, size_t n, nara_bytes_t *msg)
{
    head_buf_t h = {.len = 0};
    msgpack_packer p;
    msgpack_packer_init(&p, &h, head_write);
    if (b->len <= NARA__EVENTS_HEADROOM || pk_head(&p, 3, NARA__MSG_EVENTS) ||
        msgpack_pack_uint64(&p, batch_no) || msgpack_pack_array(&p, n))
        return NARA_INVAL;
    uint8_t *start = b->p + NARA__EVENTS_HEADROOM - h.len;
    memcpy(start, h.a, h.len);
    msg->bytes = start;
    msg->len = b->len - NARA__EVENTS_HEADROOM + h.len;
    return NARA_OK;
}

nara_err_t nara__buf_reserve(nara__buf_t *b, size_t cap)
{
    if (b->cap >= cap)
        return NARA_OK;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return NARA_NOMEM;
    b->p = p;
    b->cap = cap;
    return NARA_OK;
}

void nara__buf_free(nara__buf_t *b)
{
    if (!b)
        return;
    free(b->p);
    memset(b, 0, sizeof *b);
}
