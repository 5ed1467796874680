#!/bin/sh
# The real-device commands on a machine whatever it has: argument errors
# exit 2 with one line naming the problem; `devices` succeeds with or without
# VFIO devices; `dump` of the emulated device writes region files that `info`
# and `plan --region-info` read back as the device reported them; `run`
# refuses a write workload on a real device without --allow-writes (checked
# in the VM test, scripts/vm/init, where a real device exists).
# usage: cli_vfio.sh BARBENCH LAYOUT_DIR
set -u
BB=$1 LAYOUTS=$2
. "$(dirname "$0")/lib.sh"

# exit status and one stderr line containing a text
bad() { # STATUS TEXT ARGS...
	want_err "$@"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || no "$*: stderr is not one line: $(cat "$tmp/err")"
}

bad 2 "devices: unknown option '--bogus'" devices --bogus
bad 2 "devices: unexpected argument 'x'" devices x
bad 2 "dump: want DEVICE DIR" dump
bad 2 "dump: want DEVICE DIR" dump emu:"$LAYOUTS"/qemu-nvme
bad 2 "vfio:0000:00:20.0: character 14: want a device number 00 to 1f" info vfio:0000:00:20.0
bad 2 "character 14: want a device number" plan vfio:0000:00:20.0 --region 0
bad 2 "unknown option 'allow-writes'" info "vfio:0000:00:03.0?allow-writes"
bad 2 "want a PCI address" run --device vfio:xyz --out "$tmp/r"
bad 1 "0000:7f:1f.7: no such PCI device" info vfio:0000:7f:1f.7
"$BB" help devices | grep -q "usage: barbench devices" || no "help devices"
"$BB" dump --help | grep -q "usage: barbench dump DEVICE DIR" || no "dump --help"
"$BB" run --help | grep -q -- "--allow-writes" || no "run --help lacks --allow-writes"

# devices: 0 with or without VFIO devices here; JSON: one document, the devices an array
"$BB" devices >"$tmp/out" 2>"$tmp/err" || no "devices: exit $? ($(cat "$tmp/err"))"
# devices_no_module: with none bound, modprobe is suggested only where this kernel has vfio-pci (as the
# kernel's own files say: the driver registered, built in or a module); else it says the kernel has none
if ! ls /sys/bus/pci/devices/*/driver 2>/dev/null | grep -q vfio; then
	rel=$(uname -r)
	if [ -d /sys/bus/pci/drivers/vfio-pci ]; then want="bind one as root"; nowant="modprobe vfio-pci"
	elif grep -qs '/vfio-pci\.ko' "/lib/modules/$rel/modules.builtin" "/lib/modules/$rel/modules.dep"; then
		want="modprobe vfio-pci"; nowant="has no vfio-pci driver"
	else want="this kernel ($rel) has no vfio-pci driver"; nowant="modprobe"; fi
	grep -qF "$want" "$tmp/out" || no "devices_no_module: want '$want': $(cat "$tmp/out")"
	grep -qF "$nowant" "$tmp/out" && no "devices_no_module: '$nowant' is wrong here: $(cat "$tmp/out")"
fi
"$BB" devices --json >"$tmp/out" 2>"$tmp/err" || no "devices --json: exit $?"
"$JQ" "$tmp/out" 'd["schema"] == "barbench-devices/1" and isinstance(d["devices"], list)' ||
	no "devices --json: not the devices document: $(cat "$tmp/out")"

# a PCI device that is not bound to vfio-pci: refused with the commands that bind it
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	drv=$(readlink "$d/driver" 2>/dev/null) || continue
	case ${drv##*/} in *vfio*) continue ;; esac
	b=${d##*/}
	"$BB" info "vfio:$b" >"$tmp/out" 2>"$tmp/err" && no "info vfio:$b (bound to ${drv##*/}) was not refused"
	grep -qF "echo vfio-pci > /sys/bus/pci/devices/$b/driver_override" "$tmp/err" || no "refusal of $b lacks driver_override: $(cat "$tmp/err")"
	grep -qF "echo $b > /sys/bus/pci/devices/$b/driver/unbind" "$tmp/err" || no "refusal of $b lacks unbind: $(cat "$tmp/err")"
	grep -qF "echo $b > /sys/bus/pci/drivers_probe" "$tmp/err" || no "refusal of $b lacks drivers_probe: $(cat "$tmp/err")"
	break
done

# dump the emulated device: one file per region, read back by info and plan
"$BB" dump emu:"$LAYOUTS"/qemu-e1000e "$tmp/d" >"$tmp/out" 2>"$tmp/err" || no "dump: exit $? ($(cat "$tmp/err"))"
for r in 0 1 2 3; do
	[ -s "$tmp/d/region$r.bin" ] || no "dump wrote no region$r.bin"
done
grep -qF -- "--must-trap 0x0:0x50 --must-trap 0x2000:0x8" "$tmp/out" || no "dump does not give BAR3's must-trap ranges: $(cat "$tmp/out")"
"$BB" info --region-info "$tmp/d/region3.bin" --json >"$tmp/a" || no "info of the dumped BAR3"
"$BB" info emu:"$LAYOUTS"/qemu-e1000e --region 3 --json >"$tmp/b" || no "info of BAR3"
[ "$("$JQ" "$tmp/a" -p 'd["regions"]')" = "$("$JQ" "$tmp/b" -p 'd["regions"]')" ] || no "dumped BAR3 differs: $(cat "$tmp/a") vs $(cat "$tmp/b")"
"$BB" plan --region-info "$tmp/d/region3.bin" --must-trap 0x0:0x50 --must-trap 0x2000:0x8 >/dev/null ||
	no "plan of the dumped BAR3"
ls "$tmp/d" | grep -q tmp && no "dump left a temporary file"
# dump_trailing_slash: DIR/ (as README writes bar-info/) names DIR/region0.bin, not DIR//region0.bin
"$BB" dump emu:"$LAYOUTS"/qemu-nvme "$tmp/d2/" >"$tmp/out" 2>"$tmp/err" || no "dump DIR/: exit $? ($(cat "$tmp/err"))"
grep -q '//' "$tmp/out" && no "dump_trailing_slash: a path with //: $(cat "$tmp/out")"
grep -qF "$tmp/d2/region0.bin" "$tmp/out" || no "dump_trailing_slash: no $tmp/d2/region0.bin in: $(cat "$tmp/out")"
# dump_no_empty_dir: a device that does not open leaves no DIR behind
"$BB" dump emu:"$tmp"/no-such-layout "$tmp/d3" >/dev/null 2>&1 && no "dump of a missing layout: exit 0"
[ -e "$tmp/d3" ] && no "dump_no_empty_dir: a device that did not open left $tmp/d3"

# the shipped QEMU layouts load and say what vfio-pci reports for them
"$BB" info emu:"$LAYOUTS"/qemu-nvme >"$tmp/out" || no "info qemu-nvme"
grep -q "msix mappable: yes" "$tmp/out" || no "qemu-nvme BAR0 is not MSIX_MAPPABLE"
"$BB" info emu:"$LAYOUTS"/qemu-e1000e --region 3 >"$tmp/out" || no "info qemu-e1000e"
grep -q "msix mappable: yes" "$tmp/out" || no "qemu-e1000e BAR3 is not MSIX_MAPPABLE"

[ $fail -eq 0 ] && echo "cli_vfio: all checks passed"
exit $fail
