#!/usr/bin/env bash
# SIGHUP: a valid new configuration takes effect; a broken one is refused
# with a FILE:LINE log line and the running one stays.  The sniffer runs
# with -n (commands logged, not run).
set -eu
. "$SPA_TOP/tests/lib/netns.sh"
netns_require_root
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
knock=$SPA_TOP/$SPA_BUILD/knock
tmp=$(mktemp -d)
netns_on_cleanup 'rm -rf "$tmp"'
netns_init
netns_host client 198.51.100.1/24
netns_host server 198.51.100.2/24
printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$tmp/key"
chmod 600 "$tmp/key"
config() {   # config ALLOWED-ACTIONS
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
state =
[user alice]
keyfile = $tmp/key
allow = $1
[action ssh]
open = tcp/22
[action web]
open = tcp/443
CONF
}
config ssh
ip netns exec "$(netns_ns server)" "$sniffer" -f -n -R "$SPA_TOP/rules" \
	-c "$tmp/sniffer.conf" >"$tmp/log" 2>&1 &
pid=$!
netns_on_cleanup "kill $pid 2>/dev/null || true"
wait_log() {   # wait_log PATTERN COUNT
	for _ in $(seq 50); do
		[ "$(grep -c -- "$1" "$tmp/log" || true)" -ge "$2" ] && return 0
		sleep 0.1
	done
	cat "$tmp/log"; echo "log never had $2 x '$1'"; exit 1
}
knock() { netns_exec client "$knock" -k "$tmp/key" -d 198.51.100.2 "$@"; }
wait_log started 1
knock web
wait_log 'verdict=denied' 1
config "ssh web"
kill -HUP "$pid"
wait_log 'configuration reloaded' 1
knock web
wait_log 'verdict=accepted .*request=web' 1
printf '[sniffer]\nwindow = never\n' >"$tmp/sniffer.conf"
kill -HUP "$pid"
wait_log 'reload refused' 1
grep -q "sniffer.conf:2: " "$tmp/log" || { cat "$tmp/log"; echo "no FILE:LINE in the refusal"; exit 1; }
knock web
wait_log 'verdict=accepted .*request=web' 2
kill -TERM "$pid"
wait "$pid"
