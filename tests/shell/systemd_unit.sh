#!/usr/bin/env bash
# The systemd unit as `make install PREFIX=/usr` writes it: the installed
# paths, no -f (the log goes to journald), systemd-analyze verify clean,
# and its exposure score (systemd-analyze security --offline=true, where
# this systemd has it) below 3.0.
set -eu
command -v systemd-analyze >/dev/null || {
	echo "systemd_unit: systemd-analyze is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
B=$SPA_TOP/$SPA_BUILD/install-test     # shared with tests/shell/install.sh
root=$tmp/root
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u DESTDIR -u PREFIX \
	-u SYSCONFDIR -u BINDIR -u SBINDIR -u MANDIR -u DOCDIR -u RULESDIR -u UNITDIR make -s --no-print-directory -C "$SPA_TOP" BUILD="$B" install DESTDIR="$root" PREFIX=/usr >/dev/null
unit=$root/lib/systemd/system/spa-sniffer.service
fail() { echo "systemd_unit: $*"; exit 1; }

grep -qx 'Type=notify' "$unit" || fail "not Type=notify"
grep -qx 'ExecStart=/usr/sbin/sniffer -c /etc/spa/sniffer.conf' "$unit" ||
	fail "ExecStart: $(grep ExecStart= "$unit")"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "ExecReload"
grep -qx 'StateDirectory=spa' "$unit" && grep -qx 'RuntimeDirectory=spa' "$unit" ||
	fail "StateDirectory=spa and RuntimeDirectory=spa (/var/lib/spa, /run/spa/empty)"

# verify checks that every command is executable: the sniffer is checked
# where this DESTDIR install put it (a copy of the unit says so), the
# rest (/bin/kill, /usr/bin/touch) where the unit names them.
mkdir "$tmp/v"
sed "s|^ExecStart=/usr/sbin/sniffer |ExecStart=$root/usr/sbin/sniffer |" "$unit" >"$tmp/v/spa-sniffer.service"
out=$(cd "$tmp/v" && systemd-analyze verify --man=no ./spa-sniffer.service 2>&1) || rc=$?
[ "${rc:-0}" = 0 ] && [ -z "$out" ] || fail "systemd-analyze verify (exit ${rc:-0}): $out"

if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	out=$(cd "$root/lib/systemd/system" &&
		systemd-analyze security --offline=true ./spa-sniffer.service 2>&1) || true
	line=$(grep 'Overall exposure level' <<<"$out") || fail "no score: $out"
	echo "systemd_unit: ${line#→ }"
	score=$(sed 's/.*: \([0-9.]*\) .*/\1/' <<<"$line")
	awk -v s="$score" 'BEGIN { exit !(s < 3.0) }' ||
		fail "exposure $score, want below 3.0: $(grep '✗' <<<"$out")"
else
	echo "systemd_unit: this systemd-analyze has no security --offline: score not measured"
fi
