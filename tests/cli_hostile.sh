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
. "$(dirname "$0")/lib.sh"
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
(cd "$tmp" && "$BB" report f --figure-data >/dev/null 2>"$tmp/err") || no "device with quotes and backticks: $(cat "$tmp/err")"
pwned "device with quotes and backticks"
grep -q '!\[cdf-01\](figures/cdf-01.png)' "$tmp/f/details.md" || no "device with backticks: figures not drawn"
ls "$tmp/f/figures"/*.gp >/dev/null 2>&1 || no "report --figure-data: no gnuplot script kept"
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
# resume_unknown_column: a column this barbench does not write is never dropped by a resume's rewrite
fresh
awk '{ print $0 (NR == 1 ? ",future_ns" : ",1") }' "$tmp/base/runs.csv" >"$tmp/f/runs.csv"
(cd "$tmp" && "$BB" study --resume f >/dev/null 2>"$tmp/err"); rc=$?
[ $rc -eq 2 ] || no "resume_unknown_column: exit $rc, want 2"
grep -qF "f/runs.csv:1: column 'future_ns' is not one this barbench writes" "$tmp/err" || no "resume_unknown_column: $(cat "$tmp/err")"
# resume_old_names: a folder with the names before units (page_size, width) resumes under today's header
fresh
sed -i '1s/,page_size_bytes,/,page_size,/; 1s/,width_bytes,/,width,/; $d' "$tmp/f/runs.csv"	# the last run to do again
sed -i 's/"complete": *true/"complete":false/' "$tmp/f/manifest.json"
(cd "$tmp" && "$BB" study --resume f --no-report >/dev/null 2>"$tmp/err") || no "resume_old_names: $(cat "$tmp/err")"
[ "$(head -n 2 "$tmp/f/runs.csv")" = "$(head -n 2 "$tmp/base/runs.csv")" ] || no "resume_old_names: header or kept row not today's"
[ "$(wc -l <"$tmp/f/runs.csv")" -eq "$(wc -l <"$tmp/base/runs.csv")" ] || no "resume_old_names: runs lost or added"

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
# inconsistent_figures: a row no run writes (a median below its minimum, an interval that does not hold
# the median, a negative spread) was read, reported and compared as measured
for c in 'min_ns=9999:column '"'"'p50_ns'"'"'' 'ci95_lo_ns=9999:columns '"'"'ci95_lo_ns'"'"', '"'"'ci95_hi_ns'"'"': [9999,' 'stdev_ns=-1:column '"'"'stdev_ns'"'"': -1 is negative'; do
	col=${c%%=*} rest=${c#*=}
	v=${rest%%:*}
	fresh
	awk -F, -v OFS=, -v col="$col" -v v="$v" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i; print; next }
		NR == 2 { $k = v } { print }' "$tmp/base/runs.csv" >"$tmp/f/runs.csv"
	report_wants 2 "f/runs.csv:2: ${rest#*:}" "inconsistent_figures $col"
	(cd "$tmp" && "$BB" compare base f >/dev/null 2>"$tmp/err"); rc=$?
	[ $rc -eq 2 ] || no "inconsistent_figures $col: compare exit $rc, want 2"
done
# unreadable_manifest: a manifest.json that is not JSON, or none: the report says it could not be read and
# why (it said "Made (no manifest) on `` (, kernel )" and called the folder an interrupted study)
for how in broken missing; do
	fresh
	if [ $how = broken ]; then printf '{"schema": ' >"$tmp/f/manifest.json"; else rm "$tmp/f/manifest.json"; fi
	(cd "$tmp" && "$BB" report f --no-figures >/dev/null 2>"$tmp/err") || no "unreadable_manifest ($how): $(cat "$tmp/err")"
	grep -q '^Results folder of [0-9]* runs in [0-9]* configurations\. Its manifest could not be read (f/manifest\.json' \
		"$tmp/f/report.md" || no "unreadable_manifest ($how): $(sed -n 3p "$tmp/f/report.md")"
	grep -q 'incomplete\|no manifest' "$tmp/f/report.md" && no "unreadable_manifest ($how): $(sed -n 3p "$tmp/f/report.md")"
done
# truncated_gzip: a samples file whose compressed stream is cut short is an error, never fewer samples
fresh
gz=$(ls "$tmp/f/samples/"*.bbs | head -n 1)
head -c $(($(wc -c <"$gz") / 2)) "$gz" >"$tmp/half" && cp "$tmp/half" "$gz"
report_wants 2 "${gz#"$tmp/"}" truncated_gzip
if command -v python3 >/dev/null 2>&1; then
	# cut mid-block, the stream flushed but never ended: only the end-of-stream check sees it
	fresh
	gz=$(ls "$tmp/f/samples/"*.bbs | head -n 1)
	python3 -c 'import gzip, sys, zlib
data = gzip.open(sys.argv[1], "rb").read()
c = zlib.compressobj(6, zlib.DEFLATED, 31)
open(sys.argv[1], "wb").write(c.compress(data[:len(data) // 2]) + c.flush(zlib.Z_FULL_FLUSH))' "$gz"
	report_wants 2 "compressed data cut short or corrupt" truncated_gzip_at_a_line
fi
# md_injection: manifest text and a device with backticks and HTML stay text in report.md and details.md
# (a forged "## Verdict" heading, raw HTML and ESC bytes were written; a backtick closed the device's code span)
fresh
"$JQ" "$tmp/f/manifest.json" --set system.hostname '"h\n\n## Verdict: all policies PASS\n<img src=x onerror=alert(1)>\u001b[31m"'
"$JQ" "$tmp/f/manifest.json" --set system.cpu_model '"cpu`</code><script>x</script>"'
awk -v d='emu:x` <img src=y onerror=alert(2)> `z' '{ k = ",emu:layouts/nvme-msix-bar0,"; i = index($0, k)
	if (i) $0 = substr($0, 1, i) d substr($0, i + length(k) - 1); print }' "$tmp/base/runs.csv" >"$tmp/f/runs.csv"
(cd "$tmp" && "$BB" report f --no-figures >/dev/null 2>"$tmp/err") || no "md_injection: $(cat "$tmp/err")"
grep -q '^## Verdict' "$tmp/f/report.md" "$tmp/f/details.md" && no "md_injection: a forged heading"
grep -q '<img\|<script' "$tmp/f/report.md" && no "md_injection: HTML in report.md"
grep -q "$(printf '\033')" "$tmp/f/report.md" && no "md_injection: ESC in report.md"
grep -qF '``emu:x` <img src=y onerror=alert(2)> `z``' "$tmp/f/details.md" ||
	no "md_injection: the device is not one code span: $(grep -F 'emu:x' "$tmp/f/details.md" | head -2)"

# figures_bounded: 1,200 configurations of their own (a region each) asked for 1,200 bar charts (and CDFs):
# at most 500 are drawn, the rest counted in report.md (drawn without gnuplot on PATH: the count is
# barbench's, before any drawing)
fresh
awk -F, -v OFS=, 'NR == 1 { print; next } NR == 2 { for (k = 0; k < 1200; k++) { $1 = "big" k; $3 = k; print } }' \
	"$tmp/base/runs.csv" >"$tmp/f/runs.csv"
rm -f "$tmp/f/plans.csv" "$tmp/f/advise.csv"
(cd "$tmp" && PATH=/nonexistent "$BB" report f >/dev/null 2>"$tmp/err") || no "figures_bounded: $(cat "$tmp/err")"
grep -q '^> Figures: 700 not drawn: a report draws at most 1000 latency CDFs, 500 bar charts' "$tmp/f/report.md" ||
	no "figures_bounded: $(grep 'not drawn' "$tmp/f/report.md")"

# manifest_key_not_value: a study named like a key ("complete") is not read as that key
fresh
"$JQ" "$tmp/f/manifest.json" --set study '"complete"'
(cd "$tmp" && "$BB" report f >/dev/null 2>"$tmp/err") || no "manifest_key_not_value: $(cat "$tmp/err")"
grep -q 'incomplete' "$tmp/f/report.md" && no "manifest_key_not_value: a study named complete read as complete:false"
fresh
sed -i '2s/,0,sparse,/,99999999999,sparse,/' "$tmp/f/runs.csv"
report_wants 2 "f/runs.csv:2: column 'region': '99999999999' is out of range (at most 4294967295)" region-wraps
group1=${id1%-*}	# the samples file of a run: its id less the repetition (core/samples.h)
fresh
rm "$tmp/f/samples/$group1.bbs"
report_wants 0 "warning: 1 run without a samples file in f/samples (\`$id1\`)" missing-samples
grep -q "1 run of \`runs.csv\` has no samples file" "$tmp/f/report.md" || no "missing samples: report.md does not say so"
fresh
# the CSV file of an older barbench is read too (older folders, an edit), as strictly
rm "$tmp/f/samples/$group1.bbs"
"$BB_SAMPLES_CAT" "$tmp/base" "$id1" >"$tmp/f/samples/$id1.csv" || no "samples_cat $id1"
echo "0,0,map,1,abc" >>"$tmp/f/samples/$id1.csv"
report_wants 2 "f/samples/$id1.csv:102: want SAMPLE,OFFSET,map|trap,ACCESSES,NS" bad-sample-row
# unreadable_samples: a samples file that cannot be read is a failure (exit 1, the system's reason),
# not a malformed folder (it was exit 2, "bad input"); as nobody when root, whom no mode stops
as_user=
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" != 0 ] || [ -n "$as_user" ]; then
	for how in bbs csv; do
		fresh
		if [ $how = csv ]; then
			rm "$tmp/f/samples/$group1.bbs"
			"$BB_SAMPLES_CAT" "$tmp/base" "$id1" >"$tmp/f/samples/$id1.csv" || no "samples_cat $id1"
			file=$id1.csv nofig=	# an older CSV file is read for the figures only
		else
			file=$group1.bbs nofig=--no-figures	# read whole, figures or not
		fi
		[ -n "$as_user" ] && chmod 755 "$tmp" && chown -R 65534:65534 "$tmp/f"
		chmod 000 "$tmp/f/samples/$file"
		(cd "$tmp" && $as_user "$BB" report f $nofig >"$tmp/out" 2>"$tmp/err"); rc=$?
		[ $rc -eq 1 ] || no "unreadable_samples ($how): report exit $rc, want 1: $(cat "$tmp/err")"
		grep -qF "f/samples/$file: Permission denied" "$tmp/err" || no "unreadable_samples ($how): $(cat "$tmp/err")"
		chmod 644 "$tmp/f/samples/$file"
	done
fi

## a run is one row (red-team audit): a copied row or samples block is refused, never one more repetition
# dup_run_id: row 2 three more times, and a copy of that folder with those four rows' p50_ns doubled:
# compare counted the copies as repetitions and said "1 significant change", exit 3
fresh
for i in 1 2 3; do sed -n 2p "$tmp/base/runs.csv" >>"$tmp/f/runs.csv"; done
dupline=$(($(wc -l <"$tmp/base/runs.csv") + 1))
report_wants 2 "f/runs.csv:$dupline: run id '$id1' again (first at line 2)" dup_run_id
rm -rf "$tmp/g" && cp -r "$tmp/f" "$tmp/g"
awk -F, -v OFS=, -v id="$id1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "p50_ns") k = i } NR > 1 && $1 == id { $k = 2 * $k } 1' \
	"$tmp/f/runs.csv" >"$tmp/g/runs.csv"
(cd "$tmp" && "$BB" compare f g >/dev/null 2>"$tmp/err"); rc=$?
[ $rc -eq 2 ] || no "dup_run_id: compare exit $rc, want 2 (not 3, copies counted as repetitions)"
grep -qF "f/runs.csv:$dupline: run id '$id1' again" "$tmp/err" || no "dup_run_id: compare: $(cat "$tmp/err")"
(cd "$tmp" && "$BB" study --resume f --no-report >/dev/null 2>"$tmp/err"); rc=$?
[ $rc -eq 2 ] && grep -qF "f/runs.csv:$dupline: run id '$id1' again" "$tmp/err" || no "dup_run_id: resume exit $rc: $(cat "$tmp/err")"
# dup_samples_block: every block of a samples file twice (the reader took the last one), figures or not
if command -v python3 >/dev/null 2>&1; then
	fresh
	python3 -c 'import gzip, sys
data = gzip.open(sys.argv[1], "rb").read()
gzip.open(sys.argv[1], "wb").write(data + data[12:])' "$tmp/f/samples/$group1.bbs"
	(cd "$tmp" && "$BB" report f --no-figures >/dev/null 2>"$tmp/err"); rc=$?
	[ $rc -eq 2 ] && grep -qF "f/samples/$group1.bbs: byte" "$tmp/err" && grep -qF "run $id1 again (first block at byte 12)" "$tmp/err" ||
		no "dup_samples_block: report exit $rc: $(cat "$tmp/err")"
fi

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
rm "$tmp/f/samples/$group1.bbs"
ln -s "$tmp/target" "$tmp/f/samples/$group1.bbs"
report_wants 2 "f/samples/$group1.bbs: a symbolic link: not followed" symlinked-samples
fresh
rm "$tmp/f/runs.csv"
ln -s "$tmp/base/runs.csv" "$tmp/f/runs.csv"
report_wants 2 "f/runs.csv: a symbolic link: not followed" symlinked-runs
fresh
ln -s "$tmp/targetdir" "$tmp/f/figures"
report_wants 2 "f/figures: a symbolic link, not a folder barbench made" symlinked-figures-dir
[ -z "$(ls -A "$tmp/targetdir")" ] || no "a symlinked figures/ was written through: $(ls "$tmp/targetdir")"

# study writes every file under a new name and renames it into place
mkdir -p "$tmp/s"
for n in study.txt costs.txt plans.csv advise.csv advise.csv.tmp manifest.json report.md; do
	ln -s "$tmp/target" "$tmp/s/$n"
done
mkdir "$tmp/s/advise-nvme-msix-bar0"
sed 's/^repetitions 1/repetitions 1\nadvise yes/' "$tmp/base.study" >"$tmp/advise.study"
"$BB" study "$tmp/advise.study" --out "$tmp/s" >/dev/null 2>"$tmp/err" || no "study over planted symlinks: $(cat "$tmp/err")"
[ "$(cat "$tmp/target")" = precious ] || no "study wrote through a planted symlink"
for n in study.txt costs.txt plans.csv advise.csv manifest.json report.md; do
	[ -f "$tmp/s/$n" ] && [ ! -L "$tmp/s/$n" ] || no "study: $n is not a file of its own"
done
[ -L "$tmp/s/advise.csv.tmp" ] || no "advise.csv.tmp: the study still uses that fixed name"
rm -rf "$tmp/s2" && mkdir -p "$tmp/s2"
ln -s "$tmp/targetdir" "$tmp/s2/samples"
"$BB" study "$tmp/base.study" --out "$tmp/s2" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "study with a symlinked samples/: exit $rc, want 2"
grep -qF "s2/samples: a symbolic link, not a folder barbench made" "$tmp/err" || no "symlinked samples/: $(cat "$tmp/err")"
rm -rf "$tmp/s3" && mkdir -p "$tmp/s3"
ln -s "$tmp/targetdir" "$tmp/s3/advise-nvme-msix-bar0"
"$BB" study "$tmp/advise.study" --out "$tmp/s3" >/dev/null 2>"$tmp/err" || no "study with a symlinked advise folder: $(cat "$tmp/err")"
grep -qF "advise skipped: $tmp/s3/advise-nvme-msix-bar0: a symbolic link" "$tmp/err" || no "symlinked advise-*: $(cat "$tmp/err")"
[ -z "$(ls -A "$tmp/targetdir")" ] || no "written through a symlinked folder: $(ls "$tmp/targetdir")"

## 7: a results folder is locked while a study, run or report owns it
mkdir -p "$tmp/lk"
flock -n "$tmp/lk" "$BB" study "$tmp/base.study" --out "$tmp/lk" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] || no "study into a locked folder: exit 0"
grep -qF "$tmp/lk: in use: another barbench" "$tmp/err" || no "study into a locked folder: $(cat "$tmp/err")"
[ ! -e "$tmp/lk/study.txt" ] || no "study into a locked folder wrote study.txt"
cp -r "$tmp/base" "$tmp/lk2"
flock -n "$tmp/lk2" "$BB" report "$tmp/lk2" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] && grep -qF "$tmp/lk2: in use" "$tmp/err" || no "report of a locked folder: exit $rc, $(cat "$tmp/err")"
flock -n "$tmp/lk2" "$BB" study --resume "$tmp/lk2" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] && grep -qF "$tmp/lk2: in use" "$tmp/err" || no "resume of a locked folder: exit $rc, $(cat "$tmp/err")"
flock -n "$tmp/lk" "$BB" run --device emu:layouts/nvme-msix-bar0 --out "$tmp/lk" --samples 100 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] && grep -qF "$tmp/lk: in use" "$tmp/err" || no "run into a locked folder: exit $rc, $(cat "$tmp/err")"
# two studies into one --out started together: the second is refused, the first keeps its rows
sed 's/^samples 100/samples 20000/; s/^repetitions 1/repetitions 20/' "$tmp/base.study" >"$tmp/slow.study"
"$BB" study "$tmp/slow.study" --out "$tmp/two" --no-report >/dev/null 2>"$tmp/err1" &
pid=$!
i=0
while [ ! -s "$tmp/two/runs.csv" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
rows1=$(tail -n +2 "$tmp/two/runs.csv" | wc -l)
"$BB" study "$tmp/base.study" --out "$tmp/two" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] || no "a second study into the same --out: exit 0"
grep -qF "$tmp/two: in use" "$tmp/err" || no "second study: $(cat "$tmp/err")"
kill -TERM $pid
wait $pid
cmp -s "$tmp/two/study.txt" "$tmp/slow.study" || no "the second study replaced the first one's study.txt"
"$BB" report "$tmp/two" --no-figures >/dev/null 2>"$tmp/err" || no "the first study's folder: $(cat "$tmp/err")"
[ "$(tail -n +2 "$tmp/two/runs.csv" | wc -l)" -ge "$rows1" ] && [ "$rows1" -ge 1 ] || no "the first study lost rows"

## 7: --resume refuses a study.txt that changed since the study began
"$BB" study "$tmp/base.study" --out "$tmp/ch" --max-runs 2 --no-report >/dev/null 2>&1
sed -i 's/^samples 100/samples 200/' "$tmp/ch/study.txt"
"$BB" study --resume "$tmp/ch" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "resume after study.txt changed: exit $rc, want 2"
grep -qF "study.txt changed since the study began" "$tmp/err" || no "resume after study.txt changed: $(cat "$tmp/err")"
"$JQ" "$tmp/ch/manifest.json" 'd["complete"] is False' || no "resume after study.txt changed: manifest says complete"
# a manifest without study_hash (an older barbench): the rows are checked run by run
"$JQ" "$tmp/ch/manifest.json" --del study_hash
sed -i 's/^policies sparse,trap/policies trap,merged/' "$tmp/ch/study.txt"
"$BB" study --resume "$tmp/ch" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "resume with rows of another matrix: exit $rc, want 2"
grep -qF "ch/runs.csv:2: run nvme-msix-bar0-r0-host-sparse-4096-lat-read-0: no run of the study has this id" "$tmp/err" ||
	no "resume with rows of another matrix: $(cat "$tmp/err")"

## 8: two layouts of one name in one study: ids apart, resume measures both
mkdir -p "$tmp/l1" "$tmp/l2"
cp layouts/nvme-msix-bar0 "$tmp/l1/nvme"
cp layouts/nvme-msix-bar0 "$tmp/l2/nvme"
sed "s#^device .*#device emu:$tmp/l1/nvme\ndevice emu:$tmp/l2/nvme#" "$tmp/base.study" >"$tmp/same.study"
"$BB" study "$tmp/same.study" --out "$tmp/same" --max-runs 2 --no-report >/dev/null 2>"$tmp/err" || no "same name: $(cat "$tmp/err")"
"$BB" study --resume "$tmp/same" --no-report >/dev/null 2>"$tmp/err" || no "same name, resume: $(cat "$tmp/err")"
"$JQ" "$tmp/same/manifest.json" 'd["complete"] is True' || no "same name: not complete after resume"
rows=$(tail -n +2 "$tmp/same/runs.csv" | wc -l)
ids=$(tail -n +2 "$tmp/same/runs.csv" | cut -d, -f1 | sort -u | wc -l)
devs=$(tail -n +2 "$tmp/same/runs.csv" | cut -d, -f2 | sort -u | wc -l)
[ "$rows" -eq 8 ] && [ "$ids" -eq 8 ] && [ "$devs" -eq 2 ] || no "same name: $rows rows, $ids ids, $devs devices; want 8, 8, 2"
[ "$(ls "$tmp/same/samples" | wc -l)" -eq 8 ] || no "same name: $(ls "$tmp/same/samples" | wc -l) samples files, want 8"
grep -q '^nvme-msix-bar0+2-r0-host-sparse-4096-lat-read-0,' "$tmp/same/runs.csv" || no "same name: no id nvme-msix-bar0+2-..."
# the same device twice: refused, not two runs writing one samples file
sed "s#^device .*#device emu:$tmp/l1/nvme\ndevice emu:$tmp/l1/nvme#" "$tmp/base.study" >"$tmp/twice.study"
"$BB" study "$tmp/twice.study" --out "$tmp/twice" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -qF "would share the id" "$tmp/err" || no "a device listed twice: exit $rc, $(cat "$tmp/err")"

## run --force clears what barbench wrote where a barbench manifest says the folder is its own, and nothing else
# force_foreign_kept: a folder of the user's own files, no barbench results (--force deleted them all)
rm -rf "$tmp/own" && mkdir -p "$tmp/own/samples"
for f in report.md summary.json plans.csv samples/experiment.csv; do echo mine >"$tmp/own/$f"; done
"$BB" run --device emu:layouts/nvme-msix-bar0 --out "$tmp/own" --policy trap --samples 20 --force >/dev/null 2>"$tmp/err" ||
	no "force_foreign_kept: $(cat "$tmp/err")"
for f in report.md summary.json plans.csv samples/experiment.csv; do
	grep -qx mine "$tmp/own/$f" 2>/dev/null || no "force_foreign_kept: run --force removed or changed the user's $f"
done
# force_foreign_runs: a runs.csv (or a manifest.json) no barbench manifest vouches for is never replaced, --force or not
for c in runs.csv manifest.json; do
	for force in "" --force; do
		rm -rf "$tmp/own" && mkdir "$tmp/own" && echo '{"mine": 1}' >"$tmp/own/$c" && echo mine >"$tmp/own/report.md"
		"$BB" run --device emu:layouts/nvme-msix-bar0 --out "$tmp/own" --policy trap --samples 20 $force >/dev/null 2>"$tmp/err"; rc=$?
		[ $rc -eq 2 ] && grep -qF "own/$c: " "$tmp/err" && grep -qF "not a results folder barbench wrote" "$tmp/err" ||
			no "force_foreign_runs: $c $force: exit $rc, $(cat "$tmp/err")"
		grep -qx '{"mine": 1}' "$tmp/own/$c" && grep -qx mine "$tmp/own/report.md" || no "force_foreign_runs: $c $force: the user's files changed"
		[ -e "$tmp/own/samples" ] && no "force_foreign_runs: $c $force: samples/ made in a folder refused"
	done
done
# force_study_cleared: run --force into a study's folder left its figures/ and advise-*/ (a later report sat beside
# stale PNGs); every output of barbench's goes, through no symlink, and what is not barbench's stays
sed 's/^repetitions 1$/repetitions 1\nadvise yes/' "$tmp/base.study" >"$tmp/advise.study"
"$BB" study "$tmp/advise.study" --out "$tmp/sf" --svg >/dev/null 2>"$tmp/err" || no "force_study_cleared: study: $(cat "$tmp/err")"
"$BB" report "$tmp/sf" --figure-data --svg >/dev/null 2>"$tmp/err" || no "force_study_cleared: report: $(cat "$tmp/err")"
ls -d "$tmp/sf"/advise-* >/dev/null 2>&1 && [ "$(ls "$tmp/sf/figures" | grep -c '\.png$')" -ge 3 ] || no "force_study_cleared: no figures or advise-*: $(ls "$tmp/sf" "$tmp/sf/figures")"
mkdir -p "$tmp/outside" "$tmp/sf/figures/.draw-0123456789ab"
echo keep >"$tmp/outside/cdf-01.png"
echo left >"$tmp/sf/figures/.draw-0123456789ab/cdf-01.png"
echo left >"$tmp/sf/report.md.tmp.123"
ln -s "$tmp/outside/cdf-01.png" "$tmp/sf/figures/cdf-99.png"
ln -s "$tmp/outside" "$tmp/sf/advise-planted"
echo mine >"$tmp/sf/figures/mine.png"
"$BB" run --device emu:layouts/nvme-msix-bar0 --out "$tmp/sf" --policy trap --samples 20 --force >/dev/null 2>"$tmp/err" ||
	no "force_study_cleared: run --force: $(cat "$tmp/err")"
left=$(cd "$tmp/sf" && find . | LC_ALL=C sort | tr '\n' ' ')
[ "$left" = ". ./advise-planted ./figures ./figures/mine.png ./manifest.json ./runs.csv ./samples ./samples/0000-trap-4096-lat-read.bbs " ] ||
	no "force_study_cleared: left in the folder: $left"
grep -qx keep "$tmp/outside/cdf-01.png" && [ "$(ls "$tmp/outside")" = cdf-01.png ] || no "force_study_cleared: a symlink was followed"
grep -qx mine "$tmp/sf/figures/mine.png" || no "force_study_cleared: the user's figures/mine.png changed"

## 9: a pngquant on PATH that misbehaves: report ends, every figure is a whole PNG (gnuplot's where
## pngquant's output is not one), nothing but barbench's own regular files reaches figures/
if command -v gnuplot >/dev/null; then
	mkdir -p "$tmp/pq"
	# fake_pngquant ACTION: a pngquant that parses its arguments as barbench passes them, then runs
	# ACTION (shell) for each figure with $f its name and $o the output name it was asked for
	fake_pngquant() {
		cat >"$tmp/pq/pngquant" <<P
#!/bin/sh
ext=-fs8.png
while [ \$# -gt 0 ]; do case \$1 in --ext) ext=\$2; shift 2;; --) shift; break;; *) shift;; esac; done
for f; do o=\${f%.png}\$ext; $1; done
exit 0
P
		chmod +x "$tmp/pq/pngquant"
	}
	whole_png() { # a PNG from its signature to its IEND chunk, the last 12 bytes
		[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
			[ "$(tail -c 12 "$1" | od -An -tx1 | tr -d ' \n')" = 0000000049454e44ae426082 ]
	}
	misbehaves() { # WHAT ACTION
		fresh
		fake_pngquant "$2"
		(cd "$tmp" && PATH="$tmp/pq:$PATH" "$BB" report f >/dev/null 2>"$tmp/err"); rc=$?
		[ $rc -eq 0 ] || no "pngquant $1: report exit $rc: $(cat "$tmp/err")"
		[ "$(cat "$tmp/target")" = precious ] || { no "pngquant $1: a symlink's target was written"; echo precious >"$tmp/target"; }
		n=0
		for p in $(grep -oh 'figures/[^)]*\.png' "$tmp/f/report.md" "$tmp/f/details.md" | sort -u); do
			n=$((n + 1))
			if [ -L "$tmp/f/$p" ] || [ ! -f "$tmp/f/$p" ] || ! whole_png "$tmp/f/$p"; then
				no "pngquant $1: $p is not a whole PNG of its own"
			fi
		done
		[ $n -ge 2 ] || no "pngquant $1: $n figures in the report"
		# gnuplot's figures kept are said, with why
		grep -q "^> Figures: [0-9]* of [0-9]* are gnuplot's truecolour PNGs.*: ${3:-pngquant failed on them}" \
			"$tmp/f/report.md" || no "pngquant $1: the figures it left are not said: $(grep '^> Fig' "$tmp/f/report.md")"
		for p in "$tmp/f/figures"/* "$tmp/f/figures"/.[!.]*; do
			[ -e "$p" ] || [ -L "$p" ] || continue
			case ${p##*/} in
			*.png | gnuplot.log) [ -f "$p" ] && [ ! -L "$p" ] || no "pngquant $1: figures/${p##*/} is not a regular file" ;;
			*) no "pngquant $1: figures/${p##*/} is not barbench's" ;;
			esac
		done
	}
	misbehaves hangs 'exec sleep 1000000'
	misbehaves "is killed mid-write" 'head -c 100 "$f" >"$o"; kill -9 $$'
	misbehaves "writes a cut PNG" 'head -c 100 "$f" >"$o"'
	misbehaves "writes no PNG" 'echo no >"$o"'
	misbehaves "leaves symlinks" 'rm -f "$o"; ln -s "$tmp/target" "$o"; ln -s "$tmp/target" evil.png'
	misbehaves "leaves files and folders" 'echo x >stray.txt; mkdir -p sub; echo y >sub/x.png'
	misbehaves "is not there (exit 127, as execvp's failure)" 'exit 127' "pngquant is not installed"
	# skipped_as_larger: a pngquant that ends well and writes nothing (its palette version of every figure
	# would be no smaller, exit 98) failed at nothing: the report once said "pngquant failed on them"
	fresh
	fake_pngquant 'exit 98'
	(cd "$tmp" && PATH="$tmp/pq:$PATH" "$BB" report f >/dev/null 2>"$tmp/err") || no "skipped_as_larger: $(cat "$tmp/err")"
	grep -q "truecolour" "$tmp/f/report.md" && no "skipped_as_larger: $(grep '^> Fig' "$tmp/f/report.md")"
	if command -v pngquant >/dev/null; then
		# the real one: every figure a palette PNG (IHDR colour type 3, byte 25), or counted in the
		# report's note: one a loaded machine let pngquant finish late (its deadline is time) is said, not
		# a failure of this test, which never asserts a time
		fresh
		"$BB" report "$tmp/f" >/dev/null 2>"$tmp/err" || no "report with pngquant: $(cat "$tmp/err")"
		# (a truecolour figure pngquant skips on its own, exit 98, its palette version no smaller, is
		# not a failure and not counted)
		tc=0 all=0
		for p in "$tmp/f/figures"/*.png; do
			all=$((all + 1))
			[ "$(od -An -tu1 -j25 -N1 "$p" | tr -d ' ')" = 3 ] && continue
			cp "$p" "$tmp/pq-try.png"
			pngquant --force --skip-if-larger --speed 10 --ext .x.png 256 -- "$tmp/pq-try.png" 2>/dev/null
			[ $? -eq 98 ] || tc=$((tc + 1))
		done
		if [ $tc -eq 0 ]; then
			grep -q "truecolour" "$tmp/f/report.md" && no "report with pngquant: $(grep '^> Fig' "$tmp/f/report.md")"
		else
			grep -q "^> Figures: $tc of $all are gnuplot's truecolour PNGs" "$tmp/f/report.md" ||
				no "report with pngquant: $tc of $all truecolour, said: $(grep '^> Fig' "$tmp/f/report.md")"
		fi
	fi
else
	echo "cli_hostile: gnuplot not installed: a misbehaving pngquant not checked" >&2
fi

[ $fail -eq 0 ] && echo "cli_hostile: ok"
exit $fail
