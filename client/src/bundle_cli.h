/*
 * bundle_cli.h - what the client's bundle commands share (cmd_bundle.c,
 * cmd_audit.c): the region/date filter from the command line and the
 * export of this replica as an audit bundle.
 */
#ifndef NARA_BUNDLE_CLI_H
#define NARA_BUNDLE_CLI_H

#include <stdio.h>

#include "nara_bundle.h"
#include "nara_cli.h"

typedef struct {
    nara_bundle_filter_t f;
    const char *codes[NARA_REGIONS_MAX]; /* f.regions points here */
    char buf[NARA_OPT_MULTI_MAX];
} nara_bundle_filter_args_t;

/* --region (MULTI, commas allowed), --from, --to (YYYY-MM-DD, UTC days,
 * inclusive) into a filter; each may be NULL.  Returns an exit code after
 * printing what was wrong. */
int nara_bundle_filter_opts(nara_app_t *app, const char *regions, const char *from, const char *to,
                            nara_bundle_filter_args_t *a);

/* This replica as a bundle (cmd_bundle.c): heads, consistency proofs and
 * receipts from the client tables, the selected events, forks.  The app
 * needs the store and the settings (and the key, for the note).  counts may
 * be NULL. */
nara_err_t nara_bundle_write_replica(nara_app_t *app, const nara_bundle_filter_t *f, FILE *out,
                                     nara_bundle_counts_t *counts);

#endif /* NARA_BUNDLE_CLI_H */
