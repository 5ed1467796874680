#!/bin/sh
# barbench study, report and compare end to end: a small study produces the
# report and every figure; report rebuilds identical tables; compare of a
# folder with itself finds no significant change; an interrupted study
# (--max-runs, SIGTERM, kill -9) resumes to the same set of runs as an
# uninterrupted one; bad study files exit 2 with file:line.
# usage: cli_study.sh BARBENCH
set -u
BB=$1
. "$(dirname "$0")/lib.sh"
ids() { tail -n +2 "$1/runs.csv" | cut -d, -f1 | sort; }

cat >"$tmp/small.study" <<'S'
# two regions, every policy, both page sizes, latency and sweep
name small
device emu:layouts/nvme-msix-bar0-pre416
device emu:layouts/mlx5-cx5 regions=0
policies all
page-sizes 4K,64K
workloads lat-read,sweep
samples 200
repetitions 4
S

"$BB" study "$tmp/small.study" --out "$tmp/a" >"$tmp/out" 2>"$tmp/err" || no "study: $(cat "$tmp/err")"
[ -s "$tmp/a/report.md" ] || no "no report.md"
"$JQ" "$tmp/a/manifest.json" 'd["complete"] is True and d["measured_runs"] > 0' || no "manifest not complete"
# study_exact_argv: the command line as given, the operand before the options (getopt_long's permutation
# once recorded it last, and argv[0] was left out)
"$JQ" "$tmp/a/manifest.json" 'd["command_line"] == ["'"$BB"'", "study", "'"$tmp"'/small.study", "--out", "'"$tmp"'/a"]' ||
	no "study_exact_argv: $(grep -A6 command_line "$tmp/a/manifest.json")"
n=$(tail -n +2 "$tmp/a/runs.csv" | wc -l)
# 6 policies x 2 pages x 2 workloads x 4 reps x 2 regions = 192; pre416: full and holes do not apply (32)
[ "$n" -eq 160 ] || no "small study: $n runs, want 160"
# repetition: each row says which repetition of its configuration it is, 0 to 3, each 40 times
[ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { n[$c["repetition"]]++ }
	END { for (r in n) printf "%s:%d ", r, n[r]; print "" }' "$tmp/a/runs.csv" | tr ' ' '\n' | sort | tr '\n' ' ')" = " 0:40 1:40 2:40 3:40 " ] ||
	no "repetition column: $(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["repetition"] }' "$tmp/a/runs.csv" | sort | uniq -c | tr '\n' ' ')"
"$JQ" "$tmp/a/manifest.json" 'd["skipped"][0]["run"].startswith("nvme-msix-bar0-pre416 r0 host full")' || no "skipped not recorded"
# the answer first (report.md: recommendation, overview, every runner and workload), every configuration in details.md
[ -s "$tmp/a/details.md" ] || no "no details.md"
figs=$(cat "$tmp/a/report.md" "$tmp/a/details.md" | grep -o 'figures/[^)]*\.png' | sort -u)
grep -q '^!\[overview[^]]*\](figures/overview.png)' "$tmp/a/report.md" || no "overview figure not in report.md"
grep -q '^## Every runner and workload' "$tmp/a/report.md" || no "report.md: no table of every runner and workload"
grep -q '^| host | `lat-read` | 4 | ' "$tmp/a/report.md" || no "report.md: host lat-read row: $(grep '^| host |' "$tmp/a/report.md")"
grep -q '^| host | `sweep` | 4 | ' "$tmp/a/report.md" || no "report.md: host sweep row missing"
grep -q '^### ' "$tmp/a/report.md" && no "per-configuration tables left in report.md"
[ "$(echo "$figs" | grep -c cdf-)" -ge 4 ] || no "CDF figures missing from the report"
[ "$(echo "$figs" | grep -c bars-)" -ge 2 ] || no "bar figures missing"
[ "$(echo "$figs" | grep -c pagemap-)" -ge 4 ] || no "page maps missing"
[ "$(echo "$figs" | grep -c slots-)" -ge 2 ] || no "memslot figures missing"
# png_palette: with pngquant installed (scripts/deps installs it) most figures are 8-bit palette PNGs (IHDR colour
# type 3, byte 25), the 40% of gnuplot's truecolour bytes that keeps the default study's folder under 25 MB
npal=0
for f in $figs; do
	[ -s "$tmp/a/$f" ] || no "$f missing or empty"
	head -c 8 "$tmp/a/$f" | od -An -c | grep -q 'P   N   G' || no "$f is not a PNG"
	[ "$(od -An -tu1 -j25 -N1 "$tmp/a/$f" | tr -d ' ')" = 3 ] && npal=$((npal + 1))
done
if command -v pngquant >/dev/null; then
	[ $((npal * 2)) -gt "$(echo "$figs" | wc -l)" ] || no "png_palette: $npal of $(echo "$figs" | wc -l) figures in a palette"
else
	echo "cli_study: pngquant not installed: png_palette not checked" >&2
fi
# svg_on_request: PNG only by default (the SVGs were most of a folder's size); report --svg adds them
ls "$tmp/a/figures" | grep -q '\.svg$' && no "SVG figures without --svg"
"$BB" report "$tmp/a" --svg >/dev/null 2>"$tmp/err" || no "report --svg: $(cat "$tmp/err")"
for f in $figs; do
	[ -s "$tmp/a/${f%.png}.svg" ] || no "report --svg: ${f%.png}.svg missing or empty"
done
grep -q "The page size changes the answer" "$tmp/a/report.md" || no "summary does not find the 64K effect"
# the devices whose hot registers share a 64 KiB page with the MSI-X table (issue 18 item 5): SQ1TDBL, CQ1HDBL
grep -q '^emu:layouts/nvme-msix-bar0-pre416,0,-,hot=2,65536,4104,8,hot-trapped$' "$tmp/a/plans.csv" ||
	no "plans.csv: no hot-trapped row for pre416 at 64K: $(grep hot-trapped "$tmp/a/plans.csv")"
grep -q ',4096,[0-9]*,[0-9]*,hot-trapped$' "$tmp/a/plans.csv" && no "plans.csv: hot registers trapped at 4K pages?"
grep -q 'At 64 KiB pages hot registers trap under every policy a VMM can use.*nvme-msix-bar0-pre416 (2 in region 0)' \
	"$tmp/a/report.md" || no "summary does not name the devices whose hot registers trap at 64K"
# the answer first: one table, device x region x page -> the policy to use, before the details
[ "$(grep -m1 -n '^## ' "$tmp/a/report.md" | cut -d: -f2-)" = "## Recommendation" ] || no "report: the recommendation is not first"
grep -q '^| nvme-msix-bar0-pre416 | 0 | 64 KiB | trap (all alike) | 0 | none | none | every policy a VMM can use traps' "$tmp/a/report.md" ||
	no "recommendation: pre416 at 64K: $(grep '^| nvme-msix-bar0-pre416' "$tmp/a/report.md")"
# (the measured speed-up is a bound, "> Nx", where the pick's median lies below its resolution)
grep -q '^| nvme-msix-bar0-pre416 | 0 | 4 KiB | [a-z]* | 1 | \(> \)\?[0-9.]*x | [0-9.]*x ([0-9]* ns, pcie-bench default) |' "$tmp/a/report.md" ||
	no "recommendation: pre416 at 4K: $(grep '^| nvme-msix-bar0-pre416' "$tmp/a/report.md")"
grep -q "^| sparse | " "$tmp/a/details.md" || no "no table rows in details.md"

# the cost model: calibrated per region, a prediction beside every host run, the error in the report
[ -s "$tmp/a/costs.txt" ] || no "no costs.txt"
grep -q '^trap_read_ns [0-9]' "$tmp/a/costs.txt" || no "costs.txt has no trap_read_ns"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["runner"] == "host" && $c["predicted_ns"] !~ /^[0-9.]+$/ { bad = 1 } END { exit bad }' "$tmp/a/runs.csv" ||
	no "a host run without predicted_ns"
grep -q "^## The cost model" "$tmp/a/report.md" || no "no cost model section"
grep -q "^| lat-read | " "$tmp/a/report.md" || no "no prediction error row for lat-read"

# report rebuilds identical tables (and the whole file) from the raw results
cp "$tmp/a/report.md" "$tmp/report.before"
"$BB" report "$tmp/a" >/dev/null 2>"$tmp/err" || no "report: $(cat "$tmp/err")"
cmp -s "$tmp/report.before" "$tmp/a/report.md" || no "report is not reproducible: $(diff "$tmp/report.before" "$tmp/a/report.md" | head -5)"

# compare with itself: nothing significant, exit 0
"$BB" compare "$tmp/a" "$tmp/a" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "compare self: exit $rc"
grep -q "configurations in both, 0 significant changes" "$tmp/out" || no "compare self: $(tail -1 "$tmp/out")"
"$BB" compare "$tmp/a" "$tmp/a" --json | grep -q '"significant":0}' || no "compare --json"

# interrupted by --max-runs, then resumed: the same runs as uninterrupted
"$BB" study "$tmp/small.study" --out "$tmp/b" --max-runs 17 --no-report >/dev/null 2>"$tmp/err" || no "max-runs: $(cat "$tmp/err")"
"$JQ" "$tmp/b/manifest.json" 'd["complete"] is False and d["interrupted_by"] == "--max-runs"' || no "--max-runs: manifest says complete"
grep -q "finish it with: barbench study --resume" "$tmp/err" || no "no resume hint: $(cat "$tmp/err")"
"$BB" study --resume "$tmp/b" >/dev/null 2>"$tmp/err" || no "resume: $(cat "$tmp/err")"
"$JQ" "$tmp/b/manifest.json" 'd["complete"] is True' || no "resumed manifest not complete"
[ "$(ids "$tmp/a")" = "$(ids "$tmp/b")" ] || no "resume gave another set of runs"
"$BB" study "$tmp/small.study" --out "$tmp/b" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "study into a folder with results: exit $rc"

# SIGTERM: what finished is kept, the manifest says incomplete, resume completes
sed 's/^samples 200/samples 20000/' "$tmp/small.study" >"$tmp/slow.study"
"$BB" study "$tmp/slow.study" --out "$tmp/c" --no-report >/dev/null 2>"$tmp/err" &
pid=$!
# rows_at_least N DIR: until DIR/runs.csv has N runs, while the study runs (readiness, not a time: the
# bound, 2 min, is there for a study that never writes one; a loaded ASan build takes seconds here)
rows_at_least() {
	i=0
	while [ "$(tail -n +2 "$2/runs.csv" 2>/dev/null | wc -l)" -lt "$1" ] && [ $i -lt 1200 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(tail -n +2 "$2/runs.csv" 2>/dev/null | wc -l)" -ge "$1" ] || no "$2: not $1 runs before the signal (study alive: $(kill -0 $pid 2>/dev/null && echo yes || echo no))"
}
rows_at_least 1 "$tmp/c"
kill -TERM $pid
wait $pid; rc=$?
[ $rc -eq 143 ] || no "SIGTERM: exit $rc, want 143"
"$JQ" "$tmp/c/manifest.json" 'd["complete"] is False' || no "SIGTERM: manifest not marked incomplete"
"$JQ" "$tmp/c/manifest.json" 'd["interrupted_by"] == "SIGTERM"' || no "SIGTERM not named in the manifest"
"$BB" report "$tmp/c" --no-figures >/dev/null || no "SIGTERM: report of the partial folder"
grep -q "incomplete" "$tmp/c/report.md" || no "partial report does not say incomplete"

# kill -9 loses at most the run in progress: every finished row and file stays usable
"$BB" study "$tmp/slow.study" --out "$tmp/d" --no-report >/dev/null 2>&1 &
pid=$!
rows_at_least 3 "$tmp/d"
kill -KILL $pid
wait $pid 2>/dev/null
for id in $(ids "$tmp/d"); do
	"$BB_SAMPLES_CAT" "$tmp/d" "$id" >/dev/null || no "kill -9: samples of finished run $id missing"
done
"$BB" report "$tmp/d" --no-figures >/dev/null 2>"$tmp/err" || no "kill -9: runs.csv unreadable: $(cat "$tmp/err")"

# bad study files
bad() {
	printf '%b' "$1" >"$tmp/bad.study"
	"$BB" study "$tmp/bad.study" --out "$tmp/bad$2" >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc -eq 2 ] || no "bad study '$1': exit $rc"
	grep -qF "$3" "$tmp/err" || no "bad study '$1': want '$3', got $(cat "$tmp/err")"
}
bad 'name x\n' 1 "no device line"
bad 'device emu:layouts/nvme-msix-bar0\nsamples 5\n' 2 "bad.study:2: samples 5: want a number from 10"
bad 'device emu:layouts/nvme-msix-bar0\ncolour red\n' 3 "bad.study:2: unknown key 'colour'"
bad 'device emu:layouts/nvme-msix-bar0\npage-sizes 4K,12K\n' 4 "bad.study:2: page-sizes: '12K' is not a power of two"
bad 'device emu:layouts/nvme-msix-bar0\nruners host\n' 5 "bad.study:2: unknown key 'runers'"
bad 'device emu:layouts/nvme-msix-bar0\nrunners host,vm\n' 6 "bad.study:2: runners: 'vm' is not one of host, guest"
bad 'device emu:layouts/nvme-msix-bar0\npolicies sparse,sparse\n' 7 "'sparse' given twice"
bad 'device emu:layouts/nvme-msix-bar0\npolicies nope\n' 8 "no policy 'nope'"
bad 'device emu:layouts/nvme-msix-bar0\nworkloads lat-read,nope\n' 9 "workload 'nope'"
bad 'device toaster:0\n' 10 "bad.study:1: device toaster:0: not a device barbench knows"
bad 'device pci:0000:00:00.0\n' 10 "bad.study:1: device pci:0000:00:00.0: a pci device has no trap path of its own"
bad 'device emu:layouts/nvme-msix-bar0 regions=\n' 15 "bad.study:1: device emu:layouts/nvme-msix-bar0: regions= needs a list"
bad 'device emu:layouts/no-such\n' 11 "no such layout"
bad 'device emu:layouts/nvme-msix-bar0 regions=9\n' 12 "names no region to measure"
bad 'device emu:layouts/nvme-msix-bar0\nparam colour=1\n' 13 "no policy of the study takes param 'colour'"
bad 'device emu:layouts/nvme-msix-bar0\nsamples 100\nsamples 200\n' 14 "bad.study:3: samples given twice"
# an --out that cannot be made is the folder failing (exit 1), not bad usage: a name longer than NAME_MAX
# (ENAMETOOLONG was taken for bad input) and a folder under a file (ENOTDIR); nothing runs
long=$(printf '%0300d' 0)
for o in "$tmp/$long" "$tmp/small.study/x"; do
	"$BB" study "$tmp/small.study" --out "$o" --no-report >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc -eq 1 ] || no "study --out $o that cannot be made: exit $rc, want 1 ($(cat "$tmp/err"))"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || no "study --out $o: not one line on stderr: $(cat "$tmp/err")"
done
"$BB" study --resume "$tmp/nowhere" >/dev/null 2>&1; [ $? -eq 2 ] || no "resume of nothing: want exit 2"
# study_resume_and_out: --resume DIR with --out is refused (the last of the two was taken as the folder to resume)
for args in "--resume $tmp/a --out $tmp/other" "--out $tmp/other --resume $tmp/a"; do
	# shellcheck disable=SC2086
	"$BB" study $args >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc -eq 2 ] || no "study_resume_and_out: study $args: exit $rc, want 2"
	grep -q "give one of them" "$tmp/err" || no "study_resume_and_out: study $args: $(cat "$tmp/err")"
done
[ -e "$tmp/other" ] && no "study_resume_and_out: $tmp/other was made"
# report_one_out: report DIR --out X (as report --help says) writes the report into X and leaves DIR's as it is
sum_a=$(cksum <"$tmp/a/report.md")
"$BB" report "$tmp/a" --out "$tmp/elsewhere" --no-figures >/dev/null 2>"$tmp/err" || no "report_one_out: $(cat "$tmp/err")"
[ -s "$tmp/elsewhere/report.md" ] && [ -s "$tmp/elsewhere/summary.json" ] || no "report_one_out: no report in --out"
[ "$(cksum <"$tmp/a/report.md")" = "$sum_a" ] || no "report_one_out: DIR's report.md was rewritten"
# study_into_run_folder: a folder holding a study's results is pointed to --resume; one holding a run's (no
# study.txt, which --resume then failed to open) is not
"$BB" study "$tmp/small.study" --out "$tmp/a" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || no "study into a study's folder: want exit 2"
grep -qF -- "use --resume $tmp/a" "$tmp/err" || no "study into a study's folder: no --resume hint: $(cat "$tmp/err")"
"$BB" run --device emu:layouts/nvme-msix-bar0 --policy trap --samples 10 --out "$tmp/r1" >/dev/null 2>&1 || no "run into r1"
"$BB" study "$tmp/small.study" --out "$tmp/r1" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || no "study into a run's folder: want exit 2"
grep -q -- "--resume $tmp/r1" "$tmp/err" && no "study_into_run_folder: --resume hint for a run's folder: $(cat "$tmp/err")"
grep -qF "not of a study" "$tmp/err" || no "study_into_run_folder: $(cat "$tmp/err")"
"$BB" compare "$tmp/a" "$tmp/nowhere" >/dev/null 2>&1; [ $? -eq 2 ] || no "compare with nothing: want exit 2"
"$BB" report "$tmp/nowhere" >/dev/null 2>&1; [ $? -eq 2 ] || no "report of nothing: want exit 2"

# too_many_regions: past 128 regions a study is refused; a device half in the list is closed once (it was freed twice)
mkdir -p "$tmp/many"
for i in $(seq -w 0 126); do sed "s/device name=nvme-msix-bar0/device name=a$i/" layouts/nvme-msix-bar0 >"$tmp/many/a$i"; done
cp layouts/nvgrace-gpu "$tmp/many/z"
printf 'device emu:%s/*\npolicies trap\npage-sizes 4K\nworkloads lat-read\nsamples 10\nrepetitions 1\n' "$tmp/many" >"$tmp/many.study"
"$BB" study "$tmp/many.study" --out "$tmp/many-out" --no-report >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "too_many_regions: exit $rc, want 2 ($(cat "$tmp/err"))"
grep -q "more than 128 regions" "$tmp/err" || no "too_many_regions: $(cat "$tmp/err")"

# layout_folder: emu:DIR/* takes DIR's layouts as check and layout check do (bb_cli_layout_files): files
# with no dot or named NAME.layout, in name order; a sub-folder, README.md and a dangling link are not
# layouts (the sub-folder was opened as one: exit 2; NAME.layout was left out)
mkdir -p "$tmp/pick/sub"
sed "s/device name=nvme-msix-bar0/device name=pa/" layouts/nvme-msix-bar0 >"$tmp/pick/a"
sed "s/device name=nvme-msix-bar0/device name=pb/" layouts/nvme-msix-bar0 >"$tmp/pick/b.layout"
echo "not a layout" >"$tmp/pick/README.md"
ln -s "$tmp/pick/gone" "$tmp/pick/dangling"
printf 'device emu:%s/*\npolicies trap\npage-sizes 4K\nworkloads lat-read\nsamples 10\nrepetitions 1\n' "$tmp/pick" >"$tmp/pick.study"
"$BB" study "$tmp/pick.study" --out "$tmp/pick-out" --no-report >/dev/null 2>"$tmp/err" || no "layout_folder: exit $? ($(cat "$tmp/err"))"
devs=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "device") k = i } NR > 1 { print $k }' "$tmp/pick-out/runs.csv" | sort -u | tr '\n' ' ')
[ "$devs" = "emu:$tmp/pick/a emu:$tmp/pick/b.layout " ] || no "layout_folder: devices measured: $devs"
# too_many_layouts: past 128 layouts in a folder a study is refused (the first 128 were measured, the rest
# dropped without a word)
mkdir -p "$tmp/lots"
for i in $(seq -w 0 128); do cp layouts/nvme-msix-bar0 "$tmp/lots/l$i"; done
printf 'device emu:%s/*\npolicies trap\npage-sizes 4K\nworkloads lat-read\nsamples 10\nrepetitions 1\n' "$tmp/lots" >"$tmp/lots.study"
"$BB" study "$tmp/lots.study" --out "$tmp/lots-out" --no-report >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "too_many_layouts: exit $rc, want 2 ($(cat "$tmp/err"))"
grep -q "more than 128 devices" "$tmp/err" || no "too_many_layouts: $(cat "$tmp/err")"
[ -e "$tmp/lots-out/runs.csv" ] && no "too_many_layouts: runs were measured"

# root_folder: emu:/* is the root's layouts (it was an empty folder name: "emu:/*: : No such file or
# directory"); what the root holds varies, so only that the folder read was "/" and nothing ran
printf 'device emu:/*\npolicies trap\npage-sizes 4K\nworkloads lat-read\nsamples 10\nrepetitions 1\n' >"$tmp/root.study"
"$BB" study "$tmp/root.study" --out "$tmp/root-out" --no-report >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "root_folder: exit $rc, want 2 ($(cat "$tmp/err"))"
grep -q ': : \|//' "$tmp/err" && no "root_folder: $(cat "$tmp/err")"
grep -q 'names no region\|: /[^/]' "$tmp/err" || no "root_folder: $(cat "$tmp/err")"

[ $fail -eq 0 ] && echo "cli_study: ok"
exit $fail
