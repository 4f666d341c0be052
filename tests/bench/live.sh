#!/usr/bin/env bash
# make bench, the live half (root): our sniffer and fwknopd side by side,
# each in network namespaces of its own (documentation addresses only),
# measured the same way in the same run.  Bounded: N knocks per server,
# each waited for at most 3 s.
#
#   knock to open   (also with a [cluster]: Redis in a namespace of its
#                   own, tests/root/cluster_redis.sh has the whole story)
#                   a prober in the client sends a SYN to 22/tcp every
#                   0.25 ms from the address the knock asks for; tcpdump on
#                   the server's eth0 gives the knock's arrival and the
#                   first SYN-ACK of 22/tcp back: the difference is the
#                   latency (median, p90, max over N knocks; resolution
#                   0.25 ms, the same for both servers)
#   client          wall time of one knock (knock / fwknop), median of N
#   idle memory     Pss and anonymous memory of the server's processes
#                   (all of them: the sniffer's parent and capture process),
#                   after the knocks, and their CPU over IDLE s with no
#                   traffic (BENCH_IDLE, default 10)
#   junk            tests/bench/load.sh: CPU per junk packet at 100/s, and a
#                   flood with genuine knocks through it (nft-set and
#                   fwknopd)
#   users           tests/bench/users.sh: 1, 1,000, 100,000 users: sniffer
#                   -t and a full start, time and memory
#
# Writes markdown rows to $1 (default build/bench-live.md) and prints them.
# A server whose program is missing gets a row saying so.
set -u
top=${SPA_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
out=${1:-$build/bench-live.md}
N=${BENCH_KNOCKS:-30}
. "$top/tests/lib/netns.sh"
netns_require_root
for cmd in tcpdump iptables python3 "$build/bench_junk"; do
	command -v "$cmd" >/dev/null || { echo "bench: needs $cmd (make deps)"; exit 77; }
done
tmp=$(mktemp -d)
netns_on_cleanup 'rm -rf "$tmp"'
netns_init
C=198.51.100.1 S=198.51.100.2
IDLE=${BENCH_IDLE:-10}
addrs=()
for i in $(seq "$N"); do addrs+=("198.51.100.$((10 + i))"); done
# The flood's genuine knocks come from addresses of their own (fresh
# grants), the junk from one more.
J=198.51.100.250
flood_addrs=()
for i in $(seq 20); do flood_addrs+=("198.51.100.$((100 + i))"); done
netns_host client "$C/24" $(printf '%s/24 ' "${addrs[@]}" "${flood_addrs[@]}") "$J/24"
netns_host server "$S/24"
smac=$(ip -n "$(netns_ns server)" -br link show eth0 | awk '{ print $3 }')
# sshd stands in for any service: something must answer on 22/tcp.
netns_exec server python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22)); s.listen(1024); time.sleep(36000)' &
netns_on_cleanup "kill $! 2>/dev/null || true"
# Drop 22/tcp unless a grant opens it: the iptables backends and fwknopd
# accept before this rule, in chains of their own; an nft backend accepts
# in a table of its own and marks the packet (0x5350), which another
# table's drop would otherwise still see.
netns_exec server iptables -A INPUT -p tcp --dport 22 -m mark ! --mark 0x5350/0x5350 -j DROP
# Junk is seen by the captures (they tap the interface before netfilter)
# and then dropped, so the server's kernel answers none of it with a RST or
# an ICMP error: what a server costs is its capture's work.
netns_exec server iptables -t raw -A PREROUTING -s "$J" -j DROP

ms() { awk '{ printf "%.3f", $1 * 1000 }'; }
stats() {       # median p90 max of the numbers on stdin
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - -"; exit }
		printf "%.2f %.2f %.2f\n", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)], v[NR] }'
}
mem() {         # Pss, Anonymous and Rss (kB) summed over the pids given
	local p pss=0 anon=0 rss=0 a b c
	for p in "$@"; do
		read -r a b c < <(awk '/^Pss:/ { p = $2 } /^Anonymous:/ { a = $2 } /^Rss:/ { r = $2 }
			END { print p + 0, a + 0, r + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		pss=$((pss + ${a:-0})) anon=$((anon + ${b:-0})) rss=$((rss + ${c:-0}))
	done
	awk -v p="$pss" -v a="$anon" -v r="$rss" -v n="$#" 'BEGIN { printf "%.2f MB Pss, %.2f MB anonymous, %.2f MB Rss (%d processes)", p / 1024, a / 1024, r / 1024, n }'
}
tree() {        # the pids given and all their descendants
	local p
	for p in "$@"; do
		echo "$p"
		# shellcheck disable=SC2046
		tree $(cat /proc/"$p"/task/*/children 2>/dev/null)
	done
}
cpu() {         # CPU the pids given have run: "NS TICKS", nanoseconds from
	        # the scheduler (every thread's schedstat), utime + stime in
	        # clock ticks (/proc/PID/stat)
	local p ns=0 ticks=0 a
	for p in "$@"; do
		a=$(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d", s }')
		ns=$((ns + ${a:-0}))
		a=$(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{ print $12 + $13 }')
		ticks=$((ticks + ${a:-0}))
	done
	echo "$ns $ticks"
}

# run NAME KNOCK_FILTER START_CMD KNOCK_FN READY_RE: one server's row; the
# knocks start once the server's output matches READY_RE (at most 10 s).
run() {
	local name=$1 filter=$2 start=$3 knockfn=$4 ready=$5 pid cap=$tmp/$1.pcap lat
	: >"$tmp/$name.tcpdump"
	netns_exec server tcpdump -i eth0 -n -j adapter_unsynced -w "$cap" -U \
		"($filter) or (tcp src port 22 and tcp[tcpflags] & tcp-syn != 0)" 2>"$tmp/$name.tcpdump" &
	local tcpd=$!
	for _ in $(seq 50); do grep -q listening "$tmp/$name.tcpdump" && break; sleep 0.1; done
	: >"$tmp/$name.log"
	ip netns exec "$(netns_ns server)" sh -c "$start" >"$tmp/$name.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -qE "$ready" "$tmp/$name.log" && break; sleep 0.1; done
	sleep 0.5
	for a in "${addrs[@]}"; do
		: >"$tmp/probing"
		netns_exec client python3 "$top/tests/bench/probe.py" "$a" "$S" 22 0.00025 3 >"$tmp/probing" &
		local prober=$!
		for _ in $(seq 200); do [ -s "$tmp/probing" ] && break; sleep 0.01; done
		sleep 0.01
		"$knockfn" "$a"
		wait "$prober" || true
	done
	sleep 0.3
	kill "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
	# The server's own processes ($pid is the server: ip netns exec and sh
	# exec it), not tcpdump's, whose command line names $tmp/$name too.
	local memory pids c0 c1 idle
	pids=$(tree "$pid")
	# shellcheck disable=SC2086
	memory=$(mem $pids)
	# shellcheck disable=SC2086
	c0=$(cpu $pids); sleep "$IDLE"
	# shellcheck disable=SC2086
	c1=$(cpu $pids)
	idle=$(echo "$c0 $c1" | awk -v t="$IDLE" '{ printf "%.2f ms/s (utime+stime %.1f ms/s)", ($3 - $1) / 1e6 / t, ($4 - $2) * 10 / t }')
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Knock arrivals in order; the first SYN-ACK to each address.
	lat=$(tcpdump -n -tt -r "$cap" 2>/dev/null | awk -v filt="$filter" '
		/ > [0-9.]+\.(5001|62201):/ { k[++nk] = $1; next }
		/\.22 > / && /Flags \[S\.\]/ {
			split($5, d, "."); a = d[1] "." d[2] "." d[3] "." d[4]
			if (!(a in first)) first[a] = $1 }
		END { for (i = 1; i <= nk; i++) { a = "198.51.100." (10 + i)
			if (a in first) printf "%.3f\n", (first[a] - k[i]) * 1000 } }')
	local n
	n=$(printf '%s\n' "$lat" | grep -c . || true)
	[ "$n" = "$N" ] || { echo "bench: $name opened $n of $N; its log:"; tail -5 "$tmp/$name.log"; } >&2
	read -r med p90 max <<<"$(printf '%s\n' "$lat" | grep . | stats)"
	printf '| %s | %s / %s | %s | %s | %s |\n' "$name" "$n" "$N" "$med" "$p90" "$max" >>"$tmp/latency"
	printf '| %s | %s | %s |\n' "$name" "$memory" "$idle" >>"$tmp/memory"
}

# Our sniffer, one backend at a time.
key=$tmp/alice.key
"$build/knock" --keygen -o "$key" >/dev/null
sniffer_conf() {        # BACKEND
	cat <<CONF
[sniffer]
interface = eth0
firewall = $1
state = $tmp/state-$1
[user alice]
keyfile = $key
allow = ssh
nat = yes
[action ssh]
open = tcp/22
timeout = 600
CONF
}
knock_ours() { netns_exec client "$build/knock" -k "$key" -s "$C" -a "$1" -d "$S" ssh; }
: >"$tmp/latency"
: >"$tmp/memory"
for backend in iptables nft nft-set; do
	[ -e "$top/rules/$backend" ] || continue
	mkdir -m 700 "$tmp/state-$backend"
	sniffer_conf "$backend" >"$tmp/sniffer-$backend.conf"
	run "sniffer-$backend" "tcp dst port 5001" \
		"exec $build/sniffer -f -R $top/rules -c $tmp/sniffer-$backend.conf" knock_ours \
		'seccomp filter on|privilege separation off'
done

# The same with a [cluster] (doc/cluster.md): a node alone in its cluster,
# Redis in a namespace of its own, so each knock's tag is claimed and its
# grant published over the bridge before and while it opens.
if command -v redis-server >/dev/null; then
	R=198.51.100.3
	netns_host redis "$R/24"
	mkdir -p "$tmp/redis"
	printf 'bind %s\nport 6379\nprotected-mode no\ndaemonize no\nsave ""\nappendonly no\ndir %s\nlogfile %s\n' \
		"$R" "$tmp/redis" "$tmp/redis.log" >"$tmp/redis.conf"
	ip netns exec "$(netns_ns redis)" redis-server "$tmp/redis.conf" >/dev/null 2>&1 </dev/null &
	netns_on_cleanup "kill $! 2>/dev/null || true"
	for _ in $(seq 50); do
		netns_exec redis redis-cli -h "$R" ping 2>/dev/null | grep -q PONG && break
		sleep 0.1
	done
	"$build/knock" --keygen -o "$tmp/cluster.key" >/dev/null
	mkdir -m 700 "$tmp/state-iptables-cluster"
	{
		sniffer_conf iptables | sed "s#state = .*#state = $tmp/state-iptables-cluster#"
		printf '[cluster]\nredis = %s:6379\nnode = bench\nkeyfile = %s\ntimeout = 200\n' \
			"$R" "$tmp/cluster.key"
	} >"$tmp/sniffer-iptables-cluster.conf"
	run "sniffer-iptables-cluster" "tcp dst port 5001" \
		"exec $build/sniffer -f -R $top/rules -c $tmp/sniffer-iptables-cluster.conf" knock_ours \
		'seccomp filter on|privilege separation off'
else
	echo "| sniffer-iptables-cluster | missing: apt-get install redis-server | - | - | - |" >>"$tmp/latency"
fi

# fwknopd 2.6 (Debian fwknop-server): Rijndael + HMAC-SHA256 keys, iptables.
if command -v fwknopd >/dev/null && command -v fwknop >/dev/null; then
	fwkeys=$(fwknop --key-gen)
	fk=$(printf '%s\n' "$fwkeys" | sed -n 's/^KEY_BASE64: *//p')
	fh=$(printf '%s\n' "$fwkeys" | sed -n 's/^HMAC_KEY_BASE64: *//p')
	mkdir -p "$tmp/fwknopd" "$tmp/fwhome"
	printf 'PCAP_INTF eth0;\nENABLE_PCAP_PROMISC N;\nFW_ACCESS_TIMEOUT 600;\n' >"$tmp/fwknopd/fwknopd.conf"
	printf 'SOURCE ANY\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\nOPEN_PORTS tcp/22\nFW_ACCESS_TIMEOUT 600\n' \
		"$fk" "$fh" >"$tmp/fwknopd/access.conf"
	chmod 600 "$tmp/fwknopd/"*.conf
	knock_fwknop() {
		netns_exec client env HOME="$tmp/fwhome" fwknop -A tcp/22 -a "$1" -D "$S" \
			--key-base64-rijndael "$fk" --key-base64-hmac "$fh" --use-hmac \
			--no-save-args >/dev/null 2>&1
	}
	run "fwknopd" "udp dst port 62201" \
		"exec fwknopd -f -c $tmp/fwknopd/fwknopd.conf -a $tmp/fwknopd/access.conf -d $tmp/fwknopd/digest -p $tmp/fwknopd/pid -i eth0" \
		knock_fwknop 'Starting fwknopd|[Ss]niffing'
	fwclient=1
else
	echo "| fwknopd | missing: apt-get install fwknop-server fwknop-client | - | - | - |" >>"$tmp/latency"
	echo "| fwknopd | missing | - |" >>"$tmp/memory"
	fwclient=0
fi

# The clients' wall time: N runs each, to a server that listens to nobody.
wall() {        # CMD...: median milliseconds of N runs
	local i t0 t1
	for i in $(seq "$N"); do
		t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
		echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.3f\n", $1 / 1000 }'
	done | stats | awk '{ print $1 }'
}
client_knock=$(wall netns_exec client "$build/knock" -k "$key" -d "$S" ssh)
client_fwknop=-
[ "$fwclient" = 0 ] || client_fwknop=$(wall netns_exec client env HOME="$tmp/fwhome" fwknop -A tcp/22 -a "$C" -D "$S" \
	--key-base64-rijndael "$fk" --key-base64-hmac "$fh" --use-hmac --no-save-args)

{
	echo "### Knock on the wire to port open (ms; $N knocks each, prober resolution 0.25 ms)"
	echo
	echo "| server | opened | median | p90 | max |"
	echo "|---|---|---|---|---|"
	cat "$tmp/latency"
	echo
	echo "### Client, start to exit (median of $N, ms; each run includes ip netns exec)"
	echo
	echo "| knock | fwknop |"
	echo "|---|---|"
	echo "| $client_knock | $client_fwknop |"
	echo
	echo "### Server memory after the knocks, and idle CPU (all its processes)"
	echo
	echo "Idle CPU: CPU time per second of wall time over $IDLE s with no traffic, after the knocks"
	echo "(scheduler run time of every thread; utime + stime counts 10 ms ticks)."
	echo
	echo "| server | memory | idle CPU per second |"
	echo "|---|---|---|"
	cat "$tmp/memory"
} >"$out"

# shellcheck source=tests/bench/load.sh
. "$top/tests/bench/load.sh"
# shellcheck source=tests/bench/users.sh
. "$top/tests/bench/users.sh"
cat "$out"
