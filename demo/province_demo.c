/*
 * province_demo.c - a province with its regencies, in one process.
 *
 * The biggest slice of Naradamping that runs without the network layer: a
 * province root, the 27 regency offices of Jawa Barat, one Liaison Officer
 * device per region and a secretariat device, each with its own key and its
 * own SQLite replica in OUTDIR.  The root enrols every device and assigns the
 * LOs by decree; regencies open cases while offline; replicas exchange signed
 * events through version vectors (each regency only its own region's feeds
 * and the province feed); LOs acknowledge and escalate; the secretariat
 * resolves.  At the end the province replica and the secretariat replica hold
 * the same events and fold them into the same state (equal digests), and the
 * consolidated per-region report is printed.
 *
 * Time is simulated (it starts three days before the real clock) so the
 * 24-hour duty shows overdue cases.  Nothing here is a mock: every event is
 * signed, chained, verified, merged and folded by the real core.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nara_domain.h"
#include "nara_hlc.h"
#include "nara_store.h"

#define MAX_REPLICAS 64
#define HOUR_MS (60ull * 60ull * 1000ull)

typedef struct {
    char name[64];
    char region[NARA_STREAM_MAX + 1]; /* "" = reads every region */
    nara_keypair_t kp;
    nara_store_t *store;
    nara_domain_t *dom;
} replica_t;

typedef struct {
    replica_t r[MAX_REPLICAS];
    size_t n;
    replica_t *root, *secretariat;
    replica_t *regency[NARA_REGIONS_MAX], *lo[NARA_REGIONS_MAX];
    const nara_regions_t *regions;
    uint64_t now_ms;
    uint32_t rng;
    const char *dir;
} province_t;

static void die(const char *what, nara_err_t err, replica_t *r)
{
    fprintf(stderr, "nara-demo: %s failed: %s (%s)%s%s\n", what, nara_strerror(err),
            nara_err_name(err), r ? ": " : "", r ? nara_store_errmsg(r->store) : "");
    exit(1);
}

#define CHECK(what, expr, rep)                \
    do {                                      \
        nara_err_t e_ = (expr);               \
        if (e_ != NARA_OK)                    \
            die((what), e_, (rep));           \
    } while (0)

static uint32_t rnd(province_t *p, uint32_t n)
{
    p->rng = p->rng * 1103515245u + 12345u;
    return (p->rng >> 8) % n;
}

static replica_t *add_replica(province_t *p, const char *name, const char *region,
                              const uint8_t *root_pk)
{
    replica_t *r = &p->r[p->n++];
    char path[512];
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->region, sizeof r->region, "%s", region ? region : "");
    snprintf(path, sizeof path, "%s/%s.db", p->dir, name);
    remove(path);
    CHECK("creating a device key", nara_keypair_generate(&r->kp), NULL);
    CHECK("opening a replica", nara_store_open(path, &r->store), NULL);
    CHECK("attaching the domain",
          nara_domain_open(r->store, root_pk ? root_pk : r->kp.pk, p->regions, &r->dom), r);
    return r;
}

/* A regency replica reads only its own region's feeds and the province feed. */
static bool in_scope(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    const replica_t *to = ctx;
    (void)author;
    return to->region[0] == '\0' || strcmp(stream, NARA_STREAM_PROVINCE) == 0 ||
           strcmp(stream, to->region) == 0;
}

/* Send `to` every event it lacks from `from`, in bounded batches. */
static size_t push(province_t *p, replica_t *from, replica_t *to)
{
    enum { BATCH = 256 };
    static nara_outcome_t out[BATCH];
    uint8_t *copies[BATCH];
    nara_bytes_t batch[BATCH];
    nara_vv_t vv = {0};
    nara_iter_t *it = NULL;
    size_t n = 0, added = 0;
    bool has = true;
    CHECK("reading a version vector", nara_store_vv(to->store, &vv), to);
    CHECK("listing missing events", nara_store_iter_missing(from->store, &vv, in_scope, to, &it),
          from);
    while (has) {
        nara_bytes_t ev;
        CHECK("reading an event", nara_iter_next(it, &ev, &has), from);
        if (has) {
            copies[n] = malloc(ev.len);
            if (copies[n] == NULL)
                die("allocating", NARA_NOMEM, NULL);
            memcpy(copies[n], ev.bytes, ev.len);
            batch[n] = (nara_bytes_t){copies[n], ev.len};
            n++;
        }
        if (n == BATCH || (!has && n > 0)) {
            nara_merge_stats_t st;
            CHECK("merging", nara_store_merge(to->store, batch, n, p->now_ms, out, &st), to);
            added += st.added + st.promoted;
            while (n > 0)
                free(copies[--n]);
        }
    }
    nara_iter_free(it);
    nara_vv_free(&vv);
    return added;
}

static size_t sync_pair(province_t *p, replica_t *a, replica_t *b)
{
    return push(p, a, b) + push(p, b, a);
}

/* Every replica syncs once with the province replica, in a random order. */
static void sync_round(province_t *p, const char *title)
{
    size_t order[MAX_REPLICAS], moved = 0;
    for (size_t i = 0; i < p->n; i++)
        order[i] = i;
    for (size_t i = p->n; i > 1; i--) {
        size_t j = rnd(p, (uint32_t)i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < p->n; i++)
        if (&p->r[order[i]] != p->root)
            moved += sync_pair(p, &p->r[order[i]], p->root);
    printf("  %s: %zu replicas synced with the province, %zu events delivered\n", title,
           p->n - 1, moved);
}

static const char *const agencies[] = {"Dinas Kesehatan", "Dinas Pendidikan", "Bappeda",
                                       "Dinas PUPR", "Dinas Sosial", "Biro Pemerintahan"};
static const char *const officers[] = {"Dr. Rina Sari", "Drs. Agus Setiawan", "Ir. Budi Santoso",
                                       "Hj. Dewi Lestari", "Dr. Hendra Wijaya", "Siti Nurhaliza"};
static const char *const categories[] = {"pembangunan", "sosial", "rpjmd", "rapim"};
static const char *const functions[] = {"koordinasi", "fasilitasi", "sinkronisasi", "komunikasi"};
static const char *const priorities[] = {"rendah", "sedang", "tinggi", "darurat"};
static const char *const titles[] = {
    "Jembatan desa rusak setelah banjir", "Pembangunan puskesmas tertunda",
    "Program sekolah tidak selaras dengan RPJMD", "Tindak lanjut rapim soal stunting",
    "Bantuan sosial belum tersalurkan", "Jalan kabupaten longsor"};

static void set_up_province(province_t *p)
{
    size_t nreg = nara_regions_count(p->regions);
    p->root = add_replica(p, "province", NULL, NULL);
    p->secretariat = add_replica(p, "secretariat", NULL, p->root->kp.pk);
    for (size_t i = 0; i < nreg; i++) {
        const nara_region_t *reg = nara_regions_at(p->regions, i);
        char name[64];
        snprintf(name, sizeof name, "regency-%s", reg->code);
        p->regency[i] = add_replica(p, name, reg->code, p->root->kp.pk);
        snprintf(name, sizeof name, "lo-%s", reg->code);
        p->lo[i] = add_replica(p, name, reg->code, p->root->kp.pk);
    }
    printf("1. Created the province root and %zu device keys, each with its own replica in %s/\n",
           p->n - 1, p->dir);
}

static void enrol(province_t *p, replica_t *dev, nara_role_t role, const char *region,
                  const char *name, const char *agency)
{
    const char *scope[1] = {region};
    nara_enroll_params_t ep = {dev->kp.pk, role, region == NULL, scope, region ? 1 : 0, name,
                               agency};
    CHECK("enrolling a device", nara_device_enroll(p->root->dom, &p->root->kp, &ep, p->now_ms, NULL),
          p->root);
}

static void enrol_and_assign(province_t *p)
{
    size_t nreg = nara_regions_count(p->regions);
    uint8_t doc_hash[NARA_HASH_BYTES] = {0x5a};
    enrol(p, p->secretariat, NARA_ROLE_SECRETARIAT, NULL, "Sekretariat Daerah", NULL);
    nara_decree_params_t dp = {"100.3.3.2/Kep.412-Pemksm/2026", "2026-01-05", doc_hash,
                               "2026-01-06", NULL, "Penunjukan Kepala Perangkat Daerah sebagai Naradamping", NULL};
    CHECK("recording the decree", nara_decree_record(p->root->dom, &p->root->kp, &dp, p->now_ms, NULL),
          p->root);
    for (size_t i = 0; i < nreg; i++) {
        const nara_region_t *reg = nara_regions_at(p->regions, i);
        char name[96];
        snprintf(name, sizeof name, "Pemerintah %s %s",
                 reg->type == NARA_REGION_KOTA ? "Kota" : "Kabupaten", reg->name);
        enrol(p, p->regency[i], NARA_ROLE_REGENCY, reg->code, name, NULL);
        const char *agency = agencies[i % 6], *officer = officers[(i / 6 + i) % 6];
        enrol(p, p->lo[i], NARA_ROLE_LO, reg->code, officer, agency);
        nara_lo_assign_params_t ap = {reg->code, agency, officer, p->lo[i]->kp.pk, dp.number,
                                      "2026-01-06", NULL, false};
        CHECK("assigning an LO", nara_lo_assign(p->root->dom, &p->root->kp, &ap, p->now_ms, NULL),
              p->root);
    }
    printf("2. The root enrolled %zu devices and, by decree %s, assigned an LO to each of the %zu "
           "regions\n", 2 * nreg + 1, dp.number, nreg);
}

static size_t open_cases(province_t *p)
{
    size_t nreg = nara_regions_count(p->regions), opened = 0;
    for (size_t i = 0; i < nreg; i++) {
        replica_t *r = p->regency[i];
        size_t k = 1 + rnd(p, 3);
        for (size_t j = 0; j < k; j++, opened++) {
            nara_case_open_params_t cp = {r->region, categories[rnd(p, 4)], functions[rnd(p, 4)],
                                          titles[rnd(p, 6)],
                                          "Dilaporkan oleh kantor daerah saat tidak terhubung.",
                                          priorities[rnd(p, 4)]};
            uint64_t when = p->now_ms - rnd(p, 30) * HOUR_MS; /* opened up to 30 h ago */
            CHECK("opening a case", nara_case_open(r->dom, &r->kp, &cp, when, NULL), r);
        }
    }
    printf("3. Regency offices, offline, opened %zu cases in their own replicas\n", opened);
    return opened;
}

typedef struct {
    uint8_t ids[16][NARA_ID_BYTES];
    size_t n;
} case_list_t;

static int collect_case(void *ctx, const nara_case_t *c)
{
    case_list_t *l = ctx;
    if (l->n < 16)
        memcpy(l->ids[l->n++], c->id, NARA_ID_BYTES);
    return 0;
}

/* Each LO acknowledges most of its region's cases, escalates some. */
static void lo_work(province_t *p, size_t *acked, size_t *escalated)
{
    size_t nreg = nara_regions_count(p->regions);
    for (size_t i = 0; i < nreg; i++) {
        replica_t *lo = p->lo[i];
        case_list_t l = {.n = 0};
        CHECK("listing cases", nara_domain_cases(lo->dom, lo->region, 0, collect_case, &l), lo);
        for (size_t j = 0; j < l.n; j++) {
            if (rnd(p, 4) == 0)
                continue; /* this one waits: it may become overdue */
            CHECK("acknowledging", nara_case_ack(lo->dom, &lo->kp, l.ids[j], NULL, p->now_ms, NULL),
                  lo);
            (*acked)++;
            if (rnd(p, 5) == 0) {
                CHECK("escalating",
                      nara_case_escalate(lo->dom, &lo->kp, l.ids[j], NULL, "sekda",
                                         "Butuh keputusan lintas perangkat daerah", p->now_ms,
                                         NULL),
                      lo);
                (*escalated)++;
            }
        }
    }
}

static size_t secretariat_work(province_t *p)
{
    case_list_t l = {.n = 0};
    size_t resolved = 0;
    unsigned mask = 1u << NARA_CASE_ESCALATED;
    CHECK("listing escalations", nara_domain_cases(p->secretariat->dom, NULL, mask, collect_case, &l),
          p->secretariat);
    for (size_t j = 0; j < l.n; j++, resolved++)
        CHECK("resolving",
              nara_case_resolve(p->secretariat->dom, &p->secretariat->kp, l.ids[j], NULL,
                                "Diputuskan dalam rapat koordinasi Sekda", p->now_ms, NULL),
              p->secretariat);
    return resolved;
}

static int print_row(void *ctx, const nara_report_row_t *row)
{
    (void)ctx;
    char median[32] = "-";
    if (row->acked > 0)
        snprintf(median, sizeof median, "%.1f h", (double)row->median_ack_ms / HOUR_MS);
    printf("  %-6s %-9s %-14s %-18s %4" PRIu32 " %7" PRIu32 " %9" PRIu32 " %8" PRIu32 " %9s\n",
           row->code, nara_region_type_name(row->type), row->name, row->lo_agency, row->open,
           row->overdue, row->escalated, row->resolved, median);
    return 0;
}

static void print_digest(const char *label, const uint8_t d[NARA_HASH_BYTES])
{
    char hex[2 * NARA_HASH_BYTES + 1];
    nara_hex(d, NARA_HASH_BYTES, hex);
    printf("  %-34s %.16s…\n", label, hex);
}

static int check_convergence(province_t *p)
{
    uint8_t a[NARA_HASH_BYTES], b[NARA_HASH_BYTES], c[NARA_HASH_BYTES], d[NARA_HASH_BYTES];
    nara_store_counts_t counts;
    CHECK("digest", nara_store_digest(p->root->store, a), p->root);
    CHECK("digest", nara_store_digest(p->secretariat->store, b), p->secretariat);
    CHECK("digest", nara_domain_digest(p->root->dom, c), p->root);
    CHECK("digest", nara_domain_digest(p->secretariat->dom, d), p->secretariat);
    CHECK("counts", nara_store_counts(p->root->store, &counts), p->root);
    printf("6. Convergence: the province holds %" PRIu64 " signed events in %" PRIu64
           " feeds (%" PRIu64 " pending, %" PRIu64 " forks, %" PRIu64 " quarantined)\n",
           counts.events, counts.feeds, counts.pending, counts.forks, counts.quarantined);
    print_digest("province log digest:", a);
    print_digest("secretariat log digest:", b);
    print_digest("province folded-state digest:", c);
    print_digest("secretariat folded-state digest:", d);
    int same = memcmp(a, b, sizeof a) == 0 && memcmp(c, d, sizeof c) == 0;
    printf("  %s\n", same ? "Both replicas hold the same events and fold them into the same state."
                          : "MISMATCH: the replicas did not converge.");
    return same ? 0 : 1;
}

int main(int argc, char **argv)
{
    static province_t p;
    size_t acked = 0, escalated = 0;
    p.dir = argc > 1 ? argv[1] : "demo-run";
    p.rng = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 20261126u;
    p.regions = nara_regions_default();
    p.now_ms = (uint64_t)time(NULL) * 1000u - 72 * HOUR_MS;
    if (mkdir(p.dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "nara-demo: cannot create %s: %s\n", p.dir, strerror(errno));
        return 1;
    }
    printf("Naradamping province demo: %s, %zu regions\n\n", nara_regions_province_name(p.regions),
           nara_regions_count(p.regions));
    set_up_province(&p);
    enrol_and_assign(&p);
    sync_round(&p, "sync round 1 (enrolments and assignments reach every device)");
    p.now_ms += 48 * HOUR_MS;
    open_cases(&p);
    sync_round(&p, "sync round 2 (cases reach the province)");
    sync_round(&p, "sync round 3 (cases reach each region's LO)");
    p.now_ms += HOUR_MS;
    lo_work(&p, &acked, &escalated);
    printf("4. LOs acknowledged %zu cases and escalated %zu to the Sekda; the rest wait\n", acked,
           escalated);
    sync_round(&p, "sync round 4 (acknowledgements and escalations reach the province)");
    sync_round(&p, "sync round 5 (escalations reach the secretariat)");
    p.now_ms += HOUR_MS;
    printf("5. The secretariat resolved %zu escalated cases\n", secretariat_work(&p));
    sync_round(&p, "sync round 6 (resolutions reach everyone)");
    sync_round(&p, "sync round 7");
    int rc = check_convergence(&p);
    printf("\n7. Consolidated report at the end of the run (1x24 jam duty):\n");
    printf("  %-6s %-9s %-14s %-18s %4s %7s %9s %8s %9s\n", "code", "type", "name", "LO agency",
           "open", "overdue", "escalated", "resolved", "median ack");
    CHECK("report", nara_domain_report(p.root->dom, p.now_ms, print_row, NULL), p.root);
    printf("\nThe replicas are in %s/ (one SQLite file per device).\n", p.dir);
    for (size_t i = 0; i < p.n; i++) {
        nara_domain_close(p.r[i].dom);
        nara_store_close(p.r[i].store);
        nara_keypair_wipe(&p.r[i].kp);
    }
    return rc;
}
