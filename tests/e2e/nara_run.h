/*
 * nara_run.h - running the built `nara` and `narad` binaries from cmocka
 * tests (test_nara_cli.c, e2e/test_e2e_sync.c): temporary directories,
 * one-shot commands with captured output, background processes, and just
 * enough JSON reading to assert values.
 *
 * Invariants: every process a test starts is bounded in time (one-shot
 * commands get an alarm, background ones are killed by nr_stop), and only
 * 127.0.0.1 is ever used.  Helpers fail the calling test (cmocka asserts)
 * when their own setup fails.
 */
#ifndef NARA_RUN_H
#define NARA_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NR_OUT_MAX (256 * 1024)
#define NR_ERR_MAX (64 * 1024)
#define NR_TIMEOUT_S 30

typedef struct {
    int status; /* exit code, or 128 + signal */
    char out[NR_OUT_MAX];
    char err[NR_ERR_MAX];
} nr_result_t;

/* A fresh directory under $TMPDIR (or /tmp); nr_rmdir removes it and all
 * its files. */
void nr_tmpdir(char *out, size_t cap);
void nr_rmdir(const char *dir);

/* Run argv (argv[0] the binary path, NULL-terminated); wait at most
 * NR_TIMEOUT_S.  Returns r->status. */
int nr_run(nr_result_t *r, const char *const *argv);
/* Run `nara --db DB ARGS...` (NULL-terminated list) with the binary at
 * `nara`.  db NULL: no --db. */
int nr_nara(nr_result_t *r, const char *nara, const char *db, ...);

/* Start argv in the background with stdout and stderr into log (may be
 * NULL).  nr_stop sends sig, waits up to timeout_ms, then SIGKILLs;
 * returns the exit code (or 128 + signal). */
pid_t nr_spawn(const char *const *argv, const char *log);
int nr_stop(pid_t pid, int sig, int timeout_ms);

/* Wait up to timeout_ms for a file to exist and hold a positive integer. */
int nr_wait_port(const char *path, int timeout_ms);

/* The first "key":"value" / "key":number after `from` in JSON text. */
bool nr_json_str(const char *json, const char *key, char *out, size_t cap);
long long nr_json_int(const char *json, const char *key); /* -1 if absent */
/* Occurrences of `needle` in text. */
size_t nr_count(const char *text, const char *needle);

/* Sleep ms milliseconds. */
void nr_sleep_ms(int ms);

#endif /* NARA_RUN_H */
