/*
 * receipts.c - a transparency-log provider for server sessions
 * (nara_log_provider_t, nara_protocol.h) backed by a store's nara_tlog:
 * WELCOME shows its latest signed head with a consistency proof from the
 * size the client last saw; ACK receipts prove inclusion of the held events
 * in that head, one range proof per run of consecutive leaves.
 *
 * It adds no state: everything comes from the log's tables, inside the
 * session's thread.  A client whose head is larger than our tree gets
 * NARA_TREE_FORK here (the session then shows our head with an empty
 * proof, and the client refuses it).
 */
#include <string.h>

#include "nara_protocol.h"
#include "nara_tlog.h"

static nara_err_t current(void *ctx, uint64_t from, nara_tree_head_t *head,
                          nara_merkle_proof_t *consistency)
{
    nara_tlog_t *t = ctx;
    nara_err_t err = nara_tlog_latest_head(t, head);
    if (err != NARA_OK)
        return err;
    if (from > head->size) {
        memset(consistency, 0, sizeof *consistency);
        return NARA_TREE_FORK;
    }
    return nara_tlog_prove_consistency(t, from, head->size, consistency);
}

static nara_err_t find(void *ctx, const uint8_t id[NARA_ID_BYTES], uint64_t size, uint64_t *index)
{
    nara_err_t err = nara_tlog_find(ctx, id, index);
    if (err == NARA_OK && *index >= size)
        err = NARA_NOT_FOUND; /* logged after the head being proven */
    return err;
}

static nara_err_t holds(void *ctx, uint64_t index, const uint8_t id[NARA_ID_BYTES])
{
    uint8_t got[NARA_ID_BYTES];
    nara_err_t err = nara_tlog_leaf(ctx, index, got);
    if (err == NARA_OK && memcmp(got, id, NARA_ID_BYTES) != 0)
        err = NARA_NOT_FOUND;
    return err;
}

static nara_err_t prove_range(void *ctx, uint64_t first, uint64_t count, uint64_t size,
                              nara_merkle_range_proof_t *proof)
{
    return nara_tlog_prove_range(ctx, first, count, size, proof);
}

void nara_log_provider_tlog(struct nara_tlog *t, nara_log_provider_t *out)
{
    out->current = current;
    out->find = find;
    out->holds = holds;
    out->prove_range = prove_range;
    out->ctx = t;
}
