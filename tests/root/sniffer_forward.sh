#!/usr/bin/env bash
# forward = on a gateway: three hosts, a client (198.51.100.1 and .3,
# 2001:db8::1 and ::3), a gateway running the sniffer (198.51.100.2 and
# 2001:db8::2 outside, 192.0.2.1 and 2001:db8:1::1 inside, forwarding,
# with a FORWARD chain that drops what it does not accept) and an inner
# host (192.0.2.10, 2001:db8:1::10) whose TCP listener on port 22 says
# "inner".  [action fwd] forward = tcp/2222 192.0.2.10:22 (fwd6 the same
# to [2001:db8:1::10]:22), with firewall = iptables and with nft:
#   - before the knock the client reaches the inner host neither through
#     the gateway's port 2222 nor routed to it directly;
#   - after a knock from 198.51.100.1 (2001:db8::1) that address reaches
#     the inner host through the gateway's port 2222, and no other
#     address does (the client's .3, ::3);
#   - after the expiry it cannot any more, and the rules are gone;
#   - SIGTERM's teardown leaves no rule, chain, table, map or set.
# Root only; documentation addresses only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables ip6tables nft python3
sniffer_net 198.51.100.1/24 198.51.100.3/24 2001:db8::1/64 2001:db8::3/64
tmp=$SNIFFER_TMP
T=5
log='' fw=''
fail() { sniffer_fail "$log" "$fw" "$*"; }
gw=$(netns_ns server) inner=$(netns_ns inner)

# The inner network: a veth from the gateway's eth1 to the inner host.
netns_add "$inner"
ip -n "$gw" link add eth1 type veth peer name eth0 netns "$inner"
ip -n "$gw" addr add 192.0.2.1/24 dev eth1
ip -n "$gw" -6 addr add 2001:db8:1::1/64 dev eth1 nodad
ip -n "$gw" -6 addr add 2001:db8::2/64 dev eth0 nodad
ip -n "$gw" link set eth1 up
ip -n "$inner" addr add 192.0.2.10/24 dev eth0
ip -n "$inner" -6 addr add 2001:db8:1::10/64 dev eth0 nodad
ip -n "$inner" link set eth0 up
ip -n "$inner" route add default via 192.0.2.1
ip -n "$inner" -6 route add default via 2001:db8:1::1
# The client knows the way to the inner network (through the gateway),
# so that only the gateway's FORWARD chain stands between them.
netns_exec client ip route add 192.0.2.0/24 via 198.51.100.2
netns_exec client ip -6 route add 2001:db8:1::/64 via 2001:db8::2
ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$gw" sysctl -qw net.ipv6.conf.all.forwarding=1
# The gateway's own ruleset: FORWARD drops what it does not accept, and
# accepts replies and what rules/nft marks 0x5350.
for ipt in iptables ip6tables; do
	netns_exec server $ipt -w 5 -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	netns_exec server $ipt -w 5 -A FORWARD -m mark --mark 0x5350/0x5350 -j ACCEPT
	netns_exec server $ipt -w 5 -P FORWARD DROP
done
listen_py='
import socket
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 22))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"inner\n")
    c.close()
'
# In a subshell: not a job of this shell (the cleanup kills it).
(ip netns exec "$inner" python3 -c "$listen_py" >/dev/null 2>&1 &)
# reaches SRC DST PORT: 0 when a connection from SRC to DST:PORT gets
# the inner host's "inner" within 1 s.
reaches() {
	netns_exec client python3 -c 'import socket, sys
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = socket.create_connection((dst, port), 1, source_address=(src, 0))
c.settimeout(1)
sys.exit(0 if c.recv(16) == b"inner\n" else 1)' "$1" "$2" "$3" 2>/dev/null
}
for i in $(seq 50); do
	ip netns exec "$inner" python3 -c 'import socket
socket.create_connection(("127.0.0.1", 22), 1).close()' 2>/dev/null && break
	sleep 0.1
done

# rules: the grants' rules and elements in the gateway, one per line.
rules() {
	case $fw in
	iptables)
		for ipt in iptables ip6tables; do
			netns_exec server $ipt -w 5 -S SPA-FWD 2>/dev/null | grep -- '-j ACCEPT' || true
			netns_exec server $ipt -w 5 -t nat -S SPA 2>/dev/null | grep -- '-j DNAT' || true
		done ;;
	nft)
		for fam in ip ip6; do
			netns_exec server nft list table $fam spa 2>/dev/null |
				grep -E 'elements = ' || true
		done ;;
	esac
}
wait_rules() {      # N: until there are N lines of rules, 3 s at most
	local i
	for i in $(seq 30); do [ "$(rules | grep -c .)" = "$1" ] && return 0; sleep 0.1; done
	[ "$(rules | grep -c .)" = "$1" ]
}
# leftovers: what the backend left in the gateway after its teardown.
leftovers() {
	local ipt
	for ipt in iptables ip6tables; do
		netns_exec server $ipt -w 5 -S SPA-FWD >/dev/null 2>&1 && echo "$ipt chain SPA-FWD"
		netns_exec server $ipt -w 5 -t nat -S SPA >/dev/null 2>&1 && echo "$ipt nat chain SPA"
		netns_exec server $ipt -w 5 -S FORWARD | grep -q -- '-j SPA-FWD' && echo "$ipt jump to SPA-FWD"
		netns_exec server $ipt -w 5 -t nat -S PREROUTING | grep -q -- '-j SPA' && echo "$ipt jump to nat SPA"
	done
	sniffer_leftovers "$fw"
}

# check_family KNOCKER OTHER GATEWAY INNER REQUEST
check_family() {
	local c=$1 other=$2 g=$3 in=$4 req=$5 opened
	! reaches "$c" "$g" 2222 || fail "$req: $c reaches the inner host before the knock"
	! reaches "$c" "$in" 22 || fail "$req: $c is routed to the inner host before the knock"
	netns_exec client "$SNIFFER_KNOCK_BIN" -k "$SNIFFER_KEY" -d "$g" -s "$c" "$req"
	wait_rules 2 || fail "$req: want 2 rules (accept, DNAT), got: $(rules)"
	opened=$(date +%s)
	reaches "$c" "$g" 2222 || fail "$req: $c does not reach the inner host through the gateway"
	! reaches "$other" "$g" 2222 || fail "$req: $other reaches the inner host through the gateway"
	! reaches "$other" "$in" 22 || fail "$req: $other is routed to the inner host"
	sniffer_wait_log "$log" "open $c tcp/2222 -> " 1 3 || fail "$req: no log line of the open forward"
	case $in in *:*) want="[$in]:22" ;; *) want="$in:22" ;; esac
	"$SNIFFER_BIN" -S -c "$tmp/sniffer.conf" | grep -qxF "    forwarded to $want" ||
		fail "$req: sniffer -S does not say where it forwards: $("$SNIFFER_BIN" -S -c "$tmp/sniffer.conf" 2>&1)"
	wait_rules 0 || true
	for i in $(seq $(((T + 4) * 10))); do [ -z "$(rules)" ] && break; sleep 0.1; done
	[ -z "$(rules)" ] || fail "$req: rules left $((T + 4)) s after the open: $(rules)"
	[ $(($(date +%s) - opened)) -ge $((T - 1)) ] || fail "$req: closed before its expiry"
	! reaches "$c" "$g" 2222 || fail "$req: $c still reaches the inner host after the expiry"
	sniffer_wait_log "$log" "closed $c tcp/2222 -> " 1 3 || fail "$req: no log line of the close"
}

for fw in iptables nft; do
	log=$tmp/log-$fw
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = $fw
state = $tmp/state-$fw
[user alice]
keyfile = $SNIFFER_KEY
allow = fwd fwd6
[action fwd]
forward = tcp/2222 192.0.2.10:22
timeout = $T
[action fwd6]
forward = tcp/2222 [2001:db8:1::10]:22
timeout = $T
CONF
	sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
	check_family 198.51.100.1 198.51.100.3 198.51.100.2 192.0.2.10 fwd
	check_family 2001:db8::1 2001:db8::3 2001:db8::2 2001:db8:1::10 fwd6
	rc=0; sniffer_stop TERM || rc=$?
	[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
	left=$(leftovers)
	[ -z "$left" ] || fail "left behind: $left"
	! grep -q 'command failed' "$log" || fail "a command failed"
	echo "ok $fw: the knocking address alone reaches the inner host, over IPv4 and IPv6, until the expiry"
done
