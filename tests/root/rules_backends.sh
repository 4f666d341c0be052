#!/usr/bin/env bash
# Every rules/ backend for real (iptables, nft, ipset, ufw): setup twice,
# open, check, close, teardown, for 198.51.100.7 and 2001:db8::7, tcp 22,
# timeout 5, plus the kernel expiring nft and ipset grants by itself.  The
# commands are expanded and run by the sniffer's own code
# (tests/unit/test_firewall_live.c, which refuses to act outside the
# namespace named in SPA_TEST_NETNS), inside a fresh network namespace
# deleted on exit, so the host's firewall is never touched.  ufw also
# edits /etc/ufw and reads /etc/default/ufw: it gets private copies,
# bind-mounted in a private mount namespace, enabled there only.  Root only.
set -u
top=${SPA_TOP:-$PWD}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
live=$build/tests/test_firewall_live

if [ "$(id -u)" != 0 ]; then
	echo "needs root: network namespaces and firewall commands"
	exit 77
fi
command -v ip >/dev/null && command -v unshare >/dev/null ||
	{ echo "needs ip (iproute2) and unshare (util-linux)"; exit 77; }
for tool in iptables ip6tables nft ipset; do
	[ -x /usr/sbin/$tool ] ||
		{ echo "needs /usr/sbin/$tool: apt-get install iptables nftables ipset"; exit 77; }
done
[ -x "$live" ] || { echo "build $live first"; exit 1; }

ns=spa-rules-$$
tmp=$(mktemp -d)
cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || { echo "cannot create a network namespace"; exit 77; }

ufw=no
if [ -x /usr/sbin/ufw ] && [ -d /etc/ufw ] && [ -f /etc/default/ufw ]; then
	cp -a /etc/ufw "$tmp/ufw"
	# No sysctl changes: some of ufw's are not per namespace.
	sed 's|^IPT_SYSCTL=.*|IPT_SYSCTL=/dev/null|' /etc/default/ufw >"$tmp/default-ufw"
	ufw=yes
fi

# Inside: the mounts are private to this process tree, then the test.
inner='
set -e
if [ "$SPA_UFW" = yes ]; then
	mount --bind "$SPA_TMP/ufw" /etc/ufw
	mount --bind "$SPA_TMP/default-ufw" /etc/default/ufw
	/usr/sbin/ufw --force enable >/dev/null
	export SPA_TEST_UFW_PRIVATE=1
fi
exec "$1"
'
ip netns exec "$ns" unshare --mount --propagation private \
	env SPA_TEST_NETNS="$ns" SPA_TOP="$top" SPA_TMP="$tmp" SPA_UFW="$ufw" \
	bash -c "$inner" inner "$live" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
# The namespace must really have been used: nothing skipped but ufw when
# it is not installed.
skipped=$(grep '^\[  SKIPPED \] test_' "$tmp/out" | sort -u | wc -l)
want_skipped=0
[ "$ufw" = yes ] || want_skipped=1
if [ "$rc" -ne 0 ] || [ "$skipped" -ne "$want_skipped" ]; then
	echo "FAIL: test_firewall_live exited $rc with $skipped skipped"
	exit 1
fi
[ "$ufw" = yes ] || echo "passed; ufw not installed, its test skipped"
exit 0
