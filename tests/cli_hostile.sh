#!/bin/sh
# Hostile results folders (issue 13): a folder is downloaded and shared, so
# report, compare and study --resume read it as hostile input.  Fields meant
# for gnuplot never run a command; numbers are checked; planted symlinks are
# neither followed nor written through; a folder in use is locked; a resumed
# study refuses a changed study file; two layouts of one name keep apart.
# Every case runs in a scratch directory and checks that no PWNED file
# appeared anywhere in it.  Never asserts a time.
# usage: cli_hostile.sh BARBENCH
set -u
BB=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*" >&2; fail=1; }
pwned() { find "$tmp" -name 'PWNED*' | grep -q . && { no "$1: a command from the folder ran"; find "$tmp" -name 'PWNED*' -delete; }; }

cat >"$tmp/base.study" <<'S'
name base
device emu:layouts/nvme-msix-bar0
policies sparse,trap
page-sizes 4K
workloads lat-read,sweep
samples 100
repetitions 1
S
"$BB" study "$tmp/base.study" --out "$tmp/base" >/dev/null 2>"$tmp/err" || { no "base study: $(cat "$tmp/err")"; exit 1; }
id1=$(sed -n 2p "$tmp/base/runs.csv" | cut -d, -f1)

# a copy of the base folder, with one sed applied to FILE of it
fresh() {
	rm -rf "$tmp/f"
	cp -r "$tmp/base" "$tmp/f"
	rm -rf "$tmp/f/figures" "$tmp/f/report.md"
}
# report of the crafted folder from inside the scratch dir: want exit $1 and $2 on stderr
report_wants() {
	(cd "$tmp" && "$BB" report f >"$tmp/out" 2>"$tmp/err"); rc=$?
	[ $rc -eq "$1" ] || no "$3: report exit $rc, want $1: $(cat "$tmp/err")"
	grep -qF -- "$2" "$tmp/err" || no "$3: want '$2' on stderr, got: $(cat "$tmp/err")"
	pwned "$3"
}

## 2: nothing of a folder reaches a gnuplot script as code
# crafted runs.csv fields: refused naming file:line and column
hostile_field() {
	fresh
	sed -i "2s/$1/$2/" "$tmp/f/runs.csv"
	report_wants 2 "$3" "$4"
}
hostile_field ',4096,host,' ',4096,`touch PWNED`,' "f/runs.csv:2: column 'runner': character 0x60" backtick-runner
hostile_field ',sparse,' ',system("touch PWNED"),' "f/runs.csv:2: column 'policy': character 0x28" system-policy
hostile_field ',lat-read,' ",lat-read'\`touch PWNED\`'," "f/runs.csv:2: column 'workload': character 0x27" quote-workload
hostile_field ',lat-read,' ',"lat\nread",' "f/runs.csv:2: a quoted field is not closed" newline-workload
hostile_field ',sparse,' ',"sp""arse",' "f/runs.csv:2: column 'policy': character 0x22" doubled-quote-policy
# the device is a path: any printable byte is kept, and still drawn safely
fresh
dev='"emu:x`touch PWNED`'"'"'$(touch PWNED2)""z"'
awk -v d="$dev" '{ k = ",emu:layouts/nvme-msix-bar0,"; i = index($0, k)
	if (i) $0 = substr($0, 1, i) d substr($0, i + length(k) - 1); print }' "$tmp/base/runs.csv" >"$tmp/f/runs.csv"
(cd "$tmp" && "$BB" report f >/dev/null 2>"$tmp/err") || no "device with quotes and backticks: $(cat "$tmp/err")"
pwned "device with quotes and backticks"
grep -q '!\[cdf-01\](figures/cdf-01.png)' "$tmp/f/report.md" || no "device with backticks: figures not drawn"
grep -l '`' "$tmp/f/figures"/*.gp && no "a backquote reached a gnuplot script"
# plans.csv and advise.csv are read as strictly
fresh
awk -F, -v OFS=, 'NR == 2 { $3 = "`touch PWNED`" } 1' "$tmp/base/plans.csv" >"$tmp/f/plans.csv"
report_wants 2 "f/plans.csv:2: a device, policy, params or mode barbench does not write" hostile-plans
fresh
printf 'layout,region,change,page_size,policy,a,b,c,d,e,f,g,h\nx`touch PWNED`,0,c,4096,sparse,1,1,1,1,1,1,1,1\n' >"$tmp/f/advise.csv"
report_wants 2 "f/advise.csv:2: not a row of advise.csv" hostile-advise
# study --resume reads the same runs.csv
fresh
sed -i '2s/,4096,host,/,4096,`touch PWNED`,/' "$tmp/f/runs.csv"
(cd "$tmp" && "$BB" study --resume f >/dev/null 2>"$tmp/err"); rc=$?
[ $rc -eq 2 ] || no "resume of a backtick row: exit $rc"
grep -qF "f/runs.csv:2: column 'runner'" "$tmp/err" || no "resume of a backtick row: $(cat "$tmp/err")"
pwned "resume of a backtick row"

## 10: numbers are checked whole; missing samples are named, never skipped silently
for c in 'abc:is not a number' 'inf:is not a number' 'nan:is not a number'; do
	v=${c%%:*}
	fresh
	awk -F, -v OFS=, -v v="$v" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "p50_ns") k = i; print; next } { $k = v; print }' \
		"$tmp/base/runs.csv" >"$tmp/f/runs.csv"
	report_wants 2 "f/runs.csv:2: column 'p50_ns': '$v' ${c#*:}" "p50_ns $v"
	(cd "$tmp" && "$BB" compare base f >/dev/null 2>"$tmp/err"); rc=$?
	[ $rc -eq 2 ] || no "compare with p50_ns $v: exit $rc, want 2 (not 3, a 'significant change')"
done
fresh
sed -i '2s/,0,sparse,/,99999999999,sparse,/' "$tmp/f/runs.csv"
report_wants 2 "f/runs.csv:2: column 'region': '99999999999' is out of range (at most 4294967295)" region-wraps
fresh
rm "$tmp/f/samples/$id1.csv"
report_wants 0 "warning: 1 run without a samples file in f/samples (\`$id1\`)" missing-samples
grep -q "1 run of \`runs.csv\` has no samples file" "$tmp/f/report.md" || no "missing samples: report.md does not say so"
fresh
echo "0,0,map,abc" >>"$tmp/f/samples/$id1.csv"
report_wants 2 "f/samples/$id1.csv:102: want SAMPLE,OFFSET,map|trap,NS" bad-sample-row

## 3: planted symlinks are not followed, their targets stay untouched
echo "precious" >"$tmp/target"
mkdir -p "$tmp/targetdir"
planted() {
	fresh
	mkdir -p "$tmp/f/figures"
	ln -s "$tmp/target" "$tmp/f/$1"
	(cd "$tmp" && "$BB" report f >/dev/null 2>"$tmp/err"); rc=$?
	[ "$(cat "$tmp/target")" = precious ] || { no "symlink at $1: its target was written"; echo precious >"$tmp/target"; }
	[ $rc -eq "$2" ] || no "symlink at $1: report exit $rc, want $2: $(cat "$tmp/err")"
	[ -n "$3" ] && ! grep -qF -- "$3" "$tmp/err" && no "symlink at $1: want '$3', got $(cat "$tmp/err")"
	[ "$2" -ne 0 ] || [ ! -L "$tmp/f/$1" ] || no "symlink at $1 still there after the report"
}
planted figures/all.gp 0 ""
planted figures/cdf-01.dat 0 ""
planted figures/cdf-01.gp 0 ""
planted figures/cdf-01.png 0 ""
planted figures/gnuplot.log 0 ""
planted report.md 0 ""
fresh
rm "$tmp/f/samples/$id1.csv"
ln -s "$tmp/target" "$tmp/f/samples/$id1.csv"
report_wants 2 "f/samples/$id1.csv: a symbolic link: not followed" symlinked-samples
fresh
rm "$tmp/f/runs.csv"
ln -s "$tmp/base/runs.csv" "$tmp/f/runs.csv"
report_wants 2 "f/runs.csv: a symbolic link: not followed" symlinked-runs
fresh
ln -s "$tmp/targetdir" "$tmp/f/figures"
report_wants 2 "f/figures: a symbolic link, not a folder barbench made" symlinked-figures-dir
[ -z "$(ls -A "$tmp/targetdir")" ] || no "a symlinked figures/ was written through: $(ls "$tmp/targetdir")"

[ $fail -eq 0 ] && echo "cli_hostile: ok"
exit $fail
