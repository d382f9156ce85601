# The proxy helpers of tests/integration/proxy*.sh (after
# tests/integration_lib.sh, whose $tmp, $pids and $BIN they use).

# proxy NAME TARGET_PORT ARGS...: start a proxy on a free port; sets
# $pport and $ppid.
proxy() {
	name=$1
	target=$2
	shift 2
	: >"$tmp/$name.pout"
	"$BIN" proxy -l 127.0.0.1:0 -C "127.0.0.1:$target" "$@" \
	    >"$tmp/$name.pout" 2>"$tmp/$name.perr" &
	ppid=$!
	pids="$pids $ppid"
	i=0
	while [ $i -lt 200 ]; do
		pport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$tmp/$name.pout" "$tmp/$name.perr" | head -1)
		[ -n "$pport" ] && return 0
		kill -0 "$ppid" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# stop PID: SIGTERM, wait for it; its exit status in $rc.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	rc=$?
}
