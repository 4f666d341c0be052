#!/usr/bin/env bash
# The sniffer runs with a core-file limit of 0 (soft and hard), so keys in
# its memory never reach a core dump.  It is observed while it blocks
# opening a capture that is a FIFO.
set -eu
tmp=$(mktemp -d)
pid=
trap 'exec 3>&- 2>/dev/null; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkfifo "$tmp/fifo"
printf '[sniffer]\nstate =\n' >"$tmp/c.conf"
# Started with cores allowed, so only the sniffer itself can lower it.
(ulimit -c unlimited 2>/dev/null || ulimit -S -c "$(ulimit -H -c)"
 exec "$SPA_TOP/$SPA_BUILD/sniffer" -R rules -c "$tmp/c.conf" -r "$tmp/fifo") >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
	[ "$(awk '/Max core file size/ {print $5 $6}' "/proc/$pid/limits" 2>/dev/null)" != "" ] && break
	sleep 0.05
done
sleep 0.2
limits=$(awk '/Max core file size/ {print $5, $6}' "/proc/$pid/limits")
[ "$limits" = "0 0" ] || { echo "core size limits '$limits', want '0 0'"; exit 1; }
