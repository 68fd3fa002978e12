/*
 * test_protocol_receipts.c - the transparency log in sync sessions
 * (nara_protocol.h invariant 6; docs/audit.md sections 2-3): a server backed
 * by nara_tlog shows signed tree heads and acknowledges pushed events with
 * receipts; the client verifies them and hands them to its sink, and
 * refuses - with evidence - a server whose history forked or shrank, a head
 * its server did not sign, a receipt that does not verify, and a server that
 * stopped showing heads.  Sessions run over the in-memory pipe.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "nara_tlog.h"
#include "test_protocol_pipe.h"

/* ---- a server with a log ---------------------------------------------------------- */

typedef struct {
    tp_node_t node;
    nara_tlog_t *t;
    nara_log_provider_t log;
    uint64_t clock;
} srv_t;

static uint64_t srv_now(void *ctx)
{
    return ((srv_t *)ctx)->clock++;
}

/* A server whose key comes from seed 0x22 (shared by every srv_t, so two
 * servers can sign two histories with one key). */
static void srv_open(srv_t *s)
{
    memset(s, 0, sizeof *s);
    s->clock = TP_WALL0;
    tp_node_open(&s->node, 0x22);
    nara_tlog_signer_t signer = {&s->node.kp, srv_now, s};
    assert_int_equal(nara_tlog_open(s->node.store, &signer, 0, &s->t), NARA_OK);
    nara_log_provider_tlog(s->t, &s->log);
}

static void srv_close(srv_t *s)
{
    nara_tlog_close(s->t);
    tp_node_close(&s->node);
}

/* ---- a client's sink ------------------------------------------------------------------- */

typedef struct {
    nara_tree_head_t heads[64];
    size_t n_heads;
    size_t receipts;
    bool forked;
    bool fork_offered;
    nara_tree_head_t fork_prev, fork_offer;
} sink_t;

static nara_err_t on_head(void *ctx, const nara_tree_head_t *prev, const nara_tree_head_t *h,
                          const nara_merkle_proof_t *p)
{
    sink_t *k = ctx;
    uint8_t empty[32];
    nara_merkle_hash_empty(empty);
    /* What the session checked, checked again. */
    assert_int_equal(nara_merkle_verify_consistency(prev ? prev->size : 0, h->size,
                                                    prev ? prev->root : empty, h->root, p),
                     NARA_OK);
    if (k->n_heads)
        assert_true(h->size > k->heads[k->n_heads - 1].size);
    assert_true(k->n_heads < 64);
    k->heads[k->n_heads++] = *h;
    return NARA_OK;
}

static nara_err_t on_receipts(void *ctx, const nara_tree_head_t *h, const nara_receipt_t *r,
                              size_t n)
{
    sink_t *k = ctx;
    for (size_t i = 0; i < n; i++) {
        nara_merkle_proof_t p;
        uint8_t leaf[32];
        assert_int_equal(nara_merkle_proof_decode(r[i].proof, r[i].proof_len, &p), NARA_OK);
        nara_merkle_hash_leaf(r[i].id, 32, leaf);
        assert_int_equal(nara_merkle_verify_inclusion(leaf, r[i].index, h->size, &p, h->root),
                         NARA_OK);
    }
    assert_true(k->n_heads > 0);
    assert_memory_equal(h, &k->heads[k->n_heads - 1], sizeof *h);
    k->receipts += n;
    return NARA_OK;
}

static void on_fork(void *ctx, const nara_tree_head_t *prev, const nara_tree_head_t *offered,
                    const nara_merkle_proof_t *p)
{
    sink_t *k = ctx;
    (void)p;
    k->forked = true;
    if (prev)
        k->fork_prev = *prev;
    k->fork_offered = offered != NULL;
    if (offered)
        k->fork_offer = *offered;
}

/* One session; returns the client's error (NARA_OK when it completed). */
static nara_err_t sync_once(tp_node_t *client, tp_node_t *server, const nara_log_provider_t *log,
                            const nara_tree_head_t *last, sink_t *k, size_t max_batch,
                            size_t max_message, tp_tap_fn tap, void *tap_ctx)
{
    tp_policy_t pol;
    tp_pipe_t p;
    uint8_t cs[NARA_NONCE_BYTES], ss[NARA_NONCE_BYTES];
    nara_session_options_t co = tp_options(0x31, cs), so = tp_options(0x32, ss);
    nara_receipt_sink_t sink = {on_head, on_receipts, on_fork, k};
    nara_session_t *c = NULL, *s = NULL;
    tp_policy_init(&pol);
    co.last_head = last;
    co.receipts = &sink;
    co.max_batch_events = max_batch;
    co.max_message_bytes = max_message;
    so.log = log;
    assert_int_equal(nara_session_client_new(client->store, &client->kp, &co, &c), NARA_OK);
    assert_int_equal(nara_session_server_new(server->store, &server->kp, &pol.policy, &so, &s),
                     NARA_OK);
    tp_pipe_init(&p, c, s);
    p.tap = tap;
    p.tap_ctx = tap_ctx;
    assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    tp_pump(&p);
    nara_err_t err = nara_session_error(c, NULL);
    if (err == NARA_OK)
        assert_int_equal(nara_session_state(c), NARA_SESSION_CLOSED);
    else
        assert_int_equal(nara_session_state(c), NARA_SESSION_FAILED);
    assert_int_equal(nara_session_stats(c)->receipts, k->receipts);
    tp_pipe_free(&p);
    return err;
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_every_pushed_event_gets_a_verified_receipt(void **state)
{
    (void)state;
    srv_t s;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&s);
    tp_node_open(&c, 0x11);
    tp_append(&c, &c.kp, "32.01", 20);
    tp_append(&s.node, &s.node.kp, "province", 3); /* the server's own: no receipt for those */
    assert_int_equal(sync_once(&c, &s.node, &s.log, NULL, &k, 4, 0, NULL, NULL), NARA_OK);
    assert_int_equal(k.receipts, 20);
    assert_true(k.n_heads >= 5); /* WELCOME and one per batch of 4 */
    assert_int_equal(k.heads[k.n_heads - 1].size, 23);
    assert_true(tp_same_digest(&c, &s.node));
    tp_node_close(&c);
    srv_close(&s);
}

static void test_the_next_session_proves_the_new_head_extends_the_kept_one(void **state)
{
    (void)state;
    srv_t s;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&s);
    tp_node_open(&c, 0x11);
    tp_append(&c, &c.kp, "32.01", 3);
    assert_int_equal(sync_once(&c, &s.node, &s.log, NULL, &k, 0, 0, NULL, NULL), NARA_OK);
    nara_tree_head_t kept = k.heads[k.n_heads - 1];
    tp_append(&s.node, &s.node.kp, "province", 5); /* the server's log grows meanwhile */
    memset(&k, 0, sizeof k);
    assert_int_equal(sync_once(&c, &s.node, &s.log, &kept, &k, 0, 0, NULL, NULL), NARA_OK);
    assert_int_equal(k.n_heads, 1);
    assert_int_equal(k.heads[0].size, kept.size + 5);
    assert_false(k.forked);
    /* Nothing new on either side: the same head, not shown to the sink again. */
    kept = k.heads[0];
    memset(&k, 0, sizeof k);
    assert_int_equal(sync_once(&c, &s.node, &s.log, &kept, &k, 0, 0, NULL, NULL), NARA_OK);
    assert_int_equal(k.n_heads, 0);
    tp_node_close(&c);
    srv_close(&s);
}

static void test_a_forked_server_is_refused_with_evidence(void **state)
{
    (void)state;
    srv_t a, b;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&a);
    srv_open(&b);
    tp_node_open(&c, 0x11);
    tp_append(&a.node, &a.node.kp, "province", 4);
    tp_append(&b.node, &b.node.kp, "32.09", 6); /* same key, another history */
    assert_int_equal(sync_once(&c, &a.node, &a.log, NULL, &k, 0, 0, NULL, NULL), NARA_OK);
    nara_tree_head_t kept = k.heads[k.n_heads - 1];
    uint64_t before = tp_events(&c);
    memset(&k, 0, sizeof k);
    assert_int_equal(sync_once(&c, &b.node, &b.log, &kept, &k, 0, 0, NULL, NULL), NARA_TREE_FORK);
    assert_true(k.forked);
    assert_true(k.fork_offered);
    assert_memory_equal(&k.fork_prev, &kept, sizeof kept);
    assert_int_equal(k.fork_offer.size, 6);
    assert_int_equal(nara_tree_head_verify(&k.fork_offer, a.node.kp.pk), NARA_OK); /* signed */
    assert_int_equal(tp_events(&c), before); /* nothing taken from it */
    tp_node_close(&c);
    srv_close(&a);
    srv_close(&b);
}

static void test_a_shrunk_server_is_refused(void **state)
{
    (void)state;
    srv_t a, b;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&a);
    srv_open(&b);
    tp_node_open(&c, 0x11);
    tp_append(&a.node, &a.node.kp, "province", 4);
    tp_append(&b.node, &b.node.kp, "province", 2); /* a shorter history */
    assert_int_equal(sync_once(&c, &a.node, &a.log, NULL, &k, 0, 0, NULL, NULL), NARA_OK);
    nara_tree_head_t kept = k.heads[k.n_heads - 1];
    memset(&k, 0, sizeof k);
    assert_int_equal(sync_once(&c, &b.node, &b.log, &kept, &k, 0, 0, NULL, NULL), NARA_TREE_FORK);
    assert_true(k.forked);
    assert_int_equal(k.fork_offer.size, 2);
    tp_node_close(&c);
    srv_close(&a);
    srv_close(&b);
}

static void test_a_server_that_stops_showing_heads_is_refused(void **state)
{
    (void)state;
    srv_t a;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&a);
    tp_node_open(&c, 0x11);
    assert_int_equal(sync_once(&c, &a.node, &a.log, NULL, &k, 0, 0, NULL, NULL), NARA_OK);
    assert_int_equal(k.n_heads, 1); /* an empty log has a head too */
    assert_int_equal(k.heads[0].size, 0);
    nara_tree_head_t kept = k.heads[0];
    memset(&k, 0, sizeof k);
    assert_int_equal(sync_once(&c, &a.node, NULL, &kept, &k, 0, 0, NULL, NULL), NARA_TREE_FORK);
    assert_true(k.forked);
    assert_false(k.fork_offered);
    tp_node_close(&c);
    srv_close(&a);
}

/* Taps: change one byte of the first message of a type from the server. */
typedef struct {
    uint8_t type;
    long from_end; /* which byte, counted from the end of the message */
    bool done;
} flip_t;

static void flip_tap(void *ctx, bool from_client, uint8_t *msg, size_t *len, size_t cap)
{
    flip_t *f = ctx;
    (void)cap;
    if (from_client || f->done || *len < 2 || msg[1] != f->type)
        return;
    if (f->type == 6 && msg[*len - 1] == 0xc0)
        return; /* an ACK without receipt */
    msg[*len - (size_t)f->from_end] ^= 0x01;
    f->done = true;
}

static void test_a_receipt_that_does_not_verify_is_refused(void **state)
{
    (void)state;
    srv_t s;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&s);
    tp_node_open(&c, 0x11);
    tp_append(&s.node, &s.node.kp, "province", 9); /* proofs with several hashes */
    tp_append(&c, &c.kp, "32.01", 3);
    flip_t f = {6, 1, false}; /* the last byte of the ACK: inside the last proof's last hash */
    assert_int_equal(sync_once(&c, &s.node, &s.log, NULL, &k, 0, 0, flip_tap, &f), NARA_PROOF);
    assert_true(f.done);
    assert_int_equal(k.receipts, 0);
    tp_node_close(&c);
    srv_close(&s);
}

static void test_a_head_not_signed_by_the_server_is_refused(void **state)
{
    (void)state;
    srv_t s;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&s);
    tp_node_open(&c, 0x11);
    tp_append(&s.node, &s.node.kp, "province", 2);
    /* WELCOME ends with the head's signature (64 bytes), then the proof bin. */
    flip_t f = {4, 0, false};
    nara_tree_head_t h;
    nara_merkle_proof_t p;
    size_t plen = 0;
    assert_int_equal(nara_tlog_latest_head(s.t, &h), NARA_OK);
    assert_int_equal(nara_tlog_prove_consistency(s.t, 0, h.size, &p), NARA_OK);
    assert_int_equal(nara_merkle_proof_encode(&p, NULL, 0, &plen), NARA_BUFFER_TOO_SMALL);
    f.from_end = (long)(plen + 2 + 10); /* inside the signature */
    assert_int_equal(sync_once(&c, &s.node, &s.log, NULL, &k, 0, 0, flip_tap, &f), NARA_PROOF);
    assert_true(f.done);
    assert_int_equal(k.n_heads, 0);
    tp_node_close(&c);
    srv_close(&s);
}

/* The server caps the batch it accepts so that the receipts of a whole
 * batch fit in one ACK within the client's message limit. */
static void test_every_receipt_fits_even_the_smallest_message_limit(void **state)
{
    (void)state;
    srv_t s;
    tp_node_t c;
    sink_t k;
    memset(&k, 0, sizeof k);
    srv_open(&s);
    tp_node_open(&c, 0x11);
    tp_append(&s.node, &s.node.kp, "province", 300);
    tp_append(&c, &c.kp, "32.01", 600);
    /* The smallest message limit: an ACK could not hold 450 proofs of 10 hashes,
     * but the server accepts batches of fewer events. */
    assert_int_equal(sync_once(&c, &s.node, &s.log, NULL, &k, 512, 65557, NULL, NULL), NARA_OK);
    assert_int_equal(k.receipts, 600);
    assert_true(k.n_heads > 5);
    assert_true(tp_same_digest(&c, &s.node));
    tp_node_close(&c);
    srv_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_pushed_event_gets_a_verified_receipt),
        cmocka_unit_test(test_the_next_session_proves_the_new_head_extends_the_kept_one),
        cmocka_unit_test(test_a_forked_server_is_refused_with_evidence),
        cmocka_unit_test(test_a_shrunk_server_is_refused),
        cmocka_unit_test(test_a_server_that_stops_showing_heads_is_refused),
        cmocka_unit_test(test_a_receipt_that_does_not_verify_is_refused),
        cmocka_unit_test(test_a_head_not_signed_by_the_server_is_refused),
        cmocka_unit_test(test_every_receipt_fits_even_the_smallest_message_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
