#!/usr/bin/env bash
# A live sniffer under load, with each of the iptables and nft backends:
#   - a `run` action whose program sleeps 10 s does not delay a knock that
#     arrives 1 s later: its grant is there within 2 s, while the program
#     still runs (and the program, given 20 s, ends normally);
#   - 50 client addresses knock within one second: all 50 get their grant
#     (exactly 50 rules or set elements) within 10 s;
#   - SIGTERM, while another run action's program sleeps, ends that program
#     and exits at once, closes every grant and leaves nothing behind.
# Root only; documentation addresses inside throw-away namespaces.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables nft
id nobody >/dev/null 2>&1 || { echo "needs a user nobody for run_as"; exit 77; }
# The knocking addresses are the client's own: 198.51.100.1 and .5 for the
# run action test, .10 to .59 for the 50 at once.
addrs=(198.51.100.1/24 198.51.100.5/24)
for i in $(seq 10 59); do addrs+=("198.51.100.$i/24"); done
sniffer_net "${addrs[@]}"
tmp=$SNIFFER_TMP
chmod 755 "$tmp"
N=50
FIFTY='198\.51\.100\.([1-5][0-9])'
backend='' log=''

fail() { sniffer_fail "$log" "$backend" "$*"; }

run_backend() {
	backend=$1 log=$tmp/log.$1
	local t0 t1 t ms
	rm -rf "$tmp/state"
	: >"$log"
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
port = 5001
firewall = $backend
state = $tmp/state
[user alice]
keyfile = $SNIFFER_KEY
allow = ssh slow
[action ssh]
open = tcp/22
timeout = 60
[action slow]
run = /bin/sleep 10
run_as = nobody
timeout = 20
CONF
	[ -z "$(sniffer_leftovers "$backend")" ] || fail "left from before: $(sniffer_leftovers "$backend")"
	sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"

	# A slow run action, then 1 s later a knock for a grant.
	t0=$(sniffer_now_ms)
	sniffer_knock -s 198.51.100.1 slow
	sniffer_wait_log "$log" 'verdict=accepted .*request=slow' 1 2 || fail "the slow knock was not accepted"
	sleep 1
	t1=$(sniffer_now_ms)
	sniffer_knock -s 198.51.100.5 ssh
	sniffer_wait_grants "$backend" 22 '198\.51\.100\.5' 1 2000 ||
		fail "no grant within 2 s of a knock while a run action sleeps"
	t=$(sniffer_now_ms)
	[ "$(sniffer_log_count "$log" 'action slow for alice ended')" = 0 ] && [ $((t - t0)) -lt 10000 ] ||
		fail "the run action had already ended: this proves nothing"
	echo "$backend: grant $((t - t1)) ms after its knock, the run action still running"

	# 50 addresses knock at once.
	t=$(sniffer_now_ms)
	netns_exec client bash -c '
		knock=$1 key=$2 server=$3 fails=0
		for i in $(seq 10 59); do
			"$knock" -k "$key" -s "198.51.100.$i" -d "$server" ssh &
		done
		for j in $(jobs -p); do wait "$j" || fails=$((fails + 1)); done
		exit "$fails"' _ "$SNIFFER_KNOCK_BIN" "$SNIFFER_KEY" "$SNIFFER_SERVER" || fail "$? of the $N knocks failed"
	ms=$(($(sniffer_now_ms) - t))
	[ "$ms" -le 1000 ] || fail "the $N knocks took $ms ms, not within one second"
	sniffer_wait_grants "$backend" 22 "$FIFTY" $N 10000 ||
		fail "$(sniffer_grants "$backend" 22 "$FIFTY") of $N grants after 10 s"
	echo "$backend: $N knocks sent in $ms ms, $N grants $(($(sniffer_now_ms) - t)) ms after the first"
	[ "$(sniffer_grant_lines "$backend" 22 | sort | uniq -d)" = "" ] ||
		fail "duplicate grants: $(sniffer_grant_lines "$backend" 22 | sort | uniq -d)"
	[ "$(sniffer_log_count "$log" "verdict=accepted .*request=ssh allow=$FIFTY\$")" = $N ] ||
		fail "not $N accepted lines"
	[ "$(sniffer_log_count "$log" "open $FIFTY tcp/22 until")" = $N ] ||
		fail "not $N open lines"

	# The run action ends by itself, normally.
	sniffer_wait_log "$log" 'action slow for alice ended' 1 $(((t0 + 14000 - $(sniffer_now_ms)) / 1000 + 1)) ||
		fail "the run action did not end"
	[ "$(sniffer_log_count "$log" 'action slow for alice ended: exit status 0$')" = 1 ] ||
		fail "the run action did not exit 0"

	# SIGTERM does not wait for a run action's program: it is ended, and
	# the grants are closed at once.
	sniffer_knock -s 198.51.100.1 slow
	sniffer_wait_log "$log" 'verdict=accepted .*request=slow' 2 2 || fail "the second slow knock was not accepted"
	t=$(sniffer_now_ms)
	sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
	ms=$(($(sniffer_now_ms) - t))
	[ "$ms" -lt 5000 ] || fail "SIGTERM took $ms ms while a run action slept"
	[ "$(sniffer_log_count "$log" 'ending 1 running action programs')" = 1 ] ||
		fail "the running action program was not reported ended"
	[ -z "$(sniffer_leftovers "$backend")" ] || fail "left behind after SIGTERM: $(sniffer_leftovers "$backend")"
	[ "$(sniffer_log_count "$log" 'command failed|cannot start')" = 0 ] || fail "a command failed"
	echo "ok ($backend)"
}

run_backend iptables
run_backend nft
