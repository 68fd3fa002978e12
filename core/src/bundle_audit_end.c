/*
 * bundle_audit_end.c - the audit checks that need every record
 * (bundle_audit.h), run once all bundles have been read, in this order:
 *
 *   1. consistency   every valid head is proven a prefix of the largest
 *                    one, through verified consistency proofs
 *   2. receipt       every verified inclusion proof names an event the
 *                    bundles hold
 *   3. chain         no feed has a gap (a seq whose predecessor is absent)
 *   4. completeness  a bundle that claims completeness holds an event, with
 *                    its proof, for every leaf of its largest head, and
 *                    every event it holds is in that tree
 *   5. fork          forks the scratch store kept as evidence (findings)
 *   6. authority     the domain's quarantine, replayed from the enrolments
 *      effect        (findings: "authority" for unknown-device, revoked,
 *                    role, scope; "effect" for malformed, unknown-kind,
 *                    wrong-stream; a case event waiting for its opening is
 *                    only counted)
 *   7. server-key    the key that signed the heads is enrolled as server
 *                    (unless the auditor gave it), and signed no head after
 *                    its revocation
 *   8. backdated     events that claim a time before their author's
 *                    revocation but are first covered by a head signed
 *                    after it (findings)
 * then fills the report's counts.  Every walk is a SQL statement stepped
 * row by row: memory stays bounded whatever the number of events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle_audit.h"
#include "nara_hlc.h"

/* Prepare sql; *st NULL and an error if it fails. */
static nara_err_t prep(aud_t *a, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    return nara__aud_sql(a, sqlite3_prepare_v2(a->db, sql, -1, st, NULL), sql);
}

static uint64_t one_int(aud_t *a, const char *sql, nara_err_t *err)
{
    sqlite3_stmt *st;
    uint64_t v = 0;
    if (*err != NARA_OK)
        return 0;
    *err = prep(a, sql, &st);
    if (*err == NARA_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            v = (uint64_t)sqlite3_column_int64(st, 0);
        else
            *err = nara__aud_sql(a, rc, sql);
    }
    sqlite3_finalize(st);
    return v;
}

static void hex8(const void *b, char out[17])
{
    nara_hex(b, 8, out);
}

static void time_str(uint64_t ms, char out[24])
{
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 24, "%llu ms", (unsigned long long)ms);
}

/* 1. Heads reach the largest one through verified proofs (prefix relation:
 * a < b and b < c prove a < c; two heads below a third are then consistent
 * with each other too). */
static nara_err_t check_heads(aud_t *a)
{
    sqlite3_stmt *st = NULL, *up = NULL, *mark = NULL;
    nara_err_t err = NARA_OK;
    int rc = SQLITE_DONE;
    err = nara__aud_sql(a,
                        sqlite3_exec(a->db,
                                     "CREATE TEMP TABLE aud_reach(size INTEGER PRIMARY KEY);"
                                     "INSERT INTO aud_reach SELECT max(size) FROM aud_head"
                                     " WHERE EXISTS (SELECT 1 FROM aud_head)",
                                     NULL, NULL, NULL),
                        "audit: reach");
    if (err == NARA_OK)
        err = prep(a, "SELECT size, bundle, record FROM aud_head ORDER BY size DESC", &st);
    if (err == NARA_OK)
        err = prep(a,
                   "SELECT 1 FROM aud_cons c JOIN aud_reach r ON r.size = c.second"
                   " WHERE c.first = ?1 LIMIT 1",
                   &up);
    if (err == NARA_OK)
        err = prep(a, "INSERT OR IGNORE INTO aud_reach(size) VALUES(?1)", &mark);
    uint64_t largest = 0;
    bool first = true;
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t size = (uint64_t)sqlite3_column_int64(st, 0);
        if (first) {
            largest = size;
            first = false;
            continue;
        }
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, (sqlite3_int64)size);
        if (sqlite3_step(up) == SQLITE_ROW) {
            sqlite3_reset(mark);
            sqlite3_bind_int64(mark, 1, (sqlite3_int64)size);
            err = nara__aud_sql(a, sqlite3_step(mark), "audit: reach");
            continue;
        }
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "consistency", NARA_NOT_FOUND,
                       (unsigned)sqlite3_column_int(st, 1), (uint64_t)sqlite3_column_int64(st, 2));
        f.arg[0] = size;
        f.arg[1] = largest;
        nara__aud_report(a, &f, NARA_AUDIT_K_CONSISTENCY_MISSING,
                         "nothing proves the tree head of size %llu is part of the "
                         "history of the largest head (size %llu): a consistency proof "
                         "is missing",
                         (unsigned long long)size, (unsigned long long)largest);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    sqlite3_finalize(mark);
    return err;
}

/* 2. Receipts whose event the bundles lack. */
static nara_err_t check_receipts(aud_t *a)
{
    sqlite3_stmt *st;
    int rc = SQLITE_DONE;
    nara_err_t err = prep(a,
                          "SELECT idx, id, size, bundle, record FROM aud_leaf l WHERE NOT EXISTS"
                          " (SELECT 1 FROM aud_event e WHERE e.id = l.id) ORDER BY idx",
                          &st);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "receipt", NARA_NOT_FOUND,
                       (unsigned)sqlite3_column_int(st, 3), (uint64_t)sqlite3_column_int64(st, 4));
        f.has_event = sqlite3_column_bytes(st, 1) == 32;
        if (f.has_event)
            memcpy(f.event, sqlite3_column_blob(st, 1), 32);
        hex8(f.event, f.ref[0]);
        f.arg[0] = (uint64_t)sqlite3_column_int64(st, 0);
        f.arg[1] = (uint64_t)sqlite3_column_int64(st, 2);
        nara__aud_report(a, &f, NARA_AUDIT_K_RECEIPT_NO_EVENT,
                         "the server signed for event %s... at leaf %llu (tree of %llu), "
                         "but the bundle does not hold that event",
                         f.ref[0], (unsigned long long)f.arg[0], (unsigned long long)f.arg[1]);
    }
    if (err == NARA_OK && rc != SQLITE_DONE)
        err = nara__aud_sql(a, rc, "audit: receipts");
    sqlite3_finalize(st);
    return err;
}

/* 3. Feeds with a gap: an event whose predecessor no bundle holds. */
static nara_err_t check_gaps(aud_t *a)
{
    sqlite3_stmt *st;
    int rc = SQLITE_DONE;
    nara_err_t err =
        prep(a,
             "SELECT e.id, e.author, e.stream, e.seq, e.hlc, e.bundle, e.record FROM aud_event e"
             " WHERE e.seq > 1 AND NOT EXISTS (SELECT 1 FROM aud_event p WHERE p.author = e.author"
             " AND p.stream = e.stream AND p.seq = e.seq - 1) ORDER BY e.bundle, e.record",
             &st);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "chain", NARA_INCOMPLETE,
                       (unsigned)sqlite3_column_int(st, 5), (uint64_t)sqlite3_column_int64(st, 6));
        f.has_event = f.has_feed = true;
        memcpy(f.event, sqlite3_column_blob(st, 0), 32);
        memcpy(f.author, sqlite3_column_blob(st, 1), 32);
        snprintf(f.stream, sizeof f.stream, "%s", (const char *)sqlite3_column_text(st, 2));
        f.seq = (uint64_t)sqlite3_column_int64(st, 3);
        f.hlc = (uint64_t)sqlite3_column_int64(st, 4);
        f.arg[0] = f.seq - 1;
        f.arg[1] = f.seq;
        nara__aud_report(a, &f, NARA_AUDIT_K_FEED_GAP,
                         "the feed has a gap: the event at seq %llu is missing before "
                         "this one (seq %llu)",
                         (unsigned long long)(f.seq - 1), (unsigned long long)f.seq);
    }
    if (err == NARA_OK && rc != SQLITE_DONE)
        err = nara__aud_sql(a, rc, "audit: gaps");
    sqlite3_finalize(st);
    return err;
}

/* 4. Completeness against the largest head of the bundles claiming it. */
static nara_err_t check_complete(aud_t *a)
{
    sqlite3_stmt *st = NULL;
    uint64_t n = a->complete_size, expect = 0, missing = 0, first_missing = 0;
    int rc = SQLITE_DONE;
    nara_err_t err;
    if (!a->r->claims_complete)
        return NARA_OK;
    err = prep(a, "SELECT idx FROM aud_leaf WHERE idx < ?1 ORDER BY idx", &st);
    if (err == NARA_OK)
        sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
        if (idx > expect && missing == 0)
            first_missing = expect;
        missing += idx - expect;
        expect = idx + 1;
    }
    if (err == NARA_OK && rc != SQLITE_DONE)
        err = nara__aud_sql(a, rc, "audit: completeness");
    sqlite3_finalize(st);
    if (err == NARA_OK && expect < n) {
        if (missing == 0)
            first_missing = expect;
        missing += n - expect;
    }
    bool complete = missing == 0;
    if (err == NARA_OK && missing) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "completeness", NARA_INCOMPLETE, 0, UINT64_MAX);
        f.arg[0] = missing;
        f.arg[1] = n;
        f.arg[2] = first_missing;
        nara__aud_report(a, &f, NARA_AUDIT_K_INCOMPLETE,
                         "the bundle claims the whole log, but %llu of the %llu leaves "
                         "of its largest tree head have no event with a proof (the first "
                         "is leaf %llu): events were left out",
                         (unsigned long long)missing, (unsigned long long)n,
                         (unsigned long long)first_missing);
    }
    /* Events the claimed-complete log does not hold. */
    if (err == NARA_OK)
        err = prep(a,
                   "SELECT e.id, e.author, e.stream, e.seq, e.hlc, e.bundle, e.record FROM"
                   " aud_event e WHERE NOT EXISTS (SELECT 1 FROM aud_leaf l WHERE l.id = e.id"
                   " AND l.idx < ?1) ORDER BY e.bundle, e.record LIMIT 1000",
                   &st);
    if (err == NARA_OK)
        sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
    while (err == NARA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nara_audit_finding_t f;
        complete = false;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "completeness", NARA_NOT_FOUND,
                       (unsigned)sqlite3_column_int(st, 5), (uint64_t)sqlite3_column_int64(st, 6));
        f.has_event = f.has_feed = true;
        memcpy(f.event, sqlite3_column_blob(st, 0), 32);
        memcpy(f.author, sqlite3_column_blob(st, 1), 32);
        snprintf(f.stream, sizeof f.stream, "%s", (const char *)sqlite3_column_text(st, 2));
        f.seq = (uint64_t)sqlite3_column_int64(st, 3);
        f.hlc = (uint64_t)sqlite3_column_int64(st, 4);
        nara__aud_report(a, &f, NARA_AUDIT_K_NOT_IN_LOG,
                         "the event is not in the signed log the bundle claims to hold "
                         "in full (no proof against its largest head)");
    }
    if (err == NARA_OK && rc != SQLITE_DONE)
        err = nara__aud_sql(a, rc, "audit: completeness");
    sqlite3_finalize(st);
    a->r->complete = err == NARA_OK && complete;
    return err;
}

/* 5. Forks the scratch store kept (both events signed by their author). */
static int on_fork(void *ctx, const nara_fork_t *k)
{
    aud_t *a = ctx;
    nara_event_t held, other;
    nara_audit_finding_t f;
    if (nara_event_decode(k->held.bytes, k->held.len, &held) != NARA_OK ||
        nara_event_decode(k->other.bytes, k->other.len, &other) != NARA_OK)
        return 0; /* NEVER: the store keeps valid events */
    nara__aud_init(&f, NARA_AUDIT_FINDING, "fork", k->reason, 0, UINT64_MAX);
    nara__aud_event(&f, &other);
    f.has_other = true;
    memcpy(f.other, held.id, NARA_ID_BYTES);
    f.arg[0] = k->seq;
    f.arg[1] = held.seq;
    if (k->reason == NARA_CHAIN)
        nara__aud_report(a, &f, NARA_AUDIT_K_FORK_CONTINUATION,
                         "the author signed two continuations of its feed: this event at "
                         "seq %llu does not link to the event held at seq %llu",
                         (unsigned long long)k->seq, (unsigned long long)held.seq);
    else
        nara__aud_report(a, &f, NARA_AUDIT_K_FORK_SEQ,
                         "the author signed two different events at seq %llu of its "
                         "feed (both kept as evidence)",
                         (unsigned long long)k->seq);
    return 0;
}

/* 6. The domain's quarantine: events without effect.  Authority (who may
 * write what, when) is one check; an event whose content no rule accepts
 * (malformed, unknown kind, wrong stream) is another. */
static nara_err_t rule_code(nara_rule_t rule, const char **check)
{
    *check = "authority";
    switch (rule) {
    case NARA_RULE_UNKNOWN_DEVICE:
        return NARA_UNENROLLED;
    case NARA_RULE_REVOKED:
        return NARA_REVOKED;
    case NARA_RULE_ROLE:
    case NARA_RULE_SCOPE:
        return NARA_UNAUTHORIZED;
    case NARA_RULE_WRONG_STREAM:
        *check = "effect";
        return NARA_UNAUTHORIZED;
    default:
        *check = "effect";
        return NARA_MALFORMED;
    }
}

static int on_quarantined(void *ctx, const nara_dom_quarantined_t *q)
{
    aud_t *a = ctx;
    nara_audit_finding_t f;
    if (q->rule == NARA_RULE_UNKNOWN_CASE) {
        a->r->unknown_case++;
        return 0;
    }
    const char *check;
    nara_err_t code = rule_code(q->rule, &check);
    nara__aud_init(&f, NARA_AUDIT_FINDING, check, code, 0, UINT64_MAX);
    f.has_event = f.has_feed = true;
    memcpy(f.event, q->id, 32);
    memcpy(f.author, q->author, 32);
    snprintf(f.stream, sizeof f.stream, "%s", q->stream);
    f.hlc = q->hlc;
    f.has_other = q->has_related;
    if (q->has_related)
        memcpy(f.other, q->related, 32);
    snprintf(f.name, sizeof f.name, "%s", q->kind);
    f.rule = q->rule;
    nara__aud_report(a, &f, NARA_AUDIT_K_NO_EFFECT, "%s took no effect (rule %s): %s", q->kind,
                     nara_rule_name(q->rule), q->detail);
    return 0;
}

/* Devices from the fold (7 and 8 need them outside a domain walk). */
typedef struct {
    uint8_t pk[32];
    nara_role_t role;
    bool revoked;
    uint64_t revoked_at;
} dev_t_;

typedef struct {
    dev_t_ *v;
    size_t n, cap;
    bool nomem;
} devs_t;

static int collect_dev(void *ctx, const nara_device_t *d)
{
    devs_t *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        dev_t_ *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            l->nomem = true;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    dev_t_ *e = &l->v[l->n++];
    memcpy(e->pk, d->device, 32);
    e->role = d->role;
    e->revoked = d->revoked;
    e->revoked_at = d->revoked_at;
    return 0;
}

/* 7. The server key. */
static nara_err_t check_server(aud_t *a, const devs_t *devs)
{
    const dev_t_ *e = NULL;
    char k[17], t1[24], t2[24];
    nara_err_t err = NARA_OK;
    if (!a->has_server)
        return NARA_OK;
    for (size_t i = 0; i < devs->n; i++)
        if (memcmp(devs->v[i].pk, a->server, 32) == 0)
            e = &devs->v[i];
    a->r->server_enrolled = e && e->role == NARA_ROLE_SERVER;
    hex8(a->server, k);
    if (!a->r->server_enrolled && a->o->server_pk == NULL) {
        nara_audit_finding_t f;
        nara__aud_init(&f, NARA_AUDIT_FAILURE, "server-key", NARA_UNENROLLED, 0, UINT64_MAX);
        memcpy(f.ref[0], k, sizeof f.ref[0]);
        nara__aud_report(a, &f, NARA_AUDIT_K_SERVER_UNENROLLED,
                         "the key that signed the tree heads (%s...) is not enrolled as "
                         "server in the log: nothing ties it to the province root (give "
                         "--server-key if you trust it otherwise)",
                         k);
        return NARA_OK;
    }
    if (!a->r->server_enrolled || !e->revoked)
        return NARA_OK;
    uint64_t at = nara_hlc_ms(e->revoked_at);
    sqlite3_stmt *st;
    err = prep(a,
               "SELECT size, time_ms, bundle, record FROM aud_head WHERE time_ms > ?1"
               " ORDER BY size LIMIT 1",
               &st);
    if (err == NARA_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
        if (sqlite3_step(st) == SQLITE_ROW) {
            nara_audit_finding_t f;
            nara__aud_init(&f, NARA_AUDIT_FAILURE, "server-key", NARA_REVOKED,
                           (unsigned)sqlite3_column_int(st, 2),
                           (uint64_t)sqlite3_column_int64(st, 3));
            memcpy(f.ref[0], k, sizeof f.ref[0]);
            f.arg[0] = (uint64_t)sqlite3_column_int64(st, 0);
            f.arg[1] = (uint64_t)sqlite3_column_int64(st, 1);
            f.arg[2] = at;
            time_str(f.arg[1], t1);
            time_str(at, t2);
            nara__aud_report(a, &f, NARA_AUDIT_K_SERVER_REVOKED,
                             "the server key %s... signed the tree head of size %llu at "
                             "%s, after its revocation (%s)",
                             k, (unsigned long long)sqlite3_column_int64(st, 0), t1, t2);
        }
    }
    sqlite3_finalize(st);
    return err;
}

/* 8. Events claimed before their author's revocation but first covered by a
 * head signed after it: the device clock may have been set back. */
static nara_err_t check_backdated(aud_t *a, const devs_t *devs)
{
    sqlite3_stmt *st = NULL;
    char t1[24], t2[24], t3[24];
    nara_err_t err = prep(a,
                          "SELECT * FROM (SELECT e.id, e.stream, e.seq, e.hlc, e.bundle, e.record,"
                          " (SELECT min(h.time_ms) FROM aud_head h WHERE h.size > l.idx) AS seen"
                          " FROM aud_event e JOIN aud_leaf l ON l.id = e.id"
                          " WHERE e.author = ?1 AND e.hlc < ?2) WHERE seen > ?3 ORDER BY hlc",
                          &st);
    for (size_t i = 0; err == NARA_OK && i < devs->n; i++) {
        const dev_t_ *d = &devs->v[i];
        int rc = SQLITE_DONE;
        if (!d->revoked)
            continue;
        uint64_t at = nara_hlc_ms(d->revoked_at);
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, d->pk, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)d->revoked_at);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)at);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            nara_audit_finding_t f;
            nara__aud_init(&f, NARA_AUDIT_FINDING, "backdated", NARA_BACKDATED,
                           (unsigned)sqlite3_column_int(st, 4),
                           (uint64_t)sqlite3_column_int64(st, 5));
            f.has_event = f.has_feed = true;
            memcpy(f.event, sqlite3_column_blob(st, 0), 32);
            memcpy(f.author, d->pk, 32);
            snprintf(f.stream, sizeof f.stream, "%s", (const char *)sqlite3_column_text(st, 1));
            f.seq = (uint64_t)sqlite3_column_int64(st, 2);
            f.hlc = (uint64_t)sqlite3_column_int64(st, 3);
            f.arg[0] = nara_hlc_ms(f.hlc);
            f.arg[1] = at;
            f.arg[2] = (uint64_t)sqlite3_column_int64(st, 6);
            time_str(f.arg[0], t1);
            time_str(at, t2);
            time_str(f.arg[2], t3);
            nara__aud_report(a, &f, NARA_AUDIT_K_BACKDATED,
                             "the event claims %s, before its author's revocation (%s), "
                             "but the province first signed for it at %s: its time "
                             "cannot be proven and may have been set back",
                             t1, t2, t3);
        }
        if (rc != SQLITE_DONE)
            err = nara__aud_sql(a, rc, "audit: backdated");
    }
    sqlite3_finalize(st);
    return err;
}

static nara_err_t counts(aud_t *a)
{
    nara_err_t err = NARA_OK;
    sqlite3_stmt *st;
    a->r->events = one_int(a, "SELECT count(*) FROM aud_event", &err);
    a->r->feeds =
        one_int(a, "SELECT count(*) FROM (SELECT DISTINCT author, stream FROM aud_event)", &err);
    a->r->heads = one_int(a, "SELECT count(*) FROM aud_head", &err);
    a->r->receipted =
        one_int(a,
                "SELECT count(*) FROM aud_event e WHERE EXISTS (SELECT 1 FROM aud_leaf l WHERE"
                " l.id = e.id)",
                &err);
    if (err == NARA_OK)
        err = prep(a, "SELECT size, time_ms FROM aud_head ORDER BY size DESC LIMIT 1", &st);
    if (err == NARA_OK && sqlite3_step(st) == SQLITE_ROW) {
        a->r->tree_size = (uint64_t)sqlite3_column_int64(st, 0);
        a->r->tree_time_ms = (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (err == NARA_OK)
        sqlite3_finalize(st);
    return err;
}

nara_err_t nara__aud_finish(aud_t *a)
{
    devs_t devs = {0};
    nara_err_t err = check_heads(a);
    if (err == NARA_OK)
        err = check_receipts(a);
    if (err == NARA_OK)
        err = check_gaps(a);
    if (err == NARA_OK)
        err = check_complete(a);
    if (err == NARA_OK)
        err = nara_store_each_fork(a->s, on_fork, a);
    if (err == NARA_OK)
        err = nara_domain_quarantine(a->d, on_quarantined, a);
    if (err == NARA_OK)
        err = nara_domain_devices(a->d, collect_dev, &devs);
    if (err == NARA_OK && devs.nomem)
        err = NARA_NOMEM;
    if (err == NARA_OK)
        err = check_server(a, &devs);
    if (err == NARA_OK)
        err = check_backdated(a, &devs);
    if (err == NARA_OK)
        err = counts(a);
    free(devs.v);
    return err;
}
