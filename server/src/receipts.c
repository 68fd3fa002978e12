/*
 * receipts.c - narad's transparency log (docs/audit.md, docs/server.md):
 * attaching nara_tlog to the replica with the server key as signer, the
 * provider every sync session shows heads and receipts from, the check
 * that the server key is enrolled as `server` in the province's log, and
 * `narad export-bundle`, the province's audit bundle.
 *
 * Enrolment is checked, not required: the province's root enrols the
 * server key with an event that usually reaches the server through the
 * server itself, so refusing to start without it would lock a new province
 * out.  narad therefore starts, logs a loud warning that auditors will not
 * trust its receipts, says so on /healthz, and logs again once the
 * enrolment arrives.
 *
 * Export reads the replica without changing it (a read-only log, one read
 * transaction), so it can run beside a live narad.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nara_bundle.h"
#include "nara_keyfile.h"
#include "narad.h"

/* ---- serving ------------------------------------------------------------------- */

static uint64_t signer_clock(void *ctx)
{
    (void)ctx;
    return narad__now_ms();
}

int narad__tlog_open(narad_t *srv)
{
    nara_tlog_signer_t signer = {&srv->kp, signer_clock, srv};
    nara_err_t err = nara_tlog_open(srv->store, &signer, 0, &srv->tlog);
    if (err != NARA_OK) {
        narad__log("transparency log on %s: %s (%s)", srv->cfg.db, nara_strerror(err),
                   nara_store_errmsg(srv->store));
        return -1;
    }
    nara_log_provider_tlog(srv->tlog, &srv->log);
    narad__tlog_check_key(srv);
    return 0;
}

void narad__tlog_check_key(narad_t *srv)
{
    nara_role_t role = NARA_ROLE_NONE;
    bool revoked = false;
    bool was = srv->key_enrolled, first = !srv->key_checked;
    char hex[65];
    if (was || nara_domain_device_role(srv->domain, srv->kp.pk, &role, &revoked) != NARA_OK)
        return;
    srv->key_checked = true;
    srv->key_enrolled = role == NARA_ROLE_SERVER;
    nara_hex(srv->kp.pk, sizeof srv->kp.pk, hex);
    if (srv->key_enrolled && !first) {
        narad__log("the server key %s is now enrolled as server: receipts can be checked against "
                   "the province's log",
                   hex);
    } else if (!srv->key_enrolled && first) {
        narad__log("WARNING: the server key %s is %s in this province's log. Devices still get "
                   "signed receipts, but an auditor who trusts only the province root cannot "
                   "trust them. The province root (or an admin) must run: nara enroll --device %s "
                   "--role server --scope '*' --name narad",
                   hex, revoked ? "REVOKED" : "NOT ENROLLED AS SERVER", hex);
    }
}

/* ---- narad export-bundle -------------------------------------------------------------- */

static const char usage_export[] =
    "usage: narad export-bundle --db FILE --out FILE --root HEX [--regions FILE]\n"
    "                           [--region R]... [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "\n"
    "Write the province's audit bundle (docs/audit.md section 5): every tree head the\n"
    "server signed, consistency proofs between them, the chosen events each with its\n"
    "leaf and an inclusion proof against the largest head, and the fork evidence.\n"
    "Without --region/--from/--to the bundle holds the whole log and says it is\n"
    "complete.  --region keeps that region's streams (repeatable; the province\n"
    "stream is always kept); --from/--to keep the region feeds with an event claimed\n"
    "in that range (UTC days, inclusive), each from its first event.  The replica is\n"
    "only read: narad may keep running.  The file is written under a temporary name\n"
    "and renamed when complete.\n"
    "\n"
    "Check it with: nara audit FILE --root HEX\n"
    "exit codes: 0 written, 1 could not read the replica or write the file, 2 bad command line\n";

static int export_usage(const char *fmt, const char *v)
{
    fprintf(stderr, "narad: export-bundle: ");
    fprintf(stderr, fmt, v);
    fprintf(stderr, "\n\n%s", usage_export);
    return NARAD_EXIT_USAGE;
}

/* "YYYY-MM-DD" into the milliseconds of that day's start (UTC). */
static bool parse_day(const char *s, uint64_t *ms)
{
    int y, m, d;
    char extra;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || strlen(s) != 10 || y < 1970 ||
        m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    /* Days from 1970-01-01 (civil-from-days, Howard Hinnant). */
    int yy = y - (m <= 2);
    long era = yy / 400;
    long yoe = yy - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    *ms = (uint64_t)days * 86400000u;
    return true;
}

typedef struct {
    const char *db, *out, *regions_file;
    const char *region[64];
    size_t n_region;
    bool has_root;
    uint8_t root[NARA_PUBLICKEY_BYTES];
    uint64_t from_ms, to_ms;
} export_args_t;

static int export_parse(int argc, char **argv, export_args_t *a)
{
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(usage_export, stdout);
            return -1;
        }
        if (i + 1 >= argc || !*argv[i + 1])
            return export_usage("%s needs a value", o);
        const char *v = argv[++i];
        if (strcmp(o, "--db") == 0) {
            a->db = v;
        } else if (strcmp(o, "--out") == 0) {
            a->out = v;
        } else if (strcmp(o, "--regions") == 0) {
            a->regions_file = v;
        } else if (strcmp(o, "--root") == 0) {
            if (nara_hex32_parse(v, a->root) != NARA_OK)
                return export_usage("--root must be 64 hex digits, not '%s'", v);
            a->has_root = true;
        } else if (strcmp(o, "--region") == 0) {
            if (a->n_region == sizeof a->region / sizeof a->region[0])
                return export_usage("too many --region options (at most 64): '%s'", v);
            a->region[a->n_region++] = v;
        } else if (strcmp(o, "--from") == 0 || strcmp(o, "--to") == 0) {
            uint64_t ms;
            if (!parse_day(v, &ms))
                return export_usage("dates are YYYY-MM-DD, not '%s'", v);
            if (o[2] == 'f')
                a->from_ms = ms;
            else
                a->to_ms = ms + 86400000u - 1u;
        } else {
            return export_usage("unknown option '%s'", o);
        }
    }
    if (!a->db)
        return export_usage("%s is required", "--db FILE");
    if (!a->out)
        return export_usage("%s is required", "--out FILE");
    if (!a->has_root)
        return export_usage("%s is required", "--root HEX");
    if (a->from_ms && a->to_ms && a->from_ms > a->to_ms)
        return export_usage("%s", "--from is after --to");
    return 0;
}

typedef struct {
    nara_store_t *store;
    nara_tlog_t *tlog;
    nara_regions_t *regions;
    FILE *f;
    char tmp[4096];
} export_t;

static int export_fail(export_t *x, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "narad: export-bundle: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    if (x->f)
        fclose(x->f);
    x->f = NULL;
    if (x->tmp[0])
        remove(x->tmp);
    return NARAD_EXIT_RUNTIME;
}

static int export_write(export_t *x, const export_args_t *a)
{
    nara_bundle_filter_t flt = {a->region, a->n_region, a->from_ms, a->to_ms};
    nara_bundle_counts_t c;
    char msg[256] = "";
    nara_err_t err;
    if (a->regions_file &&
        nara_regions_load(a->regions_file, &x->regions, msg, sizeof msg) != NARA_OK)
        return export_fail(x, "regions file %s: %s", a->regions_file, msg);
    for (size_t i = 0; i < a->n_region; i++)
        if (nara_regions_find(x->regions ? x->regions : nara_regions_default(), a->region[i]) < 0)
            return export_fail(x, "--region %s is not in the region list%s", a->region[i], "");
    if (access(a->db, F_OK) != 0)
        return export_fail(x, "no replica at %s%s", a->db, "");
    err = nara_store_open(a->db, &x->store);
    if (err == NARA_OK)
        err = nara_tlog_open(x->store, NULL, NARA_TLOG_READONLY, &x->tlog);
    if (err == NARA_NOT_FOUND)
        return export_fail(x, "%s has no transparency log (was it ever served by narad?)%s", a->db,
                           "");
    if (err != NARA_OK)
        return export_fail(x, "cannot read %s: %s", a->db, nara_strerror(err));
    snprintf(x->tmp, sizeof x->tmp, "%s.tmp", a->out);
    x->f = fopen(x->tmp, "wb");
    if (!x->f)
        return export_fail(x, "cannot write %s: %s", x->tmp, strerror(errno));
    err = nara_bundle_export_log(x->store, x->tlog, a->root, x->regions, &flt, narad__now_ms(),
                                 x->f, &c);
    if (err != NARA_OK)
        return export_fail(x, "writing the bundle failed: %s (%s)", nara_strerror(err),
                           nara_store_errmsg(x->store));
    if (fsync(fileno(x->f)) != 0 || fclose(x->f) != 0) {
        x->f = NULL;
        return export_fail(x, "cannot write %s: %s", x->tmp, strerror(errno));
    }
    x->f = NULL;
    if (rename(x->tmp, a->out) != 0)
        return export_fail(x, "cannot rename to %s: %s", a->out, strerror(errno));
    uint64_t size = 0;
    nara_tree_head_t h;
    nara_tlog_size(x->tlog, &size);
    bool headed = nara_tlog_latest_head(x->tlog, &h) == NARA_OK;
    printf("Exported %llu events, %llu tree heads, %llu consistency and %llu inclusion proofs, "
           "%llu forks to %s.\n",
           (unsigned long long)c.events, (unsigned long long)c.heads,
           (unsigned long long)c.consistency, (unsigned long long)c.inclusion,
           (unsigned long long)c.forks, a->out);
    if (headed && h.size < size)
        printf("Note: %llu events are not yet covered by a signed tree head (start narad once "
               "to sign one); they have no inclusion proof.\n",
               (unsigned long long)(size - h.size));
    return NARAD_EXIT_OK;
}

int narad__cmd_export(int argc, char **argv)
{
    export_args_t a;
    export_t x;
    memset(&a, 0, sizeof a);
    memset(&x, 0, sizeof x);
    int rc = export_parse(argc, argv, &a);
    if (rc < 0)
        return NARAD_EXIT_OK;
    if (rc == 0)
        rc = export_write(&x, &a);
    nara_tlog_close(x.tlog);
    nara_store_close(x.store);
    nara_regions_free(x.regions);
    return rc;
}
