#!/usr/bin/env bash
# A real knock between two network namespaces: tcpdump on the server side
# must see exactly one TCP SYN to the knock port, from the expected source
# (the kernel's choice, or a spoofed -s from the same subnet), with valid
# checksums, the tag that knock -v printed, and a payload that common/'s
# verifier accepts.  Native and classic, IPv4 and IPv6.  Root only.
set -eu
top=${SPA_TOP:-$PWD}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
knock=$build/knock
decode=$build/tests/test_knock
. "$top/tests/lib/netns.sh"
. "$top/tests/lib/pcapcheck.sh"
netns_require_root
command -v tcpdump >/dev/null || { echo "tcpdump is not installed"; exit 77; }
[ -x "$knock" ] && [ -x "$decode" ] || { echo "build $knock and $decode first"; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"        # tcpdump may drop to its own user to write
netns_on_cleanup 'rm -rf "$tmp"'
netns_init
netns_host client 198.51.100.1/24 2001:db8:100::1/64
netns_host server 198.51.100.2/24 2001:db8:100::2/64
"$knock" --keygen -o "$tmp/key"
fails=0

# capture_start NAME PORT: tcpdump in the server for at most 3 s and 2
# segments, so that a second segment would be seen; waits until it listens.
capture_start() {
	local i
	: >"$tmp/$1.log"
	netns_exec server timeout 3 tcpdump -i eth0 -nn -U -Z root -c 2 \
		-w "$tmp/$1.pcap" "tcp dst port $2" 2>"$tmp/$1.log" &
	CAPTURE_PID=$!
	for i in $(seq 50); do
		grep -q "listening on" "$tmp/$1.log" && return 0
		sleep 0.1
	done
	echo "tcpdump did not start: $(cat "$tmp/$1.log")"
	return 1
}

# knock_case NAME FORMAT DST PORT WANT_SRC ALLOW REQUEST [knock options...]
knock_case() {
	local name=$1 format=$2 dst=$3 port=$4 want_src=$5 allow=$6 request=$7 len=115 v got
	shift 7
	[ "$format" = native ] || len=35
	capture_start "$name" "$port" || return 1
	netns_exec client timeout 10 "$knock" -v -k "$tmp/key" -d "$dst" -p "$port" "$@" "$request" >"$tmp/$name.out" ||
		{ echo "FAIL $name: knock exited $?"; wait "$CAPTURE_PID" || true; return 1; }
	wait "$CAPTURE_PID" || true     # timeout ends it: exactly one was sent
	pcap_segment "$tmp/$name.pcap" || { echo "FAIL $name: $(cat "$tmp/$name.log")"; return 1; }
	[ "$SEG_SRC $SEG_DST $SEG_DPORT $SEG_FLAGS $SEG_LEN" = "$want_src $dst $port S $len" ] ||
		{ echo "FAIL $name: captured $SEG_SRC > $SEG_DST.$SEG_DPORT [$SEG_FLAGS] length $SEG_LEN"; return 1; }
	v=$(cat "$tmp/$name.out")
	case $v in
	"sent src=$want_src sport=$SEG_SPORT dst=$dst dport=$port proto=tcp format=$format request=$request "*"payload=$len "*" tag=${SEG_PAYLOAD: -64}") ;;
	*) echo "FAIL $name: knock -v said: $v"; return 1 ;;
	esac
	got=$("$decode" decode "$tmp/key" "$SEG_SRC" "$SEG_SPORT" "$SEG_DST" "$SEG_DPORT" "$SEG_TIME" "$request" "$SEG_PAYLOAD")
	[ "$got" = "verdict=accepted request=$request allow=$allow" ] ||
		{ echo "FAIL $name: decoded as: $got"; return 1; }
	echo "ok $name: one segment $SEG_SRC.$SEG_SPORT > $SEG_DST.$SEG_DPORT $format $request"
}

c4=198.51.100.1 s4=198.51.100.2 c6=2001:db8:100::1 s6=2001:db8:100::2
knock_case native-v4 native $s4 5001 $c4 $c4 ssh || fails=$((fails + 1))
knock_case native-v6 native $s6 5001 $c6 $c6 backup:full || fails=$((fails + 1))
knock_case classic-v4 classic $s4 5001 $c4 $c4 ssh --classic || fails=$((fails + 1))
knock_case classic-v6 classic $s6 62201 $c6 $c6 tcp/22 --classic || fails=$((fails + 1))
# Spoofed sources from the same subnet, held by no host.
knock_case spoof-v4 native $s4 5001 198.51.100.3 198.51.100.3 ssh -s 198.51.100.3 || fails=$((fails + 1))
knock_case spoof-v6 classic $s6 5001 2001:db8:100::3 2001:db8:100::3 ssh -s 2001:db8:100::3 --classic || fails=$((fails + 1))
knock_case spoof-allow native $s4 5001 198.51.100.3 203.0.113.7 ssh -s 198.51.100.3 -a 203.0.113.7 || fails=$((fails + 1))

[ "$fails" -eq 0 ] || { echo "$fails case(s) failed"; exit 1; }
echo "knock between namespaces: each knock arrived once, intact"
