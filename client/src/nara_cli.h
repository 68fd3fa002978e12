/*
 * nara_cli.h - what the files of the `nara` command share: the application
 * context (one replica: key, store, client settings, region list, domain),
 * exit codes, option parsing, output helpers and argument validation.
 *
 * Invariants:
 *  1. Every command returns one of the NARA_EXIT_* codes and never crashes on
 *     bad input: each argument is validated (and named in the message) before
 *     anything is written.
 *  2. The store's tables belong to the store and the domain's dom_* tables to
 *     the domain; the client keeps its own settings only in `client_meta`,
 *     through its own SQLite connection (meta.c).
 *  3. A secret key lives only in nara_app_t.kp and is wiped by
 *     nara_app_close().
 *
 * Not here: the sync connection (sync.h) and the delta file (delta.h).
 */
#ifndef NARA_CLI_H
#define NARA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "msgs.h"
#include "nara_domain.h"
#include "nara_error.h"
#include "nara_event.h"
#include "nara_hlc.h"
#include "nara_keyfile.h"
#include "nara_store.h"

/* ---- exit codes (documented in `nara --help` and docs/client.md) -------- */

#define NARA_EXIT_OK 0       /* success */
#define NARA_EXIT_USAGE 1    /* bad command line or input naming nothing valid */
#define NARA_EXIT_PARTIAL 2  /* done, but some events were refused or a file was damaged */
#define NARA_EXIT_CONNECT 3  /* no connection, or connection lost before the sync was done */
#define NARA_EXIT_REFUSED 4  /* permanent refusal: revoked, unenrolled, fork, server key */
#define NARA_EXIT_STORAGE 5  /* local storage error (replica, key file, settings) */

/* ---- application context ------------------------------------------------- */

#define NARA_PATH_MAX 4096

/* What a command needs opened (nara_app_open). */
#define NARA_NEED_KEY 0x01    /* the device key (FILE.key) */
#define NARA_NEED_STORE 0x02  /* the store and the client settings */
#define NARA_NEED_DOMAIN 0x06 /* the domain (implies the store) */

typedef struct {
    const char *db;                  /* --db, $NARA_DB or "nara.db" */
    char key_path[NARA_PATH_MAX];    /* db + ".key" */
    bool json;                       /* --json */
    bool have_key;
    nara_keypair_t kp;
    nara_store_t *store;
    sqlite3 *meta;                   /* own connection: client_meta only */
    nara_regions_t *regions_owned;   /* loaded from a file, or NULL */
    const nara_regions_t *regions;   /* what the domain uses */
    bool have_root;
    uint8_t root_pk[NARA_PUBLICKEY_BYTES];
    nara_domain_t *dom;
    struct nara_label *labels; /* enrolled names by key (lookup.c), or NULL */
    size_t n_labels;
} nara_app_t;

/* Fill paths from app->db.  Returns an exit code (message printed). */
int nara_app_paths(nara_app_t *app);
/* Open what `need` says on an initialised replica.  Returns NARA_EXIT_OK or
 * the exit code after printing what was wrong; on failure everything opened
 * is closed again. */
int nara_app_open(nara_app_t *app, unsigned need);
/* Close everything and wipe the key.  Safe on a partly opened app. */
void nara_app_close(nara_app_t *app);
/* Load the region list named by `path` (NULL: built-in Jawa Barat). */
int nara_app_load_regions(nara_app_t *app, const char *path);

/* Wall-clock milliseconds since the Unix epoch. */
uint64_t nara_now_ms(void);

/* ---- client settings (meta.c) --------------------------------------------- */

#define NARA_META_ROOT "root_pk"          /* hex */
#define NARA_META_REGIONS "regions_path"  /* absolute path, absent = built-in */
#define NARA_META_SERVER_PK "server_pk"   /* hex, pinned on first sync */
#define NARA_META_SERVER_URL "server_url"
#define NARA_META_SYNC_MS "last_sync_ms"  /* decimal ms of the last sync attempt */
#define NARA_META_SYNC_RESULT "last_sync_result" /* ok, partial, failed: ..., refused: ... */
/* the same failure or refusal with its reason in Indonesian (`status` shows it under id) */
#define NARA_META_SYNC_RESULT_ID "last_sync_result_id"
#define NARA_META_SYNC_SUMMARY "last_sync_summary"
/* The stored summary, always in English (status shows it in the locale's
 * language by reading the numbers back). */
#define NARA_SYNC_SUMMARY_FMT                                                                      \
    "sent %llu, acknowledged %llu, received %llu, added %llu, rejected %llu"
#define NARA_META_SERVER_VV "server_vv"   /* blob: feeds the server is known to hold */

/* An SQLite result code as a nara_err_t (BUSY, NOMEM, FULL, CORRUPT, else IO). */
nara_err_t nara_cli_sql_err(int rc);
nara_err_t nara_meta_open(const char *path, sqlite3 **out, char *errbuf, size_t errcap);
void nara_meta_close(sqlite3 *db);
/* Text setting into buf; *found false (buf "") when absent. */
nara_err_t nara_meta_get(sqlite3 *db, const char *key, char *buf, size_t cap, bool *found);
nara_err_t nara_meta_set(sqlite3 *db, const char *key, const char *value);
nara_err_t nara_meta_delete(sqlite3 *db, const char *key);
/* Version vector setting (seq per feed; heads are not kept).  An absent
 * setting gives *found false and an empty vector.  Free with nara_vv_free. */
nara_err_t nara_meta_get_vv(sqlite3 *db, const char *key, nara_vv_t *out, bool *found);
nara_err_t nara_meta_set_vv(sqlite3 *db, const char *key, const nara_vv_t *vv);

/* ---- option parsing (args.c) ---------------------------------------------- */

#define NARA_OPT_FLAG 0x00     /* --name */
#define NARA_OPT_VALUE 0x01    /* --name VALUE or --name=VALUE */
#define NARA_OPT_REQUIRED 0x02
/* A VALUE option that may be repeated: its value is every value given, in
 * order, joined by '\n' (in the parser's static buffer, NARA_OPT_MULTI_MAX
 * bytes in all; nara_opt_split splits it). */
#define NARA_OPT_MULTI 0x04
#define NARA_OPT_MULTI_MAX 8192

typedef struct {
    const char *name; /* without the dashes; NULL ends a list */
    unsigned flags;
    const char *value; /* filled by the parser (flags: "1" when given) */
} nara_opt_t;

typedef struct {
    const char *usage;      /* "nara case open --region R ..." */
    nara_msg_id_t help;     /* what it does, details and an example (msgs.h) */
    const char *positional; /* name of one required positional, or NULL */
    nara_opt_t *opts;       /* NULL-name terminated */
    const char *pos;        /* filled: the positional argument */
} nara_cmd_spec_t;

/* Parse argv[0..argc) (what follows the command words).  Accepts the global
 * --db/--json anywhere.  Returns -1 after --help was printed (exit 0),
 * NARA_EXIT_OK, or NARA_EXIT_USAGE after printing what was wrong. */
int nara_args_parse(nara_app_t *app, nara_cmd_spec_t *spec, int argc, char **argv);
const char *nara_opt(const nara_cmd_spec_t *spec, const char *name);
/* Split a MULTI value (and commas within each value, when `commas`) into
 * out[0..*n) (pointers into buf, which receives a copy).  false if more
 * than `cap` parts or buf is too small. */
bool nara_opt_split(const char *value, bool commas, char *buf, size_t bufcap, const char **out,
                    size_t cap, size_t *n);
bool nara_flag(const nara_cmd_spec_t *spec, const char *name);

/* ---- messages and exit codes (out.c) -------------------------------------- */

/* Print "nara: <message>" on stderr (and an {"error":...} object on stdout
 * with --json); return `code`. */
int nara_fail(const nara_app_t *app, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* nara_fail with a catalogued message (msgs.h): stderr gets the locale's
 * language, the --json error object always the English text. */
int nara_fail_msg(const nara_app_t *app, int code, nara_msg_id_t id, ...);
/* nara_fail_msg followed by ": <error sentence> (<NARA_NAME>)" of err. */
int nara_fail_msg_err(const nara_app_t *app, int code, nara_err_t err, nara_msg_id_t id, ...);
/* The failure with its two texts given: loc on stderr, en in the --json
 * error object. */
int nara_fail_text(const nara_app_t *app, int code, const char *en, const char *loc);
/* nara_fail_msg with message `id` ("... %s: %s") of a region list: its path
 * and the core's English reason, which a person reads in the locale's words. */
int nara_fail_regions(const nara_app_t *app, int code, nara_msg_id_t id, const char *path,
                      const char *why_en);
/* The exit code for an error from the libraries. */
int nara_exit_for(nara_err_t err);
/* nara_fail with "<what>: <error text> (<NAME>)" (stderr in the locale's language,
 * --json in English) plus the store's detail for a
 * storage error; the exit code from nara_exit_for. */
int nara_fail_err(const nara_app_t *app, nara_err_t err, nara_msg_id_t what);
/* The same with "<what>" given as text: what_en for --json, what for stderr. */
int nara_fail_err_text(const nara_app_t *app, nara_err_t err, const char *what_en,
                       const char *what);

/* ---- JSON output (out.c) --------------------------------------------------- */

#define NARA_JSON_DEPTH 16

typedef struct {
    FILE *f;
    int depth;
    bool first[NARA_JSON_DEPTH]; /* nothing written yet at this depth */
    char close[NARA_JSON_DEPTH]; /* '}' or ']' for each open level */
} nara_json_t;

/* Start a top-level object on f; nara_json_finish closes it and the line. */
void nara_json_start(nara_json_t *j, FILE *f);
void nara_json_finish(nara_json_t *j);
/* key NULL inside arrays. */
void nara_json_obj(nara_json_t *j, const char *key);
void nara_json_arr(nara_json_t *j, const char *key);
void nara_json_end(nara_json_t *j); /* closes the innermost object or array */
void nara_json_str(nara_json_t *j, const char *key, const char *s); /* NULL: null */
void nara_json_u64(nara_json_t *j, const char *key, uint64_t v);
void nara_json_bool(nara_json_t *j, const char *key, bool v);
void nara_json_hex(nara_json_t *j, const char *key, const uint8_t *b, size_t n);
void nara_json_time(nara_json_t *j, const char *key, uint64_t ms); /* 0: null */

/* ---- formatting (out.c) ---------------------------------------------------- */

#define NARA_TIME_STR 32
/* "2026-01-02T03:04:05Z" from milliseconds since the epoch; "-" for 0. */
void nara_fmt_time(uint64_t ms, char out[NARA_TIME_STR]);
/* "3h 12m", "45s", "2d 4h" (Indonesian: "3j 12m", "45d", "2h 4j"). */
void nara_fmt_dur(uint64_t ms, char *out, size_t cap);
/* First 12 hex digits of an id / 8 of a key. */
void nara_fmt_id(const uint8_t id[32], char out[13]);
void nara_fmt_key(const uint8_t pk[32], char out[9]);

/* ---- validation (valid.c) --------------------------------------------------- */

extern const char *const nara_categories[];
extern const char *const nara_functions[];
extern const char *const nara_priorities[];
extern const char *const nara_escalate_to[];

/* Each returns NARA_EXIT_OK or NARA_EXIT_USAGE after a message naming the
 * option (`opt`, without dashes) and what is expected. */
int nara_check_vocab(const nara_app_t *app, const char *opt, const char *v,
                     const char *const *list);
int nara_check_date(const nara_app_t *app, const char *opt, const char *v);
int nara_check_region(const nara_app_t *app, const char *opt, const char *v);
int nara_check_text(const nara_app_t *app, const char *opt, const char *v);
int nara_parse_hex32(const nara_app_t *app, const char *opt, const char *v, uint8_t out[32]);
/* "YYYY-MM-DDTHH:MM[:SS]Z" or "now" into ms since the epoch. */
int nara_parse_instant(const nara_app_t *app, const char *opt, const char *v, uint64_t *ms);
/* Days since 1970-01-01 of a valid date; false if invalid. */
bool nara_date_days(const char *s, int64_t *days);

/* ---- shared lookups (lookup.c) ----------------------------------------------- */

/* A case id from 64 hex digits or a unique prefix of at least 8. */
int nara_resolve_case(nara_app_t *app, const char *arg, uint8_t out[NARA_ID_BYTES]);
/* Load the enrolled names once, before walks that print authors (so no
 * query runs inside another's callback).  Returns an exit code. */
int nara_labels_load(nara_app_t *app);
void nara_labels_free(nara_app_t *app);
/* "1a2b3c4d (Pemkab Bogor)" for an author key, from the loaded names, with
 * the words around it in `lang` (English for --json). */
void nara_author_label(const nara_app_t *app, nara_lang_t lang, const uint8_t pk[32], char *out,
                       size_t cap);
/* After writing event `id`: if this replica's fold did not apply it, say so
 * on stderr (the event is recorded all the same). */
void nara_note_effect(nara_app_t *app, const uint8_t id[NARA_ID_BYTES]);
/* The end of every writing command: on error print it and return its exit
 * code; else print "<what> recorded: <id>" (or JSON {"kind","id"}), note
 * the local effect and return NARA_EXIT_OK. */
int nara_written(nara_app_t *app, nara_err_t err, const char *kind,
                 const uint8_t id[NARA_ID_BYTES]);
/* Exit code of a command's option parsing: -1 (help shown) becomes OK. */
#define NARA_PARSED(rc) ((rc) < 0 ? NARA_EXIT_OK : (rc))

/* ---- commands ------------------------------------------------------------------ */

typedef int (*nara_cmd_fn)(nara_app_t *app, int argc, char **argv);

int nara_cmd_init(nara_app_t *app, int argc, char **argv);
int nara_cmd_province_init(nara_app_t *app, int argc, char **argv);
int nara_cmd_key(nara_app_t *app, int argc, char **argv);
int nara_cmd_status(nara_app_t *app, int argc, char **argv);
int nara_cmd_enroll(nara_app_t *app, int argc, char **argv);
int nara_cmd_revoke(nara_app_t *app, int argc, char **argv);
int nara_cmd_devices(nara_app_t *app, int argc, char **argv);
int nara_cmd_decree(nara_app_t *app, int argc, char **argv);
int nara_cmd_lo_assign(nara_app_t *app, int argc, char **argv);
int nara_cmd_lo_unassign(nara_app_t *app, int argc, char **argv);
int nara_cmd_lo_show(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_open(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_ack(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_close(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_note(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_action(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_escalate(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_resolve(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_reopen(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_list(nara_app_t *app, int argc, char **argv);
int nara_cmd_case_show(nara_app_t *app, int argc, char **argv);
int nara_cmd_report(nara_app_t *app, int argc, char **argv);
int nara_cmd_quarantine(nara_app_t *app, int argc, char **argv);
int nara_cmd_conflicts(nara_app_t *app, int argc, char **argv);
int nara_cmd_export(nara_app_t *app, int argc, char **argv);
int nara_cmd_import(nara_app_t *app, int argc, char **argv);
int nara_cmd_sync(nara_app_t *app, int argc, char **argv);
int nara_cmd_receipts(nara_app_t *app, int argc, char **argv);
int nara_cmd_export_bundle(nara_app_t *app, int argc, char **argv);
int nara_cmd_audit(nara_app_t *app, int argc, char **argv);

#endif /* NARA_CLI_H */
