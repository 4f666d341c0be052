#!/usr/bin/env bash
# A knock inside QinQ on the wire (an 802.1ad service tag, then an 802.1Q
# customer tag) reaches the live sniffer capturing on the untagged
# interface: the capture filter passes it behind two tags (the kernel
# moves the outer one out of the frame, libpcap puts it back) and the
# decoder skips both.  The knock is one knock -w wrote, wrapped in
# Ethernet with the two tags and sent from the client's eth0 through a
# packet socket (no VLAN devices needed); the server has none either.  The
# same knock behind the tags to another port is filtered out.  Likewise
# an IPv6 knock after a hop-by-hop options header, which the filter passes
# whatever its port (the sniffer checks it).  Dry run (-n): the accepted
# knocks' commands are printed, nothing is opened.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables
sniffer_net "$SNIFFER_CLIENT/24" 2001:db8::1/64
netns_exec server ip addr add 2001:db8::2/64 dev eth0 nodad
tmp=$SNIFFER_TMP
log=$tmp/log
fail() { sniffer_fail "$log" "" "$*"; }
command -v python3 >/dev/null || { echo "SKIPPED: needs python3"; exit 77; }
mac=$(netns_exec server cat /sys/class/net/eth0/address)
# send_frame qinq|hopopts PCAP: its one raw-IP frame to the server's MAC,
# behind the two tags, or (IPv6) with a hop-by-hop header put in.
send_frame() {
	netns_exec client python3 - "$1" "$2" "$mac" <<'PY'
import socket, struct, sys
b = open(sys.argv[2], 'rb').read()
caplen, = struct.unpack_from('<I', b, 24 + 8)
ip = b[40:40 + caplen]
dst = bytes.fromhex(sys.argv[3].replace(':', ''))
src = open('/sys/class/net/eth0/address').read().strip().replace(':', '')
if sys.argv[1] == 'qinq':
    frame = (dst + bytes.fromhex(src) +
             struct.pack('>HHHH', 0x88a8, 100, 0x8100, 200) +
             struct.pack('>H', 0x0800) + ip)
else:
    plen, = struct.unpack_from('>H', ip, 4)
    hbh = bytes([ip[6], 0, 1, 4, 0, 0, 0, 0])     # next header, PadN
    ip = (ip[:4] + struct.pack('>HB', plen + 8, 0) + ip[7:40] + hbh +
          ip[40:])
    frame = dst + bytes.fromhex(src) + struct.pack('>H', 0x86dd) + ip
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
send_frame qinq "$tmp/other.pcap" || fail "cannot send the frame to port 5002"
send_frame qinq "$tmp/knock.pcap" || fail "cannot send the knock"
wait "$dump" || true
[ "$(grep -c 'vlan 100.*vlan 200.*198.51.100.1.* > 198.51.100.2.500[12]' "$tmp/wire")" = 2 ] ||
	fail "the server's eth0 did not see both frames inside QinQ: $(cat "$tmp/wire")"
sniffer_wait_log "$log" 'verdict=accepted .*user=alice request=ssh' 1 5 ||
	fail "the knock inside QinQ was not accepted"
sniffer_wait_log "$log" 'run: /usr/sbin/iptables -w 5 -I SPA -s 198\.51\.100\.1 -p tcp --dport 22 -j ACCEPT' 1 5 ||
	fail "the open command was not printed"
[ "$(sniffer_log_count "$log" 'dport=5002')" = 0 ] || fail "the frame to port 5002 was decided"
netns_exec client "$SNIFFER_KNOCK_BIN" -k "$SNIFFER_KEY" -d 2001:db8::2 -s 2001:db8::1 \
	-w "$tmp/knock6.pcap" ssh
send_frame hopopts "$tmp/knock6.pcap" || fail "cannot send the IPv6 knock"
sniffer_wait_log "$log" 'verdict=accepted src=2001:db8::1 .*user=alice request=ssh' 1 5 ||
	fail "the IPv6 knock after a hop-by-hop header was not accepted"
sniffer_stop TERM || fail "the sniffer did not stop cleanly"
echo "qinq: a knock behind an 802.1ad and an 802.1Q tag, and one after an IPv6 hop-by-hop header, accepted live"
