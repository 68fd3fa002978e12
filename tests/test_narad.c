/*
 * test_narad.c - narad end to end: the built binary runs as a real process
 * on 127.0.0.1 (any free port, announced through --port-file) and the tests
 * talk to it over HTTP and WebSocket like a deployment would.
 *
 * Each test makes its own temporary directory under /tmp (key files, the
 * database, narad's stderr in narad.log), starts the server it needs and
 * stops it with SIGTERM; every wait has a deadline, so a test that goes
 * wrong fails instead of hanging.  The WebSocket client is a minimal lws
 * client driving a nara_session_t client over a ":memory:" store.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "nara_bundle.h"
#include "nara_domain.h"
#include "nara_keyfile.h"
#include "nara_protocol.h"

#ifndef NARAD_PATH
#error "NARAD_PATH must name the built narad binary"
#endif

#define REGION "32.01"
#define DEADLINE_MS 10000u

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000u, (long)(ms % 1000u) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- a province on disk: keys and a database ----------------------------- */

typedef struct {
    char dir[64];
    char db[96], key[96], port_file[96], log[96], cert[96], cert_key[96];
    char root_hex[65];
    nara_keypair_t root, server;
} province_t;

static void province_make(province_t *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->dir, "/tmp/narad-test-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->db, sizeof p->db, "%s/province.db", p->dir);
    snprintf(p->key, sizeof p->key, "%s/server.key", p->dir);
    snprintf(p->port_file, sizeof p->port_file, "%s/port", p->dir);
    snprintf(p->log, sizeof p->log, "%s/narad.log", p->dir);
    snprintf(p->cert, sizeof p->cert, "%s/tls.crt", p->dir);
    snprintf(p->cert_key, sizeof p->cert_key, "%s/tls.key", p->dir);
    assert_int_equal(nara_keypair_generate(&p->root), NARA_OK);
    nara_hex(p->root.pk, sizeof p->root.pk, p->root_hex);
    assert_int_equal(nara_keyfile_create(p->key, &p->server), NARA_OK);
}

/* NARAD_TEST_KEEP=1 keeps the directory (and narad.log) for inspection. */
static void province_remove(province_t *p)
{
    if (getenv("NARAD_TEST_KEEP"))
        return;
    const char *names[] = {"province.db", "province.db-wal", "province.db-shm", "server.key",
                           "port",        "narad.log",       "tls.crt",         "tls.key"};
    char path[160];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", p->dir, names[i]);
        unlink(path);
    }
    rmdir(p->dir);
}

/* Enrol `dev` with `role` and `scope` (NULL = "*") by the root, straight
 * into the database (narad is not running). */
static void enrol(province_t *p, const nara_keypair_t *dev, nara_role_t role, const char *scope)
{
    nara_store_t *s;
    nara_domain_t *d;
    assert_int_equal(nara_store_open(p->db, &s), NARA_OK);
    assert_int_equal(nara_domain_open(s, p->root.pk, NULL, &d), NARA_OK);
    const char *codes[] = {scope};
    nara_enroll_params_t ep = {.device = dev->pk,
                               .role = role,
                               .scope_all = scope == NULL,
                               .scope = codes,
                               .n_scope = scope ? 1 : 0,
                               .name = "test device"};
    assert_int_equal(nara_device_enroll(d, &p->root, &ep, now_ms() - 60000, NULL), NARA_OK);
    nara_domain_close(d);
    nara_store_close(s);
}

/* Revoke dev by the root, straight into the database. */
static void revoke(province_t *p, const nara_keypair_t *dev)
{
    nara_store_t *s;
    nara_domain_t *d;
    assert_int_equal(nara_store_open(p->db, &s), NARA_OK);
    assert_int_equal(nara_domain_open(s, p->root.pk, NULL, &d), NARA_OK);
    assert_int_equal(nara_device_revoke(d, &p->root, dev->pk, "lost", now_ms() - 30000, NULL),
                     NARA_OK);
    nara_domain_close(d);
    nara_store_close(s);
}

/* `count` events of dev's feed for `stream` ({"n": i} bodies). */
static void append(nara_store_t *s, const nara_keypair_t *dev, const char *stream, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uint8_t body[] = {0x81, 0xa1, 'n', (uint8_t)(i & 0x7f)};
        assert_int_equal(
            nara_store_append(s, dev, stream, "case.note", body, sizeof body, now_ms(), NULL),
            NARA_OK);
    }
}

/* ---- the narad process --------------------------------------------------- */

typedef struct {
    pid_t pid;
    int port;
} narad_t;

/* Run narad with args (NULL-terminated, after argv[0]); stderr to `log`. */
static pid_t spawn(const char *log, const char *const *args)
{
    const char *argv[24] = {NARAD_PATH};
    size_t n = 1;
    while (args[n - 1] && n < 23) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        execv(NARAD_PATH, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait for exit; returns the exit code (-1 if killed by a signal). */
static int wait_exit(pid_t pid, unsigned timeout_ms)
{
    uint64_t deadline = now_ms() + timeout_ms;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("narad did not exit within %u ms", timeout_ms);
        }
        sleep_ms(20);
    }
}

/* Start narad serving plain ws, or wss with p's certificate if `tls`. */
static void narad_start_with(province_t *p, narad_t *n, bool tls)
{
    unlink(p->port_file);
    const char *plain[] = {"serve",      "--db",      p->db,    "--key", p->key,
                           "--root",     p->root_hex, "--port", "0",     "--port-file",
                           p->port_file, "--plain",   NULL};
    const char *wss[] = {"serve", "--db",        p->db,        "--key",
                         p->key,  "--root",      p->root_hex,  "--port",
                         "0",     "--port-file", p->port_file, "--tls-cert",
                         p->cert, "--tls-key",   p->cert_key,  NULL};
    n->pid = spawn(p->log, tls ? wss : plain);
    uint64_t deadline = now_ms() + DEADLINE_MS;
    for (;;) {
        FILE *f = fopen(p->port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &n->port) == 1;
            fclose(f);
            if (ok)
                return;
        }
        int status;
        if (waitpid(n->pid, &status, WNOHANG) == n->pid)
            fail_msg("narad exited before listening; see %s", p->log);
        if (now_ms() > deadline)
            fail_msg("narad wrote no port file; see %s", p->log);
        sleep_ms(20);
    }
}

static void narad_start(province_t *p, narad_t *n)
{
    narad_start_with(p, n, false);
}

/* SIGTERM; returns the exit code. */
static int narad_stop(narad_t *n)
{
    kill(n->pid, SIGTERM);
    return wait_exit(n->pid, DEADLINE_MS);
}

/* ---- HTTP ------------------------------------------------------------------ */

/* GET path; fills body (NUL-terminated), returns the status code. */
static int http_get(int port, const char *path, char *body, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[256];
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    assert_int_equal(write(fd, req, (size_t)len), len);
    static char resp[16384];
    size_t got = 0;
    ssize_t r;
    while (got < sizeof resp - 1 && (r = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    resp[got] = '\0';
    int status = 0;
    assert_int_equal(sscanf(resp, "HTTP/1.%*d %d", &status), 1);
    const char *b = strstr(resp, "\r\n\r\n");
    snprintf(body, cap, "%s", b ? b + 4 : "");
    return status;
}

/* The "events" count /healthz reports. */
static long healthz_events(int port)
{
    char body[512];
    assert_int_equal(http_get(port, "/healthz", body, sizeof body), 200);
    const char *e = strstr(body, "\"events\":");
    assert_non_null(e);
    return strtol(e + 9, NULL, 10);
}

/* ---- a WebSocket sync client ---------------------------------------------- */

typedef struct {
    nara_keypair_t kp;
    nara_store_t *store;
    nara_session_t *session;
    const uint8_t *server_pk;
    const char *path;
    bool live;
    size_t fragment; /* 0: each message in one frame; else fragments this big */
    size_t junk;     /* > 0: send one message of this many junk bytes, no session */
    bool tls;        /* wss, accepting narad's self-signed test certificate */
    const nara_receipt_sink_t *sink;   /* receipts and heads, if wanted */
    const nara_tree_head_t *last_head; /* the head kept from an earlier session */
    struct lws *wsi;
    bool connected, finished, conn_error;
    uint8_t *rx;
    size_t rx_len;
    size_t tx_len, tx_off; /* message being sent, and how much of it went */
    uint8_t tx[LWS_PRE + 2 * NARA_MAX_MESSAGE_BYTES];
} client_t;

static client_t *client_new(const province_t *p, bool live)
{
    client_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(nara_keypair_generate(&c->kp), NARA_OK);
    assert_int_equal(nara_store_open(":memory:", &c->store), NARA_OK);
    c->rx = malloc(NARA_MAX_MESSAGE_BYTES);
    assert_non_null(c->rx);
    c->server_pk = p->server.pk;
    c->path = "/sync";
    c->live = live;
    return c;
}

static void client_free(client_t *c)
{
    nara_session_free(c->session);
    nara_store_close(c->store);
    free(c->rx);
    free(c);
}

/* Load the session's next message into tx; false if there is none. */
static bool client_next(client_t *c)
{
    nara_bytes_t msg;
    bool has = false;
    nara_err_t err = nara_session_output(c->session, &msg, &has);
    if (err == NARA_OK && !has && !c->live && nara_session_done(c->session)) {
        nara_session_close(c->session);
        err = nara_session_output(c->session, &msg, &has);
    }
    if (err != NARA_OK || !has)
        return false;
    memcpy(c->tx + LWS_PRE, msg.bytes, msg.len);
    c->tx_len = msg.len;
    c->tx_off = 0;
    return true;
}

/* Send the next frame of tx: the whole message, or one fragment. */
static int client_send_frame(client_t *c)
{
    size_t left = c->tx_len - c->tx_off;
    size_t n = c->fragment && c->fragment < left ? c->fragment : left;
    int flags = lws_write_ws_flags(LWS_WRITE_BINARY, c->tx_off == 0, n == left);
    /* lws writes the frame header into the LWS_PRE bytes before the frame. */
    if (lws_write(c->wsi, c->tx + LWS_PRE + c->tx_off, n, (enum lws_write_protocol)flags) < (int)n)
        return -1;
    c->tx_off += n;
    lws_callback_on_writable(c->wsi);
    return 0;
}

static int client_write(client_t *c)
{
    if (c->tx_off < c->tx_len)
        return client_send_frame(c);
    if (c->junk)
        return 0; /* sent; wait for the server to close */
    if (client_next(c))
        return client_send_frame(c);
    nara_session_state_t st = nara_session_state(c->session);
    return st == NARA_SESSION_CLOSED || st == NARA_SESSION_FAILED ? -1 : 0;
}

static void client_established(client_t *c)
{
    c->connected = true;
    if (c->junk) {
        memset(c->tx + LWS_PRE, 0xc1, c->junk); /* 0xc1: never valid msgpack */
        c->tx_len = c->junk;
        c->tx_off = 0;
    } else {
        assert_int_equal(nara_session_start(c->session, now_ms()), NARA_OK);
    }
    lws_callback_on_writable(c->wsi);
}

static int client_receive(client_t *c, const void *in, size_t len)
{
    if (c->rx_len + len > NARA_MAX_MESSAGE_BYTES)
        return -1;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
        return 0;
    nara_session_receive(c->session, c->rx, c->rx_len, now_ms());
    c->rx_len = 0;
    lws_callback_on_writable(c->wsi);
    return 0;
}

static int client_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len)
{
    client_t *c = user;
    (void)wsi;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        client_established(c);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return client_receive(c, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return client_write(c);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        c->conn_error = true;
        c->finished = true;
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        c->finished = true;
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols client_protocols[] = {
    {.name = "nara-sync.v1", .callback = client_callback, .rx_buffer_size = 16384},
    {.name = NULL},
};

static struct lws_context *client_context(void)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = client_protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context *ctx = lws_create_context(&info);
    assert_non_null(ctx);
    return ctx;
}

static void client_connect(struct lws_context *ctx, client_t *c, int port)
{
    nara_session_options_t opt = {.live = c->live,
                                  .expected_server_pk = c->server_pk,
                                  .last_head = c->last_head,
                                  .receipts = c->sink};
    assert_int_equal(nara_session_client_new(c->store, &c->kp, &opt, &c->session), NARA_OK);
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = "127.0.0.1";
    ci.port = port;
    ci.path = c->path;
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.protocol = "nara-sync.v1";
    ci.userdata = c;
    ci.pwsi = &c->wsi;
    if (c->tls)
        ci.ssl_connection =
            LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
    assert_non_null(lws_client_connect_via_info(&ci));
}

typedef bool (*until_fn)(void *ctx);

/* Service ctx until `until` holds; fails the test after DEADLINE_MS. */
static void service_until(struct lws_context *ctx, until_fn until, void *arg)
{
    uint64_t deadline = now_ms() + DEADLINE_MS;
    while (!until(arg)) {
        if (now_ms() > deadline)
            fail_msg("timed out waiting on the WebSocket client");
        lws_service(ctx, 0);
    }
}

static bool is_finished(void *arg)
{
    return ((client_t *)arg)->finished;
}

/* Connect, sync once (or until refused), disconnect. */
static void sync_once(client_t *c, int port)
{
    struct lws_context *ctx = client_context();
    client_connect(ctx, c, port);
    service_until(ctx, is_finished, c);
    lws_context_destroy(ctx);
}

/* ---- HTTP endpoints ------------------------------------------------------ */

static void healthz_answers_200_with_json_event_count(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    narad_start(&p, &n);
    char body[512];
    assert_int_equal(http_get(n.port, "/healthz", body, sizeof body), 200);
    assert_non_null(strstr(body, "{\"status\":\"ok\",\"events\":0,\"tree_size\":0,"));
    assert_non_null(strstr(body, "\"server_key_enrolled\":false}"));
    assert_int_equal(narad_stop(&n), 0);
    province_remove(&p);
}

static void metrics_lists_every_metric_name(void **state)
{
    (void)state;
    static const char *names[] = {
        "nara_connections ",        "nara_sessions_total ",        "nara_events_received_total ",
        "nara_events_added_total ", "nara_events_rejected_total ", "nara_store_events ",
        "nara_store_pending ",      "nara_store_forks ",           "nara_store_quarantined ",
        "nara_bytes_in_total ",     "nara_bytes_out_total ",       "nara_auth_failures_total ",
        "nara_tree_size ",          "nara_live_wakes_total "};
    province_t p;
    narad_t n;
    province_make(&p);
    narad_start(&p, &n);
    static char body[8192];
    assert_int_equal(http_get(n.port, "/metrics", body, sizeof body), 200);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strstr(body, names[i]))
            fail_msg("/metrics lacks %s", names[i]);
    assert_int_equal(narad_stop(&n), 0);
    province_remove(&p);
}

static void unknown_path_is_404(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    narad_start(&p, &n);
    char body[512];
    assert_int_equal(http_get(n.port, "/nothing-here", body, sizeof body), 404);
    assert_int_equal(narad_stop(&n), 0);
    province_remove(&p);
}

/* ---- command line and process life --------------------------------------- */

static bool file_contains(const char *path, const char *needle)
{
    static char buf[16384];
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static void serve_without_tls_or_plain_refuses_to_start(void **state)
{
    (void)state;
    province_t p;
    province_make(&p);
    const char *args[] = {"serve",  "--db",     p.db,     "--key", p.key,
                          "--root", p.root_hex, "--port", "0",     NULL};
    int code = wait_exit(spawn(p.log, args), DEADLINE_MS);
    assert_int_equal(code, 2);
    assert_true(file_contains(p.log, "--plain"));
    assert_true(access(p.db, F_OK) != 0); /* refused before opening anything */
    province_remove(&p);
}

static void sigterm_exits_0_and_restart_serves_same_events(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    nara_keypair_t dev;
    assert_int_equal(nara_keypair_generate(&dev), NARA_OK);
    enrol(&p, &dev, NARA_ROLE_REGENCY, REGION);
    narad_start(&p, &n);
    long before = healthz_events(n.port);
    assert_int_equal(before, 1);
    assert_int_equal(narad_stop(&n), 0);
    narad_start(&p, &n);
    assert_int_equal(healthz_events(n.port), before);
    assert_int_equal(narad_stop(&n), 0);
    province_remove(&p);
}

/* ---- WebSocket sync ------------------------------------------------------- */

static void enrolled_device_syncs_its_events_in(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    client_t *c = client_new(&p, false);
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    append(c->store, &c->kp, REGION, 3);
    narad_start(&p, &n);
    sync_once(c, n.port);
    assert_true(c->connected);
    const char *text = NULL;
    assert_int_equal(nara_session_error(c->session, &text), NARA_OK);
    assert_int_equal(nara_session_stats(c->session)->events_acked, 3);
    assert_int_equal(healthz_events(n.port), 1 + 3);
    assert_int_equal(narad_stop(&n), 0);
    client_free(c);
    province_remove(&p);
}

static void unenrolled_device_is_refused_with_unenrolled(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    client_t *c = client_new(&p, false);
    append(c->store, &c->kp, REGION, 2);
    narad_start(&p, &n);
    sync_once(c, n.port);
    const char *text = NULL;
    assert_int_equal(nara_session_error(c->session, &text), NARA_UNENROLLED);
    assert_int_equal(healthz_events(n.port), 0);
    assert_int_equal(narad_stop(&n), 0);
    assert_true(file_contains(p.log, "NARA_UNENROLLED"));
    client_free(c);
    province_remove(&p);
}

static void revoked_device_is_refused_with_revoked(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    client_t *c = client_new(&p, false);
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    revoke(&p, &c->kp);
    narad_start(&p, &n);
    sync_once(c, n.port);
    const char *text = NULL;
    assert_int_equal(nara_session_error(c->session, &text), NARA_REVOKED);
    assert_int_equal(narad_stop(&n), 0);
    client_free(c);
    province_remove(&p);
}

static void websocket_on_another_path_is_refused(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    client_t *c = client_new(&p, false);
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    c->path = "/elsewhere";
    narad_start(&p, &n);
    sync_once(c, n.port);
    assert_false(c->connected);
    assert_int_equal(narad_stop(&n), 0);
    client_free(c);
    province_remove(&p);
}

typedef struct {
    client_t *watcher, *pusher;
    uint64_t want;
} live_t;

static bool watcher_synced(void *arg)
{
    live_t *l = arg;
    return l->watcher->finished || nara_session_state(l->watcher->session) == NARA_SESSION_SYNCED;
}

static bool watcher_has_all(void *arg)
{
    live_t *l = arg;
    nara_store_counts_t k;
    assert_int_equal(nara_store_counts(l->watcher->store, &k), NARA_OK);
    return l->watcher->finished || (k.events == l->want && l->pusher->finished);
}

static void live_session_receives_events_another_device_pushes(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    live_t l = {client_new(&p, true), client_new(&p, false), 1 + 1 + 2};
    enrol(&p, &l.watcher->kp, NARA_ROLE_SECRETARIAT, NULL);
    enrol(&p, &l.pusher->kp, NARA_ROLE_REGENCY, REGION);
    append(l.pusher->store, &l.pusher->kp, REGION, 2);
    narad_start(&p, &n);
    struct lws_context *ctx = client_context();
    client_connect(ctx, l.watcher, n.port);
    service_until(ctx, watcher_synced, &l);
    client_connect(ctx, l.pusher, n.port);
    service_until(ctx, watcher_has_all, &l);
    assert_false(l.watcher->finished);
    lws_context_destroy(ctx);
    assert_int_equal(narad_stop(&n), 0);
    client_free(l.watcher);
    client_free(l.pusher);
    province_remove(&p);
}

/* The value of metric `name` on narad's /metrics. */
static long metric_value(int port, const char *name)
{
    static char body[8192];
    char needle[128];
    assert_int_equal(http_get(port, "/metrics", body, sizeof body), 200);
    snprintf(needle, sizeof needle, "\n%s ", name);
    const char *at = strstr(body, needle);
    assert_non_null(at);
    return strtol(at + strlen(needle), NULL, 10);
}

/* A push to region 32.01 wakes the secretariat's live session (it reads
 * every region), not a live regency of 32.02. */
static void live_push_wakes_only_sessions_that_may_read_the_new_events(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    live_t l = {client_new(&p, true), client_new(&p, false), 1 + 1 + 1 + 2};
    client_t *other = client_new(&p, true);
    enrol(&p, &l.watcher->kp, NARA_ROLE_SECRETARIAT, NULL);
    enrol(&p, &other->kp, NARA_ROLE_REGENCY, "32.02");
    enrol(&p, &l.pusher->kp, NARA_ROLE_REGENCY, REGION);
    append(l.pusher->store, &l.pusher->kp, REGION, 2);
    narad_start(&p, &n);
    struct lws_context *ctx = client_context();
    client_connect(ctx, l.watcher, n.port);
    service_until(ctx, watcher_synced, &l);
    live_t o = {other, NULL, 0};
    client_connect(ctx, other, n.port);
    service_until(ctx, watcher_synced, &o);
    assert_int_equal(metric_value(n.port, "nara_live_wakes_total"), 0);
    client_connect(ctx, l.pusher, n.port);
    service_until(ctx, watcher_has_all, &l);
    assert_int_equal(metric_value(n.port, "nara_live_wakes_total"), 1);
    nara_store_counts_t k;
    assert_int_equal(nara_store_counts(other->store, &k), NARA_OK);
    assert_int_equal(k.events, 3); /* the three enrolments only: 32.01 is not its to read */
    lws_context_destroy(ctx);
    assert_int_equal(narad_stop(&n), 0);
    client_free(l.watcher);
    client_free(l.pusher);
    client_free(other);
    province_remove(&p);
}

/* A self-signed P-256 certificate for 127.0.0.1, made with the openssl
 * command; false if that command is not available. */
static bool make_certificate(const province_t *p)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s -out %s -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1",
             p->cert_key, p->cert);
    return system(cmd) == 0;
}

static void tls_server_syncs_over_wss(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    if (!make_certificate(&p)) {
        province_remove(&p);
        skip(); /* no openssl command */
    }
    client_t *c = client_new(&p, false);
    c->tls = true;
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    append(c->store, &c->kp, REGION, 2);
    narad_start_with(&p, &n, true);
    sync_once(c, n.port);
    const char *text = NULL;
    assert_true(c->connected);
    assert_int_equal(nara_session_error(c->session, &text), NARA_OK);
    assert_int_equal(nara_session_stats(c->session)->events_acked, 2);
    assert_int_equal(narad_stop(&n), 0);
    assert_true(file_contains(p.log, "listening on wss://"));
    client_free(c);
    province_remove(&p);
}

static void fragmented_messages_are_reassembled(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    client_t *c = client_new(&p, false);
    c->fragment = 7; /* every message split into 7-byte frames */
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    append(c->store, &c->kp, REGION, 3);
    narad_start(&p, &n);
    sync_once(c, n.port);
    const char *text = NULL;
    assert_int_equal(nara_session_error(c->session, &text), NARA_OK);
    assert_int_equal(nara_session_stats(c->session)->events_acked, 3);
    assert_int_equal(healthz_events(n.port), 1 + 3);
    assert_int_equal(narad_stop(&n), 0);
    client_free(c);
    province_remove(&p);
}

static void message_over_the_limit_closes_the_connection(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    client_t *c = client_new(&p, false);
    c->junk = NARA_MAX_MESSAGE_BYTES + 1;
    c->fragment = 256 * 1024;
    narad_start(&p, &n);
    sync_once(c, n.port);
    assert_true(c->connected);
    assert_int_equal(healthz_events(n.port), 0); /* and still serving */
    assert_int_equal(narad_stop(&n), 0);
    assert_true(file_contains(p.log, "first message over 256 bytes")); /* before HELLO */
    client_free(c);
    province_remove(&p);
}

static void own_events_outside_the_scope_are_refused(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    client_t *c = client_new(&p, false);
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    append(c->store, &c->kp, "32.02", 2);
    narad_start(&p, &n);
    sync_once(c, n.port);
    assert_int_equal(nara_session_stats(c->session)->events_rejected, 2);
    assert_int_equal(healthz_events(n.port), 1);
    assert_int_equal(narad_stop(&n), 0);
    client_free(c);
    province_remove(&p);
}

static void sigterm_says_bye_to_live_sessions_and_exits_0(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    live_t l = {client_new(&p, true), NULL, 0};
    enrol(&p, &l.watcher->kp, NARA_ROLE_AUDITOR, NULL);
    narad_start(&p, &n);
    struct lws_context *ctx = client_context();
    client_connect(ctx, l.watcher, n.port);
    service_until(ctx, watcher_synced, &l);
    kill(n.pid, SIGTERM);
    service_until(ctx, is_finished, l.watcher);
    assert_int_equal(nara_session_state(l.watcher->session), NARA_SESSION_CLOSED);
    assert_int_equal(wait_exit(n.pid, DEADLINE_MS), 0);
    lws_context_destroy(ctx);
    client_free(l.watcher);
    province_remove(&p);
}

/* ---- transparency log, receipts, export ------------------------------------ */

typedef struct {
    nara_tree_head_t head;
    size_t heads, receipts;
} rsink_t;

static nara_err_t rs_head(void *ctx, const nara_tree_head_t *prev, const nara_tree_head_t *h,
                          const nara_merkle_proof_t *p)
{
    rsink_t *k = ctx;
    (void)prev;
    (void)p;
    k->head = *h;
    k->heads++;
    return NARA_OK;
}

static nara_err_t rs_receipts(void *ctx, const nara_tree_head_t *h, const nara_receipt_t *r,
                              size_t n)
{
    rsink_t *k = ctx;
    (void)h;
    (void)r;
    k->receipts += n;
    return NARA_OK;
}

static long healthz_field(int port, const char *key)
{
    char body[512], pat[64];
    assert_int_equal(http_get(port, "/healthz", body, sizeof body), 200);
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *e = strstr(body, pat);
    assert_non_null(e);
    e += strlen(pat);
    return strncmp(e, "true", 4) == 0 ? 1 : strncmp(e, "false", 5) == 0 ? 0 : strtol(e, NULL, 10);
}

static size_t log_count(const char *path, const char *needle)
{
    static char buf[65536];
    FILE *f = fopen(path, "r");
    size_t c = 0;
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (const char *at = buf; (at = strstr(at, needle)) != NULL; at++)
        c++;
    return c;
}

static void pushed_events_come_back_with_verified_receipts(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    rsink_t k = {0};
    nara_receipt_sink_t sink = {rs_head, rs_receipts, NULL, &k};
    province_make(&p);
    enrol(&p, &p.server, NARA_ROLE_SERVER, NULL);
    client_t *c = client_new(&p, false);
    c->sink = &sink;
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    append(c->store, &c->kp, REGION, 3);
    narad_start(&p, &n);
    assert_int_equal(healthz_field(n.port, "server_key_enrolled"), 1);
    sync_once(c, n.port);
    assert_int_equal(nara_session_error(c->session, NULL), NARA_OK);
    assert_int_equal(k.receipts, 3);
    assert_int_equal(k.head.size, 2 + 3);
    assert_int_equal(nara_tree_head_verify(&k.head, p.server.pk), NARA_OK);
    assert_int_equal(healthz_field(n.port, "tree_size"), 5);
    /* Next session: the kept head is proven to be extended, nothing new. */
    nara_tree_head_t kept = k.head;
    nara_session_free(c->session);
    c->session = NULL;
    c->finished = false;
    c->last_head = &kept;
    memset(&k, 0, sizeof k);
    sync_once(c, n.port);
    assert_int_equal(nara_session_error(c->session, NULL), NARA_OK);
    assert_int_equal(narad_stop(&n), 0);
    assert_int_equal(log_count(p.log, "WARNING"), 0);
    client_free(c);
    province_remove(&p);
}

static void an_unenrolled_server_key_is_warned_about_until_its_enrolment_arrives(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    province_make(&p);
    narad_start(&p, &n);
    assert_int_equal(healthz_field(n.port, "server_key_enrolled"), 0);
    assert_int_equal(log_count(p.log, "WARNING: the server key"), 1);
    /* The root pushes the enrolment over a sync, as a new province would. */
    client_t *c = client_new(&p, false);
    c->kp = p.root;
    nara_domain_t *d;
    assert_int_equal(nara_domain_open(c->store, p.root.pk, NULL, &d), NARA_OK);
    nara_enroll_params_t ep = {.device = p.server.pk,
                               .role = NARA_ROLE_SERVER,
                               .scope_all = true,
                               .name = "narad"};
    assert_int_equal(nara_device_enroll(d, &p.root, &ep, now_ms(), NULL), NARA_OK);
    nara_domain_close(d);
    sync_once(c, n.port);
    assert_int_equal(nara_session_error(c->session, NULL), NARA_OK);
    assert_int_equal(healthz_field(n.port, "server_key_enrolled"), 1);
    assert_int_equal(narad_stop(&n), 0);
    assert_int_equal(log_count(p.log, "is now enrolled as server"), 1);
    narad_start(&p, &n); /* a restart does not warn again */
    assert_int_equal(narad_stop(&n), 0);
    assert_int_equal(log_count(p.log, "WARNING: the server key"), 1);
    client_free(c);
    province_remove(&p);
}

static void print_finding(void *ctx, const nara_audit_finding_t *f)
{
    (void)ctx;
    print_message("audit: %s %s: %s\n", f->check, nara_err_name(f->code), f->detail);
}

static void export_bundle_writes_a_bundle_that_audits_clean(void **state)
{
    (void)state;
    province_t p;
    narad_t n;
    char out[128], stdout_log[128];
    province_make(&p);
    enrol(&p, &p.server, NARA_ROLE_SERVER, NULL);
    client_t *c = client_new(&p, false);
    enrol(&p, &c->kp, NARA_ROLE_REGENCY, REGION);
    append(c->store, &c->kp, REGION, 4);
    narad_start(&p, &n);
    sync_once(c, n.port);
    snprintf(out, sizeof out, "%s/province.bundle", p.dir);
    snprintf(stdout_log, sizeof stdout_log, "%s/export.log", p.dir);
    /* While narad runs: the replica is only read. */
    const char *args[] = {"export-bundle", "--db", p.db, "--out", out, "--root", p.root_hex, NULL};
    assert_int_equal(wait_exit(spawn(stdout_log, args), DEADLINE_MS), 0);
    assert_true(file_contains(stdout_log, "Exported 6 events"));
    assert_int_equal(narad_stop(&n), 0);
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    nara_audit_report_t r;
    nara_audit_options_t o = {.root_pk = p.root.pk,
                              .on_finding = getenv("NARAD_TEST_KEEP") ? print_finding : NULL};
    assert_int_equal(nara_bundle_audit(&f, 1, &o, &r), NARA_OK);
    fclose(f);
    assert_int_equal(r.failures, 0);
    assert_int_equal(r.findings, 4); /* the test's case.note bodies are malformed: no effect */
    assert_string_equal(r.first.check, "effect");
    assert_true(r.complete);
    assert_int_equal(r.events, 6);
    assert_int_equal(r.receipted, 6);
    /* A bad command line, and a replica without a log. */
    const char *bad[] = {"export-bundle", "--db", p.db, "--root", p.root_hex, NULL};
    assert_int_equal(wait_exit(spawn(stdout_log, bad), DEADLINE_MS), 2);
    char other[128];
    snprintf(other, sizeof other, "%s/plain.db", p.dir);
    nara_store_t *s;
    assert_int_equal(nara_store_open(other, &s), NARA_OK);
    nara_store_close(s);
    const char *nolog[] = {"export-bundle", "--db", other, "--out", out, "--root", p.root_hex,
                           NULL};
    assert_int_equal(wait_exit(spawn(stdout_log, nolog), DEADLINE_MS), 1);
    assert_true(file_contains(stdout_log, "has no transparency log"));
    unlink(out);
    unlink(stdout_log);
    unlink(other);
    client_free(c);
    province_remove(&p);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthz_answers_200_with_json_event_count),
        cmocka_unit_test(metrics_lists_every_metric_name),
        cmocka_unit_test(unknown_path_is_404),
        cmocka_unit_test(serve_without_tls_or_plain_refuses_to_start),
        cmocka_unit_test(sigterm_exits_0_and_restart_serves_same_events),
        cmocka_unit_test(enrolled_device_syncs_its_events_in),
        cmocka_unit_test(unenrolled_device_is_refused_with_unenrolled),
        cmocka_unit_test(revoked_device_is_refused_with_revoked),
        cmocka_unit_test(websocket_on_another_path_is_refused),
        cmocka_unit_test(live_session_receives_events_another_device_pushes),
        cmocka_unit_test(live_push_wakes_only_sessions_that_may_read_the_new_events),
        cmocka_unit_test(tls_server_syncs_over_wss),
        cmocka_unit_test(fragmented_messages_are_reassembled),
        cmocka_unit_test(message_over_the_limit_closes_the_connection),
        cmocka_unit_test(own_events_outside_the_scope_are_refused),
        cmocka_unit_test(sigterm_says_bye_to_live_sessions_and_exits_0),
        cmocka_unit_test(pushed_events_come_back_with_verified_receipts),
        cmocka_unit_test(an_unenrolled_server_key_is_warned_about_until_its_enrolment_arrives),
        cmocka_unit_test(export_bundle_writes_a_bundle_that_audits_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
