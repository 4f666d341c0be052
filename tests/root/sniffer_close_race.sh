#!/usr/bin/env bash
# A knock that arrives while its grant is being closed must end with the
# grant open: the sniffer re-opens after the close has ended, never
# alongside it (with nft the close's delete would otherwise remove the
# element just added).  The close is made slow on purpose: a copy of
# rules/nft whose close first sleeps 2 s.  Root only.
set -eu
. "$SPA_TOP/tests/lib/netns.sh"
netns_require_root
command -v nft >/dev/null || { echo "needs nft"; exit 77; }
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
knock=$SPA_TOP/$SPA_BUILD/knock
tmp=$(mktemp -d)
netns_on_cleanup 'rm -rf "$tmp"'
netns_init
netns_host client 198.51.100.1/24
netns_host server 198.51.100.2/24
printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$tmp/key"
chmod 600 "$tmp/key"
mkdir "$tmp/rules"
sed 's|^close = \(.*allow4.*\)|close = /bin/sleep 2\nclose = \1|' "$SPA_TOP/rules/nft" >"$tmp/rules/nft"
grep -q '^close = /bin/sleep 2' "$tmp/rules/nft"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = nft
state =
[user alice]
keyfile = $tmp/key
allow = ssh
[action ssh]
open = tcp/22
timeout = 4
CONF
elements() {
	netns_exec server nft list set ip spa allow4 2>/dev/null |
		grep -c '198.51.100.1 . tcp . 22' || true
}
ip netns exec "$(netns_ns server)" "$sniffer" -f -R "$tmp/rules" \
	-c "$tmp/sniffer.conf" >"$tmp/log" 2>&1 &
pid=$!
netns_on_cleanup "kill $pid 2>/dev/null || true"
for _ in $(seq 50); do grep -q started "$tmp/log" && break; sleep 0.1; done
fail() { cat "$tmp/log"; echo "FAIL: $*"; exit 1; }
netns_exec client "$knock" -k "$tmp/key" -d 198.51.100.2 ssh
# The close starts at the expiry (4 s) and lasts 2 s: knock inside it.
for _ in $(seq 80); do grep -q '^sniffer: close ' "$tmp/log" && break; sleep 0.1; done
grep -q '^sniffer: close ' "$tmp/log" || fail "the grant never started closing"
sleep 0.5
netns_exec client "$knock" -k "$tmp/key" -d 198.51.100.2 ssh
sleep 3         # the close has ended; the re-open has run
[ "$(elements)" = 1 ] || fail "grant not open after a knock during its close"
kill -TERM "$pid"
wait "$pid" || fail "sniffer did not exit 0"
