#!/usr/bin/env bash
# Two sniffers of one cluster (doc/cluster.md), as anycast nodes: both
# hold the service address 198.51.100.10 (address = in each), and the
# client reaches one or the other by the MAC address its neighbour entry
# names.  Redis runs in a namespace of its own, started here with a
# configuration of the test's (no persistence, its directory a temporary
# one, daemonize no) and killed at the end.
#   - a knock accepted by node A opens on A and, through the grants'
#     stream, on B; the same bytes sent to B are a replay there (A claimed
#     the tag in Redis first) and open nothing more;
#   - the grant closes on both nodes at its expiry;
#   - Redis killed: a knock to A is refused (on_redis_down = refuse, the
#     default), logged and counted; B, stopped meanwhile, starts without
#     the grant A still holds, with on_redis_down = local: a knock to B is
#     accepted by B alone, counted, and opens on B only;
#   - Redis back (empty): each node publishes its open grants again and
#     the other opens them; a new knock is accepted and shared again.
# The replayed frame is written by knock -w and sent byte for byte by a
# python3 raw-socket sender.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables redis-server python3
SNIFFER_TMP=$(mktemp -d)
tmp=$SNIFFER_TMP
netns_on_cleanup 'rm -rf "$tmp"'
netns_on_cleanup 'for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done'
PIDS=
netns_init
C=198.51.100.1 SVC=198.51.100.10 REDIS=198.51.100.4
C_RE=${C//./\\.}
netns_host client $C/24
netns_host nodea 198.51.100.2/24 $SVC/24
netns_host nodeb 198.51.100.3/24 $SVC/24
netns_host redis $REDIS/24
log=$tmp/log
: >"$log"
fail() { sniffer_fail "$log" "" "$*"; }
printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$tmp/key"
printf '%s\n' 9v2b0cZbqK1u9m3Yw8C7p4hJ2oXkQe5rLs6tN1aDfGw= >"$tmp/ckey"
chmod 600 "$tmp/key" "$tmp/ckey"
SSH_T=5 WEB_T=40

start_redis() {
	mkdir -p "$tmp/redis"
	cat >"$tmp/redis.conf" <<CONF
bind $REDIS
port 6379
protected-mode no
daemonize no
save ""
appendonly no
dir $tmp/redis
logfile $tmp/redis.log
CONF
	ip netns exec "$(netns_ns redis)" redis-server "$tmp/redis.conf" >/dev/null 2>&1 </dev/null &
	REDIS_PID=$!
	PIDS="$PIDS $REDIS_PID"
	for _ in $(seq 50); do
		netns_exec redis redis-cli -h $REDIS ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.1
	done
	fail "redis-server did not start: $(cat "$tmp/redis.log")"
}

# conf NODE [ON_REDIS_DOWN]: node NODE's sniffer.conf.
conf() {
	cat <<CONF
[sniffer]
interface = eth0
address = $SVC
state = $tmp/state-$1
[user alice]
keyfile = $tmp/key
allow = ssh web db
[action ssh]
open = tcp/22
timeout = $SSH_T
[action web]
open = tcp/80
timeout = $WEB_T
[action db]
open = tcp/5432
timeout = $WEB_T
[cluster]
redis = $REDIS:6379
node = $1
keyfile = $tmp/ckey
timeout = 300
on_redis_down = ${2:-refuse}
CONF
}

# start NODE [ON_REDIS_DOWN]: its sniffer, logging to $log.NODE; its pid in PID_NODE.
start() {	# NODE [ON_REDIS_DOWN]
	local n
	conf "$1" "${2:-}" >"$tmp/$1.conf"
	: >>"$log.$1"
	n=$(sniffer_log_count "$log.$1" 'started: ')
	ip netns exec "$(netns_ns node$1)" "$SNIFFER_BIN" -f -R "$SPA_TOP/rules" -c "$tmp/$1.conf" >>"$log.$1" 2>&1 </dev/null &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	sniffer_wait_log "$log.$1" 'started: ' $((n + 1)) 5 || fail "node $1 did not start"
}

stop() {
	local pid
	eval "pid=\$PID_$1"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || fail "node $1 exited $? on SIGTERM"
}

# grants NODE PORT: the client's tcp/PORT rules in NODE's firewall.
grants() {
	netns_exec "node$1" iptables -w 5 -S SPA 2>/dev/null |
		grep -cE -- "^-A SPA -s $C_RE/32 -p tcp -m tcp --dport $2 -j ACCEPT\$" || true
}

wait_grants() {	# NODE PORT N MS
	local end=$(($(sniffer_now_ms) + $4))
	while [ "$(sniffer_now_ms)" -lt "$end" ]; do
		[ "$(grants "$1" "$2")" = "$3" ] && return 0
		sleep 0.05
	done
	[ "$(grants "$1" "$2")" = "$3" ]
}

# to NODE: the client's frames to the service address go to NODE.
to() {
	local mac
	mac=$(ip -n "$(netns_ns node$1)" -o link show eth0 | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2)
	netns_exec client ip neigh replace $SVC lladdr "$mac" dev eth0 nud permanent
}

knock_file() {	# FILE REQUEST
	netns_exec client "$SNIFFER_KNOCK_BIN" -k "$tmp/key" -d $SVC -s $C -w "$1" "$2" >/dev/null
}

send_pcap() {
	netns_exec client python3 -c '
import socket, struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
assert struct.unpack(e + "I", d[20:24])[0] == 101, "not LINKTYPE_RAW"
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
off, n = 24, 0
while off + 16 <= len(d):
    incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
    pkt = d[off + 16:off + 16 + incl]
    off += 16 + incl
    s.sendto(pkt, (socket.inet_ntoa(pkt[16:20]), 0))
    n += 1
assert n == 1, n
' "$1"
}

logs() { for n in a b; do echo "--- node $n"; cat "$log.$n" 2>/dev/null || true; done >"$log"; }
trap 'rc=$?; logs; netns_cleanup; exit $rc' EXIT
fail() { logs; sniffer_fail "$log" "" "$*"; }

start_redis
start a
start b
sniffer_wait_log "$log.a" 'cluster: node a connected' 1 3 || fail "node a did not join"
sniffer_wait_log "$log.b" 'cluster: node b connected' 1 3 || fail "node b did not join"

# 1. Accepted by A, opened on both; the same bytes to B: replay.
knock_file "$tmp/k1.pcap" ssh
to a
send_pcap "$tmp/k1.pcap"
sniffer_wait_log "$log.a" "verdict=accepted .*user=alice request=ssh allow=$C_RE\$" 1 3 ||
	fail "node a did not accept the knock"
wait_grants a 22 1 3000 || fail "no grant on node a"
wait_grants b 22 1 3000 || fail "the grant did not reach node b"
sniffer_wait_log "$log.b" "cluster: grant from node a: user=alice request=ssh allow=$C_RE until" 1 3 ||
	fail "node b did not log the grant it took in"
ea=$(grep -oE "open $C_RE tcp/22 until [0-9]+" "$log.a" | tail -1 | sed 's/.* until //')
eb=$(grep -oE "open $C_RE tcp/22 until [0-9]+" "$log.b" | tail -1 | sed 's/.* until //')
[ -n "$ea" ] && [ "$ea" = "$eb" ] || fail "expiries differ: node a $ea, node b $eb"
to b
send_pcap "$tmp/k1.pcap"
sniffer_wait_log "$log.b" "verdict=replay .*user=alice cluster=claimed-elsewhere" 1 3 ||
	fail "node b did not call the resent knock a replay"
[ "$(sniffer_log_count "$log.b" 'verdict=accepted')" = 0 ] || fail "node b accepted the resent knock"
[ "$(grants b 22)" = 1 ] || fail "$(grants b 22) rules on node b after the replay, want 1"
[ "$(sniffer_log_count "$log.b" "^sniffer: open $C_RE tcp/22 until")" = 1 ] ||
	fail "the replay opened again on node b"

# 2. Closed on both at the expiry.
left=$(( (ea + 2) * 1000 - $(sniffer_now_ms) ))
[ "$left" -gt 0 ] || left=0
wait_grants a 22 0 $((left + 1000)) || fail "still open on node a after its expiry $ea"
wait_grants b 22 0 1000 || fail "still open on node b after its expiry $eb"

# 3. A long grant on both, then Redis killed: a knock is refused; B,
# restarted meanwhile, has no grant.
to a
knock_file "$tmp/k2.pcap" web
send_pcap "$tmp/k2.pcap"
wait_grants a 80 1 3000 || fail "no web grant on node a"
wait_grants b 80 1 3000 || fail "the web grant did not reach node b"
stop b
[ "$(grants b 80)" = 0 ] || fail "node b kept a rule after SIGTERM"
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
sniffer_wait_log "$log.a" 'cluster: Redis .* lost' 1 3 || fail "node a did not see Redis go"
start b local
sniffer_wait_log "$log.b" 'cluster: Redis .* unreachable' 1 3 || fail "node b did not say Redis is unreachable"
knock_file "$tmp/k3.pcap" ssh
send_pcap "$tmp/k3.pcap"
sniffer_wait_log "$log.a" "verdict=accepted .*request=ssh .* refused=redis-down" 1 3 ||
	fail "node a did not refuse a knock while Redis was down"
sleep 0.5
[ "$(grants a 22)" = 0 ] || fail "node a opened while Redis was down"
kill -USR1 "$PID_a"
sniffer_wait_log "$log.a" 'counters: .* cluster-up=0 .*cluster-refused=1 ' 1 3 ||
	fail "the refusal is not counted"
# B runs with on_redis_down = local: it decides alone, and opens.
to b
knock_file "$tmp/k5.pcap" db
send_pcap "$tmp/k5.pcap"
sniffer_wait_log "$log.b" "verdict=accepted .*user=alice request=db allow=$C_RE\$" 1 3 ||
	fail "node b (on_redis_down = local) did not accept a knock alone"
wait_grants b 5432 1 3000 || fail "no db grant on node b"
[ "$(grants a 5432)" = 0 ] || fail "node a has the db grant while Redis is down"
kill -USR1 "$PID_b"
sniffer_wait_log "$log.b" 'counters: .* cluster-up=0 .*cluster-refused=0 cluster-local=1 ' 1 3 ||
	fail "the knock decided alone is not counted"
to a

# 4. Redis back, empty: A publishes its open grant again, B opens it.
start_redis
wait_grants b 80 1 5000 || fail "the open grant did not re-sync to node b"
wait_grants a 5432 1 5000 || fail "node b's grant made alone did not re-sync to node a"
sniffer_wait_log "$log.a" 'cluster: node a connected' 2 3 || fail "node a did not reconnect"
to b
knock_file "$tmp/k4.pcap" ssh
send_pcap "$tmp/k4.pcap"
sniffer_wait_log "$log.b" "verdict=accepted .*user=alice request=ssh allow=$C_RE\$" 1 3 ||
	fail "node b did not accept a knock once Redis was back"
wait_grants a 22 1 3000 || fail "node b's grant did not reach node a"
to a
send_pcap "$tmp/k4.pcap"
sniffer_wait_log "$log.a" "verdict=replay .*cluster=claimed-elsewhere" 1 3 ||
	fail "node a did not call node b's knock a replay"
stop a
stop b
for n in a b; do
	! grep -qE 'cluster: dropped|a malformed message|command failed' "$log.$n" ||
		fail "node $n: $(grep -E 'cluster: dropped|a malformed message|command failed' "$log.$n")"
done
echo ok
