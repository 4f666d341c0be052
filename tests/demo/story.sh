#!/usr/bin/env bash
# The whole story on one machine, with real parts only: an OpenSSH server
# hidden behind a firewall that drops 22/tcp and the knock port, a scan that
# shows nothing, one knock, ssh in, hidden again after the grant's timeout.
#
#   tests/demo/story.sh [-4|-6] [--format native|signed|classic] [--timeout S]
#                       [--narrate|--quiet] [--record DIR] [--break WHAT]
#
# Three hosts in network namespaces on one bridge (tests/lib/netns.sh),
# documentation addresses only:
#   server    192.0.2.2    2001:db8:2::2   sshd on 22, sniffer (iptables), tcpdump
#   client    192.0.2.1    2001:db8:2::1   holds the key: knock, nmap, ssh
#   stranger  192.0.2.3    2001:db8:2::3   no key: nmap
# Steps, each checked (exit 1 if any did not behave as described):
#   1. nmap from the client: 22/tcp filtered, 5001/tcp filtered (or closed)
#   2. knock from the client; tcpdump on the server records that one segment
#   3. nmap: 22/tcp open for the client, still filtered for the stranger
#   4. ssh from the client runs a command on the server
#   5. after the grant's timeout: 22/tcp filtered for the client again
#   6. teardown: sniffer exits 0 leaving no firewall chain, sshd stopped,
#      namespaces deleted (also on failure, Ctrl-C or SIGTERM)
#
# Options:
#   -4, -6             the address family the client uses (default 4)
#   --format F         native (default), signed (the client's key signs:
#                      knock --keygen --sign, the server holds only the
#                      public key) or classic: the knock's wire format
#   --timeout S        the grant's timeout in seconds (default 5)
#   --narrate          one line per step on stdout (default); --quiet: only
#                      failures and the final verdict
#   --record DIR       keep the captured knock as DIR/real-vF-FORMAT.pcap and
#                      knock with the pcap table's key of alice (of erin for
#                      signed: tests/pcap/sniffer.conf), so the table can
#                      replay it
#   --break WHAT       sabotage one part, to see the checks catch it:
#                      skip-knock  the client never knocks
#                      open-all    the firewall grants 22/tcp to every source
#                      no-close    the sniffer's grant lasts an hour, not S
#
# Needs root, iproute2, iptables, nmap, tcpdump, openssh-server and -client
# (`make deps`); exits 77 with the reason when one is missing.  Uses
# SPA_TOP (default: this tree) and SPA_BUILD (default: build).  sshd runs
# only inside the server namespace, in a private mount and UTS namespace of
# its own: its test user spademo exists only in a copy of /etc/passwd bind-
# mounted there, and /run is a private tmpfs, so nothing on the machine
# changes (see README.md, "make demo").
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${SPA_TOP:-$(cd "$here/../.." && pwd)}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

family=4 format=native grant=5 narrate=1 record='' sabotage=''
usage() {
	sed -n '/^#   tests\/demo/,/^#$/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 64
}
while [ $# -gt 0 ]; do
	case $1 in
	-4 | -6) family=${1#-} ;;
	--family) family=${2:-}; shift ;;
	--format) format=${2:-}; shift ;;
	--timeout) grant=${2:-}; shift ;;
	--narrate) narrate=1 ;;
	--quiet) narrate=0 ;;
	--record) record=${2:-}; shift ;;
	--break) sabotage=${2:-}; shift ;;
	-h | --help) usage ;;
	*) echo "story: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $family in 4 | 6) ;; *) echo "story: family is 4 or 6" >&2; exit 64 ;; esac
case $format in native | signed | classic) ;; *) echo "story: format is native, signed or classic" >&2; exit 64 ;; esac
case $grant in '' | *[!0-9]* | 0*) echo "story: --timeout takes whole seconds, at least 1" >&2; exit 64 ;; esac
case $sabotage in '' | skip-knock | open-all | no-close) ;;
*) echo "story: --break skip-knock, open-all or no-close" >&2; exit 64 ;; esac
if [ -n "$record" ]; then
	[ -d "$record" ] || { echo "story: --record $record: no such directory" >&2; exit 64; }
	record=$(cd "$record" && pwd)
fi

. "$top/tests/lib/netns.sh"
netns_require_root
for cmd in iptables ip6tables nmap tcpdump ssh ssh-keygen unshare ss; do
	command -v "$cmd" >/dev/null || { echo "needs $cmd (make deps installs it)"; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "needs /usr/sbin/sshd: openssh-server (make deps installs it)"; exit 77; }
knock=$build/knock sniffer=$build/sniffer
[ -x "$knock" ] && [ -x "$sniffer" ] || { echo "story: build $knock and $sniffer first (make)" >&2; exit 1; }

if [ "$family" = 4 ]; then
	S=192.0.2.2 C=192.0.2.1 X=192.0.2.3 fam=IPv4 nmap6=()
else
	S=2001:db8:2::2 C=2001:db8:2::1 X=2001:db8:2::3 fam=IPv6 nmap6=(-6)
fi
KNOCK_PORT=5001
SP=$S:$KNOCK_PORT
[ "$family" = 4 ] || SP=[$S]:$KNOCK_PORT

say() { [ "$narrate" = 0 ] || printf '%s\n' "$*"; }
failures=0
fail() {        # a step did not behave as described: say so, go on
	printf '   FAIL: %s\n' "$*"
	failures=$((failures + 1))
}
die() {         # the stage could not be set: nothing else is meaningful
	printf 'story: %s\n' "$*" >&2
	for f in sniffer.log sshd.log; do
		[ -s "$tmp/$f" ] && { echo "--- $f" >&2; tail -20 "$tmp/$f" >&2; }
	done
	exit 1
}

tmp=$(mktemp -d /tmp/spa-story.XXXXXX)
chmod 755 "$tmp"        # sshd reads authorized_keys as the test user
netns_on_cleanup 'rm -rf "$tmp"'
netns_init
netns_host server 192.0.2.2/24 2001:db8:2::2/64 || die "cannot make the server namespace"
netns_host client 192.0.2.1/24 2001:db8:2::1/64 || die "cannot make the client namespace"
netns_host stranger 192.0.2.3/24 2001:db8:2::3/64 || die "cannot make the stranger namespace"

# The server's firewall: 22 and the knock port dropped for everyone; the
# sniffer's setup puts its own chain, SPA, first in INPUT.
for t in iptables ip6tables; do
	{
		netns_exec server $t -w 5 -A INPUT -i lo -j ACCEPT &&
		netns_exec server $t -w 5 -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT &&
		if [ $t = ip6tables ]; then
			# Neighbour discovery (and the rest of ICMPv6), or IPv6 breaks.
			netns_exec server $t -w 5 -A INPUT -p ipv6-icmp -j ACCEPT
		fi &&
		netns_exec server $t -w 5 -A INPUT -p tcp --dport 22 -j DROP &&
		netns_exec server $t -w 5 -A INPUT -p tcp --dport $KNOCK_PORT -j DROP
	} || die "cannot set the server's $t policy"
done

# sshd: its own host key, configuration and test user, all in $tmp.  The user
# spademo is a line in a copy of /etc/passwd that only sshd's private mount
# namespace sees ('*' for a password: none, but not a locked account, which
# sshd refuses without PAM); sshd's privilege separation directory /run/sshd
# lives in a private tmpfs; the UTS namespace gives the server a name.
ssh-keygen -q -t ed25519 -N '' -C spa-demo-host -f "$tmp/hostkey" || die "ssh-keygen failed"
ssh-keygen -q -t ed25519 -N '' -C spa-demo-client -f "$tmp/id" || die "ssh-keygen failed"
cp "$tmp/id.pub" "$tmp/authorized_keys" && chmod 644 "$tmp/authorized_keys"
uid=61000
while getent passwd "$uid" >/dev/null; do uid=$((uid + 1)); done
mkdir -m 755 "$tmp/home" && chown "$uid:65534" "$tmp/home"
{ grep -v '^spademo:' /etc/passwd; echo "spademo:*:$uid:65534:spa demo:$tmp/home:/bin/sh"; } >"$tmp/passwd"
chmod 644 "$tmp/passwd"
cat >"$tmp/sshd_config" <<CONF
Port 22
ListenAddress 0.0.0.0
ListenAddress ::
HostKey $tmp/hostkey
PidFile $tmp/sshd.pid
PubkeyAuthentication yes
AuthorizedKeysFile $tmp/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin no
AllowUsers spademo
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
PrintLastLog no
CONF
netns_exec server unshare --mount --uts --propagation private /bin/sh -c '
	set -e
	echo spa-server >/proc/sys/kernel/hostname
	mount --bind "$1/passwd" /etc/passwd
	mount -t tmpfs -o mode=755,size=1m spa-demo-run /run
	mkdir -m 755 /run/sshd
	exec /usr/sbin/sshd -D -f "$1/sshd_config" -E "$1/sshd.log"' sh "$tmp" &
sshd_pid=$!
listening() { [ "$(netns_exec server ss -Hltn 'sport = :22' | grep -c .)" -ge 2 ]; }
for _ in $(seq 50); do listening && break; sleep 0.1; done
listening || die "sshd is not listening on 22 (IPv4 and IPv6) in the server namespace"

# The sniffer: the key of alice, the action ssh = 22/tcp for $grant s.
# Signed: the client's file holds S || seed, the server's [user] gets the
# two lines knock printed (key =, public =), never the seed.
key_lines="keyfile = $tmp/key"
if [ -n "$record" ] && [ "$format" = signed ]; then
	printf '%s\n' RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4e8lgvDZphV6KwYtDaT+ocDXI0M0BFk+bcPGohK8+C7Q== >"$tmp/key"
	chmod 600 "$tmp/key"
	key_lines=$("$knock" --public -k "$tmp/key") || die "knock --public failed"
elif [ -n "$record" ]; then
	printf '%s\n' PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0= >"$tmp/key"
	chmod 600 "$tmp/key"
elif [ "$format" = signed ]; then
	key_lines=$("$knock" --keygen --sign -o "$tmp/key") || die "knock --keygen --sign failed"
else
	"$knock" --keygen -o "$tmp/key" || die "knock --keygen failed"
fi
sniffer_timeout=$grant
[ "$sabotage" != no-close ] || sniffer_timeout=3600
rules=$top/rules
if [ "$sabotage" = open-all ]; then
	# A broken backend: grants without the source address.
	mkdir "$tmp/rules" && sed 's/ -s {addr}//' "$top/rules/iptables" >"$tmp/rules/iptables"
	rules=$tmp/rules
fi
conf() {        # conf STATE_DIR
	cat <<CONF
[sniffer]
interface = eth0
port = $KNOCK_PORT
formats = native signed classic
firewall = iptables
state = $1
[user alice]
$key_lines
allow = ssh
classic = yes
[action ssh]
open = tcp/22
timeout = $sniffer_timeout
CONF
}
conf "$tmp/state" >"$tmp/sniffer.conf"
conf "" >"$tmp/offline.conf"
chmod 600 "$tmp/sniffer.conf" "$tmp/offline.conf"      # inline keys (signed)
mkdir -m 700 "$tmp/state"
"$sniffer" -R "$rules" -c "$tmp/sniffer.conf" -t || die "sniffer -t refused the configuration"
ip netns exec "$(netns_ns server)" "$sniffer" -f -R "$rules" -c "$tmp/sniffer.conf" >"$tmp/sniffer.log" 2>&1 &
sniffer_pid=$!
for _ in $(seq 50); do grep -qs started "$tmp/sniffer.log" && break; sleep 0.1; done
grep -q started "$tmp/sniffer.log" || die "the sniffer did not start"

# scan FROM: nmap FROM -> server, ports 22 and the knock port.  Prints
# nmap's two words (open, filtered, closed...; "none" if it said nothing).
scan() {
	local out re p22=none pknock=none
	out=$(netns_exec "$1" timeout 30 nmap "${nmap6[@]}" -Pn -n -sS -p 22,$KNOCK_PORT \
		--max-retries 1 --host-timeout 10s -oG - "$S" 2>&1)
	re="[ ,]22/([a-z|]+)/tcp"
	[[ $out =~ $re ]] && p22=${BASH_REMATCH[1]}
	re="[ ,]$KNOCK_PORT/([a-z|]+)/tcp"
	[[ $out =~ $re ]] && pknock=${BASH_REMATCH[1]}
	[ "$p22" != none ] || printf '%s\n' "$out" >"$tmp/nmap-$1.err"
	echo "$p22 $pknock"
}
ports() { echo "22/tcp $P22, $KNOCK_PORT/tcp $PKNOCK"; }
grant_lines() { grep -c "open $C tcp/22" "$tmp/sniffer.log"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

say "spa demo ($fam, $format format).  Server $S: sshd on 22/tcp, its firewall drops 22/tcp"
keyword="a key"
[ "$format" != signed ] || keyword="a signing key (the server holds its public half)"
say "and $KNOCK_PORT/tcp, sniffer watches $KNOCK_PORT/tcp.  Client $C has $keyword; stranger $X has none."

# 1. Nothing to see.
read -r P22 PKNOCK < <(scan client)
say "1. nmap from client: $(ports)"
[ "$P22" = filtered ] || fail "22/tcp should be filtered before the knock"
case $PKNOCK in filtered | closed) ;; *) fail "$KNOCK_PORT/tcp should be filtered or closed" ;; esac

# 2. The knock, recorded by tcpdump on the server as the kernel delivered it.
cap=$tmp/knock.pcap
[ -z "$record" ] || cap=$record/real-v$family-$format.pcap
netns_exec server timeout 10 tcpdump -i eth0 -nn -U -Z root -c 1 -w "$cap" \
	"tcp dst port $KNOCK_PORT" 2>"$tmp/tcpdump.log" &
tcpdump_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$tmp/tcpdump.log" && break; sleep 0.1; done
grep -q "listening on" "$tmp/tcpdump.log" || die "tcpdump did not start: $(cat "$tmp/tcpdump.log")"
classic=()
[ "$format" != classic ] || classic=(--classic)
knock_at=$(now_ms)
if [ "$sabotage" = skip-knock ]; then
	say "2. knock from client: SKIPPED (--break skip-knock)"
else
	netns_exec client timeout 10 "$knock" -k "$tmp/key" -d "$S" -p $KNOCK_PORT "${classic[@]}" ssh ||
		fail "knock exited $?"
	for _ in $(seq 30); do [ "$(grant_lines)" -ge 1 ] && break; sleep 0.1; done
	verdict=$(grep -m1 'verdict=' "$tmp/sniffer.log" |
		grep -oE '(verdict|user|request|allow)=[^ ]+' | tr '\n' ' ')
	say "2. knock from client: one TCP SYN to $SP, $format format, request ssh"
	say "   sniffer: ${verdict:-no verdict logged }-> $([ "$(grant_lines)" -ge 1 ] && echo "22/tcp open for $C for $sniffer_timeout s" || echo "no grant")"
fi
for _ in $(seq 30); do kill -0 "$tcpdump_pid" 2>/dev/null || break; sleep 0.1; done
kill "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null
if [ "$sabotage" != skip-knock ]; then
	# The capture replays through the offline pipeline as an accepted knock.
	frames=$(tcpdump -r "$cap" -nn 2>/dev/null | grep -c .)
	offline=$("$sniffer" -R "$top/rules" -c "$tmp/offline.conf" -r "$cap" 2>&1)
	case $frames/$offline in
	"1/frame=1 "*" src=$C "*" dst=$S dport=$KNOCK_PORT proto=tcp verdict=accepted user=alice request=ssh allow=$C") ;;
	*) fail "tcpdump's capture of the knock: $frames frame(s), offline: $offline" ;;
	esac
	[ -z "$record" ] || say "   recorded: $cap"
fi

# 3. Open for the client only.
scan client >"$tmp/scan-client" &
scan_pid=$!
read -r x22 _ < <(scan stranger)
wait "$scan_pid"
read -r c22 _ <"$tmp/scan-client"
say "3. nmap from client: 22/tcp $c22; from stranger: 22/tcp $x22"
[ "$c22" = open ] || fail "22/tcp should be open for the client after the knock"
[ "$x22" = filtered ] || fail "22/tcp should stay filtered for the stranger"

# 4. ssh in.
out=$(netns_exec client timeout 20 ssh -F /dev/null -i "$tmp/id" -o IdentitiesOnly=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
	-o ConnectTimeout=5 -o LogLevel=ERROR "spademo@$S" \
	'echo "hello from the server: $(id -un)@$(uname -n), connection $SSH_CONNECTION"' 2>"$tmp/ssh.err")
rc=$?
say "4. ssh from client: ${out:-(no output) $(tr '\n' ' ' <"$tmp/ssh.err")}"
case $rc/$out in
"0/hello from the server: spademo@spa-server, connection $C "*" $S 22") ;;
*) fail "ssh should run the command on the server (exit $rc)" ;;
esac
elapsed=$(($(now_ms) - knock_at))
[ "$elapsed" -lt $((grant * 1000)) ] || [ "$sabotage" = skip-knock ] ||
	say "   (steps 3-4 took ${elapsed} ms, longer than the grant: use a longer --timeout)"

# 5. Hidden again once the grant's time is up (with 2 s for the close to run).
left=$((knock_at + grant * 1000 + 2000 - $(now_ms)))
[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
read -r P22 PKNOCK < <(scan client)
closed=$(grep -c "close $C tcp/22" "$tmp/sniffer.log")
say "5. $grant s later, nmap from client: 22/tcp $P22 ($([ "$closed" -ge 1 ] && echo "the sniffer closed the grant" || echo "the sniffer closed nothing"))"
[ "$P22" = filtered ] || fail "22/tcp should be filtered again after the grant's $grant s"

# 6. Teardown, checked: the sniffer closes its chain and exits 0 on SIGTERM.
kill -TERM "$sniffer_pid"
for _ in $(seq 50); do kill -0 "$sniffer_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$sniffer_pid" 2>/dev/null; then
	fail "the sniffer did not exit within 5 s of SIGTERM"
	kill -KILL "$sniffer_pid"
fi
wait "$sniffer_pid"
src=$?
[ "$src" = 0 ] || fail "the sniffer exited $src on SIGTERM"
for t in iptables ip6tables; do
	! netns_exec server $t -w 5 -S SPA >/dev/null 2>&1 || fail "$t chain SPA left behind"
done
kill -TERM "$sshd_pid" 2>/dev/null
wait "$sshd_pid" 2>/dev/null
if [ "$failures" -gt 0 ]; then
	[ -s "$tmp/sniffer.log" ] && { echo "--- sniffer log"; tail -15 "$tmp/sniffer.log"; }
	for f in "$tmp"/nmap-*.err; do [ -e "$f" ] && { echo "--- $f"; cat "$f"; }; done
fi
prefix=$NETNS_PREFIX
netns_cleanup
left=$(ip netns list | grep -c "^$prefix-")
[ "$left" = 0 ] || fail "$left namespace(s) left behind"
say "6. torn down: the sniffer exited $src and removed its chain, sshd stopped, namespaces deleted"

if [ "$failures" -gt 0 ]; then
	echo "story ($fam, $format): $failures step(s) did not behave as described"
	exit 1
fi
echo "story ($fam, $format): every step behaved as described"
