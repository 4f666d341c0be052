#!/usr/bin/env bash
# SIGHUP: a valid new configuration takes effect; a broken one is refused
# with a FILE:LINE log line and the running one stays.  The sniffer runs
# with -n (commands logged, not run).
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
config() {   # config ALLOWED-ACTIONS
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
state =
[user alice]
keyfile = $SNIFFER_KEY
allow = $1
[action ssh]
open = tcp/22
[action web]
open = tcp/443
CONF
}
fail() { sniffer_fail "$log" "" "$*"; }
wait_log() {   # wait_log REGEX COUNT: at least COUNT lines within 5 s
	sniffer_wait_log "$log" "$1" "$2" 5 || fail "log never had $2 x '$1'"
}
config ssh
sniffer_start "$log" -n -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
sniffer_knock web
wait_log 'verdict=denied' 1
config "ssh web"
kill -HUP "$SNIFFER_PID"
wait_log 'configuration reloaded' 1
sniffer_knock web
wait_log 'verdict=accepted .*request=web' 1
printf '[sniffer]\nwindow = never\n' >"$tmp/sniffer.conf"
kill -HUP "$SNIFFER_PID"
wait_log 'reload refused' 1
grep -q "sniffer.conf:2: " "$log" || fail "no FILE:LINE in the refusal"
sniffer_knock web
wait_log 'verdict=accepted .*request=web' 2
sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
