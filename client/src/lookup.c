/*
 * lookup.c - lookups several commands share on an open domain: a case id
 * from a hex prefix, an author's label (short key and enrolled name), and
 * telling the user when an event they just wrote took no effect here.
 *
 * Invariant: read-only; every walk stops as soon as it has its answer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_cli.h"

#define PREFIX_MIN 8

typedef struct {
    char prefix[65];
    size_t len, matches;
    uint8_t id[NARA_ID_BYTES];
} prefix_walk_t;

static int match_case(void *ctx, const nara_case_t *c)
{
    prefix_walk_t *w = ctx;
    char hex[65];
    nara_hex(c->id, NARA_ID_BYTES, hex);
    if (strncmp(hex, w->prefix, w->len) != 0)
        return 0;
    if (w->matches++ == 0)
        memcpy(w->id, c->id, NARA_ID_BYTES);
    return w->matches > 1; /* two are enough to know it is ambiguous */
}

static bool lower_hex(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n >= cap)
        return false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !isxdigit((unsigned char)s[i]))
            return false;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    return true;
}

int nara_resolve_case(nara_app_t *app, const char *arg, uint8_t out[NARA_ID_BYTES])
{
    prefix_walk_t w;
    memset(&w, 0, sizeof w);
    if (!lower_hex(arg, w.prefix, sizeof w.prefix) || strlen(w.prefix) < PREFIX_MIN)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_CASE_ID, arg, PREFIX_MIN);
    w.len = strlen(w.prefix);
    nara_err_t err = nara_domain_cases(app->dom, NULL, 0, match_case, &w);
    if (err != NARA_OK)
        return nara_fail_err(app, err, NARA_MSG_DOING_LOOKING_UP_CASE);
    if (w.matches == 0)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_NO_CASE, w.prefix);
    if (w.matches > 1)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_CASE_AMBIGUOUS, w.prefix);
    memcpy(out, w.id, NARA_ID_BYTES);
    return NARA_EXIT_OK;
}

/* ---- author labels ----------------------------------------------------------- */

struct nara_label {
    uint8_t pk[NARA_PUBLICKEY_BYTES];
    char name[96];
    bool revoked;
};

typedef struct {
    struct nara_label *v;
    size_t n, cap;
    bool nomem;
} label_walk_t;

static int add_label(void *ctx, const nara_device_t *dev)
{
    label_walk_t *w = ctx;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        struct nara_label *v = realloc(w->v, cap * sizeof *v);
        if (v == NULL) {
            w->nomem = true;
            return 1;
        }
        w->v = v;
        w->cap = cap;
    }
    memcpy(w->v[w->n].pk, dev->device, NARA_PUBLICKEY_BYTES);
    snprintf(w->v[w->n].name, sizeof w->v[w->n].name, "%s", dev->name);
    w->v[w->n].revoked = dev->revoked;
    w->n++;
    return 0;
}

int nara_labels_load(nara_app_t *app)
{
    label_walk_t w;
    memset(&w, 0, sizeof w);
    nara_labels_free(app);
    nara_err_t err = nara_domain_devices(app->dom, add_label, &w);
    if (err == NARA_OK && w.nomem)
        err = NARA_NOMEM;
    if (err != NARA_OK) {
        free(w.v);
        return nara_fail_err(app, err, NARA_MSG_DOING_READING_DEVICES);
    }
    app->labels = w.v;
    app->n_labels = w.n;
    return NARA_EXIT_OK;
}

void nara_labels_free(nara_app_t *app)
{
    free(app->labels);
    app->labels = NULL;
    app->n_labels = 0;
}

void nara_author_label(const nara_app_t *app, nara_lang_t lang, const uint8_t pk[32], char *out,
                       size_t cap)
{
    char key[9];
    nara_fmt_key(pk, key);
    if (app->have_root && memcmp(pk, app->root_pk, NARA_PUBLICKEY_BYTES) == 0) {
        nara_msg_format(lang, out, cap, NARA_MSG_LABEL_ROOT, key);
        return;
    }
    for (size_t i = 0; i < app->n_labels; i++) {
        const struct nara_label *l = &app->labels[i];
        if (memcmp(l->pk, pk, NARA_PUBLICKEY_BYTES) != 0)
            continue;
        if (l->revoked)
            nara_msg_format(lang, out, cap, NARA_MSG_LABEL_REVOKED, key, l->name);
        else
            snprintf(out, cap, "%s (%s)", key, l->name);
        return;
    }
    nara_msg_format(lang, out, cap, NARA_MSG_LABEL_UNKNOWN, key);
}

/* ---- effect of a new event --------------------------------------------------- */

typedef struct {
    const uint8_t *id;
    bool found;
    nara_rule_t rule;
    char detail[256];
} effect_walk_t;

static int match_quarantined(void *ctx, const nara_dom_quarantined_t *q)
{
    effect_walk_t *w = ctx;
    if (memcmp(q->id, w->id, NARA_ID_BYTES) != 0)
        return 0;
    w->found = true;
    w->rule = q->rule;
    nara_rule_explain(w->detail, sizeof w->detail, q->rule, q->kind, q->stream, q->detail);
    return 1;
}

void nara_note_effect(nara_app_t *app, const uint8_t id[NARA_ID_BYTES])
{
    effect_walk_t w;
    memset(&w, 0, sizeof w);
    w.id = id;
    if (nara_domain_quarantine(app->dom, match_quarantined, &w) != NARA_OK || !w.found)
        return;
    if (w.rule == NARA_RULE_UNKNOWN_DEVICE)
        fputs(nara_msg(NARA_MSG_NOTE_UNKNOWN_DEVICE), stderr);
    else
        fprintf(stderr, nara_msg(NARA_MSG_WARN_NO_EFFECT), nara_rule_name(w.rule),
                w.detail[0] ? ": " : "", w.detail);
}

int nara_written(nara_app_t *app, nara_err_t err, const char *kind,
                 const uint8_t id[NARA_ID_BYTES])
{
    char hex[65], what_en[64], what[64];
    if (err != NARA_OK) {
        snprintf(what_en, sizeof what_en, "recording %s", kind);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(what, sizeof what, nara_msg(NARA_MSG_DOING_RECORDING), nara_vocab_kind(kind));
#pragma GCC diagnostic pop
        return nara_fail_err_text(app, err, what_en, what);
    }
    nara_hex(id, NARA_ID_BYTES, hex);
    if (app->json) {
        nara_json_t j;
        nara_json_start(&j, stdout);
        nara_json_str(&j, "kind", kind);
        nara_json_str(&j, "id", hex);
        nara_json_finish(&j);
    } else {
        printf(nara_msg(NARA_MSG_RECORDED), nara_vocab_kind(kind), hex);
    }
    nara_note_effect(app, id);
    return NARA_EXIT_OK;
}
