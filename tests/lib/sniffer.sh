# Sourced by root tests that run a live sniffer: a client and a server host
# (tests/lib/netns.sh, which this sources), alice's key, the sniffer started
# in the server, and questions about its firewall and its log.  Needs
# SPA_TOP and SPA_BUILD (a path under SPA_TOP), as tests/run-shell sets them.
#
#   sniffer_require [TOOL...]        exit 77 (with why) unless root with `ip netns`
#                                    and every TOOL on PATH; exit 1 unless
#                                    SPA_BUILD has sniffer and knock
#   sniffer_net [ADDR/PLEN...]       netns_init; host client with the ADDRs
#                                    (default 198.51.100.1/24), host server with
#                                    198.51.100.2/24; SNIFFER_TMP, a directory
#                                    removed on cleanup, holds alice's key
#                                    SNIFFER_KEY (mode 600).  Call it in the
#                                    test's own shell, not in a subshell
#   sniffer_start LOG OPTION...      run the sniffer in the server, in the
#                                    background: sniffer -f OPTION..., output
#                                    appended to LOG; its pid in SNIFFER_PID
#                                    (killed with SIGKILL on cleanup if still
#                                    there).  Returns 1 unless LOG gets one more
#                                    "started: " line within 5 s
#   sniffer_stop SIGNAL              send SIGNAL (TERM, KILL...) to SNIFFER_PID,
#                                    wait for it, empty SNIFFER_PID; returns
#                                    the sniffer's exit status (128 + N when
#                                    signal N killed it)
#   sniffer_knock OPTION... REQUEST  knock from the client to the server with
#                                    alice's key: knock -k KEY -d SERVER OPTION...
#                                    REQUEST; returns knock's exit status
#   sniffer_fail LOG LABEL MSG...    print "--- sniffer log (LABEL)", LOG, then
#                                    "FAIL (LABEL): MSG"; exit 1.  With LABEL
#                                    empty: "--- sniffer log" and "FAIL: MSG"
#   sniffer_now_ms                   print the wall clock in epoch milliseconds
#   sniffer_grant_lines BACKEND PORT print one line "ADDR" per IPv4 tcp/PORT
#                                    grant in the server: a rule of chain SPA
#                                    (BACKEND iptables) or an element of set
#                                    ip spa allow4 (nft); nothing if neither
#                                    exists
#   sniffer_grants BACKEND PORT RE   print how many of those grants are for an
#                                    address that RE (an ERE, matched against
#                                    the whole address) matches
#   sniffer_wait_grants BACKEND PORT RE N MS
#                                    until exactly N of them, polled every 50 ms
#                                    for at most MS milliseconds, then once more;
#                                    returns 0 when there are N, else 1
#   sniffer_leftovers BACKEND        print what BACKEND left in the server, one
#                                    line each (iptables: chain SPA, IPv4 or
#                                    IPv6, a jump to SPA in INPUT; nft: table
#                                    ip or ip6 spa); nothing if clean
#   sniffer_log_count LOG RE         print how many lines of LOG match RE (an ERE)
#   sniffer_wait_log LOG RE N SECONDS
#                                    until at least N lines of LOG match RE,
#                                    polled every 0.1 s for SECONDS (a whole
#                                    number; 0 or less: returns 1 at once,
#                                    without looking); 0 or 1
#
# Variables: SNIFFER_CLIENT (198.51.100.1) and SNIFFER_SERVER (198.51.100.2),
# set when sourced; SNIFFER_BIN and SNIFFER_KNOCK_BIN (the two programs),
# set by sniffer_require; SNIFFER_TMP and SNIFFER_KEY by sniffer_net;
# SNIFFER_PID by sniffer_start.  Only documentation addresses are used.

. "$SPA_TOP/tests/lib/netns.sh"

SNIFFER_CLIENT=198.51.100.1
SNIFFER_SERVER=198.51.100.2
SNIFFER_PID=

sniffer_require() {
	local tool
	netns_require_root
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "needs $tool"; exit 77; }
	done
	SNIFFER_BIN=$SPA_TOP/$SPA_BUILD/sniffer
	SNIFFER_KNOCK_BIN=$SPA_TOP/$SPA_BUILD/knock
	[ -x "$SNIFFER_BIN" ] && [ -x "$SNIFFER_KNOCK_BIN" ] ||
		{ echo "build $SNIFFER_BIN and $SNIFFER_KNOCK_BIN first"; exit 1; }
}

sniffer_net() {
	[ $# -gt 0 ] || set -- "$SNIFFER_CLIENT/24"
	SNIFFER_TMP=$(mktemp -d)
	SNIFFER_KEY=$SNIFFER_TMP/key
	netns_on_cleanup 'rm -rf "$SNIFFER_TMP"'
	# SIGKILL: a sniffer stuck before its loop would not heed
	# netns_cleanup's SIGTERM.
	netns_on_cleanup '[ -z "$SNIFFER_PID" ] || kill -KILL "$SNIFFER_PID" 2>/dev/null || true'
	netns_init
	netns_host client "$@"
	netns_host server "$SNIFFER_SERVER/24"
	printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$SNIFFER_KEY"
	chmod 600 "$SNIFFER_KEY"
}

sniffer_start() {
	local log=$1 started
	shift
	: >>"$log"
	started=$(sniffer_log_count "$log" 'started: ')
	ip netns exec "$(netns_ns server)" "$SNIFFER_BIN" -f "$@" >>"$log" 2>&1 &
	SNIFFER_PID=$!
	sniffer_wait_log "$log" 'started: ' $((started + 1)) 5
}

sniffer_stop() {
	local rc=0
	kill -"$1" "$SNIFFER_PID"
	wait "$SNIFFER_PID" 2>/dev/null || rc=$?
	SNIFFER_PID=
	return "$rc"
}

sniffer_knock() {
	netns_exec client "$SNIFFER_KNOCK_BIN" -k "$SNIFFER_KEY" -d "$SNIFFER_SERVER" "$@"
}

sniffer_fail() {
	local log=$1 label=${2:+ ($2)}
	shift 2
	echo "--- sniffer log$label"
	cat "$log" 2>/dev/null || true
	echo "FAIL$label: $*"
	exit 1
}

sniffer_now_ms() { date +%s%3N; }

sniffer_grant_lines() {
	case $1 in
	iptables)
		netns_exec server iptables -w 5 -S SPA 2>/dev/null |
			sed -nE "s#^-A SPA -s ([0-9.]+)/32 -p tcp -m tcp --dport $2 -j ACCEPT\$#\\1#p" ;;
	nft)
		netns_exec server nft list set ip spa allow4 2>/dev/null |
			grep -oE "(^|[{ ])[0-9.]+ \. tcp \. $2 " | sed -E 's/^[{ ]//; s/ .*//' ;;
	*)
		echo "sniffer_grant_lines: no backend $1" >&2
		return 1 ;;
	esac
}

sniffer_grants() {
	sniffer_grant_lines "$1" "$2" | grep -cxE -- "$3" || true
}

sniffer_wait_grants() {
	local end=$(($(sniffer_now_ms) + $5))
	while [ "$(sniffer_now_ms)" -lt "$end" ]; do
		[ "$(sniffer_grants "$1" "$2" "$3")" = "$4" ] && return 0
		sleep 0.05
	done
	[ "$(sniffer_grants "$1" "$2" "$3")" = "$4" ]
}

sniffer_leftovers() {
	case $1 in
	iptables)
		netns_exec server iptables -w 5 -S SPA >/dev/null 2>&1 && echo "chain SPA (IPv4)"
		netns_exec server ip6tables -w 5 -S SPA >/dev/null 2>&1 && echo "chain SPA (IPv6)"
		netns_exec server iptables -w 5 -S INPUT | grep -q -- '-j SPA' && echo "jump to SPA in INPUT"
		;;
	nft)
		netns_exec server nft list table ip spa >/dev/null 2>&1 && echo "table ip spa"
		netns_exec server nft list table ip6 spa >/dev/null 2>&1 && echo "table ip6 spa"
		;;
	*)
		echo "sniffer_leftovers: no backend $1"
		;;
	esac
	return 0
}

# The [user alice] and [action ssh] sections most tests share: alice
# (SNIFFER_KEY) may open tcp/22 for TIMEOUT seconds.
sniffer_alice_ssh() {   # TIMEOUT
	printf '[user alice]\nkeyfile = %s\nallow = ssh\n[action ssh]\nopen = tcp/22\ntimeout = %s\n' \
		"$SNIFFER_KEY" "$1"
}

sniffer_log_count() { grep -cE -- "$2" "$1" || true; }

sniffer_wait_log() {
	local _
	for _ in $(seq $(($4 * 10))); do
		[ "$(sniffer_log_count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
