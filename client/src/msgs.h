/*
 * msgs.h - the words `nara` prints for a person, in English and Bahasa
 * Indonesia (shape follows server/src/status_msgs.h).
 *
 * The language comes from LC_ALL, then LC_MESSAGES, then LANG: a value
 * starting with "id" is Indonesian, anything else English.  Messages are
 * printf formats; both languages of one id take the same conversions in the
 * same order.  --json output never uses this catalogue (error objects keep the
 * English text), so machine output does not depend on the locale.
 */
#ifndef NARA_MSGS_H
#define NARA_MSGS_H

typedef enum { NARA_LANG_EN = 0, NARA_LANG_ID = 1, NARA_LANG_COUNT } nara_lang_t;

#define NARA_MSG_MAP(X)                                                                            \
    X(REPORT_HEADING)                                                                              \
    X(COL_REGION)                                                                                  \
    X(COL_NAME)                                                                                    \
    X(COL_LO)                                                                                      \
    X(COL_OPEN)                                                                                    \
    X(COL_OVERDUE)                                                                                 \
    X(COL_LATE)                                                                                    \
    X(COL_ESC)                                                                                     \
    X(COL_RESOLVED)                                                                                \
    X(COL_MEDIAN_ACK)                                                                              \
    X(NO_LO)                                                                                       \
    X(STATUS_REPLICA)                                                                              \
    X(STATUS_REVOKED)                                                                              \
    X(STATUS_EVENTS)                                                                               \
    X(STATUS_LAST_SYNC)                                                                            \
    X(STATUS_NEVER)                                                                                \
    X(STATUS_SERVER)                                                                               \
    X(STATUS_NO_SERVER)                                                                            \
    X(STATUS_NOT_PINNED)                                                                           \
    X(STATUS_OWN_FEEDS)                                                                            \
    X(STATUS_BEHIND)                                                                               \
    X(CASE_SHOW_HEAD)                                                                              \
    X(CASE_SHOW_OPENED)                                                                            \
    X(CASE_SHOW_ACKED)                                                                             \
    X(CASE_SHOW_ESCALATED)                                                                         \
    X(CASE_SHOW_TIMELINE)                                                                          \
    X(FLAG_NO_EFFECT)                                                                              \
    X(FLAG_CONFLICT)                                                                               \
    X(FLAG_NOT_APPLIED)                                                                            \
    X(USAGE)                                                                                       \
    X(HELP_FOOTER)                                                                                 \
    X(ERR_DB_NEEDS_FILE)                                                                           \
    X(ERR_UNKNOWN_OPTION)                                                                          \
    X(ERR_OPTION_TWICE)                                                                            \
    X(ERR_OPTION_NO_VALUE)                                                                         \
    X(ERR_OPTION_NEEDS_VALUE)                                                                      \
    X(ERR_OPTION_TOO_MANY)                                                                         \
    X(ERR_UNKNOWN_GLOBAL)                                                                          \
    X(ERR_NEEDS_SUBCOMMAND)                                                                        \
    X(ERR_UNKNOWN_SUB)                                                                             \
    X(GROUP_COMMANDS)                                                                              \
    X(ERR_UNKNOWN_COMMAND)                                                                         \
    X(SYNC_HEAD)                                                                                   \
    X(SYNC_DONE)                                                                                   \
    X(SYNC_PARTIAL)                                                                                \
    X(SYNC_REFUSED_WORD)                                                                           \
    X(SYNC_FAILED)                                                                                 \
    X(SYNC_COUNTS)                                                                                 \
    X(SYNC_RECEIPTS)                                                                               \
    X(SYNC_REFUSED)                                                                                \
    X(SYNC_EVENT)                                                                                  \
    X(SYNC_FAIL)                                                                                   \
    X(HINT_SERVER_KEY)                                                                             \
    X(HINT_UNENROLLED)                                                                             \
    X(HINT_REVOKED)                                                                                \
    X(HINT_TREE_FORK)                                                                              \
    X(HINT_PROOF)                                                                                  \
    X(HINT_CONNECT)                                                                                \
    X(SYNC_PINNED)                                                                                 \
    X(SYNC_PIN_REPLACE)                                                                            \
    X(SYNC_PIN_FIRST)                                                                              \
    X(ERR_CASE_STATUS)                                                                             \
    X(MAIN_USAGE_HEAD)                                                                             \
    X(MAIN_USAGE_TAIL)                                                                             \
    X(CMD_INIT)                                                                                    \
    X(CMD_PROVINCE_INIT)                                                                           \
    X(CMD_KEY)                                                                                     \
    X(CMD_STATUS)                                                                                  \
    X(CMD_ENROLL)                                                                                  \
    X(CMD_REVOKE)                                                                                  \
    X(CMD_DEVICES)                                                                                 \
    X(CMD_DECREE)                                                                                  \
    X(CMD_LO_ASSIGN)                                                                               \
    X(CMD_LO_UNASSIGN)                                                                             \
    X(CMD_LO_SHOW)                                                                                 \
    X(CMD_CASE_OPEN)                                                                               \
    X(CMD_CASE_ACK)                                                                                \
    X(CMD_CASE_NOTE)                                                                               \
    X(CMD_CASE_ACTION)                                                                             \
    X(CMD_CASE_ESCALATE)                                                                           \
    X(CMD_CASE_RESOLVE)                                                                            \
    X(CMD_CASE_REOPEN)                                                                             \
    X(CMD_CASE_CLOSE)                                                                              \
    X(CMD_CASE_LIST)                                                                               \
    X(CMD_CASE_SHOW)                                                                               \
    X(CMD_REPORT)                                                                                  \
    X(CMD_QUARANTINE)                                                                              \
    X(CMD_CONFLICTS)                                                                               \
    X(CMD_EXPORT)                                                                                  \
    X(CMD_IMPORT)                                                                                  \
    X(CMD_SYNC)                                                                                    \
    X(CMD_RECEIPTS)                                                                                \
    X(CMD_EXPORT_BUNDLE)                                                                           \
    X(CMD_AUDIT)                                                                                   \
    X(RECORDED)                                                                                    \
    X(RCPT_HEAD)                                                                                   \
    X(RCPT_LAST)                                                                                   \
    X(RCPT_NONE)                                                                                   \
    X(RCPT_COL_EVENT)                                                                              \
    X(RCPT_COL_STREAM)                                                                             \
    X(RCPT_COL_SEQ)                                                                                \
    X(RCPT_COL_KIND)                                                                               \
    X(RCPT_COL_LEAF)                                                                               \
    X(RCPT_COL_SIZE)                                                                               \
    X(RCPT_COL_SIGNED)                                                                             \
    X(RCPT_COUNT)                                                                                  \
    X(RCPT_COUNT_NOTE)                                                                             \
    X(RCPT_VERIFIED)                                                                               \
    X(RCPT_FAILED)                                                                                 \
    X(RCPT_MORE)                                                                                   \
    X(RCPT_PROBLEMS)                                                                               \
    X(RCPT_NO_KEY)                                                                                 \
    X(DOING_FOLDING_LOG)                                                                           \
    X(DOING_LISTING_DEVICES)                                                                       \
    X(DOING_READING_LO_HISTORY)                                                                    \
    X(DOING_READING_LO)                                                                            \
    X(DOING_READING_REPLICA)                                                                       \
    X(DOING_WRITING_BUNDLE)                                                                        \
    X(DOING_LISTING_CASES)                                                                         \
    X(DOING_READING_CASE)                                                                          \
    X(DOING_READING_SETTINGS)                                                                      \
    X(DOING_WRITING_DELTA)                                                                         \
    X(DOING_MERGING_DELTA)                                                                         \
    X(DOING_READING_RECEIPTS)                                                                      \
    X(DOING_COMPUTING_REPORT)                                                                      \
    X(DOING_READING_OWN_FEEDS)                                                                     \
    X(DOING_READING_QUARANTINE)                                                                    \
    X(DOING_READING_CONFLICTS)                                                                     \
    X(DOING_LOOKING_UP_CASE)                                                                       \
    X(DOING_READING_DEVICES)                                                                       \
    X(DOING_RECORDING)                                                                             \
    X(ERR_CASE_ID)                                                                                 \
    X(ERR_NO_CASE)                                                                                 \
    X(ERR_CASE_AMBIGUOUS)                                                                          \
    X(ERR_NO_KEY)                                                                                  \
    X(HELP_ENROLL)                                                                                 \
    X(HELP_REVOKE)                                                                                 \
    X(HELP_DEVICES)                                                                                \
    X(HELP_DECREE)                                                                                 \
    X(HELP_LO_ASSIGN)                                                                              \
    X(HELP_LO_UNASSIGN)                                                                            \
    X(HELP_LO_SHOW)                                                                                \
    X(HELP_AUDIT)                                                                                  \
    X(HELP_EXPORT_BUNDLE)                                                                          \
    X(HELP_CASE_OPEN)                                                                              \
    X(HELP_CASE_LIST)                                                                              \
    X(HELP_CASE_SHOW)                                                                              \
    X(HELP_EXPORT)                                                                                 \
    X(HELP_IMPORT)                                                                                 \
    X(HELP_RECEIPTS)                                                                               \
    X(HELP_INIT)                                                                                   \
    X(HELP_PROVINCE_INIT)                                                                          \
    X(HELP_KEY)                                                                                    \
    X(HELP_SYNC)                                                                                   \
    X(HELP_REPORT)                                                                                 \
    X(HELP_STATUS)                                                                                 \
    X(HELP_QUARANTINE)                                                                             \
    X(HELP_CONFLICTS)                                                                              \
    X(HELP_CASE_ACK)                                                                               \
    X(HELP_CASE_CLOSE)                                                                             \
    X(HELP_CASE_NOTE)                                                                              \
    X(HELP_CASE_ACTION)                                                                            \
    X(HELP_CASE_ESCALATE)                                                                          \
    X(HELP_CASE_RESOLVE)                                                                           \
    X(HELP_CASE_REOPEN)                                                                            \
    X(ERR_NO_REPLICA)

typedef enum {
#define NARA_MSG_ENUM(name) NARA_MSG_##name,
    NARA_MSG_MAP(NARA_MSG_ENUM)
#undef NARA_MSG_ENUM
        NARA_MSG_COUNT
} nara_msg_id_t;

/* The sentence of a library error code in the environment's language (English:
 * nara_strerror's text); never NULL.  nara_err_text_in: one language, or NULL
 * when the catalogue has none for that code. */
#include "nara_error.h"
const char *nara_err_text(nara_err_t err);
const char *nara_err_text_in(nara_lang_t lang, nara_err_t err);

/* The language chosen by the environment (computed once). */
nara_lang_t nara_msg_lang(void);
/* The language a locale value names ("id..." → Indonesian; NULL → English). */
nara_lang_t nara_lang_from_env(const char *lc_all, const char *lc_messages, const char *lang);
/* The message in the environment's language; never NULL. */
const char *nara_msg(nara_msg_id_t id);
/* The message in one language, or NULL for an id out of range. */
const char *nara_msg_in(nara_lang_t lang, nara_msg_id_t id);

#endif
