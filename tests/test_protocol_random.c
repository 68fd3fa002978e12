/*
 * test_protocol_random.c - property test and example transcript.
 *
 * Property: several clients and one server, random events on random feeds,
 * random batch sizes and windows, sessions cut after a random number of
 * messages; after one clean pass per client (twice, so what one client
 * pushed reaches the others) every replica holds the same events, each
 * exactly once.  Trials are seeded (trial number), so a failure names its
 * seed and reproduces.
 *
 * Example: a fixed-seed session whose byte-exact transcript docs/protocol.md
 * shows.  The test checks that two runs give the same bytes (the transcript
 * is reproducible) and the expected message sequence; with
 * NARA_PROTOCOL_EXAMPLE=1 in the environment it also prints the transcript.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_tlog.h"
#include "test_protocol_pipe.h"

#define TRIALS 200
#define CLIENTS 3
#define ROUNDS 6

static uint64_t rnd(uint64_t *st)
{
    /* xorshift64* */
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 2685821657736338717ull;
}

static unsigned below(uint64_t *st, unsigned n)
{
    return (unsigned)(rnd(st) % n);
}

typedef struct {
    tp_node_t server, clients[CLIENTS], other;
    tp_policy_t pol;
    uint64_t appended;
} world_t;

static void random_options(uint64_t *st, nara_session_options_t *o, uint8_t seed[NARA_NONCE_BYTES])
{
    *o = tp_options((uint8_t)below(st, 256), seed);
    o->max_batch_events = 1 + below(st, 4);
    o->window = 1 + below(st, 3);
}

static void random_appends(world_t *w, uint64_t *st)
{
    static const char *streams[] = {"32.01", "32.02", "province"};
    unsigned who = below(st, CLIENTS + 1), n = below(st, 5);
    tp_node_t *node = who < CLIENTS ? &w->clients[who] : &w->server;
    const nara_keypair_t *kp = who < CLIENTS ? &node->kp : &w->other.kp;
    tp_append(node, kp, streams[below(st, 3)], n);
    w->appended += n;
}

static void one_session(world_t *w, uint64_t *st, unsigned client, size_t budget)
{
    tp_pipe_t p;
    uint8_t cs[NARA_NONCE_BYTES], ss[NARA_NONCE_BYTES];
    nara_session_options_t co, so;
    random_options(st, &co, cs);
    random_options(st, &so, ss);
    tp_session(&p, &w->clients[client], &w->server, &w->pol, &co, &so, budget);
    if (budget == SIZE_MAX)
        assert_int_equal(nara_session_state(p.c), NARA_SESSION_CLOSED);
    tp_pipe_free(&p);
}

static void trial(uint64_t seed)
{
    world_t w;
    uint64_t st = seed * 0x9e3779b97f4a7c15ull + 1;
    memset(&w, 0, sizeof w);
    tp_node_open(&w.server, 2);
    tp_node_open(&w.other, 3);
    for (unsigned i = 0; i < CLIENTS; i++)
        tp_node_open(&w.clients[i], (uint8_t)(10 + i));
    tp_policy_init(&w.pol);
    for (unsigned r = 0; r < ROUNDS; r++) {
        random_appends(&w, &st);
        random_appends(&w, &st);
        one_session(&w, &st, below(&st, CLIENTS), below(&st, 2) ? SIZE_MAX : below(&st, 24));
    }
    for (unsigned pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < CLIENTS; i++)
            one_session(&w, &st, i, SIZE_MAX);
    assert_int_equal(tp_events(&w.server), w.appended);
    for (unsigned i = 0; i < CLIENTS; i++) {
        assert_true(tp_same_digest(&w.clients[i], &w.server));
        tp_node_close(&w.clients[i]);
    }
    tp_node_close(&w.server);
    tp_node_close(&w.other);
}

static void test_random_drops_still_converge_with_each_event_once(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= TRIALS; seed++) {
        if (getenv("NARA_VERBOSE"))
            fprintf(stderr, "trial %llu\n", (unsigned long long)seed);
        trial(seed);
    }
}

/* ---- example transcript ------------------------------------------------------ */

typedef struct {
    uint8_t bytes[8192];
    size_t len;
    char text[32768];
    size_t text_len;
} transcript_t;

static const char *type_name(unsigned t)
{
    static const char *names[] = {"?",      "HELLO", "CHALLENGE", "AUTH",  "WELCOME",
                                  "EVENTS", "ACK",   "SYNCED",    "ERROR", "BYE"};
    return t < 10 ? names[t] : "?";
}

static void record(void *ctx, bool from_client, uint8_t *msg, size_t *len, size_t cap)
{
    transcript_t *t = ctx;
    (void)cap;
    assert_true(t->len + *len <= sizeof t->bytes);
    memcpy(t->bytes + t->len, msg, *len);
    t->len += *len;
    t->text_len +=
        (size_t)snprintf(t->text + t->text_len, sizeof t->text - t->text_len, "%s %s (%zu bytes)\n",
                         from_client ? "C->S" : "S->C", type_name(msg[1]), *len);
    for (size_t i = 0; i < *len; i++)
        t->text_len +=
            (size_t)snprintf(t->text + t->text_len, sizeof t->text - t->text_len, "%s%02x",
                             i == 0        ? "    "
                             : i % 32 == 0 ? "\n    "
                                           : " ",
                             msg[i]);
    t->text_len += (size_t)snprintf(t->text + t->text_len, sizeof t->text - t->text_len, "\n");
}

static uint64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return TP_WALL0;
}

/* Fixed keys, nonce seeds and clock: device key from seed 01..01, server key
 * from seed 02..02, one event on each side; the server keeps a transparency
 * log (its heads signed at TP_WALL0), so WELCOME shows a head and the ACK
 * carries a receipt. */
static void example(transcript_t *t)
{
    tp_node_t client, server;
    nara_tlog_t *tlog = NULL;
    nara_log_provider_t log;
    tp_policy_t pol;
    tp_pipe_t p;
    uint8_t cs[NARA_NONCE_BYTES], ss[NARA_NONCE_BYTES];
    static const uint8_t body[] = {0x81, 0xa1, 'n', 0x01}; /* {"n": 1} */
    nara_session_options_t co = tp_options(0xc1, cs), so = tp_options(0x5e, ss);
    memset(t, 0, sizeof *t);
    tp_node_open(&client, 1);
    tp_node_open(&server, 2);
    tp_policy_init(&pol);
    assert_int_equal(nara_store_append(client.store, &client.kp, "32.01", "case.open", body,
                                       sizeof body, TP_WALL0, NULL),
                     NARA_OK);
    assert_int_equal(nara_store_append(server.store, &server.kp, "province", "lo.assign", body,
                                       sizeof body, TP_WALL0, NULL),
                     NARA_OK);
    nara_tlog_signer_t signer = {&server.kp, fixed_clock, NULL};
    assert_int_equal(nara_tlog_open(server.store, &signer, 0, &tlog), NARA_OK);
    nara_log_provider_tlog(tlog, &log);
    so.log = &log;
    co.expected_server_pk = server.kp.pk;
    nara_session_t *c = NULL, *s = NULL;
    assert_int_equal(nara_session_client_new(client.store, &client.kp, &co, &c), NARA_OK);
    assert_int_equal(nara_session_server_new(server.store, &server.kp, &pol.policy, &so, &s),
                     NARA_OK);
    tp_pipe_init(&p, c, s);
    p.tap = record;
    p.tap_ctx = t;
    assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    tp_pump(&p);
    assert_int_equal(nara_session_state(c), NARA_SESSION_CLOSED);
    assert_string_equal(p.trace, "c1 s2 c3 s4 s5 s7 c6 c5 c7 s6 c9");
    assert_int_equal(nara_session_stats(c)->receipts, 1);
    tp_pipe_free(&p);
    nara_tlog_close(tlog);
    tp_node_close(&client);
    tp_node_close(&server);
}

static void test_example_transcript_is_reproducible(void **state)
{
    static transcript_t a, b;
    (void)state;
    example(&a);
    example(&b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.bytes, b.bytes, a.len);
    if (getenv("NARA_PROTOCOL_EXAMPLE"))
        fputs(a.text, stdout);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_transcript_is_reproducible),
        cmocka_unit_test(test_random_drops_still_converge_with_each_event_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
