/*
 * valid.c - checking what users type before anything is written: the
 * vocabulary of docs/events.md section 4, dates, instants, region codes,
 * free text and 64-digit hex keys.
 *
 * Invariant: every check names the option and says what was expected, and
 * returns NARA_EXIT_USAGE; nothing here touches the replica except reading
 * the region list.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_cli.h"

const char *const nara_categories[] = {"pembangunan", "sosial", "rpjmd", "rapim", "lainnya",
                                       NULL};
const char *const nara_functions[] = {"koordinasi", "fasilitasi", "sinkronisasi", "komunikasi",
                                      NULL};
const char *const nara_priorities[] = {"rendah", "sedang", "tinggi", "darurat", NULL};
const char *const nara_escalate_to[] = {"sekda", "gubernur", NULL};

/* Longest free text accepted: well inside one event (NARA_EVENT_MAX_BYTES). */
#define TEXT_MAX 16384

int nara_check_vocab(const nara_app_t *app, const char *opt, const char *v,
                     const char *const *list)
{
    char choices[256] = "";
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(v, list[i]) == 0)
            return NARA_EXIT_OK;
        size_t used = strlen(choices);
        snprintf(choices + used, sizeof choices - used, "%s%s", i ? ", " : "", list[i]);
    }
    return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_VOCAB, opt, v, choices);
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's method). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned month_days(int y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

bool nara_date_days(const char *s, int64_t *days)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return false;
    int y = atoi(s);
    unsigned m = (unsigned)atoi(s + 5), d = (unsigned)atoi(s + 8);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

int nara_check_date(const nara_app_t *app, const char *opt, const char *v)
{
    int64_t days;
    if (nara_date_days(v, &days))
        return NARA_EXIT_OK;
    return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_DATE, opt, v);
}

/* "HH:MM[:SS]Z" after the date; seconds of the day into *secs. */
static bool parse_clock(const char *t, int64_t *secs)
{
    size_t n = strlen(t);
    bool with_secs = n == 9;
    if ((n != 6 && n != 9) || t[2] != ':' || t[n - 1] != 'Z' || !digits(t, 2) ||
        !digits(t + 3, 2) || (with_secs && (t[5] != ':' || !digits(t + 6, 2))))
        return false;
    int h = atoi(t), m = atoi(t + 3), s = with_secs ? atoi(t + 6) : 0;
    if (h > 23 || m > 59 || s > 59)
        return false;
    *secs = (int64_t)h * 3600 + m * 60 + s;
    return true;
}

int nara_parse_instant(const nara_app_t *app, const char *opt, const char *v, uint64_t *ms)
{
    char date[11];
    int64_t days, secs;
    if (strcmp(v, "now") == 0) {
        *ms = nara_now_ms();
        return NARA_EXIT_OK;
    }
    if (strlen(v) < 11 || v[10] != 'T')
        goto bad;
    memcpy(date, v, 10);
    date[10] = '\0';
    if (!nara_date_days(date, &days) || !parse_clock(v + 11, &secs))
        goto bad;
    *ms = (uint64_t)(days * 86400 + secs) * 1000u;
    return NARA_EXIT_OK;
bad:
    return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_INSTANT, opt, v);
}

int nara_check_region(const nara_app_t *app, const char *opt, const char *v)
{
    if (nara_regions_find(app->regions, v) >= 0)
        return NARA_EXIT_OK;
    const char *prov = nara_regions_province_name(app->regions);
    size_t n = nara_regions_count(app->regions);
    const char *eg = n ? nara_regions_at(app->regions, 0)->code : "-";
    char en[1024], loc[1024];
    nara_msg_format(NARA_LANG_EN, en, sizeof en, NARA_MSG_ERR_REGION, opt, v,
                    prov ? prov : nara_msg_in(NARA_LANG_EN, NARA_MSG_THIS_PROVINCE), n, eg);
    nara_msg_format(nara_msg_lang(), loc, sizeof loc, NARA_MSG_ERR_REGION, opt, v,
                    prov ? prov : nara_msg(NARA_MSG_THIS_PROVINCE), n, eg);
    return nara_fail_text(app, NARA_EXIT_USAGE, en, loc);
}

int nara_check_text(const nara_app_t *app, const char *opt, const char *v)
{
    if (v[0] == '\0')
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_TEXT_EMPTY, opt);
    if (strlen(v) > TEXT_MAX)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_TEXT_LONG, opt, TEXT_MAX);
    return NARA_EXIT_OK;
}

int nara_parse_hex32(const nara_app_t *app, const char *opt, const char *v, uint8_t out[32])
{
    if (nara_hex32_parse(v, out) == NARA_OK)
        return NARA_EXIT_OK;
    return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_HEX, opt, v);
}
