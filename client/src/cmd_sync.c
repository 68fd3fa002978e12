/*
 * cmd_sync.c - `nara sync`: settings around one sync run (sync.c): the
 * server URL, trust on first use of the server key, the record of the last
 * sync, the vector the server is known to hold (for `nara export`), the
 * summary and the exit code.
 *
 * Invariants:
 *  1. The server key is pinned the first time a server proves one; from then
 *     on every session requires that key (a mismatch fails the handshake
 *     with NARA_SERVER_KEY, exit 4).  --server-key that contradicts the pin
 *     is refused before connecting unless --repin says to replace it.
 *  2. The saved server vector only ever describes events the server
 *     acknowledged or sent: it is written when a session caught up with no
 *     refusal, from the vector the session had been told about (own feeds)
 *     and the local vector (other feeds, which came from the server or were
 *     pushed to it).
 *  3. Every run records its time and result in client_meta, success or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nara_cli.h"
#include "receipts.h"
#include "sync.h"

typedef struct {
    nara_app_t *app;
    const char *url;
    bool pinned;   /* a key is pinned (or has just been) */
    bool repin;
    nara_err_t meta_err;
} sync_ctx_t;

static void note_meta(sync_ctx_t *x, nara_err_t err)
{
    if (err != NARA_OK && x->meta_err == NARA_OK)
        x->meta_err = err;
}

static void on_authenticated(void *ctx, const uint8_t pk[NARA_PUBLICKEY_BYTES])
{
    sync_ctx_t *x = ctx;
    char hex[65];
    if (x->pinned && !x->repin)
        return;
    nara_hex(pk, NARA_PUBLICKEY_BYTES, hex);
    note_meta(x, nara_meta_set(x->app->meta, NARA_META_SERVER_PK, hex));
    note_meta(x, nara_meta_set(x->app->meta, NARA_META_SERVER_URL, x->url));
    fprintf(stderr, nara_msg(NARA_MSG_SYNC_PINNED), hex,
            nara_msg(x->repin ? NARA_MSG_SYNC_PIN_REPLACE : NARA_MSG_SYNC_PIN_FIRST));
    x->pinned = true;
    x->repin = false;
}

/* Invariant 2: what the server is known to hold after a clean catch-up. */
static nara_err_t server_vector(nara_app_t *app, const nara_vv_t *told, nara_vv_t *out)
{
    nara_err_t err = nara_store_vv(app->store, out);
    size_t k = 0;
    if (err != NARA_OK)
        return err;
    for (size_t i = 0; i < out->n; i++) {
        nara_feed_head_t f = out->feeds[i];
        if (memcmp(f.author, app->kp.pk, NARA_PUBLICKEY_BYTES) == 0)
            f.seq = nara_vv_seq(told, f.author, f.stream);
        if (f.seq > 0)
            out->feeds[k++] = f;
    }
    out->n = k;
    return NARA_OK;
}

/* The head every session must extend: the largest kept (receipts.h, 1). */
static bool last_head(void *ctx, nara_tree_head_t *out)
{
    sync_ctx_t *x = ctx;
    bool found = false;
    note_meta(x, nara_rcpt_last_head(x->app->meta, out, &found));
    return found;
}

static void on_synced(void *ctx, const nara_vv_t *told, uint64_t refused)
{
    sync_ctx_t *x = ctx;
    char ms[32];
    nara_vv_t vv;
    snprintf(ms, sizeof ms, "%llu", (unsigned long long)nara_now_ms());
    note_meta(x, nara_meta_set(x->app->meta, NARA_META_SYNC_MS, ms));
    note_meta(x,
              nara_meta_set(x->app->meta, NARA_META_SYNC_RESULT,
                            refused ? nara_msg_in(NARA_LANG_EN, NARA_MSG_STORED_PARTIAL) : "ok"));
    if (refused || server_vector(x->app, told, &vv) != NARA_OK)
        return;
    note_meta(x, nara_meta_set_vv(x->app->meta, NARA_META_SERVER_VV, &vv));
    nara_vv_free(&vv);
}

/* ---- options ------------------------------------------------------------------ */

/* URL and expected key into o; returns an exit code. */
static int sync_options(nara_app_t *app, const nara_cmd_spec_t *spec, char *url, size_t cap,
                        nara_sync_opts_t *o, sync_ctx_t *x)
{
    char pinned[80];
    nara_msg_id_t why;
    bool has_url = false, has_pin = false;
    uint8_t given[NARA_PUBLICKEY_BYTES];
    const char *key = nara_opt(spec, "server-key");
    nara_err_t e = nara_meta_get(app->meta, NARA_META_SERVER_URL, url, cap, &has_url);
    if (e == NARA_OK)
        e = nara_meta_get(app->meta, NARA_META_SERVER_PK, pinned, sizeof pinned, &has_pin);
    if (e != NARA_OK)
        return nara_fail_msg_err(app, NARA_EXIT_STORAGE, e, NARA_MSG_ERR_READ_SETTINGS, app->db);
    if (nara_opt(spec, "server"))
        snprintf(url, cap, "%s", nara_opt(spec, "server"));
    else if (!has_url)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_NO_SERVER);
    if (!nara_url_parse(url, &o->url, &why))
        return nara_fail_msg(app, NARA_EXIT_USAGE, why, url);
    if (key && nara_parse_hex32(app, "server-key", key, given) != NARA_EXIT_OK)
        return NARA_EXIT_USAGE;
    if (x->repin && key == NULL)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_REPIN_NEEDS_KEY);
    if (key && has_pin && strcmp(key, pinned) != 0 && !x->repin)
        return nara_fail_msg(app, NARA_EXIT_REFUSED, NARA_MSG_ERR_KEY_DIFFERS, key, pinned);
    o->have_expected = key != NULL || has_pin;
    if (key)
        memcpy(o->expected, given, sizeof given);
    else if (has_pin && nara_hex32_parse(pinned, o->expected) != NARA_OK)
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_PIN_UNREADABLE, app->db);
    x->pinned = has_pin;
    return NARA_EXIT_OK;
}

/* ---- summary ------------------------------------------------------------------- */

typedef struct {
    uint64_t n[64];
} reasons_t;

static void count_reasons(const nara_sync_result_t *r, reasons_t *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < r->n_refused; i++)
        c->n[(unsigned)r->refused[i].code % 64]++;
}

static const char *result_word(int code)
{
    switch (code) {
    case NARA_EXIT_OK:
        return "ok";
    case NARA_EXIT_PARTIAL:
        return "partial";
    case NARA_EXIT_REFUSED:
        return "refused";
    default:
        return "failed";
    }
}

/* The outcome in words for a person, in the locale's language. */
static const char *result_human(int code)
{
    switch (code) {
    case NARA_EXIT_OK:
        return nara_msg(NARA_MSG_SYNC_DONE);
    case NARA_EXIT_PARTIAL:
        return nara_msg(NARA_MSG_SYNC_PARTIAL);
    case NARA_EXIT_REFUSED:
        return nara_msg(NARA_MSG_SYNC_REFUSED_WORD);
    default:
        return nara_msg(NARA_MSG_SYNC_FAILED);
    }
}

static void summary_json(const nara_sync_result_t *r, const char *url, int code)
{
    nara_json_t j;
    reasons_t c;
    char id[65];
    count_reasons(r, &c);
    nara_json_start(&j, stdout);
    nara_json_str(&j, "server", url);
    nara_json_str(&j, "result", result_word(code));
    nara_json_u64(&j, "exit", (uint64_t)code);
    nara_json_u64(&j, "sent", r->total.events_sent);
    nara_json_u64(&j, "acknowledged", r->total.events_acked);
    nara_json_u64(&j, "received", r->total.events_received);
    nara_json_u64(&j, "added", r->total.events_added);
    nara_json_u64(&j, "rejected", r->refused_total);
    nara_json_u64(&j, "receipts", r->total.receipts);
    nara_json_obj(&j, "reasons");
    for (int i = 0; i < 64; i++)
        if (c.n[i])
            nara_json_u64(&j, nara_err_name((nara_err_t)i), c.n[i]);
    nara_json_end(&j);
    nara_json_arr(&j, "refused");
    for (size_t i = 0; i < r->n_refused; i++) {
        nara_hex(r->refused[i].id, NARA_ID_BYTES, id);
        nara_json_obj(&j, NULL);
        nara_json_str(&j, "id", id);
        nara_json_str(&j, "code", nara_err_name(r->refused[i].code));
        nara_json_end(&j);
    }
    nara_json_end(&j);
    nara_json_str(&j, "error", r->err != NARA_OK ? nara_err_name(r->err) : NULL);
    nara_json_str(&j, "message", r->err != NARA_OK ? r->err_text : NULL);
    if (r->server_proven)
        nara_json_hex(&j, "server_key", r->server_pk, NARA_PUBLICKEY_BYTES);
    nara_json_finish(&j);
}

static void summary_human(const nara_sync_result_t *r, const char *url, int code)
{
    reasons_t c;
    char id[13];
    count_reasons(r, &c);
    printf(nara_msg(NARA_MSG_SYNC_HEAD), url, result_human(code));
    printf(nara_msg(NARA_MSG_SYNC_COUNTS),
           (unsigned long long)r->total.events_sent, (unsigned long long)r->total.events_acked,
           (unsigned long long)r->total.events_received,
           (unsigned long long)r->total.events_added, (unsigned long long)r->refused_total);
    if (r->total.receipts)
        printf(nara_msg(NARA_MSG_SYNC_RECEIPTS),
               (unsigned long long)r->total.receipts);
    for (int i = 0; i < 64; i++)
        if (c.n[i])
            printf(nara_msg(NARA_MSG_SYNC_REFUSED), (unsigned long long)c.n[i],
                   nara_err_text((nara_err_t)i), nara_err_name((nara_err_t)i));
    for (size_t i = 0; i < r->n_refused && i < 10; i++) {
        nara_fmt_id(r->refused[i].id, id);
        printf(nara_msg(NARA_MSG_SYNC_EVENT), id, nara_err_name(r->refused[i].code));
    }
}

/* The exit code of a finished run. */
static int exit_code(nara_err_t err, const nara_sync_result_t *r)
{
    if (err != NARA_OK) {
        int code = nara_exit_for(err);
        return code == NARA_EXIT_USAGE ? NARA_EXIT_CONNECT : code;
    }
    return r->refused_total > 0 ? NARA_EXIT_PARTIAL : NARA_EXIT_OK;
}

static void record(sync_ctx_t *x, const nara_sync_result_t *r, int code)
{
    char buf[512], ms[32];
    snprintf(ms, sizeof ms, "%llu", (unsigned long long)nara_now_ms());
    note_meta(x, nara_meta_set(x->app->meta, NARA_META_SYNC_MS, ms));
    if (code == NARA_EXIT_OK || code == NARA_EXIT_PARTIAL)
        snprintf(buf, sizeof buf, "%s",
                 code == NARA_EXIT_OK ? "ok" : nara_msg_in(NARA_LANG_EN, NARA_MSG_STORED_PARTIAL));
    else
        snprintf(buf, sizeof buf, "%s: %s", result_word(code), r->err_text);
    note_meta(x, nara_meta_set(x->app->meta, NARA_META_SYNC_RESULT, buf));
    if (code != NARA_EXIT_OK && code != NARA_EXIT_PARTIAL) {
        snprintf(buf, sizeof buf, "%s: %s", result_word(code), r->err_id);
        note_meta(x, nara_meta_set(x->app->meta, NARA_META_SYNC_RESULT_ID, buf));
    }
    snprintf(buf, sizeof buf, NARA_SYNC_SUMMARY_FMT, (unsigned long long)r->total.events_sent,
             (unsigned long long)r->total.events_acked,
             (unsigned long long)r->total.events_received,
             (unsigned long long)r->total.events_added, (unsigned long long)r->refused_total);
    note_meta(x, nara_meta_set(x->app->meta, NARA_META_SYNC_SUMMARY, buf));
}

static void explain(const nara_app_t *app, int code, const nara_sync_result_t *r)
{
    const char *hint = "";
    if (r->err == NARA_SERVER_KEY)
        hint = nara_msg(NARA_MSG_HINT_SERVER_KEY);
    else if (r->err == NARA_UNENROLLED)
        hint = nara_msg(NARA_MSG_HINT_UNENROLLED);
    else if (r->err == NARA_REVOKED)
        hint = nara_msg(NARA_MSG_HINT_REVOKED);
    else if (r->err == NARA_TREE_FORK)
        hint = nara_msg(NARA_MSG_HINT_TREE_FORK);
    else if (r->err == NARA_PROOF)
        hint = nara_msg(NARA_MSG_HINT_PROOF);
    else if (code == NARA_EXIT_CONNECT)
        hint = nara_msg(NARA_MSG_HINT_CONNECT);
    /* No JSON here (app NULL): the summary object carries the error. */
    nara_fail(NULL, code, nara_msg(NARA_MSG_SYNC_FAIL), result_human(code), r->err_local, hint);
    (void)app;
}

static int run(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    static nara_sync_result_t r;
    char url[512];
    nara_sync_opts_t o;
    sync_ctx_t x = {app, url, false, nara_flag(spec, "repin"), NARA_OK};
    memset(&o, 0, sizeof o);
    int rc = sync_options(app, spec, url, sizeof url, &o, &x);
    if (rc != NARA_EXIT_OK)
        return rc;
    o.insecure = nara_flag(spec, "insecure");
    o.ca = nara_opt(spec, "ca");
    o.watch = nara_flag(spec, "watch");
    o.progress = nara_flag(spec, "progress") || isatty(STDERR_FILENO);
    o.verbose = nara_flag(spec, "verbose");
    nara_err_t err = nara_rcpt_init(app->meta);
    if (err != NARA_OK)
        return nara_fail_msg_err(app, NARA_EXIT_STORAGE, err, NARA_MSG_ERR_RCPT_TABLES, app->db);
    nara_rcpt_ctx_t rx = {app->meta, url, 0, 0, false, NARA_OK};
    nara_receipt_sink_t sink;
    nara_rcpt_sink(&rx, &sink);
    o.receipts = &sink;
    o.hooks = (nara_sync_hooks_t){on_authenticated, on_synced, last_head, &x};
    err = nara_sync_run(app->store, &app->kp, &o, &r);
    if (err == NARA_NOMEM && r.err == NARA_OK) {
        snprintf(r.err_text, sizeof r.err_text, "%s", nara_strerror(NARA_NOMEM));
        snprintf(r.err_local, sizeof r.err_local, "%s", nara_err_text(NARA_NOMEM));
        snprintf(r.err_id, sizeof r.err_id, "%s", nara_err_text_in(NARA_LANG_ID, NARA_NOMEM));
    }
    rc = exit_code(err, &r);
    record(&x, &r, rc);
    if (app->json)
        summary_json(&r, url, rc);
    else
        summary_human(&r, url, rc);
    if (rc != NARA_EXIT_OK && rc != NARA_EXIT_PARTIAL)
        explain(app, rc, &r);
    if (rx.forked)
        fprintf(stderr, nara_msg(NARA_MSG_SYNC_EVIDENCE), app->db);
    if (x.meta_err != NARA_OK)
        fprintf(stderr, nara_msg(NARA_MSG_SYNC_META_WARN), nara_err_text(x.meta_err));
    return rc;
}

int nara_cmd_sync(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"server", NARA_OPT_VALUE, NULL},
                         {"server-key", NARA_OPT_VALUE, NULL},
                         {"repin", NARA_OPT_FLAG, NULL},
                         {"watch", NARA_OPT_FLAG, NULL},
                         {"insecure", NARA_OPT_FLAG, NULL},
                         {"ca", NARA_OPT_VALUE, NULL},
                         {"progress", NARA_OPT_FLAG, NULL},
                         {"verbose", NARA_OPT_FLAG, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {
        "nara sync [--server ws://HOST:PORT] [--server-key HEX [--repin]] [--watch] "
        "[--insecure] [--ca FILE] [--progress] [--verbose]",
        NARA_MSG_HELP_SYNC, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_STORE);
    if (rc == NARA_EXIT_OK)
        rc = run(app, &spec);
    nara_app_close(app);
    return NARA_PARSED(rc);
}
