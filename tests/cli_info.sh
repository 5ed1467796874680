#!/bin/sh
# barbench info on captured region-info files and on every shipped layout:
# good input prints and exits 0; malformed input exits 2 with exactly one line
# on stderr, "barbench: FILE: ", naming the byte offset the test expects.
# usage: cli_info.sh BARBENCH TEST_REGION LAYOUT_DIR
set -u
BB=$1 GEN=$2 LAYOUTS=$3
. "$(dirname "$0")/lib.sh"

"$GEN" --write-corpus "$tmp" >/dev/null || no "writing the corpus"

nbad=0
for f in "$tmp"/bad-*.bin; do
	nbad=$((nbad + 1))
	"$BB" info --region-info "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] || no "$f: exit $rc, want 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || no "$f: stderr is not one line: $(cat "$tmp/err")"
	case "$(cat "$tmp/err")" in
	"barbench: $f: "*) ;;
	*) no "$f: stderr does not start with 'barbench: $f: ': $(cat "$tmp/err")" ;;
	esac
	grep -qF "$(cat "${f%.bin}.expect")" "$tmp/err" || no "$f: stderr lacks '$(cat "${f%.bin}.expect")': $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || no "$f: printed to stdout on error"
done
[ $nbad -ge 30 ] || no "only $nbad malformed files"

for f in "$tmp"/good-*.bin; do
	"$BB" info --region-info "$f" >"$tmp/out" 2>"$tmp/err" || no "$f: exit $? ($(cat "$tmp/err"))"
	grep -q "mappable:" "$tmp/out" || no "$f: no mappable line"
	"$BB" info --region-info "$f" --json >"$tmp/out" 2>"$tmp/err" || no "$f --json: exit $?"
	# one document, one line, whatever the source: {schema, device, file, regions}
	[ "$(wc -l <"$tmp/out")" -eq 1 ] || no "$f --json: not one line"
	"$JQ" "$tmp/out" 'd["schema"] == "barbench-info/1" and d["device"] is None and d["file"] == "'"$f"'" and len(d["regions"]) == 1' ||
		no "$f --json: unexpected $(cat "$tmp/out")"
done
# the JSON of a known buffer, exactly
"$BB" info --region-info "$tmp/good-all-caps.bin" --json >"$tmp/out"
want='{"schema":"barbench-info/1","device":null,"file":"'"$tmp/good-all-caps.bin"'","regions":[{"index":0,"name":"BAR0","size_bytes":16384,"offset":0,"flags":["read","write","mmap","caps"],"sparse_mmap":true,"sparse_areas":[{"offset":0,"size_bytes":8192},{"offset":12288,"size_bytes":4096}],"msix_mappable":true,"type":{"type":2147487966,"subtype":3},"unknown_caps":[],"mappable_bytes":16384}]}'
[ "$(cat "$tmp/out")" = "$want" ] || no "good-all-caps JSON: $(cat "$tmp/out")"
"$BB" info --region-info "$tmp/good-unknown-cap.bin" --json | grep -qF '"unknown_caps":[{"id":4,"version":7}]' || no "unknown cap not in JSON"

"$BB" info --region-info "$tmp/nonexistent.bin" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "missing file: exit $rc"

n=0
for l in "$LAYOUTS"/*; do
	case "$l" in *.md) continue ;; esac
	n=$((n + 1))
	"$BB" info "emu:$l" >"$tmp/out" 2>"$tmp/err" || no "emu:$l: exit $? ($(cat "$tmp/err"))"
	grep -q "^region " "$tmp/out" || no "emu:$l: no region printed"
	"$BB" info "emu:$l" --json >"$tmp/out" 2>"$tmp/err" || no "emu:$l --json: exit $?"
	"$JQ" "$tmp/out" 'd["schema"] == "barbench-info/1" and d["device"] == "emu:'"$l"'" and d["regions"][0]["index"] >= 0' ||
		no "emu:$l --json: not the info document"
	# by name, as the README spells it
	"$BB" info "emu:layouts/$(basename "$l")" >/dev/null 2>&1 || no "emu:layouts/$(basename "$l") not found"
done
[ $n -ge 8 ] || no "only $n layouts shipped"

printf 'device name=t desc=x\nregion index=0 size=4K flags=read\narea region=0 offset=0 size=4K\n' >"$tmp/bad.layout"
"$BB" info "emu:$tmp/bad.layout" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "bad layout: exit $rc"
grep -qF "$tmp/bad.layout:3: " "$tmp/err" || no "bad layout: no file:line: $(cat "$tmp/err")"

# layout_path_not_regular: a path to a FIFO (or folder) named like a shipped layout was swapped for the shipped
# one (exit 0, another device measured than the one named): refused, exit 2
mkdir "$tmp/fifo" && mkfifo "$tmp/fifo/nvme-msix-bar0"
"$BB" info "emu:$tmp/fifo/nvme-msix-bar0" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "layout_path_not_regular: exit $rc, want 2: $(head -c 200 "$tmp/out")"
grep -qF "$tmp/fifo/nvme-msix-bar0: not a regular file, not a layout" "$tmp/err" ||
	no "layout_path_not_regular: $(cat "$tmp/err")"

# a layout path longer than any path is bad input (2), said as such
"$BB" info "emu:$(printf 'a%.0s' $(seq 600))" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "layout path too long" "$tmp/err" || no "long layout path: exit $rc: $(tail -c 100 "$tmp/err")"
"$BB" inof 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "unknown command: exit $rc"
grep -q "did you mean 'info'" "$tmp/err" || no "no suggestion: $(cat "$tmp/err")"
"$BB" >/dev/null 2>&1; [ $? -eq 2 ] || no "no arguments: want exit 2"
"$BB" info --help | grep -q "usage: barbench info" || no "info --help"

# missing_value: an option without its value is reported as such, not as an unknown option
"$BB" plan emu:layouts/mlx5-cx5 --page-size >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "plan --page-size without a value: exit $rc, want 2"
grep -q "plan: option '--page-size' needs a value" "$tmp/err" || no "missing value: $(cat "$tmp/err")"
"$BB" run --device emu:layouts/mlx5-cx5 --out >/dev/null 2>"$tmp/err"
grep -q "run: option '--out' needs a value" "$tmp/err" || no "run --out without a value: $(cat "$tmp/err")"
"$BB" plan emu:layouts/mlx5-cx5 --colour >/dev/null 2>"$tmp/err"
grep -q "plan: unknown option '--colour'" "$tmp/err" || no "unknown option: $(cat "$tmp/err")"
# version: the git description baked in at build time, also in the manifest
"$BB" --version | grep -q '^barbench [0-9][0-9.]* (.*)$' || no "--version: $("$BB" --version 2>&1)"

# fifo_input: a FIFO (or a device) as an input file is refused, never read until it blocks forever
mkfifo "$tmp/fifo"
timeout 20 "$BB" info --region-info "$tmp/fifo" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "a FIFO as --region-info: exit $rc, want 2"
grep -q "fifo: not a regular file" "$tmp/err" || no "a FIFO as --region-info: $(cat "$tmp/err")"

# info_region_of_file: --region with --region-info is the region the file must hold, as plan checks (it was
# ignored: region 0 printed, exit 0)
good=$(ls "$tmp"/good-*.bin | head -1)
"$BB" info --region-info "$good" --region 3 >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "info_region_of_file: --region 3 of a region-0 file: exit $rc, want 2"
grep -q "holds region 0, not 3" "$tmp/err" || no "info_region_of_file: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && no "info_region_of_file: printed a region on stdout"
"$BB" info --region-info "$good" --region 0 >/dev/null 2>"$tmp/err" || no "info_region_of_file: --region 0: $(cat "$tmp/err")"

[ $fail -eq 0 ] && echo "cli_info: ok ($nbad malformed, $n layouts)"
exit $fail
