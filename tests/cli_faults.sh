#!/bin/sh
# Faults while measuring, from the command line (docs/robustness.md, "faults"):
#   sigbus_mid_run   the device's memfd is truncated inside the timed loop of
#                    the 2nd run (emu:...?fault=truncate-after:N): that run
#                    fails naming run and offset, the 1st run is kept
#   short_read       a trapped read comes back short: reported, no row for it
#   eio              a trapped access fails with EIO: reported as EIO, no row
#   kill9            SIGKILL mid-study loses at most the run in progress: every
#                    file is whole, temporaries are *.tmp.PID and never listed
#   sigint, sigterm  finish the current run, keep what finished, manifest
#                    complete:false, exit 130 / 143
# usage: cli_faults.sh BARBENCH
set -u
BB=$1
. "$(dirname "$0")/lib.sh"
LAYOUT=layouts/nvme-msix-bar0
HEADER=$("$BB" run --device emu:$LAYOUT --out "$tmp/hdr" --policy trap --samples 10 >/dev/null 2>&1 &&
	head -n 1 "$tmp/hdr/runs.csv")
[ -n "$HEADER" ] || no "could not get the runs.csv header"

# A results folder that may have been interrupted: every listed file whole.
# check_folder DIR MIN_ROWS
check_folder() {
	d=$1
	[ -f "$d/runs.csv" ] || { no "$d: no runs.csv"; return; }
	[ "$(head -n 1 "$d/runs.csv")" = "$HEADER" ] || no "$d/runs.csv: header differs"
	[ "$(tail -c 1 "$d/runs.csv" | od -An -tx1 | tr -d ' ')" = "0a" ] || no "$d/runs.csv: last line not complete"
	awk -F, -v f="$d/runs.csv" 'NR == 1 { n = NF; next } NF != n { print f ":" NR ": " NF " fields, header has " n; bad = 1 } END { exit bad }' \
		"$d/runs.csv" || no "$d/runs.csv: ragged rows"
	rows=$(($(wc -l <"$d/runs.csv") - 1))
	[ "$rows" -ge "$2" ] || no "$d: $rows rows, want at least $2"
	scol=$(head -n 1 "$d/runs.csv" | tr ',' '\n' | grep -nx samples | cut -d: -f1)
	tail -n +2 "$d/runs.csv" | while IFS= read -r line; do
		id=${line%%,*}
		n=$(echo "$line" | cut -d, -f"$scol")
		# the run's block in its group's samples file (core/samples.h), read whole by the report's reader
		"$BB_SAMPLES_CAT" "$d" "$id" >"$d.cat" || { echo "FAIL: samples of $id listed but missing or not whole" >&2; exit 1; }
		[ "$(head -n 1 "$d.cat")" = "sample,offset,path,accesses,ns" ] || { echo "FAIL: $id: bad samples" >&2; exit 1; }
		[ "$(wc -l <"$d.cat")" -eq $((n + 1)) ] || { echo "FAIL: $id: $(wc -l <"$d.cat") samples lines, want $((n + 1))" >&2; exit 1; }
	done || no "$d: samples files"
	# everything else is a temporary of bb_write_atomic: <final>.tmp.<pid>, never *.csv/*.json
	find "$d" -type f | while IFS= read -r f; do
		case "${f#"$d"/}" in
		runs.csv | manifest.json | samples/*.bbs) ;;
		*.tmp.*) case "$f" in *.tmp.*[!0-9]*) echo "FAIL: $f: temporary not named <final>.tmp.<pid>" >&2; exit 1 ;; esac ;;
		*) echo "FAIL: unexpected file $f" >&2; exit 1 ;;
		esac
	done || no "$d: stray files"
	[ -f "$d/manifest.json" ] || no "$d: no manifest.json"
}

# ---- sigbus_mid_run: run 2 of 2 loses its device inside the timed loop ----
printf '0x2000 4 r\n0x1004 4 r\n' >"$tmp/pair"
# run 1 (trap): 50 trapped reads; run 2 (sparse): 0x2000 traps (#51, #52 ...), 0x1004 is mapped;
# after access 52 the memfd is truncated, so the next access, mapped 0x1004, raises SIGBUS
"$BB" run --device "emu:$LAYOUT?fault=truncate-after:52" --batch 1 --policy trap,sparse --workload replay:"$tmp/pair" \
	--samples 50 --warmup 0 --out "$tmp/bus" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "sigbus_mid_run: exit $rc, want 1 ($(cat "$tmp/err"))"
grep -q "^barbench: run 0001-sparse-4096-replay: host sparse 4096: replay:$tmp/pair: mapped access at region 0 offset 0x1004 raised SIGBUS (address beyond the end of the mapped object)" "$tmp/err" ||
	no "sigbus_mid_run: message: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || no "sigbus_mid_run: not one line: $(cat "$tmp/err")"
check_folder "$tmp/bus" 1
[ "$(tail -n +2 "$tmp/bus/runs.csv" | cut -d, -f4 | tr '\n' ' ')" = "trap " ] || no "sigbus_mid_run: rows $(cut -d, -f1 "$tmp/bus/runs.csv" | tr '\n' ' ')"
[ ! -e "$tmp/bus/samples/0001-sparse-4096-replay.bbs" ] || no "sigbus_mid_run: samples of the failed run written"
"$JQ" "$tmp/bus/manifest.json" 'd["runs"] == 1 and d["complete"] is False' || no "sigbus_mid_run: manifest not complete:false with 1 run"
"$JQ" "$tmp/bus/manifest.json" 'd["stopped"].startswith("run 0001-sparse-4096-replay: ") and "SIGBUS" in d["stopped"]' ||
	no "sigbus_mid_run: manifest does not say why"

# ---- short_read / eio: the trap path misbehaves in run 2 ----
# run 1 (sparse, lat-read) maps every register it reads: no trapped read; run 2 (trap) fails at its 7th
for f in short-read eio; do
	"$BB" run --device "emu:$LAYOUT?fault=$f:7" --batch 1 --policy sparse,trap --workload lat-read --samples 50 --warmup 0 \
		--out "$tmp/$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || no "$f: exit $rc, want 1 ($(cat "$tmp/err"))"
	case $f in
	short-read) want="run 0001-trap-4096-lat-read: host trap 4096: lat-read: read at region 0 offset 0x[0-9a-f]* through the trap path: short transfer: 3 of 4 bytes" ;;
	eio) want="run 0001-trap-4096-lat-read: host trap 4096: lat-read: read at region 0 offset 0x[0-9a-f]* through the trap path: Input/output error" ;;
	esac
	grep -q "^barbench: $want\$" "$tmp/err" || no "$f: message: $(cat "$tmp/err")"
	check_folder "$tmp/$f" 1
	[ "$(tail -n +2 "$tmp/$f/runs.csv" | cut -d, -f4 | tr '\n' ' ')" = "sparse " ] || no "$f: a row for the failed run"
	[ ! -e "$tmp/$f/samples/0001-trap-4096-lat-read.bbs" ] || no "$f: samples of the failed run written"
	"$JQ" "$tmp/$f/manifest.json" 'd["runs"] == 1 and d["complete"] is False' || no "$f: manifest"
done

# ---- interrupted studies: a matrix long enough to be caught in the middle ----
long() { # OUT
	env --default-signal=INT,TERM "$BB" run --device emu:$LAYOUT --out "$1" --policy all --page-size 4K,16K,64K \
		--workload lat-read,lat-write,sweep --samples 200000 >/dev/null 2>"$1.err" &
	bg=$!
	# until the first run is in (or the process is gone, which the caller reports)
	while kill -0 $bg 2>/dev/null; do
		[ -f "$1/runs.csv" ] && [ "$(wc -l <"$1/runs.csv")" -ge 2 ] && return 0
		sleep 0.02
	done
	return 1
}

# kill9
if long "$tmp/k9"; then
	kill -9 $bg
	wait $bg
	rc=$?
	[ $rc -eq 137 ] || no "kill9: exit $rc, want 137 (it finished before the kill?)"
	check_folder "$tmp/k9" 1
	"$JQ" "$tmp/k9/manifest.json" 'd["complete"] is False' || no "kill9: manifest must say complete:false"
	# run_force: a folder holding results is refused (its samples would go stale) ...
	"$BB" run --device emu:$LAYOUT --out "$tmp/k9" --policy trap --samples 20 >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] || no "kill9: rerun without --force: exit $rc, want 2"
	grep -q "already holds results (runs.csv): give --force" "$tmp/err" || no "kill9: rerun: $(cat "$tmp/err")"
	# ... and --force replaces them: runs.csv, manifest and samples of the new run only, and
	# nothing a study left there (its study.txt, plans.csv, report.md)
	echo stale >"$tmp/k9/study.txt"
	echo stale >"$tmp/k9/report.md"
	"$BB" run --device emu:$LAYOUT --out "$tmp/k9" --policy trap --samples 20 --force >/dev/null 2>"$tmp/err" ||
		no "kill9: rerun in the folder: $(cat "$tmp/err")"
	check_folder "$tmp/k9" 1
	[ -e "$tmp/k9/study.txt" ] || [ -e "$tmp/k9/report.md" ] && no "run_force: a study's files left behind"
	[ "$(ls "$tmp/k9/samples" | grep -c '\.bbs$')" -eq 1 ] || no "run_force: stale samples: $(ls "$tmp/k9/samples")"
	[ "$(($(wc -l <"$tmp/k9/runs.csv") - 1))" -eq 1 ] || no "kill9: rerun lists other runs"
	"$JQ" "$tmp/k9/manifest.json" 'd["complete"] is True' || no "kill9: rerun manifest"
else
	no "kill9: barbench ended before its first run: $(cat "$tmp/k9.err")"
fi

# sigint, sigterm
for sig in INT TERM; do
	d="$tmp/sig$sig"
	if long "$d"; then
		kill -$sig $bg
		wait $bg
		rc=$?
		want=130
		[ $sig = TERM ] && want=143
		[ $rc -eq $want ] || no "sig$sig: exit $rc, want $want ($(cat "$d.err"))"
		check_folder "$d" 1
		rows=$(($(wc -l <"$d/runs.csv") - 1))
		"$JQ" "$d/manifest.json" 'd["runs"] == '$rows' and d["complete"] is False' || no "sig$sig: manifest runs/complete ($rows rows)"
		"$JQ" "$d/manifest.json" 'd["stopped"] == "SIG'$sig'"' || no "sig$sig: manifest does not say SIG$sig"
		grep -q "^barbench: run: stopped by SIG$sig: the $rows runs\? that finished are in $d/runs.csv; manifest.json says complete:false\$" "$d.err" ||
			no "sig$sig: message: $(cat "$d.err")"
		# a clean stop leaves no temporary behind
		[ -z "$(find "$d" -name '*.tmp.*')" ] || no "sig$sig: temporaries left: $(find "$d" -name '*.tmp.*')"
	else
		no "sig$sig: barbench ended before its first run: $(cat "$d.err")"
	fi
done
bg=

[ $fail -eq 0 ] && echo "cli_faults: ok"
exit $fail
