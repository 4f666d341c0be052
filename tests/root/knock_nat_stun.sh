#!/usr/bin/env bash
# knock -R through a real NAT (issue: a laptop behind NAT).  Two segments:
#
#   private (br0)  client 198.51.100.10 --- router 198.51.100.1
#   public  (br1)  router 203.0.113.1 (MASQUERADE out of eth1; nothing new
#                  comes in), stun 203.0.113.3 (coturn's turnserver, started
#                  here with a configuration written here), server
#                  203.0.113.2 (sniffer, iptables; a TCP service on 22
#                  that its firewall drops)
#
# The server has no route to the private segment: it only ever sees the
# router's address.  Checked: the service is unreachable; a knock without
# -R asks for the private address and gets source-mismatch, nothing opens
# (so the NAT rewrote it); `knock -R --stun 203.0.113.3` prints the public
# address 203.0.113.1, the sniffer accepts the knock for it and opens 22
# for 203.0.113.1 only; the client then connects to the service through the
# NAT, and the service sees the router's address.  That first -R knock goes
# as a laptop's would: --udp, run as nobody without capabilities; a raw TCP
# knock -R (root) is accepted for the same address after it.  Root only;
# needs iptables, setpriv, turnserver (coturn), python3.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables setpriv turnserver python3 ss
C=198.51.100.10 GW_IN=198.51.100.1 GW_OUT=203.0.113.1 S=203.0.113.2 STUN=203.0.113.3
GW_RE=${GW_OUT//./\\.}
SNIFFER_TMP=$(mktemp -d)
SNIFFER_KEY=$SNIFFER_TMP/key
tmp=$SNIFFER_TMP
log=$tmp/log
netns_on_cleanup 'rm -rf "$SNIFFER_TMP"'
netns_on_cleanup '[ -z "$SNIFFER_PID" ] || kill -KILL "$SNIFFER_PID" 2>/dev/null || true'
fail() {
	echo "--- turnserver log"
	tail -20 "$tmp/turn.log" 2>/dev/null || true
	sniffer_fail "$log" "" "$*"
}

# The two segments and the router between them.
netns_init
netns_bridge br1
netns_host client $C/24
netns_host router $GW_IN/24
netns_attach router 1 br1 $GW_OUT/24
netns_host_on br1 stun $STUN/24
netns_host_on br1 server $S/24
netns_exec client ip route add default via $GW_IN
netns_exec router sysctl -qw net.ipv4.ip_forward=1
netns_exec router iptables -w 5 -t nat -A POSTROUTING -o eth1 -j MASQUERADE
netns_exec router iptables -w 5 -A FORWARD -i eth1 -o eth0 -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP

# The STUN server: Binding only (stun-only), no TLS, no CLI, in the
# foreground (killed by the cleanup), logging to a file.
cat >"$tmp/turnserver.conf" <<CONF
listening-ip=$STUN
listening-port=3478
stun-only
no-tls
no-dtls
no-cli
log-file=$tmp/turn.log
simple-log
pidfile=$tmp/turn.pid
CONF
netns_exec stun turnserver -c "$tmp/turnserver.conf" >"$tmp/turn.out" 2>&1 &
for _ in $(seq 50); do
	[ -n "$(netns_exec stun ss -Hlun "sport = :3478")" ] && break
	sleep 0.1
done
[ -n "$(netns_exec stun ss -Hlun "sport = :3478")" ] || fail "turnserver does not listen on $STUN udp/3478: $(tail -5 "$tmp/turn.out")"

# The service, and the server's firewall that hides it.
netns_exec server python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'$S'", 22))
s.listen(4)
s.settimeout(60)
while True:
    c, peer = s.accept()
    c.sendall(("spa-nat-service peer=%s\n" % peer[0]).encode())
    c.close()
' >"$tmp/service.log" 2>&1 &
netns_exec server iptables -w 5 -A INPUT -i lo -j ACCEPT
netns_exec server iptables -w 5 -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
netns_exec server iptables -w 5 -A INPUT -p tcp --dport 22 -j DROP
# connect: the service's line as the client gets it (empty: no connection).
connect() {
	netns_exec client timeout "$1" bash -c "exec 3<>/dev/tcp/$S/22 && head -1 <&3" 2>/dev/null || true
}

printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$SNIFFER_KEY"
chmod 600 "$SNIFFER_KEY"
{
	printf '[sniffer]\ninterface = eth0\nfirewall = iptables\nstate = %s/state\n' "$tmp"
	sniffer_alice_ssh 60
} >"$tmp/sniffer.conf"
sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"

[ -z "$(connect 3)" ] || fail "the service answered before any knock"
echo "ok the service on $S tcp/22 is hidden from the client"

# Without -R: the knock asks for the private address; the router rewrote
# the source, so the sniffer sees the public one: source-mismatch.
knock() { netns_exec client timeout 20 "$SNIFFER_KNOCK_BIN" -k "$SNIFFER_KEY" -d $S "$@"; }
knock ssh || fail "the knock without -R exited $?"
sniffer_wait_log "$log" "verdict=source-mismatch src=$GW_RE " 1 5 ||
	fail "no source-mismatch for the knock without -R (was its source rewritten to $GW_OUT?)"
sleep 0.3
[ "$(sniffer_grants iptables 22 '.*')" = 0 ] || fail "the knock without -R opened a grant"
echo "ok without -R: the sniffer saw $GW_OUT asking for $C: source-mismatch, nothing opens"

# -R as a laptop knocks: --udp, as nobody with no capabilities (the
# program and its key in a directory nobody can reach).  The public address
# from coturn, printed, then asked for.
pub=$(mktemp -d)
netns_on_cleanup "rm -rf '$pub'"
chmod 755 "$pub"
cp "$SNIFFER_KNOCK_BIN" "$pub/knock"
cp "$SNIFFER_KEY" "$pub/key"
chown nobody "$pub/key"
chmod 600 "$pub/key"
netns_exec client timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all --bounding-set=-all --no-new-privs "$pub/knock" -k "$pub/key" \
	-d $S --udp -R --stun $STUN -v ssh >"$tmp/knock.out" 2>&1 ||
	fail "knock --udp -R as nobody exited $?: $(cat "$tmp/knock.out")"
cat "$tmp/knock.out"
grep -qx "stun server=$STUN port=3478 public=$GW_OUT" "$tmp/knock.out" ||
	fail "knock -R did not print the public address $GW_OUT: $(cat "$tmp/knock.out")"
grep -q "^sent src=$C .* proto=udp .* allow=$GW_OUT " "$tmp/knock.out" || fail "knock --udp -R -v: $(cat "$tmp/knock.out")"
sniffer_wait_log "$log" "verdict=accepted src=$GW_RE .*proto=udp.* user=alice request=ssh allow=$GW_RE" 1 5 ||
	fail "the sniffer did not accept the UDP knock -R for $GW_OUT"
sniffer_wait_grants iptables 22 "$GW_RE" 1 3000 || fail "no grant for $GW_OUT"
[ "$(sniffer_grants iptables 22 '.*')" = 1 ] || fail "grants for others than $GW_OUT: $(sniffer_grant_lines iptables 22)"
echo "ok knock --udp -R as nobody: public address $GW_OUT from STUN, accepted, tcp/22 open for $GW_OUT"

line=$(connect 5)
[ "$line" = "spa-nat-service peer=$GW_OUT" ] || fail "through the NAT, the service said '$line'"
echo "ok the client reaches the service through the NAT: $line"

# The raw TCP knock -R (root) through the same NAT: accepted for the same
# address (the grant is extended).
knock -R --stun $STUN -v ssh >"$tmp/knock.out" 2>&1 || fail "knock -R exited $?: $(cat "$tmp/knock.out")"
cat "$tmp/knock.out"
grep -qx "stun server=$STUN port=3478 public=$GW_OUT" "$tmp/knock.out" &&
	grep -q "^sent src=$C .* proto=tcp .* allow=$GW_OUT " "$tmp/knock.out" ||
	fail "knock -R -v (TCP): $(cat "$tmp/knock.out")"
sniffer_wait_log "$log" "verdict=accepted src=$GW_RE .*proto=tcp.* user=alice request=ssh allow=$GW_RE" 1 5 ||
	fail "the sniffer did not accept the TCP knock -R for $GW_OUT"
# The extension closes the rule and opens it again: wait for the second
# open, then for exactly one rule (the same address, none other).
sniffer_wait_log "$log" "open $GW_RE tcp/22 until" 2 5 ||
	fail "the TCP knock -R did not open tcp/22 again for $GW_OUT"
sniffer_wait_grants iptables 22 '.*' 1 3000 && [ "$(sniffer_grants iptables 22 "$GW_RE")" = 1 ] ||
	fail "grants after the TCP knock: $(sniffer_grant_lines iptables 22)"
echo "ok knock -R over raw TCP through the NAT: accepted for $GW_OUT"

sniffer_stop TERM || fail "the sniffer did not stop cleanly"
[ -z "$(sniffer_leftovers iptables)" ] || fail "left behind: $(sniffer_leftovers iptables)"
echo "knock -R through NAT: the public address from coturn opens the port for the router's address (UDP as nobody, raw TCP as root), and the client gets in"
