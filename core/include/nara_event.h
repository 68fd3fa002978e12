/*
 * nara_event.h - the signed event: keys, canonical msgpack codec, ids,
 * signatures and feed links.  docs/format.md is the byte-level specification;
 * this header is the C contract.
 *
 * An event is a msgpack array of exactly 9 elements, in this order:
 *
 *   [0] version  uint, must be NARA_FORMAT_VERSION (1)
 *   [1] author   bin 32: the author's Ed25519 public key
 *   [2] stream   str 1..32 bytes of [a-z0-9._-]: region code ("32.01") or "province"
 *   [3] seq      uint >= 1: position in the author's feed for this stream
 *   [4] prev     nil when seq == 1, else bin 32: link of the event at seq-1
 *   [5] hlc      uint: hybrid logical clock (see nara_hlc.h)
 *   [6] kind     str 1..32 bytes of [a-z0-9._-], e.g. "case.open"
 *   [7] body     map (canonical, see below), or bin 32 = hash of a redacted body
 *   [8] sig      bin 64: Ed25519 signature
 *
 * A feed is (author, stream).  Canonical means exactly one valid byte string
 * per event: shortest integer and length headers, negative-integer formats
 * only for negative values, map keys are strings, unique and sorted bytewise,
 * strings are valid UTF-8, no floats, no ext types, no trailing bytes, and the
 * limits below hold.  The decoder accepts only the canonical form, so the
 * bytes that are hashed and signed are exactly the bytes received.
 *
 *   body_hash = BLAKE2b-256("nara/v1/body\0"  || body bytes)      (map form)
 *   id        = BLAKE2b-256("nara/v1/id\0"    || 0x98 || elements [0..6] as encoded || 0xc4 0x20 || body_hash)
 *   sig       = Ed25519(sk, "nara/v1/event-sig\0" || id)
 *   link      = BLAKE2b-256("nara/v1/link\0"  || id || sig)       (what a successor's prev holds)
 *
 * The id covers the body only through its hash, so a body can be redacted
 * (replaced by its hash) without changing the id, the signature or the chain.
 * The link covers the signature, so one verified signature on a later event
 * vouches for every byte of the feed before it.
 *
 * Nothing here allocates; decoding borrows from the caller's buffer.
 */
#ifndef NARA_EVENT_H
#define NARA_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NARA_FORMAT_VERSION 1

#define NARA_PUBLICKEY_BYTES 32
#define NARA_SECRETKEY_BYTES 64
#define NARA_SEED_BYTES 32
#define NARA_SIGNATURE_BYTES 64
#define NARA_HASH_BYTES 32
#define NARA_ID_BYTES NARA_HASH_BYTES

/* Limits, all checked by the decoder before anything is trusted. */
#define NARA_EVENT_MAX_BYTES 65536  /* whole encoded event */
#define NARA_STREAM_MAX 32          /* bytes in a stream name */
#define NARA_KIND_MAX 32            /* bytes in a kind */
#define NARA_BODY_MAX_DEPTH 8       /* the body map itself is depth 1 */
#define NARA_BODY_MAX_ENTRIES 1024  /* elements in one array, pairs in one map */
#define NARA_BODY_MAX_KEY 64        /* bytes in one map key */
#define NARA_SEQ_MAX INT64_MAX      /* seq and hlc must fit SQLite's signed integer */
#define NARA_HLC_MAX INT64_MAX

/* A device key.  The secret key is libsodium's 64-byte form (seed || pk).
 * Wipe with nara_keypair_wipe() when done. */
typedef struct {
    uint8_t pk[NARA_PUBLICKEY_BYTES];
    uint8_t sk[NARA_SECRETKEY_BYTES];
} nara_keypair_t;

/* A decoded (or to-be-sealed) event.  Plain data; no ownership except that
 * `body` borrows from a buffer the caller keeps alive. */
typedef struct {
    uint32_t version;
    uint8_t author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1]; /* NUL-terminated */
    uint64_t seq;
    bool has_prev;
    uint8_t prev[NARA_HASH_BYTES];
    uint64_t hlc;
    char kind[NARA_KIND_MAX + 1]; /* NUL-terminated */
    const uint8_t *body;          /* canonical msgpack map; NULL when redacted */
    size_t body_len;
    bool redacted;
    uint8_t body_hash[NARA_HASH_BYTES];
    uint8_t sig[NARA_SIGNATURE_BYTES];
    uint8_t id[NARA_ID_BYTES];
} nara_event_t;

/* Initialise libsodium.  Safe to call many times and from several threads;
 * every other function calls it as needed.  Returns NARA_CRYPTO on failure. */
nara_err_t nara_crypto_init(void);

/* Fresh random key.  Returns NARA_OK or NARA_CRYPTO. */
nara_err_t nara_keypair_generate(nara_keypair_t *out);

/* Deterministic key from a 32-byte seed (test vectors, key backups). */
nara_err_t nara_keypair_from_seed(const uint8_t seed[NARA_SEED_BYTES], nara_keypair_t *out);

/* Overwrite the secret with zeros.  Accepts NULL. */
void nara_keypair_wipe(nara_keypair_t *kp);

/* Check that `body` is one canonical msgpack map within the limits above.
 * Returns NARA_OK or the specific reason (NARA_TRUNCATED, NARA_TRAILING,
 * NARA_TYPE, NARA_TOO_LARGE, NARA_TOO_DEEP, NARA_NONCANONICAL, NARA_KEY_ORDER,
 * NARA_FLOAT, NARA_EXT, NARA_UTF8).  Never allocates. */
nara_err_t nara_body_validate(const uint8_t *body, size_t len);

/* Decode and validate one encoded event, fill `ev` and compute body_hash and
 * id.  The signature is NOT checked (see nara_event_verify).  `ev->body`
 * points into `buf`.  On failure `ev` is zeroed and the return value names the
 * first rule broken, in the order of docs/format.md.  NULL buf or ev:
 * NARA_INVAL.  Never allocates and reads no byte past buf+len. */
nara_err_t nara_event_decode(const uint8_t *buf, size_t len, nara_event_t *ev);

/* The feed position of an encoded event - author, stream, seq - from the
 * start of its envelope alone, as nara_event_decode() reads it: nothing is
 * hashed and the rest is not looked at, so NARA_OK says nothing about the
 * event's validity (nara_event_decode decides).  For routing a batch before
 * the merge decodes it.  On failure the outputs are zeroed and the return
 * value names the rule broken; NULL arguments: NARA_INVAL. */
nara_err_t nara_event_peek(const uint8_t *buf, size_t len, uint8_t author[NARA_PUBLICKEY_BYTES],
                           char stream[NARA_STREAM_MAX + 1], uint64_t *seq);

/* Verify ev->sig over ev->id with ev->author.  NARA_OK, NARA_SIGNATURE or
 * NARA_BAD_KEY (author not a canonical point of the prime-order subgroup, or
 * of small order; checked before the signature). */
nara_err_t nara_event_verify(const nara_event_t *ev);

/* The link a successor's `prev` must hold: hash of id and signature. */
void nara_event_link(const nara_event_t *ev, uint8_t link[NARA_HASH_BYTES]);

/* Sign and encode.  The caller fills stream, seq, has_prev/prev, hlc, kind,
 * body/body_len (version 0 means current).  seal sets version and author
 * (from kp), checks every rule the decoder checks, computes body_hash, id and
 * sig, and writes the encoding to buf.  If cap is too small it returns
 * NARA_BUFFER_TOO_SMALL with *len set to the size needed (buf may then be
 * NULL with cap 0).  An event over NARA_EVENT_MAX_BYTES is NARA_TOO_LARGE
 * whatever cap is.  body must not be NULL (a redacted event cannot be
 * sealed: NARA_INVAL) and must not overlap buf; kp->sk must hold kp->pk
 * (else NARA_INVAL).  On any other failure nothing useful is written. */
nara_err_t nara_event_seal(nara_event_t *ev, const nara_keypair_t *kp, uint8_t *buf, size_t cap,
                           size_t *len);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void nara_hex(const uint8_t *bytes, size_t n, char *out);

#ifdef __cplusplus
}
#endif
#endif /* NARA_EVENT_H */
