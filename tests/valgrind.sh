#!/bin/sh
# Valgrind memcheck of the commands on one layout (docs/robustness.md): info,
# plan, check and a short run, then the error paths a user hits (a malformed
# region-info file, a bad parameter, a run whose device fails mid-run): no
# memcheck error, no definite or indirect leak.  Runs on the normal build
# (valgrind and ASan do not mix); skipped (77) only when valgrind is missing.
# usage: valgrind.sh BARBENCH TEST_REGION
set -u
BB=$1 GEN=$2
command -v valgrind >/dev/null 2>&1 || { echo "valgrind.sh: SKIP: valgrind is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*" >&2; fail=1; }
L=layouts/nvme-msix-bar0
n=0

# vg STATUS ARGS...: barbench ARGS under memcheck must exit STATUS with a clean report
vg() {
	want=$1
	shift
	n=$((n + 1))
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--log-file="$tmp/vg.$n" "$BB" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq "$want" ] || no "barbench $*: exit $rc, want $want ($(head -c 300 "$tmp/err"))"
	grep -q "ERROR SUMMARY: 0 errors" "$tmp/vg.$n" || { no "barbench $*: memcheck errors:"; cat "$tmp/vg.$n" >&2; }
	grep -q "definitely lost: [1-9]\|indirectly lost: [1-9]" "$tmp/vg.$n" && { no "barbench $*: leaks:"; cat "$tmp/vg.$n" >&2; }
	grep -q "All heap blocks were freed\|definitely lost: 0 bytes" "$tmp/vg.$n" || no "barbench $*: no leak summary"
}

"$GEN" --write-corpus "$tmp" >/dev/null || no "writing the region-info corpus"

vg 0 info "emu:$L"
vg 0 info "emu:$L" --json
vg 0 info --region-info "$tmp/good-all-caps.bin"
vg 0 plan "emu:$L" --page-size 4K
vg 0 plan "emu:$L" --page-size 64K --json --param span=1
vg 0 check "$L" --page-size 4K,64K
vg 0 run --device "emu:$L" --out "$tmp/run" --page-size 4K,64K --workload lat-read,doorbell,sweep --samples 200
# error paths
vg 2 info --region-info "$tmp/bad-sparse_self_loop.bin"
vg 2 plan "emu:$L" --policy merged --param span=2
vg 2 run --device "emu:$L" --out "$tmp/bad" --workload nosuch
vg 1 run --device "emu:$L?fault=eio:5" --out "$tmp/eio" --policy trap --samples 50 --batch 1
vg 1 run --device "emu:$L?fault=truncate-after:2" --out "$tmp/bus" --policy sparse --workload sweep --samples 50 --batch 1
grep -q "raised SIGBUS" "$tmp/err" || no "the SIGBUS run did not fail on SIGBUS: $(cat "$tmp/err")"

[ $fail -eq 0 ] && echo "valgrind: ok ($n commands, no errors, no leaks)"
exit $fail
