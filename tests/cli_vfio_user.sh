#!/bin/sh
# barbench run and calibrate on vfio-user:SOCKET devices served by barbench
# serve: every shipped layout and region, every policy, two page sizes, host
# runner (the trap path is a message round trip: trap_syscalls counts
# messages, one per trapped access); every workload with ?layout=; the
# guest runner when /dev/kvm works (else said so, not failed); calibrate's
# message/pread/mapped figures; serve's usage errors and a clean stop on
# SIGINT and SIGTERM.  Nothing here passes or fails on time.
# usage: cli_vfio_user.sh BARBENCH LAYOUT_DIR
set -u
BB=$1 LAYOUTS=$2
. "$(dirname "$0")/lib.sh"

# stop the server lib.sh's serve started, by SIG: a clean stop
stop() { # SIG
	[ -n "$bg" ] || return
	kill -"$1" $bg
	wait $bg
	rc=$?
	[ $rc -eq 0 ] || no "serve stopped by $1: exit $rc ($(cat "$tmp/serve.err"))"
	[ -e "$tmp/s" ] && no "serve left its socket behind"
	grep -q "^barbench serve: stopped after" "$tmp/serve.out" || no "serve: no summary line"
	bg=
}

check_csv() { # FILE RUNNER
	csv_rows "$1" runner,policy,trapped_share,accesses,trap_syscalls,trapped_accesses,p50_ns,ops_s '
		ts = $col["trapped_share"]; pol = $col["policy"]; acc = $col["accesses"]
		if ($col["runner"] != runner) { print file ":" NR ": runner " $col["runner"]; bad = 1 }
		if (pol == "full" && ts != 0) { print file ":" NR ": full run with trapped_share " ts; bad = 1 }
		if (pol == "trap" && ts != 1) { print file ":" NR ": trap run with trapped_share " ts; bad = 1 }
		# every trapped access is one message (trapped_share is that of the workload, whatever the batches)
		if (runner == "host" && $col["trap_syscalls"] != $col["trapped_accesses"]) { print file ":" NR ": " $col["trap_syscalls"] " messages for " $col["trapped_accesses"] " trapped accesses"; bad = 1 }
		if (runner == "guest" && $col["trap_syscalls"] != $col["mmio_exits"]) { print file ":" NR ": messages != MMIO exits"; bad = 1 }
		if (!($col["p50_ns"] >= 0) || $col["ops_s"] <= 0) { print file ":" NR ": p50_ns or ops_s"; bad = 1 }' -v runner="$2"
	"$JQ" "$(dirname "$1")/manifest.json" 'd["complete"] is True' || no "manifest of $1 not complete"
	"$JQ" "$(dirname "$1")/manifest.json" 'd["device"].startswith("vfio-user:")' || no "manifest of $1: device"
}

# every shipped layout and region (config space, region 7, once), every policy, host runner
n=0
for l in "$LAYOUTS"/*; do
	case "$l" in *.md) continue ;; esac
	serve "$l" || continue
	# index:writable, from what emu: reports
	regions=$("$BB" info "emu:$l" --json |
		"$JQ" - -p '" ".join("%d:%s" % (r["index"], "w" if "write" in r["flags"] else "r") for r in d["regions"])')
	[ $n -eq 0 ] && regions="$regions 7:w"
	for rw in $regions; do
		r=${rw%%:*}
		# a write to a region without the WRITE flag is refused, as vfio-pci does
		wl=lat-read,sweep
		[ "${rw#*:}" = w ] && wl=lat-read,lat-write,sweep
		n=$((n + 1))
		d="$tmp/l$n"
		"$BB" run --device "vfio-user:$tmp/s" --region "$r" --out "$d" --policy all --page-size 4K,64K \
			--workload "$wl" --samples 30 --warmup 5 >"$tmp/out" 2>"$tmp/err" ||
			{ no "vfio-user:$l region $r: $(cat "$tmp/err")"; continue; }
		# a BAR that holds only the MSI-X table (spdk-vfio-user-nvme BAR4) has nothing
		# a vfio-user client may touch: every run is skipped, saying so
		if [ "$(wc -l <"$d/runs.csv")" -eq 1 ] && grep -q "^skipped: .*has nothing the layout lets us read" "$tmp/out"; then
			continue
		fi
		check_csv "$d/runs.csv" host
	done
	stop TERM
done
[ $n -ge 20 ] || no "only $n regions measured"

# every workload with the layout's names and hotness (layout=); SIGINT stops the server
serve "$LAYOUTS/nvme-msix-bar0-pre416"
"$BB" run --device "vfio-user:$tmp/s?layout=nvme-msix-bar0-pre416" --region 0 --out "$tmp/all" --page-size 4K,64K --samples 50 \
	--workload lat-read,lat-write,doorbell,stream-read,stream-write,mix,sweep >"$tmp/out" 2>"$tmp/err" ||
	no "all workloads: $(cat "$tmp/err")"
check_csv "$tmp/all/runs.csv" host
rows=$(($(wc -l <"$tmp/all/runs.csv") - 1))
[ "$rows" -ge 50 ] || no "all workloads: only $rows runs"
# sparse at 4K maps both areas: the doorbells are reached without a message
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["policy"] == "sparse" && $c["page_size_bytes"] == 4096 && $c["workload"] == "doorbell" { seen = 1; if ($c["trap_syscalls"] != 0) bad = 1 }
	END { exit !seen || bad }' "$tmp/all/runs.csv" || no "sparse 4K doorbells went through messages"

# msix_untouched_vfio_user: a vfio-user server may front real hardware: a replay trace
# that writes the MSI-X table (0x2000) or reads the PBA (0x3000) is refused, with the layout
# given and with the placement the client reads from config space
printf '0x1000 4 r\n0x2000 4 w\n' >"$tmp/msix.trace"
printf '0x3000 8 r\n' >"$tmp/pba.trace"
for spec in "vfio-user:$tmp/s?layout=nvme-msix-bar0-pre416" "vfio-user:$tmp/s"; do
	for t in msix pba; do
		"$BB" run --device "$spec" --region 0 --out "$tmp/msix" --policy trap --workload "replay:$tmp/$t.trace" \
			--samples 5 >/dev/null 2>"$tmp/err"
		rc=$?
		[ $rc -eq 2 ] || no "$t trace on $spec: exit $rc, want 2 ($(cat "$tmp/err"))"
		grep -q "touches a range the layout forbids (the MSI-X table and PBA are never touched here)" "$tmp/err" ||
			no "$t trace on $spec: $(cat "$tmp/err")"
	done
done

# layout_msix_vs_config: a layout= whose MSI-X table sits elsewhere than the server's config space says
# is refused (it was taken as it was, and a workload then read and wrote the server's real table)
sed 's/table-offset=0x2000/table-offset=0x2800/' "$LAYOUTS/nvme-msix-bar0-pre416" >"$tmp/moved.layout"
"$BB" info "vfio-user:$tmp/s?layout=$tmp/moved.layout" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "layout_msix_vs_config: exit $rc, want 2 ($(cat "$tmp/err"))"
grep -q "says 32 vectors, table BAR0+0x2800, PBA BAR0+0x3000; the device's config space says 32 vectors, table BAR0+0x2000" \
	"$tmp/err" || no "layout_msix_vs_config: $(cat "$tmp/err")"

# connect_timeout: a listener that never accepts, its backlog full: the client gives up after
# timeout= with a failure (exit 1) saying so, not "Resource temporarily unavailable"
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0)
held = []
for _ in range(4):
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try: c.connect(sys.argv[1])
    except OSError: pass
    held.append(c)
open(sys.argv[1] + ".ready", "w").close()
time.sleep(30)' "$tmp/full" &
	full=$!
	i=0
	while [ ! -e "$tmp/full.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	"$BB" info "vfio-user:$tmp/full?timeout=300" >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || no "connect timeout: exit $rc, want 1 ($(cat "$tmp/err"))"
	grep -q "connect: no room in the server's queue within 300 ms" "$tmp/err" || no "connect timeout: $(cat "$tmp/err")"
	kill $full 2>/dev/null
	wait $full 2>/dev/null
fi

# the guest runner over vfio-user (MMIO exits become messages)
if "$BB" run --runner guest --device "vfio-user:$tmp/s" --region 0 --out "$tmp/gprobe" --policy trap --samples 1 --warmup 0 \
	>/dev/null 2>"$tmp/err"; then
	"$BB" run --runner guest --device "vfio-user:$tmp/s?layout=nvme-msix-bar0-pre416" --region 0 --out "$tmp/guest" \
		--policy all --page-size 4K,64K --workload lat-read,doorbell --samples 10 --warmup 2 >/dev/null 2>"$tmp/err" ||
		no "guest: $(cat "$tmp/err")"
	check_csv "$tmp/guest/runs.csv" guest
	echo "cli_vfio_user: guest runner tested"
elif grep -q '/dev/kvm' "$tmp/err"; then
	echo "cli_vfio_user: guest runner not tested here: $(cat "$tmp/err")"
else
	no "guest probe: $(cat "$tmp/err")"
fi

# calibrate: the message round trip beside pread and a mapped access
"$BB" calibrate --device "vfio-user:$tmp/s" --samples 2000 --reps 1 --json >"$tmp/cal" 2>"$tmp/err" ||
	no "calibrate: $(cat "$tmp/err")"
for k in mapped_read trapped_read trapped_write pread_read pwrite_write; do
	"$JQ" "$tmp/cal" '[p["p50_ns"] is not None for p in d["paths"] if p["path"] == "'$k'"] == [True]' || no "calibrate --json: no $k"
done
"$JQ" "$tmp/cal" 'd["reference_device"].startswith("emu:")' || no "calibrate --json: no reference device"
"$BB" calibrate --device "vfio-user:$tmp/s" --samples 1000 --reps 1 >"$tmp/cal" 2>"$tmp/err" || no "calibrate: $(cat "$tmp/err")"
grep -q "a read by message costs .*x a pread and .*x a mapped read" "$tmp/cal" || no "calibrate: no comparison line"
stop INT

# serve: bad input
bad() { # WANT ARGS...
	want=$1
	shift
	"$BB" serve "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq "$want" ] || no "serve $*: exit $rc, want $want ($(cat "$tmp/err"))"
}
bad 2 --device emu:layouts/nvme-msix-bar0
bad 2 --socket "$tmp/x"
bad 2 --device "vfio-user:$tmp/s" --socket "$tmp/x"
grep -q "a vfio-user device's regions cannot be handed to a client" "$tmp/err" || no "serve of vfio-user: $(cat "$tmp/err")"
# serve_not_shareable: the backend's ops say it cannot share its regions: refused before the device is opened
bad 2 --device pci:0000:00:00.0 --socket "$tmp/x"
grep -q "a pci device's regions cannot be handed to a client" "$tmp/err" || no "serve of pci: $(cat "$tmp/err")"
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/x" --max-data-xfer 0
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/x" --bogus
bad 2 --device emu:nosuchlayout --socket "$tmp/x"
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/x" --max-clients 0
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/x" --max-clients 1025
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/x" --socket-mode 0999
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/x" --socket-mode 0066
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/x" --allow-uid nobody
# a device whose memfds a fault truncates cannot be sealed, so it is not served
bad 2 --device 'emu:layouts/nvme-msix-bar0?fault=truncate-after:3' --socket "$tmp/x"
grep -q "a sealed device cannot lose its size" "$tmp/err" || no "serve with truncate-after: $(cat "$tmp/err")"
[ -e "$tmp/x" ] && no "a refused serve left a socket behind"
: >"$tmp/file"
bad 1 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/file"
grep -q "exists and is not a socket" "$tmp/err" || no "serve onto a file: $(cat "$tmp/err")"
[ -f "$tmp/file" ] || no "serve removed a regular file"
# serve_socket_fails: a socket that cannot be made where asked is the socket failing (1, as serve --help says;
# it was 2), named as given (the message named the temporary PATH.PID.tmp)
bad 1 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/no-such-folder/s"
grep -qF "$tmp/no-such-folder/s: bind: No such file or directory" "$tmp/err" || no "serve_socket_fails: $(cat "$tmp/err")"
bad 2 --device emu:layouts/nvme-msix-bar0 --socket "$tmp/$(printf '%0120d' 0)"
grep -q "a socket path has at most" "$tmp/err" || no "serve with a long path: $(cat "$tmp/err")"
"$BB" run --device "vfio-user:$tmp/nobody" --out "$tmp/x" >/dev/null 2>"$tmp/err" && no "run with no server succeeded"
grep -q "connect" "$tmp/err" || no "no server: $(cat "$tmp/err")"

[ $fail -eq 0 ] && echo "cli_vfio_user: ok ($n regions)"
exit $fail
