/*
 * nara_keyfile.h - a device's secret key on disk.
 *
 * The file holds one line, "nara-key-v1 <64 hex digits of the Ed25519 seed>",
 * and is created with mode 0600 (never world- or group-readable).  Loading
 * refuses a file that others can read, so a key copied carelessly is noticed.
 * The seed is wiped from every buffer this module uses.
 */
#ifndef NARA_KEYFILE_H
#define NARA_KEYFILE_H

#include "nara_error.h"
#include "nara_event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Generate a fresh key and write it to `path`, which must not exist
 * (NARA_INVAL if it does: a key is never overwritten).  NARA_IO with errno
 * preserved on a write failure.  kp_out may be NULL. */
nara_err_t nara_keyfile_create(const char *path, nara_keypair_t *kp_out);

/* Load a key.  NARA_NOT_FOUND if the file does not exist, NARA_INVAL if it is
 * readable by group or others, NARA_CORRUPT if it is not a key file. */
nara_err_t nara_keyfile_load(const char *path, nara_keypair_t *out);

/* Parse 64 hex digits into 32 bytes (public keys, ids).  NARA_INVAL unless
 * the string is exactly that. */
nara_err_t nara_hex32_parse(const char *hex, uint8_t out[32]);

#ifdef __cplusplus
}
#endif
#endif /* NARA_KEYFILE_H */
