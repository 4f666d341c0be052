#!/usr/bin/env bash
# The knock port gives nothing away: with each backend (iptables, nft,
# nft-set, then ipset and ufw when installed) the sniffer's setup drops tcp
# and udp to its port, so from the client
#   - nmap -sS finds the port filtered, nmap -sU open|filtered (no answer:
#     "filtered" needs an ICMP error, which is exactly what must not come),
#     over IPv4 and IPv6, before and after a knock;
#   - tcpdump on the server's eth0 sees no RST and no ICMP (v4, or v6
#     unreachable) leave the server while it is knocked and scanned;
#   - the knock, over TCP and over UDP, is still accepted and opens tcp/22
#     (libpcap captures before netfilter's hooks), and no ICMP port
#     unreachable answers the UDP one;
#   - after SIGTERM (teardown) nothing of ours is left (iptables -S,
#     ip6tables -S, nft list ruleset, ipset, ufw's rules) and the port
#     answers again (closed), as it does before the sniffer starts.
# ipset runs on port 62201, which proves the port comes from sniffer.conf
# and only that port is dropped (5001 stays closed, not filtered).  ufw runs
# with private copies of /etc/ufw and /etc/default/ufw, bind-mounted in a
# private mount namespace, enabled with "default allow incoming" there so
# that only our rule can make the port silent.  Documentation addresses
# only; namespaces are removed on exit, even on failure.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables ip6tables nft nmap tcpdump unshare
sniffer_net 198.51.100.1/24 2001:db8::1/64
ip -n "$(netns_ns server)" -6 addr add 2001:db8::2/64 dev eth0 nodad
tmp=$SNIFFER_TMP
C=$SNIFFER_CLIENT S=$SNIFFER_SERVER S6=2001:db8::2
C_RE=${C//./\\.}
TCPDUMP_PID=
netns_on_cleanup '[ -z "$TCPDUMP_PID" ] || kill "$TCPDUMP_PID" 2>/dev/null || true'
fw='' log=$tmp/log

fail() { sniffer_fail "$log" "$fw" "$*"; }

# scan tcp|udp ADDR PORT: the state nmap reports from the client.
scan() {
	local type=-sS six=
	[ "$1" = udp ] && type=-sU
	case $2 in *:*) six=-6 ;; esac
	netns_exec client nmap $six -n -Pn $type -T4 --max-retries 1 \
		-p "$3" -oG - "$2" 2>&1 | sed -nE "s#.*Ports: $3/([a-z|]+)/$1.*#\\1#p"
}

# expect_scan tcp|udp ADDR PORT STATE: what nmap must say ($WHEN: at what
# point, for the message).
expect_scan() {
	local got
	got=$(scan "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "$WHEN: nmap $1 $2 port $3: '$got', want '$4'"
}

# The server's replies: RSTs or any TCP, ICMP, ICMPv6 unreachable.  Not
# through netns_exec: a function in the background is a subshell, and $!
# must be tcpdump's own pid.
replies_start() {
	: >"$tmp/tcpdump.err"
	ip netns exec "$(netns_ns server)" tcpdump -i eth0 -n -U --immediate-mode -Z root \
		-w "$tmp/replies-$fw.pcap" \
		"(src host $S and (tcp or icmp)) or (src host $S6 and (tcp or (icmp6 and ip6[40] == 1)))" \
		2>"$tmp/tcpdump.err" &
	TCPDUMP_PID=$!
	for _ in $(seq 50); do
		grep -q 'listening on' "$tmp/tcpdump.err" && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$tmp/tcpdump.err")"
}

replies_stop() {
	kill "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" 2>/dev/null || true
	TCPDUMP_PID=
	tcpdump -n -r "$tmp/replies-$fw.pcap" 2>/dev/null
}

# What mentions the port or our names in the server's firewall.
ours() {
	{
		netns_exec server iptables -w 5 -S
		netns_exec server ip6tables -w 5 -S
		netns_exec server nft list ruleset
		! command -v ipset >/dev/null || netns_exec server ipset list -n
	} 2>/dev/null | grep -E -- "dport $1\b|dport $1\$| $1 |SPA|table ip6? spa|^spa[46]\$" || true
}

# run BACKEND PORT [START-COMMAND...]: one backend's whole check.
run() {
	local port=$2 n0 replies grants
	fw=$1
	shift 2
	: >"$log"
	[ -z "$(ours "$port")" ] || fail "left from before: $(ours "$port")"
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
port = $port
firewall = $fw
state = $tmp/state-$fw
CONF
	sniffer_alice_ssh 30 >>"$tmp/sniffer.conf"
	if [ $# -gt 0 ]; then
		: >>"$log"
		"$@" -f -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" >>"$log" 2>&1 &
		SNIFFER_PID=$!
		sniffer_wait_log "$log" 'started: ' 1 10 || fail "the sniffer did not start"
	else
		sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" ||
			fail "the sniffer did not start"
	fi
	[ -n "$(ours "$port")" ] || fail "setup dropped nothing on port $port"

	replies_start
	WHEN="before a knock"
	expect_scan tcp $S "$port" filtered
	expect_scan tcp $S6 "$port" filtered
	n0=$(sniffer_log_count "$log" "open $C_RE tcp/22 until")
	sniffer_knock -p "$port" -s $C ssh || fail "knock failed"
	sniffer_wait_log "$log" "open $C_RE tcp/22 until" $((n0 + 1)) 3 ||
		fail "the knock was not accepted: nothing opened tcp/22"
	case $fw in
	iptables) grants=iptables ;;
	nft | nft-set) grants=nft ;;
	*) grants= ;;
	esac
	[ -z "$grants" ] || sniffer_wait_grants "$grants" 22 "$C_RE" 1 3000 ||
		fail "the knock was accepted but tcp/22 is not open in the firewall"
	WHEN="after a knock"
	expect_scan tcp $S "$port" filtered
	expect_scan udp $S "$port" 'open|filtered'
	expect_scan udp $S6 "$port" 'open|filtered'
	sniffer_knock -p "$port" -s $C ssh || fail "knock failed"
	sniffer_wait_log "$log" "open $C_RE tcp/22 until" $((n0 + 2)) 3 ||
		fail "the second knock was not accepted"
	# Over UDP: accepted too, and no port unreachable comes back.
	sniffer_knock -p "$port" --udp ssh || fail "knock --udp failed"
	sniffer_wait_log "$log" "open $C_RE tcp/22 until" $((n0 + 3)) 3 ||
		fail "the UDP knock was not accepted"
	sleep 0.2
	replies=$(replies_stop)
	[ -z "$replies" ] || fail "the server answered:"$'\n'"$replies"
	if [ "$port" != 5001 ]; then
		# Only the configured port is silent.
		WHEN="another port"
		expect_scan tcp $S 5001 closed
	fi

	sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
	[ -z "$(ours "$port")" ] || fail "left after teardown: $(ours "$port")"
	WHEN="after teardown"
	expect_scan tcp $S "$port" closed
	expect_scan udp $S "$port" closed
	echo "ok ($fw: port $port filtered, knock accepted, no reply, teardown clean)"
}

# Before any sniffer: the port answers, so the checks above can fail.
WHEN="before the sniffer"
expect_scan tcp $S 5001 closed
expect_scan udp $S 5001 closed
expect_scan tcp $S6 5001 closed

run iptables 5001
run nft 5001
run nft-set 5001

if [ -x /usr/sbin/ipset ]; then
	run ipset 62201
	netns_exec server ipset list -n | grep -q . && fail "ipset sets left: $(netns_exec server ipset list -n)"
else
	echo "ipset: SKIPPED: /usr/sbin/ipset is not installed"
fi

if [ -x /usr/sbin/ufw ] && [ -d /etc/ufw ] && [ -f /etc/default/ufw ]; then
	cp -a /etc/ufw "$tmp/ufw"
	# No sysctl changes: some of ufw's are not per namespace.
	sed 's|^IPT_SYSCTL=.*|IPT_SYSCTL=/dev/null|; s|^IPV6=.*|IPV6=yes|' \
		/etc/default/ufw >"$tmp/default-ufw"
	ufw_inner='
set -e
mount --bind "$1/ufw" /etc/ufw
mount --bind "$1/default-ufw" /etc/default/ufw
/usr/sbin/ufw --force enable >/dev/null
/usr/sbin/ufw default allow incoming >/dev/null
shift
exec "$@"
'
	run ufw 5001 ip netns exec "$(netns_ns server)" unshare --mount \
		--propagation private bash -c "$ufw_inner" ufw "$tmp" "$SNIFFER_BIN"
	! grep -q spa-knock "$tmp/ufw/user.rules" "$tmp/ufw/user6.rules" ||
		fail "ufw's rules still hold spa-knock after teardown"
else
	echo "ufw: SKIPPED: /usr/sbin/ufw, /etc/ufw or /etc/default/ufw is missing"
fi
exit 0
