#!/usr/bin/env bash
# sniffer -t checks what a live start needs beyond the configuration
# (sniffer/precheck.h): each problem is one line, FILE:LINE: where a line
# applies, every one of them, and the exit is 78; what only root could
# check is named on a "not checked without root" line, exit 0.
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
"$SPA_TOP/$SPA_BUILD/knock" --keygen -o "$tmp/alice.key" >/dev/null
mkdir "$tmp/rules" "$tmp/state"
# A backend whose programs are missing (lines 2 and 5: each program once,
# at its first line) or not executable (line 4).
cat >"$tmp/rules/broken" <<'RULES'
[ipv4]
setup = /nonexistent/spa-fw -A {family}
open = /bin/true {addr}
close = /tmp/SPA_NOEXEC {addr}
teardown = -/nonexistent/spa-fw-down {family}
[ipv6]
setup = /nonexistent/spa-fw -A {family}
open = /bin/true {addr}
close = /bin/true {addr}
RULES
printf 'not a program\n' >"$tmp/noexec"
sed -i "s|/tmp/SPA_NOEXEC|$tmp/noexec|" "$tmp/rules/broken"
cp "$SPA_TOP/rules/iptables" "$tmp/rules/iptables"
conf() { # conf FIREWALL STATE INTERFACE: $tmp/s.conf, state on line 4, interface on line 2
	printf '[sniffer]\ninterface = %s\nfirewall = %s\nstate = %s\n[user alice]\nkeyfile = alice.key\nallow = ssh\n[action ssh]\nopen = tcp/22\n' \
	    "$3" "$1" "$2" >"$tmp/s.conf"
}
check() { # check WANT_RC [OPTION...]: sniffer -t; its lines, without the notes, in $tmp/out
	local want=$1 rc=0
	shift
	"$sniffer" -R "$tmp/rules" -c "$tmp/s.conf" -t "$@" >"$tmp/all" 2>&1 || rc=$?
	grep -v '^sniffer: not checked without root: ' "$tmp/all" >"$tmp/out" || true
	[ "$rc" = "$want" ] || { echo "exit $rc, want $want:"; cat "$tmp/all"; exit 1; }
}
has() { # has LINE...: each LINE is one line of the output
	for l in "$@"; do
		grep -qxF -- "$l" "$tmp/out" || { echo "missing: $l"; echo "got:"; cat "$tmp/out"; exit 1; }
	done
}
count() { # count N: the output has N lines
	[ "$(wc -l <"$tmp/out")" = "$1" ] || { echo "want $1 lines, got:"; cat "$tmp/out"; exit 1; }
}
c=$tmp/s.conf
# Valid: nothing but notes.
conf iptables "$tmp/state" any
check 0
count 0
conf iptables "" any
check 0
count 0
# The firewall's programs.
conf broken "$tmp/state" any
check 78
has "$tmp/rules/broken:2: /nonexistent/spa-fw: No such file or directory" \
    "$tmp/rules/broken:4: $tmp/noexec: not an executable file" \
    "$tmp/rules/broken:5: /nonexistent/spa-fw-down: No such file or directory"
count 3
echo "ok: firewall programs"
# The state directory: a parent that does not exist; writable by others;
# not a directory; a database that is not a regular file.
conf iptables "$tmp/no/such" any
check 78
has "$c:4: state directory $tmp/no/such cannot be created: $tmp/no: No such file or directory"
count 1
chmod 0770 "$tmp/state"
conf iptables "$tmp/state" any
check 78
has "$c:4: state $tmp/state: writable by group or others: chmod go-w $tmp/state"
chmod 0700 "$tmp/state"
conf iptables "$tmp/alice.key" any
check 78
has "$c:4: state $tmp/alice.key: not a directory"
mkdir "$tmp/state/state.db"
conf iptables "$tmp/state" any
check 78
has "$c:4: state $tmp/state/state.db: not a regular file"
rmdir "$tmp/state/state.db"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$tmp/state"
	check 78
	has "$c:4: state $tmp/state: owned by uid $(id -u nobody), not by root: chown root $tmp/state"
	chown root "$tmp/state"
fi
echo "ok: state directory"
# The capture interface, configured or given with -i.
conf iptables "$tmp/state" nosuch-spa0
check 78
has "$c:2: interface nosuch-spa0: No such device"
count 1
conf iptables "$tmp/state" any
check 78 -i nosuch-spa1
has "sniffer: -i nosuch-spa1: No such device"
echo "ok: interface"
# Everything at once: every problem, each on its line.
conf broken "$tmp/no/such" nosuch-spa0
check 78
has "$tmp/rules/broken:2: /nonexistent/spa-fw: No such file or directory" \
    "$c:4: state directory $tmp/no/such cannot be created: $tmp/no: No such file or directory" \
    "$c:2: interface nosuch-spa0: No such device"
count 5
echo "ok: all problems at once"
# run_as is looked up when the configuration loads.
printf '[action backup]\nrun = /bin/true {addr}\nrun_as = no-such-user-spa\n' >"$c"
check 78
has "$c:3: run_as user no-such-user-spa does not exist"
echo "ok: run_as"
# Without root: notes, not errors, for what only root may look at.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody_tmp=$(mktemp -d)
	chown nobody "$nobody_tmp"
	rc=0
	out=$(cd "$nobody_tmp" && setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    sh -c 'umask 077; "$1" --keygen -o alice.key >/dev/null &&
	    printf "[sniffer]\nstate = /root/spa-not-here/x\n[user alice]\nkeyfile = alice.key\n" >s.conf &&
	    "$2" -R "$3" -c s.conf -t' - "$SPA_TOP/$SPA_BUILD/knock" "$sniffer" "$SPA_TOP/rules" 2>&1) || rc=$?
	rm -rf "$nobody_tmp"
	[ "$rc" = 0 ] || { echo "as nobody: exit $rc: $out"; exit 1; }
	case $out in *"sniffer: not checked without root: state directory /root/spa-not-here/x: Permission denied"*) ;;
	*) echo "as nobody, no note on the state directory: $out"; exit 1 ;; esac
	case $out in *"sniffer: not checked without root: opening the capture"*) ;;
	*) echo "as nobody, no note on the capture: $out"; exit 1 ;; esac
	echo "ok: without root: notes"
else
	echo "SKIPPED: the checks as another user (needs root and setpriv)"
fi
