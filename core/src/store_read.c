/*
 * store_read.c - the store's read-only side: version vectors, the streaming
 * iterator over what a remote replica lacks, the digest, counts, lookups and
 * the walks over fork evidence and quarantine.  Nothing here writes.
 *
 * Memory: the iterator holds two prepared statements and a copy of the
 * remote vector (one entry per feed), never events beyond the current one;
 * the digest hashes ids as SQLite steps over the id index.  Both are bounded
 * by the number of feeds, not the size of the log.
 *
 * Ordering: feeds are read ORDER BY author, stream, i.e. by memcmp of the
 * author then SQLite's BINARY collation of the stream, which for strings
 * without NUL is strcmp order; nara_vv_seq searches with the same order.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

/* Prepare a statement that lives outside the cache (walks, iterators). */
static nara_err_t prepare(nara_store_t *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return nara__store_sqlite_err(s, rc, sql);
}

nara_err_t nara_store_clock(nara_store_t *s, uint64_t *out)
{
    if (s == NULL || out == NULL)
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    return nara__store_clock_get(s, out);
}

/* ---- version vectors ---------------------------------------------------- */

static int cmp_feed(const uint8_t *author_a, const char *stream_a, const uint8_t *author_b,
                    const char *stream_b)
{
    int c = memcmp(author_a, author_b, NARA_PUBLICKEY_BYTES);
    return c != 0 ? c : strcmp(stream_a, stream_b);
}

/* Read one feeds row (author, stream, head_seq, head_id) into *f. */
static bool read_head(sqlite3_stmt *st, nara_feed_head_t *f)
{
    const unsigned char *stream = sqlite3_column_text(st, 1);
    int stream_len = sqlite3_column_bytes(st, 1);
    if (sqlite3_column_bytes(st, 0) != NARA_PUBLICKEY_BYTES ||
        sqlite3_column_bytes(st, 3) != NARA_ID_BYTES || stream == NULL ||
        stream_len > NARA_STREAM_MAX)
        return false;
    memcpy(f->author, sqlite3_column_blob(st, 0), NARA_PUBLICKEY_BYTES);
    memcpy(f->stream, stream, (size_t)stream_len + 1);
    f->seq = (uint64_t)sqlite3_column_int64(st, 2);
    memcpy(f->head, sqlite3_column_blob(st, 3), NARA_ID_BYTES);
    return true;
}

/* Grow vv by one entry; NARA_NOMEM leaves it as it was. */
static nara_err_t vv_push(nara_vv_t *vv, size_t *cap, nara_feed_head_t **slot)
{
    if (vv->n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        nara_feed_head_t *f = realloc(vv->feeds, ncap * sizeof *f);
        if (f == NULL)
            return NARA_NOMEM;
        vv->feeds = f;
        *cap = ncap;
    }
    *slot = &vv->feeds[vv->n++];
    return NARA_OK;
}

/* One entry per feed in (author, stream) order.  On failure *out is empty. */
nara_err_t nara_store_vv(nara_store_t *s, nara_vv_t *out)
{
    sqlite3_stmt *st;
    nara_feed_head_t *slot = NULL;
    size_t cap = 0;
    nara_err_t err = NARA_OK;
    int rc = SQLITE_DONE;

    if (out == NULL)
        return NARA_INVAL;
    memset(out, 0, sizeof *out);
    if (s == NULL)
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    st = nara__store_stmt(s, NARA__Q_VV);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        err = vv_push(out, &cap, &slot);
        if (err != NARA_OK)
            err = nara__store_fail(s, err, "vv: out of memory");
        else if (!read_head(st, slot))
            err = nara__store_fail(s, NARA_CORRUPT, "vv: bad feeds row");
    }
    if (err == NARA_OK)
        err = nara__store_sqlite_err(s, rc, "read version vector");
    sqlite3_reset(st);
    if (err != NARA_OK)
        nara_vv_free(out);
    return err;
}

void nara_vv_free(nara_vv_t *vv)
{
    if (vv == NULL)
        return;
    free(vv->feeds);
    vv->feeds = NULL;
    vv->n = 0;
}

uint64_t nara_vv_seq(const nara_vv_t *vv, const uint8_t author[NARA_PUBLICKEY_BYTES],
                     const char *stream)
{
    size_t lo = 0, hi;
    if (vv == NULL || author == NULL || stream == NULL)
        return 0;
    hi = vv->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const nara_feed_head_t *f = &vv->feeds[mid];
        int c = cmp_feed(f->author, f->stream, author, stream);
        if (c == 0)
            return f->seq;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---- iterator ----------------------------------------------------------- */

/* The iterator walks `feeds` in order; for each feed it includes, `events`
 * steps over seq > remote's seq.  `in_feed` says `events` is positioned. */
struct nara_iter {
    nara_store_t *s;
    sqlite3_stmt *feeds;
    sqlite3_stmt *events;
    bool in_feed;
    bool has_remote;
    nara_vv_t remote; /* private copy */
    nara_feed_filter_fn filter;
    void *filter_ctx;
};

nara_err_t nara_store_iter_missing(nara_store_t *s, const nara_vv_t *remote,
                                   nara_feed_filter_fn filter, void *filter_ctx,
                                   nara_iter_t **out)
{
    nara_iter_t *it;
    nara_err_t err;

    if (out == NULL)
        return NARA_INVAL;
    *out = NULL;
    if (s == NULL || (remote != NULL && remote->n > 0 && remote->feeds == NULL))
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    it = calloc(1, sizeof *it);
    if (it == NULL)
        return nara__store_fail(s, NARA_NOMEM, "iter: out of memory");
    it->s = s;
    it->filter = filter;
    it->filter_ctx = filter_ctx;
    it->has_remote = remote != NULL;
    if (remote != NULL && remote->n > 0) {
        it->remote.feeds = malloc(remote->n * sizeof *remote->feeds);
        if (it->remote.feeds == NULL) {
            err = nara__store_fail(s, NARA_NOMEM, "iter: out of memory");
            goto err;
        }
        memcpy(it->remote.feeds, remote->feeds, remote->n * sizeof *remote->feeds);
        it->remote.n = remote->n;
    }
    err = prepare(s, "SELECT author, stream, head_seq, id FROM feeds ORDER BY author, stream",
                  &it->feeds);
    if (err == NARA_OK)
        err = prepare(s,
                      "SELECT bytes, seq, id FROM events WHERE feed = ?1 AND seq > ?2 ORDER BY seq",
                      &it->events);
    if (err != NARA_OK)
        goto err;
    *out = it;
    return NARA_OK;
err:
    nara_iter_free(it);
    return err;
}

/* Move to the next feed the remote lacks events of.  *done at the end. */
static nara_err_t next_feed(nara_iter_t *it, bool *done)
{
    int rc;
    *done = false;
    while ((rc = sqlite3_step(it->feeds)) == SQLITE_ROW) {
        const uint8_t *author = sqlite3_column_blob(it->feeds, 0);
        const char *stream = (const char *)sqlite3_column_text(it->feeds, 1);
        uint64_t head = (uint64_t)sqlite3_column_int64(it->feeds, 2);
        uint64_t have;
        if (author == NULL || stream == NULL ||
            sqlite3_column_bytes(it->feeds, 0) != NARA_PUBLICKEY_BYTES)
            return nara__store_fail(it->s, NARA_CORRUPT, "iter: bad feeds row");
        if (it->filter && !it->filter(it->filter_ctx, author, stream))
            continue;
        have = it->has_remote ? nara_vv_seq(&it->remote, author, stream) : 0;
        if (have >= head)
            continue;
        sqlite3_reset(it->events);
        sqlite3_bind_int64(it->events, 1, sqlite3_column_int64(it->feeds, 3));
        sqlite3_bind_int64(it->events, 2, (sqlite3_int64)have);
        it->in_feed = true;
        return NARA_OK;
    }
    *done = true;
    return nara__store_sqlite_err(it->s, rc, "iter: read feeds");
}

nara_err_t nara_iter_next(nara_iter_t *it, nara_bytes_t *event, bool *has)
{
    bool done;
    if (it == NULL || event == NULL || has == NULL)
        return NARA_INVAL;
    *has = false;
    if (it->s->failed)
        return NARA_STORE_FAILED;
    for (;;) {
        if (it->in_feed) {
            int rc = sqlite3_step(it->events);
            if (rc == SQLITE_ROW) {
                event->bytes = sqlite3_column_blob(it->events, 0);
                event->len = (size_t)sqlite3_column_bytes(it->events, 0);
                *has = true;
                return NARA_OK;
            }
            it->in_feed = false;
            if (rc != SQLITE_DONE)
                return nara__store_sqlite_err(it->s, rc, "iter: read events");
        }
        nara_err_t err = next_feed(it, &done);
        if (err != NARA_OK || done)
            return err;
    }
}

nara_err_t nara_iter_position(const nara_iter_t *it, nara_feed_head_t *pos)
{
    if (it == NULL || pos == NULL)
        return NARA_INVAL;
    memset(pos, 0, sizeof *pos);
    if (!it->in_feed)
        return NARA_INVAL;
    const uint8_t *author = sqlite3_column_blob(it->feeds, 0);
    const char *stream = (const char *)sqlite3_column_text(it->feeds, 1);
    const uint8_t *id = sqlite3_column_blob(it->events, 2);
    size_t stream_len = (size_t)sqlite3_column_bytes(it->feeds, 1);
    if (author == NULL || stream == NULL || id == NULL || stream_len > NARA_STREAM_MAX ||
        sqlite3_column_bytes(it->events, 2) != NARA_ID_BYTES)
        return NARA_CORRUPT;
    memcpy(pos->author, author, NARA_PUBLICKEY_BYTES);
    memcpy(pos->stream, stream, stream_len);
    pos->seq = (uint64_t)sqlite3_column_int64(it->events, 1);
    memcpy(pos->head, id, NARA_ID_BYTES);
    return NARA_OK;
}

/* Finalizes the iterator's own statements only; safe after nara_store_close. */
void nara_iter_free(nara_iter_t *it)
{
    if (it == NULL)
        return;
    sqlite3_finalize(it->events);
    sqlite3_finalize(it->feeds);
    nara_vv_free(&it->remote);
    free(it);
}

/* ---- digest, counts, lookups -------------------------------------------- */

/* Hash count and ids inside the caller's read savepoint. */
static nara_err_t hash_ids(nara_store_t *s, uint8_t out[NARA_HASH_BYTES])
{
    static const char domain[] = "nara/v1/digest"; /* hashed with its NUL */
    crypto_generichash_state h;
    uint8_t be[8];
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_EVENT_COUNT);
    int rc = sqlite3_step(st);
    uint64_t count = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    nara_err_t err = nara__store_sqlite_err(s, rc, "digest: count");
    sqlite3_reset(st);
    if (err != NARA_OK)
        return err;
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(count >> (56 - 8 * i));
    crypto_generichash_init(&h, NULL, 0, NARA_HASH_BYTES);
    crypto_generichash_update(&h, (const unsigned char *)domain, sizeof domain);
    crypto_generichash_update(&h, be, sizeof be);
    st = nara__store_stmt(s, NARA__Q_EVENT_IDS);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) != NARA_ID_BYTES)
            err = nara__store_fail(s, NARA_CORRUPT, "digest: bad id");
        else
            crypto_generichash_update(&h, sqlite3_column_blob(st, 0), NARA_ID_BYTES);
    }
    if (err == NARA_OK)
        err = nara__store_sqlite_err(s, rc, "digest: ids");
    sqlite3_reset(st);
    crypto_generichash_final(&h, out, NARA_HASH_BYTES);
    return err;
}

/* count and ids are read in one savepoint, so they agree even if another
 * connection writes in between. */
nara_err_t nara_store_digest(nara_store_t *s, uint8_t out[NARA_HASH_BYTES])
{
    if (s == NULL || out == NULL)
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    nara_err_t err = nara__store_exec(s, nara__store_stmt(s, NARA__Q_READ_BEGIN), "digest");
    if (err != NARA_OK)
        return err;
    err = hash_ids(s, out);
    nara_err_t end = nara__store_exec(s, nara__store_stmt(s, NARA__Q_READ_END), "digest");
    return err != NARA_OK ? err : end;
}

nara_err_t nara_store_counts(nara_store_t *s, nara_store_counts_t *out)
{
    if (s == NULL || out == NULL)
        return NARA_INVAL;
    memset(out, 0, sizeof *out);
    if (s->failed)
        return NARA_STORE_FAILED;
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_COUNTS);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, "counts");
    if (err == NARA_OK && rc == SQLITE_ROW) {
        out->events = (uint64_t)sqlite3_column_int64(st, 0);
        out->feeds = (uint64_t)sqlite3_column_int64(st, 1);
        out->pending = (uint64_t)sqlite3_column_int64(st, 2);
        out->forks = (uint64_t)sqlite3_column_int64(st, 3);
        out->quarantined = (uint64_t)sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    return err;
}

nara_err_t nara_store_get(nara_store_t *s, const uint8_t id[NARA_ID_BYTES], uint8_t *buf,
                          size_t cap, size_t *len)
{
    if (s == NULL || id == NULL || len == NULL || (buf == NULL && cap > 0))
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    sqlite3_stmt *st = nara__store_stmt(s, NARA__Q_EVENT_GET);
    sqlite3_bind_blob(st, 1, id, NARA_ID_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__store_sqlite_err(s, rc, "get event");
    if (err == NARA_OK && rc != SQLITE_ROW)
        err = NARA_NOT_FOUND;
    if (err == NARA_OK) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        if (*len > cap)
            err = NARA_BUFFER_TOO_SMALL;
        else
            memcpy(buf, sqlite3_column_blob(st, 0), *len);
    }
    sqlite3_reset(st);
    return err;
}

/* ---- walks -------------------------------------------------------------- */

static nara_bytes_t column_bytes(sqlite3_stmt *st, int col)
{
    nara_bytes_t b = {sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col)};
    return b;
}

/* Fill a fork record from the current row; false if the row is malformed. */
static bool read_fork(sqlite3_stmt *st, nara_fork_t *f)
{
    const unsigned char *stream = sqlite3_column_text(st, 1);
    int stream_len = sqlite3_column_bytes(st, 1);
    if (sqlite3_column_bytes(st, 0) != NARA_PUBLICKEY_BYTES || stream == NULL ||
        stream_len > NARA_STREAM_MAX)
        return false;
    memcpy(f->author, sqlite3_column_blob(st, 0), NARA_PUBLICKEY_BYTES);
    memcpy(f->stream, stream, (size_t)stream_len + 1);
    f->seq = (uint64_t)sqlite3_column_int64(st, 2);
    f->held = column_bytes(st, 3);
    f->other = column_bytes(st, 4);
    f->reason = (nara_err_t)sqlite3_column_int(st, 5);
    return true;
}

/* Oldest first.  The walk uses its own statement, so the callback may call
 * any read function of the store (but must not write to it). */
nara_err_t nara_store_each_fork(nara_store_t *s, int (*fn)(void *ctx, const nara_fork_t *f),
                                void *ctx)
{
    sqlite3_stmt *st = NULL;
    nara_fork_t f;
    int rc = SQLITE_DONE;

    if (s == NULL || fn == NULL)
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    nara_err_t err =
        prepare(s, "SELECT author, stream, seq, held, other, reason FROM forks ORDER BY ord", &st);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!read_fork(st, &f)) {
            err = nara__store_fail(s, NARA_CORRUPT, "each_fork: bad forks row");
            break;
        }
        if (fn(ctx, &f) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (err == NARA_OK)
        err = nara__store_sqlite_err(s, rc, "each_fork");
    sqlite3_finalize(st);
    return err;
}

static void read_quarantined(sqlite3_stmt *st, nara_quarantined_t *q)
{
    memset(q, 0, sizeof *q);
    q->bytes = column_bytes(st, 0);
    q->reason = (nara_err_t)sqlite3_column_int(st, 1);
    q->has_id = sqlite3_column_bytes(st, 2) == NARA_ID_BYTES;
    if (q->has_id)
        memcpy(q->id, sqlite3_column_blob(st, 2), NARA_ID_BYTES);
    q->wall_ms = (uint64_t)sqlite3_column_int64(st, 3);
}

/* Oldest first; same callback rules as nara_store_each_fork. */
nara_err_t nara_store_each_quarantined(nara_store_t *s,
                                       int (*fn)(void *ctx, const nara_quarantined_t *q),
                                       void *ctx)
{
    sqlite3_stmt *st = NULL;
    nara_quarantined_t q;
    int rc = SQLITE_DONE;

    if (s == NULL || fn == NULL)
        return NARA_INVAL;
    if (s->failed)
        return NARA_STORE_FAILED;
    nara_err_t err =
        prepare(s, "SELECT bytes, reason, id, wall_ms FROM quarantine ORDER BY ord", &st);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_quarantined(st, &q);
        if (fn(ctx, &q) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (err == NARA_OK)
        err = nara__store_sqlite_err(s, rc, "each_quarantined");
    sqlite3_finalize(st);
    return err;
}
