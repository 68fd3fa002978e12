/*
 * cmd_view.c - read-only views of the replica: `nara report`, `nara status`,
 * `nara quarantine` and `nara conflicts`.
 *
 * Invariant: nothing here writes to the log or the settings (opening the
 * domain may fold events not folded yet, which is the domain's own
 * bookkeeping).  Every view has a human form and a --json form with the same
 * facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_cli.h"
#include "receipts.h"

/* ---- report ------------------------------------------------------------------ */

static int report_row(void *ctx, const nara_report_row_t *r)
{
    nara_json_t *j = ctx;
    char med[32], lo[64];
    if (j == NULL) {
        snprintf(lo, sizeof lo, "%s%s%s", r->has_lo ? r->lo_officer : nara_msg(NARA_MSG_NO_LO),
                 r->has_lo ? ", " : "", r->has_lo ? r->lo_agency : "");
        if (r->acked)
            nara_fmt_dur(r->median_ack_ms, med, sizeof med);
        else
            snprintf(med, sizeof med, "-");
        printf("%-6s %-16.16s %-30.30s %5u %7u %5u %5u %8u  %s\n", r->code, r->name, lo, r->open,
               r->overdue, r->late, r->escalated, r->resolved, med);
        return 0;
    }
    nara_json_obj(j, NULL);
    nara_json_str(j, "region", r->code);
    nara_json_str(j, "name", r->name);
    nara_json_str(j, "type", nara_region_type_name(r->type));
    nara_json_str(j, "lo_officer", r->has_lo ? r->lo_officer : NULL);
    nara_json_str(j, "lo_agency", r->has_lo ? r->lo_agency : NULL);
    nara_json_u64(j, "open", r->open);
    nara_json_u64(j, "overdue", r->overdue);
    nara_json_u64(j, "late", r->late);
    nara_json_u64(j, "escalated", r->escalated);
    nara_json_u64(j, "resolved", r->resolved);
    nara_json_u64(j, "closed", r->closed);
    nara_json_u64(j, "acknowledged", r->acked);
    if (r->acked)
        nara_json_u64(j, "median_ack_ms", r->median_ack_ms);
    else
        nara_json_str(j, "median_ack_ms", NULL);
    nara_json_end(j);
    return 0;
}

static int report(nara_app_t *app, uint64_t as_of)
{
    nara_json_t j, *jp = app->json ? &j : NULL;
    char t[NARA_TIME_STR];
    nara_fmt_time(as_of, t);
    if (jp) {
        nara_json_start(jp, stdout);
        nara_json_str(jp, "as_of", t);
        nara_json_str(jp, "province", nara_regions_province_name(app->regions));
        nara_json_arr(jp, "regions");
    } else {
        printf(nara_msg(NARA_MSG_REPORT_HEADING), nara_regions_province_name(app->regions), t);
        printf("%-6s %-16s %-30s %5s %7s %5s %5s %8s  %s\n", nara_msg(NARA_MSG_COL_REGION),
               nara_msg(NARA_MSG_COL_NAME), nara_msg(NARA_MSG_COL_LO), nara_msg(NARA_MSG_COL_OPEN),
               nara_msg(NARA_MSG_COL_OVERDUE), nara_msg(NARA_MSG_COL_LATE),
               nara_msg(NARA_MSG_COL_ESC), nara_msg(NARA_MSG_COL_RESOLVED),
               nara_msg(NARA_MSG_COL_MEDIAN_ACK));
    }
    nara_err_t err = nara_domain_report(app->dom, as_of, report_row, jp);
    if (jp)
        nara_json_finish(jp);
    return err == NARA_OK ? NARA_EXIT_OK : nara_fail_err(app, err, NARA_MSG_DOING_COMPUTING_REPORT);
}

int nara_cmd_report(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"as-of", NARA_OPT_VALUE, NULL}, {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara report [--as-of YYYY-MM-DDTHH:MM[:SS]Z | now]",
                            NARA_MSG_HELP_REPORT, NULL, opts, NULL};
    uint64_t as_of = 0;
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_parse_instant(app, "as-of",
                                nara_opt(&spec, "as-of") ? nara_opt(&spec, "as-of") : "now",
                                &as_of);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = report(app, as_of);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- status --------------------------------------------------------------------- */

typedef struct {
    char url[512], server_pk[80], sync_ms[32], result[256], result_id[400], summary[512];
    bool has_url, has_pk, has_ms, has_result, has_result_id, has_summary;
} settings_t;

static nara_err_t read_settings(nara_app_t *app, settings_t *s)
{
    memset(s, 0, sizeof *s);
    nara_err_t err = nara_meta_get(app->meta, NARA_META_SERVER_URL, s->url, sizeof s->url,
                                   &s->has_url);
    if (err == NARA_OK)
        err = nara_meta_get(app->meta, NARA_META_SERVER_PK, s->server_pk, sizeof s->server_pk,
                            &s->has_pk);
    if (err == NARA_OK)
        err = nara_meta_get(app->meta, NARA_META_SYNC_MS, s->sync_ms, sizeof s->sync_ms,
                            &s->has_ms);
    if (err == NARA_OK)
        err = nara_meta_get(app->meta, NARA_META_SYNC_RESULT, s->result, sizeof s->result,
                            &s->has_result);
    if (err == NARA_OK)
        err = nara_meta_get(app->meta, NARA_META_SYNC_RESULT_ID, s->result_id,
                            sizeof s->result_id, &s->has_result_id);
    if (err == NARA_OK)
        err = nara_meta_get(app->meta, NARA_META_SYNC_SUMMARY, s->summary, sizeof s->summary,
                            &s->has_summary);
    return err;
}

typedef struct {
    nara_store_counts_t counts;
    uint64_t no_effect;
    uint8_t digest[NARA_HASH_BYTES], state[NARA_HASH_BYTES];
    nara_role_t role;
    bool revoked;
    nara_vv_t vv;
    nara_rcpt_own_t own;     /* own events by receipt */
    nara_tree_head_t pinned; /* the largest kept tree head, if has_pinned */
    bool has_pinned;
} facts_t;

static int count_no_effect(void *ctx, const nara_dom_quarantined_t *q)
{
    (void)q;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* Own events by receipt, "sent" as of the server's vector kept at the last
 * clean sync (an unreadable one: nothing known sent), and the pinned head. */
static nara_err_t read_receipts(nara_app_t *app, facts_t *f)
{
    nara_vv_t sent;
    bool found = false;
    nara_err_t err = nara_meta_get_vv(app->meta, NARA_META_SERVER_VV, &sent, &found);
    if (err == NARA_CORRUPT) {
        err = NARA_OK;
        found = false;
    }
    if (err == NARA_OK)
        err = nara_rcpt_count_own(app->meta, app->store, app->kp.pk, found ? &sent : NULL,
                                  &f->own);
    if (err == NARA_OK)
        err = nara_rcpt_last_head(app->meta, &f->pinned, &f->has_pinned);
    nara_vv_free(&sent);
    return err;
}

static nara_err_t read_facts(nara_app_t *app, facts_t *f)
{
    memset(f, 0, sizeof *f);
    nara_err_t err = nara_store_counts(app->store, &f->counts);
    if (err == NARA_OK)
        err = nara_store_digest(app->store, f->digest);
    if (err == NARA_OK)
        err = nara_domain_digest(app->dom, f->state);
    if (err == NARA_OK)
        err = nara_domain_quarantine(app->dom, count_no_effect, &f->no_effect);
    if (err == NARA_OK)
        err = nara_domain_device_role(app->dom, app->kp.pk, &f->role, &f->revoked);
    if (err == NARA_OK)
        err = nara_store_vv(app->store, &f->vv);
    if (err == NARA_OK)
        err = read_receipts(app, f);
    return err;
}

/* Own feeds: one per stream this device has written. */
static nara_err_t own_feeds(nara_app_t *app, const facts_t *f, nara_json_t *j, bool *any_behind)
{
    *any_behind = false;
    if (j)
        nara_json_arr(j, "own_feeds");
    else
        fputs(nara_msg(NARA_MSG_STATUS_OWN_FEEDS), stdout);
    for (size_t i = 0; i < f->vv.n; i++) {
        const nara_feed_head_t *h = &f->vv.feeds[i];
        bool behind = false;
        uint64_t seen = 0;
        char head[65];
        if (memcmp(h->author, app->kp.pk, NARA_PUBLICKEY_BYTES) != 0)
            continue;
        nara_err_t err = nara_store_feed_behind(app->store, h->author, h->stream, &behind, &seen);
        if (err != NARA_OK)
            return err;
        *any_behind |= behind;
        nara_hex(h->head, NARA_ID_BYTES, head);
        if (j) {
            nara_json_obj(j, NULL);
            nara_json_str(j, "stream", h->stream);
            nara_json_u64(j, "seq", h->seq);
            nara_json_str(j, "head", head);
            nara_json_bool(j, "behind", behind);
            nara_json_u64(j, "seen_seq", seen);
            nara_json_end(j);
        } else {
            printf(nara_msg(NARA_MSG_STATUS_FEED_ROW), h->stream, (unsigned long long)h->seq, head,
                   behind ? nara_msg(NARA_MSG_STATUS_FEED_BEHIND) : "");
        }
    }
    if (j)
        nara_json_end(j);
    return NARA_OK;
}

static void status_json(nara_app_t *app, const facts_t *f, const settings_t *s, nara_json_t *j)
{
    nara_json_hex(j, "device", app->kp.pk, NARA_PUBLICKEY_BYTES);
    nara_json_str(j, "role", nara_role_name(f->role));
    nara_json_bool(j, "revoked", f->revoked);
    nara_json_hex(j, "root", app->root_pk, NARA_PUBLICKEY_BYTES);
    nara_json_str(j, "province", nara_regions_province_name(app->regions));
    nara_json_u64(j, "events", f->counts.events);
    nara_json_u64(j, "feeds", f->counts.feeds);
    nara_json_u64(j, "pending", f->counts.pending);
    nara_json_u64(j, "forks", f->counts.forks);
    nara_json_u64(j, "quarantined", f->counts.quarantined);
    nara_json_u64(j, "no_effect", f->no_effect);
    nara_json_hex(j, "digest", f->digest, NARA_HASH_BYTES);
    nara_json_hex(j, "state_digest", f->state, NARA_HASH_BYTES);
    nara_json_obj(j, "last_sync");
    nara_json_time(j, "time", s->has_ms ? strtoull(s->sync_ms, NULL, 10) : 0);
    nara_json_str(j, "result", s->has_result ? s->result : NULL);
    nara_json_str(j, "summary", s->has_summary ? s->summary : NULL);
    nara_json_end(j);
    nara_json_obj(j, "server");
    nara_json_str(j, "url", s->has_url ? s->url : NULL);
    nara_json_str(j, "key", s->has_pk ? s->server_pk : NULL);
    nara_json_end(j);
    nara_json_obj(j, "receipts");
    nara_json_u64(j, "receipted", f->own.receipted);
    nara_json_u64(j, "sent_unreceipted", f->own.sent);
    nara_json_u64(j, "unsent", f->own.unsent);
    if (f->has_pinned) {
        nara_json_obj(j, "pinned_head");
        nara_json_u64(j, "size", f->pinned.size);
        nara_json_time(j, "signed_at", f->pinned.time_ms);
        nara_json_end(j);
    } else {
        nara_json_str(j, "pinned_head", NULL);
    }
    nara_json_end(j);
}

/* The stored result of the last sync (English: "ok", "partial: ...",
 * "failed: <why>", "refused: <why>") in the locale's words.  Under an
 * Indonesian locale <why> comes from the Indonesian copy stored beside it
 * (NARA_META_SYNC_RESULT_ID) when that copy is of the same outcome; otherwise
 * as stored. */
static void stored_result(const settings_t *s, char *out, size_t cap)
{
    static const struct {
        const char *word;
        nara_msg_id_t id;
    } words[] = {{"failed", NARA_MSG_SYNC_FAILED}, {"refused", NARA_MSG_SYNC_REFUSED_WORD}};
    const char *stored = s->result;
    if (strcmp(stored, "ok") == 0) {
        snprintf(out, cap, "%s", nara_msg(NARA_MSG_STORED_OK));
        return;
    }
    if (strcmp(stored, nara_msg_in(NARA_LANG_EN, NARA_MSG_STORED_PARTIAL)) == 0) {
        snprintf(out, cap, "%s", nara_msg(NARA_MSG_STORED_PARTIAL));
        return;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].word);
        if (strncmp(stored, words[i].word, n) == 0 && stored[n] == ':') {
            if (nara_msg_lang() == NARA_LANG_ID && s->has_result_id &&
                strncmp(s->result_id, words[i].word, n) == 0 && s->result_id[n] == ':')
                stored = s->result_id;
            snprintf(out, cap, "%s%s", nara_msg(words[i].id), stored + n);
            return;
        }
    }
    snprintf(out, cap, "%s", stored);
}

static void status_human(nara_app_t *app, const facts_t *f, const settings_t *s)
{
    char pk[65], root[65], d[65], t[NARA_TIME_STR], result[1024];
    unsigned long long n[5];
    nara_hex(app->kp.pk, NARA_PUBLICKEY_BYTES, pk);
    nara_hex(app->root_pk, NARA_PUBLICKEY_BYTES, root);
    nara_hex(f->digest, NARA_HASH_BYTES, d);
    printf(nara_msg(NARA_MSG_STATUS_REPLICA), app->db, nara_regions_province_name(app->regions),
           pk, nara_vocab(NARA_VOCAB_ROLE, (int)f->role),
           f->revoked ? nara_msg(NARA_MSG_STATUS_REVOKED) : "", root);
    printf(nara_msg(NARA_MSG_STATUS_EVENTS),
           (unsigned long long)f->counts.events, (unsigned long long)f->counts.feeds,
           (unsigned long long)f->counts.pending, (unsigned long long)f->counts.forks,
           (unsigned long long)f->counts.quarantined, (unsigned long long)f->no_effect, d);
    nara_fmt_time(s->has_ms ? strtoull(s->sync_ms, NULL, 10) : 0, t);
    stored_result(s, result, sizeof result);
    printf(nara_msg(NARA_MSG_STATUS_LAST_SYNC), s->has_ms ? t : nara_msg(NARA_MSG_STATUS_NEVER),
           s->has_result ? ": " : "", s->has_result ? result : "");
    if (s->has_summary &&
        sscanf(s->summary, NARA_SYNC_SUMMARY_FMT, &n[0], &n[1], &n[2], &n[3], &n[4]) == 5)
        printf(nara_msg(NARA_MSG_STATUS_SYNC_SUMMARY), n[0], n[1], n[2], n[3], n[4]);
    else if (s->has_summary)
        printf("          %s\n", s->summary);
    printf(nara_msg(NARA_MSG_STATUS_SERVER), s->has_url ? s->url : nara_msg(NARA_MSG_STATUS_NO_SERVER),
           s->has_pk ? s->server_pk : nara_msg(NARA_MSG_STATUS_NOT_PINNED));
    printf(nara_msg(NARA_MSG_STATUS_RECEIPTS), (unsigned long long)f->own.receipted,
           (unsigned long long)f->own.sent, (unsigned long long)f->own.unsent);
    nara_fmt_time(f->has_pinned ? f->pinned.time_ms : 0, t);
    if (f->has_pinned)
        printf(nara_msg(NARA_MSG_STATUS_TREE_HEAD), (unsigned long long)f->pinned.size, t);
    else
        fputs(nara_msg(NARA_MSG_STATUS_NO_TREE_HEAD), stdout);
}

static int status(nara_app_t *app)
{
    facts_t f;
    settings_t s;
    nara_json_t j, *jp = app->json ? &j : NULL;
    bool behind = false;
    nara_err_t err = read_facts(app, &f);
    if (err == NARA_OK)
        err = read_settings(app, &s);
    if (err != NARA_OK) {
        nara_vv_free(&f.vv);
        return nara_fail_err(app, err, NARA_MSG_DOING_READING_REPLICA);
    }
    if (jp) {
        nara_json_start(jp, stdout);
        status_json(app, &f, &s, jp);
    } else {
        status_human(app, &f, &s);
    }
    err = own_feeds(app, &f, jp, &behind);
    if (jp) {
        nara_json_bool(jp, "behind", behind);
        nara_json_finish(jp);
    } else if (behind) {
        fputs(nara_msg(NARA_MSG_STATUS_BEHIND), stdout);
    }
    nara_vv_free(&f.vv);
    return err == NARA_OK ? NARA_EXIT_OK : nara_fail_err(app, err, NARA_MSG_DOING_READING_OWN_FEEDS);
}

int nara_cmd_status(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara status", NARA_MSG_HELP_STATUS, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = status(app);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- quarantine and conflicts ------------------------------------------------------------------
 */

/* A walk that prints rows (j NULL) or JSON, counting them. */
typedef struct {
    nara_json_t *j;
    size_t n;
} view_walk_t;

static int store_q(void *ctx, const nara_quarantined_t *q)
{
    view_walk_t *w = ctx;
    nara_json_t *j = w->j;
    w->n++;
    char id[65] = "", t[NARA_TIME_STR];
    if (q->has_id)
        nara_hex(q->id, NARA_ID_BYTES, id);
    nara_fmt_time(q->wall_ms, t);
    if (j == NULL) {
        printf(nara_msg(NARA_MSG_Q_STORE_ROW), t, q->has_id ? id : nara_msg(NARA_MSG_Q_NO_ID),
               nara_err_text(q->reason), nara_err_name(q->reason), q->bytes.len);
        return 0;
    }
    nara_json_obj(j, NULL);
    nara_json_str(j, "id", q->has_id ? id : NULL);
    nara_json_str(j, "reason", nara_err_name(q->reason));
    nara_json_str(j, "message", nara_strerror(q->reason));
    nara_json_time(j, "received", q->wall_ms);
    nara_json_u64(j, "bytes", q->bytes.len);
    nara_json_end(j);
    return 0;
}

static int dom_q(void *ctx, const nara_dom_quarantined_t *q)
{
    view_walk_t *w = ctx;
    nara_json_t *j = w->j;
    w->n++;
    char id[65], t[NARA_TIME_STR], author[9], why[256];
    nara_hex(q->id, NARA_ID_BYTES, id);
    nara_fmt_time(nara_hlc_ms(q->hlc), t);
    nara_fmt_key(q->author, author);
    if (j == NULL) {
        nara_rule_explain(why, sizeof why, q->rule, q->kind, q->stream, q->detail);
        printf(nara_msg(NARA_MSG_Q_DOM_ROW), t, id, nara_vocab_kind(q->kind), q->stream, author,
               nara_rule_name(q->rule), " - ", why);
        return 0;
    }
    nara_json_obj(j, NULL);
    nara_json_str(j, "id", id);
    nara_json_time(j, "time", nara_hlc_ms(q->hlc));
    nara_json_hex(j, "author", q->author, NARA_PUBLICKEY_BYTES);
    nara_json_str(j, "stream", q->stream);
    nara_json_str(j, "kind", q->kind);
    nara_json_str(j, "rule", nara_rule_name(q->rule));
    nara_json_str(j, "detail", q->detail);
    if (q->has_related)
        nara_json_hex(j, "related", q->related, NARA_ID_BYTES);
    nara_json_end(j);
    return 0;
}

static int quarantine(nara_app_t *app)
{
    nara_json_t j, *jp = app->json ? &j : NULL;
    view_walk_t w = {jp, 0};
    if (jp) {
        nara_json_start(jp, stdout);
        nara_json_arr(jp, "store");
    } else {
        fputs(nara_msg(NARA_MSG_Q_STORE_HEAD), stdout);
    }
    nara_err_t err = nara_store_each_quarantined(app->store, store_q, &w);
    if (jp)
        nara_json_end(jp);
    else if (err == NARA_OK && w.n == 0)
        fputs(nara_msg(NARA_MSG_NONE_ROW), stdout);
    if (err == NARA_OK) {
        w.n = 0;
        if (jp)
            nara_json_arr(jp, "no_effect");
        else
            fputs(nara_msg(NARA_MSG_Q_DOM_HEAD), stdout);
        err = nara_domain_quarantine(app->dom, dom_q, &w);
        if (!jp && err == NARA_OK && w.n == 0)
            fputs(nara_msg(NARA_MSG_NONE_ROW), stdout);
    }
    if (jp)
        nara_json_finish(jp);
    return err == NARA_OK ? NARA_EXIT_OK : nara_fail_err(app, err, NARA_MSG_DOING_READING_QUARANTINE);
}

int nara_cmd_quarantine(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara quarantine", NARA_MSG_HELP_QUARANTINE, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = quarantine(app);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- conflicts ------------------------------------------------------------------ */

static int conflict(void *ctx, const nara_conflict_t *c)
{
    view_walk_t *w = ctx;
    nara_json_t *j = w->j;
    w->n++;
    char a[65], b[65], cs[65] = "";
    nara_hex(c->a, NARA_ID_BYTES, a);
    nara_hex(c->b, NARA_ID_BYTES, b);
    if (c->has_case)
        nara_hex(c->case_id, NARA_ID_BYTES, cs);
    if (j == NULL) {
        const char *kind = nara_conflict_kind_in(nara_msg_lang(), c->kind);
        printf(nara_msg(NARA_MSG_CONFLICT_ROW), kind ? kind : c->kind, c->region,
               c->has_case ? nara_msg(NARA_MSG_CONFLICT_CASE) : "", cs, a, b,
               c->resolved ? nara_msg(NARA_MSG_CONFLICT_SETTLED) : "");
        return 0;
    }
    nara_json_obj(j, NULL);
    nara_json_str(j, "kind", c->kind);
    nara_json_str(j, "region", c->region);
    nara_json_str(j, "case", c->has_case ? cs : NULL);
    nara_json_str(j, "a", a);
    nara_json_str(j, "b", b);
    nara_json_bool(j, "resolved", c->resolved);
    nara_json_end(j);
    return 0;
}

int nara_cmd_conflicts(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara conflicts", NARA_MSG_HELP_CONFLICTS, NULL, opts, NULL};
    nara_json_t j;
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK) {
        if (app->json) {
            nara_json_start(&j, stdout);
            nara_json_arr(&j, "conflicts");
        }
        view_walk_t w = {app->json ? &j : NULL, 0};
        nara_err_t err = nara_domain_conflicts(app->dom, conflict, &w);
        if (app->json)
            nara_json_finish(&j);
        else if (err == NARA_OK && w.n == 0)
            fputs(nara_msg(NARA_MSG_CONFLICTS_NONE), stdout);
        if (err != NARA_OK)
            rc = nara_fail_err(app, err, NARA_MSG_DOING_READING_CONFLICTS);
    }
    nara_app_close(app);
    return NARA_PARSED(rc);
}
