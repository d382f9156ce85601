#!/bin/sh
# Clients behaving like the seed articles' clients, against `sockbench
# serve`: every seed client must get exactly the seed server's bytes. Then
# the same clients and the shipped seed scenarios against seed-faithful
# peers (tests/peers/seed_servers.py): a scenario may only check what a
# seed client can rely on, so it passes against either server.
. tests/integration_lib.sh
P=tests/peers/seed_clients.py
S=tests/peers/seed_servers.py

# peer NAME KIND [ARG]: start a seed-faithful server; sets $port.
peer() {
	name=$1
	shift
	python3 "$S" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids="$pids $!"
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/^port //p' "$tmp/$name.out")
		[ -n "$port" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "# could not start the seed peer $*"
	return 1
}

# run_both DESCRIPTION KIND ARG SCENARIOS...: the scenarios against the
# embedded server, then against a seed-faithful KIND peer.
run_both() {
	what=$1 kind=$2 arg=$3
	shift 3
	"$BIN" run "$@" >"$tmp/o" 2>&1
	rc=$?
	[ $rc -ne 0 ] && sed 's/^/# /' "$tmp/o"
	check $rc "seed scenarios $what pass against the embedded server"
	if [ -n "$arg" ]; then
		peer "p$kind" "$kind" "$arg"
	else
		peer "p$kind" "$kind"
	fi
	"$BIN" run -C "127.0.0.1:$port" "$@" >"$tmp/o" 2>&1
	rc=$?
	[ $rc -ne 0 ] && sed 's/^/# /' "$tmp/o"
	check $rc "seed scenarios $what pass against a seed-faithful $kind server"
}

serve echo -s echo
python3 $P multiconn "$port" 2 "Message 1 from client." "Message 2 from client." >"$tmp/o" 2>&1
check $? "S1 seed 000 multiconn client gets its 44 bytes back on every connection"
python3 $P multiconn "$port" 200 "Message 1 from client." "Message 2 from client." >"$tmp/o" 2>&1
check $? "S1 multiconn client with 200 connections gets 44 bytes back on each"
python3 $P multiconn "$port" 5 "message 1 from client" "message 2 from client" >"$tmp/o" 2>&1
check $? "S1 seed 003 selectors client (5 connections, 21-byte messages)"
python3 $P parts "$port" >"$tmp/o" 2>&1
check $? "S2 seed 001 client: 40 sockets, messages in parts"

serve app -s app
python3 $P app "$port" >"$tmp/o" 2>&1
check $? "S3 seed 000 app client: every search row, a miss, invalid action, binary"
cat "$tmp/o" | sed 's/^/# /'
python3 $P appjson "$port" >"$tmp/o" 2>&1
check $? "S3 JSON read as json.loads: last duplicate key wins, \\u0000 kept, trailing bytes refused"
cat "$tmp/o" | sed 's/^/# /'
peer papp app
python3 $P appjson "$port" >"$tmp/o" 2>&1
check $? "S3 the same JSON cases give the same bytes from a seed-faithful app server"

mkdir -p "$tmp/root"
head -c 100000 /dev/urandom >"$tmp/root/blob.bin"
serve file -s "file:root=$tmp/root"
python3 $P file "$port" blob.bin 100000 "$tmp/root/blob.bin" >"$tmp/o" 2>&1
check $? "S4 seed 003 file client downloads 100000 bytes, again by its absolute path; a command is refused"
sed 's/^/# /' "$tmp/o"
peer pfile file "$tmp/root"
python3 $P file "$port" blob.bin 100000 "$tmp/root/blob.bin" >"$tmp/o" 2>&1
check $? "S4 the same file client passes against a seed-faithful file server"

serve prefix -s "echo:prefix=服务端收到, 你发的消息是: "
python3 $P once "$port" "hello" "服务端收到, 你发的消息是: hello" >"$tmp/o" 2>&1
check $? "S5 seed 004 blocking echo: Chinese prefix + message"
serve fixed -s "echo:fixed=data from server"
python3 $P once "$port" "anything" "data from server" >"$tmp/o" 2>&1
check $? "S5 seed 004 non-blocking server: fixed 16-byte reply"
serve tilde -s "echo:suffix=~"
python3 $P once "$port" "ping" "ping~" >"$tmp/o" 2>&1
check $? "S5 seed 004 asyncio echo: message + ~"

# The shipped seed scenarios, each against both kinds of server.
d=scenarios/seed
run_both "S1/S2 (echo)" echo "" $d/s1-*.txt $d/s2-*.txt
run_both "S3 (app)" app "" $d/s3-*.txt
run_both "S4 (file)" file "$d/files" $d/s4-*.txt
run_both "S5 fixed" fixed "data from server" $d/s5-echo-fixed.txt
run_both "S5 prefix" prefix "服务端收到, 你发的消息是: " $d/s5-echo-prefix.txt
run_both "S5 suffix" suffix "~" $d/s5-echo-tilde.txt
