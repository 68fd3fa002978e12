/*
 * cmd_case.c - the case life in a region stream (`nara case ...`): open,
 * ack, note, action, escalate, resolve, reopen, close, list and show.
 *
 * Invariants: the vocabulary of docs/events.md section 4 and the region are
 * checked before writing; a case is named by its id or a unique prefix of at
 * least 8 hex digits (lookup.c); every case event says it had seen every
 * local head of the case (seen = NULL, nara_domain.h).  Status changes that
 * are invalid are not refused here: the fold records them as no effect, as
 * every replica would, and `case show` marks them.
 */
#include <stdio.h>
#include <string.h>

#include "nara_cli.h"

/* ---- case open ----------------------------------------------------------------- */

static int case_open(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    uint8_t id[NARA_ID_BYTES];
    nara_case_open_params_t p = {nara_opt(spec, "region"),      nara_opt(spec, "category"),
                                 nara_opt(spec, "function"),    nara_opt(spec, "title"),
                                 nara_opt(spec, "description"), nara_opt(spec, "priority")};
    int rc = nara_check_vocab(app, "category", p.category, nara_categories);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_vocab(app, "function", p.function, nara_functions);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_vocab(app, "priority", p.priority, nara_priorities);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_text(app, "title", p.title);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_text(app, "description", p.description);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_region(app, "region", p.region);
    if (rc != NARA_EXIT_OK)
        return rc;
    nara_err_t err = nara_case_open(app->dom, &app->kp, &p, nara_now_ms(), id);
    return nara_written(app, err, "case.open", id);
}

int nara_cmd_case_open(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"region", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"category", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"function", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"title", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"description", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"priority", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {
        "nara case open --region R --category C --function F --title T --description D "
        "--priority P",
        NARA_MSG_HELP_CASE_OPEN, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = case_open(app, &spec);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- events on an existing case ---------------------------------------------------- */

typedef struct {
    nara_kind_t kind;
    const char *usage;
    nara_msg_id_t help;
} case_cmd_t;

static int check_event_args(const nara_app_t *app, nara_kind_t kind, const nara_cmd_spec_t *spec)
{
    switch (kind) {
    case NARA_KIND_CASE_NOTE:
        return nara_check_text(app, "text", nara_opt(spec, "text"));
    case NARA_KIND_CASE_ACTION: {
        int rc = nara_check_text(app, "what", nara_opt(spec, "what"));
        if (rc == NARA_EXIT_OK)
            rc = nara_check_text(app, "who", nara_opt(spec, "who"));
        return rc == NARA_EXIT_OK ? nara_check_date(app, "due", nara_opt(spec, "due")) : rc;
    }
    case NARA_KIND_CASE_ESCALATE: {
        int rc = nara_check_vocab(app, "to", nara_opt(spec, "to"), nara_escalate_to);
        return rc == NARA_EXIT_OK ? nara_check_text(app, "reason", nara_opt(spec, "reason")) : rc;
    }
    case NARA_KIND_CASE_RESOLVE:
        return nara_check_text(app, "summary", nara_opt(spec, "summary"));
    case NARA_KIND_CASE_REOPEN:
        return nara_check_text(app, "reason", nara_opt(spec, "reason"));
    default:
        return NARA_EXIT_OK;
    }
}

static nara_err_t write_event(nara_app_t *app, nara_kind_t kind, const uint8_t cid[32],
                              const nara_cmd_spec_t *spec, uint8_t id[NARA_ID_BYTES])
{
    nara_domain_t *d = app->dom;
    const nara_keypair_t *kp = &app->kp;
    uint64_t now = nara_now_ms();
    switch (kind) {
    case NARA_KIND_CASE_ACK:
        return nara_case_ack(d, kp, cid, NULL, now, id);
    case NARA_KIND_CASE_NOTE:
        return nara_case_note(d, kp, cid, NULL, nara_opt(spec, "text"), now, id);
    case NARA_KIND_CASE_ACTION:
        return nara_case_action(d, kp, cid, NULL, nara_opt(spec, "what"), nara_opt(spec, "who"),
                                nara_opt(spec, "due"), now, id);
    case NARA_KIND_CASE_ESCALATE:
        return nara_case_escalate(d, kp, cid, NULL, nara_opt(spec, "to"),
                                  nara_opt(spec, "reason"), now, id);
    case NARA_KIND_CASE_RESOLVE:
        return nara_case_resolve(d, kp, cid, NULL, nara_opt(spec, "summary"), now, id);
    case NARA_KIND_CASE_REOPEN:
        return nara_case_reopen(d, kp, cid, NULL, nara_opt(spec, "reason"), now, id);
    case NARA_KIND_CASE_CLOSE:
        return nara_case_close(d, kp, cid, NULL, now, id);
    default:
        return NARA_INVAL;
    }
}

static int case_event(nara_app_t *app, const case_cmd_t *c, nara_opt_t *opts, int argc,
                      char **argv)
{
    nara_cmd_spec_t spec = {c->usage, c->help, "ID", opts, NULL};
    uint8_t cid[NARA_ID_BYTES], id[NARA_ID_BYTES];
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = check_event_args(app, c->kind, &spec);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = nara_resolve_case(app, spec.pos, cid);
    if (rc == NARA_EXIT_OK)
        rc = nara_written(app, write_event(app, c->kind, cid, &spec, id),
                          nara_kind_name(c->kind), id);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

int nara_cmd_case_ack(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    case_cmd_t c = {NARA_KIND_CASE_ACK, "nara case ack ID", NARA_MSG_HELP_CASE_ACK};
    return case_event(app, &c, opts, argc, argv);
}

int nara_cmd_case_close(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    case_cmd_t c = {NARA_KIND_CASE_CLOSE, "nara case close ID", NARA_MSG_HELP_CASE_CLOSE};
    return case_event(app, &c, opts, argc, argv);
}

int nara_cmd_case_note(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"text", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL}, {NULL, 0, NULL}};
    case_cmd_t c = {NARA_KIND_CASE_NOTE, "nara case note ID --text T", NARA_MSG_HELP_CASE_NOTE};
    return case_event(app, &c, opts, argc, argv);
}

int nara_cmd_case_action(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"what", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"who", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"due", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {NULL, 0, NULL}};
    case_cmd_t c = {NARA_KIND_CASE_ACTION, "nara case action ID --what W --who P --due D",
                    NARA_MSG_HELP_CASE_ACTION};
    return case_event(app, &c, opts, argc, argv);
}

int nara_cmd_case_escalate(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"to", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"reason", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {NULL, 0, NULL}};
    case_cmd_t c = {NARA_KIND_CASE_ESCALATE, "nara case escalate ID --to sekda|gubernur --reason R",
                    NARA_MSG_HELP_CASE_ESCALATE};
    return case_event(app, &c, opts, argc, argv);
}

int nara_cmd_case_resolve(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"summary", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL}, {NULL, 0, NULL}};
    case_cmd_t c = {NARA_KIND_CASE_RESOLVE, "nara case resolve ID --summary S",
                    NARA_MSG_HELP_CASE_RESOLVE};
    return case_event(app, &c, opts, argc, argv);
}

int nara_cmd_case_reopen(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"reason", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL}, {NULL, 0, NULL}};
    case_cmd_t c = {NARA_KIND_CASE_REOPEN, "nara case reopen ID --reason R",
                    NARA_MSG_HELP_CASE_REOPEN};
    return case_event(app, &c, opts, argc, argv);
}

/* ---- case list ----------------------------------------------------------------------- */

static int status_mask(const nara_app_t *app, const char *v, unsigned *mask)
{
    *mask = 0;
    if (v == NULL)
        return NARA_EXIT_OK;
    for (int s = 0; s < NARA_CASE_STATUS_COUNT; s++)
        if (strcmp(v, nara_case_status_name((nara_case_status_t)s)) == 0) {
            *mask = 1u << s;
            return NARA_EXIT_OK;
        }
    return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_CASE_STATUS, v);
}

static void case_json(nara_json_t *j, const nara_case_t *c)
{
    char id[65];
    nara_hex(c->id, NARA_ID_BYTES, id);
    nara_json_str(j, "id", id);
    nara_json_str(j, "region", c->region);
    nara_json_str(j, "status", nara_case_status_name(c->status));
    nara_json_str(j, "category", c->category);
    nara_json_str(j, "function", c->function);
    nara_json_str(j, "priority", c->priority);
    nara_json_str(j, "title", c->title);
    nara_json_str(j, "description", c->description);
    nara_json_time(j, "opened", nara_hlc_ms(c->opened));
    nara_json_hex(j, "opened_by", c->opened_by, NARA_PUBLICKEY_BYTES);
    nara_json_time(j, "acknowledged", c->acked ? nara_hlc_ms(c->ack) : 0);
    nara_json_str(j, "escalated_to", c->escalated_to[0] ? c->escalated_to : NULL);
    nara_json_time(j, "resolved", c->resolved ? nara_hlc_ms(c->resolved) : 0);
    nara_json_time(j, "closed", c->closed ? nara_hlc_ms(c->closed) : 0);
    nara_json_time(j, "last", nara_hlc_ms(c->last));
}

typedef struct {
    nara_json_t *j; /* NULL: a table for a person */
    size_t n;
} list_walk_t;

static int list_case(void *ctx, const nara_case_t *c)
{
    list_walk_t *w = ctx;
    nara_json_t *j = w->j;
    char id[13], t[NARA_TIME_STR];
    if (j) {
        nara_json_obj(j, NULL);
        case_json(j, c);
        nara_json_end(j);
        return 0;
    }
    nara_fmt_id(c->id, id);
    nara_fmt_time(nara_hlc_ms(c->opened), t);
    if (w->n++ == 0)
        printf("%-12s  %-6s %-12s %-9s %-20s  %s\n", "ID", nara_msg(NARA_MSG_COL_REGION),
               nara_msg(NARA_MSG_COL_STATUS), nara_msg(NARA_MSG_COL_PRIORITY),
               nara_msg(NARA_MSG_COL_OPENED), nara_msg(NARA_MSG_COL_TITLE));
    printf("%s  %-6s %-12s %-9s %s  %s\n", id, c->region,
           nara_vocab(NARA_VOCAB_STATUS, (int)c->status),
           c->priority, t, c->title);
    return 0;
}

int nara_cmd_case_list(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"region", NARA_OPT_VALUE, NULL},
                         {"status", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara case list [--region R] [--status S]", NARA_MSG_HELP_CASE_LIST,
                            NULL, opts, NULL};
    nara_json_t j;
    list_walk_t w = {app->json ? &j : NULL, 0};
    unsigned mask = 0;
    int rc = nara_args_parse(app, &spec, argc, argv);
    const char *region = nara_opt(&spec, "region");
    if (rc == NARA_EXIT_OK)
        rc = status_mask(app, nara_opt(&spec, "status"), &mask);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK && region)
        rc = nara_check_region(app, "region", region);
    if (rc == NARA_EXIT_OK) {
        if (app->json) {
            nara_json_start(&j, stdout);
            nara_json_arr(&j, "cases");
        }
        nara_err_t err = nara_domain_cases(app->dom, region, mask, list_case, &w);
        if (app->json)
            nara_json_finish(&j);
        else if (err == NARA_OK && w.n == 0)
            fputs(nara_msg(NARA_MSG_CASE_LIST_NONE), stdout);
        if (err != NARA_OK)
            rc = nara_fail_err(app, err, NARA_MSG_DOING_LISTING_CASES);
    }
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- case show ------------------------------------------------------------------------- */

typedef struct {
    nara_app_t *app;
    nara_json_t *j;
} show_t;

static int show_fields(void *ctx, const nara_case_t *c)
{
    show_t *s = ctx;
    char id[65], t[NARA_TIME_STR], who[160];
    if (s->j) {
        case_json(s->j, c);
        return 0;
    }
    nara_hex(c->id, NARA_ID_BYTES, id);
    nara_fmt_time(nara_hlc_ms(c->opened), t);
    nara_author_label(s->app, nara_msg_lang(), c->opened_by, who, sizeof who);
    printf(nara_msg(NARA_MSG_CASE_SHOW_HEAD), id, c->title, c->region,
           nara_vocab(NARA_VOCAB_STATUS, (int)c->status), c->priority);
    printf(nara_msg(NARA_MSG_CASE_SHOW_OPENED), c->category, c->function, t, who);
    if (c->acked) {
        nara_fmt_time(nara_hlc_ms(c->ack), t);
        nara_author_label(s->app, nara_msg_lang(), c->ack_by, who, sizeof who);
        printf(nara_msg(NARA_MSG_CASE_SHOW_ACKED), t, who);
    }
    if (c->escalated_to[0])
        printf(nara_msg(NARA_MSG_CASE_SHOW_ESCALATED), c->escalated_to);
    printf(nara_msg(NARA_MSG_CASE_SHOW_TIMELINE), c->description);
    return 0;
}

static void flags_text(unsigned f, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s", (f & NARA_TL_NO_EFFECT) ? nara_msg(NARA_MSG_FLAG_NO_EFFECT) : "",
             (f & NARA_TL_CONFLICT) ? nara_msg(NARA_MSG_FLAG_CONFLICT) : "",
             (f & NARA_TL_APPLIED)      ? ""
             : (f & NARA_TL_NO_EFFECT) ? ""
                                       : nara_msg(NARA_MSG_FLAG_NOT_APPLIED));
}

static int show_entry(void *ctx, const nara_timeline_entry_t *e)
{
    show_t *s = ctx;
    char t[NARA_TIME_STR], who[160], id[65], flags[64];
    nara_fmt_time(nara_hlc_ms(e->hlc), t);
    nara_author_label(s->app, s->j ? NARA_LANG_EN : nara_msg_lang(), e->author, who, sizeof who);
    if (s->j == NULL) {
        flags_text(e->flags, flags, sizeof flags);
        printf("  %s  %-13s %s%s\n", t, nara_vocab(NARA_VOCAB_KIND, (int)e->kind), who, flags);
        if (e->text[0])
            printf("      %s\n", e->text);
        return 0;
    }
    nara_hex(e->id, NARA_ID_BYTES, id);
    nara_json_obj(s->j, NULL);
    nara_json_str(s->j, "id", id);
    nara_json_str(s->j, "kind", nara_kind_name(e->kind));
    nara_json_time(s->j, "time", nara_hlc_ms(e->hlc));
    nara_json_hex(s->j, "author", e->author, NARA_PUBLICKEY_BYTES);
    nara_json_str(s->j, "author_label", who);
    nara_json_str(s->j, "text", e->text);
    nara_json_bool(s->j, "applied", (e->flags & NARA_TL_APPLIED) != 0);
    nara_json_bool(s->j, "no_effect", (e->flags & NARA_TL_NO_EFFECT) != 0);
    nara_json_bool(s->j, "conflict", (e->flags & NARA_TL_CONFLICT) != 0);
    nara_json_end(s->j);
    return 0;
}

static int case_show(nara_app_t *app, const uint8_t cid[NARA_ID_BYTES])
{
    nara_json_t j;
    show_t s = {app, app->json ? &j : NULL};
    if (s.j)
        nara_json_start(s.j, stdout);
    nara_err_t err = nara_domain_case(app->dom, cid, show_fields, &s);
    if (err == NARA_OK && s.j)
        nara_json_arr(s.j, "timeline");
    if (err == NARA_OK)
        err = nara_domain_timeline(app->dom, cid, show_entry, &s);
    if (s.j)
        nara_json_finish(s.j);
    return err == NARA_OK ? NARA_EXIT_OK : nara_fail_err(app, err, NARA_MSG_DOING_READING_CASE);
}

int nara_cmd_case_show(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara case show ID", NARA_MSG_HELP_CASE_SHOW, "ID", opts, NULL};
    uint8_t cid[NARA_ID_BYTES];
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = nara_resolve_case(app, spec.pos, cid);
    if (rc == NARA_EXIT_OK)
        rc = nara_labels_load(app);
    if (rc == NARA_EXIT_OK)
        rc = case_show(app, cid);
    nara_app_close(app);
    return NARA_PARSED(rc);
}
