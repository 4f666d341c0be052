#!/usr/bin/env bash
# A live sniffer under load, with each of the iptables and nft backends:
#   - a `run` action whose program sleeps 10 s does not delay a knock that
#     arrives 1 s later: its grant is there within 2 s, while the program
#     still runs (and the program, given 20 s, ends normally);
#   - 50 client addresses knock within one second: all 50 get their grant
#     (exactly 50 rules or set elements) within 10 s;
#   - SIGTERM then closes all of them and leaves nothing behind.
# Root only; documentation addresses inside throw-away namespaces.
set -eu
. "$SPA_TOP/tests/lib/netns.sh"
netns_require_root
for tool in iptables nft; do
	command -v $tool >/dev/null || { echo "needs $tool"; exit 77; }
done
id nobody >/dev/null 2>&1 || { echo "needs a user nobody for run_as"; exit 77; }
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
knock=$SPA_TOP/$SPA_BUILD/knock
[ -x "$sniffer" ] && [ -x "$knock" ] || { echo "build $sniffer and $knock first"; exit 1; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
netns_on_cleanup 'rm -rf "$tmp"'
PID=
netns_on_cleanup '[ -z "$PID" ] || kill -KILL "$PID" 2>/dev/null || true'
netns_init
# The knocking addresses are the client's own: 198.51.100.1 and .5 for the
# run action test, .10 to .59 for the 50 at once.
addrs=(198.51.100.1/24 198.51.100.5/24)
for i in $(seq 10 59); do addrs+=("198.51.100.$i/24"); done
netns_host client "${addrs[@]}"
netns_host server 198.51.100.2/24
printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$tmp/key"
chmod 600 "$tmp/key"
N=50

fail() {
	echo "--- sniffer log ($backend)"
	cat "$tmp/log.$backend" 2>/dev/null || true
	echo "FAIL ($backend): $*"
	exit 1
}

now_ms() { date +%s%3N; }

# grant_lines: one line per 22/tcp grant in the server, "ADDR".
grant_lines() {
	case $backend in
	iptables)
		netns_exec server iptables -w 5 -S SPA 2>/dev/null |
			sed -nE 's#^-A SPA -s (198\.51\.100\.[0-9]+)/32 -p tcp -m tcp --dport 22 -j ACCEPT$#\1#p' ;;
	nft)
		netns_exec server nft list set ip spa allow4 2>/dev/null |
			grep -oE '198\.51\.100\.[0-9]+ \. tcp \. 22 ' | cut -d' ' -f1 ;;
	esac
}

# grants REGEX: how many 22/tcp grants are for an address matching REGEX.
grants() { grant_lines | grep -cxE "$1" || true; }

# wait_grants REGEX N MS: until exactly N, bounded; 0 or 1.
wait_grants() {
	local end=$(($(now_ms) + $3))
	while [ "$(now_ms)" -lt "$end" ]; do
		[ "$(grants "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	[ "$(grants "$1")" = "$2" ]
}

leftovers() {
	case $backend in
	iptables)
		netns_exec server iptables -w 5 -S SPA >/dev/null 2>&1 && echo "chain SPA (IPv4)"
		netns_exec server ip6tables -w 5 -S SPA >/dev/null 2>&1 && echo "chain SPA (IPv6)"
		;;
	nft)
		netns_exec server nft list table ip spa >/dev/null 2>&1 && echo "table ip spa"
		netns_exec server nft list table ip6 spa >/dev/null 2>&1 && echo "table ip6 spa"
		;;
	esac
	return 0
}

log_count() { grep -cE -- "$1" "$tmp/log.$backend" || true; }

wait_log() { # REGEX N SECONDS
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(log_count "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

do_knock() { # SRC REQUEST
	netns_exec client "$knock" -k "$tmp/key" -s "$1" -d 198.51.100.2 "$2"
}

run_backend() {
	backend=$1
	local t0 t1 t ms rc
	rm -rf "$tmp/state"
	: >"$tmp/log.$backend"
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
port = 5001
firewall = $backend
state = $tmp/state
[user alice]
keyfile = $tmp/key
allow = ssh slow
[action ssh]
open = tcp/22
timeout = 60
[action slow]
run = /bin/sleep 10
run_as = nobody
timeout = 20
CONF
	[ -z "$(leftovers)" ] || fail "left from before: $(leftovers)"
	ip netns exec "$(netns_ns server)" "$sniffer" -f -R "$SPA_TOP/rules" \
		-c "$tmp/sniffer.conf" >>"$tmp/log.$backend" 2>&1 &
	PID=$!
	wait_log 'started: ' 1 5 || fail "the sniffer did not start"

	# A slow run action, then 1 s later a knock for a grant.
	t0=$(now_ms)
	do_knock 198.51.100.1 slow
	wait_log 'verdict=accepted .*request=slow' 1 2 || fail "the slow knock was not accepted"
	sleep 1
	t1=$(now_ms)
	do_knock 198.51.100.5 ssh
	wait_grants '198\.51\.100\.5' 1 2000 ||
		fail "no grant within 2 s of a knock while a run action sleeps"
	t=$(now_ms)
	[ "$(log_count 'action slow for alice ended')" = 0 ] && [ $((t - t0)) -lt 10000 ] ||
		fail "the run action had already ended: this proves nothing"
	echo "$backend: grant $((t - t1)) ms after its knock, the run action still running"

	# 50 addresses knock at once.
	t=$(now_ms)
	netns_exec client bash -c '
		knock=$1 key=$2 fails=0
		for i in $(seq 10 59); do
			"$knock" -k "$key" -s "198.51.100.$i" -d 198.51.100.2 ssh &
		done
		for j in $(jobs -p); do wait "$j" || fails=$((fails + 1)); done
		exit "$fails"' _ "$knock" "$tmp/key" || fail "$? of the $N knocks failed"
	ms=$(($(now_ms) - t))
	[ "$ms" -le 1000 ] || fail "the $N knocks took $ms ms, not within one second"
	wait_grants '198\.51\.100\.([1-5][0-9])' $N 10000 ||
		fail "$(grants '198\.51\.100\.([1-5][0-9])') of $N grants after 10 s"
	echo "$backend: $N knocks sent in $ms ms, $N grants $(($(now_ms) - t)) ms after the first"
	[ "$(grant_lines | sort | uniq -d)" = "" ] || fail "duplicate grants: $(grant_lines | sort | uniq -d)"
	[ "$(log_count 'verdict=accepted .*request=ssh allow=198\.51\.100\.([1-5][0-9])$')" = $N ] ||
		fail "not $N accepted lines"
	[ "$(log_count 'open 198\.51\.100\.([1-5][0-9]) tcp/22 until')" = $N ] ||
		fail "not $N open lines"

	# The run action ends by itself, normally.
	wait_log 'action slow for alice ended' 1 $(((t0 + 14000 - $(now_ms)) / 1000 + 1)) ||
		fail "the run action did not end"
	[ "$(log_count 'action slow for alice ended: exit status 0$')" = 1 ] ||
		fail "the run action did not exit 0"

	kill -TERM "$PID"
	rc=0
	wait "$PID" || rc=$?
	[ "$rc" = 0 ] || fail "the sniffer exited $rc on SIGTERM"
	[ -z "$(leftovers)" ] || fail "left behind after SIGTERM: $(leftovers)"
	[ "$(log_count 'command failed|cannot start')" = 0 ] || fail "a command failed"
	echo "ok ($backend)"
}

run_backend iptables
run_backend nft
