/*
 * out.c - what `nara` prints: error messages with their exit codes, a small
 * streaming JSON writer, and the formatting of times, durations and ids.
 *
 * Invariants: human messages go to stderr prefixed "nara: "; with --json,
 * stdout carries exactly one JSON object per command (the result, or
 * {"error":...}).  The JSON writer escapes every string it is given, so any
 * UTF-8 text from the log prints as valid JSON.  No allocation.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nara_cli.h"

/* ---- errors ------------------------------------------------------------- */

int nara_fail_text(const nara_app_t *app, int code, const char *en, const char *loc)
{
    fprintf(stderr, "nara: %s\n", loc);
    if (app && app->json) { /* machine output does not depend on the locale */
        nara_json_t j;
        nara_json_start(&j, stdout);
        nara_json_obj(&j, "error");
        nara_json_u64(&j, "exit", (uint64_t)code);
        nara_json_str(&j, "message", en);
        nara_json_end(&j);
        nara_json_finish(&j);
    }
    return code;
}

int nara_fail(const nara_app_t *app, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nara_fail_text(app, code, msg, msg);
}

static int fail_v(const nara_app_t *app, int code, nara_err_t err, nara_msg_id_t id, va_list ap)
{
    char en[1024], loc[1024];
    nara_msg_vformat2(en, sizeof en, loc, sizeof loc, err, id, ap);
    return nara_fail_text(app, code, en, loc);
}

int nara_fail_msg(const nara_app_t *app, int code, nara_msg_id_t id, ...)
{
    va_list ap;
    va_start(ap, id);
    int rc = fail_v(app, code, NARA_OK, id, ap);
    va_end(ap);
    return rc;
}

int nara_fail_msg_err(const nara_app_t *app, int code, nara_err_t err, nara_msg_id_t id, ...)
{
    va_list ap;
    va_start(ap, id);
    int rc = fail_v(app, code, err, id, ap);
    va_end(ap);
    return rc;
}

int nara_exit_for(nara_err_t err)
{
    switch (err) {
    case NARA_OK:
        return NARA_EXIT_OK;
    case NARA_INVAL:
    case NARA_NOT_FOUND:
    case NARA_BAD_KEY:
    case NARA_TOO_LARGE:
    case NARA_UTF8:
        return NARA_EXIT_USAGE;
    case NARA_REVOKED:
    case NARA_UNENROLLED:
    case NARA_FORK:
    case NARA_SERVER_KEY:
    case NARA_AUTH:
    case NARA_FEED_BEHIND:
    case NARA_VERSION:
    case NARA_TREE_FORK:
    case NARA_PROOF:
        return NARA_EXIT_REFUSED;
    case NARA_CONNECT:
    case NARA_TIMEOUT:
    case NARA_CLOSED:
    case NARA_PROTOCOL:
    case NARA_MALFORMED:
    case NARA_RATE_LIMITED:
        return NARA_EXIT_CONNECT;
    default:
        return NARA_EXIT_STORAGE;
    }
}

int nara_fail_regions(const nara_app_t *app, int code, nara_msg_id_t id, const char *path,
                      const char *why_en)
{
    char en[1024], loc[1024], why[512];
    nara_regions_error_in(nara_msg_lang(), why_en, why, sizeof why);
    nara_msg_format(NARA_LANG_EN, en, sizeof en, id, path, why_en);
    nara_msg_format(nara_msg_lang(), loc, sizeof loc, id, path, why);
    return nara_fail_text(app, code, en, loc);
}

int nara_fail_err_text(const nara_app_t *app, nara_err_t err, const char *what_en,
                       const char *what)
{
    const char *detail = app && app->store ? nara_store_errmsg(app->store) : "";
    int code = nara_exit_for(err);
    bool with_detail = code == NARA_EXIT_STORAGE && detail[0];
    char en[1024], loc[1024];
    snprintf(en, sizeof en, "%s: %s (%s)%s%s", what_en, nara_strerror(err), nara_err_name(err),
             with_detail ? ": " : "", with_detail ? detail : "");
    snprintf(loc, sizeof loc, "%s: %s (%s)%s%s", what, nara_err_text(err), nara_err_name(err),
             with_detail ? ": " : "", with_detail ? detail : "");
    return nara_fail_text(app, code, en, loc);
}

int nara_fail_err(const nara_app_t *app, nara_err_t err, nara_msg_id_t what)
{
    return nara_fail_err_text(app, err, nara_msg_in(NARA_LANG_EN, what), nara_msg(what));
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* Separator and key before a value. */
static void json_key(nara_json_t *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = false;
    if (key) {
        json_string(j->f, key);
        fputc(':', j->f);
    }
}

/* Depth beyond NARA_JSON_DEPTH is a programming error (the commands nest
 * at most four levels). */
static void json_open(nara_json_t *j, const char *key, char open, char close)
{
    assert(j->depth + 1 < NARA_JSON_DEPTH);
    json_key(j, key);
    fputc(open, j->f);
    j->depth++;
    j->first[j->depth] = true;
    j->close[j->depth] = close;
}

void nara_json_start(nara_json_t *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    fputc('{', f);
    j->first[0] = true;
}

void nara_json_finish(nara_json_t *j)
{
    while (j->depth > 0)
        nara_json_end(j);
    fputs("}\n", j->f);
    fflush(j->f);
}

void nara_json_obj(nara_json_t *j, const char *key)
{
    json_open(j, key, '{', '}');
}

void nara_json_arr(nara_json_t *j, const char *key)
{
    json_open(j, key, '[', ']');
}

void nara_json_end(nara_json_t *j)
{
    if (j->depth == 0)
        return;
    fputc(j->close[j->depth], j->f);
    j->depth--;
}

void nara_json_str(nara_json_t *j, const char *key, const char *s)
{
    json_key(j, key);
    if (s)
        json_string(j->f, s);
    else
        fputs("null", j->f);
}

void nara_json_u64(nara_json_t *j, const char *key, uint64_t v)
{
    json_key(j, key);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void nara_json_bool(nara_json_t *j, const char *key, bool v)
{
    json_key(j, key);
    fputs(v ? "true" : "false", j->f);
}

void nara_json_hex(nara_json_t *j, const char *key, const uint8_t *b, size_t n)
{
    char hex[2 * 64 + 1];
    if (n > 64)
        n = 64;
    nara_hex(b, n, hex);
    nara_json_str(j, key, hex);
}

void nara_json_time(nara_json_t *j, const char *key, uint64_t ms)
{
    char t[NARA_TIME_STR];
    if (ms == 0) {
        nara_json_str(j, key, NULL);
        return;
    }
    nara_fmt_time(ms, t);
    nara_json_str(j, key, t);
}

/* ---- formatting ------------------------------------------------------------ */

void nara_fmt_time(uint64_t ms, char out[NARA_TIME_STR])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms == 0 || gmtime_r(&secs, &tm) == NULL) {
        snprintf(out, NARA_TIME_STR, "-");
        return;
    }
    strftime(out, NARA_TIME_STR, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void nara_fmt_dur(uint64_t ms, char *out, size_t cap)
{
    uint64_t s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;
    nara_lang_t lang = nara_msg_lang(); /* unit letters: d h m s, or h j m d */
    if (d > 0)
        nara_msg_format(lang, out, cap, NARA_MSG_DUR_DAYS, (unsigned long long)d,
                        (unsigned long long)(h % 24));
    else if (h > 0)
        nara_msg_format(lang, out, cap, NARA_MSG_DUR_HOURS, (unsigned long long)h,
                        (unsigned long long)(m % 60));
    else if (m > 0)
        nara_msg_format(lang, out, cap, NARA_MSG_DUR_MINUTES, (unsigned long long)m,
                        (unsigned long long)(s % 60));
    else
        nara_msg_format(lang, out, cap, NARA_MSG_DUR_SECONDS, (unsigned long long)s);
}

void nara_fmt_id(const uint8_t id[32], char out[13])
{
    nara_hex(id, 6, out);
}

void nara_fmt_key(const uint8_t pk[32], char out[9])
{
    nara_hex(pk, 4, out);
}
