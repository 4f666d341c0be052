#!/usr/bin/env bash
# sniffer -t on state paths beyond tests/shell/sniffer_precheck.sh's: a
# path under a file (exit 78, the directory named with why), a missing
# directory given with trailing slashes or relative (its parent checked:
# the current directory), and, run as nobody, a parent it may not write
# to: not an error, a "not checked without root" line.
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
"$SPA_TOP/$SPA_BUILD/knock" --keygen -o "$tmp/alice.key" >/dev/null
conf() { # conf STATE: $tmp/s.conf, state on line 3
	printf '[sniffer]\nfirewall = iptables\nstate = %s\n[user alice]\nkeyfile = alice.key\nallow = ssh\n[action ssh]\nopen = tcp/22\n' \
	    "$1" >"$tmp/s.conf"
}
check() { # check WANT_RC: sniffer -t, everything it printed in $tmp/out
	local want=$1 rc=0
	(cd "$tmp" && "$sniffer" -R "$SPA_TOP/rules" -c "$tmp/s.conf" -t) >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || { echo "exit $rc, want $want:"; cat "$tmp/out"; exit 1; }
}
has() { grep -qxF -- "$1" "$tmp/out" || { echo "missing: $1"; echo "got:"; cat "$tmp/out"; exit 1; }; }
lacks() { ! grep -q -- "$1" "$tmp/out" || { echo "unexpected: $1"; cat "$tmp/out"; exit 1; }; }
c=$tmp/s.conf

conf "$tmp/alice.key/state"
check 78
has "$c:3: state directory $tmp/alice.key/state: Not a directory"

# Missing, with trailing slashes: its parent ($tmp) is checked, and fine.
conf "$tmp/new///"
check 0
lacks "state"
# Relative: made in the current directory (here $tmp, fine).
conf "relstate"
check 0
lacks "state"

# As nobody, a parent it may not write to is not checked, not an error.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -m 0755 "$tmp/pub" "$tmp/pub/closed"
	chmod 0755 "$tmp"
	cp "$tmp/alice.key" "$tmp/pub/alice.key"
	chown nobody "$tmp/pub/alice.key"
	printf '[sniffer]\nfirewall = iptables\nstate = %s\n[user alice]\nkeyfile = alice.key\nallow = ssh\n[action ssh]\nopen = tcp/22\n' \
	    "$tmp/pub/closed/state" >"$tmp/pub/s.conf"
	chown nobody "$tmp/pub/s.conf"
	rc=0
	su nobody -s /bin/sh -c "'$sniffer' -R '$SPA_TOP/rules' -c '$tmp/pub/s.conf' -t" >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || { echo "as nobody: exit $rc"; cat "$tmp/out"; exit 1; }
	has "sniffer: not checked without root: state directory $tmp/pub/closed/state cannot be created in $tmp/pub/closed: Permission denied"
fi
echo "ok: state paths"
