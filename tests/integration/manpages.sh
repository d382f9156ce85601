#!/bin/sh
# The man pages, docs/sockbench.1 and docs/sockbench-scenario.5: groff and
# man-db find nothing to warn about (lintian's manpage checks: groff -ww,
# `man --warnings`, a whatis entry lexgrog can read), and every environment
# variable the code reads (getenv in src/, ui/, proto/) is in sockbench(1)'s
# ENVIRONMENT section. That every command, option, key and directive of the
# tables is in them is tests/unit/test_manpages.c.
. "$(dirname "$0")/../integration_lib.sh"

for page in docs/sockbench.1 docs/sockbench-scenario.5; do
	groff -ww -z -man -Tutf8 "$page" >"$tmp/groff" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/groff" ]
	check $? "groff -ww -z -man $page: no warnings (exit $rc)"
	[ -s "$tmp/groff" ] && sed 's/^/# /' "$tmp/groff"
	if command -v man >/dev/null 2>&1; then
		# What lintian runs (checks/documentation/manual.pm).
		LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		    man --warnings -E UTF-8 -l -Tutf8 -Z "$page" >/dev/null \
		    2>"$tmp/man"
		rc=$?
		[ $rc -eq 0 ] && [ ! -s "$tmp/man" ]
		check $? "man --warnings -l $page: no warnings (exit $rc)"
		[ -s "$tmp/man" ] && sed 's/^/# /' "$tmp/man"
	else
		check 0 "man --warnings # SKIP man-db not installed"
	fi
	if command -v lexgrog >/dev/null 2>&1; then
		out=$(lexgrog "$page" 2>&1)
		echo "$out" | grep -q ': parse failed'
		[ $? -ne 0 ] && echo "$out" | grep -q -- ' - '
		check $? "lexgrog reads the whatis entry of $page ($out)"
	else
		check 0 "lexgrog # SKIP man-db not installed"
	fi
done

# Every variable passed to getenv, by name or through a macro, is in the
# ENVIRONMENT section (named between .SH ENVIRONMENT and the next .SH).
env=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' docs/sockbench.1)
vars=$(grep -rhoE 'getenv\(("[A-Za-z_0-9]+"|[A-Z_0-9]+)\)' src ui proto |
    sed 's/getenv(//; s/)$//' | LC_ALL=C sort -u)
missing=""
n=0
for v in $vars; do
	case $v in
	\"*) name=$(echo "$v" | tr -d '"') ;;
	*) name=$(grep -rhE "#define[[:space:]]+$v[[:space:]]+\"" src ui proto |
	    sed 's/.*"\(.*\)".*/\1/' | head -1) ;;
	esac
	[ -n "$name" ] || { missing="$missing $v(macro not found)"; continue; }
	n=$((n + 1))
	echo "$env" | grep -qw -- "$name" ||
	    missing="$missing $name"
done
[ -z "$missing" ] && [ "$n" -ge 5 ]
check $? "the $n variables the code reads with getenv are items of ENVIRONMENT${missing:+ (missing:$missing)}"

# Both pages carry the version the binary prints.
v=$("$BIN" --version | awk '{print $2}')
grep -q "^\.TH SOCKBENCH 1 \".*\" \"sockbench $v\"" docs/sockbench.1 &&
    grep -q "^\.TH SOCKBENCH\\\\-SCENARIO 5 \".*\" \"sockbench $v\"" docs/sockbench-scenario.5
check $? "both pages are of sockbench $v (sockbench --version)"

# The pages name each other.
grep -q 'sockbench\\-scenario (5)' docs/sockbench.1 &&
    grep -q '^\.BR sockbench (1)' docs/sockbench-scenario.5
check $? "sockbench(1) and sockbench-scenario(5) refer to each other"
