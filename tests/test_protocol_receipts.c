/*
 * test_protocol_receipts.c - the transparency log in sync sessions
 * (nara_protocol.h invariant 6; docs/audit.md sections 2-3): a server backed
 * by nara_tlog shows signed tree heads and acknowledges pushed events with
 * receipts; the client verifies them and hands them to its sink, and
 * refuses - with evidence - a server whose history forked or shrank, a head
 * its server did not sign, a receipt that does not verify or names events it
 * should not, and a server that stopped showing heads.  A batch logged in
 * one run is receipted by one range entry.  Sessions run over the in-memory
 * pipe.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

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

/* ---- receipt entries, as the server sends them and as a hostile one might ------ */

/* An ACK with a receipt, unpacked: receipt entries are obj[5][2]. */
typedef struct {
    unsigned acks;         /* ACKs with a receipt seen */
    size_t entries, bytes; /* over those ACKs */
    uint64_t first_count;  /* count of the first entry of the first one */
    /* Rewrite of the first receipt entry of the first ACK with one (no-op
     * when all zero): add to index, leaf, count; or append an entry that
     * overlaps it. */
    int64_t d_index, d_leaf, d_count;
    bool overlap;
    bool done;
} rc_tap_t;

static msgpack_object *first_entries(msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 6 ||
        o->via.array.ptr[0].via.u64 != 6 || o->via.array.ptr[5].type != MSGPACK_OBJECT_ARRAY)
        return NULL;
    return &o->via.array.ptr[5].via.array.ptr[2];
}

static void shift(msgpack_object *o, int64_t d)
{
    o->via.u64 = (uint64_t)((int64_t)o->via.u64 + d);
}

static void rc_tap(void *ctx, bool from_client, uint8_t *msg, size_t *len, size_t cap)
{
    rc_tap_t *t = ctx;
    msgpack_unpacked u;
    if (from_client)
        return;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, (const char *)msg, *len, NULL), MSGPACK_UNPACK_SUCCESS);
    msgpack_object *e = first_entries(&u.data);
    if (e != NULL) {
        if (t->acks++ == 0)
            t->first_count = e->via.array.ptr[0].via.array.ptr[2].via.u64;
        t->entries += e->via.array.size;
        t->bytes += *len;
    }
    if (e != NULL && !t->done && (t->d_index || t->d_leaf || t->d_count || t->overlap)) {
        msgpack_object *f = e->via.array.ptr[0].via.array.ptr;
        msgpack_object two[2];
        shift(&f[0], t->d_index);
        shift(&f[1], t->d_leaf);
        shift(&f[2], t->d_count);
        if (t->overlap) { /* [index + 1, leaf + 1, 1, same proof]: strictly ascending */
            two[0] = e->via.array.ptr[0];
            two[1] = e->via.array.ptr[0];
            msgpack_object *g = malloc(4 * sizeof *g);
            assert_non_null(g);
            memcpy(g, f, 4 * sizeof *g);
            g[0].via.u64++;
            g[1].via.u64++;
            g[2].via.u64 = 1;
            two[1].via.array.ptr = g;
            e->via.array.ptr = two;
            e->via.array.size = 2;
        }
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        assert_int_equal(msgpack_pack_object(&pk, u.data), 0);
        assert_true(sb.size <= cap);
        memcpy(msg, sb.data, sb.size);
        *len = sb.size;
        msgpack_sbuffer_destroy(&sb);
        if (t->overlap)
            free(two[1].via.array.ptr);
        t->done = true;
    }
    msgpack_unpacked_destroy(&u);
}

static nara_err_t push_with_tap(int events, size_t batch, rc_tap_t *t, sink_t *k)
{
    srv_t s;
    tp_node_t c;
    memset(k, 0, sizeof *k);
    srv_open(&s);
    tp_node_open(&c, 0x11);
    tp_append(&s.node, &s.node.kp, "province", 37); /* an unaligned start: a longer proof */
    tp_append(&c, &c.kp, "32.01", events);
    nara_err_t err = sync_once(&c, &s.node, &s.log, NULL, k, batch, 0, rc_tap, t);
    tp_node_close(&c);
    srv_close(&s);
    return err;
}

static void test_a_batch_logged_in_one_run_is_receipted_by_one_entry(void **state)
{
    (void)state;
    rc_tap_t t = {0};
    sink_t k;
    assert_int_equal(push_with_tap(200, 100, &t, &k), NARA_OK);
    assert_int_equal(k.receipts, 200);
    assert_int_equal(t.acks, 2);
    assert_int_equal(t.entries, 2);
    assert_int_equal(t.first_count, 100);
    /* A head (at most 153 bytes), a consistency proof and one range proof of
     * a 237-leaf tree: far less than one 8-hash inclusion proof per event. */
    assert_true(t.bytes < 2 * 1200);
}

static void test_a_receipt_entry_reaching_past_its_batch_is_refused(void **state)
{
    (void)state;
    rc_tap_t t = {.d_count = 1};
    sink_t k;
    assert_int_equal(push_with_tap(50, 50, &t, &k), NARA_PROTOCOL);
    assert_true(t.done);
    assert_int_equal(k.receipts, 0);
}

static void test_a_receipt_entry_naming_other_leaves_is_refused(void **state)
{
    (void)state;
    rc_tap_t t = {.d_leaf = 1};
    sink_t k;
    assert_int_equal(push_with_tap(50, 50, &t, &k), NARA_PROOF);
    assert_true(t.done);
    assert_int_equal(k.receipts, 0);
}

static void test_a_receipt_entry_for_other_batch_positions_is_refused(void **state)
{
    (void)state;
    rc_tap_t t = {.d_index = 1, .d_count = -1}; /* positions 1..49 as leaves of 0..48 */
    sink_t k;
    assert_int_equal(push_with_tap(50, 50, &t, &k), NARA_PROOF);
    assert_true(t.done);
    assert_int_equal(k.receipts, 0);
}

static void test_overlapping_receipt_entries_are_refused(void **state)
{
    (void)state;
    rc_tap_t t = {.overlap = true};
    sink_t k;
    assert_int_equal(push_with_tap(50, 50, &t, &k), NARA_PROTOCOL);
    assert_true(t.done);
    assert_int_equal(k.receipts, 0);
}

static void test_a_receipt_entry_of_no_events_is_refused(void **state)
{
    (void)state;
    rc_tap_t t = {.d_count = -50};
    sink_t k;
    assert_int_equal(push_with_tap(50, 50, &t, &k), NARA_MALFORMED);
    assert_true(t.done);
    assert_int_equal(k.receipts, 0);
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
        cmocka_unit_test(test_a_batch_logged_in_one_run_is_receipted_by_one_entry),
        cmocka_unit_test(test_a_receipt_entry_reaching_past_its_batch_is_refused),
        cmocka_unit_test(test_a_receipt_entry_naming_other_leaves_is_refused),
        cmocka_unit_test(test_a_receipt_entry_for_other_batch_positions_is_refused),
        cmocka_unit_test(test_overlapping_receipt_entries_are_refused),
        cmocka_unit_test(test_a_receipt_entry_of_no_events_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
