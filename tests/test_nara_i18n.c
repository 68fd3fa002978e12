/*
 * test_nara_i18n.c - `nara` in Bahasa Indonesia: the client catalogue
 * (client/src/msgs.c) is complete in both languages, the locale variables
 * choose the language (LC_ALL, then LC_MESSAGES, then LANG), human output
 * follows it, and --json output is byte-identical whatever the locale.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/nara_run.h"
#include "msgs.h"

#ifndef NARA_PATH
#error "NARA_PATH must name the built nara binary"
#endif

static nr_result_t res;

#define NARA(db, ...) nr_nara(&res, NARA_PATH, (db), __VA_ARGS__, (const char *)NULL)

/* The printf conversions of a format, in order ("%s%llu..."), "%%" skipped. */
static void conversions(const char *fmt, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        while (*p && !strchr("sdiufcxp", *p) && n + 1 < cap)
            out[n++] = *p++;
        if (*p && n + 1 < cap)
            out[n++] = *p;
        if (!*p)
            break;
    }
    out[n] = '\0';
}

static void test_catalogue_complete(void **state)
{
    (void)state;
    for (int id = 0; id < NARA_MSG_COUNT; id++) {
        const char *en = nara_msg_in(NARA_LANG_EN, (nara_msg_id_t)id);
        const char *in = nara_msg_in(NARA_LANG_ID, (nara_msg_id_t)id);
        assert_non_null(en);
        assert_non_null(in);
        assert_true(en[0] != '\0');
        assert_true(in[0] != '\0');
        char ce[256], ci[256];
        conversions(en, ce, sizeof ce);
        conversions(in, ci, sizeof ci);
        assert_string_equal(ce, ci); /* same arguments in both languages */
    }
    /* Every library error code has an Indonesian sentence. */
#define ERR_HAS_TEXT(name, num, text)                                                              \
    assert_non_null(nara_err_text_in(NARA_LANG_ID, NARA_##name));                                  \
    assert_true(nara_err_text_in(NARA_LANG_ID, NARA_##name)[0] != '\0');                           \
    assert_string_equal(nara_err_text_in(NARA_LANG_EN, NARA_##name), text);
    NARA_ERROR_MAP(ERR_HAS_TEXT)
#undef ERR_HAS_TEXT
    assert_null(nara_msg_in(NARA_LANG_EN, NARA_MSG_COUNT));
    assert_null(nara_msg_in(NARA_LANG_COUNT, 0));
}

/* An Indonesian entry that merely copies the English one is a forgotten
 * translation; only these are the same words in both languages. */
static void test_catalogue_is_translated(void **state)
{
    (void)state;
    static const nara_msg_id_t same[] = {NARA_MSG_COL_LO, NARA_MSG_COL_STATUS,
                                         NARA_MSG_ERR_REGIONS_FILE};
    for (int id = 0; id < NARA_MSG_COUNT; id++) {
        bool allowed = false;
        for (size_t k = 0; k < sizeof same / sizeof same[0]; k++)
            allowed |= same[k] == (nara_msg_id_t)id;
        if (!allowed && strcmp(nara_msg_in(NARA_LANG_EN, (nara_msg_id_t)id),
                               nara_msg_in(NARA_LANG_ID, (nara_msg_id_t)id)) == 0)
            fail_msg("message %d is not translated: '%s'", id,
                     nara_msg_in(NARA_LANG_EN, (nara_msg_id_t)id));
    }
}

static void test_lang_choice(void **state)
{
    (void)state;
    assert_int_equal(nara_lang_from_env(NULL, NULL, NULL), NARA_LANG_EN);
    assert_int_equal(nara_lang_from_env(NULL, NULL, "id_ID.UTF-8"), NARA_LANG_ID);
    assert_int_equal(nara_lang_from_env(NULL, NULL, "id"), NARA_LANG_ID);
    assert_int_equal(nara_lang_from_env(NULL, NULL, "C"), NARA_LANG_EN);
    assert_int_equal(nara_lang_from_env(NULL, NULL, "en_US.UTF-8"), NARA_LANG_EN);
    assert_int_equal(nara_lang_from_env(NULL, NULL, "ida"), NARA_LANG_EN);
    assert_int_equal(nara_lang_from_env("", "", "id_ID"), NARA_LANG_ID);
    assert_int_equal(nara_lang_from_env(NULL, "id_ID.UTF-8", "C"), NARA_LANG_ID);
    assert_int_equal(nara_lang_from_env(NULL, "C", "id_ID.UTF-8"), NARA_LANG_EN);
    assert_int_equal(nara_lang_from_env("C", "id_ID", "id_ID"), NARA_LANG_EN);
    assert_int_equal(nara_lang_from_env("id_ID.UTF-8", "C", "C"), NARA_LANG_ID);
}

/* Every case status, event kind and role has an Indonesian word for human
 * output; English keeps the wire value (what --json and the options use). */
static void test_vocabulary_is_translated(void **state)
{
    (void)state;
    for (int st = 0; st < NARA_CASE_STATUS_COUNT; st++) {
        const char *in = nara_vocab_in(NARA_LANG_ID, NARA_VOCAB_STATUS, st);
        assert_non_null(in);
        assert_string_equal(nara_vocab_in(NARA_LANG_EN, NARA_VOCAB_STATUS, st),
                            nara_case_status_name((nara_case_status_t)st));
        assert_string_not_equal(in, nara_case_status_name((nara_case_status_t)st));
    }
    for (int k = 1; k < NARA_KIND_COUNT; k++) {
        const char *in = nara_vocab_in(NARA_LANG_ID, NARA_VOCAB_KIND, k);
        assert_non_null(in);
        assert_true(in[0] != '\0');
        assert_string_not_equal(in, nara_kind_name((nara_kind_t)k));
    }
    for (int r = 0; r < NARA_ROLE_COUNT; r++) {
        const char *in = nara_vocab_in(NARA_LANG_ID, NARA_VOCAB_ROLE, r);
        assert_non_null(in);
        assert_true(in[0] != '\0');
    }
    assert_null(nara_vocab_in(NARA_LANG_ID, NARA_VOCAB_STATUS, NARA_CASE_STATUS_COUNT));
}

/* Every audit finding kind has an Indonesian sentence taking its parameters
 * (one %s per letter of its shape), and every domain rule one taking the
 * event kind and its stream. */
static void test_audit_and_rule_sentences_are_complete(void **state)
{
    (void)state;
    char want[64], got[256];
    for (int k = 1; k < NARA_AUDIT_K_COUNT; k++) {
        const char *fmt = nara_audit_format_id((nara_audit_kind_t)k);
        const char *shape = nara_audit_kind_shape((nara_audit_kind_t)k);
        if (fmt == NULL)
            fail_msg("audit kind %d has no Indonesian sentence", k);
        want[0] = '\0';
        for (size_t i = 0; shape[i]; i++)
            strcat(want, "%s");
        conversions(fmt, got, sizeof got);
        assert_string_equal(got, want);
    }
#define RULE_HAS_TEXT(name, num, text)                                                             \
    assert_non_null(nara_rule_format_id(NARA_RULE_##name));                                        \
    conversions(nara_rule_format_id(NARA_RULE_##name), got, sizeof got);                           \
    assert_string_equal(got, "%s%s");
    NARA_RULE_MAP(RULE_HAS_TEXT)
#undef RULE_HAS_TEXT
}

/* Conflict kinds and the audit's checks are shown in Indonesian words;
 * English keeps the names. */
static void test_conflict_kinds_and_checks_have_words(void **state)
{
    (void)state;
    static const char *const kinds[] = {"lo-assign", "close-reopen", "note-after-resolve"};
    static const char *const checks[] = {
        "bundle",     "root",    "head",      "consistency", "inclusion", "event",
        "order",      "altered", "signature", "chain",       "receipt",   "completeness",
        "server-key", "fork",    "authority", "effect",      "backdated"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        assert_non_null(nara_conflict_kind_in(NARA_LANG_ID, kinds[i]));
        assert_string_equal(nara_conflict_kind_in(NARA_LANG_EN, kinds[i]), kinds[i]);
    }
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        assert_non_null(nara_audit_check_in(NARA_LANG_ID, checks[i]));
    assert_null(nara_audit_check_in(NARA_LANG_ID, "no-such-check"));
}

/* A region-list error of the core is reworded in Indonesian; a sentence the
 * catalogue does not know, and English, stay as given. */
static void test_region_list_errors_are_reworded(void **state)
{
    (void)state;
    char out[256];
    nara_regions_error_in(NARA_LANG_ID, "line 3: duplicate region code 32.01 (first on line 2)",
                          out, sizeof out);
    assert_string_equal(out, "baris 3: kode kabupaten/kota 32.01 ganda (yang pertama di baris 2)");
    nara_regions_error_in(NARA_LANG_ID, "missing province line", out, sizeof out);
    assert_string_equal(out, "baris provinsi tidak ada");
    nara_regions_error_in(NARA_LANG_ID, "line 2: something new", out, sizeof out);
    assert_string_equal(out, "baris 2: something new");
    nara_regions_error_in(NARA_LANG_EN, "missing province line", out, sizeof out);
    assert_string_equal(out, "missing province line");
}

/* ---- the binary under each locale ------------------------------------------ */

typedef struct {
    char dir[256], p[320], r[320], delta[320], id[65];
} fx_t;

static void set_lang(const char *lang)
{
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    if (lang)
        setenv("LANG", lang, 1);
    else
        unsetenv("LANG");
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    char root[65], rk[65];
    assert_non_null(f);
    set_lang(NULL);
    nr_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->p, sizeof f->p, "%s/province.db", f->dir);
    snprintf(f->r, sizeof f->r, "%s/bogor.db", f->dir);
    snprintf(f->delta, sizeof f->delta, "%s/carry.delta", f->dir);
    assert_int_equal(NARA(f->p, "province", "init"), 0);
    assert_int_equal(NARA(f->p, "key"), 0);
    memcpy(root, res.out, 64);
    root[64] = '\0';
    assert_int_equal(NARA(f->r, "init", "--root", root), 0);
    assert_int_equal(NARA(f->r, "key"), 0);
    memcpy(rk, res.out, 64);
    rk[64] = '\0';
    assert_int_equal(NARA(f->p, "enroll", "--device", rk, "--role", "regency", "--scope", "32.01",
                          "--name", "Pemkab Bogor"),
                     0);
    assert_int_equal(NARA(f->p, "export", "--all", "--out", f->delta), 0);
    assert_int_equal(NARA(f->r, "import", f->delta), 0);
    assert_int_equal(NARA(f->r, "--json", "case", "open", "--region", "32.01", "--category",
                          "pembangunan", "--function", "koordinasi", "--title", "Jembatan rusak",
                          "--description", "Akses dua desa terputus", "--priority", "tinggi"),
                     0);
    assert_true(nr_json_str(res.out, "id", f->id, sizeof f->id));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    set_lang(NULL);
    nr_rmdir(f->dir);
    free(f);
    return 0;
}

static void expect_out(const char *needle)
{
    if (strstr(res.out, needle) == NULL)
        fail_msg("'%s' not in output:\n%s", needle, res.out);
}

static void expect_err(const char *needle)
{
    if (strstr(res.err, needle) == NULL)
        fail_msg("'%s' not in stderr:\n%s", needle, res.err);
}

/* English that must not be left in the output. */
static void expect_out_not(const char *english)
{
    if (strstr(res.out, english))
        fail_msg("'%s' still in output:\n%s", english, res.out);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_indonesian(void **state)
{
    fx_t *f = *state;
    set_lang("id_ID.UTF-8");
    assert_int_equal(NARA(f->r, "report", "--as-of", "2026-03-01T00:00Z"), 0);
    expect_out("Laporan Jawa Barat per 2026-03-01T00:00:00Z");
    expect_out("1x24 jam");
    expect_out("Kabupaten/Kota");
    assert_int_equal(NARA(f->r, "status"), 0);
    expect_out("Perangkat ");
    expect_out("Sinkronisasi terakhir belum pernah");
    expect_out("(belum ada)");
    assert_int_equal(NARA(f->r, "case", "show", f->id), 0);
    expect_out("Persoalan ");
    expect_out("wilayah 32.01");
    expect_out("prioritas tinggi");
    expect_out("dibuka ");
    expect_out("Riwayat tindak lanjut:");
    assert_int_equal(NARA(f->r, "status", "--bogus"), 1);
    expect_err("opsi '--bogus' tidak dikenal");
    assert_int_equal(NARA(f->r, "frobnicate"), 1);
    expect_err("perintah 'frobnicate' tidak dikenal");
    assert_int_equal(NARA(f->r, "case", "show", "00000000"), 1);
    expect_err("persoalan 00000000 tidak ada di replika ini");
    assert_int_equal(NARA(f->r, "--help"), 0);
    expect_out("penggunaan: nara");
    expect_out("ajukan persoalan / kendala");
    /* LC_ALL wins over LANG, LC_MESSAGES over LANG. */
    setenv("LC_ALL", "C", 1);
    assert_int_equal(NARA(f->r, "status", "--bogus"), 1);
    expect_err("unknown option '--bogus'");
    unsetenv("LC_ALL");
    setenv("LANG", "C", 1);
    setenv("LC_MESSAGES", "id_ID.UTF-8", 1);
    assert_int_equal(NARA(f->r, "status", "--bogus"), 1);
    expect_err("opsi '--bogus' tidak dikenal");
}

static void english(const fx_t *f)
{
    assert_int_equal(NARA(f->r, "report", "--as-of", "2026-03-01T00:00Z"), 0);
    expect_out("Report of Jawa Barat as of 2026-03-01T00:00:00Z");
    expect_out("Median ack");
    assert_int_equal(NARA(f->r, "status"), 0);
    expect_out("Device ");
    expect_out("Last sync never");
    assert_int_equal(NARA(f->r, "case", "show", f->id), 0);
    expect_out("Case ");
    expect_out("region 32.01");
    expect_out("Timeline:");
    assert_int_equal(NARA(f->r, "status", "--bogus"), 1);
    expect_err("unknown option '--bogus'");
}

static void test_english(void **state)
{
    fx_t *f = *state;
    set_lang("C");
    english(f);
    set_lang(NULL);
    english(f);
    set_lang("en_US.UTF-8");
    english(f);
}

/* ---- views, validation, files and sync under each locale ------------------ */

/* Run nara on the fixture's regency replica under `lang`. */
#define NARA_IN(lang, f, ...) (set_lang(lang), NARA((f)->r, __VA_ARGS__))

static void test_case_list_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "case", "list"), 0);
    expect_out("Kode   Status       Prioritas Dibuka");
    expect_out("Judul");
    expect_out("Jembatan rusak");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "case", "list", "--status", "closed"), 0);
    expect_out("Tidak ada persoalan.");
}

static void test_case_list_is_english_otherwise(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("C", f, "case", "list"), 0);
    expect_out("Region Status       Priority  Opened");
    expect_out("Title");
    assert_int_equal(NARA_IN("C", f, "case", "list", "--status", "closed"), 0);
    expect_out("No cases.");
}

static void test_devices_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "devices"), 0);
    expect_out("Kunci");
    expect_out("Peran       Cakupan");
    expect_out("Pemkab Bogor");
}

static void test_devices_is_english_otherwise(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("C", f, "devices"), 0);
    expect_out("Role        Scope");
    expect_out("Since");
}

static void test_lo_show_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "lo", "show", "--region", "32.01"), 0);
    expect_out("Pejabat");
    expect_out("(belum ada LO)");
    expect_out("Riwayat penugasan LO 32.01:");
}

static void test_quarantine_and_conflicts_are_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "quarantine"), 0);
    expect_out("Ditolak penyimpanan (tidak masuk log):");
    expect_out("Ada di log tetapi tanpa efek");
    expect_out("(tidak ada)");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "conflicts"), 0);
    expect_out("Tidak ada konflik.");
}

static void test_validation_errors_are_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    const char *id = "id_ID.UTF-8";
    assert_int_equal(NARA_IN(id, f, "case", "open", "--region", "32.01", "--category", "gossip",
                             "--function", "koordinasi", "--title", "T", "--description", "D",
                             "--priority", "tinggi"),
                     1);
    expect_err("--category: nilai 'gossip' tidak dikenal (salah satu dari: pembangunan");
    assert_int_equal(NARA_IN(id, f, "case", "list", "--region", "99.99"), 1);
    expect_err("--region: '99.99' bukan kabupaten/kota di Jawa Barat");
    assert_int_equal(
        NARA_IN(id, f, "case", "action", f->id, "--what", "W", "--who", "P", "--due", "2026-02-30"),
        1);
    expect_err("--due: '2026-02-30' bukan tanggal");
    assert_int_equal(NARA_IN(id, f, "case", "note", f->id), 1);
    expect_err("opsi --text wajib diberikan");
    assert_int_equal(
        NARA_IN(id, f, "enroll", "--device", "abc", "--role", "lo", "--scope", "*", "--name", "N"),
        1);
    expect_err("--device: 'abc' bukan heksadesimal yang sah");
    assert_int_equal(NARA_IN(id, f, "report", "--as-of", "kemarin"), 1);
    expect_err("--as-of: 'kemarin' bukan waktu");
}

static void test_validation_errors_are_english_otherwise(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("C", f, "case", "list", "--region", "99.99"), 1);
    expect_err("--region: '99.99' is not a region of Jawa Barat");
    assert_int_equal(NARA_IN("C", f, "case", "note", f->id), 1);
    expect_err("missing --text");
}

static void test_delta_files_are_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    char bad[320];
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "export", "--all", "--out", f->delta), 0);
    expect_out("catatan (");
    expect_out("diekspor ke");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "import", f->delta), 0);
    expect_out("catatan diimpor:");
    expect_out("sudah dimiliki");
    snprintf(bad, sizeof bad, "%s/bad.delta", f->dir);
    write_text(bad, "not a delta file at all\n");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "import", bad), 1);
    expect_err("bukan berkas delta Naradamping");
}

static void test_audit_report_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    char bundle[320];
    snprintf(bundle, sizeof bundle, "%s/bogor.bundle", f->dir);
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "export-bundle", "--out", bundle), 0);
    expect_out("Periksa dengan: nara audit");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "audit", bundle), 0);
    expect_out("TERVERIFIKASI");
    expect_out("akar provinsi");
    expect_out("diambil dari paket");
}

static void test_sync_failure_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "sync", "--server", "http://x"), 1);
    expect_err("--server: 'http://x' bukan URL ws:// atau wss://");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "sync", "--server", "ws://127.0.0.1:1"), 3);
    expect_out("Sinkronisasi dengan ws://127.0.0.1:1: gagal");
    expect_err("tidak dapat terhubung ke 127.0.0.1:1");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "status"), 0);
    expect_out("          terkirim 0, dikonfirmasi 0");
}

static void test_case_status_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "case", "list"), 0);
    expect_out("  terbuka ");
    expect_out_not(" open ");
}

static void test_case_status_is_the_wire_value_otherwise(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("C", f, "case", "list"), 0);
    expect_out("  open ");
}

static void test_event_kinds_are_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "case", "show", f->id), 0);
    expect_out("  pembukaan ");
    expect_out_not("case.open");
}

static void test_roles_are_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "devices"), 0);
    expect_out("  kab/kota ");
    expect_out_not("regency");
}

/* The fixture's bundle with the case's title changed after it was signed. */
static void tampered_bundle(const fx_t *f, char *bundle, size_t cap)
{
    static char buf[1 << 16];
    snprintf(bundle, cap, "%s/tampered.bundle", f->dir);
    assert_int_equal(NARA_IN("C", f, "export-bundle", "--out", bundle), 0);
    FILE *fp = fopen(bundle, "r+b");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof buf, fp);
    size_t at = 0;
    while (at + 14 <= n && memcmp(buf + at, "Jembatan rusak", 14) != 0)
        at++;
    assert_true(at + 14 <= n);
    assert_int_equal(fseek(fp, (long)at, SEEK_SET), 0); /* "Kembatan rusak" */
    assert_int_equal(fputc('K', fp), 'K');
    fclose(fp);
}

/* A tampered bundle: the audit names the broken signature in Indonesian, not
 * with the core's English sentence. */
static void test_audit_finding_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    char bundle[320];
    tampered_bundle(f, bundle, sizeof bundle);
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "audit", bundle), 4);
    expect_out("GAGAL");
    expect_out("tanda tangan catatan tidak sah untuk kunci penulisnya");
    expect_out("(NARA_SIGNATURE)");
    expect_out_not("does not verify");
}

/* The audit of a tampered bundle: --json keeps the core's English reasons
 * whatever the locale. */
static void test_audit_json_is_the_same_under_id_locale(void **state)
{
    fx_t *f = *state;
    char bundle[320];
    static char en[NR_OUT_MAX];
    tampered_bundle(f, bundle, sizeof bundle);
    assert_int_equal(NARA_IN("C", f, "--json", "audit", bundle), 4);
    memcpy(en, res.out, sizeof en);
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "--json", "audit", bundle), 4);
    assert_string_equal(en, res.out);
    expect_out("does not verify under its author's key");
}

/* An event without effect (a regency may not acknowledge): the rule is
 * explained in Indonesian in `quarantine`. */
static void test_quarantine_reason_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("C", f, "case", "ack", f->id), 0);
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "quarantine"), 0);
    expect_out("tanggapan ");
    expect_out("peran penulis tidak berwenang menulis tanggapan di 32.01");
    expect_out_not("may not write");
}

/* A library error: the Indonesian sentence precedes the NARA_* name. */
static void test_error_sentence_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    char key[340];
    snprintf(key, sizeof key, "%s.key", f->r);
    write_text(key, "nara-key-v1 zz\n");
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "status"), 5);
    expect_err("berkas penyimpanan rusak atau bukan replika Naradamping (NARA_CORRUPT)");
}

/* The reason of a failed sync is stored with its Indonesian words too:
 * `status` shows them under an Indonesian locale, even after an English run. */
static void test_last_sync_reason_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    assert_int_equal(NARA_IN("C", f, "sync", "--server", "ws://127.0.0.1:1"), 3);
    assert_int_equal(NARA_IN("id_ID.UTF-8", f, "status"), 0);
    expect_out(": gagal: tidak dapat terhubung ke 127.0.0.1:1");
    assert_int_equal(NARA_IN("C", f, "status"), 0);
    expect_out(": failed: could not connect to 127.0.0.1:1");
}

static void test_region_list_error_is_indonesian_under_id_locale(void **state)
{
    fx_t *f = *state;
    char tsv[320], db[320];
    snprintf(tsv, sizeof tsv, "%s/bad.tsv", f->dir);
    snprintf(db, sizeof db, "%s/other.db", f->dir);
    write_text(tsv, "32.01\tkabupaten\tBogor\n");
    set_lang("id_ID.UTF-8");
    assert_int_equal(NARA(db, "province", "init", "--regions", tsv), 1);
    expect_err("baris 1: baris kabupaten/kota sebelum baris provinsi");
}

/* --json is byte-identical under both locales, errors included. */
static void test_json_same(void **state)
{
    fx_t *f = *state;
    static char en[NR_OUT_MAX];
    const char *const cmds[][4] = {
        {"report", "--as-of", "2026-03-01T00:00Z", NULL},
        {"status", NULL},
        {"case", "show", NULL, NULL},
        {"case", "list", NULL},
        {"status", "--bogus", NULL},
        {"frobnicate", NULL},
        {"case", "show", "00000000", NULL},
        {"devices", NULL},
        {"lo", "show", NULL},
        {"quarantine", NULL},
        {"conflicts", NULL},
        {"case", "list", "--region", "99.99"},
        {"case", "note", "00000000", NULL},
        {"report", "--as-of", "kemarin", NULL},
        {"sync", "--server", "http://x", NULL},
        {"audit", "--with", "x", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *a0 = cmds[i][0], *a1 = cmds[i][1], *a2 = cmds[i][2];
        const char *a3 = a2 ? cmds[i][3] : NULL;
        if (i == 2)
            a2 = f->id;
        set_lang("C");
        int rc_en = NARA(f->r, "--json", a0, a1, a2, a3);
        memcpy(en, res.out, sizeof en);
        set_lang("id_ID.UTF-8");
        int rc_id = NARA(f->r, "--json", a0, a1, a2, a3);
        assert_int_equal(rc_en, rc_id);
        assert_true(res.out[0] == '{');
        assert_string_equal(en, res.out);
    }
}

/* Every command's --help body, in Indonesian and in English. */
static const char *const help_cmds[][3] = {
    {"case", "open", "Ajukan persoalan / kendala di suatu kabupaten/kota"},
    {"case", "list", "Daftar persoalan menurut urutan pengajuan"},
    {"case", "escalate", "Eskalasi persoalan kepada Sekretaris Daerah"},
    {"lo", "assign", "Pejabat Penghubung (LO, Naradamping)"},
    {"devices", NULL, "Daftar semua perangkat terdaftar"},
    {"sync", NULL, "Sinkronisasi dengan server provinsi (narad) melalui WebSocket"},
    {"receipts", NULL, "Daftar tanda terima dari server provinsi"},
    {"audit", NULL, "Verifikasi riwayat provinsi secara luring"},
    {"export", NULL, "Tulis berkas delta"},
};

static const char *const help_en[] = {
    "Open a case (persoalan / kendala) in a region",
    "List cases in opening order",
    "Escalate a case to the Regional Secretary",
    "Make an agency head Liaison Officer",
    "List every enrolled device",
    "Sync with the provincial server (narad) over WebSocket",
    "List what the province server has signed for",
    "Verify a province's history offline",
    "Write a delta file of signed events",
};

static int help_of(const char *const *cmd)
{
    if (cmd[1])
        return nr_nara(&res, NARA_PATH, NULL, cmd[0], cmd[1], "--help", (const char *)NULL);
    return nr_nara(&res, NARA_PATH, NULL, cmd[0], "--help", (const char *)NULL);
}

static void test_help_is_indonesian_under_id_locale(void **state)
{
    (void)state;
    set_lang("id_ID.UTF-8");
    for (size_t i = 0; i < sizeof help_cmds / sizeof help_cmds[0]; i++) {
        assert_int_equal(help_of(help_cmds[i]), 0);
        expect_out("penggunaan: nara ");
        expect_out(help_cmds[i][2]);
        expect_out("Contoh:\n");
        expect_out("Opsi umum:");
    }
    set_lang(NULL);
}

static void test_help_is_english_otherwise(void **state)
{
    (void)state;
    set_lang("C");
    for (size_t i = 0; i < sizeof help_cmds / sizeof help_cmds[0]; i++) {
        assert_int_equal(help_of(help_cmds[i]), 0);
        expect_out("usage: nara ");
        expect_out(help_en[i]);
        expect_out("Example:\n");
        if (strstr(res.out, help_cmds[i][2]))
            fail_msg("Indonesian '%s' in English help", help_cmds[i][2]);
    }
    set_lang(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_complete),
        cmocka_unit_test(test_catalogue_is_translated),
        cmocka_unit_test(test_lang_choice),
        cmocka_unit_test(test_vocabulary_is_translated),
        cmocka_unit_test(test_audit_and_rule_sentences_are_complete),
        cmocka_unit_test(test_conflict_kinds_and_checks_have_words),
        cmocka_unit_test(test_region_list_errors_are_reworded),
        cmocka_unit_test(test_help_is_indonesian_under_id_locale),
        cmocka_unit_test(test_help_is_english_otherwise),
        cmocka_unit_test_setup_teardown(test_indonesian, setup, teardown),
        cmocka_unit_test_setup_teardown(test_english, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_list_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_case_list_is_english_otherwise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_devices_is_english_otherwise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lo_show_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_quarantine_and_conflicts_are_indonesian_under_id_locale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_errors_are_indonesian_under_id_locale,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_errors_are_english_otherwise, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delta_files_are_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_report_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync_failure_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_case_status_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_case_status_is_the_wire_value_otherwise, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_event_kinds_are_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_roles_are_indonesian_under_id_locale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_finding_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_json_is_the_same_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_quarantine_reason_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_error_sentence_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_last_sync_reason_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_region_list_error_is_indonesian_under_id_locale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_same, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
