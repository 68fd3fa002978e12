/*
 * wsclient.h - in-process sync clients for the server reliability tests: a
 * small libwebsockets client driving a nara_session_t over the client's own
 * store, one connection per session, several clients per lws context.
 *
 * Each client knows exactly which of its events narad acknowledged: every
 * EVENTS message it sends is parsed (batch number, the id of each event)
 * and every ACK it receives marks the events of that batch, except those the
 * ACK lists as refused, as acknowledged.  narad sends an ACK only after the
 * merge committed, so `acked` is what must survive any crash.
 *
 * For hostile tests a client can also record what its session sent, rewrite
 * each outgoing message (tamper), or run with no session at all and send
 * what a script returns (script).
 *
 * Lifetimes: the client owns its store, its domain (if any), its session and
 * its buffers; wc_client_free frees them.  A session lives from wc_connect
 * to the next wc_connect or wc_client_free, so its counters and error can be
 * read after the connection closed.
 */
#ifndef NARA_WSCLIENT_H
#define NARA_WSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "nara_domain.h"
#include "nara_protocol.h"
#include "proc.h"

#define WC_WINDOW_RING 16 /* in-flight batches tracked (window is 4) */
#define WC_RECORD_MAX 16  /* messages kept when recording */

typedef struct wc_client wc_client_t;

/* Script mode: called with msg NULL when connected, then with every
 * message received.  Queue messages with wc_send; return non-zero to close. */
typedef int (*wc_script_fn)(wc_client_t *c, const uint8_t *msg, size_t len);

/* Tamper hook: the session produced msg (len bytes, in a buffer of cap
 * bytes that may be rewritten in place); return the length to send. */
typedef size_t (*wc_tamper_fn)(wc_client_t *c, uint8_t *msg, size_t len, size_t cap);

typedef struct {
    uint64_t batch_no;
    size_t n;
    uint8_t (*ids)[NARA_ID_BYTES];
} wc_flight_t;

struct wc_client {
    /* set up by wc_client_new, adjustable before wc_connect */
    nara_keypair_t kp;
    nara_store_t *store;
    nara_domain_t *domain; /* NULL unless a root key was given */
    const uint8_t *server_pk;
    const char *path;
    bool live;       /* stay connected after catching up (until wc_close) */
    size_t fragment; /* 0: one frame per message; else frames this big */
    wc_script_fn script;
    wc_tamper_fn tamper;
    void *user;
    bool record; /* keep copies of the first WC_RECORD_MAX messages sent */

    /* the current (or last) connection */
    nara_session_t *session;
    struct lws *wsi;
    bool connected, finished, conn_error;
    bool script_done; /* script mode: the script asked to close */
    bool clean;       /* session mode: closed after catching up, all acknowledged */
    int close_status; /* status in the peer's close frame, 0 if none */
    uint64_t started_ms;

    /* what narad acknowledged, over all sessions */
    pr_ids_t acked;
    uint64_t acked_added, acked_duplicate, acked_refused;
    wc_flight_t flights[WC_WINDOW_RING];

    /* counters over all sessions */
    unsigned connects, sessions_ok, sessions_failed;
    uint64_t received_total, added_total;

    /* recorded messages (record) */
    uint8_t *rec[WC_RECORD_MAX];
    size_t rec_len[WC_RECORD_MAX], n_rec;

    /* buffers */
    uint8_t *rx;
    size_t rx_len;
    uint8_t *tx; /* LWS_PRE + one message */
    size_t tx_len, tx_off;
    uint8_t *queue[8]; /* script mode: messages to send */
    size_t queue_len[8], n_queue;
};

/* A client with key kp (NULL: a fresh random key) over a new ":memory:"
 * store; with root non-NULL a domain is attached (for nara_case_* calls and
 * digests).  server_pk is pinned (borrowed). */
wc_client_t *wc_client_new(const nara_keypair_t *kp, const uint8_t *server_pk, const uint8_t *root);
void wc_client_free(wc_client_t *c);

/* A client lws context (no listening, log level ERR) whose lws_service
 * returns at least every 10 ms.  Free it with wc_context_free (which closes
 * its connections). */
struct lws_context *wc_context(void);
void wc_context_free(struct lws_context *ctx);

/* Start a new session (the previous one is freed) and connect to
 * 127.0.0.1:port.  Failure to even start connecting fails the test. */
void wc_connect(struct lws_context *ctx, wc_client_t *c, int port);

/* A live client: say BYE and close once it is written. */
void wc_close(wc_client_t *c);

/* Script mode: queue a copy of msg for sending. */
void wc_send(wc_client_t *c, const uint8_t *msg, size_t len);

typedef bool (*wc_until_fn)(void *arg);

/* Service ctx until until(arg) holds (true) or timeout_ms passed (false). */
bool wc_service_until(struct lws_context *ctx, wc_until_fn until, void *arg, unsigned timeout_ms);

/* until-functions: one client finished; every client of a NULL-terminated
 * array finished. */
bool wc_is_finished(void *client);
bool wc_all_finished(void *clients);

/* Connect, service until the connection ends (at most timeout_ms), in a
 * context of its own.  Returns true when the session caught up and closed
 * cleanly (CLOSED after BYE, nothing left unacknowledged). */
bool wc_sync(wc_client_t *c, int port, unsigned timeout_ms);

/* Batches sent on the current connection and not yet acknowledged. */
size_t wc_in_flight(const wc_client_t *c);

/* Did the last session end cleanly (see wc_sync)? */
bool wc_session_ok(const wc_client_t *c);

/* ---- a little msgpack, for reading and crafting messages --------------------- */

typedef struct {
    const uint8_t *p, *end;
    bool bad;
} wc_mp_t;

size_t wc_mp_array(wc_mp_t *r);
uint64_t wc_mp_uint(wc_mp_t *r);
const uint8_t *wc_mp_bin(wc_mp_t *r, size_t *len);

#endif /* NARA_WSCLIENT_H */
