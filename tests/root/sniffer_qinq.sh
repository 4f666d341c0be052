#!/usr/bin/env bash
# A knock inside QinQ on the wire (an 802.1ad service tag, then an 802.1Q
# customer tag) reaches the live sniffer capturing on the untagged
# interface: the capture filter passes it behind two tags (the kernel
# moves the outer one out of the frame, libpcap puts it back) and the
# decoder skips both.  The knock is one knock -w wrote, wrapped in
# Ethernet with the two tags and sent from the client's eth0 through a
# packet socket (no VLAN devices needed); the server has none either.  The
# same knock behind the tags to another port is filtered out.  Dry run
# (-n): the accepted knock's command is printed, nothing is opened.  Root
# only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
fail() { sniffer_fail "$log" "" "$*"; }
command -v python3 >/dev/null || { echo "SKIPPED: needs python3"; exit 77; }
mac=$(netns_exec server cat /sys/class/net/eth0/address)
# send_qinq PCAP: its one raw-IP frame to the server's MAC behind the tags.
send_qinq() {
	netns_exec client python3 - "$1" "$mac" <<'PY'
import socket, struct, sys
b = open(sys.argv[1], 'rb').read()
caplen, = struct.unpack_from('<I', b, 24 + 8)
ip = b[40:40 + caplen]
dst = bytes.fromhex(sys.argv[2].replace(':', ''))
src = open('/sys/class/net/eth0/address').read().strip().replace(':', '')
frame = (dst + bytes.fromhex(src) + struct.pack('>HHHH', 0x88a8, 100, 0x8100, 200) +
         struct.pack('>H', 0x0800) + ip)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
s.send(frame)
PY
}
printf '[sniffer]\ninterface = eth0\nstate = %s/state\n[user alice]\nkeyfile = %s\nallow = ssh\n[action ssh]\nopen = tcp/22\n' \
	"$tmp" "$SNIFFER_KEY" >"$tmp/sniffer.conf"
sniffer_start "$log" -v -n -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
sniffer_knock -s "$SNIFFER_CLIENT" -p 5002 -w "$tmp/other.pcap" ssh
sniffer_knock -s "$SNIFFER_CLIENT" -w "$tmp/knock.pcap" ssh
netns_exec server timeout 10 tcpdump -c 2 -nn -e -i eth0 "ether proto 0x88a8 or vlan" >"$tmp/wire" 2>/dev/null &
dump=$!
sleep 0.5
send_qinq "$tmp/other.pcap" || fail "cannot send the frame to port 5002"
send_qinq "$tmp/knock.pcap" || fail "cannot send the knock"
wait "$dump" || true
[ "$(grep -c 'vlan 100.*vlan 200.*198.51.100.1.* > 198.51.100.2.500[12]' "$tmp/wire")" = 2 ] ||
	fail "the server's eth0 did not see both frames inside QinQ: $(cat "$tmp/wire")"
sniffer_wait_log "$log" 'verdict=accepted .*user=alice request=ssh' 1 5 ||
	fail "the knock inside QinQ was not accepted"
sniffer_wait_log "$log" 'run: /usr/sbin/iptables -w 5 -I SPA -s 198\.51\.100\.1 -p tcp --dport 22 -j ACCEPT' 1 5 ||
	fail "the open command was not printed"
[ "$(sniffer_log_count "$log" 'dport=5002')" = 0 ] || fail "the frame to port 5002 was decided"
sniffer_stop TERM || fail "the sniffer did not stop cleanly"
echo "qinq: a knock behind an 802.1ad and an 802.1Q tag accepted live"
