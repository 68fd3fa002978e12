/*
 * serve.c - `narad serve`: open the key, the store and the domain, listen
 * with libwebsockets, run the service loop, and on SIGTERM/SIGINT stop in
 * order.
 *
 * Life of the process:
 *   open   connection guard -> key -> regions -> store (+ verify mode) ->
 *          domain -> transparency log (receipts.c) -> lws context and vhost
 *          (listening) -> port file
 *   run    lws_service until a signal sets g_stop; a 250 ms timer (tick)
 *          guarantees the loop notices the flag even when idle, and logs
 *          the guard's counted refusals.  Every accepted socket passes the
 *          guard (guard.c, per-address limits) before lws reads from it
 *   drain  refuse new upgrades, queue BYE on every session, service until
 *          all are closed or NARAD_DRAIN_MS passed.  Merges are synchronous,
 *          so a batch in flight has finished (and committed) before this
 *          point: nothing acknowledged is lost
 *   close  lws context (remaining sessions freed in their CLOSED callback)
 *          -> log -> domain -> store -> regions; the key is wiped; the guard
 *          freed
 * Every failure before `run` returns NARAD_EXIT_RUNTIME with one line
 * naming what failed; what was opened is closed through the one err: path.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nara_keyfile.h"
#include "narad.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    g_stop = sig;
}

uint64_t narad__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The connection guard (guard.c) sees every connection through these two
 * wrappers: accepted sockets arrive on protocols[0] (the http protocol), as
 * does WSI_DESTROY, also for connections upgraded to the sync protocol. */
static void guard_hooks(struct lws *wsi, enum lws_callback_reasons reason)
{
    narad_t *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        narad__guard_bind(srv, wsi);
        break;
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        narad__guard_requested(wsi);
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        narad__guard_release(srv, wsi);
        break;
    default:
        break;
    }
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION)
        return narad__guard_accept(lws_context_user(lws_get_context(wsi)), (int)(intptr_t)in);
    guard_hooks(wsi, reason);
    return narad__http_callback(wsi, reason, user, in, len);
}

static int sync_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    guard_hooks(wsi, reason);
    return narad__sync_callback(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {.name = "http", .callback = http_callback, .per_session_data_size = sizeof(narad_http_t)},
    {.name = NARAD_SUBPROTOCOL,
     .callback = sync_callback,
     .per_session_data_size = sizeof(narad_conn_t),
     .rx_buffer_size = NARAD_RX_CHUNK},
    {.name = NULL},
};

/* Live sessions are pinged when idle and dropped without a pong. */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = NARAD_PING_AFTER_S,
    .secs_since_valid_hangup = NARAD_HANGUP_AFTER_S,
};

static void lws_log_line(int level, const char *line)
{
    (void)level;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    narad__log("lws: %.*s", (int)n, line);
}

static void tick(lws_sorted_usec_list_t *sul)
{
    narad_t *srv = lws_container_of(sul, narad_t, tick);
    narad__guard_tick(srv);
    lws_sul_schedule(srv->ctx, 0, &srv->tick, tick, 250 * LWS_US_PER_MS);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Up to the hard limit, so that max_connections sockets can be open. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- opening ------------------------------------------------------------ */

static int open_key(narad_t *srv)
{
    nara_err_t err = nara_keyfile_load(srv->cfg.key, &srv->kp);
    if (err == NARA_OK)
        return 0;
    if (err == NARA_NOT_FOUND)
        narad__log("key file %s not found (create it with: narad keygen --key %s)", srv->cfg.key,
                   srv->cfg.key);
    else if (err == NARA_INVAL)
        narad__log("key file %s is readable by group or others: chmod 600 it", srv->cfg.key);
    else
        narad__log("key file %s: %s", srv->cfg.key, nara_strerror(err));
    return -1;
}

static int open_data(narad_t *srv)
{
    char msg[256] = "";
    nara_err_t err;
    if (srv->cfg.regions) {
        err = nara_regions_load(srv->cfg.regions, &srv->regions, msg, sizeof msg);
        if (err != NARA_OK) {
            narad__log("regions file %s: %s", srv->cfg.regions, *msg ? msg : nara_strerror(err));
            return -1;
        }
    }
    /* The first open after an upgrade may convert the file and rebuild the
     * state (about 20 s for a million events): say what narad is doing. */
    uint64_t t0 = narad__now_ms();
    narad__log("opening store %s", srv->cfg.db);
    err = nara_store_open(srv->cfg.db, &srv->store);
    if (err != NARA_OK) {
        narad__log("store %s: %s", srv->cfg.db, nara_strerror(err));
        return -1;
    }
    nara_store_set_verify_mode(srv->store, srv->cfg.verify);
    nara_store_set_threads(srv->store, 0); /* decode received batches on every core */
    err = nara_domain_open(srv->store, srv->cfg.root, srv->regions, &srv->domain);
    if (err != NARA_OK) {
        narad__log("domain on %s: %s (%s)", srv->cfg.db, nara_strerror(err),
                   nara_store_errmsg(srv->store));
        return -1;
    }
    if (narad__tlog_open(srv) != 0) /* receipts.c: the transparency log */
        return -1;
    uint64_t ms = narad__now_ms() - t0;
    if (ms >= 1000)
        narad__log("store %s opened in %.1f s (converted, rebuilt or caught up)", srv->cfg.db,
                   (double)ms / 1000.0);
    return 0;
}

static int open_listener(narad_t *srv)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    if (srv->cfg.tls_cert)
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (!strchr(srv->cfg.listen, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.user = srv;
    info.fd_limit_per_thread = srv->cfg.max_connections + 64;
    info.timeout_secs = NARAD_HANDSHAKE_TIMEOUT_S;
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        narad__log("cannot create the libwebsockets context");
        return -1;
    }
    info.port = srv->cfg.port;
    info.iface = srv->cfg.listen;
    info.protocols = protocols;
    info.vhost_name = "narad";
    info.retry_and_idle_policy = &idle_policy;
    info.ssl_cert_filepath = srv->cfg.tls_cert;
    info.ssl_private_key_filepath = srv->cfg.tls_key;
    srv->vhost = lws_create_vhost(srv->ctx, &info);
    if (!srv->vhost) {
        narad__log("cannot listen on %s port %d (address in use, or bad TLS files?)",
                   srv->cfg.listen, srv->cfg.port);
        return -1;
    }
    return 0;
}

static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        goto err;
    int ok = fprintf(f, "%d\n", port) > 0;
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0)
        goto err;
    return 0;
err:
    narad__log("cannot write port file %s: %s", path, strerror(errno));
    remove(tmp);
    return -1;
}

static void log_listening(narad_t *srv, int port)
{
    char key[65];
    nara_store_counts_t n = {0};
    nara_store_counts(srv->store, &n);
    nara_hex(srv->kp.pk, sizeof srv->kp.pk, key);
    bool v6 = strchr(srv->cfg.listen, ':') != NULL;
    narad__log("listening on %s://%s%s%s:%d%s (server key %s, %llu events)",
               srv->cfg.tls_cert ? "wss" : "ws", v6 ? "[" : "", srv->cfg.listen, v6 ? "]" : "",
               port, NARAD_SYNC_PATH, key, (unsigned long long)n.events);
}

/* ---- running and stopping ------------------------------------------------ */

static void run(narad_t *srv)
{
    lws_sul_schedule(srv->ctx, 0, &srv->tick, tick, 250 * LWS_US_PER_MS);
    while (!g_stop)
        if (lws_service(srv->ctx, 0) < 0)
            break;
    narad__log("stopping (%s): closing %zu sessions",
               g_stop == SIGINT    ? "SIGINT"
               : g_stop == SIGTERM ? "SIGTERM"
                                   : "service error",
               srv->n_conns);
    narad__sync_drain(srv);
    uint64_t deadline = narad__now_ms() + NARAD_DRAIN_MS;
    while (srv->n_conns && narad__now_ms() < deadline)
        if (lws_service(srv->ctx, 0) < 0)
            break;
}

static void close_all(narad_t *srv)
{
    if (srv->ctx) {
        lws_sul_cancel(&srv->tick);
        lws_context_destroy(srv->ctx);
    }
    nara_tlog_close(srv->tlog);
    nara_domain_close(srv->domain);
    nara_store_close(srv->store);
    nara_regions_free(srv->regions);
    narad__devcache_free(&srv->devs);
    nara_keypair_wipe(&srv->kp);
    narad__guard_free(&srv->guard);
}

int narad__serve(const narad_config_t *cfg)
{
    static narad_t srv; /* the lws context user; outlives the context */
    memset(&srv, 0, sizeof srv);
    srv.cfg = *cfg;
    int rc = NARAD_EXIT_RUNTIME;
    install_signals();
    raise_fd_limit();
    lws_set_log_level(LLL_ERR | LLL_WARN | (cfg->verbose ? LLL_NOTICE : 0), lws_log_line);
    if (narad__guard_init(&srv.guard, cfg->max_connections)) {
        narad__log("out of memory");
        goto err;
    }
    if (open_key(&srv) || open_data(&srv) || open_listener(&srv))
        goto err;
    int port = lws_get_vhost_listen_port(srv.vhost);
    if (cfg->port_file && write_port_file(cfg->port_file, port))
        goto err;
    log_listening(&srv, port);
    run(&srv);
    rc = NARAD_EXIT_OK;
err:
    close_all(&srv);
    if (rc == NARAD_EXIT_OK)
        narad__log("stopped");
    return rc;
}
