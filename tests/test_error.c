/*
 * test_error.c - the error list: every code has its own name and a sentence,
 * and codes outside the list are reported as unknown rather than crashing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "nara_error.h"

#define ALL_CODES(name, num, text) NARA_##name,
static const nara_err_t all_codes[] = {NARA_ERROR_MAP(ALL_CODES)};
#undef ALL_CODES
#define N_CODES (sizeof all_codes / sizeof all_codes[0])

static void every_code_has_a_distinct_name(void **state)
{
    (void)state;
    for (size_t a = 0; a < N_CODES; a++) {
        for (size_t b = a + 1; b < N_CODES; b++)
            assert_string_not_equal(nara_err_name(all_codes[a]), nara_err_name(all_codes[b]));
    }
}

static void every_name_is_the_nara_prefixed_symbol(void **state)
{
    (void)state;
    assert_string_equal(nara_err_name(NARA_OK), "NARA_OK");
    assert_string_equal(nara_err_name(NARA_SIGNATURE), "NARA_SIGNATURE");
    for (size_t k = 0; k < N_CODES; k++)
        assert_int_equal(strncmp(nara_err_name(all_codes[k]), "NARA_", 5), 0);
}

static void every_code_has_a_nonempty_sentence(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_CODES; k++) {
        const char *s = nara_strerror(all_codes[k]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown error");
    }
}

static void codes_are_numbered_densely_from_zero(void **state)
{
    (void)state;
    assert_int_equal(NARA_OK, 0);
    for (size_t k = 0; k < N_CODES; k++)
        assert_int_equal((int)all_codes[k], (int)k);
}

static void unknown_code_gives_unknown_error(void **state)
{
    (void)state;
    assert_string_equal(nara_strerror((nara_err_t)N_CODES), "unknown error");
    assert_string_equal(nara_strerror((nara_err_t)-1), "unknown error");
    assert_string_equal(nara_err_name((nara_err_t)9999), "NARA_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_a_distinct_name),
        cmocka_unit_test(every_name_is_the_nara_prefixed_symbol),
        cmocka_unit_test(every_code_has_a_nonempty_sentence),
        cmocka_unit_test(codes_are_numbered_densely_from_zero),
        cmocka_unit_test(unknown_code_gives_unknown_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
