#!/bin/sh
# Acting on a connection from the dashboard (issue 15), in tmux: the send
# line (text and hex, framed by the codec, the echo's reply in the pane),
# pausing and resuming reading (the kernel's receive queue in the details),
# time stamps, transcripts that never overwrite, FIN and RST as the
# embedded server's rows see them, and the mouse (and --no-mouse). Every
# wait is a bounded poll; the tmux server is killed by the cleanup.
. "$(dirname "$0")/../integration_lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "ok 1 # SKIP tmux is not installed"
	exit 0
fi
ui_tmux_init sbact
export XDG_STATE_HOME="$tmp/state"

# ok_if NAME SESSION COMMAND...: a TAP line for the command's status; the
# screen follows a failure.
ok_if() {
	what=$1
	s=$2
	shift 2
	if "$@"; then
		check 0 "$what"
	else
		check 1 "$what"
		ui_show "$s"
	fi
}

# wait_file_line FILE REGEX: until a line of FILE matches the basic regex,
# polling every 0.1 s for up to 10 s; 1 if none did.
wait_file_line() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# not_on SESSION REGEX: the screen does not match (captured now).
not_on() {
	ui_capture "$1"
	! grep -Eq -- "$2" "$tmp/screen"
}

# One client held open after its first exchange, against the embedded
# echo service (line codec): the connection to act on.
cat >"$tmp/hold.txt" <<'SC'
name "hold open"
codec line
service echo
connections 1
timeout 5s

send "hello"
expect "hello"
wait 120s
close
SC

ui_start a ui hold.txt
if ! ui_wait_for a ' 1 cli +open +line'; then
	check 1 "the held connection opens under the dashboard"
	ui_show a
	exit 0
fi
# K keeps closed rows; the rows are newest first: j selects #1 (client).
ui_t send-keys -t a K j

# 1. The send line: text is a line frame, the echo's reply shows.
ui_t send-keys -t a i
ui_t send-keys -t a -l 'ping'
ui_t send-keys -t a Enter
ok_if "i sends a typed line framed by the codec (sent 5 bytes as a line frame)" a \
    ui_wait_for a 'sent 5 bytes to #1 as a line frame'
ok_if "the reply to a sent line shows in the message pane" a \
    ui_wait_for a '← +ping'
ui_t send-keys -t a -l 'x 70 6f 6e 67'
ui_t send-keys -t a Enter
ok_if "x HEX sends those bytes as the body of a frame, and the reply shows" a \
    ui_wait_for a '← +pong'
ui_t send-keys -t a -l 'x 7'
ui_t send-keys -t a Enter
ok_if "bad hex is refused with the reason, nothing sent" a \
    ui_wait_for a 'not sent: an odd number of hex digits'
ui_t send-keys -t a BSpace BSpace BSpace
ui_t send-keys -t a -l 'hex:71'
ui_t send-keys -t a Enter
ok_if "hex: sends those bytes too" a ui_wait_for a '← +q$'
ui_t send-keys -t a Escape
ok_if "Esc closes the send line" a ui_wait_for a ' q quit'

# 2. Pause reading: the row says paused, the echo waits in the kernel.
ui_t send-keys -t a P
ok_if "P pauses reading: the row's state is paused" a \
    ui_wait_for a ' \*1 cli +paused'
ui_t send-keys -t a i
ui_t send-keys -t a -l 'after'
ui_t send-keys -t a Enter Escape d
ok_if "d shows TCP_INFO of the connection" a \
    ui_wait_for a 'tcp ESTABLISHED  rtt [0-9.]+[mu]?s \(var [0-9.]+[mu]?s\)  cwnd [0-9]+'
ok_if "paused, the reply waits in the kernel's receive queue (recv-q 6 B)" a \
    ui_wait_for a 'recv-q 6 B .*READING PAUSED'
sleep 0.5
ok_if "paused, the reply is not read" a not_on a '← +after'
ui_t send-keys -t a P
ok_if "P again resumes: the reply is read and shown" a \
    ui_wait_for a '← +after'
ok_if "resumed, the receive queue is empty" a ui_wait_for a 'recv-q 0 B'
ui_t send-keys -t a d

# 3. Time stamps: relative to the start, delta, absolute again.
ui_t send-keys -t a t
ok_if "t: times relative to the connection's start" a \
    ui_wait_for a '^\+0\.0[0-9]{5} +→ +hello'
ui_t send-keys -t a t
ok_if "t again: delta to the line before" a ui_wait_for a '\[time delta\]'
ui_t send-keys -t a t
ok_if "t a third time: the time of day" a \
    ui_wait_for a '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} +→ +hello'

# 4. Transcripts: a new file each time, its path on the status line.
ui_t send-keys -t a T
if ui_wait_for a 'saved the conversation of #1 to /'; then
	f1=$(ls "$tmp"/sockbench-transcript-*-1.txt 2>/dev/null)
	ok_if "T writes a transcript with the messages and their sizes" a \
	    grep -q -- '-> 5 bytes ping' "$f1"
	ok_if "the transcript has the reply read after the pause" a \
	    grep -Eq -- '\+[0-9.]+ <- 6 bytes after' "$f1"
	cp "$f1" "$tmp/first"
	sleep 1.1	# a new second: a new time stamp in the name
	ui_t send-keys -t a T
	ui_wait_for a 'sockbench-transcript-.*\.txt' >/dev/null
	sleep 0.3
	n=$(ls "$tmp"/sockbench-transcript-*.txt | wc -l)
	ok_if "a second T writes a second file and leaves the first as it was" a \
	    sh -c "[ $n -eq 2 ] && cmp -s '$tmp/first' '$f1'"
else
	check 1 "T writes a transcript and names it"
	ui_show a
fi

# 5. FIN: our side shuts down; the embedded server reads EOF and closes.
ui_t send-keys -t a c
ok_if "c sends a FIN: the pane says so" a \
    ui_wait_for a 'FIN sent from the dashboard'
ok_if "the server side reads the FIN as EOF" a \
    ui_wait_for a ' 2 srv +closed .*\[EOF \(peer closed\)'

# 6. RST on a new connection: the server side sees a reset.
ui_t send-keys -t a Escape +
if ui_wait_for a ' 3 cli +open'; then
	ui_t send-keys -t a g j
	ui_wait_for a 'messages of #3 ' 30 >/dev/null
	ui_t send-keys -t a R
	ok_if "R resets: the row closes with 'reset by us'" a \
	    ui_wait_for a ' 3 cli +closed .*\[reset by us'
	ok_if "the server side sees an RST (connection reset by peer)" a \
	    ui_wait_for a ' 4 srv +failed .*\[connection reset b'
else
	check 1 "+ opens a connection to reset"
	ui_show a
fi

# 7. The mouse: curses asked tmux for it; a click on a heading sorts, a
# click on a row selects it.
ok_if "the dashboard turns mouse reporting on" a \
    sh -c "[ \"\$(tmux -L '$UI_SOCK' -f /dev/null display -p -t a '#{mouse_standard_flag}')\" = 1 ]"
ui_t send-keys -t a -l "$(ui_mouse 0 35 3)$(ui_mouse 3 35 3)"
ok_if "a click on the PEER heading sorts by PEER" a \
    ui_wait_for a 'sorted by PEER'
ui_t send-keys -t a S
ui_wait_for a 'sorted by ID, ascending|sorted by PEER, ascending' 20 >/dev/null
ui_t send-keys -t a -l "$(ui_mouse 0 35 3)$(ui_mouse 3 35 3)"
ui_wait_for a 'sorted by PEER' 20 >/dev/null
# Rows by PEER: find the line of #2 and click it.
ui_capture a
y=$(grep -n '^ *2 srv' "$tmp/screen" | head -1 | cut -d: -f1)
if [ -n "$y" ]; then
	ui_t send-keys -t a -l "$(ui_mouse 0 10 $((y - 1)))$(ui_mouse 3 10 $((y - 1)))"
	ok_if "a click on a row selects it (the pane shows #2)" a \
	    ui_wait_for a 'messages of #2 server'
else
	check 1 "row #2 is on the screen to click"
	ui_show a
fi

# The wheel over the table moves the selection three rows down.
ui_t send-keys -t a Escape g
sleep 0.3
ui_capture a
id=$(sed -n 8p "$tmp/screen" | awk '{ print $1 }' | tr -d '*')
ui_t send-keys -t a -l "$(ui_mouse 65 10 5)"
ok_if "the wheel scrolls the table: the fourth row is selected (#$id)" a \
    ui_wait_for a "messages of #$id "

# 8. q: the runs the actions broke count as failed.
ui_t send-keys -t a q
ok_if "q exits 1: the runs the dashboard closed failed" a \
    ui_wait_for a 'SB-EXIT=1'

# 9. --no-mouse leaves the mouse to the terminal; a `tls` scenario speaks
# TLS under the dashboard, and d shows what its handshake negotiated.
sed 's/^timeout 5s$/timeout 5s\ntls/' "$tmp/hold.txt" >"$tmp/tlshold.txt"
ui_start b ui --no-mouse tlshold.txt
if ui_wait_for b ' 1 cli +open'; then
	ok_if "--no-mouse: no mouse reporting asked for" b \
	    sh -c "[ \"\$(tmux -L '$UI_SOCK' -f /dev/null display -p -t b '#{mouse_any_flag}#{mouse_standard_flag}')\" = 00 ]"
else
	check 1 "ui --no-mouse starts"
	ui_show b
fi
ui_t send-keys -t b j d
ok_if "a tls scenario's connection shows its TLS version, cipher and verification" b \
    ui_wait_for b 'tls TLSv1\.[23] [A-Z0-9_-]+  alpn -  handshake [0-9.]+[mu]?s  verified'
ok_if "and the peer certificate's expiry, subject and issuer" b \
    ui_wait_for b 'peer cert expires [0-9-]+ [0-9:]+ UTC  subject CN=localhost'
# A FIN on a connection its script holds (a wait step): the peer's close
# still shows at once.
ui_t send-keys -t b K c
ok_if "c on a held TLS connection: the server closes, the client row ends" b \
    ui_wait_for b ' 1 cli +(closed|failed) ' 50
# The closed row's details: no socket, and no TLS read from the freed
# connection (ASan's heap-use-after-free before).
ok_if "a closed TLS row's details say socket: closed, without TLS" b \
    sh -c "tmux -L '$UI_SOCK' -f /dev/null capture-pane -p -t b | grep -q 'socket: closed' &&
    ! tmux -L '$UI_SOCK' -f /dev/null capture-pane -p -t b | grep -q 'tls TLSv'"
ui_t send-keys -t b q
ui_wait_for b 'SB-EXIT=' >/dev/null

# 10. A Unix socket's details: no TCP_INFO, its queues and the peer
# process (SO_PEERCRED) of the embedded server's side.
ui_start c ui --listen "unix:@sbact$$" hold.txt
if ui_wait_for c ' 2 srv +open'; then
	ui_t send-keys -t c d
	ok_if "a Unix socket's details say so and give its queues" c \
	    ui_wait_for c 'unix socket \(no TCP_INFO\)'
	ok_if "and the peer process from SO_PEERCRED" c \
	    ui_wait_for c "peer process pid [0-9]+ uid $(id -u) gid $(id -g) \\(SO_PEERCRED\\)"
else
	check 1 "ui --listen unix:@NAME starts"
	ui_show c
fi
ui_t send-keys -t c q
ui_wait_for c 'SB-EXIT=' >/dev/null

# 11. http: "GET /a.txt" becomes a request with Host (the codec's
# builder), and python3 -m http.server's response shows decoded.
hport=$(free_port)
mkdir -p "$tmp/www"
printf 'hello\n' >"$tmp/www/a.txt"
(cd "$tmp/www" && exec $PYTHON -m http.server --protocol HTTP/1.1 \
    --bind 127.0.0.1 "$hport") >"$tmp/http.log" 2>&1 &
pids="$pids $!"
cat >"$tmp/http-hold.txt" <<'SC'
name "http, held open"
codec http
connections 1
timeout 5s

send "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
expect length 0
wait 120s
SC
if wait_port "$hport"; then
	ui_start h ui -C "127.0.0.1:$hport" http-hold.txt
	if ui_wait_for h ' 1 cli +open +http'; then
		ui_t send-keys -t h i
		ui_t send-keys -t h -l 'GET /a.txt'
		ui_t send-keys -t h Enter
		ok_if "http: METHOD PATH is sent as a request with Host" h \
		    ui_wait_for h 'sent [0-9]+ bytes to #1 as an http request'
		# The response first: http.server logs the request after it
		# has answered it.
		ok_if "the response shows decoded, its body at the end" h \
		    ui_wait_for h '^ +hello\\n$'
		ok_if "the server's access log has the request" h \
		    wait_file_line "$tmp/http.log" '"GET /a.txt HTTP/1.1" 200'
	else
		check 1 "the http connection opens"
		ui_show h
	fi
	ui_t send-keys -t h Escape q
	ui_wait_for h 'SB-EXIT=' >/dev/null
else
	check 1 "python3 -m http.server listens"
fi

# 12. serve --ui: P on an accepted connection stops reading it; a client
# writing 64 MiB blocks once the kernel's buffers are full (TCP flow
# control), and the dashboard reads none of it: memory stays bounded.
sport=$(free_port)
ui_start s serve -s echo -l "127.0.0.1:$sport" --ui
if ui_wait_for s 'mode server' && wait_port "$sport"; then
	$PYTHON - "$sport" "$tmp/go" >"$tmp/flood.out" 2>&1 <<'PY' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
s.settimeout(3)
sent, chunk = 0, b"x" * 65536
try:
    while sent < 64 << 20:
        sent += s.send(chunk)
except socket.timeout:
    pass
print(sent, flush=True)
time.sleep(30)
PY
	pids="$pids $!"
	# wait_port's own probe connection comes and goes first: wait for the
	# flood client's row to be the one open.
	if ui_wait_for s ' [0-9]+ srv +open '; then
		ui_t send-keys -t s P
		ok_if "serve --ui: P pauses an accepted connection" s \
		    ui_wait_for s ' \*?[0-9]+ srv +paused '
		: >"$tmp/go"
		i=0
		while [ $i -lt 150 ] && [ ! -s "$tmp/flood.out" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		sent=$(cat "$tmp/flood.out")
		ok_if "the client's writes block before 64 MiB (sent ${sent:-?} bytes)" s \
		    sh -c "[ -n '$sent' ] && [ '$sent' -lt 67108864 ] && [ '$sent' -gt 0 ]"
		ok_if "and the paused row read none of them (BYTES IN 0 B)" s \
		    ui_wait_for s ' [0-9]+ srv +paused +raw +127\.0\.0\.1:[0-9]+ +0 B '
		ui_t send-keys -t s P
		ok_if "P again reads what waited" s \
		    ui_wait_for s ' [0-9]+ srv +open +raw +127\.0\.0\.1:[0-9]+ +[0-9.]+ [KM]iB '
	else
		check 1 "the flood client's row opens"
		ui_show s
	fi
else
	check 1 "serve --ui starts"
	ui_show s
fi
ui_t send-keys -t s q
ui_wait_for s 'SB-EXIT=' >/dev/null
