/*
 * test_domain_body.c - canonical body building (keys sorted bytewise, exact
 * bytes, size reporting) and body reading (required fields, types, value
 * lists, the forms of `seen` and `scope`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain_internal.h"

static uint8_t id_a[32] = {0xaa}, id_b[32] = {0xbb};

static size_t build(const nara_field_t *f, size_t n, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    assert_int_equal(nara_body_build(f, n, buf, cap, &len), NARA_OK);
    assert_int_equal(nara_body_validate(buf, len), NARA_OK);
    return len;
}

static void test_keys_are_sorted_bytewise_shorter_prefix_first(void **state)
{
    (void)state;
    nara_field_t f[3] = {{.key = "b", .type = NARA_FIELD_UINT, .u = 1},
                         {.key = "ab", .type = NARA_FIELD_STR, .str = "x"},
                         {.key = "a", .type = NARA_FIELD_UINT, .u = 300}};
    static const uint8_t want[] = {0x83, 0xa1, 'a',  0xcd, 0x01, 0x2c, 0xa2,
                                   'a',  'b',  0xa1, 'x',  0xa1, 'b',  0x01};
    uint8_t buf[64];
    size_t len = build(f, 3, buf, sizeof buf);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
}

static void test_arrays_of_strings_and_ids_encode_canonically(void **state)
{
    (void)state;
    const char *codes[2] = {"32.01", "32.02"};
    const uint8_t ids[2][32] = {{1}, {2}};
    nara_field_t f[2] = {{.key = "s", .type = NARA_FIELD_STRS, .strs = codes, .n = 2},
                         {.key = "i", .type = NARA_FIELD_BIN32S, .bins = ids, .n = 2}};
    uint8_t buf[128];
    size_t len = build(f, 2, buf, sizeof buf);
    assert_int_equal(buf[0], 0x82);
    assert_int_equal(buf[1], 0xa1);
    assert_int_equal(buf[2], 'i'); /* "i" < "s" */
    assert_int_equal(buf[3], 0x92);
    assert_int_equal(buf[4], 0xc4);
    assert_int_equal(buf[5], 32);
    assert_int_equal(len, 1 + 2 + 1 + 2 * 34 + 2 + 1 + 2 * 6);
}

static void test_too_small_buffer_reports_the_size_needed(void **state)
{
    (void)state;
    nara_field_t f[1] = {{.key = "text", .type = NARA_FIELD_STR, .str = "halo"}};
    uint8_t buf[4];
    size_t len = 0;
    assert_int_equal(nara_body_build(f, 1, buf, sizeof buf, &len), NARA_BUFFER_TOO_SMALL);
    assert_int_equal(len, 11);
    assert_int_equal(nara_body_build(f, 1, NULL, 0, &len), NARA_BUFFER_TOO_SMALL);
    assert_int_equal(len, 11);
}

static void test_duplicate_keys_and_null_values_are_refused(void **state)
{
    (void)state;
    nara_field_t dup[2] = {{.key = "a", .type = NARA_FIELD_UINT},
                           {.key = "a", .type = NARA_FIELD_UINT}};
    nara_field_t null_str[1] = {{.key = "a", .type = NARA_FIELD_STR, .str = NULL}};
    uint8_t buf[32];
    size_t len;
    assert_int_equal(nara_body_build(dup, 2, buf, sizeof buf, &len), NARA_INVAL);
    assert_int_equal(nara_body_build(null_str, 1, buf, sizeof buf, &len), NARA_INVAL);
}

/* ---- reading ------------------------------------------------------------------- */

typedef struct {
    msgpack_zone zone;
    nara__body_t b;
    char detail[128];
} reader_t;

static int setup(void **state)
{
    reader_t *r = calloc(1, sizeof *r);
    msgpack_zone_init(&r->zone, 1024);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    reader_t *r = *state;
    msgpack_zone_destroy(&r->zone);
    free(r);
    return 0;
}

static nara_rule_t parse(reader_t *r, nara_kind_t kind, const nara_field_t *f, size_t n)
{
    uint8_t buf[1024];
    size_t len = build(f, n, buf, sizeof buf);
    r->detail[0] = '\0';
    return nara__body_parse(kind, buf, len, nara_regions_default(), &r->zone, &r->b, r->detail,
                            sizeof r->detail);
}

static void test_note_with_all_fields_parses(void **state)
{
    reader_t *r = *state;
    nara_field_t f[3] = {{.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "seen", .type = NARA_FIELD_BIN32, .bin = id_b},
                         {.key = "text", .type = NARA_FIELD_STR, .str = "halo"}};
    assert_int_equal(parse(r, NARA_KIND_CASE_NOTE, f, 3), NARA_RULE_OK);
    assert_memory_equal(r->b.case_id, id_a, 32);
    assert_int_equal(r->b.n_seen, 1);
    assert_int_equal(r->b.text.n, 4);
}

static void test_missing_required_field_is_malformed_and_named(void **state)
{
    reader_t *r = *state;
    nara_field_t f[2] = {{.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "seen", .type = NARA_FIELD_BIN32, .bin = id_b}};
    assert_int_equal(parse(r, NARA_KIND_CASE_NOTE, f, 2), NARA_RULE_MALFORMED);
    assert_string_equal(r->detail, "field 'text' missing or ill-typed");
}

static void test_ill_typed_field_is_malformed(void **state)
{
    reader_t *r = *state;
    nara_field_t f[3] = {{.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "seen", .type = NARA_FIELD_BIN32, .bin = id_b},
                         {.key = "text", .type = NARA_FIELD_UINT, .u = 5}};
    assert_int_equal(parse(r, NARA_KIND_CASE_NOTE, f, 3), NARA_RULE_MALFORMED);
    assert_string_equal(r->detail, "field 'text' missing or ill-typed");
}

static void test_seen_may_list_several_heads_but_not_none(void **state)
{
    reader_t *r = *state;
    const uint8_t two[2][32] = {{1}, {2}};
    nara_field_t f[2] = {{.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "seen", .type = NARA_FIELD_BIN32S, .bins = two, .n = 2}};
    assert_int_equal(parse(r, NARA_KIND_CASE_CLOSE, f, 2), NARA_RULE_OK);
    assert_int_equal(r->b.n_seen, 2);
    f[1].n = 0;
    assert_int_equal(parse(r, NARA_KIND_CASE_CLOSE, f, 2), NARA_RULE_MALFORMED);
}

static void test_seen_with_more_than_16_heads_is_malformed(void **state)
{
    reader_t *r = *state;
    uint8_t many[17][32];
    memset(many, 3, sizeof many);
    nara_field_t f[2] = {
        {.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a},
        {.key = "seen", .type = NARA_FIELD_BIN32S, .bins = (const uint8_t(*)[32])many, .n = 17}};
    assert_int_equal(parse(r, NARA_KIND_CASE_CLOSE, f, 2), NARA_RULE_MALFORMED);
}

static void test_values_outside_their_lists_are_malformed(void **state)
{
    reader_t *r = *state;
    nara_field_t f[6] = {{.key = "region", .type = NARA_FIELD_STR, .str = "32.01"},
                         {.key = "category", .type = NARA_FIELD_STR, .str = "sosial"},
                         {.key = "function", .type = NARA_FIELD_STR, .str = "fasilitasi"},
                         {.key = "title", .type = NARA_FIELD_STR, .str = "t"},
                         {.key = "description", .type = NARA_FIELD_STR, .str = "d"},
                         {.key = "priority", .type = NARA_FIELD_STR, .str = "darurat"}};
    assert_int_equal(parse(r, NARA_KIND_CASE_OPEN, f, 6), NARA_RULE_OK);
    f[5].str = "urgent";
    assert_int_equal(parse(r, NARA_KIND_CASE_OPEN, f, 6), NARA_RULE_MALFORMED);
    assert_string_equal(r->detail, "field 'priority' missing or ill-typed");
}

static void test_dates_must_be_yyyy_mm_dd(void **state)
{
    reader_t *r = *state;
    nara_field_t f[5] = {{.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "seen", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "what", .type = NARA_FIELD_STR, .str = "rapat"},
                         {.key = "who", .type = NARA_FIELD_STR, .str = "Bappeda"},
                         {.key = "due", .type = NARA_FIELD_STR, .str = "2026-02-01"}};
    assert_int_equal(parse(r, NARA_KIND_CASE_ACTION, f, 5), NARA_RULE_OK);
    f[4].str = "1/2/2026";
    assert_int_equal(parse(r, NARA_KIND_CASE_ACTION, f, 5), NARA_RULE_MALFORMED);
}

static void test_scope_is_star_or_known_codes_and_role_is_never_root(void **state)
{
    reader_t *r = *state;
    const char *codes[2] = {"32.01", "32.79"};
    nara_field_t f[4] = {{.key = "device", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "role", .type = NARA_FIELD_STR, .str = "lo"},
                         {.key = "scope", .type = NARA_FIELD_STRS, .strs = codes, .n = 2},
                         {.key = "name", .type = NARA_FIELD_STR, .str = "HP Dinkes"}};
    assert_int_equal(parse(r, NARA_KIND_DEVICE_ENROLL, f, 4), NARA_RULE_OK);
    assert_true(nara__scope_has(&r->b.scope, 0));
    assert_true(nara__scope_has(&r->b.scope, 26));
    assert_false(nara__scope_has(&r->b.scope, 1));
    f[2] = (nara_field_t){.key = "scope", .type = NARA_FIELD_STR, .str = "*"};
    assert_int_equal(parse(r, NARA_KIND_DEVICE_ENROLL, f, 4), NARA_RULE_OK);
    assert_true(r->b.scope.all);
    codes[1] = "36.01";
    f[2] = (nara_field_t){.key = "scope", .type = NARA_FIELD_STRS, .strs = codes, .n = 2};
    assert_int_equal(parse(r, NARA_KIND_DEVICE_ENROLL, f, 4), NARA_RULE_MALFORMED);
    f[2] = (nara_field_t){.key = "scope", .type = NARA_FIELD_STR, .str = "*"};
    f[1].str = "root";
    assert_int_equal(parse(r, NARA_KIND_DEVICE_ENROLL, f, 4), NARA_RULE_MALFORMED);
}

static void test_redacted_body_is_malformed(void **state)
{
    reader_t *r = *state;
    assert_int_equal(nara__body_parse(NARA_KIND_CASE_NOTE, NULL, 0, nara_regions_default(),
                                      &r->zone, &r->b, r->detail, sizeof r->detail),
                     NARA_RULE_MALFORMED);
    assert_string_equal(r->detail, "body redacted");
}

static void test_bytes_after_the_map_or_a_cut_map_are_malformed(void **state)
{
    reader_t *r = *state;
    nara_field_t f[3] = {{.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a},
                         {.key = "seen", .type = NARA_FIELD_BIN32, .bin = id_b},
                         {.key = "text", .type = NARA_FIELD_STR, .str = "halo"}};
    uint8_t buf[512];
    size_t len = build(f, 3, buf, sizeof buf);
    buf[len] = 0xc0;
    assert_int_equal(nara__body_parse(NARA_KIND_CASE_NOTE, buf, len + 1, nara_regions_default(),
                                      &r->zone, &r->b, r->detail, sizeof r->detail),
                     NARA_RULE_MALFORMED);
    assert_string_equal(r->detail, "body is not a map");
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(nara__body_parse(NARA_KIND_CASE_NOTE, buf, cut, nara_regions_default(),
                                          &r->zone, &r->b, r->detail, sizeof r->detail),
                         NARA_RULE_MALFORMED);
}

static size_t put(uint8_t *buf, size_t n, const void *bytes, size_t len)
{
    memcpy(buf + n, bytes, len);
    return n + len;
}

static void test_seen_holding_an_array_is_malformed(void **state)
{
    reader_t *r = *state;
    /* {"case": bin32, "seen": [[bin32]], "text": "x"}, built by hand: the
     * builder only nests one level */
    uint8_t buf[128];
    size_t n = put(buf, 0,
                   "\x83\xa4"
                   "case\xc4\x20",
                   8);
    n = put(buf, n, id_a, 32);
    n = put(buf, n,
            "\xa4"
            "seen\x91\x91\xc4\x20",
            9);
    n = put(buf, n, id_b, 32);
    n = put(buf, n,
            "\xa4"
            "text\xa1x",
            7);
    assert_int_equal(nara_body_validate(buf, n), NARA_OK);
    assert_int_equal(nara__body_parse(NARA_KIND_CASE_NOTE, buf, n, nara_regions_default(), &r->zone,
                                      &r->b, r->detail, sizeof r->detail),
                     NARA_RULE_MALFORMED);
    assert_string_equal(r->detail, "field 'seen' missing or ill-typed");
}

/* ---- routing (nara__body_route) ---- */

static bool route(nara_kind_t kind, const uint8_t *buf, size_t len, nara__str_t *region,
                  uint8_t case_id[32])
{
    memset(case_id, 0, 32);
    region->p = NULL;
    region->n = 0;
    return nara__body_route(kind, buf, len, region, case_id);
}

static void test_route_finds_the_case_after_nested_values(void **state)
{
    (void)state;
    uint8_t ids[2][32] = {{0xaa}, {0xbb}};
    nara_field_t f[3] = {{.key = "a", .type = NARA_FIELD_BIN32S, .bins = ids, .n = 2},
                         {.key = "case", .type = NARA_FIELD_BIN32, .bin = id_b},
                         {.key = "text", .type = NARA_FIELD_STR, .str = "halo"}};
    uint8_t buf[512], got[32];
    nara__str_t region;
    size_t len = build(f, 3, buf, sizeof buf);
    assert_true(route(NARA_KIND_CASE_NOTE, buf, len, &region, got));
    assert_memory_equal(got, id_b, 32);
}

static void test_route_finds_the_region_of_an_lo_event(void **state)
{
    (void)state;
    nara_field_t f[2] = {{.key = "officer", .type = NARA_FIELD_STR, .str = "Dr. Sari"},
                         {.key = "region", .type = NARA_FIELD_STR, .str = "32.04"}};
    uint8_t buf[512], got[32];
    nara__str_t region;
    size_t len = build(f, 2, buf, sizeof buf);
    assert_true(route(NARA_KIND_LO_ASSIGN, buf, len, &region, got));
    assert_int_equal(region.n, 5);
    assert_memory_equal(region.p, "32.04", 5);
}

static void test_route_refuses_a_missing_ill_typed_or_damaged_field(void **state)
{
    (void)state;
    nara_field_t f[2] = {{.key = "case", .type = NARA_FIELD_STR, .str = "not an id"},
                         {.key = "region", .type = NARA_FIELD_UINT, .u = 32}};
    uint8_t buf[512], got[32];
    nara__str_t region;
    size_t len = build(f, 2, buf, sizeof buf);
    assert_false(route(NARA_KIND_CASE_ACK, buf, len, &region, got));    /* str, not bin 32 */
    assert_false(route(NARA_KIND_LO_UNASSIGN, buf, len, &region, got)); /* uint, not str */
    assert_false(route(NARA_KIND_DECREE, buf, len, &region, got));      /* routed by kind */
    assert_false(route(NARA_KIND_CASE_NOTE, NULL, 0, &region, got));    /* redacted */
    nara_field_t g[1] = {{.key = "case", .type = NARA_FIELD_BIN32, .bin = id_a}};
    len = build(g, 1, buf, sizeof buf);
    assert_true(route(NARA_KIND_CASE_NOTE, buf, len, &region, got));
    for (size_t cut = 0; cut < len; cut++) /* every strict prefix */
        assert_false(route(NARA_KIND_CASE_NOTE, buf, cut, &region, got));
    buf[len] = 0xc0; /* a trailing nil: not exactly one map */
    assert_false(route(NARA_KIND_CASE_NOTE, buf, len + 1, &region, got));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_are_sorted_bytewise_shorter_prefix_first),
        cmocka_unit_test(test_arrays_of_strings_and_ids_encode_canonically),
        cmocka_unit_test(test_too_small_buffer_reports_the_size_needed),
        cmocka_unit_test(test_duplicate_keys_and_null_values_are_refused),
        T(test_note_with_all_fields_parses),
        T(test_missing_required_field_is_malformed_and_named),
        T(test_ill_typed_field_is_malformed),
        T(test_seen_may_list_several_heads_but_not_none),
        T(test_seen_with_more_than_16_heads_is_malformed),
        T(test_values_outside_their_lists_are_malformed),
        T(test_dates_must_be_yyyy_mm_dd),
        T(test_scope_is_star_or_known_codes_and_role_is_never_root),
        T(test_redacted_body_is_malformed),
        T(test_bytes_after_the_map_or_a_cut_map_are_malformed),
        T(test_seen_holding_an_array_is_malformed),
        cmocka_unit_test(test_route_finds_the_case_after_nested_values),
        cmocka_unit_test(test_route_finds_the_region_of_an_lo_event),
        cmocka_unit_test(test_route_refuses_a_missing_ill_typed_or_damaged_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
