/*
 * faultproxy.h - a fault-injecting TCP proxy on 127.0.0.1 for
 * test_faults.c: it sits between sync clients and narad and, per
 * connection and by a seeded plan, cuts the connection at a random byte
 * offset in either direction (FIN or RST), stalls one direction for a while
 * at a random offset, or forwards in tiny pieces (1-7 bytes a write, with
 * TCP_NODELAY) so that narad and the clients see every WebSocket frame split
 * across many reads.
 *
 * The proxy runs in a forked child with a poll loop of its own; parent and
 * child share one fp_shared_t (an anonymous MAP_SHARED page): the parent
 * turns faults on and off, the child counts what it did.  A connection's
 * plan is drawn when it is accepted, so turning faults off affects only new
 * connections.
 *
 * Invariants: the proxy never changes, reorders or invents a byte; it only
 * delays, splits and cuts.  Every connection it accepts is closed on both
 * sides when either side closes or when it is cut.
 */
#ifndef NARA_FAULTPROXY_H
#define NARA_FAULTPROXY_H

#include <stdint.h>
#include <sys/types.h>

typedef struct {
    /* set by the parent */
    volatile int faults_on;
    volatile unsigned cut_pct, stall_pct, split_pct; /* per connection, in percent */
    volatile unsigned max_stall_ms;
    /* set by the child */
    volatile int port;
    volatile uint64_t conns, cuts, cuts_rst, stalls, split_conns, pieces;
    volatile uint64_t bytes_up, bytes_down; /* client -> narad, narad -> client */
    volatile uint64_t cut_at_max;           /* largest offset a cut happened at */
} fp_shared_t;

typedef struct {
    pid_t pid;
    int port;
    fp_shared_t *sh;
} fp_proxy_t;

/* Start the proxy for 127.0.0.1:target_port with the given seed; returns
 * when it listens (p->port).  Faults are off until the parent sets
 * sh->faults_on. */
void fp_start(fp_proxy_t *p, int target_port, uint64_t seed);
/* SIGKILL the child and unmap the shared page (read the counters first). */
void fp_stop(fp_proxy_t *p);

#endif /* NARA_FAULTPROXY_H */
