/*
 * keyfile.c - device keys on disk (see nara_keyfile.h).
 *
 * Invariants: a key file is created with O_EXCL and mode 0600, written fully
 * and fsync'd before success is reported; the seed never stays in a buffer
 * after return.
 */
#include "nara_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KEYFILE_MAGIC "nara-key-v1 "
#define KEYFILE_LINE (sizeof(KEYFILE_MAGIC) - 1 + 64 + 1)

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

nara_err_t nara_hex32_parse(const char *hex, uint8_t out[32])
{
    if (hex == NULL || strlen(hex) != 64)
        return NARA_INVAL;
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return NARA_INVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return NARA_OK;
}

static nara_err_t write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return NARA_IO;
        buf += w;
        len -= (size_t)w;
    }
    return NARA_OK;
}

nara_err_t nara_keyfile_create(const char *path, nara_keypair_t *kp_out)
{
    nara_keypair_t kp;
    char line[KEYFILE_LINE + 1];
    nara_err_t err = nara_keypair_generate(&kp);
    if (err != NARA_OK)
        return err;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        nara_keypair_wipe(&kp);
        return errno == EEXIST ? NARA_INVAL : NARA_IO;
    }
    memcpy(line, KEYFILE_MAGIC, sizeof(KEYFILE_MAGIC) - 1);
    nara_hex(kp.sk, 32, line + sizeof(KEYFILE_MAGIC) - 1); /* sk[0..32) is the seed */
    line[KEYFILE_LINE - 1] = '\n';
    err = write_all(fd, line, KEYFILE_LINE);
    if (err == NARA_OK && fsync(fd) != 0)
        err = NARA_IO;
    if (close(fd) != 0 && err == NARA_OK)
        err = NARA_IO;
    sodium_memzero(line, sizeof line);
    if (err != NARA_OK)
        unlink(path);
    else if (kp_out != NULL)
        *kp_out = kp;
    nara_keypair_wipe(&kp);
    return err;
}

nara_err_t nara_keyfile_load(const char *path, nara_keypair_t *out)
{
    char line[KEYFILE_LINE + 2];
    uint8_t seed[NARA_SEED_BYTES];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? NARA_NOT_FOUND : NARA_IO;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NARA_IO;
    }
    if ((st.st_mode & 077) != 0) {
        close(fd);
        return NARA_INVAL;
    }
    ssize_t r = read(fd, line, sizeof line - 1);
    close(fd);
    nara_err_t err = NARA_CORRUPT;
    if (r == (ssize_t)KEYFILE_LINE && line[KEYFILE_LINE - 1] == '\n' &&
        memcmp(line, KEYFILE_MAGIC, sizeof(KEYFILE_MAGIC) - 1) == 0) {
        line[KEYFILE_LINE - 1] = '\0';
        if (nara_hex32_parse(line + sizeof(KEYFILE_MAGIC) - 1, seed) == NARA_OK)
            err = nara_keypair_from_seed(seed, out);
    }
    sodium_memzero(line, sizeof line);
    sodium_memzero(seed, sizeof seed);
    return err;
}
