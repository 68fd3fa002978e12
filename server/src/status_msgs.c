/*
 * status_msgs.c - the status page's message catalogue (English, Bahasa
 * Indonesia) and the language negotiation of a request.
 *
 * Terms follow the domain notes: Naradamping for the Liaison Officer,
 * kabupaten/kota for regions, persoalan for cases, "1x24 jam" for the
 * 24-hour duty, eskalasi ke Sekda / Gubernur.  Each table is indexed by
 * message id with designated initialisers, so a message added to
 * NARAD_MSG_MAP but missing here is caught by the test of the catalogue
 * (every entry non-empty in both languages).
 *
 * Plain libc only: no narad or lws types (see status_msgs.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "status_msgs.h"

#define M(name) [NARAD_MSG_##name]

static const char *const msgs_en[NARAD_MSG_COUNT] = {
    M(PAGE_TITLE) = "Naradamping status",
    M(HEADING) = "Provincial status",
    M(PROVINCE) = "Province",
    M(UPDATED) = "Updated",
    M(LIVE_NOTE) = "Live: refreshed every 5 seconds.",
    M(STATIC_NOTE) = "Without JavaScript this page reloads every 30 seconds.",
    M(STALE) = "Cannot reach the server; showing the last data received.",
    M(STOPPING) = "The server is stopping.",
    M(DB_ERROR) = "The server cannot read its database:",
    M(OTHER_LANG) = "Bahasa Indonesia",
    M(TIMES_UTC) = "Times are UTC.",
    M(T_EVENTS) = "Events in the log",
    M(T_CONNECTED) = "Connected devices",
    M(T_ENROLLED) = "Enrolled devices",
    M(T_PENDING) = "Pending cases",
    M(T_OVERDUE) = "Overdue (no response in 1x24 hours)",
    M(T_ESCALATED) = "Escalated cases",
    M(T_TREE) = "Transparency log size",
    M(REGIONS) = "Regions (kabupaten/kota)",
    M(COL_CODE) = "Code",
    M(COL_REGION) = "Region",
    M(COL_LO) = "Liaison Officer (LO)",
    M(COL_PENDING) = "Pending",
    M(COL_OVERDUE) = "Overdue > 1x24 h",
    M(COL_ESCALATED) = "Escalated",
    M(COL_LAST_SYNC) = "Last sync",
    M(KABUPATEN) = "regency (kabupaten)",
    M(KOTA) = "city (kota)",
    M(NO_LO) = "no LO assigned",
    M(NEVER) = "not since the server started",
    M(REGIONS_NOTE) =
        "Pending: opened and not yet resolved or closed. Overdue: opened more than 24 hours "
        "ago and not yet acknowledged by the region's LO (the 1x24 hours duty). Last sync: the "
        "last time a device enrolled for that region (devices enrolled for all regions do not "
        "count) talked to this server since it started.",
    M(ESCALATIONS) = "Escalated cases",
    M(COL_CASE) = "Case",
    M(COL_TO) = "Escalated to",
    M(COL_OPENED) = "Opened",
    M(TO_SEKDA) = "the Regional Secretary (Sekda)",
    M(TO_GUBERNUR) = "the Governor",
    M(NO_ESCALATIONS) = "No case is escalated.",
    M(DEVICES) = "Devices",
    M(COL_DEVICE) = "Device key",
    M(COL_NAME) = "Name",
    M(COL_ROLE) = "Role",
    M(COL_SCOPE) = "Regions",
    M(COL_STATE) = "State",
    M(CONNECTED) = "connected",
    M(REVOKED) = "revoked",
    M(ENROLLED) = "enrolled",
    M(ALL_REGIONS) = "all regions",
    M(NO_DEVICES) = "No device is enrolled yet.",
    M(ROLE_ROOT) = "province root",
    M(ROLE_ADMIN) = "admin",
    M(ROLE_SECRETARIAT) = "secretariat",
    M(ROLE_GOVERNOR) = "governor",
    M(ROLE_AUDITOR) = "auditor",
    M(ROLE_LO) = "Liaison Officer (LO)",
    M(ROLE_REGENCY) = "regency office",
    M(ROLE_SERVER) = "provincial server (narad)",
    M(AGO_NOW) = "just now",
    M(AGO_MIN) = "{n} min ago",
    M(AGO_HOUR) = "{n} h ago",
    M(AGO_DAY) = "{n} days ago",
};

static const char *const msgs_id[NARAD_MSG_COUNT] = {
    M(PAGE_TITLE) = "Status Naradamping",
    M(HEADING) = "Status provinsi",
    M(PROVINCE) = "Provinsi",
    M(UPDATED) = "Diperbarui",
    M(LIVE_NOTE) = "Langsung: diperbarui setiap 5 detik.",
    M(STATIC_NOTE) = "Tanpa JavaScript halaman ini dimuat ulang setiap 30 detik.",
    M(STALE) = "Server tidak dapat dihubungi; menampilkan data terakhir yang diterima.",
    M(STOPPING) = "Server sedang berhenti.",
    M(DB_ERROR) = "Server tidak dapat membaca basis datanya:",
    M(OTHER_LANG) = "English",
    M(TIMES_UTC) = "Waktu dalam UTC.",
    M(T_EVENTS) = "Event dalam log",
    M(T_CONNECTED) = "Perangkat terhubung",
    M(T_ENROLLED) = "Perangkat terdaftar",
    M(T_PENDING) = "Persoalan belum selesai",
    M(T_OVERDUE) = "Lewat 1x24 jam tanpa tanggapan",
    M(T_ESCALATED) = "Persoalan dieskalasi",
    M(T_TREE) = "Ukuran log transparansi",
    M(REGIONS) = "Kabupaten/kota",
    M(COL_CODE) = "Kode",
    M(COL_REGION) = "Kabupaten/kota",
    M(COL_LO) = "Naradamping (LO)",
    M(COL_PENDING) = "Belum selesai",
    M(COL_OVERDUE) = "Lewat 1x24 jam",
    M(COL_ESCALATED) = "Eskalasi",
    M(COL_LAST_SYNC) = "Sinkronisasi terakhir",
    M(KABUPATEN) = "kabupaten",
    M(KOTA) = "kota",
    M(NO_LO) = "belum ada Naradamping",
    M(NEVER) = "belum sejak server dinyalakan",
    M(REGIONS_NOTE) =
        "Belum selesai: persoalan yang dibuka dan belum diselesaikan atau ditutup. Lewat 1x24 "
        "jam: dibuka lebih dari 24 jam yang lalu dan belum ditanggapi Naradamping kabupaten/kota "
        "itu. Sinkronisasi terakhir: saat terakhir perangkat yang terdaftar untuk kabupaten/kota "
        "itu (perangkat untuk semua wilayah tidak dihitung) berkomunikasi dengan server ini sejak "
        "server dinyalakan.",
    M(ESCALATIONS) = "Persoalan yang dieskalasi",
    M(COL_CASE) = "Persoalan",
    M(COL_TO) = "Eskalasi ke",
    M(COL_OPENED) = "Dibuka",
    M(TO_SEKDA) = "Sekda",
    M(TO_GUBERNUR) = "Gubernur",
    M(NO_ESCALATIONS) = "Tidak ada persoalan yang dieskalasi.",
    M(DEVICES) = "Perangkat",
    M(COL_DEVICE) = "Kunci perangkat",
    M(COL_NAME) = "Nama",
    M(COL_ROLE) = "Peran",
    M(COL_SCOPE) = "Wilayah",
    M(COL_STATE) = "Keadaan",
    M(CONNECTED) = "terhubung",
    M(REVOKED) = "dicabut",
    M(ENROLLED) = "terdaftar",
    M(ALL_REGIONS) = "semua kabupaten/kota",
    M(NO_DEVICES) = "Belum ada perangkat yang terdaftar.",
    M(ROLE_ROOT) = "kunci induk provinsi",
    M(ROLE_ADMIN) = "admin",
    M(ROLE_SECRETARIAT) = "sekretariat daerah",
    M(ROLE_GOVERNOR) = "gubernur",
    M(ROLE_AUDITOR) = "auditor (Inspektorat)",
    M(ROLE_LO) = "Naradamping (LO)",
    M(ROLE_REGENCY) = "kantor kabupaten/kota",
    M(ROLE_SERVER) = "server provinsi (narad)",
    M(AGO_NOW) = "baru saja",
    M(AGO_MIN) = "{n} menit lalu",
    M(AGO_HOUR) = "{n} jam lalu",
    M(AGO_DAY) = "{n} hari lalu",
};

#undef M

static const char *const *const tables[NARAD_LANG_COUNT] = {msgs_en, msgs_id};

static const char *const names[NARAD_MSG_COUNT] = {
#define NARAD__MSG_NAME(name) #name,
    NARAD_MSG_MAP(NARAD__MSG_NAME)
#undef NARAD__MSG_NAME
};

const char *narad__msg(narad_lang_t lang, narad_msg_t id)
{
    if ((unsigned)lang >= NARAD_LANG_COUNT || (unsigned)id >= NARAD_MSG_COUNT)
        return "";
    const char *s = tables[lang][id];
    return s ? s : "";
}

const char *narad__msg_name(narad_msg_t id)
{
    return (unsigned)id < NARAD_MSG_COUNT ? names[id] : "";
}

const char *narad__lang_code(narad_lang_t lang)
{
    return lang == NARAD_LANG_ID ? "id" : "en";
}

/* ---- language negotiation ------------------------------------------------ */

/* The language a tag names ("id", "in", "id-ID", "en-GB", ...), or -1. */
static int tag_lang(const char *tag, size_t len)
{
    size_t primary = 0;
    while (primary < len && tag[primary] != '-' && tag[primary] != '_')
        primary++;
    if (primary != 2)
        return -1;
    char a = (char)tolower((unsigned char)tag[0]), b = (char)tolower((unsigned char)tag[1]);
    if ((a == 'i' && b == 'd') || (a == 'i' && b == 'n'))
        return NARAD_LANG_ID;
    if (a == 'e' && b == 'n')
        return NARAD_LANG_EN;
    return -1;
}

/* q-value of one entry's parameters ("; q=0.8"), 1000ths; 1000 if absent. */
static int entry_q(const char *params, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') {
            char num[8] = {0};
            size_t n = 0;
            for (size_t j = i + 2; j < len && n < sizeof num - 1; j++)
                if (params[j] != ' ')
                    num[n++] = params[j];
            double q = strtod(num, NULL);
            return q <= 0 ? 0 : q >= 1 ? 1000 : (int)(q * 1000 + 0.5);
        }
    }
    return 1000;
}

narad_lang_t narad__lang_pick(const char *query, const char *accept_language)
{
    if (query) {
        int l = tag_lang(query, strlen(query));
        if (l >= 0)
            return (narad_lang_t)l;
    }
    int best = NARAD_LANG_EN, best_q = 0;
    const char *p = accept_language;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        size_t tag = strcspn(p, ";, \t");
        if (tag > len)
            tag = len;
        int l = tag_lang(p, tag);
        int q = entry_q(p + tag, len - tag);
        if (l >= 0 && q > best_q) {
            best = l;
            best_q = q;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return (narad_lang_t)best;
}
