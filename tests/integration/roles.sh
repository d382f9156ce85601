#!/bin/sh
# Roles, barriers and signals (issue 14): the shipped pub/sub scenario
# over a real redis-server (a publisher and 3 subscribers in one file),
# its failure when one subscriber listens elsewhere (grouped by role in
# the text and JSON reports), a subscriber that fails before the barrier
# (the others are released at once with the reason, not after the
# timeout), and on the embedded echo: a barrier timeout that names who did
# not arrive, and check errors at file:line:col. redis-server listens on
# 127.0.0.1 on a free port and is stopped by PID. Prints TAP lines.
set -u
BUILD=${BUILD:-build}
. tests/integration_lib.sh
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

free_port() {
	$PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		$PYTHON -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" \
		    2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# has DESC TEXT: one TAP line for whether the last output holds TEXT.
has() {
	grep -qF -- "$2" "$tmp/out"
	rc=$?
	check $rc "$1"
	[ $rc -eq 0 ] || { echo "# wanted: $2"; sed 's/^/# got: /' "$tmp/out"; }
}

# run_rc DESC WANT ARGS...: run sockbench, one TAP line for the exit.
run_rc() {
	desc=$1 want=$2
	shift 2
	timeout -k 1 30 "$BIN" "$@" >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ]
	check $? "$desc (exit $rc, want $want)"
	[ "$rc" -eq "$want" ] || sed 's/^/# /' "$tmp/out"
}

# --- redis-server pub/sub ----------------------------------------------
if command -v redis-server >/dev/null 2>&1; then
	rport=$(free_port)
	redis-server --port "$rport" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	rpid=$!
	pids="$pids $rpid"
	if wait_port "$rport"; then
		run_rc "pub/sub: 1 publisher and 3 subscribers pass against redis-server" \
		    0 run -C "127.0.0.1:$rport" scenarios/servers/redis/pubsub-roles.txt
		has "the report counts the subscribers" \
		    "role subscriber: 3/3 connections passed"
		has "and the publisher" "role publisher: 1/1 connections passed"

		"$BIN" run -f json -C "127.0.0.1:$rport" \
		    scenarios/servers/redis/pubsub-roles.txt >"$tmp/ok.json" 2>&1
		$PYTHON - "$tmp/ok.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["passed"] is True, s
assert s["roles"] == [
    {"name": "subscriber", "connections": 3, "passed": 3, "failed": 0},
    {"name": "publisher", "connections": 1, "passed": 1, "failed": 0}], s
PY
		check $? "the JSON report has per-role counts"

		# One subscriber listens on another channel: redis reaches 2,
		# and that subscriber never gets the message.
		sed 's/^  send "SUBSCRIBE news"$/  if conn == 2\n    send "SUBSCRIBE other"\n    expect push json ["subscribe", "other", 1]\n  else\n    send "SUBSCRIBE news"\n    expect push json ["subscribe", "news", 1]\n  end/; /^  expect push json \["subscribe", "news", 1\]$/d; s/^timeout 3s$/timeout 1s/' \
		    scenarios/servers/redis/pubsub-roles.txt >"$tmp/elsewhere.txt"
		run_rc "pub/sub: a subscriber on another channel fails the run" \
		    1 run -C "127.0.0.1:$rport" "$tmp/elsewhere.txt"
		has "the publisher's PUBLISH reached 2, not 3" \
		    "connection 4 (publisher #1): expect int: expected int 3, got 2"
		has "the odd subscriber is named by role" \
		    "first: connection 2 (subscriber #2)"
		has "the per-role counts say who failed" \
		    "roles: subscriber 2/3 passed, publisher 0/1 passed"
		"$BIN" run -f json -C "127.0.0.1:$rport" "$tmp/elsewhere.txt" \
		    >"$tmp/bad.json" 2>&1
		$PYTHON - "$tmp/bad.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
roles = {r["name"]: (r["passed"], r["failed"]) for r in s["roles"]}
assert roles == {"subscriber": (2, 1), "publisher": (0, 1)}, roles
by = {f["role"]: f for f in s["failures"]}
assert by["publisher"]["role_connection"] == 1, by
assert by["subscriber"]["role_connection"] == 2, by
PY
		check $? "JSON failures carry role and role_connection"

		# Ping-pong through redis: each round's `wait for` waits for
		# the other role's next value (the review's repro).
		printf '%s\n' 'codec resp' 'timeout 2s' 'role a 1' '  repeat 3' \
		    '    set v "a" .. randstr(4)' '    send "SET k ${v}"' \
		    '    expect "OK"' '    signal turn v' \
		    '    wait for back as w timeout 1s' '    send "GET k"' \
		    '    expect "${w}"' '  end' 'end' 'role b 1' '  repeat 3' \
		    '    wait for turn as t timeout 1s' '    send "GET k"' \
		    '    expect "${t}"' '    set u "b" .. randstr(4)' \
		    '    send "SET k ${u}"' '    expect "OK"' '    signal back u' \
		    '  end' 'end' >"$tmp/pingpong.txt"
		run_rc "ping-pong: a wait for in a repeat waits for each round's value" \
		    0 run -C "127.0.0.1:$rport" "$tmp/pingpong.txt"
		has "both roles pass" "PASS $tmp/pingpong.txt  2/2 connections"

		# A subscriber whose command fails never reaches the barrier:
		# everyone else is released with that reason at once, well
		# before the barrier's 5 s timeout.
		sed 's/^  send "SUBSCRIBE news"$/  if conn == 3\n    send "NOSUCHCOMMAND"\n  else\n    send "SUBSCRIBE news"\n  end/' \
		    scenarios/servers/redis/pubsub-roles.txt >"$tmp/dies.txt"
		t0=$(date +%s)
		run_rc "pub/sub: a subscriber that fails before the barrier fails the run" \
		    1 run -C "127.0.0.1:$rport" "$tmp/dies.txt"
		t1=$(date +%s)
		[ $((t1 - t0)) -le 2 ]
		check $? "the others do not wait out the barrier's timeout ($((t1 - t0))s)"
		has "they fail naming the connection that never arrives" \
		    "barrier 'subscribed': subscriber #3 (connection 3) ended before the barrier was complete (scenario failed at"
		has "grouped at the barrier" "(barrier broken), first: connection"
	else
		check 1 "redis-server starts"
	fi
	kill "$rpid" 2>/dev/null
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP redis-server is not installed"
fi

# --- embedded echo ------------------------------------------------------
cat >"$tmp/late.txt" <<'EOF'
codec line
service echo
role early 2
  barrier go timeout 300ms
end
role late 1
  wait 2s
  barrier go
end
EOF
run_rc "a barrier timeout fails the run" 1 run "$tmp/late.txt"
has "it names who did not arrive" \
    "barrier 'go': 2 of 3 connections arrived within 0.3s; not arrived: late #1 (connection 3)"

printf 'codec line\nservice echo\nrole a 1\n  wait for go as v timeout 5s\n  send "${v}"\n  expect "${v}"\nend\nrole b 1\n  signal go "x-" .. str(6 * 7)\nend\n' \
    >"$tmp/sig.txt"
run_rc "a signal value passes from one role to another" 0 run "$tmp/sig.txt"

# A barrier without a list meets the roles that reach it: role b has no
# barrier step and is not waited for.
printf 'codec line\nservice echo\nrole a 30\n  barrier g timeout 2s\nend\nrole b 5\n  wait 1s\nend\n' \
    >"$tmp/deflist.txt"
run_rc "a list-less barrier does not wait for a role without it" 0 run "$tmp/deflist.txt"
has "all 35 pass" "PASS $tmp/deflist.txt  35/35 connections"

printf 'role a 1\n  barrier x a,b\nend\n' >"$tmp/e1.txt"
run_rc "check: an unknown role in a barrier's list" 2 check "$tmp/e1.txt"
has "is refused at file:line:col with the roles" \
    "e1.txt:2:13: expected a role name in the barrier's list, got 'b'"
printf 'role a 1\n  wait for redy\nend\nrole b 1\n  signal ready\nend\n' \
    >"$tmp/e2.txt"
run_rc "check: a wait for a signal nobody sends" 2 check "$tmp/e2.txt"
has "is refused with the nearest name" "hint: did you mean 'ready'?"
printf 'connections 3\nrole a 1\nend\n' >"$tmp/e3.txt"
run_rc "check: connections beside roles" 2 check "$tmp/e3.txt"
has "is refused" "e3.txt:1:1: expected no 'connections' in a file with roles, got one"
run_rc "check: the pub/sub file passes check" 0 check scenarios/servers/redis/pubsub-roles.txt
has "counting every role's connections" \
    "scenarios/servers/redis/pubsub-roles.txt: ok (12 steps, codec resp, 4 connections, 2 roles)"

# --- the dashboard groups connections by role ----------------------------
if command -v tmux >/dev/null 2>&1; then
	sock="sbroles$$"
	tm() { tmux -L "$sock" "$@"; }
	mkdir -p "$tmp/home"
	tm new-session -d -s sb -x 140 -y 30 \
	    "env HOME=$tmp/home XDG_STATE_HOME=$tmp/home $BIN ui scenarios/examples/roles-signal.txt"
	i=0
	while [ $i -lt 100 ]; do
		tm capture-pane -p -t sb >"$tmp/screen" 2>/dev/null
		grep -q " leader  *closed" "$tmp/screen" &&
		    [ "$(grep -c " follower  *closed" "$tmp/screen")" -eq 3 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "runs 4 passed 0 failed (leader 1/1 follower 3/3)" "$tmp/screen"
	check $? "dashboard: the header counts each role's passed connections"
	grep -q " ROLE  *STATE" "$tmp/screen"
	check $? "dashboard: the side column is headed ROLE"
	[ "$(grep -c ' follower  *closed  *line' "$tmp/screen")" -eq 3 ] &&
	    [ "$(grep -c ' leader  *closed  *line' "$tmp/screen")" -eq 1 ]
	check $? "dashboard: each client connection shows its role"
	grep -q " leader  *closed" "$tmp/screen" || sed 's/^/# /' "$tmp/screen"
	tm send-keys -t sb q
	sleep 0.3
	tm kill-server >/dev/null 2>&1 || true
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP tmux is not installed"
fi

# --- options that cannot apply to roles are refused, not ignored ------------
run_rc "run -c N on a file with roles does not start" 3 run -c 3 scenarios/examples/roles-signal.txt
has "and says each role states its count" \
    "--conns: scenarios/examples/roles-signal.txt has roles, and each role states its own connection count"
"$BIN" bench --scenario scenarios/examples/roles-signal.txt -d 1 >"$tmp/out" 2>&1
[ $? -ne 0 ]
check $? "bench --scenario on a file with roles fails"
has "naming why" "no send step outside its roles"
