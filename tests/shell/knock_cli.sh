#!/usr/bin/env bash
# knock's command line: exit codes and one-line messages of doc/interface.md
# (64 usage, 66 key/profile missing, 77 not permitted, 69 network), --help,
# --version, --keygen, profiles.  Nothing is sent: every knock here either
# fails before sending or writes with -w.  Needs no root (root adds the
# no-privilege and no-route cases, run in an empty network namespace).
set -eu
top=${SPA_TOP:-$PWD}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
knock=$build/knock
[ -x "$knock" ] || { echo "build $knock first"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# expect CODE PATTERN knock-arguments...: exit status and a stderr line.
expect() {
	local want=$1 pattern=$2 rc=0 lines
	shift 2
	"$knock" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || { fail "knock $*: exit $rc, expected $want: $(cat "$tmp/err")"; return 0; }
	[ -z "$pattern" ] || grep -q -- "$pattern" "$tmp/err" || { fail "knock $*: no '$pattern' in: $(cat "$tmp/err")"; return 0; }
	lines=$(grep -c '^knock: ' "$tmp/err" || true)
	[ "$want" = 0 ] || [ "$lines" = 1 ] || fail "knock $*: $lines 'knock:' lines on stderr"
	echo "ok exit $rc: knock $*"
}

key=$tmp/key
"$knock" --keygen -o "$key"
[ "$(stat -c %a "$key")" = 600 ] || fail "keygen: mode $(stat -c %a "$key")"
grep -qxE '[A-Za-z0-9+/]{43}=' "$key" || fail "keygen: not one base64 line: $(cat "$key")"
cp "$key" "$tmp/key.before"
expect 73 "exists; add -f" --keygen -o "$key"
cmp -s "$key" "$tmp/key.before" || fail "keygen without -f changed the file"
expect 0 "" --keygen -o "$key" -f
cmp -s "$key" "$tmp/key.before" && fail "keygen -f did not write a new key"
"$knock" --keygen | grep -qxE '[A-Za-z0-9+/]{43}=' || fail "keygen to stdout"

w="-w $tmp/k.pcap"
# Key files: missing 66, too open 77, not a key 66; the key never printed.
expect 66 "cannot read key file $tmp/missing" -d 192.0.2.1 -s 192.0.2.2 $w -k "$tmp/missing" ssh
cp "$key" "$tmp/open"; chmod 644 "$tmp/open"
expect 77 "readable by group or others; run chmod 600" -d 192.0.2.1 -s 192.0.2.2 $w -k "$tmp/open" ssh
chmod 640 "$tmp/open"
expect 77 "readable by group or others" -d 192.0.2.1 -s 192.0.2.2 $w -k "$tmp/open" ssh
echo "not a key" >"$tmp/bad"; chmod 600 "$tmp/bad"
expect 66 "does not hold a key" -d 192.0.2.1 -s 192.0.2.2 $w -k "$tmp/bad" ssh
[ ! -e "$tmp/k.pcap" ] || fail "a failed knock wrote $tmp/k.pcap"

# Usage errors: 64 with the usage line or a precise message.
expect 64 "'192.0.2.300' is not an IPv4 or IPv6 address" -d 192.0.2.300 -k "$key" $w ssh
expect 64 "-s 'nowhere' is not an IPv4 or IPv6 address" -d 192.0.2.1 -s nowhere -k "$key" $w ssh
expect 64 "-a 'x' is not an IPv4" -d 192.0.2.1 -s 192.0.2.2 -a x -k "$key" $w ssh
expect 64 "different families" -d 2001:db8::1 -s 192.0.2.2 -k "$key" $w ssh
expect 64 "no destination" -k "$key" $w ssh
expect 64 "no REQUEST" -d 192.0.2.1 -k "$key" $w
expect 64 "request 'a b' is invalid" -d 192.0.2.1 -s 192.0.2.2 -k "$key" $w "a b"
expect 64 "one REQUEST only" -d 192.0.2.1 -k "$key" $w ssh web
expect 64 "-p '0' is not a port" -d 192.0.2.1 -p 0 -k "$key" $w ssh
expect 64 "-S '65536' is not a port" -d 192.0.2.1 -S 65536 -k "$key" $w ssh
expect 64 "no allow address" -d 192.0.2.1 -s 192.0.2.2 -a 192.0.2.3 --classic -k "$key" $w ssh
expect 64 "no key; give -k KEYFILE" -d 192.0.2.1 -s 192.0.2.2 $w ssh
expect 64 "unknown option --no-such-option" --no-such-option
expect 64 "unknown option -x" -x
expect 64 "option -d needs a value" -k "$key" -d
grep -q "^usage: knock" "$tmp/err" || fail "no usage line after a bad option"
expect 64 "go with --keygen" -o "$tmp/x" -d 192.0.2.1 ssh
expect 73 "cannot write $tmp/nodir/k.pcap" -d 192.0.2.1 -s 192.0.2.2 -k "$key" -w "$tmp/nodir/k.pcap" ssh

"$knock" --help | grep -q -- "-w, --write FILE" || fail "--help"
"$knock" --version | grep -qE '^knock [0-9]' || fail "--version"

# -v never shows the key.
"$knock" -v -d 192.0.2.1 -s 192.0.2.2 -k "$key" $w ssh >"$tmp/v" 2>&1
grep -qF "$(cat "$key")" "$tmp/v" && fail "-v printed the key"
grep -q "^wrote src=192.0.2.2 sport=[0-9]* dst=192.0.2.1 dport=5001 format=native request=ssh allow=192.0.2.2 payload=115 frame=155 tag=[0-9a-f]\{64\}$" "$tmp/v" ||
	fail "-v output: $(cat "$tmp/v")"

# -w - writes the pcap file to stdout, and then -v goes to stderr.
if command -v tcpdump >/dev/null; then
	"$knock" -v -d 192.0.2.1 -s 192.0.2.2 -k "$key" -w - ssh 2>"$tmp/v" >"$tmp/stdout.pcap"
	[ "$(tcpdump -r "$tmp/stdout.pcap" -nn 2>/dev/null | grep -c '192.0.2.2.[0-9]* > 192.0.2.1.5001: Flags \[S\]')" = 1 ] ||
		fail "-w - did not write one segment to stdout"
	grep -q "^wrote src=192.0.2.2 " "$tmp/v" || fail "-w - -v: $(cat "$tmp/v")"
fi

# Profiles: ~/.config/spa/knock.conf under $HOME; flags override.
export HOME=$tmp/home
mkdir -p "$HOME/.config/spa"
conf=$HOME/.config/spa/knock.conf
expect 66 "cannot read profile file $conf" -n lab $w
printf '[lab]\naddress = 198.51.100.2\nport = 62201\nsource = 198.51.100.1\nkeyfile = ../../key\nrequest = ssh\n' >"$conf"
cp "$key" "$HOME/key"
expect 0 "" -n lab $w -v
grep -q "^wrote src=198.51.100.1 sport=[0-9]* dst=198.51.100.2 dport=62201 format=native request=ssh " "$tmp/out" ||
	fail "profile values: $(cat "$tmp/out")"
expect 0 "" -n lab $w -v -p 5001 --classic web
grep -q "^wrote src=198.51.100.1 sport=[0-9]* dst=198.51.100.2 dport=5001 format=classic request=web payload=35 " "$tmp/out" ||
	fail "flags over the profile: $(cat "$tmp/out")"
expect 64 "has no \[nope\] section" -n nope $w
printf '[lab]\naddres = 198.51.100.2\n' >"$conf"
expect 64 "knock.conf:2: unknown key 'addres'" -n lab $w
printf '[lab]\naddress = 198.51.100.2\nsource = 198.51.100.1\nkey = %s\nrequest = ssh\n' "$(cat "$key")" >"$conf"
chmod 644 "$conf"
expect 77 "holds a key and is readable by group or others" -n lab $w
chmod 600 "$conf"
expect 0 "" -n lab $w
grep -qF "$(cat "$key")" "$tmp/err" "$tmp/out" && fail "a profile key was printed"

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v setpriv >/dev/null; then
	# An empty network namespace: nothing can leave even if a check is wrong.
	export knock key
	rc=0
	unshare -n setpriv --bounding-set=-net_raw "$knock" -d 192.0.2.1 -s 192.0.2.2 -k "$key" ssh 2>"$tmp/err" || rc=$?
	[ "$rc" = 77 ] && grep -q "raw sockets need root or CAP_NET_RAW" "$tmp/err" ||
		fail "without CAP_NET_RAW: exit $rc: $(cat "$tmp/err")"
	rc=0
	unshare -n "$knock" -d 192.0.2.1 -k "$key" $w ssh 2>"$tmp/err" || rc=$?
	[ "$rc" = 69 ] && grep -q "no route to 192.0.2.1" "$tmp/err" ||
		fail "no route: exit $rc: $(cat "$tmp/err")"
	echo "ok root-only cases: 77 without CAP_NET_RAW, 69 without a route"
elif [ "$(id -u)" != 0 ]; then
	expect 77 "raw sockets need root or CAP_NET_RAW" -d 192.0.2.1 -s 192.0.2.2 -k "$key" ssh
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "knock command line: every exit status and message as expected"
