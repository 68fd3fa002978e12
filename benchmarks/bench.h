/*
 * bench.h - the runner every benchmark program shares: command line, clocks,
 * memory readings, a parallel-for over the machine's cores, and the report
 * (a table for people on stdout, JSON for comparison).
 *
 * A program records figures with bench_figure(); a figure may name a
 * baseline figure measured earlier in the same process, and the report
 * prints the ratio, so that ratios hold on a noisy machine (style.md,
 * principle 11).  Targets are printed and recorded, never enforced: a
 * benchmark exits 0 whatever the speed, and non-zero only when something
 * failed (an error, a wrong result).
 *
 * Not thread-safe except bench_parallel() itself and the clocks.
 */
#ifndef NARA_BENCH_H
#define NARA_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nara_error.h"

/* What every program accepts (bench_parse). */
typedef struct {
    const char *program; /* "merge", "audit", ... */
    size_t n;            /* events in the workload (--n) */
    size_t batch;        /* events per merge transaction (--batch) */
    const char *dir;     /* workload cache and scratch files (--dir) */
    const char *json;    /* append the JSON report to this file (--json), or NULL */
    const char *narad;   /* narad binary for the sync benchmarks (--narad, $NARAD) */
    unsigned threads;    /* cores for the parallel baselines (--threads, default: all) */
    const char *only;    /* run only the phases whose name contains one of these
                          * comma-separated words (--only) */
    bool keep;           /* keep scratch databases (--keep) */
} bench_opts_t;

/* Parse argv into *o (defaults: n, batch as given).  Prints usage and exits 2
 * on a bad command line. */
void bench_parse(bench_opts_t *o, const char *program, int argc, char **argv, size_t default_n,
                 size_t default_batch);

/* Does --only select this phase (its name contains one of the words)? */
bool bench_selected(const bench_opts_t *o, const char *phase);

/* Monotonic time in seconds. */
double bench_now(void);

/* Resident set size now and its peak, in KiB, of this process (/proc/self/status),
 * or of another process (bench_proc_*). */
uint64_t bench_rss_kib(void);
uint64_t bench_peak_kib(void);
uint64_t bench_proc_rss_kib(int pid);
uint64_t bench_proc_peak_kib(int pid);
/* Reset the peak (VmHWM) to the current RSS: Linux clear_refs value 5.  Each
 * phase resets it first, so its peak is its own. */
void bench_peak_reset(void);

/* Raise RLIMIT_NOFILE to `want` (or the hard limit); returns the new limit. */
uint64_t bench_raise_nofile(uint64_t want);

/* Run fn(ctx, i) for i in [0, n) on `threads` threads (the calling thread is
 * one of them); items are handed out in chunks.  Returns when all are done. */
void bench_parallel(unsigned threads, size_t n, void (*fn)(void *ctx, size_t i), void *ctx);

/* A figure.  `baseline` names an earlier figure of this program (or NULL);
 * the report prints value / baseline.  `target` (may be NULL) is a text such
 * as ">= 100000" or "<= 1.5x"; `met` says whether this run met it. */
typedef struct {
    const char *target;
    bool met;
} bench_target_t;

void bench_figure(const char *name, double value, const char *unit, const char *baseline,
                  const bench_target_t *target, const char *note);
/* A row with no value yet (e.g. work another module has not landed). */
void bench_todo(const char *name, const char *note);
/* Value of an earlier figure, or 0. */
double bench_value(const char *name);
/* A free-form key/value for the JSON "info" object and the table header. */
void bench_info(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the table and (with --json) append one JSON object to the file, on
 * one line (JSON lines: one object per program run). */
void bench_report(const bench_opts_t *o);

/* Fail the program: print and exit 1 (a benchmark that cannot measure). */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Die unless err == NARA_OK. */
void bench_check(nara_err_t err, const char *what);

/* Human-friendly progress line on stderr. */
void bench_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Size of a file in bytes, 0 if missing. */
uint64_t bench_file_size(const char *path);
/* Remove a SQLite database and its -wal/-shm companions. */
void bench_remove_db(const char *path);

#endif /* NARA_BENCH_H */
