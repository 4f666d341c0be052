#!/usr/bin/env bash
# A live sniffer whose side outputs cannot be written keeps deciding:
# a state directory whose path is too long for the status socket is said
# once at start (and sniffer -S then exits 78, naming it), a stats_file
# whose directory is missing is warned about (once in 5 minutes, not each
# write), and a knock is still accepted and opened; SIGTERM ends it with
# status 0.  Root only; about 10 s.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables
sniffer_net
tmp=$SNIFFER_TMP
log=$tmp/log
fail() { sniffer_fail "$log" "" "$*"; }
# 120 bytes of directory names: beyond a socket path's 108.
long=$tmp/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))
mkdir -p -m 0700 "$long"
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
firewall = iptables
state = $long
stats_file = $tmp/no/such/dir/spa.prom
CONF
sniffer_alice_ssh 4 >>"$tmp/sniffer.conf"

sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf" || fail "the sniffer did not start"
sniffer_wait_log "$log" 'seccomp filter on' 1 5 || fail "the capture process was not confined"
[ "$(sniffer_log_count "$log" "status socket: the state directory's path is too long; sniffer -S will not reach this daemon")" = 1 ] ||
	fail "no single line about the status socket"
sniffer_wait_log "$log" "stats_file $tmp/no/such/dir/spa.prom: No such file or directory" 1 8 ||
	fail "no warning about the stats_file"

rc=0; out=$("$SNIFFER_BIN" -c "$tmp/sniffer.conf" -S 2>&1) || rc=$?
[ "$rc" = 78 ] || fail "-S: exit $rc, want 78: $out"
case $out in *"too long a path for the status socket"*) ;; *) fail "-S said: $out" ;; esac

sniffer_knock ssh >/dev/null 2>&1 || fail "knock exited $?"
sniffer_wait_grants iptables 22 "$SNIFFER_CLIENT" 1 5000 || fail "the knock opened nothing"
# Six seconds more (a write is tried every 5 s): still one warning, alive.
sleep 6
n=$(sniffer_log_count "$log" "stats_file .*: No such file or directory")
[ "$n" = 1 ] || fail "$n stats_file warnings in 10 s: not rate-limited (one in 5 min)"
kill -0 "$SNIFFER_PID" || fail "the sniffer died"
rc=0; sniffer_stop TERM || rc=$?
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
echo "ok: degraded outputs, decisions go on"
