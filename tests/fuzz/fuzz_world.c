/*
 * fuzz_world.c - the fixed world of the session fuzzers (fuzz_world.h).
 *
 * Client replica: the device's feed "32.01" (3 events) and "x.1" (1 event,
 * which the policy refuses to accept from a push).  Server replica: the
 * server's feed "province" (2 events), a third author's "32.02" (1 event)
 * and the server's "x.2" (1 event, which the policy hides from reads).
 * Batches of at most 2 events, window 2: so a session has several batches,
 * acknowledgements in flight, one refusal and one hidden feed.
 */
#include "fuzz_world.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define FW_MAX_EVENTS 8

typedef struct {
    uint8_t bytes[512];
    size_t len;
} fw_event_t;

static struct {
    bool ready;
    nara_keypair_t device, server, third;
    nara_policy_t policy;
    uint8_t client_nonce[NARA_NONCE_BYTES], server_nonce[NARA_NONCE_BYTES];
    fw_event_t events[2][FW_MAX_EVENTS]; /* [server side?] */
    size_t n_events[2];
} w;

static void need(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_world: %s failed\n", what);
        abort();
    }
}

static nara_err_t admit(void *ctx, const uint8_t d[NARA_PUBLICKEY_BYTES])
{
    (void)ctx;
    return d[0] & 1 ? NARA_UNENROLLED : NARA_OK;
}

static bool allow(void *ctx, const uint8_t d[NARA_PUBLICKEY_BYTES],
                  const uint8_t a[NARA_PUBLICKEY_BYTES], const char *stream)
{
    (void)ctx;
    (void)d;
    (void)a;
    return stream[0] != 'x';
}

static void key(uint8_t byte, nara_keypair_t *kp)
{
    uint8_t seed[NARA_SEED_BYTES];
    memset(seed, byte, sizeof seed);
    need(nara_keypair_from_seed(seed, kp) == NARA_OK, "keypair");
}

/* Append `count` events to kp's feed `stream` in a scratch store. */
static void append(nara_store_t *st, const nara_keypair_t *kp, const char *stream, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uint8_t body[] = {0x81, 0xa1, 'n', (uint8_t)(i + 1)}; /* {"n": i+1} */
        need(nara_store_append(st, kp, stream, "case.note", body, sizeof body, FW_WALL + i, NULL) ==
                 NARA_OK,
             "append");
    }
}

/* Copy every event of a scratch store into the world's list for one side. */
static void collect(nara_store_t *st, bool server)
{
    nara_iter_t *it = NULL;
    nara_bytes_t ev;
    bool has = true;
    need(nara_store_iter_missing(st, NULL, NULL, NULL, &it) == NARA_OK, "iter");
    while (nara_iter_next(it, &ev, &has) == NARA_OK && has) {
        fw_event_t *e = &w.events[server][w.n_events[server]++];
        need(w.n_events[server] <= FW_MAX_EVENTS && ev.len <= sizeof e->bytes, "event size");
        memcpy(e->bytes, ev.bytes, ev.len);
        e->len = ev.len;
    }
    nara_iter_free(it);
}

void fw_init(void)
{
    nara_store_t *st = NULL;
    if (w.ready)
        return;
    key(0x01, &w.device);
    key(0x02, &w.server);
    key(0x03, &w.third);
    memset(w.client_nonce, 0xc1, sizeof w.client_nonce);
    memset(w.server_nonce, 0x5e, sizeof w.server_nonce);
    w.policy = (nara_policy_t){admit, allow, allow, NULL};

    need(nara_store_open(":memory:", &st) == NARA_OK, "scratch store");
    append(st, &w.device, "32.01", 3);
    append(st, &w.device, "x.1", 1);
    collect(st, false);
    nara_store_close(st);

    need(nara_store_open(":memory:", &st) == NARA_OK, "scratch store");
    append(st, &w.server, "province", 2);
    append(st, &w.third, "32.02", 1);
    append(st, &w.server, "x.2", 1);
    collect(st, true);
    nara_store_close(st);
    w.ready = true;
}

const nara_keypair_t *fw_key(bool server)
{
    fw_init();
    return server ? &w.server : &w.device;
}

const nara_policy_t *fw_policy(void)
{
    fw_init();
    return &w.policy;
}

/* A new store holding the starting events of one side. */
static nara_store_t *build(bool server)
{
    nara_store_t *st = NULL;
    nara_bytes_t in[FW_MAX_EVENTS];
    nara_outcome_t out[FW_MAX_EVENTS];
    nara_merge_stats_t stats;
    size_t n = 0;
    fw_init();
    need(nara_store_open(":memory:", &st) == NARA_OK, "store");
    nara_store_set_verify_mode(st, NARA_VERIFY_CHAIN); /* one check per feed: cheaper setup */
    for (size_t i = 0; i < w.n_events[server]; i++)
        in[n++] = (nara_bytes_t){w.events[server][i].bytes, w.events[server][i].len};
    need(n > 0 && nara_store_merge(st, in, n, FW_WALL, out, &stats) == NARA_OK && stats.added == n,
         "starting events");
    return st;
}

nara_store_t *fw_store(bool server, unsigned mode)
{
    nara_store_t *st = build(server);
    nara_store_set_verify_mode(st, mode & FW_CHAIN ? NARA_VERIFY_CHAIN : NARA_VERIFY_EACH);
    return st;
}

nara_store_t *fw_store_reset(bool server, unsigned mode)
{
    static nara_store_t *template[2], *work[2];
    fw_init();
    if (!template[server])
        template[server] = build(server);
    if (!work[server])
        work[server] = build(server);
    /* Page-for-page copy of the template: same content, clock and counters.
     * The store has no open statement between calls, so nothing is locked. */
    sqlite3_backup *b = sqlite3_backup_init(nara__store_db(work[server]), "main",
                                            nara__store_db(template[server]), "main");
    need(b != NULL, "backup init");
    need(sqlite3_backup_step(b, -1) == SQLITE_DONE, "backup step");
    need(sqlite3_backup_finish(b) == SQLITE_OK, "backup finish");
    nara_store_set_verify_mode(work[server],
                               mode & FW_CHAIN ? NARA_VERIFY_CHAIN : NARA_VERIFY_EACH);
    return work[server];
}

nara_session_t *fw_session(bool server, nara_store_t *store, unsigned mode)
{
    nara_session_t *s = NULL;
    nara_session_options_t opt = {
        .max_batch_events = 2,
        .window = 2,
        .max_message_bytes = FW_MAX_MESSAGE,
        .live = (mode & FW_LIVE) != 0,
        .expected_server_pk = !server && (mode & FW_PIN) ? w.server.pk : NULL,
        .nonce_seed = server ? w.server_nonce : w.client_nonce,
    };
    fw_init();
    if (server)
        need(nara_session_server_new(store, &w.server, &w.policy, &opt, &s) == NARA_OK,
             "server session");
    else
        need(nara_session_client_new(store, &w.device, &opt, &s) == NARA_OK, "client session");
    return s;
}

/* Deliver everything `from` has to say to `to`, recording it. */
static bool pump_one(nara_session_t *from, nara_session_t *to, bool from_client, fw_msg_t *out,
                     size_t cap, size_t *n)
{
    nara_bytes_t m;
    bool has = true, any = false;
    while (nara_session_output(from, &m, &has) == NARA_OK && has) {
        need(*n < cap, "transcript size");
        out[*n].from_client = from_client;
        out[*n].len = m.len;
        out[*n].bytes = malloc(m.len ? m.len : 1);
        need(out[*n].bytes != NULL, "malloc");
        memcpy(out[*n].bytes, m.bytes, m.len);
        (*n)++;
        (void)nara_session_receive(to, m.bytes, m.len, FW_WALL);
        any = true;
    }
    return any;
}

size_t fw_transcript(unsigned mode, fw_msg_t *out, size_t cap)
{
    nara_store_t *cs = fw_store(false, mode), *ss = fw_store(true, mode);
    nara_session_t *c = fw_session(false, cs, mode), *s = fw_session(true, ss, mode);
    size_t n = 0;
    need(nara_session_start(c, FW_WALL) == NARA_OK, "start");
    for (int round = 0; round < 1000; round++) {
        bool any = pump_one(c, s, true, out, cap, &n);
        any |= pump_one(s, c, false, out, cap, &n);
        if (nara_session_done(c) && nara_session_state(c) != NARA_SESSION_CLOSED) {
            need(nara_session_close(c) == NARA_OK, "close");
            continue;
        }
        if (!any)
            break;
    }
    nara_session_free(c);
    nara_session_free(s);
    nara_store_close(cs);
    nara_store_close(ss);
    return n;
}

void fw_transcript_free(fw_msg_t *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(msgs[i].bytes);
}
