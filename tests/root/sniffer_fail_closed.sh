#!/usr/bin/env bash
# What the sniffer does when it cannot trust or keep going:
#   1. a state directory owned by another user (nobody) holding a database
#      of the first layout, whose grant carries a command: the sniffer
#      refuses to start (exit 73) and the command never runs;
#   2. the same database in a root-owned 0700 directory: the sniffer
#      starts, converts it, and still never runs the stored command (its
#      grant is closed with commands built from rules/iptables);
#   3. the capture fails while a grant is open (its interface is deleted):
#      the sniffer does not just exit, it closes the grant and tears the
#      firewall down, then exits 74.
# Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables sqlite3
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
C=$SNIFFER_CLIENT
C_RE=${C//./\\.}
fail() { sniffer_fail "$log" "" "$*"; }
mark=$tmp/command-ran
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = iptables
state = $tmp/state
CONF
sniffer_alice_ssh 30 >>"$tmp/sniffer.conf"
# A database as the first layout wrote it, with a grant for the client
# whose recorded close command would create $mark.
old_state() {
	rm -rf "$tmp/state"
	mkdir -m 0700 "$tmp/state"
	sqlite3 "$tmp/state/state.db" "
	CREATE TABLE replay (tag BLOB PRIMARY KEY, expiry INTEGER NOT NULL);
	CREATE TABLE grants (addr BLOB NOT NULL, family INTEGER NOT NULL,
	 proto INTEGER NOT NULL, port INTEGER NOT NULL, expiry INTEGER NOT NULL,
	 close_argv BLOB NOT NULL, PRIMARY KEY (addr, proto, port));
	INSERT INTO grants VALUES (x'00000000000000000000ffffc6336401', 4, 6, 22,
	 $(($(date +%s) - 5)),
	 CAST('/usr/bin/touch' || x'00' || '$mark' || x'00' AS BLOB));"
	chmod 0600 "$tmp/state/state.db"
}
start() { sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf"; }

# 1. Not ours: refused.
old_state
chown -R nobody "$tmp/state"
rc=0
netns_exec server "$SNIFFER_BIN" -f -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" >>"$log" 2>&1 || rc=$?
[ "$rc" = 73 ] || fail "state owned by nobody: exit $rc, want 73"
grep -q "not by root" "$log" || fail "no reason given"
[ ! -e "$mark" ] || fail "a command stored in the state ran"

# 2. Ours, first layout: converted; the stored command never runs.
old_state
start || fail "the sniffer did not start on a first-layout database"
[ ! -e "$mark" ] || fail "a command stored in the state ran"
sniffer_wait_log "$log" "closed $C_RE tcp/22: it expired" 1 3 || fail "the converted grant was not closed"
[ "$(sqlite3 "$tmp/state/state.db" "SELECT count(*) FROM sqlite_master WHERE name = 'grants'")" = 0 ] ||
	fail "the old grants table is still there"

# 3. The capture fails with a grant open: grant closed, firewall torn down.
sniffer_knock -s $C ssh
sniffer_wait_grants iptables 22 "$C_RE" 1 3000 || fail "no grant"
netns_exec server ip link del eth0
for _ in $(seq 50); do
	kill -0 "$SNIFFER_PID" 2>/dev/null || break
	sleep 0.1
done
rc=0
sniffer_stop TERM 2>/dev/null || rc=$?
[ "$rc" = 74 ] || fail "after the capture failed: exit $rc, want 74"
grep -q "stopped after an error" "$log" || fail "no stop line"
[ -z "$(sniffer_leftovers iptables)" ] || fail "left behind: $(sniffer_leftovers iptables)"
[ "$(sqlite3 "$tmp/state/state.db" 'SELECT count(*) FROM grant_rows')" = 0 ] || fail "the grant is still recorded"
echo "fail closed: foreign state refused, stored commands never run, a failed capture tears down"
