#!/usr/bin/env bash
# firewall = nft-set (rules/nft-set: nft commands run in-process with
# libnftables) in a live sniffer, in a server namespace:
#   - setup makes the table ip spa; a knock adds one element of set
#     allow4 with its timeout ("timeout 3s expires ...");
#   - knock to open: for 12 knocks, each from an address of its own, the
#     time from the knock frame's arrival on the server's eth0 (kernel
#     timestamp, SO_TIMESTAMPNS) to the kernel's notice of the new set
#     element (nftables netlink events), printed as a median; the same
#     measure with firewall = nft (an exec of /usr/sbin/nft per command)
#     is printed beside it, and must be slower.  It includes the capture
#     process, the grant message, and the state database's two commits
#     (the replay tag, the grant "opening"), which come before any open;
#     the sniffer and the watcher run at SCHED_FIFO meanwhile (when chrt
#     can), so that other load on the machine does not decide it;
#   - kill -9 with a grant open: the element stays, its table too, and the
#     kernel removes the element by itself, not before its timeout and
#     within 2 s after it; a restart with the same configuration and state
#     starts cleanly (recovery closes what is recorded, setup runs again),
#     and SIGTERM's teardown leaves no table behind;
#   - no command failed (expected failures, such as deleting an element
#     the kernel has already removed, are not logged).
# Root only; documentation addresses only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require nft python3
N=12
lat_addrs=()
for i in $(seq "$N"); do lat_addrs+=("198.51.100.$((20 + i))"); done
sniffer_net "$SNIFFER_CLIENT/24" $(printf '%s/24 ' "${lat_addrs[@]}")
tmp=$SNIFFER_TMP
C=$SNIFFER_CLIENT
C_RE=${C//./\\.}
T=3
fw='' log=''

fail() { sniffer_fail "$log" "$fw" "$*"; }

# write_conf BACKEND: ssh (tcp/22) for T seconds, web (tcp/80) for 120.
write_conf() {
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
port = 5001
firewall = $1
state = $tmp/state-$1
[user alice]
keyfile = $SNIFFER_KEY
allow = ssh web
[action ssh]
open = tcp/22
timeout = $T
[action web]
open = tcp/80
timeout = 120
CONF
}

start_sniffer() {
	sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" ||
		fail "the sniffer did not start"
}

# The watcher, in the server: every knock frame to port 5001 that arrives
# on eth0 (its kernel receive time) and every new set element the kernel
# announces (NFT_MSG_NEWSETELEM on NFNLGRP_NFTABLES, the time it is read);
# prints "ready", then after N of each (or 30 s) one line per knock: the
# milliseconds from it to the first new element after it.
watch_py='
import select, socket, struct, sys, time
n = int(sys.argv[1])
SO_TIMESTAMPNS, NETLINK_NETFILTER, NFNLGRP_NFTABLES = 35, 12, 7
NEWSETELEM = (10 << 8) | 12
pk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
pk.bind(("eth0", 0))
pk.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
nl.bind((0, 1 << (NFNLGRP_NFTABLES - 1)))
print("ready", flush=True)
knocks, adds, end = [], [], time.time() + 30
while (len(knocks) < n or not adds or adds[-1] < knocks[-1]) and \
        time.time() < end:
    ready, _, _ = select.select([nl, pk], [], [], 0.2)
    if nl in ready:
        data, t, off = nl.recv(65536), time.time(), 0
        while off + 16 <= len(data):
            size, kind = struct.unpack_from("=IH", data, off)
            if kind == NEWSETELEM:
                adds.append(t)
            if size < 16:
                break
            off += (size + 3) & ~3
    if pk in ready:
        data, anc, _, where = pk.recvmsg(4096, 64)
        if where[2] == socket.PACKET_OUTGOING or data[12:14] != b"\x08\x00":
            continue
        ihl = (data[14] & 15) * 4
        if data[23] != 6 or len(data) < 14 + ihl + 4:
            continue
        if struct.unpack_from("!H", data, 14 + ihl + 2)[0] != 5001:
            continue
        for level, kind, value in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                s, ns = struct.unpack("=qq", value[:16])
                knocks.append(s + ns / 1e9)
for k in knocks:
    later = [a for a in adds if a >= k]
    if later:
        adds.remove(later[0])
        print("%.3f" % ((later[0] - k) * 1000))
'

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# rt POLICY PID...: the scheduling policy of each process (-f 10: FIFO,
# -o 0: back to normal), when chrt can set it; else nothing.
rt() {
	local policy=$1 prio=$2 pid
	shift 2
	for pid in "$@"; do chrt "$policy" -p "$prio" "$pid" >/dev/null 2>&1 || true; done
}

# latency: N knocks for web, one from each address of lat_addrs, each
# waited for; writes the median milliseconds from knock to element to
# $tmp/median.BACKEND.  The sniffer (its children inherit it) and the
# watcher run at SCHED_FIFO meanwhile, when chrt can, so that what else
# the machine runs does not decide the numbers.
latency() {
	local out=$tmp/lat.$fw a watcher n pids fifo=()
	: >"$out"
	pids="$SNIFFER_PID $(pgrep -P "$SNIFFER_PID" | tr '\n' ' ')"
	# shellcheck disable=SC2086
	rt -f 10 $pids
	! chrt -f 20 true 2>/dev/null || fifo=(chrt -f 20)
	netns_exec server "${fifo[@]}" python3 -c "$watch_py" "$N" >"$out" 2>&1 &
	watcher=$!
	sniffer_wait_log "$out" '^ready$' 1 5 || fail "the watcher did not start: $(cat "$out")"
	for a in "${lat_addrs[@]}"; do
		sniffer_knock -s "$a" web
		sniffer_wait_grants nft 80 "${a//./\\.}" 1 3000 || fail "no grant for $a"
	done
	wait "$watcher" || fail "the watcher failed: $(cat "$out")"
	# shellcheck disable=SC2086
	rt -o 0 $pids
	n=$(grep -cE '^[0-9.]+$' "$out" || true)
	[ "$n" = "$N" ] || fail "$n of $N knocks measured: $(cat "$out")"
	grep -E '^[0-9.]+$' "$out" | median >"$tmp/median.$fw"
}

# The kill -9 part, on the running nft-set sniffer.
killed_grant() {
	local t0 listing rc gone
	t0=$(sniffer_now_ms)
	sniffer_knock -s "$C" ssh
	sniffer_wait_grants nft 22 "$C_RE" 1 3000 || fail "no grant after the knock"
	listing=$(netns_exec server nft list set ip spa allow4)
	printf '%s\n' "$listing" | grep -qE "(^|[{ ])$C_RE \. tcp \. 22 timeout ${T}s expires [0-9.ms]+" ||
		fail "the element has no timeout: $listing"
	rc=0
	sniffer_stop KILL || rc=$?
	[ "$rc" = 137 ] || fail "the sniffer had ended before kill -9 (status $rc)"
	echo "--- kill -9" >>"$log"
	[ "$(sniffer_grants nft 22 "$C_RE")" = 1 ] || fail "the element went with the daemon"
	# Nobody closes it now but the kernel: there until its timeout...
	while [ "$(sniffer_now_ms)" -lt $((t0 + T * 1000 - 300)) ]; do
		[ "$(sniffer_grants nft 22 "$C_RE")" = 1 ] || fail "the element vanished before its timeout"
		sleep 0.1
	done
	# ...and gone within 2 s after it (from the knock's start: a bound).
	gone=
	while [ "$(sniffer_now_ms)" -lt $((t0 + (T + 2) * 1000)) ]; do
		[ "$(sniffer_grants nft 22 "$C_RE")" = 0 ] && { gone=$(sniffer_now_ms); break; }
		sleep 0.05
	done
	[ -n "$gone" ] || fail "the element outlived its timeout by more than 2 s with the daemon dead"
	echo "kill -9: the element went $((gone - t0)) ms after the knock (timeout ${T} s)"
	[ "$(sniffer_leftovers nft)" = "table ip spa
table ip6 spa" ] || fail "the tables should stay until the next start: $(sniffer_leftovers nft)"
}

# run_backend nft-set|nft: prints "median ms" into $tmp/median.BACKEND.
run_backend() {
	fw=$1 log=$tmp/log.$1
	: >"$log"
	mkdir -m 700 "$tmp/state-$fw"
	write_conf "$fw"
	[ -z "$(sniffer_leftovers nft)" ] || fail "left from before: $(sniffer_leftovers nft)"
	start_sniffer
	[ "$(sniffer_leftovers nft)" = "table ip spa
table ip6 spa" ] || fail "setup made: $(sniffer_leftovers nft)"
	[ "$(sniffer_grants nft 22 '.*')" = 0 ] || fail "a grant before any knock"
	latency
	echo "$fw: knock to set element, median of $N: $(cat "$tmp/median.$fw") ms"
	if [ "$fw" = nft-set ]; then
		killed_grant
		start_sniffer
		[ "$(sniffer_grants nft 22 "$C_RE")" = 0 ] || fail "the restart re-opened an expired grant"
		# The web grants, still in their time, are open again.
		for a in "${lat_addrs[@]}"; do
			sniffer_wait_grants nft 80 "${a//./\\.}" 1 3000 || fail "the restart did not re-open $a"
		done
	fi
	sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
	[ -z "$(sniffer_leftovers nft)" ] || fail "left behind after SIGTERM: $(sniffer_leftovers nft)"
	[ "$(sniffer_log_count "$log" 'command failed|cannot start')" = 0 ] || fail "a firewall command failed"
	echo "ok ($fw)"
}

run_backend nft-set
run_backend nft
fast=$(cat "$tmp/median.nft-set") slow=$(cat "$tmp/median.nft")
echo "knock to open, median: nft-set $fast ms, nft (exec) $slow ms"
awk -v f="$fast" -v s="$slow" 'BEGIN { exit !(f < s) }' ||
	{ echo "FAIL: nft-set ($fast ms) is not faster than nft ($slow ms)"; exit 1; }
