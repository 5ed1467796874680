#!/bin/bash
# Every command's options come from one table (cli/options.h): for each
# command `barbench --help` lists (and layout's subcommands), --help exits 0
# and lists every option with the common ones (--quiet, --progress,
# --no-progress, --help); each option listed is accepted by the parser; an
# unknown option exits 2 with "unknown option"; an option that takes a value,
# given without one, exits 2 with "needs a value"; an option whose value is a
# number N, given "abc", exits 2 saying "--OPT 'abc': not a number"; no
# command in cli/ parses with a getopt table of its own (whose options the
# help would not list).  Then bash completion: its subcommands, policies,
# workloads and runners are barbench's own (as `barbench --help`, `plan
# --help` and `run --help` print them from the registries).
# usage: cli_options.sh BARBENCH SOURCE_DIR
set -u
BB=$1 SRC=$2
. "$(dirname "$0")/lib.sh"

# the names listed under "commands:" in a help text on stdin
commands_of() { sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z-]*\)  *[^ ].*/\1/p'; }

# "--name" or "--name META" per option line of a help text on stdin: the
# option column is "  [-x, ]--name[ META]", its help 2+ spaces later or on
# the next line
options_of() {
	sed -n '/^options:$/,/^$/p' | grep -E '^  -' | sed -E 's/^  //; s/  .*//; s/^-[a-zA-Z], //'
}

# want_fail WHAT TEXT ARGS...: exit 2 and TEXT on stderr
want_fail() {
	local what=$1 text=$2
	shift 2
	"$BB" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || { no "$what: barbench $*: exit $rc, want 2 ($(head -c 300 "$tmp/err"))"; return; }
	grep -qF -- "$text" "$tmp/err" || no "$what: barbench $*: stderr lacks \"$text\": $(head -c 300 "$tmp/err")"
}

# check_cmd WORDS...: the checks above on one command (WORDS: "plan", or "layout new")
check_cmd() {
	local opt meta name n=0
	"$BB" "$@" --help >"$tmp/help" 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 0 ] || no "barbench $* --help: exit $rc"
	head -1 "$tmp/help" | grep -qF "usage: barbench $*" || no "barbench $* --help: no usage line: $(head -1 "$tmp/help")"
	grep -q '^options:$' "$tmp/help" || { no "barbench $* --help: no options: section (not printed from a table)"; }
	options_of <"$tmp/help" >"$tmp/opts"
	for common in --quiet --progress --no-progress --help; do
		grep -qx -- "$common" "$tmp/opts" || no "barbench $* --help does not list $common"
	done
	# the help says what --quiet suppresses
	grep -E -A2 '^  --quiet' "$tmp/help" | grep -qiE 'no |nothing' || no "barbench $* --help: --quiet does not say what it suppresses"
	want_fail "unknown option" "unknown option '--no-such-option'" "$@" --no-such-option
	for common in --quiet --progress --no-progress; do
		want_fail "$common accepted" "unknown option '--no-such-option'" "$@" $common --no-such-option
	done
	while read -r opt meta; do
		n=$((n + 1))
		name=${opt#--}
		case $opt in --help) continue ;; esac
		# option_abbreviation: only the name the help lists (getopt_long took --pag for --page-size)
		if [ ${#name} -ge 3 ]; then
			if [ -n "$meta" ]; then
				want_fail "abbreviation ${opt%?}" "unknown option '${opt%?}'" "$@" "${opt%?}" 1
			else
				want_fail "abbreviation ${opt%?}" "unknown option '${opt%?}'" "$@" "${opt%?}"
			fi
		fi
		if [ -n "$meta" ]; then
			want_fail "value missing" "needs a value" "$@" "$opt"
			[ "$meta" = N ] && want_fail "bad number" "--$name 'abc': not a number" "$@" "$opt" abc
		else
			# a flag is accepted: parsing goes on to the unknown option after it
			want_fail "flag $opt accepted" "unknown option '--no-such-option'" "$@" "$opt" --no-such-option
		fi
	done <"$tmp/opts"
	# the short forms listed work too
	for s in $(sed -n '/^options:$/,/^$/p' "$tmp/help" | sed -nE 's/^  (-[a-zA-Z]), --[a-z-]+ [^ ].*/\1/p'); do
		want_fail "short option $s without value" "needs a value" "$@" "$s"
	done
	[ $n -ge 4 ] || no "barbench $* --help lists $n options"
	# `barbench help CMD` prints the same
	if [ $# -eq 1 ]; then
		"$BB" help "$1" | cmp -s - "$tmp/help" || no "barbench help $1 differs from barbench $1 --help"
	fi
}

"$BB" --help >"$tmp/top" || no "barbench --help: exit $?"
cmds=$(commands_of <"$tmp/top")
[ "$(echo "$cmds" | wc -w)" -ge 14 ] || no "barbench --help lists only: $cmds"
for c in $cmds; do
	if [ "$c" = layout ]; then
		# a command with subcommands: its help lists them and the common options
		"$BB" layout --help >"$tmp/lhelp" 2>&1 || no "barbench layout --help: exit $?"
		subs=$(commands_of <"$tmp/lhelp")
		[ "$(echo "$subs" | wc -w)" -ge 2 ] || no "barbench layout --help lists only: $subs"
		options_of <"$tmp/lhelp" | grep -qx -- --quiet || no "barbench layout --help does not list --quiet"
		want_fail "layout unknown option" "unknown option '--no-such-option'" layout --no-such-option
		want_fail "layout --quiet accepted" "unknown option '--no-such-option'" layout --quiet --no-such-option
		# a common option before the subcommand holds for it
		"$BB" layout --quiet check nvme-msix-bar0 >/dev/null 2>"$tmp/err" || no "layout --quiet check: $(cat "$tmp/err")"
		for s in $subs; do
			check_cmd layout "$s"
		done
	else
		check_cmd "$c"
	fi
done

# option_abbreviation: the message names the option meant, with or without =VALUE
want_fail "abbreviation named" "unknown option '--pag': did you mean '--page-size'?" plan emu:layouts/nvme-msix-bar0 --pag 64K
want_fail "abbreviation= named" "unknown option '--pag': did you mean '--page-size'?" plan emu:layouts/nvme-msix-bar0 --pag=64K
want_fail "common abbreviation" "unknown option '--qu': did you mean '--quiet'?" layout --qu check nvme-msix-bar0
"$BB" plan emu:layouts/nvme-msix-bar0 --page-size=64K --policy=sparse >/dev/null 2>"$tmp/err" ||
	no "option_abbreviation: --page-size=64K --policy=sparse refused: $(cat "$tmp/err")"
# command_prefix_suggestion: a prefix of one command's name suggests it ('lay' suggested plan)
want_fail "prefix suggestion" "'lay' is not a command; did you mean 'layout'?" lay
want_fail "layout prefix suggestion" "'ch' is not a command; did you mean 'check'?" layout ch
# version_documented: the 'version' word main() takes is in the top-level help, and prints what --version does
"$BB" --help | grep -q "'barbench version'" || no "version_documented: barbench --help does not name 'barbench version'"
[ "$("$BB" version)" = "$("$BB" --version)" ] || no "version_documented: barbench version differs from --version"
# help_subcommand: barbench help layout new prints layout new's help; an extra word is named
"$BB" help layout new >"$tmp/out" 2>&1 || no "help layout new: exit $?"
"$BB" layout new --help | cmp -s - "$tmp/out" || no "help_subcommand: help layout new differs from layout new --help"
want_fail "help extra word" "unexpected argument 'x'" help run x
want_fail "help layout extra word" "unexpected argument 'x'" help layout new x
want_fail "help layout unknown" "'nw' is not a command; did you mean 'new'?" help layout nw

# every command parses with its table: no getopt of its own in cli/
for f in "$SRC"/cli/*.c; do
	case $f in */options.c) continue ;; esac
	if grep -qE 'getopt_long|struct option ' "$f"; then
		no "$f parses options with its own getopt table: its options are not in its help (use cli/options.h)"
	fi
done

# --quiet: results and errors still printed, notes not
"$BB" info emu:layouts/nvme-msix-bar0 --quiet >"$tmp/out" 2>"$tmp/err" || no "info --quiet: exit $?"
grep -q 'region' "$tmp/out" || no "info --quiet printed no result"
want_fail "error under --quiet" "no region 9" info emu:layouts/nvme-msix-bar0 --region 9 --quiet

# bash completion: subcommands, policies, workloads and runners as barbench prints them
comp="$SRC/scripts/barbench-completion.bash"
mkdir "$tmp/bin" && ln -s "$(cd "$(dirname "$BB")" && pwd)/$(basename "$BB")" "$tmp/bin/barbench"
complete_words() {
	# the completion's candidates for the command line "$@" (the last word being completed)
	# (as bash calls it: the words as readline splits them, at blanks and at ':' and '=', kept as words)
	PATH="$tmp/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=(barbench)
		for a in "$@"; do
			[ -n "$a" ] || { COMP_WORDS+=(""); continue; }
			while [[ "$a" =~ ^([^:=]*)([:=])(.*)$ ]]; do
				[ -z "${BASH_REMATCH[1]}" ] || COMP_WORDS+=("${BASH_REMATCH[1]}")
				COMP_WORDS+=("${BASH_REMATCH[2]}")
				a=${BASH_REMATCH[3]}
			done
			COMP_WORDS+=("$a")
		done
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_barbench
		printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "$@" | sort -u
}
same_set() {	# WHAT WANT GOT
	[ "$(echo "$2" | tr ' ,' '\n\n' | sed '/^$/d' | sort -u)" = "$(echo "$3" | sed '/^$/d' | sort -u)" ] ||
		no "completion of $1: want [$(echo $2)], got [$(echo $3)]"
}
same_set "subcommands" "$cmds help --version --help" "$(complete_words '')"
same_set "layout subcommands" "$subs help" "$(complete_words layout '')"
pols=$("$BB" plan --help | sed -n '/^policies:$/,/^$/s/^  \([a-z][a-z0-9_-]*\)  *[^ ].*/\1/p')
[ "$(echo "$pols" | wc -w)" -ge 6 ] || no "plan --help lists policies: $pols"
same_set "--policy" "all $pols" "$(complete_words run --policy '')"
same_set "--as" "$pols" "$(complete_words vmm --as '')"
wls=$("$BB" run --help | sed -n '/^workloads:$/,/^$/s/^  \([a-z][a-zA-Z0-9:_-]*\)  *[^ ].*/\1/p')
[ "$(echo "$wls" | wc -w)" -ge 8 ] || no "run --help lists workloads: $wls"
same_set "--workload" "$(echo "$wls" | sed 's/:FILE$/:/')" "$(complete_words run --workload '')"
runners=$("$BB" run --help | sed -n '/^runners:$/,/^$/s/^  \([a-z][a-z0-9_-]*\)  *[^ ].*/\1/p')
[ "$(echo "$runners" | wc -w)" -ge 2 ] || no "run --help lists runners: $runners"
same_set "--runner" "$runners" "$(complete_words run --runner '')"
same_set "plan options" "$(options_of < <("$BB" plan --help) | sed 's/ .*//')" "$(complete_words plan --)"
# completion_file_values: an option whose help names a file or folder value completes file names, whatever the
# command (the list came from the help, not a fixed list that missed new options); other values do not
mkdir "$tmp/cwd" && : >"$tmp/cwd/afile"
cw() { (cd "$tmp/cwd" && complete_words "$@"); }
for c in "vmm --sweep" "vmm --trap-log" "serve --trap-log" "report -o" "report --out" "study --resume" "run --cost" \
	"calibrate --save" "info --region-info" "plan --profile" "run --policy-path"; do
	# shellcheck disable=SC2086
	[ "$(cw $c a)" = afile ] || no "completion_file_values: $c does not complete file names: [$(cw $c a)]"
done
[ -z "$(cw run --samples a)" ] || no "completion_file_values: run --samples completes file names"
# completion_escaped_word: a word with an escaped blank is readline's one word: never replaced by another
# file's name (a split on blanks once completed "my\ d" as "docs")
mkdir "$tmp/cwd/docs" "$tmp/cwd/my dir"
case "$(cw report 'my\ d')" in *docs*) no "completion_escaped_word: my\\ d completed as docs" ;; esac
# completion_no_expansion: file and layout names are candidates as they are, never shell text (compgen -W
# expanded them: a TAB in a folder holding layouts/'$(touch PWNED)' ran the command); a blank or a '*' in a
# file name neither splits nor globs it
mkdir -p "$tmp/evil/layouts" && : >"$tmp/evil/layouts/\$(touch PWNED)" && : >"$tmp/evil/layouts/\`touch PWNED\`"
: >"$tmp/evil/a b" && : >"$tmp/evil/a*"
ev() { (cd "$tmp/evil" && complete_words "$@"); }
for c in "plan emu:" "info emu:" "run --device emu:" "check " "layout check " "run --layout "; do
	# shellcheck disable=SC2086
	got=$(ev ${c% *} "${c##* }")
	ls "$tmp/evil" | grep -q PWNED && { no "completion_no_expansion: completing '$c' ran a layout's name"; rm -f "$tmp/evil/"*PWNED*; }
	echo "$got" | grep -qxF "\$(touch PWNED)" || no "completion_no_expansion: '$c' does not offer the name as it is: [$(echo $got)]"
done
[ "$(ev report a)" = "$(printf 'a b\na*\n' | sort -u)" ] || no "completion_no_expansion: report a: [$(ev report a)]"
same_set "layout new sources" "lspci: vfio: vfio-user: pci:" "$(complete_words layout new '')"
# completion_colon_comma: readline breaks words at ':' and replaces only what follows it (emu:<TAB> offered
# nothing); a list value completes its last item (trap,sp<TAB> offered nothing)
nvme=$(ls "$SRC/layouts" | grep '^nvme-msix')
same_set "--device emu:nvme-msix" "$nvme" "$(complete_words run --device emu:nvme-msix)"
same_set "info emu:nvme-msix (an operand)" "$nvme" "$(complete_words info emu:nvme-msix)"
same_set "plan em" "emu:" "$(complete_words plan em | sed 's/:.*/:/')"
for c in "run --policy trap,sp=trap,sparse" "run --workload lat-read,do=lat-read,doorbell" "run --page-size 4K,6=4K,64K"; do
	# shellcheck disable=SC2086
	got=$(complete_words ${c%%=*})
	[ "$got" = "${c#*=}" ] || no "completion_colon_comma: ${c%%=*}: want [${c#*=}], got [$(echo $got)]"
done
# what the help lists is the registries: the policies check --json names, each workload run accepts,
# the runners run names when one is unknown
"$BB" check nvme-msix-bar0 --page-size 4K --json >"$tmp/check.json" || no "check --json: exit $?"
same_set "plan --help's policies" "$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["policies"]))' "$tmp/check.json")" "$pols"
want_fail "unknown policy" "no policy 'nope'" plan emu:layouts/nvme-msix-bar0 --policy nope
for w in $wls; do
	case $w in replay:*) w="replay:$tmp/trace"; printf '0x0 4 r\n' >"$tmp/trace" ;; esac
	"$BB" run --device emu:layouts/nvme-msix-bar0 --policy trap --workload "$w" --samples 2 --warmup 0 \
		--out "$tmp/run-${w%%:*}" >/dev/null 2>"$tmp/err" || no "run --workload $w: $(cat "$tmp/err")"
done
want_fail "unknown workload" "nope" run --device emu:layouts/nvme-msix-bar0 --workload nope --out "$tmp/run-nope"
want_fail "unknown runner" "--runner nope: one of $(echo $runners | sed 's/ /, /g')" run --device emu:layouts/nvme-msix-bar0 \
	--runner nope --out "$tmp/run-nope"

[ $fail -eq 0 ] && echo "cli_options: ok ($(echo "$cmds" | wc -w) commands, $(echo "$subs" | wc -w) layout subcommands)"
exit $fail
