#!/bin/sh
# barbench layout new: a layout generated from a real lspci -vvv -xxxx text
# (this project's machine, a Firecracker VM: tests/data/) equals the
# hand-checked expected file; every shipped layout served with barbench serve
# and regenerated with layout new vfio-user:SOCKET has the original's regions
# (but config space, region 7), MSI-X (but placement=unknown: nothing to
# serve) and IDs; hostile dumps and usage errors
# exit 2 with one line naming the line; -o is written atomically, never
# through a symlink, and an existing file is replaced only with --force.
# Run from the source directory.
# usage: cli_layout_new.sh BARBENCH
set -u
BB=$1
. "$(dirname "$0")/lib.sh"
D=tests/data

# sourced LAYOUT [PATTERN]: every statement of LAYOUT names where it came from, in its own comment:
# one that ends the line (after "   # ") or the comment line right above it, and that comment
# matches PATTERN (default: a dump line and a config offset, "FILE:N, config 0xNN" or
# "dump line N, config 0xNN"; a region's Region line with its BAR register)
sourced() {
	awk -v pat="${2:-(:|line )[0-9]+, config 0x[0-9a-f]+}" '
		/^[ \t]*$/ { above = ""; next }
		/^#/ { above = $0; next }
		{
			k = index($0, "   # ")
			own = k ? substr($0, k + 5) : ""
			if (!(own ~ pat) && !(above ~ pat)) {
				printf "%s:%d: no source: %s\n", FILENAME, NR, $0
				bad = 1
			}
			above = ""
		}
		END { exit bad }' "$1" >&2 || no "$1: a statement does not say where it came from"
}

# --- 1. the real dump equals the expected layout, to stdout and with -o ---
"$BB" layout new lspci:$D/lspci-firecracker-virtio-net.txt --queues 2 --name firecracker-virtio-net \
	>"$tmp/net.layout" 2>"$tmp/err" || no "layout new of the real dump: $(cat "$tmp/err")"
diff -u $D/lspci-firecracker-virtio-net.layout "$tmp/net.layout" >&2 || no "generated layout differs from the expected one"
# each line carries its source (issue 18): the 16 common-config registers, the notify array, ISR and device config
sourced "$tmp/net.layout"
[ "$(grep -c '^reg .*   # dump line 7, config 0x40: virtio_pci_common_cfg\.' "$tmp/net.layout")" -eq 16 ] ||
	no "the common configuration's registers do not each cite the capability and their struct field"
grep -q '^reg region=0 offset=0x6000 size=2 name=notify kind=doorbell count=2 stride=4   # dump line 13, config 0x70: .*dump line 29, config 0x80, notify_off_multiplier$' \
	"$tmp/net.layout" || no "the notify array does not cite its capability and its multiplier"
grep -q '^# notify_off_multiplier 4: tests/data/lspci-firecracker-virtio-net.txt:29, config 0x80 ' "$tmp/net.layout" ||
	no "notify_off_multiplier cites neither its dump line nor config 0x80"
"$BB" layout new lspci:$D/lspci-firecracker-virtio-net.txt --queues 2 --name firecracker-virtio-net \
	-o "$tmp/net2.layout" >"$tmp/out" 2>&1 || no "layout new -o: $(cat "$tmp/out")"
cmp -s "$tmp/net.layout" "$tmp/net2.layout" || no "-o wrote something else than stdout"
# the common configuration's names are the virtio spec's (driver_feature_select, config_msix_vector,
# queue_driver, queue_device), not Linux virtio_pci.h's (guest_feature_select, msix_config, queue_avail_lo):
# the comment cites the spec's struct, never the Linux header
grep -q "^# driver does; register names as the spec's struct virtio_pci_common_cfg (4.1.4.3) ---$" "$tmp/net.layout" ||
	no "the virtio register names do not cite the spec's struct virtio_pci_common_cfg"
grep -q "virtio_pci\.h" "$tmp/net.layout" && no "the generated layout cites Linux virtio_pci.h for the spec's names"
grep -q "1 region, MSI-X, 20 registers" "$tmp/out" || no "-o summary: $(cat "$tmp/out")"
# standard input
"$BB" layout new lspci:- --queues 2 --name firecracker-virtio-net <$D/lspci-firecracker-virtio-net.txt \
	>"$tmp/net3.layout" 2>"$tmp/err" || no "lspci:-: $(cat "$tmp/err")"
grep -q "^region index=0 size=0x80000 flags=read,write,mmap caps=msix-mappable" "$tmp/net3.layout" || no "lspci:- region"
# lspci_stdin_pipe: standard input a pipe (read through the one stream reader) gives the same layout; more
# than the limit is refused, exit 2
cat "$D/lspci-firecracker-virtio-net.txt" | "$BB" layout new lspci:- --queues 2 --name firecracker-virtio-net \
	>"$tmp/net3p.layout" 2>"$tmp/err" || no "lspci_stdin_pipe: $(cat "$tmp/err")"
cmp -s "$tmp/net3.layout" "$tmp/net3p.layout" || no "lspci_stdin_pipe: a pipe gave another layout than a file"
head -c 20000000 /dev/zero | tr '\0' 'x' | "$BB" layout new lspci:- >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "lspci_stdin_pipe: 20 MB on standard input: exit $rc, want 2"
grep -q "standard input: larger than" "$tmp/err" || no "lspci_stdin_pipe: $(cat "$tmp/err")"
# what the layout says on 64 KiB pages: the doorbells share the MSI-X table's page (the issue's example)
"$BB" info "emu:$tmp/net.layout" >"$tmp/info" 2>&1 || no "info of the generated layout: $(cat "$tmp/info")"
grep -q "msix: 3 vectors, table BAR0 \[0x8000, 0x8030), PBA BAR0 \[0x48000, 0x48008)" "$tmp/info" || no "info msix"
# layout check on it: the doorbells share the MSI-X table's 64 KiB page, and their hotness is still to add
"$BB" layout check "$tmp/net.layout" >"$tmp/check" 2>&1
[ $? -eq 1 ] || no "layout check of the generated layout: not exit 1 ($(cat "$tmp/check"))"
grep -q "msix-page: doorbells notify\[0..1\]: 2 of 2" "$tmp/check" || no "layout check: no msix-page finding"
grep -q "no-hotness: doorbell notify\[0..1\]" "$tmp/check" || no "layout check: no no-hotness finding"
# the block device of the same VM: one queue, two vectors
"$BB" layout new lspci:$D/lspci-firecracker-virtio-blk.txt --queues 1 >"$tmp/blk.layout" 2>"$tmp/err" ||
	no "blk: $(cat "$tmp/err")"
grep -q "^device name=pci-1af4-1042 .* class=0x018000" "$tmp/blk.layout" || no "blk device line"
grep -q "^reg region=0 offset=0x6000 size=2 name=notify kind=doorbell count=1   # dump line [0-9]*, config 0x70: " \
	"$tmp/blk.layout" || no "blk doorbell"
sourced "$tmp/blk.layout"

# an SR-IOV physical function (tests/data/README.md): the extended capabilities as comments, equal to the expected file
"$BB" layout new lspci:$D/lspci-connectx4lx-pf-sriov.txt --name connectx4lx-pf >"$tmp/cx4.layout" 2>"$tmp/err" ||
	no "layout new of the SR-IOV PF: $(cat "$tmp/err")"
diff -u $D/lspci-connectx4lx-pf-sriov.layout "$tmp/cx4.layout" >&2 || no "SR-IOV PF: generated layout differs from the expected one"
sourced "$tmp/cx4.layout"
grep -q "^# .*config 0x19a: VF Device ID 0x1016: a VF is PCI 15b3:1016" "$tmp/cx4.layout" || no "SR-IOV PF: no VF device ID"
grep -q "^# SR-IOV: a physical function with up to 8 VFs" "$tmp/cx4.layout" || no "SR-IOV PF: header says nothing of SR-IOV"
# the PF's layout is still a layout: emu: serves it
"$BB" info "emu:$tmp/cx4.layout" >"$tmp/info" 2>&1 || no "info of the SR-IOV PF layout: $(cat "$tmp/info")"

# a GPU with a Resizable BAR capability (tests/data/README.md): each BAR's current size against its Region line
"$BB" layout new lspci:$D/lspci-rtx-a6000-rebar.txt --name rtx-a6000 >"$tmp/a6000.layout" 2>"$tmp/err" ||
	no "layout new of the Resizable BAR GPU: $(cat "$tmp/err")"
diff -u $D/lspci-rtx-a6000-rebar.layout "$tmp/a6000.layout" >&2 || no "Resizable BAR GPU: generated layout differs from the expected one"
sourced "$tmp/a6000.layout"
[ "$(grep -c 'region [0-9] above has that size$' "$tmp/a6000.layout")" -eq 3 ] || no "Resizable BAR GPU: not 3 BARs agreeing"
# the BAR1 Region line says 512M, the control register 256 MiB: a note, not a refusal
sed 's/\[size=256M\]/[size=512M]/' $D/lspci-rtx-a6000-rebar.txt >"$tmp/a6000-512.txt"
"$BB" layout new lspci:"$tmp/a6000-512.txt" >"$tmp/a6000-512.layout" 2>"$tmp/err" || no "ReBAR mismatch refused: $(cat "$tmp/err")"
grep -q "BAR1: current size 256 MiB .*NOTE: lspci:.*a6000-512.txt reports region 1 as 512 MiB, not the control register's size" \
	"$tmp/a6000-512.layout" || no "ReBAR mismatch: no NOTE"
grep -q "^region index=1 size=0x20000000 " "$tmp/a6000-512.layout" || no "ReBAR mismatch: the region is not the source's size"

# --- 2. hostile dumps and usage: exit 2, one line on stderr, nothing on stdout ---
bad() { # WANT_STATUS PATTERN ARGS...
	want=$1 pat=$2
	shift 2
	want_err "$want" "$pat" layout new "$@"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || no "layout new $*: not one line on stderr: $(cat "$tmp/err")"
	[ -s "$tmp/out" ] && no "layout new $*: wrote to stdout"
}
cat $D/lspci-firecracker-virtio-net.txt $D/lspci-firecracker-virtio-blk.txt >"$tmp/two.txt"
bad 2 "two.txt:38: a second device (00:02.0; the first, 00:03.0, at line 1)" lspci:"$tmp/two.txt"
head -n 24 $D/lspci-firecracker-virtio-net.txt >"$tmp/short.txt"
bad 2 "short.txt:24: config byte 0x34: capability pointer 0x40: the capability list needs byte 0x41" lspci:"$tmp/short.txt"
printf 'GARBAGE\n\001\002\n' >"$tmp/garbage.txt"
bad 2 "garbage.txt:1: 'GARBAGE' is not a line of lspci -vvv -xxxx for one device" lspci:"$tmp/garbage.txt"
head -c 3000 /dev/urandom >"$tmp/random.txt"
"$BB" layout new lspci:"$tmp/random.txt" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || no "random bytes: not exit 2 ($(cat "$tmp/err"))"
sed 's/ \[size=512K\]//' $D/lspci-firecracker-virtio-net.txt >"$tmp/nosize.txt"
bad 2 "nosize.txt:6: Region 0 has no [size=...]: BAR sizes are not in config space" lspci:"$tmp/nosize.txt"
bad 2 "--queues 1025: the notify structure (0x1000 bytes, multiplier 4) holds doorbells for 1024" \
	lspci:$D/lspci-firecracker-virtio-net.txt --queues 1025 --name x
bad 2 "--queues '0': want 1 to 16384" lspci:$D/lspci-firecracker-virtio-net.txt --queues 0
# options_that_did_nothing: --queues on a device without virtio notify doorbells, --force without -o
# (both were taken and ignored)
bad 2 "--queues 4: no virtio notify capability (cfg_type 2)" lspci:$D/lspci-rtx-a6000-rebar.txt --queues 4
bad 2 "--force replaces the -o FILE, and there is none" lspci:$D/lspci-firecracker-virtio-net.txt --force
bad 2 "--queues '16385': want 1 to 16384" lspci:$D/lspci-firecracker-virtio-net.txt --queues 16385
bad 2 "--name 'Bad Name': [a-z0-9._-]+" lspci:$D/lspci-firecracker-virtio-net.txt --name "Bad Name"
bad 2 "nothere.txt" lspci:"$tmp/nothere.txt"
bad 2 "want vfio:BDF, vfio-user:SOCKET, pci:BDF or lspci:FILE" just-a-file
bad 2 "want one SOURCE (see barbench layout new --help)" a b
bad 2 "unknown option '--bogus'" --bogus lspci:x
bad 2 "(no socket at that path)" vfio-user:"$tmp/nosock"
# -o FILE that cannot be created is a failure, exit 1 (it was 2, ENOENT taken for bad usage): no such
# folder, a folder under a file, a name longer than NAME_MAX; one line on stderr, nothing written
long=$(printf '%0300d' 0)
for o in "$tmp/nodir/x.layout" "$D/lspci-firecracker-virtio-blk.txt/x.layout" "$tmp/$long"; do
	bad 1 "layout new: $o" lspci:$D/lspci-firecracker-virtio-blk.txt -o "$o"
done
ls "$tmp" | grep -q '^0000' && no "-o with a name too long left a file"
# -o: an existing file is replaced only with --force; a symlink there is replaced, its target untouched
echo keep >"$tmp/exists"
bad 2 "exists: give --force to replace it" lspci:$D/lspci-firecracker-virtio-blk.txt -o "$tmp/exists"
grep -qx keep "$tmp/exists" || no "-o without --force touched the file"
echo target >"$tmp/target"
ln -s "$tmp/target" "$tmp/link"
"$BB" layout new lspci:$D/lspci-firecracker-virtio-blk.txt --queues 1 -o "$tmp/link" --force >/dev/null 2>&1 ||
	no "-o over a symlink with --force"
grep -qx target "$tmp/target" || no "-o wrote through a symlink"
[ -L "$tmp/link" ] && no "-o left the symlink in place"
ls "$tmp" | grep -q '\.tmp\.' && no "a temporary file was left behind"

# --- 3. round trip: every shipped layout through barbench serve (lib.sh) and back ---
stop() {
	[ -n "$bg" ] && kill -TERM $bg && wait $bg
	bg=
}
# the regions (but config space) as info --json gives them, one per line; the pci id and msix lines
facts() { # LAYOUT OUT
	"$BB" info "emu:$1" --json | python3 -c 'import json, sys
for r in json.load(sys.stdin)["regions"]:
    if r["index"] != 7: print(json.dumps(r, sort_keys=True))' >"$2"
	"$BB" info "emu:$1" | grep -E '^  (pci id|msix):' >>"$2"
}
# a layout that says MSI-X is present but not where (msix placement=unknown) gives the served
# config space no MSI-X capability to describe: nothing is must-trap on either side
n=0
for l in layouts/* "$tmp/net.layout"; do
	case "$l" in *.md) continue ;; esac
	serve "$l" || continue
	g="$tmp/rt-$(basename "$l")"
	if "$BB" layout new "vfio-user:$tmp/s" -o "$g" >"$tmp/out" 2>"$tmp/err"; then
		facts "$l" "$tmp/a"
		facts "$g" "$tmp/b"
		if grep -q '^  msix: present, placement unknown' "$tmp/a"; then
			grep -v '^  msix:' "$tmp/a" >"$tmp/a2" && mv "$tmp/a2" "$tmp/a"
			grep '^  msix:' "$tmp/b" | grep -qv 'msix: none' && no "round trip of $l: MSI-X of unknown placement came back placed"
			grep -v '^  msix:' "$tmp/b" >"$tmp/b2" && mv "$tmp/b2" "$tmp/b"
		fi
		grep -q '"index"' "$tmp/a" || no "round trip of $l: no region read back from info --json"
		diff "$tmp/a" "$tmp/b" >&2 || no "round trip of $l: regions, MSI-X or IDs differ"
		grep -q '^# vfio-user:' "$g" || no "round trip of $l: no provenance comment"
		sourced "$g" 'vfio-user:|config 0x[0-9a-f]+|sparse mmap capability'

		grep -q '^safe ' "$g" && no "round trip of $l: a safe range was generated"
		n=$((n + 1))
	else
		no "layout new vfio-user: of $l: $(cat "$tmp/err")"
	fi
	stop
done
[ $n -ge 13 ] || no "only $n round trips"

# layout_new_newline_name: a dump whose file name holds a newline and a statement (the name went into the
# comments as it was: the statement became the layout's, refused as "a barbench bug"): each control character '?'
nl="$tmp/$(printf 'x\nsafe region=0 offset=0 size=0x80000 access=rw\n#')"
cp $D/lspci-firecracker-virtio-net.txt "$nl"
"$BB" layout new "lspci:$nl" >"$tmp/nl.layout" 2>"$tmp/err" || no "layout_new_newline_name: exit $? ($(cat "$tmp/err"))"
grep -q '^safe' "$tmp/nl.layout" && no "layout_new_newline_name: a statement from the file name: $(grep '^safe' "$tmp/nl.layout")"
grep -q '^# Source: .*/x?safe region=0' "$tmp/nl.layout" || no "layout_new_newline_name: the name is not one comment line"

[ $fail -eq 0 ] && echo "cli_layout_new: ok ($n round trips)"
exit $fail
