#!/bin/sh
# Clients behaving like the seed articles' clients, against `sockbench
# serve`: every seed client must get exactly the seed server's bytes.
. tests/integration_lib.sh
P=tests/peers/seed_clients.py

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

mkdir -p "$tmp/root"
head -c 100000 /dev/urandom >"$tmp/root/blob.bin"
serve file -s "file:root=$tmp/root"
python3 $P file "$port" blob.bin 100000 >"$tmp/o" 2>&1
check $? "S4 seed 003 file client downloads 100000 bytes; a command is refused"

serve prefix -s "echo:prefix=服务端收到, 你发的消息是: "
python3 $P once "$port" "hello" "服务端收到, 你发的消息是: hello" >"$tmp/o" 2>&1
check $? "S5 seed 004 blocking echo: Chinese prefix + message"
serve fixed -s "echo:fixed=data from server"
python3 $P once "$port" "anything" "data from server" >"$tmp/o" 2>&1
check $? "S5 seed 004 non-blocking server: fixed 16-byte reply"
serve tilde -s "echo:suffix=~"
python3 $P once "$port" "ping" "ping~" >"$tmp/o" 2>&1
check $? "S5 seed 004 asyncio echo: message + ~"
