/*
 * domain_body.c - the vocabulary of the domain (kinds, roles, rules,
 * statuses), the canonical body builder and the body reader.
 *
 * Invariants:
 *  1. nara_body_build writes a canonical map: keys sorted bytewise, each key
 *     once, msgpack-c's packer choosing the shortest header for every value
 *     (it does: fixstr/str8/16/32, positive fixint/uint8/16/32/64, ...).
 *  2. nara__body_parse only ever sees bodies nara_event_decode (through the
 *     store) has already validated: bounded, canonical, valid UTF-8.  It
 *     unpacks them with msgpack-c into the caller's zone and checks the type
 *     of every field it uses; a required field missing or ill-typed makes the
 *     event malformed.  Unknown fields are ignored.
 *  3. Strings of a parsed body point into the event bytes; nothing is copied
 *     except ids, keys and scopes.
 */
#include <stdio.h>
#include <string.h>

#include "canon.h"
#include "domain_internal.h"

/* ---- vocabulary ------------------------------------------------------------ */

static const char *const kind_names[NARA_KIND_COUNT] = {
    "",
    "device.enroll",
    "device.revoke",
    "decree",
    "lo.assign",
    "lo.unassign",
    "case.open",
    "case.ack",
    "case.note",
    "case.action",
    "case.escalate",
    "case.resolve",
    "case.reopen",
    "case.close",
};

const char *nara_kind_name(nara_kind_t kind)
{
    return (unsigned)kind < NARA_KIND_COUNT ? kind_names[kind] : "";
}

nara_kind_t nara_kind_parse(const char *name)
{
    for (int k = 1; name && k < NARA_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return (nara_kind_t)k;
    return NARA_KIND_UNKNOWN;
}

static const char *const role_names[NARA_ROLE_COUNT] = {
    "none", "root", "admin", "secretariat", "governor", "auditor", "lo", "regency", "server",
};

const char *nara_role_name(nara_role_t role)
{
    return (unsigned)role < NARA_ROLE_COUNT ? role_names[role] : "none";
}

nara_role_t nara_role_parse(const char *name)
{
    for (int r = 1; name && r < NARA_ROLE_COUNT; r++)
        if (strcmp(name, role_names[r]) == 0)
            return (nara_role_t)r;
    return NARA_ROLE_NONE;
}

const char *nara_rule_name(nara_rule_t rule)
{
    switch (rule) {
#define NARA__RULE_CASE(name, num, text)                                                           \
    case NARA_RULE_##name:                                                                         \
        return text;
        NARA_RULE_MAP(NARA__RULE_CASE)
#undef NARA__RULE_CASE
    }
    return "unknown-rule";
}

static const char *const status_names[NARA_CASE_STATUS_COUNT] = {
    "open", "acknowledged", "escalated", "resolved", "closed", "reopened",
};

const char *nara_case_status_name(nara_case_status_t st)
{
    return (unsigned)st < NARA_CASE_STATUS_COUNT ? status_names[st] : "unknown";
}

int nara__stream_class(const nara_regions_t *r, const char *stream)
{
    if (strcmp(stream, NARA_STREAM_PROVINCE) == 0)
        return NARA__STREAM_PROVINCE;
    int i = nara_regions_find(r, stream);
    return i >= 0 ? i : NARA__STREAM_OTHER;
}

size_t nara__scope_format(const nara__scope_t *s, const nara_regions_t *r, char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (s->all) {
        snprintf(out, cap, "*");
        return strlen(out);
    }
    for (size_t i = 0; i < nara_regions_count(r); i++) {
        if (!nara__scope_has(s, (int)i))
            continue;
        int k = snprintf(out + len, cap - len, "%s%s", len ? "," : "", nara_regions_at(r, i)->code);
        if (k < 0 || (size_t)k >= cap - len)
            return len;
        len += (size_t)k;
    }
    return len;
}

bool nara__scope_parse(const char *text, const nara_regions_t *r, nara__scope_t *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(text, "*") == 0) {
        out->all = true;
        return true;
    }
    while (*text) {
        const char *comma = strchr(text, ',');
        size_t n = comma ? (size_t)(comma - text) : strlen(text);
        int i = nara__regions_find_n(r, text, n);
        if (i < 0)
            return false;
        nara__scope_add(out, i);
        text += n + (comma ? 1 : 0);
    }
    return true;
}

/* ---- builder ---------------------------------------------------------------- */

typedef struct {
    uint8_t *buf;
    size_t cap, len;
} sink_t;

/* msgpack-c write callback: copy what fits, count everything. */
static int sink_write(void *data, const char *p, size_t n)
{
    sink_t *s = data;
    if (s->len <= s->cap && n <= s->cap - s->len)
        memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

/* Bytewise order of two keys as msgpack strings compare. */
static int key_cmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

static bool field_ok(const nara_field_t *f)
{
    if (f->key == NULL || f->key[0] == '\0' || strlen(f->key) > NARA_BODY_MAX_KEY)
        return false;
    switch (f->type) {
    case NARA_FIELD_STR:
        return f->str != NULL;
    case NARA_FIELD_UINT:
        return true;
    case NARA_FIELD_BIN32:
        return f->bin != NULL;
    case NARA_FIELD_STRS:
        for (size_t i = 0; i < f->n; i++)
            if (f->strs == NULL || f->strs[i] == NULL)
                return false;
        return f->n <= NARA_BODY_MAX_ENTRIES;
    case NARA_FIELD_BIN32S:
        return (f->n == 0 || f->bins != NULL) && f->n <= NARA_BODY_MAX_ENTRIES;
    }
    return false;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_value(msgpack_packer *pk, const nara_field_t *f)
{
    switch (f->type) {
    case NARA_FIELD_STR:
        pack_str(pk, f->str);
        break;
    case NARA_FIELD_UINT:
        msgpack_pack_uint64(pk, f->u);
        break;
    case NARA_FIELD_BIN32:
        msgpack_pack_bin(pk, 32);
        msgpack_pack_bin_body(pk, f->bin, 32);
        break;
    case NARA_FIELD_STRS:
        msgpack_pack_array(pk, f->n);
        for (size_t i = 0; i < f->n; i++)
            pack_str(pk, f->strs[i]);
        break;
    case NARA_FIELD_BIN32S:
        msgpack_pack_array(pk, f->n);
        for (size_t i = 0; i < f->n; i++) {
            msgpack_pack_bin(pk, 32);
            msgpack_pack_bin_body(pk, f->bins[i], 32);
        }
        break;
    }
}

/* Sort pointers to the fields by key (insertion sort: n is small).  false on
 * a duplicate key. */
static bool sort_fields(const nara_field_t *fields, size_t n, const nara_field_t **order)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && key_cmp(order[j - 1]->key, fields[i].key) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = &fields[i];
    }
    for (size_t i = 1; i < n; i++)
        if (key_cmp(order[i - 1]->key, order[i]->key) == 0)
            return false;
    return true;
}

nara_err_t nara_body_build(const nara_field_t *fields, size_t n, uint8_t *buf, size_t cap,
                           size_t *len)
{
    const nara_field_t *order[NARA_BODY_MAX_FIELDS];
    sink_t sink = {buf, buf ? cap : 0, 0};
    msgpack_packer pk;

    if (len == NULL || (fields == NULL && n > 0) || n > NARA_BODY_MAX_FIELDS)
        return NARA_INVAL;
    for (size_t i = 0; i < n; i++)
        if (!field_ok(&fields[i]))
            return NARA_INVAL;
    if (!sort_fields(fields, n, order))
        return NARA_INVAL;
    msgpack_packer_init(&pk, &sink, sink_write);
    msgpack_pack_map(&pk, n);
    for (size_t i = 0; i < n; i++) {
        pack_str(&pk, order[i]->key);
        pack_value(&pk, order[i]);
    }
    *len = sink.len;
    return sink.len > sink.cap ? NARA_BUFFER_TOO_SMALL : NARA_OK;
}

/* ---- reader ------------------------------------------------------------------ */

/* Reading state: the map, and the first field found missing or ill-typed. */
typedef struct {
    const msgpack_object *map;
    const nara_regions_t *regions;
    const char *bad;
} rd_t;

static const msgpack_object *field(const rd_t *r, const char *key)
{
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < r->map->via.map.size; i++) {
        const msgpack_object_kv *kv = &r->map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == kl &&
            memcmp(kv->key.via.str.ptr, key, kl) == 0)
            return &kv->val;
    }
    return NULL;
}

static bool bad(rd_t *r, const char *key)
{
    if (r->bad == NULL)
        r->bad = key;
    return false;
}

static bool get_str(rd_t *r, const char *key, bool required, nara__str_t *out)
{
    const msgpack_object *o = field(r, key);
    out->p = NULL;
    out->n = 0;
    if (o == NULL)
        return required ? bad(r, key) : true;
    if (o->type != MSGPACK_OBJECT_STR)
        return bad(r, key);
    out->p = o->via.str.size ? o->via.str.ptr : "";
    out->n = o->via.str.size;
    return true;
}

static bool bin32(const msgpack_object *o, uint8_t out[32])
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != 32)
        return false;
    memcpy(out, o->via.bin.ptr, 32);
    return true;
}

static bool get_bin32(rd_t *r, const char *key, bool required, bool *has, uint8_t out[32])
{
    const msgpack_object *o = field(r, key);
    if (has)
        *has = false;
    if (o == NULL)
        return required ? bad(r, key) : true;
    if (!bin32(o, out))
        return bad(r, key);
    if (has)
        *has = true;
    return true;
}

/* YYYY-MM-DD, digits where digits belong (no calendar check). */
static bool is_date(nara__str_t s)
{
    static const char pat[] = "dddd-dd-dd";
    if (s.n != 10)
        return false;
    for (size_t i = 0; i < 10; i++) {
        bool digit = s.p[i] >= '0' && s.p[i] <= '9';
        if (pat[i] == 'd' ? !digit : s.p[i] != '-')
            return false;
    }
    return true;
}

static bool get_date(rd_t *r, const char *key, bool required, nara__str_t *out)
{
    if (!get_str(r, key, required, out))
        return false;
    return out->p == NULL || is_date(*out) ? true : bad(r, key);
}

static bool str_is(nara__str_t s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* A str field whose value must be one of a NULL-terminated list. */
static bool get_enum(rd_t *r, const char *key, const char *const *allowed, nara__str_t *out)
{
    if (!get_str(r, key, true, out))
        return false;
    for (size_t i = 0; allowed[i]; i++)
        if (str_is(*out, allowed[i]))
            return true;
    return bad(r, key);
}

/* A known region code. */
static bool get_region(rd_t *r, const char *key, nara__str_t *out)
{
    if (!get_str(r, key, true, out))
        return false;
    return nara__regions_find_n(r->regions, out->p, out->n) >= 0 ? true : bad(r, key);
}

/* `regions`: "*" or an array of known region codes. */
static bool get_scope(rd_t *r, const char *key, nara__scope_t *out)
{
    const msgpack_object *o = field(r, key);
    memset(out, 0, sizeof *out);
    if (o == NULL)
        return bad(r, key);
    if (o->type == MSGPACK_OBJECT_STR) {
        out->all = o->via.str.size == 1 && o->via.str.ptr[0] == '*';
        return out->all ? true : bad(r, key);
    }
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return bad(r, key);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *e = &o->via.array.ptr[i];
        int idx = e->type == MSGPACK_OBJECT_STR
                      ? nara__regions_find_n(r->regions, e->via.str.ptr, e->via.str.size)
                      : -1;
        if (idx < 0)
            return bad(r, key);
        nara__scope_add(out, idx);
    }
    return true;
}

static bool get_role(rd_t *r, nara_role_t *out)
{
    char name[16];
    nara__str_t s;
    *out = NARA_ROLE_NONE;
    if (!get_str(r, "role", true, &s))
        return false;
    if (s.n < sizeof name) {
        memcpy(name, s.p, s.n);
        name[s.n] = '\0';
        *out = nara_role_parse(name);
    }
    return (*out == NARA_ROLE_NONE || *out == NARA_ROLE_ROOT) ? bad(r, "role") : true;
}

/* `seen`: one bin 32, or an array of 1..NARA_SEEN_MAX of them. */
static bool get_seen(rd_t *r, nara__body_t *b)
{
    const msgpack_object *o = field(r, "seen");
    b->n_seen = 0;
    if (o == NULL)
        return bad(r, "seen");
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return bin32(o, b->seen[b->n_seen++]) ? true : bad(r, "seen");
    if (o->via.array.size == 0 || o->via.array.size > NARA_SEEN_MAX)
        return bad(r, "seen");
    for (uint32_t i = 0; i < o->via.array.size; i++)
        if (!bin32(&o->via.array.ptr[i], b->seen[b->n_seen++]))
            return bad(r, "seen");
    return true;
}

static const char *const categories[] = {"pembangunan", "sosial",  "rpjmd",
                                         "rapim",       "lainnya", NULL};
static const char *const functions[] = {"koordinasi", "fasilitasi", "sinkronisasi", "komunikasi",
                                        NULL};
static const char *const priorities[] = {"rendah", "sedang", "tinggi", "darurat", NULL};
static const char *const escalation_targets[] = {"sekda", "gubernur", NULL};

static void read_province(rd_t *r, nara__body_t *b)
{
    switch (b->kind) {
    case NARA_KIND_DEVICE_ENROLL:
        (void)(get_bin32(r, "device", true, NULL, b->device) && get_role(r, &b->role) &&
               get_scope(r, "scope", &b->scope) && get_str(r, "name", true, &b->name) &&
               get_str(r, "agency", false, &b->agency));
        break;
    case NARA_KIND_DEVICE_REVOKE:
        (void)(get_bin32(r, "device", true, NULL, b->device) &&
               get_str(r, "reason", false, &b->reason));
        break;
    case NARA_KIND_DECREE:
        (void)(get_str(r, "number", true, &b->number) && get_date(r, "date", true, &b->date) &&
               get_bin32(r, "doc_hash", true, NULL, b->doc_hash) &&
               get_date(r, "effective", true, &b->effective) &&
               get_date(r, "until", false, &b->until) && get_str(r, "title", true, &b->title) &&
               get_str(r, "supersedes", false, &b->supersedes));
        break;
    case NARA_KIND_LO_ASSIGN:
        (void)(get_region(r, "region", &b->region) && get_str(r, "agency", true, &b->agency) &&
               get_str(r, "officer", true, &b->officer) &&
               get_bin32(r, "device", false, &b->has_device, b->device) &&
               get_str(r, "decree", true, &b->decree) &&
               get_date(r, "effective", true, &b->effective) &&
               get_bin32(r, "replaces", false, &b->has_ref, b->ref));
        break;
    case NARA_KIND_LO_UNASSIGN:
        (void)(get_region(r, "region", &b->region) &&
               get_bin32(r, "assignment", true, &b->has_ref, b->ref) &&
               get_str(r, "decree", true, &b->decree) &&
               get_date(r, "effective", true, &b->effective));
        break;
    default:
        break;
    }
}

static void read_case(rd_t *r, nara__body_t *b)
{
    if (b->kind == NARA_KIND_CASE_OPEN) {
        (void)(get_str(r, "region", true, &b->region) &&
               get_enum(r, "category", categories, &b->category) &&
               get_enum(r, "function", functions, &b->function) &&
               get_str(r, "title", true, &b->title) &&
               get_str(r, "description", true, &b->description) &&
               get_enum(r, "priority", priorities, &b->priority));
        return;
    }
    if (!get_bin32(r, "case", true, NULL, b->case_id) || !get_seen(r, b))
        return;
    switch (b->kind) {
    case NARA_KIND_CASE_NOTE:
        get_str(r, "text", true, &b->text);
        break;
    case NARA_KIND_CASE_ACTION:
        (void)(get_str(r, "what", true, &b->what) && get_str(r, "who", true, &b->who) &&
               get_date(r, "due", true, &b->due));
        break;
    case NARA_KIND_CASE_ESCALATE:
        (void)(get_enum(r, "to", escalation_targets, &b->to) &&
               get_str(r, "reason", true, &b->reason));
        break;
    case NARA_KIND_CASE_RESOLVE:
        get_str(r, "summary", true, &b->summary);
        break;
    case NARA_KIND_CASE_REOPEN:
        get_str(r, "reason", true, &b->reason);
        break;
    default: /* ack, close: case and seen only */
        break;
    }
}

/* Unpack a validated body into the zone; false if it is not one map. */
static bool unpack_map(const uint8_t *body, size_t len, msgpack_zone *zone, msgpack_object *obj)
{
    size_t off = 0;
    msgpack_unpack_return ret = msgpack_unpack((const char *)body, len, &off, zone, obj);
    return ret == MSGPACK_UNPACK_SUCCESS && off == len && obj->type == MSGPACK_OBJECT_MAP;
}

nara_rule_t nara__body_parse(nara_kind_t kind, const uint8_t *body, size_t len,
                             const nara_regions_t *regions, msgpack_zone *zone, nara__body_t *out,
                             char *detail, size_t cap)
{
    msgpack_object obj;
    rd_t r = {&obj, regions, NULL};

    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (body == NULL) {
        snprintf(detail, cap, "body redacted");
        return NARA_RULE_MALFORMED;
    }
    if (!unpack_map(body, len, zone, &obj)) {
        msgpack_zone_clear(zone);
        snprintf(detail, cap, "body is not a map");
        return NARA_RULE_MALFORMED;
    }
    if (nara__kind_is_case(kind))
        read_case(&r, out);
    else
        read_province(&r, out);
    msgpack_zone_clear(zone);
    if (r.bad == NULL)
        return NARA_RULE_OK;
    snprintf(detail, cap, "field '%s' missing or ill-typed", r.bad);
    return NARA_RULE_MALFORMED;
}

/* Step over the elements of the array or map `c` just read, `depth` being
 * c's nesting (the body map is 1); false if they do not parse or nest
 * deeper than a body may. */
static bool skip_children(nara__mp_reader_t *r, const nara__mp_item_t *c, unsigned depth)
{
    uint64_t n = c->kind == NARA__MP_MAP ? 2 * c->u : c->u;
    for (uint64_t i = 0; i < n; i++) {
        nara__mp_item_t it;
        if (nara__mp_next(r, &it) != NARA_OK)
            return false;
        if ((it.kind == NARA__MP_ARRAY || it.kind == NARA__MP_MAP) &&
            (depth >= NARA_BODY_MAX_DEPTH || !skip_children(r, &it, depth + 1)))
            return false;
    }
    return true;
}

/* The value of the body map's entry `key` (its first, as msgpack_unpack's
 * object would give); false if there is none or the body is not exactly one
 * map.  Routing runs for every indexed event, so it reads the bytes in place
 * with the canonical reader instead of unpacking the body into a zone. */
static bool body_field(const uint8_t *body, size_t len, const char *key, nara__mp_item_t *out)
{
    nara__mp_reader_t r = {body, body + len};
    nara__mp_item_t map, k, v;
    size_t key_len = strlen(key);
    bool found = false;
    if (nara__mp_next(&r, &map) != NARA_OK || map.kind != NARA__MP_MAP)
        return false;
    for (uint64_t i = 0; i < map.u; i++) {
        if (nara__mp_next(&r, &k) != NARA_OK || nara__mp_next(&r, &v) != NARA_OK)
            return false;
        if ((v.kind == NARA__MP_ARRAY || v.kind == NARA__MP_MAP) && !skip_children(&r, &v, 2))
            return false;
        if (!found && k.kind == NARA__MP_STR && k.u == key_len &&
            memcmp(k.data, key, key_len) == 0) {
            *out = v;
            found = true;
        }
    }
    return found && r.p == r.end;
}

bool nara__body_route(nara_kind_t kind, const uint8_t *body, size_t len, nara__str_t *region,
                      uint8_t case_id[32])
{
    nara__mp_item_t v;
    if (body == NULL)
        return false;
    if (kind == NARA_KIND_LO_ASSIGN || kind == NARA_KIND_LO_UNASSIGN) {
        if (!body_field(body, len, "region", &v) || v.kind != NARA__MP_STR)
            return false;
        region->p = (const char *)v.data;
        region->n = (size_t)v.u;
        return true;
    }
    if (!nara__kind_is_case(kind) || !body_field(body, len, "case", &v) || v.kind != NARA__MP_BIN ||
        v.u != 32)
        return false;
    memcpy(case_id, v.data, 32);
    return true;
}
