/*
 * cmd_setup.c - creating a replica (`nara init`, `nara province init`) and
 * showing the device key (`nara key`).
 *
 * Invariants:
 *  1. A replica is created whole or not at all: key file (0600, never
 *     overwritten), store, settings (root key, region list path).  If a step
 *     fails, the files this call created are removed again.
 *  2. An existing key or replica is never touched: init refuses.
 *  3. The region list is checked before anything is created.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nara_cli.h"
#include "nara_keyfile.h"

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void remove_replica(const nara_app_t *app)
{
    char p[NARA_PATH_MAX + 8];
    unlink(app->key_path);
    unlink(app->db);
    snprintf(p, sizeof p, "%s-wal", app->db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", app->db);
    unlink(p);
}

/* Settings of a fresh replica. */
static nara_err_t write_settings(nara_app_t *app, const char *regions_abs)
{
    char hex[65];
    nara_hex(app->root_pk, NARA_PUBLICKEY_BYTES, hex);
    nara_err_t err = nara_meta_set(app->meta, NARA_META_ROOT, hex);
    if (err == NARA_OK && regions_abs)
        err = nara_meta_set(app->meta, NARA_META_REGIONS, regions_abs);
    return err;
}

/* Create key, store and settings; root NULL means this device is the root. */
static int create_replica(nara_app_t *app, const uint8_t *root, const char *regions_abs)
{
    char msg[256];
    nara_err_t err = nara_keyfile_create(app->key_path, &app->kp);
    if (err != NARA_OK)
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_KEY_CREATE, app->key_path,
                             strerror(errno));
    app->have_key = true;
    memcpy(app->root_pk, root ? root : app->kp.pk, NARA_PUBLICKEY_BYTES);
    app->have_root = true;
    err = nara_store_open(app->db, &app->store);
    if (err == NARA_OK)
        err = nara_meta_open(app->db, &app->meta, msg, sizeof msg);
    if (err == NARA_OK)
        err = write_settings(app, regions_abs);
    if (err != NARA_OK) {
        nara_fail_msg_err(app, NARA_EXIT_STORAGE, err, NARA_MSG_ERR_CREATE_REPLICA, app->db);
        nara_app_close(app);
        remove_replica(app);
        return NARA_EXIT_STORAGE;
    }
    return NARA_EXIT_OK;
}

static void print_created(nara_app_t *app, bool root)
{
    char pk[65], rk[65];
    nara_hex(app->kp.pk, NARA_PUBLICKEY_BYTES, pk);
    nara_hex(app->root_pk, NARA_PUBLICKEY_BYTES, rk);
    if (app->json) {
        nara_json_t j;
        nara_json_start(&j, stdout);
        nara_json_str(&j, "db", app->db);
        nara_json_str(&j, "public_key", pk);
        nara_json_str(&j, "root", rk);
        nara_json_bool(&j, "province_root", root);
        nara_json_str(&j, "province", nara_regions_province_name(app->regions));
        nara_json_finish(&j);
        return;
    }
    printf(nara_msg(NARA_MSG_SETUP_CREATED), app->db, nara_regions_province_name(app->regions),
           nara_regions_count(app->regions));
    if (root)
        printf(nara_msg(NARA_MSG_SETUP_ROOT), pk, pk);
    else
        printf(nara_msg(NARA_MSG_SETUP_DEVICE), pk);
}

static int setup(nara_app_t *app, const uint8_t *root, const char *regions)
{
    char abs[PATH_MAX];
    int rc = nara_app_paths(app);
    if (rc != NARA_EXIT_OK)
        return rc;
    if (exists(app->db) || exists(app->key_path))
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_EXISTS,
                             exists(app->db) ? app->db : app->key_path);
    if (regions && realpath(regions, abs) == NULL)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_REGIONS_READ, regions,
                             strerror(errno));
    rc = nara_app_load_regions(app, regions ? abs : NULL);
    if (rc == NARA_EXIT_OK)
        rc = create_replica(app, root, regions ? abs : NULL);
    if (rc == NARA_EXIT_OK)
        print_created(app, root == NULL);
    nara_app_close(app);
    return rc;
}

int nara_cmd_init(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"root", NARA_OPT_VALUE | NARA_OPT_REQUIRED, NULL},
                         {"regions", NARA_OPT_VALUE, NULL},
                         {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara init --root HEX [--regions FILE]", NARA_MSG_HELP_INIT, NULL, opts,
                            NULL};
    uint8_t root[NARA_PUBLICKEY_BYTES];
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc != NARA_EXIT_OK)
        return rc < 0 ? NARA_EXIT_OK : rc;
    rc = nara_parse_hex32(app, "root", nara_opt(&spec, "root"), root);
    if (rc != NARA_EXIT_OK)
        return rc;
    return setup(app, root, nara_opt(&spec, "regions"));
}

int nara_cmd_province_init(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{"regions", NARA_OPT_VALUE, NULL}, {NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara province init [--regions FILE]", NARA_MSG_HELP_PROVINCE_INIT,
                            NULL, opts, NULL};
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc != NARA_EXIT_OK)
        return rc < 0 ? NARA_EXIT_OK : rc;
    return setup(app, NULL, nara_opt(&spec, "regions"));
}

int nara_cmd_key(nara_app_t *app, int argc, char **argv)
{
    nara_opt_t opts[] = {{NULL, 0, NULL}};
    nara_cmd_spec_t spec = {"nara key", NARA_MSG_HELP_KEY, NULL, opts, NULL};
    char pk[65];
    int rc = nara_args_parse(app, &spec, argc, argv);
    if (rc != NARA_EXIT_OK)
        return rc < 0 ? NARA_EXIT_OK : rc;
    rc = nara_app_open(app, NARA_NEED_KEY);
    if (rc != NARA_EXIT_OK)
        return rc;
    nara_hex(app->kp.pk, NARA_PUBLICKEY_BYTES, pk);
    if (app->json) {
        nara_json_t j;
        nara_json_start(&j, stdout);
        nara_json_str(&j, "public_key", pk);
        nara_json_finish(&j);
    } else {
        printf("%s\n", pk);
    }
    nara_app_close(app);
    return NARA_EXIT_OK;
}
