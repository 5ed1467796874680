#!/bin/sh
# Regenerate the binary seeds of fuzz/corpus/ from the test that builds
# region-info buffers the way vfio_info_cap_add() lays them out
# (tests/test_region.c --write-corpus):
#   region/  every good-*.bin and bad-*.bin
#   plan/    each good buffer, length-prefixed, with page size, params and
#            must-trap lines (the format of fuzz/fuzz_plan.c)
# The text seeds (layout/, trace/, numbers/) are written by hand.
# usage: fuzz/make-corpus.sh BUILD/tests/test_region
set -eu
GEN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN" --write-corpus "$tmp" >/dev/null
mkdir -p corpus/region corpus/plan
rm -f corpus/region/*.bin corpus/plan/*.bin
cp "$tmp"/good-*.bin "$tmp"/bad-*.bin corpus/region/

# u16 little-endian length of FILE
le16() {
	n=$(wc -c <"$1")
	printf "\\$(printf %03o $((n % 256)))\\$(printf %03o $((n / 256)))"
}
i=0
for f in "$tmp"/good-*.bin; do
	b=$(basename "$f" .bin)
	for tail in '4096\n\n' '65536\nspan=1\n0x2000:0x200' '16K\nspan=0\n0x1000:8,0x3000:16' \
		'4K\ncolour=red\n' '12K\n\n' '0x1000\nspan=1,span=0\n0x0:1'; do
		i=$((i + 1))
		{ le16 "$f"; cat "$f"; printf "$tail"; } >"corpus/plan/$b-$i.bin"
	done
done
echo "fuzz corpus: $(ls corpus/region | wc -l) region, $(ls corpus/plan | wc -l) plan seeds"
