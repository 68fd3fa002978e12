/*
 * store_internal.h - what other core modules (the domain fold) may use of the
 * store beyond its public header.  Not installed, not for protocol/server/client.
 *
 * Hooks run inside the store's write transaction: on_added once for every
 * event accepted (in the order accepted), before_commit once before COMMIT.
 * A hook returning an error rolls the whole transaction back and the error is
 * returned to the caller of merge/append; a storage error from a hook makes
 * the store failed like any other.
 */
#ifndef NARA_STORE_INTERNAL_H
#define NARA_STORE_INTERNAL_H

#include <sqlite3.h>

#include "nara_store.h"

typedef struct {
    nara_err_t (*on_added)(void *ctx, const nara_event_t *ev, int64_t rowid);
    nara_err_t (*before_commit)(void *ctx);
    void (*after_rollback)(void *ctx);
    void *ctx;
} nara__store_hooks_t;

/* The open connection, for modules that keep their own tables in the same
 * file (and therefore the same transactions). */
sqlite3 *nara__store_db(nara_store_t *s);

#define NARA__STORE_MAX_HOOKS 4

/* Add a set of hooks (copied); sets run in the order they were added.
 * NARA_INVAL if NARA__STORE_MAX_HOOKS sets are installed already. */
nara_err_t nara__store_add_hooks(nara_store_t *s, const nara__store_hooks_t *hooks);

/* Remove every set whose ctx is `ctx`.  Accepts NULL s. */
void nara__store_remove_hooks(nara_store_t *s, void *ctx);

/* Translate a SQLite result code into a nara_err_t, record `what` and
 * SQLite's message for nara_store_errmsg, and make the store failed when the
 * error is a storage failure (I/O, full, corrupt).  SQLITE_OK/ROW/DONE give
 * NARA_OK. */
nara_err_t nara__store_sqlite_err(nara_store_t *s, int rc, const char *what);

/* How many merges through this handle were decoded while they were merged
 * (STREAMING in store_merge.c): for tests. */
uint64_t nara__store_streamed_batches(const nara_store_t *s);

#endif /* NARA_STORE_INTERNAL_H */
