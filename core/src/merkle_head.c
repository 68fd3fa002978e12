/*
 * merkle_head.c - signed tree heads, and the canonical msgpack encodings of
 * tree heads and proofs.  docs/audit.md sections 1.6-1.8 are the byte-level
 * specification.
 *
 *   tree head = 95 || size || root || time_ms || server_pk || sig
 *   pre-image = "nara/v1/tree-head\0" || 94 || size || root || time_ms || server_pk
 *   proof     = array header (n entries) || n * (c4 20 || hash)
 *
 * Invariants:
 *  1. Encoders use msgpack-c's packer (shortest forms) after checking every
 *     limit the decoders check, so whatever they write decodes back
 *     (asserted in debug builds).
 *  2. Decoders read untrusted bytes only through the bounded reader of
 *     canon.c: no allocation, no byte read past the input, one error code
 *     per input (checks in the fixed order of docs/audit.md).
 *  3. The signed pre-image is the head's own encoding minus its signature,
 *     under a 0x94 header: what is signed is what is sent.
 *  4. The secret key is only read, never copied.
 */
#include <assert.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "canon.h"
#include "nara_merkle.h"

enum { H = NARA_HASH_BYTES };

/* Domain separation; signed with its NUL (18 bytes). */
static const char head_prefix[] = "nara/v1/tree-head";

enum {
    HEAD_ELEMENTS = 5,
    SIGNED_ELEMENTS = 4,
    /* array header, size, root, time_ms, server_pk at their longest */
    BODY_MAX = 1 + 9 + 2 + H + 9 + 2 + NARA_PUBLICKEY_BYTES,
    SIG_PART = 2 + NARA_SIGNATURE_BYTES, /* c4 40 || sig */
    PREIMAGE_MAX = sizeof head_prefix + BODY_MAX
};
_Static_assert(BODY_MAX + SIG_PART == NARA_TREE_HEAD_MAX_BYTES, "tree head bound");
_Static_assert(sizeof(nara_tree_head_t) == 8 + H + 8 + NARA_PUBLICKEY_BYTES + NARA_SIGNATURE_BYTES,
               "nara_tree_head_t has no padding");

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        nara_err_t try_rc_ = (expr);                                                               \
        if (try_rc_ != NARA_OK)                                                                    \
            return try_rc_;                                                                        \
    } while (0)

/* ---- packing into fixed buffers ------------------------------------------ */

static nara_err_t check_head_limits(const nara_tree_head_t *th)
{
    if (th->size > (uint64_t)NARA_MERKLE_MAX_SIZE ||
        th->time_ms > (uint64_t)NARA_TREE_HEAD_TIME_MAX)
        return NARA_TOO_LARGE;
    return NARA_OK;
}

/* `elements` (4 or 5) array header, then size, root, time_ms, server_pk;
 * with 5, the signature too.  Returns the length written to out. */
static size_t pack_head(const nara_tree_head_t *th, size_t elements,
                        uint8_t out[NARA_TREE_HEAD_MAX_BYTES])
{
    nara__fixed_out_t o = {out, NARA_TREE_HEAD_MAX_BYTES, 0};
    msgpack_packer pk;
    int bad = 0;

    msgpack_packer_init(&pk, &o, nara__fixed_write);
    bad |= msgpack_pack_array(&pk, elements);
    bad |= msgpack_pack_uint64(&pk, th->size);
    bad |= msgpack_pack_bin_with_body(&pk, th->root, H);
    bad |= msgpack_pack_uint64(&pk, th->time_ms);
    bad |= msgpack_pack_bin_with_body(&pk, th->server_pk, NARA_PUBLICKEY_BYTES);
    if (elements == HEAD_ELEMENTS)
        bad |= msgpack_pack_bin_with_body(&pk, th->sig, NARA_SIGNATURE_BYTES);
    assert(bad == 0 && o.len <= (elements == HEAD_ELEMENTS ? BODY_MAX + SIG_PART : BODY_MAX));
    (void)bad;
    return o.len;
}

static size_t preimage(const nara_tree_head_t *th, uint8_t out[PREIMAGE_MAX])
{
    uint8_t body[NARA_TREE_HEAD_MAX_BYTES];
    size_t n = pack_head(th, SIGNED_ELEMENTS, body);

    memcpy(out, head_prefix, sizeof head_prefix);
    memcpy(out + sizeof head_prefix, body, n);
    return sizeof head_prefix + n;
}

/* ---- signing ------------------------------------------------------------- */

nara_err_t nara_tree_head_sign(nara_tree_head_t *th, const nara_keypair_t *kp)
{
    nara_tree_head_t t;
    uint8_t msg[PREIMAGE_MAX];
    size_t msg_len;

    if (th == NULL || kp == NULL)
        return NARA_INVAL;
    if (memcmp(kp->sk + NARA_SEED_BYTES, kp->pk, NARA_PUBLICKEY_BYTES) != 0)
        return NARA_INVAL;
    TRY(check_head_limits(th));
    TRY(nara_crypto_init());
    t = *th;
    memcpy(t.server_pk, kp->pk, NARA_PUBLICKEY_BYTES);
    msg_len = preimage(&t, msg);
    if (crypto_sign_detached(t.sig, NULL, msg, msg_len, kp->sk) != 0)
        return NARA_CRYPTO;
    *th = t;
    return NARA_OK;
}

nara_err_t nara_tree_head_verify(const nara_tree_head_t *th,
                                 const uint8_t trusted_pk[NARA_PUBLICKEY_BYTES])
{
    uint8_t msg[PREIMAGE_MAX];
    size_t msg_len;

    if (th == NULL)
        return NARA_INVAL;
    if (trusted_pk != NULL && memcmp(th->server_pk, trusted_pk, NARA_PUBLICKEY_BYTES) != 0)
        return NARA_SERVER_KEY;
    TRY(check_head_limits(th));
    TRY(nara_crypto_init());
    if (!crypto_core_ed25519_is_valid_point(th->server_pk))
        return NARA_BAD_KEY;
    msg_len = preimage(th, msg);
    if (crypto_sign_verify_detached(th->sig, msg, msg_len, th->server_pk) != 0)
        return NARA_SIGNATURE;
    return NARA_OK;
}

/* ---- tree head codec ------------------------------------------------------ */

#ifndef NDEBUG
/* Postcondition of encode: the decoder gives back every field (the struct
 * has no padding: 8 + 32 + 8 + 32 + 64 bytes). */
static void assert_round_trip(const nara_tree_head_t *th, const uint8_t *buf, size_t len)
{
    nara_tree_head_t back;
    nara_err_t rc = nara_tree_head_decode(buf, len, &back);

    assert(rc == NARA_OK && memcmp(&back, th, sizeof back) == 0);
    (void)rc;
}
#endif

nara_err_t nara_tree_head_encode(const nara_tree_head_t *th, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t out[NARA_TREE_HEAD_MAX_BYTES];
    size_t n;

    if (th == NULL || len == NULL || (buf == NULL && cap != 0))
        return NARA_INVAL;
    TRY(check_head_limits(th));
    n = pack_head(th, HEAD_ELEMENTS, out);
    *len = n;
    if (n > cap)
        return NARA_BUFFER_TOO_SMALL;
    memcpy(buf, out, n);
#ifndef NDEBUG
    assert_round_trip(th, buf, n);
#endif
    return NARA_OK;
}

/* Read one element that must be of `kind`; anything else is NARA_TYPE. */
static nara_err_t expect(nara__mp_reader_t *r, nara__mp_kind_t kind, nara__mp_item_t *it)
{
    TRY(nara__mp_next(r, it));
    return it->kind == kind ? NARA_OK : NARA_TYPE;
}

static nara_err_t read_bin_exact(nara__mp_reader_t *r, uint8_t *out, size_t n)
{
    nara__mp_item_t it;

    TRY(expect(r, NARA__MP_BIN, &it));
    if (it.u != n)
        return NARA_TYPE;
    memcpy(out, it.data, n);
    return NARA_OK;
}

static nara_err_t read_uint_max(nara__mp_reader_t *r, uint64_t max, uint64_t *out)
{
    nara__mp_item_t it;

    TRY(expect(r, NARA__MP_UINT, &it));
    if (it.u > max)
        return NARA_TOO_LARGE;
    *out = it.u;
    return NARA_OK;
}

static nara_err_t decode_head(const uint8_t *buf, size_t len, nara_tree_head_t *th)
{
    nara__mp_reader_t r = {buf, buf + len};
    nara__mp_item_t top;

    if (len > NARA_TREE_HEAD_MAX_BYTES)
        return NARA_TOO_LARGE;
    TRY(expect(&r, NARA__MP_ARRAY, &top));
    if (top.u != HEAD_ELEMENTS)
        return NARA_TYPE;
    TRY(read_uint_max(&r, (uint64_t)NARA_MERKLE_MAX_SIZE, &th->size));
    TRY(read_bin_exact(&r, th->root, H));
    TRY(read_uint_max(&r, (uint64_t)NARA_TREE_HEAD_TIME_MAX, &th->time_ms));
    TRY(read_bin_exact(&r, th->server_pk, NARA_PUBLICKEY_BYTES));
    TRY(read_bin_exact(&r, th->sig, NARA_SIGNATURE_BYTES));
    return r.p == r.end ? NARA_OK : NARA_TRAILING;
}

nara_err_t nara_tree_head_decode(const uint8_t *buf, size_t len, nara_tree_head_t *th)
{
    nara_err_t rc;

    if (th == NULL)
        return NARA_INVAL;
    memset(th, 0, sizeof *th);
    if (buf == NULL)
        return NARA_INVAL;
    rc = decode_head(buf, len, th);
    if (rc != NARA_OK)
        memset(th, 0, sizeof *th);
    return rc;
}

/* ---- proof codec ---------------------------------------------------------- */

/* An array of n bin 32: the encoding of both proof kinds. */
static nara_err_t encode_hashes(const uint8_t (*hash)[H], unsigned n, unsigned max, uint8_t *buf,
                                size_t cap, size_t *len)
{
    nara__fixed_out_t o = {buf, cap, 0};
    msgpack_packer pk;
    int bad = 0;

    if (len == NULL || (buf == NULL && cap != 0))
        return NARA_INVAL;
    if (n > max)
        return NARA_TOO_LARGE;
    *len = (n < 16 ? 1u : 3u) + (size_t)n * (2 + H);
    if (*len > cap)
        return NARA_BUFFER_TOO_SMALL;
    msgpack_packer_init(&pk, &o, nara__fixed_write);
    bad |= msgpack_pack_array(&pk, n);
    for (unsigned k = 0; k < n; k++)
        bad |= msgpack_pack_bin_with_body(&pk, hash[k], H);
    assert(bad == 0 && o.len == *len);
    (void)bad;
    return NARA_OK;
}

static nara_err_t decode_hashes(const uint8_t *buf, size_t len, unsigned max, size_t max_bytes,
                                uint8_t (*hash)[H], uint8_t *n)
{
    nara__mp_reader_t r = {buf, buf + len};
    nara__mp_item_t top;

    if (len > max_bytes)
        return NARA_TOO_LARGE;
    TRY(expect(&r, NARA__MP_ARRAY, &top));
    if (top.u > max)
        return NARA_TOO_LARGE;
    for (unsigned k = 0; k < top.u; k++)
        TRY(read_bin_exact(&r, hash[k], H));
    *n = (uint8_t)top.u;
    return r.p == r.end ? NARA_OK : NARA_TRAILING;
}

nara_err_t nara_merkle_proof_encode(const nara_merkle_proof_t *proof, uint8_t *buf, size_t cap,
                                    size_t *len)
{
    if (proof == NULL)
        return NARA_INVAL;
    return encode_hashes(proof->hash, proof->n, NARA_MERKLE_MAX_PROOF, buf, cap, len);
}

nara_err_t nara_merkle_range_proof_encode(const nara_merkle_range_proof_t *proof, uint8_t *buf,
                                          size_t cap, size_t *len)
{
    if (proof == NULL)
        return NARA_INVAL;
    return encode_hashes(proof->hash, proof->n, NARA_MERKLE_MAX_RANGE_PROOF, buf, cap, len);
}

nara_err_t nara_merkle_proof_decode(const uint8_t *buf, size_t len, nara_merkle_proof_t *proof)
{
    nara_err_t rc;

    if (proof == NULL)
        return NARA_INVAL;
    memset(proof, 0, sizeof *proof);
    if (buf == NULL)
        return NARA_INVAL;
    rc = decode_hashes(buf, len, NARA_MERKLE_MAX_PROOF, NARA_MERKLE_PROOF_MAX_BYTES, proof->hash,
                       &proof->n);
    if (rc != NARA_OK)
        memset(proof, 0, sizeof *proof);
    return rc;
}

nara_err_t nara_merkle_range_proof_decode(const uint8_t *buf, size_t len,
                                          nara_merkle_range_proof_t *proof)
{
    nara_err_t rc;

    if (proof == NULL)
        return NARA_INVAL;
    memset(proof, 0, sizeof *proof);
    if (buf == NULL)
        return NARA_INVAL;
    rc = decode_hashes(buf, len, NARA_MERKLE_MAX_RANGE_PROOF, NARA_MERKLE_RANGE_PROOF_MAX_BYTES,
                       proof->hash, &proof->n);
    if (rc != NARA_OK)
        memset(proof, 0, sizeof *proof);
    return rc;
}
