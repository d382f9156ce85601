#!/bin/sh
# The command line: every --help, exit statuses for bad usage, serve's port
# announcement and clean shutdown, and make install with DESTDIR/PREFIX.
. tests/integration_lib.sh

"$BIN" --help >"$tmp/h" 2>&1
check $? "sockbench --help exits 0"
for c in ui run check serve bench probe; do
	grep -q "^  $c " "$tmp/h"
	check $? "sockbench --help lists $c"
	"$BIN" $c --help >"$tmp/c" 2>&1 && grep -q "^Usage\|^usage" "$tmp/c"
	check $? "sockbench $c --help exits 0 with a usage line"
done
"$BIN" frobnicate >"$tmp/o" 2>&1
check $(( $? == 2 ? 0 : 1 )) "an unknown command exits 2"
grep -q "unknown command 'frobnicate'" "$tmp/o"
check $? "an unknown command is named"
"$BIN" serve --listen nonsense >"$tmp/o" 2>&1
check $(( $? == 2 ? 0 : 1 )) "serve with a bad address is a usage error (exit 2)"
grep -q "expected HOST:PORT" "$tmp/o"
check $? "a bad address says what was expected"
"$BIN" serve --service nosuch >"$tmp/o" 2>&1
check $(( $? == 2 ? 0 : 1 )) "an unknown service exits 2"
"$BIN" run --format xml x.txt >"$tmp/o" 2>&1
check $(( $? == 2 ? 0 : 1 )) "an unknown report format exits 2"
"$BIN" </dev/null >"$tmp/o" 2>&1
check $(( $? == 2 ? 0 : 1 )) "the dashboard without a terminal exits 2"
grep -q "sockbench run" "$tmp/o"
check $? "and points to sockbench run"

serve one -s echo
kill -INT "$pid"
wait "$pid"
check $? "serve exits 0 on SIGINT"
grep -q "shutting down" "$tmp/one.err"
check $? "serve says it is shutting down"

make --no-print-directory install DESTDIR="$tmp/inst" PREFIX=/opt/sb >"$tmp/o" 2>&1
check $? "make install with DESTDIR and PREFIX"
[ -x "$tmp/inst/opt/sb/bin/sockbench" ] && [ -f "$tmp/inst/opt/sb/share/man/man1/sockbench.1" ]
check $? "the binary and the man page are installed under DESTDIR/PREFIX"

"$BIN" serve -w 3 -q -l 127.0.0.1:0 >"$tmp/w.out" 2>&1 &
wpid=$!
pids="$pids $wpid"
i=0
while [ $i -lt 100 ] && ! grep -q "with 3 workers" "$tmp/w.out"; do sleep 0.05; i=$((i + 1)); done
wport=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) with 3 workers$/\1/p' "$tmp/w.out")
[ -n "$wport" ] && [ "$wport" -ne 0 ]
check $? "serve --workers with port 0 announces the one free port they share"
python3 tests/peers/seed_clients.py multiconn "$wport" 60 "Message 1 from client." "Message 2 from client." >"$tmp/o" 2>&1
check $? "all workers echo on that port"
kill -TERM "$wpid"
wait "$wpid"
check $? "the workers' parent exits 0 on SIGTERM"

# ui refuses a scenario path that is not a regular file at once (in a pty,
# so it gets past the terminal check), like run and check.
if command -v script >/dev/null 2>&1; then
	mkfifo "$tmp/fifo.txt"
	timeout -k 1 10 script -qec "$BIN ui $tmp/fifo.txt" /dev/null </dev/null >"$tmp/ui.out" 2>&1
	check $(( $? == 2 ? 0 : 1 )) "ui with a FIFO as scenario exits 2 at once"
	grep -q "fifo.txt: cannot read: not a regular file: a FIFO (pipe)" "$tmp/ui.out"
	check $? "and says it is not a regular file"
else
	echo "ok # SKIP script(1) is not installed"
fi

# No command calls into another command's file: what each src/cmd/cmd_*.o
# needs from outside must not be defined by another cmd_*.o (the dashboard
# writes a probe's starter scenario through src/probe_scenario.c).
BUILD=${BUILD:-build}
bad=""
for o in "$BUILD"/src/cmd/cmd_*.o; do
	for u in $(nm -u "$o" | awk '{print $2}'); do
		for d in "$BUILD"/src/cmd/cmd_*.o; do
			[ "$d" = "$o" ] && continue
			nm --defined-only -g "$d" | awk '{print $3}' |
			    grep -qx "$u" && bad="$bad $(basename "$o")->$u@$(basename "$d")"
		done
	done
done
[ -z "$bad" ] && [ -f "$BUILD/src/cmd/cmd_ui.o" ]
check $? "no command's object calls a function another command's defines:${bad:- none}"

# No function over 120 lines in the files already split (issue 20): a
# function runs from its name at the start of a line to the next "}" there.
long=$(awk 'FNR == 1 { start = 0 }
	/^[a-z_][a-z_0-9]*\(/ { name = $1; start = FNR }
	/^}/ && start { if (FNR - start > 120) printf " %s:%s(%d)", FILENAME, name, FNR - start; start = 0 }' \
    src/*.c src/*/*.c proto/*.c ui/*.c)
[ -z "$long" ]
check $? "no function over 120 lines in src, proto and ui:${long:- none}"
