#!/bin/sh
# sockbench completion bash|zsh|fish: the bash script completes for real
# (COMP_LINE/COMP_WORDS set as bash sets them, _sockbench called, the exact
# candidates compared), its commands and options are those of --help for
# every command (so a command or option added to the tables is covered),
# the zsh and fish scripts pass their shells' syntax checks, zsh completes
# in a pseudo-terminal (zsh_complete.zsh) and fish through `complete -C`.
. "$(dirname "$0")/../integration_lib.sh"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

"$BIN" completion bash >"$tmp/sb.bash" 2>"$tmp/err"
check $? "completion bash exits 0"

# comp LINE: the candidates bash would offer at the end of LINE, sorted,
# one per line (COMP_LINE and COMP_POINT as bash sets them; COMP_WORDS
# split at COMP_WORDBREAKS is not needed by the script).
comp() {
	(cd "$tmp/files" && bash -c '
		source "$1"
		COMP_LINE=$2
		COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_sockbench
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' _ "$tmp/sb.bash" "$1")
}
# expect LINE WANT...: the candidates at the end of LINE are exactly WANT.
expect() {
	line=$1
	shift
	got=$(comp "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
	[ "$got" = "$want" ]
	rc=$?
	[ $rc -eq 0 ] || echo "# '$line': got [$got], want [$want]"
	check $rc "bash: '$line' completes to: $*"
}

mkdir -p "$tmp/files/sub" "$tmp/files/scen"
: >"$tmp/files/a.txt"
: >"$tmp/files/b.json"
: >"$tmp/files/scen/c.txt"

expect "sockbench ru" run
expect "sockbench c" check completion
expect "sockbench --v" --version
expect "sockbench run --for" --format
expect "sockbench run --format " text tap junit json
expect "sockbench run -f j" json junit
expect "sockbench run --format=j" json junit
expect "sockbench bench --format " text json
expect "sockbench bench --codec len" len16 len32 lenfield
expect "sockbench serve --service e" echo echo:prefix= echo:suffix= \
    echo:fixed= echo:codec=
# A value with ':' or '=': readline replaces only what follows the last
# COMP_WORDBREAKS character, so the candidates are what follows it.
expect "sockbench serve --service echo:" prefix= suffix= fixed= codec=
expect "sockbench serve -s file:codec=js" jsonhdr
expect "sockbench probe -p redis,ht" redis,http redis,http2
# proxy --fault takes a fault spec (SPEC as --service, another kind): the
# directions, then the kinds of the fault table, never a service.
expect "sockbench proxy --fault " upstream: upstream:latency= \
    upstream:bandwidth= upstream:slicer= upstream:merger= \
    upstream:limit_data= upstream:timeout= upstream:reset_peer \
    upstream:blackhole upstream:half_close upstream:corrupt= downstream: \
    downstream:latency= downstream:bandwidth= downstream:slicer= \
    downstream:merger= downstream:limit_data= downstream:timeout= \
    downstream:reset_peer downstream:blackhole downstream:half_close \
    downstream:corrupt=
expect "sockbench proxy -f downstream:la" latency=
expect "sockbench proxy --fault e"
expect "sockbench probe --probes len" len16 len32
expect "sockbench run --tls-max " 1.2 1.3
expect "sockbench completion " bash zsh fish
# Scenario files: *.txt and directories; any file for a FILE option.
expect "sockbench run " a.txt scen sub
expect "sockbench check scen/" scen/c.txt
expect "sockbench run -q " a.txt scen sub
expect "sockbench run -o " a.txt b.json scen sub
expect "sockbench serve --scenario " a.txt scen sub
# Values with nothing to offer, and what follows --.
expect "sockbench bench -c "
expect "sockbench probe "
expect "sockbench run -- -" 

# The commands are those of `sockbench --help`, and each command's options
# those of its --help: the script is made from the same tables.
cmds=$("$BIN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
got=$(comp "sockbench " | grep -v '^--' | LC_ALL=C sort | tr '\n' ' ')
want=$(printf '%s\n' $cmds | LC_ALL=C sort | tr '\n' ' ')
[ -n "$cmds" ] && [ "$got" = "$want" ]
check $? "bash: the commands are those of --help ($want)"
bad=""
for c in $cmds; do
	helpopts=$("$BIN" "$c" --help | grep -o -- '--[a-z][a-z0-9-]*' |
	    LC_ALL=C sort -u)
	compopts=$(comp "sockbench $c -" | grep '^--' | LC_ALL=C sort -u)
	for o in $helpopts; do
		# --help names other commands' options in its examples; only
		# the option list's rows ("  -x, --opt", "      --opt"; not
		# the help texts' continuation lines at column 27) are the
		# command's.
		"$BIN" "$c" --help | grep -Eq "^ {2,6}(-[a-zA-Z], )?$o( |$)" ||
		    continue
		printf '%s\n' $compopts | grep -qx -- "$o" || bad="$bad $c:$o"
	done
done
[ -z "$bad" ]
check $? "bash: every option row of every command's --help completes${bad:+ (missing:$bad)}"

"$BIN" completion tcsh >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "unknown shell 'tcsh'" "$tmp/err"
check $? "an unknown shell is a usage error (exit $rc)"

if command -v zsh >/dev/null 2>&1; then
	"$BIN" completion zsh >"$tmp/_sockbench"
	zsh -n "$tmp/_sockbench"
	check $? "zsh -n accepts the zsh script"
	# Loaded after compinit, it registers _sockbench for sockbench.
	out=$(zsh -f -c 'autoload -U compinit; compinit -u -d "$1/zcd";
	    source "$1/_sockbench"; print -r -- "$_comps[sockbench]"' _ "$tmp")
	[ "$out" = "_sockbench" ]
	check $? "zsh: the script registers _sockbench (got '$out')"

	# zsh completing for real (tests/integration/zsh_complete.zsh: an
	# interactive zsh in a pseudo-terminal, TAB typed after the line).
	mkdir -p "$tmp/zfp"
	cp "$tmp/_sockbench" "$tmp/zfp/_sockbench"
	zharness=$(cd "$(dirname "$0")" && pwd)/zsh_complete.zsh
	# zexpect LINE WANT...: zsh offers exactly WANT at the end of LINE.
	zexpect() {
		line=$1
		shift
		got=$(cd "$tmp/files" && timeout 30 zsh -f "$zharness" "$tmp/zfp" \
		    "$line" | grep -v '^$' | LC_ALL=C sort | tr '\n' ' ')
		want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
		[ "$got" = "$want" ]
		rc=$?
		[ $rc -eq 0 ] || echo "# zsh '$line': got [$got], want [$want]"
		check $rc "zsh: '$line' completes to: $*"
	}
	zexpect "sockbench ru" run
	zexpect "sockbench run --for" --format
	zexpect "sockbench run --format " text tap junit json
	zexpect "sockbench bench --codec len" len16 len32 lenfield
	zexpect "sockbench serve --service echo:" echo:prefix= echo:suffix= \
	    echo:fixed= echo:codec=
	zexpect "sockbench serve -s file:codec=js" file:codec=jsonhdr
	zexpect "sockbench probe -p redis,ht" redis,http redis,http2
	zexpect "sockbench proxy -f downstream:la" downstream:latency=
	zexpect "sockbench check " a.txt scen sub
	zexpect "sockbench completion " bash zsh fish
else
	check 0 "zsh -n # SKIP zsh not installed (scripts/deps.sh test installs it)"
	check 0 "zsh registration # SKIP zsh not installed"
	check 0 "zsh completes # SKIP zsh not installed"
fi

if command -v fish >/dev/null 2>&1; then
	"$BIN" completion fish >"$tmp/sockbench.fish"
	fish -n "$tmp/sockbench.fish"
	check $? "fish -n accepts the fish script"
	# fishc LINE: fish's candidates for LINE (first column), sorted.
	fishc() {
		(cd "$tmp/files" && fish -c 'source $argv[1]; complete -C $argv[2]' \
		    "$tmp/sockbench.fish" "$1" | cut -f1 | LC_ALL=C sort | tr '\n' ' ')
	}
	got=$(fishc "sockbench run --format ")
	[ "$got" = "json junit tap text " ]
	check $? "fish: run --format completes to the formats (got $got)"
	got=$(fishc "sockbench bench --codec len")
	[ "$got" = "len16 len32 lenfield " ]
	check $? "fish: bench --codec len completes to codecs (got $got)"
	got=$(fishc "sockbench proxy --fault upstream:b")
	[ "$got" = "upstream:bandwidth= upstream:blackhole " ]
	check $? "fish: proxy --fault completes fault specs (got $got)"
	got=$(fishc "sockbench ru")
	[ "$got" = "run " ]
	check $? "fish: commands (got $got)"
	got=$(fishc "sockbench check ")
	[ "$got" = "a.txt scen/ sub/ " ]
	check $? "fish: check completes scenario files and directories (got $got)"
else
	check 0 "fish -n # SKIP fish not installed (scripts/deps.sh test installs it)"
fi

# Called as the brief says bash calls it, with COMP_WORDS and COMP_CWORD only
# (no COMP_LINE): the words as given.
got=$(bash -c 'source "$1"; COMP_WORDS=(sockbench bench --format ""); COMP_CWORD=3
    _sockbench; printf "%s " "${COMPREPLY[@]}"' _ "$tmp/sb.bash")
[ "$got" = "text json " ]
check $? "bash: COMP_WORDS without COMP_LINE (got '$got')"
