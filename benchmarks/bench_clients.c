/*
 * bench_clients.c - many clients on one narad: 1,000 connected idle devices
 * plus 100 active ones.
 *
 *   idle    1,000 regency devices of one region (32.79), which synced
 *           before (their replicas hold the province feed), connect and stay
 *           connected in live mode (as `nara sync --watch` does).  Nothing
 *           new reaches their region during the run, but narad still
 *           considers them on every push (live push scans).
 *   active  100 regency devices of the other 26 regions, each with --n/100
 *           case events of its own, sync one-shot, ACTIVE_AT_ONCE at a time:
 *           connect, authenticate, push everything, pull what they lack.
 *
 * Figures: narad's RSS (from /proc) before, with the idle devices connected
 * and at its peak, and the median and 99th-percentile time of an active
 * device's sync (connect to done).  The clients' replicas are in memory
 * (":memory:" stores), so only the server touches the disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "netbench.h"
#include "workload.h"

#define IDLE 1000
#define ACTIVE 100
#define ACTIVE_AT_ONCE 10
#define IDLE_REGION 26 /* 32.79 */
#define KEY_IDLE 1000u
#define KEY_ACTIVE 3000u

typedef struct {
    bn_client_t *c;
    size_t from, to;
    bool synced; /* wait for SYNCED (live) rather than closed */
} span_t;

static bool span_ready(void *ctx)
{
    const span_t *s = ctx;
    for (size_t i = s->from; i < s->to; i++) {
        if (s->c[i].failed)
            bench_die("client %zu failed: %s", i, nara_err_name(s->c[i].err));
        if (s->synced ? !s->c[i].synced : !s->c[i].closed)
            return false;
    }
    return true;
}

/* The province feed: the root enrols every device (n events into ev). */
static void enrolments(const nara_keypair_t *root, uint8_t *bufs, nara_bytes_t *ev, size_t n)
{
    nara_keypair_t kp;
    wl_feed_t f;
    char name[64];
    wl_feed_init(&f, root, NARA_STREAM_PROVINCE, 7, WL_T0_MS - 86400000ull);
    for (size_t i = 0; i < n; i++) {
        bool idle = i < IDLE;
        uint32_t key = idle ? KEY_IDLE + (uint32_t)i : KEY_ACTIVE + (uint32_t)(i - IDLE);
        const char *region = wl_region(idle ? IDLE_REGION : (i - IDLE) % IDLE_REGION);
        wl_device_key(key, &kp);
        snprintf(name, sizeof name, "%s device %zu", idle ? "idle" : "active", i);
        ev[i].bytes = bufs + i * WL_EVENT_CAP;
        ev[i].len = wl_feed_enroll(&f, kp.pk, NARA_ROLE_REGENCY, region, name,
                                   bufs + i * WL_EVENT_CAP);
    }
}

/* The server's replica: the province feed, domain attached. */
static void seed_server(const char *db, const nara_keypair_t *root, const nara_bytes_t *ev,
                        size_t n)
{
    nara_store_t *s;
    nara_domain_t *d;
    nara_merge_stats_t st;
    nara_outcome_t *out = calloc(n, sizeof *out);
    if (out == NULL)
        bench_die("out of memory");
    bench_remove_db(db);
    bench_check(nara_store_open(db, &s), "open server replica");
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    bench_check(nara_domain_open(s, root->pk, NULL, &d), "open server domain");
    bench_check(nara_store_merge(s, ev, n, WL_T0_MS, out, &st), "merge enrolments");
    if (st.added != n)
        bench_die("enrolments: %zu of %zu added", st.added, n);
    nara_domain_close(d);
    nara_store_close(s);
    free(out);
}

/* An idle device's replica, in memory: it has synced before, so it holds the
 * province feed already (what it may read) and reconnects with nothing to
 * pull. */
static nara_store_t *idle_store(const nara_bytes_t *ev, size_t n, nara_outcome_t *out)
{
    nara_store_t *s;
    bench_check(nara_store_open(":memory:", &s), "open client replica");
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    bench_check(nara_store_merge(s, ev, n, WL_T0_MS, out, NULL), "fill client replica");
    return s;
}

/* An active device's replica, in memory, holding `count` events of its feed. */
static nara_store_t *active_store(const nara_keypair_t *kp, size_t a, size_t count)
{
    nara_store_t *s;
    wl_feed_t f;
    uint8_t buf[WL_EVENT_CAP];
    nara_outcome_t out;
    bench_check(nara_store_open(":memory:", &s), "open client replica");
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    wl_feed_init(&f, kp, wl_region(a % IDLE_REGION), 5000 + a, WL_T0_MS);
    for (size_t k = 0; k < count; k++) {
        nara_bytes_t b = {buf, wl_feed_case_event(&f, buf)};
        bench_check(nara_store_merge(s, &b, 1, WL_T0_MS, &out, NULL), "fill client replica");
    }
    return s;
}

static bool never(void *ctx)
{
    (void)ctx;
    return false;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, size_t n, double p)
{
    size_t rank = (size_t)(p * (double)n + 0.999999);
    return v[rank ? rank - 1 : 0];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    char db[4096];
    bn_narad_t srv;
    bn_t net;
    nara_keypair_t root;
    static nara_keypair_t keys[IDLE + ACTIVE];
    static nara_store_t *stores[IDLE + ACTIVE];
    static bn_client_t c[IDLE + ACTIVE];
    double times[ACTIVE];

    nara_store_global_init(); /* as narad and nara do, before anything uses SQLite */
    bench_parse(&o, "clients", argc, argv, 20000, 4096);
#ifdef NARAD_PATH
    if (o.narad == NULL)
        o.narad = NARAD_PATH;
#endif
    bench_check(nara_crypto_init(), "libsodium");
    size_t per_active = o.n / ACTIVE ? o.n / ACTIVE : 1;
    wl_root_key(&root);
    bench_log("setup: %d enrolments, %d active replicas of %zu events", IDLE + ACTIVE, ACTIVE,
              per_active);
    snprintf(db, sizeof db, "%s/clients-server.db", o.dir);
    size_t n_enrol = IDLE + ACTIVE;
    uint8_t *bufs = malloc(n_enrol * WL_EVENT_CAP);
    nara_bytes_t *enrol = calloc(n_enrol, sizeof *enrol);
    nara_outcome_t *out = calloc(n_enrol, sizeof *out);
    if (bufs == NULL || enrol == NULL || out == NULL)
        bench_die("out of memory");
    enrolments(&root, bufs, enrol, n_enrol);
    seed_server(db, &root, enrol, n_enrol);
    for (size_t i = 0; i < IDLE + ACTIVE; i++) {
        bool idle = i < IDLE;
        wl_device_key(idle ? KEY_IDLE + (uint32_t)i : KEY_ACTIVE + (uint32_t)(i - IDLE),
                      &keys[i]);
        if (idle)
            stores[i] = idle_store(enrol, n_enrol, out);
        else
            stores[i] = active_store(&keys[i], i - IDLE, per_active);
        c[i].store = stores[i];
        c[i].kp = &keys[i];
        c[i].live = idle;
    }
    free(bufs);
    free(enrol);
    free(out);
    uint64_t nofile = bench_raise_nofile(IDLE + ACTIVE + 512);
    bench_info("open files", "this process may open %llu", (unsigned long long)nofile);
    bn_narad_start(&srv, o.narad, o.dir, db, root.pk, NULL);
    bn_init(&net, srv.port, IDLE + ACTIVE + 64);
    double rss0 = (double)bench_proc_rss_kib(srv.pid) / 1024.0;

    /* ---- idle: connect in waves, each device pulls, then stays -------------- */
    bench_log("connecting %d idle devices", IDLE);
    double t0 = bench_now();
    for (size_t w = 0; w < IDLE; w += 100) {
        span_t s = {c, w, w + 100 < IDLE ? w + 100 : IDLE, true};
        for (size_t i = s.from; i < s.to; i++)
            bn_connect(&net, &c[i]);
        if (!bn_run(&net, span_ready, &s, 600))
            bench_die("idle devices %zu..%zu did not sync", s.from, s.to);
    }
    double t_idle = bench_now() - t0;
    bn_run(&net, never, NULL, 0.5); /* let narad settle the last writes */
    double rss_idle = (double)bench_proc_rss_kib(srv.pid) / 1024.0;

    /* ---- active: 100 devices, ACTIVE_AT_ONCE at a time ----------------------- */
    bench_log("%d active devices sync, %d at a time", ACTIVE, ACTIVE_AT_ONCE);
    double cpu0 = bn_narad_cpu(&srv);
    t0 = bench_now();
    for (size_t w = 0; w < ACTIVE; w += ACTIVE_AT_ONCE) {
        span_t s = {c, IDLE + w, IDLE + w + ACTIVE_AT_ONCE, false};
        for (size_t i = s.from; i < s.to; i++)
            bn_connect(&net, &c[i]);
        if (!bn_run(&net, span_ready, &s, 600))
            bench_die("active devices did not finish");
    }
    double t_active = bench_now() - t0;
    double cpu_active = bn_narad_cpu(&srv) - cpu0;
    for (size_t a = 0; a < ACTIVE; a++) {
        const bn_client_t *x = &c[IDLE + a];
        if (!x->done || x->stats.events_acked != per_active)
            bench_die("active device %zu: %llu of %zu events acknowledged", a,
                      (unsigned long long)x->stats.events_acked, per_active);
        times[a] = (x->t_done - x->t_start) * 1000.0;
    }
    qsort(times, ACTIVE, sizeof times[0], cmp_double);
    size_t connected = 0;
    for (size_t i = 0; i < IDLE; i++)
        connected += !c[i].closed && c[i].synced;
    double rss_after = (double)bench_proc_rss_kib(srv.pid) / 1024.0;
    double peak = (double)bench_proc_peak_kib(srv.pid) / 1024.0;

    /* ---- close ------------------------------------------------------------- */
    for (size_t i = 0; i < IDLE; i++)
        bn_close(&net, &c[i]);
    span_t all = {c, 0, IDLE, false};
    bn_run(&net, span_ready, &all, 60);
    bn_free(&net);
    int status = bn_narad_stop(&srv);
    if (status != 0)
        bench_log("narad exited with %d; see %s", status, srv.log);
    for (size_t i = 0; i < IDLE + ACTIVE; i++)
        nara_store_close(stores[i]);
    if (!o.keep)
        bench_remove_db(db);

    if (connected != IDLE)
        bench_die("only %zu of %d idle devices stayed connected", connected, IDLE);
    bench_info("idle devices", "%d connected (live), region %s; connecting them took %.1f s", IDLE,
               wl_region(IDLE_REGION), t_idle);
    bench_info("active devices", "%d, %zu events each, %d at a time; phase took %.1f s", ACTIVE,
               per_active, ACTIVE_AT_ONCE, t_active);
    bench_figure("server RSS, started", rss0, "MiB", NULL, NULL, "narad with its replica open");
    bench_figure("server RSS, 1000 idle connected", rss_idle, "MiB", NULL, NULL, NULL);
    bench_figure("server RSS per idle connection", (rss_idle - rss0) * 1024.0 / IDLE, "KiB", NULL,
                 NULL, NULL);
    bench_figure("server RSS, after the active syncs", rss_after, "MiB", NULL, NULL, NULL);
    bench_figure("server RSS, peak", peak, "MiB", NULL, NULL, "VmHWM");
    bench_figure("active sync, median", percentile(times, ACTIVE, 0.5), "ms", NULL, NULL,
                 "connect to done, with 1000 idle devices connected");
    bench_figure("active sync, p99", percentile(times, ACTIVE, 0.99), "ms", NULL, NULL, NULL);
    bench_figure("active sync, max", times[ACTIVE - 1], "ms", NULL, NULL, NULL);
    bench_figure("active phase, server CPU per event",
                 cpu_active / (double)(ACTIVE * per_active) * 1e6, "us", NULL, NULL,
                 "includes live-push scans for the idle sessions");
    bench_report(&o);
    return 0;
}
