/*
 * netbench.c - narad as a child process and sync clients over
 * libwebsockets (contract in netbench.h).
 *
 * A client follows the libwebsockets minimal client: RECEIVE only
 * reassembles a message and hands it to nara_session_receive (which merges
 * durably before acknowledging), lws_write happens only in WRITEABLE, one
 * session message per call, and another WRITEABLE is asked for after each.
 * Wire bytes are the message bytes plus the RFC 6455 frame header of each
 * message (2, 4 or 10 bytes, plus the 4-byte mask on client frames); lws
 * writes each message as one frame.  TCP/IP headers are not counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "bench.h"
#include "nara_keyfile.h"
#include "netbench.h"

#define SUBPROTOCOL "nara-sync.v1"

/* ---- narad ---------------------------------------------------------------- */

static pid_t started_pid; /* killed at exit if still running (bench_die) */

static void kill_narad(void)
{
    if (started_pid > 0)
        kill(started_pid, SIGKILL);
}

/* Does `narad serve --help` mention this flag?  (Newer servers limit
 * connections per address, which a benchmark on 127.0.0.1 must lift.) */
static bool narad_has_flag(const char *narad, const char *flag)
{
    char cmd[4200], line[512];
    bool found = false;
    snprintf(cmd, sizeof cmd, "'%s' serve --help 2>&1", narad);
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof line, p))
        found = found || strstr(line, flag) != NULL;
    if (p)
        pclose(p);
    return found;
}

void bn_narad_start(bn_narad_t *n, const char *narad, const char *dir, const char *db,
                    const uint8_t root[NARA_PUBLICKEY_BYTES], const char *const *extra)
{
    char key[4096], port_file[4096], root_hex[65];
    const char *argv[48];
    int argc = 0;
    nara_keypair_t kp;
    memset(n, 0, sizeof *n);
    if (narad == NULL || access(narad, X_OK) != 0)
        bench_die("narad not found (give --narad PATH): %s", narad ? narad : "(none)");
    snprintf(key, sizeof key, "%s/narad.key", dir);
    snprintf(port_file, sizeof port_file, "%s/narad.port", dir);
    snprintf(n->log, sizeof n->log, "%s/narad.log", dir);
    remove(key);
    remove(port_file);
    bench_check(nara_keyfile_create(key, &kp), "server key");
    memcpy(n->pk, kp.pk, sizeof n->pk);
    nara_keypair_wipe(&kp);
    nara_hex(root, NARA_PUBLICKEY_BYTES, root_hex);
    const char *base[] = {narad,    "serve",    "--db",   db,          "--key",  key,
                          "--root", root_hex,   "--plain", "--listen", "127.0.0.1",
                          "--port", "0",        "--port-file", port_file};
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        argv[argc++] = base[i];
    if (narad_has_flag(narad, "--max-per-ip")) {
        static const char *const lift[] = {"--max-per-ip", "0", "--conn-rate", "0"};
        for (size_t i = 0; i < 4; i++)
            argv[argc++] = lift[i];
    }
    for (size_t i = 0; extra && extra[i] && argc < 46; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    n->pid = fork();
    if (n->pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (n->pid == 0) {
        int fd = open(n->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) { /* stdout and stderr to the log: hold no pipe of ours */
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(narad, (char *const *)argv);
        _exit(127);
    }
    started_pid = n->pid;
    atexit(kill_narad);
    for (int i = 0; i < 2000; i++) { /* up to 20 s */
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &n->port) == 1;
            fclose(f);
            if (ok && n->port > 0)
                return;
        }
        int status;
        if (waitpid(n->pid, &status, WNOHANG) == n->pid)
            bench_die("narad exited before listening; see %s", n->log);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    bench_die("narad did not start listening; see %s", n->log);
}

int bn_narad_stop(bn_narad_t *n)
{
    int status = 0;
    if (n->pid <= 0)
        return -1;
    kill(n->pid, SIGTERM);
    if (waitpid(n->pid, &status, 0) != n->pid)
        return -1;
    n->pid = 0;
    started_pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double bn_narad_cpu(const bn_narad_t *n)
{
    char path[64], buf[1024];
    unsigned long ut = 0, st = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)n->pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strrchr(buf, ')'); /* fields after the command name */
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                            &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- clients -------------------------------------------------------------- */

/* RFC 6455 frame header of a message of len bytes (client frames are masked). */
static uint64_t frame_header(size_t len, bool masked)
{
    return (len < 126 ? 2 : len <= 65535 ? 4 : 10) + (masked ? 4 : 0);
}

static void final_stats(bn_client_t *c)
{
    if (c->s)
        c->stats = *nara_session_stats(c->s);
}

static void after_message(bn_client_t *c)
{
    const char *text = NULL;
    if (nara_session_state(c->s) == NARA_SESSION_FAILED && !c->failed) {
        c->failed = true;
        c->err = nara_session_error(c->s, &text);
        bench_log("client session failed: %s (%s)", nara_err_name(c->err), text ? text : "");
    }
    if (!c->synced && nara_session_state(c->s) == NARA_SESSION_SYNCED) {
        c->synced = true;
        c->t_synced = bench_now();
    }
    if (!c->done && nara_session_done(c->s)) {
        c->done = true;
        c->t_done = bench_now();
    }
    final_stats(c);
}

static int on_receive(bn_client_t *c, struct lws *wsi, const void *in, size_t len)
{
    if (c->s == NULL || len > NARA_MAX_MESSAGE_BYTES - c->rx_len)
        return -1;
    if (c->rx == NULL && (c->rx = malloc(NARA_MAX_MESSAGE_BYTES)) == NULL)
        return -1;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
        return 0;
    c->wire_in += c->rx_len + frame_header(c->rx_len, false);
    (void)nara_session_receive(c->s, c->rx, c->rx_len, (uint64_t)time(NULL) * 1000u);
    c->rx_len = 0;
    if (!c->live && c->rx) { /* one-shot clients keep no large buffer between messages */
        free(c->rx);
        c->rx = NULL;
    }
    after_message(c);
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_writeable(bn_client_t *c, struct lws *wsi)
{
    nara_bytes_t m;
    bool has = false;
    if (c->s == NULL)
        return -1;
    if (!c->closing && !c->live && nara_session_done(c->s)) {
        c->closing = true;
        (void)nara_session_close(c->s);
    }
    nara_err_t err = nara_session_output(c->s, &m, &has);
    if (err == NARA_CLOSED) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    if (err != NARA_OK) {
        c->failed = true;
        c->err = err;
        return -1;
    }
    if (!has)
        return 0;
    uint8_t *tx = realloc(c->tx, LWS_PRE + m.len);
    if (tx == NULL)
        return -1;
    c->tx = tx;
    memcpy(c->tx + LWS_PRE, m.bytes, m.len);
    if (lws_write(wsi, c->tx + LWS_PRE, m.len, LWS_WRITE_BINARY) < (int)m.len) {
        c->failed = true;
        c->err = NARA_CONNECT;
        return -1;
    }
    c->wire_out += m.len + frame_header(m.len, true);
    if (!c->live) {
        free(c->tx);
        c->tx = NULL;
    }
    after_message(c);
    lws_callback_on_writable(wsi);
    return 0;
}

static void on_closed(bn_client_t *c, bn_t *n)
{
    if (c->closed)
        return;
    final_stats(c);
    if (!c->done && !c->failed && !(c->live && c->closing)) {
        c->failed = true;
        if (c->err == NARA_OK)
            c->err = NARA_CONNECT;
    }
    nara_session_free(c->s);
    c->s = NULL;
    free(c->rx);
    free(c->tx);
    c->rx = c->tx = NULL;
    c->wsi = NULL;
    c->closed = true;
    n->open--;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    bn_client_t *c = lws_get_opaque_user_data(wsi);
    struct lws_context *ctx = lws_get_context(wsi);
    bn_t *n = ctx ? lws_context_user(ctx) : NULL;
    (void)user;
    if (c == NULL || n == NULL)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        bench_log("connection error: %s", in ? (const char *)in : "?");
        c->err = NARA_CONNECT;
        c->failed = true;
        on_closed(c, n);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->connected = true;
        if (nara_session_start(c->s, (uint64_t)time(NULL) * 1000u) != NARA_OK)
            return -1;
        lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(c, wsi);
    case LWS_CALLBACK_CLIENT_CLOSED:
        on_closed(c, n);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {SUBPROTOCOL, callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

void bn_init(bn_t *n, int port, unsigned max_conns)
{
    struct lws_context_creation_info info;
    memset(n, 0, sizeof *n);
    n->port = port;
    bench_raise_nofile(max_conns + 256);
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = n;
    info.fd_limit_per_thread = max_conns + 64;
    info.timeout_secs = 60;
    lws_set_log_level(LLL_ERR, NULL);
    signal(SIGPIPE, SIG_IGN);
    n->ctx = lws_create_context(&info);
    if (n->ctx == NULL)
        bench_die("cannot create a libwebsockets context");
}

void bn_free(bn_t *n)
{
    if (n->ctx)
        lws_context_destroy(n->ctx);
    n->ctx = NULL;
}

void bn_connect(bn_t *n, bn_client_t *c)
{
    struct lws_client_connect_info i;
    nara_session_options_t so;
    memset(&so, 0, sizeof so);
    so.live = c->live;
    c->connected = c->synced = c->done = c->closed = c->failed = c->closing = false;
    c->err = NARA_OK;
    c->wire_in = c->wire_out = 0;
    c->rx_len = 0;
    bench_check(nara_session_client_new(c->store, c->kp, &so, &c->s), "client session");
    memset(&i, 0, sizeof i);
    i.context = n->ctx;
    i.address = "127.0.0.1";
    i.port = n->port;
    i.path = "/sync";
    i.host = i.address;
    i.origin = i.address;
    i.protocol = SUBPROTOCOL;
    i.local_protocol_name = SUBPROTOCOL;
    i.pwsi = &c->wsi;
    i.opaque_user_data = c;
    c->t_start = bench_now();
    n->open++;
    if (lws_client_connect_via_info(&i) == NULL && !c->closed) {
        c->failed = true;
        c->err = NARA_CONNECT;
        on_closed(c, n);
    }
}

void bn_close(bn_t *n, bn_client_t *c)
{
    (void)n;
    if (c->s == NULL || c->closing)
        return;
    c->closing = true;
    (void)nara_session_close(c->s);
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

bool bn_run(bn_t *n, bool (*pred)(void *ctx), void *ctx, double timeout_s)
{
    double end = bench_now() + timeout_s;
    bool ok;
    while (!(ok = pred(ctx)) && bench_now() < end)
        lws_service(n->ctx, 0);
    return ok;
}
