#!/bin/sh
# barbench run --runner guest end to end: every policy x every workload on
# one layout; every shipped layout and region (regions a 32-bit guest cannot
# hold are refused with exit 2 and the reason); ioeventfd; the guest columns
# of runs.csv and their relations (MMIO exits = trapped accesses, memslots
# used = the plan's memslots); the manifest's guest fields; bad input.
# Sample counts are small: on a host that emulates guest instructions every
# one costs microseconds.  Exits 77 when /dev/kvm is missing or unusable.
# usage: cli_guest.sh BARBENCH LAYOUT_DIR
set -u
BB=$1 LAYOUTS=$2
. "$(dirname "$0")/lib.sh"
# a VM test's guest (scripts/vm/init-nested) has busybox and no python3: its JSON checks are then
# said to be skipped (the host's ctest runs them); everything else is checked there
if ! command -v python3 >/dev/null 2>&1; then
	jq_skipped() { echo "cli_guest: no python3 here: JSON check skipped: $*" >&2; return 0; }
	JQ=jq_skipped
fi

# KVM at all?  barbench says why not (exit 1, naming /dev/kvm)
if ! "$BB" run --runner guest --device emu:layouts/nvme-msix-bar0 --out "$tmp/probe" --policy trap \
	--samples 1 --warmup 0 >/dev/null 2>"$tmp/err"; then
	if grep -q '/dev/kvm' "$tmp/err"; then
		echo "cli_guest: SKIP: $(cat "$tmp/err")"
		exit 77
	fi
	no "probe: $(cat "$tmp/err")"
	exit 1
fi

# column relations of a guest runs.csv, by header name
check_csv() { # FILE
	csv_rows "$1" policy,params,runner,workload,samples,p50_ns,accesses,trapped_share,trap_syscalls,memslots,mappings,guest_exec,guest_mode,mmio_exits,io_exits,other_exits,ioeventfd_writes,memslots_used,vm_setup_ns,trapped_accesses '
		where = file ":" NR " (" $col["policy"] " " $col["workload"] ")"
		acc = $col["accesses"]; mmio = $col["mmio_exits"]; iofd = $col["ioeventfd_writes"]
		trapped = $col["trapped_accesses"]	# trapped_share is that of the workload, whatever the batches
		if ($col["runner"] != "guest" || $col["guest_mode"] != "protected32") { print where ": runner or guest_mode"; bad = 1 }
		if ($col["guest_exec"] != "native" && $col["guest_exec"] != "emulated") { print where ": guest_exec " $col["guest_exec"]; bad = 1 }
		if (mmio + iofd != trapped) { print where ": " mmio " MMIO exits + " iofd " ioeventfd writes for " trapped " trapped accesses"; bad = 1 }
		if ($col["trap_syscalls"] != mmio) { print where ": trap syscalls " $col["trap_syscalls"] " != MMIO exits " mmio; bad = 1 }
		if ($col["io_exits"] != 1) { print where ": io_exits " $col["io_exits"]; bad = 1 }
		if ($col["memslots_used"] != $col["memslots"]) { print where ": memslots_used " $col["memslots_used"] " != memslots " $col["memslots"]; bad = 1 }
		if ($col["policy"] == "full" && mmio != 0) { print where ": full with MMIO exits"; bad = 1 }
		if ($col["policy"] == "trap" && (mmio + iofd != acc || $col["memslots_used"] != 0)) { print where ": trap run"; bad = 1 }
		if ($col["params"] !~ /ioeventfd=1/ && iofd != 0) { print where ": ioeventfd writes without ioeventfd"; bad = 1 }
		if (!($col["vm_setup_ns"] > 0) || !($col["p50_ns"] >= 0)) { print where ": vm_setup_ns or p50_ns"; bad = 1 }'
	m="$(dirname "$1")/manifest.json"
	"$JQ" "$m" 'd["runner"] == "guest"' || no "$m: runner"
	"$JQ" "$m" 'd["guest_exec"] in ("native", "emulated") and d["guest_exec_ratio"] > 0 and d["guest_mode"] == "protected32"' ||
		no "$m: guest fields"
	"$JQ" "$m" 'd["complete"] is True' || no "$m: not complete"
}

# every policy x every workload x two page sizes on one layout
printf '0x1008 4 w\n0x1008 4 r\n0x2000 8 w\n0x2000 8 r\n0x3000 2 w\n0x1c 4 r\n' >"$tmp/trace"
"$BB" run --runner guest --device emu:layouts/nvme-msix-bar0 --out "$tmp/all" --page-size 4K,64K --samples 10 \
	--warmup 2 --workload lat-read,lat-write,doorbell,stream-read,stream-write,mix,sweep,replay:"$tmp/trace" \
	>"$tmp/out" 2>"$tmp/err" || no "run all: $(cat "$tmp/err")"
check_csv "$tmp/all/runs.csv"
rows=$(($(wc -l <"$tmp/all/runs.csv") - 1))
[ "$rows" -ge 80 ] || no "all: $rows runs, want every policy x 2 pages x 8 workloads (>= 80)"
grep -q "^guest: protected32, guest_exec=" "$tmp/out" || no "no guest line in the summary"

# ioeventfd: doorbell writes to a trapped window make no exit, the eventfd counts them
"$BB" run --runner guest --device emu:layouts/nvme-msix-bar0 --out "$tmp/iofd" --policy trap,full --samples 10 \
	--workload doorbell,lat-read --param ioeventfd=1 >/dev/null 2>"$tmp/err" || no "ioeventfd: $(cat "$tmp/err")"
check_csv "$tmp/iofd/runs.csv"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	$col["policy"] == "trap" && $col["workload"] == "doorbell" {
		seen = 1
		if ($col["params"] != "ioeventfd=1" || $col["mmio_exits"] != 0 || $col["ioeventfd_writes"] != $col["accesses"]) bad = 1
	}
	$col["policy"] == "trap" && $col["workload"] == "lat-read" && $col["mmio_exits"] != $col["accesses"] { bad = 1 }
	END { exit !seen || bad }' "$tmp/iofd/runs.csv" || no "ioeventfd: doorbell writes still exit or are not counted"
"$JQ" "$tmp/iofd/manifest.json" 'd["ioeventfd"] is True' || no "ioeventfd not in the manifest"

# every shipped layout and region: measured, or refused with the reason when it cannot sit below 4 GiB
n=0 refused=0
for l in "$LAYOUTS"/*; do
	case "$l" in *.md) continue ;; esac
	# "region N (NAME): size 0xS ..." lines of info: no JSON reader needed (the VM test's guest has none)
	for rs in $("$BB" info "emu:$l" | awk '/^region [0-9]+ .*: size 0x/ { s = $5; sub(/^0x/, "", s)
		printf "%d:%s\n", $2, s }'); do
		r=${rs%%:*} size=$((0x${rs#*:}))
		n=$((n + 1))
		d="$tmp/l$n"
		"$BB" run --runner guest --device "emu:$l" --region "$r" --out "$d" --workload lat-read,sweep \
			--page-size 4K,64K --samples 20 --warmup 2 >/dev/null 2>"$tmp/err"
		rc=$?
		if [ "$size" -gt $((0xfec00000 - (1 << 30))) ]; then
			refused=$((refused + 1))
			[ $rc -eq 2 ] || no "emu:$l region $r ($size bytes): exit $rc, want 2"
			grep -q "region $r is .* GiB: the guest runs in 32-bit protected mode.*takes regions up to 3052 MiB" "$tmp/err" ||
				no "emu:$l region $r: refusal not explained: $(cat "$tmp/err")"
			[ -e "$d/runs.csv" ] && no "emu:$l region $r: refused but wrote runs.csv"
			continue
		fi
		[ $rc -eq 0 ] || { no "emu:$l region $r: $(cat "$tmp/err")"; continue; }
		check_csv "$d/runs.csv"
	done
done
[ $n -ge 20 ] || no "only $n regions tried"
[ $refused -ge 1 ] || no "no region was too large: the refusal path went untested"

# bad input
bad() { "$BB" run "$@" >/dev/null 2>"$tmp/err"; rc=$?; [ $rc -eq 2 ] || no "run $*: exit $rc, want 2 ($(cat "$tmp/err"))"; }
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --param ioeventfd=1
grep -q "a parameter of the guest runner" "$tmp/err" || no "ioeventfd with host: $(cat "$tmp/err")"
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --runner guest --param ioeventfd=yes
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --runner guest --param nosuch=1
bad --device emu:layouts/nvme-msix-bar0 --out "$tmp/x" --runner vm

[ $fail -eq 0 ] && echo "cli_guest: ok ($n regions, $refused refused)"
exit $fail
