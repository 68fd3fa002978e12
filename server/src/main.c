/*
 * main.c - narad's command line: `narad keygen`, `narad serve` and
 * `narad backup` (backup.c).
 *
 * Every command has --help.  A bad command line prints one line naming the
 * flag or value at fault, then the command's usage, and exits with
 * NARAD_EXIT_USAGE (2); a failure while running exits NARAD_EXIT_RUNTIME
 * (1); success and a clean SIGTERM/SIGINT stop exit 0.  docs/server.md
 * documents all of this.
 *
 * Security default: without --tls-cert/--tls-key, serve refuses to start
 * unless --plain is given explicitly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "nara_keyfile.h"
#include "narad.h"

static const char usage_main[] =
    "usage: narad <command> [options]\n"
    "\n"
    "commands:\n"
    "  keygen   create the server's key file and print its public key\n"
    "  serve    run the provincial sync server\n"
    "  export-bundle  write the province's audit bundle (tree heads, proofs, events)\n"
    "  backup   copy a live database (online) and verify the copy\n"
    "\n"
    "Run 'narad <command> --help' for a command's options.\n";

static const char usage_keygen[] =
    "usage: narad keygen --key FILE\n"
    "\n"
    "Create a new Ed25519 key in FILE (mode 0600; an existing file is never\n"
    "overwritten) and print its public key as 64 hex digits.\n"
    "\n"
    "exit codes: 0 created, 1 could not create, 2 bad command line\n";

static const char usage_serve[] =
    "usage: narad serve --db FILE --key FILE --root HEX\n"
    "                   (--tls-cert FILE --tls-key FILE | --plain) [options]\n"
    "\n"
    "required:\n"
    "  --db FILE             the replica (SQLite) to serve; created if missing\n"
    "  --key FILE            the server's key (narad keygen)\n"
    "  --root HEX            the province root public key, 64 hex digits\n"
    "  --tls-cert FILE, --tls-key FILE\n"
    "                        serve wss:// with this certificate and private key\n"
    "  --plain               serve unencrypted ws:// (tests, or behind a TLS proxy);\n"
    "                        required explicitly when no TLS files are given\n"
    "options:\n"
    "  --regions FILE        region list (TSV, docs/events.md); default Jawa Barat\n"
    "  --listen ADDR         address to listen on (default 127.0.0.1)\n"
    "  --port N              port (default 7300; 0 = any free port)\n"
    "  --port-file FILE      write the bound port to FILE once listening\n"
    "  --verify each|chain   signature checking of merges (default chain)\n"
    "  --max-connections N   concurrent sync sessions (default 2048)\n"
    "  --max-per-ip N        open connections from one address, IPv6 by /64\n"
    "                        (default 64; 0 = no limit)\n"
    "  --conn-rate N         new connections a second from one address\n"
    "                        (default 20; 0 = no limit)\n"
    "  -v, --verbose         log every batch and handshake\n"
    "\n"
    "endpoints: WebSocket /sync (subprotocol nara-sync.v1), GET /healthz, GET /metrics\n"
    "exit codes: 0 stopped by SIGTERM/SIGINT, 1 runtime failure, 2 bad command line\n";

static int usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "narad: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n%s", usage);
    return NARAD_EXIT_USAGE;
}

static bool is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* ---- keygen ------------------------------------------------------------- */

static int cmd_keygen(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_keygen, stdout);
            return NARAD_EXIT_OK;
        }
        if (strcmp(argv[i], "--key") != 0)
            return usage_error(usage_keygen, "keygen: unknown option '%s'", argv[i]);
        if (i + 1 >= argc)
            return usage_error(usage_keygen, "keygen: %s needs a FILE", argv[i]);
        path = argv[++i];
    }
    if (!path)
        return usage_error(usage_keygen, "keygen: %s is required", "--key FILE");
    nara_keypair_t kp;
    nara_err_t err = nara_keyfile_create(path, &kp);
    if (err != NARA_OK) {
        if (err == NARA_INVAL && access(path, F_OK) == 0)
            fprintf(stderr, "narad: keygen: %s already exists; a key is never overwritten\n", path);
        else
            fprintf(stderr, "narad: keygen: cannot create %s: %s\n", path, nara_strerror(err));
        return NARAD_EXIT_RUNTIME;
    }
    char hex[2 * NARA_PUBLICKEY_BYTES + 1];
    nara_hex(kp.pk, sizeof kp.pk, hex);
    nara_keypair_wipe(&kp);
    printf("%s\n", hex);
    return NARAD_EXIT_OK;
}

/* ---- serve -------------------------------------------------------------- */

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Options that take a value: name -> the config field it sets. */
static const char **value_slot(narad_config_t *c, const char *name)
{
    static const struct {
        const char *name;
        size_t off;
    } slots[] = {
        {"--db", offsetof(narad_config_t, db)},
        {"--key", offsetof(narad_config_t, key)},
        {"--regions", offsetof(narad_config_t, regions)},
        {"--listen", offsetof(narad_config_t, listen)},
        {"--port-file", offsetof(narad_config_t, port_file)},
        {"--tls-cert", offsetof(narad_config_t, tls_cert)},
        {"--tls-key", offsetof(narad_config_t, tls_key)},
    };
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
        if (strcmp(name, slots[i].name) == 0)
            return (const char **)(void *)((char *)c + slots[i].off);
    return NULL;
}

/* Options with a value that needs parsing; 0, or a usage error code. */
static int parse_valued(narad_config_t *c, const char *name, const char *v, bool *root_seen)
{
    unsigned long n;
    if (strcmp(name, "--root") == 0) {
        if (nara_hex32_parse(v, c->root) != NARA_OK)
            return usage_error(usage_serve, "serve: --root must be 64 hex digits, not '%s'", v);
        *root_seen = true;
    } else if (strcmp(name, "--port") == 0) {
        if (parse_uint(v, 65535, &n))
            return usage_error(usage_serve, "serve: --port must be 0..65535, not '%s'", v);
        c->port = (int)n;
    } else if (strcmp(name, "--max-connections") == 0) {
        if (parse_uint(v, 1000000, &n) || n == 0)
            return usage_error(usage_serve, "serve: --max-connections must be 1..1000000, not '%s'",
                               v);
        c->max_connections = (unsigned)n;
    } else if (strcmp(name, "--max-per-ip") == 0 || strcmp(name, "--conn-rate") == 0) {
        if (parse_uint(v, 1000000, &n))
            return usage_error(usage_serve, "serve: %s must be 0..1000000, not '%s'", name, v);
        if (strcmp(name, "--max-per-ip") == 0)
            c->max_per_ip = (unsigned)n;
        else
            c->conn_rate = (unsigned)n;
    } else if (strcmp(name, "--verify") == 0) {
        if (strcmp(v, "each") && strcmp(v, "chain"))
            return usage_error(usage_serve, "serve: --verify must be 'each' or 'chain', not '%s'",
                               v);
        c->verify = strcmp(v, "chain") == 0 ? NARA_VERIFY_CHAIN : NARA_VERIFY_EACH;
    } else {
        return usage_error(usage_serve, "serve: unknown option '%s'", name);
    }
    return 0;
}

static bool takes_value(const char *a)
{
    return strcmp(a, "--root") == 0 || strcmp(a, "--port") == 0 ||
           strcmp(a, "--max-connections") == 0 || strcmp(a, "--verify") == 0 ||
           strcmp(a, "--max-per-ip") == 0 || strcmp(a, "--conn-rate") == 0;
}

/* The combination rules, once every flag is read. */
static int check_serve(const narad_config_t *c, bool root_seen)
{
    if (!c->db)
        return usage_error(usage_serve, "serve: %s is required", "--db FILE");
    if (!c->key)
        return usage_error(usage_serve, "serve: %s is required", "--key FILE");
    if (!root_seen)
        return usage_error(usage_serve, "serve: %s is required", "--root HEX");
    if (!c->tls_cert != !c->tls_key)
        return usage_error(usage_serve, "serve: %s go together", "--tls-cert and --tls-key");
    if (c->plain && c->tls_cert)
        return usage_error(usage_serve, "serve: %s: choose one", "--plain and --tls-cert");
    if (!c->plain && !c->tls_cert)
        return usage_error(usage_serve,
                           "serve: refusing to serve without TLS: give --tls-cert and --tls-key, "
                           "or %s explicitly (tests, or behind a TLS-terminating proxy)",
                           "--plain");
    const char *files[] = {c->tls_cert, c->tls_key};
    for (size_t i = 0; i < 2; i++)
        if (files[i] && access(files[i], R_OK) != 0)
            return usage_error(usage_serve, "serve: cannot read TLS file '%s'", files[i]);
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    narad_config_t c = {.listen = "127.0.0.1",
                        .port = NARAD_DEFAULT_PORT,
                        .verify = NARA_VERIFY_CHAIN,
                        .max_connections = NARAD_DEFAULT_MAX_CONNECTIONS,
                        .max_per_ip = NARAD_DEFAULT_MAX_PER_IP,
                        .conn_rate = NARAD_DEFAULT_CONN_RATE};
    bool root_seen = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            fputs(usage_serve, stdout);
            return NARAD_EXIT_OK;
        }
        if (strcmp(a, "--plain") == 0) {
            c.plain = true;
            continue;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            c.verbose++;
            continue;
        }
        const char **slot = value_slot(&c, a);
        if (!slot && !takes_value(a))
            return usage_error(usage_serve, "serve: unknown option '%s'", a);
        if (i + 1 >= argc || !*argv[i + 1])
            return usage_error(usage_serve, "serve: %s needs a value", a);
        const char *v = argv[++i];
        if (slot)
            *slot = v;
        else if (parse_valued(&c, a, v, &root_seen))
            return NARAD_EXIT_USAGE;
    }
    int rc = check_serve(&c, root_seen);
    return rc ? rc : narad__serve(&c);
}

int main(int argc, char **argv)
{
    nara_store_global_init(); /* before backup.c or anything else opens SQLite */
    if (argc < 2)
        return usage_error(usage_main, "%s", "a command is required");
    const char *cmd = argv[1];
    if (is_help(cmd) || strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(argv[2], "serve") == 0)
            fputs(usage_serve, stdout);
        else if (argc > 2 && strcmp(argv[2], "backup") == 0)
            fputs(narad__backup_usage, stdout);
        else if (argc > 2 && strcmp(argv[2], "keygen") == 0)
            fputs(usage_keygen, stdout);
        else
            fputs(usage_main, stdout);
        return NARAD_EXIT_OK;
    }
    if (nara_crypto_init() != NARA_OK) {
        fprintf(stderr, "narad: cannot initialise libsodium\n");
        return NARAD_EXIT_RUNTIME;
    }
    if (strcmp(cmd, "keygen") == 0)
        return cmd_keygen(argc - 2, argv + 2);
    if (strcmp(cmd, "backup") == 0)
        return narad__backup_cmd(argc - 2, argv + 2);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "export-bundle") == 0)
        return narad__cmd_export(argc - 2, argv + 2); /* receipts.c */
    return usage_error(usage_main, "unknown command '%s'", cmd);
}
