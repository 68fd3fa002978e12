/*
 * cmd_admin.c - the province stream: enrolment and revocation of devices,
 * decrees, and LO assignments (`nara enroll|revoke|devices|decree|lo ...`).
 *
 * Invariants: every argument is checked before the replica is written
 * (valid.c); writing goes through the nara_domain.h helpers only, which sign
 * with this device's key and fold before returning.  Authority is not
 * checked here (the fold judges it, as on every replica); nara_written()
 * warns when the local fold did not apply the event.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "nara_cli.h"

#define SCOPE_TEXT_MAX 2048

/* ---- enroll / revoke / devices -------------------------------------------- */

typedef struct {
    char text[SCOPE_TEXT_MAX];
    const char *codes[NARA_REGIONS_MAX];
    size_t n;
    bool all;
} scope_t;

static int parse_scope(const nara_app_t *app, const char *v, scope_t *s)
{
    memset(s, 0, sizeof *s);
    if (strcmp(v, "*") == 0) {
        s->all = true;
        return NARA_EXIT_OK;
    }
    if (snprintf(s->text, sizeof s->text, "%s", v) >= (int)sizeof s->text)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_SCOPE_TOO_LONG);
    for (char *save = NULL, *tok = strtok_r(s->text, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int rc = nara_check_region(app, "scope", tok);
        if (rc != NARA_EXIT_OK)
            return rc;
        if (s->n == NARA_REGIONS_MAX)
            return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_SCOPE_TOO_MANY);
        s->codes[s->n++] = tok;
    }
    if (s->n == 0)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_SCOPE_EMPTY);
    return NARA_EXIT_OK;
}

static int parse_role(const nara_app_t *app, const char *v, nara_role_t *role)
{
    *role = nara_role_parse(v);
    if (*role != NARA_ROLE_NONE && *role != NARA_ROLE_ROOT)
        return NARA_EXIT_OK;
    return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_ROLE, v);
}

static int enroll(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    uint8_t device[NARA_PUBLICKEY_BYTES], id[NARA_ID_BYTES];
    nara_enroll_params_t p;
    scope_t scope;
    memset(&p, 0, sizeof p);
    int rc = nara_parse_hex32(app, "device", nara_opt(spec, "device"), device);
    if (rc == NARA_EXIT_OK)
        rc = parse_role(app, nara_opt(spec, "role"), &p.role);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_text(app, "name", nara_opt(spec, "name"));
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = parse_scope(app, nara_opt(spec, "scope"), &scope);
    if (rc != NARA_EXIT_OK)
        return rc;
    p.device = device;
    p.scope_all = scope.all;
    p.scope = scope.codes;
    p.n_scope = scope.n;
    p.name = nara_opt(spec, "name");
    p.agency = nara_opt(spec, "agency");
    nara_err_t err = nara_device_enroll(app->dom, &app->kp, &p, nara_now_ms(), id);
    return nara_written(app, err, "device.enroll", id);
}

int nara_cmd_enroll(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"device", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"role", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"scope", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"name", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"agency", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {
        "nara enroll --device HEX --role ROLE --scope 32.01,32.02|'*' --name NAME [--agency A]",
        NARA_MSG_HELP_ENROLL, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = enroll(app, &spec);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

int nara_cmd_revoke(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"device", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"reason", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara revoke --device HEX [--reason R]", NARA_MSG_HELP_REVOKE, NULL,
                            opts, NULL};
    uint8_t device[NARA_PUBLICKEY_BYTES], id[NARA_ID_BYTES];
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_parse_hex32(app, "device", nara_opt(&spec, "device"), device);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK) {
        nara_err_t err = nara_device_revoke(app->dom, &app->kp, device,
                                            nara_opt(&spec, "reason"), nara_now_ms(), id);
        rc = nara_written(app, err, "device.revoke", id);
    }
    nara_app_close(app);
    return NARA_PARSED(rc);
}

typedef struct {
    nara_json_t *j; /* NULL: a table for a person */
    size_t n;
} devices_walk_t;

static int print_device(void *ctx, const nara_device_t *d)
{
    devices_walk_t *w = ctx;
    nara_json_t *j = w->j;
    char pk[65], since[NARA_TIME_STR];
    nara_hex(d->device, NARA_PUBLICKEY_BYTES, pk);
    nara_fmt_time(nara_hlc_ms(d->since), since);
    if (j == NULL) {
        if (w->n++ == 0)
            printf("%-64s  %-11s %-20s %-28s %s\n", nara_msg(NARA_MSG_COL_KEY),
                   nara_msg(NARA_MSG_COL_ROLE), nara_msg(NARA_MSG_COL_SCOPE),
                   nara_msg(NARA_MSG_COL_DEVICE_NAME), nara_msg(NARA_MSG_COL_SINCE));
        printf("%s  %-11s %-20s %-28s %s%s\n", pk, nara_vocab(NARA_VOCAB_ROLE, (int)d->role),
               d->scope, d->name,
               d->revoked ? nara_msg(NARA_MSG_DEVICE_REVOKED) : "", since);
        return 0;
    }
    nara_json_obj(j, NULL);
    nara_json_str(j, "device", pk);
    nara_json_str(j, "role", nara_role_name(d->role));
    nara_json_str(j, "scope", d->scope);
    nara_json_str(j, "name", d->name);
    nara_json_str(j, "agency", d->agency);
    nara_json_time(j, "since", nara_hlc_ms(d->since));
    nara_json_bool(j, "revoked", d->revoked);
    nara_json_time(j, "revoked_at", d->revoked ? nara_hlc_ms(d->revoked_at) : 0);
    nara_json_end(j);
    return 0;
}

int nara_cmd_devices(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara devices", NARA_MSG_HELP_DEVICES, NULL, opts, NULL};
    nara_json_t j;
    devices_walk_t w = {app->json ? &j : NULL, 0};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    if (rc != NARA_EXIT_OK)
        return NARA_PARSED(rc);
    if (app->json) {
        nara_json_start(&j, stdout);
        nara_json_arr(&j, "devices");
    }
    nara_err_t err = nara_domain_devices(app->dom, print_device, &w);
    if (app->json)
        nara_json_finish(&j);
    else if (err == NARA_OK && w.n == 0)
        fputs(nara_msg(NARA_MSG_DEVICES_NONE), stdout);
    rc = err == NARA_OK ? NARA_EXIT_OK : nara_fail_err(app, err, NARA_MSG_DOING_LISTING_DEVICES);
    nara_app_close(app);
    return rc;
}

/* ---- decree ------------------------------------------------------------------ */

/* BLAKE2b-256 of a whole file, streamed. */
static int hash_file(const nara_app_t *app, const char *path, uint8_t out[32])
{
    crypto_generichash_state st;
    unsigned char buf[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_DOC_READ, path);
    crypto_generichash_init(&st, NULL, 0, 32);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crypto_generichash_update(&st, buf, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    crypto_generichash_final(&st, out, 32);
    if (bad)
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_DOC_IO, path);
    return NARA_EXIT_OK;
}

static int decree_hash(const nara_app_t *app, const nara_cmd_spec_t *spec, uint8_t out[32])
{
    const char *doc = nara_opt(spec, "doc"), *hex = nara_opt(spec, "doc-hash");
    if ((doc == NULL) == (hex == NULL))
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_DOC_ONE);
    return doc ? hash_file(app, doc, out) : nara_parse_hex32(app, "doc-hash", hex, out);
}

static int decree(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    uint8_t hash[32], id[NARA_ID_BYTES];
    nara_decree_params_t p = {nara_opt(spec, "number"), nara_opt(spec, "date"), hash,
                              nara_opt(spec, "effective"), nara_opt(spec, "until"),
                              nara_opt(spec, "title"), nara_opt(spec, "supersedes")};
    int rc = nara_check_text(app, "number", p.number);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_date(app, "date", p.date);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_date(app, "effective", p.effective);
    if (rc == NARA_EXIT_OK && p.until)
        rc = nara_check_date(app, "until", p.until);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_text(app, "title", p.title);
    if (rc == NARA_EXIT_OK)
        rc = decree_hash(app, spec, hash);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc != NARA_EXIT_OK)
        return rc;
    nara_err_t err = nara_decree_record(app->dom, &app->kp, &p, nara_now_ms(), id);
    return nara_written(app, err, "decree", id);
}

int nara_cmd_decree(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"number", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"date", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"doc", NARA_OPT_VALUE, NULL},
                         {"doc-hash", NARA_OPT_VALUE, NULL},
                         {"effective", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"until", NARA_OPT_VALUE, NULL},
                         {"title", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"supersedes", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {
        "nara decree --number N --date D (--doc FILE | --doc-hash HEX) --effective D "
        "[--until D] --title T [--supersedes N]",
        NARA_MSG_HELP_DECREE, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = decree(app, &spec);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- LO assignments ----------------------------------------------------------- */

typedef struct {
    const char *number;
    bool found;
} decree_walk_t;

static int match_decree(void *ctx, const nara_decree_t *d)
{
    decree_walk_t *w = ctx;
    w->found = strcmp(d->number, w->number) == 0;
    return w->found;
}

/* A warning only: the decree may have been recorded on another replica. */
static void check_decree_known(nara_app_t *app, const char *number)
{
    decree_walk_t w = {number, false};
    if (nara_domain_decrees(app->dom, match_decree, &w) == NARA_OK && !w.found)
        fprintf(stderr, nara_msg(NARA_MSG_NOTE_DECREE_UNKNOWN), number);
}

static int lo_assign(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    uint8_t device[NARA_PUBLICKEY_BYTES], id[NARA_ID_BYTES];
    nara_lo_assign_params_t p;
    memset(&p, 0, sizeof p);
    p.region = nara_opt(spec, "region");
    p.agency = nara_opt(spec, "agency");
    p.officer = nara_opt(spec, "officer");
    p.decree = nara_opt(spec, "decree");
    p.effective = nara_opt(spec, "effective");
    int rc = nara_check_text(app, "agency", p.agency);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_text(app, "officer", p.officer);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_text(app, "decree", p.decree);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_date(app, "effective", p.effective);
    if (rc == NARA_EXIT_OK && nara_opt(spec, "device")) {
        rc = nara_parse_hex32(app, "device", nara_opt(spec, "device"), device);
        p.device = device;
    }
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_region(app, "region", p.region);
    if (rc != NARA_EXIT_OK)
        return rc;
    check_decree_known(app, p.decree);
    nara_err_t err = nara_lo_assign(app->dom, &app->kp, &p, nara_now_ms(), id);
    return nara_written(app, err, "lo.assign", id);
}

int nara_cmd_lo_assign(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"region", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"agency", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"officer", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"decree", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"effective", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"device", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {
        "nara lo assign --region R --agency A --officer O --decree N --effective D "
        "[--device HEX]",
        NARA_MSG_HELP_LO_ASSIGN, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = lo_assign(app, &spec);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

typedef struct {
    char prefix[65];
    size_t len, matches;
    uint8_t id[NARA_ID_BYTES];
} assign_walk_t;

static int match_assignment(void *ctx, const nara_lo_entry_t *e)
{
    assign_walk_t *w = ctx;
    char hex[65];
    if (e->kind != NARA_KIND_LO_ASSIGN)
        return 0;
    nara_hex(e->id, NARA_ID_BYTES, hex);
    if (strncmp(hex, w->prefix, w->len) == 0 && w->matches++ == 0)
        memcpy(w->id, e->id, NARA_ID_BYTES);
    return 0;
}

/* Full id, or a unique prefix (>= 8 hex digits) of one of the region's
 * assignments. */
static int resolve_assignment(nara_app_t *app, const char *region, const char *arg,
                              uint8_t out[NARA_ID_BYTES])
{
    assign_walk_t w;
    memset(&w, 0, sizeof w);
    if (nara_hex32_parse(arg, out) == NARA_OK)
        return NARA_EXIT_OK;
    size_t n = strlen(arg);
    for (size_t i = 0; i < n && i < 64; i++)
        w.prefix[i] = (char)((arg[i] >= 'A' && arg[i] <= 'F') ? arg[i] + 32 : arg[i]);
    w.len = n < 64 ? n : 64;
    nara_err_t err = nara_domain_lo_history(app->dom, region, match_assignment, &w);
    if (err != NARA_OK)
        return nara_fail_err(app, err, NARA_MSG_DOING_READING_LO_HISTORY);
    if (n < 8 || w.matches != 1)
        return nara_fail_msg(app, NARA_EXIT_USAGE,
                             w.matches > 1 ? NARA_MSG_ERR_ASSIGNMENT_MANY
                                           : NARA_MSG_ERR_ASSIGNMENT_NONE,
                             arg, region, region);
    memcpy(out, w.id, NARA_ID_BYTES);
    return NARA_EXIT_OK;
}

static int lo_unassign(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    uint8_t assignment[NARA_ID_BYTES], id[NARA_ID_BYTES];
    const char *region = nara_opt(spec, "region"), *decree = nara_opt(spec, "decree");
    int rc = nara_check_text(app, "decree", decree);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_date(app, "effective", nara_opt(spec, "effective"));
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_DOMAIN);
    if (rc == NARA_EXIT_OK)
        rc = nara_check_region(app, "region", region);
    if (rc == NARA_EXIT_OK)
        rc = resolve_assignment(app, region, nara_opt(spec, "assignment"), assignment);
    if (rc != NARA_EXIT_OK)
        return rc;
    nara_err_t err = nara_lo_unassign(app->dom, &app->kp, region, assignment, decree,
                                      nara_opt(spec, "effective"), nara_now_ms(), id);
    return nara_written(app, err, "lo.unassign", id);
}

int nara_cmd_lo_unassign(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"region", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"assignment", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"decree", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"effective", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara lo unassign --region R --assignment ID --decree N --effective D",
                            NARA_MSG_HELP_LO_UNASSIGN, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = lo_unassign(app, &spec);
    nara_app_close(app);
    return NARA_PARSED(rc);
}

/* ---- lo show --------------------------------------------------------------------- */

typedef struct {
    nara_json_t *j;
    const nara_region_t *region;
    bool found;
} lo_walk_t;

static int print_lo(void *ctx, const nara_lo_t *lo)
{
    lo_walk_t *w = ctx;
    char id[65];
    w->found = true;
    nara_hex(lo->assignment, NARA_ID_BYTES, id);
    if (w->j == NULL) {
        printf("%-6s %-18.18s %-26.26s %-24.24s %-22s %.12s\n", lo->region, w->region->name,
               lo->officer, lo->agency, lo->decree, id);
        return 0;
    }
    nara_json_obj(w->j, "lo");
    nara_json_str(w->j, "officer", lo->officer);
    nara_json_str(w->j, "agency", lo->agency);
    nara_json_str(w->j, "decree", lo->decree);
    nara_json_str(w->j, "effective", lo->effective);
    nara_json_str(w->j, "assignment", id);
    if (lo->has_device)
        nara_json_hex(w->j, "device", lo->device, NARA_PUBLICKEY_BYTES);
    nara_json_end(w->j);
    return 0;
}

static nara_err_t show_current(nara_app_t *app, nara_json_t *j, const nara_region_t *r)
{
    lo_walk_t w = {j, r, false};
    if (j) {
        nara_json_obj(j, NULL);
        nara_json_str(j, "region", r->code);
        nara_json_str(j, "name", r->name);
    }
    nara_err_t err = nara_domain_lo(app->dom, r->code, print_lo, &w);
    if (err == NARA_NOT_FOUND)
        err = NARA_OK;
    if (!w.found && j)
        nara_json_str(j, "lo", NULL);
    if (!w.found && !j)
        printf("%-6s %-18.18s %s\n", r->code, r->name, nara_msg(NARA_MSG_NO_LO));
    if (j)
        nara_json_end(j);
    return err;
}

static int print_history(void *ctx, const nara_lo_entry_t *e)
{
    nara_json_t *j = ctx;
    char id[65], t[NARA_TIME_STR];
    const char *flag = (e->flags & NARA_LO_CURRENT)     ? nara_msg(NARA_MSG_LO_CURRENT)
                       : (e->flags & NARA_LO_NO_EFFECT) ? nara_msg(NARA_MSG_LO_NO_EFFECT)
                                                        : "";
    nara_hex(e->id, NARA_ID_BYTES, id);
    nara_fmt_time(nara_hlc_ms(e->hlc), t);
    if (j == NULL) {
        printf(nara_msg(NARA_MSG_LO_HISTORY_ROW), t, id, nara_vocab(NARA_VOCAB_KIND, (int)e->kind),
               e->decree,
               e->effective, e->officer, flag[0] ? "  " : "", flag);
        if (e->flags & NARA_LO_CONFLICT)
            fputs(nara_msg(NARA_MSG_LO_CONFLICT), stdout);
        return 0;
    }
    nara_json_obj(j, NULL);
    nara_json_str(j, "id", id);
    nara_json_str(j, "kind", nara_kind_name(e->kind));
    nara_json_time(j, "time", nara_hlc_ms(e->hlc));
    nara_json_str(j, "officer", e->officer);
    nara_json_str(j, "agency", e->agency);
    nara_json_str(j, "decree", e->decree);
    nara_json_str(j, "effective", e->effective);
    nara_json_bool(j, "current", (e->flags & NARA_LO_CURRENT) != 0);
    nara_json_bool(j, "no_effect", (e->flags & NARA_LO_NO_EFFECT) != 0);
    nara_json_bool(j, "conflict", (e->flags & NARA_LO_CONFLICT) != 0);
    nara_json_end(j);
    return 0;
}

static int lo_show(nara_app_t *app, const char *region)
{
    nara_json_t j, *jp = app->json ? &j : NULL;
    nara_err_t err = NARA_OK;
    if (jp) {
        nara_json_start(jp, stdout);
        nara_json_arr(jp, "regions");
    } else {
        printf("%-6s %-18s %-26s %-24s %-22s %s\n", nara_msg(NARA_MSG_COL_REGION),
               nara_msg(NARA_MSG_COL_NAME), nara_msg(NARA_MSG_COL_OFFICER),
               nara_msg(NARA_MSG_COL_AGENCY), nara_msg(NARA_MSG_COL_DECREE),
               nara_msg(NARA_MSG_COL_ASSIGNMENT));
    }
    for (size_t i = 0; i < nara_regions_count(app->regions) && err == NARA_OK; i++) {
        const nara_region_t *r = nara_regions_at(app->regions, i);
        if (region == NULL || strcmp(region, r->code) == 0)
            err = show_current(app, jp, r);
    }
    if (jp)
        nara_json_end(jp);
    if (region && err == NARA_OK) {
        if (jp)
            nara_json_arr(jp, "history");
        else
            printf(nara_msg(NARA_MSG_LO_HISTORY), region);
        err = nara_domain_lo_history(app->dom, region, print_history, jp);
    }
    if (jp)
        nara_json_finish(jp);
    return err == NARA_OK ? NARA_EXIT_OK : nara_fail_err(app, err, NARA_MSG_DOING_READING_LO);
}

int nara_cmd_lo_show(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"region", NARA_OPT_VALUE, NULL}, {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara lo show [--region R]", NARA_MSG_HELP_LO_SHOW, NULL, opts, NULL};
    const char *region;
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_DOMAIN);
    region = nara_opt(&spec, "region");
    if (rc == NARA_EXIT_OK && region)
        rc = nara_check_region(app, "region", region);
    if (rc == NARA_EXIT_OK)
        rc = lo_show(app, region);
    nara_app_close(app);
    return NARA_PARSED(rc);
}
