#!/bin/sh
# Every JSON document barbench writes against its schema (docs/results.md,
# docs/schemas/, JSON Schema 2020-12, checked by python3-jsonschema):
#   every command's --json        one line on stdout, valid against its schema
#   results_folder                manifest.json and summary.json of a fresh study
#                                 and run, and the committed reference summary.json
#   hostile_strings               names, descriptions and paths that are not UTF-8
#                                 still give valid documents (each bad byte U+FFFD)
#   wrong_documents               documents of the old shapes, with a member of the
#                                 wrong type, missing or added, with NaN or a
#                                 duplicate key fail: the check can fail
# usage: json_schemas.sh BARBENCH SOURCE_DIR (run from SOURCE_DIR)
set -u
BB=$1 SRC=$2
. "$(dirname "$0")/lib.sh"
S="$SRC/docs/schemas"
V="$SRC/tests/validate_json.py"
JQ="$SRC/tests/jsonq.py"
n=0

# NAME FILE: a document on its own, valid against NAME.schema.json
valid() {
	n=$((n + 1))
	"$V" "$S" "$1" "$2" || no "$1: $2 is not a valid $1 document"
}
# NAME OUT CMD...: CMD exits 0 and prints one valid NAME document, one line, nothing else
prints() {
	name=$1 out=$2
	shift 2
	"$@" >"$out" 2>"$tmp/err" || no "$*: exit $? ($(head -c 300 "$tmp/err"))"
	[ "$(wc -l <"$out")" -eq 1 ] || no "$*: stdout is not one line"
	valid "$name" "$out"
}
# NAME FILE WHAT: FILE must fail NAME.schema.json
invalid() {
	n=$((n + 1))
	"$V" "$S" "$1" "$2" 2>"$tmp/verr" && no "wrong_documents: $3 passed the $1 schema"
	[ -s "$tmp/verr" ] || no "wrong_documents: $3: refused without saying why"
}

"$V" "$S" --check || no "the schemas are not valid draft 2020-12 schemas"

# ---- every command's --json ----
prints info "$tmp/info" "$BB" info emu:layouts/intel-x710 --json
prints info "$tmp/info1" "$BB" info emu:layouts/intel-x710 --region 0 --json
prints dump "$tmp/dump.json" "$BB" dump emu:layouts/qemu-e1000e "$tmp/dump" --json
"$JQ" "$tmp/dump.json" '[r["index"] for r in d["regions"]] == [0, 1, 2, 3] and d["regions"][3]["must_trap"] == [{"offset": 0, "size_bytes": 80}, {"offset": 8192, "size_bytes": 8}]' ||
	no "dump --json: regions or must-trap ranges"
prints info "$tmp/info-file" "$BB" info --region-info "$tmp/dump/region3.bin" --json
prints devices "$tmp/devices" "$BB" devices --json
prints plan "$tmp/plan-all" "$BB" plan emu:layouts/nvme-msix-bar0-pre416 --page-size 64K --json
prints plan "$tmp/plan-one" "$BB" plan emu:layouts/nvme-msix-bar0-pre416 --policy full --page-size 4K --json
"$JQ" "$tmp/plan-one" 'd["plans"][0]["applicable"] is False' || no "plan: full applies to pre416?"
prints plan "$tmp/plan-file" "$BB" plan --region-info "$tmp/dump/region3.bin" --must-trap 0x0:0x50 --json
prints check "$tmp/check" "$BB" check --json
# layout check: the shipped layouts (a folder: notes only, exit 0) and one with findings (exit 1, still a document)
prints layout-check "$tmp/lcheck" "$BB" layout check layouts --json
"$JQ" "$tmp/lcheck" 'd["count"] == 0 and d["notes"] > 0 and len(d["layouts"]) >= 12' || no "layout check --json: shipped layouts"
printf 'device name=f desc=f\nregion index=0 size=64K flags=read,write,mmap\nmsix vectors=64 table-region=0 table-offset=0x8000 pba-region=0 pba-offset=0x9000\nreg region=0 offset=0x1000 size=4 name=DB kind=doorbell\n' >"$tmp/lc-bad"
"$BB" layout check "$tmp/lc-bad" --json >"$tmp/lcheck-bad" 2>"$tmp/err"
[ $? -eq 1 ] || no "layout check --json with findings: not exit 1"
valid layout-check "$tmp/lcheck-bad"
"$JQ" "$tmp/lcheck-bad" '[(f["kind"], f["page_bytes"]) for f in d["findings"]] == [("no-hotness", None), ("msix-page", 65536)]' ||
	no "layout check --json: page_bytes"
prints calibrate "$tmp/calibrate" "$BB" calibrate --samples 1000 --reps 2 --json --save "$tmp/cost"
prints advise "$tmp/advise" "$BB" advise layouts/nvme-msix-bar0-pre416 --page-size 64K --samples 200 --json
# vmm: barbench plays a VMM that maps like holes, then the sweep file it wrote analysed again, as
# measured (its classes are the machine's) and with known times (known_sweep: the verdict is holes)
prints vmm "$tmp/vmm" "$BB" vmm --device emu:tests/data/vmm/probe-msix --as holes --samples 31 --out "$tmp/vmm-out" --json
"$JQ" "$tmp/vmm" 'd["mode"] == "sweep" and "verdict" in d["devices"][0] and d["sweep_csv"].endswith("/vmm-sweep.csv") and d["devices"][0]["files"]["csv"].endswith("/vmm-probe-msix.csv")' ||
	no "vmm --json: verdict or files"
prints vmm "$tmp/vmm2" "$BB" vmm --sweep "$tmp/vmm-out/vmm-sweep.csv" --layout tests/data/vmm/probe-msix --json
"$JQ" "$tmp/vmm2" 'd["mode"] == "analyse" and d["timer"] is None and len(d["devices"][0]["pages"]) == 4' ||
	no "vmm --json --sweep: pages"
known_sweep "$tmp/vmm-out/vmm-sweep.csv" "$tmp/vmm-known.csv"
prints vmm "$tmp/vmm3" "$BB" vmm --sweep "$tmp/vmm-known.csv" --layout tests/data/vmm/probe-msix --json
"$JQ" "$tmp/vmm3" 'd["devices"][0]["verdict"]["behaves_as"] == "holes" and [p["class"] for p in d["devices"][0]["pages"]].count("trapped") == 1' ||
	no "vmm --json --sweep of known times: verdict or pages"

# ---- results_folder: a small study and a run ----
cat >"$tmp/s.study" <<'EOF'
name schemas
device emu:layouts/nvme-msix-bar0-pre416
policies sparse,trap,full
page-sizes 4K
workloads lat-read
samples 200
repetitions 4
EOF
prints study "$tmp/study1" "$BB" study "$tmp/s.study" --out "$tmp/st" --max-runs 1 --no-report --json
"$JQ" "$tmp/study1" 'd["complete"] is False and d["measured_runs"] == 1 and d["report"] is None and d["details"] is None and d["summary"] is None' ||
	no "study --json: interrupted study"
valid manifest "$tmp/st/manifest.json"		# incomplete
"$JQ" "$tmp/st/manifest.json" 'd["complete"] is False and d["interrupted_by"] == "--max-runs"' || no "study: interrupted manifest"
prints study "$tmp/study2" "$BB" study --resume "$tmp/st" --no-figures --json
"$JQ" "$tmp/study2" 'd["complete"] is True and d["matrix_runs"] == 12 and d["measured_runs"] == 8 and d["skipped_runs"] == 1 and d["summary"].endswith("/st/summary.json") and d["details"].endswith("/st/details.md")' ||
	no "study --json: resumed study"
valid manifest "$tmp/st/manifest.json"
valid summary "$tmp/st/summary.json"
"$JQ" "$tmp/st/manifest.json" 'd["complete"] is True and len(d["skipped"]) >= 1' || no "study: manifest not complete, or full not skipped"
prints compare "$tmp/compare" "$BB" compare "$tmp/st" "$tmp/st" --json
# three folders, Holm's correction: one comparison per B, each with its hosts
prints compare "$tmp/compare3" "$BB" compare "$tmp/st" "$tmp/st" "$tmp/st" --holm --json
# compare_help_members: every member of the document is named in compare --help and in the README's summary
# of it (alpha, min_repetitions, interval, resolution_ns and ratio_ci_level were missing from one or both)
"$BB" compare --help >"$tmp/chelp"
for m in $("$JQ" "$tmp/compare" -p '" ".join(sorted(set(d) | set(d["comparisons"][0]) | set(d["comparisons"][0]["configurations"][0])))'); do
	[ "$m" = schema ] && continue
	grep -qw -- "$m" "$tmp/chelp" || no "compare_help_members: compare --help does not name $m"
	sed -n '/barbench-compare\/2`, one shape/,/^  (`docs/p' "$SRC/README.md" | grep -q "\"$m\"" ||
		no "compare_help_members: README's compare --json summary does not name \"$m\""
done
"$JQ" "$tmp/compare3" 'd["correction"] == "holm" and [c["host_b"] for c in d["comparisons"]] == [d["host_a"] + "#2", d["host_a"] + "#3"] and d["tests"] == sum(len(c["configurations"]) for c in d["comparisons"])' ||
	no "compare --json of three folders: hosts or tests"
prints run "$tmp/run.json" "$BB" run --device emu:layouts/nvme-msix-bar0 --policy sparse,trap --samples 100 --out "$tmp/run" --json
"$JQ" "$tmp/run.json" 'd["complete"] is True and [r["policy"] for r in d["runs"]] == ["sparse", "trap"]' || no "run --json: runs"
# run_samples_file: each run names the file its samples are in (it named a .csv.gz that was never written)
for f in $("$JQ" "$tmp/run.json" -p '" ".join(r["samples_file"] for r in d["runs"])'); do
	[ -f "$f" ] || no "run_samples_file: run --json names $f, which does not exist: $(ls "$tmp/run/samples")"
done
valid manifest "$tmp/run/manifest.json"
prints report "$tmp/report.json" "$BB" report "$tmp/run" --no-figures --json
# report_json_details: every file report writes is named, details.md too
"$JQ" "$tmp/report.json" 'd["summary"].endswith("/run/summary.json") and d["details"].endswith("/run/details.md") and d["figures"] is None' || no "report --json"
valid summary "$tmp/run/summary.json"
# a merged (fleet) report: each configuration names its host
prints report "$tmp/merged.json" "$BB" report "$tmp/st" "$tmp/run" --out "$tmp/merged" --no-figures --json
valid summary "$tmp/merged/summary.json"
"$JQ" "$tmp/merged/summary.json" 'all("host" in c for c in d["configurations"])' || no "merged summary.json: a configuration without its host"
# a run that fails at its 2nd run still prints the document of what it left (exit 1)
"$BB" run --device "emu:layouts/nvme-msix-bar0?fault=eio:7" --batch 1 --policy sparse,trap --samples 50 --warmup 0 \
	--out "$tmp/eio" --json >"$tmp/eio.json" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "run --json with a failing run: exit $rc, want 1"
valid run "$tmp/eio.json"
"$JQ" "$tmp/eio.json" 'd["complete"] is False and d["stopped"].startswith("run 0001-trap-4096-lat-read: ") and len(d["runs"]) == 1' ||
	no "run --json with a failing run: not complete:false with its reason"
# and an error before anything ran prints nothing
"$BB" run --device emu:layouts/nvme-msix-bar0 --policy nope --out "$tmp/nope" --json >"$tmp/out" 2>/dev/null
[ ! -s "$tmp/out" ] || no "run --json: printed on stdout on bad input"
valid summary "$SRC/results/2026-11-29-vm/summary.json"

# ---- hostile_strings: bytes that are not UTF-8 where barbench copies a name ----
bad=$(printf 'x\377\300y')
cp "$tmp/dump/region3.bin" "$tmp/r$bad.bin"
prints info "$tmp/h-info" "$BB" info --region-info "$tmp/r$bad.bin" --json
"$JQ" "$tmp/h-info" 'd["file"].endswith("/rx\ufffd\ufffdy.bin")' || no "hostile_strings: file name not kept with U+FFFD"
sed "s/^device name=nvme-msix-bar0 desc=\"/&$bad /" layouts/nvme-msix-bar0 >"$tmp/hostile-layout"
prints check "$tmp/h-check" "$BB" check "$tmp/hostile-layout" --page-size 4K --json
"$JQ" "$tmp/h-check" 'd["layouts"][0]["description"].startswith("x\ufffd\ufffdy ")' || no "hostile_strings: description"
cp -r "$tmp/st" "$tmp/hs"
sed -i "2,\$s#,emu:layouts/nvme-msix-bar0-pre416,#,emu:layouts/$bad,#" "$tmp/hs/runs.csv"
"$BB" report "$tmp/hs" --no-figures >/dev/null 2>"$tmp/err" || no "hostile_strings: report: $(cat "$tmp/err")"
valid summary "$tmp/hs/summary.json"
"$JQ" "$tmp/hs/summary.json" 'd["configurations"][0]["device"] == "emu:layouts/x\ufffd\ufffdy"' ||
	no "hostile_strings: summary.json device"

# ---- wrong_documents: the check can fail ----
invalid manifest "$SRC/results/2026-11-29-vm/manifest.json" "a barbench-manifest/1 (host_page_size, no unit)"
cp "$tmp/plan-all" "$tmp/w"; "$JQ" "$tmp/w" --set plans.0.memslots '"1"'
invalid plan "$tmp/w" "a plan whose memslots is a string"
"$JQ" "$tmp/plan-one" -p 'd["plans"]' >"$tmp/w"
invalid plan "$tmp/w" "plan as a bare array (its old shape with several policies)"
"$JQ" "$tmp/plan-one" -p 'd["plans"][0]' >"$tmp/w"
invalid plan "$tmp/w" "plan as a bare object (its old shape with one policy)"
cp "$tmp/check" "$tmp/w"
"$JQ" "$tmp/w" --set layouts.0.results.0.exposed_must_trap '"msix-table,msix-pba"'
invalid check "$tmp/w" "check with a comma-joined exposed_must_trap"
cp "$tmp/compare" "$tmp/w"
"$JQ" "$tmp/w" --set comparisons.0.configurations.0.config '"emu:layouts/x|0|sparse||4096|host|lat-read"'
invalid compare "$tmp/w" "compare with its pipe-joined config"
# barbench-compare/1 (one comparison's members at the top, no hosts) is not the /2 document
"$JQ" "$tmp/compare" -p 'dict({k: v for k, v in d.items() if k not in ("comparisons", "host_a", "correction", "tests")}, schema="barbench-compare/1", b=d["comparisons"][0]["b"], warnings=d["comparisons"][0]["warnings"], configurations=d["comparisons"][0]["configurations"])' >"$tmp/w"
invalid compare "$tmp/w" "a barbench-compare/1 document (no hosts, no comparisons)"
cp "$tmp/compare" "$tmp/w"; "$JQ" "$tmp/w" --del comparisons.0.host_b
invalid compare "$tmp/w" "a comparison without host_b"
cp "$tmp/calibrate" "$tmp/w"; "$JQ" "$tmp/w" --set tsc_hz 2300000000
invalid calibrate "$tmp/w" "calibrate with tsc_hz"
cp "$tmp/st/summary.json" "$tmp/w"; "$JQ" "$tmp/w" --del configurations.0.why
invalid summary "$tmp/w" "a summary configuration without why"
# 4 repetitions: a range of 87.5%, never a ci95
"$JQ" "$tmp/st/summary.json" 'all(c["interval"] == "range" and c["ci95_lo_ns"] is None and c["interval_coverage"] == 0.875 for c in d["configurations"])' ||
	no "summary.json of 4 repetitions: not a range of 87.5%"
cp "$tmp/st/summary.json" "$tmp/w"; "$JQ" "$tmp/w" --set configurations.0.ci95_lo_ns 5.0
invalid summary "$tmp/w" "a range of 4 repetitions given as a ci95"
cp "$tmp/st/summary.json" "$tmp/w"; "$JQ" "$tmp/w" --set configurations.0.group_verdict '"fast"'
invalid summary "$tmp/w" "a summary configuration whose group_verdict the report does not name"
cp "$tmp/run/manifest.json" "$tmp/w"; "$JQ" "$tmp/w" --set complete '"yes"'
invalid manifest "$tmp/w" "a manifest whose complete is a string"
sed 's/"loop_read_ns":[^,]*/"loop_read_ns":NaN/' "$tmp/calibrate" >"$tmp/w"
invalid calibrate "$tmp/w" "NaN"
sed 's/^{"schema":"barbench-info\/1",/{"schema":"barbench-info\/1","schema":"barbench-info\/1",/' "$tmp/info" >"$tmp/w"
invalid info "$tmp/w" "a duplicate key"
cp "$tmp/info" "$tmp/w"; "$JQ" "$tmp/w" --set regions.0.size '4096'
invalid info "$tmp/w" "a region with a member the schema does not document"
cp "$tmp/vmm3" "$tmp/w"; "$JQ" "$tmp/w" --set devices.0.pages.0.class '"fast"'
invalid vmm "$tmp/w" "a vmm page of a class the rule does not name"
cp "$tmp/lcheck-bad" "$tmp/w"; "$JQ" "$tmp/w" --del findings.0.page_bytes
invalid layout-check "$tmp/w" "a layout check finding without page_bytes (its old shape: absent, not null)"
"$JQ" "$tmp/lcheck-bad" -p 'dict((k, v) for k, v in d.items() if k != "schema")' >"$tmp/w"
invalid layout-check "$tmp/w" "layout check --json without its schema member (its old shape)"
cp "$tmp/vmm3" "$tmp/w"; "$JQ" "$tmp/w" --del devices.0.verdict.behaves_as
invalid vmm "$tmp/w" "a vmm verdict without behaves_as"

[ $fail -eq 0 ] && echo "json_schemas: ok ($n documents)"
exit $fail
