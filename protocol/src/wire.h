/*
 * wire.h - internal: the byte form of sync messages (docs/protocol.md).
 *
 * Encoding goes through msgpack-c's packer into a growable buffer; decoding
 * goes through a bounded reader of our own, never through msgpack_unpack.
 *
 * Invariants kept by nara__wire_decode():
 *  1. It never reads at or past buf+len and allocates only for a version
 *     vector, after its count was checked against NARA_MAX_VV_ENTRIES and
 *     against the bytes that remain (a DD FF FF FF FF header costs nothing).
 *  2. Checks run in a fixed order, so one input gives one code: the message
 *     type against `allowed` (NARA_PROTOCOL) right after it is read, a
 *     version right after it is read (NARA_VERSION), a batch or entry count
 *     against its limit (NARA_TOO_LARGE) right after its header is read, and
 *     everything else that is not the one canonical form is NARA_MALFORMED.
 *  3. On success every pointer in the message borrows from buf; on failure
 *     nothing is allocated.
 *
 * The message size limit is the caller's first check (session.c), since
 * it applies before a single byte is read.
 */
#ifndef NARA_WIRE_H
#define NARA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_protocol.h"

typedef enum {
    NARA__MSG_HELLO = 1,
    NARA__MSG_CHALLENGE = 2,
    NARA__MSG_AUTH = 3,
    NARA__MSG_WELCOME = 4,
    NARA__MSG_EVENTS = 5,
    NARA__MSG_ACK = 6,
    NARA__MSG_SYNCED = 7,
    NARA__MSG_ERROR = 8,
    NARA__MSG_BYE = 9
} nara__msg_type_t;

#define NARA__MSG_BIT(t) (1u << (t))

/* Bytes an EVENTS header (array, type, batch_no, events array) can take. */
#define NARA__EVENTS_HEADROOM 16u
/* Longest ERROR text on the wire. */
#define NARA__ERROR_TEXT_MAX 255u
/* Signature pre-image prefixes, NUL included (20 bytes each). */
#define NARA__SERVER_AUTH_PREFIX "nara/v1/server-auth"
#define NARA__CLIENT_AUTH_PREFIX "nara/v1/client-auth"
#define NARA__AUTH_PREFIX_BYTES 20u

/* A growable output buffer; `len` bytes of `p` are the message. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} nara__buf_t;

/* A sorted vector of feed heads owned by the protocol (never by the store). */
typedef struct {
    nara_feed_head_t *v;
    size_t n, cap;
} nara__feeds_t;

typedef struct {
    uint64_t index; /* position in the batch */
    uint64_t code;  /* nara_err_t */
} nara__ack_entry_t;

/* One receipt entry of an ACK as decoded: batch positions index .. index +
 * count - 1 are leaves leaf .. leaf + count - 1, and the encoded range proof
 * (borrowed from the message). */
typedef struct {
    uint64_t index, leaf, count;
    const uint8_t *proof;
    size_t proof_len;
} nara__receipt_entry_t;

/* A receipt to encode: the encoded head and consistency proof, and n
 * entries already packed one after the other by nara__wire_receipt_entry. */
typedef struct {
    const uint8_t *head;
    size_t head_len;
    const uint8_t *cons;
    size_t cons_len;
    const uint8_t *entries;
    size_t entries_len, n;
} nara__receipt_out_t;

/* One decoded message.  Fields not used by `type` are zero. */
typedef struct {
    nara__msg_type_t type;
    uint64_t version;                            /* HELLO, CHALLENGE */
    const uint8_t *pk;                           /* HELLO: device key; CHALLENGE: server key */
    const uint8_t *nonce;                        /* HELLO: client nonce; CHALLENGE: server nonce */
    const uint8_t *sig;                          /* CHALLENGE, AUTH */
    nara__feeds_t vv;                            /* AUTH, WELCOME: owned; nara__feeds_free() */
    uint64_t lim_batch, lim_message, lim_window; /* AUTH, WELCOME */
    uint64_t batch_no;                           /* EVENTS, ACK */
    size_t n;                                    /* EVENTS: events; ACK: entries */
    uint64_t added, duplicate;                   /* ACK */
    uint64_t code;                               /* ERROR */
    const char *text;                            /* ERROR: not NUL-terminated */
    size_t text_len;
    bool fatal;
    uint64_t last_size;                          /* AUTH: the client's last tree head size */
    const uint8_t *head, *cons;                  /* WELCOME, ACK receipt: encoded head and */
    size_t head_len, cons_len;                   /* consistency proof; NULL when nil */
    bool has_receipt;                            /* ACK */
    size_t n_receipts;                           /* ACK: entries in in->receipts */
} nara__msg_t;

/* What the decoder may accept and where it puts variable-length parts. */
typedef struct {
    uint32_t allowed;           /* NARA__MSG_BIT of each type allowed now */
    size_t max_batch;           /* events per EVENTS, entries per ACK */
    nara_bytes_t *events;       /* max_batch slots */
    nara__ack_entry_t *entries; /* max_batch slots */
    nara__receipt_entry_t *receipts; /* max_batch slots; NULL: a receipt is NARA_PROTOCOL */
} nara__wire_in_t;

/* Decode one whole message.  NARA_OK, NARA_PROTOCOL, NARA_VERSION,
 * NARA_TOO_LARGE, NARA_MALFORMED or NARA_NOMEM; see the invariants. */
nara_err_t nara__wire_decode(const uint8_t *buf, size_t len, const nara__wire_in_t *in,
                             nara__msg_t *m);

/* Encoders: each replaces the content of b with one message.  NARA_NOMEM. */
nara_err_t nara__wire_hello(nara__buf_t *b, const uint8_t pk[NARA_PUBLICKEY_BYTES],
                            const uint8_t nonce[NARA_NONCE_BYTES]);
nara_err_t nara__wire_challenge(nara__buf_t *b, const uint8_t pk[NARA_PUBLICKEY_BYTES],
                                const uint8_t nonce[NARA_NONCE_BYTES],
                                const uint8_t sig[NARA_SIGNATURE_BYTES]);
/* The limits a side accepts, as AUTH and WELCOME carry them. */
typedef struct {
    uint64_t batch, message, window;
} nara__limits_t;

nara_err_t nara__wire_auth(nara__buf_t *b, const uint8_t sig[NARA_SIGNATURE_BYTES],
                           const nara_feed_head_t *v, size_t n, const nara__limits_t *lim,
                           uint64_t last_size);
/* head/cons NULL: nil (a server without a transparency log). */
nara_err_t nara__wire_welcome(nara__buf_t *b, const nara_feed_head_t *v, size_t n,
                              const nara__limits_t *lim, const uint8_t *head, size_t head_len,
                              const uint8_t *cons, size_t cons_len);
/* rc NULL: no receipt (nil). */
nara_err_t nara__wire_ack(nara__buf_t *b, uint64_t batch_no, uint64_t added, uint64_t duplicate,
                          const nara__ack_entry_t *e, size_t n, const nara__receipt_out_t *rc);
/* Append one packed receipt entry [index, leaf, count, proof bin] to b (not
 * a message: nara__wire_ack copies these bytes).  NARA_NOMEM. */
nara_err_t nara__wire_receipt_entry(nara__buf_t *b, uint64_t index, uint64_t leaf, uint64_t count,
                                    const uint8_t *proof, size_t len);
/* Bytes an ACK takes at most besides its receipt entries (n ACK entries). */
size_t nara__wire_ack_overhead(size_t n);
nara_err_t nara__wire_simple(nara__buf_t *b, nara__msg_type_t type); /* SYNCED, BYE */
nara_err_t nara__wire_error(nara__buf_t *b, nara_err_t code, const char *text, bool fatal);

/* EVENTS is built in place: begin leaves NARA__EVENTS_HEADROOM free bytes,
 * add appends one event as bin, finish writes the header right-aligned into
 * the headroom and returns where the message starts. */
nara_err_t nara__wire_events_begin(nara__buf_t *b);
/* Bytes add() would append for an event of len bytes. */
size_t nara__wire_events_cost(size_t len);
nara_err_t nara__wire_events_add(nara__buf_t *b, const uint8_t *ev, size_t len);
nara_err_t nara__wire_events_finish(nara__buf_t *b, uint64_t batch_no, size_t n, nara_bytes_t *msg);

/* Make room for cap bytes in total.  NARA_NOMEM. */
nara_err_t nara__buf_reserve(nara__buf_t *b, size_t cap);
void nara__buf_free(nara__buf_t *b);

/* ---- feed vectors (feeds.c) ---------------------------------------------- */

/* Order of nara_store_vv: author bytes, then stream bytes. */
int nara__feed_cmp(const uint8_t author_a[NARA_PUBLICKEY_BYTES], const char *stream_a,
                   const uint8_t author_b[NARA_PUBLICKEY_BYTES], const char *stream_b);

/* Raise the feed's seq to `seq` (and head to `id`) if it is lower, inserting
 * the feed in order if absent.  NARA_NOMEM, or NARA_TOO_LARGE beyond `max`
 * feeds. */
nara_err_t nara__feeds_advance(nara__feeds_t *f, const uint8_t author[NARA_PUBLICKEY_BYTES],
                               const char *stream, uint64_t seq, const uint8_t id[NARA_ID_BYTES],
                               size_t max);

void nara__feeds_free(nara__feeds_t *f);

/* A nara_vv_t view of f for the store's iterator (borrowed). */
nara_vv_t nara__feeds_view(const nara__feeds_t *f);

#endif /* NARA_WIRE_H */
