#!/bin/sh
# barbench run end to end on the emulated device: every workload on every
# policy of one layout; every shipped layout and region; runs.csv columns and
# their relations; samples files and manifest; bad input exits 2.
# usage: cli_run.sh BARBENCH LAYOUT_DIR
set -u
BB=$1 LAYOUTS=$2
. "$(dirname "$0")/lib.sh"

# column relations of a runs.csv, by header name
check_csv() { # FILE
	csv_rows "$1" device,region,policy,page_size_bytes,runner,workload,op,width_bytes,samples,min_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns,stdev_ns,ci95_lo_ns,ci95_hi_ns,ops_s,bytes_s,mappings,memslots,trapped_share,setup_ns,page_faults,ctx_switches,task_clock_ns,cycles,instructions,batch_map,batch_trap,resolution_ns,trapped_accesses '
		mn = $col["min_ns"]; p50 = $col["p50_ns"]; p99 = $col["p99_ns"]; mx = $col["max_ns"]
		lo = $col["ci95_lo_ns"]; hi = $col["ci95_hi_ns"]; ts = $col["trapped_share"]; pol = $col["policy"]
		if (!(mn <= p50 && p50 <= $col["p90_ns"] && $col["p90_ns"] <= p99 && p99 <= $col["p999_ns"] && $col["p999_ns"] <= mx)) { print file ":" NR ": percentiles out of order"; bad = 1 }
		if (!(lo <= p50 && p50 <= hi)) { print file ":" NR ": median outside its CI"; bad = 1 }
		if (pol == "full" && ts != 0) { print file ":" NR ": full run with trapped_share " ts; bad = 1 }
		if (pol == "trap" && ts != 1) { print file ":" NR ": trap run with trapped_share " ts; bad = 1 }
		if (pol == "trap" && ($col["memslots"] != 0 || $col["mappings"] != 0)) { print file ":" NR ": trap with memslots"; bad = 1 }
		# a sample times batch_map or batch_trap accesses; the resolution is the step over the smaller
		if ($col["batch_map"] + $col["batch_trap"] < 1 || $col["resolution_ns"] <= 0) { print file ":" NR ": batch_map " $col["batch_map"] " batch_trap " $col["batch_trap"] " resolution_ns " $col["resolution_ns"]; bad = 1 }
		if (pol == "trap" && $col["batch_map"] != 0) { print file ":" NR ": trap run with mapped samples"; bad = 1 }
		if ($col["trap_syscalls"] != $col["trapped_accesses"]) { print file ":" NR ": trap syscalls " $col["trap_syscalls"] " != trapped accesses"; bad = 1 }
		if ($col["ops_s"] <= 0 || $col["runner"] != "host") { print file ":" NR ": ops_s or runner"; bad = 1 }
		if ($col["cycles"] != "" && $col["cycles"] !~ /^[0-9]+$/) { print file ":" NR ": cycles not a count"; bad = 1 }'
	# one samples file per row, with as many samples as the row says
	tail -n +2 "$1" | while IFS=, read -r id rest; do
		"$BB_SAMPLES_CAT" "$(dirname "$1")" "$id" >/dev/null || { echo "FAIL: no samples of $id" >&2; exit 1; }
	done || no "samples files of $1"
	[ -s "$(dirname "$1")/manifest.json" ] || no "no manifest next to $1"
	"$JQ" "$(dirname "$1")/manifest.json" 'd["complete"] is True' || no "manifest of $1 not complete"
	"$JQ" "$(dirname "$1")/manifest.json" 'd["timer"]["freq_hz"] > 0 and d["tsc"]["freq_hz"] == d["timer"]["freq_hz"]' ||
		no "manifest of $1: no tsc"
	ls "$(dirname "$1")" | grep -q 'tmp' && no "temporary file left in $(dirname "$1")"
}

# every workload x every policy x two page sizes on one layout
printf '# doorbells and a status read\n0x1008 4 w\n0x100c 4 w\n0x1c 4 r\n' >"$tmp/trace"
"$BB" run --device emu:layouts/nvme-msix-bar0 --out "$tmp/all" --page-size 4K,64K --samples 200 \
	--workload lat-read,lat-write,doorbell,stream-read,stream-write,mix,sweep,replay:"$tmp/trace" \
	>"$tmp/out" 2>"$tmp/err" || no "run all: $(cat "$tmp/err")"
check_csv "$tmp/all/runs.csv"
rows=$(($(wc -l <"$tmp/all/runs.csv") - 1))
[ "$rows" -eq 96 ] || no "all: $rows runs, want 6 policies x 2 pages x 8 workloads = 96"
[ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["policy"] == "sparse" && $c["page_size_bytes"] == 4096 && $c["workload"] == "sweep" { print $c["trapped_share"] }' "$tmp/all/runs.csv")" = "0.5000" ] ||
	no "sparse 4K sweep must trap the 2 MSI-X pages of 4"
grep -q "results: $tmp/all/runs.csv (96 runs)" "$tmp/out" || no "summary line"

# sweep_every_page: a 32 MiB BAR (4,096 probes) swept with 100 samples times every probe, from the first
# (100 samples and their warmup once timed pages 10 to 109 of 8,192, never those around the MSI-X table)
"$BB" run --device emu:layouts/mlx5-cx5 --region 0 --policy sparse --workload sweep --samples 100 --page-size 4K \
	--out "$tmp/sw" >/dev/null 2>"$tmp/err" || no "sweep_every_page: $(cat "$tmp/err")"
id=$(awk -F, 'NR == 2 { print $1 }' "$tmp/sw/runs.csv")
"$BB_SAMPLES_CAT" "$tmp/sw" "$id" >"$tmp/sw.csv" || no "sweep_every_page: samples_cat $id"
[ "$(awk -F, 'NR > 1 { n++; if (!($2 in o)) { o[$2] = 1; k++ } } NR == 2 { first = $2 }
	END { print n, k, first }' "$tmp/sw.csv")" = "4096 4096 0" ] ||
	no "sweep_every_page: samples, distinct offsets, first offset: $(awk -F, 'NR > 1 { n++ } END { print n }' "$tmp/sw.csv")"

# merged span=1 and a loaded param
"$BB" run --device emu:layouts/nvme-msix-bar0-pre416 --out "$tmp/span" --policy merged,sparse --param span=1 \
	--samples 100 >/dev/null 2>"$tmp/err" || no "span=1: $(cat "$tmp/err")"
grep -q ',merged,span=1,' "$tmp/span/runs.csv" || no "span=1 not recorded"

# every shipped layout and region
n=0
for l in "$LAYOUTS"/*; do
	case "$l" in *.md) continue ;; esac
	for r in $("$BB" info "emu:$l" --json | "$JQ" - -p '" ".join(str(r["index"]) for r in d["regions"])'); do
		n=$((n + 1))
		d="$tmp/l$n"
		"$BB" run --device "emu:$l" --region "$r" --out "$d" --workload lat-read,sweep --page-size 4K,64K \
			--samples 50 >/dev/null 2>"$tmp/err" || no "emu:$l region $r: $(cat "$tmp/err")"
		check_csv "$d/runs.csv"
	done
done
[ $n -ge 20 ] || no "only $n regions measured"

# skipped combinations are recorded with their reason
"$BB" run --device emu:layouts/nvme-msix-bar0-pre416 --out "$tmp/skip" --workload lat-read --samples 50 >"$tmp/out" 2>&1
"$JQ" "$tmp/skip/manifest.json" 'd["skipped"][0]["run"] == "full 4 KiB lat-read" and d["skipped"][0]["why"].startswith("region 0 reports a sparse")' ||
	no "skipped full not in the manifest"
grep -q "^skipped: full" "$tmp/out" || no "skipped not printed"

# bad input
bad() { "$BB" run "$@" >/dev/null 2>"$tmp/err"; rc=$?; [ $rc -eq 2 ] || no "run $*: exit $rc, want 2 ($(cat "$tmp/err"))"; }
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --workload nosuch
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --samples 0
bad --device emu:layouts/nvme-msix-bar0
bad --device emu:layouts/intel-x710 --out "$tmp/x"
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --policy nope
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --width 3
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --runner toaster
bad --device bogus:x --out "$tmp/x"
printf '0x1008 4 w\n0x1009 4 w\n' >"$tmp/badtrace"
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --workload replay:"$tmp/badtrace"
grep -q "$tmp/badtrace:2: access \[0x1009, +4) is unaligned" "$tmp/err" || no "bad trace message: $(cat "$tmp/err")"
# a trace that writes a register the layout says to leave alone (NSSR: subsystem reset)
printf '0x20 4 w\n' >"$tmp/nssr"
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --workload replay:"$tmp/nssr"
grep -q "touches a range the layout forbids" "$tmp/err" || no "forbidden trace: $(cat "$tmp/err")"
# missing_trace_file: a replay trace that is not there was 'nothing to do' (-ENOENT): every run skipped, exit 0
rm -rf "$tmp/x"
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --workload lat-read,replay:"$tmp/nosuchtrace"
grep -q "replay:$tmp/nosuchtrace: no such trace file" "$tmp/err" || no "missing trace: $(cat "$tmp/err")"
[ -e "$tmp/x/runs.csv" ] && no "missing trace: runs were measured"
printf 'name mt\ndevice emu:layouts/nvme-msix-bar0\npolicies sparse\npage-sizes 4K\nworkloads replay:%s\n' "$tmp/nosuchtrace" >"$tmp/mt.study"
"$BB" study "$tmp/mt.study" --out "$tmp/mt" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "no such trace file" "$tmp/err" || no "study of a missing trace: exit $rc, want 2: $(cat "$tmp/err")"

# empty_or_repeated_list_items: lists and --param keys are taken exactly as given, never trimmed
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --policy sparse,,trap,
grep -q "policy sparse,,trap,: an empty item" "$tmp/err" || no "empty policy item: $(cat "$tmp/err")"
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --workload lat-read,lat-read
grep -q "'lat-read' is given twice" "$tmp/err" || no "repeated workload: $(cat "$tmp/err")"
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --policy budget --param memslots=1 --param memslots=2
grep -q "memslots is already memslots=1" "$tmp/err" || no "repeated --param: $(cat "$tmp/err")"

# sub_resolution_table: run's table writes a figure below the run's resolution as "< R", as the
# report does, never a number under it (one access a sample: a mapped read lies below one timer step)
"$BB" run --device emu:layouts/nvme-msix-bar0-pre416 --policy sparse,trap --batch 1 --samples 500 \
	--out "$tmp/b1" >"$tmp/out" 2>"$tmp/err" || no "run --batch 1: $(cat "$tmp/err")"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["policy"], $c["resolution_ns"] }' \
	"$tmp/b1/runs.csv" | while read -r pol res; do
	line=$(grep "^$pol " "$tmp/out")
	echo "$line" | awk -v res="$res" '{
		# p50_ns and p99_ns: "< R" (two fields) or one number at or above the resolution
		i = 5	# policy, page ("4 KiB"), workload, then the figures
		for (k = 0; k < 2; k++) {
			if ($i == "<") { if ($(i + 1) + 0 < res) { print "bound " $(i + 1) " below the resolution " res; exit 1 } i += 2 }
			else if ($i + 0 < res) { print "figure " $i " below the resolution " res; exit 1 } else i++
		}
	}' || no "sub_resolution_table: $line"
done
grep -q '^sparse .* < [0-9.]* ' "$tmp/out" || echo "cli_run: sparse's median is above the resolution here: no bound to see"

# exact_argv: the manifest records the command line as given, argv[0] first (lists were once cut at their
# first comma; getopt_long's permutation moved operands after the options, and argv[0] was left out)
"$BB" run --device emu:layouts/nvme-msix-bar0 --policy trap,sparse --workload lat-read,doorbell --samples 20 \
	--out "$tmp/argv" >/dev/null 2>"$tmp/err" || no "argv run: $(cat "$tmp/err")"
"$JQ" "$tmp/argv/manifest.json" 'd["command_line"] == ["'"$BB"'", "run", "--device", "emu:layouts/nvme-msix-bar0", "--policy", "trap,sparse", "--workload", "lat-read,doorbell", "--samples", "20", "--out", "'"$tmp"'/argv"]' ||
	no "manifest command_line"

# calibrate_progress: steps with an ETA on a terminal (script(1) gives it one), nothing on a pipe
"$BB" calibrate --samples 1000 --reps 2 >"$tmp/out" 2>"$tmp/err" || no "calibrate: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || no "calibrate_progress: wrote to stderr on a pipe: $(cat "$tmp/err")"
if script -qc true /dev/null >/dev/null 2>&1; then
	script -qc "'$BB' calibrate --samples 1000 --reps 2 --save '$tmp/cost' >/dev/null" /dev/null >"$tmp/tty" 2>&1
	for step in "[1/7] ETA   ? dispatch ratio, repetition 1" "[3/7] ETA" "trapped_write" "[7/7] ETA" "cost model"; do
		grep -qF "$step" "$tmp/tty" || no "calibrate_progress: no '$step' on a terminal"
	done
else
	echo "cli_run: script(1) cannot give a terminal here: calibrate's progress not checked on one"
fi

[ $fail -eq 0 ] && echo "cli_run: ok ($n regions)"
exit $fail
