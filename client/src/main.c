/*
 * main.c - `nara`, the regency client: global options and the command table.
 *
 * The command line is `nara [--db FILE] [--json] COMMAND [SUBCOMMAND] [options]`.
 * This file only finds the command (one or two words) and hands it the rest
 * of argv; each command parses its own options (args.c) and returns an exit
 * code (nara_cli.h).  Nothing is opened here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nara_cli.h"

typedef struct {
    const char *group; /* first word */
    const char *name;  /* second word, or NULL */
    nara_cmd_fn fn;
    nara_msg_id_t summary;
} cmd_t;

static const cmd_t commands[] = {
    {"init", NULL, nara_cmd_init, NARA_MSG_CMD_INIT},
    {"province", "init", nara_cmd_province_init, NARA_MSG_CMD_PROVINCE_INIT},
    {"key", NULL, nara_cmd_key, NARA_MSG_CMD_KEY},
    {"status", NULL, nara_cmd_status, NARA_MSG_CMD_STATUS},
    {"enroll", NULL, nara_cmd_enroll, NARA_MSG_CMD_ENROLL},
    {"revoke", NULL, nara_cmd_revoke, NARA_MSG_CMD_REVOKE},
    {"devices", NULL, nara_cmd_devices, NARA_MSG_CMD_DEVICES},
    {"decree", NULL, nara_cmd_decree, NARA_MSG_CMD_DECREE},
    {"lo", "assign", nara_cmd_lo_assign, NARA_MSG_CMD_LO_ASSIGN},
    {"lo", "unassign", nara_cmd_lo_unassign, NARA_MSG_CMD_LO_UNASSIGN},
    {"lo", "show", nara_cmd_lo_show, NARA_MSG_CMD_LO_SHOW},
    {"case", "open", nara_cmd_case_open, NARA_MSG_CMD_CASE_OPEN},
    {"case", "ack", nara_cmd_case_ack, NARA_MSG_CMD_CASE_ACK},
    {"case", "note", nara_cmd_case_note, NARA_MSG_CMD_CASE_NOTE},
    {"case", "action", nara_cmd_case_action, NARA_MSG_CMD_CASE_ACTION},
    {"case", "escalate", nara_cmd_case_escalate, NARA_MSG_CMD_CASE_ESCALATE},
    {"case", "resolve", nara_cmd_case_resolve, NARA_MSG_CMD_CASE_RESOLVE},
    {"case", "reopen", nara_cmd_case_reopen, NARA_MSG_CMD_CASE_REOPEN},
    {"case", "close", nara_cmd_case_close, NARA_MSG_CMD_CASE_CLOSE},
    {"case", "list", nara_cmd_case_list, NARA_MSG_CMD_CASE_LIST},
    {"case", "show", nara_cmd_case_show, NARA_MSG_CMD_CASE_SHOW},
    {"report", NULL, nara_cmd_report, NARA_MSG_CMD_REPORT},
    {"quarantine", NULL, nara_cmd_quarantine, NARA_MSG_CMD_QUARANTINE},
    {"conflicts", NULL, nara_cmd_conflicts, NARA_MSG_CMD_CONFLICTS},
    {"export", NULL, nara_cmd_export, NARA_MSG_CMD_EXPORT},
    {"import", NULL, nara_cmd_import, NARA_MSG_CMD_IMPORT},
    {"sync", NULL, nara_cmd_sync, NARA_MSG_CMD_SYNC},
    {"receipts", NULL, nara_cmd_receipts, NARA_MSG_CMD_RECEIPTS},
    {"export-bundle", NULL, nara_cmd_export_bundle, NARA_MSG_CMD_EXPORT_BUNDLE},
    {"audit", NULL, nara_cmd_audit, NARA_MSG_CMD_AUDIT},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_commands(FILE *f, const char *group)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const cmd_t *c = &commands[i];
        if (group && strcmp(group, c->group) != 0)
            continue;
        char words[32];
        snprintf(words, sizeof words, "%s%s%s", c->group, c->name ? " " : "",
                 c->name ? c->name : "");
        fprintf(f, "  %-16s %s\n", words, nara_msg(c->summary));
    }
}

static void usage(FILE *f)
{
    fputs(nara_msg(NARA_MSG_MAIN_USAGE_HEAD), f);
    print_commands(f, NULL);
    fputs(nara_msg(NARA_MSG_MAIN_USAGE_TAIL), f);
}

/* Find the command named by argv[0] (and argv[1]); *used = words consumed. */
static const cmd_t *find(int argc, char **argv, int *used, bool *group_only)
{
    *group_only = false;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const cmd_t *c = &commands[i];
        if (strcmp(argv[0], c->group) != 0)
            continue;
        if (c->name == NULL) {
            *used = 1;
            return c;
        }
        *group_only = true;
        if (argc > 1 && strcmp(argv[1], c->name) == 0) {
            *used = 2;
            return c;
        }
    }
    return NULL;
}

/* Global options before the command.  Returns the index of the command word,
 * or -1 (help printed, exit 0) / -2 (error printed). */
static int globals(nara_app_t *app, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            app->json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            app->db = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            app->db = argv[i] + 5;
        } else {
            nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_UNKNOWN_GLOBAL, argv[i]);
            return -2;
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    nara_app_t app;
    nara_store_global_init(); /* before meta.c opens SQLite */
    memset(&app, 0, sizeof app);
    app.db = getenv("NARA_DB");
    if (app.db == NULL || app.db[0] == '\0')
        app.db = "nara.db";
    int at = globals(&app, argc, argv);
    if (at == -1)
        return NARA_EXIT_OK;
    if (at < 0)
        return NARA_EXIT_USAGE;
    if (at >= argc) {
        usage(stderr);
        return NARA_EXIT_USAGE;
    }
    int used = 0;
    bool group_only = false;
    const cmd_t *c = find(argc - at, argv + at, &used, &group_only);
    if (c == NULL && group_only) {
        bool help = at + 1 < argc && strcmp(argv[at + 1], "--help") == 0;
        if (!help && at + 1 < argc)
            nara_fail_msg(&app, NARA_EXIT_USAGE, NARA_MSG_ERR_UNKNOWN_SUB, argv[at], argv[at + 1]);
        else if (!help)
            nara_fail_msg(&app, NARA_EXIT_USAGE, NARA_MSG_ERR_NEEDS_SUBCOMMAND, argv[at]);
        fprintf(help ? stdout : stderr, nara_msg(NARA_MSG_GROUP_COMMANDS), argv[at]);
        print_commands(help ? stdout : stderr, argv[at]);
        return help ? NARA_EXIT_OK : NARA_EXIT_USAGE;
    }
    if (c == NULL)
        return nara_fail_msg(&app, NARA_EXIT_USAGE, NARA_MSG_ERR_UNKNOWN_COMMAND, argv[at]);
    return c->fn(&app, argc - at - used, argv + at + used);
}
