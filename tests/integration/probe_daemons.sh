#!/bin/sh
# sockbench probe against real daemons from Debian's packages, each started
# on 127.0.0.1 on a free port with its own configuration in a temp dir
# (tests/probe_daemons_lib.sh) and stopped by PID: protocol, product and
# version of each verdict, exit 0, a time bound, and the retry after
# ngIRCd's per-address connection limit. scripts/deps.sh test installs the
# packages; a daemon whose package Debian does not have is skipped.
. tests/integration_lib.sh
. tests/probe_daemons_lib.sh

# expect NAME PROTOCOL PRODUCT-VERSION-REGEX: start NAME, probe it, check.
expect() {
	name=$1 proto=$2 prodre=$3
	start_"$name"
	rc=$?
	if [ $rc -eq 1 ]; then
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP $name: not installed (run scripts/deps.sh test)"
		return
	fi
	check $rc "$name starts on 127.0.0.1:$port"
	[ $rc -eq 0 ] || return
	"$BIN" probe --json "127.0.0.1:$port" >"$tmp/$name.json"
	prc=$?
	$PYTHON - "$tmp/$name.json" "$proto" "$prodre" "$prc" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"] or {}
pv = (v.get("product", "") + " " + v.get("version", "")).strip()
ok = (v.get("protocol") == sys.argv[2] and v.get("confidence") == "certain"
      and re.fullmatch(sys.argv[3], pv) is not None and sys.argv[4] == "0"
      and d["status"] == "identified" and d["seconds"] < 3.0)
print("# %s: %s %s (%s) in %.2fs, exit %s" % (sys.argv[1].split("/")[-1],
      v.get("protocol"), pv, v.get("confidence"), d["seconds"], sys.argv[4]))
sys.exit(0 if ok else 1)
EOF
	check $? "$name: probe says $proto, certain, product+version /$prodre/, exit 0, under 3 s"
}

expect beanstalkd beanstalkd 'beanstalkd [0-9.]+'
expect gearmand gearman 'gearmand [0-9.]+.*'
expect ngircd irc ''
expect rsyncd rsync 'rsync protocol [0-9.]+'
expect gitdaemon git ''
expect mosquitto mqtt ''
expect nats nats 'nats-server [0-9.]+'
expect dnsmasq dns 'dnsmasq [0-9.]+'
expect slapd ldap ''
expect prosody xmpp ''
expect mariadb mysql 'MariaDB [0-9.]+'
expect postgres postgresql 'PostgreSQL'

expect websocket websocket '.*'

# chargen and daytime, simulated (start_simple): identified; discard says
# nothing, so it is silent, never a guess.
for m in chargen:certain daytime:likely; do
	mode=${m%%:*} conf=${m#*:}
	start_simple "$mode"
	"$BIN" probe --json "127.0.0.1:$port" >"$tmp/$mode.json"
	$PYTHON - "$tmp/$mode.json" "$mode" "$conf" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"] or {}
print("# %s: %s %s in %.2fs" % (sys.argv[2], v.get("protocol"),
      v.get("confidence"), d["seconds"]))
sys.exit(0 if v.get("protocol") == sys.argv[2] and
         v.get("confidence") == sys.argv[3] and d["exit"] == 0 else 1)
EOF
	check $? "$mode (simulated): $mode, $conf, exit 0"
done
start_simple discard
"$BIN" probe --json --timeout 0.5 "127.0.0.1:$port" >"$tmp/discard.json"
$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["status"] == "silent" and d["verdict"] is None and d["exit"] == 1 else 1)' \
    "$tmp/discard.json"
check $? "discard (simulated): silent, no verdict, exit 1"

# ngIRCd serves 5 connections per address: without the probes that get
# its 451, the parallel round is turned away ("too many connections") and
# retried a few at a time, and the summary says so.
if start_ngircd; then
	"$BIN" probe --json --probes \
	    banner,echo,app,http,tls,len16,len32,mqtt,amqp,ldap,rdp,mongodb,kafka \
	    "127.0.0.1:$port" >"$tmp/ngircd-limit.json"
	$PYTHON - "$tmp/ngircd-limit.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = [p for p in d["probes"] if p["retried"]]
print("# %s" % d["summary"])
ok = (len(r) >= 1 and all("too many connections" in p["first_outcome"]
      for p in r) and "per-address connection limit" in d["summary"]
      and all("too many" not in p["received"] for p in r)
      and (d["verdict"] or {}).get("protocol") != "fixed")
sys.exit(0 if ok else 1)
EOF
	check $? "ngircd limit: turned-away probes retried, first outcome kept, summary names the limit"
fi

# No daemon draws a wrong claim when every probe runs (--all).
for name in beanstalkd gearmand rsyncd nats mosquitto; do
	start_"$name" || continue
	"$BIN" probe --all --timeout 0.5 --json "127.0.0.1:$port" >"$tmp/$name-all.json"
	$PYTHON - "$tmp/$name-all.json" "$name" <<'EOF'
import json, sys
want = {"beanstalkd": "beanstalkd", "gearmand": "gearman", "rsyncd": "rsync",
        "nats": "nats", "mosquitto": "mqtt"}[sys.argv[2]]
d = json.load(open(sys.argv[1]))
bad = [(p["name"], p["match"]) for p in d["probes"]
       if p.get("match") not in (None, want)
       and p.get("confidence") in ("likely", "certain")]
print("# %s --all: %s; other claims: %s" % (sys.argv[2],
      d["verdict"]["protocol"], bad))
sys.exit(0 if not bad and d["verdict"]["protocol"] == want else 1)
EOF
	check $? "$name --all: no probe claims another protocol (likely or certain)"
done

echo "1..$tap_n"
