/*
 * cmd_audit.c - `nara audit`: the Inspectorate's offline check of a
 * province's history (nara_bundle_audit, docs/audit.md section 5.4), from
 * one or more bundles (the province's, and regencies' receipts beside it)
 * or from a replica database (a regency's, or the server's own file), and
 * the report for a person (plain words, the first problem first) or for
 * tools (--json).
 *
 * A replica is first written as a bundle into a temporary file (the same
 * export as `nara export-bundle`, or `narad export-bundle` for a server's
 * file, which is recognised by its transparency-log tables) and that bundle
 * is audited, so both paths check exactly the same things.  The replica is
 * only read.
 *
 * Exit codes: 0 verified, nothing to report; 2 verified, with findings a
 * person must judge (forks, events without authority, events that reached
 * the province only after their author's revocation); 4 failed (the
 * history cannot be trusted as given); 1 usage; 5 a file cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle_cli.h"

#define KEEP_FINDINGS 1000
#define MAX_INPUTS 16

typedef struct {
    nara_audit_finding_t *v;
    size_t n, dropped;
    bool nomem;
} kept_t;

static void keep(void *ctx, const nara_audit_finding_t *f)
{
    kept_t *k = ctx;
    if (k->n == KEEP_FINDINGS || k->nomem) {
        k->dropped++;
        return;
    }
    if (k->v == NULL) {
        k->v = malloc(KEEP_FINDINGS * sizeof *k->v);
        if (k->v == NULL) {
            k->nomem = true;
            k->dropped++;
            return;
        }
    }
    k->v[k->n++] = *f;
}

/* ---- the report -------------------------------------------------------------------------- */

static const char *verdict(const nara_audit_report_t *r)
{
    return r->failures ? "failed" : r->findings ? "findings" : "verified";
}

static int exit_code(const nara_audit_report_t *r)
{
    return r->failures ? NARA_EXIT_REFUSED : r->findings ? NARA_EXIT_PARTIAL : NARA_EXIT_OK;
}

/* "event 9f3a2b1c4d5e (32.01 seq 5, by 1a2b3c4d, claimed 2026-...)" */
static void subject(const nara_audit_finding_t *f, size_t n_inputs, char *out, size_t cap)
{
    nara_lang_t lang = nara_msg_lang();
    char id[13], key[9], at[NARA_TIME_STR];
    size_t n = 0;
    out[0] = '\0';
    if (f->has_event) {
        nara_fmt_id(f->event, id);
        nara_msg_format(lang, out, cap, NARA_MSG_AUDIT_SUBJ_EVENT, id);
        n = strlen(out);
        if (f->has_feed) {
            nara_fmt_key(f->author, key);
            nara_fmt_time(nara_hlc_ms(f->hlc), at);
            if (f->seq)
                nara_msg_format(lang, out + n, cap - n, NARA_MSG_AUDIT_SUBJ_FEED_SEQ, f->stream,
                                (unsigned long long)f->seq, key, at);
            else
                nara_msg_format(lang, out + n, cap - n, NARA_MSG_AUDIT_SUBJ_FEED, f->stream, key,
                                at);
            n += strlen(out + n);
        }
    }
    if (f->has_other && n + 1 < cap) {
        nara_fmt_id(f->other, id);
        nara_msg_format(lang, out + n, cap - n, NARA_MSG_AUDIT_SUBJ_OTHER, n ? " " : "", id);
        n += strlen(out + n);
    }
    if (f->record != UINT64_MAX && n + 1 < cap) {
        if (n_inputs > 1)
            nara_msg_format(lang, out + n, cap - n, NARA_MSG_AUDIT_SUBJ_BUNDLE_RECORD,
                            n ? ", " : "", f->bundle + 1, (unsigned long long)f->record);
        else
            nara_msg_format(lang, out + n, cap - n, NARA_MSG_AUDIT_SUBJ_RECORD, n ? ", " : "",
                            (unsigned long long)f->record);
    }
}

/* The finding's detail for a person: the library's English sentence, or in
 * another language the catalogue's sentence for its kind, filled from its
 * parameters (nara_bundle.h, NARA_AUDIT_KIND_MAP). */
static void detail(const nara_audit_finding_t *f, char *out, size_t cap)
{
    const char *fmt = nara_msg_lang() == NARA_LANG_EN ? NULL : nara_audit_format_id(f->kind);
    if (fmt == NULL) {
        snprintf(out, cap, "%s", f->detail);
        return;
    }
    char p[4][200] = {"", "", "", ""};
    const char *shape = nara_audit_kind_shape(f->kind);
    size_t u = 0, r = 0;
    for (size_t i = 0; shape[i] && i < 4; i++) {
        switch (shape[i]) {
        case 'u':
            snprintf(p[i], sizeof p[i], "%llu", (unsigned long long)f->arg[u++ % 3]);
            break;
        case 't':
            nara_fmt_time(f->arg[u++ % 3], p[i]);
            break;
        case 'r':
            snprintf(p[i], sizeof p[i], "%s", f->ref[r++ % 2]);
            break;
        case 'e':
            snprintf(p[i], sizeof p[i], "%s", nara_err_text(f->cause));
            break;
        case 'k':
            snprintf(p[i], sizeof p[i], "%s", nara_vocab_kind(f->name));
            break;
        case 'l':
            snprintf(p[i], sizeof p[i], "%s", nara_rule_name(f->rule));
            break;
        case 'x': /* so far only a region list's error */
            nara_regions_error_in(nara_msg_lang(), f->text, p[i], sizeof p[i]);
            break;
        }
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int n = snprintf(out, cap, fmt, p[0], p[1], p[2], p[3]);
#pragma GCC diagnostic pop
    if (f->kind == NARA_AUDIT_K_NO_EFFECT && n > 0 && (size_t)n + 2 < cap) {
        memcpy(out + n, ": ", 3);
        nara_rule_explain(out + n + 2, cap - (size_t)n - 2, f->rule, f->name, f->stream, "");
    }
}

static void human_line(const nara_audit_finding_t *f, size_t n_inputs, const char *lead)
{
    char subj[256], text[1024];
    subject(f, n_inputs, subj, sizeof subj);
    detail(f, text, sizeof text);
    const char *check = nara_audit_check_in(nara_msg_lang(), f->check);
    printf("%s%-12s %s%s%s (%s)\n", lead, check ? check : f->check, subj, subj[0] ? ": " : "", text,
           nara_err_name(f->code));
}

static void human(const nara_audit_report_t *r, const kept_t *k, const char *const *inputs,
                  size_t n_inputs, nara_msg_id_t root_source)
{
    char root[65], key[65], at[NARA_TIME_STR];
    nara_msg_id_t word = r->failures   ? NARA_MSG_AUDIT_FAILED
                         : r->findings ? NARA_MSG_AUDIT_WITH_FINDINGS
                                       : NARA_MSG_AUDIT_VERIFIED;
    nara_hex(r->root_pk, 32, root);
    printf(nara_msg(NARA_MSG_AUDIT_HEAD), inputs[0],
           n_inputs > 1 ? nara_msg(NARA_MSG_AUDIT_AND_MORE) : "", nara_msg(word));
    for (size_t i = 1; i < n_inputs; i++)
        printf(nara_msg(NARA_MSG_AUDIT_WITH), inputs[i]);
    printf(nara_msg(NARA_MSG_AUDIT_ROOT), root, nara_msg(root_source));
    printf(nara_msg(NARA_MSG_AUDIT_COUNTS), (unsigned long long)r->events,
           (unsigned long long)r->feeds, (unsigned long long)r->heads,
           (unsigned long long)r->consistency, (unsigned long long)r->inclusion,
           (unsigned long long)r->forks);
    if (r->has_server) {
        nara_hex(r->server_pk, 32, key);
        nara_fmt_time(r->tree_time_ms, at);
        printf(
            nara_msg(NARA_MSG_AUDIT_SERVER), key,
            nara_msg(r->server_enrolled ? NARA_MSG_AUDIT_ENROLLED : NARA_MSG_AUDIT_NOT_ENROLLED));
        printf(nara_msg(NARA_MSG_AUDIT_LARGEST), (unsigned long long)r->tree_size, at);
    }
    printf(nara_msg(NARA_MSG_AUDIT_RECEIPTED), (unsigned long long)r->receipted,
           (unsigned long long)r->events,
           nara_msg(!r->claims_complete ? NARA_MSG_AUDIT_NOT_CLAIMED
                    : r->complete       ? NARA_MSG_AUDIT_COMPLETE
                                        : NARA_MSG_AUDIT_INCOMPLETE));
    if (r->has_first) {
        fputs(nara_msg(NARA_MSG_AUDIT_FIRST), stdout);
        human_line(&r->first, n_inputs, "  ");
    }
    for (int sev = NARA_AUDIT_FAILURE; sev <= NARA_AUDIT_FINDING; sev++) {
        uint64_t total = sev == NARA_AUDIT_FAILURE ? r->failures : r->findings;
        if (total == 0)
            continue;
        printf(
            nara_msg(sev == NARA_AUDIT_FAILURE ? NARA_MSG_AUDIT_FAILURES : NARA_MSG_AUDIT_FINDINGS),
            (unsigned long long)total);
        for (size_t i = 0; i < k->n; i++)
            if ((int)k->v[i].severity == sev)
                human_line(&k->v[i], n_inputs, "  ");
    }
    if (k->dropped)
        printf(nara_msg(NARA_MSG_AUDIT_MORE), k->dropped);
}

static void json_finding(nara_json_t *j, const char *key, const nara_audit_finding_t *f)
{
    nara_json_obj(j, key);
    nara_json_str(j, "severity", f->severity == NARA_AUDIT_FAILURE ? "failure" : "finding");
    nara_json_str(j, "check", f->check);
    nara_json_str(j, "code", nara_err_name(f->code));
    nara_json_str(j, "reason", f->detail);
    if (f->record != UINT64_MAX) {
        nara_json_u64(j, "bundle", f->bundle);
        nara_json_u64(j, "record", f->record);
    }
    if (f->has_event)
        nara_json_hex(j, "event", f->event, 32);
    if (f->has_feed) {
        nara_json_hex(j, "author", f->author, 32);
        nara_json_str(j, "stream", f->stream);
        if (f->seq)
            nara_json_u64(j, "seq", f->seq);
        nara_json_time(j, "claimed", nara_hlc_ms(f->hlc));
    }
    if (f->has_other)
        nara_json_hex(j, "other", f->other, 32);
    nara_json_end(j);
}

static void json(const nara_audit_report_t *r, const kept_t *k, const char *const *inputs,
                 size_t n_inputs, nara_msg_id_t root_source)
{
    nara_json_t j;
    nara_json_start(&j, stdout);
    nara_json_str(&j, "result", verdict(r));
    nara_json_u64(&j, "exit", (uint64_t)exit_code(r));
    nara_json_arr(&j, "inputs");
    for (size_t i = 0; i < n_inputs; i++)
        nara_json_str(&j, NULL, inputs[i]);
    nara_json_end(&j);
    nara_json_hex(&j, "root", r->root_pk, 32);
    nara_json_str(&j, "root_source", nara_msg_in(NARA_LANG_EN, root_source));
    if (r->has_server)
        nara_json_hex(&j, "server_key", r->server_pk, 32);
    else
        nara_json_str(&j, "server_key", NULL);
    nara_json_bool(&j, "server_enrolled", r->server_enrolled);
    nara_json_u64(&j, "events", r->events);
    nara_json_u64(&j, "feeds", r->feeds);
    nara_json_u64(&j, "heads", r->heads);
    nara_json_u64(&j, "consistency_proofs", r->consistency);
    nara_json_u64(&j, "inclusion_proofs", r->inclusion);
    nara_json_u64(&j, "forks", r->forks);
    nara_json_u64(&j, "tree_size", r->tree_size);
    nara_json_time(&j, "tree_time", r->tree_time_ms);
    nara_json_u64(&j, "receipted", r->receipted);
    nara_json_bool(&j, "claims_complete", r->claims_complete);
    nara_json_bool(&j, "complete", r->complete);
    nara_json_u64(&j, "failures", r->failures);
    nara_json_u64(&j, "findings", r->findings);
    if (r->has_first)
        json_finding(&j, "first", &r->first);
    else
        nara_json_str(&j, "first", NULL);
    nara_json_arr(&j, "problems");
    for (size_t i = 0; i < k->n; i++)
        json_finding(&j, NULL, &k->v[i]);
    nara_json_end(&j);
    nara_json_u64(&j, "problems_not_listed", k->dropped);
    nara_json_finish(&j);
}

/* ---- running it ----------------------------------------------------------------------------- */

typedef struct {
    bool has_root, has_server;
    uint8_t root[32], server[32];
    nara_msg_id_t root_source;
} trust_t;

static int run_audit(nara_app_t *app, FILE **in, const char *const *names, size_t n,
                     const trust_t *t)
{
    nara_audit_report_t r;
    kept_t k = {0};
    nara_audit_options_t o = {.root_pk = t->has_root ? t->root : NULL,
                              .server_pk = t->has_server ? t->server : NULL,
                              .on_finding = keep,
                              .ctx = &k};
    nara_err_t err = nara_bundle_audit(in, n, &o, &r);
    if (err != NARA_OK) {
        free(k.v);
        return nara_fail_msg_err(app, NARA_EXIT_STORAGE, err, NARA_MSG_ERR_AUDIT_RUN);
    }
    nara_msg_id_t source = t->has_root ? t->root_source : NARA_MSG_AUDIT_ROOT_BUNDLE;
    if (app->json)
        json(&r, &k, names, n, source);
    else
        human(&r, &k, names, n, source);
    free(k.v);
    return exit_code(&r);
}

static int audit_files(nara_app_t *app, const char *first, const char *with, const trust_t *t)
{
    static char buf[NARA_OPT_MULTI_MAX];
    const char *names[MAX_INPUTS];
    FILE *in[MAX_INPUTS];
    size_t n = 0, more = 0;
    names[n++] = first;
    if (with && !nara_opt_split(with, false, buf, sizeof buf, names + 1, MAX_INPUTS - 1, &more))
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_WITH_MAX, MAX_INPUTS - 1);
    n += more;
    for (size_t i = 0; i < n; i++) {
        in[i] = fopen(names[i], "rb");
        if (in[i] == NULL) {
            int e = errno;
            for (size_t j = 0; j < i; j++)
                fclose(in[j]);
            return nara_fail_msg(app, e == ENOENT ? NARA_EXIT_USAGE : NARA_EXIT_STORAGE,
                                 NARA_MSG_ERR_CANNOT_OPEN, names[i], strerror(e));
        }
    }
    int rc = run_audit(app, in, names, n, t);
    for (size_t i = 0; i < n; i++)
        fclose(in[i]);
    return rc;
}

/* A server's replica: export it as narad would, then audit that. */
static int audit_server_db(nara_app_t *app, nara_store_t *s, const char *regions_file, trust_t *t)
{
    nara_tlog_t *log = NULL;
    nara_regions_t *regions = NULL;
    char msg[256] = "";
    if (!t->has_root)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_SERVER_REPLICA_ROOT, app->db);
    if (regions_file && nara_regions_load(regions_file, &regions, msg, sizeof msg) != NARA_OK)
        return nara_fail_regions(app, NARA_EXIT_USAGE, NARA_MSG_ERR_REGIONS_FILE, regions_file,
                                 msg);
    FILE *f = tmpfile();
    nara_err_t err = f ? nara_tlog_open(s, NULL, NARA_TLOG_READONLY, &log) : NARA_IO;
    if (err == NARA_OK)
        err = nara_bundle_export_log(s, log, t->root, regions, NULL, nara_now_ms(), f, NULL);
    nara_tlog_close(log);
    nara_regions_free(regions);
    int rc;
    if (err != NARA_OK) {
        rc = nara_fail_msg_err(app, NARA_EXIT_STORAGE, err, NARA_MSG_ERR_READING, app->db);
    } else {
        const char *name = app->db;
        rewind(f);
        rc = run_audit(app, &f, &name, 1, t);
    }
    if (f)
        fclose(f);
    return rc;
}

/* A device's replica: export it as `nara export-bundle` would, then audit that. */
static int audit_device_db(nara_app_t *app, trust_t *t)
{
    int rc = nara_app_open(app, NARA_NEED_STORE);
    if (rc != NARA_EXIT_OK)
        return rc;
    if (!app->have_root)
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_NO_ROOT, app->db);
    if (!t->has_root) { /* the replica's own configuration is the auditor's trust here */
        memcpy(t->root, app->root_pk, 32);
        t->has_root = true;
        t->root_source = NARA_MSG_AUDIT_ROOT_REPLICA;
    }
    FILE *f = tmpfile();
    nara_err_t err = f ? nara_bundle_write_replica(app, NULL, f, NULL) : NARA_IO;
    if (err != NARA_OK) {
        if (f)
            fclose(f);
        return nara_fail_err(app, err, NARA_MSG_DOING_READING_REPLICA);
    }
    const char *name = app->db;
    rewind(f);
    rc = run_audit(app, &f, &name, 1, t);
    fclose(f);
    return rc;
}

static int audit_db(nara_app_t *app, const nara_cmd_spec_t *spec, trust_t *t)
{
    struct stat st;
    nara_store_t *s = NULL;
    bool has_log = false;
    int rc = nara_app_paths(app);
    if (rc != NARA_EXIT_OK)
        return rc;
    if (stat(app->db, &st) != 0)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_NO_REPLICA_AT, app->db);
    nara_err_t err = nara_store_open(app->db, &s);
    if (err == NARA_OK)
        err = nara_tlog_present(s, &has_log);
    if (err != NARA_OK) {
        nara_store_close(s);
        return nara_fail_msg_err(app, NARA_EXIT_STORAGE, err, NARA_MSG_ERR_OPEN_REPLICA, app->db);
    }
    if (has_log) {
        rc = audit_server_db(app, s, nara_opt(spec, "regions"), t);
        nara_store_close(s);
        return rc;
    }
    nara_store_close(s);
    return audit_device_db(app, t);
}

/* Is there a positional argument (a bundle) among argv? */
static bool has_positional(int argc, char **argv)
{
    static const char *const valued[] = {"--root", "--server-key", "--with", "--regions", "--db"};
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            return true;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            if (strcmp(argv[i], valued[k]) == 0)
                i++;
    }
    return false;
}

int nara_cmd_audit(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"root", NARA_OPT_VALUE, NULL},
                         {"server-key", NARA_OPT_VALUE, NULL},
                         {"with", NARA_OPT_VALUE | NARA_OPT_MULTI, NULL},
                         {"regions", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {
        "nara audit (BUNDLE [--with BUNDLE]... | --db FILE) [--root HEX] [--server-key HEX]",
        NARA_MSG_HELP_AUDIT, NULL, opts, NULL};
    trust_t t = {false, false, {0}, {0}, NARA_MSG_AUDIT_ROOT_GIVEN};
    if (has_positional(argc, argv))
        spec.positional = "BUNDLE";
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK && nara_opt(&spec, "root")) {
        t.has_root = true;
        rc = nara_parse_hex32(app, "root", nara_opt(&spec, "root"), t.root);
    }
    if (rc == NARA_EXIT_OK && nara_opt(&spec, "server-key")) {
        t.has_server = true;
        rc = nara_parse_hex32(app, "server-key", nara_opt(&spec, "server-key"), t.server);
    }
    if (rc == NARA_EXIT_OK && spec.pos == NULL && nara_opt(&spec, "with"))
        rc = nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_WITH_NEEDS_BUNDLE);
    if (rc == NARA_EXIT_OK)
        rc = spec.pos ? audit_files(app, spec.pos, nara_opt(&spec, "with"), &t)
                      : audit_db(app, &spec, &t);
    nara_app_close(app);
    return NARA_PARSED(rc);
}
