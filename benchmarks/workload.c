/*
 * workload.c - generating, storing and streaming the benchmark province
 * (contract in workload.h), and the raw-verification baseline.
 *
 * A case's script: case.open, then 2..7 notes and actions, case.resolve,
 * and case.close for three cases in four; `seen` always names the previous
 * event of the case (one author, so one head).  Event sizes come out at
 * roughly 250-450 bytes, bodies of 100-300 bytes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "bench.h"
#include "workload.h"

#define WL_FORMAT "naradamping-bench-workload v1"

/* ---- keys ------------------------------------------------------------------ */

void wl_root_key(nara_keypair_t *kp)
{
    uint8_t seed[NARA_SEED_BYTES];
    memset(seed, 0x52, sizeof seed);
    bench_check(nara_keypair_from_seed(seed, kp), "root key");
}

void wl_device_key(uint32_t i, nara_keypair_t *kp)
{
    uint8_t seed[NARA_SEED_BYTES];
    memset(seed, 0xd0, sizeof seed);
    memcpy(seed, &i, sizeof i);
    bench_check(nara_keypair_from_seed(seed, kp), "device key");
}

const char *wl_region(size_t i)
{
    return nara_regions_at(nara_regions_default(), i % WL_REGIONS)->code;
}

/* ---- contents -------------------------------------------------------------- */

static uint64_t rnd(wl_feed_t *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return f->rng;
}

static const char *const words[] = {
    "jalan",     "desa",       "jembatan",  "irigasi",  "sekolah",   "puskesmas", "anggaran",
    "koordinasi", "rapat",     "dinas",     "kecamatan", "warga",    "laporan",   "pembangunan",
    "banjir",    "longsor",    "air",       "bersih",   "pasar",     "tenaga",    "kesehatan",
    "bantuan",   "sosial",     "program",   "rencana",  "kegiatan",  "lokasi",    "survei",
    "tindak",    "lanjut",     "verifikasi", "data",    "penerima",  "tahap",     "kontrak",
    "pelaksana", "pengawasan", "material",  "musim",    "hujan",     "terhambat", "segera",
};
#define N_WORDS (sizeof words / sizeof words[0])

/* A sentence of about `len` bytes into out (cap >= len + 16). */
static const char *sentence(wl_feed_t *f, size_t len, char *out)
{
    size_t n = 0;
    while (n < len) {
        const char *w = words[rnd(f) % N_WORDS];
        size_t k = strlen(w);
        if (n)
            out[n++] = ' ';
        memcpy(out + n, w, k);
        n += k;
    }
    out[n] = '\0';
    if (n)
        out[0] = (char)(out[0] - 'a' + 'A');
    return out;
}

static const char *pick(wl_feed_t *f, const char *const *v, size_t n)
{
    return v[rnd(f) % n];
}

static const char *const categories[] = {"pembangunan", "sosial", "rpjmd", "rapim", "lainnya"};
static const char *const functions[] = {"koordinasi", "fasilitasi", "sinkronisasi", "komunikasi"};
static const char *const priorities[] = {"rendah", "sedang", "tinggi", "darurat"};

/* ---- sealing ----------------------------------------------------------------- */

typedef struct {
    nara_field_t v[NARA_BODY_MAX_FIELDS];
    size_t n;
} fields_t;

static void add_str(fields_t *fs, const char *key, const char *value)
{
    nara_field_t *x = &fs->v[fs->n++];
    memset(x, 0, sizeof *x);
    x->key = key;
    x->type = NARA_FIELD_STR;
    x->str = value;
}

static void add_bin(fields_t *fs, const char *key, const uint8_t *value)
{
    nara_field_t *x = &fs->v[fs->n++];
    memset(x, 0, sizeof *x);
    x->key = key;
    x->type = NARA_FIELD_BIN32;
    x->bin = value;
}

/* Seal the next event of f with this body; remembers its id and link. */
static size_t seal(wl_feed_t *f, const char *kind, const fields_t *fs, uint8_t *buf,
                   uint8_t id_out[NARA_ID_BYTES])
{
    uint8_t body[2048];
    size_t body_len = 0, len = 0;
    nara_event_t ev;
    bench_check(nara_body_build(fs->v, fs->n, body, sizeof body, &body_len), "build body");
    memset(&ev, 0, sizeof ev);
    snprintf(ev.stream, sizeof ev.stream, "%s", f->stream);
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    ev.seq = ++f->seq;
    ev.has_prev = ev.seq > 1;
    if (ev.has_prev)
        memcpy(ev.prev, f->link, NARA_HASH_BYTES);
    f->ms += 1000 + rnd(f) % 60000;
    ev.hlc = f->ms << 16;
    ev.body = body;
    ev.body_len = body_len;
    bench_check(nara_event_seal(&ev, f->kp, buf, WL_EVENT_CAP, &len), "seal");
    nara_event_link(&ev, f->link);
    if (id_out)
        memcpy(id_out, ev.id, NARA_ID_BYTES);
    return len;
}

void wl_feed_init(wl_feed_t *f, const nara_keypair_t *kp, const char *stream, uint64_t seed,
                  uint64_t t0_ms)
{
    memset(f, 0, sizeof *f);
    f->kp = kp;
    snprintf(f->stream, sizeof f->stream, "%s", stream);
    f->ms = t0_ms;
    f->rng = seed * 0x9e3779b97f4a7c15ull + 0x1234567;
    if (f->rng == 0)
        f->rng = 1;
}

size_t wl_feed_case_event(wl_feed_t *f, uint8_t *buf)
{
    fields_t fs = {.n = 0};
    char a[400], b[400], due[16];
    const char *kind;
    size_t len;

    if (f->step == 0) {
        f->middle = 2 + (int)(rnd(f) % 6);
        f->closes = rnd(f) % 4 != 0;
        add_str(&fs, "region", f->stream);
        add_str(&fs, "category", pick(f, categories, 5));
        add_str(&fs, "function", pick(f, functions, 4));
        add_str(&fs, "title", sentence(f, 30 + rnd(f) % 40, a));
        add_str(&fs, "description", sentence(f, 80 + rnd(f) % 160, b));
        add_str(&fs, "priority", pick(f, priorities, 4));
        len = seal(f, "case.open", &fs, buf, f->case_id);
        memcpy(f->head, f->case_id, NARA_ID_BYTES);
        f->step = 1;
        return len;
    }
    add_bin(&fs, "case", f->case_id);
    add_bin(&fs, "seen", f->head);
    if (f->step <= f->middle) {
        if (rnd(f) % 3 == 0) {
            kind = "case.action";
            snprintf(due, sizeof due, "2026-%02d-%02d", 1 + (int)(rnd(f) % 12),
                     1 + (int)(rnd(f) % 28));
            add_str(&fs, "what", sentence(f, 40 + rnd(f) % 60, a));
            add_str(&fs, "who", pick(f, functions, 4));
            add_str(&fs, "due", due);
        } else {
            kind = "case.note";
            add_str(&fs, "text", sentence(f, 40 + rnd(f) % 120, a));
        }
    } else if (f->step == f->middle + 1) {
        kind = "case.resolve";
        add_str(&fs, "summary", sentence(f, 40 + rnd(f) % 80, a));
    } else {
        kind = "case.close";
    }
    len = seal(f, kind, &fs, buf, f->head);
    f->step = f->step + 1 > f->middle + 1 + (f->closes ? 1 : 0) ? 0 : f->step + 1;
    return len;
}

size_t wl_feed_enroll(wl_feed_t *f, const uint8_t device[NARA_PUBLICKEY_BYTES], nara_role_t role,
                      const char *region, const char *name, uint8_t *buf)
{
    fields_t fs = {.n = 0};
    const char *scope[1] = {region};
    add_bin(&fs, "device", device);
    add_str(&fs, "role", nara_role_name(role));
    if (strcmp(region, "*") == 0) {
        add_str(&fs, "scope", "*");
    } else {
        nara_field_t *x = &fs.v[fs.n++];
        memset(x, 0, sizeof *x);
        x->key = "scope";
        x->type = NARA_FIELD_STRS;
        x->strs = scope;
        x->n = 1;
    }
    add_str(&fs, "name", name);
    return seal(f, "device.enroll", &fs, buf, NULL);
}

/* ---- files -------------------------------------------------------------------- */

static void put_event(FILE *out, const uint8_t *buf, size_t len)
{
    uint8_t hdr[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), 0};
    if (fwrite(hdr, 1, 4, out) != 4 || fwrite(buf, 1, len, out) != len)
        bench_die("write workload: %s", strerror(errno));
}

static FILE *open_feed(const char *path, size_t feed, const char *mode)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/feed-%02zu.bin", path, feed);
    FILE *f = fopen(p, mode);
    if (f == NULL)
        bench_die("%s: %s", p, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 18);
    return f;
}

typedef struct {
    const char *path;
    size_t n_case;
} gen_t;

static void gen_feed(void *ctx, size_t i)
{
    const gen_t *g = ctx;
    nara_keypair_t kp;
    wl_feed_t f;
    uint8_t buf[WL_EVENT_CAP];
    size_t count = g->n_case / WL_REGIONS + (i < g->n_case % WL_REGIONS);
    wl_device_key((uint32_t)i, &kp);
    wl_feed_init(&f, &kp, wl_region(i), i + 1, WL_T0_MS);
    FILE *out = open_feed(g->path, i + 1, "wb");
    for (size_t k = 0; k < count; k++)
        put_event(out, buf, wl_feed_case_event(&f, buf));
    if (fclose(out) != 0)
        bench_die("write workload: %s", strerror(errno));
    nara_keypair_wipe(&kp);
}

static void gen_province(const char *path)
{
    nara_keypair_t root, dev;
    wl_feed_t f;
    uint8_t buf[WL_EVENT_CAP];
    char name[64];
    wl_root_key(&root);
    wl_feed_init(&f, &root, NARA_STREAM_PROVINCE, 0, WL_T0_MS - 86400000ull);
    FILE *out = open_feed(path, 0, "wb");
    for (uint32_t i = 0; i < WL_REGIONS; i++) {
        wl_device_key(i, &dev);
        snprintf(name, sizeof name, "Pemerintah %s",
                 nara_regions_at(nara_regions_default(), i)->name);
        put_event(out, buf, wl_feed_enroll(&f, dev.pk, NARA_ROLE_REGENCY, wl_region(i), name, buf));
    }
    if (fclose(out) != 0)
        bench_die("write workload: %s", strerror(errno));
}

void wl_prepare(const char *dir, size_t n, unsigned threads, char *path, size_t cap)
{
    char done[4096], line[128] = "";
    snprintf(path, cap, "%s/wl-%zu", dir, n);
    snprintf(done, sizeof done, "%s/done", path);
    FILE *d = fopen(done, "r");
    if (d) {
        bool ok = fgets(line, sizeof line, d) && strncmp(line, WL_FORMAT, strlen(WL_FORMAT)) == 0;
        fclose(d);
        if (ok)
            return;
    }
    if (n < WL_FEEDS)
        bench_die("a workload needs at least %d events", WL_FEEDS);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        bench_die("%s: %s", path, strerror(errno));
    bench_log("generating the workload of %zu events in %s (once; signing on %u cores)", n, path,
              threads);
    double t0 = bench_now();
    gen_t g = {path, n - WL_REGIONS};
    gen_province(path);
    bench_parallel(threads, WL_REGIONS, gen_feed, &g);
    d = fopen(done, "w");
    if (d == NULL || fprintf(d, "%s\n%zu events\n", WL_FORMAT, n) < 0 || fclose(d) != 0)
        bench_die("%s: cannot write", done);
    bench_log("generated in %.1f s", bench_now() - t0);
}

/* ---- reading -------------------------------------------------------------------- */

void wl_batch_init(wl_batch_t *b, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->ev = calloc(cap, sizeof *b->ev);
    b->arena_cap = cap * 1024 + WL_EVENT_CAP;
    b->arena = malloc(b->arena_cap);
    if (b->ev == NULL || b->arena == NULL)
        bench_die("out of memory");
}

void wl_batch_free(wl_batch_t *b)
{
    free(b->ev);
    free(b->arena);
    memset(b, 0, sizeof *b);
}

void wl_open(wl_reader_t *r, const char *path, uint32_t mask)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < WL_FEEDS; i++) {
        if (!((mask >> i) & 1u))
            continue;
        r->f[i] = open_feed(path, i, "rb");
        fseek(r->f[i], 0, SEEK_END);
        r->left[i] = (uint64_t)ftell(r->f[i]); /* bytes here; counted down as read */
        fseek(r->f[i], 0, SEEK_SET);
        r->total += r->left[i];
    }
    r->cur = 1;
}

void wl_close(wl_reader_t *r)
{
    for (size_t i = 0; i < WL_FEEDS; i++)
        if (r->f[i])
            fclose(r->f[i]);
    memset(r, 0, sizeof *r);
}

/* Read one record of feed i into the batch; false at the end of the feed or
 * when the arena is full (the record then stays unread). */
static bool read_one(wl_reader_t *r, size_t i, wl_batch_t *b)
{
    uint8_t hdr[4];
    if (r->left[i] == 0 || b->arena_cap - b->used < WL_EVENT_CAP || b->n == b->cap)
        return false;
    if (fread(hdr, 1, 4, r->f[i]) != 4)
        bench_die("workload feed %zu is truncated", i);
    size_t len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16;
    if (len > WL_EVENT_CAP || fread(b->arena + b->used, 1, len, r->f[i]) != len)
        bench_die("workload feed %zu is damaged", i);
    b->ev[b->n].bytes = b->arena + b->used;
    b->ev[b->n].len = len;
    b->n++;
    b->used += len;
    b->bytes += len;
    r->left[i] -= 4 + len;
    return true;
}

bool wl_next_feed(wl_reader_t *r, size_t feed, size_t max, wl_batch_t *b)
{
    b->n = b->used = 0;
    b->bytes = 0;
    while (b->n < max && read_one(r, feed, b))
        ;
    return b->n > 0;
}

bool wl_next(wl_reader_t *r, size_t max, wl_batch_t *b)
{
    if (r->left[0])
        return wl_next_feed(r, 0, max, b);
    for (size_t tries = 0; tries < WL_REGIONS; tries++) {
        size_t i = r->cur;
        r->cur = r->cur == WL_REGIONS ? 1 : r->cur + 1;
        if (r->left[i])
            return wl_next_feed(r, i, max, b);
    }
    b->n = 0;
    return false;
}

uint64_t wl_merge_all(nara_store_t *store, const char *path, uint32_t mask, size_t batch)
{
    wl_reader_t r;
    wl_batch_t b;
    uint64_t added = 0;
    nara_outcome_t *out = calloc(batch, sizeof *out);
    if (out == NULL)
        bench_die("out of memory");
    wl_batch_init(&b, batch);
    wl_open(&r, path, mask);
    while (wl_next(&r, batch, &b)) {
        nara_merge_stats_t st;
        bench_check(nara_store_merge(store, b.ev, b.n, WL_T0_MS, out, &st), "merge");
        if (st.added != b.n)
            bench_die("merge: %zu of %zu added", st.added, b.n);
        added += st.added;
    }
    wl_close(&r);
    wl_batch_free(&b);
    free(out);
    return added;
}

/* ---- raw verification ------------------------------------------------------------ */

typedef struct {
    const wl_sig_t *sigs;
    atomic_int bad;
} raw_t;

static void raw_one(void *ctx, size_t i)
{
    static const char prefix[] = "nara/v1/event-sig";
    raw_t *r = ctx;
    uint8_t msg[sizeof prefix + NARA_ID_BYTES];
    memcpy(msg, prefix, sizeof prefix);
    memcpy(msg + sizeof prefix, r->sigs[i].id, NARA_ID_BYTES);
    if (crypto_sign_verify_detached(r->sigs[i].sig, msg, sizeof msg, r->sigs[i].pk) != 0)
        atomic_fetch_add(&r->bad, 1);
}

void wl_raw_verify(const wl_sig_t *sigs, size_t n, unsigned threads)
{
    raw_t r = {.sigs = sigs};
    atomic_init(&r.bad, 0);
    bench_parallel(threads, n, raw_one, &r);
    if (atomic_load(&r.bad))
        bench_die("raw verification: %d signatures failed", atomic_load(&r.bad));
}
