/*
 * test_domain_util.c - see test_domain_util.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_domain_util.h"

static void ok(nara_err_t err, const char *what, nara_store_t *s)
{
    if (err != NARA_OK)
        fail_msg("%s: %s (%s)", what, nara_err_name(err), s ? nara_store_errmsg(s) : "");
}

void td_open(td_replica_t *r, const nara_keypair_t *root)
{
    memset(r, 0, sizeof *r);
    r->wall = TD_T0;
    ok(nara_store_open(":memory:", &r->s), "store open", NULL);
    ok(nara_domain_open(r->s, root->pk, NULL, &r->d), "domain open", r->s);
}

void td_close(td_replica_t *r)
{
    nara_domain_close(r->d);
    nara_store_close(r->s);
    memset(r, 0, sizeof *r);
}

uint64_t td_tick(td_replica_t *r)
{
    r->wall += 1000;
    return r->wall;
}

/* Split "a,b,c" into codes (at most 8, each up to 15 bytes). */
static size_t split_scope(const char *scope, char codes[8][16], const char *ptrs[8])
{
    size_t n = 0;
    const char *p = scope;
    while (*p && n < 8) {
        size_t k = strcspn(p, ",");
        assert_true(k < 16);
        memcpy(codes[n], p, k);
        codes[n][k] = '\0';
        ptrs[n] = codes[n];
        n++;
        p += k + (p[k] == ',');
    }
    return n;
}

void td_enroll(td_replica_t *r, const nara_keypair_t *by, const nara_keypair_t *dev,
               nara_role_t role, const char *scope, uint8_t id_out[32])
{
    char codes[8][16];
    const char *ptrs[8];
    nara_enroll_params_t p;
    memset(&p, 0, sizeof p);
    p.device = dev->pk;
    p.role = role;
    p.scope_all = strcmp(scope, "*") == 0;
    p.n_scope = p.scope_all ? 0 : split_scope(scope, codes, ptrs);
    p.scope = ptrs;
    p.name = "device";
    ok(nara_device_enroll(r->d, by, &p, td_tick(r), id_out), "enroll", r->s);
}

void td_revoke(td_replica_t *r, const nara_keypair_t *by, const nara_keypair_t *dev,
               uint8_t id_out[32])
{
    ok(nara_device_revoke(r->d, by, dev->pk, "test", td_tick(r), id_out), "revoke", r->s);
}

void td_case_open(td_replica_t *r, const nara_keypair_t *kp, const char *region,
                  uint8_t case_id[32])
{
    nara_case_open_params_t p = {
        region,  "pembangunan", "koordinasi", "Jalan rusak", "Jalan kabupaten rusak berat",
        "sedang"};
    ok(nara_case_open(r->d, kp, &p, td_tick(r), case_id), "case open", r->s);
}

void td_assign(td_replica_t *r, const nara_keypair_t *kp, const char *region, const char *officer,
               const char *agency, const char *effective, uint8_t id[32])
{
    nara_lo_assign_params_t p;
    memset(&p, 0, sizeof p);
    p.region = region;
    p.agency = agency;
    p.officer = officer;
    p.decree = "800/Kep.1-Org/2026";
    p.effective = effective;
    ok(nara_lo_assign(r->d, kp, &p, td_tick(r), id), "lo assign", r->s);
}

void td_append_raw(td_replica_t *r, const nara_keypair_t *kp, const char *stream, const char *kind,
                   const nara_field_t *fields, size_t n, uint8_t id[32])
{
    uint8_t buf[4096];
    size_t len = 0;
    ok(nara_body_build(fields, n, buf, sizeof buf, &len), "body build", NULL);
    ok(nara_store_append(r->s, kp, stream, kind, buf, len, td_tick(r), id), "append", r->s);
}

void td_sync(td_replica_t *from, td_replica_t *to)
{
    nara_vv_t vv;
    tu_list_t l = {0};
    ok(nara_store_vv(to->s, &vv), "vv", to->s);
    tu_collect(from->s, &vv, &l);
    if (l.n) {
        /* merge at the receiver's wall time, so its clock observes what it receives */
        nara_outcome_t *out = calloc(l.n, sizeof *out);
        assert_non_null(out);
        ok(nara_store_merge(to->s, l.v, l.n, to->wall, out, NULL), "merge", to->s);
        free(out);
    }
    nara_vv_free(&vv);
    tu_list_free(&l);
}

static int status_cb(void *ctx, const nara_case_t *c)
{
    *(int *)ctx = (int)c->status;
    return 0;
}

int td_status(td_replica_t *r, const uint8_t case_id[32])
{
    int st = -1;
    nara_err_t err = nara_domain_case(r->d, case_id, status_cb, &st);
    if (err != NARA_NOT_FOUND)
        ok(err, "case", r->s);
    return st;
}

typedef struct {
    const uint8_t *id;
    int found;
    const char *kind;
    size_t count;
} find_t;

static int rule_cb(void *ctx, const nara_dom_quarantined_t *q)
{
    find_t *f = ctx;
    f->count++;
    if (f->id && memcmp(q->id, f->id, 32) == 0)
        f->found = (int)q->rule;
    return 0;
}

int td_rule(td_replica_t *r, const uint8_t id[32])
{
    find_t f = {id, -1, NULL, 0};
    ok(nara_domain_quarantine(r->d, rule_cb, &f), "quarantine", r->s);
    return f.found;
}

size_t td_count_quarantine(td_replica_t *r)
{
    find_t f = {NULL, -1, NULL, 0};
    ok(nara_domain_quarantine(r->d, rule_cb, &f), "quarantine", r->s);
    return f.count;
}

static int flags_cb(void *ctx, const nara_timeline_entry_t *e)
{
    find_t *f = ctx;
    if (memcmp(e->id, f->id, 32) == 0)
        f->found = (int)e->flags;
    return 0;
}

int td_flags(td_replica_t *r, const uint8_t case_id[32], const uint8_t id[32])
{
    find_t f = {id, -1, NULL, 0};
    ok(nara_domain_timeline(r->d, case_id, flags_cb, &f), "timeline", r->s);
    return f.found;
}

static int conflict_cb(void *ctx, const nara_conflict_t *c)
{
    find_t *f = ctx;
    if (f->kind == NULL || strcmp(c->kind, f->kind) == 0)
        f->count++;
    return 0;
}

size_t td_count_conflicts(td_replica_t *r, const char *kind)
{
    find_t f = {NULL, -1, kind, 0};
    ok(nara_domain_conflicts(r->d, conflict_cb, &f), "conflicts", r->s);
    return f.count;
}

void td_digest(td_replica_t *r, uint8_t out[32])
{
    ok(nara_domain_digest(r->d, out), "digest", r->s);
}

void td_check_refold(td_replica_t *r)
{
    uint8_t before[32], after[32];
    td_digest(r, before);
    ok(nara_domain_refold_all(r->d), "refold_all", r->s);
    td_digest(r, after);
    assert_memory_equal(before, after, 32);
}
