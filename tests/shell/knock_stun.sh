#!/usr/bin/env bash
# knock -R and --stun on the command line (doc/interface.md "knock"): the
# usage errors (64), a STUN server name that does not resolve (68), no
# answer (69), an error response (76, its code and reason in the message),
# and real exchanges on loopback with coturn's turnserver (when installed)
# that write the frame with -w: the `stun ... public=` line, allow= in -v,
# the profile's stun =.  Nothing leaves loopback; needs no root.
set -eu
top=${SPA_TOP:-$PWD}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
knock=$build/knock
[ -x "$knock" ] || { echo "build $knock first"; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# expect CODE PATTERN knock-arguments...: exit status and one stderr line.
expect() {
	local want=$1 pattern=$2 rc=0 lines
	shift 2
	"$knock" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || { fail "knock $*: exit $rc, expected $want: $(cat "$tmp/err")"; return 0; }
	[ -z "$pattern" ] || grep -q -- "$pattern" "$tmp/err" || { fail "knock $*: no '$pattern' in: $(cat "$tmp/err")"; return 0; }
	lines=$(grep -c '^knock: ' "$tmp/err" || true)
	[ "$want" = 0 ] || [ "$lines" = 1 ] || fail "knock $*: $lines 'knock:' lines on stderr"
	echo "ok exit $rc: knock $*"
}

key=$tmp/key
"$knock" --keygen -o "$key"
w="-w $tmp/k.pcap"
export HOME=$tmp/home
mkdir -p "$HOME/.config/spa"
conf=$HOME/.config/spa/knock.conf

# Usage errors: before any key is read or anything is sent.
expect 64 "^knock: -R needs a STUN server; give --stun HOST\[:PORT\], or -n PROFILE with stun = (knock -h for help)$" \
	-R -d 127.0.0.1 -k "$key" $w ssh
expect 64 "-R and -a exclude each other" -R --stun 127.0.0.1 -a 192.0.2.1 -d 127.0.0.1 -k "$key" $w ssh
expect 64 "--stun goes with -R" --stun 127.0.0.1 -d 127.0.0.1 -k "$key" $w ssh
expect 64 "the classic format carries no allow address; drop -a or -R" \
	-R --stun 127.0.0.1 --classic -d 127.0.0.1 -k "$key" $w ssh
for bad in "" "127.0.0.1:0" "127.0.0.1:x" "[::1" "a b" "[127.0.0.1]:3478"; do
	expect 64 "^knock: --stun '.*' is not HOST\[:PORT\]" -R --stun "$bad" -d 127.0.0.1 -k "$key" $w ssh
done
expect 64 "the STUN server ::1 is not IPv4, and the knock to 127.0.0.1 is" \
	-R --stun "[::1]:3478" -d 127.0.0.1 -k "$key" $w ssh
expect 64 "--keygen takes only" --keygen -R
expect 64 "--public takes only" --public -k "$key" -R
expect 64 "no key" -R --stun 127.0.0.1 -d 127.0.0.1 $w ssh
printf '[lab]\naddress = 127.0.0.1\nstun = 127.0.0.1:70000\n' >"$conf"
expect 64 "knock.conf:3: stun: expected HOST or HOST:PORT" -n lab -R -k "$key" $w ssh
[ ! -e "$tmp/k.pcap" ] || fail "a usage error wrote $tmp/k.pcap"

# A name that does not resolve: 68 (.invalid never resolves, RFC 6761).
start=$(date +%s)
rc=0
"$knock" -R --stun no-such-host.invalid -d 127.0.0.1 -k "$key" $w ssh >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ $(($(date +%s) - start)) -gt 5 ]; then
	echo "skip --stun no-such-host.invalid: the resolver took more than 5 s (no DNS?)"
else
	[ "$rc" = 68 ] && grep -qx "knock: cannot resolve STUN server no-such-host.invalid: .*" "$tmp/err" ||
		fail "--stun no-such-host.invalid: exit $rc: $(cat "$tmp/err")"
fi

# free_port: a UDP port on 127.0.0.1 that nothing uses now.
free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Nobody answers: 69 after the whole timer (7.5 s), the ICMP noted.
port=$(free_port)
expect 69 "^knock: STUN server 127.0.0.1 port $port did not answer (4 requests in 7.5 s; ICMP says nothing listens there); check --stun" \
	-R --stun 127.0.0.1:$port -d 127.0.0.1 -k "$key" $w ssh
[ ! -e "$tmp/k.pcap" ] || fail "a STUN failure wrote $tmp/k.pcap"

# An error response: 76, with the server's code and reason.
python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
s.settimeout(20)
req, peer = s.recvfrom(512)
reason = b"Unauthorized"
attr = struct.pack("!HHHBB", 0x0009, 4 + len(reason), 0, 4, 1) + reason
s.sendto(struct.pack("!HH", 0x0111, len(attr)) + req[4:20] + attr, peer)
' "$tmp/errport" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/errport" ] && break; sleep 0.1; done
expect 76 "^knock: STUN server 127.0.0.1 port $(cat "$tmp/errport") refused the Binding request: error 401 Unauthorized; " \
	-R --stun "127.0.0.1:$(cat "$tmp/errport")" -d 127.0.0.1 -k "$key" $w ssh

# coturn on loopback: the public address of a loopback client is 127.0.0.1.
if ! command -v turnserver >/dev/null; then
	echo "skip the exchanges with turnserver: not installed (coturn; make deps)"
else
	port=$(free_port)
	cat >"$tmp/turnserver.conf" <<CONF
listening-ip=127.0.0.1
listening-port=$port
stun-only
no-tls
no-dtls
no-cli
log-file=$tmp/turn.log
simple-log
pidfile=$tmp/turn.pid
CONF
	turnserver -c "$tmp/turnserver.conf" >"$tmp/turn.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		ss -Hlun "sport = :$port" | grep -q 127.0.0.1 && break
		sleep 0.1
	done
	expect 0 "" -R --stun 127.0.0.1:$port -d 127.0.0.1 -k "$key" $w -v ssh
	grep -qx "stun server=127.0.0.1 port=$port public=127.0.0.1" "$tmp/out" ||
		fail "knock -R did not print the public address: $(cat "$tmp/out")"
	grep -q "^wrote src=127.0.0.1 .* allow=127.0.0.1 " "$tmp/out" || fail "knock -R -v: $(cat "$tmp/out")"
	[ "$(grep -c . "$tmp/out")" = 2 ] || fail "knock -R -v printed: $(cat "$tmp/out")"
	# The profile names the server; -R wins over its allow =.
	printf '[lab]\naddress = 127.0.0.1\nallow = 192.0.2.9\nstun = 127.0.0.1:%s\nrequest = ssh\n' "$port" >"$conf"
	expect 0 "" -n lab -R -k "$key" $w -v
	grep -q " allow=127.0.0.1 " "$tmp/out" || fail "-n lab -R: $(cat "$tmp/out")"
	expect 0 "" -n lab -k "$key" $w -v
	grep -q " allow=192.0.2.9 " "$tmp/out" && ! grep -q "^stun " "$tmp/out" ||
		fail "-n lab without -R asked STUN: $(cat "$tmp/out")"
	# -w -: the frame on stdout, the lines on stderr.
	"$knock" -R --stun 127.0.0.1:$port -d 127.0.0.1 -k "$key" -w - -v ssh >"$tmp/stdout.pcap" 2>"$tmp/err" ||
		fail "-R -w -: $(cat "$tmp/err")"
	grep -qx "stun server=127.0.0.1 port=$port public=127.0.0.1" "$tmp/err" || fail "-R -w -: stderr $(cat "$tmp/err")"
	echo "ok turnserver on loopback: -R learns 127.0.0.1"
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "knock -R: every exit status and message as expected"
