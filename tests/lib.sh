# The start every tests/cli_*.sh shares, sourced after it has read its
# arguments:  . "$(dirname "$0")/lib.sh"
#   $tmp       a scratch folder, removed on exit
#   $bg        a background process of the test (a server, a study): set it,
#              and it is killed on exit if still there
#   $JQ        tests/jsonq.py (FILE|- EXPR: exit 0 when EXPR of d is true)
#   $fail      1 once a check failed; the test ends with `exit $fail`
#   no TEXT    a failed check: "FAIL: TEXT" on stderr, $fail=1
# and the checks more than one test makes (below).  Every helper only marks
# the test failed: it goes on, and says every failure.
set -u
JQ="$(dirname "$0")/jsonq.py"
tmp=$(mktemp -d)
bg=
trap '[ -n "$bg" ] && kill -9 $bg 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*" >&2; fail=1; }

# want_exit STATUS CMD...: CMD exits STATUS (its stdout in $tmp/out, stderr in $tmp/err)
want_exit() {
	st=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq "$st" ] || no "$*: exit $rc, want $st ($(head -c 300 "$tmp/err"))"
}

# want_err STATUS TEXT ARGS...: barbench ARGS exits STATUS with TEXT on stderr
want_err() {
	want_st=$1 want_text=$2
	shift 2
	want_exit "$want_st" "$BB" "$@"
	grep -qF -- "$want_text" "$tmp/err" || no "$*: stderr lacks '$want_text': $(cat "$tmp/err")"
}

# csv_rows FILE COLUMNS BODY [AWK-ARGS...]: the awk BODY on every row of the
# comma-separated FILE with a header line, col["name"] the index of a column;
# a failure when one of the comma-separated COLUMNS is missing, when there is
# no row, or when BODY sets bad (after printing why)
csv_rows() {
	file=$1 need=$2 body=$3
	shift 3
	awk -F, -v file="$file" -v need="$need" "$@" '
	NR == 1 {
		for (i = 1; i <= NF; i++) col[$i] = i
		n = split(need, want, ",")
		for (k = 1; k <= n; k++) if (!(want[k] in col)) { print file ": no column " want[k]; bad = 1 }
		next
	}
	{ rows++ }
	'"{ $body }"'
	END { if (!rows) { print file ": no rows"; bad = 1 } exit bad }' "$file" || no "$file relations"
}

# serve LAYOUT [ARGS...]: barbench serve of emu:LAYOUT on $tmp/s in the
# background ($bg), once it listens; 1 (and a failure) if it never does
serve() {
	l=$1
	shift
	rm -f "$tmp/s"
	"$BB" serve --device "emu:$l" --socket "$tmp/s" --quiet "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
	bg=$!
	i=0
	# readiness: the socket appears once the server listens
	while [ ! -S "$tmp/s" ] && [ $i -lt 2000 ]; do
		kill -0 $bg 2>/dev/null || { no "serve $l: $(cat "$tmp/serve.err")"; bg=; return 1; }
		sleep 0.01
		i=$((i + 1))
	done
	[ -S "$tmp/s" ] || { no "serve $l never listened"; return 1; }
}

# P50_AWK: an awk function set_p50(N) for a program over runs.csv (c["column"] its header's indices):
# the row's p50_ns becomes N and its other latency figures scale with it, clamped around N, so the
# row stays one a run could have written (runs.csv refuses quantiles out of order or an interval
# that does not hold its median)
P50_AWK='function set_p50(n,   v, f, m, j, x, L) {
	v = $c["p50_ns"] + 0; f = v > 0 ? n / v : 0
	m = split("min_ns p90_ns p99_ns p999_ns max_ns mean_ns stdev_ns ci95_lo_ns ci95_hi_ns tmean_ns", L, " ")
	for (j = 1; j <= m; j++) {
		x = v > 0 ? $c[L[j]] * f : (L[j] == "stdev_ns" ? 0 : n)
		if ((L[j] == "min_ns" || L[j] == "ci95_lo_ns") && x > n) x = n
		if (L[j] ~ /^(p9|max|ci95_hi)/ && x < n) x = n
		$c[L[j]] = sprintf("%.2f", x)
	}
	$c["p50_ns"] = sprintf("%.2f", n)
}'
# set_p50 FILE EXPR: every row of runs.csv FILE gets the median the awk EXPR gives (of v, the old one,
# and $c["column"]), through set_p50
set_p50() {
	awk -F, -v OFS=, "$P50_AWK"'
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
		{ v = $c["p50_ns"] + 0; set_p50('"$2"'); print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# known_sweep IN OUT: the `barbench vmm` sweep file IN with its measured times replaced by known ones,
# by how each page was reached: mapped 6 ns, trapped through a vfio-user message 8 us, any other trap
# path (the emulated device's pread) 250 ns.  The classes, verdicts and trap-log comparisons of
# `vmm --sweep OUT` then follow from the plans, never from the machine's clock (under ASan a mapped
# read took 14 ns against a pread's 263: within 2x of the rule's 10x).
known_sweep() {
	awk -F, -v OFS=, 'NR == 2 { for (i = 1; i <= NF; i++) c[$i] = i }
		NR <= 2 || $c["p50_ns"] == "" { print; next }
		{ t = $c["path"] == "map" ? 6 : $c["device"] ~ /^vfio-user:/ ? 8000 : 250
		  $c["p50_ns"] = $c["min_ns"] = $c["p90_ns"] = sprintf("%.3f", t); print }' "$1" >"$2" &&
		[ "$(grep -c ',map,\|,trap,' "$2")" -gt 0 ] || no "known_sweep: no probed page in $1"
}
