#!/bin/sh
# barbench layout SUB from the command line: the dispatcher (no SUB, help SUB,
# SUB --help, an unknown SUB with a suggestion) and layout check: every
# shipped layout passes (findings fixed or accepted in the file); a layout
# with one of each finding names FILE:LINE for each and exits 1, --json says
# the same; arrays are reported once; a file that does not parse exits 2.
# usage: cli_layout.sh BARBENCH LAYOUT_DIR
set -u
BB=$1 LAYOUTS=$2
. "$(dirname "$0")/lib.sh"
has() { grep -qF -- "$1" "$tmp/$2" || no "$3: no '$1' in $(head -c 600 "$tmp/$2")"; }

# --- the dispatcher ---
want_exit 2 "$BB" layout
has "check" err "layout alone lists its commands"
want_exit 0 "$BB" layout --help
has "usage: barbench layout <command>" out "layout --help"
want_exit 0 "$BB" help layout
has "check" out "help layout"
want_exit 0 "$BB" layout help check
has "usage: barbench layout check FILE" out "layout help check"
want_exit 0 "$BB" layout check --help
has "usage: barbench layout check FILE" out "layout check --help"
want_exit 2 "$BB" layout chek x
has "did you mean 'check'?" err "a misspelt subcommand"
want_exit 2 "$BB" layout check
want_exit 2 "$BB" layout check --frob x
has "unknown option '--frob'" err "layout check --frob"

# --- every shipped layout passes ---
n=0
for l in "$LAYOUTS"/*; do
	case "$l" in *.md) continue ;; esac
	n=$((n + 1))
	want_exit 0 "$BB" layout check "$l"
	grep -v ': note: ' "$tmp/out" | grep -q '^[^ ]*:[0-9]*: ' && no "$l: $(cat "$tmp/out")"
done
[ $n -ge 12 ] || no "only $n shipped layouts"

# --- one of each finding ---
cat >"$tmp/bad" <<'L'
device name=bad desc="one of each finding"
region index=0 size=64K flags=read,write,mmap
msix vectors=64 table-region=0 table-offset=0x8000 pba-region=0 pba-offset=0x9000
reg region=0 offset=0x100 size=8 name=A kind=control
reg region=0 offset=0x104 size=4 name=B kind=status
reg region=0 offset=0x1000 size=4 name=DB0 kind=doorbell
reg region=0 offset=0x8ff0 size=4 name=DBT kind=doorbell writes=1
reg region=0 offset=0xb000 size=4 name=SQ kind=doorbell writes=1 count=256 stride=64
safe region=0 offset=0x8000 size=0x100 access=rw
reg region=0 offset=0x2000 size=4 name=DBA kind=doorbell writes=1 accept=msix-page
L
want_exit 1 "$BB" layout check "$tmp/bad"
has "$tmp/bad:5: overlap: reg B [0x104, 0x108) overlaps reg A [0x100, 0x108) of line 4" out "overlap"
has "$tmp/bad:6: no-hotness: doorbell DB0 has no reads=/writes=" out "no hotness"
has "$tmp/bad:6: msix-page: doorbell DB0 [0x1000, 0x1004) shares a 64 KiB page with the MSI-X table [0x8000, 0x8400)" out "doorbell at 64K"
has "$tmp/bad:7: msix-page: doorbell DBT [0x8ff0, 0x8ff4) shares a 4 KiB page with the MSI-X table" out "doorbell at 4K"
has "$tmp/bad:8: msix-page: doorbells SQ[0..255]: 64 of 256 (first SQ[0] at 0xb000) share a 16 KiB page with the MSI-X table" out "array at 16K"
has "$tmp/bad:9: safe-over-msix: safe access=rw [0x8000, 0x8100) covers the MSI-X table [0x8000, 0x8400) (msix, line 3)" out "safe over the table"
has "$tmp/bad:10: note: accepted msix-page: doorbell DBA" out "accepted"
has "layout check: 6 findings, 1 note in 1 layout" out "summary"
[ "$(grep -c 'SQ\[' "$tmp/out")" -eq 1 ] || no "an array is one finding: $(cat "$tmp/out")"

# --json: one barbench-layout-check/1 document on one line (it was indented, with no schema): every finding
# with page_bytes null where it has no page size, the layouts checked, the counts
want_exit 1 "$BB" layout check --json "$tmp/bad"
cp "$tmp/out" "$tmp/json"
[ "$(wc -l <"$tmp/json")" -eq 1 ] || no "layout check --json: not one line"
JQ="$(dirname "$0")/jsonq.py"
"$JQ" "$tmp/json" 'list(d)[0] == "schema" and d["schema"] == "barbench-layout-check/1" and d["count"] == 6 and d["notes"] == 1' ||
	no "layout check --json: schema or counts"
"$JQ" "$tmp/json" 'len(d["findings"]) == 7 and all(f["file"] == "'"$tmp/bad"'" for f in d["findings"])' ||
	no "layout check --json: findings or their file"
"$JQ" "$tmp/json" '[f["page_bytes"] for f in d["findings"] if f["kind"] == "msix-page"] == [65536, 4096, 16384, 65536] and all(f["page_bytes"] is None for f in d["findings"] if f["kind"] != "msix-page")' ||
	no "layout check --json: page_bytes not a page size for msix-page and null otherwise"
"$JQ" "$tmp/json" 'd["layouts"] == [{"file": "'"$tmp/bad"'", "name": "bad", "finding_count": 6, "note_count": 1, "truncated": False}]' ||
	no "layout check --json: layouts"
"$JQ" "$tmp/json" 'any(f["kind"] == "safe-over-msix" and f["line"] == 9 for f in d["findings"])' || no "json kind"

# layout_check_json_not_utf8: a file name that is not UTF-8 (jansson refuses such a string: every finding was
# lost and the command said "out of memory"): each bad byte U+FFFD, the document whole
bad8="$tmp/$(printf 'bad\377name')"
cp "$tmp/bad" "$bad8"
want_exit 1 "$BB" layout check --json "$bad8"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["findings"]) == 7, d
assert all(f["file"].endswith("bad\ufffdname") for f in d["findings"]), d' "$tmp/out" ||
		no "layout_check_json_not_utf8: not the JSON expected: $(head -c 300 "$tmp/out") $(cat "$tmp/err")"
fi

# msix placement=unknown: a note, not a finding
printf 'device name=u desc=u\nregion index=0 size=4K flags=read,write,mmap\nmsix placement=unknown\nreg region=0 offset=0 size=4 name=DB kind=doorbell writes=1\n' >"$tmp/unknown"
want_exit 0 "$BB" layout check "$tmp/unknown"
has "$tmp/unknown:3: note: msix placement unknown" out "placement unknown"
# info_msix_unknown: info says the vector count when the layout gives it, and that it is unknown when not (it
# printed "(0 vectors; 0: unknown)")
want_exit 0 "$BB" info "emu:$tmp/unknown"
has "msix: present, placement unknown (and its vector count): nothing is must-trap" out "info of placement=unknown"
sed 's/placement=unknown/placement=unknown vectors=64/' "$tmp/unknown" >"$tmp/unknown64"
want_exit 0 "$BB" info "emu:$tmp/unknown64"
has "msix: present, placement unknown (64 vectors): nothing is must-trap" out "info of placement=unknown vectors=64"

# several files: the findings of each, exit 1 when any has one
want_exit 1 "$BB" layout check "$tmp/unknown" "$tmp/bad" nvme-msix-bar0
has "in 3 layouts" out "three files"

# layout_check_folder: a folder stands for its layouts (no dot in the name, or NAME.layout), in name order;
# README.md, other dotted names, hidden files and sub-folders are not layouts. The README's command
# (`layout check layouts/* --json` exited 2 on layouts/README.md: 'layout' is not key=value) is now this.
want_exit 0 "$BB" layout check "$LAYOUTS" --json
"$JQ" "$tmp/out" 'len(d["layouts"]) >= 12 and d["count"] == 0 and [l["file"] for l in d["layouts"]] == sorted(l["file"] for l in d["layouts"]) and not any(l["file"].endswith(".md") for l in d["layouts"])' ||
	no "layout check of the shipped layouts' folder: $(head -c 300 "$tmp/out")"
"$JQ" "$tmp/out" 'all(not l["file"].startswith("'"$LAYOUTS"'//") for l in d["layouts"])' || no "folder: a double slash"
want_exit 0 "$BB" layout check "$LAYOUTS/"
has "in $n layouts" out "layout check of layouts/: one per shipped layout"
mkdir -p "$tmp/dir/sub"
cp "$tmp/unknown" "$tmp/dir/b-unknown"
cp "$tmp/bad" "$tmp/dir/a.layout"
echo "# not a layout" >"$tmp/dir/README.md"
echo "not a layout" >"$tmp/dir/.hidden"
cp "$tmp/bad" "$tmp/dir/sub/c"
want_exit 1 "$BB" layout check "$tmp/dir" --json
"$JQ" "$tmp/out" '[l["file"] for l in d["layouts"]] == ["'"$tmp/dir/a.layout"'", "'"$tmp/dir/b-unknown"'"] and d["count"] == 6 and d["notes"] == 2' ||
	no "layout_check_folder: not a.layout then b-unknown: $(head -c 400 "$tmp/out")"
want_exit 1 "$BB" layout check "$tmp/dir" "$tmp/unknown"
has "layout check: 6 findings, 3 notes in 3 layouts" out "layout_check_folder: a folder and a file"
mkdir -p "$tmp/empty"
cp "$tmp/bad" "$tmp/empty/notes.txt"
want_err 2 "$tmp/empty: no layout in this folder" layout check "$tmp/empty"
[ -s "$tmp/out" ] && no "layout check of a folder without a layout printed on stdout"

# a file that does not parse: exit 2 with its line; nothing else is checked after it
printf 'device name=x desc=x\nregion index=0 size=4K flags=read\nreg region=0 offset=0 size=4 name=D kind=doorbell count=2\n' >"$tmp/broken"
want_exit 2 "$BB" layout check "$tmp/broken"
has "$tmp/broken:3: reg D: count=2 needs stride=" err "parse error"
want_exit 2 "$BB" layout check "$tmp/missing"

exit $fail
