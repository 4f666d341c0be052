#!/usr/bin/env bash
# Runs the pcap regression table (tests/pcap/TESTLIST): recorded captures
# through `sniffer -r`, the output compared line for line with the
# expected verdicts.  Needs no root.  SPA_WRAP, when set, is a command the
# sniffer runs under (make valgrind: memcheck, whose reports then differ).
set -eu
sniffer=$SPA_BUILD/sniffer
dir=tests/pcap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# tests/pcap/sniffer.conf holds inline keys, so the sniffer reads only a
# private copy of it (git checks it out 0644): every file here is 0600.
umask 077
cp "$dir/sniffer.conf" "$tmp/sniffer.conf"
failed=0 cases=0
while read -r name pcaps opts; do
	case $name in ''|'#'*) continue ;; esac
	cases=$((cases + 1))
	conf=$tmp/sniffer.conf args=()
	case $opts in
	-) ;;
	state)
		mkdir "$tmp/$name.state"
		sed "s|^state =.*|state = $tmp/$name.state|" "$tmp/sniffer.conf" >"$tmp/$name.conf"
		conf=$tmp/$name.conf ;;
	lockout)
		sed "s|^state =.*|state =\nlockout = 2/60|" "$tmp/sniffer.conf" >"$tmp/$name.conf"
		conf=$tmp/$name.conf ;;
	*) args=($opts) ;;
	esac
	: >"$tmp/$name.got"
	for p in ${pcaps//,/ }; do
		# shellcheck disable=SC2086 # SPA_WRAP is a command and its options
		${SPA_WRAP:-} "$sniffer" -R rules -c "$conf" -r "pcaps/$p.pcap" "${args[@]}" \
			>>"$tmp/$name.got" 2>&1 || echo "exit $?" >>"$tmp/$name.got"
	done
	if ! diff -u "$dir/$name.out" "$tmp/$name.got" >"$tmp/$name.diff" 2>&1; then
		echo "FAIL $name"; cat "$tmp/$name.diff"; failed=$((failed + 1))
	fi
done <"$dir/TESTLIST"
echo "pcap table: $((cases - failed)) of $cases cases as expected"
[ "$cases" -gt 0 ] && [ "$failed" -eq 0 ]
