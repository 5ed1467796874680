#!/bin/sh
# pci:BDF and barbench vmm from the command line, without a VMM: a fake sysfs
# tree (the files sysfs has; resource0 a regular file) stands for the device
# a guest would see; the real thing runs in the VM test (vm_vfio_user_qemu).
# usage: cli_vmm.sh BARBENCH SOURCE_DIR
set -u
BB=$1 SRC=$2
. "$(dirname "$0")/lib.sh"

# write bytes (octal escapes) at a byte offset of a file
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# a 1234:0a02 with a 16 KiB memory BAR0, MSI-X (4 vectors) at 0x2000, PBA at 0x2800: tests/data/vmm/probe-msix
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
spec="pci:0000:00:05.0?sysfs=$tmp/sys&layout=$SRC/tests/data/vmm/probe-msix"

"$BB" info "$spec" >"$tmp/out" 2>"$tmp/err" || no "info $spec: exit $? ($(cat "$tmp/err"))"
grep -q "1234:0a02" "$tmp/out" || no "info: no ids: $(cat "$tmp/out")"
grep -q "must-trap: \[0x2000, 0x2040) MSI-X table" "$tmp/out" || no "info: no MSI-X table from config space"

# pci_writes: a real device is written only with --allow-writes, and then where the layout says rw; a
# command without that option (calibrate, study) leaves its write paths out instead of storing into a
# read-only mapping (calibrate died of SIGSEGV; run asked vfio: alone whether writes were allowed)
{ cat "$SRC/tests/data/vmm/probe-msix"; echo 'reg region=0 offset=0x3800 size=4 name=SCRATCH kind=data'
  echo 'safe region=0 offset=0x3800 size=4 access=rw'; } >"$tmp/rw.layout"
rw="pci:0000:00:05.0?sysfs=$tmp/sys&layout=$tmp/rw.layout"
want_err 2 "a real device is written only with --allow-writes" run --device "$rw" --region 0 --policy full \
	--workload lat-write --samples 20 --out "$tmp/w0"
"$BB" run --device "$rw" --region 0 --policy full --workload lat-write --samples 20 --allow-writes --out "$tmp/w1" \
	>"$tmp/out" 2>&1 || no "pci_writes: run --allow-writes: exit $? ($(cat "$tmp/out"))"
[ "$(od -An -tx1 -j 14336 -N4 "$dev/resource0" | tr -d ' ')" != 00000000 ] ||
	no "pci_writes: run --allow-writes wrote nothing into resource0 at 0x3800"
head -c 4 /dev/zero | dd of="$dev/resource0" bs=1 seek=14336 conv=notrunc status=none
"$BB" calibrate --device "$rw" --samples 100 --reps 1 >"$tmp/out" 2>&1 || no "pci_writes: calibrate: exit $? ($(cat "$tmp/out"))"
grep -q "mapped_write: lat-write: region 0 has nothing the layout lets us write (real hardware, written only with --allow-writes)" \
	"$tmp/out" || no "pci_writes: calibrate does not say why its write path is left out: $(cat "$tmp/out")"
[ "$(od -An -tx1 -j 14336 -N4 "$dev/resource0" | tr -d ' ')" = 00000000 ] || no "pci_writes: calibrate wrote the device"

# short_resource: a resource0 shorter than its BAR (sysfs makes it the BAR's size) is refused before it is
# mapped (every access past its end raised SIGBUS mid-run: exit 1, the run abandoned)
cp "$dev/resource0" "$tmp/resource0.whole"
head -c 100 "$tmp/resource0.whole" >"$dev/resource0"
want_err 2 "resource0 holds 0x64 bytes, less than its BAR's 0x4000 that sysfs gives it: not mapped" run --device "$spec" \
	--region 0 --policy full --workload lat-read --samples 20 --out "$tmp/short"
want_err 2 "resource0 holds 0x64 bytes" vmm --device "$spec" --samples 5
cp "$tmp/resource0.whole" "$dev/resource0"

# layout new pci:BDF: the layout of what the device says about itself, through sysfs
"$BB" layout new "pci:0000:00:05.0?sysfs=$tmp/sys" -o "$tmp/gen.layout" 2>"$tmp/err" || no "layout new pci: $(cat "$tmp/err")"
"$BB" info "emu:$tmp/gen.layout" >"$tmp/out" 2>"$tmp/err" || no "layout new pci: the layout does not load: $(cat "$tmp/err")"
grep -q "pci id: 1234:0a02" "$tmp/out" || no "layout new pci: no ids: $(head -3 "$tmp/out")"
grep -q "msix: 4 vectors, table BAR0 \[0x2000, 0x2040), PBA BAR0 \[0x2800, 0x2808)" "$tmp/out" ||
	no "layout new pci: MSI-X not from config space: $(grep msix "$tmp/out")"
grep -q "^safe " "$tmp/gen.layout" && no "layout new pci: a safe range was generated"

# a VF (physfn): the head line names its PF, and its ID registers only when they read 0xffff
# (pci_vf_ids_said: said of a VF whose ID registers answered)
vf=$tmp/sys/bus/pci/devices/0000:00:06.0
cp -r "$dev" "$vf" && ln -s ../0000:00:04.0 "$vf/physfn"
"$BB" info "pci:0000:00:06.0?sysfs=$tmp/sys" >"$tmp/out" 2>"$tmp/err" || no "info VF: exit $? ($(cat "$tmp/err"))"
grep -q "^  an SR-IOV VF of PF 0000:00:04.0$" "$tmp/out" || no "info VF: $(grep -i "sr-iov" "$tmp/out")"
poke "$vf/config" 0 '\377\377\377\377'
"$BB" info "pci:0000:00:06.0?sysfs=$tmp/sys" >"$tmp/out" 2>"$tmp/err" || no "info VF ffff: exit $? ($(cat "$tmp/err"))"
grep -q "^  an SR-IOV VF of PF 0000:00:04.0: IDs from sysfs (its ID registers read 0xffff); memory decoding taken as on (no SR-IOV capability read in its PF's config space)$" "$tmp/out" ||
	no "info VF ffff: $(grep -i "sr-iov" "$tmp/out")"
rm -r "$vf"

# every PCI device of this machine, its sysfs read as hostile input: its regions, or one line naming the
# file (a user who is not root reads 64 bytes of config space), never a crash; nothing is mapped or read
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	"$BB" info "pci:${d##*/}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -le 2 ] || no "info pci:${d##*/}: exit $rc"
	[ "$(wc -l <"$tmp/err")" -le 1 ] || no "info pci:${d##*/}: stderr is not one line: $(cat "$tmp/err")"
	[ $rc -ne 0 ] || grep -q "^pci:${d##*/}  [0-9a-f]\{4\}:[0-9a-f]\{4\}  class" "$tmp/out" ||
		no "info pci:${d##*/}: no head line: $(cat "$tmp/out")"
done

# has no trap path: a plan that traps what the workload reads is skipped with the reason
"$BB" run --device "$spec" --policy full,holes --workload sweep --samples 50 --out "$tmp/r" >"$tmp/out" 2>"$tmp/err" ||
	no "run: exit $? ($(cat "$tmp/err"))"
grep -q "^full .*sweep" "$tmp/out" || no "run: full did not run: $(cat "$tmp/out")"
grep -qF "holes traps offset 0x2c00, which the workload touches, and pci has no trap path" "$tmp/out" ||
	no "run: holes not skipped with its reason: $(cat "$tmp/out")"

# trap_log_unwritable: a log that cannot be written stops serve before it serves (it served, and lost the
# log at exit)
timeout 20 "$BB" serve --device emu:"$SRC"/tests/data/vmm/probe-sparse --socket "$tmp/n.sock" \
	--trap-log "$tmp/no/such/dir/t.csv" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "trap_log_unwritable: exit $rc, want 1 ($(cat "$tmp/err"))"
grep -q "serve: --trap-log: .*no/such/dir/t.csv" "$tmp/err" || no "trap_log_unwritable: $(cat "$tmp/err")"
[ -e "$tmp/n.sock" ] && no "trap_log_unwritable: the socket was left"

# usr1_without_log: SIGUSR1 to a serve without --trap-log is ignored (it killed serve, exit 138, socket left)
"$BB" serve --device emu:"$SRC"/tests/data/vmm/probe-sparse --socket "$tmp/u.sock" --quiet >/dev/null 2>&1 &
upid=$!
for _ in $(seq 300); do [ -S "$tmp/u.sock" ] && break; sleep 0.1; done
# both pending at once, SIGUSR1 (10) is delivered before SIGTERM (15): a fatal one shows in the status
kill -USR1 $upid
kill -TERM $upid
wait $upid
rc=$?
[ $rc -eq 0 ] || no "usr1_without_log: exit $rc after SIGTERM"
[ -e "$tmp/u.sock" ] && no "usr1_without_log: socket left"

# serve --trap-log: every access served through messages, written (empty) at the start, on SIGUSR1 and at exit
sock=$tmp/s.sock log=$tmp/trap.csv
"$BB" serve --device emu:"$SRC"/tests/data/vmm/probe-sparse --socket "$sock" --trap-log "$log" --quiet \
	>"$tmp/serve.out" 2>"$tmp/serve.err" &
spid=$!
for _ in $(seq 300); do [ -S "$sock" ] && break; sleep 0.1; done
# trap: every access a message; no warmup, no pilot: exactly --samples reads of region 0
"$BB" run --device "vfio-user:$sock?layout=$SRC/tests/data/vmm/probe-sparse" --region 0 --policy trap \
	--workload lat-read --samples 40 --warmup 0 --batch 1 --out "$tmp/vu" >"$tmp/out" 2>"$tmp/err" ||
	no "run over vfio-user: exit $? ($(cat "$tmp/err"))"
[ "$(grep -vc '^#' "$log")" -eq 1 ] || no "the trap log has rows before SIGUSR1 asked for them: $(cat "$log")"
kill -USR1 $spid
for _ in $(seq 300); do [ "$(grep -vc '^#' "$log")" -gt 1 ] && break; sleep 0.1; done
kill -0 $spid 2>/dev/null || no "serve died of SIGUSR1"
[ "$(sed -n 2p "$log")" = "region,offset,width,op,count,total_ns" ] || no "trap log header: $(head -2 "$log")"
n=$(awk -F, '$1 == "0" { s += $5 } END { print s + 0 }' "$log")
[ "$n" -eq 40 ] || no "trap log: $n reads of region 0, the run made 40: $(cat "$log")"
grep -q '^0,0x0,4,read,[0-9]*,[0-9]*$' "$log" || no "trap log rows: $(cat "$log")"
ls "$tmp" | grep -q 'trap.csv.tmp' && no "a temporary file was left: $(ls "$tmp")"
# at exit the log is written again, with what came after SIGUSR1; a planted symlink is replaced, not followed
"$BB" run --device "vfio-user:$sock?layout=$SRC/tests/data/vmm/probe-sparse" --region 2 --policy trap \
	--workload lat-read --samples 10 --warmup 0 --batch 1 --out "$tmp/vu2" >"$tmp/out" 2>"$tmp/err" ||
	no "run of region 2: exit $? ($(cat "$tmp/err"))"
echo precious >"$tmp/target"
rm -f "$log" && ln -s "$tmp/target" "$log"
kill -TERM $spid
wait $spid || no "serve exit $? at SIGTERM ($(cat "$tmp/serve.err"))"
[ "$(cat "$tmp/target")" = precious ] || no "the trap log was written through a planted symlink"
[ -L "$log" ] && no "the trap log is still the planted symlink"
n=$(awk -F, '$1 == "2" { s += $5 } END { print s + 0 }' "$log")
[ "$n" -eq 10 ] || no "trap log at exit: $n reads of region 2, want 10: $(cat "$log")"
grep -q "trap log: $log" "$tmp/serve.out" || no "serve did not say where the trap log went"
# a trap log that cannot be written (trap_log_unwritable above): a SIGTERM sent the moment the socket
# appears does not turn that failure into a silent death by signal (exit 143, in CI): the signals are
# held from before the socket exists to the exit
for i in 1 2 3 4 5; do
	"$BB" serve --device emu:"$SRC"/tests/data/vmm/probe-sparse --socket "$tmp/s2.sock" \
		--trap-log "$tmp/no/such/dir/t.csv" --quiet >"$tmp/out" 2>"$tmp/err" &
	spid=$!
	# until the socket appears or serve ends, however long a loaded machine takes to start it (3000 turns
	# of a loop were ~30 ms: under ASan with ctest -j2 the SIGTERM came before serve held it, exit 143);
	# the first turns spin to meet the socket's moment, the rest sleep, 30 s there for a serve that hangs
	k=0
	while [ ! -S "$tmp/s2.sock" ] && kill -0 $spid 2>/dev/null; do
		k=$((k + 1))
		[ $k -le 3000 ] && continue
		[ $k -le 6000 ] || { no "serve with an unwritable trap log (try $i): no socket and no exit in 30 s"; break; }
		sleep 0.01
	done
	kill -TERM $spid 2>/dev/null
	wait $spid
	rc=$?
	[ $rc -eq 1 ] || no "serve with an unwritable trap log, SIGTERM at its socket (try $i): exit $rc, want 1"
	grep -q "t.csv: creating" "$tmp/err" || no "unwritable trap log, SIGTERM at its socket (try $i): $(cat "$tmp/err")"
done

P=$SRC/tests/data/vmm

# vmm: barbench plays the VMM (--as) on the emulated device: each page reached as its plan says (the
# sweep's path), read at the register the layout names; the rule then finds the plan.  Which class a
# measured time falls in is the machine's (a mapped read and a pread are 19x apart under ASan, the rule
# draws its line at 10x): the rule is checked on the same sweep with known times (known_sweep)
# paths FILE: "offset:path ..." of the probed pages of a sweep file
paths() { awk -F, 'NR == 2 { for (i = 1; i <= NF; i++) c[$i] = i } NR > 2 && $c["path"] != "" { printf "%s:%s ", $c["offset"], $c["path"] }' "$1"; }
"$BB" vmm --device "emu:$P/probe-msix" --as holes --samples 31 --vmm "barbench as holes" --out "$tmp/h" >"$tmp/out" 2>"$tmp/err" ||
	no "vmm --as holes: exit $? ($(cat "$tmp/err"))"
grep -q "^verdict: " "$tmp/out" || no "vmm --as holes: no verdict: $(cat "$tmp/out")"
[ "$(paths "$tmp/h/vmm-sweep.csv")" = "0:map 4096:map 8256:trap 12288:map " ] ||
	no "vmm --as holes: pages not reached as holes maps them, or the MSI-X page not read at 0x2040: $(paths "$tmp/h/vmm-sweep.csv")"
known_sweep "$tmp/h/vmm-sweep.csv" "$tmp/h/known.csv"
# vmm_out_files: --out holds what vmm --help says (and the sweep's manifest.json), no empty samples/ folder
[ -s "$tmp/h/manifest.json" ] || no "vmm_out_files: a sweep's --out has no manifest.json"
[ -e "$tmp/h/samples" ] && no "vmm_out_files: an empty samples/ in a sweep's --out"
"$BB" vmm --sweep "$tmp/h/known.csv" --layout "$P/probe-msix" --vmm "barbench as holes" >"$tmp/out" 2>"$tmp/err" ||
	no "vmm --sweep of holes: exit $? ($(cat "$tmp/err"))"
grep -q "^verdict: barbench as holes on this layout behaves as \`holes\` (3 pages mapped, 1 trapped)" "$tmp/out" ||
	no "vmm --as holes: $(cat "$tmp/out")"
grep -q "0x002000  0x2040/4 .* trapped " "$tmp/out" || no "vmm read the MSI-X table's page at the table: $(cat "$tmp/out")"
"$BB" vmm --device "emu:$P/probe-msix" --as full --samples 31 --out "$tmp/f" >"$tmp/out" 2>&1 || no "vmm --as full: exit $?"
[ "$(paths "$tmp/f/vmm-sweep.csv")" = "0:map 4096:map 8256:map 12288:map " ] || no "vmm --as full: $(paths "$tmp/f/vmm-sweep.csv")"
known_sweep "$tmp/f/vmm-sweep.csv" "$tmp/f/known.csv"
"$BB" vmm --sweep "$tmp/f/known.csv" --layout "$P/probe-msix" >"$tmp/out" 2>&1 || no "vmm --sweep of full: exit $?"
grep -q "one class (every page within 10x of the next): mapped cannot be told from trapped" "$tmp/out" ||
	no "vmm --as full: every page mapped is one class: $(cat "$tmp/out")"
grep -q "^verdict: no page's treatment is known" "$tmp/out" || no "vmm --as full: a verdict from one class"
# the pci: device of the fake tree: every page mapped, and its constants read their values
"$BB" vmm --device "$spec" --samples 31 >"$tmp/out" 2>&1 || no "vmm $spec: exit $? ($(cat "$tmp/out"))"
grep -q "VALUE DIFFERS" "$tmp/out" && no "vmm $spec: a constant read another value"
poke "$dev/resource0" 4096 '\001'
want_err 1 "1 constant registers of probe-msix read another value than the layout's" vmm --device "$spec" --samples 5

# vmm with a trap log: barbench as a sparse VMM over vfio-user; the server logs what reaches it
sock=$tmp/v.sock log=$tmp/vtrap.csv
"$BB" serve --device "emu:$P/probe-sparse" --socket "$sock" --trap-log "$log" --quiet >/dev/null 2>&1 &
spid=$!
for _ in $(seq 300); do [ -S "$sock" ] && break; sleep 0.1; done
"$BB" vmm --device "vfio-user:$sock?layout=$P/probe-sparse" --device "emu:$P/probe-msix" --as sparse --samples 31 \
	--out "$tmp/v" >"$tmp/out" 2>"$tmp/err" || no "vmm over vfio-user: exit $? ($(cat "$tmp/err"))"
grep -q "region 7 is not in layout probe-sparse: not swept" "$tmp/out" || no "config space swept: $(cat "$tmp/out")"
kill -TERM $spid
wait $spid
# the measured sweep reads back, whatever classes its times make; the checks are made on known times
"$BB" vmm --sweep "$tmp/v/vmm-sweep.csv" --layout "$P/probe-sparse" --trap-log "$log" >"$tmp/out" 2>"$tmp/err" ||
	no "vmm --sweep of the measured sweep: exit $? ($(cat "$tmp/err"))"
grep -q "^verdict: " "$tmp/out" || no "vmm --sweep of the measured sweep: no verdict: $(cat "$tmp/out")"
known_sweep "$tmp/v/vmm-sweep.csv" "$tmp/v/known.csv"
"$BB" vmm --sweep "$tmp/v/known.csv" --layout "$P/probe-sparse" --trap-log "$log" --vmm "barbench as sparse" \
	--out "$tmp/v" >"$tmp/out" 2>"$tmp/err" || no "vmm --sweep: exit $? ($(cat "$tmp/err"))"
grep -q "^trap log: the 4 pages found slow are exactly the 4 pages the trap log counted$" "$tmp/out" ||
	no "vmm --sweep: slow pages and the trap log: $(cat "$tmp/out")"
grep -q "^verdict: barbench as sparse on this layout behaves as \`sparse\` (6 pages mapped, 4 trapped)" "$tmp/out" ||
	no "vmm --sweep: verdict: $(cat "$tmp/out")"
grep -q "0x005000  0x5080/4 .* forwarded " "$tmp/out" || no "vmm --sweep: the MSI-X page not forwarded: $(cat "$tmp/out")"
grep -q "^trap log: on every page it counted, exactly the reads the sweep made there" "$tmp/out" ||
	no "vmm --sweep: the log's counts are not the sweep's reads: $(cat "$tmp/out")"
[ -s "$tmp/v/vmm-probe-sparse.csv" ] && [ -s "$tmp/v/vmm-probe-sparse-r0.gp" ] && [ -s "$tmp/v/vmm-probe-sparse-r0.dat" ] ||
	no "vmm --out: files missing: $(ls "$tmp/v")"
[ -e "$tmp/v/samples" ] && no "vmm_out_files: an empty samples/ in an analysis's --out"
# vmm_sweep_samples: --samples goes with --device; with --sweep (whose file holds its samples) it was ignored
"$BB" vmm --sweep "$tmp/v/known.csv" --layout "$P/probe-sparse" --samples 5 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "vmm_sweep_samples: exit $rc, want 2"
grep -q -- "--samples go with --device" "$tmp/err" || no "vmm_sweep_samples: $(cat "$tmp/err")"
# vmm_planted_png: names planted in --out as symlinks (the picture, the temporary gnuplot wrote before) are
# replaced, never written through: gnuplot draws in a private folder, the picture is renamed into place
if command -v gnuplot >/dev/null 2>&1; then
	echo keep >"$tmp/victim"
	rm -f "$tmp/v/vmm-probe-sparse-r0.png"
	ln -s "$tmp/victim" "$tmp/v/vmm-probe-sparse-r0.png"
	ln -s "$tmp/victim" "$tmp/v/vmm-probe-sparse-r0.png.tmp"
	"$BB" vmm --sweep "$tmp/v/vmm-sweep.csv" --layout "$P/probe-sparse" --out "$tmp/v" >"$tmp/out" 2>"$tmp/err" ||
		no "vmm_planted_png: exit $? ($(cat "$tmp/err"))"
	[ "$(cat "$tmp/victim")" = keep ] || no "vmm_planted_png: gnuplot wrote through a symlink planted in --out"
	[ -f "$tmp/v/vmm-probe-sparse-r0.png" ] && [ ! -L "$tmp/v/vmm-probe-sparse-r0.png" ] ||
		no "vmm_planted_png: the picture is not a file barbench drew: $(ls -l "$tmp/v")"
	ls -a "$tmp/v" | grep -q '^\.draw-' && no "vmm_planted_png: a drawing folder was left: $(ls -a "$tmp/v")"
	rm -f "$tmp/v/vmm-probe-sparse-r0.png.tmp"
fi
# the other device of the same sweep, without its (absent) log: the emulated device's pread page is emulated
"$BB" vmm --sweep "$tmp/v/known.csv" --layout "$P/probe-msix" >"$tmp/out" 2>&1 || no "vmm --sweep probe-msix: exit $?"
grep -q "0x002000  0x2040/4 .* emulated " "$tmp/out" || no "pread between mapped and messages is not emulated: $(cat "$tmp/out")"

# refusals: exit 2 naming the input
want_err 2 "vmm: give --device (sweep now) or --sweep FILE" vmm
want_err 2 "--sweep needs --layout" vmm --sweep "$tmp/v/vmm-sweep.csv"
want_err 2 "has a trap path: say which plan barbench applies as the VMM (--as POLICY)" vmm --device "emu:$P/probe-msix"
want_err 2 "has no trap path: what traps is the VMM's business" vmm --device "$spec" --as holes
want_err 2 "a sweep needs a layout" vmm --device "pci:0000:00:05.0?sysfs=$tmp/sys"
want_err 2 "--as bogus: no such policy" vmm --device "emu:$P/probe-msix" --as bogus
want_err 2 "holds no page of layout nvme-msix-bar0" vmm --sweep "$tmp/v/vmm-sweep.csv" --layout "$SRC/layouts/nvme-msix-bar0"
sed '3s/,map,/,fast,/' "$tmp/v/vmm-sweep.csv" >"$tmp/bad.csv"
want_err 2 "bad.csv:3: path 'fast': want map or trap" vmm --sweep "$tmp/bad.csv" --layout "$P/probe-sparse"
printf 'region,offset,width,op,count,total_ns\n0,0x4000,4,read,0,1\n' >"$tmp/badlog.csv"
want_err 2 "badlog.csv:2: count 0" vmm --sweep "$tmp/v/vmm-sweep.csv" --layout "$P/probe-sparse" --trap-log "$tmp/badlog.csv"
ln -s "$tmp/v/vmm-sweep.csv" "$tmp/link.csv"
want_err 2 "link.csv" vmm --sweep "$tmp/link.csv" --layout "$P/probe-sparse"

[ $fail -eq 0 ] && echo "cli_vmm: ok"
exit $fail
