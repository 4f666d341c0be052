# shellcheck shell=bash
# make bench, the live half, against the number of users: sourced by
# tests/bench/live.sh after tests/bench/load.sh (their helpers).  For 1,
# 1,000 and 100,000 users (BENCH_USERS), a configuration of N [user uI]
# sections, each with its own key (tests/bench/users.py), and:
#
#   -t              sniffer -t -c CONF: wall time and peak RSS
#   start           sniffer in the server namespace (nft-set backend) from
#                   the fork to the capture process's "seccomp filter on"
#                   line (it decides frames from then on), then Rss summed
#                   and Pss over its processes
#   last user       a knock with the last user's key, accepted or not
#   cost x          the offline per-frame cost against 1 user's, from
#                   $build/bench-offline.txt (bench_verify, run first by
#                   make bench): native accept / unknown
# Appends a section to $out.
USERS=${BENCH_USERS:-1 1000 100000}

# "STATUS SECONDS MAXRSS_KB" of a command run to its end.
run_rusage() {
	python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(rc, "%.3f" % (time.monotonic() - t), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

users_row() {   # N
	local n=$1 conf=$tmp/users-$1.conf name=users-$1 rc secs rss pids m last cost
	mkdir -m 700 "$tmp/state-$name"
	printf '[sniffer]\ninterface = eth0\nfirewall = nft-set\nstate = %s\n' "$tmp/state-$name" >"$tmp/$name.head"
	(umask 077 && python3 "$top/tests/bench/users.py" "$n" "$tmp/$name.head" "$tmp/$name.key" >"$conf")
	read -r rc secs rss < <(run_rusage "$build/sniffer" -t -R "$top/rules" -c "$conf")
	local check="$secs s, $(awk -v k="$rss" 'BEGIN { printf "%.1f MB", k / 1024 }')"
	[ "$rc" = 0 ] || check="exit $rc"
	local start='did not start' mem='-' knocked='-'
	if load_start "$name" 'seccomp filter on|privilege separation off' \
		"$build/sniffer" -f -R "$top/rules" -c "$conf"; then
		sleep 0.3
		pids=$(tree "$load_pid")
		# shellcheck disable=SC2086
		m=$(for p in $pids; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done |
			awk '/^Rss:/ { r += $2 } /^Pss:/ { p += $2 } END { printf "%.1f MB Rss, %.1f MB Pss", r / 1024, p / 1024 }')
		mem="$m ($(echo "$pids" | wc -w) processes)"
		start=$(awk -v s="$load_secs" 'BEGIN { printf "%.3f s", s }')
		last=u$((n - 1))
		netns_exec client "$build/knock" -k "$tmp/$name.key" -d "$S" ssh
		knocked=no
		for _ in $(seq 50); do
			grep -q "verdict=accepted .*user=$last " "$tmp/$name.log" && { knocked=accepted; break; }
			sleep 0.1
		done
	else
		echo "bench: sniffer with $n users did not start; its log:" >&2
		tail -5 "$tmp/$name.log" >&2
	fi
	load_stop
	cost=$(awk -v n="$n" '/cost x/ && $1 == n { print $7 " / " $9 }' "$build/bench-offline.txt" 2>/dev/null)
	printf '| %s | %s MB | %s | %s | %s | %s | %s |\n' "$n" \
		"$(awk -v b="$(stat -c %s "$conf")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
		"$check" "$start" "$mem" "$knocked" "${cost:--}" >>"$tmp/users"
	rm -f "$conf"
}

: >"$tmp/users"
for n in $USERS; do users_row "$n"; done
{
	echo
	echo "### Users: load, start and memory of our sniffer (nft-set backend)"
	echo
	echo "-t: \`sniffer -t -c CONF\`, wall time and peak RSS.  Start: fork to the capture process"
	echo "deciding frames (its \"seccomp filter on\" line; includes ip netns exec), then memory over"
	echo "all its processes.  Cost x: offline per-frame cost against 1 user's (bench_verify:"
	echo "native accept / unknown; this run's bench-offline.txt)."
	echo
	echo "| users | config | -t | start | memory after start | last user's knock | cost x |"
	echo "|---|---|---|---|---|---|---|"
	cat "$tmp/users"
} >>"$out"
