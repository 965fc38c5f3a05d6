# bash completion for mlops. The words come from `mlops __complete`, which
# reads the same option tables that parse the command line.
_mlops() {
	local cur words cword
	if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
		_get_comp_words_by_ref -n =: cur words cword
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local IFS=$'\n'
	local out
	out=$("${words[0]}" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null)
	case $out in
	__files__*)
		local ext=${out#__files__}
		ext=${ext# }
		compopt -o filenames 2>/dev/null
		if [ -n "$ext" ]; then
			COMPREPLY=($(compgen -f -X "!*.$ext" -- "$cur") $(compgen -d -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	__dirs__*)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		;;
	*)
		COMPREPLY=($out)
		# "--color=" wants its value next, not a space.
		if [ ${#COMPREPLY[@]} -eq 1 ] && [ "${COMPREPLY[0]%=}" != "${COMPREPLY[0]}" ]; then
			compopt -o nospace 2>/dev/null
		fi
		;;
	esac
}
complete -F _mlops mlops
