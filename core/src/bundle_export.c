/*
 * bundle_export.c - choosing the events of a bundle (regions, dates), the
 * region list as text, fork records, and the provincial server's export
 * from its store and transparency log (nara_bundle.h; docs/audit.md 5.3).
 *
 * Selection keeps every exported feed verifiable on its own: a feed is
 * exported from seq 1, so its hash chain can be checked and the domain can
 * replay it; the date bounds choose which region feeds (one event in range)
 * and where each one stops (its last event not after to_ms).  The province
 * stream is always kept whole: it holds the enrolments and revocations
 * every authority check needs.
 *
 * Invariants: the store is only read; memory is bounded by the number of
 * feeds (the set of feeds a date range keeps), never by the number of
 * events; the server's export reads one snapshot (a read transaction), so
 * heads, proofs and events agree even while narad keeps writing.
 */
#include <stdlib.h>
#include <string.h>

#include "nara_bundle.h"
#include "nara_hlc.h"
#include "store_internal.h"

/* ---- the filter -------------------------------------------------------------------- */

bool nara_bundle_filter_all(const nara_bundle_filter_t *f)
{
    return f == NULL ||
           ((f->regions == NULL || f->n_regions == 0) && f->from_ms == 0 && f->to_ms == 0);
}

static bool stream_kept(const nara_bundle_filter_t *f, const char *stream)
{
    if (f == NULL || f->regions == NULL || f->n_regions == 0 ||
        strcmp(stream, NARA_STREAM_PROVINCE) == 0)
        return true;
    for (size_t i = 0; i < f->n_regions; i++)
        if (strcmp(f->regions[i], stream) == 0)
            return true;
    return false;
}

typedef struct {
    uint8_t author[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
} feed_key_t;

static int key_cmp(const void *a, const void *b)
{
    const feed_key_t *x = a, *y = b;
    int c = memcmp(x->author, y->author, NARA_PUBLICKEY_BYTES);
    return c ? c : strcmp(x->stream, y->stream);
}

typedef struct {
    const nara_bundle_filter_t *f;
    feed_key_t *kept; /* sorted; NULL: no date bound, every feed of a kept stream */
    size_t n, cap;
    bool dated;
} sel_t;

static bool feed_filter(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    sel_t *s = ctx;
    feed_key_t k;
    if (!stream_kept(s->f, stream))
        return false;
    if (!s->dated || strcmp(stream, NARA_STREAM_PROVINCE) == 0)
        return true;
    memcpy(k.author, author, NARA_PUBLICKEY_BYTES);
    snprintf(k.stream, sizeof k.stream, "%s", stream);
    return s->n && bsearch(&k, s->kept, s->n, sizeof k, key_cmp) != NULL;
}

static bool same_feed(const nara_event_t *a, const feed_key_t *k)
{
    return memcmp(a->author, k->author, NARA_PUBLICKEY_BYTES) == 0 &&
           strcmp(a->stream, k->stream) == 0;
}

/* Pass 1: the feeds with an event claimed inside [from, to]. */
static nara_err_t find_kept(nara_store_t *st, sel_t *s)
{
    nara_iter_t *it = NULL;
    nara_bytes_t b;
    nara_event_t ev;
    bool has = true, dated = s->dated;
    uint64_t from = s->f->from_ms, to = s->f->to_ms ? s->f->to_ms : UINT64_MAX;
    s->dated = false; /* stream filter only, for this pass */
    nara_err_t err = nara_store_iter_missing(st, NULL, feed_filter, s, &it);
    s->dated = dated;
    while (err == NARA_OK && (err = nara_iter_next(it, &b, &has)) == NARA_OK && has) {
        if (nara_event_decode(b.bytes, b.len, &ev) != NARA_OK) {
            err = NARA_CORRUPT; /* NEVER: the store holds valid events only */
            break;
        }
        uint64_t ms = nara_hlc_ms(ev.hlc);
        if (ms < from || ms > to || (s->n && same_feed(&ev, &s->kept[s->n - 1])))
            continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 64;
            feed_key_t *v = realloc(s->kept, cap * sizeof *v);
            if (v == NULL) {
                err = NARA_NOMEM;
                break;
            }
            s->kept = v;
            s->cap = cap;
        }
        memcpy(s->kept[s->n].author, ev.author, NARA_PUBLICKEY_BYTES);
        memcpy(s->kept[s->n].stream, ev.stream, sizeof ev.stream);
        s->n++;
    }
    nara_iter_free(it);
    if (err == NARA_OK && s->n > 1)
        qsort(s->kept, s->n, sizeof *s->kept, key_cmp); /* already sorted; cheap to be sure */
    return err;
}

nara_err_t nara_bundle_select(nara_store_t *st, const nara_bundle_filter_t *f,
                              nara_err_t (*fn)(void *ctx, const nara_event_t *ev,
                                               const nara_bytes_t *bytes),
                              void *ctx)
{
    sel_t s = {f, NULL, 0, 0, false};
    nara_iter_t *it = NULL;
    nara_bytes_t b;
    nara_event_t ev;
    feed_key_t cut; /* the feed whose rest is after to_ms */
    bool has = true, cutting = false;
    nara_err_t err = NARA_OK;
    if (st == NULL || fn == NULL)
        return NARA_INVAL;
    s.dated = f != NULL && (f->from_ms != 0 || f->to_ms != 0);
    if (s.dated)
        err = find_kept(st, &s);
    if (err == NARA_OK)
        err = nara_store_iter_missing(st, NULL, feed_filter, &s, &it);
    while (err == NARA_OK && (err = nara_iter_next(it, &b, &has)) == NARA_OK && has) {
        if (nara_event_decode(b.bytes, b.len, &ev) != NARA_OK) {
            err = NARA_CORRUPT; /* NEVER */
            break;
        }
        if (cutting && same_feed(&ev, &cut))
            continue;
        cutting = false;
        if (s.dated && f->to_ms && nara_hlc_ms(ev.hlc) > f->to_ms &&
            strcmp(ev.stream, NARA_STREAM_PROVINCE) != 0) {
            memcpy(cut.author, ev.author, NARA_PUBLICKEY_BYTES);
            memcpy(cut.stream, ev.stream, sizeof ev.stream);
            cutting = true;
            continue;
        }
        err = fn(ctx, &ev, &b);
    }
    nara_iter_free(it);
    free(s.kept);
    return err;
}

/* ---- forks ------------------------------------------------------------------------------ */

typedef struct {
    nara_bundle_writer_t *w;
    const nara_bundle_filter_t *f;
    nara_err_t err;
} forks_t;

static int write_fork(void *ctx, const nara_fork_t *k)
{
    forks_t *x = ctx;
    if (!stream_kept(x->f, k->stream))
        return 0;
    x->err = nara_bundle_write_fork(x->w, k->held.bytes, k->held.len, k->other.bytes, k->other.len);
    return x->err != NARA_OK;
}

nara_err_t nara_bundle_write_store_forks(nara_bundle_writer_t *w, nara_store_t *s,
                                         const nara_bundle_filter_t *f)
{
    forks_t x = {w, f, NARA_OK};
    if (w == NULL || s == NULL)
        return NARA_INVAL;
    nara_err_t err = nara_store_each_fork(s, write_fork, &x);
    return err != NARA_OK ? err : x.err;
}

/* ---- the region list as text --------------------------------------------------------------- */

nara_err_t nara_regions_format(const nara_regions_t *r, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    if (r == NULL || len == NULL || (buf == NULL && cap))
        return NARA_INVAL;
    int k = snprintf(buf, cap, "province\t%s\t%s\n", nara_regions_province_code(r),
                     nara_regions_province_name(r));
    n += (size_t)k;
    for (size_t i = 0; i < nara_regions_count(r); i++) {
        const nara_region_t *g = nara_regions_at(r, i);
        k = snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, "%s\t%s\t%s\n", g->code,
                     nara_region_type_name(g->type), g->name);
        n += (size_t)k;
    }
    *len = n;
    return n < cap ? NARA_OK : NARA_BUFFER_TOO_SMALL;
}

/* ---- the server's export -----------------------------------------------------------------------
 */

typedef struct {
    nara_tlog_t *t;
    nara_bundle_writer_t *w;
    nara_tree_head_t last; /* the largest head */
    bool has_last;
    uint64_t prev; /* consistency pass: size of the previous head */
    bool has_prev;
    nara_err_t err;
} exp_t;

static int find_last(void *ctx, const nara_tree_head_t *h)
{
    exp_t *x = ctx;
    x->last = *h;
    x->has_last = true;
    return 0;
}

static int put_head(void *ctx, const nara_tree_head_t *h)
{
    exp_t *x = ctx;
    if (h->size > x->last.size)
        return 1;
    x->err = nara_bundle_write_head(x->w, h);
    return x->err != NARA_OK;
}

static int put_consistency(void *ctx, const nara_tree_head_t *h)
{
    exp_t *x = ctx;
    nara_merkle_proof_t p;
    if (h->size > x->last.size)
        return 1;
    if (x->has_prev) {
        x->err = nara_tlog_prove_consistency(x->t, x->prev, h->size, &p);
        if (x->err == NARA_OK)
            x->err = nara_bundle_write_consistency(x->w, x->prev, h->size, &p);
    }
    x->prev = h->size;
    x->has_prev = true;
    return x->err != NARA_OK;
}

static nara_err_t put_inclusion(void *ctx, const nara_event_t *ev, const nara_bytes_t *b)
{
    exp_t *x = ctx;
    nara_merkle_proof_t p;
    uint64_t leaf;
    (void)b;
    nara_err_t err = nara_tlog_find(x->t, ev->id, &leaf);
    if (err == NARA_NOT_FOUND || (err == NARA_OK && (!x->has_last || leaf >= x->last.size)))
        return NARA_OK; /* logged after the largest head: no proof yet */
    if (err == NARA_OK)
        err = nara_tlog_prove_inclusion(x->t, leaf, x->last.size, &p);
    return err != NARA_OK ? err : nara_bundle_write_inclusion(x->w, ev->id, x->last.size, leaf, &p);
}

static nara_err_t put_event(void *ctx, const nara_event_t *ev, const nara_bytes_t *b)
{
    exp_t *x = ctx;
    uint64_t leaf = 0;
    nara_err_t err = nara_tlog_find(x->t, ev->id, &leaf);
    if (err != NARA_OK && err != NARA_NOT_FOUND)
        return err;
    return nara_bundle_write_event(x->w, err == NARA_OK, leaf, b->bytes, b->len);
}

static void describe(const nara_bundle_filter_t *f, char *note, size_t cap)
{
    size_t n = (size_t)snprintf(note, cap, "%s", "province server log");
    if (nara_bundle_filter_all(f)) {
        snprintf(note + n, cap - n, "%s", ": whole province");
        return;
    }
    for (size_t i = 0; f->regions && i < f->n_regions && n < cap; i++)
        n += (size_t)snprintf(note + n, cap - n, "%s%s", i ? "," : "; regions ", f->regions[i]);
    if (f->from_ms && n < cap)
        n += (size_t)snprintf(note + n, cap - n, "; from %llu ms", (unsigned long long)f->from_ms);
    if (f->to_ms && n < cap)
        snprintf(note + n, cap - n, "; to %llu ms", (unsigned long long)f->to_ms);
}

static nara_err_t export_snapshot(nara_store_t *s, exp_t *x, const nara_bundle_header_t *h0,
                                  const nara_bundle_filter_t *f, FILE *out,
                                  nara_bundle_counts_t *counts)
{
    nara_bundle_header_t h = *h0;
    uint64_t size = 0;
    nara_err_t err = nara_tlog_each_head(x->t, find_last, x);
    if (err == NARA_OK)
        err = nara_tlog_size(x->t, &size);
    if (err != NARA_OK)
        return err;
    h.complete = nara_bundle_filter_all(f) && x->has_last && x->last.size == size;
    err = nara_bundle_writer_open(out, &h, &x->w);
    if (err == NARA_OK && x->has_last)
        err = nara_tlog_each_head(x->t, put_head, x);
    if (err == NARA_OK)
        err = x->err;
    if (err == NARA_OK && x->has_last)
        err = nara_tlog_each_head(x->t, put_consistency, x);
    if (err == NARA_OK)
        err = x->err;
    if (err == NARA_OK)
        err = nara_bundle_select(s, f, put_inclusion, x);
    if (err == NARA_OK)
        err = nara_bundle_select(s, f, put_event, x);
    if (err == NARA_OK)
        err = nara_bundle_write_store_forks(x->w, s, f);
    if (err == NARA_OK)
        err = nara_bundle_writer_finish(x->w, counts);
    return err;
}

nara_err_t nara_bundle_export_log(nara_store_t *s, nara_tlog_t *t,
                                  const uint8_t root[NARA_PUBLICKEY_BYTES],
                                  const nara_regions_t *regions, const nara_bundle_filter_t *f,
                                  uint64_t created_ms, FILE *out, nara_bundle_counts_t *counts)
{
    exp_t x;
    char note[NARA_BUNDLE_NOTE_MAX], *text = NULL;
    size_t len = 0;
    if (s == NULL || t == NULL || root == NULL || out == NULL)
        return NARA_INVAL;
    if (regions == NULL)
        regions = nara_regions_default();
    nara_err_t err = nara_regions_format(regions, NULL, 0, &len);
    if (err != NARA_BUFFER_TOO_SMALL && err != NARA_OK)
        return err;
    if (len > NARA_BUNDLE_REGIONS_MAX)
        return NARA_TOO_LARGE;
    text = malloc(len + 1);
    if (text == NULL)
        return NARA_NOMEM;
    nara_regions_format(regions, text, len + 1, &len);
    describe(f, note, sizeof note);
    nara_bundle_header_t h = {.regions = text,
                              .regions_len = len,
                              .created_ms = created_ms,
                              .note = note,
                              .note_len = strlen(note)};
    memcpy(h.root, root, NARA_PUBLICKEY_BYTES);
    memset(&x, 0, sizeof x);
    x.t = t;
    sqlite3 *db = nara__store_db(s);
    err = nara__store_sqlite_err(s, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "export: begin");
    if (err == NARA_OK) {
        err = export_snapshot(s, &x, &h, f, out, counts);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL); /* a read: nothing to lose */
    }
    nara_bundle_writer_free(x.w);
    free(text);
    return err;
}
