#!/bin/sh
# A full disk is reported as such (issue 13): "No space left on device",
# naming the file, not "Input/output error".  Needs a small tmpfs: mounted
# in a private mount namespace (unshare -m, as root); skips (77) where that
# is not possible.  The samples must not fit in it whatever the machine
# measures: they are gzip'd, and a million samples of a few registers whose
# times barely vary once made about 700 KB here but could shrink below the
# 64 KiB on a steadier clock; the run replays 65,536 reads at offsets drawn at
# random, whose offsets alone gzip to 1.6 MB (every time made alike).
# usage: cli_diskfull.sh BARBENCH
set -u
BB=$1
. "$(dirname "$0")/lib.sh"
command -v unshare >/dev/null || { echo "cli_diskfull: no unshare: skipped"; exit 77; }
mnt=$tmp/mnt
mkdir "$mnt"
unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$mnt'" 2>/dev/null || { echo "cli_diskfull: cannot mount a tmpfs: skipped"; exit 77; }
# reads of the doorbell page (0x1000-0x1fff, access=rw in the layout), 4-byte aligned, in random order
awk 'BEGIN { srand(1); for (i = 0; i < 65536; i++) printf "0x%x 4 r\n", 4096 + 4 * int(rand() * 1024) }' >"$tmp/trace"
out=$(unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$mnt' && '$BB' run --device emu:layouts/nvme-msix-bar0 \
	--out '$mnt/x' --samples 1000000 --workload 'replay:$tmp/trace' --policy sparse >/dev/null; echo rc=\$?" 2>&1)
echo "$out" | grep -q 'rc=1$' || no "disk full: want exit 1: $out"
echo "$out" | grep -q "$mnt/x/samples/0000-sparse-4096-replay.bbs: writing .*: No space left on device" ||
	no "disk full: want 'No space left on device' naming the file: $out"
echo "$out" | grep -q 'Input/output error' && no "disk full reported as an I/O error: $out"
[ $fail -eq 0 ] && echo "cli_diskfull: ok"
exit $fail
