/*
 * test_store.c - unit tests for the store (core/src/store*.c): schema and
 * reopen, append, merge outcomes (added, duplicate, pending, rejected, fork,
 * chain break), promotion, verify modes, version vectors and the missing-
 * events iterator, digest, hooks, and storage failures (corrupt file, newer
 * schema, disk full -> sticky failure).  One behaviour per test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_hlc.h"
#include "nara_store.h"
#include "store_internal.h"
#include "testutil.h"

#define WALL 1700000000000ULL

/* Linked with -Wl,--wrap=nara_event_verify: count signature checks (a merge
 * may check them on several threads). */
static _Atomic int verify_calls;
nara_err_t __real_nara_event_verify(const nara_event_t *ev);
nara_err_t __wrap_nara_event_verify(const nara_event_t *ev);
nara_err_t __wrap_nara_event_verify(const nara_event_t *ev)
{
    verify_calls++;
    return __real_nara_event_verify(ev);
}

static nara_store_t *mem_store(void)
{
    nara_store_t *s = NULL;
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    assert_non_null(s);
    return s;
}

static void append_n(nara_store_t *s, const nara_keypair_t *kp, const char *stream, int n,
                     uint8_t ids[][NARA_ID_BYTES])
{
    uint8_t body[64];
    for (int i = 0; i < n; i++) {
        size_t len = tu_body(body, sizeof body, (uint64_t)i, 0);
        nara_err_t err = nara_store_append(s, kp, stream, "test.note", body, len,
                                           WALL + (uint64_t)i, ids ? ids[i] : NULL);
        if (err != NARA_OK)
            fail_msg("append: %s (%s)", nara_err_name(err), nara_store_errmsg(s));
    }
}

static nara_store_counts_t counts(nara_store_t *s)
{
    nara_store_counts_t c;
    assert_int_equal(nara_store_counts(s, &c), NARA_OK);
    return c;
}

/* A feed of n events sealed directly, appended to out. */
static void make_feed(tu_feed_t *f, uint64_t key, const char *stream, int n, tu_list_t *out)
{
    tu_feed_init(f, key, stream);
    for (int i = 0; i < n; i++)
        tu_feed_next(f, WALL + (uint64_t)i, (uint64_t)i, 0, out);
}

static void event_id(const nara_bytes_t *b, uint8_t id[NARA_ID_BYTES])
{
    nara_event_t ev;
    assert_int_equal(nara_event_decode(b->bytes, b->len, &ev), NARA_OK);
    memcpy(id, ev.id, NARA_ID_BYTES);
}

static void flip_last_byte(tu_list_t *l, size_t i)
{
    ((uint8_t *)l->v[i].bytes)[l->v[i].len - 1] ^= 0x01;
}

static int64_t pragma_int(nara_store_t *s, const char *sql);

static bool bytes_equal(nara_bytes_t a, nara_bytes_t b)
{
    return a.len == b.len && memcmp(a.bytes, b.bytes, a.len) == 0;
}

/* ---- open, schema, reopen ------------------------------------------------ */

static void test_open_creates_schema_and_reopen_keeps_events(void **state)
{
    (void)state;
    char path[64];
    nara_keypair_t kp;
    uint8_t ids[2][NARA_ID_BYTES], buf[256];
    size_t len;
    nara_store_t *s;
    tu_temp_path(path, sizeof path);
    tu_keypair(1, &kp);

    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    append_n(s, &kp, "32.01", 2, ids);
    nara_store_close(s);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(counts(s).events, 2);
    assert_int_equal(counts(s).feeds, 1);
    assert_int_equal(nara_store_get(s, ids[1], buf, sizeof buf, &len), NARA_OK);
    nara_store_close(s);
    tu_remove_db(path);
}

static void test_open_uses_wal_and_records_schema_version(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s;
    sqlite3_stmt *st;
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(s), "PRAGMA journal_mode", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(s), "PRAGMA user_version", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    nara_store_close(s);
    tu_remove_db(path);
}

static void test_open_corrupt_header_is_corrupt(void **state)
{
    (void)state;
    char path[64];
    nara_keypair_t kp;
    nara_store_t *s;
    tu_temp_path(path, sizeof path);
    tu_keypair(1, &kp);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    append_n(s, &kp, "32.01", 1, NULL);
    nara_store_close(s);

    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fwrite("not a database!!", 1, 16, f), 16);
    fclose(f);
    s = (nara_store_t *)1;
    assert_int_equal(nara_store_open(path, &s), NARA_CORRUPT);
    assert_null(s);
    tu_remove_db(path);
}

static void test_open_foreign_sqlite_file_is_corrupt(void **state)
{
    (void)state;
    char path[64];
    sqlite3 *db;
    nara_store_t *s;
    tu_temp_path(path, sizeof path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(nara_store_open(path, &s), NARA_CORRUPT);
    assert_null(s);
    tu_remove_db(path);
}

static void test_open_newer_schema_is_schema_error(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s;
    tu_temp_path(path, sizeof path);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(sqlite3_exec(nara__store_db(s), "PRAGMA user_version=4", NULL, NULL, NULL),
                     SQLITE_OK);
    nara_store_close(s);
    assert_int_equal(nara_store_open(path, &s), NARA_SCHEMA);
    assert_null(s);
    tu_remove_db(path);
}

/* The schema of version 1, to check that opening migrates it. */
static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
    "INSERT INTO meta(key, value) VALUES('clock', 0);"
    "CREATE TABLE feeds(id INTEGER PRIMARY KEY, author BLOB NOT NULL, stream TEXT NOT NULL,"
    " head_seq INTEGER NOT NULL, head_id BLOB NOT NULL, head_link BLOB NOT NULL,"
    " UNIQUE(author, stream));"
    "CREATE TABLE events(ord INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
    " feed INTEGER NOT NULL REFERENCES feeds(id), seq INTEGER NOT NULL, hlc INTEGER NOT NULL,"
    " kind TEXT NOT NULL, bytes BLOB NOT NULL, UNIQUE(feed, seq));"
    "CREATE TABLE pending(id BLOB PRIMARY KEY, author BLOB NOT NULL, stream TEXT NOT NULL,"
    " seq INTEGER NOT NULL, prev BLOB NOT NULL, bytes BLOB NOT NULL, wall_ms INTEGER NOT NULL);"
    "CREATE INDEX pending_pos ON pending(author, stream, seq);"
    "CREATE TABLE forks(ord INTEGER PRIMARY KEY, author BLOB NOT NULL, stream TEXT NOT NULL,"
    " seq INTEGER NOT NULL, reason INTEGER NOT NULL, held_id BLOB NOT NULL,"
    " other_id BLOB NOT NULL, held BLOB NOT NULL, other BLOB NOT NULL,"
    " wall_ms INTEGER NOT NULL, UNIQUE(held_id, other_id));"
    "CREATE INDEX forks_pos ON forks(author, stream, seq);"
    "CREATE TABLE quarantine(ord INTEGER PRIMARY KEY, id BLOB, bytes BLOB NOT NULL,"
    " len INTEGER NOT NULL, reason INTEGER NOT NULL, wall_ms INTEGER NOT NULL);"
    "PRAGMA application_id=1851880033; PRAGMA user_version=1;";

static void test_open_migrates_version_1_pending_rows(void **state)
{
    (void)state;
    char path[64];
    sqlite3 *db;
    sqlite3_stmt *st;
    nara_store_t *s;
    tu_feed_t f;
    tu_list_t l = {0};
    nara_event_t ev;
    tu_temp_path(path, sizeof path);
    make_feed(&f, 1, "a", 2, &l);
    assert_int_equal(nara_event_decode(l.v[1].bytes, l.v[1].len, &ev), NARA_OK);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, schema_v1, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO pending VALUES(?1, ?2, 'a', 2, ?3, ?4, 5)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(st, 1, ev.id, NARA_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, ev.author, NARA_PUBLICKEY_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, ev.prev, NARA_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, l.v[1].bytes, (int)l.v[1].len, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);

    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(pragma_int(s, "PRAGMA user_version"), 3);
    assert_int_equal(counts(s).pending, 1);
    nara_merge_stats_t stats = tu_merge_range(s, &l, 0, 1, NULL);
    assert_int_equal(stats.promoted, 1);
    assert_int_equal(counts(s).events, 2);
    assert_int_equal(counts(s).pending, 0);
    nara_store_close(s);
    tu_list_free(&l);
    tu_remove_db(path);
}

/* Turn a version-3 file back into version 2: events(id UNIQUE) without idk. */
static const char downgrade_to_v2[] =
    "ALTER TABLE events RENAME TO events_v3;"
    "CREATE TABLE events(ord INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
    " feed INTEGER NOT NULL REFERENCES feeds(id), seq INTEGER NOT NULL, hlc INTEGER NOT NULL,"
    " kind TEXT NOT NULL, bytes BLOB NOT NULL, UNIQUE(feed, seq));"
    "INSERT INTO events SELECT ord, id, feed, seq, hlc, kind, bytes FROM events_v3;"
    "DROP TABLE events_v3; PRAGMA user_version=2;";

static void test_open_migrates_version_2_events_keeping_order_and_ids(void **state)
{
    (void)state;
    char path[64];
    nara_store_t *s;
    tu_feed_t f, g;
    tu_list_t l = {0};
    uint8_t before[NARA_HASH_BYTES], after[NARA_HASH_BYTES], buf[NARA_EVENT_MAX_BYTES];
    nara_event_t ev;
    size_t len;
    tu_temp_path(path, sizeof path);
    make_feed(&f, 1, "a", 5, &l);
    make_feed(&g, 2, "b", 5, &l);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    tu_merge(s, &l, NULL);
    assert_int_equal(nara_store_digest(s, before), NARA_OK);
    assert_int_equal(sqlite3_exec(nara__store_db(s), downgrade_to_v2, NULL, NULL, NULL), SQLITE_OK);
    nara_store_close(s);

    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(pragma_int(s, "PRAGMA user_version"), 3);
    assert_int_equal(pragma_int(s, "SELECT count(*) FROM events WHERE idk = nara_idk(id)"), 10);
    assert_int_equal(nara_store_digest(s, after), NARA_OK);
    assert_memory_equal(before, after, NARA_HASH_BYTES);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(nara_event_decode(l.v[i].bytes, l.v[i].len, &ev), NARA_OK);
        assert_int_equal(nara_store_get(s, ev.id, buf, sizeof buf, &len), NARA_OK);
        assert_memory_equal(buf, l.v[i].bytes, len);
    }
    assert_int_equal(tu_merge(s, &l, NULL).duplicates, l.n);
    nara_store_close(s);
    tu_list_free(&l);
    tu_remove_db(path);
}

/* A mixed batch of more than DECODE_PARALLEL_MIN (256) inputs: four feeds,
 * one event with a broken signature that its successor endorses, inputs
 * that do not decode, duplicates, a fork and a gap, shuffled. */
static void make_mixed_batch(tu_list_t *l)
{
    tu_feed_t f[4], fork;
    tu_rng_t rng;
    static const uint8_t junk[] = {0x93, 0x01, 0x02};
    for (int k = 0; k < 4; k++)
        tu_feed_init(&f[k], 40 + (uint64_t)k, "32.01");
    for (int i = 0; i < 90; i++)
        for (int k = 0; k < 4; k++) {
            tu_feed_next(&f[k], WALL + (uint64_t)i, (uint64_t)i, (size_t)(i % 3) * 40, l);
            if (k == 1 && i == 30)
                tu_feed_break_head_sig(&f[k], l, NULL);
        }
    make_feed(&fork, 40, "32.01", 5, l); /* feed 0's first 5 seqs again: equal events */
    tu_feed_init(&fork, 43, "32.01");
    tu_feed_next(&fork, WALL, 999, 0, l); /* seq 1 of feed 3 with another body: a fork */
    for (int i = 0; i < 5; i++)
        tu_list_push(l, junk, sizeof junk);
    tu_list_push(l, l->v[7].bytes, l->v[7].len - 1); /* truncated */
    size_t n = l->n, *idx = malloc(n * sizeof *idx);
    nara_bytes_t *v = malloc(n * sizeof *v);
    assert_non_null(idx);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    tu_rng_seed(&rng, 7);
    tu_shuffle(&rng, idx, n);
    for (size_t i = 0; i < n; i++)
        v[i] = l->v[idx[i]];
    memcpy(l->v, v, n * sizeof *v);
    free(v);
    free(idx);
}

/* Merge l as one batch into a fresh store; what came of it.  `streamed`:
 * how many merges took the STREAMING path (0 or 1). */
typedef struct {
    nara_outcome_t *out; /* l->n of them */
    nara_merge_stats_t st;
    uint8_t digest[32];
    nara_store_counts_t c;
    uint64_t streamed;
} merged_t;

static void merge_mixed(nara_verify_mode_t mode, unsigned threads, const tu_list_t *l,
                        merged_t *m)
{
    nara_store_t *s;
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    nara_store_set_verify_mode(s, mode);
    nara_store_set_threads(s, threads);
    assert_int_equal(nara_store_merge(s, l->v, l->n, WALL, m->out, &m->st), NARA_OK);
    assert_int_equal(nara_store_digest(s, m->digest), NARA_OK);
    m->c = counts(s);
    m->streamed = nara__store_streamed_batches(s);
    nara_store_close(s);
}

static void assert_same_merge(const merged_t *a, const merged_t *b, size_t n)
{
    assert_memory_equal(a->out, b->out, n * sizeof *a->out);
    assert_memory_equal(&a->st, &b->st, sizeof a->st);
    assert_memory_equal(a->digest, b->digest, sizeof a->digest);
    assert_memory_equal(&a->c, &b->c, sizeof a->c);
}

static void test_merge_on_threads_gives_the_outcomes_of_one_thread(void **state)
{
    (void)state;
    tu_list_t l = {0};
    make_mixed_batch(&l);
    assert_true(l.n > 256);
    merged_t a = {.out = calloc(l.n, sizeof *a.out)}, b = {.out = calloc(l.n, sizeof *b.out)};
    assert_non_null(a.out);
    assert_non_null(b.out);
    for (int m = 0; m < 2; m++) {
        nara_verify_mode_t mode = m ? NARA_VERIFY_CHAIN : NARA_VERIFY_EACH;
        merge_mixed(mode, 1, &l, &a);
        assert_true(a.st.rejected >= 6 && a.st.duplicates >= 1 && a.st.forks >= 1);
        for (unsigned threads = 0; threads <= 5; threads += 2) { /* 0: one per CPU */
            merge_mixed(mode, threads, &l, &b);
            assert_same_merge(&a, &b, l.n);
        }
    }
    free(a.out);
    free(b.out);
    tu_list_free(&l);
}

/* Two feeds in merge order (the feed with the smaller author key first), as
 * devices push them: A of 1300 events and B of 400.  In A, the events at
 * 0-based positions 299, 511 (a chunk's last input when A comes first) and
 * 1022 carry a bad signature that their successor endorses, and 1200 does
 * not decode (its last byte cut off) but still peeks in order; in B, 350
 * carries a bad signature nothing endorses. */
static void make_presorted_batch(tu_list_t *l)
{
    tu_list_t a = {0}, b = {0};
    tu_feed_t fa, fb;
    uint8_t ka[NARA_PUBLICKEY_BYTES], kb[NARA_PUBLICKEY_BYTES];
    char stream[NARA_STREAM_MAX + 1];
    uint64_t seq;
    tu_feed_init(&fa, 81, "32.05");
    for (int i = 0; i < 1300; i++) {
        tu_feed_next(&fa, WALL + (uint64_t)i, (uint64_t)i, 0, &a);
        if (i == 299 || i == 511 || i == 1022)
            tu_feed_break_head_sig(&fa, &a, NULL);
    }
    a.v[1200].len--;
    make_feed(&fb, 82, "32.06", 400, &b);
    flip_last_byte(&b, 350);
    assert_int_equal(nara_event_peek(a.v[0].bytes, a.v[0].len, ka, stream, &seq), NARA_OK);
    assert_int_equal(nara_event_peek(b.v[0].bytes, b.v[0].len, kb, stream, &seq), NARA_OK);
    bool a_first = memcmp(ka, kb, sizeof ka) < 0;
    const tu_list_t *first = a_first ? &a : &b, *second = a_first ? &b : &a;
    for (size_t i = 0; i < first->n; i++)
        tu_list_push(l, first->v[i].bytes, first->v[i].len);
    for (size_t i = 0; i < second->n; i++)
        tu_list_push(l, second->v[i].bytes, second->v[i].len);
    tu_list_free(&a);
    tu_list_free(&b);
}

/* A batch already in merge order is decoded while it is merged (two
 * threads); its outcomes, stats, digest and counts are those of one
 * thread, which sorts and merges after decoding everything. */
static void test_a_presorted_batch_merged_while_decoding_gives_the_outcomes_of_one_thread(
    void **state)
{
    (void)state;
    tu_list_t l = {0};
    make_presorted_batch(&l);
    merged_t a = {.out = calloc(l.n, sizeof *a.out)}, b = {.out = calloc(l.n, sizeof *b.out)};
    assert_non_null(a.out);
    assert_non_null(b.out);
    merge_mixed(NARA_VERIFY_CHAIN, 1, &l, &a);
    assert_int_equal(a.streamed, 0);
    /* A's 1200 events before the cut one and B's 350 before the bad one */
    assert_int_equal(a.st.added, 1200 + 350);
    assert_int_equal(a.st.rejected, 2);
    assert_int_equal(a.st.pending, 99 + 49);
    merge_mixed(NARA_VERIFY_CHAIN, 2, &l, &b);
    assert_int_equal(b.streamed, 1);
    assert_same_merge(&a, &b, l.n);
    free(a.out);
    free(b.out);
    tu_list_free(&l);
}

/* One input out of order, and the batch is sorted first as before. */
static void test_a_batch_out_of_order_is_not_streamed(void **state)
{
    (void)state;
    tu_list_t l = {0};
    make_presorted_batch(&l);
    nara_bytes_t t = l.v[10];
    l.v[10] = l.v[11];
    l.v[11] = t;
    nara_store_t *s;
    nara_outcome_t *out = calloc(l.n, sizeof *out);
    assert_non_null(out);
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    nara_store_set_threads(s, 2);
    assert_int_equal(nara_store_merge(s, l.v, l.n, WALL, out, NULL), NARA_OK);
    assert_int_equal(nara__store_streamed_batches(s), 0);
    assert_int_equal(out[10].kind, NARA_OUTCOME_ADDED); /* seq 12, after 11 in sorted order */
    nara_store_close(s);
    free(out);
    tu_list_free(&l);
}

/* nara_store_global_init (run by the first open in this process, before
 * any test used SQLite directly) turns SQLite's memory statistics off. */
static void test_open_turns_sqlite_memory_statistics_off(void **state)
{
    (void)state;
    nara_store_t *s;
    assert_int_equal(nara_store_open(":memory:", &s), NARA_OK);
    nara_store_global_init(); /* idempotent */
    assert_true(sqlite3_memory_used() == 0);
    nara_store_close(s);
}

static void test_close_accepts_null(void **state)
{
    (void)state;
    nara_store_close(NULL);
    nara_iter_free(NULL);
    nara_vv_free(NULL);
}

/* ---- append -------------------------------------------------------------- */

static void test_append_then_get_returns_the_signed_event(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    nara_keypair_t kp;
    uint8_t id[NARA_ID_BYTES], body[64], buf[512];
    size_t body_len = tu_body(body, sizeof body, 42, 0), len;
    nara_event_t ev;
    tu_keypair(7, &kp);

    assert_int_equal(nara_store_append(s, &kp, "32.01", "case.open", body, body_len, WALL, id),
                     NARA_OK);
    assert_int_equal(nara_store_get(s, id, buf, sizeof buf, &len), NARA_OK);
    assert_int_equal(nara_event_decode(buf, len, &ev), NARA_OK);
    assert_memory_equal(ev.id, id, NARA_ID_BYTES);
    assert_memory_equal(ev.author, kp.pk, NARA_PUBLICKEY_BYTES);
    assert_string_equal(ev.stream, "32.01");
    assert_string_equal(ev.kind, "case.open");
    assert_int_equal(ev.body_len, body_len);
    assert_memory_equal(ev.body, body, body_len);
    assert_int_equal(nara_event_verify(&ev), NARA_OK);
    nara_store_close(s);
}

static void test_append_chains_seq_and_prev_per_stream(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    nara_keypair_t kp;
    uint8_t ids[3][NARA_ID_BYTES], other[1][NARA_ID_BYTES], link[NARA_HASH_BYTES];
    nara_event_t ev[3], o;
    tu_keypair(7, &kp);
    append_n(s, &kp, "32.01", 3, ids);
    append_n(s, &kp, "province", 1, other);

    for (int i = 0; i < 3; i++)
        tu_get_event(s, ids[i], &ev[i]);
    assert_int_equal(ev[0].seq, 1);
    assert_false(ev[0].has_prev);
    for (int i = 1; i < 3; i++) {
        assert_int_equal(ev[i].seq, (uint64_t)i + 1);
        nara_event_link(&ev[i - 1], link);
        assert_true(ev[i].has_prev);
        assert_memory_equal(ev[i].prev, link, NARA_HASH_BYTES);
    }
    tu_get_event(s, other[0], &o);
    assert_int_equal(o.seq, 1);
    nara_store_close(s);
}

static void test_append_clock_persists_and_never_goes_backwards(void **state)
{
    (void)state;
    char path[64];
    nara_keypair_t kp;
    uint8_t id1[NARA_ID_BYTES], id2[NARA_ID_BYTES], body[16];
    size_t blen = tu_body(body, sizeof body, 1, 0);
    uint64_t clock = 0;
    nara_event_t e1, e2;
    nara_store_t *s;
    tu_temp_path(path, sizeof path);
    tu_keypair(3, &kp);

    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(nara_store_append(s, &kp, "a", "k", body, blen, 10000, id1), NARA_OK);
    nara_store_close(s);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(nara_store_clock(s, &clock), NARA_OK);
    assert_int_equal(clock, nara_hlc_make(10000, 0));
    assert_int_equal(nara_store_append(s, &kp, "a", "k", body, blen, 5000, id2), NARA_OK);
    tu_get_event(s, id1, &e1);
    tu_get_event(s, id2, &e2);
    assert_true(e2.hlc > e1.hlc);
    assert_int_equal(nara_store_clock(s, &clock), NARA_OK);
    assert_int_equal(clock, e2.hlc);
    nara_store_close(s);
    tu_remove_db(path);
}

static void test_append_rejects_invalid_stream_without_failing_store(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    nara_keypair_t kp;
    uint8_t body[16];
    size_t blen = tu_body(body, sizeof body, 1, 0);
    tu_keypair(3, &kp);
    assert_int_equal(nara_store_append(s, &kp, "BAD STREAM", "k", body, blen, WALL, NULL),
                     NARA_BAD_STREAM);
    assert_int_equal(counts(s).events, 0);
    append_n(s, &kp, "ok", 1, NULL);
    nara_store_close(s);
}

/* ---- merge outcomes ------------------------------------------------------ */

static void test_merge_of_another_replicas_events_adds_them(void **state)
{
    (void)state;
    nara_store_t *a = mem_store(), *b = mem_store();
    nara_keypair_t kp;
    tu_list_t l = {0};
    nara_outcome_t out[4];
    uint8_t da[NARA_HASH_BYTES], db[NARA_HASH_BYTES];
    tu_keypair(1, &kp);
    append_n(a, &kp, "32.01", 3, NULL);
    append_n(a, &kp, "province", 1, NULL);
    tu_collect(a, NULL, &l);
    assert_int_equal(l.n, 4);

    nara_merge_stats_t st = tu_merge(b, &l, out);
    for (int i = 0; i < 4; i++)
        assert_int_equal(out[i].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(st.added, 4);
    assert_int_equal(nara_store_digest(a, da), NARA_OK);
    assert_int_equal(nara_store_digest(b, db), NARA_OK);
    assert_memory_equal(da, db, NARA_HASH_BYTES);
    tu_list_free(&l);
    nara_store_close(a);
    nara_store_close(b);
}

static void test_merge_of_zero_events_is_ok(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    nara_merge_stats_t st;
    assert_int_equal(nara_store_merge(s, NULL, 0, WALL, NULL, &st), NARA_OK);
    assert_int_equal(st.added + st.duplicates + st.rejected, 0);
    nara_store_close(s);
}

static void test_merge_duplicate_is_reported_duplicate(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[3];
    make_feed(&f, 1, "a", 3, &l);
    tu_merge(s, &l, NULL);

    nara_merge_stats_t st = tu_merge(s, &l, out);
    for (int i = 0; i < 3; i++)
        assert_int_equal(out[i].kind, NARA_OUTCOME_DUPLICATE);
    assert_int_equal(st.duplicates, 3);
    assert_int_equal(counts(s).events, 3);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_merge_pending_event_again_is_duplicate(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[1];
    make_feed(&f, 1, "a", 3, &l);
    tu_merge_range(s, &l, 2, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_PENDING);
    tu_merge_range(s, &l, 2, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_DUPLICATE);
    assert_int_equal(counts(s).pending, 1);
    tu_list_free(&l);
    nara_store_close(s);
}

static int collect_quarantined(void *ctx, const nara_quarantined_t *q)
{
    nara_quarantined_t *out = ctx;
    *out = *q;
    return 1; /* first one only */
}

static void test_bad_signature_is_rejected_and_quarantined(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[1];
    nara_quarantined_t q;
    uint8_t id[NARA_ID_BYTES];
    make_feed(&f, 1, "a", 1, &l);
    event_id(&l.v[0], id);
    flip_last_byte(&l, 0);

    nara_merge_stats_t st = tu_merge(s, &l, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(out[0].reason, NARA_SIGNATURE);
    assert_true(out[0].has_id);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(counts(s).events, 0);
    assert_int_equal(counts(s).quarantined, 1);
    assert_int_equal(nara_store_each_quarantined(s, collect_quarantined, &q), NARA_OK);
    assert_int_equal(q.reason, NARA_SIGNATURE);
    assert_true(q.has_id);
    assert_memory_equal(q.id, id, NARA_ID_BYTES);
    assert_int_equal(q.wall_ms, 1000); /* tu_merge's wall clock */
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_undecodable_is_rejected_with_decoder_reason_and_valid_still_added(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, batch = {0};
    nara_outcome_t out[3];
    nara_event_t ev;
    static const uint8_t junk[] = {0x93, 0x01, 0x02, 0x03};
    make_feed(&f, 1, "a", 1, &l);
    tu_list_push(&batch, junk, sizeof junk);
    tu_list_push(&batch, l.v[0].bytes, l.v[0].len);
    tu_list_push(&batch, l.v[0].bytes, l.v[0].len - 1); /* truncated */
    nara_err_t r0 = nara_event_decode(junk, sizeof junk, &ev);
    nara_err_t r2 = nara_event_decode(l.v[0].bytes, l.v[0].len - 1, &ev);
    assert_int_not_equal(r0, NARA_OK);
    assert_int_not_equal(r2, NARA_OK);

    nara_merge_stats_t st = tu_merge(s, &batch, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(out[0].reason, r0);
    assert_false(out[0].has_id);
    assert_int_equal(out[1].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(out[2].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(out[2].reason, r2);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(st.added, 1);
    assert_int_equal(counts(s).quarantined, 2);
    assert_int_equal(counts(s).events, 1);
    tu_list_free(&l);
    tu_list_free(&batch);
    nara_store_close(s);
}

static void test_gap_is_pending_then_promoted_by_later_batch(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[2];
    make_feed(&f, 1, "a", 4, &l);

    nara_merge_stats_t st = tu_merge_range(s, &l, 2, 2, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_PENDING);
    assert_int_equal(out[1].kind, NARA_OUTCOME_PENDING);
    assert_int_equal(st.pending, 2);
    assert_int_equal(counts(s).pending, 2);

    st = tu_merge_range(s, &l, 0, 2, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(out[1].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(st.promoted, 2);
    assert_int_equal(counts(s).events, 4);
    assert_int_equal(counts(s).pending, 0);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_reversed_batch_is_all_added_with_outcomes_in_input_order(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, rev = {0};
    nara_outcome_t out[5];
    uint8_t id[NARA_ID_BYTES];
    make_feed(&f, 1, "a", 5, &l);
    for (size_t i = l.n; i-- > 0;)
        tu_list_push(&rev, l.v[i].bytes, l.v[i].len);

    nara_merge_stats_t st = tu_merge(s, &rev, out);
    assert_int_equal(st.added, 5);
    assert_int_equal(st.pending, 0);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(out[i].kind, NARA_OUTCOME_ADDED);
        event_id(&rev.v[i], id);
        assert_memory_equal(out[i].id, id, NARA_ID_BYTES);
    }
    tu_list_free(&l);
    tu_list_free(&rev);
    nara_store_close(s);
}

/* ---- forks and chain breaks ---------------------------------------------- */

typedef struct {
    int n;
    nara_fork_t first;
    uint8_t held[512], other[512];
} fork_seen_t;

static int collect_fork(void *ctx, const nara_fork_t *f)
{
    fork_seen_t *fs = ctx;
    if (fs->n++ == 0) {
        fs->first = *f;
        assert_true(f->held.len <= sizeof fs->held && f->other.len <= sizeof fs->other);
        memcpy(fs->held, f->held.bytes, f->held.len);
        memcpy(fs->other, f->other.bytes, f->other.len);
        fs->first.held.bytes = fs->held;
        fs->first.other.bytes = fs->other;
    }
    return 0;
}

static void test_fork_is_kept_as_evidence_and_not_applied(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, alt = {0};
    nara_outcome_t out[1];
    nara_event_t first, ev;
    uint8_t buf[512], id[NARA_ID_BYTES];
    size_t len;
    fork_seen_t fs = {0};
    make_feed(&f, 1, "a", 2, &l);
    assert_int_equal(nara_event_decode(l.v[0].bytes, l.v[0].len, &first), NARA_OK);
    uint8_t link1[NARA_HASH_BYTES];
    nara_event_link(&first, link1);
    len = tu_seal(&f.kp, "a", 2, link1, WALL, 999, 0, buf, sizeof buf, &ev);
    tu_list_push(&alt, buf, len);
    tu_merge(s, &l, NULL);

    nara_merge_stats_t st = tu_merge(s, &alt, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_FORK);
    assert_int_equal(out[0].reason, NARA_FORK);
    assert_int_equal(st.forks, 1);
    assert_int_equal(nara_store_get(s, ev.id, buf, sizeof buf, &len), NARA_NOT_FOUND);
    assert_int_equal(nara_store_each_fork(s, collect_fork, &fs), NARA_OK);
    assert_int_equal(fs.n, 1);
    assert_int_equal(fs.first.seq, 2);
    assert_int_equal(fs.first.reason, NARA_FORK);
    assert_string_equal(fs.first.stream, "a");
    assert_memory_equal(fs.first.author, f.kp.pk, NARA_PUBLICKEY_BYTES);
    assert_true(bytes_equal(fs.first.held, l.v[1]));
    assert_true(bytes_equal(fs.first.other, alt.v[0]));
    event_id(&l.v[1], id);
    assert_int_equal(nara_store_get(s, id, buf, sizeof buf, &len), NARA_OK);
    tu_list_free(&l);
    tu_list_free(&alt);
    nara_store_close(s);
}

static void test_fork_evidence_is_stored_once(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, alt = {0};
    nara_event_t ev;
    uint8_t buf[512];
    make_feed(&f, 1, "a", 1, &l);
    size_t len = tu_seal(&f.kp, "a", 1, NULL, WALL, 999, 0, buf, sizeof buf, &ev);
    tu_list_push(&alt, buf, len);
    tu_merge(s, &l, NULL);
    tu_merge(s, &alt, NULL);
    tu_merge(s, &alt, NULL);
    assert_int_equal(counts(s).forks, 1);
    tu_list_free(&l);
    tu_list_free(&alt);
    nara_store_close(s);
}

static void test_other_feeds_are_served_after_a_fork(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f, g;
    tu_list_t l = {0}, alt = {0}, other = {0}, got = {0};
    nara_event_t ev;
    nara_outcome_t out[2];
    uint8_t buf[512];
    make_feed(&f, 1, "a", 1, &l);
    size_t len = tu_seal(&f.kp, "a", 1, NULL, WALL, 999, 0, buf, sizeof buf, &ev);
    tu_list_push(&alt, buf, len);
    make_feed(&g, 2, "a", 2, &other);
    tu_merge(s, &l, NULL);
    tu_merge(s, &alt, NULL);

    tu_merge(s, &other, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(out[1].kind, NARA_OUTCOME_ADDED);
    tu_collect(s, NULL, &got);
    assert_int_equal(got.n, 3);
    for (size_t i = 0; i < got.n; i++)
        assert_false(bytes_equal(got.v[i], alt.v[0]));
    tu_list_free(&l);
    tu_list_free(&alt);
    tu_list_free(&other);
    tu_list_free(&got);
    nara_store_close(s);
}

static void test_same_position_conflict_in_one_batch_resolves_to_lowest_id(void **state)
{
    (void)state;
    tu_feed_t f;
    tu_list_t l = {0}, batch = {0};
    nara_event_t a, b;
    uint8_t buf[512];
    make_feed(&f, 1, "a", 1, &l);
    size_t len = tu_seal(&f.kp, "a", 1, NULL, WALL, 999, 0, buf, sizeof buf, &a);
    tu_list_push(&batch, buf, len);
    len = tu_seal(&f.kp, "a", 1, NULL, WALL, 998, 0, buf, sizeof buf, &b);
    tu_list_push(&batch, buf, len);
    const uint8_t *low = memcmp(a.id, b.id, NARA_ID_BYTES) < 0 ? a.id : b.id;

    for (int order = 0; order < 2; order++) {
        nara_store_t *s = mem_store();
        nara_bytes_t in[2] = {batch.v[order], batch.v[1 - order]};
        nara_outcome_t out[2];
        uint8_t got[512];
        size_t got_len;
        assert_int_equal(nara_store_merge(s, in, 2, WALL, out, NULL), NARA_OK);
        assert_int_equal(nara_store_get(s, low, got, sizeof got, &got_len), NARA_OK);
        assert_int_equal(counts(s).forks, 1);
        nara_store_close(s);
    }
    tu_list_free(&l);
    tu_list_free(&batch);
}

static void test_chain_break_is_fork_with_chain_reason(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, bad = {0};
    nara_outcome_t out[1];
    nara_event_t ev;
    uint8_t buf[512], wrong[NARA_HASH_BYTES];
    fork_seen_t fs = {0};
    bool behind = false;
    uint64_t seen = 0;
    make_feed(&f, 1, "a", 2, &l);
    memset(wrong, 0xab, sizeof wrong);
    size_t len = tu_seal(&f.kp, "a", 3, wrong, WALL, 5, 0, buf, sizeof buf, &ev);
    tu_list_push(&bad, buf, len);
    tu_merge(s, &l, NULL);

    nara_merge_stats_t st = tu_merge(s, &bad, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_FORK);
    assert_int_equal(out[0].reason, NARA_CHAIN);
    assert_int_equal(st.forks, 1);
    assert_int_equal(counts(s).events, 2);
    assert_int_equal(nara_store_each_fork(s, collect_fork, &fs), NARA_OK);
    assert_int_equal(fs.first.seq, 3);
    assert_int_equal(fs.first.reason, NARA_CHAIN);
    assert_true(bytes_equal(fs.first.held, l.v[1]));
    assert_true(bytes_equal(fs.first.other, bad.v[0]));
    assert_int_equal(nara_store_feed_behind(s, f.kp.pk, "a", &behind, &seen), NARA_OK);
    assert_true(behind);
    assert_int_equal(seen, 3);
    tu_list_free(&l);
    tu_list_free(&bad);
    nara_store_close(s);
}

static void test_pending_conflict_promotes_lowest_id_and_keeps_other_as_evidence(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, alts = {0};
    nara_event_t two, a, b;
    uint8_t buf[512], link2[NARA_HASH_BYTES], got[512];
    size_t got_len;
    fork_seen_t fs = {0};
    make_feed(&f, 1, "a", 2, &l);
    assert_int_equal(nara_event_decode(l.v[1].bytes, l.v[1].len, &two), NARA_OK);
    nara_event_link(&two, link2);
    size_t len = tu_seal(&f.kp, "a", 3, link2, WALL, 100, 0, buf, sizeof buf, &a);
    tu_list_push(&alts, buf, len);
    len = tu_seal(&f.kp, "a", 3, link2, WALL, 101, 0, buf, sizeof buf, &b);
    tu_list_push(&alts, buf, len);
    bool a_low = memcmp(a.id, b.id, NARA_ID_BYTES) < 0;
    tu_merge_range(s, &l, 0, 1, NULL);
    tu_merge_range(s, &alts, 1, 1, NULL); /* two pending at seq 3, separately */
    tu_merge_range(s, &alts, 0, 1, NULL);
    assert_int_equal(counts(s).pending, 2);

    nara_merge_stats_t st = tu_merge_range(s, &l, 1, 1, NULL);
    assert_int_equal(st.promoted, 1);
    assert_int_equal(counts(s).pending, 0);
    assert_int_equal(counts(s).forks, 1);
    assert_int_equal(nara_store_get(s, a_low ? a.id : b.id, got, sizeof got, &got_len), NARA_OK);
    assert_int_equal(nara_store_each_fork(s, collect_fork, &fs), NARA_OK);
    assert_true(bytes_equal(fs.first.held, alts.v[a_low ? 0 : 1]));
    assert_true(bytes_equal(fs.first.other, alts.v[a_low ? 1 : 0]));
    tu_list_free(&l);
    tu_list_free(&alts);
    nara_store_close(s);
}

static void test_pending_with_wrong_prev_becomes_chain_evidence_when_gap_fills(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, bad = {0};
    nara_event_t ev;
    uint8_t buf[512], wrong[NARA_HASH_BYTES];
    fork_seen_t fs = {0};
    make_feed(&f, 1, "a", 2, &l);
    memset(wrong, 0xcd, sizeof wrong);
    size_t len = tu_seal(&f.kp, "a", 3, wrong, WALL, 5, 0, buf, sizeof buf, &ev);
    tu_list_push(&bad, buf, len);
    tu_merge_range(s, &l, 0, 1, NULL);
    tu_merge(s, &bad, NULL);
    assert_int_equal(counts(s).pending, 1);

    nara_merge_stats_t st = tu_merge_range(s, &l, 1, 1, NULL);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.promoted, 0);
    assert_int_equal(counts(s).pending, 0);
    assert_int_equal(nara_store_each_fork(s, collect_fork, &fs), NARA_OK);
    assert_int_equal(fs.n, 1);
    assert_true(bytes_equal(fs.first.held, l.v[1]));
    assert_true(bytes_equal(fs.first.other, bad.v[0]));
    tu_list_free(&l);
    tu_list_free(&bad);
    nara_store_close(s);
}

static int stop_at_first(void *ctx, const nara_fork_t *f)
{
    (void)f;
    (*(int *)ctx)++;
    return 1;
}

static void test_each_fork_stops_when_callback_returns_nonzero(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, alt = {0};
    nara_event_t ev;
    uint8_t buf[512];
    int calls = 0;
    make_feed(&f, 1, "a", 1, &l);
    for (uint64_t n = 0; n < 2; n++) {
        size_t len = tu_seal(&f.kp, "a", 1, NULL, WALL, 500 + n, 0, buf, sizeof buf, &ev);
        tu_list_push(&alt, buf, len);
    }
    tu_merge(s, &l, NULL);
    tu_merge(s, &alt, NULL);
    assert_int_equal(counts(s).forks, 2);
    assert_int_equal(nara_store_each_fork(s, stop_at_first, &calls), NARA_OK);
    assert_int_equal(calls, 1);
    tu_list_free(&l);
    tu_list_free(&alt);
    nara_store_close(s);
}

/* ---- own feed behind ----------------------------------------------------- */

static void test_feed_behind_when_others_hold_later_events_and_append_refuses(void **state)
{
    (void)state;
    nara_store_t *src = mem_store(), *s = mem_store();
    nara_keypair_t kp;
    tu_list_t l = {0};
    bool behind = true;
    uint64_t seen = 0;
    uint8_t body[16];
    size_t blen = tu_body(body, sizeof body, 1, 0);
    tu_keypair(9, &kp);
    append_n(src, &kp, "a", 6, NULL); /* the device before it lost its data */
    tu_collect(src, NULL, &l);
    tu_merge_range(s, &l, 0, 2, NULL); /* the old backup: head 2 */
    assert_int_equal(nara_store_feed_behind(s, kp.pk, "a", &behind, &seen), NARA_OK);
    assert_false(behind);
    assert_int_equal(seen, 2);

    tu_merge_range(s, &l, 4, 2, NULL); /* seq 5, 6 arrive from another replica */
    assert_int_equal(nara_store_feed_behind(s, kp.pk, "a", &behind, &seen), NARA_OK);
    assert_true(behind);
    assert_int_equal(seen, 6);
    assert_int_equal(nara_store_append(s, &kp, "a", "k", body, blen, WALL, NULL), NARA_FEED_BEHIND);
    assert_int_equal(counts(s).events, 2);
    tu_list_free(&l);
    nara_store_close(src);
    nara_store_close(s);
}

static void test_append_resumes_once_the_gap_is_filled(void **state)
{
    (void)state;
    nara_store_t *src = mem_store(), *s = mem_store();
    nara_keypair_t kp;
    tu_list_t l = {0};
    uint8_t id[1][NARA_ID_BYTES];
    nara_event_t ev;
    bool behind = true;
    tu_keypair(9, &kp);
    append_n(src, &kp, "a", 4, NULL);
    tu_collect(src, NULL, &l);
    tu_merge_range(s, &l, 0, 1, NULL);
    tu_merge_range(s, &l, 3, 1, NULL);
    tu_merge_range(s, &l, 1, 2, NULL);
    assert_int_equal(nara_store_feed_behind(s, kp.pk, "a", &behind, NULL), NARA_OK);
    assert_false(behind);

    append_n(s, &kp, "a", 1, id);
    tu_get_event(s, id[0], &ev);
    assert_int_equal(ev.seq, 5);
    tu_list_free(&l);
    nara_store_close(src);
    nara_store_close(s);
}

/* ---- version vectors and the iterator ------------------------------------ */

static void test_vv_is_sorted_and_seq_lookup_finds_each_feed(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f[4];
    tu_list_t l = {0};
    nara_vv_t vv;
    const char *streams[4] = {"b", "a", "a.b", "a"};
    for (int i = 0; i < 4; i++)
        make_feed(&f[i], (uint64_t)(i / 2 + 1), streams[i], i + 1, &l);
    tu_merge(s, &l, NULL);

    assert_int_equal(nara_store_vv(s, &vv), NARA_OK);
    assert_int_equal(vv.n, 4);
    for (size_t i = 1; i < vv.n; i++) {
        int c = memcmp(vv.feeds[i - 1].author, vv.feeds[i].author, NARA_PUBLICKEY_BYTES);
        assert_true(c < 0 || (c == 0 && strcmp(vv.feeds[i - 1].stream, vv.feeds[i].stream) < 0));
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(nara_vv_seq(&vv, f[i].kp.pk, f[i].stream), (uint64_t)i + 1);
    assert_int_equal(nara_vv_seq(&vv, f[0].kp.pk, "zzz"), 0);
    nara_vv_free(&vv);
    assert_null(vv.feeds);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_iter_missing_returns_exactly_what_remote_lacks_in_chain_order(void **state)
{
    (void)state;
    nara_store_t *a = mem_store(), *b = mem_store();
    tu_feed_t f1, f2, f3, f4;
    tu_list_t l1 = {0}, l2 = {0}, l3 = {0}, l4 = {0}, got = {0};
    nara_vv_t vv;
    make_feed(&f1, 1, "x", 4, &l1);
    make_feed(&f2, 2, "x", 2, &l2);
    make_feed(&f3, 3, "x", 3, &l3);
    make_feed(&f4, 4, "x", 1, &l4);
    tu_merge(a, &l1, NULL);
    tu_merge(a, &l2, NULL);
    tu_merge(a, &l3, NULL);
    tu_merge_range(b, &l1, 0, 2, NULL);
    tu_merge(b, &l3, NULL);
    tu_merge(b, &l4, NULL);

    assert_int_equal(nara_store_vv(b, &vv), NARA_OK);
    tu_collect(a, &vv, &got);
    assert_int_equal(got.n, 4);
    /* per feed ascending seq; feeds in author order */
    size_t i = 0;
    bool f1_first = memcmp(f1.kp.pk, f2.kp.pk, NARA_PUBLICKEY_BYTES) < 0;
    const tu_list_t *first = f1_first ? &l1 : &l2, *second = f1_first ? &l2 : &l1;
    size_t first_from = f1_first ? 2 : 0, second_from = f1_first ? 0 : 2;
    for (size_t k = first_from; k < first->n; k++)
        assert_true(bytes_equal(got.v[i++], first->v[k]));
    for (size_t k = second_from; k < second->n; k++)
        assert_true(bytes_equal(got.v[i++], second->v[k]));
    nara_vv_free(&vv);
    tu_list_free(&l1);
    tu_list_free(&l2);
    tu_list_free(&l3);
    tu_list_free(&l4);
    tu_list_free(&got);
    nara_store_close(a);
    nara_store_close(b);
}

static bool only_stream_a(void *ctx, const uint8_t author[NARA_PUBLICKEY_BYTES], const char *stream)
{
    (void)author;
    (*(int *)ctx)++;
    return strcmp(stream, "a") == 0;
}

static void test_iter_filter_skips_excluded_feeds(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t fa, fb;
    tu_list_t la = {0}, lb = {0};
    nara_iter_t *it;
    nara_bytes_t ev;
    bool has;
    int calls = 0;
    size_t n = 0;
    make_feed(&fa, 1, "a", 2, &la);
    make_feed(&fb, 1, "b", 3, &lb);
    tu_merge(s, &la, NULL);
    tu_merge(s, &lb, NULL);

    assert_int_equal(nara_store_iter_missing(s, NULL, only_stream_a, &calls, &it), NARA_OK);
    for (;;) {
        assert_int_equal(nara_iter_next(it, &ev, &has), NARA_OK);
        if (!has)
            break;
        assert_true(bytes_equal(ev, la.v[n]));
        n++;
    }
    nara_iter_free(it);
    assert_int_equal(n, 2);
    assert_int_equal(calls, 2);
    tu_list_free(&la);
    tu_list_free(&lb);
    nara_store_close(s);
}

/* The iterator names each event's position without decoding: the same as
 * decoding the bytes gives. */
static void test_iter_position_matches_the_decoded_event(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t fa, fb;
    tu_list_t la = {0}, lb = {0};
    nara_iter_t *it;
    nara_bytes_t ev;
    nara_feed_head_t pos;
    bool has;
    size_t n = 0;
    make_feed(&fa, 1, "a", 3, &la);
    make_feed(&fb, 2, "32.01", 4, &lb);
    tu_merge(s, &la, NULL);
    tu_merge(s, &lb, NULL);
    assert_int_equal(nara_store_iter_missing(s, NULL, NULL, NULL, &it), NARA_OK);
    assert_int_equal(nara_iter_position(it, &pos), NARA_INVAL); /* nothing returned yet */
    for (;;) {
        nara_event_t e;
        assert_int_equal(nara_iter_next(it, &ev, &has), NARA_OK);
        if (!has)
            break;
        assert_int_equal(nara_event_decode(ev.bytes, ev.len, &e), NARA_OK);
        assert_int_equal(nara_iter_position(it, &pos), NARA_OK);
        assert_memory_equal(pos.author, e.author, NARA_PUBLICKEY_BYTES);
        assert_string_equal(pos.stream, e.stream);
        assert_true(pos.seq == e.seq);
        assert_memory_equal(pos.head, e.id, NARA_ID_BYTES);
        n++;
    }
    assert_int_equal(n, 7);
    assert_int_equal(nara_iter_position(it, &pos), NARA_INVAL); /* past the end */
    nara_iter_free(it);
    tu_list_free(&la);
    tu_list_free(&lb);
    nara_store_close(s);
}

/* ---- digest -------------------------------------------------------------- */

static void digest(nara_store_t *s, uint8_t out[NARA_HASH_BYTES])
{
    assert_int_equal(nara_store_digest(s, out), NARA_OK);
}

static void test_digest_is_equal_iff_accepted_sets_are_equal(void **state)
{
    (void)state;
    nara_store_t *a = mem_store(), *b = mem_store();
    tu_feed_t f, g;
    tu_list_t l = {0}, m = {0};
    uint8_t da[NARA_HASH_BYTES], db[NARA_HASH_BYTES];
    make_feed(&f, 1, "a", 3, &l);
    make_feed(&g, 2, "a", 2, &m);
    digest(a, da);
    digest(b, db);
    assert_memory_equal(da, db, NARA_HASH_BYTES);

    tu_merge(a, &l, NULL);
    tu_merge(a, &m, NULL);
    tu_merge(b, &m, NULL);
    tu_merge_range(b, &l, 0, 2, NULL);
    digest(a, da);
    digest(b, db);
    assert_memory_not_equal(da, db, NARA_HASH_BYTES);
    tu_merge_range(b, &l, 2, 1, NULL);
    digest(b, db);
    assert_memory_equal(da, db, NARA_HASH_BYTES);
    tu_list_free(&l);
    tu_list_free(&m);
    nara_store_close(a);
    nara_store_close(b);
}

static void test_digest_ignores_pending_events(void **state)
{
    (void)state;
    nara_store_t *a = mem_store(), *b = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    uint8_t da[NARA_HASH_BYTES], db[NARA_HASH_BYTES];
    make_feed(&f, 1, "a", 3, &l);
    tu_merge_range(a, &l, 0, 1, NULL);
    tu_merge_range(b, &l, 0, 1, NULL);
    tu_merge_range(b, &l, 2, 1, NULL);
    assert_int_equal(counts(b).pending, 1);
    digest(a, da);
    digest(b, db);
    assert_memory_equal(da, db, NARA_HASH_BYTES);
    tu_list_free(&l);
    nara_store_close(a);
    nara_store_close(b);
}

/* ---- verify modes -------------------------------------------------------- */

/* Merge `l` in the given batches into a fresh store with `mode`; outcomes
 * (l.n entries) and digest out. */
static void merge_with_mode(nara_verify_mode_t mode, const tu_list_t *l, const size_t *splits,
                            size_t nsplits, nara_outcome_t *out, uint8_t dig[NARA_HASH_BYTES])
{
    nara_store_t *s = mem_store();
    size_t from = 0;
    nara_store_set_verify_mode(s, mode);
    for (size_t i = 0; i <= nsplits; i++) {
        size_t to = i < nsplits ? splits[i] : l->n;
        tu_merge_range(s, l, from, to - from, out + from);
        from = to;
    }
    digest(s, dig);
    nara_store_close(s);
}

static void test_verify_chain_accepts_the_same_as_verify_each(void **state)
{
    (void)state;
    tu_feed_t f, g;
    tu_list_t l = {0}, mixed = {0};
    nara_outcome_t oe[12], oc[12];
    uint8_t de[NARA_HASH_BYTES], dc[NARA_HASH_BYTES];
    static const size_t order[12] = {3, 9, 0, 1, 10, 4, 2, 7, 11, 5, 6, 8};
    static const size_t splits[2] = {4, 7};
    make_feed(&f, 1, "a", 6, &l);
    make_feed(&g, 2, "a", 6, &l);
    for (size_t i = 0; i < 12; i++)
        tu_list_push(&mixed, l.v[order[i]].bytes, l.v[order[i]].len);

    merge_with_mode(NARA_VERIFY_EACH, &mixed, splits, 2, oe, de);
    merge_with_mode(NARA_VERIFY_CHAIN, &mixed, splits, 2, oc, dc);
    for (size_t i = 0; i < 12; i++) {
        assert_int_equal(oe[i].kind, oc[i].kind);
        assert_int_not_equal(oc[i].kind, NARA_OUTCOME_REJECTED);
    }
    assert_memory_equal(de, dc, NARA_HASH_BYTES);
    tu_list_free(&l);
    tu_list_free(&mixed);
}

static void test_verify_chain_checks_one_signature_per_linked_run(void **state)
{
    (void)state;
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[6];
    uint8_t d[NARA_HASH_BYTES];
    make_feed(&f, 1, "a", 6, &l);
    verify_calls = 0;
    merge_with_mode(NARA_VERIFY_EACH, &l, NULL, 0, out, d);
    assert_int_equal(verify_calls, 6);
    verify_calls = 0;
    merge_with_mode(NARA_VERIFY_CHAIN, &l, NULL, 0, out, d);
    assert_int_equal(verify_calls, 1);
    for (int i = 0; i < 6; i++)
        assert_int_equal(out[i].kind, NARA_OUTCOME_ADDED);
    tu_list_free(&l);
}

/* A flipped signature in the middle of a run changes that event's link, so
 * its successor no longer links onto it: the run verified by the last
 * signature ends at the bad event, the check fails, and each event is then
 * checked on its own.  Result: prefix ADDED, bad one REJECTED, the rest
 * PENDING (their predecessor is missing), exactly as with VERIFY_EACH. */
static void test_verify_chain_rejects_bad_signature_in_middle_of_run(void **state)
{
    (void)state;
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t oc[5], oe[5];
    uint8_t dc[NARA_HASH_BYTES], de[NARA_HASH_BYTES];
    static const nara_outcome_kind_t want[5] = {NARA_OUTCOME_ADDED, NARA_OUTCOME_ADDED,
                                                NARA_OUTCOME_REJECTED, NARA_OUTCOME_PENDING,
                                                NARA_OUTCOME_PENDING};
    make_feed(&f, 1, "a", 5, &l);
    flip_last_byte(&l, 2);

    merge_with_mode(NARA_VERIFY_CHAIN, &l, NULL, 0, oc, dc);
    merge_with_mode(NARA_VERIFY_EACH, &l, NULL, 0, oe, de);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(oc[i].kind, want[i]);
        assert_int_equal(oe[i].kind, want[i]);
    }
    assert_int_equal(oc[2].reason, NARA_SIGNATURE);
    assert_memory_equal(dc, de, NARA_HASH_BYTES);
    tu_list_free(&l);
}

static void test_verify_chain_rejects_bad_signature_at_end_of_run(void **state)
{
    (void)state;
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[4];
    uint8_t d[NARA_HASH_BYTES];
    make_feed(&f, 1, "a", 4, &l);
    flip_last_byte(&l, 3);
    merge_with_mode(NARA_VERIFY_CHAIN, &l, NULL, 0, out, d);
    for (int i = 0; i < 3; i++)
        assert_int_equal(out[i].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(out[3].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(out[3].reason, NARA_SIGNATURE);
    tu_list_free(&l);
}

static void test_genuine_event_heals_after_bad_copy_was_rejected(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, good = {0};
    nara_outcome_t out[1];
    make_feed(&f, 1, "a", 4, &l);
    tu_list_push(&good, l.v[1].bytes, l.v[1].len);
    flip_last_byte(&l, 1);
    nara_store_set_verify_mode(s, NARA_VERIFY_CHAIN);
    tu_merge(s, &l, NULL);
    assert_int_equal(counts(s).events, 1);

    nara_merge_stats_t st = tu_merge(s, &good, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(st.promoted, 2);
    assert_int_equal(counts(s).events, 4);
    tu_list_free(&l);
    tu_list_free(&good);
    nara_store_close(s);
}

/* ---- endorsed events ----------------------------------------------------- */

/* l = [e1, e2] of a fresh feed: e1's signature is corrupted and the author
 * signs e2 with prev = link of that corrupted e1 (a modified client). */
static void self_endorsed_pair(tu_feed_t *f, tu_list_t *l, uint8_t bad_id[NARA_ID_BYTES])
{
    tu_feed_init(f, 1, "a");
    tu_feed_next(f, WALL, 0, 0, l);
    tu_feed_break_head_sig(f, l, bad_id);
    tu_feed_next(f, WALL + 1, 1, 0, l);
}

static void test_each_mode_bad_signature_is_promoted_when_a_later_batch_endorses_it(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[1];
    uint8_t bad[NARA_ID_BYTES], buf[512];
    size_t len;
    self_endorsed_pair(&f, &l, bad);

    nara_merge_stats_t st = tu_merge_range(s, &l, 0, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(out[0].reason, NARA_SIGNATURE);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(counts(s).events, 0);
    assert_int_equal(counts(s).quarantined, 1);
    st = tu_merge_range(s, &l, 1, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.promoted, 1);
    assert_int_equal(counts(s).events, 2);
    assert_int_equal(counts(s).pending, 0);
    assert_int_equal(nara_store_get(s, bad, buf, sizeof buf, &len), NARA_OK);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_each_mode_bad_signature_is_promoted_when_its_endorsement_came_first(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[1];
    uint8_t bad[NARA_ID_BYTES];
    self_endorsed_pair(&f, &l, bad);

    tu_merge_range(s, &l, 1, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_PENDING);
    nara_merge_stats_t st = tu_merge_range(s, &l, 0, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(out[0].reason, NARA_SIGNATURE);
    assert_int_equal(st.promoted, 2);
    assert_int_equal(counts(s).events, 2);
    assert_int_equal(counts(s).pending, 0);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_each_mode_bad_signature_endorsed_in_the_same_batch_is_accepted(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[2];
    uint8_t bad[NARA_ID_BYTES];
    self_endorsed_pair(&f, &l, bad);
    nara_bytes_t in[2] = {l.v[1], l.v[0]};

    assert_int_equal(nara_store_merge(s, in, 2, WALL, out, NULL), NARA_OK);
    assert_int_equal(out[0].kind, NARA_OUTCOME_ADDED);
    assert_int_equal(out[1].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(out[1].reason, NARA_SIGNATURE);
    assert_int_equal(counts(s).events, 2);
    assert_int_equal(counts(s).pending, 0);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_chain_mode_accepts_the_same_endorsed_events_as_each_mode(void **state)
{
    (void)state;
    tu_feed_t f;
    tu_list_t l = {0}, rev = {0};
    nara_outcome_t out[2];
    uint8_t bad[NARA_ID_BYTES], want[NARA_HASH_BYTES], got[NARA_HASH_BYTES];
    static const size_t split[1] = {1};
    self_endorsed_pair(&f, &l, bad);
    tu_list_push(&rev, l.v[1].bytes, l.v[1].len);
    tu_list_push(&rev, l.v[0].bytes, l.v[0].len);
    merge_with_mode(NARA_VERIFY_EACH, &l, NULL, 0, out, want);

    merge_with_mode(NARA_VERIFY_CHAIN, &l, NULL, 0, out, got); /* one batch */
    assert_memory_equal(got, want, NARA_HASH_BYTES);
    merge_with_mode(NARA_VERIFY_CHAIN, &l, split, 1, out, got); /* [e1] then [e2] */
    assert_memory_equal(got, want, NARA_HASH_BYTES);
    merge_with_mode(NARA_VERIFY_CHAIN, &rev, split, 1, out, got); /* [e2] then [e1] */
    assert_memory_equal(got, want, NARA_HASH_BYTES);
    merge_with_mode(NARA_VERIFY_EACH, &rev, split, 1, out, got);
    assert_memory_equal(got, want, NARA_HASH_BYTES);
    tu_list_free(&l);
    tu_list_free(&rev);
}

/* e1 and e2 both carry bad signatures, e3 is valid and endorses e2, which
 * endorses e1: arriving as [e3], [e1], [e2], all three are accepted. */
static void test_endorsement_reaches_down_through_several_bad_signatures(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[1];
    tu_feed_init(&f, 1, "a");
    tu_feed_next(&f, WALL, 0, 0, &l);
    tu_feed_break_head_sig(&f, &l, NULL);
    tu_feed_next(&f, WALL + 1, 1, 0, &l);
    tu_feed_break_head_sig(&f, &l, NULL);
    tu_feed_next(&f, WALL + 2, 2, 0, &l);

    tu_merge_range(s, &l, 2, 1, NULL);
    tu_merge_range(s, &l, 0, 1, NULL);
    assert_int_equal(counts(s).events, 0);
    nara_merge_stats_t st = tu_merge_range(s, &l, 1, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_REJECTED);
    assert_int_equal(st.promoted, 3);
    assert_int_equal(counts(s).events, 3);
    assert_int_equal(counts(s).pending, 0);
    tu_list_free(&l);
    nara_store_close(s);
}

/* Anyone can make events with a bad signature in someone's name: they stay
 * out of the log, do not count as "others hold later events" and do not stop
 * the author's own appends. */
static void test_unendorsed_bad_signature_stays_out_and_does_not_make_feed_behind(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    nara_keypair_t kp;
    tu_list_t forged = {0};
    nara_event_t ev;
    uint8_t buf[512], link[NARA_HASH_BYTES];
    size_t len;
    bool behind = true;
    uint64_t seen = 99;
    tu_keypair(9, &kp);
    memset(link, 0x5a, sizeof link);
    len = tu_seal(&kp, "a", 1, NULL, WALL, 1, 0, buf, sizeof buf, &ev);
    tu_list_push(&forged, buf, len);
    len = tu_seal(&kp, "a", 4, link, WALL, 4, 0, buf, sizeof buf, &ev);
    tu_list_push(&forged, buf, len);
    for (size_t i = 0; i < forged.n; i++)
        flip_last_byte(&forged, i);

    nara_merge_stats_t st = tu_merge(s, &forged, NULL);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(counts(s).events, 0);
    assert_int_equal(nara_store_feed_behind(s, kp.pk, "a", &behind, &seen), NARA_OK);
    assert_false(behind);
    assert_int_equal(seen, 0);
    append_n(s, &kp, "a", 2, NULL);
    assert_int_equal(counts(s).events, 2);
    assert_int_equal(counts(s).pending, 1); /* the one at seq 4 */
    assert_int_equal(nara_store_get(s, ev.id, buf, sizeof buf, &len), NARA_NOT_FOUND);
    tu_list_free(&forged);
    nara_store_close(s);
}

/* Two candidates at seq 3: u with a bad signature and nothing endorsing it
 * (and the lower id), v valid.  When the gap fills, v is accepted, u is
 * dropped from pending (it stays quarantined) and is not fork evidence. */
static void test_unverified_candidate_loses_to_valid_one_without_fork_evidence(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, cand = {0};
    nara_event_t two, u, v;
    uint8_t buf[512], link2[NARA_HASH_BYTES];
    size_t len;
    make_feed(&f, 1, "a", 2, &l);
    assert_int_equal(nara_event_decode(l.v[1].bytes, l.v[1].len, &two), NARA_OK);
    nara_event_link(&two, link2);
    len = tu_seal(&f.kp, "a", 3, link2, WALL, 100, 0, buf, sizeof buf, &v);
    tu_list_push(&cand, buf, len);
    for (uint64_t n = 101;; n++) {
        len = tu_seal(&f.kp, "a", 3, link2, WALL, n, 0, buf, sizeof buf, &u);
        if (memcmp(u.id, v.id, NARA_ID_BYTES) < 0)
            break;
    }
    tu_list_push(&cand, buf, len);
    flip_last_byte(&cand, 1);
    tu_merge_range(s, &l, 0, 1, NULL);
    tu_merge(s, &cand, NULL);
    assert_int_equal(counts(s).pending, 2);

    nara_merge_stats_t st = tu_merge_range(s, &l, 1, 1, NULL);
    assert_int_equal(st.promoted, 1);
    assert_int_equal(nara_store_get(s, v.id, buf, sizeof buf, &len), NARA_OK);
    assert_int_equal(nara_store_get(s, u.id, buf, sizeof buf, &len), NARA_NOT_FOUND);
    assert_int_equal(counts(s).forks, 0);
    assert_int_equal(counts(s).pending, 0);
    assert_int_equal(counts(s).quarantined, 1);
    tu_list_free(&l);
    tu_list_free(&cand);
    nara_store_close(s);
}

/* A copy of e3 with a broken signature is held (it might be endorsed), but
 * the genuine e3 is not a duplicate of it: it is held too and accepted when
 * the gap fills. */
static void test_bad_copy_held_pending_does_not_shadow_the_genuine_event(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0}, bad = {0};
    nara_outcome_t out[1];
    make_feed(&f, 1, "a", 3, &l);
    tu_list_push(&bad, l.v[2].bytes, l.v[2].len);
    flip_last_byte(&bad, 0);
    tu_merge_range(s, &l, 0, 1, NULL);
    tu_merge(s, &bad, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_REJECTED);

    tu_merge_range(s, &l, 2, 1, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_PENDING);
    tu_merge(s, &bad, out);
    assert_int_equal(out[0].kind, NARA_OUTCOME_DUPLICATE);
    nara_merge_stats_t st = tu_merge_range(s, &l, 1, 1, NULL);
    assert_int_equal(st.promoted, 1);
    assert_int_equal(counts(s).events, 3);
    assert_int_equal(counts(s).pending, 0);
    tu_list_free(&l);
    tu_list_free(&bad);
    nara_store_close(s);
}

/* ---- hooks --------------------------------------------------------------- */

typedef struct {
    uint64_t seqs[8];
    int64_t rowids[8];
    int added, commits, rollbacks;
    nara_err_t commit_result;
} hook_log_t;

static nara_err_t on_added(void *ctx, const nara_event_t *ev, int64_t rowid)
{
    hook_log_t *h = ctx;
    if (h->added < 8) {
        h->seqs[h->added] = ev->seq;
        h->rowids[h->added] = rowid;
    }
    h->added++;
    return NARA_OK;
}

static nara_err_t before_commit(void *ctx)
{
    hook_log_t *h = ctx;
    h->commits++;
    return h->commit_result;
}

static void after_rollback(void *ctx)
{
    ((hook_log_t *)ctx)->rollbacks++;
}

static void test_on_added_runs_in_acceptance_order_including_promotions(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    hook_log_t h = {0};
    nara__store_hooks_t hooks = {on_added, before_commit, after_rollback, &h};
    make_feed(&f, 1, "a", 4, &l);
    assert_int_equal(nara__store_add_hooks(s, &hooks), NARA_OK);
    tu_merge_range(s, &l, 2, 2, NULL);
    tu_merge_range(s, &l, 0, 2, NULL);

    assert_int_equal(h.added, 4);
    assert_int_equal(h.commits, 2);
    for (int i = 0; i < 4; i++)
        assert_int_equal(h.seqs[i], (uint64_t)i + 1);
    for (int i = 1; i < 4; i++)
        assert_true(h.rowids[i] > h.rowids[i - 1]);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_every_installed_hook_set_runs_in_order_added(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    hook_log_t h1 = {0}, h2 = {0};
    nara__store_hooks_t hooks1 = {on_added, before_commit, after_rollback, &h1};
    nara__store_hooks_t hooks2 = {on_added, before_commit, after_rollback, &h2};
    make_feed(&f, 1, "a", 3, &l);
    assert_int_equal(nara__store_add_hooks(s, &hooks1), NARA_OK);
    assert_int_equal(nara__store_add_hooks(s, &hooks2), NARA_OK);
    tu_merge(s, &l, NULL);
    assert_int_equal(h1.added, 3);
    assert_int_equal(h2.added, 3);
    nara__store_remove_hooks(s, &h1);
    tu_list_free(&l);
    make_feed(&f, 2, "a", 2, &l);
    tu_merge(s, &l, NULL);
    assert_int_equal(h1.added, 3);
    assert_int_equal(h2.added, 5);
    tu_list_free(&l);
    nara_store_close(s);
}

static void test_hook_sets_beyond_the_limit_are_refused(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    hook_log_t h = {0};
    nara__store_hooks_t hooks = {on_added, before_commit, after_rollback, &h};
    for (int i = 0; i < NARA__STORE_MAX_HOOKS; i++)
        assert_int_equal(nara__store_add_hooks(s, &hooks), NARA_OK);
    assert_int_equal(nara__store_add_hooks(s, &hooks), NARA_INVAL);
    nara_store_close(s);
}

static void test_hook_error_rolls_back_the_whole_merge(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    tu_feed_t f;
    tu_list_t l = {0};
    hook_log_t h = {.commit_result = NARA_INVAL};
    nara__store_hooks_t hooks = {on_added, before_commit, after_rollback, &h};
    nara_outcome_t out[3];
    nara_merge_stats_t st;
    make_feed(&f, 1, "a", 3, &l);
    assert_int_equal(nara__store_add_hooks(s, &hooks), NARA_OK);

    assert_int_equal(nara_store_merge(s, l.v, l.n, WALL, out, &st), NARA_INVAL);
    assert_int_equal(h.rollbacks, 1);
    assert_int_equal(st.added, 0);
    nara__store_remove_hooks(s, &h);
    assert_int_equal(counts(s).events, 0); /* and the store still works */
    tu_merge(s, &l, NULL);
    assert_int_equal(counts(s).events, 3);
    tu_list_free(&l);
    nara_store_close(s);
}

/* ---- lookups ------------------------------------------------------------- */

static void test_get_reports_not_found_and_needed_size(void **state)
{
    (void)state;
    nara_store_t *s = mem_store();
    nara_keypair_t kp;
    uint8_t id[1][NARA_ID_BYTES], missing[NARA_ID_BYTES] = {0}, buf[4];
    size_t len = 0;
    tu_keypair(1, &kp);
    append_n(s, &kp, "a", 1, id);
    assert_int_equal(nara_store_get(s, missing, buf, sizeof buf, &len), NARA_NOT_FOUND);
    assert_int_equal(nara_store_get(s, id[0], buf, sizeof buf, &len), NARA_BUFFER_TOO_SMALL);
    assert_true(len > sizeof buf);
    nara_store_close(s);
}

/* ---- storage failure ----------------------------------------------------- */

static int64_t pragma_int(nara_store_t *s, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_disk_full_makes_store_failed_and_keeps_committed_data(void **state)
{
    (void)state;
    char path[64], sql[64];
    nara_store_t *s;
    sqlite3_stmt *st;
    tu_feed_t f;
    tu_list_t l = {0};
    nara_outcome_t out[2];
    nara_err_t err = NARA_OK;
    size_t committed = 0;
    uint8_t d1[NARA_HASH_BYTES], d2[NARA_HASH_BYTES];
    tu_temp_path(path, sizeof path);
    tu_feed_init(&f, 1, "a");
    for (int i = 0; i < 200; i++)
        tu_feed_next(&f, WALL, (uint64_t)i, 3000, &l);
    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    tu_merge_range(s, &l, 0, 2, NULL);
    committed = 2;
    snprintf(sql, sizeof sql, "PRAGMA max_page_count=%lld",
             (long long)pragma_int(s, "PRAGMA page_count") + 8);
    pragma_int(s, sql);

    while (committed < l.n) {
        err = nara_store_merge(s, l.v + committed, 2, WALL, out, NULL);
        if (err != NARA_OK)
            break;
        committed += 2;
    }
    assert_int_equal(err, NARA_FULL);
    assert_non_null(strstr(nara_store_errmsg(s), "full"));
    assert_int_equal(nara_store_digest(s, d1), NARA_STORE_FAILED);
    assert_int_equal(nara_store_merge(s, l.v, 1, WALL, out, NULL), NARA_STORE_FAILED);
    nara_store_close(s);

    assert_int_equal(nara_store_open(path, &s), NARA_OK);
    assert_int_equal(counts(s).events, committed);
    assert_int_equal(counts(s).pending, 0);
    assert_int_equal(sqlite3_prepare_v2(nara__store_db(s), "PRAGMA integrity_check", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    digest(s, d1);
    nara_store_close(s);
    s = mem_store();
    tu_merge_range(s, &l, 0, committed, NULL);
    digest(s, d2);
    assert_memory_equal(d1, d2, NARA_HASH_BYTES);
    nara_store_close(s);
    tu_list_free(&l);
    tu_remove_db(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_turns_sqlite_memory_statistics_off),
        cmocka_unit_test(test_open_creates_schema_and_reopen_keeps_events),
        cmocka_unit_test(test_open_uses_wal_and_records_schema_version),
        cmocka_unit_test(test_open_corrupt_header_is_corrupt),
        cmocka_unit_test(test_open_foreign_sqlite_file_is_corrupt),
        cmocka_unit_test(test_open_newer_schema_is_schema_error),
        cmocka_unit_test(test_open_migrates_version_1_pending_rows),
        cmocka_unit_test(test_open_migrates_version_2_events_keeping_order_and_ids),
        cmocka_unit_test(test_close_accepts_null),
        cmocka_unit_test(test_merge_on_threads_gives_the_outcomes_of_one_thread),
        cmocka_unit_test(
            test_a_presorted_batch_merged_while_decoding_gives_the_outcomes_of_one_thread),
        cmocka_unit_test(test_a_batch_out_of_order_is_not_streamed),
        cmocka_unit_test(test_append_then_get_returns_the_signed_event),
        cmocka_unit_test(test_append_chains_seq_and_prev_per_stream),
        cmocka_unit_test(test_append_clock_persists_and_never_goes_backwards),
        cmocka_unit_test(test_append_rejects_invalid_stream_without_failing_store),
        cmocka_unit_test(test_merge_of_another_replicas_events_adds_them),
        cmocka_unit_test(test_merge_of_zero_events_is_ok),
        cmocka_unit_test(test_merge_duplicate_is_reported_duplicate),
        cmocka_unit_test(test_merge_pending_event_again_is_duplicate),
        cmocka_unit_test(test_bad_signature_is_rejected_and_quarantined),
        cmocka_unit_test(test_undecodable_is_rejected_with_decoder_reason_and_valid_still_added),
        cmocka_unit_test(test_gap_is_pending_then_promoted_by_later_batch),
        cmocka_unit_test(test_reversed_batch_is_all_added_with_outcomes_in_input_order),
        cmocka_unit_test(test_fork_is_kept_as_evidence_and_not_applied),
        cmocka_unit_test(test_fork_evidence_is_stored_once),
        cmocka_unit_test(test_other_feeds_are_served_after_a_fork),
        cmocka_unit_test(test_same_position_conflict_in_one_batch_resolves_to_lowest_id),
        cmocka_unit_test(test_chain_break_is_fork_with_chain_reason),
        cmocka_unit_test(test_pending_conflict_promotes_lowest_id_and_keeps_other_as_evidence),
        cmocka_unit_test(test_pending_with_wrong_prev_becomes_chain_evidence_when_gap_fills),
        cmocka_unit_test(test_each_fork_stops_when_callback_returns_nonzero),
        cmocka_unit_test(test_feed_behind_when_others_hold_later_events_and_append_refuses),
        cmocka_unit_test(test_append_resumes_once_the_gap_is_filled),
        cmocka_unit_test(test_vv_is_sorted_and_seq_lookup_finds_each_feed),
        cmocka_unit_test(test_iter_missing_returns_exactly_what_remote_lacks_in_chain_order),
        cmocka_unit_test(test_iter_filter_skips_excluded_feeds),
        cmocka_unit_test(test_iter_position_matches_the_decoded_event),
        cmocka_unit_test(test_digest_is_equal_iff_accepted_sets_are_equal),
        cmocka_unit_test(test_digest_ignores_pending_events),
        cmocka_unit_test(test_verify_chain_accepts_the_same_as_verify_each),
        cmocka_unit_test(test_verify_chain_checks_one_signature_per_linked_run),
        cmocka_unit_test(test_verify_chain_rejects_bad_signature_in_middle_of_run),
        cmocka_unit_test(test_verify_chain_rejects_bad_signature_at_end_of_run),
        cmocka_unit_test(test_genuine_event_heals_after_bad_copy_was_rejected),
        cmocka_unit_test(test_each_mode_bad_signature_is_promoted_when_a_later_batch_endorses_it),
        cmocka_unit_test(test_each_mode_bad_signature_is_promoted_when_its_endorsement_came_first),
        cmocka_unit_test(test_each_mode_bad_signature_endorsed_in_the_same_batch_is_accepted),
        cmocka_unit_test(test_chain_mode_accepts_the_same_endorsed_events_as_each_mode),
        cmocka_unit_test(test_endorsement_reaches_down_through_several_bad_signatures),
        cmocka_unit_test(test_unendorsed_bad_signature_stays_out_and_does_not_make_feed_behind),
        cmocka_unit_test(test_unverified_candidate_loses_to_valid_one_without_fork_evidence),
        cmocka_unit_test(test_bad_copy_held_pending_does_not_shadow_the_genuine_event),
        cmocka_unit_test(test_on_added_runs_in_acceptance_order_including_promotions),
        cmocka_unit_test(test_hook_error_rolls_back_the_whole_merge),
        cmocka_unit_test(test_every_installed_hook_set_runs_in_order_added),
        cmocka_unit_test(test_hook_sets_beyond_the_limit_are_refused),
        cmocka_unit_test(test_get_reports_not_found_and_needed_size),
        cmocka_unit_test(test_disk_full_makes_store_failed_and_keeps_committed_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
