# Sourced by root tests: a test network of named hosts in network
# namespaces, joined by a bridge that lives in a namespace of its own, so
# the machine's own network is never touched.
#
#   netns_require_root               exit 77 (with why) unless root with `ip netns`
#   netns_init                       the bridge; cleanup trap on EXIT INT TERM
#   netns_host NAME ADDR/PLEN...     a host: lo up, eth0 on the bridge, addresses
#   netns_bridge BRIDGE              another segment: a bridge BRIDGE beside br0
#                                    (for routers between segments)
#   netns_host_on BRIDGE NAME ADDR/PLEN...
#                                    netns_host with eth0 on BRIDGE instead
#   netns_attach NAME N BRIDGE ADDR/PLEN...
#                                    give host NAME one more interface, ethN
#                                    (N 1..9), on BRIDGE, with the addresses
#   netns_ns NAME                    print the host's namespace name
#   netns_exec NAME CMD...           run CMD in the host's namespace
#   netns_on_cleanup 'CMD'           run CMD too when cleaning up
#   netns_cleanup                    kill what runs in them, delete every namespace
#
# Only documentation addresses are accepted (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32).  Names carry a prefix with the shell's pid,
# so runs never collide.  IPv6 addresses are added with nodad: usable at once.

NETNS_PREFIX=${NETNS_PREFIX:-spa$$}
NETNS_MADE=()
NETNS_CLEANUP_CMDS=()
NETNS_CLEANED=0

netns_require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root: network namespaces, veth pairs and raw sockets (run as root, e.g. make root-test)"
		exit 77
	fi
	if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
		echo "needs iproute2 with network namespace support (ip netns)"
		exit 77
	fi
}

netns_doc_addr() {
	case $1 in
	192.0.2.*/* | 198.51.100.*/* | 203.0.113.*/*) return 0 ;;
	2001:db8:*/* | 2001:DB8:*/*) return 0 ;;
	esac
	echo "netns: $1 is not a documentation address with a prefix length" >&2
	return 1
}

netns_ns() {
	echo "$NETNS_PREFIX-$1"
}

netns_exec() {
	local name=$1
	shift
	ip netns exec "$(netns_ns "$name")" "$@"
}

netns_on_cleanup() {
	NETNS_CLEANUP_CMDS+=("$1")
}

netns_cleanup() {
	local ns pid cmd
	[ "$NETNS_CLEANED" = 0 ] || return 0
	NETNS_CLEANED=1
	for ns in "${NETNS_MADE[@]}"; do
		# Only processes inside our own namespaces, by pid.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	NETNS_MADE=()
	for cmd in "${NETNS_CLEANUP_CMDS[@]}"; do
		eval "$cmd" || true
	done
}

netns_add() {
	ip netns add "$1"
	NETNS_MADE+=("$1")
	ip -n "$1" link set lo up
}

netns_init() {
	trap 'rc=$?; netns_cleanup; exit $rc' EXIT
	trap 'netns_cleanup; exit 130' INT
	trap 'netns_cleanup; exit 143' TERM
	netns_add "$(netns_ns br)"
	ip -n "$(netns_ns br)" link add br0 type bridge
	ip -n "$(netns_ns br)" link set br0 up
}

netns_host() {
	netns_host_on br0 "$@"
}

netns_bridge() {
	case $1 in
	br[1-9]) ;;
	*) echo "netns: a bridge is named br1..br9, not $1" >&2; return 1 ;;
	esac
	ip -n "$(netns_ns br)" link add "$1" type bridge
	ip -n "$(netns_ns br)" link set "$1" up
}

netns_host_on() {
	local bridge=$1 name=$2 ns addr
	shift 2
	ns=$(netns_ns "$name")
	for addr in "$@"; do
		netns_doc_addr "$addr" || return 1
	done
	[ ${#name} -le 12 ] || { echo "netns: host name $name longer than 12" >&2; return 1; }
	netns_add "$ns"
	netns_link "$name" "v-$name" eth0 "$bridge" "$@"
}

netns_attach() {
	local name=$1 n=$2 bridge=$3 addr
	shift 3
	case $n in [1-9]) ;; *) echo "netns: interface number $n is not 1..9" >&2; return 1 ;; esac
	for addr in "$@"; do
		netns_doc_addr "$addr" || return 1
	done
	netns_link "$name" "v$n-$name" "eth$n" "$bridge" "$@"
}

# netns_link NAME PEER IFACE BRIDGE ADDR...: a veth pair, IFACE in the
# host, PEER on BRIDGE in the bridge namespace, up, with the addresses.
netns_link() {
	local name=$1 peer=$2 iface=$3 bridge=$4 ns br addr
	shift 4
	ns=$(netns_ns "$name") br=$(netns_ns br)
	ip -n "$br" link add "$peer" type veth peer name "$iface" netns "$ns"
	ip -n "$br" link set "$peer" master "$bridge" up
	ip -n "$ns" link set "$iface" up
	for addr in "$@"; do
		case $addr in
		*:*) ip -n "$ns" -6 addr add "$addr" dev "$iface" nodad ;;
		*) ip -n "$ns" addr add "$addr" dev "$iface" ;;
		esac
	done
	netns_wait_up "$name" "$iface"
}

# The veth carrier comes up asynchronously; wait for it, bounded.
netns_wait_up() {
	local i iface=${2:-eth0}
	for i in $(seq 50); do
		if ip -n "$(netns_ns "$1")" link show "$iface" | grep -q 'state UP' &&
			! ip -n "$(netns_ns "$1")" addr show dev "$iface" | grep -q tentative; then
			return 0
		fi
		sleep 0.1
	done
	echo "netns: $iface of $1 did not come up" >&2
	return 1
}
