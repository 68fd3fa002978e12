/*
 * fuzz_world.h - the fixed world the session fuzzers and their seed
 * generator share: keys from fixed seeds, fixed nonce seeds, a fixed clock, a
 * policy, and the events each side's replica starts with.  Because
 * everything is fixed, a session between the two sides is byte-for-byte
 * reproducible, so messages recorded from one real session (fw_transcript)
 * are valid when replayed into a fresh session of the other side: that is
 * how a harness gets past authentication, and how the seed corpora are made.
 *
 * Invariants: every function either succeeds or aborts (a harness must never
 * mistake its own setup failure for a finding); fw_store() returns a store
 * in the same state every time.  Nothing here is thread-safe.
 */
#ifndef NARA_FUZZ_WORLD_H
#define NARA_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_protocol.h"

#define FW_WALL 1700000000000ull
/* Both sides' message limit (the smallest allowed is 65557: less to allocate). */
#define FW_MAX_MESSAGE 70000u

/* Mode bits: the first byte of a session fuzzer input. */
#define FW_AUTH 0x01u    /* replay the peer's handshake first, then the input */
#define FW_CHAIN 0x02u   /* store in NARA_VERIFY_CHAIN mode */
#define FW_LIVE 0x04u    /* live session */
#define FW_PIN 0x08u     /* client: require the world's server key */
#define FW_NOSTART 0x10u /* client: never call nara_session_start */
#define FW_GROW 0x20u    /* call nara_session_log_grew after every message */
#define FW_CLOSE 0x40u   /* call nara_session_close after the last message */

/* Set up keys, policy and the sealed events (idempotent). */
void fw_init(void);

const nara_keypair_t *fw_key(bool server);
const nara_policy_t *fw_policy(void);

/* A fresh ":memory:" store holding the starting events of one side. */
nara_store_t *fw_store(bool server, unsigned mode);

/* The same, but one store per side reused from call to call, its content
 * restored from a template each time (fast; for the harnesses).  Valid until
 * the next call for that side; do not close it. */
nara_store_t *fw_store_reset(bool server, unsigned mode);

/* A new session of one side over `store` with the world's options for
 * `mode`.  The session borrows store and the world's keys. */
nara_session_t *fw_session(bool server, nara_store_t *store, unsigned mode);

/* One message of a recorded session. */
typedef struct {
    bool from_client;
    size_t len;
    uint8_t *bytes; /* malloc'd */
} fw_msg_t;

/* Run one complete session between fresh replicas of both sides (client
 * closes when done) and record every message in delivery order.  Returns
 * the count; fw_transcript_free releases the bytes. */
size_t fw_transcript(unsigned mode, fw_msg_t *out, size_t cap);
void fw_transcript_free(fw_msg_t *msgs, size_t n);

/* Number of handshake messages the peer of `server`-side sends before the
 * session under test is authenticated (HELLO, AUTH or CHALLENGE, WELCOME). */
#define FW_HANDSHAKE_MSGS 2u

#endif /* NARA_FUZZ_WORLD_H */
