/*
 * msgs.c - the English and Indonesian catalogues of `nara` (msgs.h).
 *
 * Designated initialisers keep each table in step with the enum; the static
 * assertions catch a table that grows past it, and tests/test_nara_i18n.c
 * checks that no entry is missing or empty and that both languages of an id
 * take the same printf conversions.  Only libc and the core's headers are
 * used (the words of the log, rule and audit-finding texts below).
 */
#include <stdbool.h>
#include <stdio.h>
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
    [NARA_MSG_STATUS_RECEIPTS] =
        "Receipts  %llu own events with a receipt from the server, %llu sent "
        "without one yet, %llu not sent yet\n",
    [NARA_MSG_STATUS_TREE_HEAD] = "          pinned tree head: %llu events, signed %s\n",
    [NARA_MSG_STATUS_NO_TREE_HEAD] = "          no tree head yet (pinned on the first sync)\n",
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
    [NARA_MSG_HELP_ENROLL] =
        "Enrol a device (its public key, from `nara key` on that device) with a role:\n"
        "admin, secretariat, governor, auditor, lo, regency or server (narad's key, which\n"
        "signs receipts: enrol it with --scope '*'), and a scope: the region codes it may\n"
        "write for, or '*' for all.  Enrolling again changes role and scope.  Only the\n"
        "province root or an admin may enrol (docs/events.md section 5).\n"
        "\n"
        "Example:\n"
        "  nara enroll --device 9c2e...41 --role regency --scope 32.01 --name 'Pemkab Bogor'\n",
    [NARA_MSG_HELP_REVOKE] =
        "Revoke a device: its events from now on take no effect anywhere, even those it\n"
        "writes offline without having heard of the revocation.\n"
        "\n"
        "Example:\n"
        "  nara revoke --device 9c2e...41 --reason 'laptop lost'\n",
    [NARA_MSG_HELP_DEVICES] = "List every enrolled device: key, role, scope, name, since when,\n"
                              "and whether it is revoked.\n"
                              "\n"
                              "Example:\n"
                              "  nara devices\n",
    [NARA_MSG_HELP_DECREE] =
        "Record a governor's decree (Keputusan Gubernur).  The document itself stays where\n"
        "it is; the log keeps its BLAKE2b-256 hash (computed from --doc, or given).\n"
        "Dates are YYYY-MM-DD.\n"
        "\n"
        "Example:\n"
        "  nara decree --number 800/Kep.123-Org/2026 --date 2026-01-05 --doc kepgub.pdf \\\n"
        "    --effective 2026-01-10 --title 'Penunjukan Naradamping'\n",
    [NARA_MSG_HELP_LO_ASSIGN] =
        "Make an agency head Liaison Officer (Naradamping) of a region under a decree.  The\n"
        "new assignment replaces the region's current one on this replica.  --device is the\n"
        "LO's device key, if the LO has one.\n"
        "\n"
        "Example:\n"
        "  nara lo assign --region 32.01 --agency 'Dinas Kesehatan' --officer 'dr. Siti' \\\n"
        "    --decree 800/Kep.123-Org/2026 --effective 2026-01-10\n",
    [NARA_MSG_HELP_LO_UNASSIGN] =
        "End an LO assignment (its id from `nara lo show --region R`; a unique prefix of 8+\n"
        "hex digits is enough).\n"
        "\n"
        "Example:\n"
        "  nara lo unassign --region 32.01 --assignment 5d1c09aa --decree 800/Kep.200-Org/2026 "
        "--effective 2026-06-01\n",
    [NARA_MSG_HELP_LO_SHOW] =
        "The current LO of every region; with --region, that region's LO and the history\n"
        "of its assignments (conflicts of concurrent assignments are marked).\n"
        "\n"
        "Example:\n"
        "  nara lo show --region 32.01\n",
    [NARA_MSG_HELP_AUDIT] =
        "Verify a province's history offline, trusting only the province root key: every\n"
        "event's signature and hash chain, the order and completeness of the bundle,\n"
        "forks (with both events), the authority of every event replayed from the\n"
        "enrolments, every tree head's signature (by a key the log enrols as server),\n"
        "that the heads form one history, and every inclusion proof; and events that\n"
        "claim a time before their author's revocation but reached the province after it.\n"
        "BUNDLE comes from `narad export-bundle` or `nara export-bundle`; --with adds more\n"
        "(a regency's receipts beside the province's bundle).  --db audits a replica\n"
        "instead (a device's, or the server's own file; for the latter give --root and,\n"
        "if not Jawa Barat, --regions FILE).  --root is the root key you trust (without\n"
        "it the bundle's own is used and the report says so); --server-key trusts a\n"
        "server key the log does not enrol.\n"
        "\n"
        "Exit codes: 0 verified, nothing to report; 2 verified, with findings to judge\n"
        "(forks, events without authority, possibly backdated events); 4 failed (the\n"
        "history cannot be trusted as given: the first problem is named); 1 usage;\n"
        "5 a file cannot be read.\n"
        "\n"
        "Example:\n"
        "  nara audit jabar-2026.bundle --with bogor.bundle --root 28379a32...\n",
    [NARA_MSG_HELP_EXPORT_BUNDLE] =
        "Write an audit bundle of this replica (docs/audit.md section 5): every tree head\n"
        "the province server showed this device, the consistency proofs between them, the\n"
        "receipts it gave for this device's events, the events (each with its leaf when\n"
        "it has a receipt) and any fork evidence.  It proves, offline, that the province\n"
        "received what this device sent.  --region keeps those regions' streams (repeat\n"
        "it, or separate codes with commas; the province stream is always kept).  --from\n"
        "and --to keep the region feeds with an event claimed in that range (UTC days,\n"
        "inclusive), each from its first event so its chain can be verified.\n"
        "\n"
        "Example:\n"
        "  nara export-bundle --out bogor-2026.bundle --region 32.01 --from 2026-01-01\n",
    [NARA_MSG_HELP_CASE_OPEN] =
        "Open a case (persoalan / kendala) in a region and print its id.\n"
        "  --category  pembangunan, sosial, rpjmd, rapim, lainnya\n"
        "  --function  koordinasi, fasilitasi, sinkronisasi, komunikasi\n"
        "  --priority  rendah, sedang, tinggi, darurat\n"
        "The region's LO has 24 hours (1x24 jam) to acknowledge it.\n"
        "\n"
        "Example:\n"
        "  nara case open --region 32.01 --category pembangunan --function koordinasi \\\n"
        "    --title 'Jembatan Cibeet rusak' --description 'Akses dua desa terputus' --priority "
        "tinggi\n",
    [NARA_MSG_HELP_CASE_LIST] =
        "List cases in opening order, optionally of one region and one status\n"
        "(open, acknowledged, escalated, resolved, closed, reopened).\n"
        "\n"
        "Example:\n"
        "  nara case list --region 32.01 --status open\n",
    [NARA_MSG_HELP_CASE_SHOW] =
        "A case's fields and its timeline: time, kind, author (short key and\n"
        "enrolled name), text, and flags (no effect, conflict).\n"
        "\n"
        "Example:\n"
        "  nara case show 5d1c09aa\n",
    [NARA_MSG_HELP_EXPORT] =
        "Write a delta file of signed events to carry to another replica (USB stick).\n"
        "By default (--for-server) it holds what the server is not known to hold: the\n"
        "events beyond the vector saved at the last successful sync, or everything if\n"
        "there was none.  --all writes every event; --region keeps only that stream\n"
        "(a region code, or 'province').  The format is in docs/client.md.\n"
        "\n"
        "Example:\n"
        "  nara export --out /media/usb/bogor-2026-03-01.nara\n",
    [NARA_MSG_HELP_IMPORT] =
        "Merge a delta file written by `nara export` (on this or any replica of the\n"
        "province).  Every event goes through the same checks as a live sync; the summary\n"
        "says what was added, already held, pending, rejected and why.  A damaged file is\n"
        "refused at the byte offset of the damage, keeping every valid event before it\n"
        "(exit code 2); rejected events also give exit code 2.\n"
        "\n"
        "Example:\n"
        "  nara --db province.db import /media/usb/bogor-2026-03-01.nara\n",
    [NARA_MSG_HELP_RECEIPTS] =
        "List what the province server has signed for: each of this device's events it\n"
        "acknowledged with a receipt (its leaf in the server's transparency log and the\n"
        "tree head it is proven against), this device's events without a receipt yet,\n"
        "and any evidence kept of a server whose history forked or shrank.\n"
        "--verify checks everything offline: each tree head's signature by the pinned\n"
        "server key, that the heads form one history, each inclusion proof, and that each\n"
        "event is in this replica.  Exit 4 if anything does not verify.\n"
        "\n"
        "Example:\n"
        "  nara receipts --verify\n",
    [NARA_MSG_HELP_INIT] =
        "Create this device's key (FILE.key, mode 0600) and an empty replica for the province\n"
        "whose root public key is HEX.  --regions names a region list (TSV, see\n"
        "docs/events.md); the default is the built-in Jawa Barat list.  Prints the device's\n"
        "public key: give it to the provincial admin, who enrols it.\n"
        "\n"
        "Example:\n"
        "  nara --db bogor.db init --root 3f1a...e9\n",
    [NARA_MSG_HELP_PROVINCE_INIT] =
        "Create a province: a new key that is the province root (root public key = this\n"
        "device's key) and its replica.  Every other device is configured with\n"
        "`nara init --root <this key>` and enrolled from here with `nara enroll`.\n"
        "\n"
        "Example:\n"
        "  nara --db province.db province init --regions data/regions/36-banten.tsv\n",
    [NARA_MSG_HELP_KEY] = "Show this device's public key (64 hex digits).\n"
                          "\n"
                          "Example:\n"
                          "  nara --db bogor.db key\n",
    [NARA_MSG_HELP_SYNC] =
        "Sync with the provincial server (narad) over WebSocket: send what it lacks, fetch\n"
        "what this device may read, then disconnect.  --server is remembered (ws:// or\n"
        "wss://, path /sync unless given).  The server's key is pinned on first use (or\n"
        "required from --server-key); a different key later is refused (exit 4).\n"
        "--repin replaces the pin with --server-key.  --watch stays connected, pushes what\n"
        "other nara processes write, and reconnects after a drop (1 s doubling to 60 s,\n"
        "+-20 percent), until SIGINT/SIGTERM.  --insecure accepts any TLS certificate: for\n"
        "tests with a self-signed certificate only.  --ca names a CA file for wss://.\n"
        "Progress goes to stderr when it is a terminal or with --progress.\n"
        "\n"
        "Every tree head the server shows must extend the last one kept here, and every\n"
        "receipt it gives must verify; they are kept (nara receipts).  A server whose\n"
        "history forked or shrank is refused (exit 4) and the evidence kept.\n"
        "\n"
        "Exit codes: 0 done; 2 partial (some events refused, reasons in the summary);\n"
        "3 no connection or connection lost before done; 4 permanent refusal (revoked,\n"
        "unenrolled, fork, server key mismatch, forked server history); 5 local storage\n"
        "error; 1 usage.\n"
        "\n"
        "Example:\n"
        "  nara sync --server ws://narad.jabarprov.go.id:7443\n",
    [NARA_MSG_HELP_REPORT] =
        "The per-region report a Sekda reads in a minute: region, current LO, open cases,\n"
        "overdue (not acknowledged within 24 hours), late (acknowledged after 24 hours),\n"
        "escalated, resolved, and the median time to acknowledgement.  Times are UTC.\n"
        "\n"
        "Example:\n"
        "  nara report --as-of 2026-03-01T08:00Z\n",
    [NARA_MSG_HELP_STATUS] =
        "What this replica holds: events, pending (waiting for a predecessor), forks,\n"
        "quarantined events, the digest of the accepted set (equal on replicas holding the\n"
        "same events), own feeds and their heads, whether the own feed is behind, the last\n"
        "sync and the pinned server identity.\n"
        "\n"
        "Example:\n"
        "  nara status --json\n",
    [NARA_MSG_HELP_QUARANTINE] =
        "What was refused: events the store rejected on arrival (bad signature, broken\n"
        "chain, ...), and events in the log that the fold did not apply, with the rule they\n"
        "broke (unknown-device, revoked, role, scope, wrong-stream, malformed, ...).\n"
        "\n"
        "Example:\n"
        "  nara quarantine\n",
    [NARA_MSG_HELP_CONFLICTS] =
        "Visible conflicts of concurrent edits (docs/events.md section 6): two LO\n"
        "assignments of one region (lo-assign; 'kept' is the current one), a close and a\n"
        "reopen (close-reopen; reopen wins), a note written while the case was resolved\n"
        "(note-after-resolve).\n"
        "\n"
        "Example:\n"
        "  nara conflicts\n",
    [NARA_MSG_HELP_CASE_ACK] = "Acknowledge a case as the region's LO: stops the 24-hour clock.\n"
                               "\n"
                               "Example:\n"
                               "  nara case ack 5d1c09aa\n",
    [NARA_MSG_HELP_CASE_CLOSE] = "Close a case.\n"
                                 "\n"
                                 "Example:\n"
                                 "  nara case close 5d1c09aa\n",
    [NARA_MSG_HELP_CASE_NOTE] =
        "Add a note to a case's timeline (any status).\n"
        "\n"
        "Example:\n"
        "  nara case note 5d1c09aa --text 'Sudah dikoordinasikan dengan Dinas PUPR'\n",
    [NARA_MSG_HELP_CASE_ACTION] =
        "Record a follow-up action (tindak lanjut): what, who, due date.\n"
        "\n"
        "Example:\n"
        "  nara case action 5d1c09aa --what 'Survei lokasi' --who 'Dinas PUPR' --due 2026-02-01\n",
    [NARA_MSG_HELP_CASE_ESCALATE] =
        "Escalate a case to the Regional Secretary (sekda) or the Governor (gubernur).\n"
        "\n"
        "Example:\n"
        "  nara case escalate 5d1c09aa --to sekda --reason 'Butuh anggaran provinsi'\n",
    [NARA_MSG_HELP_CASE_RESOLVE] =
        "Resolve a case with a summary of the outcome.\n"
        "\n"
        "Example:\n"
        "  nara case resolve 5d1c09aa --summary 'Jembatan darurat terpasang'\n",
    [NARA_MSG_HELP_CASE_REOPEN] =
        "Reopen a resolved or closed case.\n"
        "\n"
        "Example:\n"
        "  nara case reopen 5d1c09aa --reason 'Jembatan darurat rusak lagi'\n",
    [NARA_MSG_ERR_MISSING_OPTION] = "missing --%s (usage: %s)",
    [NARA_MSG_ERR_MISSING_ARG] = "missing %s (usage: %s)",
    [NARA_MSG_ERR_UNEXPECTED_ARG] = "unexpected argument '%s' (usage: %s)",
    [NARA_MSG_ERR_DB_EMPTY] = "--db: empty file name",
    [NARA_MSG_ERR_DB_TOO_LONG] = "--db: path too long",
    [NARA_MSG_ERR_DB_NO_DIR] = "--db: directory '%s' does not exist (for %s)",
    [NARA_MSG_ERR_REGION_LIST] = "region list %s: %s",
    [NARA_MSG_ERR_KEY_PERMS] = "key file %s is readable by group or others: run chmod 600 %s",
    [NARA_MSG_ERR_KEY_FILE] = "key file %s",
    [NARA_MSG_ERR_OPEN_REPLICA] = "cannot open replica %s",
    [NARA_MSG_ERR_OPEN_SETTINGS] = "cannot open settings in %s: %s",
    [NARA_MSG_ERR_READ_SETTINGS] = "reading settings of %s",
    [NARA_MSG_ERR_NO_ROOT] = "replica %s has no province root key configured (run nara init)",
    [NARA_MSG_ERR_VOCAB] = "--%s: unknown value '%s' (one of: %s)",
    [NARA_MSG_ERR_DATE] = "--%s: '%s' is not a date (expected YYYY-MM-DD)",
    [NARA_MSG_ERR_INSTANT] = "--%s: '%s' is not a time (expected YYYY-MM-DDTHH:MM[:SS]Z or now)",
    [NARA_MSG_ERR_REGION] =
        "--%s: '%s' is not a region of %s (%zu regions, e.g. %s; see nara report)",
    [NARA_MSG_ERR_TEXT_EMPTY] = "--%s must not be empty",
    [NARA_MSG_ERR_TEXT_LONG] = "--%s is longer than %d bytes",
    [NARA_MSG_ERR_HEX] = "--%s: '%.80s' is not valid hex (expected exactly 64 hex digits)",
    [NARA_MSG_THIS_PROVINCE] = "this province",
    [NARA_MSG_ERR_SCOPE_TOO_LONG] = "--scope is too long",
    [NARA_MSG_ERR_SCOPE_TOO_MANY] = "--scope lists too many regions",
    [NARA_MSG_ERR_SCOPE_EMPTY] = "--scope: expected region codes (32.01,32.02) or '*'",
    [NARA_MSG_ERR_ROLE] = "--role: '%s' is not an enrolable role (one of: admin, secretariat, "
                          "governor, auditor, lo, regency, server)",
    [NARA_MSG_ERR_DOC_READ] = "--doc: cannot read %s",
    [NARA_MSG_ERR_DOC_IO] = "--doc: error reading %s",
    [NARA_MSG_ERR_DOC_ONE] = "give exactly one of --doc FILE or --doc-hash HEX (the BLAKE2b-256 of "
                             "the signed decree document)",
    [NARA_MSG_ERR_ASSIGNMENT_NONE] =
        "--assignment: '%.80s' names no assignment of %s (give its id, or a unique prefix of 8+ "
        "hex digits; see nara lo show --region %s)",
    [NARA_MSG_ERR_ASSIGNMENT_MANY] =
        "--assignment: '%.80s' names more than one assignment of %s (give its id, or a unique "
        "prefix of 8+ hex digits; see nara lo show --region %s)",
    [NARA_MSG_NOTE_DECREE_UNKNOWN] =
        "nara: note: decree %s is not recorded on this replica (nara decree records it)\n",
    [NARA_MSG_COL_KEY] = "Key",
    [NARA_MSG_COL_ROLE] = "Role",
    [NARA_MSG_COL_SCOPE] = "Scope",
    [NARA_MSG_COL_DEVICE_NAME] = "Name",
    [NARA_MSG_COL_SINCE] = "Since",
    [NARA_MSG_DEVICE_REVOKED] = "REVOKED ",
    [NARA_MSG_DEVICES_NONE] = "No device is enrolled yet (nara enroll enrols one).\n",
    [NARA_MSG_COL_OFFICER] = "Officer",
    [NARA_MSG_COL_AGENCY] = "Agency",
    [NARA_MSG_COL_DECREE] = "Decree",
    [NARA_MSG_COL_ASSIGNMENT] = "Assignment",
    [NARA_MSG_LO_HISTORY] = "\n"
                            "History of %s:\n",
    [NARA_MSG_LO_HISTORY_ROW] = "  %s  %.12s %-11s %-22s eff %s %s%s%s\n",
    [NARA_MSG_LO_CURRENT] = "current",
    [NARA_MSG_LO_NO_EFFECT] = "no-effect",
    [NARA_MSG_LO_CONFLICT] = "      (conflict: recorded concurrently with another assignment)\n",
    [NARA_MSG_COL_STATUS] = "Status",
    [NARA_MSG_COL_PRIORITY] = "Priority",
    [NARA_MSG_COL_OPENED] = "Opened",
    [NARA_MSG_COL_TITLE] = "Title",
    [NARA_MSG_CASE_LIST_NONE] = "No cases.\n",
    [NARA_MSG_STATUS_FEED_ROW] = "  %-9s seq %-6llu head %.12s%s\n",
    [NARA_MSG_STATUS_FEED_BEHIND] = "  BEHIND: other replicas hold later events of this feed",
    [NARA_MSG_Q_STORE_HEAD] = "Refused by the store (not in the log):\n",
    [NARA_MSG_Q_DOM_HEAD] =
        "In the log without effect (authority rules, docs/events.md section 5):\n",
    [NARA_MSG_Q_STORE_ROW] = "  %s  %-12.12s %s (%s), %zu bytes\n",
    [NARA_MSG_Q_NO_ID] = "(no id)",
    [NARA_MSG_Q_DOM_ROW] = "  %s  %.12s %-14s %-9s by %s: %s%s%s\n",
    [NARA_MSG_NONE_ROW] = "  (none)\n",
    [NARA_MSG_CONFLICT_ROW] = "  %-18s %-6s %s%.12s  kept %.12s, other %.12s%s\n",
    [NARA_MSG_CONFLICT_CASE] = "case ",
    [NARA_MSG_CONFLICT_SETTLED] = "  (settled later)",
    [NARA_MSG_CONFLICTS_NONE] = "No conflicts.\n",
    [NARA_MSG_NOTE_VV_UNREADABLE] =
        "nara: note: the saved server vector is unreadable; exporting everything\n",
    [NARA_MSG_ERR_OUT_CREATE] = "--out: cannot create %s: %s",
    [NARA_MSG_ERR_EXPORT_BOTH] = "give --for-server or --all, not both",
    [NARA_MSG_EXPORT_DONE] = "Exported %llu events (%llu bytes) to %s: %s.\n",
    [NARA_MSG_EXPORT_BASE_SERVER] = "what the server is not known to hold (as of the last sync)",
    [NARA_MSG_EXPORT_BASE_ALL] = "everything this replica holds",
    [NARA_MSG_ERR_CANNOT_READ] = "cannot read %s: %s",
    [NARA_MSG_IMPORT_DONE] =
        "Imported %llu events: %zu added, %zu already held, %zu pending (waiting for earlier "
        "events), %zu rejected, %zu forks; %zu earlier events completed.\n",
    [NARA_MSG_IMPORT_DAMAGED] = "%s is damaged at byte offset %llu: %s; the %llu valid events "
                                "before it were merged, the rest was refused",
    [NARA_MSG_DELTA_NOT_DELTA] = "not a Naradamping delta file (NARA-DELTA-V1 header missing)",
    [NARA_MSG_DELTA_TRAILER_TRUNCATED] = "the file ends inside the trailer (truncated)",
    [NARA_MSG_DELTA_TRAILER_COUNT] = "trailer counts %llu events but the file holds %llu",
    [NARA_MSG_DELTA_AFTER_TRAILER] = "bytes after the trailer",
    [NARA_MSG_DELTA_BAD_RECORD] = "record %llu is not a valid event",
    [NARA_MSG_DELTA_NO_TRAILER] = "the file ends before its trailer (truncated)",
    [NARA_MSG_DELTA_RECORD_TOO_LARGE] =
        "record length exceeds the largest event (NARA_EVENT_MAX_BYTES)",
    [NARA_MSG_DELTA_RECORD_TRUNCATED] = "the file ends inside a record (truncated)",
    [NARA_MSG_SETUP_CREATED] = "Created replica %s (%s, %zu regions).\n",
    [NARA_MSG_SETUP_ROOT] = "Province root key: %s\n"
                            "Configure every device with: nara init --root %s\n",
    [NARA_MSG_SETUP_DEVICE] = "Device public key: %s\n"
                              "Give this key to the provincial admin for enrolment.\n",
    [NARA_MSG_ERR_KEY_CREATE] = "cannot create key file %s: %s",
    [NARA_MSG_ERR_CREATE_REPLICA] = "cannot create replica %s",
    [NARA_MSG_ERR_EXISTS] = "%s already exists: a replica and its key are never overwritten",
    [NARA_MSG_ERR_REGIONS_READ] = "--regions: cannot read %s: %s",
    [NARA_MSG_ERR_REGION_TOO_MANY] = "--region: too many regions",
    [NARA_MSG_ERR_FROM_AFTER_TO] = "--from %s is after --to %s",
    [NARA_MSG_BUNDLE_DONE] = "Exported %llu events, %llu with a receipt, %llu tree heads and %llu "
                             "consistency proofs to %s.\n"
                             "Check it with: nara audit %s\n",
    [NARA_MSG_ERR_AUDIT_RUN] = "the audit could not run",
    [NARA_MSG_ERR_WITH_MAX] = "--with: at most %d bundles",
    [NARA_MSG_ERR_CANNOT_OPEN] = "cannot open %s: %s",
    [NARA_MSG_ERR_SERVER_REPLICA_ROOT] =
        "%s is a server replica: give the province root with --root HEX",
    [NARA_MSG_ERR_READING] = "reading %s",
    [NARA_MSG_ERR_NO_REPLICA_AT] = "no replica at %s (give a BUNDLE or --db FILE)",
    [NARA_MSG_ERR_WITH_NEEDS_BUNDLE] = "--with needs a BUNDLE first",
    [NARA_MSG_AUDIT_ROOT_GIVEN] = "given with --root",
    [NARA_MSG_AUDIT_ROOT_REPLICA] = "configured in the replica",
    [NARA_MSG_AUDIT_ROOT_BUNDLE] =
        "taken from the bundle: compare it with the province's published root key, or give --root",
    [NARA_MSG_AUDIT_HEAD] = "Audit of %s%s: %s\n",
    [NARA_MSG_AUDIT_AND_MORE] = " (and more)",
    [NARA_MSG_AUDIT_VERIFIED] = "VERIFIED",
    [NARA_MSG_AUDIT_WITH_FINDINGS] = "VERIFIED, WITH FINDINGS",
    [NARA_MSG_AUDIT_FAILED] = "FAILED",
    [NARA_MSG_AUDIT_WITH] = "  with %s\n",
    [NARA_MSG_AUDIT_ROOT] = "  province root %s (%s)\n",
    [NARA_MSG_AUDIT_COUNTS] = "  %llu events in %llu feeds; %llu tree heads, %llu consistency and "
                              "%llu inclusion proofs; %llu fork records\n",
    [NARA_MSG_AUDIT_SERVER] = "  server key %s (%s)\n",
    [NARA_MSG_AUDIT_ENROLLED] = "enrolled as server in the log",
    [NARA_MSG_AUDIT_NOT_ENROLLED] = "not enrolled as server",
    [NARA_MSG_AUDIT_LARGEST] = "  largest tree head: %llu events, signed %s\n",
    [NARA_MSG_AUDIT_RECEIPTED] = "  %llu of %llu events have a verified receipt%s\n",
    [NARA_MSG_AUDIT_NOT_CLAIMED] = " (the bundle does not claim to hold the whole log)",
    [NARA_MSG_AUDIT_COMPLETE] = "; the bundle holds the whole log: complete",
    [NARA_MSG_AUDIT_INCOMPLETE] = "; the bundle claims the whole log but is NOT complete",
    [NARA_MSG_AUDIT_FIRST] = "First problem:\n",
    [NARA_MSG_AUDIT_FAILURES] = "Failures: the history cannot be trusted as given (%llu):\n",
    [NARA_MSG_AUDIT_FINDINGS] = "Findings: authentic, for a person to judge (%llu):\n",
    [NARA_MSG_AUDIT_MORE] = "(%zu more not listed)\n",
    [NARA_MSG_AUDIT_SUBJ_EVENT] = "event %s",
    [NARA_MSG_AUDIT_SUBJ_FEED_SEQ] = " (%s seq %llu, by %s, claimed %s)",
    [NARA_MSG_AUDIT_SUBJ_FEED] = " (%s, by %s, claimed %s)",
    [NARA_MSG_AUDIT_SUBJ_OTHER] = "%sand %s",
    [NARA_MSG_AUDIT_SUBJ_BUNDLE_RECORD] = "%sbundle %u record %llu",
    [NARA_MSG_AUDIT_SUBJ_RECORD] = "%srecord %llu",
    [NARA_MSG_ERR_NO_SERVER] =
        "missing --server ws://HOST:PORT (no server used before on this replica)",
    [NARA_MSG_ERR_URL_SCHEME] = "--server: '%.100s' is not a ws:// or wss:// URL",
    [NARA_MSG_ERR_URL_HOST] = "--server: '%.100s' has no host",
    [NARA_MSG_ERR_URL_PORT] = "--server: '%.100s' has no valid port",
    [NARA_MSG_ERR_REPIN_NEEDS_KEY] = "--repin needs --server-key HEX (the new key)",
    [NARA_MSG_ERR_KEY_DIFFERS] =
        "--server-key %.16s... differs from the pinned server key %.16s... (NARA_SERVER_KEY): "
        "check with the provincial admin which key narad has; if it really changed, add --repin",
    [NARA_MSG_ERR_PIN_UNREADABLE] = "the pinned server key in %s is unreadable",
    [NARA_MSG_ERR_RCPT_TABLES] = "cannot prepare the receipt tables in %s",
    [NARA_MSG_SYNC_EVIDENCE] = "nara: evidence of the server's forked history was kept in %s\n",
    [NARA_MSG_SYNC_META_WARN] = "nara: warning: could not record the sync in the settings: %s\n",
    [NARA_MSG_SYNC_PROGRESS] = "nara: sent %llu (acknowledged %llu), received %llu (added %llu)\n",
    [NARA_MSG_SYNC_RETRY] = "nara: %s; retrying in %.1f s\n",
    [NARA_MSG_SYNC_DISCONNECTED] = "disconnected",
    [NARA_MSG_SYNC_INTERRUPTED] = "interrupted before the sync was done",
    [NARA_MSG_SYNC_LOST] = "connection lost",
    [NARA_MSG_SYNC_LOST_EARLY] = "connection lost before the sync was done",
    [NARA_MSG_SYNC_NO_CONNECT] = "could not connect to the server",
    [NARA_MSG_SYNC_ATT_NOMEM] = "out of memory creating the session",
    [NARA_MSG_SYNC_ATT_START] = "could not start a connection to the server",
    [NARA_MSG_SYNC_ATT_SESSION] = "could not start the session",
    [NARA_MSG_SYNC_ATT_TEXT] = "the server sent a text frame",
    [NARA_MSG_SYNC_ATT_TOO_LARGE] = "the server sent a message over NARA_MAX_MESSAGE_BYTES",
    [NARA_MSG_SYNC_ATT_STORE] = "local store failed during the sync",
    [NARA_MSG_SYNC_ATT_WRITE] = "writing to the server failed",
    [NARA_MSG_SYNC_ATT_CONNECT] = "could not connect to %.64s:%d: %.80s%s",
    [NARA_MSG_SYNC_CONNECT_FAILED] = "connection failed",
    [NARA_MSG_SYNC_TLS_HINT] = " (TLS certificate not trusted? give --ca FILE)",
    [NARA_MSG_LABEL_ROOT] = "%s (province root)",
    [NARA_MSG_LABEL_UNKNOWN] = "%s (not enrolled here)",
    [NARA_MSG_LABEL_REVOKED] = "%s (%s, revoked)",
    [NARA_MSG_NOTE_UNKNOWN_DEVICE] =
        "nara: note: this device's enrolment has not reached this replica yet, so the event takes "
        "no effect here until it does (sync to fetch it)\n",
    [NARA_MSG_WARN_NO_EFFECT] =
        "nara: warning: the event is recorded and signed but takes no effect: rule %s%s%s\n",
    [NARA_MSG_RCPT_BAD_HEAD] = "tree head of size %llu",
    [NARA_MSG_RCPT_NO_LINK] = "no verified consistency proof between the tree heads of size %llu "
                              "and %llu: they are not shown to be one history",
    [NARA_MSG_RCPT_HEAD_INVALID] = "receipt for event %s: its tree head (size %llu) is not valid",
    [NARA_MSG_RCPT_HEAD_NOT_KEPT] = "receipt for event %s: its tree head (size %llu) is not kept",
    [NARA_MSG_RCPT_PROOF_BAD] =
        "receipt for event %s: the inclusion proof at leaf %llu does not verify",
    [NARA_MSG_RCPT_NOT_HELD_EVENT] = "receipt for event %s: this replica does not hold that event",
    [NARA_MSG_RCPT_NOT_HELD] = "(not held)",
    [NARA_MSG_RCPT_ROW_VERIFIED] = "  verified",
    [NARA_MSG_RCPT_ROW_FAILED] = "  FAILED",
    [NARA_MSG_RCPT_EVIDENCE_HEAD] =
        "EVIDENCE: a server history was refused (it forked or shrank); keep this\n"
        "replica and report it to the provincial admin and the Inspectorate:\n",
    [NARA_MSG_RCPT_EVIDENCE_KEPT] = "  %s, %s: kept head %llu events (root %s, signed %s); ",
    [NARA_MSG_RCPT_EVIDENCE_OFFERED] =
        "offered head %llu events (root %s, signed %s) does not extend it\n",
    [NARA_MSG_RCPT_EVIDENCE_NONE] = "the server showed no signed head at all\n",
    [NARA_MSG_ERR_REGION_LIST_ERR] = "region list %s",
    [NARA_MSG_ERR_REGIONS_FILE] = "--regions %s: %s",
    [NARA_MSG_DUR_DAYS] = "%llud %lluh",
    [NARA_MSG_DUR_HOURS] = "%lluh %llum",
    [NARA_MSG_DUR_MINUTES] = "%llum %llus",
    [NARA_MSG_DUR_SECONDS] = "%llus",
    [NARA_MSG_STORED_OK] = "ok",
    [NARA_MSG_STORED_PARTIAL] = "partial: some events refused",
    [NARA_MSG_STATUS_SYNC_SUMMARY] =
        "          sent %llu, acknowledged %llu, received %llu, added %llu, rejected %llu\n",
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
    [NARA_MSG_STATUS_RECEIPTS] =
        "Tanda terima %llu catatan perangkat ini bertanda terima dari server, "
        "%llu terkirim tetapi belum bertanda terima, %llu belum terkirim\n",
    [NARA_MSG_STATUS_TREE_HEAD] =
        "          kepala pohon yang ditetapkan: %llu catatan, ditandatangani %s\n",
    [NARA_MSG_STATUS_NO_TREE_HEAD] =
        "          belum ada kepala pohon (ditetapkan pada sinkronisasi pertama)\n",
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
    [NARA_MSG_HELP_ENROLL] =
        "Daftarkan sebuah perangkat (kunci publiknya, dari `nara key` di perangkat itu)\n"
        "dengan sebuah peran: admin, secretariat, governor, auditor, lo, regency atau\n"
        "server (kunci narad, yang menandatangani tanda terima: daftarkan dengan\n"
        "--scope '*'), dan sebuah cakupan: kode kabupaten/kota yang boleh ditulisnya, atau\n"
        "'*' untuk semua.  Mendaftarkan ulang mengubah peran dan cakupan.  Hanya akar\n"
        "provinsi atau admin yang boleh mendaftarkan (docs/events.md bagian 5).\n"
        "\n"
        "Contoh:\n"
        "  nara enroll --device 9c2e...41 --role regency --scope 32.01 --name 'Pemkab Bogor'\n",
    [NARA_MSG_HELP_REVOKE] =
        "Cabut sebuah perangkat: catatannya mulai saat ini tidak berlaku di mana pun,\n"
        "termasuk yang ditulisnya secara luring sebelum mengetahui pencabutan itu.\n"
        "\n"
        "Contoh:\n"
        "  nara revoke --device 9c2e...41 --reason 'laptop hilang'\n",
    [NARA_MSG_HELP_DEVICES] =
        "Daftar semua perangkat terdaftar: kunci, peran, cakupan, nama, sejak kapan,\n"
        "dan apakah sudah dicabut.\n"
        "\n"
        "Contoh:\n"
        "  nara devices\n",
    [NARA_MSG_HELP_DECREE] =
        "Catat Keputusan Gubernur (Kepgub).  Dokumennya sendiri tetap di tempatnya; log\n"
        "menyimpan hash BLAKE2b-256-nya (dihitung dari --doc, atau diberikan).\n"
        "Tanggal ditulis YYYY-MM-DD.\n"
        "\n"
        "Contoh:\n"
        "  nara decree --number 800/Kep.123-Org/2026 --date 2026-01-05 --doc kepgub.pdf \\\n"
        "    --effective 2026-01-10 --title 'Penunjukan Naradamping'\n",
    [NARA_MSG_HELP_LO_ASSIGN] =
        "Tetapkan seorang Kepala OPD sebagai Pejabat Penghubung (LO, Naradamping) suatu\n"
        "kabupaten/kota berdasarkan Kepgub.  Penugasan baru menggantikan penugasan yang\n"
        "berlaku di replika ini.  --device adalah kunci perangkat LO, jika LO memilikinya.\n"
        "\n"
        "Contoh:\n"
        "  nara lo assign --region 32.01 --agency 'Dinas Kesehatan' --officer 'dr. Siti' \\\n"
        "    --decree 800/Kep.123-Org/2026 --effective 2026-01-10\n",
    [NARA_MSG_HELP_LO_UNASSIGN] =
        "Akhiri penugasan LO (id-nya dari `nara lo show --region R`; awalan unik 8 digit\n"
        "heksadesimal atau lebih sudah cukup).\n"
        "\n"
        "Contoh:\n"
        "  nara lo unassign --region 32.01 --assignment 5d1c09aa --decree 800/Kep.200-Org/2026 "
        "--effective 2026-06-01\n",
    [NARA_MSG_HELP_LO_SHOW] =
        "LO yang berlaku di setiap kabupaten/kota; dengan --region, LO wilayah itu beserta\n"
        "riwayat penugasannya (konflik penugasan yang bersamaan ditandai).\n"
        "\n"
        "Contoh:\n"
        "  nara lo show --region 32.01\n",
    [NARA_MSG_HELP_AUDIT] =
        "Verifikasi riwayat provinsi secara luring, hanya dengan mempercayai kunci akar\n"
        "provinsi: tanda tangan dan rantai hash setiap catatan, urutan dan kelengkapan\n"
        "paket, percabangan (beserta kedua catatannya), kewenangan setiap catatan yang\n"
        "diputar ulang dari pendaftaran, tanda tangan setiap kepala pohon (oleh kunci yang\n"
        "didaftarkan log sebagai server), bahwa kepala-kepala pohon membentuk satu riwayat,\n"
        "dan setiap bukti inklusi; serta catatan yang mengaku dibuat sebelum pencabutan\n"
        "penulisnya tetapi tiba di provinsi sesudahnya.\n"
        "BUNDLE berasal dari `narad export-bundle` atau `nara export-bundle`; --with\n"
        "menambah paket lain (tanda terima kabupaten/kota di samping paket provinsi).\n"
        "--db mengaudit sebuah replika (milik perangkat, atau berkas server sendiri; untuk\n"
        "yang terakhir berikan --root dan, jika bukan Jawa Barat, --regions BERKAS).\n"
        "--root adalah kunci akar yang Anda percayai (tanpanya kunci dari paket yang\n"
        "dipakai dan laporan menyebutkannya); --server-key mempercayai kunci server yang\n"
        "tidak didaftarkan dalam log.\n"
        "\n"
        "Kode keluar: 0 terverifikasi, tidak ada temuan; 2 terverifikasi, dengan temuan\n"
        "untuk dinilai (percabangan, catatan tanpa kewenangan, catatan yang mungkin\n"
        "diberi tanggal mundur); 4 gagal (riwayat tidak dapat dipercaya sebagaimana\n"
        "adanya: masalah pertama disebutkan); 1 salah penggunaan; 5 berkas tidak dapat\n"
        "dibaca.\n"
        "\n"
        "Contoh:\n"
        "  nara audit jabar-2026.bundle --with bogor.bundle --root 28379a32...\n",
    [NARA_MSG_HELP_EXPORT_BUNDLE] =
        "Tulis paket audit replika ini (docs/audit.md bagian 5): setiap kepala pohon yang\n"
        "ditunjukkan server provinsi kepada perangkat ini, bukti konsistensi di antaranya,\n"
        "tanda terima yang diberikannya untuk catatan perangkat ini, catatan-catatannya\n"
        "(masing-masing dengan daunnya bila bertanda terima) dan bukti percabangan yang\n"
        "ada.  Paket ini membuktikan, secara luring, bahwa provinsi telah menerima apa yang\n"
        "dikirim perangkat ini.  --region menyimpan aliran wilayah-wilayah itu (ulangi,\n"
        "atau pisahkan kode dengan koma; aliran provinsi selalu disimpan).  --from dan\n"
        "--to menyimpan feed wilayah yang memiliki catatan dalam rentang itu (hari UTC,\n"
        "inklusif), masing-masing sejak catatan pertamanya agar rantainya dapat\n"
        "diverifikasi.\n"
        "\n"
        "Contoh:\n"
        "  nara export-bundle --out bogor-2026.bundle --region 32.01 --from 2026-01-01\n",
    [NARA_MSG_HELP_CASE_OPEN] =
        "Ajukan persoalan / kendala di suatu kabupaten/kota dan tampilkan id-nya.\n"
        "  --category  pembangunan, sosial, rpjmd, rapim, lainnya\n"
        "  --function  koordinasi, fasilitasi, sinkronisasi, komunikasi\n"
        "  --priority  rendah, sedang, tinggi, darurat\n"
        "LO wilayah itu wajib menanggapinya dalam 1x24 jam.\n"
        "\n"
        "Contoh:\n"
        "  nara case open --region 32.01 --category pembangunan --function koordinasi \\\n"
        "    --title 'Jembatan Cibeet rusak' --description 'Akses dua desa terputus' "
        "--priority tinggi\n",
    [NARA_MSG_HELP_CASE_LIST] =
        "Daftar persoalan menurut urutan pengajuan, bila perlu hanya satu kabupaten/kota\n"
        "dan satu status (open, acknowledged, escalated, resolved, closed, reopened).\n"
        "\n"
        "Contoh:\n"
        "  nara case list --region 32.01 --status open\n",
    [NARA_MSG_HELP_CASE_SHOW] =
        "Rincian suatu persoalan dan riwayat tindak lanjutnya: waktu, jenis, penulis\n"
        "(kunci singkat dan nama terdaftar), teks, dan tanda (tanpa efek, konflik).\n"
        "\n"
        "Contoh:\n"
        "  nara case show 5d1c09aa\n",
    [NARA_MSG_HELP_EXPORT] =
        "Tulis berkas delta berisi catatan bertanda tangan untuk dibawa ke replika lain\n"
        "(flashdisk).  Secara bawaan (--for-server) berkas memuat apa yang belum diketahui\n"
        "dimiliki server: catatan setelah vektor yang disimpan pada sinkronisasi terakhir\n"
        "yang berhasil, atau semuanya bila belum pernah ada.  --all menulis semua catatan;\n"
        "--region hanya menyimpan aliran itu (kode kabupaten/kota, atau 'province').\n"
        "Formatnya ada di docs/client.md.\n"
        "\n"
        "Contoh:\n"
        "  nara export --out /media/usb/bogor-2026-03-01.nara\n",
    [NARA_MSG_HELP_IMPORT] =
        "Gabungkan berkas delta yang ditulis `nara export` (di replika ini atau replika\n"
        "lain di provinsi yang sama).  Setiap catatan menjalani pemeriksaan yang sama\n"
        "seperti sinkronisasi langsung; ringkasannya menyebutkan apa yang ditambahkan,\n"
        "sudah dimiliki, tertunda, ditolak dan alasannya.  Berkas yang rusak ditolak mulai\n"
        "dari posisi bita kerusakannya, dan setiap catatan sah sebelumnya tetap disimpan\n"
        "(kode keluar 2); catatan yang ditolak juga memberi kode keluar 2.\n"
        "\n"
        "Contoh:\n"
        "  nara --db province.db import /media/usb/bogor-2026-03-01.nara\n",
    [NARA_MSG_HELP_RECEIPTS] =
        "Daftar tanda terima dari server provinsi: setiap catatan perangkat ini yang telah\n"
        "dikonfirmasinya dengan tanda terima (daunnya dalam log transparansi server dan\n"
        "kepala pohon tempat buktinya), catatan perangkat ini yang belum bertanda terima,\n"
        "dan bukti yang disimpan tentang server yang riwayatnya bercabang atau menyusut.\n"
        "--verify memeriksa semuanya secara luring: tanda tangan setiap kepala pohon oleh\n"
        "kunci server yang ditetapkan, bahwa kepala-kepala pohon membentuk satu riwayat,\n"
        "setiap bukti inklusi, dan bahwa setiap catatan ada di replika ini.  Kode keluar 4\n"
        "bila ada yang tidak terverifikasi.\n"
        "\n"
        "Contoh:\n"
        "  nara receipts --verify\n",
    [NARA_MSG_HELP_INIT] =
        "Buat kunci perangkat ini (BERKAS.key, mode 0600) dan replika kosong untuk provinsi\n"
        "yang kunci publik akarnya HEX.  --regions menunjuk daftar kabupaten/kota (TSV,\n"
        "lihat docs/events.md); bawaannya daftar Jawa Barat.  Kunci publik perangkat\n"
        "ditampilkan: serahkan kepada admin provinsi untuk didaftarkan.\n"
        "\n"
        "Contoh:\n"
        "  nara --db bogor.db init --root 3f1a...e9\n",
    [NARA_MSG_HELP_PROVINCE_INIT] =
        "Buat provinsi: kunci baru yang menjadi akar provinsi (kunci publik akar = kunci\n"
        "perangkat ini) beserta replikanya.  Setiap perangkat lain diatur dengan\n"
        "`nara init --root <kunci ini>` dan didaftarkan dari sini dengan `nara enroll`.\n"
        "\n"
        "Contoh:\n"
        "  nara --db province.db province init --regions data/regions/36-banten.tsv\n",
    [NARA_MSG_HELP_KEY] = "Tampilkan kunci publik perangkat ini (64 digit heksadesimal).\n"
                          "\n"
                          "Contoh:\n"
                          "  nara --db bogor.db key\n",
    [NARA_MSG_HELP_SYNC] =
        "Sinkronisasi dengan server provinsi (narad) melalui WebSocket: kirim apa yang\n"
        "belum dimilikinya, ambil apa yang boleh dibaca perangkat ini, lalu putuskan\n"
        "koneksi.  --server diingat (ws:// atau wss://, jalur /sync bila tidak diberikan).\n"
        "Kunci server ditetapkan pada penggunaan pertama (atau diwajibkan dari\n"
        "--server-key); kunci lain di kemudian hari ditolak (kode keluar 4).\n"
        "--repin mengganti kunci yang ditetapkan dengan --server-key.  --watch tetap\n"
        "terhubung, mengirim apa yang ditulis proses nara lain, dan menyambung kembali\n"
        "setelah terputus (1 s berlipat dua hingga 60 s, +-20 persen), sampai\n"
        "SIGINT/SIGTERM.  --insecure menerima sertifikat TLS apa pun: hanya untuk uji coba\n"
        "dengan sertifikat yang ditandatangani sendiri.  --ca menunjuk berkas CA untuk\n"
        "wss://.  Kemajuan ditampilkan di stderr bila stderr adalah terminal atau dengan\n"
        "--progress.\n"
        "\n"
        "Setiap kepala pohon yang ditunjukkan server harus melanjutkan kepala pohon\n"
        "terakhir yang disimpan di sini, dan setiap tanda terima yang diberikannya harus\n"
        "terverifikasi; semuanya disimpan (nara receipts).  Server yang riwayatnya\n"
        "bercabang atau menyusut ditolak (kode keluar 4) dan buktinya disimpan.\n"
        "\n"
        "Kode keluar: 0 selesai; 2 sebagian (ada catatan ditolak, alasannya di ringkasan);\n"
        "3 tidak ada koneksi atau koneksi terputus sebelum selesai; 4 ditolak permanen\n"
        "(dicabut, belum terdaftar, percabangan, kunci server tidak cocok, riwayat server\n"
        "bercabang); 5 galat penyimpanan lokal; 1 salah penggunaan.\n"
        "\n"
        "Contoh:\n"
        "  nara sync --server ws://narad.jabarprov.go.id:7443\n",
    [NARA_MSG_HELP_REPORT] =
        "Laporan per kabupaten/kota yang dibaca Sekda dalam satu menit: wilayah, LO yang\n"
        "berlaku, persoalan terbuka, lewat (belum ditanggapi dalam 1x24 jam), telat\n"
        "(ditanggapi setelah 24 jam), dieskalasi, selesai, dan median waktu\n"
        "sampai ditanggapi.  Waktu dalam UTC.\n"
        "\n"
        "Contoh:\n"
        "  nara report --as-of 2026-03-01T08:00Z\n",
    [NARA_MSG_HELP_STATUS] =
        "Isi replika ini: catatan, yang tertunda (menunggu catatan sebelumnya),\n"
        "percabangan, catatan yang dikarantina, ringkasan (digest) himpunan yang diterima\n"
        "(sama pada replika yang memiliki catatan yang sama), feed sendiri dan kepalanya,\n"
        "apakah feed sendiri tertinggal, sinkronisasi terakhir dan identitas server yang\n"
        "ditetapkan.\n"
        "\n"
        "Contoh:\n"
        "  nara status --json\n",
    [NARA_MSG_HELP_QUARANTINE] =
        "Apa yang ditolak: catatan yang ditolak penyimpanan saat tiba (tanda tangan tidak\n"
        "sah, rantai terputus, ...), dan catatan di log yang tidak diterapkan pengolahan,\n"
        "beserta aturan yang dilanggarnya (unknown-device, revoked, role, scope,\n"
        "wrong-stream, malformed, ...).\n"
        "\n"
        "Contoh:\n"
        "  nara quarantine\n",
    [NARA_MSG_HELP_CONFLICTS] =
        "Konflik yang tampak dari perubahan yang bersamaan (docs/events.md bagian 6): dua\n"
        "penugasan LO untuk satu kabupaten/kota (lo-assign; 'dipertahankan' adalah yang\n"
        "berlaku), penutupan dan pembukaan kembali (close-reopen; pembukaan kembali yang\n"
        "menang), catatan yang ditulis saat persoalan sudah selesai (note-after-resolve).\n"
        "\n"
        "Contoh:\n"
        "  nara conflicts\n",
    [NARA_MSG_HELP_CASE_ACK] =
        "Tanggapi persoalan sebagai LO wilayahnya: menghentikan hitungan 1x24 jam.\n"
        "\n"
        "Contoh:\n"
        "  nara case ack 5d1c09aa\n",
    [NARA_MSG_HELP_CASE_CLOSE] = "Tutup persoalan.\n"
                                 "\n"
                                 "Contoh:\n"
                                 "  nara case close 5d1c09aa\n",
    [NARA_MSG_HELP_CASE_NOTE] =
        "Tambahkan catatan pada riwayat tindak lanjut persoalan (status apa pun).\n"
        "\n"
        "Contoh:\n"
        "  nara case note 5d1c09aa --text 'Sudah dikoordinasikan dengan Dinas PUPR'\n",
    [NARA_MSG_HELP_CASE_ACTION] =
        "Catat tindak lanjut: apa, oleh siapa, dan tenggat waktunya.\n"
        "\n"
        "Contoh:\n"
        "  nara case action 5d1c09aa --what 'Survei lokasi' --who 'Dinas PUPR' --due 2026-02-01\n",
    [NARA_MSG_HELP_CASE_ESCALATE] =
        "Eskalasi persoalan kepada Sekretaris Daerah (sekda) atau Gubernur (gubernur).\n"
        "\n"
        "Contoh:\n"
        "  nara case escalate 5d1c09aa --to sekda --reason 'Butuh anggaran provinsi'\n",
    [NARA_MSG_HELP_CASE_RESOLVE] =
        "Nyatakan persoalan selesai beserta ringkasan hasilnya.\n"
        "\n"
        "Contoh:\n"
        "  nara case resolve 5d1c09aa --summary 'Jembatan darurat terpasang'\n",
    [NARA_MSG_HELP_CASE_REOPEN] =
        "Buka kembali persoalan yang sudah selesai atau ditutup.\n"
        "\n"
        "Contoh:\n"
        "  nara case reopen 5d1c09aa --reason 'Jembatan darurat rusak lagi'\n",
    [NARA_MSG_ERR_MISSING_OPTION] = "opsi --%s wajib diberikan (penggunaan: %s)",
    [NARA_MSG_ERR_MISSING_ARG] = "%s wajib diberikan (penggunaan: %s)",
    [NARA_MSG_ERR_UNEXPECTED_ARG] = "argumen '%s' tidak diharapkan (penggunaan: %s)",
    [NARA_MSG_ERR_DB_EMPTY] = "--db: nama berkas kosong",
    [NARA_MSG_ERR_DB_TOO_LONG] = "--db: jalur berkas terlalu panjang",
    [NARA_MSG_ERR_DB_NO_DIR] = "--db: direktori '%s' tidak ada (untuk %s)",
    [NARA_MSG_ERR_REGION_LIST] = "daftar kabupaten/kota %s: %s",
    [NARA_MSG_ERR_KEY_PERMS] =
        "berkas kunci %s dapat dibaca grup atau pengguna lain: jalankan chmod 600 %s",
    [NARA_MSG_ERR_KEY_FILE] = "berkas kunci %s",
    [NARA_MSG_ERR_OPEN_REPLICA] = "replika %s tidak dapat dibuka",
    [NARA_MSG_ERR_OPEN_SETTINGS] = "pengaturan di %s tidak dapat dibuka: %s",
    [NARA_MSG_ERR_READ_SETTINGS] = "membaca pengaturan %s",
    [NARA_MSG_ERR_NO_ROOT] = "replika %s belum memiliki kunci akar provinsi (jalankan nara init)",
    [NARA_MSG_ERR_VOCAB] = "--%s: nilai '%s' tidak dikenal (salah satu dari: %s)",
    [NARA_MSG_ERR_DATE] = "--%s: '%s' bukan tanggal (format YYYY-MM-DD)",
    [NARA_MSG_ERR_INSTANT] = "--%s: '%s' bukan waktu (format YYYY-MM-DDTHH:MM[:SS]Z atau now)",
    [NARA_MSG_ERR_REGION] = "--%s: '%s' bukan kabupaten/kota di %s (%zu kabupaten/kota, misalnya "
                            "%s; lihat nara report)",
    [NARA_MSG_ERR_TEXT_EMPTY] = "--%s tidak boleh kosong",
    [NARA_MSG_ERR_TEXT_LONG] = "--%s lebih panjang dari %d bita",
    [NARA_MSG_ERR_HEX] =
        "--%s: '%.80s' bukan heksadesimal yang sah (harus tepat 64 digit heksadesimal)",
    [NARA_MSG_THIS_PROVINCE] = "provinsi ini",
    [NARA_MSG_ERR_SCOPE_TOO_LONG] = "--scope terlalu panjang",
    [NARA_MSG_ERR_SCOPE_TOO_MANY] = "--scope memuat terlalu banyak kabupaten/kota",
    [NARA_MSG_ERR_SCOPE_EMPTY] = "--scope: diharapkan kode kabupaten/kota (32.01,32.02) atau '*'",
    [NARA_MSG_ERR_ROLE] = "--role: '%s' bukan peran yang dapat didaftarkan (salah satu dari: "
                          "admin, secretariat, governor, auditor, lo, regency, server)",
    [NARA_MSG_ERR_DOC_READ] = "--doc: %s tidak dapat dibaca",
    [NARA_MSG_ERR_DOC_IO] = "--doc: galat saat membaca %s",
    [NARA_MSG_ERR_DOC_ONE] = "berikan tepat satu dari --doc BERKAS atau --doc-hash HEX "
                             "(BLAKE2b-256 dokumen Kepgub yang ditandatangani)",
    [NARA_MSG_ERR_ASSIGNMENT_NONE] =
        "--assignment: '%.80s' tidak menunjuk penugasan mana pun di %s (berikan id-nya, atau "
        "awalan unik 8 digit heksadesimal atau lebih; lihat nara lo show --region %s)",
    [NARA_MSG_ERR_ASSIGNMENT_MANY] =
        "--assignment: '%.80s' menunjuk lebih dari satu penugasan di %s (berikan id-nya, atau "
        "awalan unik 8 digit heksadesimal atau lebih; lihat nara lo show --region %s)",
    [NARA_MSG_NOTE_DECREE_UNKNOWN] =
        "nara: catatan: Kepgub %s belum tercatat di replika ini (nara decree mencatatnya)\n",
    [NARA_MSG_COL_KEY] = "Kunci",
    [NARA_MSG_COL_ROLE] = "Peran",
    [NARA_MSG_COL_SCOPE] = "Cakupan",
    [NARA_MSG_COL_DEVICE_NAME] = "Nama",
    [NARA_MSG_COL_SINCE] = "Sejak",
    [NARA_MSG_DEVICE_REVOKED] = "DICABUT ",
    [NARA_MSG_DEVICES_NONE] = "Belum ada perangkat terdaftar (nara enroll mendaftarkannya).\n",
    [NARA_MSG_COL_OFFICER] = "Pejabat",
    [NARA_MSG_COL_AGENCY] = "OPD",
    [NARA_MSG_COL_DECREE] = "Kepgub",
    [NARA_MSG_COL_ASSIGNMENT] = "Penugasan",
    [NARA_MSG_LO_HISTORY] = "\n"
                            "Riwayat penugasan LO %s:\n",
    [NARA_MSG_LO_HISTORY_ROW] = "  %s  %.12s %-11s %-22s mulai %s %s%s%s\n",
    [NARA_MSG_LO_CURRENT] = "berlaku saat ini",
    [NARA_MSG_LO_NO_EFFECT] = "tanpa efek",
    [NARA_MSG_LO_CONFLICT] = "      (konflik: dicatat bersamaan dengan penugasan lain)\n",
    [NARA_MSG_COL_STATUS] = "Status",
    [NARA_MSG_COL_PRIORITY] = "Prioritas",
    [NARA_MSG_COL_OPENED] = "Dibuka",
    [NARA_MSG_COL_TITLE] = "Judul",
    [NARA_MSG_CASE_LIST_NONE] = "Tidak ada persoalan.\n",
    [NARA_MSG_STATUS_FEED_ROW] = "  %-9s urutan %-6llu kepala %.12s%s\n",
    [NARA_MSG_STATUS_FEED_BEHIND] =
        "  TERTINGGAL: replika lain memiliki catatan feed ini yang lebih baru",
    [NARA_MSG_Q_STORE_HEAD] = "Ditolak penyimpanan (tidak masuk log):\n",
    [NARA_MSG_Q_DOM_HEAD] =
        "Ada di log tetapi tanpa efek (aturan kewenangan, docs/events.md bagian 5):\n",
    [NARA_MSG_Q_STORE_ROW] = "  %s  %-12.12s %s (%s), %zu bita\n",
    [NARA_MSG_Q_NO_ID] = "(tanpa id)",
    [NARA_MSG_Q_DOM_ROW] = "  %s  %.12s %-14s %-9s oleh %s: %s%s%s\n",
    [NARA_MSG_NONE_ROW] = "  (tidak ada)\n",
    [NARA_MSG_CONFLICT_ROW] = "  %-18s %-6s %s%.12s  dipertahankan %.12s, lainnya %.12s%s\n",
    [NARA_MSG_CONFLICT_CASE] = "persoalan ",
    [NARA_MSG_CONFLICT_SETTLED] = "  (kemudian diselesaikan)",
    [NARA_MSG_CONFLICTS_NONE] = "Tidak ada konflik.\n",
    [NARA_MSG_NOTE_VV_UNREADABLE] =
        "nara: catatan: vektor server yang tersimpan tidak terbaca; semua catatan diekspor\n",
    [NARA_MSG_ERR_OUT_CREATE] = "--out: %s tidak dapat dibuat: %s",
    [NARA_MSG_ERR_EXPORT_BOTH] = "berikan --for-server atau --all, jangan keduanya",
    [NARA_MSG_EXPORT_DONE] = "%llu catatan (%llu bita) diekspor ke %s: %s.\n",
    [NARA_MSG_EXPORT_BASE_SERVER] =
        "catatan yang belum diketahui ada di server (menurut sinkronisasi terakhir)",
    [NARA_MSG_EXPORT_BASE_ALL] = "seluruh isi replika ini",
    [NARA_MSG_ERR_CANNOT_READ] = "%s tidak dapat dibaca: %s",
    [NARA_MSG_IMPORT_DONE] =
        "%llu catatan diimpor: %zu ditambahkan, %zu sudah dimiliki, %zu tertunda (menunggu catatan "
        "sebelumnya), %zu ditolak, %zu percabangan; %zu catatan sebelumnya kini lengkap.\n",
    [NARA_MSG_IMPORT_DAMAGED] = "%s rusak pada posisi bita %llu: %s; %llu catatan sah sebelumnya "
                                "telah digabungkan, sisanya ditolak",
    [NARA_MSG_DELTA_NOT_DELTA] =
        "bukan berkas delta Naradamping (kepala berkas NARA-DELTA-V1 tidak ada)",
    [NARA_MSG_DELTA_TRAILER_TRUNCATED] = "berkas berakhir di tengah penutup (terpotong)",
    [NARA_MSG_DELTA_TRAILER_COUNT] = "penutup menghitung %llu catatan tetapi berkas memuat %llu",
    [NARA_MSG_DELTA_AFTER_TRAILER] = "ada bita setelah penutup",
    [NARA_MSG_DELTA_BAD_RECORD] = "rekaman %llu bukan catatan yang sah",
    [NARA_MSG_DELTA_NO_TRAILER] = "berkas berakhir sebelum penutupnya (terpotong)",
    [NARA_MSG_DELTA_RECORD_TOO_LARGE] =
        "panjang rekaman melebihi catatan terbesar (NARA_EVENT_MAX_BYTES)",
    [NARA_MSG_DELTA_RECORD_TRUNCATED] = "berkas berakhir di tengah rekaman (terpotong)",
    [NARA_MSG_SETUP_CREATED] = "Replika %s dibuat (%s, %zu kabupaten/kota).\n",
    [NARA_MSG_SETUP_ROOT] = "Kunci akar provinsi: %s\n"
                            "Atur setiap perangkat dengan: nara init --root %s\n",
    [NARA_MSG_SETUP_DEVICE] = "Kunci publik perangkat: %s\n"
                              "Serahkan kunci ini kepada admin provinsi untuk didaftarkan.\n",
    [NARA_MSG_ERR_KEY_CREATE] = "berkas kunci %s tidak dapat dibuat: %s",
    [NARA_MSG_ERR_CREATE_REPLICA] = "replika %s tidak dapat dibuat",
    [NARA_MSG_ERR_EXISTS] = "%s sudah ada: replika dan kuncinya tidak pernah ditimpa",
    [NARA_MSG_ERR_REGIONS_READ] = "--regions: %s tidak dapat dibaca: %s",
    [NARA_MSG_ERR_REGION_TOO_MANY] = "--region: terlalu banyak kabupaten/kota",
    [NARA_MSG_ERR_FROM_AFTER_TO] = "--from %s lebih lambat daripada --to %s",
    [NARA_MSG_BUNDLE_DONE] = "%llu catatan (%llu bertanda terima), %llu kepala pohon dan %llu "
                             "bukti konsistensi diekspor ke %s.\n"
                             "Periksa dengan: nara audit %s\n",
    [NARA_MSG_ERR_AUDIT_RUN] = "audit tidak dapat dijalankan",
    [NARA_MSG_ERR_WITH_MAX] = "--with: paling banyak %d paket",
    [NARA_MSG_ERR_CANNOT_OPEN] = "%s tidak dapat dibuka: %s",
    [NARA_MSG_ERR_SERVER_REPLICA_ROOT] =
        "%s adalah replika server: berikan kunci akar provinsi dengan --root HEX",
    [NARA_MSG_ERR_READING] = "membaca %s",
    [NARA_MSG_ERR_NO_REPLICA_AT] = "tidak ada replika di %s (berikan BUNDLE atau --db BERKAS)",
    [NARA_MSG_ERR_WITH_NEEDS_BUNDLE] = "--with memerlukan BUNDLE terlebih dahulu",
    [NARA_MSG_AUDIT_ROOT_GIVEN] = "diberikan dengan --root",
    [NARA_MSG_AUDIT_ROOT_REPLICA] = "diatur di replika",
    [NARA_MSG_AUDIT_ROOT_BUNDLE] = "diambil dari paket: bandingkan dengan kunci akar yang "
                                   "diumumkan provinsi, atau berikan --root",
    [NARA_MSG_AUDIT_HEAD] = "Hasil audit %s%s: %s\n",
    [NARA_MSG_AUDIT_AND_MORE] = " (dan lainnya)",
    [NARA_MSG_AUDIT_VERIFIED] = "TERVERIFIKASI",
    [NARA_MSG_AUDIT_WITH_FINDINGS] = "TERVERIFIKASI, DENGAN TEMUAN",
    [NARA_MSG_AUDIT_FAILED] = "GAGAL",
    [NARA_MSG_AUDIT_WITH] = "  beserta %s\n",
    [NARA_MSG_AUDIT_ROOT] = "  akar provinsi %s (%s)\n",
    [NARA_MSG_AUDIT_COUNTS] = "  %llu catatan dalam %llu feed; %llu kepala pohon, %llu bukti "
                              "konsistensi dan %llu bukti inklusi; %llu rekaman percabangan\n",
    [NARA_MSG_AUDIT_SERVER] = "  kunci server %s (%s)\n",
    [NARA_MSG_AUDIT_ENROLLED] = "terdaftar sebagai server di log",
    [NARA_MSG_AUDIT_NOT_ENROLLED] = "tidak terdaftar sebagai server",
    [NARA_MSG_AUDIT_LARGEST] = "  kepala pohon terbesar: %llu catatan, ditandatangani %s\n",
    [NARA_MSG_AUDIT_RECEIPTED] = "  %llu dari %llu catatan memiliki tanda terima terverifikasi%s\n",
    [NARA_MSG_AUDIT_NOT_CLAIMED] = " (paket tidak mengaku memuat seluruh log)",
    [NARA_MSG_AUDIT_COMPLETE] = "; paket memuat seluruh log: lengkap",
    [NARA_MSG_AUDIT_INCOMPLETE] = "; paket mengaku memuat seluruh log tetapi TIDAK lengkap",
    [NARA_MSG_AUDIT_FIRST] = "Masalah pertama:\n",
    [NARA_MSG_AUDIT_FAILURES] =
        "Kegagalan: riwayat tidak dapat dipercaya sebagaimana adanya (%llu):\n",
    [NARA_MSG_AUDIT_FINDINGS] = "Temuan: autentik, perlu dinilai oleh pemeriksa (%llu):\n",
    [NARA_MSG_AUDIT_MORE] = "(%zu lainnya tidak ditampilkan)\n",
    [NARA_MSG_AUDIT_SUBJ_EVENT] = "catatan %s",
    [NARA_MSG_AUDIT_SUBJ_FEED_SEQ] = " (%s urutan %llu, oleh %s, diklaim %s)",
    [NARA_MSG_AUDIT_SUBJ_FEED] = " (%s, oleh %s, diklaim %s)",
    [NARA_MSG_AUDIT_SUBJ_OTHER] = "%sdan %s",
    [NARA_MSG_AUDIT_SUBJ_BUNDLE_RECORD] = "%spaket %u rekaman %llu",
    [NARA_MSG_AUDIT_SUBJ_RECORD] = "%srekaman %llu",
    [NARA_MSG_ERR_NO_SERVER] =
        "--server ws://HOST:PORT wajib diberikan (replika ini belum pernah memakai server)",
    [NARA_MSG_ERR_URL_SCHEME] = "--server: '%.100s' bukan URL ws:// atau wss://",
    [NARA_MSG_ERR_URL_HOST] = "--server: '%.100s' tidak memuat nama host",
    [NARA_MSG_ERR_URL_PORT] = "--server: '%.100s' tidak memuat port yang sah",
    [NARA_MSG_ERR_REPIN_NEEDS_KEY] = "--repin memerlukan --server-key HEX (kunci yang baru)",
    [NARA_MSG_ERR_KEY_DIFFERS] = "--server-key %.16s... berbeda dari kunci server yang ditetapkan "
                                 "%.16s... (NARA_SERVER_KEY): tanyakan kepada admin provinsi kunci "
                                 "mana yang dipakai narad; jika memang berganti, tambahkan --repin",
    [NARA_MSG_ERR_PIN_UNREADABLE] = "kunci server yang ditetapkan di %s tidak terbaca",
    [NARA_MSG_ERR_RCPT_TABLES] = "tabel tanda terima di %s tidak dapat disiapkan",
    [NARA_MSG_SYNC_EVIDENCE] = "nara: bukti riwayat server yang bercabang disimpan di %s\n",
    [NARA_MSG_SYNC_META_WARN] =
        "nara: peringatan: sinkronisasi tidak dapat dicatat di pengaturan: %s\n",
    [NARA_MSG_SYNC_PROGRESS] =
        "nara: terkirim %llu (dikonfirmasi %llu), diterima %llu (ditambahkan %llu)\n",
    [NARA_MSG_SYNC_RETRY] = "nara: %s; mencoba lagi dalam %.1f detik\n",
    [NARA_MSG_SYNC_DISCONNECTED] = "koneksi terputus",
    [NARA_MSG_SYNC_INTERRUPTED] = "dihentikan sebelum sinkronisasi selesai",
    [NARA_MSG_SYNC_LOST] = "koneksi terputus",
    [NARA_MSG_SYNC_LOST_EARLY] = "koneksi terputus sebelum sinkronisasi selesai",
    [NARA_MSG_SYNC_NO_CONNECT] = "tidak dapat terhubung ke server",
    [NARA_MSG_SYNC_ATT_NOMEM] = "memori tidak cukup untuk membuat sesi",
    [NARA_MSG_SYNC_ATT_START] = "koneksi ke server tidak dapat dimulai",
    [NARA_MSG_SYNC_ATT_SESSION] = "sesi tidak dapat dimulai",
    [NARA_MSG_SYNC_ATT_TEXT] = "server mengirim bingkai teks",
    [NARA_MSG_SYNC_ATT_TOO_LARGE] = "server mengirim pesan melebihi NARA_MAX_MESSAGE_BYTES",
    [NARA_MSG_SYNC_ATT_STORE] = "penyimpanan lokal gagal selama sinkronisasi",
    [NARA_MSG_SYNC_ATT_WRITE] = "pengiriman ke server gagal",
    [NARA_MSG_SYNC_ATT_CONNECT] = "tidak dapat terhubung ke %.64s:%d: %.80s%s",
    [NARA_MSG_SYNC_CONNECT_FAILED] = "koneksi gagal",
    [NARA_MSG_SYNC_TLS_HINT] = " (sertifikat TLS tidak dipercaya? berikan --ca BERKAS)",
    [NARA_MSG_LABEL_ROOT] = "%s (akar provinsi)",
    [NARA_MSG_LABEL_UNKNOWN] = "%s (belum terdaftar di sini)",
    [NARA_MSG_LABEL_REVOKED] = "%s (%s, dicabut)",
    [NARA_MSG_NOTE_UNKNOWN_DEVICE] =
        "nara: catatan: pendaftaran perangkat ini belum sampai di replika ini, sehingga catatan "
        "belum berlaku di sini sampai pendaftarannya tiba (lakukan sinkronisasi untuk "
        "mengambilnya)\n",
    [NARA_MSG_WARN_NO_EFFECT] = "nara: peringatan: catatan telah direkam dan ditandatangani tetapi "
                                "tidak berlaku: aturan %s%s%s\n",
    [NARA_MSG_RCPT_BAD_HEAD] = "kepala pohon berukuran %llu",
    [NARA_MSG_RCPT_NO_LINK] = "tidak ada bukti konsistensi terverifikasi antara kepala pohon "
                              "berukuran %llu dan %llu: keduanya tidak terbukti satu riwayat",
    [NARA_MSG_RCPT_HEAD_INVALID] =
        "tanda terima catatan %s: kepala pohonnya (ukuran %llu) tidak sah",
    [NARA_MSG_RCPT_HEAD_NOT_KEPT] =
        "tanda terima catatan %s: kepala pohonnya (ukuran %llu) tidak disimpan",
    [NARA_MSG_RCPT_PROOF_BAD] =
        "tanda terima catatan %s: bukti inklusi pada daun %llu tidak terverifikasi",
    [NARA_MSG_RCPT_NOT_HELD_EVENT] =
        "tanda terima catatan %s: replika ini tidak memiliki catatan tersebut",
    [NARA_MSG_RCPT_NOT_HELD] = "(tidak dimiliki)",
    [NARA_MSG_RCPT_ROW_VERIFIED] = "  terverifikasi",
    [NARA_MSG_RCPT_ROW_FAILED] = "  GAGAL",
    [NARA_MSG_RCPT_EVIDENCE_HEAD] =
        "BUKTI: riwayat server ditolak (bercabang atau menyusut); simpan replika ini\n"
        "dan laporkan kepada admin provinsi dan Inspektorat:\n",
    [NARA_MSG_RCPT_EVIDENCE_KEPT] =
        "  %s, %s: kepala pohon tersimpan %llu catatan (akar %s, ditandatangani %s); ",
    [NARA_MSG_RCPT_EVIDENCE_OFFERED] = "kepala pohon yang ditawarkan %llu catatan (akar %s, "
                                       "ditandatangani %s) tidak melanjutkannya\n",
    [NARA_MSG_RCPT_EVIDENCE_NONE] =
        "server sama sekali tidak menunjukkan kepala pohon bertanda tangan\n",
    [NARA_MSG_ERR_REGION_LIST_ERR] = "daftar kabupaten/kota %s",
    [NARA_MSG_ERR_REGIONS_FILE] = "--regions %s: %s",
    [NARA_MSG_DUR_DAYS] = "%lluh %lluj",
    [NARA_MSG_DUR_HOURS] = "%lluj %llum",
    [NARA_MSG_DUR_MINUTES] = "%llum %llud",
    [NARA_MSG_DUR_SECONDS] = "%llud",
    [NARA_MSG_STORED_OK] = "berhasil",
    [NARA_MSG_STORED_PARTIAL] = "sebagian: ada catatan yang ditolak",
    [NARA_MSG_STATUS_SYNC_SUMMARY] = "          terkirim %llu, dikonfirmasi %llu, diterima %llu, "
                                     "ditambahkan %llu, ditolak %llu\n",
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

/* ---- the log's vocabulary in Indonesian (English: the wire values) ------------------------ */

static const char *const status_id[NARA_CASE_STATUS_COUNT] = {
    [NARA_CASE_OPEN] = "terbuka",         [NARA_CASE_ACKNOWLEDGED] = "ditanggapi",
    [NARA_CASE_ESCALATED] = "dieskalasi", [NARA_CASE_RESOLVED] = "selesai",
    [NARA_CASE_CLOSED] = "ditutup",       [NARA_CASE_REOPENED] = "dibuka lagi",
};

/* Nouns, so that they read in a sentence ("tanggapan tidak berlaku"). */
static const char *const kind_id[NARA_KIND_COUNT] = {
    [NARA_KIND_UNKNOWN] = "",
    [NARA_KIND_DEVICE_ENROLL] = "pendaftaran",
    [NARA_KIND_DEVICE_REVOKE] = "pencabutan",
    [NARA_KIND_DECREE] = "Kepgub",
    [NARA_KIND_LO_ASSIGN] = "penugasan LO",
    [NARA_KIND_LO_UNASSIGN] = "pencabutan LO",
    [NARA_KIND_CASE_OPEN] = "pembukaan",
    [NARA_KIND_CASE_ACK] = "tanggapan",
    [NARA_KIND_CASE_NOTE] = "catatan",
    [NARA_KIND_CASE_ACTION] = "tindak lanjut",
    [NARA_KIND_CASE_ESCALATE] = "eskalasi",
    [NARA_KIND_CASE_RESOLVE] = "penyelesaian",
    [NARA_KIND_CASE_REOPEN] = "buka ulang",
    [NARA_KIND_CASE_CLOSE] = "penutupan",
};

static const char *const role_id[NARA_ROLE_COUNT] = {
    [NARA_ROLE_NONE] = "tanpa peran",
    [NARA_ROLE_ROOT] = "akar",
    [NARA_ROLE_ADMIN] = "admin",
    [NARA_ROLE_SECRETARIAT] = "sekretariat",
    [NARA_ROLE_GOVERNOR] = "gubernur",
    [NARA_ROLE_AUDITOR] = "inspektorat",
    [NARA_ROLE_LO] = "LO",
    [NARA_ROLE_REGENCY] = "kab/kota",
    [NARA_ROLE_SERVER] = "server",
};

const char *nara_vocab_in(nara_lang_t lang, nara_vocab_t vocab, int value)
{
    static const struct {
        const char *const *id;
        int n;
    } v[] = {
        [NARA_VOCAB_STATUS] = {status_id, NARA_CASE_STATUS_COUNT},
        [NARA_VOCAB_KIND] = {kind_id, NARA_KIND_COUNT},
        [NARA_VOCAB_ROLE] = {role_id, NARA_ROLE_COUNT},
    };
    if ((unsigned)vocab >= sizeof v / sizeof v[0] || value < 0 || value >= v[vocab].n)
        return NULL;
    if (lang == NARA_LANG_ID)
        return v[vocab].id[value];
    switch (vocab) {
    case NARA_VOCAB_STATUS:
        return nara_case_status_name((nara_case_status_t)value);
    case NARA_VOCAB_KIND:
        return nara_kind_name((nara_kind_t)value);
    default:
        return nara_role_name((nara_role_t)value);
    }
}

const char *nara_vocab(nara_vocab_t vocab, int value)
{
    const char *w = nara_vocab_in(nara_msg_lang(), vocab, value);
    if (w == NULL || w[0] == '\0')
        w = nara_vocab_in(NARA_LANG_EN, vocab, value);
    return w ? w : "";
}

const char *nara_vocab_kind(const char *kind)
{
    nara_kind_t k = nara_kind_parse(kind);
    return k == NARA_KIND_UNKNOWN ? (kind ? kind : "") : nara_vocab(NARA_VOCAB_KIND, (int)k);
}

/* Why an event took no effect (docs/events.md section 5): kind, stream. */
static const char *const rules_id[] = {
    [NARA_RULE_OK] = "%s di %s berlaku",
    [NARA_RULE_UNKNOWN_DEVICE] =
        "%s di %s ditulis oleh perangkat yang belum terdaftar pada waktu catatan itu",
    [NARA_RULE_REVOKED] = "%s di %s ditulis oleh perangkat yang sudah dicabut sebelum waktu "
                          "catatan itu",
    [NARA_RULE_ROLE] = "peran penulis tidak berwenang menulis %s di %s",
    [NARA_RULE_SCOPE] = "%s untuk wilayah %s di luar cakupan penulis",
    [NARA_RULE_WRONG_STREAM] = "%s tidak boleh ditulis ke aliran %s",
    [NARA_RULE_MALFORMED] = "isi %s di %s tidak sah",
    [NARA_RULE_UNKNOWN_CASE] =
        "%s di %s untuk persoalan yang tidak dikenal (pembukaannya tidak ada atau tidak berlaku)",
    [NARA_RULE_UNKNOWN_KIND] = "jenis catatan %s di %s tidak dikenal",
};

const char *nara_rule_format_id(nara_rule_t rule)
{
    return (unsigned)rule < sizeof rules_id / sizeof rules_id[0] ? rules_id[rule] : NULL;
}

void nara_rule_explain(char *out, size_t cap, nara_rule_t rule, const char *kind,
                       const char *stream, const char *detail)
{
    const char *fmt = nara_msg_lang() == NARA_LANG_ID ? nara_rule_format_id(rule) : NULL;
    if (fmt == NULL) {
        snprintf(out, cap, "%s", detail && detail[0] ? detail : nara_rule_name(rule));
        return;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(out, cap, fmt, nara_vocab_kind(kind), stream ? stream : "");
#pragma GCC diagnostic pop
}

/* Audit findings (nara_bundle.h, NARA_AUDIT_KIND_MAP): one %s per letter of
 * the kind's shape. */
static const char *const audit_id[NARA_AUDIT_K_COUNT] = {
    [NARA_AUDIT_K_ROOT_MISMATCH] =
        "paket ini milik kunci akar provinsi yang lain daripada paket pertama",
    [NARA_AUDIT_K_REGIONS_MISMATCH] =
        "paket ini memuat daftar kabupaten/kota yang lain daripada paket pertama",
    [NARA_AUDIT_K_ROOT_UNTRUSTED] =
        "paket menyebut kunci akar provinsi yang lain daripada yang diberikan: kewenangannya "
        "diputar ulang dari kunci akar yang dipercaya",
    [NARA_AUDIT_K_REGIONS_INVALID] =
        "daftar kabupaten/kota di kepala paket tidak sah (%s); daftar bawaan yang dipakai",
    [NARA_AUDIT_K_HEAD_OTHER_KEY] = "kepala pohon berukuran %s (ditandatangani %s...) "
                                    "ditandatangani kunci lain, bukan kunci server",
    [NARA_AUDIT_K_HEAD_SIGNATURE] =
        "tanda tangan kepala pohon berukuran %s (ditandatangani %s...) tidak sah",
    [NARA_AUDIT_K_HEAD_EMPTY_ROOT] =
        "kepala pohon berukuran 0 dengan akar yang bukan akar pohon kosong",
    [NARA_AUDIT_K_HEAD_TWO_ROOTS] = "dua kepala pohon berukuran %s memiliki akar berbeda (%s... "
                                    "dan %s...): server menandatangani dua riwayat yang berbeda",
    [NARA_AUDIT_K_CONSISTENCY_NO_HEAD] = "bukti konsistensi dari ukuran %s ke %s, tetapi paket "
                                         "tidak memuat kepala pohon berukuran %s",
    [NARA_AUDIT_K_CONSISTENCY_FAILS] =
        "kepala pohon berukuran %s dan %s bukan satu riwayat: bukti konsistensinya gagal (log "
        "server bercabang atau menyusut)",
    [NARA_AUDIT_K_RECEIPT_NO_HEAD] = "tanda terima untuk catatan %s... terhadap kepala pohon "
                                     "berukuran %s yang tidak ada di paket",
    [NARA_AUDIT_K_INCLUSION_FAILS] = "bukti inklusi catatan %s... pada daun %s tidak cocok "
                                     "dengan kepala pohon berukuran %s",
    [NARA_AUDIT_K_LEAF_TWO_EVENTS] = "daun %s adalah catatan %s... dalam satu bukti dan catatan "
                                     "%s... dalam bukti lain: log server bercabang",
    [NARA_AUDIT_K_EVENT_TWO_LEAVES] =
        "catatan %s... ada di daun %s dalam satu bukti dan di daun %s dalam bukti lain",
    [NARA_AUDIT_K_EVENT_CHANGED] =
        "log bertanda tangan memuat catatan %s... di daun %s, tetapi rekaman ini mengaku daun "
        "itu dengan bita yang berbeda (id %s...): catatan telah diubah",
    [NARA_AUDIT_K_LEAF_MISMATCH] =
        "rekaman mengaku daun %s, tetapi log bertanda tangan memuat catatan ini di daun %s",
    [NARA_AUDIT_K_EVENT_INVALID] = "rekaman tidak memuat catatan bertanda tangan yang sah: %s",
    [NARA_AUDIT_K_ORDER] = "catatan tidak dalam urutan feed (penulis, aliran, nomor urut naik): "
                           "rekaman ini datang setelah posisi yang lebih akhir atau sama",
    [NARA_AUDIT_K_AUTHOR_KEY] =
        "penulis catatan bukan kunci Ed25519 yang sah: tanda tangannya tidak bermakna",
    [NARA_AUDIT_K_SIGNATURE] = "tanda tangan catatan tidak sah untuk kunci penulisnya: isinya "
                               "bukan yang ditandatangani penulis",
    [NARA_AUDIT_K_CHAIN] = "tautan prev catatan tidak mengarah ke catatan sebelumnya di feed-nya "
                           "(catatan sebelumnya diubah, atau catatan ini milik riwayat lain)",
    [NARA_AUDIT_K_FORK_UNSIGNED] =
        "rekaman percabangan memuat catatan yang tanda tangannya tidak sah (%s): bukan bukti",
    [NARA_AUDIT_K_FORK_TWO_FEEDS] = "rekaman percabangan memuat catatan dari dua feed berbeda",
    [NARA_AUDIT_K_UNREADABLE] = "pembacaan paket berhenti di bita ke-%s: %s",
    [NARA_AUDIT_K_NO_HEADER] =
        "tidak ada kepala paket yang dapat dibaca: tidak ada yang diverifikasi",
    [NARA_AUDIT_K_CONSISTENCY_MISSING] =
        "tidak ada yang membuktikan kepala pohon berukuran %s termasuk riwayat kepala terbesar "
        "(ukuran %s): bukti konsistensi hilang",
    [NARA_AUDIT_K_RECEIPT_NO_EVENT] = "server menandatangani catatan %s... di daun %s (pohon "
                                      "berukuran %s), tetapi paket tidak memuat catatan itu",
    [NARA_AUDIT_K_FEED_GAP] = "feed berlubang: catatan bernomor urut %s hilang sebelum catatan "
                              "ini (nomor urut %s)",
    [NARA_AUDIT_K_INCOMPLETE] =
        "paket mengaku memuat seluruh log, tetapi %s dari %s daun kepala pohon terbesarnya "
        "tidak memiliki catatan berbukti (yang pertama daun %s): ada catatan yang dihilangkan",
    [NARA_AUDIT_K_NOT_IN_LOG] =
        "catatan tidak ada di log bertanda tangan yang diaku dimuat paket seluruhnya (tidak ada "
        "bukti terhadap kepala terbesarnya)",
    [NARA_AUDIT_K_FORK_CONTINUATION] =
        "penulis menandatangani dua lanjutan feed-nya: catatan ini pada nomor urut %s tidak "
        "tertaut ke catatan yang disimpan pada nomor urut %s",
    [NARA_AUDIT_K_FORK_SEQ] = "penulis menandatangani dua catatan berbeda pada nomor urut %s "
                              "feed-nya (keduanya disimpan sebagai bukti)",
    [NARA_AUDIT_K_NO_EFFECT] = "%s tidak berlaku (aturan %s)",
    [NARA_AUDIT_K_SERVER_UNENROLLED] =
        "kunci yang menandatangani kepala pohon (%s...) tidak terdaftar sebagai server di log: "
        "tidak ada yang mengaitkannya dengan kunci akar provinsi (berikan --server-key bila "
        "Anda memercayainya dengan cara lain)",
    [NARA_AUDIT_K_SERVER_REVOKED] = "kunci server %s... menandatangani kepala pohon berukuran %s "
                                    "pada %s, setelah pencabutannya (%s)",
    [NARA_AUDIT_K_BACKDATED] =
        "catatan mengaku dibuat %s, sebelum pencabutan penulisnya (%s), tetapi provinsi pertama "
        "kali menandatanganinya pada %s: waktunya tidak dapat dibuktikan dan mungkin dimundurkan",
};

const char *nara_audit_format_id(nara_audit_kind_t kind)
{
    return (unsigned)kind < NARA_AUDIT_K_COUNT ? audit_id[kind] : NULL;
}

/* The audit's checks (nara_audit_finding_t.check) in Indonesian. */
static const char *const checks_id[][2] = {
    {"bundle", "paket"},
    {"root", "akar"},
    {"head", "kepala pohon"},
    {"consistency", "konsistensi"},
    {"inclusion", "inklusi"},
    {"event", "catatan"},
    {"order", "urutan"},
    {"altered", "diubah"},
    {"signature", "tanda tangan"},
    {"chain", "rantai"},
    {"receipt", "tanda terima"},
    {"completeness", "kelengkapan"},
    {"server-key", "kunci server"},
    {"fork", "percabangan"},
    {"authority", "kewenangan"},
    {"effect", "efek"},
    {"backdated", "dimundurkan"},
};

/* Conflict kinds (nara_conflict_t.kind, docs/events.md section 4). */
static const char *const conflicts_id[][2] = {
    {"lo-assign", "LO ganda"},
    {"close-reopen", "tutup/buka ulang"},
    {"note-after-resolve", "catatan pascaselesai"},
};

/* A name's word in lang from a table of (English, Indonesian) pairs:
 * English as given; NULL for a name the table does not know. */
static const char *word_in(const char *const (*t)[2], size_t n, nara_lang_t lang, const char *name)
{
    if (lang != NARA_LANG_ID)
        return name;
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(name, t[i][0]) == 0)
            return t[i][1];
    return NULL;
}

const char *nara_audit_check_in(nara_lang_t lang, const char *check)
{
    return word_in(checks_id, sizeof checks_id / sizeof checks_id[0], lang, check);
}

const char *nara_conflict_kind_in(nara_lang_t lang, const char *kind)
{
    return word_in(conflicts_id, sizeof conflicts_id / sizeof conflicts_id[0], lang, kind);
}

/* ---- region-list errors: the core's English sentences, matched and reworded --------------- */

/* Each English pattern (as core/src/regions.c words it; %s a word, %u a
 * number) and its Indonesian format: the same captures, in order, as %s. */
static const char *const regions_id[][2] = {
    {"line %u: %s", "baris %s: %s"},
    {"empty name", "nama kosong"},
    {"name longer than %u bytes", "nama lebih dari %s bita"},
    {"second province line (the first is line %u)", "baris provinsi kedua (yang pertama baris %s)"},
    {"province code '%s' is not 1-8 digits", "kode provinsi '%s' bukan 1-8 angka"},
    {"region line before the province line", "baris kabupaten/kota sebelum baris provinsi"},
    {"region code '%s' is not %s.NN", "kode kabupaten/kota '%s' bukan %s.NN"},
    {"duplicate region code %s (first on line %u)",
     "kode kabupaten/kota %s ganda (yang pertama di baris %s)"},
    {"more than %u regions", "lebih dari %s kabupaten/kota"},
    {"type must be 'kabupaten' or 'kota', not '%s'",
     "jenis harus 'kabupaten' atau 'kota', bukan '%s'"},
    {"expected 3 tab-separated fields, found %u",
     "seharusnya 3 kolom dipisahkan tab, ditemukan %s"},
    {"missing province line", "baris provinsi tidak ada"},
    {"no regions", "tidak ada kabupaten/kota"},
    {"out of memory", "memori tidak cukup"},
    {"%s: read error", "%s: galat baca"},
};

#define REGIONS_CAPS 3

/* Does text match pattern p whole?  Captures (at most REGIONS_CAPS) into cap. */
static bool pattern_match(const char *p, const char *t, char cap[][128], int n)
{
    if (*p == '\0')
        return *t == '\0';
    if (p[0] == '%' && (p[1] == 's' || p[1] == 'u') && n < REGIONS_CAPS) {
        size_t max = strlen(t);
        for (size_t k = 1; k <= max && k < 128; k++) {
            if (p[1] == 'u' && (t[k - 1] < '0' || t[k - 1] > '9'))
                break;
            if (pattern_match(p + 2, t + k, cap, n + 1)) {
                memcpy(cap[n], t, k);
                cap[n][k] = '\0';
                return true;
            }
        }
        return false;
    }
    return *p == *t && pattern_match(p + 1, t + 1, cap, n);
}

static void regions_reword(const char *en, char *out, size_t cap, int depth)
{
    char c[REGIONS_CAPS][128], sub[128];
    for (size_t i = 0; depth < 2 && i < sizeof regions_id / sizeof regions_id[0]; i++) {
        if (!pattern_match(regions_id[i][0], en, c, 0))
            continue;
        /* "line N: <sentence>": the sentence is reworded too */
        if (i == 0) {
            regions_reword(c[1], sub, sizeof sub, depth + 1);
            snprintf(c[1], sizeof c[1], "%s", sub);
        }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(out, cap, regions_id[i][1], c[0], c[1], c[2]);
#pragma GCC diagnostic pop
        return;
    }
    snprintf(out, cap, "%s", en);
}

void nara_regions_error_in(nara_lang_t lang, const char *en, char *out, size_t cap)
{
    if (lang == NARA_LANG_ID && en)
        regions_reword(en, out, cap, 0);
    else
        snprintf(out, cap, "%s", en ? en : "");
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

void nara_msg_vformat(nara_lang_t lang, char *out, size_t cap, nara_err_t err, nara_msg_id_t id,
                      va_list ap)
{
    const char *fmt = nara_msg_in(lang, id);
    if (fmt == NULL || fmt[0] == '\0')
        fmt = nara_msg_in(NARA_LANG_EN, id);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int n = vsnprintf(out, cap, fmt ? fmt : "", ap);
#pragma GCC diagnostic pop
    if (err == NARA_OK || n < 0 || (size_t)n >= cap)
        return;
    const char *text = lang == NARA_LANG_EN ? nara_strerror(err) : nara_err_text_in(lang, err);
    snprintf(out + n, cap - (size_t)n, ": %s (%s)", text ? text : nara_strerror(err),
             nara_err_name(err));
}

void nara_msg_format(nara_lang_t lang, char *out, size_t cap, nara_msg_id_t id, ...)
{
    va_list ap;
    va_start(ap, id);
    nara_msg_vformat(lang, out, cap, NARA_OK, id, ap);
    va_end(ap);
}

void nara_msg_vformat2(char *en, size_t en_cap, char *loc, size_t loc_cap, nara_err_t err,
                       nara_msg_id_t id, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    nara_msg_vformat(NARA_LANG_EN, en, en_cap, err, id, ap);
    nara_msg_vformat(nara_msg_lang(), loc, loc_cap, err, id, ap2);
    va_end(ap2);
}

void nara_msg_format2(char *en, size_t en_cap, char *loc, size_t loc_cap, nara_err_t err,
                      nara_msg_id_t id, ...)
{
    va_list ap;
    va_start(ap, id);
    nara_msg_vformat2(en, en_cap, loc, loc_cap, err, id, ap);
    va_end(ap);
}
