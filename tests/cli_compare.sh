#!/bin/sh
# barbench compare claims only what its repetitions support (issue 14 item 5):
# a folder against itself changes nothing; single runs are not tested; a
# clear change over 5 repetitions a side is significant with its p-value;
# medians of 0 print no sentinel, inf or nan; manifests of different machines
# are named in warnings before the table.  Measured times are never asserted:
# the changes are made by editing runs.csv.
# usage: cli_compare.sh BARBENCH
set -u
BB=$1
JQ="$(dirname "$0")/jsonq.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*" >&2; fail=1; }
# set column $2 of every row of runs.csv $1 to awk expression $3 (of v, the old value)
edit_col() {
	awk -F, -v OFS=, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i; print; next }
		{ v = $k; '"$3"'; print }' "$1/runs.csv" >"$1/runs.new" && mv "$1/runs.new" "$1/runs.csv"
}

cat >"$tmp/s.study" <<'S'
name cmp
device emu:layouts/nvme-msix-bar0
policies sparse,trap
page-sizes 4K
workloads lat-read
samples 200
repetitions 5
S
"$BB" study "$tmp/s.study" --out "$tmp/a" --no-report >/dev/null 2>"$tmp/err" || no "study: $(cat "$tmp/err")"

# itself: nothing significant, no warning
"$BB" compare "$tmp/a" "$tmp/a" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "compare A A: exit $rc"
grep -q "^2 configurations in both, 0 significant changes$" "$tmp/out" || no "compare A A: $(tail -1 "$tmp/out")"
grep -q "^warning:" "$tmp/out" && no "compare A A warns: $(grep '^warning:' "$tmp/out")"
grep -q "mann-whitney\|Mann-Whitney U" "$tmp/out" || no "compare does not name its test"
"$BB" compare "$tmp/a" "$tmp/a" --json >"$tmp/json"; rc=$?
[ $rc -eq 0 ] || no "compare A A --json: exit $rc"
"$JQ" "$tmp/json" 'd["schema"] == "barbench-compare/2" and len(d["comparisons"]) == 1 and d["comparisons"][0]["warnings"] == [] and d["test"] == "mann-whitney-u" and d["correction"] == "none"' ||
	no "compare --json: $(head -c 300 "$tmp/json")"
"$JQ" "$tmp/json" '[c["verdict"] for c in d["comparisons"][0]["configurations"]] == ["no change"] * 2' || no "compare A A --json: not 2 'no change'"
# each configuration unpacked, field by field: no pipe-joined key
"$JQ" "$tmp/json" 'sorted(c["policy"] for c in d["comparisons"][0]["configurations"]) == ["sparse", "trap"] and all(c["device"] == "emu:layouts/nvme-msix-bar0" and c["region"] == 0 and c["page_size_bytes"] == 4096 and c["runner"] == "host" and c["workload"] == "lat-read" and c["params"] == "" and c["repetitions_a"] == 5 for c in d["comparisons"][0]["configurations"])' ||
	no "compare --json: configurations not unpacked: $(head -c 600 "$tmp/json")"

# one run a side: not tested, whatever the difference
for i in 1 2; do
	"$BB" run --device emu:layouts/nvme-msix-bar0 --policy sparse,trap --samples 200 --out "$tmp/r$i" \
		>/dev/null 2>"$tmp/err" || no "run $i: $(cat "$tmp/err")"
done
edit_col "$tmp/r2" p50_ns 'if (v > 0) $k = sprintf("%.2f", v * 0.5)'
"$BB" compare "$tmp/r1" "$tmp/r2" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "single runs: exit $rc, want 0"
[ "$(grep -c 'not enough repetitions to test (A 1, B 1; 3 each needed)' "$tmp/out")" -eq 2 ] ||
	no "single runs: $(cat "$tmp/out")"
grep -q "(significant)" "$tmp/out" && no "single runs called significant"

# 5 repetitions a side, B's medians 3x A's: significant, with a small p, exit 3
cp -r "$tmp/a" "$tmp/b"
edit_col "$tmp/b" p50_ns '$k = sprintf("%.2f", v * 3)'
"$BB" compare "$tmp/a" "$tmp/b" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || no "3x slower: exit $rc, want 3"
[ "$(grep -c 'slower (significant)' "$tmp/out")" -eq 2 ] || no "3x slower: $(cat "$tmp/out")"
"$BB" compare "$tmp/a" "$tmp/b" --json >"$tmp/json"
"$JQ" "$tmp/json" 'all(c["p_value"] < 0.05 and c["p_adjusted"] == c["p_value"] for c in d["comparisons"][0]["configurations"])' || no "3x slower: p not below 0.05"
"$JQ" "$tmp/json" 'all(c["ratio"] == 3 and c["verdict"] == "slower" for c in d["comparisons"][0]["configurations"]) and d["significant"] == 2' ||
	no "3x slower: ratio not 3: $(head -c 600 "$tmp/json")"

# medians of 0: below the resolution the runs record, no 1e+300, inf or nan
cp -r "$tmp/a" "$tmp/z"
edit_col "$tmp/z" p50_ns '$k = 0'
for args in "$tmp/z $tmp/z" "$tmp/a $tmp/z" "$tmp/z $tmp/a"; do
	# shellcheck disable=SC2086
	"$BB" compare $args >"$tmp/out" 2>"$tmp/err"
	"$BB" compare $args --json >>"$tmp/out" 2>>"$tmp/err"
	grep -qi 'e+300\|inf\|nan\|0\.000 ' "$tmp/out" && no "medians of 0 ($args): $(cat "$tmp/out")"
done
"$BB" compare "$tmp/z" "$tmp/z" >"$tmp/out"
grep -q '< 0\.[0-9]* ns' "$tmp/out" || no "a median of 0 is not printed below the resolution: $(cat "$tmp/out")"
[ "$(grep -c 'below resolution' "$tmp/out")" -eq 2 ] || no "medians of 0: not 'below resolution'"

# another machine: the manifests differ, said first
cp -r "$tmp/a" "$tmp/c"
sed -i 's/"cpu_model": "[^"]*"/"cpu_model": "Another CPU 9000"/' "$tmp/c/manifest.json"
grep -q '"cpu_model": "Another CPU 9000"' "$tmp/c/manifest.json" || no "could not edit cpu_model"
"$BB" compare "$tmp/a" "$tmp/c" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "other CPU: exit $rc"
head -1 "$tmp/out" | grep -q "^warning: the folders differ in CPU model: A '.*', B 'Another CPU 9000'" ||
	no "other CPU: $(head -2 "$tmp/out")"
"$BB" compare "$tmp/a" "$tmp/c" --json | "$JQ" - 'd["comparisons"][0]["warnings"][0].startswith("the folders differ in CPU model")' ||
	no "other CPU: no JSON warning"
rm "$tmp/c/manifest.json"
"$BB" compare "$tmp/a" "$tmp/c" >"$tmp/out" 2>"$tmp/err"
grep -q "^warning: B .* has no manifest.json: its CPU, kernel, timer and build cannot be checked" "$tmp/out" ||
	no "no manifest: $(head -2 "$tmp/out")"

# --help says what compare tests and what the exit status means
"$BB" compare --help >"$tmp/out" 2>&1
grep -q "Mann-Whitney" "$tmp/out" || no "compare --help does not name the test"

exit $fail
