/*
 * proc.h - a province on disk and the narad process, for the server
 * reliability tests (test_crash_server.c, test_faults.c, test_hostile.c).
 *
 * A test makes a province (a temporary directory with the root key, the
 * server key, the database and narad's stderr log), enrols devices straight
 * into the database while narad is down, starts narad on 127.0.0.1 (any free
 * port, announced through --port-file), kills or stops it, reads its memory
 * from /proc and its log lines, and checks the database on disk.
 *
 * Invariants: only 127.0.0.1 is used; every wait has a deadline, so a test
 * that goes wrong fails instead of hanging; helpers fail the calling cmocka
 * test when their own setup fails.  NARAD_TEST_KEEP=1 keeps the directories.
 */
#ifndef NARA_PROC_H
#define NARA_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nara_domain.h"
#include "nara_store.h"

#define PR_DEADLINE_MS 10000u

uint64_t pr_now_ms(void);
void pr_sleep_ms(unsigned ms);
/* An unsigned from the environment, or dflt if unset or not a number. */
uint64_t pr_env_u64(const char *name, uint64_t dflt);

/* ---- sets of event ids ---------------------------------------------------- */

typedef struct {
    uint8_t (*v)[NARA_ID_BYTES];
    size_t n, cap;
} pr_ids_t;

void pr_ids_add(pr_ids_t *s, const uint8_t id[NARA_ID_BYTES]);
/* Sort and drop duplicates; returns the number of distinct ids. */
size_t pr_ids_unique(pr_ids_t *s);
void pr_ids_free(pr_ids_t *s);

/* ---- a province ------------------------------------------------------------ */

typedef struct {
    char dir[128];
    char db[192], key[192], port_file[192], log[192];
    char root_hex[65];
    nara_keypair_t root, server;
} pr_province_t;

/* A fresh directory /tmp/narad-<tag>-XXXXXX with new root and server keys. */
void pr_province_make(pr_province_t *p, const char *tag);
void pr_province_remove(pr_province_t *p);

/* Enrol dev with role and scope (NULL = "*") by the root, straight into the
 * database.  narad must not be running. */
void pr_enrol(const pr_province_t *p, const uint8_t dev[NARA_PUBLICKEY_BYTES], nara_role_t role,
              const char *scope);

/* ---- the narad process ----------------------------------------------------- */

typedef struct {
    pid_t pid;
    int port;
} pr_narad_t;

/* Spawn `narad serve --plain --port 0 --port-file ...` on p's database with
 * the extra arguments (NULL-terminated, may be NULL); stderr and stdout are
 * appended to p->log.  Returns at once (n->port is 0). */
void pr_narad_spawn(const pr_province_t *p, pr_narad_t *n, const char *const *extra);
/* Wait until the port file names the port; false if narad exited or the
 * deadline passed. */
bool pr_narad_wait_port(const pr_province_t *p, pr_narad_t *n, unsigned timeout_ms);
/* Spawn and wait for the port; fails the test if narad does not listen. */
void pr_narad_start(const pr_province_t *p, pr_narad_t *n, const char *const *extra);
/* SIGTERM and wait; returns the exit code (-1 if killed by a signal). */
int pr_narad_stop(pr_narad_t *n);
/* SIGKILL and reap. */
void pr_narad_kill(pr_narad_t *n);
bool pr_narad_alive(const pr_narad_t *n);

/* Resident and peak resident memory of a process in KiB (VmRSS, VmHWM);
 * -1 if unreadable. */
long pr_rss_kb(pid_t pid);
long pr_hwm_kb(pid_t pid);

/* GET /healthz: the "events" count, or -1 if narad does not answer 200. */
long pr_healthz_events(int port);

/* Lines of p->log containing needle. */
size_t pr_log_count(const pr_province_t *p, const char *needle);
/* Lines containing both needles (needle2 NULL: as pr_log_count). */
size_t pr_log_count2(const pr_province_t *p, const char *needle, const char *needle2);
/* Print the log's lines containing needle (or all if NULL), for failures. */
void pr_log_print(const pr_province_t *p, const char *needle, size_t max_lines);

/* ---- the database on disk (narad not running) ------------------------------ */

typedef struct {
    nara_store_counts_t counts;
    uint64_t indexed_at_open;               /* events the domain had to fold on opening */
    size_t missing;                         /* ids of `must_have` not accepted */
    uint8_t store_digest[NARA_HASH_BYTES];  /* nara_store_digest */
    uint8_t domain_digest[NARA_HASH_BYTES]; /* nara_domain_digest */
} pr_db_report_t;

/* Check the database as a restart would find it: SQLite's integrity_check
 * says "ok"; the store and the domain open; every id of must_have (may be
 * NULL) is accepted; and the folded state equals a fresh fold of the log
 * (nara_domain_digest before and after nara_domain_refold_all).  Fails the
 * test on any of these; fills r. */
void pr_db_check(const char *db, const uint8_t root[NARA_PUBLICKEY_BYTES],
                 const pr_ids_t *must_have, pr_db_report_t *r);

/* ---- the processes a test started ----------------------------------------------- */

/* Every process started here (narad, children, the fault proxy) is tracked
 * until it is stopped; pr_kill_all SIGKILLs and reaps whatever is left, so
 * that a failed test leaves nothing running (call it from a teardown; it
 * also runs at exit).  pr_track/pr_untrack are for other modules' children. */
void pr_track(pid_t pid);
void pr_untrack(pid_t pid);
void pr_kill_all(void);

/* ---- attackers ---------------------------------------------------------------- */

/* Run fn(arg) in a forked child (no cmocka inside) that exits when fn
 * returns; the parent gets its pid.  pr_child_stop SIGKILLs and reaps it. */
pid_t pr_child(void (*fn)(void *arg), void *arg);
void pr_child_stop(pid_t pid);

/* A TCP socket bound to `src` (e.g. "127.0.0.2") connected to
 * 127.0.0.1:port; -1 on failure.  nonblock: the connect may be in
 * progress. */
int pr_tcp_connect(const char *src, int port, bool nonblock);

#endif /* NARA_PROC_H */
