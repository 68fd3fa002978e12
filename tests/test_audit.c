/*
 * test_audit.c - audit bundles (nara_bundle.h): the reader and writer agree
 * and refuse what is not a bundle; a province's full export verifies clean,
 * in any chunk size and thread count; and every kind of tampering is
 * detected with its own reason:
 *
 *   flipped byte in an event        altered        NARA_PROOF
 *   dropped event                   chain          NARA_INCOMPLETE
 *   reordered events                order          NARA_OUT_OF_ORDER
 *   replaced signature              signature      NARA_SIGNATURE
 *   event by a revoked key          authority      NARA_REVOKED      (finding)
 *   event by an unenrolled key      authority      NARA_UNENROLLED   (finding)
 *   tree head with a bad signature  head           NARA_SIGNATURE
 *   two inconsistent tree heads     consistency    NARA_TREE_FORK
 *   receipt for a missing event     receipt        NARA_NOT_FOUND
 *   bytes changed, trailer kept     bundle         NARA_CHECKSUM
 *   clock set back past a revocation backdated     NARA_BACKDATED    (finding)
 *   a feed forked by its author     fork           NARA_FORK         (finding)
 *   a history rewritten by the server, caught by a regency's receipts
 *
 * The province is a file store with the domain and a transparency log
 * signed by the server key; bundles are temporary files.  Tampered bundles
 * are rewritten with a valid trailer, so the deeper checks are what finds
 * them.
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_bundle.h"
#include "nara_hlc.h"
#include "test_domain_util.h"
#include "testutil.h"

/* ---- a province with a signed log ------------------------------------------------ */

typedef struct {
    char path[64];
    td_replica_t r;
    nara_tlog_t *t;
    nara_keypair_t root, server, regency, lo, outsider;
    uint8_t case_id[32];
} prov_t;

static uint64_t prov_now(void *ctx)
{
    return ((prov_t *)ctx)->r.wall + 500;
}

static void prov_open(prov_t *p, bool enrol_server)
{
    memset(p, 0, sizeof *p);
    tu_keypair(1, &p->root);
    tu_keypair(2, &p->server);
    tu_keypair(3, &p->regency);
    tu_keypair(4, &p->lo);
    tu_keypair(5, &p->outsider);
    tu_temp_path(p->path, sizeof p->path);
    p->r.wall = TD_T0;
    assert_int_equal(nara_store_open(p->path, &p->r.s), NARA_OK);
    assert_int_equal(nara_domain_open(p->r.s, p->root.pk, NULL, &p->r.d), NARA_OK);
    nara_tlog_signer_t signer = {&p->server, prov_now, p};
    assert_int_equal(nara_tlog_open(p->r.s, &signer, 0, &p->t), NARA_OK);
    if (enrol_server)
        td_enroll(&p->r, &p->root, &p->server, NARA_ROLE_SERVER, "*", NULL);
    td_enroll(&p->r, &p->root, &p->regency, NARA_ROLE_REGENCY, "32.01", NULL);
    td_enroll(&p->r, &p->root, &p->lo, NARA_ROLE_LO, "32.01", NULL);
    td_case_open(&p->r, &p->regency, "32.01", p->case_id);
    assert_int_equal(nara_case_note(p->r.d, &p->regency, p->case_id, NULL, "Jembatan rusak parah",
                                    td_tick(&p->r), NULL),
                     NARA_OK);
    assert_int_equal(nara_case_ack(p->r.d, &p->lo, p->case_id, NULL, td_tick(&p->r), NULL),
                     NARA_OK);
    assert_int_equal(nara_case_note(p->r.d, &p->regency, p->case_id, NULL, "Sudah disurvei",
                                    td_tick(&p->r), NULL),
                     NARA_OK);
}

static void prov_close(prov_t *p)
{
    nara_tlog_close(p->t);
    td_close(&p->r);
    tu_remove_db(p->path);
}

static uint64_t prov_events(prov_t *p)
{
    nara_store_counts_t c;
    assert_int_equal(nara_store_counts(p->r.s, &c), NARA_OK);
    return c.events;
}

static FILE *export_bundle(prov_t *p, const nara_bundle_filter_t *f)
{
    FILE *out = tmpfile();
    nara_bundle_counts_t c;
    assert_non_null(out);
    assert_int_equal(nara_bundle_export_log(p->r.s, p->t, p->root.pk, NULL, f, p->r.wall, out, &c),
                     NARA_OK);
    rewind(out);
    return out;
}

/* ---- running the audit ---------------------------------------------------------------- */

#define MAX_FOUND 64

typedef struct {
    nara_audit_finding_t f[MAX_FOUND];
    size_t n;
} found_t;

static void keep(void *ctx, const nara_audit_finding_t *f)
{
    found_t *k = ctx;
    if (k->n < MAX_FOUND)
        k->f[k->n++] = *f;
}

static const nara_audit_finding_t *find(const found_t *k, const char *check, nara_err_t code)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->f[i].check, check) == 0 && k->f[i].code == code)
            return &k->f[i];
    return NULL;
}

static void dump(const found_t *k)
{
    for (size_t i = 0; i < k->n; i++)
        print_message("  %s %s %s: %s\n", k->f[i].severity == NARA_AUDIT_FAILURE ? "FAIL" : "FIND",
                      k->f[i].check, nara_err_name(k->f[i].code), k->f[i].detail);
}

static void audit_files(FILE **in, size_t n, const uint8_t *root, const uint8_t *server,
                        unsigned threads, size_t chunk, nara_audit_report_t *r, found_t *k)
{
    nara_audit_options_t o = {.root_pk = root,
                              .server_pk = server,
                              .threads = threads,
                              .chunk_events = chunk,
                              .on_finding = keep,
                              .ctx = k};
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < n; i++)
        rewind(in[i]);
    assert_int_equal(nara_bundle_audit(in, n, &o, r), NARA_OK);
    if (getenv("NARA_AUDIT_TEST_VERBOSE"))
        dump(k);
}

static void audit_one(FILE *in, const prov_t *p, nara_audit_report_t *r, found_t *k)
{
    audit_files(&in, 1, p->root.pk, NULL, 0, 0, r, k);
}

/* The first thing reported must be this failure. */
static void assert_first(const nara_audit_report_t *r, const found_t *k, const char *check,
                         nara_err_t code)
{
    if (!r->has_first || strcmp(r->first.check, check) != 0 || r->first.code != code) {
        dump(k);
        fail_msg("expected first %s %s, got %s %s", check, nara_err_name(code),
                 r->has_first ? r->first.check : "-",
                 r->has_first ? nara_err_name(r->first.code) : "-");
    }
}

/* ---- rewriting bundles ------------------------------------------------------------------- */

/* A record with its bytes owned. */
typedef struct {
    nara_bundle_rec_t rec;
    uint8_t *a, *b;
} own_t;

typedef struct {
    own_t *v;
    size_t n;
    own_t header;
    char *regions, *note;
} recs_t;

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    memcpy(d, p, n);
    return d;
}

static void load(FILE *in, recs_t *rs)
{
    nara_bundle_reader_t *rd;
    nara_bundle_rec_t rec;
    bool has;
    memset(rs, 0, sizeof *rs);
    rs->v = calloc(4096, sizeof *rs->v);
    assert_non_null(rs->v);
    rewind(in);
    assert_int_equal(nara_bundle_reader_file(in, &rd), NARA_OK);
    while (nara_bundle_read(rd, &rec, &has) == NARA_OK && has) {
        own_t o = {rec, NULL, NULL};
        if (rec.type == NARA_BREC_HEADER) {
            rs->regions =
                (char *)dup_bytes((const uint8_t *)rec.header.regions, rec.header.regions_len);
            rs->note = (char *)dup_bytes((const uint8_t *)rec.header.note, rec.header.note_len);
            o.rec.header.regions = rs->regions;
            o.rec.header.note = rs->note;
            rs->header = o;
            continue;
        }
        if (rec.type == NARA_BREC_EVENT) {
            o.a = dup_bytes(rec.event.bytes, rec.event.len);
            o.rec.event.bytes = o.a;
        }
        if (rec.type == NARA_BREC_FORK) {
            o.a = dup_bytes(rec.held.bytes, rec.held.len);
            o.b = dup_bytes(rec.other.bytes, rec.other.len);
            o.rec.held.bytes = o.a;
            o.rec.other.bytes = o.b;
        }
        assert_true(rs->n < 4096);
        rs->v[rs->n++] = o;
    }
    assert_false(has);
    nara_bundle_reader_free(rd);
}

static FILE *save(const recs_t *rs)
{
    FILE *out = tmpfile();
    nara_bundle_writer_t *w;
    assert_non_null(out);
    assert_int_equal(nara_bundle_writer_open(out, &rs->header.rec.header, &w), NARA_OK);
    for (size_t i = 0; i < rs->n; i++)
        assert_int_equal(nara_bundle_write_rec(w, &rs->v[i].rec), NARA_OK);
    assert_int_equal(nara_bundle_writer_finish(w, NULL), NARA_OK);
    nara_bundle_writer_free(w);
    rewind(out);
    return out;
}

static void recs_free(recs_t *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].a);
        free(rs->v[i].b);
    }
    free(rs->v);
    free(rs->regions);
    free(rs->note);
}

/* Index of the k-th record of a type (k from 0), asserting it exists. */
static size_t nth(const recs_t *rs, nara_brec_type_t t, size_t k)
{
    for (size_t i = 0; i < rs->n; i++)
        if (rs->v[i].rec.type == t && k-- == 0)
            return i;
    fail_msg("no record %zu of type %d", k, t);
    return 0;
}

static void drop(recs_t *rs, size_t i)
{
    free(rs->v[i].a);
    free(rs->v[i].b);
    memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof *rs->v);
    rs->n--;
}

/* ---- reader and writer --------------------------------------------------------------------------
 */

static void test_reader_and_writer_agree_and_refuse_what_is_not_a_bundle(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    assert_true(rs.header.rec.header.complete);
    assert_memory_equal(rs.header.rec.header.root, p.root.pk, 32);
    assert_int_equal(rs.v[nth(&rs, NARA_BREC_EVENT, 0)].rec.type, NARA_BREC_EVENT);
    FILE *again = save(&rs);

    /* Byte-identical after a round trip. */
    static uint8_t x[1 << 20], y[1 << 20];
    rewind(b);
    size_t nx = fread(x, 1, sizeof x, b), ny = fread(y, 1, sizeof y, again);
    assert_true(nx > 0 && nx < sizeof x);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx);

    nara_bundle_reader_t *rd;
    nara_bundle_rec_t rec;
    bool has;
    /* Every strict prefix is refused. */
    for (size_t cut = 0; cut < nx; cut += 1 + cut / 7) {
        assert_int_equal(nara_bundle_reader_mem(x, cut, &rd), NARA_OK);
        nara_err_t err;
        while ((err = nara_bundle_read(rd, &rec, &has)) == NARA_OK && has)
            ;
        assert_int_not_equal(err, NARA_OK);
        assert_int_equal(nara_bundle_read(rd, &rec, &has), err); /* sticky */
        nara_bundle_reader_free(rd);
    }
    /* Wrong magic, a trailing byte, an over-long record. */
    uint8_t bad[64] = "NARA-DELTA-V1\n";
    assert_int_equal(nara_bundle_reader_mem(bad, sizeof bad, &rd), NARA_OK);
    assert_int_equal(nara_bundle_read(rd, &rec, &has), NARA_VERSION);
    nara_bundle_reader_free(rd);
    x[nx] = 0;
    assert_int_equal(nara_bundle_reader_mem(x, nx + 1, &rd), NARA_OK);
    nara_err_t err;
    while ((err = nara_bundle_read(rd, &rec, &has)) == NARA_OK && has)
        ;
    assert_int_equal(err, NARA_TRAILING);
    nara_bundle_reader_free(rd);
    memcpy(bad, NARA_BUNDLE_MAGIC, NARA_BUNDLE_MAGIC_BYTES);
    bad[16] = 0x7f; /* a length of about 2 GiB */
    assert_int_equal(nara_bundle_reader_mem(bad, sizeof bad, &rd), NARA_OK);
    assert_int_equal(nara_bundle_read(rd, &rec, &has), NARA_TOO_LARGE);
    nara_bundle_reader_free(rd);

    /* The writer keeps sections in order. */
    nara_bundle_writer_t *w;
    FILE *tmp = tmpfile();
    assert_int_equal(nara_bundle_writer_open(tmp, &rs.header.rec.header, &w), NARA_OK);
    size_t e = nth(&rs, NARA_BREC_EVENT, 0), h = nth(&rs, NARA_BREC_HEAD, 0);
    assert_int_equal(nara_bundle_write_rec(w, &rs.v[e].rec), NARA_OK);
    assert_int_equal(nara_bundle_write_rec(w, &rs.v[h].rec), NARA_OUT_OF_ORDER);
    nara_bundle_writer_free(w);
    fclose(tmp);
    fclose(again);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

/* ---- a clean history ----------------------------------------------------------------------------
 */

static void test_a_full_export_verifies_clean_in_any_chunking(void **state)
{
    (void)state;
    prov_t p;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    uint64_t n = prov_events(&p);
    const unsigned threads[] = {1, 2, 3};
    const size_t chunks[] = {1, 2, 0};
    for (size_t i = 0; i < 3; i++) {
        audit_files(&b, 1, p.root.pk, NULL, threads[i], chunks[i], &r, &k);
        if (r.failures || r.findings)
            dump(&k);
        assert_int_equal(r.failures, 0);
        assert_int_equal(r.findings, 0);
        assert_false(r.has_first);
        assert_int_equal(r.events, n);
        assert_int_equal(r.receipted, n);
        assert_int_equal(r.tree_size, n);
        assert_true(r.claims_complete);
        assert_true(r.complete);
        assert_true(r.server_enrolled);
        assert_memory_equal(r.server_pk, p.server.pk, 32);
        assert_false(r.root_from_bundle);
        assert_true(r.heads >= 2);
        assert_int_equal(r.consistency, r.heads - 1);
    }
    /* Without a trusted root the bundle's is used, and said so. */
    audit_files(&b, 1, NULL, NULL, 0, 0, &r, &k);
    assert_int_equal(r.failures + r.findings, 0);
    assert_true(r.root_from_bundle);
    /* Another root: the authority is replayed from the trusted one. */
    audit_files(&b, 1, p.outsider.pk, NULL, 0, 0, &r, &k);
    assert_first(&r, &k, "root", NARA_AUTH);
    assert_non_null(find(&k, "authority", NARA_UNENROLLED));
    fclose(b);
    prov_close(&p);
}

static void test_a_region_and_date_export_verifies_with_its_receipts(void **state)
{
    (void)state;
    prov_t p;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    nara_keypair_t other;
    tu_keypair(6, &other);
    td_enroll(&p.r, &p.root, &other, NARA_ROLE_REGENCY, "32.02", NULL);
    uint8_t c2[32];
    td_case_open(&p.r, &other, "32.02", c2);
    const char *regions[] = {"32.02"};
    nara_bundle_filter_t f = {regions, 1, 0, 0};
    FILE *b = export_bundle(&p, &f);
    audit_one(b, &p, &r, &k);
    assert_int_equal(r.failures + r.findings, 0);
    assert_false(r.claims_complete);
    assert_int_equal(r.receipted, r.events);
    assert_int_equal(r.events, prov_events(&p) - 4); /* the 32.01 case and its three events */
    fclose(b);
    /* A date range that keeps only the feeds written after the first hour. */
    nara_bundle_filter_t g = {NULL, 0, TD_T0 + 9000, 0};
    b = export_bundle(&p, &g);
    audit_one(b, &p, &r, &k);
    assert_int_equal(r.failures + r.findings, 0);
    assert_true(r.events < prov_events(&p));
    fclose(b);
    prov_close(&p);
}

/* ---- tampering, each with its own reason
 * --------------------------------------------------------- */

/* The regency's note "Jembatan rusak parah": its EVENT record. */
static size_t note_rec(recs_t *rs, const prov_t *p, uint64_t seq)
{
    for (size_t i = 0; i < rs->n; i++) {
        nara_event_t ev;
        if (rs->v[i].rec.type == NARA_BREC_EVENT &&
            nara_event_decode(rs->v[i].rec.event.bytes, rs->v[i].rec.event.len, &ev) == NARA_OK &&
            memcmp(ev.author, p->regency.pk, 32) == 0 && ev.seq == seq)
            return i;
    }
    fail_msg("regency event %llu not found", (unsigned long long)seq);
    return 0;
}

static void test_a_flipped_byte_in_an_event_is_an_altered_event(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    own_t *o = &rs.v[note_rec(&rs, &p, 2)];
    uint8_t *hit = memmem(o->a, o->rec.event.len, "parah", 5);
    assert_non_null(hit);
    hit[0] ^= 0x01; /* "parah" -> "qarah": still a valid event encoding */
    FILE *t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "altered", NARA_PROOF);
    assert_non_null(find(&k, "signature", NARA_SIGNATURE));
    /* The same flip without rewriting the trailer: the file's hash says so too. */
    static uint8_t raw[1 << 20];
    rewind(b);
    size_t n = fread(raw, 1, sizeof raw, b);
    uint8_t *at = memmem(raw, n, "parah", 5);
    assert_non_null(at);
    at[0] ^= 0x01;
    FILE *m = fmemopen(raw, n, "rb");
    audit_one(m, &p, &r, &k);
    assert_non_null(find(&k, "bundle", NARA_CHECKSUM));
    fclose(m);
    fclose(t);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

static void test_a_dropped_event_leaves_a_gap(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    nara_audit_report_t r;
    found_t k;
    nara_event_t ev;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    size_t i = note_rec(&rs, &p, 2);
    assert_int_equal(nara_event_decode(rs.v[i].rec.event.bytes, rs.v[i].rec.event.len, &ev),
                     NARA_OK);
    drop(&rs, i);
    for (size_t j = 0; j < rs.n; j++) /* and its receipt */
        if (rs.v[j].rec.type == NARA_BREC_INCLUSION && memcmp(rs.v[j].rec.id, ev.id, 32) == 0) {
            drop(&rs, j);
            break;
        }
    FILE *t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "chain", NARA_INCOMPLETE);
    assert_non_null(find(&k, "completeness", NARA_INCOMPLETE));
    assert_false(r.complete);
    fclose(t);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

static void test_reordered_events_are_out_of_order(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    size_t i = note_rec(&rs, &p, 2), j = note_rec(&rs, &p, 3);
    own_t tmp = rs.v[i];
    rs.v[i] = rs.v[j];
    rs.v[j] = tmp;
    FILE *t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "order", NARA_OUT_OF_ORDER);
    assert_int_equal(r.failures, 1); /* nothing else is wrong: every event is there */
    fclose(t);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

static void test_a_replaced_signature_does_not_verify(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    own_t *x = &rs.v[note_rec(&rs, &p, 2)], *y = &rs.v[note_rec(&rs, &p, 3)];
    /* The author's own signature, of its next event. */
    memcpy(x->a + x->rec.event.len - 64, y->a + y->rec.event.len - 64, 64);
    FILE *t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "signature", NARA_SIGNATURE);
    assert_non_null(find(&k, "chain", NARA_CHAIN)); /* its successor links to the true one */
    fclose(t);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

static void test_events_by_revoked_or_unenrolled_keys_have_no_authority(void **state)
{
    (void)state;
    prov_t p;
    nara_audit_report_t r;
    found_t k;
    uint8_t revoked_id[32], unknown_id[32];
    prov_open(&p, true);
    td_revoke(&p.r, &p.root, &p.lo, NULL);
    assert_int_equal(
        nara_case_note(p.r.d, &p.lo, p.case_id, NULL, "masih bisa?", td_tick(&p.r), revoked_id),
        NARA_OK);
    assert_int_equal(nara_case_note(p.r.d, &p.outsider, p.case_id, NULL, "siapa saya",
                                    td_tick(&p.r), unknown_id),
                     NARA_OK);
    FILE *b = export_bundle(&p, NULL);
    audit_one(b, &p, &r, &k);
    assert_int_equal(r.failures, 0);
    assert_int_equal(r.findings, 2);
    assert_first(&r, &k, "authority", NARA_REVOKED);
    assert_memory_equal(r.first.event, revoked_id, 32);
    assert_true(r.first.has_other); /* the revocation */
    const nara_audit_finding_t *u = find(&k, "authority", NARA_UNENROLLED);
    assert_non_null(u);
    assert_memory_equal(u->event, unknown_id, 32);
    fclose(b);
    prov_close(&p);
}

static void test_a_tree_head_with_a_bad_signature_is_refused(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    rs.v[nth(&rs, NARA_BREC_HEAD, 1)].rec.head.sig[10] ^= 0x40;
    FILE *t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "head", NARA_SIGNATURE);
    fclose(t);
    /* A head signed by another key. */
    recs_free(&rs);
    load(b, &rs);
    nara_tree_head_t *h = &rs.v[nth(&rs, NARA_BREC_HEAD, 2)].rec.head;
    assert_int_equal(nara_tree_head_sign(h, &p.outsider), NARA_OK);
    t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "head", NARA_SERVER_KEY);
    fclose(t);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

static void test_two_inconsistent_tree_heads_are_a_fork(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    /* The server signs a head of another history at an existing size. */
    nara_tree_head_t *h = &rs.v[nth(&rs, NARA_BREC_HEAD, 1)].rec.head;
    h->root[0] ^= 0x80;
    assert_int_equal(nara_tree_head_sign(h, &p.server), NARA_OK);
    FILE *t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "consistency", NARA_TREE_FORK);
    fclose(t);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

static void test_a_receipt_for_an_event_the_bundle_lacks(void **state)
{
    (void)state;
    prov_t p;
    recs_t rs;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    FILE *b = export_bundle(&p, NULL);
    load(b, &rs);
    drop(&rs, note_rec(&rs, &p, 3)); /* the last of its feed; its receipt stays */
    FILE *t = save(&rs);
    audit_one(t, &p, &r, &k);
    assert_first(&r, &k, "receipt", NARA_NOT_FOUND);
    fclose(t);
    fclose(b);
    recs_free(&rs);
    prov_close(&p);
}

static void test_an_event_backdated_past_a_revocation_is_flagged(void **state)
{
    (void)state;
    prov_t p;
    nara_audit_report_t r;
    found_t k;
    uint8_t rev[32];
    prov_open(&p, true);
    td_replica_t dev; /* the LO's device, synced before the revocation */
    td_open(&dev, &p.root);
    td_sync(&p.r, &dev);
    td_revoke(&p.r, &p.root, &p.lo, rev);
    /* Its clock set back, it writes after the revocation a note that claims
     * a time just before it. */
    dev.wall = p.r.wall - 1500;
    uint8_t id[32];
    assert_int_equal(
        nara_case_note(dev.d, &p.lo, p.case_id, NULL, "tanggal mundur", td_tick(&dev), id),
        NARA_OK);
    p.r.wall += 600000; /* the province receives it ten minutes later */
    td_sync(&dev, &p.r);
    assert_int_equal(td_rule(&p.r, id),
                     -1); /* the fold accepts it: claimed before the revocation */
    FILE *b = export_bundle(&p, NULL);
    audit_one(b, &p, &r, &k);
    assert_int_equal(r.failures, 0);
    assert_first(&r, &k, "backdated", NARA_BACKDATED);
    assert_memory_equal(r.first.event, id, 32);
    fclose(b);
    td_close(&dev);
    prov_close(&p);
}

static void test_a_forked_feed_is_listed_with_both_events(void **state)
{
    (void)state;
    prov_t p;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    /* The regency's device restored from a backup writes seq 3 again. */
    td_replica_t old;
    td_open(&old, &p.root);
    nara_vv_t none = {0};
    tu_list_t l = {0};
    tu_collect(p.r.s, &none, &l);
    nara_outcome_t out[64];
    assert_true(l.n < 64);
    /* Everything but the regency's last event. */
    for (size_t i = 0; i < l.n; i++) {
        nara_event_t ev;
        assert_int_equal(nara_event_decode(l.v[i].bytes, l.v[i].len, &ev), NARA_OK);
        if (memcmp(ev.author, p.regency.pk, 32) == 0 && ev.seq == 3)
            continue;
        assert_int_equal(nara_store_merge(old.s, &l.v[i], 1, old.wall, out, NULL), NARA_OK);
    }
    old.wall = p.r.wall + 1000;
    uint8_t other[32];
    assert_int_equal(
        nara_case_note(old.d, &p.regency, p.case_id, NULL, "versi lain", td_tick(&old), other),
        NARA_OK);
    /* A version vector would not send it (the province holds seq 3): carried by hand. */
    static uint8_t buf[NARA_EVENT_MAX_BYTES];
    size_t len = 0;
    assert_int_equal(nara_store_get(old.s, other, buf, sizeof buf, &len), NARA_OK);
    nara_bytes_t fork = {buf, len};
    assert_int_equal(nara_store_merge(p.r.s, &fork, 1, p.r.wall, out, NULL), NARA_OK);
    assert_int_equal(out[0].kind, NARA_OUTCOME_FORK);
    FILE *b = export_bundle(&p, NULL);
    audit_one(b, &p, &r, &k);
    assert_int_equal(r.failures, 0);
    assert_first(&r, &k, "fork", NARA_FORK);
    assert_memory_equal(r.first.event, other, 32);
    assert_true(r.first.has_other);
    assert_int_equal(r.forks, 1);
    fclose(b);
    tu_list_free(&l);
    td_close(&old);
    prov_close(&p);
}

static void test_an_unenrolled_server_key_is_not_trusted(void **state)
{
    (void)state;
    prov_t p;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, false);
    FILE *b = export_bundle(&p, NULL);
    audit_one(b, &p, &r, &k);
    assert_first(&r, &k, "server-key", NARA_UNENROLLED);
    assert_false(r.server_enrolled);
    /* Trusted by the auditor out of band: fine. */
    audit_files(&b, 1, p.root.pk, p.server.pk, 0, 0, &r, &k);
    assert_int_equal(r.failures + r.findings, 0);
    fclose(b);
    prov_close(&p);
}

/* The province rebuilds its log without the regency's last note; the
 * regency's receipt for it (its own bundle) contradicts the new history. */
static void test_a_rewritten_history_is_caught_by_a_regency_receipt(void **state)
{
    (void)state;
    prov_t p, q;
    nara_audit_report_t r;
    found_t k;
    prov_open(&p, true);
    const char *regions[] = {"32.01"};
    nara_bundle_filter_t f = {regions, 1, 0, 0};
    FILE *receipts = export_bundle(&p, &f);

    /* The same events but one, in a new log signed by the same server key. */
    memset(&q, 0, sizeof q);
    q.root = p.root;
    q.server = p.server;
    tu_temp_path(q.path, sizeof q.path);
    q.r.wall = p.r.wall;
    assert_int_equal(nara_store_open(q.path, &q.r.s), NARA_OK);
    assert_int_equal(nara_domain_open(q.r.s, p.root.pk, NULL, &q.r.d), NARA_OK);
    nara_tlog_signer_t signer = {&q.server, prov_now, &q};
    assert_int_equal(nara_tlog_open(q.r.s, &signer, 0, &q.t), NARA_OK);
    nara_vv_t none = {0};
    tu_list_t l = {0};
    tu_collect(p.r.s, &none, &l);
    nara_outcome_t out[64];
    for (size_t i = 0; i < l.n; i++) {
        nara_event_t ev;
        assert_int_equal(nara_event_decode(l.v[i].bytes, l.v[i].len, &ev), NARA_OK);
        if (memcmp(ev.author, p.regency.pk, 32) == 0 && ev.seq == 3)
            continue;
        assert_int_equal(nara_store_merge(q.r.s, &l.v[i], 1, q.r.wall, out, NULL), NARA_OK);
    }
    FILE *province = export_bundle(&q, NULL);
    audit_one(province, &q, &r, &k);
    assert_int_equal(r.failures + r.findings, 0); /* on its own it looks fine */

    FILE *both[2] = {province, receipts};
    audit_files(both, 2, p.root.pk, NULL, 0, 0, &r, &k);
    assert_true(r.failures > 0);
    assert_true(find(&k, "head", NARA_TREE_FORK) || find(&k, "consistency", NARA_NOT_FOUND) ||
                find(&k, "inclusion", NARA_TREE_FORK));
    fclose(both[0]);
    fclose(both[1]);
    tu_list_free(&l);
    nara_tlog_close(q.t);
    td_close(&q.r);
    tu_remove_db(q.path);
    prov_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_and_writer_agree_and_refuse_what_is_not_a_bundle),
        cmocka_unit_test(test_a_full_export_verifies_clean_in_any_chunking),
        cmocka_unit_test(test_a_region_and_date_export_verifies_with_its_receipts),
        cmocka_unit_test(test_a_flipped_byte_in_an_event_is_an_altered_event),
        cmocka_unit_test(test_a_dropped_event_leaves_a_gap),
        cmocka_unit_test(test_reordered_events_are_out_of_order),
        cmocka_unit_test(test_a_replaced_signature_does_not_verify),
        cmocka_unit_test(test_events_by_revoked_or_unenrolled_keys_have_no_authority),
        cmocka_unit_test(test_a_tree_head_with_a_bad_signature_is_refused),
        cmocka_unit_test(test_two_inconsistent_tree_heads_are_a_fork),
        cmocka_unit_test(test_a_receipt_for_an_event_the_bundle_lacks),
        cmocka_unit_test(test_an_event_backdated_past_a_revocation_is_flagged),
        cmocka_unit_test(test_a_forked_feed_is_listed_with_both_events),
        cmocka_unit_test(test_an_unenrolled_server_key_is_not_trusted),
        cmocka_unit_test(test_a_rewritten_history_is_caught_by_a_regency_receipt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
