/*
 * fuzz_session.c - libFuzzer harness for one side of the sync session,
 * built twice by tests/fuzz/CMakeLists.txt: fuzz_session_server (FUZZ_SERVER
 * = 1, a server session fed what a client would send) and
 * fuzz_session_client (FUZZ_SERVER = 0, the reverse).
 *
 * Input: one mode byte (FW_* bits in fuzz_world.h), then messages, each
 * prefixed by a 2-byte big-endian length (a length past the end takes what
 * is left).  A zero length is not a message but a local write: the harness
 * appends an event to the side's own feed and calls log_grew, so live
 * sessions send while the peer talks.
 *
 * With FW_AUTH the harness first replays the peer's two handshake messages
 * recorded from a real session of the fixed world (fuzz_world.c), so every
 * input starts authenticated and the fuzzer spends its time on EVENTS, ACK,
 * SYNCED, ERROR and BYE; without it the input drives the handshake itself
 * (the seed corpus holds whole recorded sessions, which authenticate
 * because nonces and keys are fixed).
 *
 * Every input starts from the same replica (the world's starting events,
 * restored page for page by fw_store_reset), so a run depends on its input
 * only and every crash reproduces.
 *
 * Invariants checked (abort on violation):
 *  1. Once FAILED or CLOSED, receive returns NARA_CLOSED.
 *  2. A session hands out at most one message after it failed (its ERROR).
 *  3. Nothing reaches the store before authentication: while the session
 *     has never been SYNCING or SYNCED, the store's counts do not change.
 *  4. Every output message fits our message limit (whatever limits the peer
 *     announced); output terminates.
 *  5. Stats agree: added <= received, acknowledged <= sent.
 *  6. After the input, every feed of the replica is a valid chain: seq
 *     1..head, each event decodes and links onto the one before.
 *  7. After nara_session_close and output, the session is CLOSED (or
 *     FAILED); log_grew and close answer OK, or NARA_CLOSED once ended.
 *  8. With FW_AUTH, the replayed handshake authenticates (else the harness
 *     itself is broken: abort).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_world.h"

#ifndef FUZZ_SERVER
#error "FUZZ_SERVER must be 0 (client side) or 1 (server side)"
#endif

#define SIDE_SERVER (FUZZ_SERVER != 0)

static fw_msg_t handshake[FW_HANDSHAKE_MSGS];

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_session: invariant broken: %s\n", what);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keep the peer's first messages of a real session (mode 0: the handshake
 * does not depend on the mode bits). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fw_msg_t all[256];
    size_t n, k = 0;
    (void)argc;
    (void)argv;
    n = fw_transcript(0, all, 256);
    for (size_t i = 0; i < n && k < FW_HANDSHAKE_MSGS; i++) {
        if (all[i].from_client != SIDE_SERVER)
            continue;
        handshake[k] = all[i];
        all[i].bytes = NULL; /* moved */
        k++;
    }
    check(k == FW_HANDSHAKE_MSGS, "recorded handshake");
    fw_transcript_free(all, n);
    return 0;
}

typedef struct {
    nara_session_t *s;
    nara_store_t *store;
    nara_store_counts_t start;
    bool authed;         /* has been SYNCING or SYNCED */
    unsigned after_fail; /* messages output while FAILED */
} run_t;

static bool ended(nara_session_state_t st)
{
    return st == NARA_SESSION_FAILED || st == NARA_SESSION_CLOSED;
}

static void note_state(run_t *r)
{
    nara_session_state_t st = nara_session_state(r->s);
    if (st == NARA_SESSION_SYNCING || st == NARA_SESSION_SYNCED)
        r->authed = true;
}

static void drain(run_t *r)
{
    nara_bytes_t m;
    bool has = true;
    int n = 0;
    for (;;) {
        bool failed = nara_session_state(r->s) == NARA_SESSION_FAILED;
        nara_err_t err = nara_session_output(r->s, &m, &has);
        if (err != NARA_OK) {
            check(err == NARA_CLOSED && ended(nara_session_state(r->s)), "output error");
            break;
        }
        if (!has)
            break;
        check(m.len > 0 && m.len <= FW_MAX_MESSAGE, "message size");
        if (failed && ++r->after_fail > 1)
            check(false, "more than one message after failure");
        check(++n <= 10000, "output terminates");
        note_state(r);
    }
    note_state(r);
}

static void same_counts(const run_t *r)
{
    nara_store_counts_t c;
    check(nara_store_counts(r->store, &c) == NARA_OK, "counts");
    check(memcmp(&c, &r->start, sizeof c) == 0, "store changed before authentication");
}

/* A zero-length "message": the local log grows. */
static void local_append(run_t *r)
{
    static const uint8_t body[] = {0x81, 0xa1, 'n', 0x07}; /* {"n": 7} */
    nara_err_t err =
        nara_store_append(r->store, fw_key(SIDE_SERVER), SIDE_SERVER ? "province" : "32.01",
                          "case.note", body, sizeof body, FW_WALL, NULL);
    check(err == NARA_OK, "local append");
    err = nara_session_log_grew(r->s);
    check(err == NARA_OK || (err == NARA_CLOSED && ended(nara_session_state(r->s))), "log_grew");
    drain(r);
}

static void receive(run_t *r, const uint8_t *msg, size_t len, unsigned mode)
{
    nara_session_state_t before = nara_session_state(r->s);
    nara_err_t err = nara_session_receive(r->s, msg, len, FW_WALL);
    if (ended(before))
        check(err == NARA_CLOSED, "receive after the end");
    if (err != NARA_OK)
        check(ended(nara_session_state(r->s)), "error without failing");
    note_state(r);
    if (!r->authed)
        same_counts(r);
    if (mode & FW_GROW) {
        err = nara_session_log_grew(r->s);
        check(err == NARA_OK || (err == NARA_CLOSED && ended(nara_session_state(r->s))),
              "log_grew");
    }
    drain(r);
}

/* Invariant 6: every feed is seq 1..head, each event linking onto the last. */
static void check_chains(nara_store_t *st)
{
    nara_iter_t *it = NULL;
    nara_bytes_t b;
    bool has = true;
    nara_event_t ev, prev;
    bool have_prev = false;
    check(nara_store_iter_missing(st, NULL, NULL, NULL, &it) == NARA_OK, "iter");
    while (nara_iter_next(it, &b, &has) == NARA_OK && has) {
        check(nara_event_decode(b.bytes, b.len, &ev) == NARA_OK, "stored event decodes");
        bool same_feed = have_prev && memcmp(ev.author, prev.author, NARA_PUBLICKEY_BYTES) == 0 &&
                         strcmp(ev.stream, prev.stream) == 0;
        if (same_feed) {
            uint8_t link[NARA_HASH_BYTES];
            nara_event_link(&prev, link);
            check(ev.seq == prev.seq + 1 && ev.has_prev &&
                      memcmp(ev.prev, link, NARA_HASH_BYTES) == 0,
                  "feed links");
        } else {
            check(ev.seq == 1 && !ev.has_prev, "feed starts at 1");
        }
        prev = ev;
        have_prev = true;
    }
    check(!has, "iteration completes");
    nara_iter_free(it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_t r = {0};
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    r.store = fw_store_reset(SIDE_SERVER, mode);
    check(nara_store_counts(r.store, &r.start) == NARA_OK, "counts");
    r.s = fw_session(SIDE_SERVER, r.store, mode);
    if (!SIDE_SERVER && !(mode & FW_NOSTART))
        check(nara_session_start(r.s, FW_WALL) == NARA_OK, "start");
    drain(&r);
    if (mode & FW_AUTH) {
        for (size_t i = 0; i < FW_HANDSHAKE_MSGS; i++)
            receive(&r, handshake[i].bytes, handshake[i].len, mode);
        check(r.authed || (!SIDE_SERVER && (mode & FW_NOSTART)), "replayed handshake");
    }
    for (size_t i = 1; i + 2 <= size;) {
        size_t len = (size_t)data[i] << 8 | data[i + 1];
        i += 2;
        if (len > size - i)
            len = size - i;
        if (len == 0 && r.authed)
            local_append(&r);
        else
            receive(&r, data + i, len, mode);
        i += len;
    }
    if (mode & FW_CLOSE) {
        nara_err_t err = nara_session_close(r.s);
        check(err == NARA_OK || (err == NARA_CLOSED && ended(nara_session_state(r.s))), "close");
        drain(&r);
        check(ended(nara_session_state(r.s)), "closed after close and output");
    }
    const nara_session_stats_t *st = nara_session_stats(r.s);
    check(st->events_added <= st->events_received, "added <= received");
    check(st->events_acked <= st->events_sent, "acked <= sent");
    if (r.authed)
        check_chains(r.store);
    nara_session_free(r.s);
    return 0;
}
