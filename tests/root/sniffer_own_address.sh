#!/usr/bin/env bash
# doc/protocol.md native step 3, live, with no `address` configured: the
# sniffer decides only frames to an address of its capture interface, kept
# current while it runs.
#   1. a knock made for another server that shares the key (192.0.2.99,
#      2001:db8:ff::99), delivered to the server's interface by a static
#      neighbour entry in the client (as on a shared segment or a mirror
#      port), is not-spa: nothing accepted, no grant;
#   2. a knock to the server's own address (IPv4 and IPv6) is accepted and
#      opens 22/tcp for the client;
#   3. an address added to the server's interface while the sniffer runs
#      (203.0.113.7) is its own at once; once removed, no longer.
# All of it with interface = eth0, then with interface = any (every
# interface's addresses).  The sniffer runs with -v so that not-spa frames
# are logged (rate-limited, far above the few frames here).  iptables
# backend.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
C=$SNIFFER_CLIENT
C_RE=${C//./\\.}
VERDICT=
IFACE=
fail() { sniffer_fail "$log" "interface $IFACE" "$*"; }
config() {   # config IFACE
	IFACE=$1
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = $1
firewall = iptables
state =
CONF
	sniffer_alice_ssh 30 >>"$tmp/sniffer.conf"
}
netns_exec client ip -6 addr add 2001:db8:100::1/64 dev eth0 nodad
netns_exec server ip -6 addr add 2001:db8:100::2/64 dev eth0 nodad
server_mac=$(netns_exec server cat /sys/class/net/eth0/address)

# toward_server ADDR: the client sends frames for ADDR on its link, to the
# server's MAC address, whoever ADDR is.
toward_server() {
	case $1 in
	*:*)
		netns_exec client ip -6 route replace "$1/128" dev eth0
		netns_exec client ip -6 neigh replace "$1" lladdr "$server_mac" \
			dev eth0 nud permanent ;;
	*)
		netns_exec client ip route replace "$1/32" dev eth0
		netns_exec client ip neigh replace "$1" lladdr "$server_mac" \
			dev eth0 nud permanent ;;
	esac
}

# knock_to ADDR: knock at ADDR from the client; VERDICT is then the verdict
# the sniffer logged for that frame (found by its destination).
knock_to() {
	local re n
	re="verdict=[a-z-]+ .*dst=${1//./\\.} dport=5001( |\$)"
	n=$(sniffer_log_count "$log" "$re")
	netns_exec client "$SNIFFER_KNOCK_BIN" -k "$SNIFFER_KEY" -d "$1" ssh ||
		fail "knock -d $1 failed"
	sniffer_wait_log "$log" "$re" $((n + 1)) 5 ||
		fail "the sniffer logged no verdict for the knock to $1"
	VERDICT=$(grep -E -- "$re" "$log" | sed -n "$((n + 1))p" |
		sed -E 's/.*verdict=([a-z-]+).*/\1/')
}

expect() {   # expect ADDR VERDICT
	knock_to "$1"
	[ "$VERDICT" = "$2" ] || fail "knock to $1: verdict $VERDICT, want $2"
}

scenario() {   # scenario IFACE: steps 1 to 3 with interface = IFACE
	config "$1"
	log=$tmp/log-$1
	sniffer_start "$log" -v -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" ||
		fail "the sniffer did not start"

	# 1. Knocks made for another server: never decided.
	expect 192.0.2.99 not-spa
	expect 2001:db8:ff::99 not-spa
	[ "$(sniffer_log_count "$log" 'verdict=accepted')" = 0 ] ||
		fail "a knock made for another server was accepted"
	[ "$(sniffer_grants iptables 22 "$C_RE")" = 0 ] ||
		fail "a knock made for another server opened 22/tcp"

	# 2. Knocks to the server's own addresses.
	expect "$SNIFFER_SERVER" accepted
	sniffer_wait_grants iptables 22 "$C_RE" 1 3000 ||
		fail "the knock to $SNIFFER_SERVER opened no grant for $C"
	expect 2001:db8:100::2 accepted

	# 3. The interface's addresses are followed while the sniffer runs.
	# The short pause lets the sniffer hear of the change before the
	# knock comes.
	netns_exec server ip addr add 203.0.113.7/32 dev eth0
	sleep 0.5
	expect 203.0.113.7 accepted
	netns_exec server ip addr del 203.0.113.7/32 dev eth0
	sleep 0.5
	expect 203.0.113.7 not-spa

	sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
	[ -z "$(sniffer_leftovers iptables)" ] ||
		fail "left behind: $(sniffer_leftovers iptables)"
}

for a in 192.0.2.99 2001:db8:ff::99 203.0.113.7; do
	toward_server "$a"
done
scenario eth0
scenario any
