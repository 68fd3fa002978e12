/*
 * cmd_receipts.c - `nara receipts [--verify]`: what the province server has
 * signed for (receipts.h), this device's events still without a receipt,
 * and any evidence of a server whose history forked or shrank.
 *
 * --verify checks everything again, offline, without trusting the tables:
 * each head's signature (by the pinned server key), that the heads form one
 * history (each consecutive pair proven consistent), each receipt's
 * inclusion proof against its head, and that the event it names is in this
 * replica with exactly that id.  Any failure: exit 4, each one named.
 *
 * Memory: the heads are loaded (one per size, a few hundred bytes each);
 * receipts and events are walked one at a time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receipts.h"
#include "nara_cli.h"

#define MAX_PROBLEMS 64

typedef struct {
    nara_app_t *app;
    bool verify;
    bool has_key;
    uint8_t key[NARA_PUBLICKEY_BYTES]; /* the pinned server key */
    nara_tree_head_t *heads;           /* ascending size */
    size_t n_heads, cap_heads;
    bool *bad_head; /* per head: failed a check */
    uint64_t receipts, verified, unreceipted, evidence;
    char problems[MAX_PROBLEMS][200];       /* English, for --json */
    char problems_local[MAX_PROBLEMS][300]; /* the environment's language */
    size_t n_problems, more_problems;
    nara_json_t j;
    nara_err_t err;
} rx_t;

/* One problem: catalogued message `id` (err's sentence appended unless NARA_OK). */
static void problem(rx_t *x, nara_err_t err, nara_msg_id_t id, ...)
{
    va_list ap;
    if (x->n_problems == MAX_PROBLEMS) {
        x->more_problems++;
        return;
    }
    va_start(ap, id);
    nara_msg_vformat2(x->problems[x->n_problems], sizeof x->problems[0],
                      x->problems_local[x->n_problems], sizeof x->problems_local[0], err, id, ap);
    x->n_problems++;
    va_end(ap);
}

/* ---- heads ------------------------------------------------------------------------ */

static int load_head(void *ctx, const nara_tree_head_t *h)
{
    rx_t *x = ctx;
    if (x->n_heads == x->cap_heads) {
        size_t cap = x->cap_heads ? 2 * x->cap_heads : 64;
        nara_tree_head_t *v = realloc(x->heads, cap * sizeof *v);
        bool *b = realloc(x->bad_head, cap * sizeof *b);
        if (v)
            x->heads = v;
        if (b)
            x->bad_head = b;
        if (!v || !b) {
            x->err = NARA_NOMEM;
            return 1;
        }
        x->cap_heads = cap;
    }
    x->bad_head[x->n_heads] = false;
    x->heads[x->n_heads++] = *h;
    return 0;
}

static const nara_tree_head_t *head_of(const rx_t *x, uint64_t size, size_t *at)
{
    size_t lo = 0, hi = x->n_heads;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->heads[mid].size == size) {
            if (at)
                *at = mid;
            return &x->heads[mid];
        }
        if (x->heads[mid].size < size)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void verify_heads(rx_t *x)
{
    for (size_t i = 0; i < x->n_heads; i++) {
        const nara_tree_head_t *h = &x->heads[i];
        nara_err_t e = nara_tree_head_verify(h, x->has_key ? x->key : x->heads[0].server_pk);
        if (e != NARA_OK) {
            x->bad_head[i] = true;
            problem(x, e, NARA_MSG_RCPT_BAD_HEAD, (unsigned long long)h->size);
        }
    }
}

typedef struct {
    rx_t *x;
    bool *linked; /* per head: a verified proof from the head before it */
} chain_t;

static int check_link(void *ctx, uint64_t first, uint64_t second, const nara_merkle_proof_t *p)
{
    chain_t *c = ctx;
    size_t a, b;
    if (!head_of(c->x, first, &a) || !head_of(c->x, second, &b) || b != a + 1)
        return 0; /* not between two consecutive kept heads: not needed */
    if (nara_merkle_verify_consistency(first, second, c->x->heads[a].root, c->x->heads[b].root,
                                       p) == NARA_OK)
        c->linked[b] = true;
    return 0;
}

static void verify_chain(rx_t *x)
{
    chain_t c = {x, calloc(x->n_heads ? x->n_heads : 1, sizeof(bool))};
    if (!c.linked) {
        x->err = NARA_NOMEM;
        return;
    }
    nara_err_t err = nara_rcpt_each_consistency(x->app->meta, check_link, &c);
    if (err != NARA_OK)
        x->err = err;
    for (size_t i = 1; i < x->n_heads; i++)
        if (!c.linked[i])
            problem(x, NARA_OK, NARA_MSG_RCPT_NO_LINK, (unsigned long long)x->heads[i - 1].size,
                    (unsigned long long)x->heads[i].size);
    free(c.linked);
}

/* ---- receipts ---------------------------------------------------------------------- */

static void short_id(const uint8_t *b, char out[13])
{
    nara_fmt_id(b, out);
}

/* The event of a receipt, from the replica; false if not held. */
static bool event_of(rx_t *x, const uint8_t id[32], nara_event_t *ev)
{
    static uint8_t buf[NARA_EVENT_MAX_BYTES];
    size_t len = 0;
    if (nara_store_get(x->app->store, id, buf, sizeof buf, &len) != NARA_OK ||
        nara_event_decode(buf, len, ev) != NARA_OK)
        return false;
    return true;
}

static bool check_receipt(rx_t *x, const nara_rcpt_row_t *r, bool held, const nara_event_t *ev)
{
    char id[13];
    size_t at;
    nara_merkle_proof_t p;
    uint8_t leaf[32];
    short_id(r->id, id);
    const nara_tree_head_t *h = head_of(x, r->size, &at);
    if (!h || x->bad_head[at]) {
        problem(x, NARA_OK, h ? NARA_MSG_RCPT_HEAD_INVALID : NARA_MSG_RCPT_HEAD_NOT_KEPT, id,
                (unsigned long long)r->size);
        return false;
    }
    nara_merkle_hash_leaf(r->id, 32, leaf);
    if (nara_merkle_proof_decode(r->proof, r->proof_len, &p) != NARA_OK ||
        nara_merkle_verify_inclusion(leaf, r->leaf, h->size, &p, h->root) != NARA_OK) {
        problem(x, NARA_OK, NARA_MSG_RCPT_PROOF_BAD, id, (unsigned long long)r->leaf);
        return false;
    }
    if (!held || memcmp(ev->id, r->id, 32) != 0) {
        problem(x, NARA_OK, NARA_MSG_RCPT_NOT_HELD_EVENT, id);
        return false;
    }
    return true;
}

static int on_receipt(void *ctx, const nara_rcpt_row_t *r)
{
    rx_t *x = ctx;
    nara_event_t ev;
    char id[13], at[NARA_TIME_STR];
    bool held = event_of(x, r->id, &ev);
    const nara_tree_head_t *h = head_of(x, r->size, NULL);
    bool ok = x->verify ? check_receipt(x, r, held, &ev) : true;
    x->receipts++;
    x->verified += x->verify && ok;
    nara_fmt_time(h ? h->time_ms : 0, at);
    if (x->app->json) {
        nara_json_obj(&x->j, NULL);
        nara_json_hex(&x->j, "id", r->id, 32);
        nara_json_str(&x->j, "stream", held ? ev.stream : NULL);
        nara_json_u64(&x->j, "seq", held ? ev.seq : 0);
        nara_json_str(&x->j, "kind", held ? ev.kind : NULL);
        nara_json_u64(&x->j, "leaf", r->leaf);
        nara_json_u64(&x->j, "head_size", r->size);
        nara_json_time(&x->j, "signed_at", h ? h->time_ms : 0);
        if (x->verify)
            nara_json_bool(&x->j, "verified", ok);
        nara_json_end(&x->j);
        return 0;
    }
    short_id(r->id, id);
    printf("  %-12s  %-8s %5llu  %-14s %8llu %10llu  %s%s\n", id, held ? ev.stream : "?",
           (unsigned long long)(held ? ev.seq : 0),
           held ? nara_vocab_kind(ev.kind) : nara_msg(NARA_MSG_RCPT_NOT_HELD),
           (unsigned long long)r->leaf,
           (unsigned long long)r->size, at,
           x->verify ? nara_msg(ok ? NARA_MSG_RCPT_ROW_VERIFIED : NARA_MSG_RCPT_ROW_FAILED) : "");
    return 0;
}

/* ---- own events without a receipt ------------------------------------------------------ */

static nara_err_t count_unreceipted(rx_t *x)
{
    nara_rcpt_own_t own;
    nara_err_t err = nara_rcpt_count_own(x->app->meta, x->app->store, x->app->kp.pk, NULL, &own);
    x->unreceipted = own.sent + own.unsent;
    return err;
}

/* ---- evidence --------------------------------------------------------------------------- */

static void json_head(nara_json_t *j, const char *key, bool has, const nara_tree_head_t *h)
{
    if (!has) {
        nara_json_str(j, key, NULL);
        return;
    }
    nara_json_obj(j, key);
    nara_json_u64(j, "size", h->size);
    nara_json_hex(j, "root", h->root, 32);
    nara_json_time(j, "signed_at", h->time_ms);
    nara_json_hex(j, "server_key", h->server_pk, 32);
    nara_json_end(j);
}

static int on_evidence(void *ctx, const nara_rcpt_evidence_t *e)
{
    rx_t *x = ctx;
    char t[NARA_TIME_STR], t1[NARA_TIME_STR], t2[NARA_TIME_STR], r1[13], r2[13];
    if (x->app->json) {
        nara_json_obj(&x->j, NULL);
        nara_json_time(&x->j, "refused_at", e->seen_ms);
        nara_json_str(&x->j, "server", e->server_url);
        json_head(&x->j, "kept", e->has_pinned, &e->pinned);
        json_head(&x->j, "offered", e->has_offered, &e->offered);
        nara_json_end(&x->j);
        return 0;
    }
    if (x->evidence++ == 0)
        fputs(nara_msg(NARA_MSG_RCPT_EVIDENCE_HEAD), stdout);
    nara_fmt_time(e->seen_ms, t);
    nara_fmt_time(e->pinned.time_ms, t1);
    nara_fmt_time(e->offered.time_ms, t2);
    nara_fmt_id(e->pinned.root, r1);
    nara_fmt_id(e->offered.root, r2);
    printf(nara_msg(NARA_MSG_RCPT_EVIDENCE_KEPT), t,
           e->server_url && *e->server_url ? e->server_url : "server",
           (unsigned long long)e->pinned.size, r1, t1);
    if (e->has_offered)
        printf(nara_msg(NARA_MSG_RCPT_EVIDENCE_OFFERED), (unsigned long long)e->offered.size, r2,
               t2);
    else
        fputs(nara_msg(NARA_MSG_RCPT_EVIDENCE_NONE), stdout);
    return 0;
}

/* ---- the command ----------------------------------------------------------------------------- */

static void print_header(rx_t *x)
{
    char key[65], at[NARA_TIME_STR];
    snprintf(key, sizeof key, "%s", nara_msg(NARA_MSG_RCPT_NO_KEY));
    const nara_tree_head_t *last = x->n_heads ? &x->heads[x->n_heads - 1] : NULL;
    if (x->has_key)
        nara_hex(x->key, 32, key);
    if (x->app->json) {
        nara_json_str(&x->j, "server_key", x->has_key ? key : NULL);
        nara_json_u64(&x->j, "heads", x->n_heads);
        json_head(&x->j, "last_head", last != NULL, last);
        return;
    }
    nara_fmt_time(last ? last->time_ms : 0, at);
    printf(nara_msg(NARA_MSG_RCPT_HEAD), key);
    if (last)
        printf(nara_msg(NARA_MSG_RCPT_LAST),
               (unsigned long long)last->size, at, x->n_heads);
    else
        fputs(nara_msg(NARA_MSG_RCPT_NONE), stdout);
    printf("  %-12s  %-8s %5s  %-14s %8s %10s  %s\n", nara_msg(NARA_MSG_RCPT_COL_EVENT),
           nara_msg(NARA_MSG_RCPT_COL_STREAM), nara_msg(NARA_MSG_RCPT_COL_SEQ),
           nara_msg(NARA_MSG_RCPT_COL_KIND), nara_msg(NARA_MSG_RCPT_COL_LEAF),
           nara_msg(NARA_MSG_RCPT_COL_SIZE), nara_msg(NARA_MSG_RCPT_COL_SIGNED));
}

static int receipts(nara_app_t *app, bool verify)
{
    static rx_t x;
    char hex[80];
    bool found = false;
    memset(&x, 0, sizeof x);
    x.app = app;
    x.verify = verify;
    nara_err_t err = nara_rcpt_init(app->meta);
    if (err == NARA_OK)
        err = nara_meta_get(app->meta, NARA_META_SERVER_PK, hex, sizeof hex, &found);
    if (err == NARA_OK && found)
        x.has_key = nara_hex32_parse(hex, x.key) == NARA_OK;
    if (err == NARA_OK)
        err = nara_rcpt_each_head(app->meta, load_head, &x);
    if (err == NARA_OK)
        err = x.err;
    if (err != NARA_OK)
        return nara_fail_err(app, err, NARA_MSG_DOING_READING_RECEIPTS);
    if (verify) {
        verify_heads(&x);
        verify_chain(&x);
    }
    if (app->json)
        nara_json_start(&x.j, stdout);
    print_header(&x);
    if (app->json)
        nara_json_arr(&x.j, "receipts");
    err = nara_rcpt_each_receipt(app->meta, on_receipt, &x);
    if (app->json)
        nara_json_end(&x.j);
    if (err == NARA_OK)
        err = count_unreceipted(&x);
    if (err == NARA_OK && !app->json)
        printf(nara_msg(NARA_MSG_RCPT_COUNT), (unsigned long long)x.receipts,
               (unsigned long long)x.unreceipted,
               x.unreceipted ? nara_msg(NARA_MSG_RCPT_COUNT_NOTE) : "");
    if (app->json) {
        nara_json_u64(&x.j, "unreceipted", x.unreceipted);
        nara_json_arr(&x.j, "evidence");
    }
    if (err == NARA_OK)
        err = nara_rcpt_each_evidence(app->meta, on_evidence, &x);
    if (app->json) {
        nara_json_end(&x.j);
        if (verify) {
            nara_json_bool(&x.j, "verified", x.n_problems == 0 && x.more_problems == 0);
            nara_json_arr(&x.j, "problems");
            for (size_t i = 0; i < x.n_problems; i++)
                nara_json_str(&x.j, NULL, x.problems[i]);
            nara_json_end(&x.j);
        }
        nara_json_finish(&x.j);
    } else if (verify) {
        if (x.n_problems == 0)
            printf(nara_msg(NARA_MSG_RCPT_VERIFIED), (unsigned long long)x.verified, x.n_heads);
        for (size_t i = 0; i < x.n_problems; i++)
            printf(nara_msg(NARA_MSG_RCPT_FAILED), x.problems_local[i]);
        if (x.more_problems)
            printf(nara_msg(NARA_MSG_RCPT_MORE), x.more_problems);
    }
    free(x.heads);
    free(x.bad_head);
    if (err != NARA_OK)
        return nara_fail_err(app, err, NARA_MSG_DOING_READING_RECEIPTS);
    if (verify && (x.n_problems || x.more_problems)) {
        fprintf(stderr, nara_msg(NARA_MSG_RCPT_PROBLEMS),
                x.n_problems + x.more_problems);
        return NARA_EXIT_REFUSED;
    }
    return NARA_EXIT_OK;
}

int nara_cmd_receipts(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"verify", NARA_OPT_FLAG, NULL}, {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara receipts [--verify]", NARA_MSG_HELP_RECEIPTS, NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc == NARA_EXIT_OK)
        rc = nara_app_open(app, NARA_NEED_KEY | NARA_NEED_STORE);
    if (rc == NARA_EXIT_OK)
        rc = receipts(app, nara_flag(&spec, "verify"));
    nara_app_close(app);
    return NARA_PARSED(rc);
}
