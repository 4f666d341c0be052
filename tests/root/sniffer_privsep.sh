#!/usr/bin/env bash
# Privilege separation, live in a namespace (doc/security.md):
#   - the capture process, read from /proc: uids and gids not 0, no
#     supplementary groups, no capabilities (effective, permitted,
#     bounding), NoNewPrivs 1, Seccomp 2 (filter), its root the empty
#     directory, no descriptor but stdio, the capture and its two sockets;
#   - the test build (build/tests/sniffer-faults) makes the child send a
#     malformed message (request fault-malformed): refused, no command
#     runs, the child is restarted; send a grant for a user it does not
#     have (request fault-impossible): refused, the child ended and
#     restarted; and make a system call outside its filter (request
#     fault-syscall): killed by SIGSYS, logged, restarted;
#     the open grant survives both and knocks work after each;
#   - SIGHUP: the child is replaced, and the new one has the new users;
#   - kill -9 of the parent: the child is gone within a second; a restart
#     on the same state re-arms the grant.
# Root only.
set -eu
. "$SPA_TOP/tests/lib/sniffer.sh"
sniffer_require iptables
sniffer_net
SNIFFER_BIN=$SPA_TOP/$SPA_BUILD/tests/sniffer-faults
[ -x "$SNIFFER_BIN" ] || { echo "build $SNIFFER_BIN first"; exit 1; }
tmp=$SNIFFER_TMP
log=$tmp/log
C=$SNIFFER_CLIENT
C_RE=${C//./\\.}
fail() { sniffer_fail "$log" "" "$*"; }
cat >"$tmp/sniffer.conf" <<CONF
[sniffer]
interface = eth0
state = $tmp/state
[user alice]
keyfile = $SNIFFER_KEY
allow = ssh fault-malformed fault-syscall fault-impossible
[action ssh]
open = tcp/22
timeout = 60
[action fault-malformed]
open = tcp/2201
[action fault-syscall]
open = tcp/2202
[action fault-impossible]
open = tcp/2203
CONF
start() { sniffer_start "$log" -R "$SPA_TOP/rules" -c "$tmp/sniffer.conf"; }

# The pid of the Nth capture process the log names.
child_pid() {
	local n=$1 pid=
	for _ in $(seq 50); do
		pid=$(grep -oE 'capture process [0-9]+ runs as' "$log" |
			sed -n "${n}p" | grep -oE '[0-9]+' || true)
		[ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || fail "no capture process number $n in the log"
	echo "$pid"
}
field() { sed -nE "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
gone() { [ ! -e "/proc/$1" ] || [ "$(sed -nE 's/^State:[[:space:]]*(.).*/\1/p' "/proc/$1/status" 2>/dev/null)" = Z ]; }

# 1. The capture process as /proc shows it.
start || fail "the sniffer did not start"
k1=$(child_pid 1)
[ "$(field "$SNIFFER_PID" Uid | awk '{print $1}')" = 0 ] || fail "the parent is not root"
for f in Uid Gid; do
	for id in $(field "$k1" $f); do
		[ "$id" != 0 ] || fail "capture process: $f has 0: $(field "$k1" $f)"
	done
done
[ -z "$(field "$k1" Groups)" ] || fail "supplementary groups: $(field "$k1" Groups)"
for f in CapEff CapPrm CapBnd CapAmb CapInh; do
	[ "$(field "$k1" $f)" = 0000000000000000 ] || fail "$f is $(field "$k1" $f)"
done
[ "$(field "$k1" NoNewPrivs)" = 1 ] || fail "NoNewPrivs is $(field "$k1" NoNewPrivs)"
[ "$(field "$k1" Seccomp)" = 2 ] || fail "Seccomp is $(field "$k1" Seccomp), want 2 (filter)"
root=$(readlink "/proc/$k1/root")
# A coverage build (make coverage: .gcno files beside its objects) chroots
# into "/" and opens its .gcda files as it writes its counts (common/cov.h,
# doc/coverage.md); every other build is held to the empty directory.
if [ -n "$(find "$SPA_TOP/$SPA_BUILD/obj" -name '*.gcno' -print -quit 2>/dev/null)" ]; then
	cov=1
	[ "$root" = / ] || fail "coverage build: root is $root"
else
	[ "$root" = /run/spa/empty ] || fail "root is $root"
	cov=0
	[ -z "$(ls -A "/proc/$k1/root/")" ] || fail "the root is not empty"
fi
nfd=$(ls "/proc/$k1/fd" | wc -l)
[ "$nfd" -le $((6 + cov)) ] || fail "$nfd descriptors: $(ls -l "/proc/$k1/fd")"
for fd in $(ls "/proc/$k1/fd"); do
	[ "$fd" -le 2 ] || case $(readlink "/proc/$k1/fd/$fd") in
		socket:*) ;;
		*.gcda|'') [ "$cov" = 1 ] || fail "descriptor $fd is not a socket: $(ls -l "/proc/$k1/fd")" ;;
		*) fail "descriptor $fd is not a socket: $(ls -l "/proc/$k1/fd")" ;;
	esac
done

# 2. A knock through the child: the parent opens the grant.
sniffer_knock -s $C ssh
sniffer_wait_grants iptables 22 "$C_RE" 1 3000 || fail "no grant for ssh"

# 3. A malformed message: refused, nothing runs, a new child.
sniffer_knock -s $C fault-malformed
sniffer_wait_log "$log" 'capture process ended: malformed message' 1 5 || fail "the malformed message was not refused"
k2=$(child_pid 2)
[ "$k2" != "$k1" ] || fail "the child was not restarted"
gone "$k1" || fail "the first child is still there"
sleep 0.3
[ "$(sniffer_grants iptables 2201 "$C_RE")" = 0 ] || fail "a command ran for the malformed message"
[ "$(sniffer_grants iptables 22 "$C_RE")" = 1 ] || fail "the grant did not survive the restart"
sniffer_knock -s $C ssh
sniffer_wait_log "$log" 'verdict=accepted .*request=ssh' 2 5 || fail "the new child does not decide"

# 4. A system call outside the filter: SIGSYS, logged, a new child.
sniffer_knock -s $C fault-syscall
sniffer_wait_log "$log" 'killed by SIGSYS' 1 5 || fail "no SIGSYS logged"
k3=$(child_pid 3)
[ "$k3" != "$k2" ] || fail "the child was not restarted after SIGSYS"
[ "$(sniffer_grants iptables 2202 "$C_RE")" = 0 ] || fail "a command ran for the killed child"
[ "$(sniffer_grants iptables 22 "$C_RE")" = 1 ] || fail "the grant did not survive SIGSYS"
sniffer_knock -s $C ssh
sniffer_wait_log "$log" 'verdict=accepted .*request=ssh' 3 5 || fail "the third child does not decide"
sniffer_wait_log "$log" "open $C_RE tcp/22 until" 3 5 || fail "the grant was not extended"

# 4b. A grant no honest child sends (a user it does not have): refused,
# nothing runs, the child is ended and a new one started.
sniffer_knock -s $C fault-impossible
sniffer_wait_log "$log" 'privsep: refused a grant from the capture process: no such user' 1 5 ||
	fail "the impossible grant was not refused"
sniffer_wait_log "$log" 'capture process ended: impossible grant: killed by signal 9' 1 5 ||
	fail "the child that sent it was not ended"
k4=$(child_pid 4)
[ "$k4" != "$k3" ] || fail "the child was not restarted after the impossible grant"
sleep 0.3
[ "$(sniffer_grants iptables 2203 "$C_RE")" = 0 ] || fail "a command ran for the impossible grant"
[ "$(sniffer_grants iptables 22 "$C_RE")" = 1 ] || fail "the grant did not survive the impossible one"
k3=$k4

# 5. SIGHUP: a new child with the new tables (bob's key, new here).
printf '%s\n' 7w0gC8Jd8o9yqvQ1c0m1aZ9z3Zr0hJ5tYV1x2cB3d4E= >"$tmp/bob.key"
chmod 600 "$tmp/bob.key"
printf '[user bob]\nkeyfile = %s\nallow = ssh\n' "$tmp/bob.key" >>"$tmp/sniffer.conf"
kill -HUP "$SNIFFER_PID"
sniffer_wait_log "$log" 'configuration reloaded' 1 5 || fail "no reload"
k4=$(child_pid 5)
gone "$k3" || fail "the old child outlived the reload"
netns_exec client "$SNIFFER_KNOCK_BIN" -k "$tmp/bob.key" -d "$SNIFFER_SERVER" -s $C ssh
sniffer_wait_log "$log" 'verdict=accepted .*user=bob' 1 5 || fail "the new child does not know bob"
sniffer_wait_log "$log" "open $C_RE tcp/22 until" 4 5 || fail "bob's grant did not open"
k3=$k4

# 6. kill -9 of the parent: the child follows within a second.
sniffer_stop KILL || true
for _ in $(seq 10); do
	gone "$k3" && break
	sleep 0.1
done
gone "$k3" || fail "the child outlived its parent by a second"
[ "$(sniffer_grants iptables 22 "$C_RE")" = 1 ] || fail "the rule went with the parent"

# 7. A restart on the same state re-arms the grant.
start || fail "no restart"
sniffer_wait_log "$log" 'started: [0-9]+ replay tags kept, 1 grants recovered' 1 3 || fail "the grant was not recovered"
sniffer_wait_grants iptables 22 "$C_RE" 1 3000 || fail "the grant was not re-armed"
sniffer_stop TERM || fail "the sniffer did not stop cleanly"
[ -z "$(sniffer_leftovers iptables)" ] || fail "left behind: $(sniffer_leftovers iptables)"
echo "privsep: child confined, malformed, impossible and SIGSYS children restarted, grants kept, parent death followed, grant re-armed"
