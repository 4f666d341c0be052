#!/usr/bin/env bash
# A live dry run (-n) keeps one process (privilege separation off, said
# once in the log) and still decides through the same checks: a knock is
# accepted, its open command is printed, nothing is run (no SPA chain
# appears).  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
fail() { sniffer_fail "$log" "" "$*"; }
printf '[sniffer]\ninterface = eth0\nstate = %s/state\n[user alice]\nkeyfile = %s\nallow = ssh\n[action ssh]\nopen = tcp/22\n' \
	"$tmp" "$SNIFFER_KEY" >"$tmp/sniffer.conf"
sniffer_start "$log" -n -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
[ "$(sniffer_log_count "$log" 'privilege separation off: a dry run')" = 1 ] || fail "no line saying the split is off"
! grep -q 'capture process' "$log" || fail "a capture process was started in a dry run"
sniffer_knock -s "$SNIFFER_CLIENT" ssh
sniffer_wait_log "$log" 'run: /usr/sbin/iptables -w 5 -I SPA -s 198\.51\.100\.1 -p tcp --dport 22 -j ACCEPT' 1 5 ||
	fail "the open command was not printed"
sniffer_wait_log "$log" 'verdict=accepted .*user=alice request=ssh' 1 5 || fail "not accepted"
[ -z "$(sniffer_leftovers iptables)" ] || fail "a dry run changed the firewall: $(sniffer_leftovers iptables)"
sniffer_stop TERM || fail "the sniffer did not stop cleanly"
echo "dry run: one process, the command printed, the firewall untouched"
