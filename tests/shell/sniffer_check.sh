#!/usr/bin/env bash
# sniffer -t: every example configuration in doc/examples/, with each
# firewall backend of rules/, exits 0 and prints nothing (but, without root,
# what it could not check); broken ones exit
# 78 with FILE:LINE: on stderr.
set -eu
sniffer=$SPA_TOP/$SPA_BUILD/sniffer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every file written here is private: a configuration with inline keys is
# read only when group and others may not read it.
umask 077
cp doc/examples/*.conf "$tmp/"
for k in alice bob backup; do
	"$SPA_TOP/$SPA_BUILD/knock" --keygen -o "$tmp/$k.key" >/dev/null
done
for conf in "$tmp"/*.conf; do
	for backend in rules/*; do
		b=$(basename "$backend")
		sed "s|^firewall = .*|firewall = $b|" "$conf" >"$tmp/try.conf"
		out=$("$sniffer" -R rules -c "$tmp/try.conf" -t 2>&1) || {
			echo "sniffer -t on $(basename "$conf") with $b failed: $out"; exit 1; }
		# Without root, what only root could check is named, not an error.
		out=$(printf '%s\n' "$out" | grep -v '^sniffer: not checked without root: ' || true)
		[ -z "$out" ] || { echo "sniffer -t printed: $out"; exit 1; }
	done
done
# Broken configurations: exit 78 within 5 s, "FILE:" then want (the line
# and the message) at the start of the one line printed.
expect_78() {
	local want=$1 conf=${2:-$tmp/bad.conf} rc=0 out
	out=$(timeout 5 "$sniffer" -R rules -c "$conf" -t 2>&1) || rc=$?
	[ "$rc" = 78 ] || { echo "exit $rc, want 78: $out"; exit 1; }
	case $out in "$conf:$want"*) ;; *) echo "want $conf:$want..., got: $out"; exit 1 ;; esac
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || { echo "more than one line: $out"; exit 1; }
	OUT=$out
}
printf '[sniffer]\nport = 5001\nwindow = soon\n' >"$tmp/bad.conf"
expect_78 "3: "
printf '[sniffer]\nfirewall = nosuch\n' >"$tmp/bad.conf"
rc=0; out=$("$sniffer" -R rules -c "$tmp/bad.conf" -t 2>&1) || rc=$?
[ "$rc" = 78 ] && case $out in *nosuch*) ;; *) false ;; esac || { echo "unknown backend: exit $rc: $out"; exit 1; }
printf '[user alice]\nkey = AAAA\nallow = ssh\n[action ssh]\nopen = tcp/22\n' >"$tmp/bad.conf"
expect_78 "2: "
printf '[sniffer]\ncolour = blue\n' >"$tmp/bad.conf"
expect_78 "2: "
# Inline keys: only in a file that group and others may not read or write.
key=PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=
printf '[user alice]\nkey = %s\nallow = ssh\n[action ssh]\nopen = tcp/22\n' "$key" >"$tmp/bad.conf"
"$sniffer" -R rules -c "$tmp/bad.conf" -t
for mode in 644 640 604 660 620 602; do
	chmod "$mode" "$tmp/bad.conf"
	expect_78 " holds inline keys (line 2) but group or others may read or write it (mode 0$mode): chmod 600 $tmp/bad.conf"
done
# A key pasted in the wrong place is refused, and never printed.
for place in "allow = %s" "allow = ssh %s" "interface = %s" "kye = %s" "nat = %s"; do
	printf "[user alice]\nkeyfile = alice.key\n$place\n[action ssh]\nopen = tcp/22\n" "$key" >"$tmp/bad.conf"
	case $place in interface*) sed -i '1i [sniffer]' "$tmp/bad.conf" ;; esac
	rc=0; out=$("$sniffer" -R rules -c "$tmp/bad.conf" -t 2>&1) || rc=$?
	[ "$rc" = 78 ] || { echo "'$place' with a key: exit $rc: $out"; exit 1; }
	case $out in *"${key:0:12}"*|*"${key:12:12}"*|*"${key:30:12}"*)
		echo "'$place': the key is in the message: $out"; exit 1 ;; esac
done
# One key, two users.
printf '[user alice]\nkeyfile = alice.key\n[user bob]\nkeyfile = bob.key\n[user eve]\nkeyfile = alice.key\n' >"$tmp/bad.conf"
expect_78 "6: user eve has the same key as user alice (line 2): every knock would go to alice"
# A key file in a directory that others may write (anyone could swap it).
mkdir "$tmp/shared"
cp "$tmp/alice.key" "$tmp/shared/alice.key"
chmod 1777 "$tmp/shared"
printf '[user alice]\nkeyfile = shared/alice.key\n' >"$tmp/bad.conf"
expect_78 "2: key file '$tmp/shared/alice.key' is in a directory that group or others may write ('$tmp/shared', mode 01777)"
chmod 755 "$tmp/shared"
"$sniffer" -R rules -c "$tmp/bad.conf" -t
# run_as is looked up at load time: an unknown user is a configuration error.
printf '[action backup]\nrun = /bin/true {addr}\nrun_as = no-such-user-spa\n' >"$tmp/bad.conf"
expect_78 "3: run_as user no-such-user-spa does not exist"
# Only a regular file, of at most 16 MiB, is read: a FIFO or /dev/zero is
# refused at once instead of blocking or reading forever.
mkfifo "$tmp/fifo"
expect_78 " is a FIFO, not a regular file" "$tmp/fifo"
expect_78 " is a character device, not a regular file" /dev/zero
expect_78 " is a directory, not a regular file" "$tmp"
head -c 16777217 /dev/zero | tr '\0' '#' >"$tmp/big.conf"
expect_78 " is larger than 16 MiB (16777217 bytes)" "$tmp/big.conf"
# expires = : a malformed date is an error with its line; a day already
# past is one warning line, exit 0 (the file is right, only out of date).
rm -f "$tmp/bad.conf"
printf '[user alice]\nkey = %s\nexpires = 2027-02-30\n' "$key" >"$tmp/bad.conf"
expect_78 "3: expires must be a date YYYY-MM-DD"
printf '[user alice]\nkey = %s\nfrom = 192.0.2.0/24\nexpires = 2020-01-31\n' "$key" >"$tmp/old.conf"
out=$("$sniffer" -R rules -c "$tmp/old.conf" -t 2>&1) || { echo "expired user: exit $?: $out"; exit 1; }
out=$(printf '%s\n' "$out" | grep -v '^sniffer: not checked without root: ' || true)
[ "$out" = "$tmp/old.conf:4: warning: user alice expired at the end of 2020-01-31 (UTC): every knock of it is denied" ] ||
	{ echo "expired user: got: $out"; exit 1; }
printf '[user alice]\nkey = %s\nexpires = 9999-12-31\n' "$key" >"$tmp/old.conf"
out=$("$sniffer" -R rules -c "$tmp/old.conf" -t 2>&1 | grep -v '^sniffer: not checked without root: ' || true)
[ -z "$out" ] || { echo "a user not expired: $out"; exit 1; }
# forward = needs a backend with forward_open and forward_close: -t names
# the action's line; with iptables, nft and nft-set it passes.
printf '[user alice]\nkey = %s\nallow = fwd\n[action fwd]\ntimeout = 60\nforward = tcp/2222 192.0.2.10:22\n' "$key" >"$tmp/fwd.conf"
for b in ufw ipset; do
	sed -i '/^\[sniffer\]/d; /^firewall =/d' "$tmp/fwd.conf"
	sed -i "1i [sniffer]\nfirewall = $b" "$tmp/fwd.conf"
	expect_78 "8: action fwd forwards to an IPv4 host, but firewall = $b (rules/$b) has no forward_open and forward_close for IPv4" "$tmp/fwd.conf"
done
for b in iptables nft nft-set; do
	sed -i "s/^firewall = .*/firewall = $b/" "$tmp/fwd.conf"
	out=$("$sniffer" -R rules -c "$tmp/fwd.conf" -t 2>&1 | grep -v '^sniffer: not checked without root: ' || true)
	[ -z "$out" ] || { echo "forward with $b: $out"; exit 1; }
done
rc=0; "$sniffer" -R rules -c "$tmp/none.conf" -t 2>/dev/null || rc=$?
[ "$rc" = 78 ] || { echo "missing config: exit $rc"; exit 1; }
rc=0; "$sniffer" --bogus 2>/dev/null || rc=$?
[ "$rc" = 64 ] || { echo "bad option: exit $rc"; exit 1; }
"$sniffer" --help | grep -q 'usage: sniffer'
"$sniffer" --version | grep -q '^sniffer [0-9]'
