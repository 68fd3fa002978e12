/*
 * cmd_bundle.c - `nara export-bundle`: this replica's audit bundle
 * (docs/audit.md section 5): every tree head this device accepted from the
 * province server, the consistency proofs between them, its receipts, the
 * chosen events (each with its leaf when it has a receipt) and the fork
 * evidence it holds.  It is what a regency shows an auditor to prove the
 * province received its reports.
 *
 * Invariants: a receipt is written only for an event the bundle holds (the
 * same selection walks both sections), so the bundle never claims a
 * receipt it cannot back; the file appears under its name only when
 * complete (written as NAME.tmp-PID, fsync'd, renamed).  The replica is only
 * read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_cli.h"
#include "receipts.h"

/* ---- the filter from the command line --------------------------------------------- */

int nara_bundle_filter_opts(nara_app_t *app, const char *regions, const char *from, const char *to,
                            nara_bundle_filter_args_t *a)
{
    int64_t days;
    memset(a, 0, sizeof *a);
    a->f.regions = a->codes;
    if (regions && !nara_opt_split(regions, true, a->buf, sizeof a->buf, a->codes,
                                   sizeof a->codes / sizeof a->codes[0], &a->f.n_regions))
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_REGION_TOO_MANY);
    for (size_t i = 0; i < a->f.n_regions; i++)
        if (nara_check_region(app, "region", a->codes[i]) != NARA_EXIT_OK)
            return NARA_EXIT_USAGE;
    if (from) {
        if (!nara_date_days(from, &days))
            return nara_check_date(app, "from", from);
        a->f.from_ms = (uint64_t)days * 86400000u;
    }
    if (to) {
        if (!nara_date_days(to, &days))
            return nara_check_date(app, "to", to);
        a->f.to_ms = (uint64_t)(days + 1) * 86400000u - 1u;
    }
    if (a->f.from_ms && a->f.to_ms && a->f.from_ms > a->f.to_ms)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_FROM_AFTER_TO, from, to);
    return NARA_EXIT_OK;
}

/* ---- writing ------------------------------------------------------------------------ */

typedef struct {
    nara_app_t *app;
    nara_bundle_writer_t *w;
    nara_err_t err;
    uint64_t receipts;
} exp_t;

static int put_head(void *ctx, const nara_tree_head_t *h)
{
    exp_t *x = ctx;
    x->err = nara_bundle_write_head(x->w, h);
    return x->err != NARA_OK;
}

static int put_consistency(void *ctx, uint64_t first, uint64_t second, const nara_merkle_proof_t *p)
{
    exp_t *x = ctx;
    x->err = nara_bundle_write_consistency(x->w, first, second, p);
    return x->err != NARA_OK;
}

static nara_err_t put_inclusion(void *ctx, const nara_event_t *ev, const nara_bytes_t *b)
{
    exp_t *x = ctx;
    nara_rcpt_row_t r;
    nara_merkle_proof_t p;
    uint8_t proof[NARA_MERKLE_PROOF_MAX_BYTES];
    bool found = false;
    (void)b;
    nara_err_t err = nara_rcpt_get(x->app->meta, ev->id, &r, proof, &found);
    if (err != NARA_OK || !found)
        return err;
    if (nara_merkle_proof_decode(r.proof, r.proof_len, &p) != NARA_OK)
        return NARA_CORRUPT;
    x->receipts++;
    return nara_bundle_write_inclusion(x->w, ev->id, r.size, r.leaf, &p);
}

static nara_err_t put_event(void *ctx, const nara_event_t *ev, const nara_bytes_t *b)
{
    exp_t *x = ctx;
    nara_rcpt_row_t r;
    uint8_t proof[NARA_MERKLE_PROOF_MAX_BYTES];
    bool found = false;
    nara_err_t err = nara_rcpt_get(x->app->meta, ev->id, &r, proof, &found);
    if (err != NARA_OK)
        return err;
    return nara_bundle_write_event(x->w, found, found ? r.leaf : 0, b->bytes, b->len);
}

nara_err_t nara_bundle_write_replica(nara_app_t *app, const nara_bundle_filter_t *f, FILE *out,
                                     nara_bundle_counts_t *counts)
{
    static char text[NARA_BUNDLE_REGIONS_MAX];
    char note[256], key[17] = "";
    size_t len = 0;
    exp_t x = {app, NULL, NARA_OK, 0};
    nara_err_t err = nara_regions_format(app->regions, text, sizeof text, &len);
    if (err != NARA_OK)
        return err;
    if (app->have_key)
        nara_hex(app->kp.pk, 8, key);
    snprintf(note, sizeof note, "replica of device %s%s%s", key[0] ? key : "(unknown)",
             nara_bundle_filter_all(f) ? "" : " (filtered)", "");
    nara_bundle_header_t h = {.regions = text,
                              .regions_len = len,
                              .created_ms = nara_now_ms(),
                              .complete = false,
                              .note = note,
                              .note_len = strlen(note)};
    memcpy(h.root, app->root_pk, NARA_PUBLICKEY_BYTES);
    err = nara_rcpt_init(app->meta);
    if (err == NARA_OK)
        err = nara_bundle_writer_open(out, &h, &x.w);
    if (err == NARA_OK)
        err = nara_rcpt_each_head(app->meta, put_head, &x);
    if (err == NARA_OK)
        err = x.err;
    if (err == NARA_OK)
        err = nara_rcpt_each_consistency(app->meta, put_consistency, &x);
    if (err == NARA_OK)
        err = x.err;
    if (err == NARA_OK)
        err = nara_bundle_select(app->store, f, put_inclusion, &x);
    if (err == NARA_OK)
        err = nara_bundle_select(app->store, f, put_event, &x);
    if (err == NARA_OK)
        err = nara_bundle_write_store_forks(x.w, app->store, f);
    if (err == NARA_OK)
        err = nara_bundle_writer_finish(x.w, counts);
    nara_bundle_writer_free(x.w);
    return err;
}

/* ---- the command --------------------------------------------------------------------------- */

static void summary(const nara_app_t *app, const char *out, const nara_bundle_counts_t *c)
{
    if (app->json) {
        nara_json_t j;
        nara_json_start(&j, stdout);
        nara_json_str(&j, "file", out);
        nara_json_u64(&j, "events", c->events);
        nara_json_u64(&j, "heads", c->heads);
        nara_json_u64(&j, "consistency_proofs", c->consistency);
        nara_json_u64(&j, "receipts", c->inclusion);
        nara_json_u64(&j, "forks", c->forks);
        nara_json_finish(&j);
        return;
    }
    printf(nara_msg(NARA_MSG_BUNDLE_DONE), (unsigned long long)c->events,
           (unsigned long long)c->inclusion, (unsigned long long)c->heads,
           (unsigned long long)c->consistency, out, out);
}

static int export_bundle(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    char tmp[NARA_PATH_MAX + 32];
    nara_bundle_filter_args_t fa;
    nara_bundle_counts_t c;
    const char *out = nara_opt(spec, "out");
    int rc = nara_bundle_filter_opts(app, nara_opt(spec, "region"), nara_opt(spec, "from"),
                                     nara_opt(spec, "to"), &fa);
    if (rc != NARA_EXIT_OK)
        return rc;
    if (!app->have_root)
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_NO_ROOT, app->db);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", out, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_OUT_CREATE, out, strerror(errno));
    nara_err_t err = nara_bundle_write_replica(app, &fa.f, f, &c);
    if (err == NARA_OK && fsync(fileno(f)) != 0)
        err = NARA_IO;
    if (fclose(f) != 0 && err == NARA_OK)
        err = NARA_IO;
    if (err == NARA_OK && rename(tmp, out) != 0)
        err = NARA_IO;
    if (err != NARA_OK) {
        remove(tmp);
        return nara_fail_err(app, err, NARA_MSG_DOING_WRITING_BUNDLE);
    }
    summary(app, out, &c);
    return NARA_EXIT_OK;
}

int nara_cmd_export_bundle(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"out", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"region", NARA_OPT_VALUE | NARA_OPT_MULTI, NULL},
                         {"from", NARA_OPT_VALUE, NULL},
                         {"to", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {
        "nara export-bundle --out FILE [--region R]... [--from YYYY-MM-DD] [--to YYYY-MM-DD]",
        NARA_MSG_HELP_EXPORT_BUNDLE, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_STORE);
    if (rc == NARA_EXIT_OK)
        rc = export_bundle(app, &spec);
    nara_app_close(app);
    return NARA_PARSED(rc);
}
