/*
 * bench_sync.c - sync end to end over loopback WebSockets, with the real
 * narad (a child process, domain attached, its default verify mode unless
 * --verify is passed through NARA_BENCH_VERIFY) and the protocol sessions:
 *
 *   push      the 27 regency devices, each with a replica holding its own
 *             feed, connect at once and push everything to narad (which
 *             starts with the province feed that enrols them); time from
 *             the first connect until every device's sync is done (all its
 *             batches acknowledged, i.e. durably merged by narad)
 *   pull      a fresh device (the province root, which reads everything)
 *             pulls the whole log into an empty replica with the domain
 *             attached
 *   nothing   the same device syncs again with nothing new: round trips
 *             and bytes
 *
 * The clients are written here with libwebsockets (netbench.c), one
 * connection and one nara_session_t each, all on this process's single
 * service thread; narad runs on its own.  Both share the machine's cores,
 * as a server and its clients on one box would.  Wire bytes count every
 * protocol message both ways plus WebSocket frame headers, not TCP/IP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "netbench.h"
#include "workload.h"

typedef struct {
    bn_client_t *c;
    size_t n;
} group_t;

static bool all_closed(void *ctx)
{
    const group_t *g = ctx;
    for (size_t i = 0; i < g->n; i++)
        if (!g->c[i].closed)
            return false;
    return true;
}

/* A replica for one device: its path under dir, emptied. */
static nara_store_t *fresh_store(const char *dir, const char *name, char *path, size_t cap)
{
    nara_store_t *s;
    snprintf(path, cap, "%s/%s", dir, name);
    bench_remove_db(path);
    bench_check(nara_store_open(path, &s), "open replica");
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    return s;
}

/* The server's replica: the province feed (the 27 enrolments), domain attached. */
static void seed_server(const char *wl, const char *db)
{
    nara_store_t *s;
    nara_domain_t *d;
    nara_keypair_t root;
    wl_root_key(&root);
    bench_remove_db(db);
    bench_check(nara_store_open(db, &s), "open server replica");
    bench_check(nara_domain_open(s, root.pk, NULL, &d), "open server domain");
    wl_merge_all(s, wl, 1u, 4096);
    nara_domain_close(d);
    nara_store_close(s);
}

static void check_clients(const bn_client_t *c, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].failed || !c[i].done)
            bench_die("%s: client %zu did not finish its sync (%s)", what, i,
                      nara_err_name(c[i].err));
}

/* The events' own encoded bytes in the feeds of `mask`. */
static uint64_t workload_bytes(const char *wl, uint32_t mask)
{
    wl_reader_t r;
    wl_batch_t b;
    uint64_t bytes = 0;
    wl_batch_init(&b, 4096);
    wl_open(&r, wl, mask);
    while (wl_next(&r, 4096, &b))
        bytes += b.bytes;
    wl_close(&r);
    wl_batch_free(&b);
    return bytes;
}

static uint64_t server_events(const char *db)
{
    nara_store_t *s;
    nara_store_counts_t n;
    bench_check(nara_store_open(db, &s), "open server replica");
    bench_check(nara_store_counts(s, &n), "count");
    nara_store_close(s);
    return n.events;
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    char wl[4096], server_db[4096], path[4096];
    bn_narad_t srv;
    bn_t net;
    nara_keypair_t keys[WL_REGIONS], root;
    nara_store_t *stores[WL_REGIONS];
    bn_client_t clients[WL_REGIONS];
    uint64_t pushed = 0, pushed_bytes = 0, all_bytes = 0;

    nara_store_global_init(); /* as narad and nara do, before anything uses SQLite */
    bench_parse(&o, "sync", argc, argv, 100000, 4096);
#ifdef NARAD_PATH
    if (o.narad == NULL)
        o.narad = NARAD_PATH;
#endif
    bench_check(nara_crypto_init(), "libsodium");
    wl_prepare(o.dir, o.n, o.threads, wl, sizeof wl);
    wl_root_key(&root);

    /* ---- setup (not timed): each device's replica holds its own feed ---- */
    bench_log("setup: 27 device replicas and the server's");
    snprintf(server_db, sizeof server_db, "%s/sync-server.db", o.dir);
    seed_server(wl, server_db);
    for (size_t i = 0; i < WL_REGIONS; i++) {
        char name[64];
        wl_device_key((uint32_t)i, &keys[i]);
        snprintf(name, sizeof name, "sync-device-%02zu.db", i);
        stores[i] = fresh_store(o.dir, name, path, sizeof path);
        pushed += wl_merge_all(stores[i], wl, 1u << (i + 1), 4096);
    }
    pushed_bytes = workload_bytes(wl, ~1u); /* the 27 regency feeds */
    all_bytes = workload_bytes(wl, ~0u);
    const char *verify = getenv("NARA_BENCH_VERIFY");
    const char *extra[] = {"--verify", verify ? verify : "chain", NULL};
    bn_narad_start(&srv, o.narad, o.dir, server_db, root.pk, verify ? extra : NULL);
    bench_info("narad", "%s, verify %s", o.narad, verify ? verify : "(its default)");
    bench_info("clients", "libwebsockets + nara_session_t in the benchmark process, one thread");
    bn_init(&net, srv.port, 64);

    /* ---- push: 27 devices at once -------------------------------------- */
    if (bench_selected(&o, "push")) {
        bench_log("push: %llu events from 27 devices", (unsigned long long)pushed);
        memset(clients, 0, sizeof clients);
        double cpu0 = bn_narad_cpu(&srv);
        bench_peak_reset();
        double t0 = bench_now();
        for (size_t i = 0; i < WL_REGIONS; i++) {
            clients[i].store = stores[i];
            clients[i].kp = &keys[i];
            bn_connect(&net, &clients[i]);
        }
        group_t g = {clients, WL_REGIONS};
        if (!bn_run(&net, all_closed, &g, 3600))
            bench_die("push did not finish");
        double secs = 0;
        uint64_t wire = 0, sent = 0;
        for (size_t i = 0; i < WL_REGIONS; i++) {
            double t = clients[i].t_done - t0;
            secs = t > secs ? t : secs;
            wire += clients[i].wire_in + clients[i].wire_out;
            sent += clients[i].stats.events_sent;
        }
        check_clients(clients, WL_REGIONS, "push");
        {
            uint64_t win = 0, wout = 0, recv = 0, msgs_out = 0, msgs_in = 0;
            for (size_t i = 0; i < WL_REGIONS; i++) {
                win += clients[i].wire_in;
                wout += clients[i].wire_out;
                recv += clients[i].stats.events_received;
                msgs_out += clients[i].stats.messages_out;
                msgs_in += clients[i].stats.messages_in;
            }
            bench_info("push traffic", "out %llu B in %llu messages, in %llu B in %llu messages, "
                       "%llu events received", (unsigned long long)wout,
                       (unsigned long long)msgs_out, (unsigned long long)win,
                       (unsigned long long)msgs_in, (unsigned long long)recv);
        }
        double server_cpu = bn_narad_cpu(&srv) - cpu0;
        uint64_t held = server_events(server_db);
        if (held != o.n)
            bench_die("push: the server holds %llu events, expected %zu",
                      (unsigned long long)held, o.n);
        double rate = (double)pushed / secs;
        bench_target_t t50 = {">= 50000", rate >= 50000};
        bench_figure("push, events/s", rate, "ev/s", NULL, &t50,
                     "27 devices at once until every batch is acknowledged (durable)");
        bench_figure("push, time", secs, "s", NULL, NULL, NULL);
        bench_figure("push, server CPU per event", server_cpu / (double)pushed * 1e6, "us", NULL,
                     NULL, "narad's user + system time");
        uint64_t up = 0;
        for (size_t i = 0; i < WL_REGIONS; i++)
            up += clients[i].wire_out;
        double overhead = (double)wire / (double)pushed_bytes - 1.0;
        bench_target_t t10 = {"< 10%", overhead < 0.10};
        bench_figure("push, event size", (double)pushed_bytes / (double)pushed, "B", NULL, NULL,
                     "the events' own encoded bytes, on average");
        bench_figure("push, wire bytes per event", (double)wire / (double)pushed, "B", NULL,
                     NULL, "both directions: EVENTS, ACKs (with receipts), handshakes, "
                           "the province feed, WebSocket headers");
        bench_figure("push, wire overhead", overhead * 100.0, "%", NULL, &t10,
                     "both directions, over the events' own bytes");
        bench_figure("push, upstream overhead",
                     ((double)up / (double)pushed_bytes - 1.0) * 100.0, "%", NULL, NULL,
                     "device to server only: EVENTS framing, handshake");
        bench_figure("push, downstream bytes per event", (double)(wire - up) / (double)pushed,
                     "B", NULL, NULL, "server to device: ACKs and their receipts, handshake");
        bench_figure("push, server peak RSS", (double)bench_proc_peak_kib(srv.pid) / 1024.0,
                     "MiB", NULL, NULL, NULL);
        if (sent != pushed)
            bench_die("push: %llu events sent, %llu expected", (unsigned long long)sent,
                      (unsigned long long)pushed);
    }

    /* ---- pull: a fresh device takes everything ------------------------- */
    char pull_path[4096];
    nara_store_t *fresh = fresh_store(o.dir, "sync-fresh.db", pull_path, sizeof pull_path);
    nara_domain_t *fresh_dom;
    bench_check(nara_domain_open(fresh, root.pk, NULL, &fresh_dom), "fresh domain");
    bn_client_t pull;
    group_t one = {&pull, 1};
    if (bench_selected(&o, "pull")) {
        bench_log("pull: a fresh device takes the whole log");
        memset(&pull, 0, sizeof pull);
        pull.store = fresh;
        pull.kp = &root;
        double t0 = bench_now();
        bn_connect(&net, &pull);
        if (!bn_run(&net, all_closed, &one, 3600))
            bench_die("pull did not finish");
        check_clients(&pull, 1, "pull");
        double secs = pull.t_done - t0;
        uint64_t got = pull.stats.events_received;
        uint64_t wire = pull.wire_in + pull.wire_out;
        bench_figure("pull, events/s", (double)got / secs, "ev/s", NULL, NULL,
                     "into an empty replica, domain attached, verify chain");
        bench_figure("pull, time", secs, "s", NULL, NULL, NULL);
        bench_figure("pull, wire overhead", ((double)wire / (double)all_bytes - 1.0) * 100.0, "%",
                     NULL, NULL, "both directions, over the events' own bytes");
    }

    /* ---- nothing new ---------------------------------------------------- */
    if (bench_selected(&o, "nothing")) {
        bench_log("nothing new: the same device syncs again");
        memset(&pull, 0, sizeof pull);
        pull.store = fresh;
        pull.kp = &root;
        double t0 = bench_now();
        bn_connect(&net, &pull);
        if (!bn_run(&net, all_closed, &one, 60))
            bench_die("the second sync did not finish");
        check_clients(&pull, 1, "nothing new");
        /* CHALLENGE and WELCOME are the client's two; after AUTH, one */
        double rt = (double)pull.stats.round_trips - 1.0;
        bench_target_t t1 = {"<= 1", rt <= 1.0};
        bench_figure("nothing new, round trips after auth", rt, "", NULL, &t1,
                     "the client's waits after CHALLENGE (WELCOME + SYNCED)");
        bench_figure("nothing new, bytes", (double)(pull.wire_in + pull.wire_out), "B", NULL, NULL,
                     "both directions, handshake included");
        bench_figure("nothing new, time", (pull.t_done - t0) * 1000.0, "ms", NULL, NULL,
                     "connect to done");
    }

    bn_free(&net);
    int status = bn_narad_stop(&srv);
    if (status != 0)
        bench_log("narad exited with %d; see %s", status, srv.log);
    nara_domain_close(fresh_dom);
    nara_store_close(fresh);
    for (size_t i = 0; i < WL_REGIONS; i++)
        nara_store_close(stores[i]);
    if (!o.keep) {
        bench_remove_db(server_db);
        bench_remove_db(pull_path);
        for (size_t i = 0; i < WL_REGIONS; i++) {
            snprintf(path, sizeof path, "%s/sync-device-%02zu.db", o.dir, i);
            bench_remove_db(path);
        }
    }
    bench_report(&o);
    return 0;
}
