/*
 * args.c - option parsing for every `nara` command.
 *
 * A command declares its options in a NULL-terminated nara_opt_t list and
 * an optional single positional argument; nara_args_parse fills them.
 * Invariants: an unknown option, a missing value, a repeated option, a
 * missing required option or a stray argument is a usage error that names
 * the culprit; --help prints the command's usage and help and nothing else
 * happens; --db and --json are accepted anywhere.
 */
#include <stdio.h>
#include <string.h>

#include "nara_cli.h"

static nara_opt_t *find_opt(nara_cmd_spec_t *spec, const char *name, size_t len)
{
    for (nara_opt_t *o = spec->opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static void print_help(const nara_cmd_spec_t *spec)
{
    printf(nara_msg(NARA_MSG_USAGE), spec->usage);
    fputs(nara_msg(spec->help), stdout);
    fputs(nara_msg(NARA_MSG_HELP_FOOTER), stdout);
}

/* --db / --json given among the command's options.  Returns the number of
 * argv words consumed (0 if it is not a global option, -1 on error). */
static int global_opt(nara_app_t *app, int argc, char **argv, int i)
{
    if (strcmp(argv[i], "--json") == 0) {
        app->json = true;
        return 1;
    }
    if (strncmp(argv[i], "--db=", 5) == 0) {
        app->db = argv[i] + 5;
        return 1;
    }
    if (strcmp(argv[i], "--db") != 0)
        return 0;
    if (i + 1 >= argc) {
        nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_DB_NEEDS_FILE);
        return -1;
    }
    app->db = argv[i + 1];
    return 2;
}

/* One "--name[=value]" at argv[i]; returns words consumed or -1. */
static int one_opt(nara_app_t *app, nara_cmd_spec_t *spec, int argc, char **argv, int i)
{
    const char *arg = argv[i] + 2, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    nara_opt_t *o = find_opt(spec, arg, len);
    if (o == NULL) {
        nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_UNKNOWN_OPTION, argv[i], spec->usage);
        return -1;
    }
    if (o->value != NULL && !(o->flags & NARA_OPT_MULTI)) {
        nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_OPTION_TWICE, o->name);
        return -1;
    }
    if (!(o->flags & NARA_OPT_VALUE)) {
        if (eq) {
            nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_OPTION_NO_VALUE, o->name);
            return -1;
        }
        o->value = "1";
        return 1;
    }
    const char *v = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) {
        nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_OPTION_NEEDS_VALUE, o->name);
        return -1;
    }
    if (o->value != NULL) { /* a MULTI option again: append after '\n' */
        static char multi[NARA_OPT_MULTI_MAX];
        size_t a = strlen(o->value), b = strlen(v);
        if (o->value != multi) {
            if (a + 1 > sizeof multi)
                goto too_long;
            memmove(multi, o->value, a + 1);
        }
        if (a + 1 + b + 1 > sizeof multi)
            goto too_long;
        multi[a] = '\n';
        memcpy(multi + a + 1, v, b + 1);
        o->value = multi;
        return eq ? 1 : 2;
    }
    o->value = v;
    return eq ? 1 : 2;
too_long:
    nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_OPTION_TOO_MANY, o->name);
    return -1;
}

static int check_required(nara_app_t *app, const nara_cmd_spec_t *spec)
{
    for (const nara_opt_t *o = spec->opts; o && o->name; o++)
        if ((o->flags & NARA_OPT_REQUIRED) && o->value == NULL)
            return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_MISSING_OPTION, o->name,
                                 spec->usage);
    if (spec->positional && spec->pos == NULL)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_MISSING_ARG, spec->positional,
                             spec->usage);
    return NARA_EXIT_OK;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int nara_args_parse(nara_app_t *app, nara_cmd_spec_t *spec, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        print_help(spec);
        return -1;
    }
    for (int i = 0; i < argc;) {
        int used = global_opt(app, argc, argv, i);
        if (used == 0 && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0')
            used = one_opt(app, spec, argc, argv, i);
        if (used < 0)
            return NARA_EXIT_USAGE;
        if (used > 0) {
            i += used;
            continue;
        }
        if (spec->positional == NULL || spec->pos != NULL)
            return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_UNEXPECTED_ARG, argv[i],
                                 spec->usage);
        spec->pos = argv[i++];
    }
    return check_required(app, spec);
}

const char *nara_opt(const nara_cmd_spec_t *spec, const char *name)
{
    for (const nara_opt_t *o = spec->opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o->value;
    return NULL;
}

bool nara_opt_split(const char *value, bool commas, char *buf, size_t bufcap, const char **out,
                    size_t cap, size_t *n)
{
    size_t len = strlen(value);
    *n = 0;
    if (len + 1 > bufcap)
        return false;
    memcpy(buf, value, len + 1);
    for (char *p = buf, *end; *p; p = end) {
        end = p + strcspn(p, commas ? ",\n" : "\n");
        bool last = *end == '\0';
        *end = '\0';
        if (*p) {
            if (*n == cap)
                return false;
            out[(*n)++] = p;
        }
        if (!last)
            end++;
    }
    return true;
}

bool nara_flag(const nara_cmd_spec_t *spec, const char *name)
{
    return nara_opt(spec, name) != NULL;
}
