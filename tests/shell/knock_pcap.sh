#!/usr/bin/env bash
# knock -w for native/classic x IPv4/IPv6: tcpdump (the independent reader)
# must parse each file as one TCP SYN to the right port with valid
# checksums, and common/'s verifier (test_knock decode) must accept the
# payload for the expected request and allow address.  Needs no root.
set -eu
top=${SPA_TOP:-$PWD}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
knock=$build/knock
decode=$build/tests/test_knock
. "$top/tests/lib/pcapcheck.sh"
command -v tcpdump >/dev/null || { echo "tcpdump is not installed"; exit 77; }
[ -x "$knock" ] && [ -x "$decode" ] || { echo "build $knock and $decode first"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$knock" --keygen -o "$tmp/key"
fails=0

# check NAME FORMAT SRC DST PORT ALLOW REQUEST [knock options...]
check() {
	local name=$1 format=$2 src=$3 dst=$4 port=$5 allow=$6 request=$7 want_len verbose got
	shift 7
	"$knock" -v -k "$tmp/key" -s "$src" -d "$dst" -w "$tmp/$name.pcap" "$@" "$request" >"$tmp/$name.out"
	pcap_segment "$tmp/$name.pcap"
	want_len=115
	[ "$format" = native ] || want_len=35
	[ "$SEG_SRC $SEG_DST $SEG_DPORT $SEG_FLAGS $SEG_LEN" = "$src $dst $port S $want_len" ] ||
		{ echo "FAIL $name: tcpdump saw $SEG_SRC > $SEG_DST.$SEG_DPORT [$SEG_FLAGS] length $SEG_LEN"; return 1; }
	[ "$SEG_SPORT" -ge 1024 ] || { echo "FAIL $name: source port $SEG_SPORT"; return 1; }
	# -v names what went out; its tag is the payload's last 32 bytes.
	verbose=$(cat "$tmp/$name.out")
	case $verbose in
	"wrote src=$src sport=$SEG_SPORT dst=$dst dport=$port proto=tcp format=$format request=$request "*"payload=$want_len frame=$((${#SEG_HEX} / 2)) tag=${SEG_PAYLOAD: -64}") ;;
	*) echo "FAIL $name: -v printed: $verbose"; return 1 ;;
	esac
	got=$("$decode" decode "$tmp/key" "$SEG_SRC" "$SEG_SPORT" "$SEG_DST" "$SEG_DPORT" "$SEG_TIME" "$request" "$SEG_PAYLOAD")
	[ "$got" = "verdict=accepted request=$request allow=$allow" ] ||
		{ echo "FAIL $name: decoded as: $got"; return 1; }
	echo "ok $name: $SEG_SRC.$SEG_SPORT > $SEG_DST.$SEG_DPORT $format $request"
}

check native-v4 native 198.51.100.1 198.51.100.2 5001 198.51.100.1 ssh || fails=$((fails + 1))
check native-v6 native 2001:db8::1 2001:db8::2 5001 2001:db8::1 backup:full || fails=$((fails + 1))
check classic-v4 classic 192.0.2.7 192.0.2.10 5001 192.0.2.7 ssh --classic || fails=$((fails + 1))
check classic-v6 classic 2001:db8:1::7 2001:db8:2::10 5001 2001:db8:1::7 tcp/22 --classic || fails=$((fails + 1))
# A spoofed allow address, another port, a fixed source port.
check native-allow native 198.51.100.1 198.51.100.2 62201 203.0.113.7 ssh -a 203.0.113.7 -p 62201 -S 1024 || fails=$((fails + 1))
[ "$SEG_SPORT" = 1024 ] || { echo "FAIL -S 1024 gave source port $SEG_SPORT"; fails=$((fails + 1)); }

# The verifier must be able to say no: another key, or another port bound in the MAC.
"$knock" --keygen -o "$tmp/other"
pcap_segment "$tmp/native-v4.pcap"
got=$("$decode" decode "$tmp/other" "$SEG_SRC" "$SEG_SPORT" "$SEG_DST" "$SEG_DPORT" "$SEG_TIME" ssh "$SEG_PAYLOAD")
case $got in verdict=unknown*) ;; *) echo "FAIL wrong key decoded as: $got"; fails=$((fails + 1)) ;; esac
got=$("$decode" decode "$tmp/key" "$SEG_SRC" "$SEG_SPORT" "$SEG_DST" 5002 "$SEG_TIME" ssh "$SEG_PAYLOAD")
case $got in verdict=bad-mac*) ;; *) echo "FAIL wrong port decoded as: $got"; fails=$((fails + 1)) ;; esac

# Two knocks differ in nonce and source port (random per packet).
"$knock" -k "$tmp/key" -s 198.51.100.1 -d 198.51.100.2 -w "$tmp/again.pcap" ssh
first=$SEG_PAYLOAD
pcap_segment "$tmp/again.pcap"
[ "${first:16:32}" != "${SEG_PAYLOAD:16:32}" ] || { echo "FAIL the nonce repeated"; fails=$((fails + 1)); }

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "knock -w: every frame parsed, checksummed and decoded"
