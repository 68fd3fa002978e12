/*
 * test_signatures.c - which Ed25519 signatures the project accepts, pinned.
 *
 * Every event signature anywhere (server, client, import, audit) is judged by
 * nara_event_verify: the author must pass crypto_core_ed25519_is_valid_point
 * (canonical, not small order, in the prime-order subgroup), else
 * NARA_BAD_KEY; then libsodium's crypto_sign_verify_detached (1.0.18: S < L,
 * R not small order, cofactorless equation, R compared as bytes), else
 * NARA_SIGNATURE.  This file pins both halves:
 *
 *  - the 12 cases of "Taming the many EdDSAs" (vectors/ed25519_speccheck.txt):
 *    the verdict of the bare primitive, and the verdict of our rule on an
 *    event carrying the case's key and signature (docs/reliability.md has
 *    the table);
 *  - events built to hit each edge on purpose, where the Ed25519 equation
 *    itself holds (or holds cofactored) so that only the strict rules can
 *    refuse them: small-order and non-canonical author keys, S >= L, a
 *    small-order R, a mixed-order author key whose signature the bare
 *    primitive accepts, and a mixed-order R that only cofactored
 *    verification would accept.  Each is refused by nara_event_verify and
 *    by nara_store_merge (REJECTED, same code) in both verify modes.
 *
 * Runs with tests/ as working directory (vectors/ed25519_speccheck.txt).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_event.h"
#include "nara_store.h"

#define N_CASES 12
#define WALL 1700000000000ull

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    size_t bin_len = 0;
    assert_int_equal(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &bin_len, NULL), 0);
    assert_int_equal(bin_len, n);
}

/* ---- the speccheck vectors --------------------------------------------------------- */

typedef struct {
    uint8_t msg[64];
    size_t msg_len;
    uint8_t pk[32];
    uint8_t sig[64];
} sc_case_t;

static sc_case_t cases[N_CASES];

static void load_cases(void)
{
    char line[512];
    int n = -1;
    FILE *f = fopen("vectors/ed25519_speccheck.txt", "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "case %d", &n) == 1) {
            assert_true(n >= 0 && n < N_CASES);
        } else if (strncmp(line, "msg ", 4) == 0) {
            cases[n].msg_len = strlen(line + 4) / 2;
            unhex(line + 4, cases[n].msg, cases[n].msg_len);
        } else if (strncmp(line, "pk ", 3) == 0) {
            unhex(line + 3, cases[n].pk, 32);
        } else if (strncmp(line, "sig ", 4) == 0) {
            unhex(line + 4, cases[n].sig, 64);
        }
    }
    fclose(f);
    assert_int_equal(n, N_CASES - 1);
}

static int setup(void **state)
{
    (void)state;
    if (nara_crypto_init() != NARA_OK)
        return -1;
    load_cases();
    return 0;
}

/* ---- building events with any author and signature ---------------------------------- */

/* An event sealed by the key of `seed_byte`, in buf (at most 256 bytes). */
typedef struct {
    uint8_t buf[256];
    size_t len;
    nara_event_t ev;
    nara_keypair_t kp;
    uint8_t a[32]; /* the secret scalar, reduced mod L */
} mk_t;

static void mk_seal(mk_t *m, uint8_t seed_byte, uint64_t seq, const uint8_t *prev)
{
    uint8_t seed[32], h[64], wide[64] = {0};
    static const uint8_t body[] = {0x81, 0xa1, 'n', 0x01}; /* {"n": 1} */
    memset(seed, seed_byte, sizeof seed);
    assert_int_equal(nara_keypair_from_seed(seed, &m->kp), NARA_OK);
    memset(&m->ev, 0, sizeof m->ev);
    strcpy(m->ev.stream, "32.01");
    strcpy(m->ev.kind, "case.note");
    m->ev.seq = seq;
    m->ev.has_prev = prev != NULL;
    if (prev)
        memcpy(m->ev.prev, prev, 32);
    m->ev.hlc = WALL << 16;
    m->ev.body = body;
    m->ev.body_len = sizeof body;
    assert_int_equal(nara_event_seal(&m->ev, &m->kp, m->buf, sizeof m->buf, &m->len), NARA_OK);
    assert_true(m->buf[2] == 0xc4 && m->buf[3] == 0x20); /* the author is bytes 4..35 */
    /* RFC 8032 secret scalar: SHA-512(seed), low half, clamped. */
    crypto_hash_sha512(h, seed, sizeof seed);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    memcpy(wide, h, 32);
    crypto_core_ed25519_scalar_reduce(m->a, wide);
}

/* Replace author and/or signature in the bytes and decode again (the id
 * depends on the author, not on the signature). */
static void mk_patch(mk_t *m, const uint8_t *author, const uint8_t *sig)
{
    if (author)
        memcpy(m->buf + 4, author, 32);
    if (sig)
        memcpy(m->buf + m->len - 64, sig, 64);
    assert_int_equal(nara_event_decode(m->buf, m->len, &m->ev), NARA_OK);
}

/* The signed message: "nara/v1/event-sig\0" || id. */
static void mk_message(const mk_t *m, uint8_t msg[50])
{
    memcpy(msg, "nara/v1/event-sig", 18);
    memcpy(msg + 18, m->ev.id, 32);
}

/* k = SHA-512(R || A || M) mod L. */
static void challenge(const uint8_t R[32], const uint8_t A[32], const uint8_t *msg, size_t n,
                      uint8_t k[32])
{
    crypto_hash_sha512_state st;
    uint8_t h[64];
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, R, 32);
    crypto_hash_sha512_update(&st, A, 32);
    crypto_hash_sha512_update(&st, msg, n);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(k, h);
}

/* A deterministic nonzero scalar from a counter. */
static void scalar_from(uint32_t i, uint8_t r[32])
{
    uint8_t h[64], in[8] = {'n', 'o', 'n', 'c', 'e', (uint8_t)i, (uint8_t)(i >> 8), 0};
    crypto_hash_sha512(h, in, sizeof in);
    crypto_core_ed25519_scalar_reduce(r, h);
}

/* Merge one batch into a fresh store in `mode`; every event must come out
 * REJECTED with `reason`, and none may be accepted. */
static void merge_refuses(const nara_bytes_t *in, size_t n, nara_verify_mode_t mode,
                          nara_err_t reason)
{
    nara_store_t *s = NULL;
    nara_outcome_t out[4];
    nara_merge_stats_t st;
    nara_store_counts_t c;
    assert_true(n <= 4);
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    nara_store_set_verify_mode(s, mode);
    assert_int_equal(nara_store_merge(s, in, n, WALL, out, &st), NARA_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].kind, NARA_OUTCOME_REJECTED);
        assert_int_equal(out[i].reason, reason);
    }
    assert_int_equal(nara_store_counts(s, &c), NARA_OK);
    assert_int_equal(c.events, 0);
    assert_int_equal(c.quarantined, n);
    nara_store_close(s);
}

static void merge_refuses_both_modes(const mk_t *m, nara_err_t reason)
{
    nara_bytes_t b = {m->buf, m->len};
    merge_refuses(&b, 1, NARA_VERIFY_EACH, reason);
    merge_refuses(&b, 1, NARA_VERIFY_CHAIN, reason);
}

static void point_times_8(const uint8_t p[32], uint8_t out[32])
{
    uint8_t p2[32], p4[32];
    assert_int_equal(crypto_core_ed25519_add(p2, p, p), 0);
    assert_int_equal(crypto_core_ed25519_add(p4, p2, p2), 0);
    assert_int_equal(crypto_core_ed25519_add(out, p4, p4), 0);
}

static const char *IDENTITY = "0100000000000000000000000000000000000000000000000000000000000000";
/* A point of order 8 (canonical). */
static const char *T8 = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a";

/* [j]T8 */
static void torsion(unsigned j, uint8_t out[32])
{
    uint8_t t[32], acc[32];
    unhex(T8, t, 32);
    unhex(IDENTITY, acc, 32);
    for (unsigned i = 0; i < j; i++)
        assert_int_equal(crypto_core_ed25519_add(acc, acc, t), 0);
    memcpy(out, acc, 32);
}

/* ---- the 12 speccheck cases ------------------------------------------------------------ */

/* libsodium 1.0.18's crypto_sign_verify_detached accepts case 3 only (mixed-order A and R,
 * cofactorless equation holds); everything else fails one of its strict checks. */
static const int primitive_accepts[N_CASES] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};

/* Our rule: the key check first (BAD_KEY for small, mixed and non-canonical keys), then the
 * primitive.  Only cases 6 and 7 have a key of order L; their S >= L fails. */
static const nara_err_t nara_verdict[N_CASES] = {
    NARA_BAD_KEY,   NARA_BAD_KEY,   NARA_BAD_KEY, NARA_BAD_KEY, NARA_BAD_KEY, NARA_BAD_KEY,
    NARA_SIGNATURE, NARA_SIGNATURE, NARA_BAD_KEY, NARA_BAD_KEY, NARA_BAD_KEY, NARA_BAD_KEY};

static void test_speccheck_verdicts_of_the_primitive(void **state)
{
    (void)state;
    for (int i = 0; i < N_CASES; i++) {
        int ok = crypto_sign_verify_detached(cases[i].sig, cases[i].msg, cases[i].msg_len,
                                             cases[i].pk) == 0;
        if (ok != primitive_accepts[i])
            fail_msg("speccheck case %d: crypto_sign_verify_detached %s", i,
                     ok ? "accepts" : "refuses");
    }
}

/* The same rule nara_event_verify applies, on the raw vectors (the messages are not
 * ours, so an event cannot carry them): key check, then the primitive. */
static nara_err_t rule(const uint8_t pk[32], const uint8_t *msg, size_t n, const uint8_t sig[64])
{
    if (!crypto_core_ed25519_is_valid_point(pk))
        return NARA_BAD_KEY;
    return crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? NARA_OK : NARA_SIGNATURE;
}

static void test_speccheck_verdicts_of_our_rule(void **state)
{
    (void)state;
    for (int i = 0; i < N_CASES; i++) {
        nara_err_t got = rule(cases[i].pk, cases[i].msg, cases[i].msg_len, cases[i].sig);
        if (got != nara_verdict[i])
            fail_msg("speccheck case %d: %s, expected %s", i, nara_err_name(got),
                     nara_err_name(nara_verdict[i]));
    }
}

/* Events carrying each case's author key and signature: nara_event_verify and the merge
 * give the same code as the table (the signature is over another message, so only the
 * key check can pass, and it does only for the keys of order L). */
static void test_speccheck_keys_and_signatures_in_events(void **state)
{
    (void)state;
    for (int i = 0; i < N_CASES; i++) {
        mk_t m;
        mk_seal(&m, 0x11, 1, NULL);
        mk_patch(&m, cases[i].pk, cases[i].sig);
        nara_err_t got = nara_event_verify(&m.ev);
        if (got != nara_verdict[i])
            fail_msg("speccheck case %d in an event: %s", i, nara_err_name(got));
        merge_refuses_both_modes(&m, nara_verdict[i]);
    }
}

/* ---- author keys ----------------------------------------------------------------------- */

/* Every small-order point: the 8 canonical encodings and the non-canonical ones
 * (x = 0 with the sign bit; y >= p). */
static const char *small_order[] = {
    "0100000000000000000000000000000000000000000000000000000000000000", /* identity */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* order 2 */
    "0000000000000000000000000000000000000000000000000000000000000000", /* order 4 */
    "0000000000000000000000000000000000000000000000000000000000000080", /* order 4 */
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", /* order 8 */
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", /* order 8 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", /* order 8 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", /* order 8 */
    "0100000000000000000000000000000000000000000000000000000000000080", /* identity, -0 */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", /* order 2, -0 */
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* y = p+1: identity */
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* y = p: order 4 */
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", /* y = p, sign */
};

static void test_small_order_author_keys_are_bad_key(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof small_order / sizeof small_order[0]; i++) {
        uint8_t pk[32], sig[64];
        mk_t m;
        unhex(small_order[i], pk, 32);
        /* The classic universal forgery under the identity key: R = identity, S = 0
         * satisfies [S]B = R + [k]A for every message.  Refused before the equation. */
        unhex(IDENTITY, sig, 32);
        memset(sig + 32, 0, 32);
        mk_seal(&m, 0x12, 1, NULL);
        mk_patch(&m, pk, sig);
        assert_int_equal(nara_event_verify(&m.ev), NARA_BAD_KEY);
        merge_refuses_both_modes(&m, NARA_BAD_KEY);
    }
}

static void test_noncanonical_author_encodings_are_bad_key(void **state)
{
    /* y >= p: y = p+3 and y = p+18 encode (non-canonically) points of mixed order that
     * are on the curve; y = p+2 is not on the curve at all. */
    static const char *keys[] = {
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    };
    (void)state;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        uint8_t pk[32];
        mk_t m;
        unhex(keys[i], pk, 32);
        mk_seal(&m, 0x13, 1, NULL);
        mk_patch(&m, pk, NULL);
        assert_int_equal(nara_event_verify(&m.ev), NARA_BAD_KEY);
        merge_refuses_both_modes(&m, NARA_BAD_KEY);
    }
}

/* A mixed-order author A' = A + T (T of order 8) and a signature for which the
 * cofactorless equation holds exactly (speccheck case 3, built inside events): the bare
 * primitive accepts it, our rule refuses the key.  Two linked events, so that
 * NARA_VERIFY_CHAIN (which checks only the newest signature of a run) is covered too. */
static void test_mixed_order_author_passes_the_primitive_but_is_bad_key(void **state)
{
    uint8_t t[32], A2[32], msg[50], link[32];
    mk_t m[2];
    nara_bytes_t batch[2];
    (void)state;
    for (int e = 0; e < 2; e++) {
        if (e == 0) {
            mk_seal(&m[0], 0x14, 1, NULL);
        } else {
            nara_event_link(&m[0].ev, link);
            mk_seal(&m[1], 0x14, 2, link);
        }
        torsion(1, t);
        assert_int_equal(crypto_core_ed25519_add(A2, m[e].kp.pk, t), 0);
        mk_patch(&m[e], A2, NULL);
        mk_message(&m[e], msg);
        /* R = [r]B + [j]T, S = r + k a: the equation holds when [j]T + [k]T = 0. */
        bool found = false;
        for (uint32_t i = 0; i < 64 && !found; i++) {
            uint8_t r[32], rB[32], tj[32], R[32], k[32], ka[32], sig[64];
            scalar_from(i, r);
            assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(rB, r), 0);
            for (unsigned j = 0; j < 8 && !found; j++) {
                torsion(j, tj);
                assert_int_equal(crypto_core_ed25519_add(R, rB, tj), 0);
                challenge(R, A2, msg, sizeof msg, k);
                if ((j + (k[0] & 7u)) % 8 != 0)
                    continue;
                crypto_core_ed25519_scalar_mul(ka, k, m[e].a);
                memcpy(sig, R, 32);
                crypto_core_ed25519_scalar_add(sig + 32, r, ka);
                assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, A2), 0);
                mk_patch(&m[e], NULL, sig);
                found = true;
            }
        }
        assert_true(found);
        assert_false(crypto_core_ed25519_is_valid_point(A2));
        assert_int_equal(nara_event_verify(&m[e].ev), NARA_BAD_KEY);
        batch[e] = (nara_bytes_t){m[e].buf, m[e].len};
    }
    merge_refuses(batch, 2, NARA_VERIFY_EACH, NARA_BAD_KEY);
    merge_refuses(batch, 2, NARA_VERIFY_CHAIN, NARA_BAD_KEY);
}

/* ---- S and R ----------------------------------------------------------------------------- */

/* S + L (and S + 2L ...) is the same scalar mod L: [S']B = [S]B, so the equation still
 * holds; only the canonical-S rule refuses it.  Malleability would otherwise give one
 * event several valid signatures, hence several links. */
static void test_noncanonical_s_is_signature(void **state)
{
    static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    (void)state;
    for (int times = 1; times <= 14; times++) {
        uint8_t sig[64], sB[32], s2B[32];
        mk_t m;
        mk_seal(&m, 0x15, 1, NULL);
        assert_int_equal(nara_event_verify(&m.ev), NARA_OK); /* control */
        memcpy(sig, m.ev.sig, 64);
        for (int k = 0; k < times; k++)
            sodium_add(sig + 32, L, 32); /* little-endian S += L; 15L would pass 2^256 */
        assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(sB, m.ev.sig + 32), 0);
        if (!(sig[63] & 0x80)) { /* noclamp ignores bit 255: compare only below it */
            assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(s2B, sig + 32), 0);
            assert_memory_equal(sB, s2B, 32);
        }
        mk_patch(&m, NULL, sig);
        assert_int_equal(nara_event_verify(&m.ev), NARA_SIGNATURE);
        merge_refuses_both_modes(&m, NARA_SIGNATURE);
    }
}

/* R = identity and S = k a: [S]B = [k]A = R + [k]A, so the cofactorless equation holds
 * with an honest key (anyone holding the secret can make one).  libsodium refuses a
 * small-order R (a sign of a broken nonce), and so do we.  Every other small-order R,
 * canonical or not, is refused the same way. */
static void test_small_order_r_is_signature(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof small_order / sizeof small_order[0]; i++) {
        uint8_t msg[50], R[32], k[32], sig[64], sB[32], kA[32];
        mk_t m;
        mk_seal(&m, 0x16, 1, NULL);
        mk_message(&m, msg);
        unhex(small_order[i], R, 32);
        challenge(R, m.kp.pk, msg, sizeof msg, k);
        memcpy(sig, R, 32);
        crypto_core_ed25519_scalar_mul(sig + 32, k, m.a);
        if (i == 0) { /* the identity: the equation holds exactly */
            assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(sB, sig + 32), 0);
            assert_int_equal(crypto_scalarmult_ed25519_noclamp(kA, k, m.kp.pk), 0);
            assert_memory_equal(sB, kA, 32);
        }
        mk_patch(&m, NULL, sig);
        assert_int_equal(nara_event_verify(&m.ev), NARA_SIGNATURE);
        merge_refuses_both_modes(&m, NARA_SIGNATURE);
    }
}

/* R = [r]B + T with an honest key and S = r + k a: the cofactored equation
 * [8]([S]B - [k]A - R) = 0 holds, the cofactorless one does not.  We verify
 * cofactorless, so this is refused (and every replica agrees). */
static void test_mixed_order_r_needs_cofactored_verification(void **state)
{
    uint8_t msg[50], r[32], rB[32], t[32], R[32], k[32], ka[32], sig[64];
    uint8_t sB[32], kA[32], d1[32], d[32], d8[32], id[32];
    mk_t m;
    (void)state;
    mk_seal(&m, 0x17, 1, NULL);
    mk_message(&m, msg);
    scalar_from(7, r);
    assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(rB, r), 0);
    torsion(1, t);
    assert_int_equal(crypto_core_ed25519_add(R, rB, t), 0);
    challenge(R, m.kp.pk, msg, sizeof msg, k);
    crypto_core_ed25519_scalar_mul(ka, k, m.a);
    memcpy(sig, R, 32);
    crypto_core_ed25519_scalar_add(sig + 32, r, ka);
    /* d = [S]B - [k]A - R = -T: not the identity, but [8]d is. */
    assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(sB, sig + 32), 0);
    assert_int_equal(crypto_scalarmult_ed25519_noclamp(kA, k, m.kp.pk), 0);
    assert_int_equal(crypto_core_ed25519_sub(d1, sB, kA), 0);
    assert_int_equal(crypto_core_ed25519_sub(d, d1, R), 0);
    unhex(IDENTITY, id, 32);
    assert_memory_not_equal(d, id, 32);
    point_times_8(d, d8);
    assert_memory_equal(d8, id, 32);
    mk_patch(&m, NULL, sig);
    assert_int_equal(nara_event_verify(&m.ev), NARA_SIGNATURE);
    merge_refuses_both_modes(&m, NARA_SIGNATURE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speccheck_verdicts_of_the_primitive),
        cmocka_unit_test(test_speccheck_verdicts_of_our_rule),
        cmocka_unit_test(test_speccheck_keys_and_signatures_in_events),
        cmocka_unit_test(test_small_order_author_keys_are_bad_key),
        cmocka_unit_test(test_noncanonical_author_encodings_are_bad_key),
        cmocka_unit_test(test_mixed_order_author_passes_the_primitive_but_is_bad_key),
        cmocka_unit_test(test_noncanonical_s_is_signature),
        cmocka_unit_test(test_small_order_r_is_signature),
        cmocka_unit_test(test_mixed_order_r_needs_cofactored_verification),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
