#!/usr/bin/env bash
# An unprivileged knock over UDP opens the port (doc/protocol.md
# "Transport"): knock --udp run as nobody, with no capabilities at all
# (setpriv), from the client namespace to a live sniffer in the server
# namespace, over IPv4 and IPv6.  The sniffer logs proto=udp and opens
# tcp/22 for the client; the same user without --udp is refused with exit
# 77 and the one-line hint.  Documentation addresses only; namespaces are
# removed on exit, even on failure.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables ip6tables setpriv
sniffer_net 198.51.100.1/24 2001:db8::1/64
ip -n "$(netns_ns server)" -6 addr add 2001:db8::2/64 dev eth0 nodad
tmp=$SNIFFER_TMP log=$tmp/log
C=$SNIFFER_CLIENT S=$SNIFFER_SERVER C6=2001:db8::1 S6=2001:db8::2
fail() { sniffer_fail "$log" "" "$*"; }

# nobody must reach the program and the key: a directory of its own (the
# build tree may sit under a private home).
pub=$(mktemp -d)
netns_on_cleanup "rm -rf '$pub'"
chmod 755 "$pub"
cp "$SNIFFER_KNOCK_BIN" "$pub/knock"
cp "$SNIFFER_KEY" "$pub/key"
chown nobody "$pub/key"
chmod 600 "$pub/key"
as_nobody() {
	netns_exec client setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs "$pub/knock" \
		-k "$pub/key" "$@"
}

cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = iptables
state = $tmp/state
CONF
sniffer_alice_ssh 30 >>"$tmp/sniffer.conf"
sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" ||
	fail "the sniffer did not start"

rc=0
as_nobody -d $S ssh 2>"$tmp/err" || rc=$?
[ "$rc" = 77 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	grep -q "send it over UDP with --udp" "$tmp/err" ||
	fail "TCP as nobody: exit $rc, want 77 and one line: $(cat "$tmp/err")"
[ "$(sniffer_grants iptables 22 "${C//./\\.}")" = 0 ] || fail "opened before any knock"

as_nobody --udp -d $S -v ssh >"$tmp/out" 2>&1 || fail "knock --udp as nobody: $(cat "$tmp/out")"
grep -q "^sent src=$C sport=[0-9]* dst=$S dport=5001 proto=udp format=native request=ssh allow=$C " "$tmp/out" ||
	fail "knock -v: $(cat "$tmp/out")"
sniffer_wait_log "$log" "verdict=accepted src=${C//./\\.} sport=[0-9]+ dst=${S//./\\.} dport=5001 proto=udp user=alice" 1 5 ||
	fail "the UDP knock was not accepted"
sniffer_wait_grants iptables 22 "${C//./\\.}" 1 3000 ||
	fail "the UDP knock was accepted but tcp/22 is not open for $C"

as_nobody --udp -d $S6 -v ssh >"$tmp/out" 2>&1 || fail "knock --udp -d $S6 as nobody: $(cat "$tmp/out")"
sniffer_wait_log "$log" "verdict=accepted src=$C6 sport=[0-9]+ dst=$S6 dport=5001 proto=udp user=alice" 1 5 ||
	fail "the IPv6 UDP knock was not accepted"
for _ in $(seq 30); do
	netns_exec server ip6tables -w 5 -S SPA 2>/dev/null | grep -q -- "-s $C6/128 .*--dport 22" && break
	sleep 0.1
done
netns_exec server ip6tables -w 5 -S SPA | grep -q -- "-s $C6/128 .*--dport 22" ||
	fail "the IPv6 UDP knock was accepted but tcp/22 is not open for $C6"

sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
echo "ok: knock --udp as nobody (no capabilities) opened tcp/22 over IPv4 and IPv6; without --udp: exit 77 with the hint"
