#!/bin/sh
# barbench plan and check from the command line: every shipped layout and
# region plans at 4K/16K/64K; the JSON of the hand-computed NVMe case is
# exact; bad input exits 2; an out-of-tree policy loads from a .so.
# usage: cli_plan.sh BARBENCH TEST_REGION LAYOUT_DIR LARGEST_SO
set -u
BB=$1 GEN=$2 LAYOUTS=$3 SO=$4
. "$(dirname "$0")/lib.sh"

n=0
for l in "$LAYOUTS"/*; do
	case "$l" in *.md) continue ;; esac
	for r in $("$BB" info "emu:$l" --json | "$JQ" - -p '" ".join(str(r["index"]) for r in d["regions"])'); do
		for ps in 4K 16K 64K; do
			n=$((n + 1))
			want_exit 0 "$BB" plan "emu:$l" --region "$r" --page-size $ps --json
			grep -q '^{"schema":"barbench-plan/1",.*"plans":\[{"policy":"full",' "$tmp/out" || no "$l region $r $ps: plan document expected"
			want_exit 0 "$BB" plan "emu:$l" --region "$r" --page-size $ps
		done
	done
done
[ $n -ge 24 ] || no "only $n layout x region x page combinations"

# the hand-computed case: pre-4.16 NVMe BAR0 on 64 KiB pages: sparse maps nothing
want_exit 0 "$BB" plan emu:layouts/nvme-msix-bar0-pre416 --region 0 --policy sparse --page-size 64K --json
grep -qF '"plans":[{"policy":"sparse","applicable":true,"reason":null,"page_size_bytes":65536,"windows":[{"offset":0,"size_bytes":16384,"mode":"trap"}],"mmaps":[],"mappings":0,"memslots":0,"mapped_bytes":0,"trapped_bytes":16384,"dropped_areas":[0,1],' "$tmp/out" ||
	no "pre416 64K sparse: $(cat "$tmp/out")"
grep -qF '"SQ0TDBL"' "$tmp/out" || no "pre416 64K: the doorbell SQ0TDBL must be trapped"
want_exit 0 "$BB" plan emu:layouts/nvme-msix-bar0-pre416 --policy sparse --page-size 4096 --json
grep -qF '"windows":[{"offset":0,"size_bytes":8192,"mode":"map"},{"offset":8192,"size_bytes":8192,"mode":"trap"}],"mmaps":[{"offset":0,"size_bytes":8192}],"mappings":1,"memslots":1,"mapped_bytes":8192,"trapped_bytes":8192' "$tmp/out" ||
	no "pre416 4K sparse: $(cat "$tmp/out")"
want_exit 0 "$BB" plan emu:layouts/nvme-msix-bar0-pre416 --policy full --page-size 0x1000 --json
grep -qF '{"policy":"full","applicable":false,"reason":"' "$tmp/out" || no "full must not apply: $(cat "$tmp/out")"
# one shape: a plan that does not apply has every member, nothing listed, no figures
"$JQ" "$tmp/out" 'len(d["plans"]) == 1 and d["plans"][0]["windows"] == [] and d["plans"][0]["memslots"] is None' ||
	no "full not applicable: not the plan shape"
want_exit 0 "$BB" plan emu:layouts/nvme-msix-bar0 --policy full --page-size 4K --json
grep -qF '"warnings":["exposes must-trap range [0x2000, 0x2200)' "$tmp/out" || no "full must warn: $(cat "$tmp/out")"

# raw region-info files and command-line must-trap ranges
"$GEN" --write-corpus "$tmp" >/dev/null
want_exit 0 "$BB" plan --region-info "$tmp/good-all-caps.bin" --page-size 4K --must-trap 0x1000:8 --json
grep -qF '{"policy":"holes","applicable":true,"reason":null,"page_size_bytes":4096,"windows":[{"offset":0,"size_bytes":4096,"mode":"map"},{"offset":4096,"size_bytes":4096,"mode":"trap"},{"offset":8192,"size_bytes":8192,"mode":"map"}]' "$tmp/out" ||
	no "region-info holes with --must-trap: $(cat "$tmp/out")"
want_exit 2 "$BB" plan --region-info "$tmp/bad-sparse_self_loop.bin" --page-size 4K
grep -qF "barbench: $tmp/bad-sparse_self_loop.bin: byte 36" "$tmp/err" || no "bad region-info: $(cat "$tmp/err")"

# span=1 on merged
want_exit 0 "$BB" plan emu:layouts/nvme-msix-bar0-pre416 --policy merged --param span=1 --page-size 4K --json

# bad input: exit 2 with a message
want_exit 2 "$BB" plan emu:layouts/nvme-msix-bar0 --page-size 12K
want_exit 2 "$BB" plan emu:layouts/nvme-msix-bar0 --page-size 2048
want_exit 2 "$BB" plan emu:layouts/nvme-msix-bar0 --policy nope
grep -q "no policy 'nope'" "$tmp/err" || no "unknown policy message"
want_exit 2 "$BB" plan emu:layouts/nvme-msix-bar0 --must-trap 0x1000
want_exit 2 "$BB" plan emu:layouts/nvme-msix-bar0 --must-trap 0x3ff0:0x20
want_exit 2 "$BB" plan emu:layouts/nvme-msix-bar0 --param span=2 --policy merged
grep -q "span=2: must be 0 or 1" "$tmp/err" || no "span=2 message: $(cat "$tmp/err")"
want_exit 2 "$BB" plan emu:layouts/nvme-msix-bar0 --param colour=red
want_exit 2 "$BB" plan emu:layouts/intel-x710
grep -q "choose one with --region" "$tmp/err" || no "several regions: $(cat "$tmp/err")"
want_exit 2 "$BB" plan emu:layouts/intel-x710 --region 5
want_exit 2 "$BB" plan emu:layouts/nonexistent
want_exit 2 "$BB" plan

# the out-of-tree policy
want_exit 0 "$BB" plan emu:layouts/mlx5-cx5 --policy-path "$SO" --policy largest --page-size 4K --json
grep -qF '"plans":[{"policy":"largest","applicable":true' "$tmp/out" || no "largest.so: $(cat "$tmp/out")"
want_exit 0 "$BB" plan emu:layouts/mlx5-cx5 --policy-path "$SO" --page-size 4K
grep -q "^policy largest" "$tmp/out" || no "largest missing from all"
want_exit 2 "$BB" plan emu:layouts/mlx5-cx5 --policy-path /nonexistent.so
want_exit 2 "$BB" plan emu:layouts/mlx5-cx5 --policy-path "$SO" --policy-path "$SO"
grep -q "already registered" "$tmp/err" || no "double load: $(cat "$tmp/err")"
# policy_path_bare_name: a --policy-path without a '/' is a file here, as every FILE is (dlopen searched the
# library path for it: ./largest.so was "not found", libm.so.6 was loaded from /usr/lib and its code run)
mkdir "$tmp/plug" && cp "$SO" "$tmp/plug/largest.so"
ly=$(pwd)/layouts/mlx5-cx5
(cd "$tmp/plug" && "$BB" plan "emu:$ly" --policy-path largest.so --policy largest --page-size 4K >"$tmp/out" 2>"$tmp/err") ||
	no "policy_path_bare_name: ./largest.so not loaded: $(cat "$tmp/err")"
(cd "$tmp/plug" && "$BB" plan "emu:$ly" --policy-path libm.so.6 >"$tmp/out" 2>"$tmp/err")
[ $? -eq 2 ] && grep -q "libm.so.6: .*No such file" "$tmp/err" || no "policy_path_bare_name: libm.so.6 from the library path: $(cat "$tmp/err")"
# policy_path_owner: a plugin another user can write is that user's code running as us (as root, where
# barbench drives VFIO): refused when writable by every user or owned by another user than us or root
cp "$SO" "$tmp/plug/open.so" && chmod 0666 "$tmp/plug/open.so"
want_exit 2 "$BB" plan "emu:$ly" --policy-path "$tmp/plug/open.so"
grep -q "open.so: writable by every user (mode 666): not loaded" "$tmp/err" || no "policy_path_owner: o+w: $(cat "$tmp/err")"
if [ "$(id -u)" = 0 ]; then
	cp "$SO" "$tmp/plug/theirs.so" && chown 65534 "$tmp/plug/theirs.so"
	want_exit 2 "$BB" plan "emu:$ly" --policy-path "$tmp/plug/theirs.so"
	grep -q "theirs.so: owned by uid 65534, not by this user or root: not loaded" "$tmp/err" ||
		no "policy_path_owner: another owner: $(cat "$tmp/err")"
fi
# two plugins in one command, each loaded through its own descriptor: a second policy (largest renamed
# lbrgest in a copy of the file) is its own, not the first one handed back under a reused name
sed 's/largest/lbrgest/g' "$SO" >"$tmp/plug/lbrgest.so"
want_exit 0 "$BB" plan "emu:$ly" --policy-path "$SO" --policy-path "$tmp/plug/lbrgest.so" --page-size 4K
grep -q "^policy largest" "$tmp/out" && grep -q "^policy lbrgest" "$tmp/out" || no "two plugins: $(cat "$tmp/out" "$tmp/err")"

# check: every layout, a verdict each, JSON for scripts
want_exit 0 "$BB" check
nl=$(ls "$LAYOUTS" | grep -vc '\.md$')
[ "$(grep -c '^  verdict 64 KiB: ' "$tmp/out")" -eq "$nl" ] || no "check: not one 64K verdict per layout"
grep -q '^  4 KiB  full ' "$tmp/out" || no "check: table rows missing"
want_exit 0 "$BB" check --json --page-size 4K,64K
"$JQ" "$tmp/out" 'd["schema"] == "barbench-check/1" and d["page_sizes_bytes"] == [4096, 65536] and len(d["layouts"]) == '"$nl"' and all(len(l["verdicts"]) == 2 for l in d["layouts"])' ||
	no "check --json: a layout each, two verdicts each"
# lists are arrays: the must-trap ranges full exposes, the areas alignment drops
"$JQ" "$tmp/out" '[r["exposed_must_trap"] for l in d["layouts"] if l["layout"] == "nvme-msix-bar0" for r in l["results"] if r["policy"] == "full" and r["page_size_bytes"] == 4096] == [["msix-table", "msix-pba"]]' ||
	no "check --json: exposed_must_trap of full on nvme-msix-bar0 is not [msix-table, msix-pba]"
"$JQ" "$tmp/out" '[r["dropped_areas"] for l in d["layouts"] if l["layout"] == "nvme-msix-bar0-pre416" for r in l["results"] if r["policy"] == "sparse" and r["page_size_bytes"] == 65536] == [[{"region": 0, "area": 0}, {"region": 0, "area": 1}]]' ||
	no "check --json: dropped_areas of sparse on pre416 at 64K"
want_exit 0 "$BB" check emu:layouts/nvme-msix-bar0-pre416 --page-size 64K
grep -q "verdict 64 KiB: sparse" "$tmp/out" || no "check pre416: $(cat "$tmp/out")"
grep -q "SQ1TDBL,CQ1HDBL" "$tmp/out" || no "check pre416 64K must list the trapped I/O doorbells"
want_exit 0 "$BB" check layouts/mlx5-cx5 --policy-path "$SO"
# columns_in_line: a long list of trapped hot registers pushed the columns after it out of line; every
# row's "dropped" column starts where its header does
awk '/hot registers trapped/ { h = index($0, "dropped") } h && /^  [0-9]+ [KMG]iB +[a-z]+ +[0-9]/ {
	if (substr($0, h - 1, 1) != " " || substr($0, h, 1) == " ") { print "out of line: " $0; bad = 1 } }
	END { exit bad || !h }' "$tmp/out" || no "columns_in_line: $(grep -m3 'trap ' "$tmp/out")"
grep -q " largest " "$tmp/out" || no "check with a loaded policy"
want_exit 2 "$BB" check --page-size 4K,
want_exit 2 "$BB" check no-such-layout

# share_not_rounded_to_all: the mlx5-cx5 BAR0 less its trapped pages is 99.9% mapped, never "100.0%"
"$BB" plan emu:layouts/mlx5-cx5 --page-size 4K >"$tmp/out" 2>&1 || no "plan mlx5-cx5: $(cat "$tmp/out")"
grep -q 'trapped 0x[1-9a-f][0-9a-f]* bytes' "$tmp/out" || no "share_not_rounded_to_all: no plan traps anything: $(cat "$tmp/out")"
grep -E '\(100\.0%\), trapped 0x[1-9a-f]' "$tmp/out" && no "share_not_rounded_to_all: 100.0% mapped while bytes trap"
"$BB" check mlx5-cx5 --page-size 4K >"$tmp/out" 2>&1 || no "check mlx5-cx5: $(cat "$tmp/out")"
grep -E '^  4 KiB  (holes|sparse) .* 100\.0 ' "$tmp/out" && no "share_not_rounded_to_all: check says 100.0 where pages trap"

[ $fail -eq 0 ] && echo "cli_plan: ok ($n plans)"
exit $fail
