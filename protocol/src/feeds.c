/*
 * feeds.c - sorted vectors of feed heads owned by the protocol.
 *
 * A session keeps one such vector per peer: what the peer is known to hold
 * (its version vector, raised by every event we sent it and every event it
 * sent us).  Invariant: entries are strictly increasing in the order of
 * nara_store_vv (author bytes, then stream bytes), so the vector can be
 * handed to nara_store_iter_missing() as a nara_vv_t, and seqs only grow.
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int nara__feed_cmp(const uint8_t author_a[NARA_PUBLICKEY_BYTES], const char *stream_a,
                   const uint8_t author_b[NARA_PUBLICKEY_BYTES], const char *stream_b)
{
    int c = memcmp(author_a, author_b, NARA_PUBLICKEY_BYTES);
    return c != 0 ? c : strcmp(stream_a, stream_b);
}

/* Index of the feed, or of where it would go; *found says which. */
static size_t feeds_find(const nara__feeds_t *f, const uint8_t author[NARA_PUBLICKEY_BYTES],
                         const char *stream, int *found)
{
    size_t lo = 0, hi = f->n;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = nara__feed_cmp(f->v[mid].author, f->v[mid].stream, author, stream);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static nara_err_t feeds_reserve(nara__feeds_t *f)
{
    if (f->n < f->cap)
        return NARA_OK;
    size_t cap = f->cap ? f->cap * 2 : 16;
    nara_feed_head_t *v = realloc(f->v, cap * sizeof *v);
    if (!v)
        return NARA_NOMEM;
    f->v = v;
    f->cap = cap;
    return NARA_OK;
}

nara_err_t nara__feeds_advance(nara__feeds_t *f, const uint8_t author[NARA_PUBLICKEY_BYTES],
                               const char *stream, uint64_t seq, const uint8_t id[NARA_ID_BYTES],
                               size_t max)
{
    int found;
    size_t i = feeds_find(f, author, stream, &found);
    nara_feed_head_t *e;
    if (found) {
        e = &f->v[i];
        if (e->seq < seq) {
            e->seq = seq;
            memcpy(e->head, id, NARA_ID_BYTES);
        }
        return NARA_OK;
    }
    if (f->n >= max)
        return NARA_TOO_LARGE;
    if (feeds_reserve(f) != NARA_OK)
        return NARA_NOMEM;
    memmove(&f->v[i + 1], &f->v[i], (f->n - i) * sizeof *f->v);
    f->n++;
    e = &f->v[i];
    memset(e, 0, sizeof *e);
    memcpy(e->author, author, NARA_PUBLICKEY_BYTES);
    memcpy(e->stream, stream, strlen(stream) + 1);
    e->seq = seq;
    memcpy(e->head, id, NARA_ID_BYTES);
    return NARA_OK;
}

void nara__feeds_free(nara__feeds_t *f)
{
    if (!f)
        return;
    free(f->v);
    memset(f, 0, sizeof *f);
}

nara_vv_t nara__feeds_view(const nara__feeds_t *f)
{
    nara_vv_t vv = {f->v, f->n};
    return vv;
}
