/*
 * faultproxy.c - the fault-injecting TCP proxy (see faultproxy.h).
 *
 * One poll loop in a forked child.  Each accepted connection gets a pair of
 * one-way pipes (client -> narad, narad -> client), each with a buffer, a
 * byte counter and its plan: cut when the counter reaches cut_at, stall once
 * for stall_ms when it reaches stall_at, write at most `piece` bytes at a
 * time.  Nothing in the child uses cmocka; on any unexpected error it drops
 * the connection concerned.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <assert.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faultproxy.h"
#include "proc.h"

#define FP_MAX_CONNS 64
#define FP_BUF 16384
#define NONE UINT64_MAX

typedef struct {
    uint8_t buf[FP_BUF];
    size_t len, off;
    uint64_t moved;
    uint64_t cut_at, stall_at, stall_until;
    unsigned stall_ms;
    bool eof;
} pipe_t;

typedef struct {
    bool used, connecting, rst;
    int fd[2];   /* 0: the client, 1: narad */
    pipe_t p[2]; /* 0: client -> narad, 1: narad -> client */
    unsigned piece;
} conn_t;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

/* 1 .. 128 KiB, log-uniform: handshakes, frame headers and big batches alike. */
static uint64_t offset(void)
{
    uint64_t base = (uint64_t)1 << below(17);
    return base + below(base);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void drop(conn_t *c)
{
    for (int i = 0; i < 2; i++)
        if (c->fd[i] >= 0)
            close(c->fd[i]);
    c->used = false;
}

/* The cut: both sides closed, with RST (SO_LINGER 0) if the plan says so. */
static void cut(fp_shared_t *sh, conn_t *c, uint64_t at)
{
    if (c->rst) {
        struct linger lg = {1, 0};
        for (int i = 0; i < 2; i++)
            setsockopt(c->fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        sh->cuts_rst++;
    }
    sh->cuts++;
    if (at > sh->cut_at_max)
        sh->cut_at_max = at;
    drop(c);
}

static void plan(fp_shared_t *sh, conn_t *c)
{
    for (int d = 0; d < 2; d++) {
        c->p[d].cut_at = c->p[d].stall_at = NONE;
        c->p[d].stall_until = 0;
    }
    c->piece = 0;
    c->rst = false;
    if (!sh->faults_on)
        return;
    if (below(100) < sh->cut_pct) {
        c->p[below(2)].cut_at = offset();
        c->rst = below(2);
    }
    if (below(100) < sh->stall_pct) {
        pipe_t *p = &c->p[below(2)];
        p->stall_at = offset();
        p->stall_ms = 50 + (unsigned)below(sh->max_stall_ms > 50 ? sh->max_stall_ms - 50 : 1);
    }
    if (below(100) < sh->split_pct) {
        c->piece = 1 + (unsigned)below(7);
        sh->split_conns++;
    }
}

static int connect_target(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void on_accept(fp_shared_t *sh, conn_t *conns, int lfd, int target)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        return;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    conn_t *c = NULL;
    for (int i = 0; i < FP_MAX_CONNS && !c; i++)
        if (!conns[i].used)
            c = &conns[i];
    int up = c ? connect_target(target) : -1;
    if (up < 0) {
        close(fd);
        return;
    }
    memset(c, 0, sizeof *c);
    c->used = c->connecting = true;
    c->fd[0] = fd;
    c->fd[1] = up;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    plan(sh, c);
    sh->conns++;
}

/* May pipe d write now (not stalled)?  Starts the stall when it is due. */
static bool may_write(fp_shared_t *sh, pipe_t *p, uint64_t now)
{
    if (p->stall_at == NONE || p->moved < p->stall_at)
        return true;
    if (!p->stall_until) {
        p->stall_until = now + p->stall_ms;
        sh->stalls++;
    }
    if (now < p->stall_until)
        return false;
    p->stall_at = NONE;
    p->stall_until = 0;
    return true;
}

/* Move bytes along pipe d; false if the connection is gone. */
static bool pump(fp_shared_t *sh, conn_t *c, int d, short rev_in, short rev_out, uint64_t now)
{
    pipe_t *p = &c->p[d];
    int src = c->fd[d], dst = c->fd[1 - d];
    if ((rev_in & (POLLIN | POLLHUP | POLLERR)) && p->len == 0 && !p->eof) {
        ssize_t r = read(src, p->buf, sizeof p->buf);
        if (r > 0) {
            p->len = (size_t)r;
            p->off = 0;
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            p->eof = true;
        }
    }
    if (p->len > p->off && (rev_out & POLLOUT) && may_write(sh, p, now)) {
        size_t n = p->len - p->off;
        if (c->piece && n > c->piece)
            n = c->piece;
        if (p->cut_at != NONE && p->moved + n > p->cut_at)
            n = (size_t)(p->cut_at - p->moved);
        if (p->stall_at != NONE && p->moved < p->stall_at && p->moved + n > p->stall_at)
            n = (size_t)(p->stall_at - p->moved);
        ssize_t w = n ? write(dst, p->buf + p->off, n) : 0;
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            drop(c);
            return false;
        }
        if (w > 0) {
            p->off += (size_t)w;
            p->moved += (uint64_t)w;
            *(d == 0 ? &sh->bytes_up : &sh->bytes_down) += (uint64_t)w;
            if (c->piece)
                sh->pieces++;
            if (p->off == p->len)
                p->len = p->off = 0;
        }
    }
    if (p->cut_at != NONE && p->moved >= p->cut_at) {
        cut(sh, c, p->moved);
        return false;
    }
    if (p->eof && p->len == 0) {
        drop(c);
        return false;
    }
    return true;
}

/* Is pipe p holding bytes it may write now?  A stalled pipe is not polled
 * for POLLOUT (that would spin); the loop wakes when its stall ends. */
static bool wants_out(const pipe_t *p, uint64_t now)
{
    return p->len > p->off && !(p->stall_until && now < p->stall_until);
}

static void serve(fp_shared_t *sh, int lfd, int target)
{
    static conn_t conns[FP_MAX_CONNS];
    struct pollfd pfd[1 + 2 * FP_MAX_CONNS];
    int idx[FP_MAX_CONNS];
    for (;;) {
        uint64_t now = now_ms();
        int n = 1, timeout = 50;
        pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < FP_MAX_CONNS; i++) {
            conn_t *c = &conns[i];
            idx[i] = -1;
            if (!c->used)
                continue;
            idx[i] = n;
            for (int s = 0; s < 2; s++) {
                short ev = 0;
                if (c->connecting) {
                    ev = s == 1 ? POLLOUT : 0;
                } else {
                    if (c->p[s].len == 0 && !c->p[s].eof)
                        ev |= POLLIN; /* side s reads into pipe s */
                    if (wants_out(&c->p[1 - s], now))
                        ev |= POLLOUT; /* side s is written from the other pipe */
                    if (c->p[1 - s].stall_until > now &&
                        c->p[1 - s].stall_until - now < (uint64_t)timeout)
                        timeout = (int)(c->p[1 - s].stall_until - now) + 1;
                }
                pfd[n++] = (struct pollfd){.fd = c->fd[s], .events = ev};
            }
        }
        if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
            return;
        now = now_ms();
        for (int i = 0; i < FP_MAX_CONNS; i++) {
            conn_t *c = &conns[i];
            if (idx[i] < 0 || !c->used)
                continue;
            short r0 = pfd[idx[i]].revents, r1 = pfd[idx[i] + 1].revents;
            if (c->connecting) {
                int err = 0;
                socklen_t len = sizeof err;
                if (!(r1 & (POLLOUT | POLLERR | POLLHUP)))
                    continue;
                getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
                if (err)
                    drop(c);
                else
                    c->connecting = false;
                continue;
            }
            /* pipe 0 reads side 0 and writes side 1; pipe 1 the reverse.  A
             * pipe whose stall just ended is tried without waiting for POLLOUT. */
            short out0 =
                (short)(r1 | (c->p[0].stall_until && now >= c->p[0].stall_until ? POLLOUT : 0));
            short out1 =
                (short)(r0 | (c->p[1].stall_until && now >= c->p[1].stall_until ? POLLOUT : 0));
            if (pump(sh, c, 0, r0, out0, now))
                pump(sh, c, 1, r1, out1, now);
        }
        if (pfd[0].revents & POLLIN)
            on_accept(sh, conns, lfd, target);
    }
}

void fp_start(fp_proxy_t *p, int target_port, uint64_t seed)
{
    p->sh = mmap(NULL, sizeof *p->sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert(p->sh != MAP_FAILED);
    memset((void *)p->sh, 0, sizeof *p->sh);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert(lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int ok = bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 64) == 0 &&
             getsockname(lfd, (struct sockaddr *)&a, &len) == 0;
    assert(ok);
    (void)ok;
    p->port = ntohs(a.sin_port);
    p->sh->port = p->port;
    fflush(NULL);
    p->pid = fork();
    assert(p->pid >= 0);
    if (p->pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) { /* nothing left running holds the test's output */
            dup2(null, 1);
            dup2(null, 2);
            close(null);
        }
        signal(SIGPIPE, SIG_IGN);
        rng_state = seed;
        serve(p->sh, lfd, target_port);
        _exit(0);
    }
    close(lfd);
    pr_track(p->pid);
}

void fp_stop(fp_proxy_t *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        pr_untrack(p->pid);
    }
    if (p->sh)
        munmap((void *)p->sh, sizeof *p->sh);
    memset(p, 0, sizeof *p);
}
