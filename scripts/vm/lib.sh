# shellcheck shell=sh
# scripts/vm/lib.sh: what the VM tests share; sourced (". scripts/vm/lib.sh")
# by scripts/vm/run-test (vm_vfio) and scripts/vm/run-nested-test
# (vm_guest_nested), never run by itself.  Every step caches in the VM
# tests' folder OUTDIR (default build/vm), so the second test and the next
# run download and build nothing new:
#
#   OUTDIR/kernel/PKG/        the kernel package's bzImage, vmlinux and modules
#   OUTDIR/uapi/VERSION/      Debian trixie's linux-libc-dev (>= 6.6 UAPI headers)
#   OUTDIR/build-static/      barbench, test_vfio_dev and test_guest, static
#   OUTDIR/results/NAME       each test's verdict: "PASS ...", "FAIL: why" or
#                             "SKIP: why", and on line 2 what it tests
#                             (scripts/test prints a banner for every VM
#                             test that did not run)
#
# The caller sets root (the source tree) and calls vm_setup NAME WHAT OUTDIR first.

# vm_setup NAME WHAT OUTDIR: the test's name (its ctest name), what it tests
# (for scripts/test's banner when it did not run) and the shared folder
vm_setup() {
	: "${root:?scripts/vm/lib.sh: the caller sets root, the source tree}"
	vm_name=$1
	vm_what=$2
	out=$3
	mkdir -p "$out/results"
	out=$(cd "$out" && pwd)
	vm_result=$out/results/$vm_name
	rm -f "$vm_result"
	t0=$(date +%s)
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
	fi
	apt_updated=0
}

say() { echo "$vm_name: $*"; }
verdict() { printf '%s\n%s\n' "$1" "$vm_what" >"$vm_result"; }
skip() { say "SKIP: $*"; verdict "SKIP: $*"; exit 77; }
fail() { say "FAIL: $*"; verdict "FAIL: $*"; exit 1; }
pass() { say "PASS: $*"; verdict "PASS: $*"; exit 0; }

apt_update() {
	[ "$apt_updated" -eq 1 ] && return 0
	apt_updated=1
	$SUDO apt-get update -qq >"$out/apt.log" 2>&1
}

# --- tools: qemu-system-x86, busybox-static, xz-utils (root or sudo) ----------
static_busybox() {
	b=$(command -v busybox 2>/dev/null) || return 1
	! readelf -l "$b" 2>/dev/null | grep -q "program interpreter"
}
vm_tools() {
	if command -v qemu-system-x86_64 >/dev/null 2>&1 && static_busybox && command -v xz >/dev/null 2>&1; then
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 || skip "no qemu-system-x86_64 / static busybox / xz, and no apt-get to install them"
	[ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ] || skip "installing qemu-system-x86 busybox-static xz-utils needs root or sudo"
	say "installing qemu-system-x86 busybox-static xz-utils"
	if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		qemu-system-x86 busybox-static xz-utils >"$out/apt.log" 2>&1; then
		apt_update || true
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
			qemu-system-x86 busybox-static xz-utils >>"$out/apt.log" 2>&1 ||
			skip "apt-get install qemu-system-x86 busybox-static xz-utils failed (see $out/apt.log)"
	fi
	static_busybox || skip "busybox is still not statically linked"
}

# --- the kernel: Debian's linux-image-amd64 (the package it depends on) --------
# Sets kpkg, kdir (the package's root, only what the tests need) and kernel
# (the vmlinux for QEMU's faster PVH boot, else the bzImage).  What is kept:
# the bzImage; vfio-pci and its modules (vm_vfio); kvm, kvm-amd and ccp
# (vm_guest_nested); irqbypass (both).  The list is written into .complete,
# so a cache made with another list is extracted again.
vm_kernel_files="*boot/vmlinuz-* */drivers/vfio/* */virt/lib/irqbypass.ko* */arch/x86/kvm/kvm.ko* */arch/x86/kvm/kvm-amd.ko* */drivers/crypto/ccp/ccp.ko*"
kpkg_of() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1; }
vm_kernel() {
	kpkg=$(kpkg_of)
	if [ -z "$kpkg" ]; then
		apt_update || true
		kpkg=$(kpkg_of)
	fi
	[ -n "$kpkg" ] || skip "apt knows no linux-image-amd64 (apt-get update failed? see $out/apt.log)"
	kdir="$out/kernel/$kpkg"
	if [ ! -f "$kdir/.complete" ] || [ "$(cat "$kdir/.complete")" != "$vm_kernel_files" ]; then
		say "downloading $kpkg"
		rm -rf "$kdir" "$kdir.tmp" "$out/kernel/dl"
		mkdir -p "$out/kernel/dl"
		# _apt cannot write into a root-owned folder: apt then downloads as root and says so
		(cd "$out/kernel/dl" && apt-get download "$kpkg" >"$out/kernel/download.log" 2>&1) ||
			{ apt_update || true; (cd "$out/kernel/dl" && apt-get download "$kpkg" >>"$out/kernel/download.log" 2>&1); } ||
			skip "apt-get download $kpkg failed (see $out/kernel/download.log)"
		mkdir -p "$kdir.tmp"
		# only what the tests need (the whole package unpacks to ~400 MB)
		# shellcheck disable=SC2086
		dpkg-deb --fsys-tarfile "$out/kernel/dl/"*.deb |
			tar -x -C "$kdir.tmp" --wildcards $vm_kernel_files || fail "extracting $kpkg failed"
		rm -rf "$out/kernel/dl"
		printf '%s' "$vm_kernel_files" >"$kdir.tmp/.complete"
		mv "$kdir.tmp" "$kdir"
	fi
	bzimage=$(find "$kdir" -name 'vmlinuz-*' | head -n 1)
	[ -n "$bzimage" ] || fail "no vmlinuz in $kpkg"
	kernel=$kdir/vmlinux
	if [ ! -f "$kernel" ]; then
		if ! "$root/scripts/vm/extract-vmlinux" "$bzimage" "$kernel" 2>"$out/extract.log"; then
			say "no vmlinux ($(cat "$out/extract.log")): booting the bzImage (slower)"
			kernel=$bzimage
		fi
	fi
}

# --- UAPI headers >= 6.6: Debian trixie's linux-libc-dev -----------------------
# Debian 12's own headers (6.1) lack <linux/iommufd.h> and the vfio cdev
# ioctls, so the static build would leave barbench's iommufd path out.  The
# package is fetched with a private apt configuration in OUTDIR/uapi/apt (its
# own sources.list naming trixie on the mirror the system's apt uses, its own
# lists and cache: the system's apt sources and state are not touched) and
# only linux/, asm-generic/ and the machine's asm/ are extracted into
# OUTDIR/uapi/VERSION/include, never installed.  Kept once extracted: remove
# OUTDIR/uapi to take a newer one.  Sets uapi_inc, uapi_ver and uapi_flags.
vm_uapi() {
	triplet=$(gcc -print-multiarch 2>/dev/null || true)
	[ -n "$triplet" ] || triplet=x86_64-linux-gnu
	for c in "$out"/uapi/*/.complete; do
		[ -f "$c" ] || continue
		uapi_ver=$(basename "$(dirname "$c")")
		uapi_inc=$out/uapi/$uapi_ver/include
		uapi_flags="-isystem $uapi_inc -isystem $uapi_inc/$triplet"
		return 0
	done
	say "downloading Debian trixie's linux-libc-dev (UAPI headers for the iommufd path)"
	a=$out/uapi/apt
	rm -rf "$a"
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/parts" "$a/prefs" "$a/dl"
	: >"$a/status"
	# the mirror of the system's own Debian suite (bookworm: no -updates, no -security)
	# shellcheck disable=SC2016
	mirror=$(apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(ORIGIN)' 2>/dev/null |
		awk '$3 == "Debian" && $2 != "" && $2 !~ /-/ { print $1; exit }')
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian/
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	echo "deb [signed-by=$keyring] $mirror trixie main" >"$a/sources.list"
	set -- -o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/parts" \
		-o "Dir::Etc::PreferencesParts=$a/prefs" -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" \
		-o "Dir::State::status=$a/status" -o "APT::Architectures=amd64"
	apt-get "$@" update >"$out/uapi/apt.log" 2>&1 ||
		skip "apt-get update of Debian trixie ($mirror) in a private apt folder failed (see $out/uapi/apt.log)"
	uapi_ver=$(apt-cache "$@" show linux-libc-dev 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	[ -n "$uapi_ver" ] || skip "Debian trixie lists no linux-libc-dev (see $out/uapi/apt.log)"
	(cd "$a/dl" && apt-get "$@" download "linux-libc-dev=$uapi_ver" >>"$out/uapi/apt.log" 2>&1) ||
		skip "apt-get download linux-libc-dev=$uapi_ver (trixie) failed (see $out/uapi/apt.log)"
	d=$out/uapi/$uapi_ver
	rm -rf "$d"
	mkdir -p "$d/x"
	dpkg-deb --fsys-tarfile "$a/dl/"*.deb | tar -x -C "$d/x" --wildcards './usr/include/linux/*' \
		'./usr/include/asm-generic/*' "./usr/include/$triplet/asm/*" ||
		fail "extracting trixie's linux-libc-dev $uapi_ver failed"
	mv "$d/x/usr/include" "$d/include"
	rm -rf "$d/x" "$a"
	[ -f "$d/include/linux/iommufd.h" ] || fail "trixie's linux-libc-dev $uapi_ver has no linux/iommufd.h"
	touch "$d/.complete"
	uapi_inc=$d/include
	uapi_flags="-isystem $uapi_inc -isystem $uapi_inc/$triplet"
}

# --- barbench, statically, with those headers -----------------------------------
# One build for every VM test (ctest runs them one at a time: RUN_SERIAL).
vm_static_build() {
	say "building barbench statically in $out/build-static (UAPI headers: trixie's linux-libc-dev $uapi_ver)"
	cmake -S "$root" -B "$out/build-static" -DBB_STATIC=ON -DBB_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		"-DCMAKE_C_FLAGS=$uapi_flags" >"$out/build-static.log" 2>&1 ||
		fail "configuring the static build failed (see $out/build-static.log)"
	cmake --build "$out/build-static" -j "$(nproc 2>/dev/null || echo 2)" --target barbench test_vfio_dev test_guest \
		>>"$out/build-static.log" 2>&1 || fail "the static build failed (see $out/build-static.log)"
	# the iommufd path is in: its ioctl names are in the binary's messages
	grep -q VFIO_DEVICE_BIND_IOMMUFD "$out/build-static/barbench" ||
		fail "the static barbench has no iommufd path although built with $uapi_inc"
}

# --- boot and verdict ------------------------------------------------------------
# vm_boot DIR LIMIT QEMU-ARGS...: a TCG q35 guest with one vCPU, serial
# console to DIR/console.log, at most LIMIT seconds; sets boot_rc, t1, t2.
vm_boot() {
	bdir=$1 limit=$2
	shift 2
	rm -f "$bdir/console.log"
	t1=$(date +%s)
	set +e
	timeout -k 10 "$limit" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 1 \
		-display none -monitor none -serial "file:$bdir/console.log" -no-reboot -nic none \
		"$@" >"$bdir/qemu.log" 2>&1 </dev/null
	boot_rc=$?
	set -e
	t2=$(date +%s)
}

# vm_verdict DIR FACTS: the guest's BB-PASS/BB-FAIL/BB-SKIP lines and its
# BB-RESULT; prints the lines matching the regex FACTS; exits 0, 1 or 77.
vm_verdict() {
	bdir=$1
	[ -f "$bdir/console.log" ] || fail "QEMU wrote no console log (exit $boot_rc; see $bdir/qemu.log)"
	tr -d '\r' <"$bdir/console.log" >"$bdir/console.txt"
	grep -E "^BB-($2|FAIL|SKIP)" "$bdir/console.txt" || true
	npass=$(grep -c '^BB-PASS' "$bdir/console.txt" || true)
	nfail=$(grep -c '^BB-FAIL' "$bdir/console.txt" || true)
	times="guest $((t2 - t1)) s, whole test $((t2 - t0)) s"
	if [ "$boot_rc" -eq 124 ] || [ "$boot_rc" -eq 137 ]; then
		fail "the guest did not finish within ${limit} s ($npass passed, $nfail failed; see $bdir/console.log)"
	fi
	why=$(sed -n 's/^BB-SKIP //p' "$bdir/console.txt" | head -n 1)
	[ -z "$why" ] || [ "$nfail" -ne 0 ] || skip "in the guest: $why ($times)"
	if grep -q '^BB-RESULT PASS' "$bdir/console.txt" && [ "$nfail" -eq 0 ]; then
		say "console log: $bdir/console.log"
		pass "$npass checks, $times"
	fi
	grep -q '^BB-RESULT' "$bdir/console.txt" ||
		fail "the guest ended without a result (QEMU exit $boot_rc, $npass passed, $nfail failed; see $bdir/console.log)"
	fail "$nfail of $((npass + nfail)) checks failed in the guest ($times; see $bdir/console.log)"
}
