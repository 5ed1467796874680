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
[ $fail -eq 0 ] && echo "cli_reference: ok"
exit $fail
