# Starting Debian's daemons for the probe tests and the probe benchmark
# (POSIX sh, sourced after tests/integration_lib.sh, which gives $tmp,
# $pids, free_port and wait_port). Each start_NAME starts one daemon on
# 127.0.0.1 on a free port with its own configuration under $tmp, adds
# its PID to $pids (the trap stops it by PID), sets $port and returns 0;
# it returns 1 when the daemon is not installed and 2 when it did not
# start listening.

# Run a command as nobody in the same process (exec, so $! is its PID).
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups --"

# daemon_wait NAME PID: wait for $port; 2 (and the log) if nothing listens.
daemon_wait() {
	pids="$pids $2"
	if ! wait_port "$port" "${3:-200}"; then
		echo "# $1 did not listen on $port:"
		sed 's/^/#   /' "$tmp/$1.log" 2>/dev/null | tail -5
		return 2
	fi
	return 0
}

start_beanstalkd() {
	command -v beanstalkd >/dev/null || return 1
	port=$(free_port)
	beanstalkd -l 127.0.0.1 -p "$port" >"$tmp/beanstalkd.log" 2>&1 &
	daemon_wait beanstalkd $!
}

start_gearmand() {
	command -v gearmand >/dev/null || return 1
	port=$(free_port)
	gearmand --listen=127.0.0.1 --port="$port" --log-file=stderr \
	    --pid-file="$tmp/gearmand-$port.pid" --threads=1 \
	    >"$tmp/gearmand.log" 2>&1 &
	daemon_wait gearmand $!
}

start_ngircd() {
	command -v ngircd >/dev/null || return 1
	port=$(free_port)
	mkdir -p "$tmp/ngircd-$port"
	cat >"$tmp/ngircd-$port/ngircd.conf" <<EOF
[Global]
	Name = irc.example.net
	Info = sockbench probe test
	Listen = 127.0.0.1
	Ports = $port
	PidFile = $tmp/ngircd-$port/ngircd.pid
	ServerUID = $(id -u nobody)
	ServerGID = $(id -g nobody)
[Options]
	DNS = no
	Ident = no
	PAM = no
EOF
	ngircd -n -f "$tmp/ngircd-$port/ngircd.conf" >"$tmp/ngircd.log" 2>&1 &
	daemon_wait ngircd $!
}

start_rsyncd() {
	command -v rsync >/dev/null || return 1
	port=$(free_port)
	mkdir -p "$tmp/rsyncd-$port/share"
	cat >"$tmp/rsyncd-$port/rsyncd.conf" <<EOF
pid file = $tmp/rsyncd-$port/rsyncd.pid
use chroot = no
[share]
	path = $tmp/rsyncd-$port/share
	read only = yes
EOF
	rsync --daemon --no-detach --address=127.0.0.1 --port="$port" \
	    --config="$tmp/rsyncd-$port/rsyncd.conf" >"$tmp/rsyncd.log" 2>&1 &
	daemon_wait rsyncd $!
}

start_gitdaemon() {
	command -v git >/dev/null || return 1
	git daemon -h 2>&1 | grep -q listen || return 1
	port=$(free_port)
	mkdir -p "$tmp/git-$port"
	git daemon --listen=127.0.0.1 --port="$port" \
	    --base-path="$tmp/git-$port" --informative-errors --reuseaddr "$tmp/git-$port" \
	    >"$tmp/gitdaemon.log" 2>&1 &
	daemon_wait gitdaemon $!
}

start_mosquitto() {
	command -v mosquitto >/dev/null || return 1
	port=$(free_port)
	cat >"$tmp/mosquitto-$port.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
EOF
	mosquitto -c "$tmp/mosquitto-$port.conf" >"$tmp/mosquitto.log" 2>&1 &
	daemon_wait mosquitto $!
}

start_nats() {
	command -v nats-server >/dev/null || return 1
	port=$(free_port)
	nats-server -a 127.0.0.1 -p "$port" >"$tmp/nats.log" 2>&1 &
	daemon_wait nats $!
}

start_dnsmasq() {
	command -v dnsmasq >/dev/null || return 1
	port=$(free_port)
	dnsmasq -k --conf-file=/dev/null --port="$port" \
	    --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
	    --no-hosts --pid-file="$tmp/dnsmasq-$port.pid" --user="$(id -un)" \
	    >"$tmp/dnsmasq.log" 2>&1 &
	daemon_wait dnsmasq $!
}

start_slapd() {
	[ -x /usr/sbin/slapd ] || return 1
	port=$(free_port)
	mkdir -p "$tmp/slapd-$port"
	cat >"$tmp/slapd-$port/slapd.conf" <<EOF
pidfile $tmp/slapd-$port/slapd.pid
EOF
	/usr/sbin/slapd -d 0 -h "ldap://127.0.0.1:$port/" \
	    -f "$tmp/slapd-$port/slapd.conf" >"$tmp/slapd.log" 2>&1 &
	daemon_wait slapd $!
}

start_prosody() {
	chmod 755 "$tmp"
	command -v prosody >/dev/null || return 1
	port=$(free_port)
	mkdir -p "$tmp/prosody-$port/data"
	cat >"$tmp/prosody-$port/prosody.cfg.lua" <<EOF
pidfile = "$tmp/prosody-$port/prosody.pid"
data_path = "$tmp/prosody-$port/data"
daemonize = false
c2s_ports = { $port }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
c2s_direct_tls_ports = { }
log = { { levels = { min = "error" }, to = "console" } }
modules_enabled = { "disco" }
VirtualHost "example.net"
EOF
	chown -R nobody "$tmp/prosody-$port"
	$NOBODY prosody --config "$tmp/prosody-$port/prosody.cfg.lua" -F \
	    >"$tmp/prosody.log" 2>&1 &
	daemon_wait prosody $!
}

start_mariadb() {
	command -v mariadbd >/dev/null || return 1
	command -v mariadb-install-db >/dev/null || return 1
	port=$(free_port)
	mkdir -p "$tmp/mariadb-$port"
	mariadb-install-db --no-defaults --datadir="$tmp/mariadb-$port/data" \
	    --user="$(id -un)" --auth-root-authentication-method=normal \
	    --skip-test-db >"$tmp/mariadb.log" 2>&1 || return 2
	mariadbd --no-defaults --datadir="$tmp/mariadb-$port/data" \
	    --socket="$tmp/mariadb-$port/sock" --port="$port" \
	    --bind-address=127.0.0.1 --user="$(id -un)" --skip-log-bin \
	    --pid-file="$tmp/mariadb-$port/pid" >>"$tmp/mariadb.log" 2>&1 &
	daemon_wait mariadb $! 400
}

start_postgres() {
	chmod 755 "$tmp"
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
	[ -n "$pgbin" ] && [ -x "$pgbin/postgres" ] || return 1
	port=$(free_port)
	mkdir -p "$tmp/pg-$port"
	chown nobody "$tmp/pg-$port"
	$NOBODY "$pgbin/initdb" -A reject -D "$tmp/pg-$port/data" \
	    >"$tmp/postgres.log" 2>&1 || return 2
	$NOBODY "$pgbin/postgres" -D "$tmp/pg-$port/data" -p "$port" \
	    -h 127.0.0.1 -k "$tmp/pg-$port" >>"$tmp/postgres.log" 2>&1 &
	daemon_wait postgres $! 400
}

# A WebSocket echo server of python3-websockets (Debian's), on /.
start_websocket() {
	$PYTHON -c 'import websockets' 2>/dev/null || return 1
	port=$(free_port)
	$PYTHON -c '
import asyncio, sys, websockets
async def echo(ws, path=None):
    async for m in ws:
        await ws.send(m)
async def main():
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1])):
        await asyncio.Future()
asyncio.run(main())' "$port" >"$tmp/websocket.log" 2>&1 &
	daemon_wait websocket $!
}

# RFC 864 chargen, RFC 867 daytime and RFC 863 discard, as the small
# python3 servers inetd's internal services are (no Debian package runs
# them on a free port): MODE is chargen, daytime or discard.
start_simple() {
	port=$(free_port)
	$PYTHON -c '
import socket, sys, threading, time
mode, port = sys.argv[1], int(sys.argv[2])
ring = bytes(range(32, 127))
def serve(c):
    try:
        if mode == "daytime":
            c.sendall(time.strftime("%A, %B %d, %Y %H:%M:%S-UTC\r\n",
                                    time.gmtime()).encode())
        elif mode == "chargen":
            i = 0
            while True:
                line = (ring * 2)[i % 95:i % 95 + 72] + b"\r\n"
                c.sendall(line)
                i += 1
        else:
            while c.recv(4096):
                pass
    except OSError:
        pass
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$1" "$port" >"$tmp/simple.log" 2>&1 &
	daemon_wait "simple-$1" $!
}
