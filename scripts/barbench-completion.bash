# bash completion for barbench: subcommands, options (from each command's --help),
# policies, workloads, runners and shipped layouts.
_barbench()
{
	local cur prev cmd words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	}
	cmd=${COMP_WORDS[1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "info devices dump plan check run calibrate study report compare serve advise layout help --version --help" -- "$cur"))
		return
	fi
	# layout SUB: the subcommands from `barbench layout --help`, then SUB's options and arguments
	if [ "$cmd" = layout ] && [ "$COMP_CWORD" -eq 2 ]; then
		COMPREPLY=($(compgen -W "$(barbench layout --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p') help" -- "$cur"))
		return
	fi
	if [ "$cmd" = layout ] && [ "${COMP_WORDS[2]}" = new ] && [[ "$cur" != -* ]] && [ "$prev" != -o ] &&
	   [ "$prev" != --out ] && [ "$prev" != --name ] && [ "$prev" != --queues ]; then
		case "$cur" in
		lspci:*) COMPREPLY=($(compgen -f -P lspci: -- "${cur#lspci:}")) ;;
		*) COMPREPLY=($(compgen -W "lspci: vfio: vfio-user:" -- "$cur")) ;;
		esac
		return
	fi
	if [ "$cmd" = layout ] && [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$(barbench layout "${COMP_WORDS[2]}" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
		return
	fi
	if [ "$cmd" = layout ] && [ "${COMP_WORDS[2]}" = check ]; then
		local dirs="/usr/share/barbench/layouts /usr/local/share/barbench/layouts layouts"
		local l names=""
		for l in $dirs; do [ -d "$l" ] && names="$names $(ls "$l" | grep -v '\.md$')"; done
		COMPREPLY=($(compgen -f -- "$cur") $(compgen -W "$names" -- "$cur"))
		return
	fi
	case "$prev" in
	--policy)
		COMPREPLY=($(compgen -W "all full holes sparse merged trap budget" -- "$cur")); return ;;
	--workload)
		COMPREPLY=($(compgen -W "lat-read lat-write doorbell stream-read stream-write mix sweep replay:" -- "$cur")); return ;;
	--runner)
		COMPREPLY=($(compgen -W "host guest" -- "$cur")); return ;;
	--page-size)
		COMPREPLY=($(compgen -W "4K 16K 64K 4K,64K 4K,16K,64K" -- "$cur")); return ;;
	--device)
		local dirs="/usr/share/barbench/layouts /usr/local/share/barbench/layouts layouts"
		local l names=""
		for l in $dirs; do [ -d "$l" ] && names="$names $(ls "$l" | grep -v '\.md$')"; done
		COMPREPLY=($(compgen -W "$(for n in $names; do printf 'emu:%s ' "$n"; done) vfio: vfio-user:" -- "$cur"))
		return ;;
	--out|--resume|--socket|--region-info|--cost|--profile|--policy-path|--save|-o)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$(barbench "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _barbench barbench
