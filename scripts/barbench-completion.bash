# bash completion for barbench: everything from barbench itself, so it cannot
# drift: the commands from `barbench --help` (and `barbench layout --help`),
# each command's options from the "options:" section of its --help (printed
# from its option table), the policies from `barbench plan --help`, the
# workloads and runners from `barbench run --help` (printed from their
# registries); the shipped layouts from the layout folders.
# tests/cli_options.sh checks it against barbench's output.

# The names of the section @1 ("commands:", "policies:", ...) of the help on stdin.
_barbench_section()
{
	sed -n "/^$1\$/,/^\$/s/^  \\([a-z][a-zA-Z0-9:_-]*\\)  *[^ ].*/\\1/p"
}

# The options of a help on stdin: the "options:" section's "  [-x, ]--name" heads.
_barbench_options()
{
	sed -n '/^options:$/,/^$/p' | grep -oE '^  (-[a-zA-Z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z][a-z-]*'
}

# The value name of option @1 ("FILE", "N"...; nothing for a flag) in a help on stdin: the "options:"
# section's heads "  [-x, ]--name [VALUE]", the description after two spaces or more.
_barbench_value_of()
{
	sed -n '/^options:$/,/^$/p' | awk -v o="$1" '
		/^  -/ {
			h = substr($0, 3); sub(/  .*/, "", h)	# "-o, --out MERGED"
			n = split(h, t, /,? /); v = ""
			for (i = 1; i <= n; i++) if (t[i] !~ /^-/) v = t[i]
			for (i = 1; i <= n; i++) if (t[i] == o) { print v; exit }
		}'
}

# COMPREPLY: the words @2... that begin with @1, taken as they are.  Never compgen -W: it expands
# each of its words as the shell would ($(...), `...`), and a layout's file name is anyone's text (a
# folder holding layouts/'$(touch PWNED)' ran the command at a TAB).
_barbench_match()
{
	local cur=$1 w
	shift
	COMPREPLY=()
	for w in "$@"; do
		[[ "$w" == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# COMPREPLY gains the file names that begin with @1, @2 before each (one a line: a blank in a name
# splits nothing, a '*' in one expands nothing).
_barbench_files()
{
	mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -P "${2:-}" -- "$1")
}

# _barbench_names: the shipped layouts' names (the installed folders and ./layouts), as they are.
_barbench_layouts()
{
	local l f
	_barbench_names=()
	for l in /usr/share/barbench/layouts /usr/local/share/barbench/layouts layouts; do
		[ -d "$l" ] || continue
		for f in "$l"/*; do
			[ -e "$f" ] && [[ "$f" != *.md ]] && _barbench_names+=("${f##*/}")
		done
	done
}

# A device spec: emu: and every shipped layout, the other backends' prefixes.
_barbench_devices()
{
	_barbench_layouts
	_barbench_match "$1" "${_barbench_names[@]/#/emu:}" vfio: vfio-user: pci:
}

# The candidates @2... for the list value @1 being typed ("trap,sp"): the last item completed, the items
# before it kept ("trap,sparse").
_barbench_list()
{
	local cur=$1 pre=""
	shift
	[[ "$cur" == *,* ]] && pre="${cur%,*},"
	_barbench_match "${cur##*,}" "$@"
	COMPREPLY=("${COMPREPLY[@]/#/"$pre"}")
}

_barbench()
{
	local cur prev cmd sub help cword keep i
	local -a _barbench_names
	local -a w
	# words as barbench reads them: readline's (COMP_WORDS: quotes and escapes as the shell has them),
	# rejoined where it broke one at ':' or '=' (emu:NAME, KEY=VALUE are one word; trap,sparse is)
	cword=-1
	for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
		if [ "$cword" -ge 0 ] && { [[ "${COMP_WORDS[i]}" == [:=] ]] || [[ "${w[cword]}" == *[:=] ]]; }; then
			w[cword]+=${COMP_WORDS[i]}
		else
			w[++cword]=${COMP_WORDS[i]}
		fi
	done
	[ "$COMP_CWORD" -lt "${#COMP_WORDS[@]}" ] || w[++cword]=""
	cur=${w[$cword]}
	prev=""
	[ "$cword" -gt 0 ] && prev=${w[$((cword - 1))]}
	cmd=${w[1]:-}
	sub=${w[2]:-}
	_barbench_words "$cur" "$prev" "$cmd" "$sub" "$cword"
	# readline replaces only COMP_WORDS[COMP_CWORD], what follows the last ':' or '=': the candidates lose what precedes
	keep=${cur%"${cur##*[:=]}"}
	if [ -n "$keep" ]; then
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[$i]=${COMPREPLY[$i]#"$keep"}
		done
	fi
}

# COMPREPLY for word @1 after @2, command @3, its first argument @4, at position @5.
_barbench_words()
{
	local cur=$1 prev=$2 cmd=$3 sub=$4 cword=$5 help
	if [ "$cword" -eq 1 ]; then
		_barbench_match "$cur" $(barbench --help 2>/dev/null | _barbench_section commands:) help --version --help
		return
	fi
	if [ "$cmd" = help ] && [ "$cword" -eq 2 ]; then
		_barbench_match "$cur" $(barbench --help 2>/dev/null | _barbench_section commands:)
		return
	fi
	# layout SUB: the subcommands from `barbench layout --help`, then SUB's options and arguments
	if [ "$cmd" = layout ] && [ "$cword" -eq 2 ]; then
		_barbench_match "$cur" $(barbench layout --help 2>/dev/null | _barbench_section commands:) help
		return
	fi
	if [ "$cmd" = layout ]; then
		help=$(barbench layout "$sub" --help 2>/dev/null)
	else
		help=$(barbench "$cmd" --help 2>/dev/null)
	fi
	case "$prev" in
	--policy)
		_barbench_list "$cur" all $(barbench plan --help 2>/dev/null | _barbench_section policies:); return ;;
	--as)
		_barbench_match "$cur" $(barbench plan --help 2>/dev/null | _barbench_section policies:); return ;;
	--workload)
		_barbench_list "$cur" $(barbench run --help 2>/dev/null | _barbench_section workloads: | sed 's/:FILE$/:/')
		return ;;
	--runner)
		_barbench_list "$cur" $(barbench run --help 2>/dev/null | _barbench_section runners:); return ;;
	--page-size)
		_barbench_list "$cur" 4K 16K 64K; return ;;
	--device)
		_barbench_devices "$cur"; return ;;
	--layout)
		_barbench_layouts; _barbench_match "$cur" "${_barbench_names[@]}"; _barbench_files "$cur"; return ;;
	esac
	# the value of an option, as its help names it: a file or folder completes file names, another
	# value (N, LIST, SIZE...) nothing
	if [[ "$prev" == -* ]]; then
		case "$(_barbench_value_of "$prev" <<<"$help")" in
		"") ;;
		FILE|DIR|PATH|COSTFILE|TRACE|MERGED|F.so) COMPREPLY=(); _barbench_files "$cur"; return ;;
		*) COMPREPLY=(); return ;;
		esac
	fi
	if [[ "$cur" == -* ]]; then
		_barbench_match "$cur" $(echo "$help" | _barbench_options | sort -u)
		return
	fi
	if [ "$cmd" = layout ] && [ "$sub" = new ]; then
		case "$cur" in
		lspci:*) COMPREPLY=(); _barbench_files "${cur#lspci:}" lspci: ;;
		*) _barbench_match "$cur" lspci: vfio: vfio-user: pci: ;;
		esac
		return
	fi
	# a DEVICE operand (info, plan: the usage line says so; dump's first): a device spec, or a file
	if [[ "$(echo "$help" | head -1)" == "usage: barbench $cmd "*DEVICE* ]] && { [ "$cmd" != dump ] || [ "$cword" -eq 2 ]; }; then
		_barbench_devices "$cur"
		_barbench_files "$cur"
		return
	fi
	case "$cmd" in
	layout|check|advise)
		_barbench_layouts; _barbench_match "$cur" "${_barbench_names[@]}"; _barbench_files "$cur"; return ;;
	esac
	COMPREPLY=()
	_barbench_files "$cur"
}
complete -F _barbench barbench
