#!/usr/bin/env bash
# The signed format live, IPv4 and IPv6, with privilege separation on (the
# signature is checked inside the capture process's sandbox): erin's key
# from knock --keygen --sign, the server's two lines as it printed them; a
# signed knock opens the grant; a native knock made with erin's shared
# secret alone is `forged`, logged as a warning that names her, and opens
# nothing.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables ip6tables
SNIFFER_TMP=$(mktemp -d)
netns_on_cleanup 'rm -rf "$SNIFFER_TMP"'
netns_on_cleanup '[ -z "$SNIFFER_PID" ] || kill -KILL "$SNIFFER_PID" 2>/dev/null || true'
netns_init
netns_host client 198.51.100.1/24 2001:db8:100::1/64
netns_host server 198.51.100.2/24 2001:db8:100::2/64
tmp=$SNIFFER_TMP
log=$tmp/log
fail() { sniffer_fail "$log" "" "$*"; }

"$SNIFFER_KNOCK_BIN" --keygen --sign -o "$tmp/erin.key" >"$tmp/erin.lines" || fail "keygen --sign failed"
key=$(sed -n 's/^key = //p' "$tmp/erin.lines")
pub=$(sed -n 's/^public = //p' "$tmp/erin.lines")
[ ${#key} = 44 ] && [ ${#pub} = 44 ] || fail "keygen --sign printed: $(cat "$tmp/erin.lines")"
# Her shared secret alone, as someone who stole the server's file has it.
printf '%s\n' "$key" >"$tmp/stolen.key"
chmod 600 "$tmp/stolen.key"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
state = $tmp/state
[user erin]
key = $key
public = $pub
allow = ssh
[action ssh]
open = tcp/22
timeout = 60
CONF
chmod 600 "$tmp/sniffer.conf"
"$SNIFFER_BIN" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" -t || fail "the configuration does not check"
sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
sniffer_wait_log "$log" 'seccomp filter on' 1 5 || fail "privilege separation is off"

knock() { netns_exec client "$SNIFFER_KNOCK_BIN" "$@"; }
rules6() { netns_exec server ip6tables -w 5 -S SPA 2>/dev/null | grep -c -- "-s $1/128 .*--dport 22 -j ACCEPT" || true; }
rules4() { sniffer_grants iptables 22 "${1//./\\.}"; }

# Signed knocks: accepted, the grants open.
knock -k "$tmp/erin.key" -s 198.51.100.1 -d 198.51.100.2 ssh
sniffer_wait_log "$log" 'verdict=accepted src=198\.51\.100\.1 .*user=erin request=ssh' 1 5 || fail "the IPv4 signed knock was not accepted"
sniffer_wait_grants iptables 22 '198\.51\.100\.1' 1 3000 || fail "no IPv4 grant"
knock -k "$tmp/erin.key" -s 2001:db8:100::1 -d 2001:db8:100::2 ssh
sniffer_wait_log "$log" 'verdict=accepted src=2001:db8:100::1 .*user=erin request=ssh' 1 5 || fail "the IPv6 signed knock was not accepted"
for _ in $(seq 30); do [ "$(rules6 2001:db8:100::1)" = 1 ] && break; sleep 0.1; done
[ "$(rules6 2001:db8:100::1)" = 1 ] || fail "no IPv6 grant"

# The stolen shared secret: forged, named, nothing opens.
knock -k "$tmp/stolen.key" -s 198.51.100.5 -d 198.51.100.2 ssh
knock -k "$tmp/stolen.key" -s 2001:db8:100::5 -d 2001:db8:100::2 ssh
sniffer_wait_log "$log" 'verdict=forged .*user=erin: the shared secret of user erin is known to someone without its signing key' 2 5 ||
	fail "no forged warning for both knocks"
sleep 0.3
[ "$(rules4 198.51.100.5)" = 0 ] || fail "a forged IPv4 knock opened a grant"
[ "$(rules6 2001:db8:100::5)" = 0 ] || fail "a forged IPv6 knock opened a grant"
! grep -q 'capture process ended' "$log" || fail "the capture process died checking a signature"

sniffer_stop TERM || fail "the sniffer did not stop cleanly"
[ -z "$(sniffer_leftovers iptables)" ] || fail "left behind: $(sniffer_leftovers iptables)"
echo "signed: IPv4 and IPv6 signed knocks open their grants under privilege separation; the stolen shared secret gives forged, named, and nothing"
