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
    X(STATUS_RECEIPTS)                                                                             \
    X(STATUS_TREE_HEAD)                                                                            \
    X(STATUS_NO_TREE_HEAD)                                                                         \
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
    X(ERR_MISSING_OPTION)                                                                          \
    X(ERR_MISSING_ARG)                                                                             \
    X(ERR_UNEXPECTED_ARG)                                                                          \
    X(ERR_DB_EMPTY)                                                                                \
    X(ERR_DB_TOO_LONG)                                                                             \
    X(ERR_DB_NO_DIR)                                                                               \
    X(ERR_REGION_LIST)                                                                             \
    X(ERR_KEY_PERMS)                                                                               \
    X(ERR_KEY_FILE)                                                                                \
    X(ERR_OPEN_REPLICA)                                                                            \
    X(ERR_OPEN_SETTINGS)                                                                           \
    X(ERR_READ_SETTINGS)                                                                           \
    X(ERR_NO_ROOT)                                                                                 \
    X(ERR_VOCAB)                                                                                   \
    X(ERR_DATE)                                                                                    \
    X(ERR_INSTANT)                                                                                 \
    X(ERR_REGION)                                                                                  \
    X(ERR_TEXT_EMPTY)                                                                              \
    X(ERR_TEXT_LONG)                                                                               \
    X(ERR_HEX)                                                                                     \
    X(THIS_PROVINCE)                                                                               \
    X(ERR_SCOPE_TOO_LONG)                                                                          \
    X(ERR_SCOPE_TOO_MANY)                                                                          \
    X(ERR_SCOPE_EMPTY)                                                                             \
    X(ERR_ROLE)                                                                                    \
    X(ERR_DOC_READ)                                                                                \
    X(ERR_DOC_IO)                                                                                  \
    X(ERR_DOC_ONE)                                                                                 \
    X(ERR_ASSIGNMENT_NONE)                                                                         \
    X(ERR_ASSIGNMENT_MANY)                                                                         \
    X(NOTE_DECREE_UNKNOWN)                                                                         \
    X(COL_KEY)                                                                                     \
    X(COL_ROLE)                                                                                    \
    X(COL_SCOPE)                                                                                   \
    X(COL_DEVICE_NAME)                                                                             \
    X(COL_SINCE)                                                                                   \
    X(DEVICE_REVOKED)                                                                              \
    X(DEVICES_NONE)                                                                                \
    X(COL_OFFICER)                                                                                 \
    X(COL_AGENCY)                                                                                  \
    X(COL_DECREE)                                                                                  \
    X(COL_ASSIGNMENT)                                                                              \
    X(LO_HISTORY)                                                                                  \
    X(LO_HISTORY_ROW)                                                                              \
    X(LO_CURRENT)                                                                                  \
    X(LO_NO_EFFECT)                                                                                \
    X(LO_CONFLICT)                                                                                 \
    X(COL_STATUS)                                                                                  \
    X(COL_PRIORITY)                                                                                \
    X(COL_OPENED)                                                                                  \
    X(COL_TITLE)                                                                                   \
    X(CASE_LIST_NONE)                                                                              \
    X(STATUS_FEED_ROW)                                                                             \
    X(STATUS_FEED_BEHIND)                                                                          \
    X(Q_STORE_HEAD)                                                                                \
    X(Q_DOM_HEAD)                                                                                  \
    X(Q_STORE_ROW)                                                                                 \
    X(Q_NO_ID)                                                                                     \
    X(Q_DOM_ROW)                                                                                   \
    X(NONE_ROW)                                                                                    \
    X(CONFLICT_ROW)                                                                                \
    X(CONFLICT_CASE)                                                                               \
    X(CONFLICT_SETTLED)                                                                            \
    X(CONFLICTS_NONE)                                                                              \
    X(NOTE_VV_UNREADABLE)                                                                          \
    X(ERR_OUT_CREATE)                                                                              \
    X(ERR_EXPORT_BOTH)                                                                             \
    X(EXPORT_DONE)                                                                                 \
    X(EXPORT_BASE_SERVER)                                                                          \
    X(EXPORT_BASE_ALL)                                                                             \
    X(ERR_CANNOT_READ)                                                                             \
    X(IMPORT_DONE)                                                                                 \
    X(IMPORT_DAMAGED)                                                                              \
    X(DELTA_NOT_DELTA)                                                                             \
    X(DELTA_TRAILER_TRUNCATED)                                                                     \
    X(DELTA_TRAILER_COUNT)                                                                         \
    X(DELTA_AFTER_TRAILER)                                                                         \
    X(DELTA_BAD_RECORD)                                                                            \
    X(DELTA_NO_TRAILER)                                                                            \
    X(DELTA_RECORD_TOO_LARGE)                                                                      \
    X(DELTA_RECORD_TRUNCATED)                                                                      \
    X(SETUP_CREATED)                                                                               \
    X(SETUP_ROOT)                                                                                  \
    X(SETUP_DEVICE)                                                                                \
    X(ERR_KEY_CREATE)                                                                              \
    X(ERR_CREATE_REPLICA)                                                                          \
    X(ERR_EXISTS)                                                                                  \
    X(ERR_REGIONS_READ)                                                                            \
    X(ERR_REGION_TOO_MANY)                                                                         \
    X(ERR_FROM_AFTER_TO)                                                                           \
    X(BUNDLE_DONE)                                                                                 \
    X(ERR_AUDIT_RUN)                                                                               \
    X(ERR_WITH_MAX)                                                                                \
    X(ERR_CANNOT_OPEN)                                                                             \
    X(ERR_SERVER_REPLICA_ROOT)                                                                     \
    X(ERR_READING)                                                                                 \
    X(ERR_NO_REPLICA_AT)                                                                           \
    X(ERR_WITH_NEEDS_BUNDLE)                                                                       \
    X(AUDIT_ROOT_GIVEN)                                                                            \
    X(AUDIT_ROOT_REPLICA)                                                                          \
    X(AUDIT_ROOT_BUNDLE)                                                                           \
    X(AUDIT_HEAD)                                                                                  \
    X(AUDIT_AND_MORE)                                                                              \
    X(AUDIT_VERIFIED)                                                                              \
    X(AUDIT_WITH_FINDINGS)                                                                         \
    X(AUDIT_FAILED)                                                                                \
    X(AUDIT_WITH)                                                                                  \
    X(AUDIT_ROOT)                                                                                  \
    X(AUDIT_COUNTS)                                                                                \
    X(AUDIT_SERVER)                                                                                \
    X(AUDIT_ENROLLED)                                                                              \
    X(AUDIT_NOT_ENROLLED)                                                                          \
    X(AUDIT_LARGEST)                                                                               \
    X(AUDIT_RECEIPTED)                                                                             \
    X(AUDIT_NOT_CLAIMED)                                                                           \
    X(AUDIT_COMPLETE)                                                                              \
    X(AUDIT_INCOMPLETE)                                                                            \
    X(AUDIT_FIRST)                                                                                 \
    X(AUDIT_FAILURES)                                                                              \
    X(AUDIT_FINDINGS)                                                                              \
    X(AUDIT_MORE)                                                                                  \
    X(AUDIT_SUBJ_EVENT)                                                                            \
    X(AUDIT_SUBJ_FEED_SEQ)                                                                         \
    X(AUDIT_SUBJ_FEED)                                                                             \
    X(AUDIT_SUBJ_OTHER)                                                                            \
    X(AUDIT_SUBJ_BUNDLE_RECORD)                                                                    \
    X(AUDIT_SUBJ_RECORD)                                                                           \
    X(ERR_NO_SERVER)                                                                               \
    X(ERR_URL_SCHEME)                                                                              \
    X(ERR_URL_HOST)                                                                                \
    X(ERR_URL_PORT)                                                                                \
    X(ERR_REPIN_NEEDS_KEY)                                                                         \
    X(ERR_KEY_DIFFERS)                                                                             \
    X(ERR_PIN_UNREADABLE)                                                                          \
    X(ERR_RCPT_TABLES)                                                                             \
    X(SYNC_EVIDENCE)                                                                               \
    X(SYNC_META_WARN)                                                                              \
    X(SYNC_PROGRESS)                                                                               \
    X(SYNC_RETRY)                                                                                  \
    X(SYNC_DISCONNECTED)                                                                           \
    X(SYNC_INTERRUPTED)                                                                            \
    X(SYNC_LOST)                                                                                   \
    X(SYNC_LOST_EARLY)                                                                             \
    X(SYNC_NO_CONNECT)                                                                             \
    X(SYNC_ATT_NOMEM)                                                                              \
    X(SYNC_ATT_START)                                                                              \
    X(SYNC_ATT_SESSION)                                                                            \
    X(SYNC_ATT_TEXT)                                                                               \
    X(SYNC_ATT_TOO_LARGE)                                                                          \
    X(SYNC_ATT_STORE)                                                                              \
    X(SYNC_ATT_WRITE)                                                                              \
    X(SYNC_ATT_CONNECT)                                                                            \
    X(SYNC_CONNECT_FAILED)                                                                         \
    X(SYNC_TLS_HINT)                                                                               \
    X(LABEL_ROOT)                                                                                  \
    X(LABEL_UNKNOWN)                                                                               \
    X(LABEL_REVOKED)                                                                               \
    X(NOTE_UNKNOWN_DEVICE)                                                                         \
    X(WARN_NO_EFFECT)                                                                              \
    X(RCPT_BAD_HEAD)                                                                               \
    X(RCPT_NO_LINK)                                                                                \
    X(RCPT_HEAD_INVALID)                                                                           \
    X(RCPT_HEAD_NOT_KEPT)                                                                          \
    X(RCPT_PROOF_BAD)                                                                              \
    X(RCPT_NOT_HELD_EVENT)                                                                         \
    X(RCPT_NOT_HELD)                                                                               \
    X(RCPT_ROW_VERIFIED)                                                                           \
    X(RCPT_ROW_FAILED)                                                                             \
    X(RCPT_EVIDENCE_HEAD)                                                                          \
    X(RCPT_EVIDENCE_KEPT)                                                                          \
    X(RCPT_EVIDENCE_OFFERED)                                                                       \
    X(RCPT_EVIDENCE_NONE)                                                                          \
    X(ERR_REGION_LIST_ERR)                                                                         \
    X(ERR_REGIONS_FILE)                                                                            \
    X(DUR_DAYS)                                                                                    \
    X(DUR_HOURS)                                                                                   \
    X(DUR_MINUTES)                                                                                 \
    X(DUR_SECONDS)                                                                                 \
    X(STORED_OK)                                                                                   \
    X(STORED_PARTIAL)                                                                              \
    X(STATUS_SYNC_SUMMARY)                                                                         \
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
#include <stdarg.h>
#include <stddef.h>

#include "nara_error.h"
const char *nara_err_text(nara_err_t err);
const char *nara_err_text_in(nara_lang_t lang, nara_err_t err);

/* ---- the log's vocabulary and the library's structured texts -------------------------------- */

#include "nara_bundle.h"

/* Words of the log shown to a person: case statuses (nara_case_status_t),
 * event kinds (nara_kind_t) and roles (nara_role_t).  English is the wire
 * value (what --json and the options use); NULL for a value out of range. */
typedef enum { NARA_VOCAB_STATUS, NARA_VOCAB_KIND, NARA_VOCAB_ROLE } nara_vocab_t;
const char *nara_vocab_in(nara_lang_t lang, nara_vocab_t vocab, int value);
/* In the environment's language; never NULL (the wire value, else ""). */
const char *nara_vocab(nara_vocab_t vocab, int value);
/* An event kind by its wire name; a name the log does not know as given. */
const char *nara_vocab_kind(const char *kind);

/* Why an event took no effect, for a person: in English the domain's detail
 * (else the rule's name); in Indonesian a sentence for the rule, naming the
 * event kind and its stream.  The Indonesian format of a rule (two %s: kind,
 * stream) is nara_rule_format_id. */
void nara_rule_explain(char *out, size_t cap, nara_rule_t rule, const char *kind,
                       const char *stream, const char *detail);
const char *nara_rule_format_id(nara_rule_t rule);

/* The Indonesian format of an audit finding's kind: one %s per letter of its
 * shape (nara_audit_kind_shape), in that order; NULL if none.  English is the
 * finding's own detail. */
const char *nara_audit_format_id(nara_audit_kind_t kind);
/* An audit check's name ("signature", ...) in lang: English as given;
 * NULL for a check the catalogue does not know. */
const char *nara_audit_check_in(nara_lang_t lang, const char *check);
/* A conflict kind ("close-reopen", ...) in lang, the same way. */
const char *nara_conflict_kind_in(nara_lang_t lang, const char *kind);

/* A region-list error as the core words it (nara_regions_load's errbuf,
 * English) in lang; a sentence the catalogue does not know stays as given. */
void nara_regions_error_in(nara_lang_t lang, const char *en, char *out, size_t cap);

/* The language chosen by the environment (computed once). */
nara_lang_t nara_msg_lang(void);
/* The language a locale value names ("id..." → Indonesian; NULL → English). */
nara_lang_t nara_lang_from_env(const char *lc_all, const char *lc_messages, const char *lang);
/* The message in the environment's language; never NULL. */
const char *nara_msg(nara_msg_id_t id);
/* The message in one language, or NULL for an id out of range. */
const char *nara_msg_in(nara_lang_t lang, nara_msg_id_t id);

/* Format message `id` in `lang` into out (always terminated); when err is not
 * NARA_OK, append ": <error sentence> (<NARA_NAME>)" in that language. */
void nara_msg_vformat(nara_lang_t lang, char *out, size_t cap, nara_err_t err, nara_msg_id_t id,
                      va_list ap);
/* nara_msg_vformat without an error, from arguments. */
void nara_msg_format(nara_lang_t lang, char *out, size_t cap, nara_msg_id_t id, ...);
/* The same message twice: in English (en, for --json and stored settings)
 * and in the environment's language (loc, for a person). */
void nara_msg_format2(char *en, size_t en_cap, char *loc, size_t loc_cap, nara_err_t err,
                      nara_msg_id_t id, ...);
void nara_msg_vformat2(char *en, size_t en_cap, char *loc, size_t loc_cap, nara_err_t err,
                       nara_msg_id_t id, va_list ap);

#endif
