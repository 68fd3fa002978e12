/*
 * meta.c - the client's own settings: table `client_meta(key, value)` in the
 * replica's SQLite file, reached through a connection of its own.
 *
 * Invariants:
 *  1. Only `client_meta` is read or written here; the store's and domain's
 *     tables are never touched.
 *  2. The table is created only in a file the store has already initialised
 *     (nara_app_open opens the store first), so the store never mistakes the
 *     file for a foreign one.
 *  3. Each write is one autocommit statement (atomic, durable as the file's
 *     journal mode allows); a busy file is waited on for up to 5 s.
 *
 * The vector blob is a sequence of feeds: author (32 bytes), stream length
 * (1 byte), stream, seq (8 bytes big-endian).  Heads are not kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_cli.h"

nara_err_t nara_cli_sql_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return NARA_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return NARA_BUSY;
    case SQLITE_NOMEM:
        return NARA_NOMEM;
    case SQLITE_FULL:
        return NARA_FULL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return NARA_CORRUPT;
    default:
        return NARA_IO;
    }
}

nara_err_t nara_meta_open(const char *path, sqlite3 **out, char *errbuf, size_t errcap)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = sqlite3_exec(db,
                          "CREATE TABLE IF NOT EXISTS client_meta(key TEXT PRIMARY KEY,"
                          " value BLOB NOT NULL)",
                          NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errcap, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        *out = NULL;
        return nara_cli_sql_err(rc);
    }
    *out = db;
    return NARA_OK;
}

void nara_meta_close(sqlite3 *db)
{
    sqlite3_close(db);
}

/* Read one value as a blob into a malloc'd buffer (NUL-terminated). */
static nara_err_t get_blob(sqlite3 *db, const char *key, uint8_t **out, size_t *len, bool *found)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *len = 0;
    *found = false;
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM client_meta WHERE key = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        *out = malloc(n + 1);
        if (*out == NULL) {
            sqlite3_finalize(st);
            return NARA_NOMEM;
        }
        if (n)
            memcpy(*out, p, n);
        (*out)[n] = 0;
        *len = n;
        *found = true;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

static nara_err_t set_blob(sqlite3 *db, const char *key, const void *v, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO client_meta(key, value) VALUES(?1, ?2)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, len ? v : "", (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

nara_err_t nara_meta_get(sqlite3 *db, const char *key, char *buf, size_t cap, bool *found)
{
    uint8_t *v = NULL;
    size_t len = 0;
    nara_err_t err = get_blob(db, key, &v, &len, found);
    buf[0] = '\0';
    if (err == NARA_OK && *found)
        snprintf(buf, cap, "%s", (const char *)v);
    free(v);
    return err;
}

nara_err_t nara_meta_set(sqlite3 *db, const char *key, const char *value)
{
    return set_blob(db, key, value, strlen(value));
}

nara_err_t nara_meta_delete(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "DELETE FROM client_meta WHERE key = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return nara_cli_sql_err(rc);
}

/* ---- vectors ---------------------------------------------------------------- */

#define FEED_REC_MAX (NARA_PUBLICKEY_BYTES + 1 + NARA_STREAM_MAX + 8)

static size_t put_feed(uint8_t *p, const nara_feed_head_t *f)
{
    size_t n = strlen(f->stream), k = 0;
    memcpy(p, f->author, NARA_PUBLICKEY_BYTES);
    k += NARA_PUBLICKEY_BYTES;
    p[k++] = (uint8_t)n;
    memcpy(p + k, f->stream, n);
    k += n;
    for (int i = 7; i >= 0; i--)
        p[k++] = (uint8_t)(f->seq >> (8 * i));
    return k;
}

nara_err_t nara_meta_set_vv(sqlite3 *db, const char *key, const nara_vv_t *vv)
{
    uint8_t *buf = malloc(vv->n * FEED_REC_MAX + 1);
    size_t len = 0;
    if (buf == NULL)
        return NARA_NOMEM;
    for (size_t i = 0; i < vv->n; i++)
        len += put_feed(buf + len, &vv->feeds[i]);
    nara_err_t err = set_blob(db, key, buf, len);
    free(buf);
    return err;
}

/* One feed at p[0..avail); returns bytes used, 0 if malformed. */
static size_t get_feed(const uint8_t *p, size_t avail, nara_feed_head_t *f)
{
    if (avail < NARA_PUBLICKEY_BYTES + 1)
        return 0;
    size_t n = p[NARA_PUBLICKEY_BYTES], k = NARA_PUBLICKEY_BYTES + 1;
    if (n == 0 || n > NARA_STREAM_MAX || avail < k + n + 8)
        return 0;
    memset(f, 0, sizeof *f);
    memcpy(f->author, p, NARA_PUBLICKEY_BYTES);
    memcpy(f->stream, p + k, n);
    k += n;
    for (int i = 0; i < 8; i++)
        f->seq = f->seq << 8 | p[k++];
    return k;
}

nara_err_t nara_meta_get_vv(sqlite3 *db, const char *key, nara_vv_t *out, bool *found)
{
    uint8_t *buf = NULL;
    size_t len = 0, at = 0;
    memset(out, 0, sizeof *out);
    nara_err_t err = get_blob(db, key, &buf, &len, found);
    if (err != NARA_OK || !*found)
        goto done;
    out->feeds = calloc(len / (NARA_PUBLICKEY_BYTES + 10) + 1, sizeof *out->feeds);
    if (out->feeds == NULL) {
        err = NARA_NOMEM;
        goto done;
    }
    while (at < len) {
        size_t used = get_feed(buf + at, len - at, &out->feeds[out->n]);
        if (used == 0) {
            err = NARA_CORRUPT;
            break;
        }
        at += used;
        out->n++;
    }
done:
    free(buf);
    if (err != NARA_OK)
        nara_vv_free(out);
    return err;
}
