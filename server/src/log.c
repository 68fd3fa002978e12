/*
 * log.c - narad's log lines: one line each, to stderr, prefixed with a UTC
 * timestamp, so that a supervisor (systemd, docker) can collect them as is.
 * Lines never contain secrets: keys appear as their first 8 bytes in hex.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "narad.h"

void narad__log(const char *fmt, ...)
{
    char stamp[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "narad %s ", stamp);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void narad__short_hex(const uint8_t pk[NARA_PUBLICKEY_BYTES], char out[17])
{
    nara_hex(pk, 8, out);
}
