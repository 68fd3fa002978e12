/*
 * nara_protocol.h - the sync session as a pure state machine.
 *
 * A session consumes whole messages (msgpack, one per WebSocket binary
 * message or memory-pipe packet) and produces whole messages.  It never
 * touches a socket or reads a clock: the caller moves the bytes and passes
 * wall time in.  The same code therefore runs over libwebsockets in narad and
 * nara, over memory pipes in tests, and under fuzzers.  docs/protocol.md is
 * the wire specification; this header is the C contract.
 *
 * Flow (client C, server S):
 *   C: HELLO(version, device key, client nonce)
 *   S: CHALLENGE(version, server key, server nonce, server signature over both nonces and keys)
 *   C: AUTH(client signature over both nonces and keys, client version vector,
 *           the limits the client accepts)
 *   S: WELCOME(server version vector within the client's read scope, limits)
 *   both: EVENTS batches of what the other lacks, chain order; each answered
 *         by ACK only after the receiver committed it durably
 *   both: SYNCED when everything the peer lacked at the start has been sent
 *   live sessions stay open: S sends EVENTS as its log grows (within scope)
 *   ERROR(code, text, fatal) at any time; BYE to close.
 *
 * Invariants:
 *  1. No event is merged before authentication completed on both sides.
 *  2. The server acknowledges a batch only after nara_store_merge committed
 *     it; the client counts an event as delivered only on that ACK.  After a
 *     drop, a new session starts again from the version vectors: nothing
 *     acknowledged is sent again and nothing unacknowledged is forgotten.
 *  3. A server session sends only feeds its policy lets the device read,
 *     and merges from the device only events its policy lets it push;
 *     refused events are listed in the ACK with their code and never block
 *     the valid ones in the same batch.
 *  4. Every limit (message size, batch size, window, vector size) is
 *     checked before the message is decoded further; a violation is a fatal
 *     ERROR and the session is FAILED.
 *  5. Once FAILED or CLOSED a session produces no further output except the
 *     queued ERROR/BYE, and every call returns NARA_CLOSED.
 *  6. Transparency log: a server with options.log shows a signed tree head
 *     in WELCOME, with a consistency proof from the size the client last
 *     saw (AUTH), and every ACK of events it holds carries a head, a
 *     consistency proof from the previous head it showed, and inclusion
 *     proofs (receipts).  The client accepts a head only if it is signed by
 *     the server key of this session and extends the previous one (else
 *     NARA_TREE_FORK, with evidence to the sink), and a receipt only if its
 *     proof verifies for the id of the event it sent (else NARA_PROOF).
 */
#ifndef NARA_PROTOCOL_H
#define NARA_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_error.h"
#include "nara_event.h"
#include "nara_merkle.h"
#include "nara_store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NARA_PROTOCOL_VERSION 1
#define NARA_NONCE_BYTES 32

/* Defaults; docs/protocol.md lists every limit. */
#define NARA_MAX_MESSAGE_BYTES (1024u * 1024u)
#define NARA_MAX_BATCH_EVENTS 2048u
#define NARA_MAX_WINDOW 4u
#define NARA_MAX_VV_ENTRIES 65536u

typedef enum {
    NARA_SESSION_NEW = 0,      /* created, nothing sent or received */
    NARA_SESSION_AUTH = 1,     /* handshake in progress */
    NARA_SESSION_SYNCING = 2,  /* authenticated, catching up */
    NARA_SESSION_SYNCED = 3,   /* both sides caught up; live sessions stay here */
    NARA_SESSION_CLOSED = 4,   /* BYE sent or received */
    NARA_SESSION_FAILED = 5    /* fatal error; see nara_session_error */
} nara_session_state_t;

/* Server-side policy: who may connect and which feeds each device may read
 * and push.  Backed by the domain fold in narad; by fixed answers in tests. */
typedef struct {
    /* NARA_OK to admit the device, or NARA_UNENROLLED / NARA_REVOKED. */
    nara_err_t (*admit)(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES]);
    bool (*may_read)(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES],
                     const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream);
    /* Called for every pushed event; returning false refuses it with
     * NARA_UNAUTHORIZED. */
    bool (*may_push)(void *ctx, const uint8_t device[NARA_PUBLICKEY_BYTES],
                     const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream);
    void *ctx;
} nara_policy_t;

/* Server-side transparency log (docs/audit.md sections 2-3): what WELCOME
 * and the receipts in ACKs are made of.  narad backs it with nara_tlog. */
typedef struct {
    /* A signed head of the whole current tree, and the consistency proof from
     * the tree of `from` leaves to it.  NARA_OK; NARA_TREE_FORK when `from` is
     * larger than the tree (head filled, proof empty: the client will refuse
     * us); any other error fails the session. */
    nara_err_t (*current)(void *ctx, uint64_t from, nara_tree_head_t *head,
                          nara_merkle_proof_t *consistency);
    /* The leaf index of event `id` in the tree of `size` leaves;
     * NARA_NOT_FOUND when it is not (yet) logged there; any other error
     * fails the session. */
    nara_err_t (*find)(void *ctx, const uint8_t id[NARA_ID_BYTES], uint64_t size,
                       uint64_t *index);
    /* Is leaf `index` event `id`?  NARA_OK yes, NARA_NOT_FOUND no (or no
     * such leaf); any other error fails the session.  Cheap for the leaves
     * just appended: it extends a run found with `find`. */
    nara_err_t (*holds)(void *ctx, uint64_t index, const uint8_t id[NARA_ID_BYTES]);
    /* The range proof of leaves [first, first + count) in the tree of `size`
     * leaves (nara_merkle_prove_range); an error fails the session. */
    nara_err_t (*prove_range)(void *ctx, uint64_t first, uint64_t count, uint64_t size,
                              nara_merkle_range_proof_t *proof);
    void *ctx;
} nara_log_provider_t;

/* One verified receipt: the server's log holds event `id` at leaf `index` of
 * the head it came with.  `proof` is the encoded inclusion proof (docs/audit.md
 * 1.6), borrowed for the duration of the callback. */
typedef struct {
    uint8_t id[NARA_ID_BYTES];
    uint64_t index;
    const uint8_t *proof;
    size_t proof_len;
} nara_receipt_t;

/* Client side: where verified heads and receipts go.  Every callback is
 * optional; one returning an error fails the session with it. */
typedef struct {
    /* The server showed `head` (in WELCOME or an ACK), signed by the
     * session's server key and proven by `consistency` to extend `prev`: the
     * session's previous head, else the pinned one (options.last_head), or
     * NULL for none.  Called before any receipt against it. */
    nara_err_t (*head)(void *ctx, const nara_tree_head_t *prev, const nara_tree_head_t *head,
                       const nara_merkle_proof_t *consistency);
    /* The receipts of one ACK, all against `head`, each verified. */
    nara_err_t (*receipts)(void *ctx, const nara_tree_head_t *head, const nara_receipt_t *r,
                           size_t n);
    /* Evidence, just before the session fails with NARA_TREE_FORK: the
     * server's head does not extend `prev` (its history forked or shrank), or
     * (offered NULL) it offers no signed head at all any more. */
    void (*fork)(void *ctx, const nara_tree_head_t *prev, const nara_tree_head_t *offered,
                 const nara_merkle_proof_t *consistency);
    void *ctx;
} nara_receipt_sink_t;

struct nara_tlog;
/* A provider backed by a store's transparency log (nara_tlog.h): `current`
 * is its latest head (signed first if the tree outgrew it and the log has a
 * signer) with a consistency proof, `find`, `holds` and `prove_range` its receipts.  The log
 * is borrowed for the provider's life.  Cannot fail. */
void nara_log_provider_tlog(struct nara_tlog *t, nara_log_provider_t *out);

typedef struct {
    size_t max_message_bytes; /* 0 = NARA_MAX_MESSAGE_BYTES */
    size_t max_batch_events;  /* 0 = NARA_MAX_BATCH_EVENTS */
    size_t window;            /* unacknowledged batches in flight, 0 = NARA_MAX_WINDOW */
    bool live;                /* stay open after catching up (client --watch, server always) */
    /* Client: the server key to require, or NULL to accept any and report it
     * (the caller pins it on first use). */
    const uint8_t *expected_server_pk;
    /* Tests and fuzzers: derive nonces from this NARA_NONCE_BYTES-byte seed
     * instead of the system RNG, so a run is reproducible.  NULL in
     * production. */
    const uint8_t *nonce_seed;
    /* Server: the transparency log; NULL: WELCOME and ACKs carry no head and
     * no receipt. */
    const nara_log_provider_t *log;
    /* Client: the last tree head this device accepted (it pins the server's
     * history: every head the server shows must extend it), or NULL. */
    const nara_tree_head_t *last_head;
    /* Client: where verified heads and receipts go; NULL: checked, not kept. */
    const nara_receipt_sink_t *receipts;
} nara_session_options_t;

typedef struct {
    uint64_t messages_in, messages_out;
    uint64_t bytes_in, bytes_out;
    uint64_t events_sent;     /* events put in EVENTS messages */
    uint64_t events_acked;    /* of those, acknowledged by the peer */
    uint64_t events_received; /* events in EVENTS messages received */
    uint64_t events_added;    /* of those, newly accepted into the local log */
    uint64_t events_rejected; /* refused by the peer (client) or by us (server) */
    uint64_t round_trips;     /* request/answer pairs this side waited for */
    uint64_t errors_received; /* non-fatal ERROR messages from the peer */
    uint64_t receipts;        /* client: verified receipts received; server: sent */
} nara_session_stats_t;

typedef struct nara_session nara_session_t;

/* A client session syncing `store` as device `kp`.  The session borrows
 * store and kp (and the options' pointers) for its whole life.  NARA_NOMEM,
 * or NARA_INVAL for options out of range (see nara_session_server_new). */
nara_err_t nara_session_client_new(nara_store_t *store, const nara_keypair_t *kp,
                                   const nara_session_options_t *opt, nara_session_t **out);

/* A server session for one connection.  Borrows store, kp and policy; the
 * policy's three callbacks are required (NARA_INVAL otherwise).  Options
 * out of range (max_message_bytes below what one largest event needs,
 * absurd batch or window) give NARA_INVAL. */
nara_err_t nara_session_server_new(nara_store_t *store, const nara_keypair_t *kp,
                                   const nara_policy_t *policy,
                                   const nara_session_options_t *opt, nara_session_t **out);

/* Accepts NULL. */
void nara_session_free(nara_session_t *s);

/* Client: queue HELLO.  Server: no-op.  Call once (NARA_INVAL after). */
nara_err_t nara_session_start(nara_session_t *s, uint64_t wall_ms);

/* Process one whole incoming message.  Events received are merged into the
 * store (durably) before their ACK is queued.  Returns NARA_OK, or the fatal
 * error that moved the session to FAILED (an ERROR message for the peer is
 * then queued).  A non-fatal ERROR from the peer (e.g. some events refused)
 * is counted in the stats, not returned. */
nara_err_t nara_session_receive(nara_session_t *s, const uint8_t *msg, size_t len,
                                uint64_t wall_ms);

/* Next message to send, produced lazily (events are read from the store as
 * the window allows).  On NARA_OK, *has is false when there is nothing to
 * send now; otherwise *msg holds bytes valid until the next call on s.
 * After a failure the queued ERROR is still returned (NARA_OK, *has true)
 * once; after that, and once CLOSED, it returns NARA_CLOSED.  If reading the
 * store fails here, the session fails and that error is returned. */
nara_err_t nara_session_output(nara_session_t *s, nara_bytes_t *msg, bool *has);

/* The local log grew (another connection pushed, or a local append): a live
 * session queues what the peer lacks.  Cheap when nothing is new. */
nara_err_t nara_session_log_grew(nara_session_t *s);

/* Queue BYE and move to CLOSED once it has been output. */
nara_err_t nara_session_close(nara_session_t *s);

nara_session_state_t nara_session_state(const nara_session_t *s);

/* True for a client once both sides are caught up and every batch it sent
 * has been acknowledged: a one-shot sync can disconnect. */
bool nara_session_done(const nara_session_t *s);

const nara_session_stats_t *nara_session_stats(const nara_session_t *s);

/* The streams the last EVENTS received added events to, each once, so a
 * server wakes only the live sessions that may read one of them.  `many`:
 * more distinct streams than NARA_GROWN_STREAMS_MAX - wake every session.
 * Borrowed until the next call into the session. */
#define NARA_GROWN_STREAMS_MAX 8
typedef struct {
    size_t n;
    bool many;
    char stream[NARA_GROWN_STREAMS_MAX][NARA_STREAM_MAX + 1];
} nara_grown_t;
const nara_grown_t *nara_session_grown(const nara_session_t *s);

/* The authenticated peer key (device key on the server, server key on the
 * client); false before authentication. */
bool nara_session_peer(const nara_session_t *s, uint8_t pk[NARA_PUBLICKEY_BYTES]);

/* The fatal error and its text (ours or the peer's); NARA_OK if none. */
nara_err_t nara_session_error(const nara_session_t *s, const char **text);

/* Events the peer refused, for the end-of-sync summary: visit each
 * (event id, code).  Bounded: the first 1024 are kept, the rest counted. */
void nara_session_each_refused(const nara_session_t *s,
                               void (*fn)(void *ctx, const uint8_t id[NARA_ID_BYTES],
                                          nara_err_t code),
                               void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* NARA_PROTOCOL_H */
