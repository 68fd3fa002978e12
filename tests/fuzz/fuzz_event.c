/*
 * fuzz_event.c - libFuzzer harness for the event decoder: the input is one
 * encoded event (so tests/vectors/events.txt, as binary, is the seed
 * corpus), handed to nara_body_validate (as a body on its own) and to
 * nara_event_decode, and whatever decodes to nara_event_verify and
 * nara_event_link.
 *
 * Invariants checked (abort on violation), from docs/format.md:
 *  1. A refusal is one of the format codes, and leaves the event zeroed.
 *  2. A decoded event is redacted exactly when it has no body; a body lies
 *     inside the input, validates on its own, and body_hash is its hash.
 *  3. Canonical means unique: sealing the decoded fields again (with a
 *     fixed key) gives the input byte for byte, except the author key and
 *     the signature (same length, same offsets).
 *  4. Every strict prefix of a decoded event is NARA_TRUNCATED, and one
 *     byte more is NARA_TRAILING.
 *  5. Decoding is deterministic; verify answers OK, SIGNATURE or BAD_KEY.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "nara_event.h"

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_event: invariant broken: %s\n", what);
        abort();
    }
}

static bool format_code(nara_err_t e)
{
    switch (e) {
    case NARA_TRUNCATED:
    case NARA_TRAILING:
    case NARA_TYPE:
    case NARA_VERSION:
    case NARA_TOO_LARGE:
    case NARA_TOO_DEEP:
    case NARA_NONCANONICAL:
    case NARA_KEY_ORDER:
    case NARA_FLOAT:
    case NARA_EXT:
    case NARA_UTF8:
    case NARA_BAD_KIND:
    case NARA_BAD_STREAM:
    case NARA_BAD_SEQ:
        return true;
    default:
        return false;
    }
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static const nara_keypair_t *fixed_key(void)
{
    static nara_keypair_t kp;
    static bool ready;
    if (!ready) {
        uint8_t seed[NARA_SEED_BYTES];
        memset(seed, 0x42, sizeof seed);
        check(nara_keypair_from_seed(seed, &kp) == NARA_OK, "fixed key");
        ready = true;
    }
    return &kp;
}

static void check_body(const nara_event_t *ev, const uint8_t *data, size_t size)
{
    static const char prefix[] = "nara/v1/body"; /* hashed with its NUL */
    uint8_t h[NARA_HASH_BYTES];
    crypto_generichash_state st;
    check(ev->redacted == (ev->body == NULL), "redacted iff no body");
    if (ev->redacted)
        return;
    check(ev->body >= data && ev->body + ev->body_len <= data + size, "body inside input");
    check(nara_body_validate(ev->body, ev->body_len) == NARA_OK, "body validates");
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const uint8_t *)prefix, sizeof prefix);
    crypto_generichash_update(&st, ev->body, ev->body_len);
    crypto_generichash_final(&st, h, sizeof h);
    check(memcmp(h, ev->body_hash, sizeof h) == 0, "body_hash");
}

/* Invariant 3: the decoded fields have one encoding. */
static void check_reseal(const nara_event_t *ev, const uint8_t *data, size_t size)
{
    static uint8_t buf[NARA_EVENT_MAX_BYTES];
    nara_event_t again = *ev, back;
    size_t len = 0;
    if (ev->redacted)
        return; /* a redacted event cannot be sealed */
    again.version = 0;
    check(nara_event_seal(&again, fixed_key(), buf, sizeof buf, &len) == NARA_OK,
          "a decoded event can be sealed again");
    check(len == size, "reseal length");
    check(size > 36 + NARA_SIGNATURE_BYTES, "event size");
    check(memcmp(buf, data, 4) == 0, "reseal header");
    check(memcmp(buf + 36, data + 36, size - 36 - NARA_SIGNATURE_BYTES) == 0, "reseal bytes");
    check(nara_event_decode(buf, len, &back) == NARA_OK, "resealed decodes");
    check(back.seq == ev->seq && back.hlc == ev->hlc && strcmp(back.kind, ev->kind) == 0 &&
              strcmp(back.stream, ev->stream) == 0 &&
              memcmp(back.body_hash, ev->body_hash, NARA_HASH_BYTES) == 0,
          "resealed fields");
    check(nara_event_verify(&back) == NARA_OK, "resealed verifies");
}

/* Invariant 4. */
static void check_prefixes(const uint8_t *data, size_t size)
{
    static uint8_t more[NARA_EVENT_MAX_BYTES + 1];
    nara_event_t ev;
    size_t step = size > 4096 ? size / 512 : 1;
    for (size_t n = 0; n < size; n += step)
        check(nara_event_decode(data, n, &ev) == NARA_TRUNCATED, "strict prefix is TRUNCATED");
    check(nara_event_decode(data, size - 1, &ev) == NARA_TRUNCATED, "strict prefix is TRUNCATED");
    if (size < sizeof more) {
        memcpy(more, data, size);
        more[size] = 0;
        check(nara_event_decode(more, size + 1, &ev) == NARA_TRAILING, "one more byte is TRAILING");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nara_event_t ev, ev2;
    nara_err_t body_err = nara_body_validate(data, size);
    check(body_err == NARA_OK || format_code(body_err), "body_validate code");

    nara_err_t err = nara_event_decode(data, size, &ev);
    check(nara_event_decode(data, size, &ev2) == err, "deterministic");
    if (err != NARA_OK) {
        check(format_code(err), "decode code");
        check(all_zero(&ev, sizeof ev), "event zeroed on failure");
        return 0;
    }
    check(memcmp(ev.id, ev2.id, NARA_ID_BYTES) == 0, "same id twice");
    check_body(&ev, data, size);
    nara_err_t v = nara_event_verify(&ev);
    check(v == NARA_OK || v == NARA_SIGNATURE || v == NARA_BAD_KEY, "verify code");
    uint8_t link[NARA_HASH_BYTES];
    nara_event_link(&ev, link);
    check_reseal(&ev, data, size);
    check_prefixes(data, size);
    return 0;
}
