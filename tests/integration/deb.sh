#!/bin/sh
# The Debian package (make deb, debian/): built from a copy of the source
# in a temp directory (this tree stays as it was), lintian finds no error
# or warning, and installed with dpkg -i it puts the binary, both man
# pages, the documents, the bash/zsh/fish completions and the scenarios in
# place; the installed sockbench runs an installed example against the
# installed sockbench serve; dpkg --purge removes it all. Installing needs
# root (CI runs as root); without it those steps skip, saying so.
. "$(dirname "$0")/../integration_lib.sh"
src=$(pwd)
installed=0
purge() {
	[ "$installed" = 1 ] && dpkg --purge sockbench >/dev/null 2>&1
	installed=0
}
trap 'purge; cleanup' EXIT INT TERM

# Build-Depends lists the build packages of scripts/deps.sh, no more, no
# less (debhelper-compat aside).
want=$(sed -n 's/^need="\(.*\)"$/\1/p' scripts/deps.sh | head -1 | tr ' ' '\n' |
    LC_ALL=C sort | tr '\n' ' ')
got=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed '$d' |
    sed 's/^Build-Depends://' | tr ',' '\n' | sed 's/^ *//; s/ *$//' |
    grep -v '^debhelper-compat' | grep -v '^$' | LC_ALL=C sort | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ]
check $? "debian/control Build-Depends is scripts/deps.sh's build list ($want)"

# The package's version is the binary's.
bin_version=$("$BIN" --version | awk '{print $2}')
deb_version=$(sed -n '1s/^sockbench (\([^)]*\)).*/\1/p' debian/changelog)
[ -n "$bin_version" ] && [ "${deb_version%%-*}" = "$bin_version" ]
check $? "debian/changelog's version $deb_version is sockbench --version's ($bin_version)"

# The package and make install build their own binary (not $BIN): under
# make asan they would only repeat what make test's run checks.
if [ -n "${SANITIZED:-}" ]; then
	check 0 "make install, make deb, dpkg -i # SKIP the ASan run; make test builds and installs the package"
	exit 0
fi

# make install puts every part below DESTDIR, and nothing outside it.
make --no-print-directory install DESTDIR="$tmp/root" PREFIX=/usr \
    >"$tmp/install.log" 2>&1
rc=$?
(cd "$tmp/root" && find . -type f | LC_ALL=C sort) >"$tmp/installed"
ok=0
for f in ./usr/bin/sockbench ./usr/share/man/man1/sockbench.1 \
    ./usr/share/man/man5/sockbench-scenario.5 ./usr/share/doc/sockbench/README.md \
    ./usr/share/doc/sockbench/scenarios.md \
    ./usr/share/bash-completion/completions/sockbench \
    ./usr/share/zsh/vendor-completions/_sockbench \
    ./usr/share/fish/vendor_completions.d/sockbench.fish \
    ./usr/share/sockbench/scenarios/examples/files/users.csv; do
	grep -qx "$f" "$tmp/installed" || { echo "# make install: no $f"; ok=1; }
done
n_src=$(find scenarios -type f | wc -l)
n_inst=$(grep -c '^./usr/share/sockbench/scenarios/' "$tmp/installed")
[ $rc -eq 0 ] && [ $ok -eq 0 ] && [ "$n_src" -eq "$n_inst" ] &&
    ! grep -qv '^./usr/' "$tmp/installed"
check $? "make install DESTDIR=... PREFIX=/usr installs every part below DESTDIR ($n_inst of $n_src scenario files)"

if [ "$(id -u)" != 0 ]; then
	for what in "make deb" lintian "dpkg -i" "installed files" \
	    "installed run" "dpkg --purge"; do
		check 0 "$what # SKIP not root: installing packages needs root (CI runs as root)"
	done
	exit 0
fi
scripts/deps.sh deb
check $? "scripts/deps.sh deb installs the packaging tools"

# Build in a temp directory; nothing in this tree may change.
before=$(git status --porcelain 2>/dev/null | LC_ALL=C sort)
start=$(date +%s)
make --no-print-directory deb DEB_OUT="$tmp/deb" \
    DEB_BUILD_OPTIONS="parallel=2 nocheck" >"$tmp/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -30 "$tmp/build.log" | sed 's/^/# /'
deb=$(ls "$tmp"/deb/sockbench_*_*.deb 2>/dev/null | head -1)
[ $rc -eq 0 ] && [ -f "$deb" ]
check $? "make deb builds $(basename "${deb:-no .deb}") in $(( $(date +%s) - start ))s"
after=$(git status --porcelain 2>/dev/null | LC_ALL=C sort)
[ "$before" = "$after" ]
check $? "the source tree is left as it was"
grep -q -- '-D_FORTIFY_SOURCE=2' "$tmp/build.log" &&
    grep -q -- '-Wl,-z,now' "$tmp/build.log"
check $? "the binary is built with dpkg-buildflags' hardening (fortify, bindnow)"

lintian --fail-on error,warning "$deb" >"$tmp/lintian" 2>&1
rc=$?
grep -E '^[EW]: ' "$tmp/lintian" | sed 's/^/# /'
[ $rc -eq 0 ] && ! grep -qE '^[EW]: ' "$tmp/lintian"
check $? "lintian: no error or warning"

if dpkg-query -W -f='${Status}' sockbench 2>/dev/null | grep -q "ok installed"; then
	check 0 "dpkg -i # SKIP a sockbench package is installed already; not replacing it"
	exit 0
fi
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1
rc=$?
[ $rc -eq 0 ] && installed=1
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/dpkg.log"
check $rc "dpkg -i installs it"

# What the package installs, where Debian's tools look for it.
ok=0
for f in /usr/bin/sockbench \
    /usr/share/man/man1/sockbench.1.gz \
    /usr/share/man/man5/sockbench-scenario.5.gz \
    /usr/share/doc/sockbench/copyright \
    /usr/share/doc/sockbench/README.md.gz \
    /usr/share/doc/sockbench/scenarios.md.gz \
    /usr/share/bash-completion/completions/sockbench \
    /usr/share/zsh/vendor-completions/_sockbench \
    /usr/share/fish/vendor_completions.d/sockbench.fish \
    /usr/share/sockbench/scenarios/examples/s1-multiconn-echo.txt \
    /usr/share/sockbench/scenarios/examples/files/users.csv; do
	[ -f "$f" ] || { echo "# missing $f"; ok=1; }
done
check $ok "the binary, man pages, documents, completions and scenarios are installed"
[ "$(/usr/bin/sockbench --version)" = "sockbench $bin_version" ]
check $? "the installed sockbench --version is $bin_version"
[ "$(man -w sockbench)" = /usr/share/man/man1/sockbench.1.gz ] &&
    [ "$(man -w 5 sockbench-scenario)" = /usr/share/man/man5/sockbench-scenario.5.gz ]
check $? "man finds sockbench(1) and sockbench-scenario(5)"
man 5 sockbench-scenario 2>/dev/null | grep -q 'barrier NAME'
check $? "man 5 sockbench-scenario renders the directives"
ok=0
for sh in bash zsh fish; do
	case $sh in
	bash) f=/usr/share/bash-completion/completions/sockbench ;;
	zsh) f=/usr/share/zsh/vendor-completions/_sockbench ;;
	fish) f=/usr/share/fish/vendor_completions.d/sockbench.fish ;;
	esac
	/usr/bin/sockbench completion $sh | cmp -s - "$f" || ok=1
done
check $ok "the installed completions are what the installed binary prints"
out=$(bash -c 'source /usr/share/bash-completion/completions/sockbench
    COMP_LINE="sockbench run --format j"; COMP_POINT=${#COMP_LINE}
    _sockbench; printf "%s " "${COMPREPLY[@]}"')
[ "$out" = "junit json " ]
check $? "the installed bash completion completes (got '$out')"

# The installed client runs an installed example against the installed
# server, and an example that reads files next to it (embedded server).
: >"$tmp/srv.out"
/usr/bin/sockbench serve -l 127.0.0.1:0 -q >"$tmp/srv.out" 2>"$tmp/srv.err" &
srv=$!
pids="$pids $srv"
i=0
port=""
while [ $i -lt 100 ] && [ -z "$port" ]; do
	port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/srv.out" | head -1)
	[ -n "$port" ] || sleep 0.05
	i=$((i + 1))
done
[ -n "$port" ]
check $? "the installed sockbench serve listens (port ${port:-none})"
(cd / && timeout 60 /usr/bin/sockbench run -C "127.0.0.1:$port" \
    /usr/share/sockbench/scenarios/examples/s1-multiconn-echo.txt) >"$tmp/run.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/run.out"
[ $rc -eq 0 ] && grep -q '^PASS .*s1-multiconn-echo.txt' "$tmp/run.out" &&
    grep -q '^1 passed, 0 failed' "$tmp/run.out"
check $? "sockbench run of the installed s1-multiconn-echo.txt against sockbench serve passes (exit $rc)"
(cd / && timeout 60 /usr/bin/sockbench run \
    /usr/share/sockbench/scenarios/examples/data-csv.txt \
    /usr/share/sockbench/scenarios/examples/include-and-call.txt) >"$tmp/run2.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^2 passed, 0 failed' "$tmp/run2.out"
check $? "installed examples reading files/ next to them pass (exit $rc)"

kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
purge
dpkg-query -W -f='${Status}' sockbench 2>/dev/null | grep -q "ok installed"
[ $? -ne 0 ] && [ ! -e /usr/bin/sockbench ] && [ ! -e /usr/share/sockbench ] &&
    [ ! -e /usr/share/man/man1/sockbench.1.gz ] &&
    [ ! -e /usr/share/bash-completion/completions/sockbench ]
check $? "dpkg --purge removes the binary, the man page, the scenarios and the completions"
cd "$src" || exit 1
