#!/bin/sh
# The committed reference folder (results/2026-11-29-vm) still reads: its
# runs.csv has the column names before units were in them (page_size, width),
# and no samples; `report` rebuilds report.md and summary.json from it, and
# the same folder with today's names gives the same report byte for byte.
# usage: cli_reference.sh BARBENCH REFERENCE_DIR
set -u
BB=$1 REF=$2
. "$(dirname "$0")/lib.sh"

head -n 1 "$REF/runs.csv" | grep -q ',page_size,.*,width,' || no "the reference runs.csv no longer has the old names: pick another folder for this test"
mkdir "$tmp/old"
for f in runs.csv manifest.json plans.csv advise.csv costs.txt study.txt; do
	[ -e "$REF/$f" ] && cp "$REF/$f" "$tmp/old/"
done
cp -r "$tmp/old" "$tmp/new"
sed -i '1s/,page_size,/,page_size_bytes,/; 1s/,width,/,width_bytes,/' "$tmp/new/runs.csv"
for d in old new; do
	"$BB" report "$tmp/$d" --no-figures >/dev/null 2>"$tmp/err" || no "report $d: $(cat "$tmp/err")"
done
grep -q '^## Recommendation' "$tmp/old/report.md" || no "old names: no recommendation in report.md"
cmp -s "$tmp/old/report.md" "$tmp/new/report.md" || no "old and new names give different reports"
cmp -s "$tmp/old/summary.json" "$tmp/new/summary.json" || no "old and new names give different summary.json"
# six repetitions a configuration: a 95% interval of the median (96.9%), named so
grep -q '^| policy | p50_ns \[95% CI\] |' "$tmp/new/details.md" || no "six repetitions: details.md: $(grep -m1 '^| policy' "$tmp/new/details.md")"
"$(dirname "$0")/jsonq.py" "$tmp/new/summary.json" 'all(c["interval"] == "ci95" and c["ci95_lo_ns"] == c["interval_lo_ns"] and abs(c["interval_coverage"] - 0.96875) < 1e-9 for c in d["configurations"] if c["repetitions"] == 6) and any(c["repetitions"] == 6 for c in d["configurations"])' ||
	no "six repetitions: summary.json intervals"
[ $fail -eq 0 ] && echo "cli_reference: ok"
exit $fail
