/*
 * test_protocol.c - behaviour of the sync session over in-memory pipes:
 * handshake, convergence, scopes, refusals, resumption after a drop, flow
 * control and live mode.  Malformed input is in test_protocol_wire.c, the
 * randomized convergence run and the example transcript in
 * test_protocol_random.c.  Each test states one behaviour in its name.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "test_protocol_pipe.h"

typedef struct {
    tp_node_t client, server, other;
    tp_policy_t pol;
    uint8_t cseed[NARA_NONCE_BYTES], sseed[NARA_NONCE_BYTES];
    nara_session_options_t copt, sopt;
    tp_pipe_t pipe;
} fx_t;

static void fx_open(fx_t *fx)
{
    memset(fx, 0, sizeof *fx);
    tp_node_open(&fx->client, 1);
    tp_node_open(&fx->server, 2);
    tp_node_open(&fx->other, 3);
    tp_policy_init(&fx->pol);
    fx->copt = tp_options(11, fx->cseed);
    fx->sopt = tp_options(12, fx->sseed);
}

static void fx_close(fx_t *fx)
{
    tp_pipe_free(&fx->pipe);
    tp_node_close(&fx->client);
    tp_node_close(&fx->server);
    tp_node_close(&fx->other);
}

static int setup(void **state)
{
    static fx_t fx;
    fx_open(&fx);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fx_close(*state);
    return 0;
}

static void sync_once(fx_t *fx, size_t budget)
{
    tp_pipe_free(&fx->pipe);
    tp_session(&fx->pipe, &fx->client, &fx->server, &fx->pol, &fx->copt, &fx->sopt, budget);
}

/* ---- handshake and convergence ---------------------------------------------- */

static void test_sync_converges_both_directions(void **state)
{
    fx_t *fx = *state;
    uint8_t pk[NARA_PUBLICKEY_BYTES];
    tp_append(&fx->client, &fx->client.kp, "32.01", 5);
    tp_append(&fx->server, &fx->other.kp, "32.01", 7);
    tp_append(&fx->server, &fx->server.kp, "province", 3);
    fx->copt.expected_server_pk = fx->server.kp.pk;
    sync_once(fx, SIZE_MAX);
    assert_int_equal(nara_session_state(fx->pipe.c), NARA_SESSION_CLOSED);
    assert_int_equal(nara_session_state(fx->pipe.s), NARA_SESSION_CLOSED);
    assert_int_equal(tp_events(&fx->client), 15);
    assert_true(tp_same_digest(&fx->client, &fx->server));
    assert_int_equal(nara_session_stats(fx->pipe.c)->events_acked, 5);
    assert_int_equal(nara_session_stats(fx->pipe.c)->events_added, 10);
    assert_true(nara_session_peer(fx->pipe.c, pk));
    assert_memory_equal(pk, fx->server.kp.pk, NARA_PUBLICKEY_BYTES);
    assert_true(nara_session_peer(fx->pipe.s, pk));
    assert_memory_equal(pk, fx->client.kp.pk, NARA_PUBLICKEY_BYTES);
}

static void test_nothing_new_is_one_round_trip_after_auth(void **state)
{
    fx_t *fx = *state;
    tp_append(&fx->client, &fx->client.kp, "32.01", 2);
    tp_append(&fx->server, &fx->other.kp, "32.01", 2);
    sync_once(fx, SIZE_MAX);
    assert_true(tp_same_digest(&fx->client, &fx->server));
    sync_once(fx, SIZE_MAX);
    /* HELLO | CHALLENGE | AUTH | WELCOME SYNCED | SYNCED BYE */
    assert_string_equal(fx->pipe.trace, "c1 s2 c3 s4 s7 c7 c9");
    assert_int_equal(nara_session_stats(fx->pipe.c)->round_trips, 2);
    assert_int_equal(nara_session_stats(fx->pipe.c)->events_sent, 0);
    assert_int_equal(nara_session_stats(fx->pipe.s)->events_sent, 0);
}

static void flip_challenge_sig(void *ctx, bool from_client, uint8_t *msg, size_t *len, size_t cap)
{
    (void)ctx;
    (void)cap;
    if (!from_client && msg[1] == 2)
        msg[*len - 1] ^= 0x01; /* last byte of server_sig */
}

static void test_client_refuses_bad_server_signature(void **state)
{
    fx_t *fx = *state;
    nara_session_t *c = NULL, *s = NULL;
    assert_int_equal(nara_session_client_new(fx->client.store, &fx->client.kp, &fx->copt, &c),
                     NARA_OK);
    assert_int_equal(
        nara_session_server_new(fx->server.store, &fx->server.kp, &fx->pol.policy, &fx->sopt, &s),
        NARA_OK);
    tp_pipe_init(&fx->pipe, c, s);
    fx->pipe.tap = flip_challenge_sig;
    assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    tp_pump(&fx->pipe);
    assert_int_equal(nara_session_error(c, NULL), NARA_AUTH);
    assert_int_equal(nara_session_state(c), NARA_SESSION_FAILED);
    assert_int_equal(nara_session_error(s, NULL), NARA_AUTH); /* told by the client's ERROR */
    uint8_t pk[NARA_PUBLICKEY_BYTES];
    assert_false(nara_session_peer(c, pk));
}

static void test_client_refuses_unexpected_server_key(void **state)
{
    fx_t *fx = *state;
    fx->copt.expected_server_pk = fx->other.kp.pk;
    sync_once(fx, SIZE_MAX);
    assert_int_equal(nara_session_error(fx->pipe.c, NULL), NARA_SERVER_KEY);
    assert_int_equal(nara_session_state(fx->pipe.s), NARA_SESSION_FAILED);
    assert_string_equal(fx->pipe.trace, "c1 s2 c8");
}

static void test_unenrolled_device_refused(void **state)
{
    fx_t *fx = *state;
    tp_append(&fx->server, &fx->other.kp, "32.01", 3);
    fx->pol.use_admit_list = true;
    memcpy(fx->pol.admitted[fx->pol.n_admitted++], fx->other.kp.pk, NARA_PUBLICKEY_BYTES);
    sync_once(fx, SIZE_MAX);
    assert_int_equal(nara_session_error(fx->pipe.s, NULL), NARA_UNENROLLED);
    assert_int_equal(nara_session_error(fx->pipe.c, NULL), NARA_UNENROLLED);
    assert_int_equal(fx->pipe.c_last_err, NARA_UNENROLLED);
    assert_int_equal(tp_events(&fx->client), 0);
}

static void test_revoked_device_refused(void **state)
{
    fx_t *fx = *state;
    tp_append(&fx->client, &fx->client.kp, "32.01", 3);
    memcpy(fx->pol.revoked[fx->pol.n_revoked++], fx->client.kp.pk, NARA_PUBLICKEY_BYTES);
    sync_once(fx, SIZE_MAX);
    assert_int_equal(nara_session_error(fx->pipe.s, NULL), NARA_REVOKED);
    assert_int_equal(nara_session_error(fx->pipe.c, NULL), NARA_REVOKED);
    assert_int_equal(tp_events(&fx->server), 0);
}

/* ---- replay ------------------------------------------------------------------ */

typedef struct {
    uint8_t hello[256], auth[4096];
    size_t hello_len, auth_len;
} recorded_t;

static void record_client(void *ctx, bool from_client, uint8_t *msg, size_t *len, size_t cap)
{
    recorded_t *r = ctx;
    (void)cap;
    if (from_client && msg[1] == 1 && *len <= sizeof r->hello) {
        memcpy(r->hello, msg, *len);
        r->hello_len = *len;
    }
    if (from_client && msg[1] == 3 && *len <= sizeof r->auth) {
        memcpy(r->auth, msg, *len);
        r->auth_len = *len;
    }
}

static void test_replayed_auth_refused_on_new_connection(void **state)
{
    fx_t *fx = *state;
    recorded_t rec = {0};
    nara_session_t *c = NULL, *s2 = NULL;
    uint8_t seed2[NARA_NONCE_BYTES];
    nara_session_options_t sopt2 = tp_options(99, seed2);
    nara_bytes_t m;
    bool has;
    assert_int_equal(nara_session_client_new(fx->client.store, &fx->client.kp, &fx->copt, &c),
                     NARA_OK);
    assert_int_equal(
        nara_session_server_new(fx->server.store, &fx->server.kp, &fx->pol.policy, &fx->sopt, &s2),
        NARA_OK);
    tp_pipe_init(&fx->pipe, c, s2);
    fx->pipe.tap = record_client;
    fx->pipe.tap_ctx = &rec;
    assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    tp_pump(&fx->pipe);
    assert_int_equal(nara_session_state(c), NARA_SESSION_CLOSED); /* session 1 accepted it */
    tp_pipe_free(&fx->pipe);

    assert_int_equal(
        nara_session_server_new(fx->server.store, &fx->server.kp, &fx->pol.policy, &sopt2, &s2),
        NARA_OK);
    fx->pipe.s = s2;
    assert_int_equal(nara_session_receive(s2, rec.hello, rec.hello_len, TP_WALL0), NARA_OK);
    assert_int_equal(nara_session_output(s2, &m, &has), NARA_OK);
    assert_true(has && m.bytes[1] == 2);
    assert_int_equal(nara_session_receive(s2, rec.auth, rec.auth_len, TP_WALL0), NARA_AUTH);
    assert_int_equal(nara_session_state(s2), NARA_SESSION_FAILED);
    assert_false(nara_session_peer(s2, rec.hello));
}

/* ---- refusals ---------------------------------------------------------------- */

/* Handshake a client with an empty store, then leave the pipe idle. */
static void handshake_only(fx_t *fx)
{
    nara_session_t *c = NULL, *s = NULL;
    fx->copt.live = true; /* keep the client open */
    assert_int_equal(nara_session_client_new(fx->client.store, &fx->client.kp, &fx->copt, &c),
                     NARA_OK);
    assert_int_equal(
        nara_session_server_new(fx->server.store, &fx->server.kp, &fx->pol.policy, &fx->sopt, &s),
        NARA_OK);
    tp_pipe_init(&fx->pipe, c, s);
    fx->pipe.auto_close = false;
    assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    tp_pump(&fx->pipe);
    assert_int_equal(nara_session_state(s), NARA_SESSION_SYNCED);
}

/* EVENTS [5, batch_no, [bin...]] from up to 4 events. */
static size_t events_msg(uint8_t *out, uint8_t batch_no, const uint8_t *const *ev,
                         const size_t *len, size_t n)
{
    size_t k = 0;
    out[k++] = 0x93;
    out[k++] = 0x05;
    out[k++] = batch_no;
    out[k++] = (uint8_t)(0x90 | n);
    for (size_t i = 0; i < n; i++) {
        out[k++] = 0xc4;
        out[k++] = (uint8_t)len[i];
        memcpy(out + k, ev[i], len[i]);
        k += len[i];
    }
    return k;
}

static void test_ack_lists_forged_and_unauthorized_and_commits_the_rest(void **state)
{
    fx_t *fx = *state;
    uint8_t ok[256], forged[256], scoped[256], msg[1024], id[NARA_ID_BYTES], got[256];
    size_t len[3], n;
    nara_bytes_t m;
    bool has;
    fx->pol.deny_push[0] = "32.02";
    handshake_only(fx);
    len[0] = tp_seal(&fx->client.kp, "32.01", ok, sizeof ok, id);
    len[1] = tp_seal(&fx->client.kp, "32.03", forged, sizeof forged, NULL);
    forged[len[1] - 1] ^= 0x01; /* last signature byte */
    len[2] = tp_seal(&fx->client.kp, "32.02", scoped, sizeof scoped, NULL);
    const uint8_t *ev[3] = {ok, forged, scoped};
    n = events_msg(msg, 1, ev, len, 3);
    assert_int_equal(nara_session_receive(fx->pipe.s, msg, n, TP_WALL0), NARA_OK);
    assert_int_equal(nara_session_output(fx->pipe.s, &m, &has), NARA_OK);
    /* ACK [6, 1, added 1, duplicate 0, [[1, SIGNATURE 18], [2, UNAUTHORIZED 32]], nil] */
    static const uint8_t want[] = {0x96, 0x06, 0x01, 0x01, 0x00, 0x92, 0x92,
                                   0x01, 0x12, 0x92, 0x02, 0x20, 0xc0};
    assert_true(has);
    assert_int_equal(m.len, sizeof want);
    assert_memory_equal(m.bytes, want, sizeof want);
    assert_int_equal(tp_events(&fx->server), 1);
    assert_int_equal(nara_store_get(fx->server.store, id, got, sizeof got, &n), NARA_OK);
    assert_int_equal(nara_session_stats(fx->pipe.s)->events_rejected, 2);
}

typedef struct {
    size_t n;
    uint8_t ids[8][NARA_ID_BYTES];
    nara_err_t codes[8];
} refused_t;

static void collect_refused(void *ctx, const uint8_t id[NARA_ID_BYTES], nara_err_t code)
{
    refused_t *r = ctx;
    if (r->n < 8) {
        memcpy(r->ids[r->n], id, NARA_ID_BYTES);
        r->codes[r->n++] = code;
    }
}

static void test_client_reports_events_server_refused(void **state)
{
    fx_t *fx = *state;
    refused_t r = {0};
    uint8_t buf[256];
    size_t len;
    fx->pol.deny_push[0] = "32.02";
    tp_append(&fx->client, &fx->client.kp, "32.01", 2);
    tp_append(&fx->client, &fx->client.kp, "32.02", 3);
    sync_once(fx, SIZE_MAX);
    assert_true(nara_session_done(fx->pipe.c) ||
                nara_session_state(fx->pipe.c) == NARA_SESSION_CLOSED);
    nara_session_each_refused(fx->pipe.c, collect_refused, &r);
    assert_int_equal(r.n, 3);
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(r.codes[i], NARA_UNAUTHORIZED);
        assert_int_equal(nara_store_get(fx->client.store, r.ids[i], buf, sizeof buf, &len),
                         NARA_OK);
        assert_int_equal(nara_store_get(fx->server.store, r.ids[i], buf, sizeof buf, &len),
                         NARA_NOT_FOUND);
    }
    assert_int_equal(nara_session_stats(fx->pipe.c)->events_rejected, 3);
    assert_int_equal(tp_events(&fx->server), 2);
}

static void test_client_receives_only_readable_feeds(void **state)
{
    fx_t *fx = *state;
    fx->pol.deny_read[0] = "32.02";
    tp_append(&fx->server, &fx->other.kp, "32.01", 4);
    tp_append(&fx->server, &fx->other.kp, "32.02", 6);
    sync_once(fx, SIZE_MAX);
    assert_int_equal(nara_session_state(fx->pipe.c), NARA_SESSION_CLOSED);
    assert_int_equal(tp_events(&fx->client), 4);
    assert_int_equal(nara_session_stats(fx->pipe.s)->events_sent, 4);
}

/* ---- drops and resumption ---------------------------------------------------- */

#define DROP_CLIENT_EVENTS 23u
#define DROP_SERVER_EVENTS 17u

/* Small batches and windows so a sync takes many messages. */
static void drop_fixture(fx_t *fx)
{
    fx_open(fx);
    fx->copt.max_batch_events = 3;
    fx->sopt.max_batch_events = 2;
    fx->copt.window = fx->sopt.window = 2;
    tp_append(&fx->client, &fx->client.kp, "32.01", 15);
    tp_append(&fx->client, &fx->client.kp, "32.05", DROP_CLIENT_EVENTS - 15);
    tp_append(&fx->server, &fx->other.kp, "32.01", DROP_SERVER_EVENTS);
}

/* Sync, losing the connection after `budget` messages; then sync again. */
static void one_drop(size_t budget)
{
    fx_t fx;
    drop_fixture(&fx);
    sync_once(&fx, budget);
    uint64_t server_has = tp_events(&fx.server) - DROP_SERVER_EVENTS;
    uint64_t client_has = tp_events(&fx.client) - DROP_CLIENT_EVENTS;
    sync_once(&fx, SIZE_MAX);
    assert_int_equal(nara_session_state(fx.pipe.c), NARA_SESSION_CLOSED);
    assert_int_equal(nara_session_stats(fx.pipe.c)->events_sent, DROP_CLIENT_EVENTS - server_has);
    assert_int_equal(nara_session_stats(fx.pipe.s)->events_sent, DROP_SERVER_EVENTS - client_has);
    assert_int_equal(tp_events(&fx.client), DROP_CLIENT_EVENTS + DROP_SERVER_EVENTS);
    assert_true(tp_same_digest(&fx.client, &fx.server));
    fx_close(&fx);
}

static void test_drop_at_every_message_resumes_without_resending(void **state)
{
    fx_t fx;
    size_t full;
    (void)state;
    drop_fixture(&fx);
    sync_once(&fx, SIZE_MAX);
    full = fx.pipe.delivered;
    fx_close(&fx);
    assert_true(full > 20);
    for (size_t k = 0; k <= full; k++)
        one_drop(k);
}

/* ---- flow control ------------------------------------------------------------ */

static void test_each_side_keeps_its_window(void **state)
{
    fx_t *fx = *state;
    fx->copt.window = 5;
    fx->sopt.window = 2;
    fx->copt.max_batch_events = 2;
    fx->sopt.max_batch_events = 3;
    tp_append(&fx->client, &fx->client.kp, "32.01", 40);
    tp_append(&fx->server, &fx->other.kp, "32.01", 40);
    sync_once(fx, SIZE_MAX);
    assert_true(tp_same_digest(&fx->client, &fx->server));
    assert_int_equal(fx->pipe.max_inflight_c2s, 2); /* min(5, server's 2) */
    assert_int_equal(fx->pipe.max_inflight_s2c, 2);
}

static void test_peer_exceeding_window_fails_with_protocol(void **state)
{
    fx_t *fx = *state;
    uint8_t ev[256], msg[512];
    size_t len, n;
    fx->sopt.window = 2;
    handshake_only(fx);
    len = tp_seal(&fx->client.kp, "32.01", ev, sizeof ev, NULL);
    const uint8_t *evs[1] = {ev};
    for (uint8_t b = 1; b <= 2; b++) {
        n = events_msg(msg, b, evs, &len, 1);
        assert_int_equal(nara_session_receive(fx->pipe.s, msg, n, TP_WALL0), NARA_OK);
    }
    n = events_msg(msg, 3, evs, &len, 1);
    assert_int_equal(nara_session_receive(fx->pipe.s, msg, n, TP_WALL0), NARA_PROTOCOL);
}

static void test_batches_hold_at_most_max_batch_events(void **state)
{
    fx_t *fx = *state;
    fx->sopt.max_batch_events = 4;
    tp_append(&fx->server, &fx->other.kp, "32.01", 10);
    sync_once(fx, SIZE_MAX);
    /* 10 events in batches of at most 4: three EVENTS messages. */
    assert_int_equal(nara_session_stats(fx->pipe.c)->events_received, 10);
    assert_non_null(strstr(fx->pipe.trace, "s5 s5 s5 s7"));
    assert_null(strstr(fx->pipe.trace, "s5 s5 s5 s5"));
}

/* ---- live mode ----------------------------------------------------------------- */

static void live_pair(fx_t *fx)
{
    nara_session_t *c = NULL, *s = NULL;
    fx->copt.live = fx->sopt.live = true;
    assert_int_equal(nara_session_client_new(fx->client.store, &fx->client.kp, &fx->copt, &c),
                     NARA_OK);
    assert_int_equal(
        nara_session_server_new(fx->server.store, &fx->server.kp, &fx->pol.policy, &fx->sopt, &s),
        NARA_OK);
    tp_pipe_init(&fx->pipe, c, s);
    fx->pipe.auto_close = false;
    assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    tp_pump(&fx->pipe);
    assert_int_equal(nara_session_state(c), NARA_SESSION_SYNCED);
    assert_int_equal(nara_session_state(s), NARA_SESSION_SYNCED);
}

static void test_live_server_delivers_events_appended_after_synced(void **state)
{
    fx_t *fx = *state;
    live_pair(fx);
    tp_append(&fx->server, &fx->other.kp, "32.01", 3);
    assert_int_equal(nara_session_log_grew(fx->pipe.s), NARA_OK);
    assert_true(tp_pump(&fx->pipe) > 0);
    assert_int_equal(tp_events(&fx->client), 3);
    assert_int_equal(nara_session_stats(fx->pipe.s)->events_acked, 3);
    assert_int_equal(nara_session_state(fx->pipe.c), NARA_SESSION_SYNCED);
}

static void test_live_client_pushes_local_events_after_synced(void **state)
{
    fx_t *fx = *state;
    live_pair(fx);
    tp_append(&fx->client, &fx->client.kp, "32.01", 2);
    assert_int_equal(nara_session_log_grew(fx->pipe.c), NARA_OK);
    tp_pump(&fx->pipe);
    assert_int_equal(tp_events(&fx->server), 2);
    assert_int_equal(nara_session_stats(fx->pipe.c)->events_acked, 2);
}

static void test_live_log_grew_with_nothing_new_sends_nothing(void **state)
{
    fx_t *fx = *state;
    tp_append(&fx->server, &fx->other.kp, "32.01", 2);
    live_pair(fx);
    /* Events another connection pushed, already held by this client. */
    assert_int_equal(nara_session_log_grew(fx->pipe.s), NARA_OK);
    assert_int_equal(tp_pump(&fx->pipe), 0);
}

static void test_live_server_does_not_echo_what_client_pushed(void **state)
{
    fx_t *fx = *state;
    live_pair(fx);
    tp_append(&fx->client, &fx->client.kp, "32.01", 2);
    assert_int_equal(nara_session_log_grew(fx->pipe.c), NARA_OK);
    tp_pump(&fx->pipe);
    assert_int_equal(nara_session_log_grew(fx->pipe.s), NARA_OK); /* narad: the log grew */
    tp_pump(&fx->pipe);
    assert_int_equal(nara_session_stats(fx->pipe.s)->events_sent, 0);
}

static void test_one_shot_server_ignores_log_grew(void **state)
{
    fx_t *fx = *state;
    handshake_only(fx); /* client live, server one-shot */
    tp_append(&fx->server, &fx->other.kp, "32.01", 2);
    assert_int_equal(nara_session_log_grew(fx->pipe.s), NARA_OK);
    assert_int_equal(tp_pump(&fx->pipe), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_converges_both_directions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_new_is_one_round_trip_after_auth, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_client_refuses_bad_server_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_refuses_unexpected_server_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unenrolled_device_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_device_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replayed_auth_refused_on_new_connection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ack_lists_forged_and_unauthorized_and_commits_the_rest,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_reports_events_server_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_receives_only_readable_feeds, setup, teardown),
        cmocka_unit_test(test_drop_at_every_message_resumes_without_resending),
        cmocka_unit_test_setup_teardown(test_each_side_keeps_its_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_exceeding_window_fails_with_protocol, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batches_hold_at_most_max_batch_events, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_live_server_delivers_events_appended_after_synced,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_client_pushes_local_events_after_synced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_live_log_grew_with_nothing_new_sends_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_live_server_does_not_echo_what_client_pushed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_shot_server_ignores_log_grew, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
