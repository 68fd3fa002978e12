/*
 * test_protocol_wire.c - hostile and malformed input: every bad message
 * fails the session with its documented code (docs/protocol.md, "Errors"),
 * the session then hands out one fatal ERROR carrying that code, and every
 * later call returns NARA_CLOSED.  Plus how ERROR and BYE from the peer are
 * handled.
 *
 * Each row of the table is registered as its own cmocka test under its own
 * name.  Messages are written in hex; "Kn" stands for n bytes of 0x11 (keys,
 * nonces, signatures) and "Zn" for n zero bytes.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_protocol_pipe.h"

/* Where the session under test is when the row's message arrives. */
typedef enum {
    SERVER_NEW,    /* nothing received */
    SERVER_AUTH,   /* HELLO received, CHALLENGE sent */
    SERVER_AUTHED, /* a real client completed the handshake and sent SYNCED */
    CLIENT_NEW,    /* not started */
    CLIENT_AUTH,   /* HELLO sent, waiting for CHALLENGE */
    CLIENT_AUTHED  /* a real server completed the handshake; the client is live */
} phase_t;

typedef struct {
    const char *name;
    phase_t phase;
    const char *hex; /* NULL: one byte more than the message limit */
    nara_err_t want;
} row_t;

#define HELLO "94 01 01 c4 20 K32 c4 20 K32"
/* {"batch": 1, "message": 1048576, "window": 1} */
#define LIMITS                                                                                     \
    "83 a5 62 61 74 63 68 01 a7 6d 65 73 73 61 67 65 ce 00 10 00 00 a6 77 69 6e 64 6f 77 01"

static const row_t rows[] = {
    {"hello_truncated_is_malformed", SERVER_NEW, "94 01 01 c4 20 K32 c4 20 K31", NARA_MALFORMED},
    {"hello_with_trailing_byte_is_malformed", SERVER_NEW, HELLO " 00", NARA_MALFORMED},
    {"hello_version_as_string_is_malformed", SERVER_NEW, "94 01 a1 31 c4 20 K32 c4 20 K32",
     NARA_MALFORMED},
    {"hello_key_of_31_bytes_is_malformed", SERVER_NEW, "94 01 01 c4 1f K31 c4 20 K32",
     NARA_MALFORMED},
    {"hello_key_as_string_is_malformed", SERVER_NEW, "94 01 01 d9 20 K32 c4 20 K32",
     NARA_MALFORMED},
    {"noncanonical_uint_is_malformed", SERVER_NEW, "94 01 cc 01 c4 20 K32 c4 20 K32",
     NARA_MALFORMED},
    {"noncanonical_array16_is_malformed", SERVER_NEW, "dc 00 04 01 01 c4 20 K32 c4 20 K32",
     NARA_MALFORMED},
    {"array32_of_4g_elements_is_malformed", SERVER_NEW, "dd ff ff ff ff", NARA_MALFORMED},
    {"bin32_of_4g_bytes_is_malformed", SERVER_NEW, "94 01 01 c6 ff ff ff ff", NARA_MALFORMED},
    {"empty_message_is_malformed", SERVER_NEW, "", NARA_MALFORMED},
    {"map_instead_of_array_is_malformed", SERVER_NEW, "81 a1 61 01", NARA_MALFORMED},
    {"float_type_is_malformed", SERVER_NEW, "91 cb Z8", NARA_MALFORMED},
    {"negative_type_is_malformed", SERVER_NEW, "91 ff", NARA_MALFORMED},
    {"unknown_type_10_is_malformed", SERVER_NEW, "91 0a", NARA_MALFORMED},
    {"type_0_is_malformed", SERVER_NEW, "91 00", NARA_MALFORMED},
    {"hello_with_wrong_arity_is_malformed", SERVER_NEW, "93 01 01 c4 20 K32", NARA_MALFORMED},
    {"hello_version_2_is_version", SERVER_NEW, "94 01 02 c4 20 K32 c4 20 K32", NARA_VERSION},
    {"oversize_message_is_too_large", SERVER_NEW, NULL, NARA_TOO_LARGE},
    {"events_before_auth_is_protocol", SERVER_NEW, "93 05 01 91 c4 01 00", NARA_PROTOCOL},
    {"auth_before_hello_is_protocol", SERVER_NEW, "95 03 c4 40 K64 90 " LIMITS " 00",
     NARA_PROTOCOL},
    {"second_hello_is_protocol", SERVER_AUTH, HELLO, NARA_PROTOCOL},
    {"events_during_handshake_is_protocol", SERVER_AUTH, "93 05 01 91 c4 01 00", NARA_PROTOCOL},
    {"auth_vector_over_65536_feeds_is_too_large", SERVER_AUTH, "95 03 c4 40 K64 dd 00 01 00 01",
     NARA_TOO_LARGE},
    {"auth_vector_longer_than_message_is_malformed", SERVER_AUTH, "95 03 c4 40 K64 dc ff ff",
     NARA_MALFORMED},
    {"auth_vector_unsorted_is_malformed", SERVER_AUTH,
     "95 03 c4 40 K64 92 94 c4 20 K32 a1 62 01 c4 20 K32 94 c4 20 K32 a1 61 01 c4 20 K32 " LIMITS
     " 00",
     NARA_MALFORMED},
    {"auth_vector_bad_stream_is_malformed", SERVER_AUTH,
     "95 03 c4 40 K64 91 94 c4 20 K32 a1 41 01 c4 20 K32 " LIMITS " 00", NARA_MALFORMED},
    {"auth_vector_seq_0_is_malformed", SERVER_AUTH,
     "95 03 c4 40 K64 91 94 c4 20 K32 a1 61 00 c4 20 K32 " LIMITS " 00", NARA_MALFORMED},
    {"auth_with_wrong_signature_is_auth", SERVER_AUTH, "95 03 c4 40 K64 90 " LIMITS " 00",
     NARA_AUTH},
    {"auth_with_window_0_is_malformed", SERVER_AUTH,
     "95 03 c4 40 K64 90 83 a5 62 61 74 63 68 01 a7 6d 65 73 73 61 67 65 ce 00 10 00 00 a6 77 69 "
     "6e 64 6f 77 00 00",
     NARA_MALFORMED},
    {"auth_limits_keys_out_of_order_is_malformed", SERVER_AUTH,
     "95 03 c4 40 K64 90 83 a7 6d 65 73 73 61 67 65 ce 00 10 00 00 a5 62 61 74 63 68 01 a6 77 69 "
     "6e 64 6f 77 01 00",
     NARA_MALFORMED},
    {"auth_with_old_arity_is_malformed", SERVER_AUTH, "94 03 c4 40 K64 90 " LIMITS, NARA_MALFORMED},
    {"events_with_4g_count_is_too_large", SERVER_AUTHED, "93 05 01 dd ff ff ff ff", NARA_TOO_LARGE},
    {"events_over_batch_limit_is_too_large", SERVER_AUTHED, "93 05 01 dd 00 01 00 01",
     NARA_TOO_LARGE},
    {"events_empty_batch_is_malformed", SERVER_AUTHED, "93 05 01 90", NARA_MALFORMED},
    {"events_element_not_bin_is_malformed", SERVER_AUTHED, "93 05 01 91 a1 61", NARA_MALFORMED},
    {"events_out_of_order_is_protocol", SERVER_AUTHED, "93 05 02 91 c4 01 00", NARA_PROTOCOL},
    {"ack_for_batch_not_sent_is_protocol", SERVER_AUTHED, "96 06 01 00 00 90 c0", NARA_PROTOCOL},
    {"ack_with_old_arity_is_malformed", SERVER_AUTHED, "95 06 01 00 00 90", NARA_MALFORMED},
    {"ack_with_4g_entries_is_too_large", SERVER_AUTHED, "96 06 01 00 00 dd ff ff ff ff",
     NARA_TOO_LARGE},
    {"ack_entries_not_ascending_is_malformed", SERVER_AUTHED,
     "96 06 01 00 00 92 92 01 12 92 01 12 c0", NARA_MALFORMED},
    {"ack_receipt_to_a_server_is_protocol", SERVER_AUTHED,
     "96 06 01 00 00 90 93 c4 01 00 c4 01 90 90", NARA_PROTOCOL},
    {"ack_receipt_with_4g_entries_is_too_large", CLIENT_AUTHED,
     "96 06 01 00 00 90 93 c4 01 00 c4 01 90 dd ff ff ff ff", NARA_TOO_LARGE},
    {"ack_receipt_of_two_elements_is_malformed", CLIENT_AUTHED,
     "96 06 01 00 00 90 92 c4 01 00 c4 01 90", NARA_MALFORMED},
    {"ack_receipt_head_nil_is_malformed", CLIENT_AUTHED, "96 06 01 00 00 90 93 c0 c0 90",
     NARA_MALFORMED},
    {"ack_receipt_indices_not_ascending_is_malformed", CLIENT_AUTHED,
     "96 06 01 00 00 90 93 c4 01 00 c4 01 90 92 93 01 00 c4 01 90 93 01 00 c4 01 90",
     NARA_MALFORMED},
    {"ack_receipt_for_no_batch_is_protocol", CLIENT_AUTHED,
     "96 06 01 00 00 90 93 c4 01 00 c4 01 90 90", NARA_PROTOCOL},
    {"auth_last_size_not_uint_is_malformed", SERVER_AUTH, "95 03 c4 40 K64 90 " LIMITS " c0",
     NARA_MALFORMED},
    {"second_synced_is_protocol", SERVER_AUTHED, "91 07", NARA_PROTOCOL},
    {"hello_after_auth_is_protocol", SERVER_AUTHED, HELLO, NARA_PROTOCOL},
    {"error_text_not_utf8_is_malformed", SERVER_AUTHED, "94 08 23 a1 ff c3", NARA_MALFORMED},
    {"error_with_code_0_is_malformed", SERVER_AUTHED, "94 08 00 a0 c3", NARA_MALFORMED},
    {"error_fatal_not_bool_is_malformed", SERVER_AUTHED, "94 08 23 a0 01", NARA_MALFORMED},
    {"client_message_before_start_is_protocol", CLIENT_NEW, "91 07", NARA_PROTOCOL},
    {"client_welcome_before_challenge_is_protocol", CLIENT_AUTH, "95 04 90 " LIMITS " c0 c0",
     NARA_PROTOCOL},
    {"client_challenge_version_2_is_version", CLIENT_AUTH, "95 02 02 c4 20 K32 c4 20 K32 c4 40 K64",
     NARA_VERSION},
    {"client_challenge_bad_signature_is_auth", CLIENT_AUTH,
     "95 02 01 c4 20 K32 c4 20 K32 c4 40 K64", NARA_AUTH},
};

/* Assemble "94 01 K32 Z8 ..." into out; returns the length. */
static size_t assemble(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *p = hex;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (*p == 'K' || *p == 'Z') {
            char *end;
            unsigned long k = strtoul(p + 1, &end, 10);
            assert_true(n + k <= cap);
            memset(out + n, *p == 'K' ? 0x11 : 0x00, k);
            n += k;
            p = end;
        } else {
            char two[3] = {p[0], p[1], 0};
            assert_true(n < cap);
            out[n++] = (uint8_t)strtoul(two, NULL, 16);
            p += 2;
        }
    }
    return n;
}

typedef struct {
    tp_node_t client, server;
    tp_policy_t pol;
    uint8_t cseed[NARA_NONCE_BYTES], sseed[NARA_NONCE_BYTES];
    nara_session_options_t copt, sopt;
    tp_pipe_t pipe;
    nara_session_t *target;
} fx_t;

static void fx_open(fx_t *fx)
{
    memset(fx, 0, sizeof *fx);
    tp_node_open(&fx->client, 1);
    tp_node_open(&fx->server, 2);
    tp_policy_init(&fx->pol);
    fx->copt = tp_options(31, fx->cseed);
    fx->sopt = tp_options(32, fx->sseed);
    fx->copt.live = true;
}

static void fx_close(fx_t *fx)
{
    tp_pipe_free(&fx->pipe);
    tp_node_close(&fx->client);
    tp_node_close(&fx->server);
}

/* Bring the session under test to `phase`. */
static void reach(fx_t *fx, phase_t phase)
{
    nara_session_t *c = NULL, *s = NULL;
    uint8_t hello[128];
    assert_int_equal(nara_session_client_new(fx->client.store, &fx->client.kp, &fx->copt, &c),
                     NARA_OK);
    assert_int_equal(
        nara_session_server_new(fx->server.store, &fx->server.kp, &fx->pol.policy, &fx->sopt, &s),
        NARA_OK);
    tp_pipe_init(&fx->pipe, c, s);
    fx->pipe.auto_close = false;
    fx->target = phase >= CLIENT_NEW ? c : s;
    if (phase == CLIENT_AUTH)
        assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    if (phase == SERVER_AUTH)
        assert_int_equal(
            nara_session_receive(s, hello, assemble(HELLO, hello, sizeof hello), TP_WALL0),
            NARA_OK);
    if (phase == SERVER_AUTHED || phase == CLIENT_AUTHED) {
        assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
        tp_pump(&fx->pipe);
        assert_int_equal(nara_session_state(s), NARA_SESSION_SYNCED);
    }
}

/* After a failure with `code`: one ERROR [8, code, text, true], then CLOSED. */
static void assert_failed_with(nara_session_t *s, nara_err_t code)
{
    nara_bytes_t m;
    bool has = false;
    uint8_t b = 0x90;
    assert_int_equal(nara_session_state(s), NARA_SESSION_FAILED);
    assert_int_equal(nara_session_error(s, NULL), code);
    /* Drain whatever the handshake left, up to the ERROR (the queue was emptied). */
    assert_int_equal(nara_session_output(s, &m, &has), NARA_OK);
    assert_true(has);
    assert_true(m.len >= 4);
    assert_int_equal(m.bytes[0], 0x94);
    assert_int_equal(m.bytes[1], 0x08);
    assert_int_equal(m.bytes[2], code);
    assert_int_equal(m.bytes[m.len - 1], 0xc3);
    assert_int_equal(nara_session_output(s, &m, &has), NARA_CLOSED);
    assert_false(has);
    assert_int_equal(nara_session_receive(s, &b, 1, TP_WALL0), NARA_CLOSED);
    assert_int_equal(nara_session_log_grew(s), NARA_CLOSED);
    assert_int_equal(nara_session_close(s), NARA_CLOSED);
    assert_int_equal(nara_session_start(s, TP_WALL0), NARA_CLOSED);
}

static void run_row(void **state)
{
    const row_t *row = *state;
    fx_t fx;
    static uint8_t msg[NARA_MAX_MESSAGE_BYTES + 1];
    size_t len;
    fx_open(&fx);
    reach(&fx, row->phase);
    if (row->hex) {
        len = assemble(row->hex, msg, sizeof msg);
    } else {
        len = NARA_MAX_MESSAGE_BYTES + 1;
        memset(msg, 0x91, len);
    }
    assert_int_equal(nara_session_receive(fx.target, msg, len, TP_WALL0), row->want);
    assert_failed_with(fx.target, row->want);
    fx_close(&fx);
}

/* ---- ERROR and BYE from the peer ------------------------------------------ */

static void test_peer_fatal_error_fails_with_its_code_and_text(void **state)
{
    fx_t fx;
    uint8_t msg[16];
    const char *text;
    nara_bytes_t m;
    bool has;
    (void)state;
    fx_open(&fx);
    reach(&fx, SERVER_NEW);
    size_t len = assemble("94 08 25 a4 73 6c 6f 77 c3", msg, sizeof msg); /* 37, "slow", true */
    assert_int_equal(nara_session_receive(fx.target, msg, len, TP_WALL0), NARA_RATE_LIMITED);
    assert_int_equal(nara_session_error(fx.target, &text), NARA_RATE_LIMITED);
    assert_string_equal(text, "slow");
    assert_int_equal(nara_session_output(fx.target, &m, &has), NARA_CLOSED); /* nothing echoed */
    fx_close(&fx);
}

static void test_peer_nonfatal_error_is_counted_not_fatal(void **state)
{
    fx_t fx;
    uint8_t msg[16];
    (void)state;
    fx_open(&fx);
    reach(&fx, SERVER_AUTHED);
    size_t len = assemble("94 08 25 a4 73 6c 6f 77 c2", msg, sizeof msg);
    assert_int_equal(nara_session_receive(fx.target, msg, len, TP_WALL0), NARA_OK);
    assert_int_equal(nara_session_state(fx.target), NARA_SESSION_SYNCED);
    assert_int_equal(nara_session_stats(fx.target)->errors_received, 1);
    fx_close(&fx);
}

static void test_bye_closes_and_later_calls_return_closed(void **state)
{
    fx_t fx;
    uint8_t msg[2] = {0x91, 0x09};
    nara_bytes_t m;
    bool has;
    (void)state;
    fx_open(&fx);
    reach(&fx, SERVER_AUTHED);
    assert_int_equal(nara_session_receive(fx.target, msg, 2, TP_WALL0), NARA_OK);
    assert_int_equal(nara_session_state(fx.target), NARA_SESSION_CLOSED);
    assert_int_equal(nara_session_output(fx.target, &m, &has), NARA_CLOSED);
    assert_int_equal(nara_session_receive(fx.target, msg, 2, TP_WALL0), NARA_CLOSED);
    fx_close(&fx);
}

static void test_close_sends_bye_after_queued_messages(void **state)
{
    fx_t fx;
    nara_bytes_t m;
    bool has;
    uint8_t hello[128];
    (void)state;
    fx_open(&fx);
    reach(&fx, SERVER_NEW);
    assert_int_equal(
        nara_session_receive(fx.target, hello, assemble(HELLO, hello, sizeof hello), TP_WALL0),
        NARA_OK);
    assert_int_equal(nara_session_close(fx.target), NARA_OK);
    assert_int_equal(nara_session_output(fx.target, &m, &has), NARA_OK);
    assert_int_equal(m.bytes[1], 0x02); /* CHALLENGE first */
    assert_int_equal(nara_session_output(fx.target, &m, &has), NARA_OK);
    assert_int_equal(m.len, 2);
    assert_int_equal(m.bytes[1], 0x09);
    assert_int_equal(nara_session_state(fx.target), NARA_SESSION_CLOSED);
    fx_close(&fx);
}

static void test_options_too_small_for_one_event_are_refused(void **state)
{
    tp_node_t n;
    tp_policy_t pol;
    nara_session_options_t o;
    nara_session_t *s = (nara_session_t *)&o;
    (void)state;
    tp_node_open(&n, 5);
    tp_policy_init(&pol);
    memset(&o, 0, sizeof o);
    o.max_message_bytes = NARA_EVENT_MAX_BYTES;
    assert_int_equal(nara_session_server_new(n.store, &n.kp, &pol.policy, &o, &s), NARA_INVAL);
    assert_null(s);
    tp_node_close(&n);
}

int main(void)
{
    enum { N_ROWS = sizeof rows / sizeof rows[0], N_FIXED = 5 };
    struct CMUnitTest tests[N_ROWS + N_FIXED] = {
        cmocka_unit_test(test_peer_fatal_error_fails_with_its_code_and_text),
        cmocka_unit_test(test_peer_nonfatal_error_is_counted_not_fatal),
        cmocka_unit_test(test_bye_closes_and_later_calls_return_closed),
        cmocka_unit_test(test_close_sends_bye_after_queued_messages),
        cmocka_unit_test(test_options_too_small_for_one_event_are_refused),
    };
    for (size_t i = 0; i < N_ROWS; i++)
        tests[N_FIXED + i] =
            (struct CMUnitTest){rows[i].name, run_row, NULL, NULL, (void *)&rows[i]};
    return _cmocka_run_group_tests("test_protocol_wire", tests, N_ROWS + N_FIXED, NULL, NULL);
}
