#!/bin/sh
# A fleet: the same study on several hosts, one merged report (issue 17 item
# 10).  Two folders of one small study (the second's manifest names another
# host) merge with `report A B --out M`: the host is a dimension of every
# table and figure, no statistic pools the two hosts, and each host's rows
# are what its own report says.
# usage: cli_fleet.sh BARBENCH
set -u
BB=$1
. "$(dirname "$0")/lib.sh"

cat >"$tmp/f.study" <<'S'
name fleet
device emu:layouts/nvme-msix-bar0
policies sparse,trap
page-sizes 4K,64K
workloads lat-read
samples 200
repetitions 4
S
"$BB" study "$tmp/f.study" --out "$tmp/a" >/dev/null 2>"$tmp/err" || { no "study: $(cat "$tmp/err")"; exit 1; }
cp -r "$tmp/a" "$tmp/b"
sed -i 's/"hostname": *"[^"]*"/"hostname": "node-b"/' "$tmp/b/manifest.json"
host_a=$(sed -n 's/.*"hostname": *"\([^"]*\)".*/\1/p' "$tmp/a/manifest.json" | tr -c 'A-Za-z0-9._+\n-' '_')

"$BB" report "$tmp/a" "$tmp/b" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "two folders without --out: exit $rc, want 2"
grep -q "give --out DIR for the merged report" "$tmp/err" || no "two folders without --out: $(cat "$tmp/err")"
"$BB" report "$tmp/a" "$tmp/b" --out "$tmp/m" >/dev/null 2>"$tmp/err" || no "merge: $(cat "$tmp/err")"
r="$tmp/m/report.md"
grep -q "Merged from 2 results folders, one per host.*\`$host_a\`, \`node-b\`" "$r" || no "merge: hosts not named: $(grep Merged "$r")"
# each host has its own recommendation rows, the same as its own report's
for p in '4 KiB' '64 KiB'; do
	ra=$(grep "^| nvme-msix-bar0 | 0 | $p |" "$tmp/a/report.md" | cut -d'|' -f4-)
	[ -n "$ra" ] || no "a's own report: no row at $p"
	grep -qF "| nvme-msix-bar0 @ $host_a | 0 |$ra" "$r" || no "merge: $host_a's row at $p differs from its own report"
	grep -qF "| nvme-msix-bar0 @ node-b | 0 |$ra" "$r" || no "merge: node-b's row at $p missing"
done
grep -q "^| host @ node-b | \`lat-read\` | 2 |" "$r" || no "merge: no runner x workload row of node-b"
# no statistic pools two hosts: details.md has a section per host, each with 4 repetitions a configuration
[ "$(grep -c '^## nvme-msix-bar0 @ ' "$tmp/m/details.md")" -eq 2 ] || no "details.md: not one section per host"
grep -q '| 8 |$' "$tmp/m/details.md" && no "details.md: 8 repetitions: two hosts pooled"
# summary.json: every configuration of both hosts, each with its host
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/m/summary.json" "$host_a" <<'PY' || no "summary.json of the merge"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["configurations"]
assert len(c) == 8, len(c)
assert sorted({x["host"] for x in c}) == sorted([sys.argv[2], "node-b"]), {x["host"] for x in c}
assert all(x["repetitions"] == 4 for x in c)
PY
fi
# one host's folder twice: told apart, never pooled
"$BB" report "$tmp/a" "$tmp/a" --out "$tmp/m2" >/dev/null 2>"$tmp/err" || no "same folder twice: $(cat "$tmp/err")"
grep -q "\`$host_a\`, \`$host_a#2\`" "$tmp/m2/report.md" || no "same folder twice: hosts not told apart"
# merged_hostile_host: a manifest's hostname is a name in the tables, never Markdown or script text
cp -r "$tmp/a" "$tmp/c"
sed -i 's/"hostname": *"[^"]*"/"hostname": "`touch PWNED`|x"/' "$tmp/c/manifest.json"
(cd "$tmp" && "$BB" report a c --out m3 >/dev/null 2>"$tmp/err") || no "merged_hostile_host: $(cat "$tmp/err")"
grep -q '| nvme-msix-bar0 @ _touch_PWNED__x | 0 |' "$tmp/m3/report.md" || no "merged_hostile_host: $(grep '^| nvme' "$tmp/m3/report.md")"
[ -e "$tmp/PWNED" ] || [ -e "$tmp/m3/figures/PWNED" ] && no "merged_hostile_host: a command ran"
# overview_margin: the overview's left margin holds its longest label ("DEVICE @ HOST rN, 64 KiB: ..."),
# in gnuplot's characters (a tic label's character takes about 0.75 of one); it was 44 whatever the labels
cp -r "$tmp/a" "$tmp/l"
sed -i 's/"hostname": *"[^"]*"/"hostname": "a-rather-long-host-name.rack42.datacenter.example.internal"/' "$tmp/l/manifest.json"
"$BB" report "$tmp/a" "$tmp/l" --out "$tmp/ml" --figure-data >/dev/null 2>"$tmp/err" || no "overview_margin: $(cat "$tmp/err")"
if [ -s "$tmp/ml/figures/overview.gp" ]; then
	longest=$(sed -n 's/^"\([^"]*\)".*/\1/p' "$tmp/ml/figures/overview.dat" | awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }')
	margin=$(sed -n 's/^set lmargin \([0-9]*\)$/\1/p' "$tmp/ml/figures/overview.gp")
	[ "$longest" -gt 60 ] || no "overview_margin: labels of $longest characters: a fleet's should be longer"
	[ -n "$margin" ] && [ "$margin" -ge $((longest * 80 / 100)) ] ||
		no "overview_margin: lmargin '$margin' for labels of $longest characters"
else
	no "overview_margin: no overview.gp ($(cat "$tmp/err"))"
fi

# compare of the fleet's folders: the first host the baseline, each other one compared with it under
# its name (compare_hostile_host: the hostile one as the report names it); copies: nothing changed
"$BB" compare "$tmp/a" "$tmp/b" "$tmp/c" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || no "compare of the fleet: exit $rc ($(cat "$tmp/err"))"
grep -qF "A $host_a ($tmp/a) -> B node-b ($tmp/b)" "$tmp/out" || no "compare of the fleet: no node-b table: $(cat "$tmp/out")"
grep -qF "A $host_a ($tmp/a) -> B _touch_PWNED__x ($tmp/c)" "$tmp/out" || no "compare of the fleet: hostile host not named as report names it"
grep -qxF "2 folders against A $host_a: 0 significant changes (node-b 0, _touch_PWNED__x 0)" "$tmp/out" || no "compare of the fleet: $(tail -1 "$tmp/out")"
if command -v python3 >/dev/null 2>&1; then
	"$BB" compare "$tmp/a" "$tmp/b" "$tmp/c" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [c["host_b"] for c in d["comparisons"]] == ["node-b", "_touch_PWNED__x"], d["comparisons"]
assert all(len(c["configurations"]) == 4 and c["significant"] == 0 for c in d["comparisons"])
' || no "compare --json of the fleet"
fi
[ $fail -eq 0 ] && echo "cli_fleet: ok"
exit $fail
