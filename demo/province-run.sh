#!/usr/bin/env bash
# province-run.sh - the main job: a real provincial server and the devices of
# Jawa Barat's 27 regencies, as separate processes on 127.0.0.1.
#
#   demo/province-run.sh BUILD_DIR OUT_DIR
#
# Every step runs the real binaries (narad, nara) on real SQLite replicas: the
# province root enrols the devices, LOs are assigned by decree, regency offices
# open cases while offline, they sync concurrently, LOs acknowledge and
# escalate, the secretariat resolves, every full replica converges to the same
# digests, and the consolidated report is printed.  Everything is left in
# OUT_DIR for exploring with the CLI afterwards.
set -euo pipefail

build=${1:?usage: province-run.sh BUILD_DIR OUT_DIR}
out=${2:?usage: province-run.sh BUILD_DIR OUT_DIR}
nara="$build/client/nara"
narad="$build/server/narad"
flakylink="$build/demo/nara-flakylink"
regions_file="$(cd "$(dirname "$0")/.." && pwd)/data/regions/32-jawa-barat.tsv"

step=0
say() { step=$((step + 1)); printf '\n%d. %s\n' "$step" "$*"; }
info() { printf '   %s\n' "$*"; }
die() { printf 'province-run: %s\n' "$*" >&2; exit 1; }
n() { local db=$1; shift; "$nara" --db "$out/$db.db" "$@"; }

narad_pid=""
link_pid=""
cleanup() {
  if [ -n "$link_pid" ]; then kill -TERM "$link_pid" 2>/dev/null || true; fi
  if [ -n "$narad_pid" ] && kill -0 "$narad_pid" 2>/dev/null; then
    kill -TERM "$narad_pid" 2>/dev/null || true
    wait "$narad_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

[ -x "$nara" ] && [ -x "$narad" ] && [ -x "$flakylink" ] || die "build $build first (nara, narad or nara-flakylink is missing)"
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

# Region codes and names from the data file (the region list is data, not code).
mapfile -t codes < <(awk -F'\t' '/^[0-9]/ {print $1}' "$regions_file")
declare -A names
while IFS=$'\t' read -r code type name; do
  [[ $code =~ ^[0-9] ]] || continue
  if [ "$type" = kota ]; then names[$code]="Kota $name"; else names[$code]="Kabupaten $name"; fi
done <"$regions_file"

agencies=("Dinas Kesehatan" "Dinas Pendidikan" "Bappeda" "Dinas PUPR" "Dinas Sosial" "Biro Pemerintahan")
officers=("dr. Rina Sari" "Drs. Agus Setiawan" "Ir. Budi Santoso" "Hj. Dewi Lestari" "dr. Hendra Wijaya" "Siti Nurhaliza, M.Si")

say "The province creates its root key and the provincial server's key."
n root province init >/dev/null
root=$(n root key)
server_pk=$("$narad" keygen --key "$out/narad.key" | grep -o '[0-9a-f]\{64\}' | head -1)
info "province root key  $root"
info "server key         $server_pk"

say "The provincial server (narad) starts on 127.0.0.1 with its own SQLite database."
# Every device of this run connects from 127.0.0.1, so the per-address
# connection limits meant for the open network are lifted here.
"$narad" serve --db "$out/narad.db" --key "$out/narad.key" --root "$root" --plain \
  --listen 127.0.0.1 --port 0 --port-file "$out/narad.port" --conn-rate 0 --max-per-ip 0 \
  2>"$out/narad.log" &
narad_pid=$!
for _ in $(seq 100); do [ -s "$out/narad.port" ] && break; sleep 0.05; done
[ -s "$out/narad.port" ] || die "narad did not start; see $out/narad.log"
url="ws://127.0.0.1:$(cat "$out/narad.port")"
info "listening on $url/sync (log: $out/narad.log)"

say "Every device creates its own key and offline replica: 27 regency offices, 27 LOs, the secretariat."
n secretariat init --root "$root" >/dev/null
for code in "${codes[@]}"; do
  n "regency-$code" init --root "$root" >/dev/null
  n "lo-$code" init --root "$root" >/dev/null
done
info "$((2 * ${#codes[@]} + 1)) device replicas in $out/"

say "The root enrols the server's key and every device, and records the governor's decree assigning the LOs."
decree="100.3.3.2/Kep.412-Pemksm/2026"
n root enroll --device "$server_pk" --role server --scope '*' --name "narad Provinsi Jawa Barat" >/dev/null
printf 'Keputusan Gubernur Jawa Barat %s\n' "$decree" >"$out/kepgub.txt"
n root enroll --device "$(n secretariat key)" --role secretariat --scope '*' --name "Sekretariat Daerah" >/dev/null
n root decree --number "$decree" --date 2026-01-05 --doc "$out/kepgub.txt" --effective 2026-01-06 \
  --title "Penunjukan Kepala Perangkat Daerah sebagai Naradamping" >/dev/null
i=0
for code in "${codes[@]}"; do
  agency=${agencies[$((i % 6))]}
  officer=${officers[$(((i / 6 + i) % 6))]}
  n root enroll --device "$(n "regency-$code" key)" --role regency --scope "$code" \
    --name "Pemerintah ${names[$code]}" >/dev/null
  n root enroll --device "$(n "lo-$code" key)" --role lo --scope "$code" --name "$officer" \
    --agency "$agency" >/dev/null
  n root lo assign --region "$code" --agency "$agency" --officer "$officer" --decree "$decree" \
    --effective 2026-01-06 --device "$(n "lo-$code" key)" >/dev/null
  i=$((i + 1))
done
info "the server and $((2 * ${#codes[@]} + 1)) devices enrolled, ${#codes[@]} LOs assigned by decree $decree"
n root sync --server "$url" >/dev/null
info "the root synced its signed events to the server"

# sync_all PREFIX: every device whose replica name starts with PREFIX syncs,
# all at once; prints how many succeeded.
sync_all() {
  local prefix=$1 pids=() ok=0 failed=0
  for code in "${codes[@]}"; do
    n "$prefix-$code" sync --server "$url" >"$out/$prefix-$code.sync.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do if wait "$p"; then ok=$((ok + 1)); else failed=$((failed + 1)); fi; done
  info "$ok ${prefix} devices synced concurrently${failed:+, $failed did not}"
  [ "$failed" -eq 0 ] || die "some syncs failed: see $out/$prefix-*.sync.log"
}

say "Every device syncs once to learn its enrolment and the LO assignments."
n secretariat sync --server "$url" >/dev/null
sync_all regency
sync_all lo

say "Regency offices go offline and open cases in their own replicas."
categories=(pembangunan sosial rpjmd rapim)
functions=(koordinasi fasilitasi sinkronisasi komunikasi)
priorities=(rendah sedang tinggi darurat)
titles=("Jembatan desa rusak setelah banjir" "Pembangunan puskesmas tertunda"
        "Program sekolah tidak selaras dengan RPJMD" "Tindak lanjut rapim soal stunting"
        "Bantuan sosial belum tersalurkan" "Jalan kabupaten longsor")
opened=0
RANDOM=20261126
for code in "${codes[@]}"; do
  for _ in $(seq $((1 + RANDOM % 3))); do
    n "regency-$code" case open --region "$code" --category "${categories[RANDOM % 4]}" \
      --function "${functions[RANDOM % 4]}" --title "${titles[RANDOM % 6]}" \
      --description "Dilaporkan oleh ${names[$code]} saat tidak terhubung." \
      --priority "${priorities[RANDOM % 4]}" >/dev/null
    opened=$((opened + 1))
  done
done
info "$opened cases opened offline across ${#codes[@]} regions"

say "The links come back, but they are flaky: half the connections drop at a random byte, mid-sync."
"$flakylink" "$(cat "$out/narad.port")" 50 20261126 "$out/flakylink.port" >"$out/flakylink.log" 2>&1 &
link_pid=$!
for _ in $(seq 100); do [ -s "$out/flakylink.port" ] && break; sleep 0.05; done
[ -s "$out/flakylink.port" ] || die "the flaky link did not start"
flaky_url="ws://127.0.0.1:$(cat "$out/flakylink.port")"
# Each office retries until its sync completes, as `nara sync --watch` would.
retry_sync() {
  local code=$1 tries=0
  until n "regency-$code" sync --server "$flaky_url" >>"$out/regency-$code.sync.log" 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 20 ] || return 1
    sleep 0.2
  done
  echo "$tries" >"$out/regency-$code.drops"
}
pids=()
for code in "${codes[@]}"; do retry_sync "$code" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || die "a regency could not sync through the flaky link"; done
kill -TERM "$link_pid"; wait "$link_pid" 2>/dev/null || true; link_pid=""
drops=$(cat "$out"/regency-*.drops | awk '{s += $1} END {print s}')
hit=$(cat "$out"/regency-*.drops | awk '$1 > 0 {c++} END {print c + 0}')
info "$(cat "$out/flakylink.log")"
info "$drops syncs were cut in $hit offices; each office retried and completed its sync"

say "Each LO syncs, acknowledges the cases of the region (1x24 jam) and escalates some to the Sekda."
sync_all lo
acked=0
escalated=0
for code in "${codes[@]}"; do
  mapfile -t ids < <(n "lo-$code" --json case list --region "$code" | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4)
  for id in "${ids[@]}"; do
    [ $((RANDOM % 4)) -eq 0 ] && continue # this one waits, and may become overdue
    n "lo-$code" case ack "$id" >/dev/null
    acked=$((acked + 1))
    if [ $((RANDOM % 5)) -eq 0 ]; then
      n "lo-$code" case escalate "$id" --to sekda --reason "Butuh keputusan lintas perangkat daerah" >/dev/null
      escalated=$((escalated + 1))
    fi
  done
done
info "$acked cases acknowledged, $escalated escalated to the Sekda"
sync_all lo

say "The secretariat syncs and resolves the escalated cases."
n secretariat sync --server "$url" >/dev/null
resolved=0
mapfile -t ids < <(n secretariat --json case list --status escalated | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4)
for id in "${ids[@]}"; do
  n secretariat case resolve "$id" --summary "Diputuskan dalam rapat koordinasi Sekda" >/dev/null
  resolved=$((resolved + 1))
done
n secretariat sync --server "$url" >/dev/null
info "$resolved escalated cases resolved"

say "Everyone syncs once more; the full replicas must now hold exactly the same history."
sync_all regency
sync_all lo
n root sync --server "$url" >/dev/null
n secretariat sync --server "$url" >/dev/null
digest() { n "$1" --json status | grep -o "\"$2\":\"[0-9a-f]*\"" | cut -d'"' -f4; }
for db in root secretariat; do
  info "$(printf '%-12s log digest %.16s...  state digest %.16s...' "$db" "$(digest "$db" digest)" "$(digest "$db" state_digest)")"
done
[ "$(digest root digest)" = "$(digest secretariat digest)" ] || die "the root and the secretariat hold different events"
[ "$(digest root state_digest)" = "$(digest secretariat state_digest)" ] || die "the folded states differ"
info "converged: same events, same folded state"
for code in 32.01 32.73; do
  info "$(printf '%s (%s) holds %s events of its own scope' "regency-$code" "${names[$code]}" \
    "$(n "regency-$code" --json status | grep -o '"events":[0-9]*' | cut -d: -f2)")"
done

say "Each regency office checks the receipts the province signed for its events, offline."
receipts=0
for code in "${codes[@]}"; do
  n "regency-$code" receipts --verify >"$out/regency-$code.receipts.log" 2>&1 ||
    die "the receipts of regency-$code do not verify: see $out/regency-$code.receipts.log"
  receipts=$((receipts + $(n "regency-$code" --json receipts | { grep -o '"leaf":' || true; } | wc -l)))
done
info "$receipts receipts verified across ${#codes[@]} offices (tree-head signatures, consistency, inclusion)"

say "The province exports its history as a bundle, and an auditor verifies it offline."
"$narad" export-bundle --db "$out/narad.db" --out "$out/jabar.bundle" --root "$root" >"$out/export.log" 2>&1 ||
  die "export failed: see $out/export.log"
info "$(tail -n 1 "$out/export.log")"
if n secretariat audit "$out/jabar.bundle" --root "$root" >"$out/audit.txt" 2>&1; then
  info "audit: verified, nothing to report (full report in $out/audit.txt)"
else
  rc=$?
  [ "$rc" -eq 2 ] || { cat "$out/audit.txt"; die "the audit failed (exit $rc)"; }
  info "audit: verified, with findings to judge (see $out/audit.txt)"
fi
sed -n '1,12p' "$out/audit.txt" | sed 's/^/     /'

say "The consolidated report the Sekda reads (now):"
n secretariat report
say "The same report as of 25 hours from now: unacknowledged cases become overdue (1x24 jam)."
n secretariat report --as-of "$(date -u -d '+25 hours' +%Y-%m-%dT%H:%M:%SZ)"

say "The server stops cleanly (SIGTERM) and its log ends:"
kill -TERM "$narad_pid"
wait "$narad_pid" || die "narad did not exit cleanly"
narad_pid=""
tail -n 3 "$out/narad.log" | sed 's/^/   /'

printf '\nDone in %ss. Replicas, keys and logs are in %s/; try:\n' "$(($(date +%s) - start))" "$out"
printf '   %s --db %s/secretariat.db case list\n' "$nara" "$out"
printf '   %s --db %s/regency-32.01.db status\n' "$nara" "$out"
