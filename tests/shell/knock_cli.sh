#!/usr/bin/env bash
# knock's command line: exit codes and one-line messages of doc/interface.md
# (64 usage, 66 key/profile missing, 77 not permitted, 69 network), --help,
# --version, --keygen, --keygen --sign and --public, signed knocks,
# profiles.  Nothing is sent: every knock here either
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

# b64bytes TEXT: how many bytes the base64 TEXT decodes to.
b64bytes() { printf '%s' "$1" | base64 -d 2>/dev/null | wc -c; }
# public_of_seed KEYFILE: base64 of the Ed25519 public key of the seed in
# the signing key file (bytes 32..63), computed by openssl(1), not by knock.
public_of_seed() {
	{ printf '302e020100300506032b657004220420' | xxd -r -p
	  base64 -d <"$1" | tail -c 32; } |
		openssl pkey -inform DER -pubout -outform DER | tail -c 32 | base64
}
have_openssl=0
command -v openssl >/dev/null && command -v xxd >/dev/null && have_openssl=1

# --keygen --sign -o: the key file holds S || seed (88 characters, 0600);
# stdout the server's two lines: key = S and public = the seed's key.
sk=$tmp/signkey
expect 0 "" --keygen --sign -o "$sk"
[ "$(stat -c %a "$sk")" = 600 ] || fail "keygen --sign: mode $(stat -c %a "$sk")"
[ "$(wc -l <"$sk")" = 1 ] && grep -qxE '[A-Za-z0-9+/]{86}==' "$sk" ||
	fail "keygen --sign: not one line of 88 base64 characters: $(cat "$sk")"
[ "$(b64bytes "$(cat "$sk")")" = 64 ] || fail "keygen --sign: not 64 bytes"
cp "$tmp/out" "$tmp/sign.lines"
[ "$(wc -l <"$tmp/sign.lines")" = 2 ] || fail "keygen --sign printed: $(cat "$tmp/sign.lines")"
skey=$(sed -n 's/^key = //p' "$tmp/sign.lines")
spub=$(sed -n 's/^public = //p' "$tmp/sign.lines")
[ "$(sed -n 1p "$tmp/sign.lines")" = "key = $skey" ] && [ "$(sed -n 2p "$tmp/sign.lines")" = "public = $spub" ] ||
	fail "keygen --sign: lines not 'key = ' then 'public = ': $(cat "$tmp/sign.lines")"
[ "${#skey}" = 44 ] && [ "$(b64bytes "$skey")" = 32 ] || fail "keygen --sign: key = '$skey' is not 32 bytes"
[ "${#spub}" = 44 ] && [ "$(b64bytes "$spub")" = 32 ] || fail "keygen --sign: public = '$spub' is not 32 bytes"
[ "$(base64 -d <"$sk" | head -c 32 | base64)" = "$skey" ] || fail "keygen --sign: key = is not the file's S"
if [ "$have_openssl" = 1 ]; then
	[ "$(public_of_seed "$sk")" = "$spub" ] || fail "keygen --sign: public = is not the seed's public key"
fi
grep -qF "$(cat "$sk")" "$tmp/sign.lines" && fail "keygen --sign -o printed the key file's line"
# --public prints the same two lines, never the seed.
expect 0 "" --public -k "$sk"
cmp -s "$tmp/out" "$tmp/sign.lines" || fail "--public printed: $(cat "$tmp/out")"
cp "$sk" "$tmp/signkey.before"
expect 73 "exists; add -f" --keygen --sign -o "$sk"
cmp -s "$sk" "$tmp/signkey.before" || fail "keygen --sign without -f changed the file"
[ -s "$tmp/out" ] && fail "keygen --sign printed lines for a key it did not write"
expect 0 "" --keygen --sign -o "$sk" -f
cmp -s "$sk" "$tmp/signkey.before" && fail "keygen --sign -f did not write a new key"
expect 0 "" --public -k "$sk"
cmp -s "$tmp/out" "$tmp/sign.lines" && fail "--public after -f: the old lines"
cp "$tmp/signkey.before" "$sk"
# Without -o: the key file's line, then the two server lines.
expect 0 "" --keygen --sign
[ "$(wc -l <"$tmp/out")" = 3 ] && sed -n 1p "$tmp/out" | grep -qxE '[A-Za-z0-9+/]{86}==' &&
	sed -n 2p "$tmp/out" | grep -qxE 'key = [A-Za-z0-9+/]{43}=' &&
	sed -n 3p "$tmp/out" | grep -qxE 'public = [A-Za-z0-9+/]{43}=' ||
	fail "keygen --sign to stdout: $(cat "$tmp/out")"
sed -n 1p "$tmp/out" >"$tmp/printed"; chmod 600 "$tmp/printed"
[ "$(base64 -d <"$tmp/printed" | head -c 32 | base64)" = "$(sed -n 's/^key = //p' "$tmp/out")" ] ||
	fail "keygen --sign to stdout: key = is not the first line's S"
sed -n '2,3p' "$tmp/out" >"$tmp/printed.lines"
expect 0 "" --public -k "$tmp/printed"
cmp -s "$tmp/out" "$tmp/printed.lines" || fail "--public of the printed key: $(cat "$tmp/out")"
# --public refuses a 32-byte secret (66), a key file too open (77), and
# goes with -k or -n alone (64).
expect 66 "key file $key is a 32-byte secret, not a signing key" --public -k "$key"
[ -s "$tmp/out" ] && fail "--public of a 32-byte key printed: $(cat "$tmp/out")"
cp "$sk" "$tmp/signopen"; chmod 640 "$tmp/signopen"
expect 77 "readable by group or others" --public -k "$tmp/signopen"
expect 66 "cannot read key file $tmp/missing" --public -k "$tmp/missing"
expect 64 "--public needs a signing key" --public
expect 64 "--public takes only -k KEYFILE or -n PROFILE" --public -k "$sk" -d 192.0.2.1
expect 64 "--keygen and --public exclude each other" --keygen --public -k "$sk"
expect 64 "--sign goes with --keygen" --sign -d 192.0.2.1 -k "$sk" ssh
expect 64 "--keygen takes only --sign, -o FILE and -f" --keygen --sign -k "$sk"

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

# A signing key sends the signed format: 179 bytes of TCP payload, IPv4
# and IPv6, whose signature openssl(1) verifies; never with --classic.
expect 0 "" -v -d 192.0.2.1 -s 192.0.2.2 -k "$sk" -w "$tmp/signed.pcap" ssh
grep -q "^wrote src=192.0.2.2 sport=[0-9]* dst=192.0.2.1 dport=5001 proto=tcp format=signed request=ssh allow=192.0.2.2 payload=179 frame=219 tag=[0-9a-f]\{64\}$" "$tmp/out" ||
	fail "signed -v output: $(cat "$tmp/out")"
grep -qF "$(cat "$sk")" "$tmp/out" "$tmp/err" && fail "a signed knock printed the key"
expect 0 "" -v -d 2001:db8::1 -s 2001:db8::2 -p 62201 -k "$sk" -w "$tmp/signed6.pcap" backup:full
grep -q " format=signed request=backup:full allow=2001:db8::2 payload=179 frame=239 " "$tmp/out" ||
	fail "signed IPv6 -v output: $(cat "$tmp/out")"
if command -v tcpdump >/dev/null; then
	. "$top/tests/lib/pcapcheck.sh"
	pcap_segment "$tmp/signed.pcap" || fail "signed.pcap is not one valid TCP segment"
	[ "$SEG_LEN $SEG_DST $SEG_DPORT $SEG_FLAGS" = "179 192.0.2.1 5001 S" ] ||
		fail "signed.pcap: tcpdump saw $SEG_DST.$SEG_DPORT [$SEG_FLAGS] length $SEG_LEN"
	if [ "$have_openssl" = 1 ]; then
		# "spa/1 sig" || native[115] || ::ffff:192.0.2.1 || u16(5001)
		{ printf 'spa/1 sig'
		  printf '%s00000000000000000000ffffc00002011389' "${SEG_PAYLOAD:0:230}" | xxd -r -p; } >"$tmp/sig.msg"
		printf '%s' "${SEG_PAYLOAD:230}" | xxd -r -p >"$tmp/sig.bin"
		{ printf '302a300506032b6570032100' | xxd -r -p; printf '%s' "$spub" | base64 -d; } |
			openssl pkey -pubin -inform DER -out "$tmp/pub.pem"
		openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/sig.msg" \
			-sigfile "$tmp/sig.bin" >/dev/null 2>&1 || fail "openssl does not verify the signed knock's signature"
		printf '%s00000000000000000000ffffc00002021389' "${SEG_PAYLOAD:0:230}" | xxd -r -p |
			cat <(printf 'spa/1 sig') - >"$tmp/sig.other"
		openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/sig.other" \
			-sigfile "$tmp/sig.bin" >/dev/null 2>&1 && fail "the signature holds for another server"
		echo "ok openssl verifies the signed knock's signature"
	fi
	pcap_segment "$tmp/signed6.pcap" || fail "signed6.pcap is not one valid TCP segment"
	[ "$SEG_LEN $SEG_DPORT" = "179 62201" ] || fail "signed6.pcap: length $SEG_LEN to port $SEG_DPORT"
	echo "ok tcpdump reads 179-byte signed knocks"
fi
rm -f "$tmp/k.pcap"
expect 64 "key file $sk is a signing key, and the classic format carries no signature; drop --classic" \
	-d 192.0.2.1 -s 192.0.2.2 -k "$sk" --classic $w ssh
[ ! -e "$tmp/k.pcap" ] || fail "--classic with a signing key wrote $tmp/k.pcap"
echo "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" >"$tmp/bad48"; chmod 600 "$tmp/bad48"
expect 66 "does not hold a key (one line of base64: 32 bytes, or 64" -d 192.0.2.1 -s 192.0.2.2 $w -k "$tmp/bad48" ssh

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
expect 64 "-p '+22' is not a port" -d 192.0.2.1 -p +22 -k "$key" $w ssh
expect 64 "-p ' 22' is not a port" -d 192.0.2.1 -p ' 22' -k "$key" $w ssh
expect 64 "no allow address" -d 192.0.2.1 -s 192.0.2.2 -a 192.0.2.3 --classic -k "$key" $w ssh
expect 64 "no key; give -k KEYFILE" -d 192.0.2.1 -s 192.0.2.2 $w ssh
expect 64 "unknown option --no-such-option" --no-such-option
expect 64 "unknown option -x" -x
expect 64 "option -d needs a value" -k "$key" -d
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "a bad option printed more than one line: $(cat "$tmp/err")"
grep -qx "knock: option -d needs a value (knock -h for help)" "$tmp/err" || fail "usage line: $(cat "$tmp/err")"
expect 64 "^knock: no REQUEST.*(knock -h for help)$" -d 192.0.2.1 -k "$key" $w
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "a missing request printed more than one line: $(cat "$tmp/err")"
expect 64 "-4 and -6 exclude each other" -4 -6 -d 192.0.2.1 -k "$key" $w ssh
"$knock" -h | grep -q "^usage: knock" || fail "-h lost the usage lines"
"$knock" -h | grep -q -- "-4, -6" || fail "-h does not name -4 and -6"
expect 64 "go with --keygen" -o "$tmp/x" -d 192.0.2.1 ssh
expect 73 "cannot write $tmp/nodir/k.pcap" -d 192.0.2.1 -s 192.0.2.2 -k "$key" -w "$tmp/nodir/k.pcap" ssh

"$knock" --help | grep -q -- "-w, --write FILE" || fail "--help"
"$knock" --version | grep -qE '^knock [0-9]' || fail "--version"

# Host names: resolved before the MAC is made, -4/-6 pick the family, -v
# and the frame show the address used.  Only localhost, numeric text and
# .invalid (RFC 6761: never resolves); nothing is sent.
"$knock" -v -4 -d localhost -k "$key" $w ssh >"$tmp/v" 2>&1 || fail "-4 -d localhost: $(cat "$tmp/v")"
grep -q "^wrote src=127.0.0.1 sport=[0-9]* dst=127.0.0.1 dport=5001 " "$tmp/v" || fail "-4 -d localhost -v: $(cat "$tmp/v")"
if command -v tcpdump >/dev/null; then
	tcpdump -r "$tmp/k.pcap" -nn 2>/dev/null | grep -q '127.0.0.1.[0-9]* > 127.0.0.1.5001: Flags \[S\]' ||
		fail "-4 -d localhost: the pcap's destination is not 127.0.0.1"
fi
if getent ahostsv6 localhost | grep -q '^::1 '; then
	"$knock" -v -6 -d localhost -s ::1 -k "$key" $w ssh >"$tmp/v" 2>&1 || fail "-6 -d localhost: $(cat "$tmp/v")"
	grep -q "^wrote src=::1 sport=[0-9]* dst=::1 " "$tmp/v" || fail "-6 -d localhost -v: $(cat "$tmp/v")"
else
	echo "skip -6 -d localhost: localhost has no IPv6 address here"
fi
"$knock" -v -d localhost -s 127.0.0.2 -k "$key" $w ssh >"$tmp/v" 2>&1 || fail "-d localhost -s 127.0.0.2: $(cat "$tmp/v")"
grep -q " dst=127.0.0.1 " "$tmp/v" || fail "-d localhost with an IPv4 -s: $(cat "$tmp/v")"
expect 64 "-d '192.0.2.1' is not an IPv6 address" -6 -d 192.0.2.1 -k "$key" $w ssh
start=$(date +%s)
"$knock" -d no-such-host.invalid -k "$key" $w ssh >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
if [ $(( $(date +%s) - start )) -gt 5 ]; then
	echo "skip no-such-host.invalid: the resolver took more than 5 s (no DNS?)"
else
	invalid_fast=1
	[ "$rc" = 68 ] || fail "-d no-such-host.invalid: exit $rc: $(cat "$tmp/err")"
	grep -qx "knock: cannot resolve no-such-host.invalid: .*" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] ||
		fail "-d no-such-host.invalid: $(cat "$tmp/err")"
fi

# --keygen -o makes the missing directories, 0700, and leaves existing ones.
(
	export HOME=$tmp/kghome
	mkdir -m 0755 "$HOME"
	"$knock" --keygen -o "$HOME/.config/spa/lab.key" || exit 1
	[ "$(stat -c %a "$HOME")" = 755 ] || echo "FAIL keygen changed HOME's mode"
	[ "$(stat -c %a "$HOME/.config")" = 700 ] && [ "$(stat -c %a "$HOME/.config/spa")" = 700 ] ||
		echo "FAIL keygen -o: directory modes $(stat -c %a "$HOME/.config" "$HOME/.config/spa")"
	[ "$(stat -c %a "$HOME/.config/spa/lab.key")" = 600 ] || echo "FAIL keygen -o: key mode"
	"$knock" --keygen --sign -o "$HOME/s/signing.key" >/dev/null || exit 1
	[ "$(stat -c %a "$HOME/s")" = 700 ] || echo "FAIL keygen --sign -o: directory mode"
) >"$tmp/kg" 2>&1 || fail "keygen -o into missing directories: $(cat "$tmp/kg")"
! grep FAIL "$tmp/kg" || fails=$((fails + 1))
touch "$tmp/plainfile"
expect 73 "^knock: cannot create directory $tmp/plainfile: Not a directory$" --keygen -o "$tmp/plainfile/sub/k"

# -v never shows the key.
"$knock" -v -d 192.0.2.1 -s 192.0.2.2 -k "$key" $w ssh >"$tmp/v" 2>&1
grep -qF "$(cat "$key")" "$tmp/v" && fail "-v printed the key"
grep -q "^wrote src=192.0.2.2 sport=[0-9]* dst=192.0.2.1 dport=5001 proto=tcp format=native request=ssh allow=192.0.2.2 payload=115 frame=155 tag=[0-9a-f]\{64\}$" "$tmp/v" ||
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
grep -q "^wrote src=198.51.100.1 sport=[0-9]* dst=198.51.100.2 dport=62201 proto=tcp format=native request=ssh " "$tmp/out" ||
	fail "profile values: $(cat "$tmp/out")"
expect 0 "" -n lab $w -v -p 5001 --classic web
grep -q "^wrote src=198.51.100.1 sport=[0-9]* dst=198.51.100.2 dport=5001 proto=tcp format=classic request=web payload=35 " "$tmp/out" ||
	fail "flags over the profile: $(cat "$tmp/out")"
expect 64 "has no \[nope\] section" -n nope $w
printf '[lab]\naddress = localhost\nkeyfile = ../../key\nrequest = ssh\n' >"$conf"
expect 0 "" -n lab -4 $w -v
grep -q "^wrote src=127.0.0.1 sport=[0-9]* dst=127.0.0.1 " "$tmp/out" || fail "profile address = localhost: $(cat "$tmp/out")"
printf '[lab]\naddress = no-such-host.invalid\nkeyfile = ../../key\nrequest = ssh\n' >"$conf"
[ -z "${invalid_fast:-}" ] || expect 68 "^knock: cannot resolve no-such-host.invalid: " -n lab $w
printf '[lab]\naddress = a host\n' >"$conf"
expect 64 "knock.conf:2: address: expected an IPv4 or IPv6 address or a host name" -n lab $w
printf '[lab]\naddres = 198.51.100.2\n' >"$conf"
expect 64 "knock.conf:2: unknown key 'addres'" -n lab $w
printf '[lab]\naddress = 198.51.100.2\nsource = 198.51.100.1\nkey = %s\nrequest = ssh\n' "$(cat "$key")" >"$conf"
chmod 644 "$conf"
expect 77 "holds a key and is readable by group or others" -n lab $w
chmod 600 "$conf"
expect 0 "" -n lab $w
grep -qF "$(cat "$key")" "$tmp/err" "$tmp/out" && fail "a profile key was printed"
# A profile's signing key, inline or in a file: signed knocks, --public.
printf '[lab]\naddress = 198.51.100.2\nsource = 198.51.100.1\nkey = %s\nrequest = ssh\n' "$(cat "$sk")" >"$conf"
expect 0 "" -n lab $w -v
grep -q " format=signed request=ssh allow=198.51.100.1 payload=179 " "$tmp/out" || fail "profile signing key: $(cat "$tmp/out")"
grep -qF "$(cat "$sk")" "$tmp/err" "$tmp/out" && fail "a profile signing key was printed"
expect 0 "" --public -n lab
cmp -s "$tmp/out" "$tmp/sign.lines" || fail "--public -n lab: $(cat "$tmp/out")"
printf '[lab]\naddress = 198.51.100.2\nsource = 198.51.100.1\nkeyfile = ../../signkey\nformat = classic\n' >"$conf"
cp "$sk" "$HOME/signkey"
expect 64 "is a signing key, and the classic format carries no signature; drop the profile's format = classic" -n lab $w ssh
expect 0 "" -n lab $w -v --native ssh
grep -q " format=signed " "$tmp/out" || fail "--native over a profile's classic, signing key: $(cat "$tmp/out")"
expect 0 "" --public -n lab
cmp -s "$tmp/out" "$tmp/sign.lines" || fail "--public -n lab (keyfile): $(cat "$tmp/out")"
printf '[lab]\naddress = 198.51.100.2\nkey = %s\n' "$(cat "$key")" >"$conf"
expect 66 "the key of profile \[lab\] is a 32-byte secret, not a signing key" --public -n lab

# An allow no grant can mean is refused before anything is sent.
expect 64 "^knock: -a '0.0.0.0' is an address no grant can mean" -d 192.0.2.1 -s 192.0.2.2 -a 0.0.0.0 -k "$key" -w "$tmp/x.pcap" ssh
expect 64 "^knock: -a 'ff02::1' is an address no grant can mean" -d 2001:db8::1 -s 2001:db8::2 -a ff02::1 -k "$key" -w "$tmp/x.pcap" ssh

# UDP: -s only with -w (a socket cannot spoof), the profile's transport,
# and the frame -w writes is a UDP datagram.
expect 64 "^knock: -s sets the source of a raw TCP SYN; a UDP knock goes from the kernel's own address" -d 192.0.2.1 -s 192.0.2.2 -k "$key" --udp ssh
expect 64 "^knock: --udp and --tcp exclude each other" -d 192.0.2.1 -k "$key" --udp --tcp ssh
expect 64 "^knock: --keygen takes only" --keygen --udp
expect 0 "" -d 192.0.2.1 -s 192.0.2.2 -k "$key" --udp -w "$tmp/udp.pcap" -v ssh
grep -q "^wrote src=192.0.2.2 sport=[0-9]* dst=192.0.2.1 dport=5001 proto=udp format=native request=ssh allow=192.0.2.2 payload=115 frame=143 " "$tmp/out" ||
	fail "--udp -w -v: $(cat "$tmp/out")"
# Byte 9 of the IPv4 header (record data at 40) is the protocol: 17.
[ "$(od -An -tu1 -j49 -N1 "$tmp/udp.pcap" | tr -d ' ')" = 17 ] || fail "--udp -w: not a UDP datagram"
printf '[lab]\naddress = 198.51.100.2\nsource = 198.51.100.1\nkeyfile = ../../key\ntransport = udp\n' >"$conf"
expect 64 "^knock: the profile's source = sets the source of a raw TCP SYN" -n lab ssh
expect 0 "" -n lab $w -v ssh
grep -q " proto=udp " "$tmp/out" || fail "transport = udp: $(cat "$tmp/out")"
expect 0 "" -n lab $w -v --tcp ssh
grep -q " proto=tcp " "$tmp/out" || fail "--tcp over transport = udp: $(cat "$tmp/out")"
printf '[lab]\naddress = 198.51.100.2\ntransport = sctp\n' >"$conf"
expect 64 "knock.conf:3: transport: expected tcp .* or udp" -n lab ssh

# -l: names and servers, never keys, in the file's order.
printf '[lab]\naddress = 198.51.100.2\nkey = %s\n\n[home]\naddress = gw.example\nport = 62201\ntransport = udp\nstun = 203.0.113.3\n[lab]\nrequest = ssh\n[v6]\nstun = [2001:db8::3]:3479\n' "$(cat "$key")" >"$conf"
chmod 600 "$conf"
expect 0 "" -l
printf 'lab address=198.51.100.2 port=5001 transport=tcp\nhome address=gw.example port=62201 transport=udp stun=203.0.113.3:3478\nv6 address=- port=5001 transport=tcp stun=[2001:db8::3]:3479\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" || fail "-l: $(cat "$tmp/out")"
grep -qF "$(cat "$key")" "$tmp/out" "$tmp/err" && fail "-l printed a key"
expect 64 "^knock: -l takes no other option" -l -n lab
chmod 644 "$conf"
expect 77 "holds a key and is readable by group or others" -l
rm "$conf"
expect 66 "cannot read profile file" -l

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v setpriv >/dev/null; then
	# An empty network namespace: nothing can leave even if a check is wrong.
	export knock key
	rc=0
	unshare -n setpriv --bounding-set=-net_raw "$knock" -d 192.0.2.1 -s 192.0.2.2 -k "$key" ssh 2>"$tmp/err" || rc=$?
	[ "$rc" = 77 ] && grep -q "a TCP knock needs root or CAP_NET_RAW; send it over UDP with --udp" "$tmp/err" ||
		fail "without CAP_NET_RAW: exit $rc: $(cat "$tmp/err")"
	rc=0
	unshare -n "$knock" -d 192.0.2.1 -k "$key" $w ssh 2>"$tmp/err" || rc=$?
	[ "$rc" = 69 ] && grep -q "no route to 192.0.2.1" "$tmp/err" ||
		fail "no route: exit $rc: $(cat "$tmp/err")"
	echo "ok root-only cases: 77 without CAP_NET_RAW, 69 without a route"
elif [ "$(id -u)" != 0 ]; then
	expect 77 "a TCP knock needs root or CAP_NET_RAW; send it over UDP with --udp" -d 192.0.2.1 -s 192.0.2.2 -k "$key" ssh
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "knock command line: every exit status and message as expected"
