#!/bin/sh
# The report states only what its statistics support (issue 14), on a
# recorded sample set: tests/data/sub-resolution holds five repetitions of
# every policy x {4K, 64K} of lat-read on nvme-msix-bar0, taken with one
# access per sample (--batch 1) on a machine whose timer step is 20 to 22 cycles
# (8.7 to 9.6 ns): the mapped medians lie below the resolution, as on the bhyve
# host whose 21-cycle step made reports print "0.0 ns" and "at least 14026x".
# usage: cli_report_stats.sh BARBENCH DATA_DIR
set -u
BB=$1 DATA=$2
. "$(dirname "$0")/lib.sh"

cp -r "$DATA" "$tmp/q"
"$BB" report "$tmp/q" --no-figures >/dev/null 2>"$tmp/err" || no "report: $(cat "$tmp/err")"
r="$tmp/q/report.md"
# never a figure that was not measured
grep -n '[^0-9.]0\.0 ns\|\binf\b\|\bnan\b\|1e+300\|at least 1[0-9]*\.[0-9]x' "$r" && no "sub_resolution_figures: an unmeasured figure in the report"
grep -q '< [0-9]*\.[0-9]* ns' "$r" || no "sub_resolution_figures: no '< R ns' for the sub-resolution medians"
# sub_resolution_details: in details.md's tables every latency (p50 and its interval, p99, p99.9 and
# the mean) below the resolution reads "< R": the recorded runs' resolutions are 8.70 ns and above
awk -F'|' '/^\| [a-z]/ && $3 !~ /p50_ns/ {
	n = split($3 " " $4 " " $5 " " $11, w, /[][ ,]+/)
	for (k = 1; k <= n; k++) {
		if (w[k] == "<") { k++; continue }
		if (w[k] ~ /^[0-9.]+$/ && w[k] + 0 < 8.69) { print "a figure below the resolution: " w[k] " in " $0; bad = 1 }
	}
} END { exit bad }' "$tmp/q/details.md" || no "sub_resolution_details"
grep -q '^| holes | < 9\.57 \[< 9\.57\] | < 9\.57 | < 9\.57 | .* | < 9\.57 | - | - | 5 |$' "$tmp/q/details.md" ||
	no "sub_resolution_details: holes 4K: $(grep '^| holes' "$tmp/q/details.md" | head -1)"

# interval_label: five repetitions give no 95% interval of the median ([min, max] covers 93.75%):
# details.md's tables, report.md and summary.json name it a range with its coverage, never a 95% CI
grep -q '^| policy | p50_ns \[95% CI' "$tmp/q/details.md" && no "interval_label: details.md: $(grep -m1 '95% CI' "$tmp/q/details.md")"
[ "$(grep -c '^| policy | p50_ns \[range of 5 repetitions, 93\.8% coverage\] |' "$tmp/q/details.md")" -eq 2 ] ||
	no "interval_label: details.md headers: $(grep '^| policy' "$tmp/q/details.md")"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/q/summary.json" <<'PY' || no "interval_label: summary.json"
import json, sys
for x in json.load(open(sys.argv[1]))["configurations"]:
    assert x["ci95_lo_ns"] is None and x["ci95_hi_ns"] is None, x
    assert x["interval"] == "range" and x["interval_coverage"] == 0.9375, x
    assert x["interval_lo_ns"] <= x["p50_ns"] <= x["interval_hi_ns"], x
PY
fi

# cdf_resolution: the CDFs mark the measured clock (a labelled line at the resolution, the range below
# it shaded) and draw no value below its run's resolution (they drew a staircase at 0.1-4 ns under a
# note of "0.1 ns (under one TSC tick)" where one step is 8.7 ns); their scripts are kept (--figure-data)
cp -r "$DATA" "$tmp/g"
"$BB" report "$tmp/g" --figure-data >/dev/null 2>"$tmp/err" || no "report g: $(cat "$tmp/err")"
ls "$tmp/g/figures/"cdf-*.gp >/dev/null 2>&1 || no "cdf_resolution: no CDF scripts"
for gp in "$tmp/g/figures/"cdf-*.gp; do
	grep -q '^set label [0-9] "timer resolution [0-9]\.[0-9][0-9] ns" at first [0-9.]*,' "$gp" || no "cdf_resolution: $gp: no resolution line"
	grep -q '^set object 1 rect from graph 0, graph 0 to first [0-9.]*, graph 1 behind' "$gp" || no "cdf_resolution: $gp: no shaded range"
	grep -q 'TSC tick\|below 0\.1 ns' "$gp" && no "cdf_resolution: $gp: the 0.1 ns note"
	awk 'NF == 2 && $1 ~ /^[0-9.]+$/ && $1 < 8.69 { print FILENAME ": " $0; bad = 1 } END { exit bad }' "${gp%.gp}.dat" ||
		no "cdf_resolution: a value drawn below the resolution"
done

# four mapped policies below the resolution cannot be ordered: tied, never "best"
grep -q 'at 4 KiB pages holes, sparse, merged and budget are \*\*tied\*\*' "$r" || no "sub_resolution_tied: 4K verdict: $(grep -o 'at 4 KiB pages[^;]*' "$r")"
grep -q 'is best' "$r" && no "unjustified_best: $(grep -o '[^;]*is best[^;]*' "$r")"
# the speed-up over trap of a sub-resolution median is a bound
grep -q '> [0-9]*x faster than `trap`' "$r" || no "bound_speedup: $(grep -o 'faster than `trap`[^;]*' "$r" | head -1)"
# the summary projects onto a device and says it is a projection
grep -q 'projected on a device of 500 ns per access' "$r" || no "projection missing"
grep -q 'Projections are computed, not measured' "$r" || no "projection not labelled"

# summary_json: the same verdicts, machine-readable (written with jansson)
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/q/summary.json" <<'PY' || no "summary_json: $(head -c 300 "$tmp/q/summary.json")"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "barbench-summary/1"
c = d["configurations"]
assert len(c) == 12, len(c)
for x in c:
    for k in ("p50_ns", "ci95_lo_ns", "ci95_hi_ns"):
        assert x[k] is None or math.isfinite(x[k]), x
    assert x["verdict"] in ("best", "recommended", "tied", "slower", "all trap alike", "upper bound", "untested"), x
    assert x["group_verdict"] in ("maps", "all trap alike", "untested", "no trap run", "only full"), x
v = {(x["page_size_bytes"], x["policy"]): x["verdict"] for x in c}
assert v[(4096, "full")] == "upper bound"
assert v[(4096, "trap")] == "slower", v
assert sorted(v[(4096, p)] for p in ("holes", "sparse", "merged", "budget")) == ["recommended", "tied", "tied", "tied"], v
assert all(x["below_resolution"] for x in c if x["page_size_bytes"] == 4096 and x["policy"] != "trap")
PY
else
	grep -q '"schema": "barbench-summary/1"' "$tmp/q/summary.json" || no "summary_json: no schema"
fi

# justified_best: with sparse the only mapped policy, its interval lies below trap's by far more than
# the resolution at 4K: it is named best there, and at 64K (where it traps like trap) it is tied
mkdir -p "$tmp/b"
cp -r "$DATA/samples" "$DATA/manifest.json" "$tmp/b/"
awk -F, 'NR == 1 || ($4 != "holes" && $4 != "merged" && $4 != "budget" && $4 != "full")' "$DATA/runs.csv" >"$tmp/b/runs.csv"
"$BB" report "$tmp/b" --no-figures >/dev/null 2>"$tmp/err" || no "report b: $(cat "$tmp/err")"
grep -q 'at 4 KiB pages \*\*sparse is best\*\* (p50 < 9\.57 ns, range of 5 repetitions, 93\.8% coverage \[< 9\.57\])' "$tmp/b/report.md" ||
	no "justified_best: $(grep -o 'at 4 KiB pages[^;]*' "$tmp/b/report.md")"
grep -q 'at 64 KiB pages sparse and trap are \*\*tied\*\*\|at 64 KiB pages trap and sparse are \*\*tied\*\*' "$tmp/b/report.md" ||
	no "justified_best: 64K: $(grep -o 'at 64 KiB pages[^;]*' "$tmp/b/report.md")"

# device_ns_option: a layout's read_ns= (runs.csv device_read_ns) is the projection's access time
# unless the report is given --device-read-ns, which wins; each projection names its source
# crafted NAME AWK: the recorded folder with its runs.csv rewritten by AWK (-F, OFS=,), reported without figures
crafted() {
	mkdir -p "$tmp/$1"
	cp -r "$DATA/samples" "$DATA/manifest.json" "$tmp/$1/"
	awk -F, -v OFS=, "$2" "$DATA/runs.csv" >"$tmp/$1/runs.csv"
	"$BB" report "$tmp/$1" --no-figures >/dev/null 2>"$tmp/err" || no "report $1: $(cat "$tmp/err")"
}
crafted d 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "device_read_ns") k = i; print; next } { $k = 300; print }'
grep -q 'projected on a device of 300 ns per access (layout)' "$tmp/d/report.md" ||
	no "device_ns_option: layout: $(grep -o '\[projected[^]]*' "$tmp/d/report.md")"
grep -q '| 1\.[0-9]x (300 ns, layout) |' "$tmp/d/report.md" || no "device_ns_option: table: $(grep '^| nvme' "$tmp/d/report.md")"
"$BB" report "$tmp/d" --no-figures --device-read-ns 1000 >/dev/null 2>"$tmp/err" || no "report d 1000: $(cat "$tmp/err")"
grep -q 'projected on a device of 1000 ns per access (--device-read-ns)' "$tmp/d/report.md" ||
	no "device_ns_option: the option lost to the layout: $(grep -o '\[projected[^]]*' "$tmp/d/report.md")"
grep -q '(1000 ns, --device-read-ns) |' "$tmp/d/report.md" || no "device_ns_option: table: $(grep '^| nvme' "$tmp/d/report.md")"
grep -q '300 ns' "$tmp/d/report.md" && no "device_ns_option: the layout's 300 ns still used"
grep -q 'projected on a device of 500 ns per access (pcie-bench default)' "$r" || no "device_ns_option: default not named"

# all_trap_alike: at 64K every usable policy traps; with holes (0 memslots, as trap) made the lowest
# median, the memslots alone would pick holes, but the one answer is trap (all alike): report.md's
# table, its words and summary.json agree, and summary.json says so in a verdict of its own
crafted t "$P50_AWK"' NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR > 1 && $4 == "holes" && $6 == 65536 { set_p50($13 - 10) } { print }'
grep -q '^| nvme-msix-bar0 | 0 | 64 KiB | trap (all alike) | 0 |' "$tmp/t/report.md" ||
	no "all_trap_alike: table: $(grep '^| nvme-msix-bar0 | 0 | 64 KiB' "$tmp/t/report.md")"
grep -q 'at 64 KiB pages holes, [a-z, ]* are \*\*tied\*\*.*; take \*\*trap\*\* (none of them is told apart from it): every policy a VMM can use traps here alike' "$tmp/t/report.md" ||
	no "all_trap_alike: words: $(grep -o 'at 64 KiB pages[^;]*;[^;.]*' "$tmp/t/report.md")"
grep -q 'take \*\*holes\*\*[^;]*64 KiB\|64 KiB[^;]*; take \*\*holes\*\*' "$tmp/t/report.md" && no "all_trap_alike: the words take holes at 64K"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/t/summary.json" <<'PY' || no "all_trap_alike: summary.json"
import json, sys
c = [x for x in json.load(open(sys.argv[1]))["configurations"] if x["page_size_bytes"] == 65536]
v = {x["policy"]: x["verdict"] for x in c}
assert v["trap"] == "recommended", v
assert all(v[p] == "all trap alike" for p in ("holes", "sparse", "merged", "budget")), v
assert {x["group_verdict"] for x in c} == {"all trap alike"}, c
PY
fi

# no_trap_run: without a trap run to compare with, the recommendation claims nothing about trapping
mkdir -p "$tmp/n"
cp -r "$DATA/samples" "$DATA/manifest.json" "$tmp/n/"
awk -F, 'NR == 1 || $4 != "trap"' "$DATA/runs.csv" >"$tmp/n/runs.csv"
"$BB" report "$tmp/n" --no-figures >/dev/null 2>"$tmp/err" || no "report n: $(cat "$tmp/err")"
grep -q 'no `trap` run to compare with' "$tmp/n/report.md" || no "no_trap_run: $(grep '^| nvme' "$tmp/n/report.md")"
grep -q 'trap (all alike)\|every policy a VMM can use traps' "$tmp/n/report.md" && no "no_trap_run: a claim about trap without trap runs"

# too_few_repetitions: three repetitions a side can never give p < 0.05 (Mann-Whitney U): no verdict at all
mkdir -p "$tmp/c"
cp -r "$DATA/samples" "$DATA/manifest.json" "$tmp/c/"
awk -F, 'NR == 1 || $1 ~ /-[012]$/' "$DATA/runs.csv" >"$tmp/c/runs.csv"
"$BB" report "$tmp/c" --no-figures >/dev/null 2>"$tmp/err" || no "report c: $(cat "$tmp/err")"
grep -q 'with 3 repetitions no ordering can be tested (at least 4 are needed)' "$tmp/c/report.md" ||
	no "too_few_repetitions: $(grep -o 'at 4 KiB pages[^;]*' "$tmp/c/report.md")"
grep '^- ' "$tmp/c/report.md" | grep -q 'is best\|tied\|faster than' && no "too_few_repetitions: a verdict from 3 repetitions"

[ $fail -eq 0 ] && echo "cli_report_stats: ok"
exit $fail
