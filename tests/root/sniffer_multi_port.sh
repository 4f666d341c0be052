#!/usr/bin/env bash
# An action of two pairs (open = tcp/22 tcp/443) is one grant: with
# firewall = iptables and with nft-set (nft commands run in-process), in a
# server whose own ruleset drops what it does not accept, a TCP listener
# on each port:
#   - before the knock neither port answers the client;
#   - after it both do, and the backend holds one rule (or set element)
#     for each pair;
#   - at the expiry both are closed together: neither answers, no rule is
#     left, the state holds no grant; SIGTERM's teardown leaves nothing;
#   - a user whose expires = day is past is named once in the log at start.
# Root only; documentation addresses only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables nft python3 sqlite3
sniffer_net
tmp=$SNIFFER_TMP
C=$SNIFFER_CLIENT
S=$SNIFFER_SERVER
T=4
log='' fw=''
fail() { sniffer_fail "$log" "$fw" "$*"; }

# The server's own ruleset: established traffic and what the sniffer's
# backend accepts (its chain SPA, or the mark 0x5350 of rules/nft-set),
# nothing else.
netns_exec server iptables -w 5 -A INPUT -i lo -j ACCEPT
netns_exec server iptables -w 5 -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
netns_exec server iptables -w 5 -A INPUT -m mark --mark 0x5350/0x5350 -j ACCEPT
netns_exec server iptables -w 5 -P INPUT DROP
listen_py='
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
'
# In a subshell: not a job of this shell, which would report its end
# when the cleanup kills it.
for port in 22 443; do
	(netns_exec server python3 -c "$listen_py" $port >/dev/null 2>&1 &)
done
# answers PORT: 0 when a connection from the client to the server's PORT
# completes within 1 s.
answers() {
	netns_exec client python3 -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' "$S" "$1" 2>/dev/null
}
# rules PORT: how many grants the backend holds for the client's tcp/PORT.
rules() {
	case $fw in
	iptables) netns_exec server iptables -w 5 -S SPA 2>/dev/null |
		grep -cx -- "-A SPA -s $C/32 -p tcp -m tcp --dport $1 -j ACCEPT" || true ;;
	*) netns_exec server nft list set ip spa allow4 2>/dev/null |
		grep -oE "$C \. tcp \. $1( |,|$)" | grep -c . || true ;;
	esac
}
both() { [ "$(rules 22)" = "$1" ] && [ "$(rules 443)" = "$1" ]; }
wait_both() {
	local i
	for i in $(seq 60); do both "$1" && return 0; sleep 0.1; done
	both "$1"
}
# Wait until both listeners are up (loopback is accepted by the ruleset).
for port in 22 443; do
	for i in $(seq 50); do
		netns_exec server python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' $port 2>/dev/null && break
		sleep 0.1
	done
done

"$SNIFFER_KNOCK_BIN" --keygen -o "$tmp/old.key" >/dev/null
for fw in iptables nft-set; do
	log=$tmp/log-$fw
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = $fw
state = $tmp/state-$fw
[user alice]
keyfile = $SNIFFER_KEY
allow = web
[user old]
keyfile = $tmp/old.key
expires = 2020-01-31
allow = web
[action web]
open = tcp/22 tcp/443
timeout = $T
CONF
	sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
	[ "$(sniffer_log_count "$log" ":10: user old has expired: every knock of it is denied")" = 1 ] ||
		fail "the expired user is not named once in the log"
	for port in 22 443; do
		! answers $port || fail "tcp/$port answers before the knock"
	done
	sniffer_knock -s "$C" web
	wait_both 1 || fail "not both pairs open: tcp/22 $(rules 22), tcp/443 $(rules 443)"
	opened=$(date +%s)
	for port in 22 443; do
		answers $port || fail "tcp/$port does not answer after the knock"
	done
	rows=$(sqlite3 "$tmp/state-$fw/state.db" 'SELECT count(*) FROM grant_rows')
	[ "$rows" = 1 ] || fail "$rows grant rows for one knock, want 1"
	sniffer_wait_log "$log" "open $C tcp/22 tcp/443 until" 1 3 || fail "no log line of the open grant"
	"$SNIFFER_BIN" -S -c "$tmp/sniffer.conf" | grep -qxF "    and tcp/443" ||
		fail "sniffer -S does not show the second pair: $("$SNIFFER_BIN" -S -c "$tmp/sniffer.conf" 2>&1)"
	# Both close at the expiry, together.
	for i in $(seq $(((T + 4) * 10))); do both 0 && break; sleep 0.1; done
	both 0 || fail "not both closed $((T + 4)) s after the open: tcp/22 $(rules 22), tcp/443 $(rules 443)"
	[ $(($(date +%s) - opened)) -ge $((T - 1)) ] || fail "closed before its expiry"
	for port in 22 443; do
		! answers $port || fail "tcp/$port still answers after the expiry"
	done
	sniffer_wait_log "$log" "closed $C tcp/22 tcp/443" 1 3 || fail "no log line of the close"
	rc=0; sniffer_stop TERM || rc=$?
	[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
	rows=$(sqlite3 "$tmp/state-$fw/state.db" 'SELECT count(*) FROM grant_rows')
	[ "$rows" = 0 ] || fail "$rows grant rows left"
	left=$(sniffer_leftovers "${fw%-set}")
	[ -z "$left" ] || fail "left behind: $left"
	! grep -q 'command failed' "$log" || fail "a command failed"
	echo "ok $fw: tcp/22 and tcp/443 opened by one knock, closed together at the expiry"
done
