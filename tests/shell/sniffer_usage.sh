#!/usr/bin/env bash
# sniffer's command line: -h and --version answer and exit 0; an unknown option,
# -j without -S, and a stray argument exit 64 with the reason and the
# usage; -S with a configuration that cannot be read exits 78 naming it.
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# expect STATUS REGEX ARGS...: the exit status, and a line of stderr.
expect() {
	local want=$1 re=$2 rc=0
	shift 2
	"$sniffer" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "sniffer $*: exit $rc, wanted $want: $(cat "$tmp/err")"
	grep -Eq -- "$re" "$tmp/err" || fail "sniffer $*: no line matching $re in: $(cat "$tmp/err")"
}

"$sniffer" -h >"$tmp/out" || fail "-h exited $?"
grep -q '^usage: sniffer' "$tmp/out" || fail "-h: $(head -3 "$tmp/out")"
[ "$("$sniffer" --version)" = "sniffer $(sed -n 's/^VERSION := //p' GNUmakefile)" ] ||
	fail "--version said $("$sniffer" --version)"
expect 64 '^usage: sniffer' -Z
expect 64 '^sniffer: -j goes with -S$' -j
expect 64 '^sniffer: unexpected argument "stray"$' -t stray
grep -q '^usage: sniffer' "$tmp/err" || fail "a stray argument without the usage"
expect 78 "$tmp/none.conf" -S -c "$tmp/none.conf"
expect 78 "$tmp/none.conf" -S -j -c "$tmp/none.conf"
echo "sniffer usage: ok"
