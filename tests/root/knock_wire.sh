#!/usr/bin/env bash
# What knock writes with -w is what goes on the wire: for IPv4 and IPv6, the
# three payload sizes (classic 35, native 115, signed 179) and spoofed
# sources, one frame is written with knock's pcap writer and sent with its
# raw socket (test_knock_inject wire), and the datagram tcpdump captures in
# the server's namespace must be the file's, byte for byte: same header
# fields (no IP id, checksum, hop limit or source filled in by the kernel),
# same TCP segment.  Then knock itself: sent and written frames of one
# command line agree in everything but the values drawn per knock.  Root only.
set -eu
top=${SPA_TOP:-$PWD}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
knock=$build/knock
sender=$build/tests/test_knock_inject
. "$top/tests/lib/netns.sh"
. "$top/tests/lib/pcapcheck.sh"
netns_require_root
command -v tcpdump >/dev/null || { echo "tcpdump is not installed"; exit 77; }
[ -x "$knock" ] && [ -x "$sender" ] || { echo "build $knock and $sender first"; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"        # tcpdump may drop to its own user to write
netns_on_cleanup 'rm -rf "$tmp"'
netns_init
netns_host client 198.51.100.1/24 2001:db8:100::1/64
netns_host server 198.51.100.2/24 2001:db8:100::2/64
fails=0

# capture_start NAME PORT: tcpdump in the server for at most 3 s and 2
# segments, so that a second segment would be seen; waits until it listens.
capture_start() {
	local i
	: >"$tmp/$1.log"
	netns_exec server timeout 3 tcpdump -i eth0 -nn -U -Z root -c 2 \
		-w "$tmp/$1.wire.pcap" "tcp dst port $2" 2>"$tmp/$1.log" &
	CAPTURE_PID=$!
	for i in $(seq 50); do
		grep -q "listening on" "$tmp/$1.log" && return 0
		sleep 0.1
	done
	echo "tcpdump did not start: $(cat "$tmp/$1.log")"
	return 1
}

# wire_case NAME SRC DST PORT PAYLOAD_LEN
wire_case() {
	local name=$1 src=$2 dst=$3 port=$4 len=$5 written
	capture_start "$name" "$port" || return 1
	netns_exec client timeout 10 "$sender" wire "$tmp/$name.w.pcap" "$src" "$dst" "$port" "$len" ||
		{ echo "FAIL $name: test_knock_inject exited $?"; wait "$CAPTURE_PID" || true; return 1; }
	wait "$CAPTURE_PID" || true     # timeout ends it: exactly one was sent
	pcap_segment "$tmp/$name.w.pcap" || { echo "FAIL $name: the written file"; return 1; }
	written=$SEG_HEX
	pcap_segment "$tmp/$name.wire.pcap" || { echo "FAIL $name: $(cat "$tmp/$name.log")"; return 1; }
	[ "$SEG_HEX" = "$written" ] ||
		{ echo "FAIL $name: on the wire $SEG_HEX"; echo "     written     $written"; return 1; }
	echo "ok $name: $((${#written} / 2)) bytes on the wire as written, $SEG_SRC > $SEG_DST.$SEG_DPORT"
}

c4=198.51.100.1 s4=198.51.100.2 c6=2001:db8:100::1 s6=2001:db8:100::2
wire_case native-v4 $c4 $s4 5001 115 || fails=$((fails + 1))
wire_case classic-v4 $c4 $s4 62201 35 || fails=$((fails + 1))
wire_case signed-v4 $c4 $s4 5001 179 || fails=$((fails + 1))
wire_case native-v6 $c6 $s6 5001 115 || fails=$((fails + 1))
wire_case classic-v6 $c6 $s6 62201 35 || fails=$((fails + 1))
wire_case signed-v6 $c6 $s6 5001 179 || fails=$((fails + 1))
# Spoofed sources, held by no host, and one outside the subnet.
wire_case spoof-v4 198.51.100.3 $s4 5001 115 || fails=$((fails + 1))
wire_case spoof-far-v4 203.0.113.7 $s4 5001 115 || fails=$((fails + 1))
wire_case spoof-v6 2001:db8:100::3 $s6 5001 179 || fails=$((fails + 1))

# knock itself, sent then written with the same command line: the
# headers differ only where a knock draws fresh values (IPv4 id and
# checksum, TCP sequence and checksum; -S fixes the port), and the lengths
# not at all.  headers FAMILY HEX: IP and TCP headers, those fields blanked.
headers() {
	local h=$2
	if [ "$1" = 4 ]; then
		echo "${h:0:8}....${h:12:8}....${h:24:24}........${h:56:16}....${h:76:4}"
	else
		echo "${h:0:88}........${h:96:16}....${h:116:4}"
	fi
}
knock_case() {
	local name=$1 family=$2 dst=$3 sent
	shift 3
	capture_start "$name" 5001 || return 1
	netns_exec client timeout 10 "$knock" -k "$tmp/key" -d "$dst" -S 40000 "$@" ssh ||
		{ echo "FAIL $name: knock exited $?"; wait "$CAPTURE_PID" || true; return 1; }
	wait "$CAPTURE_PID" || true
	pcap_segment "$tmp/$name.wire.pcap" || { echo "FAIL $name: $(cat "$tmp/$name.log")"; return 1; }
	sent=$SEG_HEX
	netns_exec client "$knock" -k "$tmp/key" -d "$dst" -S 40000 -w "$tmp/$name.w.pcap" "$@" ssh
	pcap_segment "$tmp/$name.w.pcap" || { echo "FAIL $name: the written file"; return 1; }
	[ "${#sent}" = "${#SEG_HEX}" ] && [ "$(headers "$family" "$sent")" = "$(headers "$family" "$SEG_HEX")" ] ||
		{ echo "FAIL $name: sent    $sent"; echo "     written $SEG_HEX"; return 1; }
	echo "ok $name: knock's sent and written frames agree ($((${#sent} / 2)) bytes)"
}
"$knock" --keygen -o "$tmp/key"
knock_case knock-v4 4 $s4 || fails=$((fails + 1))
knock_case knock-v6 6 $s6 || fails=$((fails + 1))
knock_case knock-spoof-v4 4 $s4 -s 198.51.100.3 --classic || fails=$((fails + 1))

[ "$fails" -eq 0 ] || { echo "$fails case(s) failed"; exit 1; }
echo "knock on the wire: every datagram as written"
