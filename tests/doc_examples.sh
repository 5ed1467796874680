#!/bin/bash
# The README's shown sessions are what barbench prints: every code block line
# "$ build/barbench ..." (in README.md, docs/*.md, layouts/README.md,
# studies/README.md) is run from the source folder with this build's barbench,
# and the lines shown after it, up to the block's end, must be its output in
# order ("..." skips any number of lines; trailing blanks are not compared).
# The README's layout new example once showed comments the output did not have.
# usage: doc_examples.sh BARBENCH SOURCE_DIR
set -u
BB=$1 SRC=$2
. "$(dirname "$0")/lib.sh"
case $BB in /*) ;; *) BB=$PWD/$BB ;; esac
n=0

# compare EXPECTED ACTUAL WHERE: the lines of EXPECTED, "..." a gap, in order in ACTUAL
compare() {
	python3 - "$1" "$2" "$3" <<'P' || fail=1
import sys
want = [l.rstrip() for l in open(sys.argv[1]).read().splitlines()]
got = [l.rstrip() for l in open(sys.argv[2]).read().splitlines()]
where = sys.argv[3]
i = 0
gap = False
for w in want:
    if w == "...":
        gap = True
        continue
    while gap and i < len(got) and got[i] != w:
        i += 1
    if i >= len(got) or got[i] != w:
        print(f"FAIL: {where}: shown line not printed (at output line {i + 1}):\n  shown: {w}\n  got:   {got[i] if i < len(got) else '(end of output)'}", file=sys.stderr)
        sys.exit(1)
    i += 1
    gap = False
if i < len(got) and not gap:
    print(f"FAIL: {where}: output goes on past what is shown: {got[i]}", file=sys.stderr)
    sys.exit(1)
P
}

cd "$SRC" || exit 1
for doc in README.md docs/*.md layouts/README.md studies/README.md; do
	[ -f "$doc" ] || continue
	inblock=0 cmd= line=0 at=0
	: >"$tmp/want"
	while IFS= read -r l; do
		line=$((line + 1))
		if [ "${l:0:3}" = '```' ]; then
			if [ -n "$cmd" ]; then
				(cd "$SRC" && bash -c "${cmd/#build\/barbench/$BB}") >"$tmp/got" 2>"$tmp/err" ||
					no "$doc:$at: \$ $cmd: exit $? ($(head -c 300 "$tmp/err"))"
				compare "$tmp/want" "$tmp/got" "$doc:$at"
				n=$((n + 1))
			fi
			inblock=$((1 - inblock)) cmd=
			: >"$tmp/want"
			continue
		fi
		[ $inblock -eq 1 ] || continue
		case $l in
		'$ build/barbench '*)
			cmd=${l#\$ } at=$line
			: >"$tmp/want"
			;;
		*) [ -n "$cmd" ] && printf '%s\n' "$l" >>"$tmp/want" ;;
		esac
	done <"$doc"
done
[ $n -ge 2 ] || no "only $n shown sessions found in the docs"
[ $fail -eq 0 ] && echo "doc_examples: ok ($n sessions)"
exit $fail
