/*
 * test_domain_regions.c - the region list: the built-in Jawa Barat table
 * equals data/regions/32-jawa-barat.tsv, other provinces load from their
 * files, and the loader names the line and the problem of a bad file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "nara_domain.h"

static nara_regions_t *load_ok(const char *path)
{
    char err[256];
    nara_regions_t *r = NULL;
    nara_err_t e = nara_regions_load(path, &r, err, sizeof err);
    if (e != NARA_OK)
        fail_msg("%s: %s", path, err);
    return r;
}

/* Parse text that must fail; return the message. */
static const char *parse_err(const char *text)
{
    static char err[256];
    nara_regions_t *r = (nara_regions_t *)1;
    assert_int_equal(nara_regions_parse(text, strlen(text), &r, err, sizeof err), NARA_INVAL);
    assert_null(r);
    return err;
}

#define PROV "province\t32\tJawa Barat\n"

static void test_default_equals_jawa_barat_tsv(void **state)
{
    (void)state;
    const nara_regions_t *def = nara_regions_default();
    nara_regions_t *file = load_ok("../data/regions/32-jawa-barat.tsv");
    assert_string_equal(nara_regions_province_code(def), nara_regions_province_code(file));
    assert_string_equal(nara_regions_province_name(def), nara_regions_province_name(file));
    assert_int_equal(nara_regions_count(def), nara_regions_count(file));
    for (size_t i = 0; i < nara_regions_count(file); i++) {
        const nara_region_t *a = nara_regions_at(def, i), *b = nara_regions_at(file, i);
        assert_string_equal(a->code, b->code);
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->type, b->type);
    }
    nara_regions_free(file);
}

static void test_default_has_27_regions_of_province_32(void **state)
{
    (void)state;
    const nara_regions_t *def = nara_regions_default();
    assert_int_equal(nara_regions_count(def), 27);
    assert_string_equal(nara_regions_province_code(def), "32");
    assert_int_equal(nara_regions_find(def, "32.01"), 0);
    assert_int_equal(nara_regions_find(def, "32.79"), 26);
    assert_int_equal(nara_regions_at(def, 18)->type, NARA_REGION_KOTA);
    assert_int_equal(nara_regions_find(def, "36.01"), -1);
    assert_int_equal(nara_regions_find(def, "32.0"), -1);
    assert_int_equal(nara_regions_find(def, "32.011"), -1);
    assert_int_equal(nara_regions_find(def, "32-01"), -1);
    assert_int_equal(nara_regions_find(def, "32.80"), -1);
    assert_int_equal(nara_regions_find(def, ""), -1);
    nara_regions_free((nara_regions_t *)def); /* harmless */
}

static void test_banten_loads_with_8_regions(void **state)
{
    (void)state;
    nara_regions_t *r = load_ok("../data/regions/36-banten.tsv");
    assert_int_equal(nara_regions_count(r), 8);
    assert_string_equal(nara_regions_province_name(r), "Banten");
    assert_string_equal(nara_regions_at(r, 7)->name, "Tangerang Selatan");
    assert_int_equal(nara_regions_at(r, 7)->type, NARA_REGION_KOTA);
    nara_regions_free(r);
}

static void test_missing_file_is_io_error_naming_the_path(void **state)
{
    (void)state;
    char err[256];
    nara_regions_t *r;
    assert_int_equal(nara_regions_load("no/such.tsv", &r, err, sizeof err), NARA_IO);
    assert_non_null(strstr(err, "no/such.tsv"));
}

static void test_comments_blank_lines_and_crlf_are_accepted(void **state)
{
    (void)state;
    const char *t = "# c\r\n\r\nprovince\t32\tJawa Barat\r\n# x\n32.01\tkabupaten\tBogor\r\n";
    nara_regions_t *r = NULL;
    assert_int_equal(nara_regions_parse(t, strlen(t), &r, NULL, 0), NARA_OK);
    assert_int_equal(nara_regions_count(r), 1);
    assert_string_equal(nara_regions_at(r, 0)->name, "Bogor");
    nara_regions_free(r);
}

static void test_duplicate_code_names_both_lines(void **state)
{
    (void)state;
    const char *e = parse_err(PROV "32.01\tkabupaten\tBogor\n32.01\tkota\tBogor\n");
    assert_string_equal(e, "line 3: duplicate region code 32.01 (first on line 2)");
}

static void test_bad_type_is_refused(void **state)
{
    (void)state;
    const char *e = parse_err(PROV "32.01\tkab\tBogor\n");
    assert_string_equal(e, "line 2: type must be 'kabupaten' or 'kota', not 'kab'");
}

static void test_missing_province_line_is_refused(void **state)
{
    (void)state;
    assert_string_equal(parse_err("# only a comment\n"), "missing province line");
}

static void test_region_before_province_line_is_refused(void **state)
{
    (void)state;
    const char *e = parse_err("32.01\tkabupaten\tBogor\n" PROV);
    assert_string_equal(e, "line 1: region line before the province line");
}

static void test_second_province_line_is_refused(void **state)
{
    (void)state;
    const char *e = parse_err(PROV "32.01\tkabupaten\tBogor\n" PROV);
    assert_string_equal(e, "line 3: second province line (the first is line 1)");
}

static void test_wrong_field_count_is_refused(void **state)
{
    (void)state;
    assert_string_equal(parse_err(PROV "32.01 kabupaten Bogor\n"),
                        "line 2: expected 3 tab-separated fields, found 1");
    assert_string_equal(parse_err(PROV "32.01\tkota\tBogor\textra\n"),
                        "line 2: expected 3 tab-separated fields, found 4");
}

static void test_code_outside_the_province_is_refused(void **state)
{
    (void)state;
    assert_string_equal(parse_err(PROV "36.01\tkabupaten\tPandeglang\n"),
                        "line 2: region code '36.01' is not 32.NN");
    assert_string_equal(parse_err(PROV "32.1\tkabupaten\tBogor\n"),
                        "line 2: region code '32.1' is not 32.NN");
}

static void test_empty_name_and_no_regions_are_refused(void **state)
{
    (void)state;
    assert_string_equal(parse_err(PROV "32.01\tkabupaten\t\n"), "line 2: empty name");
    assert_string_equal(parse_err(PROV), "no regions");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_equals_jawa_barat_tsv),
        cmocka_unit_test(test_default_has_27_regions_of_province_32),
        cmocka_unit_test(test_banten_loads_with_8_regions),
        cmocka_unit_test(test_missing_file_is_io_error_naming_the_path),
        cmocka_unit_test(test_comments_blank_lines_and_crlf_are_accepted),
        cmocka_unit_test(test_duplicate_code_names_both_lines),
        cmocka_unit_test(test_bad_type_is_refused),
        cmocka_unit_test(test_missing_province_line_is_refused),
        cmocka_unit_test(test_region_before_province_line_is_refused),
        cmocka_unit_test(test_second_province_line_is_refused),
        cmocka_unit_test(test_wrong_field_count_is_refused),
        cmocka_unit_test(test_code_outside_the_province_is_refused),
        cmocka_unit_test(test_empty_name_and_no_regions_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
