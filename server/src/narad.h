/*
 * narad.h - what the files of narad share: its configuration, the server
 * (the per-vhost state), the per-connection state, and the internal
 * functions each file provides (narad__ prefix).  Nothing here is public.
 *
 * Lifetimes:
 *  - narad_t (the "per-vhost" struct): one per process, owned by main's
 *    serve command; it outlives the lws context, the store and the domain it
 *    holds.  lws finds it through the context user pointer.
 *  - narad_conn_t (the "per-session" struct of the nara-sync.v1 protocol):
 *    zeroed and owned by lws, from LWS_CALLBACK_ESTABLISHED to
 *    LWS_CALLBACK_CLOSED; everything it points to (session, buffers) is
 *    freed in CLOSED, and it is on the server's connection list exactly in
 *    between.
 *  - narad_http_t: one HTTP transaction (lws per-session data of the
 *    "http" protocol).
 *
 * Invariants:
 *  1. Single-threaded: every callback, the policy and the store run on the
 *     lws service thread.
 *  2. A connection's receive is paused from each whole message it sent
 *     until everything that message caused has been written, so the memory
 *     a peer can make the server hold is bounded by one message each way
 *     (plus what lws buffers of a partial send).
 */
#ifndef NARAD_H
#define NARAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "nara_domain.h"
#include "nara_protocol.h"
#include "nara_store.h"
#include "nara_tlog.h"

#define NARAD_SUBPROTOCOL "nara-sync.v1"
#define NARAD_SYNC_PATH "/sync"
#define NARAD_DEFAULT_PORT 7300
#define NARAD_DEFAULT_MAX_CONNECTIONS 2048u
#define NARAD_DEFAULT_MAX_PER_IP 64u /* open connections from one address */
#define NARAD_DEFAULT_CONN_RATE 20u  /* new connections a second from one address */
#define NARAD_HANDSHAKE_TIMEOUT_S 10 /* connect to WELCOME */
#define NARAD_IDLE_TIMEOUT_S 120     /* silence allowed while still syncing */
#define NARAD_PING_AFTER_S 30        /* live sessions: ping when idle this long */
#define NARAD_HANGUP_AFTER_S 75      /* ... and hang up without a pong by then */
#define NARAD_DRAIN_MS 3000u         /* SIGTERM: time given to say BYE */
#define NARAD_RX_CHUNK 16384u        /* lws receive chunk per callback */
#define NARAD_BUF_KEEP 65536u        /* buffer size kept between messages */
/* A connection's first message (before HELLO, which is 71 bytes): larger is
 * closed with 1009 at once; later messages may take NARA_MAX_MESSAGE_BYTES. */
#define NARAD_FIRST_MESSAGE_MAX 256u
/* The second (AUTH, before the device is authenticated) carries a signature,
 * limits and the device's version vector, at most 112 bytes a feed: it may
 * take NARAD_AUTH_BASE bytes plus 112 per feed the province holds and per
 * NARAD_AUTH_SPARE_FEEDS more (feeds a device holds that the province has
 * not seen yet), so an unauthenticated peer cannot make narad hold 1 MiB. */
#define NARAD_AUTH_BASE (16u * 1024u)
#define NARAD_AUTH_SPARE_FEEDS 256u

/* Exit codes (docs/server.md). */
#define NARAD_EXIT_OK 0
#define NARAD_EXIT_RUNTIME 1 /* store, key, domain or socket failure */
#define NARAD_EXIT_USAGE 2   /* bad command line */

typedef struct {
    const char *db, *key, *regions, *listen, *port_file, *tls_cert, *tls_key;
    uint8_t root[NARA_PUBLICKEY_BYTES];
    int port;
    bool plain;
    nara_verify_mode_t verify;
    unsigned max_connections;
    unsigned max_per_ip; /* 0: no limit */
    unsigned conn_rate;  /* 0: no limit */
    int verbose;
} narad_config_t;

/* One enrolled device as the policy sees it. */
typedef struct {
    uint8_t pk[NARA_PUBLICKEY_BYTES];
    nara_role_t role;
    bool revoked;
    char *scope; /* "*" or comma-separated region codes; owned */
} narad_dev_t;

/* Devices from nara_domain_devices, sorted by key, rebuilt lazily when the
 * log generation moved since the last build. */
typedef struct {
    narad_dev_t *v;
    size_t n;
    uint64_t built_gen;
    bool valid;
} narad_devcache_t;

typedef struct {
    uint64_t sessions_total;
    uint64_t events_received, events_added, events_rejected;
    uint64_t bytes_in, bytes_out;
    uint64_t auth_failures;
    uint64_t refused_connections;
    uint64_t live_wakes; /* live sessions told the log grew (push_live) */
    double receive_seconds_max; /* slowest nara_session_receive so far */
} narad_metrics_t;

typedef struct narad_conn narad_conn_t;

/* guard.c: one address (IPv4, or IPv6 /64) and its connections. */
typedef struct {
    uint8_t key[16];
    uint32_t conns;       /* open connections (accepted, not yet destroyed) */
    uint64_t mtokens;     /* rate bucket, in thousandths of a connection */
    uint64_t refill_ms;   /* 0: the bucket is full */
    uint64_t last_ms;     /* last accept or close: least recently used goes first */
    uint64_t last_log_ms; /* last refusal logged */
    uint32_t unlogged;    /* refusals since then */
    uint8_t why;          /* the last refusal's reason */
} narad_guard_slot_t;

/* More slots than lws can hold sockets (max_connections + 64), so a slot
 * without open connections is always there to reuse. */
#define NARAD_GUARD_SLOTS(max_conns) ((size_t)(max_conns) + 1024u)

typedef struct {
    narad_guard_slot_t *slots;
    size_t n, cap;
} narad_guard_t;

typedef struct {
    narad_config_t cfg;
    nara_keypair_t kp;
    nara_store_t *store;
    nara_domain_t *domain;
    nara_regions_t *regions; /* NULL: the built-in list */
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    lws_sorted_usec_list_t tick;
    narad_conn_t *conns; /* connected sync sessions */
    size_t n_conns;
    uint64_t log_gen; /* bumped whenever a merge added events */
    narad_devcache_t devs;
    narad_metrics_t m;
    nara_tlog_t *tlog;       /* receipts.c: the transparency log, signed with kp */
    nara_log_provider_t log; /* what sessions show heads and receipts from */
    bool key_checked, key_enrolled; /* kp enrolled as server in the log */
    narad_guard_t guard;
    bool draining;
} narad_t;

struct narad_conn {
    narad_conn_t *prev, *next;
    struct lws *wsi;
    narad_t *srv;
    nara_session_t *session;
    nara_policy_t policy; /* ctx = this connection */
    uint8_t *rx;          /* message being reassembled */
    size_t rx_len, rx_cap;
    size_t auth_max; /* the AUTH limit, once computed (0 before) */
    bool rx_overflow;
    uint8_t *tx; /* LWS_PRE + the message being written */
    size_t tx_cap;
    bool rx_paused;
    bool has_device; /* the key that passed the signature check */
    uint8_t device[NARA_PUBLICKEY_BYTES];
    nara_err_t refused; /* admit's answer if it refused */
    const char *why;    /* why the server closed it, if not the session's end */
    uint64_t added_seen, received_seen, rejected_seen, bytes_in_seen, bytes_out_seen;
    uint64_t started_ms, last_ms; /* connected; last message in or out */
    char peer[64];
};

/* One HTTP transaction. */
#define NARAD_HTTP_BODY_MAX 4096
typedef struct {
    size_t len;
    uint8_t buf[LWS_PRE + NARAD_HTTP_BODY_MAX]; /* body at buf + LWS_PRE */
} narad_http_t;

/* ---- serve.c ---- */
uint64_t narad__now_ms(void);
int narad__serve(const narad_config_t *cfg);

/* ---- guard.c: per-address connection limits (--max-per-ip, --conn-rate) ---- */
int narad__guard_init(narad_guard_t *g, unsigned max_connections);
void narad__guard_free(narad_guard_t *g);
/* FILTER_NETWORK_CONNECTION: 0 to admit the accepted socket, 1 to refuse it
 * (counted in refused_connections; the first refusal of a second per
 * address is logged, the others counted and logged by narad__guard_tick). */
int narad__guard_accept(narad_t *srv, int fd);
/* Every 250 ms: log the refusals counted but not logged (invariant 3). */
void narad__guard_tick(narad_t *srv);
/* SERVER_NEW_CLIENT_INSTANTIATED: count the connection against its address. */
void narad__guard_bind(narad_t *srv, struct lws *wsi);
/* The connection sent an HTTP request or a WebSocket upgrade. */
void narad__guard_requested(struct lws *wsi);
/* WSI_DESTROY: uncount it; log it if lws cut it off before any request. */
void narad__guard_release(narad_t *srv, struct lws *wsi);

/* ---- sync.c: the nara-sync.v1 protocol callback ---- */
int narad__sync_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);
/* SIGTERM: queue BYE on every session and ask to write it. */
void narad__sync_drain(narad_t *srv);

/* ---- http.c: the http protocol callback (/healthz, /metrics) ---- */
int narad__http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);

/* ---- receipts.c: transparency log, server key enrolment, export-bundle ---- */
/* Attach the log (signing heads with srv->kp) and check the key's
 * enrolment; -1 after logging why it failed. */
int narad__tlog_open(narad_t *srv);
/* Log loudly at start if the key is not enrolled as server, and once when
 * it becomes so.  Cheap once enrolled. */
void narad__tlog_check_key(narad_t *srv);
/* `narad export-bundle ...`: returns the exit code. */
int narad__cmd_export(int argc, char **argv);

/* ---- policy.c ---- */
void narad__policy_init(narad_conn_t *c);
/* May `device` read `stream` now (enrolments as of the latest merge)? */
bool narad__may_read_stream(narad_t *srv, const uint8_t device[NARA_PUBLICKEY_BYTES],
                            const char *stream);
void narad__devcache_free(narad_devcache_t *dc);

/* ---- log.c ---- */
void narad__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* First 8 bytes of a key as 16 hex digits. */
void narad__short_hex(const uint8_t pk[NARA_PUBLICKEY_BYTES], char out[17]);

#endif /* NARAD_H */
