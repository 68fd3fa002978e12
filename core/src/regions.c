/*
 * regions.c - the region list of a province: the built-in Jawa Barat table
 * and the loader of the TSV format of docs/events.md section 2.
 *
 * Invariants of every nara_regions_t (built in or loaded):
 *  1. There is exactly one province line: a code of 1-8 digits and a name.
 *  2. 1..NARA_REGIONS_MAX regions, each with a unique code of the form
 *     "<province>.NN" (a valid stream name), a type and a non-empty name of
 *     at most NARA_REGION_NAME_MAX bytes.  Region order is file order.
 *  3. A loaded list owns one text arena that every string points into; the
 *     built-in list is static and is never freed.
 *
 * The built-in table must equal data/regions/32-jawa-barat.tsv; a test
 * checks that it does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "domain_internal.h"

struct nara_regions {
    const char *province_code;
    const char *province_name;
    size_t n;
    const nara_region_t *v;
    bool is_static;
    char *arena;          /* loaded lists: the text the strings point into */
    nara_region_t *owned; /* loaded lists: v */
};

#define KAB NARA_REGION_KABUPATEN
#define KOTA NARA_REGION_KOTA
static const nara_region_t jawa_barat[] = {
    {"32.01", KAB, "Bogor"},      {"32.02", KAB, "Sukabumi"},      {"32.03", KAB, "Cianjur"},
    {"32.04", KAB, "Bandung"},    {"32.05", KAB, "Garut"},         {"32.06", KAB, "Tasikmalaya"},
    {"32.07", KAB, "Ciamis"},     {"32.08", KAB, "Kuningan"},      {"32.09", KAB, "Cirebon"},
    {"32.10", KAB, "Majalengka"}, {"32.11", KAB, "Sumedang"},      {"32.12", KAB, "Indramayu"},
    {"32.13", KAB, "Subang"},     {"32.14", KAB, "Purwakarta"},    {"32.15", KAB, "Karawang"},
    {"32.16", KAB, "Bekasi"},     {"32.17", KAB, "Bandung Barat"}, {"32.18", KAB, "Pangandaran"},
    {"32.71", KOTA, "Bogor"},     {"32.72", KOTA, "Sukabumi"},     {"32.73", KOTA, "Bandung"},
    {"32.74", KOTA, "Cirebon"},   {"32.75", KOTA, "Bekasi"},       {"32.76", KOTA, "Depok"},
    {"32.77", KOTA, "Cimahi"},    {"32.78", KOTA, "Tasikmalaya"},  {"32.79", KOTA, "Banjar"},
};
#undef KAB
#undef KOTA

static const struct nara_regions jawa_barat_list = {
    "32", "Jawa Barat", sizeof jawa_barat / sizeof jawa_barat[0], jawa_barat, true, NULL, NULL,
};

const nara_regions_t *nara_regions_default(void)
{
    return &jawa_barat_list;
}

/* ---- accessors ------------------------------------------------------------ */

size_t nara_regions_count(const nara_regions_t *r)
{
    return r ? r->n : 0;
}

const nara_region_t *nara_regions_at(const nara_regions_t *r, size_t i)
{
    return (r && i < r->n) ? &r->v[i] : NULL;
}

int nara_regions_find(const nara_regions_t *r, const char *code)
{
    if (r == NULL || code == NULL)
        return -1;
    return nara__regions_find_n(r, code, strlen(code));
}

/* Same as nara_regions_find for a (pointer, length) string.  Every code is
 * "<province>.NN" (invariant 2), so the common part is compared once and
 * then only the two digits of each region: the merge looks up the region
 * of every event's stream. */
int nara__regions_find_n(const nara_regions_t *r, const char *code, size_t len)
{
    size_t pl = strlen(r->province_code);
    if (len != pl + 3 || memcmp(code, r->province_code, pl) != 0 || code[pl] != '.')
        return -1;
    for (size_t i = 0; i < r->n; i++) {
        const char *digits = r->v[i].code + pl + 1;
        if (digits[0] == code[pl + 1] && digits[1] == code[pl + 2])
            return (int)i;
    }
    return -1;
}

const char *nara_regions_province_code(const nara_regions_t *r)
{
    return r ? r->province_code : "";
}

const char *nara_regions_province_name(const nara_regions_t *r)
{
    return r ? r->province_name : "";
}

const char *nara_region_type_name(nara_region_type_t t)
{
    return t == NARA_REGION_KOTA ? "kota" : "kabupaten";
}

void nara_regions_free(nara_regions_t *r)
{
    if (r == NULL || r->is_static)
        return;
    free(r->arena);
    free(r->owned);
    free(r);
}

/* Hash of the whole list, so a domain notices when it is opened with another
 * list than the one its tables were folded with. */
void nara__regions_hash(const nara_regions_t *r, uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)r->province_code, strlen(r->province_code) + 1);
    crypto_generichash_update(&h, (const uint8_t *)r->province_name, strlen(r->province_name) + 1);
    for (size_t i = 0; i < r->n; i++) {
        uint8_t t = (uint8_t)r->v[i].type;
        crypto_generichash_update(&h, (const uint8_t *)r->v[i].code, strlen(r->v[i].code) + 1);
        crypto_generichash_update(&h, &t, 1);
        crypto_generichash_update(&h, (const uint8_t *)r->v[i].name, strlen(r->v[i].name) + 1);
    }
    crypto_generichash_final(&h, out, 32);
}

/* ---- the TSV parser --------------------------------------------------------- */

typedef struct {
    struct nara_regions *r;
    nara_region_t *v;
    unsigned lines[NARA_REGIONS_MAX]; /* line of each region, for duplicate messages */
    unsigned province_line;
    char *errbuf;
    size_t errcap;
} parser_t;

static nara_err_t fail(parser_t *p, unsigned line, const char *fmt, ...)
{
    va_list ap;
    size_t off = 0;
    if (p->errbuf == NULL || p->errcap == 0)
        return NARA_INVAL;
    if (line > 0) {
        int k = snprintf(p->errbuf, p->errcap, "line %u: ", line);
        off = (k > 0 && (size_t)k < p->errcap) ? (size_t)k : 0;
    }
    va_start(ap, fmt);
    vsnprintf(p->errbuf + off, p->errcap - off, fmt, ap);
    va_end(ap);
    return NARA_INVAL;
}

static bool all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static nara_err_t check_name(parser_t *p, unsigned line, const char *name)
{
    if (name[0] == '\0')
        return fail(p, line, "empty name");
    if (strlen(name) > NARA_REGION_NAME_MAX)
        return fail(p, line, "name longer than %d bytes", NARA_REGION_NAME_MAX);
    return NARA_OK;
}

static nara_err_t province_line(parser_t *p, unsigned line, char **f)
{
    if (p->province_line != 0)
        return fail(p, line, "second province line (the first is line %u)", p->province_line);
    if (!all_digits(f[1], 1, 8))
        return fail(p, line, "province code '%s' is not 1-8 digits", f[1]);
    p->province_line = line;
    p->r->province_code = f[1];
    p->r->province_name = f[2];
    return check_name(p, line, f[2]);
}

/* "<province>.NN" */
static bool region_code_ok(const char *prov, const char *code)
{
    size_t pl = strlen(prov);
    return strncmp(code, prov, pl) == 0 && code[pl] == '.' && all_digits(code + pl + 1, 2, 2);
}

static nara_err_t region_line(parser_t *p, unsigned line, char **f)
{
    nara_region_t *reg;
    if (p->province_line == 0)
        return fail(p, line, "region line before the province line");
    if (!region_code_ok(p->r->province_code, f[0]))
        return fail(p, line, "region code '%s' is not %s.NN", f[0], p->r->province_code);
    for (size_t i = 0; i < p->r->n; i++)
        if (strcmp(p->v[i].code, f[0]) == 0)
            return fail(p, line, "duplicate region code %s (first on line %u)", f[0], p->lines[i]);
    if (p->r->n == NARA_REGIONS_MAX)
        return fail(p, line, "more than %d regions", NARA_REGIONS_MAX);
    reg = &p->v[p->r->n];
    if (strcmp(f[1], "kabupaten") == 0)
        reg->type = NARA_REGION_KABUPATEN;
    else if (strcmp(f[1], "kota") == 0)
        reg->type = NARA_REGION_KOTA;
    else
        return fail(p, line, "type must be 'kabupaten' or 'kota', not '%s'", f[1]);
    reg->code = f[0];
    reg->name = f[2];
    p->lines[p->r->n++] = line;
    return check_name(p, line, f[2]);
}

/* Split one line (NUL-terminated, in place) at tabs; at most 3 fields kept. */
static size_t split(char *s, char **f)
{
    size_t n = 0;
    for (;;) {
        char *tab = strchr(s, '\t');
        if (n < 3)
            f[n] = s;
        n++;
        if (tab == NULL)
            return n;
        *tab = '\0';
        s = tab + 1;
    }
}

static nara_err_t parse_line(parser_t *p, unsigned line, char *s)
{
    char *f[3];
    size_t len = strlen(s);
    size_t n;
    if (len > 0 && s[len - 1] == '\r')
        s[--len] = '\0';
    if (len == 0 || s[0] == '#')
        return NARA_OK;
    n = split(s, f);
    if (n != 3)
        return fail(p, line, "expected 3 tab-separated fields, found %zu", n);
    if (strcmp(f[0], "province") == 0)
        return province_line(p, line, f);
    return region_line(p, line, f);
}

static nara_err_t parse_all(parser_t *p, char *text)
{
    unsigned line = 0;
    char *s = text;
    while (*s != '\0') {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        nara_err_t err = parse_line(p, ++line, s);
        if (err != NARA_OK)
            return err;
        if (nl == NULL)
            break;
        s = nl + 1;
    }
    if (p->province_line == 0)
        return fail(p, 0, "missing province line");
    if (p->r->n == 0)
        return fail(p, 0, "no regions");
    return NARA_OK;
}

nara_err_t nara_regions_parse(const char *text, size_t len, nara_regions_t **out, char *errbuf,
                              size_t errcap)
{
    parser_t p;
    nara_err_t err = NARA_NOMEM;

    if (out == NULL)
        return NARA_INVAL;
    *out = NULL;
    if (errbuf && errcap)
        errbuf[0] = '\0';
    if (text == NULL || memchr(text, '\0', len) != NULL)
        return NARA_INVAL;
    memset(&p, 0, sizeof p);
    p.errbuf = errbuf;
    p.errcap = errcap;
    p.r = calloc(1, sizeof *p.r);
    if (p.r == NULL)
        goto err;
    p.r->arena = malloc(len + 1);
    p.v = p.r->owned = calloc(NARA_REGIONS_MAX, sizeof *p.v);
    if (p.r->arena == NULL || p.v == NULL)
        goto err;
    memcpy(p.r->arena, text, len);
    p.r->arena[len] = '\0';
    p.r->v = p.v;
    err = parse_all(&p, p.r->arena);
    if (err != NARA_OK)
        goto err;
    *out = p.r;
    return NARA_OK;
err:
    if (err == NARA_NOMEM)
        fail(&p, 0, "out of memory");
    nara_regions_free(p.r);
    return err;
}

nara_err_t nara_regions_load(const char *path, nara_regions_t **out, char *errbuf, size_t errcap)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    nara_err_t err;
    FILE *f;

    if (out == NULL || path == NULL)
        return NARA_INVAL;
    *out = NULL;
    f = fopen(path, "rb");
    if (f == NULL) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "%s: %s", path, strerror(errno));
        return NARA_IO;
    }
    for (;;) {
        if (len == cap) {
            char *t = realloc(text, cap = cap ? cap * 2 : 4096);
            if (t == NULL) {
                err = NARA_NOMEM;
                goto done;
            }
            text = t;
        }
        size_t k = fread(text + len, 1, cap - len, f);
        len += k;
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "%s: read error", path);
        err = NARA_IO;
        goto done;
    }
    err = nara_regions_parse(text, len, out, errbuf, errcap);
done:
    free(text);
    fclose(f);
    return err;
}
