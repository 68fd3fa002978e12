/*
 * sync.h - one client sync over a libwebsockets connection (sync.c): the
 * transport around the pure session state machine of nara_protocol.h.
 *
 * A run connects to ws[s]://HOST:PORT/PATH with subprotocol "nara-sync.v1",
 * moves whole binary messages between the socket and a client session, and
 * ends when the session is done (one-shot) or, with `watch`, stays connected,
 * pushes local appends made by other processes and reconnects after a drop
 * with a jittered exponential backoff (a constant table, 1 s doubling to
 * 60 s, +-20 %), reset after a successful sync.  A permanent refusal
 * (nara_exit_for() == NARA_EXIT_REFUSED) or a local storage error stops it;
 * SIGINT/SIGTERM close the session cleanly and stop it.
 *
 * The run does not attach the domain to the store: other `nara` processes
 * fold what it merged when they open the replica (nara_domain_open catches
 * up), so no in-memory fold state can go stale across processes.
 */
#ifndef NARA_SYNC_H
#define NARA_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "msgs.h"
#include "nara_protocol.h"

#define NARA_SYNC_SUBPROTOCOL "nara-sync.v1"
#define NARA_SYNC_PATH "/sync"

typedef struct {
    char host[256];
    int port;
    char path[256];
    bool tls;
} nara_url_t;

/* Parse "ws://HOST[:PORT][/PATH]" or "wss://...".  Default port 80 / 443,
 * default path NARA_SYNC_PATH.  Returns false with *why, the catalogued
 * message (msgs.h) that names what is wrong (its argument: s). */
bool nara_url_parse(const char *s, nara_url_t *u, nara_msg_id_t *why);

typedef struct {
    /* The server proved it holds `pk` (once per connection). */
    void (*authenticated)(void *ctx, const uint8_t pk[NARA_PUBLICKEY_BYTES]);
    /* The session caught up with nothing unacknowledged.  `told` is the
     * local vector as it was when the session was last told about the log
     * (start or log_grew); `refused` how many events the peer refused in
     * this connection so far. */
    void (*synced)(void *ctx, const nara_vv_t *told, uint64_t refused);
    /* The tree head to pin for the next connection (asked before each one):
     * true with *out filled, false for none. */
    bool (*last_head)(void *ctx, nara_tree_head_t *out);
    void *ctx;
} nara_sync_hooks_t;

typedef struct {
    nara_url_t url;
    bool insecure;       /* wss: accept any certificate (tests only) */
    const char *ca;      /* wss: CA file, NULL = system store */
    bool watch;
    bool progress;       /* progress lines on stderr */
    bool verbose;        /* libwebsockets' own log on stderr */
    bool have_expected;
    uint8_t expected[NARA_PUBLICKEY_BYTES]; /* the server key to require */
    nara_sync_hooks_t hooks;
    const nara_receipt_sink_t *receipts; /* verified heads and receipts; NULL: not kept */
} nara_sync_opts_t;

#define NARA_SYNC_REFUSED_KEEP 1024

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    nara_err_t code;
} nara_sync_refused_t;

typedef struct {
    nara_session_stats_t total; /* summed over every connection */
    uint64_t connections;       /* connections established */
    uint64_t syncs;             /* times the session caught up */
    bool done;                  /* one-shot: finished cleanly */
    bool interrupted;           /* SIGINT / SIGTERM */
    nara_err_t err;             /* the last failure, NARA_OK if none */
    char err_text[256];         /* in English (--json, settings) */
    char err_local[320];        /* the same in the environment's language */
    char err_id[320];           /* the same in Indonesian (settings) */
    bool server_proven;
    uint8_t server_pk[NARA_PUBLICKEY_BYTES];
    nara_sync_refused_t refused[NARA_SYNC_REFUSED_KEEP];
    size_t n_refused;           /* kept */
    uint64_t refused_total;     /* including those not kept */
} nara_sync_result_t;

/* Run the sync as described above.  Fills *r; returns NARA_OK when the run
 * ended as asked (one-shot done, or watch interrupted), else r->err. */
nara_err_t nara_sync_run(nara_store_t *store, const nara_keypair_t *kp,
                         const nara_sync_opts_t *o, nara_sync_result_t *r);

#endif /* NARA_SYNC_H */
