#!/usr/bin/env bash
# stats_file over each capture of pcaps/: sniffer -r writes the Prometheus
# text format at the end (doc/interface.md "Metrics"); promtool accepts
# it, and its verdict counters equal the verdict lines printed for that
# capture (frames_total their number).  No stray temporary file is left,
# and the file is readable by node_exporter's user (0644).
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
command -v promtool >/dev/null || { echo "SKIPPED: no promtool (Debian package prometheus; make deps installs it)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
prom=$tmp/metrics/spa.prom
mkdir "$tmp/metrics"
sed "s|^state =.*|state =\nstats_file = $prom|" tests/pcap/sniffer.conf >"$tmp/sniffer.conf"
fail() { echo "$*"; exit 1; }
words="accepted not-spa unknown bad-mac replay malformed stale source-mismatch denied forged"
n=0
for p in pcaps/*.pcap; do
	rm -f "$prom"
	out=$("$sniffer" -R rules -c "$tmp/sniffer.conf" -r "$p" 2>&1) || fail "$p: sniffer failed: $out"
	[ -f "$prom" ] || fail "$p: no $prom"
	promtool check metrics <"$prom" >"$tmp/promtool" 2>&1 || fail "$p: promtool: $(cat "$tmp/promtool")"
	total=0
	for w in $words; do
		want=$(grep -c " verdict=$w\( \|\$\)" <<<"$out" || true)
		got=$(sed -n "s/^spa_sniffer_verdicts_total{verdict=\"$w\"} //p" "$prom")
		[ "$got" = "$want" ] || fail "$p: verdict $w: file says '$got', $want lines printed"
		total=$((total + want))
	done
	got=$(sed -n 's/^spa_sniffer_frames_total //p' "$prom")
	[ "$got" = "$total" ] || fail "$p: frames_total $got, $total verdict lines"
	n=$((n + total))
done
[ "$n" -gt 0 ] || fail "no verdict lines at all"
[ "$(stat -c %a "$prom")" = 644 ] || fail "mode $(stat -c %a "$prom"), want 644"
[ "$(ls "$tmp/metrics")" = spa.prom ] || fail "left in the directory: $(ls "$tmp/metrics")"
# A directory that cannot be written: the run says so and exits 73.
sed "s|^state =.*|state =\nstats_file = $tmp/none/spa.prom|" tests/pcap/sniffer.conf >"$tmp/bad.conf"
rc=0; out=$("$sniffer" -R rules -c "$tmp/bad.conf" -r pcaps/native-v4-accepted.pcap 2>&1) || rc=$?
[ "$rc" = 73 ] || fail "unwritable stats_file: exit $rc, want 73: $out"
case $out in *"stats_file $tmp/none/spa.prom: No such file or directory"*) ;; *) fail "no reason: $out" ;; esac
echo "stats_file: $n verdicts over $(ls pcaps/*.pcap | wc -l) captures match"
