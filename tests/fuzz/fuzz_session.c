/*
 * fuzz_session.c - libFuzzer harness for the sync session's receive path.
 *
 * The input is a sequence of messages, each prefixed by a 2-byte big-endian
 * length; the first byte picks the side under test (even: a server session
 * in state NEW, odd: a client session that has sent HELLO).  Every message
 * is handed to nara_session_receive() and the output drained after each one,
 * so the decoder, the state machine and the failure path all run on hostile
 * bytes.  Invariants checked: receive never returns NARA_OK once the session
 * is FAILED or CLOSED, and a failed session hands out at most one message.
 *
 * Signatures are real, so without a valid key pair in the input it mostly
 * explores the decoder and the pre-authentication states.
 *
 * Not built by CMake.  Build (from the repository root, after a normal
 * build in build/; the protocol sources are compiled in so that they are
 * instrumented):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *     -Iprotocol/include -Iprotocol/src tests/fuzz/fuzz_session.c protocol/src/*.c \
 *     build/core/libnara_core.a -lsqlite3 -lsodium -lmsgpackc -o fuzz_session
 *   ./fuzz_session -max_len=70000
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nara_protocol.h"

static nara_store_t *store;
static nara_keypair_t kp;
static nara_policy_t policy;

static nara_err_t admit(void *ctx, const uint8_t d[NARA_PUBLICKEY_BYTES])
{
    (void)ctx;
    return d[0] & 1 ? NARA_UNENROLLED : NARA_OK;
}

static bool allow(void *ctx, const uint8_t d[NARA_PUBLICKEY_BYTES],
                  const uint8_t a[NARA_PUBLICKEY_BYTES], const char *stream)
{
    (void)ctx;
    (void)d;
    (void)a;
    return stream[0] != 'x';
}

static void once(void)
{
    uint8_t seed[NARA_SEED_BYTES] = {7};
    if (store)
        return;
    if (nara_keypair_from_seed(seed, &kp) != NARA_OK ||
        nara_store_open(":memory:", &store) != NARA_OK)
        abort();
    policy = (nara_policy_t){admit, allow, allow, NULL};
}

static void drain(nara_session_t *s)
{
    nara_bytes_t m;
    bool has = true;
    int n = 0;
    while (nara_session_output(s, &m, &has) == NARA_OK && has)
        if (++n > 10000)
            abort(); /* output must not loop forever */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t nonce_seed[NARA_NONCE_BYTES] = {1};
    nara_session_options_t opt = {.nonce_seed = nonce_seed, .max_batch_events = 8, .window = 2};
    nara_session_t *s = NULL;
    once();
    if (size < 1)
        return 0;
    bool client = data[0] & 1;
    if ((client ? nara_session_client_new(store, &kp, &opt, &s)
                : nara_session_server_new(store, &kp, &policy, &opt, &s)) != NARA_OK)
        abort();
    if (client)
        nara_session_start(s, 0);
    drain(s);
    for (size_t i = 1; i + 2 <= size;) {
        size_t len = (size_t)data[i] << 8 | data[i + 1];
        i += 2;
        if (len > size - i)
            len = size - i;
        nara_session_state_t before = nara_session_state(s);
        nara_err_t err = nara_session_receive(s, data + i, len, 1700000000000ull);
        if ((before == NARA_SESSION_FAILED || before == NARA_SESSION_CLOSED) && err != NARA_CLOSED)
            abort();
        drain(s);
        i += len;
    }
    nara_session_free(s);
    return 0;
}
