#!/usr/bin/env bash
# sniffer -t: every example configuration in doc/examples/, with each
# firewall backend of rules/, exits 0 and prints nothing; broken ones exit
# 78 with FILE:LINE: on stderr.
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp doc/examples/*.conf "$tmp/"
for k in alice bob backup; do
	"$SPA_TOP/$SPA_BUILD/knock" --keygen -o "$tmp/$k.key" >/dev/null
done
for conf in "$tmp"/*.conf; do
	for backend in rules/*; do
		b=$(basename "$backend")
		sed "s|^firewall = .*|firewall = $b|" "$conf" >"$tmp/try.conf"
		out=$("$sniffer" -R rules -c "$tmp/try.conf" -t 2>&1) || {
			echo "sniffer -t on $(basename "$conf") with $b failed: $out"; exit 1; }
		[ -z "$out" ] || { echo "sniffer -t printed: $out"; exit 1; }
	done
done
# Broken configurations: exit 78, the file and line of the mistake.
expect_78() {
	local want=$1 rc=0 out
	out=$("$sniffer" -R rules -c "$tmp/bad.conf" -t 2>&1) || rc=$?
	[ "$rc" = 78 ] || { echo "exit $rc, want 78: $out"; exit 1; }
	case $out in "$tmp/bad.conf:$want"*) ;; *) echo "want $tmp/bad.conf:$want..., got: $out"; exit 1 ;; esac
}
printf '[sniffer]\nport = 5001\nwindow = soon\n' >"$tmp/bad.conf"
expect_78 "3: "
printf '[sniffer]\nfirewall = nosuch\n' >"$tmp/bad.conf"
rc=0; out=$("$sniffer" -R rules -c "$tmp/bad.conf" -t 2>&1) || rc=$?
[ "$rc" = 78 ] && case $out in *nosuch*) ;; *) false ;; esac || { echo "unknown backend: exit $rc: $out"; exit 1; }
printf '[user alice]\nkey = AAAA\nallow = ssh\n[action ssh]\nopen = tcp/22\n' >"$tmp/bad.conf"
expect_78 "2: "
printf '[sniffer]\ncolour = blue\n' >"$tmp/bad.conf"
expect_78 "2: "
rc=0; "$sniffer" -R rules -c "$tmp/none.conf" -t 2>/dev/null || rc=$?
[ "$rc" = 78 ] || { echo "missing config: exit $rc"; exit 1; }
rc=0; "$sniffer" --bogus 2>/dev/null || rc=$?
[ "$rc" = 64 ] || { echo "bad option: exit $rc"; exit 1; }
"$sniffer" --help | grep -q 'usage: sniffer'
"$sniffer" --version | grep -q '^sniffer [0-9]'
