#!/usr/bin/env bash
# A knock that arrives while its grant is being closed must end with the
# grant open: the sniffer re-opens after the close has ended, never
# alongside it (with nft the close's delete would otherwise remove the
# element just added).  The close is made slow on purpose: a copy of
# rules/nft whose close first sleeps 2 s.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require nft
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
fail() { sniffer_fail "$log" "" "$*"; }
mkdir "$tmp/rules"
sed 's|^close = \(.*allow4.*\)|close = /bin/sleep 2\nclose = \1|' "$SPA_TOP/rules/nft" >"$tmp/rules/nft"
grep -q '^close = /bin/sleep 2' "$tmp/rules/nft" || fail "cannot make the slow-close rules/nft"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = nft
state =
CONF
sniffer_alice_ssh 4 >>"$tmp/sniffer.conf"
# -v: each command is logged as it starts, so the log shows the order.
sniffer_start "$log" -v -R "$tmp/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
sniffer_knock ssh
# The close starts at the expiry (4 s) and lasts 2 s: knock inside it.
sniffer_wait_log "$log" '^sniffer: close ' 1 8 || fail "the grant never started closing"
sleep 0.5
sniffer_knock ssh
sleep 3         # the close has ended; the re-open has run
[ "$(sniffer_grants nft 22 '198\.51\.100\.1')" = 1 ] || fail "grant not open after a knock during its close"
# The open's add, the close's delete, then the re-open's add: after the
# delete, never before it.
order=$(grep -oE 'run: /usr/sbin/nft (delete|add) element ip spa allow4' "$log" | awk '{print $3}' | tr '\n' ' ')
case $order in
"add delete add ") ;;
*) fail "commands ran in the order: $order" ;;
esac
sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
