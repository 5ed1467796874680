#!/bin/sh
# The layers of docs/architecture.md hold: core/ and policies/ (the region
# model, the parsers of hostile input, plans and policies) include only the
# public headers (include/barbench/) and their own, never anything of bench/,
# analysis/ or the command line; bench/ and analysis/ never include the
# command line's headers (cli/: it prints and picks exit codes, they return
# errors); a public header includes only public ones.
# usage: layers.sh SOURCE_DIR
set -u
cd "$1" || exit 1
fail=0
for f in core/*.c core/*.h policies/*.c policies/*.h policies/examples/*.c; do
	[ -e "$f" ] || continue
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case "$h" in
		barbench/*) [ -e "include/$h" ] || { echo "FAIL: $f includes $h, not a public header" >&2; fail=1; } ;;
		*) [ -e "core/$h" ] || [ -e "policies/$h" ] ||
			{ echo "FAIL: $f includes \"$h\": core/ and policies/ include only public headers and their own" >&2; fail=1; } ;;
		esac
	done
done
for f in bench/*.c bench/*.h bench/*/*.c bench/*/*.h analysis/*.c analysis/*.h; do
	[ -e "$f" ] || continue
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case "$h" in
		barbench/*) ;;
		*) [ -e "cli/$h" ] && [ ! -e "$(dirname "$f")/$h" ] && [ ! -e "bench/$h" ] && [ ! -e "analysis/$h" ] &&
			[ ! -e "core/$h" ] && { echo "FAIL: $f includes the command line's \"$h\"" >&2; fail=1; } ;;
		esac
	done
done
for f in include/barbench/*.h; do
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case "$h" in
		barbench/*) [ -e "include/$h" ] || { echo "FAIL: $f includes $h" >&2; fail=1; } ;;
		*) echo "FAIL: public header $f includes the private \"$h\"" >&2; fail=1 ;;
		esac
	done
done
# the out-of-tree policy example builds against the public headers alone
grep -q '#include "barbench/policy.h"' policies/examples/largest.c || { echo "FAIL: largest.c" >&2; fail=1; }
[ $fail -eq 0 ] && echo "layers: ok"
exit $fail
