/*
 * netbench.h - what the sync benchmarks share: a real narad started as a
 * child process on 127.0.0.1, and many sync clients in this process, each a
 * nara_session_t driven over its own libwebsockets connection (the same
 * shape as client/src/sync.c, without retries: a benchmark connection that
 * fails is an error).
 *
 * Lifetimes: a bn_t owns one lws context for all its clients; a client
 * (bn_client_t, caller-allocated, zeroed) owns its session and buffers from
 * bn_connect until it has closed (closed == true), and borrows its store and
 * key for that time.  Single-threaded: everything runs in bn_service.
 */
#ifndef NARA_BENCH_NET_H
#define NARA_BENCH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nara_event.h"
#include "nara_protocol.h"
#include "nara_store.h"

/* ---- narad ---------------------------------------------------------------- */

typedef struct {
    pid_t pid;
    int port;
    uint8_t pk[NARA_PUBLICKEY_BYTES]; /* the server's key */
    char log[4096];                   /* its stderr */
} bn_narad_t;

/* Start `narad serve --plain` on 127.0.0.1, any free port, on the replica
 * `db` (created if missing) with a fresh key in dir, the given root and
 * extra arguments (NULL-terminated list, may be NULL).  Waits until it
 * listens; dies on failure. */
void bn_narad_start(bn_narad_t *n, const char *narad, const char *dir, const char *db,
                    const uint8_t root[NARA_PUBLICKEY_BYTES], const char *const *extra);
/* SIGTERM and wait; returns its exit status (0 on a clean stop). */
int bn_narad_stop(bn_narad_t *n);
/* CPU seconds (user + system) the server has used so far. */
double bn_narad_cpu(const bn_narad_t *n);

/* ---- clients -------------------------------------------------------------- */

typedef struct bn_client {
    /* set by the caller before bn_connect */
    nara_store_t *store;
    const nara_keypair_t *kp;
    bool live; /* stay connected after the sync (a watching device) */
    /* results */
    bool connected, synced, done, closed, failed;
    nara_err_t err;
    double t_start, t_synced, t_done; /* bench_now() at connect, SYNCED, done */
    nara_session_stats_t stats;       /* final (or current) session counters */
    uint64_t wire_in, wire_out;       /* message bytes + WebSocket frame headers */
    /* private */
    struct lws *wsi;
    nara_session_t *s;
    uint8_t *rx, *tx;
    size_t rx_len;
    bool closing;
} bn_client_t;

typedef struct {
    struct lws_context *ctx;
    int port;
    unsigned open; /* connections not yet closed */
} bn_t;

/* A client context for up to max_conns connections to 127.0.0.1:port. */
void bn_init(bn_t *n, int port, unsigned max_conns);
void bn_free(bn_t *n);
/* Start connecting c (one-shot unless c->live). */
void bn_connect(bn_t *n, bn_client_t *c);
/* Close a live client (BYE) at the next chance. */
void bn_close(bn_t *n, bn_client_t *c);
/* Service the connections until pred(ctx) is true or timeout_s passes;
 * returns pred's last value. */
bool bn_run(bn_t *n, bool (*pred)(void *ctx), void *ctx, double timeout_s);

#endif /* NARA_BENCH_NET_H */
