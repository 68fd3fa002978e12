/*
 * test_protocol_pipe.c - replicas, a fixed-answer policy and an in-memory
 * pipe for the protocol tests (see test_protocol_pipe.h).  Every helper
 * asserts its own setup steps, so a test only states its behaviour.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "test_protocol_pipe.h"

/* ---- replicas ------------------------------------------------------------ */

void tp_node_open(tp_node_t *n, uint8_t seed_byte)
{
    uint8_t seed[NARA_SEED_BYTES];
    memset(seed, seed_byte, sizeof seed);
    assert_int_equal(nara_keypair_from_seed(seed, &n->kp), NARA_OK);
    assert_int_equal(nara_store_open(":memory:", &n->store), NARA_OK);
}

void tp_node_close(tp_node_t *n)
{
    nara_store_close(n->store);
    nara_keypair_wipe(&n->kp);
    n->store = NULL;
}

/* {"n": i} as canonical msgpack. */
static size_t body(uint8_t out[8], unsigned i)
{
    size_t k = 0;
    out[k++] = 0x81;
    out[k++] = 0xa1;
    out[k++] = 'n';
    if (i < 0x80) {
        out[k++] = (uint8_t)i;
    } else if (i < 0x100) {
        out[k++] = 0xcc;
        out[k++] = (uint8_t)i;
    } else {
        out[k++] = 0xcd;
        out[k++] = (uint8_t)(i >> 8);
        out[k++] = (uint8_t)i;
    }
    return k;
}

void tp_append(tp_node_t *n, const nara_keypair_t *kp, const char *stream, unsigned count)
{
    static unsigned counter;
    for (unsigned i = 0; i < count; i++) {
        uint8_t b[8];
        size_t len = body(b, (counter++) & 0xffff);
        assert_int_equal(
            nara_store_append(n->store, kp, stream, "case.note", b, len, TP_WALL0 + counter, NULL),
            NARA_OK);
    }
}

uint64_t tp_events(tp_node_t *n)
{
    nara_store_counts_t c;
    assert_int_equal(nara_store_counts(n->store, &c), NARA_OK);
    return c.events;
}

bool tp_same_digest(tp_node_t *a, tp_node_t *b)
{
    uint8_t da[NARA_HASH_BYTES], db[NARA_HASH_BYTES];
    assert_int_equal(nara_store_digest(a->store, da), NARA_OK);
    assert_int_equal(nara_store_digest(b->store, db), NARA_OK);
    return memcmp(da, db, sizeof da) == 0;
}

size_t tp_seal(const nara_keypair_t *kp, const char *stream, uint8_t *buf, size_t cap,
               uint8_t id[NARA_ID_BYTES])
{
    nara_event_t ev;
    uint8_t b[8];
    size_t len = 0;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.stream, sizeof ev.stream, "%s", stream);
    snprintf(ev.kind, sizeof ev.kind, "%s", "case.note");
    ev.seq = 1;
    ev.hlc = TP_WALL0 << 16;
    ev.body = b;
    ev.body_len = body(b, 7);
    assert_int_equal(nara_event_seal(&ev, kp, buf, cap, &len), NARA_OK);
    if (id)
        memcpy(id, ev.id, NARA_ID_BYTES);
    return len;
}

/* ---- policy ---------------------------------------------------------------- */

static bool key_in(const uint8_t (*list)[NARA_PUBLICKEY_BYTES], size_t n, const uint8_t *k)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(list[i], k, NARA_PUBLICKEY_BYTES) == 0)
            return true;
    return false;
}

static bool stream_in(const char *const *list, const char *stream)
{
    for (size_t i = 0; i < 4 && list[i]; i++)
        if (strcmp(list[i], stream) == 0)
            return true;
    return false;
}

static nara_err_t pol_admit(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES])
{
    tp_policy_t *p = ctx;
    if (key_in((const uint8_t(*)[NARA_PUBLICKEY_BYTES])p->revoked, p->n_revoked, device))
        return NARA_REVOKED;
    if (p->use_admit_list &&
        !key_in((const uint8_t(*)[NARA_PUBLICKEY_BYTES])p->admitted, p->n_admitted, device))
        return NARA_UNENROLLED;
    return NARA_OK;
}

static bool pol_read(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES],
                     const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    tp_policy_t *p = ctx;
    (void)device;
    (void)author;
    return !stream_in(p->deny_read, stream);
}

static bool pol_push(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES],
                     const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    tp_policy_t *p = ctx;
    (void)device;
    (void)author;
    return !stream_in(p->deny_push, stream);
}

void tp_policy_init(tp_policy_t *p)
{
    memset(p, 0, sizeof *p);
    p->policy = (nara_policy_t){pol_admit, pol_read, pol_push, p};
}

/* ---- pipe ------------------------------------------------------------------ */

void tp_pipe_init(tp_pipe_t *p, nara_session_t *c, nara_session_t *s)
{
    memset(p, 0, sizeof *p);
    p->c = c;
    p->s = s;
    p->wall = TP_WALL0;
    p->budget = SIZE_MAX;
    p->auto_close = true;
}

static void note(tp_pipe_t *p, bool from_client, const uint8_t *msg, size_t len)
{
    unsigned type = len >= 2 ? msg[1] : 0;
    size_t used = strlen(p->trace);
    if (used + 8 < sizeof p->trace)
        snprintf(p->trace + used, sizeof p->trace - used, "%s%c%u", used ? " " : "",
                 from_client ? 'c' : 's', type);
    long *mine = from_client ? &p->inflight_c2s : &p->inflight_s2c;
    long *theirs = from_client ? &p->inflight_s2c : &p->inflight_c2s;
    if (type == 5)
        (*mine)++;
    if (type == 6)
        (*theirs)--;
    if (p->inflight_c2s > p->max_inflight_c2s)
        p->max_inflight_c2s = p->inflight_c2s;
    if (p->inflight_s2c > p->max_inflight_s2c)
        p->max_inflight_s2c = p->inflight_s2c;
}

/* Move everything `from` has to say into `to`.  False if nothing moved. */
static bool drain(tp_pipe_t *p, bool from_client)
{
    static uint8_t copy[NARA_MAX_MESSAGE_BYTES + 64];
    nara_session_t *from = from_client ? p->c : p->s, *to = from_client ? p->s : p->c;
    bool moved = false;
    for (;;) {
        nara_bytes_t m;
        bool has = false;
        if (p->dropped || nara_session_output(from, &m, &has) != NARA_OK || !has)
            return moved;
        if (p->budget == 0) {
            p->dropped = true;
            return moved;
        }
        p->budget--;
        assert_true(m.len <= sizeof copy);
        size_t len = m.len;
        memcpy(copy, m.bytes, len);
        if (p->tap)
            p->tap(p->tap_ctx, from_client, copy, &len, sizeof copy);
        note(p, from_client, copy, len);
        p->delivered++;
        moved = true;
        nara_err_t err = nara_session_receive(to, copy, len, p->wall++);
        if (err != NARA_OK)
            *(from_client ? &p->s_last_err : &p->c_last_err) = err;
    }
}

size_t tp_pump(tp_pipe_t *p)
{
    size_t before = p->delivered;
    for (;;) {
        bool moved = drain(p, true);
        if (p->auto_close && !p->dropped && nara_session_done(p->c)) {
            assert_int_equal(nara_session_close(p->c), NARA_OK);
            moved |= drain(p, true);
        }
        moved |= drain(p, false);
        if (!moved || p->dropped)
            return p->delivered - before;
    }
}

nara_session_options_t tp_options(uint8_t tag, uint8_t seed[NARA_NONCE_BYTES])
{
    nara_session_options_t o;
    memset(&o, 0, sizeof o);
    memset(seed, tag, NARA_NONCE_BYTES);
    o.nonce_seed = seed;
    return o;
}

void tp_session(tp_pipe_t *p, tp_node_t *client, tp_node_t *server, tp_policy_t *pol,
                const nara_session_options_t *copt, const nara_session_options_t *sopt,
                size_t budget)
{
    nara_session_t *c = NULL, *s = NULL;
    assert_int_equal(nara_session_client_new(client->store, &client->kp, copt, &c), NARA_OK);
    assert_int_equal(nara_session_server_new(server->store, &server->kp, &pol->policy, sopt, &s),
                     NARA_OK);
    tp_pipe_init(p, c, s);
    p->budget = budget;
    assert_int_equal(nara_session_start(c, TP_WALL0), NARA_OK);
    tp_pump(p);
}

void tp_pipe_free(tp_pipe_t *p)
{
    nara_session_free(p->c);
    nara_session_free(p->s);
    p->c = p->s = NULL;
}
