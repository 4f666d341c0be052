#!/usr/bin/env bash
# A live sniffer with the iptables backend, in a server namespace: a knock
# from the client opens 22/tcp for the client only; the grant is gone after
# its timeout; a new knock opens it again; SIGTERM closes it and leaves no
# rule or chain behind.  (Replays are refused by the pcap table's cases.)
set -eu
. "$SPA_TOP/tests/lib/netns.sh"
netns_require_root
command -v iptables >/dev/null || { echo "needs iptables"; exit 77; }
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
knock=$SPA_TOP/$SPA_BUILD/knock
tmp=$(mktemp -d)
netns_on_cleanup 'rm -rf "$tmp"'
netns_init
netns_host client 198.51.100.1/24
netns_host server 198.51.100.2/24
printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$tmp/key"
chmod 600 "$tmp/key"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
port = 5001
firewall = iptables
state = $tmp/state
[user alice]
keyfile = $tmp/key
allow = ssh
[action ssh]
open = tcp/22
timeout = 4
CONF
rule() { netns_exec server iptables -w 5 -S SPA 2>/dev/null | grep -c -- '-s 198.51.100.1/32 -p tcp -m tcp --dport 22 -j ACCEPT' || true; }
ip netns exec "$(netns_ns server)" "$sniffer" -f -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" >"$tmp/log" 2>&1 &
pid=$!
netns_on_cleanup "kill $pid 2>/dev/null || true"
for _ in $(seq 50); do grep -q 'started' "$tmp/log" && break; sleep 0.1; done
grep -q started "$tmp/log" || { cat "$tmp/log"; echo "sniffer did not start"; exit 1; }
[ "$(rule)" = 0 ] || { echo "rule present before any knock"; exit 1; }
netns_exec client "$knock" -k "$tmp/key" -d 198.51.100.2 ssh
for _ in $(seq 30); do [ "$(rule)" = 1 ] && break; sleep 0.1; done
[ "$(rule)" = 1 ] || { cat "$tmp/log"; echo "no grant after the knock"; exit 1; }
grep -q 'verdict=accepted .*user=alice request=ssh allow=198.51.100.1' "$tmp/log"
sleep 5.5
[ "$(rule)" = 0 ] || { cat "$tmp/log"; echo "grant still open after its timeout"; exit 1; }
netns_exec client "$knock" -k "$tmp/key" -d 198.51.100.2 ssh
for _ in $(seq 30); do [ "$(rule)" = 1 ] && break; sleep 0.1; done
[ "$(rule)" = 1 ] || { cat "$tmp/log"; echo "no grant after the second knock"; exit 1; }
kill -TERM "$pid"
wait "$pid" || { cat "$tmp/log"; echo "sniffer did not exit 0 on SIGTERM"; exit 1; }
[ "$(rule)" = 0 ] || { echo "rule left behind after SIGTERM"; exit 1; }
if netns_exec server iptables -w 5 -S SPA >/dev/null 2>&1; then
	echo "chain SPA left behind after SIGTERM"; exit 1
fi
cat "$tmp/log"
