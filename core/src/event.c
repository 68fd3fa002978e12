/*
 * event.c - the signed event: envelope decoding, hashing, signing, sealing,
 * device keys.  docs/format.md is the byte-level specification.
 *
 * Invariants:
 *  1. nara_event_decode() accepts exactly the canonical encodings: it reads
 *     the raw bytes with the bounded reader in canon.c (never msgpack-c's
 *     unpacker, which reserves memory for whatever count a header claims),
 *     so every byte hashed is a byte received, and nothing is allocated.
 *  2. nara_event_seal() writes with msgpack-c's packer, which always picks
 *     the shortest form, after checking every rule the decoder checks; its
 *     output decodes to the same fields, id and signature (asserted in debug
 *     builds).
 *  3. The id covers the body only through body_hash; redaction swaps the
 *     body for that hash and changes neither id, signature nor link.
 *  4. Secret keys are only read here, never copied, and are wiped by
 *     nara_keypair_wipe().
 *
 * Checking the signature is separate (nara_event_verify) so that the store can
 * verify one signature per run of a feed; see "Verifying one signature per
 * run of a feed" in docs/format.md.
 */
#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "canon.h"
#include "nara_event.h"

/* Domain-separation prefixes; each is hashed or signed with its NUL. */
static const char body_prefix[] = "nara/v1/body";
static const char id_prefix[] = "nara/v1/id";
static const char sig_prefix[] = "nara/v1/event-sig";
static const char link_prefix[] = "nara/v1/link";

enum {
    ENVELOPE_ELEMENTS = 9,
    /* 0x99, version, author, stream, seq, prev, hlc, kind at their longest */
    HEAD_MAX = 1 + 1 + 34 + 34 + 9 + 34 + 9 + 34,
    SIG_PART = 2 + NARA_SIGNATURE_BYTES /* c4 40 || sig */
};

/* ---- crypto setup and keys ------------------------------------------- */

static atomic_int sodium_ready;

nara_err_t nara_crypto_init(void)
{
    if (atomic_load_explicit(&sodium_ready, memory_order_acquire))
        return NARA_OK;
    if (sodium_init() < 0)
        return NARA_CRYPTO; /* sodium_init is itself thread-safe */
    atomic_store_explicit(&sodium_ready, 1, memory_order_release);
    return NARA_OK;
}

nara_err_t nara_keypair_generate(nara_keypair_t *out)
{
    if (out == NULL)
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    return crypto_sign_keypair(out->pk, out->sk) == 0 ? NARA_OK : NARA_CRYPTO;
}

nara_err_t nara_keypair_from_seed(const uint8_t seed[NARA_SEED_BYTES], nara_keypair_t *out)
{
    if (seed == NULL || out == NULL)
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    return crypto_sign_seed_keypair(out->pk, out->sk, seed) == 0 ? NARA_OK : NARA_CRYPTO;
}

void nara_keypair_wipe(nara_keypair_t *kp)
{
    if (kp != NULL)
        sodium_memzero(kp, sizeof *kp);
}

void nara_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t k = 0; k < n; k++) {
        out[2 * k] = digits[bytes[k] >> 4];
        out[2 * k + 1] = digits[bytes[k] & 0x0f];
    }
    out[2 * n] = '\0';
}

/* ---- hashes ------------------------------------------------------------ */

static void hash_body(const uint8_t *body, size_t len, uint8_t out[NARA_HASH_BYTES])
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, NARA_HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)body_prefix, sizeof body_prefix);
    crypto_generichash_update(&st, body, len);
    crypto_generichash_final(&st, out, NARA_HASH_BYTES);
}

/* head = encoded elements [0..6], without the array header. */
static void hash_id(const uint8_t *head, size_t head_len, const uint8_t body_hash[NARA_HASH_BYTES],
                    uint8_t out[NARA_ID_BYTES])
{
    static const uint8_t array8[1] = {0x98}, bin32[2] = {0xc4, 0x20};
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, NARA_ID_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)id_prefix, sizeof id_prefix);
    crypto_generichash_update(&st, array8, sizeof array8);
    crypto_generichash_update(&st, head, head_len);
    crypto_generichash_update(&st, bin32, sizeof bin32);
    crypto_generichash_update(&st, body_hash, NARA_HASH_BYTES);
    crypto_generichash_final(&st, out, NARA_ID_BYTES);
}

static void sig_message(const uint8_t id[NARA_ID_BYTES],
                        uint8_t msg[sizeof sig_prefix + NARA_ID_BYTES])
{
    memcpy(msg, sig_prefix, sizeof sig_prefix);
    memcpy(msg + sizeof sig_prefix, id, NARA_ID_BYTES);
}

void nara_event_link(const nara_event_t *ev, uint8_t link[NARA_HASH_BYTES])
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, NARA_HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)link_prefix, sizeof link_prefix);
    crypto_generichash_update(&st, ev->id, NARA_ID_BYTES);
    crypto_generichash_update(&st, ev->sig, NARA_SIGNATURE_BYTES);
    crypto_generichash_final(&st, link, NARA_HASH_BYTES);
}

/* The author key check (crypto_core_ed25519_is_valid_point: a scalar
 * multiplication by L) costs about half a signature verification, and a
 * log has few authors, so each thread remembers the last KEY_CACHE keys it
 * found valid.  The check is a pure function of the 32 bytes, so a key found
 * valid once is valid forever; an invalid key is never remembered. */
enum { KEY_CACHE = 16 };
static _Thread_local struct {
    uint8_t pk[KEY_CACHE][NARA_PUBLICKEY_BYTES];
    unsigned n, next;
} valid_keys;

static bool key_valid(const uint8_t pk[NARA_PUBLICKEY_BYTES])
{
    for (unsigned i = 0; i < valid_keys.n; i++)
        if (memcmp(valid_keys.pk[i], pk, NARA_PUBLICKEY_BYTES) == 0)
            return true;
    if (!crypto_core_ed25519_is_valid_point(pk))
        return false;
    memcpy(valid_keys.pk[valid_keys.next], pk, NARA_PUBLICKEY_BYTES);
    valid_keys.next = (valid_keys.next + 1) % KEY_CACHE;
    if (valid_keys.n < KEY_CACHE)
        valid_keys.n++;
    return true;
}

/* The author must be a canonical, non-small-order point of the prime-order
 * subgroup; only then is the Ed25519 equation checked. */
nara_err_t nara_event_verify(const nara_event_t *ev)
{
    uint8_t msg[sizeof sig_prefix + NARA_ID_BYTES];

    if (ev == NULL)
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    if (!key_valid(ev->author))
        return NARA_BAD_KEY;
    sig_message(ev->id, msg);
    if (crypto_sign_verify_detached(ev->sig, msg, sizeof msg, ev->author) != 0)
        return NARA_SIGNATURE;
    return NARA_OK;
}

/* ---- field rules shared by decode and seal ----------------------------- */

/* stream and kind: 1..max bytes of [a-z0-9._-]. */
static nara_err_t check_name(const uint8_t *s, size_t n, size_t max, nara_err_t bad)
{
    if (n > max)
        return NARA_TOO_LARGE;
    if (n == 0)
        return bad;
    for (size_t k = 0; k < n; k++) {
        uint8_t c = s[k];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return bad;
    }
    return NARA_OK;
}

static nara_err_t check_seq(uint64_t seq)
{
    if (seq == 0)
        return NARA_BAD_SEQ;
    return seq > (uint64_t)NARA_SEQ_MAX ? NARA_TOO_LARGE : NARA_OK;
}

/* ---- decoding ------------------------------------------------------------ */

/* Read one element that must be of `kind`; anything else is NARA_TYPE. */
static nara_err_t expect(nara__mp_reader_t *r, nara__mp_kind_t kind, nara__mp_item_t *it)
{
    nara_err_t rc = nara__mp_next(r, it);

    if (rc != NARA_OK)
        return rc;
    return it->kind == kind ? NARA_OK : NARA_TYPE;
}

static nara_err_t read_bin_exact(nara__mp_reader_t *r, uint8_t *out, size_t n)
{
    nara__mp_item_t it;
    nara_err_t rc = expect(r, NARA__MP_BIN, &it);

    if (rc != NARA_OK)
        return rc;
    if (it.u != n)
        return NARA_TYPE;
    memcpy(out, it.data, n);
    return NARA_OK;
}

static nara_err_t read_name(nara__mp_reader_t *r, char *out, size_t max, nara_err_t bad)
{
    nara__mp_item_t it;
    nara_err_t rc = expect(r, NARA__MP_STR, &it);

    if (rc != NARA_OK)
        return rc;
    rc = check_name(it.data, (size_t)it.u, max, bad);
    if (rc != NARA_OK)
        return rc;
    memcpy(out, it.data, (size_t)it.u);
    out[it.u] = '\0';
    return NARA_OK;
}

static nara_err_t read_uint(nara__mp_reader_t *r, uint64_t *out)
{
    nara__mp_item_t it;
    nara_err_t rc = expect(r, NARA__MP_UINT, &it);

    *out = it.u;
    return rc;
}

/* [4] prev: nil, or bin 32; present exactly when seq > 1. */
static nara_err_t read_prev(nara__mp_reader_t *r, nara_event_t *ev)
{
    nara__mp_item_t it;
    nara_err_t rc = nara__mp_next(r, &it);

    if (rc != NARA_OK)
        return rc;
    if (it.kind == NARA__MP_BIN && it.u == NARA_HASH_BYTES) {
        ev->has_prev = true;
        memcpy(ev->prev, it.data, NARA_HASH_BYTES);
    } else if (it.kind != NARA__MP_NIL) {
        return NARA_TYPE;
    }
    return (ev->seq == 1) == !ev->has_prev ? NARA_OK : NARA_BAD_SEQ;
}

/* [7] body: a canonical map, or bin 32 = the hash of a redacted body. */
static nara_err_t read_body(nara__mp_reader_t *r, nara_event_t *ev)
{
    const uint8_t *start = r->p;
    nara__mp_item_t it;
    nara_err_t rc = nara__mp_next(r, &it);

    if (rc != NARA_OK)
        return rc;
    if (it.kind == NARA__MP_BIN) {
        if (it.u != NARA_HASH_BYTES)
            return NARA_TYPE;
        ev->redacted = true;
        memcpy(ev->body_hash, it.data, NARA_HASH_BYTES);
        return NARA_OK;
    }
    if (it.kind != NARA__MP_MAP)
        return NARA_TYPE;
    rc = nara__mp_scan_children(r, &it, 1);
    if (rc != NARA_OK)
        return rc;
    ev->body = start;
    ev->body_len = (size_t)(r->p - start);
    hash_body(ev->body, ev->body_len, ev->body_hash);
    return NARA_OK;
}

/* [0] version: a uint, then 1.  Read before the element count is checked so
 * that a future version with another layout is reported as NARA_VERSION. */
static nara_err_t read_version(nara__mp_reader_t *r, nara_event_t *ev)
{
    uint64_t v;
    nara_err_t rc = read_uint(r, &v);

    if (rc != NARA_OK)
        return rc;
    if (v != NARA_FORMAT_VERSION)
        return NARA_VERSION;
    ev->version = NARA_FORMAT_VERSION;
    return NARA_OK;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        nara_err_t try_rc_ = (expr);                                                               \
        if (try_rc_ != NARA_OK)                                                                    \
            return try_rc_;                                                                        \
    } while (0)

static nara_err_t decode_envelope(const uint8_t *buf, size_t len, nara_event_t *ev)
{
    nara__mp_reader_t r = {buf, buf + len};
    nara__mp_item_t top;
    const uint8_t *head;

    if (len > NARA_EVENT_MAX_BYTES)
        return NARA_TOO_LARGE;
    TRY(nara__mp_next(&r, &top));
    if (top.kind != NARA__MP_ARRAY || top.u == 0)
        return NARA_TYPE;
    head = r.p;
    TRY(read_version(&r, ev));
    if (top.u != ENVELOPE_ELEMENTS)
        return NARA_TYPE;
    TRY(read_bin_exact(&r, ev->author, NARA_PUBLICKEY_BYTES));
    TRY(read_name(&r, ev->stream, NARA_STREAM_MAX, NARA_BAD_STREAM));
    TRY(read_uint(&r, &ev->seq));
    TRY(check_seq(ev->seq));
    TRY(read_prev(&r, ev));
    TRY(read_uint(&r, &ev->hlc));
    if (ev->hlc > (uint64_t)NARA_HLC_MAX)
        return NARA_TOO_LARGE;
    TRY(read_name(&r, ev->kind, NARA_KIND_MAX, NARA_BAD_KIND));
    const uint8_t *head_end = r.p;
    TRY(read_body(&r, ev));
    TRY(read_bin_exact(&r, ev->sig, NARA_SIGNATURE_BYTES));
    if (r.p != r.end)
        return NARA_TRAILING;

    hash_id(head, (size_t)(head_end - head), ev->body_hash, ev->id);
    return NARA_OK;
}

nara_err_t nara_event_decode(const uint8_t *buf, size_t len, nara_event_t *ev)
{
    nara_err_t rc;

    if (ev == NULL)
        return NARA_INVAL;
    memset(ev, 0, sizeof *ev);
    if (buf == NULL)
        return NARA_INVAL;
    if (nara_crypto_init() != NARA_OK)
        return NARA_CRYPTO;
    rc = decode_envelope(buf, len, ev);
    if (rc != NARA_OK)
        memset(ev, 0, sizeof *ev);
    return rc;
}

nara_err_t nara_event_peek(const uint8_t *buf, size_t len, uint8_t author[NARA_PUBLICKEY_BYTES],
                           char stream[NARA_STREAM_MAX + 1], uint64_t *seq)
{
    nara__mp_reader_t r = {buf, buf + len};
    nara__mp_item_t top;
    nara_event_t ev;
    nara_err_t rc;

    if (buf == NULL || author == NULL || stream == NULL || seq == NULL)
        return NARA_INVAL;
    memset(&ev, 0, sizeof ev);
    rc = len > NARA_EVENT_MAX_BYTES ? NARA_TOO_LARGE : nara__mp_next(&r, &top);
    if (rc == NARA_OK && (top.kind != NARA__MP_ARRAY || top.u == 0))
        rc = NARA_TYPE;
    if (rc == NARA_OK)
        rc = read_version(&r, &ev);
    if (rc == NARA_OK && top.u != ENVELOPE_ELEMENTS)
        rc = NARA_TYPE;
    if (rc == NARA_OK)
        rc = read_bin_exact(&r, ev.author, NARA_PUBLICKEY_BYTES);
    if (rc == NARA_OK)
        rc = read_name(&r, ev.stream, NARA_STREAM_MAX, NARA_BAD_STREAM);
    if (rc == NARA_OK)
        rc = read_uint(&r, &ev.seq);
    if (rc == NARA_OK)
        rc = check_seq(ev.seq);
    if (rc != NARA_OK)
        memset(&ev, 0, sizeof ev);
    memcpy(author, ev.author, NARA_PUBLICKEY_BYTES);
    memcpy(stream, ev.stream, NARA_STREAM_MAX + 1);
    *seq = ev.seq;
    return rc;
}

/* ---- sealing ------------------------------------------------------------- */

/* Every rule the decoder applies to the caller-provided fields. */
static nara_err_t check_for_seal(const nara_event_t *ev)
{
    if (ev->version != 0 && ev->version != NARA_FORMAT_VERSION)
        return NARA_VERSION;
    TRY(check_name((const uint8_t *)ev->stream, strnlen(ev->stream, sizeof ev->stream),
                   NARA_STREAM_MAX, NARA_BAD_STREAM));
    TRY(check_seq(ev->seq));
    if ((ev->seq == 1) != !ev->has_prev)
        return NARA_BAD_SEQ;
    if (ev->hlc > (uint64_t)NARA_HLC_MAX)
        return NARA_TOO_LARGE;
    TRY(check_name((const uint8_t *)ev->kind, strnlen(ev->kind, sizeof ev->kind), NARA_KIND_MAX,
                   NARA_BAD_KIND));
    if (ev->body == NULL)
        return NARA_INVAL; /* seal signs a body, not a hash */
    return nara_body_validate(ev->body, ev->body_len);
}

/* 0x99 and elements [0..6] into head[HEAD_MAX]. */
static size_t pack_head(const nara_event_t *ev, uint8_t head[HEAD_MAX])
{
    nara__fixed_out_t o = {head, HEAD_MAX, 0};
    msgpack_packer pk;
    size_t stream_len = strlen(ev->stream), kind_len = strlen(ev->kind);
    int bad = 0;

    msgpack_packer_init(&pk, &o, nara__fixed_write);
    bad |= msgpack_pack_array(&pk, ENVELOPE_ELEMENTS);
    bad |= msgpack_pack_uint32(&pk, ev->version);
    bad |= msgpack_pack_bin_with_body(&pk, ev->author, NARA_PUBLICKEY_BYTES);
    bad |= msgpack_pack_str_with_body(&pk, ev->stream, stream_len);
    bad |= msgpack_pack_uint64(&pk, ev->seq);
    bad |= ev->has_prev ? msgpack_pack_bin_with_body(&pk, ev->prev, NARA_HASH_BYTES)
                        : msgpack_pack_nil(&pk);
    bad |= msgpack_pack_uint64(&pk, ev->hlc);
    bad |= msgpack_pack_str_with_body(&pk, ev->kind, kind_len);
    assert(bad == 0 && head[0] == 0x99);
    (void)bad;
    return o.len;
}

static void pack_sig(const uint8_t sig[NARA_SIGNATURE_BYTES], uint8_t out[SIG_PART])
{
    nara__fixed_out_t o = {out, SIG_PART, 0};
    msgpack_packer pk;
    int bad;

    msgpack_packer_init(&pk, &o, nara__fixed_write);
    bad = msgpack_pack_bin_with_body(&pk, sig, NARA_SIGNATURE_BYTES);
    assert(bad == 0 && o.len == SIG_PART);
    (void)bad;
}

#ifndef NDEBUG
/* Postcondition of seal: the decoder gives back what was sealed. */
static void assert_round_trip(const nara_event_t *ev, const uint8_t *buf, size_t len)
{
    nara_event_t back;
    nara_err_t rc = nara_event_decode(buf, len, &back);

    assert(rc == NARA_OK);
    assert(memcmp(back.id, ev->id, NARA_ID_BYTES) == 0);
    assert(memcmp(back.sig, ev->sig, NARA_SIGNATURE_BYTES) == 0);
    (void)rc;
}
#endif

nara_err_t nara_event_seal(nara_event_t *ev, const nara_keypair_t *kp, uint8_t *buf, size_t cap,
                           size_t *len)
{
    uint8_t head[HEAD_MAX], sig[SIG_PART], msg[sizeof sig_prefix + NARA_ID_BYTES];
    size_t head_len, total;

    if (ev == NULL || kp == NULL || len == NULL || (buf == NULL && cap != 0))
        return NARA_INVAL;
    if (memcmp(kp->sk + NARA_SEED_BYTES, kp->pk, NARA_PUBLICKEY_BYTES) != 0)
        return NARA_INVAL;
    TRY(nara_crypto_init());
    TRY(check_for_seal(ev));

    ev->version = NARA_FORMAT_VERSION;
    memcpy(ev->author, kp->pk, NARA_PUBLICKEY_BYTES);
    head_len = pack_head(ev, head);
    total = head_len + ev->body_len + SIG_PART;
    if (total > NARA_EVENT_MAX_BYTES)
        return NARA_TOO_LARGE;
    *len = total;
    if (total > cap)
        return NARA_BUFFER_TOO_SMALL;

    ev->redacted = false;
    hash_body(ev->body, ev->body_len, ev->body_hash);
    hash_id(head + 1, head_len - 1, ev->body_hash, ev->id);
    sig_message(ev->id, msg);
    if (crypto_sign_detached(ev->sig, NULL, msg, sizeof msg, kp->sk) != 0)
        return NARA_CRYPTO;
    pack_sig(ev->sig, sig);

    memcpy(buf, head, head_len);
    memcpy(buf + head_len, ev->body, ev->body_len);
    memcpy(buf + head_len + ev->body_len, sig, SIG_PART);
#ifndef NDEBUG
    assert_round_trip(ev, buf, total);
#endif
    return NARA_OK;
}
