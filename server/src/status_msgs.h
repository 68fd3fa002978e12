/*
 * status_msgs.h - the words of narad's status page, in English and Bahasa
 * Indonesia, and the choice of language for a request.
 *
 * Every message id exists in every language (status_msgs.c asserts it at
 * compile time through designated initialisers and at run time through
 * tests/test_status_page.c).  Messages are UTF-8 plain text, never HTML;
 * the renderer escapes them.  A message may hold one "{n}" placeholder for a
 * number, substituted by the renderer (C) or by the page's script.
 *
 * This file and status_msgs.c use nothing but libc, so the catalogue can be
 * tested alone and later merged with the client's catalogues.
 */
#ifndef NARAD_STATUS_MSGS_H
#define NARAD_STATUS_MSGS_H

#include <stddef.h>

typedef enum { NARAD_LANG_EN = 0, NARAD_LANG_ID = 1, NARAD_LANG_COUNT } narad_lang_t;

/* One X per message; the names are also the keys the page's script uses. */
#define NARAD_MSG_MAP(X)                                                                           \
    X(PAGE_TITLE)                                                                                  \
    X(HEADING)                                                                                     \
    X(PROVINCE)                                                                                    \
    X(UPDATED)                                                                                     \
    X(LIVE_NOTE)                                                                                   \
    X(STATIC_NOTE)                                                                                 \
    X(STALE)                                                                                       \
    X(STOPPING)                                                                                    \
    X(DB_ERROR)                                                                                    \
    X(OTHER_LANG)                                                                                  \
    X(TIMES_UTC)                                                                                   \
    X(T_EVENTS)                                                                                    \
    X(T_CONNECTED)                                                                                 \
    X(T_ENROLLED)                                                                                  \
    X(T_PENDING)                                                                                   \
    X(T_OVERDUE)                                                                                   \
    X(T_ESCALATED)                                                                                 \
    X(T_TREE)                                                                                      \
    X(REGIONS)                                                                                     \
    X(COL_CODE)                                                                                    \
    X(COL_REGION)                                                                                  \
    X(COL_LO)                                                                                      \
    X(COL_PENDING)                                                                                 \
    X(COL_OVERDUE)                                                                                 \
    X(COL_ESCALATED)                                                                               \
    X(COL_LAST_SYNC)                                                                               \
    X(KABUPATEN)                                                                                   \
    X(KOTA)                                                                                        \
    X(NO_LO)                                                                                       \
    X(NEVER)                                                                                       \
    X(REGIONS_NOTE)                                                                                \
    X(ESCALATIONS)                                                                                 \
    X(COL_CASE)                                                                                    \
    X(COL_TO)                                                                                      \
    X(COL_OPENED)                                                                                  \
    X(TO_SEKDA)                                                                                    \
    X(TO_GUBERNUR)                                                                                 \
    X(NO_ESCALATIONS)                                                                              \
    X(DEVICES)                                                                                     \
    X(COL_DEVICE)                                                                                  \
    X(COL_NAME)                                                                                    \
    X(COL_ROLE)                                                                                    \
    X(COL_SCOPE)                                                                                   \
    X(COL_STATE)                                                                                   \
    X(CONNECTED)                                                                                   \
    X(REVOKED)                                                                                     \
    X(ENROLLED)                                                                                    \
    X(ALL_REGIONS)                                                                                 \
    X(NO_DEVICES)                                                                                  \
    X(ROLE_ROOT)                                                                                   \
    X(ROLE_ADMIN)                                                                                  \
    X(ROLE_SECRETARIAT)                                                                            \
    X(ROLE_GOVERNOR)                                                                               \
    X(ROLE_AUDITOR)                                                                                \
    X(ROLE_LO)                                                                                     \
    X(ROLE_REGENCY)                                                                                \
    X(ROLE_SERVER)                                                                                 \
    X(AGO_NOW)                                                                                     \
    X(AGO_MIN)                                                                                     \
    X(AGO_HOUR)                                                                                    \
    X(AGO_DAY)

typedef enum {
#define NARAD__MSG_ENUM(name) NARAD_MSG_##name,
    NARAD_MSG_MAP(NARAD__MSG_ENUM)
#undef NARAD__MSG_ENUM
        NARAD_MSG_COUNT
} narad_msg_t;

/* The message in that language.  Never NULL for valid arguments (an
 * out-of-range id or language gives ""). */
const char *narad__msg(narad_lang_t lang, narad_msg_t id);

/* "PAGE_TITLE", ...; "" out of range. */
const char *narad__msg_name(narad_msg_t id);

/* "en" / "id". */
const char *narad__lang_code(narad_lang_t lang);

/* The language of a request: `query` is the value of ?lang= (NULL if
 * absent): "id" or "en" decide.  Otherwise the Accept-Language header (NULL
 * if absent) decides by q-value among the languages known here ("id" and
 * its old code "in", "en", with or without a region such as "id-ID"); ties
 * go to the earlier entry.  Default English.  Cannot fail. */
narad_lang_t narad__lang_pick(const char *query, const char *accept_language);

#endif /* NARAD_STATUS_MSGS_H */
