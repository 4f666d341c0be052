#!/usr/bin/env bash
# kill -9 at every point of a grant's life, then a restart on the same
# state directory: each grant ends either open with its expiry or closed,
# never stranded.  The backend is rules/iptables made slow (each open and
# close first sleeps 1 s, so there is time to kill inside it) and without
# the setup's flush of the chain, so only the sniffer's own recovery can
# close what a killed run left; its close also fails while a marker file
# exists (a firewall that refuses).  Points of death:
#   opening      during the open commands (no rule yet)
#   open         (covered by sniffer_live_backends) -- here: extending,
#                during the close-then-open of a second knock (reopening)
#   closing      during the close commands at the expiry
#   close-failed after a close failed and is being retried
# And, for each: the state database holds no command text (its columns are
# what a grant is), the grant's phase is as the engine says.  Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables sqlite3
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
C=$SNIFFER_CLIENT
C_RE=${C//./\\.}
T=4
fail() { sniffer_fail "$log" "" "$*"; }
mkdir "$tmp/rules"
{
	for fam in 4 6; do
		ipt=/usr/sbin/iptables; [ $fam = 4 ] || ipt=/usr/sbin/ip6tables
		rule="SPA -s {addr} -p {proto} --dport {port} -j ACCEPT"
		echo "[ipv$fam]"
		echo "setup = -$ipt -w 5 -N SPA"
		echo "setup = -$ipt -w 5 -D INPUT -j SPA"
		echo "setup = $ipt -w 5 -I INPUT -j SPA"
		echo "open = /bin/sleep 1"
		echo "open = $ipt -w 5 -I $rule"
		echo "close = /bin/sleep 1"
		echo "close = /usr/bin/test ! -e $tmp/fail-close"
		echo "close = $ipt -w 5 -D $rule"
		echo "check = $ipt -w 5 -C $rule"
		echo "teardown = $ipt -w 5 -D INPUT -j SPA"
		echo "teardown = $ipt -w 5 -F SPA"
		echo "teardown = $ipt -w 5 -X SPA"
	done
} >"$tmp/rules/slow"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = slow
state = $tmp/state
CONF
sniffer_alice_ssh $T >>"$tmp/sniffer.conf"
db=$tmp/state/state.db

rules() { sniffer_grants iptables 22 "$C_RE"; }
rows() { sqlite3 "$db" 'SELECT count(*) FROM grant_rows'; }
# phase: the recorded phase of the one grant (0 opening, 1 open,
# 2 closing, 3 reopening, 4 close-failed), or "none".
phase() { sqlite3 "$db" 'SELECT phase FROM grant_rows' | grep . || echo none; }
expiry() { sqlite3 "$db" 'SELECT expiry FROM grant_rows'; }
start() { sniffer_start "$log" -R "$tmp/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"; }
kill9() {
	local rc=0
	sniffer_stop KILL || rc=$?
	[ "$rc" = 137 ] || fail "the sniffer had ended before kill -9 (status $rc)"
	echo "--- kill -9 ($1)" >>"$log"
}
# ends_open_then_closes WHY: after a restart, the grant is open (one rule)
# with the recorded expiry E, and closes by E + 2.
ends_open_then_closes() {
	local e
	sniffer_wait_grants iptables 22 "$C_RE" 1 6000 || fail "$1: not open after the restart"
	e=$(expiry)
	[ -n "$e" ] && [ "$e" -gt "$(date +%s)" ] || fail "$1: recorded expiry '$e' is not ahead"
	sniffer_wait_grants iptables 22 "$C_RE" 0 $(((e - $(date +%s) + 4) * 1000)) || fail "$1: still open after its expiry $e"
	sleep 0.3
	[ "$(rows)" = 0 ] || fail "$1: $(rows) rows left after the close"
}
no_command_text() {
	local cols
	cols=$(sqlite3 "$db" "SELECT group_concat(name, ' ') FROM pragma_table_info('grant_rows')")
	[ "$cols" = "family addr proto port user action backend expiry phase more inner_family inner_addr inner_port" ] || fail "grant columns: $cols"
	! sqlite3 "$db" 'SELECT user, action, backend FROM grant_rows' | grep -q / || fail "a path in the state"
}

start
# 1. Killed while opening.
sniffer_knock -s $C ssh
sniffer_wait_log "$log" "verdict=accepted" 1 3 || fail "no accepted knock"
sleep 0.3
[ "$(phase)" = 0 ] || fail "opening: recorded phase $(phase), want 0"
[ "$(rules)" = 0 ] || fail "opening: a rule already"
no_command_text
kill9 opening
start
ends_open_then_closes opening

# 2. Killed while extending (a second knock: close, then open again).
sniffer_knock -s $C ssh
sniffer_wait_grants iptables 22 "$C_RE" 1 4000 || fail "reopening: no grant"
sleep 1.2
e1=$(expiry)
sniffer_knock -s $C ssh
sleep 0.4
[ "$(phase)" = 3 ] || fail "reopening: recorded phase $(phase), want 3"
[ "$(expiry)" -gt "$e1" ] || fail "reopening: expiry $(expiry) not after $e1"
kill9 reopening
start
ends_open_then_closes reopening

# 3. Killed while closing at the expiry (the rule is still there).
n=$(sniffer_log_count "$log" "^sniffer: close $C_RE tcp/22\$")
sniffer_knock -s $C ssh
sniffer_wait_grants iptables 22 "$C_RE" 1 4000 || fail "closing: no grant"
sniffer_wait_log "$log" "^sniffer: close $C_RE tcp/22\$" $((n + 1)) $((T + 3)) || fail "closing: the close never started"
sleep 0.3
[ "$(phase)" = 2 ] || fail "closing: recorded phase $(phase), want 2"
[ "$(rules)" = 1 ] || fail "closing: the rule went before the close ran"
kill9 closing
start
[ "$(rules)" = 0 ] || fail "closing: the restart left the rule"
[ "$(phase)" = none ] || fail "closing: still recorded after the restart ($(phase))"

# 4. A close that fails stays recorded, is retried, and after kill -9 the
# restart closes it once the firewall works again.
touch "$tmp/fail-close"
sniffer_knock -s $C ssh
sniffer_wait_grants iptables 22 "$C_RE" 1 4000 || fail "close-failed: no grant"
sniffer_wait_log "$log" "close $C_RE tcp/22 failed \(attempt 2\)" 1 $((T + 10)) ||
	fail "close-failed: no failed close retried"
[ "$(phase)" = 4 ] || fail "close-failed: recorded phase $(phase), want 4"
[ "$(rules)" = 1 ] || fail "close-failed: the rule is gone though its close failed"
kill9 close-failed
rm "$tmp/fail-close"
start
[ "$(rules)" = 0 ] || fail "close-failed: the restart left the rule"
[ "$(phase)" = none ] || fail "close-failed: still recorded after the restart ($(phase))"

sniffer_stop TERM || fail "the sniffer exited $? on SIGTERM"
[ -z "$(sniffer_leftovers iptables)" ] || fail "left behind: $(sniffer_leftovers iptables)"
echo "grant life: killed while opening, reopening, closing and close-failed; each recovered"
