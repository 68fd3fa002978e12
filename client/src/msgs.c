/*
 * msgs.c - the English and Indonesian catalogues of `nara` (msgs.h).
 *
 * Designated initialisers keep each table in step with the enum; the static
 * assertions catch a table that grows past it, and tests/test_nara_i18n.c
 * checks that no entry is missing or empty.  Only libc is used.
 */
#include <stdlib.h>
#include <string.h>

#include "msgs.h"

static const char *const msgs_en[NARA_MSG_COUNT] = {
    [NARA_MSG_REPORT_HEADING] =
        "Report of %s as of %s (overdue: not acknowledged within 24 hours)\n\n",
    [NARA_MSG_COL_REGION] = "Region",
    [NARA_MSG_COL_NAME] = "Name",
    [NARA_MSG_COL_LO] = "LO",
    [NARA_MSG_COL_OPEN] = "Open",
    [NARA_MSG_COL_OVERDUE] = "Overdue",
    [NARA_MSG_COL_LATE] = "Late",
    [NARA_MSG_COL_ESC] = "Esc",
    [NARA_MSG_COL_RESOLVED] = "Resolved",
    [NARA_MSG_COL_MEDIAN_ACK] = "Median ack",
    [NARA_MSG_NO_LO] = "(no LO)",
    [NARA_MSG_STATUS_REPLICA] =
        "Replica   %s (%s)\nDevice    %s\n          role %s%s\nRoot      %s\n",
    [NARA_MSG_STATUS_REVOKED] = " (REVOKED)",
    [NARA_MSG_STATUS_EVENTS] = "Events    %llu held in %llu feeds, %llu pending, %llu forks, "
                               "%llu quarantined, %llu without effect\nDigest    %s\n",
    [NARA_MSG_STATUS_LAST_SYNC] = "Last sync %s%s%s\n",
    [NARA_MSG_STATUS_NEVER] = "never",
    [NARA_MSG_STATUS_SERVER] = "Server    %s, key %s\n",
    [NARA_MSG_STATUS_NO_SERVER] = "(none yet)",
    [NARA_MSG_STATUS_NOT_PINNED] = "(not pinned yet: pinned on the first sync)",
    [NARA_MSG_STATUS_OWN_FEEDS] = "Own feeds:\n",
    [NARA_MSG_STATUS_BEHIND] =
        "WARNING: this device's own feed is behind what other replicas hold (restored "
        "from an old backup?).\nDo not write until it has synced; writing now would "
        "fork the feed.\n",
    [NARA_MSG_CASE_SHOW_HEAD] = "Case %s\n  %s\n  region %s, status %s, priority %s\n",
    [NARA_MSG_CASE_SHOW_OPENED] = "  category %s, function %s\n  opened %s by %s\n",
    [NARA_MSG_CASE_SHOW_ACKED] = "  acknowledged %s by %s\n",
    [NARA_MSG_CASE_SHOW_ESCALATED] = "  escalated to %s\n",
    [NARA_MSG_CASE_SHOW_TIMELINE] = "  %s\n\nTimeline:\n",
    [NARA_MSG_FLAG_NO_EFFECT] = " [no effect]",
    [NARA_MSG_FLAG_CONFLICT] = " [conflict]",
    [NARA_MSG_FLAG_NOT_APPLIED] = " [not applied]",
    [NARA_MSG_USAGE] = "usage: %s\n\n",
    [NARA_MSG_HELP_FOOTER] =
        "\nGlobal options: --db FILE (default $NARA_DB or ./nara.db), --json, --help.\n"
        "Exit codes: 0 ok, 1 usage, 2 partial, 3 connection, 4 refused, 5 storage.\n",
    [NARA_MSG_ERR_DB_NEEDS_FILE] = "--db needs a FILE",
    [NARA_MSG_ERR_UNKNOWN_OPTION] = "unknown option '%s' (see %s --help)",
    [NARA_MSG_ERR_OPTION_TWICE] = "option --%s given twice",
    [NARA_MSG_ERR_OPTION_NO_VALUE] = "option --%s takes no value",
    [NARA_MSG_ERR_OPTION_NEEDS_VALUE] = "option --%s needs a value",
    [NARA_MSG_ERR_OPTION_TOO_MANY] = "option --%s: too many values",
    [NARA_MSG_ERR_UNKNOWN_GLOBAL] = "unknown global option '%s' (see nara --help)",
    [NARA_MSG_ERR_NEEDS_SUBCOMMAND] = "'%s' needs a subcommand",
    [NARA_MSG_ERR_UNKNOWN_SUB] = "'%s' needs a subcommand (unknown: '%s')",
    [NARA_MSG_GROUP_COMMANDS] = "%s commands:\n",
    [NARA_MSG_ERR_UNKNOWN_COMMAND] = "unknown command '%s' (see nara --help)",
    [NARA_MSG_SYNC_HEAD] = "Sync with %s: %s\n",
    [NARA_MSG_SYNC_DONE] = "done",
    [NARA_MSG_SYNC_PARTIAL] = "partial",
    [NARA_MSG_SYNC_REFUSED_WORD] = "refused",
    [NARA_MSG_SYNC_FAILED] = "failed",
    [NARA_MSG_SYNC_COUNTS] =
        "  sent %llu, acknowledged %llu, received %llu, added %llu, rejected %llu\n",
    [NARA_MSG_SYNC_RECEIPTS] =
        "  receipts %llu: the province signed for them (nara receipts lists them)\n",
    [NARA_MSG_SYNC_REFUSED] = "  refused %llu: %s (%s)\n",
    [NARA_MSG_SYNC_EVENT] = "    event %s: %s\n",
    [NARA_MSG_SYNC_FAIL] = "sync %s: %s%s",
    [NARA_MSG_HINT_SERVER_KEY] =
        "; check that --server names the province's server and compare its key with the provincial "
        "admin (nara status shows the pinned key)",
    [NARA_MSG_HINT_UNENROLLED] =
        "; give this device's key (nara key) to the provincial admin for enrolment",
    [NARA_MSG_HINT_REVOKED] = "; this device was revoked: ask the provincial admin",
    [NARA_MSG_HINT_TREE_FORK] =
        "; the server's signed history no longer contains what it showed this device before (it "
        "forked or shrank), so it is refused.  Both tree heads and the proof are kept as evidence "
        "(nara receipts shows them): report it to the provincial admin and the Inspectorate",
    [NARA_MSG_HINT_PROOF] = "; the server sent a tree head or receipt that does not verify, so it "
                            "is refused: report it to the provincial admin",
    [NARA_MSG_HINT_CONNECT] = "; the events stay here and are sent at the next sync",
    [NARA_MSG_SYNC_PINNED] = "nara: pinned the server key %s (%s); later syncs require it\n",
    [NARA_MSG_SYNC_PIN_REPLACE] = "replacing the old pin",
    [NARA_MSG_SYNC_PIN_FIRST] = "first use",
    [NARA_MSG_ERR_CASE_STATUS] = "--status: unknown status '%s' (one of: open, acknowledged, "
                                 "escalated, resolved, closed, reopened)",
    [NARA_MSG_MAIN_USAGE_HEAD] =
        "usage: nara [--db FILE] [--json] COMMAND [options]\n\nThe regency client of Naradamping: "
        "works offline on a local replica and\nsyncs with the provincial server (narad) when a "
        "link appears.\n\nCommands:\n",
    [NARA_MSG_MAIN_USAGE_TAIL] =
        "\nGlobal options:\n  --db FILE   the replica (default $NARA_DB, else ./nara.db); the "
        "device key\n              is FILE.key beside it (mode 0600)\n  --json      "
        "machine-readable output on stdout\n  --help      help for nara or for any command\n\nExit "
        "codes:\n  0 success    1 usage error    2 partial (some events refused, damaged file)\n  "
        "3 no connection, or connection lost before the sync was done\n  4 permanent refusal "
        "(revoked, unenrolled, fork, server key mismatch)\n  5 local storage error\n\nSee "
        "docs/client.md for examples.\n",
    [NARA_MSG_CMD_INIT] = "create this device's key and replica (--root HEX)",
    [NARA_MSG_CMD_PROVINCE_INIT] = "create a province root replica",
    [NARA_MSG_CMD_KEY] = "show this device's public key",
    [NARA_MSG_CMD_STATUS] = "events held, own feeds, last sync, server identity",
    [NARA_MSG_CMD_ENROLL] = "enrol a device with a role and scope (admin)",
    [NARA_MSG_CMD_REVOKE] = "revoke a device (admin)",
    [NARA_MSG_CMD_DEVICES] = "list enrolled devices",
    [NARA_MSG_CMD_DECREE] = "record a governor's decree (Kepgub)",
    [NARA_MSG_CMD_LO_ASSIGN] = "make an officer LO of a region",
    [NARA_MSG_CMD_LO_UNASSIGN] = "end an LO assignment",
    [NARA_MSG_CMD_LO_SHOW] = "current LO per region, history of one region",
    [NARA_MSG_CMD_CASE_OPEN] = "open a case (persoalan / kendala)",
    [NARA_MSG_CMD_CASE_ACK] = "acknowledge a case (LO)",
    [NARA_MSG_CMD_CASE_NOTE] = "add a note to a case",
    [NARA_MSG_CMD_CASE_ACTION] = "record a follow-up action (tindak lanjut)",
    [NARA_MSG_CMD_CASE_ESCALATE] = "escalate a case to sekda or gubernur",
    [NARA_MSG_CMD_CASE_RESOLVE] = "resolve a case",
    [NARA_MSG_CMD_CASE_REOPEN] = "reopen a resolved or closed case",
    [NARA_MSG_CMD_CASE_CLOSE] = "close a case",
    [NARA_MSG_CMD_CASE_LIST] = "list cases",
    [NARA_MSG_CMD_CASE_SHOW] = "a case's fields and timeline",
    [NARA_MSG_CMD_REPORT] = "per-region report with the 24-hour duty",
    [NARA_MSG_CMD_QUARANTINE] = "events refused by the store or the fold",
    [NARA_MSG_CMD_CONFLICTS] = "visible conflicts of concurrent edits",
    [NARA_MSG_CMD_EXPORT] = "write a delta file for sneakernet",
    [NARA_MSG_CMD_IMPORT] = "merge a delta file",
    [NARA_MSG_CMD_SYNC] = "sync with narad over WebSocket",
    [NARA_MSG_CMD_RECEIPTS] = "what the province signed for; --verify offline",
    [NARA_MSG_CMD_EXPORT_BUNDLE] = "write an audit bundle (events, heads, proofs)",
    [NARA_MSG_CMD_AUDIT] = "verify bundles or a replica offline (Inspektorat)",
    [NARA_MSG_RECORDED] = "%s recorded: %s\n",
    [NARA_MSG_RCPT_HEAD] = "Receipts from the province server (key %s)\n",
    [NARA_MSG_RCPT_LAST] = "Last tree head: %llu events, signed %s (%zu heads kept)\n",
    [NARA_MSG_RCPT_NONE] = "No tree head yet: sync with the province server to get receipts.\n",
    [NARA_MSG_RCPT_COL_EVENT] = "EVENT",
    [NARA_MSG_RCPT_COL_STREAM] = "STREAM",
    [NARA_MSG_RCPT_COL_SEQ] = "SEQ",
    [NARA_MSG_RCPT_COL_KIND] = "KIND",
    [NARA_MSG_RCPT_COL_LEAF] = "LEAF",
    [NARA_MSG_RCPT_COL_SIZE] = "HEAD SIZE",
    [NARA_MSG_RCPT_COL_SIGNED] = "SIGNED AT",
    [NARA_MSG_RCPT_COUNT] = "%llu receipts.  This device's events without a receipt yet: %llu%s\n",
    [NARA_MSG_RCPT_COUNT_NOTE] =
        " (sync to send them; events the server already held when they were written get none)",
    [NARA_MSG_RCPT_VERIFIED] = "Verified offline: %llu receipts against %zu tree heads signed by "
                               "the pinned server key, which form one history.\n",
    [NARA_MSG_RCPT_FAILED] = "FAILED: %s\n",
    [NARA_MSG_RCPT_MORE] = "... and %zu more problems\n",
    [NARA_MSG_RCPT_NO_KEY] = "(none pinned)",
    [NARA_MSG_DOING_FOLDING_LOG] = "folding the log",
    [NARA_MSG_DOING_LISTING_DEVICES] = "listing devices",
    [NARA_MSG_DOING_READING_LO_HISTORY] = "reading the LO history",
    [NARA_MSG_DOING_READING_LO] = "reading LO assignments",
    [NARA_MSG_DOING_READING_REPLICA] = "reading the replica",
    [NARA_MSG_DOING_WRITING_BUNDLE] = "writing the bundle",
    [NARA_MSG_DOING_LISTING_CASES] = "listing cases",
    [NARA_MSG_DOING_READING_CASE] = "reading the case",
    [NARA_MSG_DOING_READING_SETTINGS] = "reading settings",
    [NARA_MSG_DOING_WRITING_DELTA] = "writing the delta file",
    [NARA_MSG_DOING_MERGING_DELTA] = "merging the delta file",
    [NARA_MSG_DOING_READING_RECEIPTS] = "reading the receipts",
    [NARA_MSG_DOING_COMPUTING_REPORT] = "computing the report",
    [NARA_MSG_DOING_READING_OWN_FEEDS] = "reading own feeds",
    [NARA_MSG_DOING_READING_QUARANTINE] = "reading the quarantine",
    [NARA_MSG_DOING_READING_CONFLICTS] = "reading conflicts",
    [NARA_MSG_DOING_LOOKING_UP_CASE] = "looking up the case",
    [NARA_MSG_DOING_READING_DEVICES] = "reading enrolled devices",
    [NARA_MSG_DOING_RECORDING] = "recording %s",
    [NARA_MSG_ERR_CASE_ID] =
        "case id '%.80s': expected at least %d hex digits of a case id (see nara case list)",
    [NARA_MSG_ERR_NO_CASE] = "no case %s on this replica (see nara case list)",
    [NARA_MSG_ERR_CASE_AMBIGUOUS] = "case id prefix %s is ambiguous: give more hex digits",
    [NARA_MSG_ERR_NO_KEY] = "no device key at %s: run `nara init --root HEX` (or `nara province "
                            "init`) for this --db first",
    [NARA_MSG_ERR_NO_REPLICA] =
        "no replica at %s: run `nara init --root HEX` (or `nara province init`) first",
    [NARA_MSG_RCPT_PROBLEMS] = "nara: receipts: %zu problems: the receipts do not all verify\n",
};

static const char *const msgs_id[NARA_MSG_COUNT] = {
    [NARA_MSG_REPORT_HEADING] = "Laporan %s per %s (lewat: belum ditanggapi LO dalam 1x24 jam; "
                                "telat: ditanggapi setelah 1x24 jam)\n\n",
    [NARA_MSG_COL_REGION] = "Kode",
    [NARA_MSG_COL_NAME] = "Kabupaten/Kota",
    [NARA_MSG_COL_LO] = "LO",
    [NARA_MSG_COL_OPEN] = "Buka",
    [NARA_MSG_COL_OVERDUE] = "Lewat",
    [NARA_MSG_COL_LATE] = "Telat",
    [NARA_MSG_COL_ESC] = "Eskal",
    [NARA_MSG_COL_RESOLVED] = "Selesai",
    [NARA_MSG_COL_MEDIAN_ACK] = "Median tanggapan",
    [NARA_MSG_NO_LO] = "(belum ada LO)",
    [NARA_MSG_STATUS_REPLICA] = "Replika   %s (%s)\nPerangkat %s\n          peran %s%s\n"
                                "Kunci akar %s\n",
    [NARA_MSG_STATUS_REVOKED] = " (DICABUT)",
    [NARA_MSG_STATUS_EVENTS] = "Catatan   %llu tersimpan dalam %llu feed, %llu tertunda, %llu "
                               "percabangan, %llu dikarantina, %llu tanpa efek\nDigest    %s\n",
    [NARA_MSG_STATUS_LAST_SYNC] = "Sinkronisasi terakhir %s%s%s\n",
    [NARA_MSG_STATUS_NEVER] = "belum pernah",
    [NARA_MSG_STATUS_SERVER] = "Server    %s, kunci %s\n",
    [NARA_MSG_STATUS_NO_SERVER] = "(belum ada)",
    [NARA_MSG_STATUS_NOT_PINNED] = "(belum ditetapkan: ditetapkan pada sinkronisasi pertama)",
    [NARA_MSG_STATUS_OWN_FEEDS] = "Feed perangkat ini:\n",
    [NARA_MSG_STATUS_BEHIND] =
        "PERINGATAN: feed perangkat ini tertinggal dari yang dimiliki replika lain "
        "(dipulihkan dari cadangan lama?).\nJangan mencatat apa pun sebelum sinkronisasi; "
        "mencatat sekarang akan membuat feed bercabang.\n",
    [NARA_MSG_CASE_SHOW_HEAD] = "Persoalan %s\n  %s\n  wilayah %s, status %s, prioritas %s\n",
    [NARA_MSG_CASE_SHOW_OPENED] = "  kategori %s, fungsi %s\n  dibuka %s oleh %s\n",
    [NARA_MSG_CASE_SHOW_ACKED] = "  ditanggapi %s oleh %s\n",
    [NARA_MSG_CASE_SHOW_ESCALATED] = "  dieskalasi kepada %s\n",
    [NARA_MSG_CASE_SHOW_TIMELINE] = "  %s\n\nRiwayat tindak lanjut:\n",
    [NARA_MSG_FLAG_NO_EFFECT] = " [tanpa efek]",
    [NARA_MSG_FLAG_CONFLICT] = " [konflik]",
    [NARA_MSG_FLAG_NOT_APPLIED] = " [belum diterapkan]",
    [NARA_MSG_USAGE] = "penggunaan: %s\n\n",
    [NARA_MSG_HELP_FOOTER] =
        "\nOpsi umum: --db BERKAS (bawaan $NARA_DB atau ./nara.db), --json, --help.\n"
        "Kode keluar: 0 berhasil, 1 salah penggunaan, 2 sebagian, 3 koneksi, 4 ditolak, "
        "5 penyimpanan.\n",
    [NARA_MSG_ERR_DB_NEEDS_FILE] = "--db memerlukan nama BERKAS",
    [NARA_MSG_ERR_UNKNOWN_OPTION] = "opsi '%s' tidak dikenal (lihat %s --help)",
    [NARA_MSG_ERR_OPTION_TWICE] = "opsi --%s diberikan dua kali",
    [NARA_MSG_ERR_OPTION_NO_VALUE] = "opsi --%s tidak menerima nilai",
    [NARA_MSG_ERR_OPTION_NEEDS_VALUE] = "opsi --%s memerlukan nilai",
    [NARA_MSG_ERR_OPTION_TOO_MANY] = "opsi --%s: nilai terlalu banyak",
    [NARA_MSG_ERR_UNKNOWN_GLOBAL] = "opsi umum '%s' tidak dikenal (lihat nara --help)",
    [NARA_MSG_ERR_NEEDS_SUBCOMMAND] = "'%s' memerlukan subperintah",
    [NARA_MSG_ERR_UNKNOWN_SUB] = "'%s' memerlukan subperintah (tidak dikenal: '%s')",
    [NARA_MSG_GROUP_COMMANDS] = "Perintah %s:\n",
    [NARA_MSG_ERR_UNKNOWN_COMMAND] = "perintah '%s' tidak dikenal (lihat nara --help)",
    [NARA_MSG_SYNC_HEAD] = "Sinkronisasi dengan %s: %s\n",
    [NARA_MSG_SYNC_DONE] = "selesai",
    [NARA_MSG_SYNC_PARTIAL] = "sebagian",
    [NARA_MSG_SYNC_REFUSED_WORD] = "ditolak",
    [NARA_MSG_SYNC_FAILED] = "gagal",
    [NARA_MSG_SYNC_COUNTS] =
        "  terkirim %llu, dikonfirmasi %llu, diterima %llu, ditambahkan %llu, ditolak %llu\n",
    [NARA_MSG_SYNC_RECEIPTS] =
        "  tanda terima %llu: ditandatangani oleh provinsi (lihat nara receipts)\n",
    [NARA_MSG_SYNC_REFUSED] = "  ditolak %llu: %s (%s)\n",
    [NARA_MSG_SYNC_EVENT] = "    catatan %s: %s\n",
    [NARA_MSG_SYNC_FAIL] = "sinkronisasi %s: %s%s",
    [NARA_MSG_HINT_SERVER_KEY] =
        "; pastikan --server menunjuk ke server provinsi dan cocokkan kuncinya dengan admin "
        "provinsi (nara status menampilkan kunci yang ditetapkan)",
    [NARA_MSG_HINT_UNENROLLED] =
        "; serahkan kunci perangkat ini (nara key) kepada admin provinsi untuk didaftarkan",
    [NARA_MSG_HINT_REVOKED] = "; perangkat ini telah dicabut: hubungi admin provinsi",
    [NARA_MSG_HINT_TREE_FORK] =
        "; riwayat bertanda tangan server tidak lagi memuat apa yang sebelumnya ditunjukkan kepada "
        "perangkat ini (bercabang atau menyusut), sehingga ditolak.  Kedua kepala pohon dan "
        "buktinya disimpan sebagai bukti (lihat nara receipts): laporkan kepada admin provinsi dan "
        "Inspektorat",
    [NARA_MSG_HINT_PROOF] = "; server mengirim kepala pohon atau tanda terima yang tidak sah, "
                            "sehingga ditolak: laporkan kepada admin provinsi",
    [NARA_MSG_HINT_CONNECT] =
        "; catatan tetap tersimpan di sini dan dikirim pada sinkronisasi berikutnya",
    [NARA_MSG_SYNC_PINNED] =
        "nara: kunci server %s ditetapkan (%s); sinkronisasi berikutnya memerlukannya\n",
    [NARA_MSG_SYNC_PIN_REPLACE] = "menggantikan kunci lama",
    [NARA_MSG_SYNC_PIN_FIRST] = "penggunaan pertama",
    [NARA_MSG_ERR_CASE_STATUS] = "--status: status '%s' tidak dikenal (salah satu dari: open, "
                                 "acknowledged, escalated, resolved, closed, reopened)",
    [NARA_MSG_MAIN_USAGE_HEAD] =
        "penggunaan: nara [--db BERKAS] [--json] PERINTAH [opsi]\n\nKlien kabupaten/kota "
        "Naradamping: bekerja luring pada replika lokal dan\nbersinkronisasi dengan server "
        "provinsi (narad) saat jaringan tersedia.\n\nPerintah:\n",
    [NARA_MSG_MAIN_USAGE_TAIL] =
        "\nOpsi umum:\n  --db BERKAS replika (bawaan $NARA_DB, atau ./nara.db); kunci perangkat\n  "
        "            ada di BERKAS.key di sebelahnya (mode 0600)\n  --json      keluaran untuk "
        "mesin di stdout (tidak bergantung bahasa)\n  --help      bantuan untuk nara atau untuk "
        "setiap perintah\n\nKode keluar:\n  0 berhasil   1 salah penggunaan   2 sebagian (ada "
        "catatan ditolak, berkas rusak)\n  3 tidak ada koneksi, atau koneksi terputus sebelum "
        "sinkronisasi selesai\n  4 ditolak permanen (dicabut, belum terdaftar, percabangan, kunci "
        "server tidak cocok)\n  5 galat penyimpanan lokal\n\nContoh ada di docs/client.md.\n",
    [NARA_MSG_CMD_INIT] = "buat kunci dan replika perangkat ini (--root HEX)",
    [NARA_MSG_CMD_PROVINCE_INIT] = "buat replika akar provinsi",
    [NARA_MSG_CMD_KEY] = "tampilkan kunci publik perangkat ini",
    [NARA_MSG_CMD_STATUS] =
        "catatan tersimpan, feed sendiri, sinkronisasi terakhir, identitas server",
    [NARA_MSG_CMD_ENROLL] = "daftarkan perangkat dengan peran dan cakupan (admin)",
    [NARA_MSG_CMD_REVOKE] = "cabut perangkat (admin)",
    [NARA_MSG_CMD_DEVICES] = "daftar perangkat terdaftar",
    [NARA_MSG_CMD_DECREE] = "catat Keputusan Gubernur (Kepgub)",
    [NARA_MSG_CMD_LO_ASSIGN] = "tetapkan pejabat sebagai LO suatu kabupaten/kota",
    [NARA_MSG_CMD_LO_UNASSIGN] = "akhiri penugasan LO",
    [NARA_MSG_CMD_LO_SHOW] = "LO saat ini per kabupaten/kota, riwayat satu wilayah",
    [NARA_MSG_CMD_CASE_OPEN] = "ajukan persoalan / kendala",
    [NARA_MSG_CMD_CASE_ACK] = "tanggapi persoalan (LO)",
    [NARA_MSG_CMD_CASE_NOTE] = "tambahkan catatan pada persoalan",
    [NARA_MSG_CMD_CASE_ACTION] = "catat tindak lanjut",
    [NARA_MSG_CMD_CASE_ESCALATE] = "eskalasi persoalan kepada Sekda atau Gubernur",
    [NARA_MSG_CMD_CASE_RESOLVE] = "nyatakan persoalan selesai",
    [NARA_MSG_CMD_CASE_REOPEN] = "buka kembali persoalan yang selesai atau ditutup",
    [NARA_MSG_CMD_CASE_CLOSE] = "tutup persoalan",
    [NARA_MSG_CMD_CASE_LIST] = "daftar persoalan",
    [NARA_MSG_CMD_CASE_SHOW] = "rincian dan riwayat tindak lanjut suatu persoalan",
    [NARA_MSG_CMD_REPORT] = "laporan per kabupaten/kota dengan kewajiban 1x24 jam",
    [NARA_MSG_CMD_QUARANTINE] = "catatan yang ditolak penyimpanan atau pengolahan",
    [NARA_MSG_CMD_CONFLICTS] = "konflik dari perubahan yang bersamaan",
    [NARA_MSG_CMD_EXPORT] = "tulis berkas delta untuk dibawa secara fisik",
    [NARA_MSG_CMD_IMPORT] = "gabungkan berkas delta",
    [NARA_MSG_CMD_SYNC] = "sinkronisasi dengan narad melalui WebSocket",
    [NARA_MSG_CMD_RECEIPTS] = "tanda terima dari provinsi; --verify secara luring",
    [NARA_MSG_CMD_EXPORT_BUNDLE] = "tulis paket audit (catatan, kepala pohon, bukti)",
    [NARA_MSG_CMD_AUDIT] = "verifikasi paket atau replika secara luring (Inspektorat)",
    [NARA_MSG_RECORDED] = "%s tercatat: %s\n",
    [NARA_MSG_RCPT_HEAD] = "Tanda terima dari server provinsi (kunci %s)\n",
    [NARA_MSG_RCPT_LAST] =
        "Kepala pohon terakhir: %llu catatan, ditandatangani %s (%zu kepala pohon disimpan)\n",
    [NARA_MSG_RCPT_NONE] = "Belum ada kepala pohon: lakukan sinkronisasi dengan server provinsi "
                           "untuk memperoleh tanda terima.\n",
    [NARA_MSG_RCPT_COL_EVENT] = "CATATAN",
    [NARA_MSG_RCPT_COL_STREAM] = "ALIRAN",
    [NARA_MSG_RCPT_COL_SEQ] = "URUT",
    [NARA_MSG_RCPT_COL_KIND] = "JENIS",
    [NARA_MSG_RCPT_COL_LEAF] = "DAUN",
    [NARA_MSG_RCPT_COL_SIZE] = "UKURAN",
    [NARA_MSG_RCPT_COL_SIGNED] = "DITANDATANGANI",
    [NARA_MSG_RCPT_COUNT] =
        "%llu tanda terima.  Catatan perangkat ini yang belum bertanda terima: %llu%s\n",
    [NARA_MSG_RCPT_COUNT_NOTE] = " (lakukan sinkronisasi untuk mengirimnya; catatan yang sudah "
                                 "dimiliki server saat ditulis tidak mendapat tanda terima)",
    [NARA_MSG_RCPT_VERIFIED] =
        "Terverifikasi luring: %llu tanda terima terhadap %zu kepala pohon yang ditandatangani "
        "kunci server yang ditetapkan, membentuk satu riwayat.\n",
    [NARA_MSG_RCPT_FAILED] = "GAGAL: %s\n",
    [NARA_MSG_RCPT_MORE] = "... dan %zu masalah lainnya\n",
    [NARA_MSG_RCPT_NO_KEY] = "(belum ditetapkan)",
    [NARA_MSG_DOING_FOLDING_LOG] = "mengolah log",
    [NARA_MSG_DOING_LISTING_DEVICES] = "membaca daftar perangkat",
    [NARA_MSG_DOING_READING_LO_HISTORY] = "membaca riwayat LO",
    [NARA_MSG_DOING_READING_LO] = "membaca penugasan LO",
    [NARA_MSG_DOING_READING_REPLICA] = "membaca replika",
    [NARA_MSG_DOING_WRITING_BUNDLE] = "menulis paket audit",
    [NARA_MSG_DOING_LISTING_CASES] = "membaca daftar persoalan",
    [NARA_MSG_DOING_READING_CASE] = "membaca persoalan",
    [NARA_MSG_DOING_READING_SETTINGS] = "membaca pengaturan",
    [NARA_MSG_DOING_WRITING_DELTA] = "menulis berkas delta",
    [NARA_MSG_DOING_MERGING_DELTA] = "menggabungkan berkas delta",
    [NARA_MSG_DOING_READING_RECEIPTS] = "membaca tanda terima",
    [NARA_MSG_DOING_COMPUTING_REPORT] = "menyusun laporan",
    [NARA_MSG_DOING_READING_OWN_FEEDS] = "membaca feed perangkat ini",
    [NARA_MSG_DOING_READING_QUARANTINE] = "membaca karantina",
    [NARA_MSG_DOING_READING_CONFLICTS] = "membaca konflik",
    [NARA_MSG_DOING_LOOKING_UP_CASE] = "mencari persoalan",
    [NARA_MSG_DOING_READING_DEVICES] = "membaca perangkat terdaftar",
    [NARA_MSG_DOING_RECORDING] = "mencatat %s",
    [NARA_MSG_ERR_CASE_ID] = "id persoalan '%.80s': diperlukan sedikitnya %d digit heksadesimal id "
                             "persoalan (lihat nara case list)",
    [NARA_MSG_ERR_NO_CASE] = "persoalan %s tidak ada di replika ini (lihat nara case list)",
    [NARA_MSG_ERR_CASE_AMBIGUOUS] =
        "awalan id persoalan %s tidak unik: berikan digit heksadesimal lebih banyak",
    [NARA_MSG_ERR_NO_KEY] = "kunci perangkat tidak ada di %s: jalankan dahulu `nara init --root "
                            "HEX` (atau `nara province init`) untuk --db ini",
    [NARA_MSG_ERR_NO_REPLICA] = "replika tidak ada di %s: jalankan dahulu `nara init --root HEX` "
                                "(atau `nara province init`)",
    [NARA_MSG_RCPT_PROBLEMS] = "nara: tanda terima: %zu masalah: tidak semua tanda terima sah\n",
};

_Static_assert(sizeof msgs_en / sizeof msgs_en[0] == NARA_MSG_COUNT, "en table size");
_Static_assert(sizeof msgs_id / sizeof msgs_id[0] == NARA_MSG_COUNT, "id table size");

/* Indonesian sentences of the library's error codes (English: nara_strerror). */
static const char *const errs_id[] = {
    [NARA_OK] = "berhasil",
    [NARA_NOMEM] = "memori tidak cukup",
    [NARA_INVAL] = "argumen tidak sah",
    [NARA_BUFFER_TOO_SMALL] = "penyangga keluaran terlalu kecil",
    [NARA_TRUNCATED] = "masukan berakhir sebelum nilai tersandi lengkap",
    [NARA_TRAILING] = "ada bita sisa setelah nilai tersandi",
    [NARA_TYPE] = "sebuah kolom memiliki tipe msgpack yang salah",
    [NARA_VERSION] = "versi format tidak didukung",
    [NARA_TOO_LARGE] = "kolom atau pesan melebihi batas ukuran",
    [NARA_TOO_DEEP] = "kedalaman susunan melebihi batas",
    [NARA_NONCANONICAL] = "penyandian bukan bentuk kanonik (terpendek)",
    [NARA_KEY_ORDER] = "kunci map tidak unik atau tidak berurutan bita",
    [NARA_FLOAT] = "nilai pecahan (floating-point) tidak diizinkan",
    [NARA_EXT] = "tipe ekstensi msgpack tidak diizinkan",
    [NARA_UTF8] = "teks bukan UTF-8 yang sah",
    [NARA_BAD_KIND] = "jenis catatan kosong atau memuat karakter di luar [a-z0-9._-]",
    [NARA_BAD_STREAM] = "nama aliran kosong atau memuat karakter di luar [a-z0-9._-]",
    [NARA_BAD_SEQ] = "nomor urut dan tautan sebelumnya tidak sesuai",
    [NARA_SIGNATURE] = "tanda tangan tidak sah",
    [NARA_CHAIN] = "tautan ke catatan sebelumnya tidak cocok dengan feed penulis",
    [NARA_FORK] = "dua catatan berbeda pada satu posisi feed yang sama",
    [NARA_FEED_BEHIND] = "feed perangkat ini tertinggal dari yang dimiliki replika lain",
    [NARA_IO] = "galat baca/tulis penyimpanan",
    [NARA_FULL] = "penyimpanan penuh",
    [NARA_CORRUPT] = "berkas penyimpanan rusak atau bukan replika Naradamping",
    [NARA_BUSY] = "penyimpanan sedang dikunci oleh proses lain",
    [NARA_STORE_FAILED] = "penyimpanan berhenti setelah kegagalan sebelumnya; buka kembali",
    [NARA_NOT_FOUND] = "tidak ditemukan",
    [NARA_CRYPTO] = "kegagalan pustaka kriptografi",
    [NARA_SCHEMA] = "versi skema penyimpanan lebih baru daripada program ini",
    [NARA_BAD_KEY] = "kunci publik bukan kunci Ed25519 yang sah",
    [NARA_CLOCK] = "nilai jam di luar rentang",
    [NARA_UNAUTHORIZED] = "perangkat tidak berwenang menulis feed ini",
    [NARA_UNENROLLED] = "perangkat belum terdaftar di provinsi ini",
    [NARA_REVOKED] = "pendaftaran perangkat telah dicabut",
    [NARA_PROTOCOL] = "pesan tidak diizinkan pada tahap sesi sinkronisasi ini",
    [NARA_MALFORMED] = "pesan protokol cacat",
    [NARA_RATE_LIMITED] = "permintaan terlalu banyak; coba lagi nanti",
    [NARA_AUTH] = "autentikasi gagal: tanda tangan tantangan tidak sah",
    [NARA_SERVER_KEY] = "kunci server bukan kunci yang dipercaya perangkat ini",
    [NARA_CLOSED] = "sesi sinkronisasi telah ditutup",
    [NARA_TIMEOUT] = "pihak lain tidak menjawab tepat waktu",
    [NARA_CONNECT] = "tidak dapat terhubung ke server",
    [NARA_PROOF] = "bukti tidak sah",
    [NARA_TREE_FORK] = "riwayat server bercabang atau menyusut",
    [NARA_INCOMPLETE] = "riwayat tidak lengkap: ada catatan yang hilang",
    [NARA_OUT_OF_ORDER] = "rekaman tidak dalam urutan yang diwajibkan",
    [NARA_CHECKSUM] = "berkas rusak: checksum tidak cocok",
    [NARA_BACKDATED] =
        "catatan mengaku dibuat sebelum pencabutan penulisnya tetapi tiba di provinsi sesudahnya",
};

#define ERRS_ID_N (sizeof errs_id / sizeof errs_id[0])

const char *nara_err_text_in(nara_lang_t lang, nara_err_t err)
{
    if (lang == NARA_LANG_EN)
        return nara_strerror(err);
    if (lang != NARA_LANG_ID || (unsigned)err >= ERRS_ID_N)
        return NULL;
    return errs_id[err];
}

const char *nara_err_text(nara_err_t err)
{
    const char *t = nara_err_text_in(nara_msg_lang(), err);
    return t && t[0] ? t : nara_strerror(err);
}

static const char *const *const tables[NARA_LANG_COUNT] = {msgs_en, msgs_id};

nara_lang_t nara_lang_from_env(const char *lc_all, const char *lc_messages, const char *lang)
{
    const char *v = lc_all && lc_all[0]             ? lc_all
                    : lc_messages && lc_messages[0] ? lc_messages
                                                    : lang;
    if (v && v[0] == 'i' && v[1] == 'd' &&
        (v[2] == '\0' || v[2] == '_' || v[2] == '.' || v[2] == '@' || v[2] == '-'))
        return NARA_LANG_ID;
    return NARA_LANG_EN;
}

nara_lang_t nara_msg_lang(void)
{
    static int lang = -1;
    if (lang < 0)
        lang = (int)nara_lang_from_env(getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG"));
    return (nara_lang_t)lang;
}

const char *nara_msg_in(nara_lang_t lang, nara_msg_id_t id)
{
    if ((unsigned)lang >= NARA_LANG_COUNT || (unsigned)id >= NARA_MSG_COUNT)
        return NULL;
    return tables[lang][id];
}

const char *nara_msg(nara_msg_id_t id)
{
    const char *m = nara_msg_in(nara_msg_lang(), id);
    if (m == NULL || m[0] == '\0')
        m = nara_msg_in(NARA_LANG_EN, id);
    return m ? m : "";
}
