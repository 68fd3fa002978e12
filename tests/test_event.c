/*
 * test_event.c - the signed event, read as a specification.
 *
 *  - sealing and decoding agree, and the known-answer vectors written by an
 *    independent implementation (vectors/gen_vectors.py) are reproduced byte
 *    for byte;
 *  - every rule of docs/format.md has a rejection test giving its error code;
 *  - amplification headers are refused as NARA_TRUNCATED before any count is
 *    trusted;
 *  - signatures, links and redaction behave as the format promises;
 *  - our canonical form is msgpack-c's packer output (property test).
 *
 * Runs with tests/ as working directory (vectors/events.txt).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "nara_event.h"
#include "nara_hlc.h"

/* ---- byte buffers and hex ------------------------------------------------ */

typedef struct {
    uint8_t b[2 * NARA_EVENT_MAX_BYTES];
    size_t n;
} buf_t;

static buf_t g_ev, g_body, g_tmp; /* too large for the stack */

static void put(buf_t *o, const void *p, size_t n)
{
    assert_true(n <= sizeof o->b - o->n);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_byte(buf_t *o, uint8_t c)
{
    put(o, &c, 1);
}

static void put_rep(buf_t *o, uint8_t c, size_t n)
{
    while (n--)
        put_byte(o, c);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex digits, spaces ignored. */
static void put_hex(buf_t *o, const char *hex)
{
    int hi = -1;
    for (; *hex; hex++) {
        int v = hexval(*hex);
        if (*hex == ' ')
            continue;
        assert_true(v >= 0);
        if (hi < 0) {
            hi = v;
        } else {
            put_byte(o, (uint8_t)(hi << 4 | v));
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    g_tmp.n = 0;
    put_hex(&g_tmp, hex);
    assert_true(g_tmp.n <= cap);
    memcpy(out, g_tmp.b, g_tmp.n);
    return g_tmp.n;
}

/* Decode from a heap copy of exactly n bytes, so that AddressSanitizer
 * catches any read past the end. */
static nara_err_t decode_exact(const uint8_t *bytes, size_t n)
{
    nara_event_t ev;
    uint8_t *copy = malloc(n ? n : 1);
    nara_err_t rc;

    assert_non_null(copy);
    memcpy(copy, bytes, n);
    rc = nara_event_decode(copy, n, &ev);
    free(copy);
    return rc;
}

static nara_err_t validate_exact(const uint8_t *bytes, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    nara_err_t rc;

    assert_non_null(copy);
    memcpy(copy, bytes, n);
    rc = nara_body_validate(copy, n);
    free(copy);
    return rc;
}

/* ---- an envelope built field by field -------------------------------------- */

enum { F_VERSION, F_AUTHOR, F_STREAM, F_SEQ, F_PREV, F_HLC, F_KIND, F_BODY, F_SIG, N_FIELDS };

#define H8(x) x x x x x x x x
#define H32(x) H8(x) H8(x) H8(x) H8(x)
#define H64(x) H32(x) H32(x)

/* A well-formed event with a meaningless signature: decodes, never verifies. */
static const char *const default_field[N_FIELDS] = {
    "01",                    /* version 1 */
    "c420" H32("11"),        /* author */
    "a5 33322e3031",         /* "32.01" */
    "01",                    /* seq 1 */
    "c0",                    /* prev nil */
    "cf 018bcfe568000000",   /* hlc */
    "a9 636173652e6f70656e", /* "case.open" */
    "81 a161 01",            /* {"a": 1} */
    "c440" H64("00"),        /* sig */
};

/* The default envelope with element `field` replaced by `hex` (NULL: none). */
static void build_with(int field, const char *hex)
{
    g_ev.n = 0;
    put_byte(&g_ev, 0x99);
    for (int f = 0; f < N_FIELDS; f++)
        put_hex(&g_ev, f == field && hex ? hex : default_field[f]);
}

static nara_err_t decode_with(int field, const char *hex)
{
    build_with(field, hex);
    return decode_exact(g_ev.b, g_ev.n);
}

/* Envelope whose body is g_body. */
static nara_err_t decode_with_body_buf(void)
{
    g_ev.n = 0;
    put_byte(&g_ev, 0x99);
    for (int f = 0; f < N_FIELDS; f++) {
        if (f == F_BODY)
            put(&g_ev, g_body.b, g_body.n);
        else
            put_hex(&g_ev, default_field[f]);
    }
    return decode_exact(g_ev.b, g_ev.n);
}

/* A body rule gives the same code standalone and inside an event. */
static void assert_body_buf(nara_err_t want)
{
    assert_int_equal(validate_exact(g_body.b, g_body.n), want);
    assert_int_equal(decode_with_body_buf(), want);
}

static void assert_body(nara_err_t want, const char *hex)
{
    g_body.n = 0;
    put_hex(&g_body, hex);
    assert_body_buf(want);
}

/* ---- sealing helpers -------------------------------------------------------- */

static nara_keypair_t key_from_byte(uint8_t first)
{
    uint8_t seed[NARA_SEED_BYTES];
    nara_keypair_t kp;
    for (int k = 0; k < NARA_SEED_BYTES; k++)
        seed[k] = (uint8_t)(first + k);
    assert_int_equal(nara_keypair_from_seed(seed, &kp), NARA_OK);
    return kp;
}

static const uint8_t small_body[] = {0x81, 0xa1, 'a', 0x01}; /* {"a": 1} */

static nara_event_t draft(const uint8_t *body, size_t body_len)
{
    nara_event_t ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.stream, "32.01");
    strcpy(ev.kind, "case.open");
    ev.seq = 1;
    ev.hlc = nara_hlc_make(1700000000000ull, 0);
    ev.body = body;
    ev.body_len = body_len;
    return ev;
}

/* Seal `ev` into out and return its length. */
static size_t seal_into(nara_event_t *ev, const nara_keypair_t *kp, uint8_t *out, size_t cap)
{
    size_t len = 0;
    assert_int_equal(nara_event_seal(ev, kp, out, cap, &len), NARA_OK);
    return len;
}

/* The redacted form of a decoded event: body replaced by bin 32 body_hash. */
static size_t redact(const uint8_t *buf, size_t len, const nara_event_t *ev, uint8_t *out)
{
    size_t before = (size_t)(ev->body - buf), after = before + ev->body_len;
    memcpy(out, buf, before);
    out[before] = 0xc4;
    out[before + 1] = 0x20;
    memcpy(out + before + 2, ev->body_hash, NARA_HASH_BYTES);
    memcpy(out + before + 2 + NARA_HASH_BYTES, buf + after, len - after);
    return len - ev->body_len + 2 + NARA_HASH_BYTES;
}

/* ==== peek: the feed position without a full decode ============================ */

static void peek_gives_the_position_decode_gives(void **state)
{
    nara_keypair_t kp = key_from_byte(9);
    nara_event_t ev = draft(small_body, sizeof small_body);
    uint8_t buf[512], author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq = 0;
    (void)state;
    ev.seq = 7;
    ev.has_prev = true;
    memset(ev.prev, 0x11, sizeof ev.prev);
    size_t len = seal_into(&ev, &kp, buf, sizeof buf);
    assert_int_equal(nara_event_peek(buf, len, author, stream, &seq), NARA_OK);
    assert_memory_equal(author, kp.pk, NARA_PUBLICKEY_BYTES);
    assert_string_equal(stream, "32.01");
    assert_true(seq == 7);
    /* It stops after seq: a broken signature or trailing bytes do not matter
     * to it (the full decode refuses them). */
    assert_int_equal(nara_event_peek(buf, len - 10, author, stream, &seq), NARA_OK);
    assert_int_equal(nara_event_decode(buf, len - 10, &ev), NARA_TRUNCATED);
    nara_keypair_wipe(&kp);
}

static void peek_refuses_a_broken_envelope_and_zeroes_its_outputs(void **state)
{
    nara_keypair_t kp = key_from_byte(9);
    nara_event_t ev = draft(small_body, sizeof small_body);
    uint8_t buf[512], author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq = 0;
    (void)state;
    size_t len = seal_into(&ev, &kp, buf, sizeof buf);
    assert_int_equal(nara_event_peek(buf, 40, author, stream, &seq), NARA_TRUNCATED);
    assert_true(seq == 0 && stream[0] == '\0');
    buf[0] = 0x98; /* an array of 8: not an event envelope */
    assert_int_equal(nara_event_peek(buf, len, author, stream, &seq), NARA_TYPE);
    assert_int_equal(nara_event_peek(NULL, len, author, stream, &seq), NARA_INVAL);
    nara_keypair_wipe(&kp);
}

/* ==== round trip and seal ===================================================== */

static void seal_then_decode_gives_back_every_field(void **state)
{
    nara_keypair_t kp = key_from_byte(7);
    nara_event_t ev = draft(small_body, sizeof small_body), back;
    uint8_t buf[512];
    size_t len;
    (void)state;

    ev.seq = 5;
    ev.has_prev = true;
    memset(ev.prev, 0xab, sizeof ev.prev);
    ev.hlc = nara_hlc_make(1700000000123ull, 9);
    len = seal_into(&ev, &kp, buf, sizeof buf);

    assert_int_equal(nara_event_decode(buf, len, &back), NARA_OK);
    assert_int_equal(back.version, NARA_FORMAT_VERSION);
    assert_memory_equal(back.author, kp.pk, NARA_PUBLICKEY_BYTES);
    assert_string_equal(back.stream, "32.01");
    assert_true(back.seq == 5 && back.has_prev && back.hlc == ev.hlc);
    assert_memory_equal(back.prev, ev.prev, NARA_HASH_BYTES);
    assert_string_equal(back.kind, "case.open");
    assert_false(back.redacted);
    assert_int_equal(back.body_len, sizeof small_body);
    assert_memory_equal(back.body, small_body, sizeof small_body);
    assert_true(back.body >= buf && back.body + back.body_len <= buf + len); /* borrowed */
    assert_memory_equal(back.body_hash, ev.body_hash, NARA_HASH_BYTES);
    assert_memory_equal(back.id, ev.id, NARA_ID_BYTES);
    assert_memory_equal(back.sig, ev.sig, NARA_SIGNATURE_BYTES);
    assert_int_equal(nara_event_verify(&back), NARA_OK);
    nara_keypair_wipe(&kp);
}

static void seal_sets_version_and_author(void **state)
{
    nara_keypair_t kp = key_from_byte(1);
    nara_event_t ev = draft(small_body, sizeof small_body);
    uint8_t buf[512];
    (void)state;

    memset(ev.author, 0x55, sizeof ev.author);
    seal_into(&ev, &kp, buf, sizeof buf);
    assert_int_equal(ev.version, 1);
    assert_memory_equal(ev.author, kp.pk, NARA_PUBLICKEY_BYTES);
}

static void seal_reports_the_size_needed_when_the_buffer_is_too_small(void **state)
{
    nara_keypair_t kp = key_from_byte(1);
    nara_event_t ev = draft(small_body, sizeof small_body);
    uint8_t buf[512];
    size_t need = 0, len = 0;
    (void)state;

    assert_int_equal(nara_event_seal(&ev, &kp, NULL, 0, &need), NARA_BUFFER_TOO_SMALL);
    assert_true(need > 100 && need < sizeof buf);
    assert_int_equal(nara_event_seal(&ev, &kp, buf, need - 1, &len), NARA_BUFFER_TOO_SMALL);
    assert_int_equal(len, need);
    assert_int_equal(nara_event_seal(&ev, &kp, buf, need, &len), NARA_OK);
    assert_int_equal(len, need);
}

static void seal_applies_the_decoder_rules_to_its_fields(void **state)
{
    nara_keypair_t kp = key_from_byte(1);
    uint8_t buf[512];
    size_t len;
    nara_event_t ev;
    static const uint8_t noncanon[] = {0x81, 0xa1, 'a', 0xcc, 0x05};
    static const uint8_t floaty[] = {0x81, 0xa1, 'a', 0xca, 0, 0, 0, 0};
    static const uint8_t array[] = {0x90};
    (void)state;

#define EXPECT_SEAL(want, edit)                                                                    \
    do {                                                                                           \
        ev = draft(small_body, sizeof small_body);                                                 \
        edit;                                                                                      \
        assert_int_equal(nara_event_seal(&ev, &kp, buf, sizeof buf, &len), want);                  \
    } while (0)

    EXPECT_SEAL(NARA_BAD_STREAM, strcpy(ev.stream, "32/01"));
    EXPECT_SEAL(NARA_BAD_STREAM, ev.stream[0] = '\0');
    EXPECT_SEAL(NARA_TOO_LARGE, memset(ev.stream, 'a', sizeof ev.stream)); /* no NUL */
    EXPECT_SEAL(NARA_BAD_KIND, strcpy(ev.kind, "Case.Open"));
    EXPECT_SEAL(NARA_BAD_KIND, ev.kind[0] = '\0');
    EXPECT_SEAL(NARA_BAD_SEQ, ev.seq = 0);
    EXPECT_SEAL(NARA_BAD_SEQ, ev.has_prev = true);
    EXPECT_SEAL(NARA_BAD_SEQ, ev.seq = 2);
    EXPECT_SEAL(NARA_TOO_LARGE, (ev.seq = (uint64_t)INT64_MAX + 1, ev.has_prev = true));
    EXPECT_SEAL(NARA_TOO_LARGE, ev.hlc = (uint64_t)NARA_HLC_MAX + 1);
    EXPECT_SEAL(NARA_VERSION, ev.version = 2);
    EXPECT_SEAL(NARA_NONCANONICAL, (ev.body = noncanon, ev.body_len = sizeof noncanon));
    EXPECT_SEAL(NARA_FLOAT, (ev.body = floaty, ev.body_len = sizeof floaty));
    EXPECT_SEAL(NARA_TYPE, (ev.body = array, ev.body_len = sizeof array));
    EXPECT_SEAL(NARA_INVAL, ev.body = NULL);
    EXPECT_SEAL(NARA_OK, (void)0);
#undef EXPECT_SEAL
}

static void seal_refuses_a_keypair_whose_halves_disagree(void **state)
{
    nara_keypair_t kp = key_from_byte(1);
    nara_event_t ev = draft(small_body, sizeof small_body);
    uint8_t buf[512];
    size_t len;
    (void)state;

    kp.pk[0] ^= 1;
    assert_int_equal(nara_event_seal(&ev, &kp, buf, sizeof buf, &len), NARA_INVAL);
}

/* Body {"a": str16 of n bytes}: 6 + n bytes. */
static void make_string_body(size_t n)
{
    g_body.n = 0;
    put_hex(&g_body, "81 a161 da");
    put_byte(&g_body, (uint8_t)(n >> 8));
    put_byte(&g_body, (uint8_t)n);
    put_rep(&g_body, 'x', n);
}

static void seal_accepts_65536_bytes_and_refuses_one_more(void **state)
{
    nara_keypair_t kp = key_from_byte(1);
    nara_event_t ev, back;
    size_t len, overhead;
    (void)state;

    make_string_body(1000);
    ev = draft(g_body.b, g_body.n);
    overhead = seal_into(&ev, &kp, g_ev.b, sizeof g_ev.b) - g_body.n;

    make_string_body(NARA_EVENT_MAX_BYTES - overhead - 6);
    ev = draft(g_body.b, g_body.n);
    len = seal_into(&ev, &kp, g_ev.b, sizeof g_ev.b);
    assert_int_equal(len, NARA_EVENT_MAX_BYTES);
    assert_int_equal(nara_event_decode(g_ev.b, len, &back), NARA_OK);

    make_string_body(NARA_EVENT_MAX_BYTES - overhead - 5);
    ev = draft(g_body.b, g_body.n);
    assert_int_equal(nara_event_seal(&ev, &kp, g_ev.b, sizeof g_ev.b, &len), NARA_TOO_LARGE);
}

/* ==== known-answer vectors ===================================================== */

typedef struct {
    char name[64], stream[64], kind[64];
    uint8_t seed[32], prev[32], body_hash[32], id[32], sig[64], link[32];
    bool has_prev, redacted;
    uint64_t seq, hlc;
    uint8_t body[4096], event[8192];
    size_t body_len, event_len;
} vector_t;

#define MAX_VECTORS 8
static vector_t g_vec[MAX_VECTORS];
static size_t g_nvec;

static void parse_vector_line(vector_t *v, const char *key, const char *val)
{
    if (!strcmp(key, "name"))
        snprintf(v->name, sizeof v->name, "%s", val);
    else if (!strcmp(key, "seed"))
        assert_int_equal(unhex(val, v->seed, 32), 32);
    else if (!strcmp(key, "stream"))
        snprintf(v->stream, sizeof v->stream, "%s", val);
    else if (!strcmp(key, "seq"))
        v->seq = strtoull(val, NULL, 10);
    else if (!strcmp(key, "prev"))
        v->has_prev = strcmp(val, "nil") && unhex(val, v->prev, 32) == 32;
    else if (!strcmp(key, "hlc"))
        v->hlc = strtoull(val, NULL, 10);
    else if (!strcmp(key, "kind"))
        snprintf(v->kind, sizeof v->kind, "%s", val);
    else if (!strcmp(key, "body"))
        v->body_len = unhex(val, v->body, sizeof v->body);
    else if (!strcmp(key, "redacted"))
        v->redacted = atoi(val) != 0;
    else if (!strcmp(key, "event"))
        v->event_len = unhex(val, v->event, sizeof v->event);
    else if (!strcmp(key, "body_hash"))
        assert_int_equal(unhex(val, v->body_hash, 32), 32);
    else if (!strcmp(key, "id"))
        assert_int_equal(unhex(val, v->id, 32), 32);
    else if (!strcmp(key, "sig"))
        assert_int_equal(unhex(val, v->sig, 64), 64);
    else if (!strcmp(key, "link"))
        assert_int_equal(unhex(val, v->link, 32), 32);
    else
        fail_msg("unknown key %s in vectors/events.txt", key);
}

static int load_vectors(void **state)
{
    static char line[32768];
    FILE *f = fopen("vectors/events.txt", "r");
    (void)state;

    if (f == NULL) {
        fprintf(stderr, "cannot open vectors/events.txt: run from tests/ (ctest does)\n");
        return -1;
    }
    g_nvec = 0;
    while (fgets(line, sizeof line, f)) {
        char *sp;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        sp = strchr(line, ' ');
        if (sp == NULL)
            continue;
        *sp = '\0';
        if (!strcmp(line, "name")) {
            if (g_nvec == MAX_VECTORS)
                break;
            memset(&g_vec[g_nvec++], 0, sizeof g_vec[0]);
        }
        if (g_nvec > 0)
            parse_vector_line(&g_vec[g_nvec - 1], line, sp + 1);
    }
    fclose(f);
    return g_nvec >= 4 ? 0 : -1;
}

static const vector_t *vector_named(const char *name)
{
    for (size_t k = 0; k < g_nvec; k++)
        if (!strcmp(g_vec[k].name, name))
            return &g_vec[k];
    fail_msg("no vector %s", name);
    return NULL;
}

static void vectors_are_reproduced_byte_for_byte_by_seal(void **state)
{
    static uint8_t out[8192], red[8192];
    (void)state;

    for (size_t k = 0; k < g_nvec; k++) {
        const vector_t *v = &g_vec[k];
        nara_keypair_t kp;
        nara_event_t ev = draft(v->body, v->body_len), back;
        uint8_t link[32];
        size_t len;

        assert_int_equal(nara_keypair_from_seed(v->seed, &kp), NARA_OK);
        strcpy(ev.stream, v->stream);
        strcpy(ev.kind, v->kind);
        ev.seq = v->seq;
        ev.hlc = v->hlc;
        ev.has_prev = v->has_prev;
        memcpy(ev.prev, v->prev, 32);
        len = seal_into(&ev, &kp, out, sizeof out);
        if (v->redacted) {
            assert_int_equal(nara_event_decode(out, len, &back), NARA_OK);
            len = redact(out, len, &back, red);
            memcpy(out, red, len);
        }
        assert_int_equal(len, v->event_len);
        assert_memory_equal(out, v->event, len);
        assert_memory_equal(ev.body_hash, v->body_hash, 32);
        assert_memory_equal(ev.id, v->id, 32);
        assert_memory_equal(ev.sig, v->sig, 64);
        nara_event_link(&ev, link);
        assert_memory_equal(link, v->link, 32);
        nara_keypair_wipe(&kp);
    }
}

static void vectors_decode_verify_and_link(void **state)
{
    (void)state;
    for (size_t k = 0; k < g_nvec; k++) {
        const vector_t *v = &g_vec[k];
        nara_event_t ev;
        uint8_t link[32];

        assert_int_equal(nara_event_decode(v->event, v->event_len, &ev), NARA_OK);
        assert_string_equal(ev.stream, v->stream);
        assert_string_equal(ev.kind, v->kind);
        assert_true(ev.seq == v->seq && ev.hlc == v->hlc && ev.has_prev == v->has_prev);
        assert_int_equal(ev.redacted, v->redacted);
        if (v->redacted) {
            assert_null(ev.body);
        } else {
            assert_int_equal(ev.body_len, v->body_len);
            assert_memory_equal(ev.body, v->body, v->body_len);
        }
        assert_memory_equal(ev.body_hash, v->body_hash, 32);
        assert_memory_equal(ev.id, v->id, 32);
        assert_memory_equal(ev.sig, v->sig, 64);
        assert_int_equal(nara_event_verify(&ev), NARA_OK);
        nara_event_link(&ev, link);
        assert_memory_equal(link, v->link, 32);
    }
}

static void vector_chain_links_the_second_event_to_the_first(void **state)
{
    (void)state;
    assert_true(vector_named("nested")->has_prev);
    assert_memory_equal(vector_named("nested")->prev, vector_named("first")->link, 32);
}

/* The id, signature and link of vector "first", rebuilt from the spec with
 * nothing but libsodium and the field values. */
static void vector_hashes_match_preimages_built_by_hand(void **state)
{
    const vector_t *v = vector_named("first");
    uint8_t pk[32], sk[64], body_hash[32], id[32], link[32];
    (void)state;

    assert_int_equal(crypto_sign_seed_keypair(pk, sk, v->seed), 0);

    g_tmp.n = 0;
    put(&g_tmp, "nara/v1/body", 13); /* with its NUL */
    put(&g_tmp, v->body, v->body_len);
    crypto_generichash(body_hash, 32, g_tmp.b, g_tmp.n, NULL, 0);
    assert_memory_equal(body_hash, v->body_hash, 32);

    g_tmp.n = 0;
    put(&g_tmp, "nara/v1/id", 11);
    put_hex(&g_tmp, "98 01 c420");          /* array of 8, version 1, bin 32 */
    put(&g_tmp, pk, 32);                    /* author */
    put_hex(&g_tmp, "a5 33322e3031 01 c0"); /* "32.01", seq 1, prev nil */
    put_byte(&g_tmp, 0xcf);                 /* hlc as uint64, big-endian */
    for (int shift = 56; shift >= 0; shift -= 8)
        put_byte(&g_tmp, (uint8_t)(v->hlc >> shift));
    put_hex(&g_tmp, "a9 636173652e6f70656e c420"); /* "case.open", bin 32 */
    put(&g_tmp, body_hash, 32);
    crypto_generichash(id, 32, g_tmp.b, g_tmp.n, NULL, 0);
    assert_memory_equal(id, v->id, 32);

    g_tmp.n = 0;
    put(&g_tmp, "nara/v1/event-sig", 18);
    put(&g_tmp, id, 32);
    assert_int_equal(crypto_sign_verify_detached(v->sig, g_tmp.b, g_tmp.n, pk), 0);

    g_tmp.n = 0;
    put(&g_tmp, "nara/v1/link", 13);
    put(&g_tmp, id, 32);
    put(&g_tmp, v->sig, 64);
    crypto_generichash(link, 32, g_tmp.b, g_tmp.n, NULL, 0);
    assert_memory_equal(link, v->link, 32);
    sodium_memzero(sk, sizeof sk);
}

/* ==== signatures, links, redaction ============================================== */

static void flipped_signature_byte_fails_verification(void **state)
{
    nara_keypair_t kp = key_from_byte(3);
    nara_event_t ev = draft(small_body, sizeof small_body), back;
    uint8_t buf[512];
    size_t len = seal_into(&ev, &kp, buf, sizeof buf);
    (void)state;

    buf[len - 1] ^= 0x01;
    assert_int_equal(nara_event_decode(buf, len, &back), NARA_OK);
    assert_int_equal(nara_event_verify(&back), NARA_SIGNATURE);
}

static void flipped_body_byte_changes_the_id_and_fails_verification(void **state)
{
    nara_keypair_t kp = key_from_byte(3);
    nara_event_t ev = draft(small_body, sizeof small_body), back;
    uint8_t buf[512];
    size_t len = seal_into(&ev, &kp, buf, sizeof buf);
    (void)state;

    assert_int_equal(nara_event_decode(buf, len, &back), NARA_OK);
    buf[back.body - buf + 3] = 0x02; /* {"a": 1} -> {"a": 2}, still canonical */
    assert_int_equal(nara_event_decode(buf, len, &back), NARA_OK);
    assert_memory_not_equal(back.id, ev.id, NARA_ID_BYTES);
    assert_int_equal(nara_event_verify(&back), NARA_SIGNATURE);
}

static void author_that_is_not_a_usable_point_is_a_bad_key(void **state)
{
    nara_event_t ev;
    (void)state;

    build_with(F_AUTHOR, "c420 01" H8("00") H8("00") H8("00") "00000000000000");
    assert_int_equal(nara_event_decode(g_ev.b, g_ev.n, &ev), NARA_OK); /* identity point */
    assert_int_equal(nara_event_verify(&ev), NARA_BAD_KEY);
}

static void redacted_event_keeps_its_id_and_still_verifies(void **state)
{
    nara_keypair_t kp = key_from_byte(9);
    nara_event_t ev = draft(small_body, sizeof small_body), full, red;
    uint8_t buf[512], out[512];
    size_t len = seal_into(&ev, &kp, buf, sizeof buf), rlen;
    uint8_t link_full[32], link_red[32];
    (void)state;

    assert_int_equal(nara_event_decode(buf, len, &full), NARA_OK);
    rlen = redact(buf, len, &full, out);
    assert_int_equal(nara_event_decode(out, rlen, &red), NARA_OK);
    assert_true(red.redacted);
    assert_null(red.body);
    assert_int_equal(red.body_len, 0);
    assert_memory_equal(red.body_hash, full.body_hash, NARA_HASH_BYTES);
    assert_memory_equal(red.id, full.id, NARA_ID_BYTES);
    assert_int_equal(nara_event_verify(&red), NARA_OK);
    nara_event_link(&full, link_full);
    nara_event_link(&red, link_red);
    assert_memory_equal(link_full, link_red, NARA_HASH_BYTES);
}

static void link_changes_when_the_signature_changes(void **state)
{
    nara_keypair_t kp = key_from_byte(3);
    nara_event_t ev = draft(small_body, sizeof small_body);
    uint8_t buf[512], a[32], b[32];
    (void)state;

    seal_into(&ev, &kp, buf, sizeof buf);
    nara_event_link(&ev, a);
    ev.sig[10] ^= 0x80;
    nara_event_link(&ev, b);
    assert_memory_not_equal(a, b, 32);
}

static void each_event_of_a_feed_holds_the_link_of_its_predecessor(void **state)
{
    nara_keypair_t kp = key_from_byte(3);
    nara_event_t ev, back;
    uint8_t buf[512], link[32];
    (void)state;

    for (uint64_t seq = 1; seq <= 3; seq++) {
        ev = draft(small_body, sizeof small_body);
        ev.seq = seq;
        ev.has_prev = seq > 1;
        if (seq > 1)
            memcpy(ev.prev, link, 32);
        size_t len = seal_into(&ev, &kp, buf, sizeof buf);
        assert_int_equal(nara_event_decode(buf, len, &back), NARA_OK);
        if (seq > 1)
            assert_memory_equal(back.prev, link, 32);
        nara_event_link(&back, link);
    }
}

/* ==== decoder rejections, one rule each ========================================== */

static void default_envelope_decodes(void **state)
{
    (void)state;
    assert_int_equal(decode_with(-1, NULL), NARA_OK);
}

static void every_strict_prefix_of_an_event_is_truncated(void **state)
{
    (void)state;
    for (size_t k = 0; k < g_nvec; k++) {
        for (size_t n = 0; n < g_vec[k].event_len; n++)
            assert_int_equal(decode_exact(g_vec[k].event, n), NARA_TRUNCATED);
    }
}

static void trailing_byte_is_rejected(void **state)
{
    (void)state;
    build_with(-1, NULL);
    put_byte(&g_ev, 0xc0);
    nara_event_t ev;
    assert_int_equal(nara_event_decode(g_ev.b, g_ev.n, &ev), NARA_TRAILING);
}

static void null_arguments_are_invalid(void **state)
{
    nara_event_t ev;
    (void)state;
    assert_int_equal(nara_event_decode(NULL, 0, &ev), NARA_INVAL);
    assert_int_equal(nara_event_decode((const uint8_t *)"\x80", 1, NULL), NARA_INVAL);
    assert_int_equal(nara_event_verify(NULL), NARA_INVAL);
}

static void failed_decode_leaves_the_event_zeroed(void **state)
{
    nara_event_t ev, zero;
    (void)state;
    memset(&zero, 0, sizeof zero);
    build_with(F_SIG, "c43f"
                      "00");
    memset(&ev, 0x5a, sizeof ev);
    assert_int_not_equal(nara_event_decode(g_ev.b, g_ev.n, &ev), NARA_OK);
    assert_memory_equal(&ev, &zero, sizeof ev);
}

static void envelope_that_is_not_a_nine_element_array_is_a_type_error(void **state)
{
    nara_event_t ev;
    (void)state;

    assert_int_equal(nara_event_decode((const uint8_t *)"\x81\xa1\x61\x01", 4, &ev), NARA_TYPE);
    assert_int_equal(nara_event_decode((const uint8_t *)"\x90", 1, &ev), NARA_TYPE);
    build_with(-1, NULL);
    g_ev.b[0] = 0x98; /* 8 elements: the sig is then trailing, but the count fails first */
    assert_int_equal(nara_event_decode(g_ev.b, g_ev.n, &ev), NARA_TYPE);
    build_with(-1, NULL);
    g_ev.b[0] = 0x9a;
    put_byte(&g_ev, 0xc0);
    assert_int_equal(nara_event_decode(g_ev.b, g_ev.n, &ev), NARA_TYPE);
}

static void field_of_the_wrong_msgpack_type_is_a_type_error(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_VERSION, "a1 31"), NARA_TYPE);           /* "1" */
    assert_int_equal(decode_with(F_VERSION, "ff"), NARA_TYPE);              /* -1 */
    assert_int_equal(decode_with(F_AUTHOR, "d9 20" H32("61")), NARA_TYPE);  /* str 32 */
    assert_int_equal(decode_with(F_STREAM, "c4 05 33322e3031"), NARA_TYPE); /* bin */
    assert_int_equal(decode_with(F_SEQ, "c3"), NARA_TYPE);
    assert_int_equal(decode_with(F_SEQ, "ff"), NARA_TYPE);
    assert_int_equal(decode_with(F_PREV, "c2"), NARA_TYPE);
    assert_int_equal(decode_with(F_HLC, "c0"), NARA_TYPE);
    assert_int_equal(decode_with(F_KIND, "01"), NARA_TYPE);
    assert_int_equal(decode_with(F_BODY, "90"), NARA_TYPE); /* array */
    assert_int_equal(decode_with(F_BODY, "c0"), NARA_TYPE);
    assert_int_equal(decode_with(F_SIG, "c0"), NARA_TYPE);
    assert_int_equal(decode_with(F_SEQ, "c1"), NARA_TYPE); /* never used */
}

static void bin_of_the_wrong_length_is_a_type_error(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_AUTHOR, "c41f"
                                           "11" H8("11") H8("11") H8("11") "111111111111"),
                     NARA_TYPE);
    assert_int_equal(decode_with(F_AUTHOR, "c421" H32("11") "11"), NARA_TYPE);
    assert_int_equal(decode_with(F_BODY, "c41f" H8("22") H8("22") H8("22") "222222222222"
                                                                           "22"),
                     NARA_TYPE);
    assert_int_equal(
        decode_with(F_SIG, "c43f" H32("00") H8("00") H8("00") H8("00") "00000000000000"),
        NARA_TYPE);
}

static void version_other_than_one_is_rejected(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_VERSION, "02"), NARA_VERSION);
    assert_int_equal(decode_with(F_VERSION, "00"), NARA_VERSION);
}

static void unknown_version_is_reported_before_the_layout_is_checked(void **state)
{
    nara_event_t ev;
    (void)state;
    /* A future version may have another element count: still NARA_VERSION. */
    assert_int_equal(nara_event_decode((const uint8_t *)"\x93\x02\xc0\xc0", 4, &ev), NARA_VERSION);
}

static void stream_or_kind_longer_than_32_bytes_is_too_large(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_STREAM, "d9 20" H32("61")), NARA_OK);
    assert_int_equal(decode_with(F_STREAM, "d9 21" H32("61") "61"), NARA_TOO_LARGE);
    assert_int_equal(decode_with(F_KIND, "d9 20" H32("62")), NARA_OK);
    assert_int_equal(decode_with(F_KIND, "d9 21" H32("62") "62"), NARA_TOO_LARGE);
}

static void event_longer_than_65536_bytes_is_too_large(void **state)
{
    (void)state;
    make_string_body(NARA_EVENT_MAX_BYTES); /* the event is then larger than the limit */
    assert_int_equal(decode_with_body_buf(), NARA_TOO_LARGE);
    assert_int_equal(nara_body_validate(g_body.b, g_body.n), NARA_TOO_LARGE);
}

static void seq_or_hlc_beyond_int64_max_is_too_large(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_HLC, "cf 7fffffffffffffff"), NARA_OK);
    assert_int_equal(decode_with(F_HLC, "cf 8000000000000000"), NARA_TOO_LARGE);
    assert_int_equal(decode_with(F_SEQ, "cf 8000000000000000"), NARA_TOO_LARGE);
}

static void seq_zero_is_a_bad_seq(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_SEQ, "00"), NARA_BAD_SEQ);
}

static void seq_one_with_a_prev_is_a_bad_seq(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_PREV, "c420" H32("33")), NARA_BAD_SEQ);
}

static void seq_two_without_a_prev_is_a_bad_seq(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_SEQ, "02"), NARA_BAD_SEQ);
}

static void stream_outside_the_charset_is_a_bad_stream(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_STREAM, "a0"), NARA_BAD_STREAM);            /* "" */
    assert_int_equal(decode_with(F_STREAM, "a5 33322f3031"), NARA_BAD_STREAM); /* "32/01" */
    assert_int_equal(decode_with(F_STREAM, "a5 50524f5631"), NARA_BAD_STREAM); /* "PROV1" */
    assert_int_equal(decode_with(F_STREAM, "a2 c3a9"), NARA_BAD_STREAM);       /* "é" */
    assert_int_equal(decode_with(F_STREAM, "a2 6100"), NARA_BAD_STREAM);       /* NUL */
    assert_int_equal(decode_with(F_STREAM, "a5 612e5f2d39"), NARA_OK);         /* "a._-9" */
}

static void kind_outside_the_charset_is_a_bad_kind(void **state)
{
    (void)state;
    assert_int_equal(decode_with(F_KIND, "a0"), NARA_BAD_KIND);
    assert_int_equal(decode_with(F_KIND, "a5 6361736520"), NARA_BAD_KIND);   /* "case " */
    assert_int_equal(decode_with(F_KIND, "a4 43617365"), NARA_BAD_KIND);     /* "Case" */
    assert_int_equal(decode_with(F_KIND, "a6 636173652f78"), NARA_BAD_KIND); /* "case/x" */
    assert_int_equal(decode_with(F_KIND, "a2 c3a9"), NARA_BAD_KIND);         /* "é" */
}

/* ---- canonical form ---- */

static void integer_in_a_longer_form_than_needed_is_noncanonical(void **state)
{
    (void)state;
    assert_body(NARA_NONCANONICAL, "81 a161 cc 05");               /* uint8 for 5 */
    assert_body(NARA_NONCANONICAL, "81 a161 cd 00ff");             /* uint16 for 255 */
    assert_body(NARA_NONCANONICAL, "81 a161 ce 0000ffff");         /* uint32 for 65535 */
    assert_body(NARA_NONCANONICAL, "81 a161 cf 00000000ffffffff"); /* uint64 for 2^32-1 */
    assert_body(NARA_NONCANONICAL, "81 a161 d0 e0");               /* int8 for -32 */
    assert_body(NARA_NONCANONICAL, "81 a161 d1 ff80");             /* int16 for -128 */
    assert_body(NARA_NONCANONICAL, "81 a161 d2 ffff8000");         /* int32 for -32768 */
    assert_body(NARA_NONCANONICAL, "81 a161 d3 ffffffff80000000"); /* int64 for -2^31 */
    assert_int_equal(decode_with(F_SEQ, "cc 01"), NARA_NONCANONICAL);
    assert_int_equal(decode_with(F_VERSION, "d0 01"), NARA_NONCANONICAL);
}

static void signed_format_for_a_non_negative_value_is_noncanonical(void **state)
{
    (void)state;
    assert_body(NARA_NONCANONICAL, "81 a161 d0 05");
    assert_body(NARA_NONCANONICAL, "81 a161 d1 0100");
    assert_body(NARA_NONCANONICAL, "81 a161 d3 0000000000000000");
    assert_body(NARA_NONCANONICAL, "81 a161 d3 7fffffffffffffff");
}

static void shortest_integer_forms_are_accepted_at_every_boundary(void **state)
{
    (void)state;
    assert_body(NARA_OK, "81 a161 7f");
    assert_body(NARA_OK, "81 a161 cc 80");
    assert_body(NARA_OK, "81 a161 cd 0100");
    assert_body(NARA_OK, "81 a161 ce 00010000");
    assert_body(NARA_OK, "81 a161 cf 0000000100000000");
    assert_body(NARA_OK, "81 a161 cf ffffffffffffffff");
    assert_body(NARA_OK, "81 a161 e0");                  /* -32 */
    assert_body(NARA_OK, "81 a161 d0 df");               /* -33 */
    assert_body(NARA_OK, "81 a161 d1 ff7f");             /* -129 */
    assert_body(NARA_OK, "81 a161 d2 ffff7fff");         /* -32769 */
    assert_body(NARA_OK, "81 a161 d3 ffffffff7fffffff"); /* -2^31-1 */
    assert_body(NARA_OK, "81 a161 d3 8000000000000000"); /* INT64_MIN */
}

static void length_header_longer_than_needed_is_noncanonical(void **state)
{
    (void)state;
    assert_body(NARA_NONCANONICAL, "81 a161 d9 05 68656c6c6f"); /* str8 for 5 bytes */
    assert_body(NARA_NONCANONICAL, "81 a161 da 0005 68656c6c6f");
    assert_body(NARA_NONCANONICAL, "81 a161 c5 0003 010203"); /* bin16 for 3 bytes */
    assert_body(NARA_NONCANONICAL, "81 a161 dc 0001 01");     /* array16 for 1 */
    assert_body(NARA_NONCANONICAL, "de 0001 a161 01");        /* map16 for 1 */
    assert_body(NARA_NONCANONICAL, "81 d9 01 61 01");         /* str8 key */
    assert_body(NARA_OK, "81 a161 d9 20" H32("61"));          /* str8 from 32 bytes */
    assert_body(NARA_OK, "81 a161 c4 00");                    /* bin8 is the shortest bin */
    nara_event_t ev;
    build_with(-1, NULL);
    g_tmp.n = 0;
    put_hex(&g_tmp, "dc 0009");
    put(&g_tmp, g_ev.b + 1, g_ev.n - 1);
    assert_int_equal(nara_event_decode(g_tmp.b, g_tmp.n, &ev), NARA_NONCANONICAL);
}

static void keys_out_of_order_are_rejected(void **state)
{
    (void)state;
    assert_body(NARA_KEY_ORDER, "82 a162 01 a161 01");
    assert_body(NARA_OK, "82 a161 01 a162 01");
}

static void duplicate_keys_are_rejected(void **state)
{
    (void)state;
    assert_body(NARA_KEY_ORDER, "82 a161 01 a161 02");
}

static void keys_sort_by_their_bytes_with_a_prefix_first(void **state)
{
    (void)state;
    assert_body(NARA_OK, "82 a161 01 a26161 01"); /* "a" < "aa" */
    assert_body(NARA_KEY_ORDER, "82 a26161 01 a161 01");
    assert_body(NARA_OK, "82 a26161 01 a162 01"); /* "aa" < "b", whatever the headers */
    assert_body(NARA_OK, "82 a0 01 a100 01");     /* "" < "\0" */
    assert_body(NARA_OK, "82 a17a 01 a2c3a9 01"); /* "z" < "é": unsigned bytes */
}

static void non_string_key_is_rejected(void **state)
{
    (void)state;
    assert_body(NARA_KEY_ORDER, "81 01 01");
    assert_body(NARA_KEY_ORDER, "81 c4 01 61 01");
    assert_body(NARA_KEY_ORDER, "81 80 01");
}

static void float_anywhere_is_rejected(void **state)
{
    (void)state;
    assert_body(NARA_FLOAT, "81 a161 ca 3f800000");
    assert_body(NARA_FLOAT, "81 a161 cb 3ff0000000000000");
    assert_body(NARA_FLOAT, "81 a161 91 ca 3f800000");
    assert_body(NARA_FLOAT, "81 ca 3f800000 01");
    assert_int_equal(decode_with(F_HLC, "cb 3ff0000000000000"), NARA_FLOAT);
}

static void ext_anywhere_is_rejected(void **state)
{
    (void)state;
    assert_body(NARA_EXT, "81 a161 d4 01 00");
    assert_body(NARA_EXT, "81 a161 d6 ff 00000000"); /* the timestamp type too */
    assert_body(NARA_EXT, "81 a161 c7 00 01");
    assert_body(NARA_EXT, "81 a161 c8 0000 01");
    assert_body(NARA_EXT, "81 a161 c9 00000000 01");
    assert_int_equal(decode_with(F_SIG, "d8 01" H8("00") H8("00")), NARA_EXT);
}

static void never_used_byte_c1_is_a_type_error(void **state)
{
    (void)state;
    assert_body(NARA_TYPE, "81 a161 c1");
    assert_body(NARA_TYPE, "c1");
}

static void invalid_utf8_is_rejected(void **state)
{
    (void)state;
    assert_body(NARA_UTF8, "81 a161 a2 c080");     /* overlong NUL */
    assert_body(NARA_UTF8, "81 a161 a2 c1bf");     /* overlong */
    assert_body(NARA_UTF8, "81 a161 a3 e08080");   /* overlong 3-byte */
    assert_body(NARA_UTF8, "81 a161 a4 f0808080"); /* overlong 4-byte */
    assert_body(NARA_UTF8, "81 a161 a3 eda080");   /* surrogate U+D800 */
    assert_body(NARA_UTF8, "81 a161 a3 edbfbf");   /* surrogate U+DFFF */
    assert_body(NARA_UTF8, "81 a161 a4 f4908080"); /* U+110000 */
    assert_body(NARA_UTF8, "81 a161 a4 f5808080");
    assert_body(NARA_UTF8, "81 a161 a1 80");     /* lone continuation */
    assert_body(NARA_UTF8, "81 a161 a2 e282");   /* sequence cut by the string end */
    assert_body(NARA_UTF8, "81 a161 a2 c328");   /* bad continuation */
    assert_body(NARA_UTF8, "81 a2 c328 01");     /* in a key */
    assert_body(NARA_OK, "81 a161 a4 f09f9880"); /* U+1F600 */
    assert_body(NARA_OK, "81 a161 a4 f48fbfbf"); /* U+10FFFF */
    assert_body(NARA_OK, "81 a161 a3 ef bfbf");  /* U+FFFF */
    assert_body(NARA_OK, "81 a161 a3 ee8080");   /* U+E000, after the surrogates */
}

/* A 24-byte string value, ASCII but for `bad` (1 byte) or `good` (2 bytes)
 * at offset `at`: the validator skips ASCII several bytes at a time, so a
 * wrong byte must be found at every offset of such a run. */
static void put_ascii_with(size_t at, const char *insert)
{
    g_body.n = 0;
    put_hex(&g_body, "81 a161 b8");
    for (size_t k = 0; k < at; k++)
        put_byte(&g_body, 'x');
    put_hex(&g_body, insert);
    while (g_body.n < 4 + 24)
        put_byte(&g_body, 'y');
}

static void invalid_utf8_is_found_at_every_offset_of_ascii_text(void **state)
{
    (void)state;
    for (size_t at = 0; at < 24; at++) {
        put_ascii_with(at, "80"); /* a lone continuation byte */
        assert_body_buf(NARA_UTF8);
        put_ascii_with(at, "ff");
        assert_body_buf(NARA_UTF8);
        if (at + 2 <= 24) {
            put_ascii_with(at, "c3a9"); /* U+00E9 */
            assert_body_buf(NARA_OK);
        }
    }
}

/* ---- limits ---- */

/* depth nested maps {"a": {"a": ... {}}}; the outer one is depth 1. */
static void make_nested_maps(unsigned depth)
{
    g_body.n = 0;
    for (unsigned k = 1; k < depth; k++)
        put_hex(&g_body, "81 a161");
    put_byte(&g_body, 0x80);
}

static void body_nested_deeper_than_8_is_too_deep(void **state)
{
    (void)state;
    make_nested_maps(8);
    assert_body_buf(NARA_OK);
    make_nested_maps(9);
    assert_body_buf(NARA_TOO_DEEP);
    make_nested_maps(7);
    g_body.n--;
    put_hex(&g_body, "81 a161 91 90"); /* an array at depth 9 too */
    assert_body_buf(NARA_TOO_DEEP);
}

static void make_array_body(size_t n)
{
    g_body.n = 0;
    put_hex(&g_body, "81 a161 dc");
    put_byte(&g_body, (uint8_t)(n >> 8));
    put_byte(&g_body, (uint8_t)n);
    put_rep(&g_body, 0xc0, n);
}

static void make_map_body(size_t n)
{
    g_body.n = 0;
    put_byte(&g_body, 0xde);
    put_byte(&g_body, (uint8_t)(n >> 8));
    put_byte(&g_body, (uint8_t)n);
    for (size_t k = 0; k < n; k++) {
        char key[24];
        snprintf(key, sizeof key, "%04zu", k);
        put_byte(&g_body, 0xa4);
        put(&g_body, key, 4);
        put_byte(&g_body, 0xc0);
    }
}

static void container_with_more_than_1024_entries_is_too_large(void **state)
{
    (void)state;
    make_array_body(1024);
    assert_body_buf(NARA_OK);
    make_array_body(1025);
    assert_body_buf(NARA_TOO_LARGE);
    make_map_body(1024);
    assert_body_buf(NARA_OK);
    make_map_body(1025);
    assert_body_buf(NARA_TOO_LARGE);
}

static void key_longer_than_64_bytes_is_too_large(void **state)
{
    (void)state;
    assert_body(NARA_OK, "81 d9 40" H64("6b") "01");
    assert_body(NARA_TOO_LARGE, "81 d9 41" H64("6b") "6b 01");
}

/* ---- amplification ---- */

static const char *const amplifiers[] = {
    "dd ffffffff",         /* array32 of 4 billion */
    "df ffffffff",         /* map32 of 4 billion pairs */
    "c6 ffffffff",         /* bin32 of 4 GB */
    "db ffffffff",         /* str32 of 4 GB */
    "de ffff",             /* map16: 65535 pairs */
    "81 a161 dd ffffffff", /* nested */
    "81 a161 81 a161 df ffffffff",
    "81 a161 dd 00010000 dd 00010000", /* canonical counts, still too many for what remains */
    "81 a161 92 01 df ffffffff",
};

static void amplification_headers_are_truncated_at_once(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof amplifiers / sizeof amplifiers[0]; k++) {
        g_body.n = 0;
        put_hex(&g_body, amplifiers[k]);
        assert_int_equal(validate_exact(g_body.b, g_body.n), NARA_TRUNCATED);
        assert_int_equal(decode_with_body_buf(), NARA_TRUNCATED);
    }
}

static void amplification_header_as_the_envelope_is_truncated(void **state)
{
    nara_event_t ev;
    (void)state;
    assert_int_equal(nara_event_decode((const uint8_t *)"\xdd\xff\xff\xff\xff", 5, &ev),
                     NARA_TRUNCATED);
    assert_int_equal(decode_with(F_STREAM, "db ffffffff"), NARA_TRUNCATED);
    assert_int_equal(decode_with(F_AUTHOR, "c6 ffffffff"), NARA_TRUNCATED);
}

/* 100k refusals: cheap because nothing is allocated or trusted.  No timing
 * assertion; a regression shows up as a slow test. */
static void amplification_is_cheap_to_refuse_many_times(void **state)
{
    static const uint8_t nested[] = {0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff};
    (void)state;
    g_body.n = 0;
    put(&g_body, nested, sizeof nested);
    for (int k = 0; k < 100000; k++) {
        assert_int_equal(nara_body_validate(nested, sizeof nested), NARA_TRUNCATED);
        assert_int_equal(decode_with_body_buf(), NARA_TRUNCATED);
    }
}

static void body_must_be_one_map_with_nothing_after(void **state)
{
    (void)state;
    assert_int_equal(nara_body_validate((const uint8_t *)"\x80\xc0", 2), NARA_TRAILING);
    assert_int_equal(nara_body_validate((const uint8_t *)"", 0), NARA_TRUNCATED);
    assert_int_equal(nara_body_validate((const uint8_t *)"\x81\xa1\x61", 3), NARA_TRUNCATED);
    assert_int_equal(nara_body_validate((const uint8_t *)"\x90", 1), NARA_TYPE);
    assert_int_equal(nara_body_validate(NULL, 0), NARA_INVAL);
    assert_int_equal(nara_body_validate((const uint8_t *)"\x80", 1), NARA_OK);
}

/* ---- check order ---- */

static void the_first_rule_broken_in_reading_order_is_reported(void **state)
{
    nara_event_t ev;
    (void)state;
    /* bad stream (element 2) before bad seq (element 3) */
    g_ev.n = 0;
    put_hex(&g_ev, "99 01 c420" H32("11") "a1 41 00");
    for (int f = F_PREV; f < N_FIELDS; f++)
        put_hex(&g_ev, default_field[f]);
    assert_int_equal(nara_event_decode(g_ev.b, g_ev.n, &ev), NARA_BAD_STREAM);
    /* a wrong header form is reported before the count it claims */
    assert_int_equal(nara_event_decode((const uint8_t *)"\xdc\x00\x09", 3, &ev), NARA_NONCANONICAL);
    /* length before charset */
    assert_int_equal(decode_with(F_STREAM, "d9 21" H32("41") "41"), NARA_TOO_LARGE);
    /* depth before entry count: an array of 1025 at depth 9 */
    make_nested_maps(9);
    g_body.n--;
    put_hex(&g_body, "dc 0401");
    put_rep(&g_body, 0xc0, 1025);
    assert_body_buf(NARA_TOO_DEEP);
    /* key type, then key length, then UTF-8, then order */
    assert_body(NARA_TOO_LARGE, "82 a162 01 d9 41 c0" H64("6b") "01");
    assert_body(NARA_UTF8, "82 a162 01 a2 6180 01"); /* "a\x80" < "b" too */
}

/* ==== property: our canonical form is msgpack-c's packer output =============== */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rnd(rng_t *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

static size_t rnd_below(rng_t *r, size_t n)
{
    return (size_t)(rnd(r) % n);
}

/* Random valid UTF-8 of about `target` bytes into out (cap >= target + 4). */
static size_t gen_text(rng_t *r, uint8_t *out, size_t target)
{
    static const char *const units[] = {"a",
                                        "z",
                                        "0",
                                        "-",
                                        " ",
                                        "\x7f",
                                        "\xc3\xa9",
                                        "\xe2\x9c\x93",
                                        "\xf0\x9f\x98\x80",
                                        "\xef\xbf\xbf",
                                        "\xf4\x8f\xbf\xbf"};
    size_t n = 0;
    for (;;) {
        const char *u = units[rnd_below(r, sizeof units / sizeof units[0])];
        size_t ul = strlen(u);
        if (n + ul > target)
            break;
        memcpy(out + n, u, ul);
        n += ul;
    }
    while (n < target)
        out[n++] = 'x';
    return n;
}

static size_t gen_len(rng_t *r, bool big_ok)
{
    static const size_t edges[] = {0, 1, 31, 32, 255, 256, 300};
    if (big_ok && rnd_below(r, 8) == 0)
        return edges[rnd_below(r, 7)];
    return rnd_below(r, 12);
}

static void gen_int(rng_t *r, msgpack_packer *pk)
{
    static const uint64_t pos[] = {0,
                                   127,
                                   128,
                                   255,
                                   256,
                                   65535,
                                   65536,
                                   4294967295ull,
                                   4294967296ull,
                                   UINT64_MAX,
                                   (uint64_t)INT64_MAX};
    static const int64_t neg[] = {
        -1, -32, -33, -128, -129, -32768, -32769, INT32_MIN, (int64_t)INT32_MIN - 1, INT64_MIN};
    switch (rnd_below(r, 4)) {
    case 0:
        msgpack_pack_uint64(pk, pos[rnd_below(r, sizeof pos / sizeof pos[0])]);
        break;
    case 1:
        msgpack_pack_int64(pk, neg[rnd_below(r, sizeof neg / sizeof neg[0])]);
        break;
    case 2:
        msgpack_pack_uint64(pk, rnd(r) >> rnd_below(r, 64));
        break;
    default:
        msgpack_pack_int64(pk, -1 - (int64_t)(rnd(r) >> (1 + rnd_below(r, 63))));
        break;
    }
}

static void gen_map(rng_t *r, msgpack_packer *pk, unsigned depth);

static void gen_value(rng_t *r, msgpack_packer *pk, unsigned depth)
{
    uint8_t text[400];
    size_t n, kinds = depth < NARA_BODY_MAX_DEPTH && depth < 3 + rnd_below(r, 6) ? 8 : 6;

    switch (rnd_below(r, kinds)) {
    case 0:
        msgpack_pack_nil(pk);
        break;
    case 1:
        rnd_below(r, 2) ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
        break;
    case 2:
        gen_int(r, pk);
        break;
    case 3:
        n = gen_text(r, text, gen_len(r, depth < 3));
        msgpack_pack_str_with_body(pk, text, n);
        break;
    case 4:
        n = gen_len(r, depth < 3);
        for (size_t k = 0; k < n; k++)
            text[k] = (uint8_t)rnd(r);
        msgpack_pack_bin_with_body(pk, text, n);
        break;
    case 5:
        gen_int(r, pk);
        break;
    case 6:
        n = depth < 3 && rnd_below(r, 6) == 0 ? 16 + rnd_below(r, 4) : rnd_below(r, 5);
        msgpack_pack_array(pk, n);
        for (size_t k = 0; k < n; k++)
            gen_value(r, pk, depth + 1);
        break;
    default:
        gen_map(r, pk, depth + 1);
        break;
    }
}

typedef struct gen_key {
    uint8_t b[NARA_BODY_MAX_KEY];
    size_t n;
} gen_key;

static int key_cmp(const void *pa, const void *pb)
{
    const gen_key *a = pa, *b = pb;
    size_t n = a->n < b->n ? a->n : b->n;
    int c = n ? memcmp(a->b, b->b, n) : 0;
    if (c != 0)
        return c;
    return (a->n > b->n) - (a->n < b->n);
}

/* A map at `depth` with unique keys in bytewise order (msgpack-c writes them
 * in the order given; it does not sort). */
static void gen_map(rng_t *r, msgpack_packer *pk, unsigned depth)
{
    gen_key keys[20];
    size_t want = depth < 3 && rnd_below(r, 6) == 0 ? 16 + rnd_below(r, 4) : rnd_below(r, 6), n = 0;

    for (size_t k = 0; k < want; k++)
        keys[k].n = gen_text(r, keys[k].b, rnd_below(r, 9));
    qsort(keys, want, sizeof keys[0], key_cmp);
    for (size_t k = 0; k < want; k++)
        if (n == 0 || key_cmp(&keys[n - 1], &keys[k]) != 0)
            keys[n++] = keys[k];

    msgpack_pack_map(pk, n);
    for (size_t k = 0; k < n; k++) {
        msgpack_pack_str_with_body(pk, keys[k].b, keys[k].n);
        gen_value(r, pk, depth);
    }
}

/* Unpack with msgpack-c and pack again; only called on input we accepted. */
static void assert_msgpack_c_reencodes_identically(const uint8_t *body, size_t len)
{
    msgpack_zone zone;
    msgpack_object obj;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    size_t off = 0;

    assert_true(msgpack_zone_init(&zone, 4096));
    assert_int_equal(msgpack_unpack((const char *)body, len, &off, &zone, &obj),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, len);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(msgpack_pack_object(&pk, obj), 0);
    assert_int_equal(sb.size, len);
    assert_memory_equal(sb.data, body, len);
    msgpack_sbuffer_destroy(&sb);
    msgpack_zone_destroy(&zone);
}

static size_t gen_body(rng_t *r, msgpack_sbuffer *sb)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    gen_map(r, &pk, 1);
    return sb->size;
}

static void random_canonical_bodies_are_accepted_and_match_msgpack_c(void **state)
{
    rng_t r = {0x9e3779b97f4a7c15ull};
    msgpack_sbuffer sb;
    (void)state;

    msgpack_sbuffer_init(&sb);
    for (int k = 0; k < 3000; k++) {
        size_t len = gen_body(&r, &sb);
        assert_int_equal(nara_body_validate((const uint8_t *)sb.data, len), NARA_OK);
        assert_msgpack_c_reencodes_identically((const uint8_t *)sb.data, len);
    }
    msgpack_sbuffer_destroy(&sb);
}

static void mutated_bodies_we_accept_are_still_msgpack_c_canonical(void **state)
{
    rng_t r = {0x0123456789abcdefull};
    msgpack_sbuffer sb;
    size_t accepted = 0;
    (void)state;

    msgpack_sbuffer_init(&sb);
    for (int k = 0; k < 3000; k++) {
        size_t len = gen_body(&r, &sb);
        if (len == 0 || len > sizeof g_body.b)
            continue;
        memcpy(g_body.b, sb.data, len);
        for (size_t m = 1 + rnd_below(&r, 3); m > 0; m--)
            g_body.b[rnd_below(&r, len)] = (uint8_t)(rnd_below(&r, 2) ? rnd(&r) : rnd(&r) & 0x0f);
        if (validate_exact(g_body.b, len) != NARA_OK)
            continue;
        assert_msgpack_c_reencodes_identically(g_body.b, len);
        accepted++;
    }
    assert_true(accepted > 0); /* some mutations (a value byte) stay canonical */
    msgpack_sbuffer_destroy(&sb);
}

static void every_strict_prefix_of_a_random_body_is_truncated(void **state)
{
    rng_t r = {42};
    msgpack_sbuffer sb;
    (void)state;

    msgpack_sbuffer_init(&sb);
    for (int k = 0; k < 200; k++) {
        size_t len = gen_body(&r, &sb);
        for (size_t n = 0; n < len; n++)
            assert_int_equal(validate_exact((const uint8_t *)sb.data, n), NARA_TRUNCATED);
    }
    msgpack_sbuffer_destroy(&sb);
}

/* ==== keys and hex ============================================================== */

static void keypair_from_seed_is_deterministic_and_wipe_zeroes_it(void **state)
{
    nara_keypair_t a = key_from_byte(0), b = key_from_byte(0), zero;
    (void)state;
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(nara_keypair_generate(&b), NARA_OK);
    assert_memory_not_equal(a.pk, b.pk, NARA_PUBLICKEY_BYTES);
    memset(&zero, 0, sizeof zero);
    nara_keypair_wipe(&a);
    assert_memory_equal(&a, &zero, sizeof a);
    nara_keypair_wipe(NULL);
}

static void crypto_init_can_be_called_repeatedly(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++)
        assert_int_equal(nara_crypto_init(), NARA_OK);
}

static void hex_is_lowercase_and_terminated(void **state)
{
    char out[9];
    (void)state;
    nara_hex((const uint8_t *)"\x00\xab\xcd\xff", 4, out);
    assert_string_equal(out, "00abcdff");
    nara_hex(NULL, 0, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seal_then_decode_gives_back_every_field),
        cmocka_unit_test(peek_gives_the_position_decode_gives),
        cmocka_unit_test(peek_refuses_a_broken_envelope_and_zeroes_its_outputs),
        cmocka_unit_test(seal_sets_version_and_author),
        cmocka_unit_test(seal_reports_the_size_needed_when_the_buffer_is_too_small),
        cmocka_unit_test(seal_applies_the_decoder_rules_to_its_fields),
        cmocka_unit_test(seal_refuses_a_keypair_whose_halves_disagree),
        cmocka_unit_test(seal_accepts_65536_bytes_and_refuses_one_more),
        cmocka_unit_test(vectors_are_reproduced_byte_for_byte_by_seal),
        cmocka_unit_test(vectors_decode_verify_and_link),
        cmocka_unit_test(vector_chain_links_the_second_event_to_the_first),
        cmocka_unit_test(vector_hashes_match_preimages_built_by_hand),
        cmocka_unit_test(flipped_signature_byte_fails_verification),
        cmocka_unit_test(flipped_body_byte_changes_the_id_and_fails_verification),
        cmocka_unit_test(author_that_is_not_a_usable_point_is_a_bad_key),
        cmocka_unit_test(redacted_event_keeps_its_id_and_still_verifies),
        cmocka_unit_test(link_changes_when_the_signature_changes),
        cmocka_unit_test(each_event_of_a_feed_holds_the_link_of_its_predecessor),
        cmocka_unit_test(default_envelope_decodes),
        cmocka_unit_test(every_strict_prefix_of_an_event_is_truncated),
        cmocka_unit_test(trailing_byte_is_rejected),
        cmocka_unit_test(null_arguments_are_invalid),
        cmocka_unit_test(failed_decode_leaves_the_event_zeroed),
        cmocka_unit_test(envelope_that_is_not_a_nine_element_array_is_a_type_error),
        cmocka_unit_test(field_of_the_wrong_msgpack_type_is_a_type_error),
        cmocka_unit_test(bin_of_the_wrong_length_is_a_type_error),
        cmocka_unit_test(version_other_than_one_is_rejected),
        cmocka_unit_test(unknown_version_is_reported_before_the_layout_is_checked),
        cmocka_unit_test(stream_or_kind_longer_than_32_bytes_is_too_large),
        cmocka_unit_test(event_longer_than_65536_bytes_is_too_large),
        cmocka_unit_test(seq_or_hlc_beyond_int64_max_is_too_large),
        cmocka_unit_test(seq_zero_is_a_bad_seq),
        cmocka_unit_test(seq_one_with_a_prev_is_a_bad_seq),
        cmocka_unit_test(seq_two_without_a_prev_is_a_bad_seq),
        cmocka_unit_test(stream_outside_the_charset_is_a_bad_stream),
        cmocka_unit_test(kind_outside_the_charset_is_a_bad_kind),
        cmocka_unit_test(integer_in_a_longer_form_than_needed_is_noncanonical),
        cmocka_unit_test(signed_format_for_a_non_negative_value_is_noncanonical),
        cmocka_unit_test(shortest_integer_forms_are_accepted_at_every_boundary),
        cmocka_unit_test(length_header_longer_than_needed_is_noncanonical),
        cmocka_unit_test(keys_out_of_order_are_rejected),
        cmocka_unit_test(duplicate_keys_are_rejected),
        cmocka_unit_test(keys_sort_by_their_bytes_with_a_prefix_first),
        cmocka_unit_test(non_string_key_is_rejected),
        cmocka_unit_test(float_anywhere_is_rejected),
        cmocka_unit_test(ext_anywhere_is_rejected),
        cmocka_unit_test(never_used_byte_c1_is_a_type_error),
        cmocka_unit_test(invalid_utf8_is_rejected),
        cmocka_unit_test(invalid_utf8_is_found_at_every_offset_of_ascii_text),
        cmocka_unit_test(body_nested_deeper_than_8_is_too_deep),
        cmocka_unit_test(container_with_more_than_1024_entries_is_too_large),
        cmocka_unit_test(key_longer_than_64_bytes_is_too_large),
        cmocka_unit_test(amplification_headers_are_truncated_at_once),
        cmocka_unit_test(amplification_header_as_the_envelope_is_truncated),
        cmocka_unit_test(amplification_is_cheap_to_refuse_many_times),
        cmocka_unit_test(body_must_be_one_map_with_nothing_after),
        cmocka_unit_test(the_first_rule_broken_in_reading_order_is_reported),
        cmocka_unit_test(random_canonical_bodies_are_accepted_and_match_msgpack_c),
        cmocka_unit_test(mutated_bodies_we_accept_are_still_msgpack_c_canonical),
        cmocka_unit_test(every_strict_prefix_of_a_random_body_is_truncated),
        cmocka_unit_test(keypair_from_seed_is_deterministic_and_wipe_zeroes_it),
        cmocka_unit_test(crypto_init_can_be_called_repeatedly),
        cmocka_unit_test(hex_is_lowercase_and_terminated),
    };
    return cmocka_run_group_tests(tests, load_vectors, NULL);
}
