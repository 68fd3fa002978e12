/*
 * app.c - opening one replica for a command: the device key (FILE.key),
 * the store (FILE), the client settings (client_meta in FILE), the region
 * list and the domain.
 *
 * Invariants:
 *  1. Opening never creates a replica: only `nara init` / `nara province
 *     init` do (cmd_setup.c).  A missing file or directory is a usage error
 *     naming the path.
 *  2. The store is opened before the settings connection (meta.c, 2).
 *  3. On any failure everything opened so far is closed and the key wiped;
 *     nara_app_close is safe on a partly opened app.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nara_cli.h"
#include "nara_keyfile.h"

uint64_t nara_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int nara_app_paths(nara_app_t *app)
{
    char dir[NARA_PATH_MAX];
    struct stat st;
    if (app->db[0] == '\0')
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_DB_EMPTY);
    if (snprintf(app->key_path, sizeof app->key_path, "%s.key", app->db) >=
        (int)sizeof app->key_path)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_DB_TOO_LONG);
    snprintf(dir, sizeof dir, "%s", app->db);
    const char *d = dirname(dir);
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_DB_NO_DIR, d, app->db);
    return NARA_EXIT_OK;
}

int nara_app_load_regions(nara_app_t *app, const char *path)
{
    char msg[256] = "";
    nara_regions_free(app->regions_owned);
    app->regions_owned = NULL;
    app->regions = nara_regions_default();
    if (path == NULL || path[0] == '\0')
        return NARA_EXIT_OK;
    nara_err_t err = nara_regions_load(path, &app->regions_owned, msg, sizeof msg);
    if (err != NARA_OK && msg[0])
        return nara_fail_regions(app, err == NARA_IO ? NARA_EXIT_STORAGE : NARA_EXIT_USAGE,
                                 NARA_MSG_ERR_REGION_LIST, path, msg);
    if (err != NARA_OK)
        return nara_fail_msg_err(app, err == NARA_IO ? NARA_EXIT_STORAGE : NARA_EXIT_USAGE, err,
                                 NARA_MSG_ERR_REGION_LIST_ERR, path);
    app->regions = app->regions_owned;
    return NARA_EXIT_OK;
}

static int load_key(nara_app_t *app)
{
    nara_err_t err = nara_keyfile_load(app->key_path, &app->kp);
    switch (err) {
    case NARA_OK:
        app->have_key = true;
        return NARA_EXIT_OK;
    case NARA_NOT_FOUND:
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_NO_KEY, app->key_path);
    case NARA_INVAL:
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_KEY_PERMS, app->key_path,
                             app->key_path);
    default:
        return nara_fail_msg_err(app, NARA_EXIT_STORAGE, err, NARA_MSG_ERR_KEY_FILE, app->key_path);
    }
}

static int open_store(nara_app_t *app)
{
    struct stat st;
    char msg[256];
    if (stat(app->db, &st) != 0)
        return nara_fail_msg(app, NARA_EXIT_USAGE, NARA_MSG_ERR_NO_REPLICA, app->db);
    nara_err_t err = nara_store_open(app->db, &app->store);
    if (err == NARA_OK) /* a pull's batches: decoded and verified on every core */
        nara_store_set_threads(app->store, 0);
    if (err != NARA_OK)
        return nara_fail_msg_err(
            app, nara_exit_for(err) == NARA_EXIT_USAGE ? NARA_EXIT_STORAGE : nara_exit_for(err),
            err, NARA_MSG_ERR_OPEN_REPLICA, app->db);
    err = nara_meta_open(app->db, &app->meta, msg, sizeof msg);
    if (err != NARA_OK)
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_OPEN_SETTINGS, app->db, msg);
    return NARA_EXIT_OK;
}

static int load_settings(nara_app_t *app)
{
    char hex[80], path[NARA_PATH_MAX];
    bool found = false;
    nara_err_t err = nara_meta_get(app->meta, NARA_META_ROOT, hex, sizeof hex, &found);
    if (err == NARA_OK && found)
        app->have_root = nara_hex32_parse(hex, app->root_pk) == NARA_OK;
    if (err == NARA_OK)
        err = nara_meta_get(app->meta, NARA_META_REGIONS, path, sizeof path, &found);
    if (err != NARA_OK)
        return nara_fail_msg_err(app, NARA_EXIT_STORAGE, err, NARA_MSG_ERR_READ_SETTINGS, app->db);
    return nara_app_load_regions(app, found ? path : NULL);
}

static int open_domain(nara_app_t *app)
{
    if (!app->have_root)
        return nara_fail_msg(app, NARA_EXIT_STORAGE, NARA_MSG_ERR_NO_ROOT, app->db);
    nara_err_t err = nara_domain_open(app->store, app->root_pk, app->regions, &app->dom);
    if (err != NARA_OK)
        return nara_fail_err(app, err, NARA_MSG_DOING_FOLDING_LOG);
    return NARA_EXIT_OK;
}

int nara_app_open(nara_app_t *app, unsigned need)
{
    int rc = nara_app_paths(app);
    if (rc == NARA_EXIT_OK && (need & NARA_NEED_STORE))
        rc = open_store(app);
    if (rc == NARA_EXIT_OK && (need & NARA_NEED_KEY))
        rc = load_key(app);
    if (rc == NARA_EXIT_OK && (need & NARA_NEED_STORE))
        rc = load_settings(app);
    if (rc == NARA_EXIT_OK && (need & NARA_NEED_DOMAIN) == NARA_NEED_DOMAIN)
        rc = open_domain(app);
    if (rc != NARA_EXIT_OK)
        nara_app_close(app);
    return rc;
}

void nara_app_close(nara_app_t *app)
{
    nara_labels_free(app);
    nara_domain_close(app->dom);
    app->dom = NULL;
    nara_meta_close(app->meta);
    app->meta = NULL;
    nara_store_close(app->store);
    app->store = NULL;
    nara_regions_free(app->regions_owned);
    app->regions_owned = NULL;
    app->regions = NULL;
    nara_keypair_wipe(&app->kp);
    app->have_key = false;
}
