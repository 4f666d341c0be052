#!/usr/bin/env bash
# A live sniffer whose status socket path is taken by a file that is not a
# socket: it says so once at start, leaves the file as it was, and keeps
# deciding (a knock is accepted and opened); sniffer -S then finds nobody
# answering there and falls back to the database.  Root only; about 5 s.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
fail() { sniffer_fail "$log" "" "$*"; }
mkdir -m 0700 "$tmp/state"
sock=$tmp/state/sniffer.sock
echo 'not a socket' >"$sock"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = iptables
state = $tmp/state
CONF
sniffer_alice_ssh 4 >>"$tmp/sniffer.conf"

sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
sniffer_wait_log "$log" 'seccomp filter on' 1 5 || fail "the capture process was not confined"
[ "$(sniffer_log_count "$log" "status socket $sock: exists and is not a socket; sniffer -S will not reach this daemon")" = 1 ] ||
	fail "no single line about the status socket"
[ "$(cat "$sock")" = 'not a socket' ] || fail "the file in the socket's place was changed"

sniffer_knock ssh >/dev/null 2>&1 || fail "knock exited $?"
sniffer_wait_grants iptables 22 "$SNIFFER_CLIENT" 1 5000 || fail "the knock opened nothing"
rc=0; out=$("$SNIFFER_BIN" -c "$tmp/sniffer.conf" -S 2>&1) || rc=$?
[ "$rc" = 69 ] || fail "-S: exit $rc, want 69: $out"
case $out in *"no sniffer running: "*"$sock"*"grants: 1"*) ;; *) fail "-S said: $out" ;; esac
kill -0 "$SNIFFER_PID" || fail "the sniffer died"
rc=0; sniffer_stop TERM || rc=$?
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
[ "$(cat "$sock")" = 'not a socket' ] || fail "the file was removed at stop"
echo "ok: a status socket path taken is said once, decisions go on"
