/*
 * session_impl.h - internal: the session struct shared by session.c (public
 * API, dispatch, output queue), handshake.c (HELLO to WELCOME) and flow.c
 * (EVENTS, ACK and the "what the peer holds" vector).  The invariants and the
 * state diagram are in the design notes at the top of session.c.
 *
 * Memory per session is fixed at creation except for the peer vector, the
 * batch buffer and the output queue, whose bounds docs/protocol.md
 * ("Memory") derives.
 */
#ifndef NARA_SESSION_IMPL_H
#define NARA_SESSION_IMPL_H

#include "nara_protocol.h"
#include "wire.h"

/* Refused events kept for nara_session_each_refused(). */
#define NARA__REFUSED_KEEP 1024u
/* The peer vector may grow past the vector the peer sent (feeds we send
 * it); it is capped at twice the wire limit. */
#define NARA__PEER_FEEDS_MAX (2u * NARA_MAX_VV_ENTRIES)
/* Smallest message limit that still fits one event of the largest size. */
#define NARA__MIN_MESSAGE_BYTES (NARA__EVENTS_HEADROOM + 5u + NARA_EVENT_MAX_BYTES)
/* Largest options accepted (they size allocations made at creation). */
#define NARA__MAX_BATCH_OPTION 65536u
#define NARA__MAX_WINDOW_OPTION 1024u

/* One queued outgoing message (control messages only; EVENTS are built
 * lazily in the batch buffer). */
typedef struct nara__qmsg {
    struct nara__qmsg *next;
    nara__msg_type_t type;
    size_t len;
    uint8_t bytes[];
} nara__qmsg_t;

/* A batch we sent and the peer has not acknowledged yet. */
typedef struct {
    uint64_t batch_no;
    size_t n;
    uint8_t (*ids)[NARA_ID_BYTES]; /* max_batch slots, part of one allocation */
} nara__flight_t;

typedef struct {
    uint8_t id[NARA_ID_BYTES];
    nara_err_t code;
} nara__refused_t;

struct nara_session {
    bool server;
    nara_session_state_t state;
    nara_store_t *store;
    const nara_keypair_t *kp;
    const nara_policy_t *policy; /* server only */
    nara_session_options_t opt;
    size_t max_message, max_batch, window;        /* what we accept */
    size_t send_message, send_batch, send_window; /* what we send */

    /* handshake.c */
    uint8_t my_nonce[NARA_NONCE_BYTES];
    uint8_t peer_nonce[NARA_NONCE_BYTES];
    uint8_t peer_pk[NARA_PUBLICKEY_BYTES];
    bool peer_proven; /* the peer signed our nonce (nara_session_peer) */
    bool authed;      /* WELCOME sent (server) or received (client) */

    /* handshake.c, flow.c: the transparency log (docs/audit.md 2-3) */
    bool has_head;          /* client: head holds the last head of this session */
    nara_tree_head_t head;
    uint64_t shown_size;    /* server: size of the last head shown (or the client's) */
    /* ack_receipts.c */
    nara_receipt_t *rcpt;   /* client: max_batch verified receipts of one ACK */
    nara__receipt_entry_t *rc_in; /* client: max_batch decoded receipt entries */
    uint8_t (*rc_leaf)[NARA_HASH_BYTES]; /* client: max_batch leaf hashes of one entry */
    nara_merkle_node_t *rc_work;         /* client: range proof workspace */
    size_t rc_work_n;
    nara__buf_t rc_paths;   /* client: the encoded inclusion paths of one ACK's receipts */
    nara__buf_t rc_out;     /* server: packed receipt entries of one ACK */

    /* flow.c: sending */
    nara__feeds_t peer; /* what the peer holds, as far as we know */
    bool catchup_done;  /* a scan after WELCOME found nothing more */
    bool grew;          /* live: the log grew since the last empty scan */
    bool sent_synced, got_synced;
    uint64_t batches_out, acks_in;
    nara__flight_t *flights; /* `window` slots, indexed by batch_no % window */
    uint8_t (*flight_ids)[NARA_ID_BYTES];
    nara__buf_t batch;         /* the EVENTS being built or last output */
    nara_feed_head_t *scratch; /* max_batch: feed position of each event of a batch */

    /* flow.c: receiving */
    uint64_t batches_in, acks_out;
    nara_bytes_t *in_events; /* max_batch, filled by the decoder */
    nara_bytes_t *sub;       /* max_batch: the events handed to merge */
    size_t *map;             /* sub index -> batch index */
    nara_outcome_t *outcomes;
    nara__ack_entry_t *entries;
    nara_grown_t grown; /* streams the last EVENTS added to */

    /* session.c: output */
    nara__qmsg_t *qhead, *qtail;
    nara__qmsg_t *last; /* returned by the previous output call */
    nara__buf_t enc;    /* scratch for encoding control messages */
    bool closing;

    nara_err_t err;
    char err_text[NARA__ERROR_TEXT_MAX + 1];
    nara__refused_t *refused;
    size_t n_refused;
    nara_session_stats_t stats;
};

/* ack_receipts.c */
nara_err_t nara__receipts_alloc(nara_session_t *s);
void nara__receipts_free(nara_session_t *s);
/* Server: the receipt for the batch whose merge outcomes are s->outcomes[0,
 * k), beside an ACK of n_ack_entries refusals; *has false when none. */
nara_err_t nara__receipt_build(nara_session_t *s, size_t k, size_t n_ack_entries,
                               nara__receipt_out_t *rc, uint8_t head[NARA_TREE_HEAD_MAX_BYTES],
                               uint8_t cons[NARA_MERKLE_PROOF_MAX_BYTES], bool *has);
/* Client: check the receipt of ACK m for batch f (fails the session). */
nara_err_t nara__receipt_check(nara_session_t *s, const nara__msg_t *m, const nara__flight_t *f);

/* session.c */
nara_err_t nara__session_fail(nara_session_t *s, nara_err_t code, const char *text);
/* Queue the message now in s->enc.  NARA_NOMEM. */
nara_err_t nara__session_queue(nara_session_t *s, nara__msg_type_t type);
void nara__session_refused(nara_session_t *s, const uint8_t id[NARA_ID_BYTES], nara_err_t code);

/* handshake.c: each returns NARA_OK or the code the session failed with. */
nara_err_t nara__hs_start(nara_session_t *s);
nara_err_t nara__hs_on_hello(nara_session_t *s, const nara__msg_t *m);
nara_err_t nara__hs_on_challenge(nara_session_t *s, const nara__msg_t *m);
nara_err_t nara__hs_on_auth(nara_session_t *s, nara__msg_t *m);
nara_err_t nara__hs_on_welcome(nara_session_t *s, nara__msg_t *m);
/* Client: a head the server showed (WELCOME, or an ACK's receipt), with
 * its consistency proof from the previous one: verify, hand to the sink,
 * make it the session's head.  NARA_OK or the code the session failed with. */
nara_err_t nara__hs_accept_head(nara_session_t *s, const uint8_t *head, size_t head_len,
                                const uint8_t *cons, size_t cons_len);

/* flow.c */
nara_err_t nara__flow_alloc(nara_session_t *s);
/* The arrays EVENTS and ACK decode into (flow.c invariant 7).  NARA_NOMEM. */
nara_err_t nara__flow_ensure_receive(nara_session_t *s);
void nara__flow_free(nara_session_t *s);
nara_err_t nara__flow_on_events(nara_session_t *s, const nara__msg_t *m, uint64_t wall_ms);
nara_err_t nara__flow_on_ack(nara_session_t *s, const nara__msg_t *m);
/* Build the next EVENTS if the window and the log allow; *msg is set when
 * one was built.  NARA_OK or the code the session failed with. */
nara_err_t nara__flow_next(nara_session_t *s, nara_bytes_t *msg, bool *built);

#endif /* NARA_SESSION_IMPL_H */
