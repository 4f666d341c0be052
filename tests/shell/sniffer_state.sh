#!/usr/bin/env bash
# The state directory, as sniffer -r uses it (live uses the same code):
# refused when others may write it; a replay cache that cannot be loaded
# stops the run (exit 73) instead of starting with an empty one; expired
# tags are pruned as capture time passes.  sqlite3(1) looks inside.
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
command -v sqlite3 >/dev/null || { echo "SKIPPED: no sqlite3 (make deps installs it)"; exit 77; }
tmp=$(mktemp -d)
holder=
trap '[ -z "$holder" ] || kill "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
umask 077
sed "s|^state =.*|state = $tmp/state|" tests/pcap/sniffer.conf >"$tmp/sniffer.conf"
run() { "$sniffer" -R rules -c "$tmp/sniffer.conf" -r "pcaps/$1.pcap" 2>&1; }
fail() { echo "$*"; exit 1; }

# 1. Others may write the directory, or the database: refused, exit 73.
mkdir -m 0700 "$tmp/state"
chmod 0777 "$tmp/state"
rc=0; out=$(run native-v4-accepted) || rc=$?
[ "$rc" = 73 ] || fail "state dir 0777: exit $rc, want 73: $out"
case $out in *"writable by group or others"*) ;; *) fail "no reason given: $out" ;; esac
chmod 0700 "$tmp/state"
out=$(run native-v4-accepted) || fail "state dir 0700 refused: $out"
case $out in *verdict=accepted*) ;; *) fail "not accepted: $out" ;; esac
chmod 0666 "$tmp/state/state.db"
rc=0; out=$(run native-v4-accepted) || rc=$?
[ "$rc" = 73 ] || fail "state.db 0666: exit $rc, want 73: $out"
chmod 0600 "$tmp/state/state.db"

# 2. The tag is kept across runs: the same knock is a replay now.
out=$(run native-v4-accepted)
case $out in *verdict=replay*) ;; *) fail "second run not a replay: $out" ;; esac

# 3. Another process holds the write lock: the cache cannot be loaded (its
# expired rows cannot be deleted), so nothing is decided: exit 73.
(echo 'BEGIN EXCLUSIVE;'; sleep 6; echo 'ROLLBACK;') | sqlite3 "$tmp/state/state.db" &
holder=$!
sleep 1
rc=0; out=$(run native-v4-accepted) || rc=$?
[ "$rc" = 73 ] || fail "locked state: exit $rc, want 73: $out"
case $out in *"cannot load the replay cache"*) ;; *) fail "no reason given: $out" ;; esac
case $out in *verdict=*) fail "decided with a cache it could not load: $out" ;; esac
kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; holder=

# 4. Pruned: a knock, then a frame an hour later; the first tag expired in
# between (the second frame is too late to be decided: unknown), and
# leaves the database during the run.
rm -rf "$tmp/state"
out=$(run native-v4-hour-later)
case $out in *verdict=accepted*frame=2*) ;; *) fail "unexpected verdicts: $out" ;; esac
rows=$(sqlite3 "$tmp/state/state.db" 'SELECT count(*) FROM replay')
[ "$rows" = 0 ] || fail "$rows expired replay rows left after an hour of capture time"
echo "state: modes, reload, lock and prune behave"
