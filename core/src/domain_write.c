/*
 * domain_write.c - one function per event kind of docs/events.md section 4:
 * build the canonical body and append it to the right stream with
 * nara_store_append (which folds it through the domain's hooks).
 *
 * These functions only shape events; they never decide authority (the fold
 * does, identically on every replica).  What they take from local state is
 * what the author "had seen": a case's heads for `seen`, a region's current
 * assignment for `replaces`, and a case's region for the stream.
 */
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"

typedef struct {
    nara_field_t v[NARA_BODY_MAX_FIELDS];
    size_t n;
} fields_t;

static void add(fields_t *f, const char *key, nara_field_type_t type)
{
    memset(&f->v[f->n], 0, sizeof f->v[f->n]);
    f->v[f->n].key = key;
    f->v[f->n].type = type;
    f->n++;
}

/* Required string: a NULL value makes nara_body_build fail with NARA_INVAL. */
static void add_str(fields_t *f, const char *key, const char *value)
{
    add(f, key, NARA_FIELD_STR);
    f->v[f->n - 1].str = value;
}

static void add_opt_str(fields_t *f, const char *key, const char *value)
{
    if (value)
        add_str(f, key, value);
}

static void add_bin(fields_t *f, const char *key, const uint8_t *value)
{
    add(f, key, NARA_FIELD_BIN32);
    f->v[f->n - 1].bin = value;
}

static nara_err_t append(nara_domain_t *d, const nara_keypair_t *kp, const char *stream,
                         nara_kind_t kind, const fields_t *f, uint64_t wall_ms,
                         uint8_t id_out[NARA_ID_BYTES])
{
    size_t len = 0;
    uint8_t *buf;
    nara_err_t err = nara_body_build(f->v, f->n, NULL, 0, &len);

    if (err != NARA_OK && err != NARA_BUFFER_TOO_SMALL)
        return err;
    buf = malloc(len);
    if (buf == NULL)
        return NARA_NOMEM;
    err = nara_body_build(f->v, f->n, buf, len, &len);
    if (err == NARA_OK)
        err = nara_store_append(d->s, kp, stream, nara_kind_name(kind), buf, len, wall_ms, id_out);
    free(buf);
    return err;
}

/* ---- province stream ------------------------------------------------------------- */

nara_err_t nara_device_enroll(nara_domain_t *d, const nara_keypair_t *kp,
                              const nara_enroll_params_t *p, uint64_t wall_ms,
                              uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    if (d == NULL || kp == NULL || p == NULL || p->device == NULL)
        return NARA_INVAL;
    add_bin(&f, "device", p->device);
    add_str(&f, "role", nara_role_name(p->role));
    if (p->scope_all) {
        add_str(&f, "scope", "*");
    } else {
        add(&f, "scope", NARA_FIELD_STRS);
        f.v[f.n - 1].strs = p->scope;
        f.v[f.n - 1].n = p->n_scope;
    }
    add_str(&f, "name", p->name);
    add_opt_str(&f, "agency", p->agency);
    return append(d, kp, NARA_STREAM_PROVINCE, NARA_KIND_DEVICE_ENROLL, &f, wall_ms, id_out);
}

nara_err_t nara_device_revoke(nara_domain_t *d, const nara_keypair_t *kp,
                              const uint8_t device[NARA_PUBLICKEY_BYTES], const char *reason,
                              uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    if (d == NULL || kp == NULL || device == NULL)
        return NARA_INVAL;
    add_bin(&f, "device", device);
    add_opt_str(&f, "reason", reason);
    return append(d, kp, NARA_STREAM_PROVINCE, NARA_KIND_DEVICE_REVOKE, &f, wall_ms, id_out);
}

nara_err_t nara_decree_record(nara_domain_t *d, const nara_keypair_t *kp,
                              const nara_decree_params_t *p, uint64_t wall_ms,
                              uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    if (d == NULL || kp == NULL || p == NULL || p->doc_hash == NULL)
        return NARA_INVAL;
    add_str(&f, "number", p->number);
    add_str(&f, "date", p->date);
    add_bin(&f, "doc_hash", p->doc_hash);
    add_str(&f, "effective", p->effective);
    add_opt_str(&f, "until", p->until);
    add_str(&f, "title", p->title);
    add_opt_str(&f, "supersedes", p->supersedes);
    return append(d, kp, NARA_STREAM_PROVINCE, NARA_KIND_DECREE, &f, wall_ms, id_out);
}

/* The region's current assignment on this replica; false if none. */
static nara_err_t current_assignment(nara_domain_t *d, const char *region, bool *has,
                                     uint8_t out[32])
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_LO_CURRENT);
    sqlite3_bind_text(st, 1, region, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__dom_err(d, rc, "current assignment");
    *has = rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32;
    if (*has)
        memcpy(out, sqlite3_column_blob(st, 0), 32);
    sqlite3_reset(st);
    return err;
}

nara_err_t nara_lo_assign(nara_domain_t *d, const nara_keypair_t *kp,
                          const nara_lo_assign_params_t *p, uint64_t wall_ms,
                          uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    uint8_t current[32];
    bool has = false;
    nara_err_t err = NARA_OK;

    if (d == NULL || kp == NULL || p == NULL || p->region == NULL)
        return NARA_INVAL;
    if (!p->omit_replaces && p->replaces == NULL)
        err = current_assignment(d, p->region, &has, current);
    if (err != NARA_OK)
        return err;
    add_str(&f, "region", p->region);
    add_str(&f, "agency", p->agency);
    add_str(&f, "officer", p->officer);
    if (p->device)
        add_bin(&f, "device", p->device);
    add_str(&f, "decree", p->decree);
    add_str(&f, "effective", p->effective);
    if (!p->omit_replaces && (p->replaces || has))
        add_bin(&f, "replaces", p->replaces ? p->replaces : current);
    return append(d, kp, NARA_STREAM_PROVINCE, NARA_KIND_LO_ASSIGN, &f, wall_ms, id_out);
}

nara_err_t nara_lo_unassign(nara_domain_t *d, const nara_keypair_t *kp, const char *region,
                            const uint8_t assignment[NARA_ID_BYTES], const char *decree,
                            const char *effective, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    if (d == NULL || kp == NULL || assignment == NULL)
        return NARA_INVAL;
    add_str(&f, "region", region);
    add_bin(&f, "assignment", assignment);
    add_str(&f, "decree", decree);
    add_str(&f, "effective", effective);
    return append(d, kp, NARA_STREAM_PROVINCE, NARA_KIND_LO_UNASSIGN, &f, wall_ms, id_out);
}

/* ---- region streams: cases -------------------------------------------------------- */

nara_err_t nara_case_open(nara_domain_t *d, const nara_keypair_t *kp,
                          const nara_case_open_params_t *p, uint64_t wall_ms,
                          uint8_t case_id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    if (d == NULL || kp == NULL || p == NULL || p->region == NULL)
        return NARA_INVAL;
    add_str(&f, "region", p->region);
    add_str(&f, "category", p->category);
    add_str(&f, "function", p->function);
    add_str(&f, "title", p->title);
    add_str(&f, "description", p->description);
    add_str(&f, "priority", p->priority);
    return append(d, kp, p->region, NARA_KIND_CASE_OPEN, &f, wall_ms, case_id_out);
}

/* The case's stream on this replica. */
static nara_err_t case_stream(nara_domain_t *d, const uint8_t case_id[32],
                              char stream[NARA_STREAM_MAX + 1])
{
    sqlite3_stmt *st = nara__dom_stmt(d, NARA__DQ_CASE_REGION);
    sqlite3_bind_blob(st, 1, case_id, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    nara_err_t err = nara__dom_err(d, rc, "case region");
    int n = rc == SQLITE_ROW ? sqlite3_column_bytes(st, 0) : 0;
    if (err == NARA_OK && (rc != SQLITE_ROW || n > NARA_STREAM_MAX))
        err = NARA_NOT_FOUND;
    if (err == NARA_OK) {
        memcpy(stream, sqlite3_column_text(st, 0), (size_t)n);
        stream[n] = '\0';
    }
    sqlite3_reset(st);
    return err;
}

/* Shared by every case event: case, seen (given or the local heads), the
 * stream, and the kind's own fields (already in f).  `seen` storage must
 * outlive the append, hence the caller's heads buffer. */
static nara_err_t case_event(nara_domain_t *d, const nara_keypair_t *kp, nara_kind_t kind,
                             const uint8_t case_id[32], const nara_seen_t *seen, fields_t *f,
                             uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    uint8_t heads[NARA_SEEN_MAX][32];
    char stream[NARA_STREAM_MAX + 1];
    size_t n = 0;
    nara_err_t err;

    if (d == NULL || kp == NULL || case_id == NULL)
        return NARA_INVAL;
    if (seen && seen->n > 0) {
        if (seen->n > NARA_SEEN_MAX || seen->ids == NULL)
            return NARA_INVAL;
        n = seen->n;
        memcpy(heads, seen->ids, n * 32);
        err = case_stream(d, case_id, stream);
    } else {
        err = nara__case_heads(d, case_id, heads, &n, stream);
    }
    if (err != NARA_OK)
        return err;
    add_bin(f, "case", case_id);
    if (n == 1) {
        add_bin(f, "seen", heads[0]);
    } else {
        add(f, "seen", NARA_FIELD_BIN32S);
        f->v[f->n - 1].bins = (const uint8_t(*)[32])heads;
        f->v[f->n - 1].n = n;
    }
    return append(d, kp, stream, kind, f, wall_ms, id_out);
}

nara_err_t nara_case_ack(nara_domain_t *d, const nara_keypair_t *kp,
                         const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                         uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    return case_event(d, kp, NARA_KIND_CASE_ACK, case_id, seen, &f, wall_ms, id_out);
}

nara_err_t nara_case_note(nara_domain_t *d, const nara_keypair_t *kp,
                          const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                          const char *text, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    add_str(&f, "text", text);
    return case_event(d, kp, NARA_KIND_CASE_NOTE, case_id, seen, &f, wall_ms, id_out);
}

nara_err_t nara_case_action(nara_domain_t *d, const nara_keypair_t *kp,
                            const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                            const char *what, const char *who, const char *due, uint64_t wall_ms,
                            uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    add_str(&f, "what", what);
    add_str(&f, "who", who);
    add_str(&f, "due", due);
    return case_event(d, kp, NARA_KIND_CASE_ACTION, case_id, seen, &f, wall_ms, id_out);
}

nara_err_t nara_case_escalate(nara_domain_t *d, const nara_keypair_t *kp,
                              const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                              const char *to, const char *reason, uint64_t wall_ms,
                              uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    add_str(&f, "to", to);
    add_str(&f, "reason", reason);
    return case_event(d, kp, NARA_KIND_CASE_ESCALATE, case_id, seen, &f, wall_ms, id_out);
}

nara_err_t nara_case_resolve(nara_domain_t *d, const nara_keypair_t *kp,
                             const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                             const char *summary, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    add_str(&f, "summary", summary);
    return case_event(d, kp, NARA_KIND_CASE_RESOLVE, case_id, seen, &f, wall_ms, id_out);
}

nara_err_t nara_case_reopen(nara_domain_t *d, const nara_keypair_t *kp,
                            const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                            const char *reason, uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    add_str(&f, "reason", reason);
    return case_event(d, kp, NARA_KIND_CASE_REOPEN, case_id, seen, &f, wall_ms, id_out);
}

nara_err_t nara_case_close(nara_domain_t *d, const nara_keypair_t *kp,
                           const uint8_t case_id[NARA_ID_BYTES], const nara_seen_t *seen,
                           uint64_t wall_ms, uint8_t id_out[NARA_ID_BYTES])
{
    fields_t f = {.n = 0};
    return case_event(d, kp, NARA_KIND_CASE_CLOSE, case_id, seen, &f, wall_ms, id_out);
}
