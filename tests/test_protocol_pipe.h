/*
 * test_protocol_pipe.h - what the protocol tests share: replicas (a key and
 * a ":memory:" store), a table-driven server policy, and an in-memory pipe
 * that pumps whole messages between a client and a server session.
 *
 * The pump delivers each message as soon as it is output (zero latency),
 * drains the client first, then the server, and repeats until neither side
 * has anything to say.  A budget of messages simulates a dropped connection:
 * the message that finds the budget spent is lost and pumping stops.
 */
#ifndef TEST_PROTOCOL_PIPE_H
#define TEST_PROTOCOL_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_protocol.h"

#define TP_WALL0 1700000000000ull

/* One replica. */
typedef struct {
    nara_keypair_t kp;
    nara_store_t *store;
} tp_node_t;

void tp_node_open(tp_node_t *n, uint8_t seed_byte);
void tp_node_close(tp_node_t *n);
/* Append `count` events to kp's feed for `stream` in n's store. */
void tp_append(tp_node_t *n, const nara_keypair_t *kp, const char *stream, unsigned count);
uint64_t tp_events(tp_node_t *n);
bool tp_same_digest(tp_node_t *a, tp_node_t *b);
/* Seal one event (seq 1, no prev) into buf; returns its length. */
size_t tp_seal(const nara_keypair_t *kp, const char *stream, uint8_t *buf, size_t cap,
               uint8_t id[NARA_ID_BYTES]);

/* Policy: admitted unless listed revoked or not listed admitted (when the
 * admit list is used); read and push allowed unless the stream is denied. */
typedef struct {
    bool use_admit_list;
    uint8_t admitted[4][NARA_PUBLICKEY_BYTES];
    size_t n_admitted;
    uint8_t revoked[4][NARA_PUBLICKEY_BYTES];
    size_t n_revoked;
    const char *deny_read[4];
    const char *deny_push[4];
    nara_policy_t policy;
} tp_policy_t;

void tp_policy_init(tp_policy_t *p);

/* Called for each message in transit; may change it (len <= cap). */
typedef void (*tp_tap_fn)(void *ctx, bool from_client, uint8_t *msg, size_t *len, size_t cap);

typedef struct {
    nara_session_t *c, *s;
    uint64_t wall;
    size_t budget;   /* messages still allowed through; SIZE_MAX = no drop */
    bool auto_close; /* close the client once nara_session_done */
    bool dropped;    /* the budget ran out */
    tp_tap_fn tap;
    void *tap_ctx;
    char trace[8192]; /* "c1 s2 ...": sender and type of each message delivered */
    size_t delivered;
    long inflight_c2s, inflight_s2c; /* EVENTS sent minus ACKs returned */
    long max_inflight_c2s, max_inflight_s2c;
    nara_err_t c_last_err, s_last_err; /* last non-OK of each side's receive */
} tp_pipe_t;

void tp_pipe_init(tp_pipe_t *p, nara_session_t *c, nara_session_t *s);
/* Pump until idle or the budget runs out.  Returns messages delivered. */
size_t tp_pump(tp_pipe_t *p);

/* Options with a distinct nonce seed derived from `tag`. */
nara_session_options_t tp_options(uint8_t tag, uint8_t seed[NARA_NONCE_BYTES]);

/* Run one complete client/server session: start, pump (with `budget`),
 * return the pipe (sessions left open for inspection; tp_pipe_free). */
void tp_session(tp_pipe_t *p, tp_node_t *client, tp_node_t *server, tp_policy_t *pol,
                const nara_session_options_t *copt, const nara_session_options_t *sopt,
                size_t budget);
void tp_pipe_free(tp_pipe_t *p);

#endif /* TEST_PROTOCOL_PIPE_H */
