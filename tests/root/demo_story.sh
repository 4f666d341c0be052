#!/usr/bin/env bash
# The headline test: the story of `make demo` (tests/demo/story.sh) with every
# step asserted -- a scan shows 22/tcp filtered, the client knocks, 22/tcp is
# open for the client and filtered for a stranger, ssh runs a command on the
# server, 22/tcp is filtered again after the grant's timeout, and teardown
# leaves nothing -- for IPv4 and IPv6, native, signed and classic format.
# Then three sabotaged runs must fail, at the step that catches each: no knock (ssh
# must not connect), a firewall backend that opens 22/tcp for every source
# (the stranger gets in), a grant that does not expire in time.
# The runs are independent (their own namespaces) and run at once.  Root only.
set -u
top=${SPA_TOP:-$PWD}
. "$top/tests/lib/netns.sh"
netns_require_root
for cmd in nmap tcpdump ssh iptables ip6tables; do
	command -v "$cmd" >/dev/null || { echo "needs $cmd (make deps)"; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "needs /usr/sbin/sshd: openssh-server (make deps)"; exit 77; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
cases=(
	"v4-native   ok -4 --format native"
	"v6-native   ok -6 --format native"
	"v4-classic  ok -4 --format classic"
	"v6-classic  ok -6 --format classic"
	"v4-signed   ok -4 --format signed"
	"v6-signed   ok -6 --format signed"
	"skip-knock  ssh should run the command on the server|-4 --break skip-knock"
	"open-all    22/tcp should stay filtered for the stranger|-4 --break open-all"
	"no-close    22/tcp should be filtered again after|-4 --break no-close"
)
pids=()
for c in "${cases[@]}"; do
	read -r name rest <<<"$c"
	args=${rest#*|}
	[ "${rest%% *}" = ok ] && args=${rest#ok }
	# shellcheck disable=SC2086
	timeout --kill-after=10 120 "$top/tests/demo/story.sh" --timeout 5 $args \
		</dev/null >"$logs/$name" 2>&1 &
	pids+=($!)
done
fails=0 i=0
for c in "${cases[@]}"; do
	read -r name rest <<<"$c"
	wait "${pids[$i]}"
	rc=$? i=$((i + 1))
	if [ "${rest%% *}" = ok ]; then
		if [ "$rc" = 0 ] && grep -q 'every step behaved as described' "$logs/$name"; then
			echo "ok $name"
			continue
		fi
		echo "FAIL $name (exit $rc)"
	else
		# A sabotaged run: exit 1, the one FAIL line expected, and no other.
		want=${rest%%|*}
		nfail=$(grep -c '   FAIL: ' "$logs/$name")
		expect=1
		[ "$name" != skip-knock ] || expect=2  # 22/tcp not open, and ssh
		if [ "$rc" = 1 ] && grep -q "   FAIL: $want" "$logs/$name" && [ "$nfail" = "$expect" ]; then
			echo "ok $name: the story fails as it should ($(grep -m1 "   FAIL: $want" "$logs/$name" | sed 's/^ *//'))"
			continue
		fi
		echo "FAIL $name: expected exit 1 with \"FAIL: $want\" ($expect FAIL line(s)), got exit $rc, $nfail"
	fi
	sed 's/^/  | /' "$logs/$name"
	fails=$((fails + 1))
done
echo "--- the story, IPv4 signed (make demo):"
cat "$logs/v4-signed"
[ "$fails" = 0 ] || { echo "demo story: $fails case(s) failed"; exit 1; }
echo "demo story: 6 scenarios as described, 3 sabotaged runs caught"
