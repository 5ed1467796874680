#!/bin/sh
# barbench compare claims only what its repetitions support (issue 14 item 5):
# a folder against itself changes nothing; single runs are not tested; a
# clear change over 5 repetitions a side is significant with its p-value;
# medians of 0 print no sentinel, inf or nan; manifests of different machines
# are named in warnings before the table.  Several folders (issue 17 item
# 10): the first is the baseline, each other one compared with it under its
# host's name (A A A finds nothing; a folder given twice is two comparisons,
# never pooled; configurations the baseline lacks are counted, not compared;
# nothing in common is exit 2); --holm's adjusted p-values are Holm's.
# Measured times are never asserted: the baseline's medians and resolutions
# are replaced by known ones (known_times), and the changes are made by
# editing runs.csv; a folder left as measured (D) may compare either way.
# usage: cli_compare.sh BARBENCH
set -u
BB=$1
. "$(dirname "$0")/lib.sh"
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
# known_times DIR: every verdict below follows from these values, never from the machine's clock (a 2x
# slower repetition, a resolution of 10 ns or two runs a hair apart once decided them): repetition R of
# sparse has a median of 6 + R/10 ns, of trap 200 + R ns, and every run a resolution of 0.5 ns
known_times() {
	set_p50 "$1/runs.csv" '$c["policy"] == "sparse" ? 6 + $c["repetition"] / 10 : 200 + $c["repetition"]'
	edit_col "$1" resolution_ns '$k = "0.500"'
	[ "$(cut -d, -f4 "$1/runs.csv" | sort | uniq -c | awk '{ printf "%s %s;", $1, $2 }')" = "1 policy;5 sparse;5 trap;" ] ||
		no "known_times: $1/runs.csv is not 5 repetitions of sparse and trap: $(cut -d, -f4 "$1/runs.csv" | tr '\n' ' ')"
}
known_times "$tmp/a"

# itself: nothing significant, no warning
"$BB" compare "$tmp/a" "$tmp/a" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "compare A A: exit $rc"
grep -q "^2 configurations in both, 0 significant changes$" "$tmp/out" || no "compare A A: $(tail -1 "$tmp/out")"
grep -q "^warning:" "$tmp/out" && no "compare A A warns: $(grep '^warning:' "$tmp/out")"
grep -q "mann-whitney\|Mann-Whitney U" "$tmp/out" || no "compare does not name its test"
grep -q "^caveat: a folder's repetitions ran in one session" "$tmp/out" || no "compare does not say that drift between sessions is not in its test"
# long_configuration: the configuration column is as wide as the longest one, never cut (it was cut
# at 60 characters: rows ended in "|host|lat-re"), and the figures stay in their columns
mkdir -p "$tmp/long"
cp "$tmp/a/manifest.json" "$tmp/long/"
long=emu:layouts/nvme-msix-bar0-with-a-name-long-enough-to-pass-sixty-characters
sed "2,\$s#,emu:layouts/nvme-msix-bar0,#,$long,#" "$tmp/a/runs.csv" >"$tmp/long/runs.csv"
"$BB" compare "$tmp/long" "$tmp/long" >"$tmp/out" 2>"$tmp/err" || no "long_configuration: $(cat "$tmp/err")"
for pol in sparse trap; do
	grep -qF "$long|0|$pol||4096|host|lat-read " "$tmp/out" || no "long_configuration: $pol's row cut: $(grep "^emu" "$tmp/out")"
done
awk '/^configuration / { h = index($0, "A p50") } /^emu:/ { if (substr($0, h - 8, 13) !~ / ns *$/) bad = 1 } END { exit bad || !h }' \
	"$tmp/out" || no "long_configuration: columns out of line: $(cat "$tmp/out")"
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
set_p50 "$tmp/r2/runs.csv" 'v * 0.5'
"$BB" compare "$tmp/r1" "$tmp/r2" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "single runs: exit $rc, want 0"
[ "$(grep -c 'not enough repetitions to test (A 1, B 1; 3 each needed)' "$tmp/out")" -eq 2 ] ||
	no "single runs: $(cat "$tmp/out")"
grep -q "(significant)" "$tmp/out" && no "single runs called significant"

# 5 repetitions a side, B's medians 3x A's: significant, with a small p, exit 3
cp -r "$tmp/a" "$tmp/b"
set_p50 "$tmp/b/runs.csv" 'v * 3'
"$BB" compare "$tmp/a" "$tmp/b" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || no "3x slower: exit $rc, want 3"
[ "$(grep -c 'slower (significant)' "$tmp/out")" -eq 2 ] || no "3x slower: $(cat "$tmp/out")"
"$BB" compare "$tmp/a" "$tmp/b" --json >"$tmp/json"
"$JQ" "$tmp/json" 'all(c["p_value"] < 0.05 and c["p_adjusted"] == c["p_value"] for c in d["comparisons"][0]["configurations"])' || no "3x slower: p not below 0.05"
"$JQ" "$tmp/json" 'all(c["ratio"] == 3 and c["verdict"] == "slower" for c in d["comparisons"][0]["configurations"]) and d["significant"] == 2' ||
	no "3x slower: ratio not 3: $(head -c 600 "$tmp/json")"

# medians of 0: below the resolution the runs record, no 1e+300, inf or nan
cp -r "$tmp/a" "$tmp/z"
set_p50 "$tmp/z/runs.csv" 0
for args in "$tmp/z $tmp/z" "$tmp/a $tmp/z" "$tmp/z $tmp/a"; do
	# shellcheck disable=SC2086
	"$BB" compare $args >"$tmp/out" 2>"$tmp/err"
	"$BB" compare $args --json >>"$tmp/out" 2>>"$tmp/err"
	grep -qi 'e+300\|inf\|nan\|0\.000 ' "$tmp/out" && no "medians of 0 ($args): $(cat "$tmp/out")"
done
"$BB" compare "$tmp/z" "$tmp/z" >"$tmp/out"
[ "$(grep -o '< 0\.50 ns' "$tmp/out" | wc -l)" -eq 4 ] || no "a median of 0 is not printed below the resolution (< 0.50 ns): $(cat "$tmp/out")"
[ "$(grep -c 'below resolution (0 ns apart, resolution 0.5 ns)' "$tmp/out")" -eq 2 ] || no "medians of 0: not 'below resolution': $(cat "$tmp/out")"
grep -q "^2 configurations in both, 0 significant changes, 2 below the resolution$" "$tmp/out" || no "medians of 0: $(tail -1 "$tmp/out")"

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

# ---- several folders (issue 17 item 10): the first is the baseline A, each further one a B compared
# with it, labelled by its host (manifest hostname, a name met before gets #K as in report's fleet)
host_a=$(sed -n 's/.*"hostname": *"\([^"]*\)".*/\1/p' "$tmp/a/manifest.json" | tr -c 'A-Za-z0-9._+\n-' '_')
[ -n "$host_a" ] || no "no hostname in a's manifest"
# A A A: nothing changes; the one folder's host told apart as #2, #3; no warning
"$BB" compare "$tmp/a" "$tmp/a" "$tmp/a" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "compare A A A: exit $rc ($(cat "$tmp/err"))"
[ "$(grep -c '^2 configurations in both, 0 significant changes$' "$tmp/out")" -eq 2 ] || no "compare A A A: not two tables: $(cat "$tmp/out")"
grep -qF "A $host_a ($tmp/a) -> B $host_a#2 ($tmp/a)" "$tmp/out" || no "compare A A A: no heading of B #2: $(cat "$tmp/out")"
grep -qF "A $host_a ($tmp/a) -> B $host_a#3 ($tmp/a)" "$tmp/out" || no "compare A A A: no heading of B #3"
grep -qxF "2 folders against A $host_a: 0 significant changes ($host_a#2 0, $host_a#3 0)" "$tmp/out" || no "compare A A A: total: $(tail -1 "$tmp/out")"
grep -q "^warning:" "$tmp/out" && no "compare A A A warns"
"$BB" compare "$tmp/a" "$tmp/a" "$tmp/a" --json >"$tmp/json"; rc=$?
[ $rc -eq 0 ] || no "compare A A A --json: exit $rc"
HOST_A=$host_a "$JQ" "$tmp/json" 'd["host_a"] == __import__("os").environ["HOST_A"] and [c["host_b"] for c in d["comparisons"]] == [d["host_a"] + "#2", d["host_a"] + "#3"] and all(c["host_a"] == __import__("os").environ["HOST_A"] and c["only_in_a"] == 0 and c["only_in_b"] == 0 and c["significant"] == 0 and [x["verdict"] for x in c["configurations"]] == ["no change"] * 2 for c in d["comparisons"]) and d["tests"] == 4 and d["significant"] == 0' ||
	no "compare A A A --json: $(head -c 600 "$tmp/json")"

# a folder given twice: B (3x slower, host node-b) twice finds the same changes twice, never pooled
sed -i 's/"hostname": *"[^"]*"/"hostname": "node-b"/' "$tmp/b/manifest.json"
"$BB" compare "$tmp/a" "$tmp/b" "$tmp/b" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || no "compare A B B: exit $rc, want 3"
grep -qxF "2 folders against A $host_a: 4 significant changes (node-b 2, node-b#3 2)" "$tmp/out" || no "compare A B B: total: $(tail -1 "$tmp/out")"
[ "$(grep -c '^2 configurations in both, 2 significant changes$' "$tmp/out")" -eq 2 ] || no "compare A B B: $(cat "$tmp/out")"
"$BB" compare "$tmp/a" "$tmp/b" "$tmp/b" --json >"$tmp/json"
"$JQ" "$tmp/json" '[c["host_b"] for c in d["comparisons"]] == ["node-b", "node-b#3"] and d["comparisons"][0]["configurations"] == d["comparisons"][1]["configurations"] and all(x["repetitions_b"] == 5 for x in d["comparisons"][1]["configurations"]) and d["significant"] == 4' ||
	no "compare A B B --json: $(head -c 600 "$tmp/json")"
# the same two folders alone give the same rows as in the fleet (a comparison does not depend on the others)
"$BB" compare "$tmp/a" "$tmp/b" --json >"$tmp/json2"
"$JQ" "$tmp/json" -p 'd["comparisons"][0]["configurations"]' >"$tmp/c3"
"$JQ" "$tmp/json2" -p 'd["comparisons"][0]["configurations"]' >"$tmp/c2"
cmp -s "$tmp/c3" "$tmp/c2" || no "compare A B inside A B B differs from compare A B"

# warnings per comparison, labelled by B's host: two Bs on another CPU are both named; that the
# baseline has no manifest is said once, not once per B
for h in x y; do
	cp -r "$tmp/a" "$tmp/cpu-$h"
	sed -i 's/"hostname": *"[^"]*"/"hostname": "node-'$h'"/; s/"cpu_model": "[^"]*"/"cpu_model": "Another CPU 9000"/' "$tmp/cpu-$h/manifest.json"
done
"$BB" compare "$tmp/a" "$tmp/cpu-x" "$tmp/cpu-y" >"$tmp/out" 2>"$tmp/err"
for h in x y; do
	grep -q "^warning: B node-$h: the folders differ in CPU model: A '.*', B 'Another CPU 9000'" "$tmp/out" ||
		no "other CPU of node-$h not warned: $(grep '^warning' "$tmp/out")"
done
"$BB" compare "$tmp/a" "$tmp/cpu-x" "$tmp/cpu-y" --json |
	"$JQ" - '[len(c["warnings"]) for c in d["comparisons"]] == [2, 2]' || no "compare A X Y --json: warnings not per comparison"
cp -r "$tmp/a" "$tmp/nomani" && rm "$tmp/nomani/manifest.json"
"$BB" compare "$tmp/nomani" "$tmp/cpu-x" "$tmp/cpu-y" >"$tmp/out" 2>"$tmp/err"
[ "$(grep -c "^warning: .*A $tmp/nomani has no manifest.json" "$tmp/out")" -eq 1 ] || no "the baseline's missing manifest not said once: $(grep '^warning' "$tmp/out")"

# a folder with configurations the baseline lacks (a second page size): only the shared ones compared,
# the others counted on their side; the measured times decide nothing here (exit 0 or 3 alike, a
# difference below the resolution or not)
sed 's/^page-sizes 4K$/page-sizes 4K,64K/; s/^repetitions 5$/repetitions 4/' "$tmp/s.study" >"$tmp/d.study"
"$BB" study "$tmp/d.study" --out "$tmp/d" --no-report >/dev/null 2>"$tmp/err" || no "study d: $(cat "$tmp/err")"
"$BB" compare "$tmp/a" "$tmp/a" "$tmp/d" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || no "compare A A D: exit $rc ($(cat "$tmp/err"))"
grep -Eq "^2 configurations in both, [0-9] significant changes?(, [0-9] below the resolution)?, 2 only in B" "$tmp/out" || no "compare A A D: the extra page size not counted: $(cat "$tmp/out")"
grep -c 'only in' "$tmp/out" | grep -qx 1 || no "compare A A D: 'only in' in the wrong table"
"$BB" compare "$tmp/a" "$tmp/a" "$tmp/d" --json >"$tmp/json"
"$JQ" "$tmp/json" '[(c["only_in_a"], c["only_in_b"], len(c["configurations"])) for c in d["comparisons"]] == [(0, 0, 2), (0, 2, 2)] and all(x["page_size_bytes"] == 4096 and x["repetitions_b"] == 4 for x in d["comparisons"][1]["configurations"])' ||
	no "compare A A D --json: $(head -c 600 "$tmp/json")"
"$BB" compare "$tmp/d" "$tmp/a" --json | "$JQ" - 'd["comparisons"][0]["only_in_a"] == 2 and d["comparisons"][0]["only_in_b"] == 0' ||
	no "compare D A: the baseline's extra configurations not counted"
# a folder with nothing in common with the baseline: bad input, exit 2, naming it, nothing on stdout
"$BB" run --device emu:layouts/nvme-msix-bar0-pre416 --policy trap --samples 100 --out "$tmp/e" >/dev/null 2>"$tmp/err" ||
	no "run e: $(cat "$tmp/err")"
"$BB" compare "$tmp/a" "$tmp/b" "$tmp/e" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "compare A B E (nothing in common): exit $rc, want 2"
grep -qF "$tmp/a and $tmp/e have no configuration in common" "$tmp/err" || no "compare A B E: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && no "compare A B E printed a table before failing"
# one folder, or more than 64: usage, exit 2
"$BB" compare "$tmp/a" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "give two or more results folders" "$tmp/err" || no "compare A: exit $rc: $(cat "$tmp/err")"
set -- && for i in $(seq 65); do set -- "$@" "$tmp/a"; done
"$BB" compare "$@" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "at most 64 results folders, not 65" "$tmp/err" || no "compare of 65: exit $rc: $(cat "$tmp/err")"

# Holm over every test of every comparison: B twenty times is 40 tests of p >= 0.004 (5 a side, U
# extreme, ties or not): each significant alone, none after Holm (the smallest adjusted p >= 0.16)
set -- && for i in $(seq 20); do set -- "$@" "$tmp/b"; done
"$BB" compare "$tmp/a" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || no "compare A + 20 x B: exit $rc, want 3"
grep -q "^note: 40 tests at p < 0.05: about 2.0 of them come out significant by chance" "$tmp/out" || no "40 tests: no note on chance: $(tail -2 "$tmp/out")"
"$BB" compare "$tmp/a" "$@" --holm >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "compare A + 20 x B --holm: exit $rc, want 0"
grep -q "^correction: Holm over all 40 tests of 20 comparisons" "$tmp/out" || no "--holm not said: $(head -3 "$tmp/out")"
grep -q "^note: 40 tests" "$tmp/out" && no "--holm: the note on chance still there"
# the adjusted p-values are Holm's of the p-values, whatever their number; verdicts follow them
for n in 1 2 20; do
	"$BB" compare "$tmp/a" $(for i in $(seq $n); do echo "$tmp/b"; done) --holm --json >"$tmp/json"; rc=$?
	"$JQ" "$tmp/json" 'd["correction"] == "holm" and (lambda rows: (lambda ps: all(abs(r["p_adjusted"] - max(min(1.0, (len(ps) - j) * ps[j]) for j in range(len(ps)) if ps[j] <= r["p_value"])) <= 1e-8 for r in rows))(sorted(r["p_value"] for r in rows)))([x for c in d["comparisons"] for x in c["configurations"] if x["p_value"] is not None]) and all((x["verdict"] in ("faster", "slower")) == (x["p_adjusted"] < 0.05) for c in d["comparisons"] for x in c["configurations"])' ||
		no "--holm over $n: p_adjusted is not Holm's: $(head -c 800 "$tmp/json")"
	[ $rc -eq "$("$JQ" "$tmp/json" -p '3 if d["significant"] else 0')" ] || no "--holm over $n: exit $rc"
done

# --help says what compare tests and what the exit status means
"$BB" compare --help >"$tmp/out" 2>&1
grep -q "Mann-Whitney" "$tmp/out" || no "compare --help does not name the test"

# runs_csv_budget: the runs.csv of the folders read together add up to at most 256 MiB (a row takes about
# six times its bytes in memory; 64 folders of 256 MiB each were read whole, ~100 GB): a folder past what
# the ones before it leave is refused by its size before it is read (a sparse file: no disk used)
mkdir -p "$tmp/huge"
cp "$tmp/a/runs.csv" "$tmp/huge/runs.csv"
truncate -s 268435456 "$tmp/huge/runs.csv"
want_err 2 "huge/runs.csv: the runs.csv of the folders before it leave" compare "$tmp/a" "$tmp/huge"
want_err 2 "huge/runs.csv: the runs.csv of the folders before it leave" report "$tmp/a" "$tmp/huge" --out "$tmp/hm" --no-figures

exit $fail
