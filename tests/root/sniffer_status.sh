#!/usr/bin/env bash
# Observability of a live sniffer (doc/interface.md "Status", "Metrics"):
# sniffer -S before the start says no sniffer runs; systemd's READY=1
# reaches a fake NOTIFY_SOCKET once the capture child is confined; -S (and
# -S -j) shows alice's grant with its expiry while it is open and not after
# it expired and closed; SIGUSR1 logs the counters and the daemon goes on;
# the stats_file counts the knock, its open, its close and its latency, and
# promtool accepts it; at the end STOPPING=1, the socket is gone, and -S
# falls back to the database.  Root only; about 15 s.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables python3
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
C=$SNIFFER_CLIENT
T=4
fail() { sniffer_fail "$log" "" "$*"; }
mkdir -m 0755 "$tmp/metrics"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = iptables
state = $tmp/state
stats_file = $tmp/metrics/spa.prom
CONF
sniffer_alice_ssh $T >>"$tmp/sniffer.conf"
S() { "$SNIFFER_BIN" -c "$tmp/sniffer.conf" -S "$@"; }
sock=$tmp/state/sniffer.sock

# 0. Nothing runs yet.
rc=0; out=$(S 2>&1) || rc=$?
[ "$rc" = 69 ] || fail "-S before the start: exit $rc, want 69: $out"
case $out in *"no sniffer running: no socket at $sock"*) ;; *) fail "-S before the start: $out" ;; esac

# A fake systemd: every datagram to NOTIFY_SOCKET, one line each.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
while True:
    m = s.recv(4096).decode(errors="replace").replace("\n", " ")
    with open(sys.argv[2], "a") as f:
        f.write(m + "\n")
' "$tmp/notify.sock" "$tmp/notify" &
listener=$!
netns_on_cleanup "kill $listener 2>/dev/null || true"
for _ in $(seq 50); do [ -e "$tmp/notify" ] && break; sleep 0.1; done
export NOTIFY_SOCKET=$tmp/notify.sock
sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
unset NOTIFY_SOCKET
sniffer_wait_log "$tmp/notify" '^READY=1$' 1 5 || fail "no READY=1: $(cat "$tmp/notify")"
grep -q 'seccomp filter on' "$log" || fail "READY=1 before the capture process was confined"
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock")"

out=$(S) || fail "-S with a daemon: exit $?: $out"
case $out in *"sniffer running: pid $SNIFFER_PID,"*"grants: 0"*) ;; *) fail "-S, no grant: $out" ;; esac

# 1. A grant: shown with its expiry while open.
sniffer_knock -s "$C" ssh
sniffer_wait_grants iptables 22 "${C//./\\.}" 1 4000 || fail "no grant"
sleep 0.2
out=$(S) || fail "-S: exit $?"
echo "$out" | grep -qE "^  alice +$C +tcp/22 +expires [0-9T:-]+Z \(in [0-9]+ s\) open +failed-closes=0$" ||
	fail "-S does not show the open grant: $out"
S -j | python3 -c '
import json, sys, time
r = json.load(sys.stdin)
assert r["source"] == "daemon", r
g = r["grants"]
assert len(g) == 1 and g[0]["user"] == "alice" and g[0]["address"] == sys.argv[1], g
assert g[0]["proto"] == "tcp" and g[0]["port"] == 22 and g[0]["phase"] == "open", g
assert time.time() < g[0]["expiry"] <= time.time() + int(sys.argv[2]) + 1, g
assert r["counters"]["opened"] == 1 and r["counters"]["grants-open"] == 1, r
' "$C" "$T" || fail "-S -j: $(S -j)"

# 2. SIGUSR1: one counters line (the child's counts come within a second),
# and the daemon runs on.
for _ in 1 2 3 4; do
	kill -USR1 "$SNIFFER_PID"
	sniffer_wait_log "$log" 'counters: frames=[0-9]+ accepted=1 ' 1 1 && break
done
sniffer_wait_log "$log" 'counters: frames=[0-9]+ accepted=1 .* opened=1 ' 1 1 ||
	fail "SIGUSR1 logged no counters with the knock"
sleep 0.3
kill -0 "$SNIFFER_PID" 2>/dev/null || fail "SIGUSR1 ended the daemon"
S >/dev/null || fail "-S after SIGUSR1: exit $?"

# 3. Expired and closed: no longer shown.
sniffer_wait_grants iptables 22 "${C//./\\.}" 0 $(((T + 3) * 1000)) || fail "not closed"
sniffer_wait_log "$log" "closed $C tcp/22" 1 3 || fail "no closed line"
out=$(S) || fail "-S: exit $?"
case $out in *"grants: 0"*) ;; *) fail "-S after the expiry: $out" ;; esac
case $out in *alice*) fail "-S still shows the grant: $out" ;; esac

# 4. The stats_file (written every 5 s): the knock, its open and close.
prom=$tmp/metrics/spa.prom
want='spa_sniffer_grants_closed_total 1'
for _ in $(seq 80); do grep -qx "$want" "$prom" 2>/dev/null && break; sleep 0.1; done
grep -qx "$want" "$prom" || fail "stats_file: $(cat "$prom" 2>&1)"
grep -qx 'spa_sniffer_verdicts_total{verdict="accepted"} 1' "$prom" || fail "stats_file: no accepted knock"
grep -qx 'spa_sniffer_grants_opened_total 1' "$prom" || fail "stats_file: no open"
grep -qx 'spa_sniffer_knock_open_seconds_count 1' "$prom" || fail "stats_file: no latency"
grep -qx 'spa_sniffer_grants_open 0' "$prom" || fail "stats_file: grants still open"
if command -v promtool >/dev/null; then
	promtool check metrics <"$prom" || fail "promtool refuses the stats_file"
fi

# 5. The end: STOPPING=1, the socket removed, -S falls back to the database.
sniffer_stop TERM || fail "exit status $? at SIGTERM"
grep -qx 'STOPPING=1' "$tmp/notify" || fail "no STOPPING=1: $(cat "$tmp/notify")"
[ ! -e "$sock" ] || fail "the socket stays after the end"
rc=0; out=$(S 2>&1) || rc=$?
[ "$rc" = 69 ] || fail "-S after the end: exit $rc: $out"
case $out in *"no sniffer running: no socket at $sock"*"grants: 0"*) ;; *) fail "-S fallback: $out" ;; esac
rc=0; S -j 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["source"] == "database" and r["grants"] == [] and r["counters"] is None, r
' || fail "-S -j fallback: $(S -j 2>&1)"
echo "status: grant shown then gone, SIGUSR1 counters, READY=1/STOPPING=1, stats_file"
