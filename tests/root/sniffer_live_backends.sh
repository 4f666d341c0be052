#!/usr/bin/env bash
# A live sniffer in a server namespace, with each of the iptables and nft
# backends in turn:
#   - a knock opens 22/tcp for the client only (one rule, or one set element);
#   - a second knock while it is open extends it: still exactly one rule,
#     still there after the first expiry, gone after the second;
#   - a replay of the exact bytes of the first, accepted, segment is refused
#     and reopens nothing;
#   - kill -9 with two grants open, the daemon stays down until the first
#     one's expiry has passed, a restart on the same state directory closes
#     it, re-opens the second (still in its time) and closes that on time;
#     a segment accepted before the kill is still a replay after the restart;
#   - SIGTERM exits 0 and leaves no rule, chain, set or table.
# Both backends' setup empties their chain or set, which would hide a
# restart that forgot to close what a killed run had opened; so the kill -9
# part runs once more with "iptables-keep", rules/iptables without that
# flush (as a backend like ufw has nothing to flush): there only the
# sniffer's own recovery, from its state directory, closes the grant.
# The replayed segment is written by knock -w and sent, byte for byte, by a
# small python3 raw-socket sender (IPPROTO_RAW: the kernel rewrites nothing
# but the IP checksum and length, which are already right).  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables nft python3
sniffer_net
tmp=$SNIFFER_TMP
C=$SNIFFER_CLIENT
C_RE=${C//./\\.}
SSH_T=3 WEB_T=8
fw='' log=''

fail() { sniffer_fail "$log" "$fw" "$*"; }

# wait_until MS: sleep until the wall clock reaches MS (epoch milliseconds).
wait_until() {
	local left=$(($1 - $(sniffer_now_ms)))
	[ "$left" -le 30000 ] || fail "wait_until: $left ms is too far ahead"
	[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
}

# until_of N PORT: the expiry of the Nth "open C tcp/PORT until E" line.
until_of() {
	grep -E "open $C_RE tcp/$2 until [0-9]+\$" "$log" | sed -n "$1p" |
		sed 's/.* until //'
}

# send_pcap FILE: sends each IPv4 packet of FILE (LINKTYPE_RAW, as knock -w
# writes) from the client, byte for byte.
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
    assert pkt[0] >> 4 == 4, "not IPv4"
    s.sendto(pkt, (socket.inet_ntoa(pkt[16:20]), 0))
    n += 1
assert n == 1, n
' "$1"
}

# state_grants: how many grants the state database records.
state_grants() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM grant_rows").fetchone()[0])' \
		"$tmp/state/state.db"
}

# grants PORT: how many rules (iptables) or set elements (nft) grant the
# client tcp/PORT in the server.
grants() { sniffer_grants "$backend" "$1" "$C_RE"; }

# run_backend iptables|nft|iptables-keep
run_backend() {
	fw=$1 log=$tmp/log.$1
	backend=${fw%-keep} rules=$SPA_TOP/rules
	if [ "$fw" = iptables-keep ]; then
		rules=$tmp/rules
		mkdir -p "$rules"
		sed '/^setup = .* -F SPA$/d' "$SPA_TOP/rules/iptables" >"$rules/$fw"
		! grep -q '^setup = .* -F SPA$' "$rules/$fw" || fail "cannot make $fw"
	fi
	rm -rf "$tmp/state"
	: >"$log"
	cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
port = 5001
firewall = $fw
state = $tmp/state
[user alice]
keyfile = $SNIFFER_KEY
allow = ssh web
[action ssh]
open = tcp/22
timeout = $SSH_T
[action web]
open = tcp/80
timeout = $WEB_T
CONF
	[ -z "$(sniffer_leftovers "$backend")" ] || fail "left from before: $(sniffer_leftovers "$backend")"
	start_sniffer
	[ "$(grants 22)" = 0 ] || fail "a grant before any knock"
	[ "$fw" = iptables-keep ] || phases_open_extend_replay
	phases_restart_sigterm
	echo "ok ($fw)"
}

start_sniffer() {
	sniffer_start "$log" -R "$rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
}

phases_open_extend_replay() {
	local e1 e2

	# A knock, sent from knock -w's bytes so that they can be replayed.
	sniffer_knock -s $C -w "$tmp/k1.pcap" ssh
	send_pcap "$tmp/k1.pcap"
	sniffer_wait_grants "$backend" 22 "$C_RE" 1 3000 || fail "no grant after the knock"
	[ "$(sniffer_log_count "$log" "verdict=accepted .*user=alice request=ssh allow=$C_RE\$")" = 1 ] ||
		fail "no accepted line for the knock"
	[ "$(sniffer_grants "$backend" 22 '198\.51\.100\.2')" = 0 ] || fail "the grant is not for the client only"
	e1=$(until_of 1 22)
	[ -n "$e1" ] || fail "no open line"

	# A second knock, two seconds later, extends it to e1 + 2.
	wait_until $(((e1 - SSH_T + 2) * 1000 + 100))
	sniffer_knock -s $C ssh
	sniffer_wait_log "$log" "open $C_RE tcp/22 until" 2 3 || fail "the second knock opened nothing"
	e2=$(until_of 2 22)
	[ "$e2" -ge $((e1 + 2)) ] || fail "second expiry $e2, first $e1"
	[ "$(grants 22)" = 1 ] || fail "$(grants 22) rules after the second knock, want 1"
	# The first grant alone would be closed by e1 + 1.
	wait_until $(((e1 + 1) * 1000 + 500))
	[ "$(grants 22)" = 1 ] || fail "$(grants 22) rules after the first expiry, want 1 (extended)"
	wait_until $(((e2 + 1) * 1000 + 500))
	[ "$(grants 22)" = 0 ] || fail "the grant is still open after its (extended) timeout"

	# The very same bytes again: a replay, no grant.
	send_pcap "$tmp/k1.pcap"
	sniffer_wait_log "$log" "verdict=replay src=$C_RE " 1 3 || fail "the replay was not reported as one"
	sleep 1
	[ "$(grants 22)" = 0 ] || fail "a replay reopened the grant"
}

phases_restart_sigterm() {
	local es ew rc n22 n80 nreplay
	n22=$(sniffer_log_count "$log" "open $C_RE tcp/22 until")
	n80=$(sniffer_log_count "$log" "open $C_RE tcp/80 until")
	nreplay=$(sniffer_log_count "$log" "verdict=replay src=$C_RE ")
	# Two grants, then kill -9 while both are open.
	sniffer_knock -s $C ssh
	sniffer_knock -s $C -w "$tmp/k2.pcap" web
	send_pcap "$tmp/k2.pcap"
	sniffer_wait_grants "$backend" 22 "$C_RE" 1 3000 || fail "no ssh grant before kill -9"
	sniffer_wait_grants "$backend" 80 "$C_RE" 1 3000 || fail "no web grant before kill -9"
	sniffer_wait_log "$log" "open $C_RE tcp/22 until" $((n22 + 1)) 3 &&
		sniffer_wait_log "$log" "open $C_RE tcp/80 until" $((n80 + 1)) 3 ||
		fail "no open lines before kill -9"
	es=$(until_of $((n22 + 1)) 22) ew=$(until_of $((n80 + 1)) 80)
	rc=0
	sniffer_stop KILL || rc=$?
	[ "$rc" = 137 ] || fail "the sniffer had ended before kill -9 (status $rc)"
	echo "--- kill -9" >>"$log"
	# Down until the ssh grant's time has passed.
	wait_until $(((es + 1) * 1000 + 200))
	if [ "$backend" = iptables ]; then
		# Nothing but the daemon closes an iptables rule.
		[ "$(grants 22)" = 1 ] || fail "the ssh rule vanished while the sniffer was down"
	fi
	[ "$ew" -gt "$(date +%s)" ] || fail "the web grant expired too soon for this test"
	start_sniffer
	[ "$(grants 22)" = 0 ] || fail "the restart did not close a grant that expired while it was down"
	sniffer_wait_grants "$backend" 80 "$C_RE" 1 3000 || fail "the restart did not re-open a grant still in its time"
	# (The open line is logged once the grant is recorded again.)
	sniffer_wait_log "$log" "open $C_RE tcp/80 until $ew\$" 2 3 ||
		fail "the re-opened grant has not kept its expiry $ew"
	# The expired grant is forgotten too, not closed again at every start
	# (an internal detail: the grants table of state.db).
	[ "$(state_grants)" = 1 ] || fail "$(state_grants) grants recorded after the restart, want 1"
	send_pcap "$tmp/k2.pcap"
	sniffer_wait_log "$log" "verdict=replay src=$C_RE " $((nreplay + 1)) 3 ||
		fail "a tag accepted before the restart was forgotten"
	[ "$(grants 80)" = 1 ] || fail "$(grants 80) web rules after the replay, want 1"
	# Closed on time: there just before its expiry, gone just after.
	wait_until $((ew * 1000 - 700))
	[ "$(grants 80)" = 1 ] || fail "the re-opened grant closed before its expiry"
	wait_until $(((ew + 1) * 1000 + 500))
	[ "$(grants 80)" = 0 ] || fail "the re-opened grant is still open after its expiry"

	# SIGTERM with a grant open: nothing left behind.
	sniffer_knock -s $C ssh
	sniffer_wait_grants "$backend" 22 "$C_RE" 1 3000 || fail "no grant before SIGTERM"
	sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
	[ -z "$(sniffer_leftovers "$backend")" ] || fail "left behind after SIGTERM: $(sniffer_leftovers "$backend")"
	[ "$(sniffer_log_count "$log" 'command failed')" = 0 ] || fail "a firewall command failed"
}

run_backend iptables
run_backend nft
run_backend iptables-keep
