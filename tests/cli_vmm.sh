#!/bin/sh
# pci:BDF and barbench vmm from the command line, without a VMM: a fake sysfs
# tree (the files sysfs has; resource0 a regular file) stands for the device
# a guest would see; the real thing runs in the VM test (vm_vfio_user_qemu).
# usage: cli_vmm.sh BARBENCH SOURCE_DIR
set -u
BB=$1 SRC=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*" >&2; fail=1; }

# write bytes (octal escapes) at a byte offset of a file
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# a 1234:0a02 with a 16 KiB memory BAR0, MSI-X (4 vectors) at 0x2000, PBA at 0x2800: tests/data/vmm/vmm-msix
dev=$tmp/sys/bus/pci/devices/0000:00:05.0
mkdir -p "$dev"
echo 0x1234 >"$dev/vendor"
echo 0x0a02 >"$dev/device"
echo 0xff0000 >"$dev/class"
echo -1 >"$dev/numa_node"
printf '0x00000000febf8000 0x00000000febfbfff 0x0000000000140204\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n' >"$dev/resource"
head -c 256 /dev/zero >"$dev/config"
poke "$dev/config" 0 '\064\022\002\012\002\000\020\000'	# ids, command: memory on, status: capability list
poke "$dev/config" 52 '\100'				# capabilities at 0x40
poke "$dev/config" 64 '\021\000\003\000\000\040\000\000\000\050\000\000'	# MSI-X: 4 vectors, table 0x2000, PBA 0x2800
head -c 16384 /dev/zero >"$dev/resource0"
poke "$dev/resource0" 0 '\000\000\000\314'
poke "$dev/resource0" 4096 '\000\020\000\314'
poke "$dev/resource0" 11264 '\000\054\000\314'
poke "$dev/resource0" 12288 '\000\060\000\314'
spec="pci:0000:00:05.0?sysfs=$tmp/sys&layout=$SRC/tests/data/vmm/vmm-msix"

"$BB" info "$spec" >"$tmp/out" 2>"$tmp/err" || no "info $spec: exit $? ($(cat "$tmp/err"))"
grep -q "1234:0a02" "$tmp/out" || no "info: no ids: $(cat "$tmp/out")"
grep -q "must-trap: \[0x2000, 0x2040) MSI-X table" "$tmp/out" || no "info: no MSI-X table from config space"

# has no trap path: a plan that traps what the workload reads is skipped with the reason
"$BB" run --device "$spec" --policy full,holes --workload sweep --samples 50 --out "$tmp/r" >"$tmp/out" 2>"$tmp/err" ||
	no "run: exit $? ($(cat "$tmp/err"))"
grep -q "^full .*sweep" "$tmp/out" || no "run: full did not run: $(cat "$tmp/out")"
grep -qF "holes traps offset 0x2c00, which the workload touches, and pci has no trap path" "$tmp/out" ||
	no "run: holes not skipped with its reason: $(cat "$tmp/out")"

[ $fail -eq 0 ] && echo "cli_vmm: ok"
exit $fail
