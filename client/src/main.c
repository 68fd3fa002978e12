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
    const char *summary;
} cmd_t;

static const cmd_t commands[] = {
    {"init", NULL, nara_cmd_init, "create this device's key and replica (--root HEX)"},
    {"province", "init", nara_cmd_province_init, "create a province root replica"},
    {"key", NULL, nara_cmd_key, "show this device's public key"},
    {"status", NULL, nara_cmd_status, "events held, own feeds, last sync, server identity"},
    {"enroll", NULL, nara_cmd_enroll, "enrol a device with a role and scope (admin)"},
    {"revoke", NULL, nara_cmd_revoke, "revoke a device (admin)"},
    {"devices", NULL, nara_cmd_devices, "list enrolled devices"},
    {"decree", NULL, nara_cmd_decree, "record a governor's decree (Kepgub)"},
    {"lo", "assign", nara_cmd_lo_assign, "make an officer LO of a region"},
    {"lo", "unassign", nara_cmd_lo_unassign, "end an LO assignment"},
    {"lo", "show", nara_cmd_lo_show, "current LO per region, history of one region"},
    {"case", "open", nara_cmd_case_open, "open a case (persoalan / kendala)"},
    {"case", "ack", nara_cmd_case_ack, "acknowledge a case (LO)"},
    {"case", "note", nara_cmd_case_note, "add a note to a case"},
    {"case", "action", nara_cmd_case_action, "record a follow-up action (tindak lanjut)"},
    {"case", "escalate", nara_cmd_case_escalate, "escalate a case to sekda or gubernur"},
    {"case", "resolve", nara_cmd_case_resolve, "resolve a case"},
    {"case", "reopen", nara_cmd_case_reopen, "reopen a resolved or closed case"},
    {"case", "close", nara_cmd_case_close, "close a case"},
    {"case", "list", nara_cmd_case_list, "list cases"},
    {"case", "show", nara_cmd_case_show, "a case's fields and timeline"},
    {"report", NULL, nara_cmd_report, "per-region report with the 24-hour duty"},
    {"quarantine", NULL, nara_cmd_quarantine, "events refused by the store or the fold"},
    {"conflicts", NULL, nara_cmd_conflicts, "visible conflicts of concurrent edits"},
    {"export", NULL, nara_cmd_export, "write a delta file for sneakernet"},
    {"import", NULL, nara_cmd_import, "merge a delta file"},
    {"sync", NULL, nara_cmd_sync, "sync with narad over WebSocket"},
    {"receipts", NULL, nara_cmd_receipts, "what the province signed for; --verify offline"},
    {"export-bundle", NULL, nara_cmd_export_bundle, "write an audit bundle (events, heads, proofs)"},
    {"audit", NULL, nara_cmd_audit, "verify bundles or a replica offline (Inspektorat)"},
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
        fprintf(f, "  %-16s %s\n", words, c->summary);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: nara [--db FILE] [--json] COMMAND [options]\n\n"
               "The regency client of Naradamping: works offline on a local replica and\n"
               "syncs with the provincial server (narad) when a link appears.\n\n"
               "Commands:\n");
    print_commands(f, NULL);
    fprintf(f, "\nGlobal options:\n"
               "  --db FILE   the replica (default $NARA_DB, else ./nara.db); the device key\n"
               "              is FILE.key beside it (mode 0600)\n"
               "  --json      machine-readable output on stdout\n"
               "  --help      help for nara or for any command\n\n"
               "Exit codes:\n"
               "  0 success    1 usage error    2 partial (some events refused, damaged file)\n"
               "  3 no connection, or connection lost before the sync was done\n"
               "  4 permanent refusal (revoked, unenrolled, fork, server key mismatch)\n"
               "  5 local storage error\n\n"
               "See docs/client.md for examples.\n");
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
            nara_fail(app, NARA_EXIT_USAGE, "unknown global option '%s' (see nara --help)",
                      argv[i]);
            return -2;
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    nara_app_t app;
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
        if (!help)
            nara_fail(&app, NARA_EXIT_USAGE, "'%s' needs a subcommand%s%s%s", argv[at],
                      at + 1 < argc ? " (unknown: '" : "", at + 1 < argc ? argv[at + 1] : "",
                      at + 1 < argc ? "')" : "");
        fprintf(help ? stdout : stderr, "%s commands:\n", argv[at]);
        print_commands(help ? stdout : stderr, argv[at]);
        return help ? NARA_EXIT_OK : NARA_EXIT_USAGE;
    }
    if (c == NULL)
        return nara_fail(&app, NARA_EXIT_USAGE, "unknown command '%s' (see nara --help)",
                         argv[at]);
    return c->fn(&app, argc - at - used, argv + at + used);
}
