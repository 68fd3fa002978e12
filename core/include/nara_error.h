/*
 * nara_error.h - the one list of error codes used by every Naradamping module.
 *
 * Every public function that can fail returns a nara_err_t.  NARA_OK is zero;
 * every other value names one specific reason.  The list below is an X-macro
 * from which the enum, nara_strerror() and nara_err_name() are generated, so
 * the three can never drift apart.  SQLite and libsodium codes are translated
 * into these at the module boundary and never leak upward.
 *
 * Codes are part of the wire protocol and of the audit report: never renumber
 * or reuse one; append new codes at the end.
 */
#ifndef NARA_ERROR_H
#define NARA_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define NARA_ERROR_MAP(X)                                                           \
    X(OK, 0, "success")                                                             \
    X(NOMEM, 1, "out of memory")                                                    \
    X(INVAL, 2, "invalid argument")                                                 \
    X(BUFFER_TOO_SMALL, 3, "output buffer too small")                               \
    X(TRUNCATED, 4, "input ends before the encoded value is complete")              \
    X(TRAILING, 5, "trailing bytes after the encoded value")                        \
    X(TYPE, 6, "a field has the wrong msgpack type")                                \
    X(VERSION, 7, "unsupported format version")                                     \
    X(TOO_LARGE, 8, "a field or message exceeds its size limit")                    \
    X(TOO_DEEP, 9, "nesting exceeds the depth limit")                               \
    X(NONCANONICAL, 10, "encoding is not the canonical (shortest) form")            \
    X(KEY_ORDER, 11, "map keys are not unique strings in bytewise order")           \
    X(FLOAT, 12, "floating-point values are not allowed")                           \
    X(EXT, 13, "msgpack extension types are not allowed")                           \
    X(UTF8, 14, "string is not valid UTF-8")                                        \
    X(BAD_KIND, 15, "event kind is empty or has characters outside [a-z0-9._-]")    \
    X(BAD_STREAM, 16, "stream name is empty or has characters outside [a-z0-9._-]") \
    X(BAD_SEQ, 17, "sequence number and previous link disagree")                    \
    X(SIGNATURE, 18, "signature does not verify")                                   \
    X(CHAIN, 19, "previous-event link does not match the author's feed")            \
    X(FORK, 20, "two different events at one position of one feed")                \
    X(FEED_BEHIND, 21, "this device's own feed is behind what other replicas hold") \
    X(IO, 22, "storage I/O error")                                                  \
    X(FULL, 23, "storage is full")                                                  \
    X(CORRUPT, 24, "storage file is corrupt or not a Naradamping replica")          \
    X(BUSY, 25, "storage is locked by another process")                             \
    X(STORE_FAILED, 26, "store stopped after an earlier storage failure; reopen it") \
    X(NOT_FOUND, 27, "not found")                                                   \
    X(CRYPTO, 28, "cryptographic library failure")                                  \
    X(SCHEMA, 29, "storage schema version is newer than this program")              \
    X(BAD_KEY, 30, "public key is not a valid Ed25519 key")                         \
    X(CLOCK, 31, "clock value out of range")                                        \
    X(UNAUTHORIZED, 32, "the device may not write this feed")                       \
    X(UNENROLLED, 33, "the device is not enrolled in this province")                \
    X(REVOKED, 34, "the device's enrolment has been revoked")                       \
    X(PROTOCOL, 35, "message not allowed in this state of the sync session")        \
    X(MALFORMED, 36, "malformed protocol message")                                  \
    X(RATE_LIMITED, 37, "too many requests; try again later")                       \
    X(AUTH, 38, "authentication failed: challenge signature does not verify")       \
    X(SERVER_KEY, 39, "the server's key is not the one this device trusts")         \
    X(CLOSED, 40, "the sync session is closed")                                     \
    X(TIMEOUT, 41, "the peer did not answer in time")                               \
    X(CONNECT, 42, "could not connect to the server")                               \
    X(PROOF, 43, "proof does not verify")                                           \
    X(TREE_FORK, 44, "server history forked or shrank")                             \
    X(INCOMPLETE, 45, "history incomplete: an event is missing")                    \
    X(OUT_OF_ORDER, 46, "records are not in the required order")                    \
    X(CHECKSUM, 47, "file is damaged: its checksum does not match")                 \
    X(BACKDATED, 48, "event claims a time before its author's revocation but reached the province after it")

typedef enum {
#define NARA__ERR_ENUM(name, num, text) NARA_##name = num,
    NARA_ERROR_MAP(NARA__ERR_ENUM)
#undef NARA__ERR_ENUM
} nara_err_t;

/* Human-readable sentence for an error code.  Never NULL; unknown codes give
 * "unknown error".  The string is static: do not free it. */
const char *nara_strerror(nara_err_t err);

/* Symbolic name such as "NARA_SIGNATURE".  Never NULL; static storage. */
const char *nara_err_name(nara_err_t err);

#ifdef __cplusplus
}
#endif
#endif /* NARA_ERROR_H */
