/*
 * test_keyfile.c - device keys on disk: created private, never overwritten,
 * refused when others can read them, round-trip exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nara_keyfile.h"

static char *temp_path(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/nara-keyfile-%ld-XXXXXX", (long)getpid());
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    return path;
}

static void created_key_loads_back_identical(void **state)
{
    (void)state;
    char *path = temp_path();
    nara_keypair_t made, loaded;
    assert_int_equal(nara_keyfile_create(path, &made), NARA_OK);
    assert_int_equal(nara_keyfile_load(path, &loaded), NARA_OK);
    assert_memory_equal(made.pk, loaded.pk, sizeof made.pk);
    assert_memory_equal(made.sk, loaded.sk, sizeof made.sk);
    unlink(path);
}

static void created_key_file_is_private(void **state)
{
    (void)state;
    char *path = temp_path();
    struct stat st;
    assert_int_equal(nara_keyfile_create(path, NULL), NARA_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unlink(path);
}

static void existing_key_is_never_overwritten(void **state)
{
    (void)state;
    char *path = temp_path();
    nara_keypair_t first, again;
    assert_int_equal(nara_keyfile_create(path, &first), NARA_OK);
    assert_int_equal(nara_keyfile_create(path, NULL), NARA_INVAL);
    assert_int_equal(nara_keyfile_load(path, &again), NARA_OK);
    assert_memory_equal(first.pk, again.pk, sizeof first.pk);
    unlink(path);
}

static void key_readable_by_others_is_refused(void **state)
{
    (void)state;
    char *path = temp_path();
    nara_keypair_t kp;
    assert_int_equal(nara_keyfile_create(path, NULL), NARA_OK);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(nara_keyfile_load(path, &kp), NARA_INVAL);
    unlink(path);
}

static void missing_key_is_not_found(void **state)
{
    (void)state;
    nara_keypair_t kp;
    assert_int_equal(nara_keyfile_load("/tmp/nara-no-such-key-file", &kp), NARA_NOT_FOUND);
}

static void garbage_key_file_is_corrupt(void **state)
{
    (void)state;
    char *path = temp_path();
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a key\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    nara_keypair_t kp;
    assert_int_equal(nara_keyfile_load(path, &kp), NARA_CORRUPT);
    unlink(path);
}

static void hex32_parse_accepts_exactly_64_hex_digits(void **state)
{
    (void)state;
    uint8_t out[32];
    char hex[65];
    memset(hex, 'a', 64);
    hex[64] = '\0';
    assert_int_equal(nara_hex32_parse(hex, out), NARA_OK);
    assert_int_equal(out[0], 0xaa);
    hex[10] = 'g';
    assert_int_equal(nara_hex32_parse(hex, out), NARA_INVAL);
    assert_int_equal(nara_hex32_parse("abcd", out), NARA_INVAL);
    assert_int_equal(nara_hex32_parse(NULL, out), NARA_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(created_key_loads_back_identical),
        cmocka_unit_test(created_key_file_is_private),
        cmocka_unit_test(existing_key_is_never_overwritten),
        cmocka_unit_test(key_readable_by_others_is_refused),
        cmocka_unit_test(missing_key_is_not_found),
        cmocka_unit_test(garbage_key_file_is_corrupt),
        cmocka_unit_test(hex32_parse_accepts_exactly_64_hex_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
