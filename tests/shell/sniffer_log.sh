#!/usr/bin/env bash
# Where the sniffer's lines go without -f (doc/interface.md "sniffer"):
# to the syslog socket when there is one; when there is none, to stderr,
# with a line saying so, never a silent exit.  Each case runs a start that
# fails at once (an interface that does not exist: exit 69).  The syslog
# socket is swapped in a private mount namespace (unshare -m, root); the
# cases that need one say SKIPPED without it.
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
tmp=$(mktemp -d)
listener=
cleanup() { [ -z "$listener" ] || kill "$listener" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
umask 077
printf '[sniffer]\ninterface = nosuch-spa0\nstate =\n' >"$tmp/s.conf"
run() { # run [WRAPPER...]: the sniffer without -f; stderr in $tmp/err, status in rc
	rc=0
	"$@" "$sniffer" -R rules -c "$tmp/s.conf" 2>"$tmp/err" </dev/null || rc=$?
}
want_stderr() { # want_stderr LABEL: exit 69, both lines on stderr
	[ "$rc" = 69 ] || { echo "$1: exit $rc, want 69"; cat "$tmp/err"; exit 1; }
	grep -q '^sniffer: syslog unavailable (/dev/log: ' "$tmp/err" &&
	grep -q '^sniffer: capture on nosuch-spa0: ' "$tmp/err" || {
		echo "$1: stderr lacks the fallback or the error:"; cat "$tmp/err"; exit 1; }
}
skipped=
if [ ! -e /dev/log ]; then
	run
	want_stderr "no /dev/log"
	echo "ok: no /dev/log: the error on stderr"
fi
can_ns=0
[ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null && can_ns=1
if [ "$can_ns" = 1 ] && [ -e /dev/log ]; then
	# /dev/null over /dev/log: connecting is refused.
	run unshare -m sh -c 'mount --bind /dev/null /dev/log && exec "$0" "$@"'
	want_stderr "/dev/log refused"
	echo "ok: /dev/log refusing: the error on stderr"
elif [ -e /dev/log ]; then
	skipped="$skipped, syslog unreachable (needs root and unshare -m)"
fi
# A working syslog socket: the line reaches it, stderr (not a terminal)
# stays empty.  A /dev of our own in a private mount namespace holds it.
if [ "$can_ns" = 1 ] && command -v python3 >/dev/null; then
	mkdir "$tmp/dev"
	touch "$tmp/dev/null"
	python3 - "$tmp/dev/log" "$tmp/got" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
s.settimeout(20)
with open(sys.argv[2], "wb") as f:
    while True:
        f.write(s.recv(4096) + b"\n")
        f.flush()
PY
	listener=$!
	for _ in $(seq 50); do [ -e "$tmp/got.ready" ] && break; sleep 0.1; done
	run unshare -m sh -c 'mount --bind /dev/null "$0/null" && mount --bind "$0" /dev && exec "$@"' "$tmp/dev"
	[ "$rc" = 69 ] || { echo "syslog: exit $rc, want 69"; cat "$tmp/err"; exit 1; }
	[ ! -s "$tmp/err" ] || { echo "syslog: stderr not empty:"; cat "$tmp/err"; exit 1; }
	for _ in $(seq 50); do grep -q 'capture on nosuch-spa0' "$tmp/got" 2>/dev/null && break; sleep 0.1; done
	grep -Eq '^<(2[4-9]|3[01])>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]{8} sniffer\[[0-9]+\]: capture on nosuch-spa0: ' "$tmp/got" || {
		echo "syslog: the line did not arrive as <PRI>STAMP sniffer[PID]: ..."; cat "$tmp/got" 2>/dev/null; exit 1; }
	echo "ok: syslog socket: the error there, stderr empty"
else
	skipped="$skipped, a working syslog socket (needs root, unshare -m and python3)"
fi
# -f: stderr, whatever syslog is.
rc=0
"$sniffer" -f -R rules -c "$tmp/s.conf" 2>"$tmp/err" </dev/null || rc=$?
[ "$rc" = 69 ] && grep -q '^sniffer: capture on nosuch-spa0: ' "$tmp/err" &&
    ! grep -q 'syslog' "$tmp/err" || { echo "-f: exit $rc:"; cat "$tmp/err"; exit 1; }
echo "ok: -f: the error on stderr"
[ -z "$skipped" ] || echo "SKIPPED: ${skipped#, }"
