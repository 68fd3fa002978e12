/*
 * bench_merge.c - the merge path alone: verify + chain-check + durably
 * commit + fold N events from the 27 regency feeds (and the province feed
 * that enrols them) into a fresh replica with the domain attached.
 *
 * Phases, all in this process and over the same events:
 *   baseline  raw libsodium verification of every event's signature on all
 *             cores (crypto_sign_verify_detached, nothing else), and raw
 *             SQLite inserts of the same bytes (a table with a UNIQUE 32-byte
 *             id, WAL, synchronous=FULL, one transaction per batch)
 *   chain     nara_store_merge, NARA_VERIFY_CHAIN, domain attached
 *   each      nara_store_merge, NARA_VERIFY_EACH, domain attached
 * Batches are --batch consecutive events of one feed (a device pushing its
 * feed), feeds taken in turn.  Only the calls being measured are timed
 * (reading the workload files is not).  The chain replica is kept as
 * DIR/replica-N.db for bench_audit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "bench.h"
#include "workload.h"

typedef struct {
    double secs, cpu;
    uint64_t events, bytes, peak_kib, db_bytes, written;
} run_t;

/* Bytes this process has written (/proc/self/io wchar). */
static uint64_t bytes_written(void)
{
    char line[128];
    uint64_t v = 0;
    FILE *f = fopen("/proc/self/io", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "wchar:", 6) == 0)
            v = strtoull(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* CPU seconds used by this process so far. */
static double cpu_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- baselines ------------------------------------------------------------ */

static void sql_ok(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        bench_die("%s: %s", what, sqlite3_errmsg(db));
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db;
    bench_remove_db(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        bench_die("open %s", path);
    sql_ok(db,
           sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE raw(ord INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
                        " bytes BLOB NOT NULL);",
                        NULL, NULL, NULL),
           "raw schema");
    return db;
}

static void raw_insert(sqlite3 *db, sqlite3_stmt *ins, const wl_batch_t *b, const wl_sig_t *sigs)
{
    sql_ok(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
    for (size_t i = 0; i < b->n; i++) {
        sqlite3_bind_blob(ins, 1, sigs[i].id, NARA_ID_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 2, b->ev[i].bytes, (int)b->ev[i].len, SQLITE_STATIC);
        sql_ok(db, sqlite3_step(ins), "insert");
        sqlite3_reset(ins);
    }
    sql_ok(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
}

static void baselines(const bench_opts_t *o, const char *wl)
{
    char path[4096];
    wl_reader_t r;
    wl_batch_t b;
    sqlite3_stmt *ins;
    double t_verify = 0, t_one = 0, t_sql = 0;
    uint64_t n = 0, n_one = 0;
    wl_sig_t *sigs = malloc(o->batch * sizeof *sigs);
    if (sigs == NULL)
        bench_die("out of memory");
    snprintf(path, sizeof path, "%s/raw.db", o->dir);
    sqlite3 *db = raw_open(path);
    sql_ok(db, sqlite3_prepare_v2(db, "INSERT INTO raw(id, bytes) VALUES(?1, ?2)", -1, &ins, NULL),
           "prepare");
    wl_batch_init(&b, o->batch);
    wl_open(&r, wl, ~0u);
    while (wl_next(&r, o->batch, &b)) {
        for (size_t i = 0; i < b.n; i++) {
            nara_event_t ev;
            bench_check(nara_event_decode(b.ev[i].bytes, b.ev[i].len, &ev), "decode");
            memcpy(sigs[i].pk, ev.author, sizeof sigs[i].pk);
            memcpy(sigs[i].sig, ev.sig, sizeof sigs[i].sig);
            memcpy(sigs[i].id, ev.id, sizeof sigs[i].id);
        }
        double t0 = bench_now();
        wl_raw_verify(sigs, b.n, o->threads);
        double t1 = bench_now();
        raw_insert(db, ins, &b, sigs);
        double t2 = bench_now();
        t_verify += t1 - t0;
        t_sql += t2 - t1;
        if (n_one < 20000) { /* one core, on a sample: for the README */
            double t3 = bench_now();
            wl_raw_verify(sigs, b.n, 1);
            t_one += bench_now() - t3;
            n_one += b.n;
        }
        n += b.n;
    }
    wl_close(&r);
    wl_batch_free(&b);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    if (!o->keep)
        bench_remove_db(path);
    free(sigs);
    bench_figure("raw verify, 1 core", (double)n_one / t_one, "sig/s", NULL, NULL,
                 "crypto_sign_verify_detached only, on a sample");
    char note[96];
    snprintf(note, sizeof note, "crypto_sign_verify_detached only, %u threads", o->threads);
    bench_figure("raw verify, all cores", (double)n / t_verify, "sig/s", NULL, NULL, note);
    bench_figure("raw SQLite insert", (double)n / t_sql, "rows/s", NULL, NULL,
                 "same bytes + 32-byte UNIQUE id, WAL, synchronous=FULL, same batches");
}

/* ---- the merge ------------------------------------------------------------ */

static run_t merge_run(const bench_opts_t *o, const char *wl, const char *db_path,
                       nara_verify_mode_t mode, bool domain, nara_domain_stats_t *dstats)
{
    nara_store_t *s;
    nara_domain_t *d = NULL;
    nara_keypair_t root;
    wl_reader_t r;
    wl_batch_t b;
    run_t run = {0};
    nara_outcome_t *out = calloc(o->batch, sizeof *out);
    if (out == NULL)
        bench_die("out of memory");
    wl_root_key(&root);
    bench_remove_db(db_path);
    bench_check(nara_store_open(db_path, &s), "open store");
    nara_store_set_verify_mode(s, mode);
    nara_store_set_threads(s, o->threads);
    if (domain)
        bench_check(nara_domain_open(s, root.pk, NULL, &d), "open domain");
    wl_batch_init(&b, o->batch);
    wl_open(&r, wl, ~0u);
    bench_peak_reset();
    uint64_t w0 = bytes_written();
    double c0 = cpu_secs();
    while (wl_next(&r, o->batch, &b)) {
        nara_merge_stats_t st;
        double t0 = bench_now();
        nara_err_t err = nara_store_merge(s, b.ev, b.n, WL_T0_MS, out, &st);
        run.secs += bench_now() - t0;
        if (err != NARA_OK)
            bench_die("merge: %s (%s)", nara_err_name(err), nara_store_errmsg(s));
        if (st.added != b.n)
            bench_die("merge: %zu of %zu added", st.added, b.n);
        run.events += b.n;
        run.bytes += b.bytes;
    }
    run.peak_kib = bench_peak_kib();
    run.written = bytes_written() - w0;
    run.cpu = cpu_secs() - c0;
    memset(dstats, 0, sizeof *dstats);
    if (d)
        nara_domain_stats(d, dstats);
    wl_close(&r);
    wl_batch_free(&b);
    nara_domain_close(d);
    nara_store_close(s);
    run.db_bytes = bench_file_size(db_path);
    free(out);
    return run;
}

static void report_merge(const char *label, const run_t *run, const nara_domain_stats_t *ds)
{
    char name[96], note[160];
    bool chain = strcmp(label, "chain") == 0;
    double rate = (double)run->events / run->secs;
    bench_target_t t100k = {">= 100000", rate >= 100000};
    snprintf(name, sizeof name, "merge %s, events/s", label);
    if (strstr(label, "store only"))
        snprintf(note, sizeof note, "durable, no domain: the store's share of the merge");
    else
        snprintf(note, sizeof note, "durable, domain attached; %llu cases refolded",
                 (unsigned long long)ds->cases_refolded);
    bench_figure(name, rate, "ev/s", "raw verify, all cores", chain ? &t100k : NULL, note);
    snprintf(name, sizeof name, "merge %s vs raw SQLite", label);
    bench_figure(name, rate, "ev/s", "raw SQLite insert", NULL, NULL);
    snprintf(name, sizeof name, "merge %s, time", label);
    bench_figure(name, run->secs, "s", NULL, NULL, NULL);
    snprintf(name, sizeof name, "merge %s, CPU", label);
    bench_figure(name, run->cpu / run->secs, "cores", NULL, NULL,
                 "CPU time / wall time: below 1 means waiting for the disk");
    snprintf(name, sizeof name, "merge %s, CPU per event", label);
    bench_figure(name, run->cpu / run->events * 1e6, "us", NULL, NULL,
                 "CPU time of the whole process per event (all threads)");
    snprintf(name, sizeof name, "merge %s, written", label);
    bench_figure(name, (double)run->written / run->events, "B/event", NULL, NULL,
                 "bytes written to the WAL and the database file per event");
    snprintf(name, sizeof name, "merge %s, peak RSS", label);
    bench_figure(name, (double)run->peak_kib / 1024.0, "MiB", NULL, NULL, NULL);
    snprintf(name, sizeof name, "merge %s, replica size", label);
    bench_figure(name, (double)run->db_bytes / run->events, "B/event", NULL, NULL,
                 "SQLite file after the merge (events + domain tables)");
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    char wl[4096], db[4096], keep[4096];
    nara_domain_stats_t ds;
    nara_store_global_init(); /* as narad and nara do, before anything uses SQLite */
    bench_parse(&o, "merge", argc, argv, 100000, 4096);
    bench_check(nara_crypto_init(), "libsodium");
    wl_prepare(o.dir, o.n, o.threads, wl, sizeof wl);
    if (bench_selected(&o, "baseline")) {
        bench_log("baselines: raw verification and raw SQLite inserts");
        baselines(&o, wl);
    }
    snprintf(db, sizeof db, "%s/merge.db", o.dir);
    if (bench_selected(&o, "chain")) {
        bench_log("merge, NARA_VERIFY_CHAIN");
        run_t run = merge_run(&o, wl, db, NARA_VERIFY_CHAIN, true, &ds);
        report_merge("chain", &run, &ds);
        bench_info("event size", "%.0f bytes on average", (double)run.bytes / run.events);
        snprintf(keep, sizeof keep, "%s/replica-%zu.db", o.dir, o.n);
        bench_remove_db(keep);
        if (rename(db, keep) != 0)
            bench_die("cannot keep the replica as %s", keep);
    }
    if (bench_selected(&o, "each")) {
        bench_log("merge, NARA_VERIFY_EACH");
        run_t run = merge_run(&o, wl, db, NARA_VERIFY_EACH, true, &ds);
        report_merge("each", &run, &ds);
        if (!o.keep)
            bench_remove_db(db);
    }
    if (bench_selected(&o, "store-only")) {
        bench_log("merge, NARA_VERIFY_CHAIN, no domain");
        run_t run = merge_run(&o, wl, db, NARA_VERIFY_CHAIN, false, &ds);
        report_merge("chain, store only", &run, &ds);
        if (!o.keep)
            bench_remove_db(db);
    }
    bench_report(&o);
    return 0;
}
