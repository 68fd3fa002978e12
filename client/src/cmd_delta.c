/*
 * cmd_delta.c - sneakernet: `nara export` writes a delta file (delta.h) and
 * `nara import` merges one.
 *
 * Invariants:
 *  1. Export streams from the store (nara_store_iter_missing) and never
 *     holds more than one event; the file appears under its name only when
 *     complete (written as NAME.tmp-PID, fsync'd, renamed).
 *  2. Import merges through nara_store_merge in bounded batches (at most
 *     BATCH_EVENTS events and BATCH_BYTES bytes), so it applies exactly the
 *     checks of a live sync, and the domain folds every batch.  A damaged
 *     file is refused at the offset of the damage; every valid event before
 *     it is merged and kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delta.h"
#include "nara_cli.h"

#define BATCH_EVENTS 256u
#define BATCH_BYTES (4u * 1024u * 1024u)
#define REASONS 64

/* ---- export -------------------------------------------------------------------- */

typedef struct {
    const char *region; /* NULL: every stream */
} export_filter_t;

static bool keep_feed(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    const export_filter_t *f = ctx;
    (void)author;
    return f->region == NULL || strcmp(f->region, stream) == 0;
}

/* The vector the export starts from: the server's last known one, or NULL. */
static int export_base(nara_app_t *app, bool all, nara_vv_t *vv, bool *have)
{
    *have = false;
    memset(vv, 0, sizeof *vv);
    if (all)
        return NARA_EXIT_OK;
    nara_err_t err = nara_meta_get_vv(app->meta, NARA_META_SERVER_VV, vv, have);
    if (err == NARA_CORRUPT) {
        fputs(nara_msg(NARA_MSG_NOTE_VV_UNREADABLE), stderr);
        return NARA_EXIT_OK;
    }
    return err == NARA_OK ? NARA_EXIT_OK : nara_fail_err(app, err, NARA_MSG_DOING_READING_SETTINGS);
}

static nara_err_t write_events(nara_app_t *app, const nara_vv_t *base, export_filter_t *flt,
                               FILE *f, uint64_t *count, uint64_t *bytes)
{
    nara_delta_writer_t w;
    nara_iter_t *it = NULL;
    nara_bytes_t ev;
    bool has = true;
    nara_err_t err = nara_store_iter_missing(app->store, base, keep_feed, flt, &it);
    if (err == NARA_OK)
        err = nara_delta_write_begin(&w, f);
    while (err == NARA_OK) {
        err = nara_iter_next(it, &ev, &has);
        if (err != NARA_OK || !has)
            break;
        err = nara_delta_write_event(&w, ev.bytes, ev.len);
        *bytes += ev.len;
    }
    if (err == NARA_OK)
        err = nara_delta_write_end(&w);
    *count = w.count;
    nara_iter_free(it);
    return err;
}

static void export_summary(const nara_app_t *app, const char *out, uint64_t count,
                           uint64_t bytes, bool from_server)
{
    if (app->json) {
        nara_json_t j;
        nara_json_start(&j, stdout);
        nara_json_str(&j, "file", out);
        nara_json_u64(&j, "events", count);
        nara_json_u64(&j, "bytes", bytes);
        nara_json_str(&j, "base", from_server ? "server" : "all");
        nara_json_finish(&j);
        return;
    }
    printf(nara_msg(NARA_MSG_EXPORT_DONE), (unsigned long long)count, (unsigned long long)bytes,
           out, nara_msg(from_server ? NARA_MSG_EXPORT_BASE_SERVER : NARA_MSG_EXPORT_BASE_ALL));
}

static int export_file(nara_app_t *app, const char *out, bool all, const char *region)
{
    char tmp[NARA_PATH_MAX + 32];
    export_filter_t flt = {region};
    uint64_t count = 0, bytes = 0;
    nara_vv_t base;
    bool have = false;
    int rc = export_base(app, all, &base, &have);
    if (rc != NARA_EXIT_OK)
        return rc;
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", out, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        nara_vv_free(&base);
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_OUT_CREATE, out, strerror(errno));
    }
    nara_err_t err = write_events(app, have ? &base : NULL, &flt, f, &count, &bytes);
    if (fclose(f) != 0 && err == NARA_OK)
        err = NARA_IO;
    if (err == NARA_OK && rename(tmp, out) != 0)
        err = NARA_IO;
    nara_vv_free(&base);
    if (err != NARA_OK) {
        unlink(tmp);
        return nara_fail_err(app, err, NARA_MSG_DOING_WRITING_DELTA);
    }
    export_summary(app, out, count, bytes, have);
    return NARA_EXIT_OK;
}

int nara_cmd_export(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"out", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"for-server", NARA_OPT_FLAG, NULL},
                         {"all", NARA_OPT_FLAG, NULL},
                         {"region", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara export --out FILE [--for-server | --all] [--region R]",
                            NARA_MSG_HELP_EXPORT, NULL, opts, NULL};
    const char *region;
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK && nara_flag(&spec, "all") && nara_flag(&spec, "for-server"))
        rc = nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_EXPORT_BOTH);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_STORE);
    region = nara_opt(&spec, "region");
    if (rc == NARA_EXIT_OK && region && strcmp(region, NARA_STREAM_PROVINCE) != 0)
        rc = nara_check_region(app, "region", region);
    if (rc == NARA_EXIT_OK)
        rc = export_file(app, nara_opt(&spec, "out"), nara_flag(&spec, "all"), region);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- import -------------------------------------------------------------------- */

typedef struct {
    uint8_t *arena;          /* BATCH_BYTES */
    size_t used;
    nara_bytes_t ev[BATCH_EVENTS];
    nara_outcome_t out[BATCH_EVENTS];
    size_t n;
    uint64_t read;
    nara_merge_stats_t total;
    uint64_t reasons[REASONS];
} import_t;

static nara_err_t flush_batch(nara_app_t *app, import_t *im)
{
    nara_merge_stats_t st;
    if (im->n == 0)
        return NARA_OK;
    nara_err_t err = nara_store_merge(app->store, im->ev, im->n, nara_now_ms(), im->out, &st);
    if (err != NARA_OK)
        return err;
    im->total.added += st.added;
    im->total.duplicates += st.duplicates;
    im->total.pending += st.pending;
    im->total.rejected += st.rejected;
    im->total.forks += st.forks;
    im->total.promoted += st.promoted;
    for (size_t i = 0; i < im->n; i++)
        if (im->out[i].kind == NARA_OUTCOME_REJECTED || im->out[i].kind == NARA_OUTCOME_FORK)
            im->reasons[(unsigned)im->out[i].reason % REASONS]++;
    im->n = 0;
    im->used = 0;
    return NARA_OK;
}

static nara_err_t add_event(nara_app_t *app, import_t *im, const nara_bytes_t *ev)
{
    if (im->n == BATCH_EVENTS || im->used + ev->len > BATCH_BYTES) {
        nara_err_t err = flush_batch(app, im);
        if (err != NARA_OK)
            return err;
    }
    memcpy(im->arena + im->used, ev->bytes, ev->len);
    im->ev[im->n].bytes = im->arena + im->used;
    im->ev[im->n].len = ev->len;
    im->used += ev->len;
    im->n++;
    im->read++;
    return NARA_OK;
}

static void import_summary(const nara_app_t *app, const import_t *im,
                           const nara_delta_reader_t *r, bool damaged)
{
    const nara_merge_stats_t *t = &im->total;
    nara_json_t j;
    if (app->json) {
        nara_json_start(&j, stdout);
        nara_json_u64(&j, "read", im->read);
        nara_json_u64(&j, "added", t->added);
        nara_json_u64(&j, "duplicates", t->duplicates);
        nara_json_u64(&j, "pending", t->pending);
        nara_json_u64(&j, "rejected", t->rejected);
        nara_json_u64(&j, "forks", t->forks);
        nara_json_u64(&j, "promoted", t->promoted);
        nara_json_obj(&j, "reasons");
        for (int i = 0; i < REASONS; i++)
            if (im->reasons[i])
                nara_json_u64(&j, nara_err_name((nara_err_t)i), im->reasons[i]);
        nara_json_end(&j);
        if (damaged) {
            nara_json_u64(&j, "damaged_at", r->bad_offset);
            nara_json_str(&j, "damage", r->why);
        }
        nara_json_finish(&j);
        return;
    }
    printf(nara_msg(NARA_MSG_IMPORT_DONE), (unsigned long long)im->read, t->added, t->duplicates,
           t->pending, t->rejected, t->forks, t->promoted);
    for (int i = 0; i < REASONS; i++)
        if (im->reasons[i])
            printf(nara_msg(NARA_MSG_SYNC_REFUSED), (unsigned long long)im->reasons[i],
                   nara_err_text((nara_err_t)i), nara_err_name((nara_err_t)i));
}

/* Read and merge the whole file; *damaged when the reader stopped early. */
static nara_err_t import_stream(nara_app_t *app, import_t *im, nara_delta_reader_t *r,
                                bool *damaged)
{
    nara_bytes_t ev;
    bool has = true;
    nara_err_t err = NARA_OK, rerr = NARA_OK;
    *damaged = false;
    while (err == NARA_OK) {
        rerr = nara_delta_read_next(r, &ev, &has);
        if (rerr != NARA_OK || !has)
            break;
        err = add_event(app, im, &ev);
    }
    if (err == NARA_OK)
        err = flush_batch(app, im); /* the valid prefix, also before damage */
    *damaged = rerr != NARA_OK;
    return err;
}

/* Not a delta file at all. */
static int not_delta(const nara_app_t *app, const char *path, const nara_delta_reader_t *r)
{
    char en[NARA_PATH_MAX + 256], loc[NARA_PATH_MAX + 320];
    snprintf(en, sizeof en, "%s: %s", path, r->why);
    snprintf(loc, sizeof loc, "%s: %s", path, r->why_local);
    return nara_fail_text(app, NARA_EXIT_USAGE, en, loc);
}

/* A file damaged after `merged` valid events (exit 2). */
static int damaged_at(const char *path, const nara_delta_reader_t *r, uint64_t merged)
{
    char en[1024], loc[1024];
    nara_msg_format(NARA_LANG_EN, en, sizeof en, NARA_MSG_IMPORT_DAMAGED, path,
                    (unsigned long long)r->bad_offset, r->why, (unsigned long long)merged);
    nara_msg_format(nara_msg_lang(), loc, sizeof loc, NARA_MSG_IMPORT_DAMAGED, path,
                    (unsigned long long)r->bad_offset, r->why_local, (unsigned long long)merged);
    return nara_fail_text(NULL, NARA_EXIT_PARTIAL, en, loc);
}

static int import_file(nara_app_t *app, const char *path)
{
    static nara_delta_reader_t r;
    import_t *im = calloc(1, sizeof *im);
    bool damaged = false;
    int rc = NARA_EXIT_OK;
    FILE *f = fopen(path, "rb");
    if (im)
        im->arena = malloc(BATCH_BYTES);
    if (im == NULL || im->arena == NULL)
        rc = nara_fail_err(app, NARA_NOMEM, NARA_MSG_DOING_MERGING_DELTA);
    else if (f == NULL)
        rc = nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_CANNOT_READ, path, strerror(errno));
    else if (nara_delta_read_begin(&r, f) != NARA_OK)
        rc = not_delta(app, path, &r);
    if (rc != NARA_EXIT_OK)
        goto err;
    nara_err_t err = import_stream(app, im, &r, &damaged);
    if (err != NARA_OK) {
        rc = nara_fail_err(app, err, NARA_MSG_DOING_MERGING_DELTA);
        goto err;
    }
    import_summary(app, im, &r, damaged);
    if (damaged)
        rc = damaged_at(path, &r, im->read); /* the summary carries the damage in --json */
    else if (im->total.rejected || im->total.forks)
        rc = NARA_EXIT_PARTIAL;
err:
    if (f)
        fclose(f);
    if (im)
        free(im->arena);
    free(im);
    return rc;
}

int nara_cmd_import(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara import FILE", NARA_MSG_HELP_IMPORT, "FILE", opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = import_file(app, spec.pos);
    nara_app_close(app);
    return NARA_PARSED(rc);
}
