# zsh -f zsh_complete.zsh DIR LINE: print, one per line, the matches zsh's
# completion system offers when TAB is typed after LINE, with the
# completion functions of DIR first on fpath (tests/integration/
# completion.sh). An interactive zsh runs in a pseudo-terminal (zpty);
# compadd is wrapped to print each match it is given, and NUL lines
# before and after the completion mark where the matches are (the method
# of zsh-capture-completion; zsh_complete_init.zsh sets it up).
zmodload zsh/zpty
dir=$1
cur=$2
export SB_ZDIR=$dir
zpty z zsh -f -i
zpty -w z "source ${0:A:h}/zsh_complete_init.zsh"
local line
integer n=0
while zpty -r z line; do
	[[ $line == *ready* ]] && break
	(( ++n > 200 )) && { print -u2 "zsh did not start"; exit 2 }
done
zpty -w z "$cur"$'\t'
integer marks=0
while zpty -r z line; do
	if [[ $line == *HIT:* ]]; then
		line=${line#*HIT:}
		print -r -- "${line%%$'\r'*}"
	fi
	if [[ $line == *$'\0'* ]]; then
		(( ++marks == 2 )) && break
	fi
done
zpty -d z
