# Sourced by the interactive zsh that zsh_complete.zsh drives: the
# completion system with $SB_ZDIR first on fpath, TAB as complete-word,
# NUL lines before and after each completion, and compadd wrapped to print
# each match ("HIT:match") before adding it.
PROMPT=
fpath=($SB_ZDIR $fpath)
autoload -U compinit
compinit -u -d $SB_ZDIR/.zcompdump
bindkey '^I' complete-word
null-line() { echo -E - $'\0' }
compprefuncs=( null-line )
comppostfuncs=( null-line exit )
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd() {
	# Calls that only ask (-O, -A, -D) are not offers.
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	typeset -a __hits
	builtin compadd -A __hits "$@"
	local i
	for i in $__hits; do echo -E - "HIT:$IPREFIX$i"; done
	builtin compadd "$@"
}
echo re""ady
