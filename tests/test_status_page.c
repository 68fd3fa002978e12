/*
 * test_status_page.c - narad's status page end to end: a province written
 * in-process with the domain API (LOs, cases overdue, acknowledged and
 * escalated, devices), narad serving it on 127.0.0.1, one regency syncing
 * live (`nara sync --watch`) and one that synced once and left; then
 * /status.json values, the HTML in English and Bahasa Indonesia, escaping,
 * headers, and the page in headless Chromium (screenshot and DOM after the
 * script's live refresh).
 *
 * The catalogue (server/src/status_msgs.c) is compiled in and checked
 * directly: every message in both languages, the Accept-Language choice.
 *
 * Chromium is optional: without it the browser test is skipped (cmocka
 * skip) and the rest still runs.  NARA_CHROMIUM names another binary.  The
 * screenshots are kept in the build directory (STATUS_SHOT_DIR):
 * status-page.png (English) and status-page-id.png (Indonesian).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "e2e/nara_run.h"
#include "nara_domain.h"
#include "nara_keyfile.h"
#include "status_msgs.h"

#if !defined(NARA_PATH) || !defined(NARAD_PATH) || !defined(STATUS_SHOT_DIR)
#error "NARA_PATH, NARAD_PATH and STATUS_SHOT_DIR must be defined"
#endif

#define HOUR_MS (3600u * 1000u)
#define DEADLINE_MS 15000
/* A case title with every character HTML and JSON must escape. */
#define ODD_TITLE "Jalan \"Ciawi-Megamendung\" rusak & longsor <km 12>"

static nr_result_t res;

/* ---- the fixture: one province, narad, two syncing devices ---------------- */

typedef struct {
    char dir[256], db[320], key[320], port_file[320], log[320];
    char bogor[320], sukabumi[320], watch_log[320];
    char root_hex[65], bogor_hex[65], sukabumi_hex[65];
    nara_keypair_t root;
    pid_t narad, watch;
    int port;
} fx_t;

static fx_t fx;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#define NARA(db, ...) nr_nara(&res, NARA_PATH, (db), __VA_ARGS__, (const char *)NULL)

/* A replica made by `nara init`; its device key into hex. */
static void cli_device(const char *db, char hex[65])
{
    assert_int_equal(NARA(db, "init", "--root", fx.root_hex), 0);
    assert_int_equal(NARA(db, "key"), 0);
    memcpy(hex, res.out, 64);
    hex[64] = '\0';
}

static void enrol(nara_domain_t *d, const uint8_t pk[32], nara_role_t role, const char *scope,
                  const char *name, const char *agency, uint64_t t)
{
    const char *codes[] = {scope};
    nara_enroll_params_t p = {.device = pk,
                              .role = role,
                              .scope_all = scope == NULL,
                              .scope = codes,
                              .n_scope = scope ? 1 : 0,
                              .name = name,
                              .agency = agency};
    assert_int_equal(nara_device_enroll(d, &fx.root, &p, t, NULL), NARA_OK);
}

static void assign(nara_domain_t *d, const char *region, const char *officer, const char *agency,
                   const uint8_t *device, uint64_t t)
{
    nara_lo_assign_params_t p = {.region = region,
                                 .agency = agency,
                                 .officer = officer,
                                 .device = device,
                                 .decree = "800/Kep.123-Org/2026",
                                 .effective = "2026-01-10"};
    assert_int_equal(nara_lo_assign(d, &fx.root, &p, t, NULL), NARA_OK);
}

static void open_case(nara_domain_t *d, const nara_keypair_t *kp, const char *region,
                      const char *category, const char *function, const char *title, uint64_t t,
                      uint8_t id[NARA_ID_BYTES])
{
    nara_case_open_params_t p = {.region = region,
                                 .category = category,
                                 .function = function,
                                 .title = title,
                                 .description = "Laporan dari kabupaten/kota.",
                                 .priority = "tinggi"};
    assert_int_equal(nara_case_open(d, kp, &p, t, id), NARA_OK);
}

/* The province, written oldest event first (the clock never goes back):
 * 21 events.  32.01: 4 pending, 1 overdue, 2 escalated (to Sekda, and to
 * the Governor with ODD_TITLE); 32.73: 1 pending, overdue. */
static void write_province(void)
{
    nara_store_t *s;
    nara_domain_t *d;
    nara_keypair_t reg_bogor, reg_bandung, lo_bogor, lo_bandung, sekda;
    uint8_t pk_bogor[32], pk_sukabumi[32], c1[32], c2[32], c3[32], c4[32], c5[32], doc[32];
    nara_keypair_t *kps[] = {&reg_bogor, &reg_bandung, &lo_bogor, &lo_bandung, &sekda};
    for (size_t i = 0; i < sizeof kps / sizeof kps[0]; i++)
        assert_int_equal(nara_keypair_generate(kps[i]), NARA_OK);
    assert_int_equal(nara_hex32_parse(fx.bogor_hex, pk_bogor), NARA_OK);
    assert_int_equal(nara_hex32_parse(fx.sukabumi_hex, pk_sukabumi), NARA_OK);
    uint64_t now = now_ms();
    assert_int_equal(nara_store_open(fx.db, &s), NARA_OK);
    assert_int_equal(nara_domain_open(s, fx.root.pk, NULL, &d), NARA_OK);
    uint64_t t = now - 96 * HOUR_MS;
    enrol(d, pk_bogor, NARA_ROLE_REGENCY, "32.01", "Pemkab Bogor", "Bappeda", t);
    enrol(d, pk_sukabumi, NARA_ROLE_REGENCY, "32.02", "Pemkab Sukabumi", "", t + 1);
    enrol(d, reg_bogor.pk, NARA_ROLE_REGENCY, "32.01", "Bappeda Kab. Bogor", "Bappeda", t + 2);
    enrol(d, reg_bandung.pk, NARA_ROLE_REGENCY, "32.73", "Pemkot Bandung", "DPUPR", t + 3);
    enrol(d, lo_bogor.pk, NARA_ROLE_LO, "32.01", "LO Bogor", "Dinas Kesehatan", t + 4);
    enrol(d, lo_bandung.pk, NARA_ROLE_LO, "32.73", "LO Kota Bandung", "Dinas PUPR", t + 5);
    enrol(d, sekda.pk, NARA_ROLE_SECRETARIAT, NULL, "Sekretariat Daerah", "Setda Jabar", t + 6);
    memset(doc, 0x5a, sizeof doc);
    nara_decree_params_t dp = {.number = "800/Kep.123-Org/2026",
                               .date = "2026-01-05",
                               .doc_hash = doc,
                               .effective = "2026-01-10",
                               .title = "Penunjukan Naradamping"};
    assert_int_equal(nara_decree_record(d, &fx.root, &dp, t + 9, NULL), NARA_OK);
    assign(d, "32.01", "dr. Siti Rahmawati, M.Kes", "Dinas Kesehatan", lo_bogor.pk, t + 10);
    assign(d, "32.73", "Ir. Budi Santoso", "Dinas PUPR", lo_bandung.pk, t + 11);
    assign(d, "32.04", "Dra. Ratna Dewi", "Dinas Sosial", NULL, t + 12);
    open_case(d, &reg_bandung, "32.73", "pembangunan", "fasilitasi",
              "Drainase tersumbat di Cicadas", now - 72 * HOUR_MS, c4);
    open_case(d, &reg_bogor, "32.01", "sosial", "koordinasi", "Banjir bandang di Cisarua",
              now - 50 * HOUR_MS, c3);
    assert_int_equal(nara_case_ack(d, &lo_bogor, c3, NULL, now - 40 * HOUR_MS, NULL), NARA_OK);
    open_case(d, &reg_bogor, "32.01", "sosial", "fasilitasi", "Pengungsi butuh air bersih",
              now - 30 * HOUR_MS, c5);
    open_case(d, &reg_bogor, "32.01", "pembangunan", "fasilitasi", ODD_TITLE, now - 28 * HOUR_MS,
              c1);
    assert_int_equal(nara_case_ack(d, &lo_bogor, c1, NULL, now - 26 * HOUR_MS, NULL), NARA_OK);
    assert_int_equal(nara_case_escalate(d, &lo_bogor, c3, NULL, "sekda", "Butuh anggaran provinsi",
                                        now - 20 * HOUR_MS, NULL),
                     NARA_OK);
    assert_int_equal(nara_case_escalate(d, &lo_bogor, c1, NULL, "gubernur", "Jalan provinsi",
                                        now - 10 * HOUR_MS, NULL),
                     NARA_OK);
    open_case(d, &reg_bogor, "32.01", "rpjmd", "sinkronisasi", "Sinkronisasi program stunting",
              now - 6 * HOUR_MS, c2);
    assert_int_equal(nara_case_ack(d, &lo_bogor, c2, NULL, now - 5 * HOUR_MS, NULL), NARA_OK);
    nara_domain_close(d);
    nara_store_close(s);
    for (size_t i = 0; i < sizeof kps / sizeof kps[0]; i++)
        nara_keypair_wipe(kps[i]);
}

static void server_url(char *out, size_t cap)
{
    snprintf(out, cap, "ws://127.0.0.1:%d", fx.port);
}

/* ---- HTTP ------------------------------------------------------------------ */

#define RESP_MAX (512 * 1024)
static char resp[RESP_MAX];

/* GET path with an optional extra header line; the whole response (headers
 * and body) in resp; returns the status code, *body at the body. */
static int http_get(const char *path, const char *header, const char **body)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[512];
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s%s\r\n", path,
                       header ? header : "", header ? "\r\n" : "");
    assert_int_equal(write(fd, req, (size_t)len), len);
    size_t got = 0;
    ssize_t r;
    while (got < sizeof resp - 1 && (r = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    resp[got] = '\0';
    int status = 0;
    assert_int_equal(sscanf(resp, "HTTP/1.%*d %d", &status), 1);
    const char *b = strstr(resp, "\r\n\r\n");
    *body = b ? b + 4 : "";
    return status;
}

/* The JSON object of one region or device: from its opening to its '}'. */
static void json_object(const char *json, const char *opening, char *out, size_t cap)
{
    const char *p = strstr(json, opening);
    if (!p)
        fail_msg("no %s in /status.json", opening);
    const char *end = strchr(p, '}');
    if (end && end[1] == ',' && p[1] == '"' && strncmp(p, "{\"code\"", 7) == 0)
        end = strchr(end + 1, '}'); /* a region's "lo" object closes first */
    size_t n = end ? (size_t)(end - p + 1) : strlen(p);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void region_json(const char *json, const char *code, char *out, size_t cap)
{
    char opening[64];
    snprintf(opening, sizeof opening, "{\"code\":\"%s\"", code);
    json_object(json, opening, out, cap);
}

static void device_json(const char *json, const char *hex, char *out, size_t cap)
{
    char opening[96];
    snprintf(opening, sizeof opening, "{\"key\":\"%s\"", hex);
    json_object(json, opening, out, cap);
}

/* Poll /status.json until `region`'s last sync is known and the device
 * `hex` is (dis)connected as wanted. */
static void wait_seen(const char *region, const char *hex, bool connected)
{
    char obj[2048];
    const char *body;
    for (int waited = 0;; waited += 100) {
        assert_int_equal(http_get("/status.json", NULL, &body), 200);
        region_json(body, region, obj, sizeof obj);
        bool seen = nr_json_int(obj, "last_sync_ms") > 0;
        device_json(body, hex, obj, sizeof obj);
        bool conn = strstr(obj, connected ? "\"connected\":true" : "\"connected\":false") != NULL;
        if (seen && conn && nr_json_int(obj, "last_sync_ms") > 0)
            return;
        if (waited > DEADLINE_MS)
            fail_msg("region %s / device %.8s not seen as %s; see %s", region, hex,
                     connected ? "connected" : "synced", fx.log);
        nr_sleep_ms(100);
    }
}

static int group_setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    nr_tmpdir(fx.dir, sizeof fx.dir);
    snprintf(fx.db, sizeof fx.db, "%s/province.db", fx.dir);
    snprintf(fx.key, sizeof fx.key, "%s/server.key", fx.dir);
    snprintf(fx.port_file, sizeof fx.port_file, "%s/port", fx.dir);
    snprintf(fx.log, sizeof fx.log, "%s/narad.log", fx.dir);
    snprintf(fx.bogor, sizeof fx.bogor, "%s/bogor.db", fx.dir);
    snprintf(fx.sukabumi, sizeof fx.sukabumi, "%s/sukabumi.db", fx.dir);
    snprintf(fx.watch_log, sizeof fx.watch_log, "%s/watch.log", fx.dir);
    assert_int_equal(nara_keypair_generate(&fx.root), NARA_OK);
    nara_hex(fx.root.pk, sizeof fx.root.pk, fx.root_hex);
    nara_keypair_t server;
    assert_int_equal(nara_keyfile_create(fx.key, &server), NARA_OK);
    nara_keypair_wipe(&server);
    cli_device(fx.bogor, fx.bogor_hex);
    cli_device(fx.sukabumi, fx.sukabumi_hex);
    write_province();

    const char *argv[] = {NARAD_PATH, "serve",       "--db",       fx.db,    "--key",
                          fx.key,     "--root",      fx.root_hex,  "--port", "0",
                          "--plain",  "--port-file", fx.port_file, NULL};
    fx.narad = nr_spawn(argv, fx.log);
    fx.port = nr_wait_port(fx.port_file, DEADLINE_MS);
    assert_true(fx.port > 0);

    /* Sukabumi syncs once and leaves; Bogor stays connected. */
    char url[64];
    server_url(url, sizeof url);
    assert_int_equal(NARA(fx.sukabumi, "sync", "--server", url), 0);
    const char *watch[] = {NARA_PATH, "--db", fx.bogor, "sync", "--server", url, "--watch", NULL};
    fx.watch = nr_spawn(watch, fx.watch_log);
    wait_seen("32.02", fx.sukabumi_hex, false);
    wait_seen("32.01", fx.bogor_hex, true);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (fx.watch > 0)
        nr_stop(fx.watch, SIGTERM, 5000);
    if (fx.narad > 0)
        assert_int_equal(nr_stop(fx.narad, SIGTERM, 10000), 0);
    nara_keypair_wipe(&fx.root);
    if (!getenv("NARAD_TEST_KEEP"))
        nr_rmdir(fx.dir);
    else
        fprintf(stderr, "kept %s\n", fx.dir);
    return 0;
}

/* ---- the catalogue --------------------------------------------------------- */

static void test_catalogue(void **state)
{
    (void)state;
    for (int i = 0; i < NARAD_MSG_COUNT; i++) {
        const char *name = narad__msg_name((narad_msg_t)i);
        assert_true(name[0]);
        for (int l = 0; l < NARAD_LANG_COUNT; l++)
            if (!narad__msg((narad_lang_t)l, (narad_msg_t)i)[0])
                fail_msg("message %s is missing in %s", name, narad__lang_code((narad_lang_t)l));
    }
    assert_string_equal(narad__msg(NARAD_LANG_ID, NARAD_MSG_TO_SEKDA), "Sekda");
    assert_non_null(strstr(narad__msg(NARAD_LANG_ID, NARAD_MSG_T_OVERDUE), "1x24 jam"));

    static const struct {
        const char *query, *al;
        narad_lang_t want;
    } cases[] = {
        {NULL, NULL, NARAD_LANG_EN},
        {NULL, "", NARAD_LANG_EN},
        {NULL, "id", NARAD_LANG_ID},
        {NULL, "id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7", NARAD_LANG_ID},
        {NULL, "en-US,en;q=0.9,id;q=0.8", NARAD_LANG_EN},
        {NULL, "fr-FR, id;q=0.5", NARAD_LANG_ID},
        {NULL, "in", NARAD_LANG_ID},
        {NULL, "en;q=0, id;q=0.1", NARAD_LANG_ID},
        {NULL, "de, fr;q=0.8", NARAD_LANG_EN},
        {NULL, "ID-id ; q=1", NARAD_LANG_ID},
        {NULL, "indonesian", NARAD_LANG_EN},
        {"id", "en", NARAD_LANG_ID},
        {"en", "id-ID", NARAD_LANG_EN},
        {"xx", "id-ID", NARAD_LANG_ID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (narad__lang_pick(cases[i].query, cases[i].al) != cases[i].want)
            fail_msg("lang_pick(%s, %s) is not %s", cases[i].query ? cases[i].query : "NULL",
                     cases[i].al ? cases[i].al : "NULL", narad__lang_code(cases[i].want));
}

/* ---- /status.json ---------------------------------------------------------- */

static void test_status_json(void **state)
{
    (void)state;
    const char *body;
    char obj[2048], s[128];
    assert_int_equal(http_get("/status.json", NULL, &body), 200);
    assert_non_null(strstr(resp, "content-type: application/json"));

    assert_true(nr_json_str(body, "name", s, sizeof s));
    assert_string_equal(s, "Jawa Barat");
    assert_int_equal(nr_count(body, "{\"code\":\"32."), 27);
    assert_int_equal(nr_json_int(body, "events"), 21);
    assert_int_equal(nr_json_int(body, "tree_size"), 21); /* one leaf per accepted event */
    assert_int_equal(nr_json_int(body, "connections"), 1);
    assert_int_equal(nr_json_int(body, "enrolled"), 7);
    assert_int_equal(nr_json_int(body, "pending"), 5);
    assert_int_equal(nr_json_int(body, "overdue"), 2);
    assert_int_equal(nr_json_int(body, "escalated"), 2);

    region_json(body, "32.01", obj, sizeof obj);
    assert_int_equal(nr_json_int(obj, "pending"), 4);
    assert_int_equal(nr_json_int(obj, "overdue"), 1);
    assert_int_equal(nr_json_int(obj, "escalated"), 2);
    assert_true(nr_json_str(obj, "officer", s, sizeof s));
    assert_string_equal(s, "dr. Siti Rahmawati, M.Kes");
    assert_true(nr_json_str(obj, "agency", s, sizeof s));
    assert_string_equal(s, "Dinas Kesehatan");
    assert_true(nr_json_int(obj, "last_sync_ms") > 0);

    region_json(body, "32.73", obj, sizeof obj);
    assert_int_equal(nr_json_int(obj, "overdue"), 1);
    assert_true(nr_json_str(obj, "type", s, sizeof s));
    assert_string_equal(s, "kota");
    assert_int_equal(nr_json_int(obj, "last_sync_ms"), -1); /* null: its devices never synced */

    region_json(body, "32.02", obj, sizeof obj); /* synced once, then left */
    assert_true(nr_json_int(obj, "last_sync_ms") > 0);
    assert_non_null(strstr(obj, "\"lo\":null"));

    device_json(body, fx.bogor_hex, obj, sizeof obj);
    assert_non_null(strstr(obj, "\"connected\":true"));
    assert_non_null(strstr(obj, "\"role\":\"regency\""));
    device_json(body, fx.sukabumi_hex, obj, sizeof obj);
    assert_non_null(strstr(obj, "\"connected\":false"));
    assert_true(nr_json_int(obj, "last_sync_ms") > 0);

    /* Two escalations, oldest case first; the odd title escaped for JSON
     * (and for a <script> context). */
    assert_int_equal(nr_count(body, "{\"case\":"), 2);
    const char *sekda = strstr(body, "\"title\":\"Banjir bandang di Cisarua\",\"to\":\"sekda\"");
    const char *gub =
        strstr(body, "\"title\":\"Jalan \\\"Ciawi-Megamendung\\\" rusak \\u0026 longsor "
                     "\\u003ckm 12\\u003e\",\"to\":\"gubernur\"");
    assert_non_null(sekda);
    assert_non_null(gub);
    assert_true(sekda < gub);
    assert_null(strstr(body, "<km 12>"));
}

/* ---- the HTML --------------------------------------------------------------- */

static void test_status_html(void **state)
{
    (void)state;
    const char *body;
    assert_int_equal(http_get("/status", NULL, &body), 200);
    assert_non_null(strstr(resp, "content-type: text/html; charset=utf-8"));
    assert_non_null(strstr(resp, "content-security-policy: default-src 'none'; script-src 'self'"));
    assert_null(strstr(resp, "unsafe-inline"));
    assert_non_null(strstr(resp, "content-language: en"));
    assert_non_null(strstr(body, "<html lang=\"en\">"));
    assert_non_null(strstr(body, "Escalated cases"));
    assert_non_null(strstr(body, "Pangandaran"));
    assert_non_null(strstr(body, "dr. Siti Rahmawati, M.Kes"));
    assert_non_null(strstr(body, "the Regional Secretary (Sekda)"));
    assert_non_null(strstr(body, "<span id=\"updated\" data-state=\"static\">"));
    assert_int_equal(nr_count(body, "<tr><td class=\"code\">32."), 27 + 2); /* + escalations */
    /* No inline script or style (the CSP would block them): the only
     * <script> with content is the JSON catalogue. */
    assert_null(strstr(body, "style=\""));
    assert_int_equal(nr_count(body, "<script"), 2);
    assert_int_equal(nr_count(body, "<script type=\"application/json\" id=\"msgs\">"), 1);

    /* Bahasa Indonesia by Accept-Language, and ?lang= wins over it. */
    assert_int_equal(http_get("/status", "Accept-Language: id-ID,id;q=0.9,en;q=0.5", &body), 200);
    assert_non_null(strstr(resp, "content-language: id"));
    assert_non_null(strstr(body, "<html lang=\"id\">"));
    assert_non_null(strstr(body, "Persoalan yang dieskalasi"));
    assert_non_null(strstr(body, "Lewat 1x24 jam"));
    assert_non_null(strstr(body, "<td>Sekda</td>"));
    assert_non_null(strstr(body, "belum ada Naradamping"));
    assert_non_null(strstr(body, "Kabupaten/kota"));
    assert_non_null(strstr(body, "href=\"/status?lang=en\""));
    assert_int_equal(http_get("/status?lang=en", "Accept-Language: id", &body), 200);
    assert_non_null(strstr(body, "<html lang=\"en\">"));
    assert_int_equal(http_get("/status?lang=id", NULL, &body), 200);
    assert_non_null(strstr(body, "<html lang=\"id\">"));

    /* The assets, and what is not the page. */
    assert_int_equal(http_get("/status.js", NULL, &body), 200);
    assert_non_null(strstr(resp, "content-type: text/javascript"));
    assert_non_null(strstr(body, "fetch('/status.json'"));
    assert_int_equal(http_get("/status.css", NULL, &body), 200);
    assert_non_null(strstr(resp, "content-type: text/css"));
    assert_int_equal(http_get("/status.html", NULL, &body), 404);
    assert_int_equal(http_get("/healthz", NULL, &body), 200);
}

/* A title from the log, escaped for HTML in both languages; never raw. */
static void test_status_escaping(void **state)
{
    (void)state;
    const char *body;
    const char *html = "<span class=\"title\">Jalan &quot;Ciawi-Megamendung&quot; rusak &amp; "
                       "longsor &lt;km 12&gt;</span>";
    assert_int_equal(http_get("/status", NULL, &body), 200);
    assert_non_null(strstr(body, html));
    assert_non_null(strstr(body, "<td>the Governor</td>"));
    assert_int_equal(http_get("/status?lang=id", NULL, &body), 200);
    assert_non_null(strstr(body, html));
    assert_non_null(strstr(body, "<td>Gubernur</td>"));
    const char *paths[] = {"/status", "/status?lang=id", "/status.json"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        assert_int_equal(http_get(paths[i], NULL, &body), 200);
        assert_null(strstr(body, ODD_TITLE));
        assert_null(strstr(body, "<km 12>"));
    }
}

/* ---- headless Chromium -------------------------------------------------------- */

static const char *chromium_path(void)
{
    static char found[512];
    const char *env = getenv("NARA_CHROMIUM");
    if (env && *env)
        return access(env, X_OK) == 0 ? env : NULL;
    const char *names[] = {"chromium", "chromium-browser", "google-chrome"};
    const char *path = getenv("PATH");
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        const char *p = path ? path : "/usr/bin:/bin";
        while (*p) {
            size_t len = strcspn(p, ":");
            snprintf(found, sizeof found, "%.*s/%s", (int)len, p, names[n]);
            if (access(found, X_OK) == 0)
                return found;
            p += len;
            if (*p == ':')
                p++;
        }
    }
    return NULL;
}

/* Run Chromium headless on url: `mode` is "--dump-dom" (DOM on res.out) or
 * "--screenshot=FILE".  The virtual time budget lets the page's script run
 * its first refresh before the DOM is dumped or the picture taken. */
static void chromium(const char *bin, const char *mode, const char *url)
{
    char profile[320], user_dir[340];
    snprintf(profile, sizeof profile, "%s/chromium-XXXXXX", fx.dir);
    assert_non_null(mkdtemp(profile));
    snprintf(user_dir, sizeof user_dir, "--user-data-dir=%s", profile);
    const char *argv[] = {bin,
                          "--headless",
                          "--no-sandbox",
                          "--disable-gpu",
                          "--no-first-run",
                          "--disable-background-networking",
                          "--disable-component-update",
                          "--disable-sync",
                          "--disable-dev-shm-usage",
                          "--hide-scrollbars",
                          user_dir,
                          "--window-size=1280,900",
                          "--virtual-time-budget=4000",
                          mode,
                          url,
                          NULL};
    int rc = nr_run(&res, argv);
    if (rc != 0)
        fail_msg("chromium exited %d: %.2000s", rc, res.err);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A real 1280x900 PNG with some content. */
static void check_png(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        fail_msg("no screenshot at %s", path);
    assert_true(st.st_size > 20000);
    unsigned char head[24];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    assert_memory_equal(head, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(head + 12, "IHDR", 4);
    assert_int_equal(be32(head + 16), 1280);
    assert_int_equal(be32(head + 20), 900);
}

static void browse(const char *bin, const char *lang, const char *shot)
{
    char url[128], mode[600];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/status?lang=%s", fx.port, lang);
    snprintf(mode, sizeof mode, "--screenshot=%s", shot);
    unlink(shot);
    chromium(bin, mode, url);
    check_png(shot);

    chromium(bin, "--dump-dom", url);
    const char *dom = res.out;
    /* The script ran (the CSP let it) and redrew the page from /status.json. */
    assert_non_null(strstr(dom, "id=\"updated\" data-state=\"live\""));
    assert_non_null(strstr(dom, "<span id=\"live-note\">"));
    /* The redrawn tables: every region, the LOs, the escalation, devices. */
    const char *names[] = {"Bogor",
                           "Sukabumi",
                           "Pangandaran",
                           "Bandung Barat",
                           "Depok",
                           "Banjar",
                           "dr. Siti Rahmawati, M.Kes",
                           "Banjir bandang di Cisarua",
                           "Pemkab Sukabumi"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strstr(dom, names[i]))
            fail_msg("the rendered page lacks %s", names[i]);
    assert_int_equal(nr_count(dom, "<td class=\"code\">32."), 27 + 2);
    /* The script set the odd title as text: serialised escaped, never as markup. */
    assert_non_null(strstr(dom, "Jalan \"Ciawi-Megamendung\" rusak &amp; longsor &lt;km 12&gt;"));
    assert_null(strstr(dom, "<km 12>"));
}

static void test_status_chromium(void **state)
{
    (void)state;
    const char *bin = chromium_path();
    if (!bin) {
        print_message("chromium not found (apt-get install chromium, or set NARA_CHROMIUM): "
                      "skipping the browser test\n");
        skip();
    }
    browse(bin, "en", STATUS_SHOT_DIR "/status-page.png");
    assert_non_null(strstr(res.out, "Escalated cases"));
    assert_non_null(strstr(res.out, "1x24"));
    browse(bin, "id", STATUS_SHOT_DIR "/status-page-id.png");
    assert_non_null(strstr(res.out, "Persoalan yang dieskalasi"));
    assert_non_null(strstr(res.out, "Sekda"));
    assert_non_null(strstr(res.out, "terhubung"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),       cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_status_html),     cmocka_unit_test(test_status_escaping),
        cmocka_unit_test(test_status_chromium),
    };
    if (nara_crypto_init() != NARA_OK)
        return 1;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
