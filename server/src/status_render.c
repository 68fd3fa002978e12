/*
 * status_render.c - the status model as an HTML page or as JSON, and the
 * page's embedded stylesheet and script.
 *
 * Invariants:
 *  1. Every string that comes from the log (names, agencies, titles, scopes)
 *     or from the catalogue goes through html_text() or json_str(): HTML
 *     escapes & < > " ', JSON escapes " \ and control characters and also
 *     < > & U+2028 U+2029 (so JSON is safe inside a <script> block and in
 *     any JavaScript context).  Bytes that are not valid UTF-8 become U+FFFD
 *     in both, so the output is always valid UTF-8.
 *  2. The HTML needs no script and no inline style: the tables are complete
 *     as served, and the Content-Security-Policy (status.c) allows only
 *     /status.css and /status.js from this origin.  The script redraws the
 *     same tables from /status.json with textContent (never innerHTML).
 *  3. Times are shown in UTC; "how long ago" is computed against the
 *     server's clock (m->now_ms, also in the JSON), not the browser's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"
#include "status_assets.h" /* generated: status_css[], status_js[] */

/* ---- the text buffer ------------------------------------------------------- */

static bool sb_reserve(narad_sbuf_t *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 16384;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void narad__sb_put(narad_sbuf_t *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void narad__sb_printf(narad_sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void narad__sb_free(narad_sbuf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void put(narad_sbuf_t *b, const char *s)
{
    narad__sb_put(b, s, strlen(s));
}

/* ---- escaping (invariant 1) ------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid.  Rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, v = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, v = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, v = c & 0x07, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

static void html_text(narad_sbuf_t *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        uint32_t cp;
        size_t n = utf8_len(s, &cp);
        if (n == 0) {
            put(b, "\xef\xbf\xbd"); /* U+FFFD */
            s++;
            continue;
        }
        switch (cp) {
        case '&':
            put(b, "&amp;");
            break;
        case '<':
            put(b, "&lt;");
            break;
        case '>':
            put(b, "&gt;");
            break;
        case '"':
            put(b, "&quot;");
            break;
        case '\'':
            put(b, "&#39;");
            break;
        default:
            if (cp < 0x20 || cp == 0x7f)
                put(b, " ");
            else
                narad__sb_put(b, (const char *)s, n);
        }
        s += n;
    }
}

/* A JSON string, quotes included. */
static void json_str(narad_sbuf_t *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    put(b, "\"");
    while (*s) {
        uint32_t cp;
        size_t n = utf8_len(s, &cp);
        if (n == 0) {
            put(b, "\\ufffd");
            s++;
            continue;
        }
        if (cp == '"')
            put(b, "\\\"");
        else if (cp == '\\')
            put(b, "\\\\");
        else if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&' || cp == 0x7f || cp == 0x2028 ||
                 cp == 0x2029)
            narad__sb_printf(b, "\\u%04x", (unsigned)cp);
        else
            narad__sb_put(b, (const char *)s, n);
        s += n;
    }
    put(b, "\"");
}

/* ---- small formatting helpers ---------------------------------------------- */

static void utc(uint64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm))
        strcpy(out, "?");
}

/* A catalogue message with its "{n}" replaced by n. */
static void msg_n(narad_sbuf_t *b, narad_lang_t lang, narad_msg_t id, uint64_t n)
{
    const char *m = narad__msg(lang, id);
    const char *at = strstr(m, "{n}");
    if (!at) {
        html_text(b, m);
        return;
    }
    char head[128];
    size_t k = (size_t)(at - m) < sizeof head - 1 ? (size_t)(at - m) : sizeof head - 1;
    memcpy(head, m, k);
    head[k] = '\0';
    html_text(b, head);
    narad__sb_printf(b, "%llu", (unsigned long long)n);
    html_text(b, at + 3);
}

/* "5 min ago" as the script says it too (status.js ago()). */
static void ago(narad_sbuf_t *b, narad_lang_t lang, uint64_t now, uint64_t ms)
{
    uint64_t s = now > ms ? (now - ms) / 1000u : 0;
    if (s < 60)
        msg_n(b, lang, NARAD_MSG_AGO_NOW, 0);
    else if (s < 3600)
        msg_n(b, lang, NARAD_MSG_AGO_MIN, s / 60);
    else if (s < 86400)
        msg_n(b, lang, NARAD_MSG_AGO_HOUR, s / 3600);
    else
        msg_n(b, lang, NARAD_MSG_AGO_DAY, s / 86400);
}

static void msg(narad_sbuf_t *b, narad_lang_t lang, narad_msg_t id)
{
    html_text(b, narad__msg(lang, id));
}

/* NARAD_MSG_COUNT for a role the catalogue does not name. */
static narad_msg_t role_msg(nara_role_t r)
{
    switch (r) {
    case NARA_ROLE_ROOT:
        return NARAD_MSG_ROLE_ROOT;
    case NARA_ROLE_ADMIN:
        return NARAD_MSG_ROLE_ADMIN;
    case NARA_ROLE_SECRETARIAT:
        return NARAD_MSG_ROLE_SECRETARIAT;
    case NARA_ROLE_GOVERNOR:
        return NARAD_MSG_ROLE_GOVERNOR;
    case NARA_ROLE_AUDITOR:
        return NARAD_MSG_ROLE_AUDITOR;
    case NARA_ROLE_LO:
        return NARAD_MSG_ROLE_LO;
    case NARA_ROLE_REGENCY:
        return NARAD_MSG_ROLE_REGENCY;
    case NARA_ROLE_SERVER:
        return NARAD_MSG_ROLE_SERVER;
    default:
        return NARAD_MSG_COUNT;
    }
}

/* ---- HTML ------------------------------------------------------------------ */

static void html_head(const narad_st_model_t *m, narad_lang_t lang, narad_sbuf_t *b)
{
    const char *code = narad__lang_code(lang);
    narad__sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
                     code);
    put(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    msg(b, lang, NARAD_MSG_PAGE_TITLE);
    put(b, " \xc2\xb7 ");
    html_text(b, m->province_name);
    put(b, "</title>\n<link rel=\"stylesheet\" href=\"/status.css\">\n"
           "<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript>\n"
           "<script src=\"/status.js\" defer></script>\n</head>\n");
    narad__sb_printf(b, "<body data-lang=\"%s\" data-refresh-ms=\"5000\">\n<header>\n", code);
    put(b, "<h1>Naradamping <span class=\"sub\">");
    msg(b, lang, NARAD_MSG_HEADING);
    put(b, " \xc2\xb7 ");
    msg(b, lang, NARAD_MSG_PROVINCE);
    put(b, " ");
    html_text(b, m->province_name);
    put(b, " (");
    html_text(b, m->province_code);
    put(b, ")</span></h1>\n<p class=\"meta\"><span id=\"updated\" data-state=\"static\">");
    char when[32];
    utc(m->now_ms, when);
    msg(b, lang, NARAD_MSG_UPDATED);
    put(b, " ");
    html_text(b, when);
    put(b, "</span> <span id=\"live-note\" hidden>");
    msg(b, lang, NARAD_MSG_LIVE_NOTE);
    put(b, "</span><noscript>");
    msg(b, lang, NARAD_MSG_STATIC_NOTE);
    narad__sb_printf(b,
                     "</noscript> <a class=\"lang\" href=\"/status?lang=%s\" hreflang=\"%s\" "
                     "lang=\"%s\">",
                     lang == NARAD_LANG_ID ? "en" : "id", lang == NARAD_LANG_ID ? "en" : "id",
                     lang == NARAD_LANG_ID ? "en" : "id");
    msg(b, lang, NARAD_MSG_OTHER_LANG);
    put(b, "</a></p>\n<p id=\"alert\" class=\"alert\"");
    if (m->err != NARA_OK) {
        put(b, ">");
        msg(b, lang, NARAD_MSG_DB_ERROR);
        put(b, " ");
        html_text(b, nara_err_name(m->err));
    } else if (m->draining) {
        put(b, ">");
        msg(b, lang, NARAD_MSG_STOPPING);
    } else {
        put(b, " hidden>");
    }
    put(b, "</p>\n</header>\n<main>\n");
}

/* `hot` ("warn", "esc" or NULL): the class a non-zero value gets. */
static void card(narad_sbuf_t *b, narad_lang_t lang, const char *id, narad_msg_t label, uint64_t v,
                 const char *hot)
{
    narad__sb_printf(b, "<div class=\"card%s%s\"><span class=\"num\" id=\"%s\">%llu</span>",
                     hot && v ? " " : "", hot && v ? hot : "", id, (unsigned long long)v);
    put(b, "<span class=\"lbl\">");
    msg(b, lang, label);
    put(b, "</span></div>\n");
}

static size_t enrolled(const narad_st_model_t *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_devices; i++)
        n += m->devices[i].role != NARA_ROLE_ROOT;
    return n;
}

static void html_totals(const narad_st_model_t *m, narad_lang_t lang, narad_sbuf_t *b)
{
    put(b, "<section class=\"totals\">\n");
    card(b, lang, "t-events", NARAD_MSG_T_EVENTS, m->events, NULL);
    card(b, lang, "t-connected", NARAD_MSG_T_CONNECTED, m->connections, NULL);
    card(b, lang, "t-enrolled", NARAD_MSG_T_ENROLLED, enrolled(m), NULL);
    card(b, lang, "t-pending", NARAD_MSG_T_PENDING, m->pending, NULL);
    card(b, lang, "t-overdue", NARAD_MSG_T_OVERDUE, m->overdue, "warn");
    card(b, lang, "t-escalated", NARAD_MSG_T_ESCALATED, m->escalated, "esc");
    if (m->has_tree)
        card(b, lang, "t-tree", NARAD_MSG_T_TREE, m->tree_size, NULL);
    put(b, "</section>\n");
}

static void th(narad_sbuf_t *b, narad_lang_t lang, narad_msg_t id, const char *cls)
{
    narad__sb_printf(b, "<th%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    msg(b, lang, id);
    put(b, "</th>");
}

static void td_num(narad_sbuf_t *b, uint64_t v, const char *hot)
{
    narad__sb_printf(b, "<td class=\"n%s%s\">%llu</td>", hot && v ? " " : "", hot && v ? hot : "",
                     (unsigned long long)v);
}

/* The "last sync" cell: how long ago, and the UTC time under it. */
static void td_seen(narad_sbuf_t *b, narad_lang_t lang, uint64_t now, uint64_t ms)
{
    if (!ms) {
        put(b, "<td class=\"seen never\">");
        msg(b, lang, NARAD_MSG_NEVER);
        put(b, "</td>");
        return;
    }
    char when[32];
    utc(ms, when);
    bool stale = now > ms && now - ms > NARA_ACK_DUTY_MS;
    narad__sb_printf(b, "<td class=\"seen%s\"><span class=\"ago\">", stale ? " stale" : "");
    ago(b, lang, now, ms);
    put(b, "</span> <span class=\"abs\">");
    html_text(b, when);
    put(b, "</span></td>");
}

static void html_regions(const narad_st_model_t *m, narad_lang_t lang, narad_sbuf_t *b)
{
    put(b, "<h2>");
    msg(b, lang, NARAD_MSG_REGIONS);
    put(b, "</h2>\n<table id=\"regions\">\n<thead><tr>");
    th(b, lang, NARAD_MSG_COL_CODE, NULL);
    th(b, lang, NARAD_MSG_COL_REGION, NULL);
    th(b, lang, NARAD_MSG_COL_LO, NULL);
    th(b, lang, NARAD_MSG_COL_PENDING, "n");
    th(b, lang, NARAD_MSG_COL_OVERDUE, "n");
    th(b, lang, NARAD_MSG_COL_ESCALATED, "n");
    th(b, lang, NARAD_MSG_COL_LAST_SYNC, NULL);
    put(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < m->n_regions; i++) {
        const narad_st_region_t *r = &m->regions[i];
        put(b, "<tr><td class=\"code\">");
        html_text(b, r->code);
        put(b, "</td><td><span class=\"name\">");
        html_text(b, r->name);
        put(b, "</span> <span class=\"type\">");
        msg(b, lang, r->type == NARA_REGION_KOTA ? NARAD_MSG_KOTA : NARAD_MSG_KABUPATEN);
        put(b, "</span></td>");
        if (r->lo_officer) {
            put(b, "<td class=\"lo\"><span class=\"officer\">");
            html_text(b, r->lo_officer);
            put(b, "</span> <span class=\"agency\">");
            html_text(b, r->lo_agency);
            put(b, "</span></td>");
        } else {
            put(b, "<td class=\"lo none\">");
            msg(b, lang, NARAD_MSG_NO_LO);
            put(b, "</td>");
        }
        td_num(b, r->open, NULL);
        td_num(b, r->overdue, "warn");
        td_num(b, r->escalated, "esc");
        td_seen(b, lang, m->now_ms, r->last_ms);
        put(b, "</tr>\n");
    }
    put(b, "</tbody>\n</table>\n<p class=\"note\">");
    msg(b, lang, NARAD_MSG_REGIONS_NOTE);
    put(b, "</p>\n");
}

static void html_escalations(const narad_st_model_t *m, narad_lang_t lang, narad_sbuf_t *b)
{
    put(b, "<h2>");
    msg(b, lang, NARAD_MSG_ESCALATIONS);
    put(b, "</h2>\n<table id=\"escalations\">\n<thead><tr>");
    th(b, lang, NARAD_MSG_COL_CODE, NULL);
    th(b, lang, NARAD_MSG_COL_CASE, NULL);
    th(b, lang, NARAD_MSG_COL_TO, NULL);
    th(b, lang, NARAD_MSG_COL_OPENED, NULL);
    put(b, "</tr></thead>\n<tbody>\n");
    if (!m->n_esc) {
        put(b, "<tr><td colspan=\"4\" class=\"empty\">");
        msg(b, lang, NARAD_MSG_NO_ESCALATIONS);
        put(b, "</td></tr>\n");
    }
    for (size_t i = 0; i < m->n_esc; i++) {
        const narad_st_escalation_t *e = &m->esc[i];
        char id[2 * NARA_ID_BYTES + 1], when[32];
        nara_hex(e->id, sizeof e->id, id);
        utc(e->opened_ms, when);
        put(b, "<tr><td class=\"code\">");
        html_text(b, e->region);
        narad__sb_printf(b, "</td><td><span class=\"title\">");
        html_text(b, e->title);
        narad__sb_printf(b, "</span> <span class=\"key\">%.8s</span></td><td>", id);
        if (strcmp(e->to, "gubernur") == 0)
            msg(b, lang, NARAD_MSG_TO_GUBERNUR);
        else if (strcmp(e->to, "sekda") == 0)
            msg(b, lang, NARAD_MSG_TO_SEKDA);
        else
            html_text(b, e->to);
        put(b, "</td><td>");
        html_text(b, when);
        put(b, "</td></tr>\n");
    }
    put(b, "</tbody>\n</table>\n");
}

static void html_scope(narad_sbuf_t *b, narad_lang_t lang, const char *scope)
{
    if (strcmp(scope, "*") == 0)
        msg(b, lang, NARAD_MSG_ALL_REGIONS);
    else
        html_text(b, scope);
}

static void html_devices(const narad_st_model_t *m, narad_lang_t lang, narad_sbuf_t *b)
{
    put(b, "<h2>");
    msg(b, lang, NARAD_MSG_DEVICES);
    put(b, "</h2>\n<table id=\"devices\">\n<thead><tr>");
    th(b, lang, NARAD_MSG_COL_NAME, NULL);
    th(b, lang, NARAD_MSG_COL_ROLE, NULL);
    th(b, lang, NARAD_MSG_COL_SCOPE, NULL);
    th(b, lang, NARAD_MSG_COL_DEVICE, NULL);
    th(b, lang, NARAD_MSG_COL_STATE, NULL);
    th(b, lang, NARAD_MSG_COL_LAST_SYNC, NULL);
    put(b, "</tr></thead>\n<tbody>\n");
    if (!m->n_devices) {
        put(b, "<tr><td colspan=\"6\" class=\"empty\">");
        msg(b, lang, NARAD_MSG_NO_DEVICES);
        put(b, "</td></tr>\n");
    }
    for (size_t i = 0; i < m->n_devices; i++) {
        const narad_st_device_t *d = &m->devices[i];
        char key[2 * NARA_PUBLICKEY_BYTES + 1];
        nara_hex(d->key, sizeof d->key, key);
        put(b, "<tr><td><span class=\"name\">");
        html_text(b, d->name);
        put(b, "</span> <span class=\"agency\">");
        html_text(b, d->agency);
        put(b, "</span></td><td>");
        narad_msg_t role = role_msg(d->role);
        if (role == NARAD_MSG_COUNT)
            html_text(b, nara_role_name(d->role));
        else
            msg(b, lang, role);
        put(b, "</td><td>");
        html_scope(b, lang, d->scope);
        narad__sb_printf(b, "</td><td class=\"key\" title=\"%s\">%.16s</td>", key, key);
        const char *st = d->revoked ? "revoked" : d->connected ? "connected" : "enrolled";
        narad__sb_printf(b, "<td class=\"state %s\">", st);
        msg(b, lang,
            d->revoked     ? NARAD_MSG_REVOKED
            : d->connected ? NARAD_MSG_CONNECTED
                           : NARAD_MSG_ENROLLED);
        put(b, "</td>");
        td_seen(b, lang, m->now_ms, d->last_ms);
        put(b, "</tr>\n");
    }
    put(b, "</tbody>\n</table>\n");
}

/* The catalogue for the script, as JSON in a non-executed <script> block
 * (json_str escapes '<', so "</script>" cannot appear in it). */
static void html_msgs(narad_lang_t lang, narad_sbuf_t *b)
{
    put(b, "<script type=\"application/json\" id=\"msgs\">{");
    for (int i = 0; i < NARAD_MSG_COUNT; i++) {
        if (i)
            put(b, ",");
        json_str(b, narad__msg_name((narad_msg_t)i));
        put(b, ":");
        json_str(b, narad__msg(lang, (narad_msg_t)i));
    }
    put(b, "}</script>\n");
}

void narad__status_html(const narad_st_model_t *m, narad_lang_t lang, narad_sbuf_t *b)
{
    html_head(m, lang, b);
    html_totals(m, lang, b);
    html_escalations(m, lang, b);
    html_regions(m, lang, b);
    html_devices(m, lang, b);
    put(b, "</main>\n<footer>");
    msg(b, lang, NARAD_MSG_TIMES_UTC);
    put(b, " narad \xc2\xb7 <a href=\"/status.json\">/status.json</a> \xc2\xb7 "
           "<a href=\"/metrics\">/metrics</a></footer>\n");
    html_msgs(lang, b);
    put(b, "</body>\n</html>\n");
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_ms(narad_sbuf_t *b, uint64_t ms)
{
    if (ms)
        narad__sb_printf(b, "%llu", (unsigned long long)ms);
    else
        put(b, "null");
}

static void json_regions(const narad_st_model_t *m, narad_sbuf_t *b)
{
    put(b, "\"regions\":[");
    for (size_t i = 0; i < m->n_regions; i++) {
        const narad_st_region_t *r = &m->regions[i];
        put(b, i ? ",\n{\"code\":" : "\n{\"code\":");
        json_str(b, r->code);
        put(b, ",\"name\":");
        json_str(b, r->name);
        put(b, ",\"type\":");
        json_str(b, nara_region_type_name(r->type));
        put(b, ",\"lo\":");
        if (r->lo_officer) {
            put(b, "{\"officer\":");
            json_str(b, r->lo_officer);
            put(b, ",\"agency\":");
            json_str(b, r->lo_agency);
            put(b, "}");
        } else {
            put(b, "null");
        }
        narad__sb_printf(b,
                         ",\"pending\":%u,\"overdue\":%u,\"late\":%u,\"escalated\":%u,"
                         "\"resolved\":%u,\"closed\":%u,\"median_ack_ms\":%llu,\"last_sync_ms\":",
                         r->open, r->overdue, r->late, r->escalated, r->resolved, r->closed,
                         (unsigned long long)r->median_ack_ms);
        json_ms(b, r->last_ms);
        put(b, "}");
    }
    put(b, "]");
}

static void json_escalations(const narad_st_model_t *m, narad_sbuf_t *b)
{
    put(b, "\"escalations\":[");
    for (size_t i = 0; i < m->n_esc; i++) {
        const narad_st_escalation_t *e = &m->esc[i];
        char id[2 * NARA_ID_BYTES + 1];
        nara_hex(e->id, sizeof e->id, id);
        narad__sb_printf(b, "%s{\"case\":\"%s\",\"region\":", i ? ",\n" : "\n", id);
        json_str(b, e->region);
        put(b, ",\"title\":");
        json_str(b, e->title);
        put(b, ",\"to\":");
        json_str(b, e->to);
        narad__sb_printf(b, ",\"opened_ms\":%llu}", (unsigned long long)e->opened_ms);
    }
    put(b, "]");
}

static void json_devices(const narad_st_model_t *m, narad_sbuf_t *b)
{
    put(b, "\"devices\":[");
    for (size_t i = 0; i < m->n_devices; i++) {
        const narad_st_device_t *d = &m->devices[i];
        char key[2 * NARA_PUBLICKEY_BYTES + 1];
        nara_hex(d->key, sizeof d->key, key);
        narad__sb_printf(b, "%s{\"key\":\"%s\",\"role\":\"%s\",\"name\":", i ? ",\n" : "\n", key,
                         nara_role_name(d->role));
        json_str(b, d->name);
        put(b, ",\"agency\":");
        json_str(b, d->agency);
        put(b, ",\"scope\":");
        json_str(b, d->scope);
        narad__sb_printf(b, ",\"revoked\":%s,\"connected\":%s,\"last_sync_ms\":",
                         d->revoked ? "true" : "false", d->connected ? "true" : "false");
        json_ms(b, d->last_ms);
        put(b, "}");
    }
    put(b, "]");
}

void narad__status_json(const narad_st_model_t *m, narad_sbuf_t *b)
{
    narad__sb_printf(b, "{\"now_ms\":%llu,\"province\":{\"code\":", (unsigned long long)m->now_ms);
    json_str(b, m->province_code);
    put(b, ",\"name\":");
    json_str(b, m->province_name);
    put(b, "},\"error\":");
    if (m->err != NARA_OK)
        json_str(b, nara_err_name(m->err));
    else
        put(b, "null");
    narad__sb_printf(b,
                     ",\"stopping\":%s,\n\"totals\":{\"events\":%llu,\"connections\":%llu,"
                     "\"sessions_total\":%llu,\"enrolled\":%zu,\"pending\":%u,\"overdue\":%u,"
                     "\"escalated\":%u,\"tree_size\":",
                     m->draining ? "true" : "false", (unsigned long long)m->events,
                     (unsigned long long)m->connections, (unsigned long long)m->sessions_total,
                     enrolled(m), m->pending, m->overdue, m->escalated);
    if (m->has_tree)
        narad__sb_printf(b, "%llu", (unsigned long long)m->tree_size);
    else
        put(b, "null");
    put(b, "},\n");
    json_regions(m, b);
    put(b, ",\n");
    json_escalations(m, b);
    put(b, ",\n");
    json_devices(m, b);
    put(b, "}\n");
}

/* ---- assets ------------------------------------------------------------------ */

const char *narad__status_asset(bool js, size_t *len)
{
    *len = js ? sizeof status_js - 1 : sizeof status_css - 1;
    return (const char *)(js ? status_js : status_css);
}
