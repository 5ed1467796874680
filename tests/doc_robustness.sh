#!/bin/sh
# docs/robustness.md is kept true by the tests it names: every table row
# that names a test as `FILE` `CASE` must name a file that exists and a case
# found verbatim in it; every malformed capability chain of
# tests/test_region.c, hostile lspci dump of tests/test_lspci.c, bad layout of
# tests/test_layout.c and bad study file of tests/cli_study.sh is in the table; at least 40 rows in all.
# usage: doc_robustness.sh SOURCE_DIR
set -u
cd "$1" || exit 1
DOC=docs/robustness.md
fail=0
no() { echo "FAIL: $*" >&2; fail=1; }
[ -f $DOC ] || { echo "FAIL: no $DOC" >&2; exit 1; }

rows=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# the last cell of each table row: `FILE` `CASE` (a `\|` in a cell is a literal |)
grep '^| ' $DOC | grep -v '^| ---' | while IFS= read -r row; do
	cell=$(printf '%s\n' "$row" | sed 's/\\|/\x01/g' | awk -F'|' '{ print $(NF-1) }' | tr '\001' '|')
	file=$(printf '%s\n' "$cell" | sed -n 's/^ *`\([^`]*\)`.*/\1/p')
	case "$file" in
	tests/* | fuzz/* | scripts/* | bench/* | core/*) ;;
	*) continue ;;
	esac
	echo row >>"$tmp"
	[ -e "$file" ] || { echo "FAIL: $DOC: $file does not exist: $row" >&2; echo bad >>"$tmp"; continue; }
	case_=$(printf '%s\n' "$cell" | sed -n 's/^ *`[^`]*` *`\(.*\)` *$/\1/p')
	[ -z "$case_" ] && continue
	grep -qF -- "$case_" "$file" || { echo "FAIL: $DOC: '$case_' not found in $file" >&2; echo bad >>"$tmp"; }
done
rows=$(grep -c '^row$' "$tmp")
grep -q '^bad$' "$tmp" && fail=1
[ "$rows" -ge 40 ] || no "$DOC: $rows rows naming their test, want at least 40"

# nothing the tests try is missing from the table
for c in $(sed -n 's/^BAD(\([a-z0-9_]*\),.*/\1/p' tests/test_region.c); do
	grep -qF "| \`tests/test_region.c\` \`$c\` |" $DOC || no "$DOC: capability chain case $c missing"
done
for c in $(sed -n 's/^[[:space:]]*BAD2*(\([a-z0-9_]*\),.*/\1/p' tests/test_lspci.c); do
	grep -qF "| \`tests/test_lspci.c\` \`$c\` |" $DOC || no "$DOC: lspci case $c missing"
done
sed -n 's/^.*"\(t:[0-9]*: [^"]*\)" },$/\1/p' tests/test_layout.c | while IFS= read -r m; do
	grep -qF "\`tests/test_layout.c\` \`$m\`" $DOC || { echo "FAIL: $DOC: layout case '$m' missing" >&2; exit 1; }
done || fail=1
sed -n "s/^bad '.*' [0-9]* \"\\(.*\\)\"\$/\\1/p" tests/cli_study.sh | while IFS= read -r m; do
	grep -qF "\`tests/cli_study.sh\` \`$m\`" $DOC || { echo "FAIL: $DOC: study case '$m' missing" >&2; exit 1; }
done || fail=1

# the summary's counts are the rows'
for c in R L T P N C E S H F V Z D W K; do
	want=$(sed -n "s/^| .* ($c) | \([0-9]*\) |\$/\1/p" $DOC)
	have=$(grep -c "^| $c[0-9]* |" $DOC)
	[ "$want" = "$have" ] || no "$DOC: the summary says $want rows of class $c, the tables have $have"
done

[ $fail -eq 0 ] && echo "doc_robustness: ok ($rows rows, each naming the test that keeps it true)"
exit $fail
