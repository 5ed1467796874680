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

_barbench_layouts()
{
	local l names=""
	for l in /usr/share/barbench/layouts /usr/local/share/barbench/layouts layouts; do
		[ -d "$l" ] && names="$names $(ls "$l" | grep -v '\.md$')"
	done
	echo "$names"
}

_barbench()
{
	local cur prev cmd words cword help
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	}
	cmd=${COMP_WORDS[1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(barbench --help 2>/dev/null | _barbench_section commands:) help --version --help" -- "$cur"))
		return
	fi
	if [ "$cmd" = help ] && [ "$COMP_CWORD" -eq 2 ]; then
		COMPREPLY=($(compgen -W "$(barbench --help 2>/dev/null | _barbench_section commands:)" -- "$cur"))
		return
	fi
	# layout SUB: the subcommands from `barbench layout --help`, then SUB's options and arguments
	if [ "$cmd" = layout ] && [ "$COMP_CWORD" -eq 2 ]; then
		COMPREPLY=($(compgen -W "$(barbench layout --help 2>/dev/null | _barbench_section commands:) help" -- "$cur"))
		return
	fi
	if [ "$cmd" = layout ]; then
		help=$(barbench layout "${COMP_WORDS[2]}" --help 2>/dev/null)
	else
		help=$(barbench "$cmd" --help 2>/dev/null)
	fi
	case "$prev" in
	--policy)
		COMPREPLY=($(compgen -W "all $(barbench plan --help 2>/dev/null | _barbench_section policies:)" -- "$cur")); return ;;
	--as)
		COMPREPLY=($(compgen -W "$(barbench plan --help 2>/dev/null | _barbench_section policies:)" -- "$cur")); return ;;
	--workload)
		COMPREPLY=($(compgen -W "$(barbench run --help 2>/dev/null | _barbench_section workloads: | sed 's/:FILE$/:/')" -- "$cur"))
		return ;;
	--runner)
		COMPREPLY=($(compgen -W "$(barbench run --help 2>/dev/null | _barbench_section runners:)" -- "$cur")); return ;;
	--page-size)
		COMPREPLY=($(compgen -W "4K 16K 64K 4K,64K 4K,16K,64K" -- "$cur")); return ;;
	--device)
		COMPREPLY=($(compgen -W "$(for n in $(_barbench_layouts); do printf 'emu:%s ' "$n"; done) vfio: vfio-user: pci:" -- "$cur"))
		return ;;
	--layout)
		COMPREPLY=($(compgen -f -- "$cur") $(compgen -W "$(_barbench_layouts)" -- "$cur")); return ;;
	esac
	# the value of an option, as its help names it: a file or folder completes file names, another
	# value (N, LIST, SIZE...) nothing
	if [[ "$prev" == -* ]]; then
		case "$(_barbench_value_of "$prev" <<<"$help")" in
		"") ;;
		FILE|DIR|PATH|COSTFILE|TRACE|MERGED|F.so) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		*) COMPREPLY=(); return ;;
		esac
	fi
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$(echo "$help" | _barbench_options | sort -u)" -- "$cur"))
		return
	fi
	if [ "$cmd" = layout ] && [ "${COMP_WORDS[2]}" = new ]; then
		case "$cur" in
		lspci:*) COMPREPLY=($(compgen -f -P lspci: -- "${cur#lspci:}")) ;;
		*) COMPREPLY=($(compgen -W "lspci: vfio: vfio-user: pci:" -- "$cur")) ;;
		esac
		return
	fi
	case "$cmd" in
	layout|check|advise)
		COMPREPLY=($(compgen -f -- "$cur") $(compgen -W "$(_barbench_layouts)" -- "$cur")); return ;;
	esac
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _barbench barbench
