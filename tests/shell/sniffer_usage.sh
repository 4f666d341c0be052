#!/usr/bin/env bash
# sniffer's command line: -h and --version answer and exit 0; an unknown option,
# -j without -S, and a stray argument exit 64 with the reason and the
# usage; -S with a configuration that cannot be read exits 78 naming it,
# and without SPA_RULES_DIR (no rules read) says no daemon runs (69).
# -r with address = decides the knocks sent to that address only; -r on a
# capture that is not there exits 66 naming it.
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
(umask 077; sed "s|^state =.*|state = $tmp/st|" tests/pcap/sniffer.conf >"$tmp/s.conf")
rc=0; env -u SPA_RULES_DIR "$sniffer" -c "$tmp/s.conf" -S >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 69 ] || fail "-S without a daemon: exit $rc, wanted 69: $(cat "$tmp/err")"
grep -q "^sniffer: no sniffer running: no socket at $tmp/st/sniffer.sock" "$tmp/err" ||
	fail "-S without a daemon: $(cat "$tmp/err")"
# A capture that is not there: said, exit 66, no verdict line.
rc=0; "$sniffer" -R rules -c "$tmp/s.conf" -r "$tmp/none.pcap" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 66 ] || fail "-r on a missing file: exit $rc, wanted 66: $(cat "$tmp/err")"
grep -q "^sniffer: $tmp/none.pcap: cannot read capture: " "$tmp/err" || fail "-r on a missing file: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "-r on a missing file printed: $(cat "$tmp/out")"
# The knock of native-v4-accepted goes to 198.51.100.2.
for a in 198.51.100.2 203.0.113.99; do
	(umask 077; sed -e "s|^state =.*|state =|" -e "s|^port = 5001|&\naddress = $a|" \
		tests/pcap/sniffer.conf >"$tmp/a.conf")
	"$sniffer" -R rules -c "$tmp/a.conf" -r pcaps/native-v4-accepted.pcap >"$tmp/out" 2>&1 ||
		fail "address = $a: exit $?: $(cat "$tmp/out")"
	n=$(grep -c 'verdict=accepted' "$tmp/out" || true)
	[ "$n" = "$([ "$a" = 198.51.100.2 ] && echo 1 || echo 0)" ] ||
		fail "address = $a: $n accepted: $(cat "$tmp/out")"
done
echo "sniffer usage: ok"
