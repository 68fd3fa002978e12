/*
 * flakylink.c - a flaky mobile link for the main job: a TCP proxy on
 * 127.0.0.1 that cuts a share of the connections through it at a random
 * byte offset (either direction, FIN or RST), as a regency's link does when
 * it drops in the middle of a sync.  It never changes, reorders or invents a
 * byte (tests/proc/faultproxy.c, shared with the network-fault tests).
 *
 *   nara-flakylink TARGET_PORT CUT_PERCENT SEED PORT_FILE
 *
 * Writes its own port to PORT_FILE, runs until SIGTERM/SIGINT, then prints
 * how many connections it carried and how many it cut.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "faultproxy.h"
#include "proc.h"

/* The tests' process registry is not needed here: one child, stopped below. */
void pr_track(pid_t pid)
{
    (void)pid;
}

void pr_untrack(pid_t pid)
{
    (void)pid;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    fp_proxy_t p;
    if (argc != 5) {
        fprintf(stderr, "usage: nara-flakylink TARGET_PORT CUT_PERCENT SEED PORT_FILE\n");
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    fp_start(&p, atoi(argv[1]), strtoull(argv[3], NULL, 10));
    p.sh->cut_pct = (unsigned)atoi(argv[2]);
    p.sh->faults_on = 1;
    FILE *f = fopen(argv[4], "w");
    if (f == NULL) {
        fp_stop(&p);
        perror(argv[4]);
        return 1;
    }
    fprintf(f, "%d\n", p.port);
    fclose(f);
    while (!stop)
        pause();
    printf("%llu connections carried, %llu cut mid-stream\n", (unsigned long long)p.sh->conns,
           (unsigned long long)p.sh->cuts);
    fp_stop(&p);
    return 0;
}
