#!/usr/bin/env bash
# make install / make uninstall into a DESTDIR, as any user: every file at
# its path and mode, the sniffer compiled for the PREFIX given (its rules
# and configuration defaults follow PREFIX and SYSCONFDIR, and a new
# PREFIX rebuilds it, an unchanged one does not), man pages lint-clean,
# an existing configuration never overwritten, and uninstall leaving only
# the configuration and the state directory.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A build directory of its own, kept between runs: the tree's $SPA_BUILD
# stays built for the default PREFIX.  The outer make's flags and
# variables stay out.
B=$SPA_TOP/$SPA_BUILD/install-test
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u DESTDIR -u PREFIX \
	-u SYSCONFDIR -u BINDIR -u SBINDIR -u MANDIR -u COMPLETIONDIR -u DOCDIR -u RULESDIR -u UNITDIR make -s --no-print-directory -C "$SPA_TOP" BUILD="$B" "$@"; }
fail() { echo "install: $*"; exit 1; }

# Compiled-in defaults: sniffer --help names both.
defaults_are() {        # RULESDIR CONFIG
	local help
	help=$("$B/sniffer" --help)
	case $help in *"-R DIR      firewall rules directory (default $1)"*) ;;
	*) fail "sniffer built for $1 says: $(grep -- '-R DIR' <<<"$help")" ;; esac
	case $help in *"-c CONFIG   configuration file (default $2)"*) ;;
	*) fail "sniffer built for $2 says: $(grep -- '-c CONFIG' <<<"$help")" ;; esac
}
mk PREFIX=/usr/local "$B/sniffer" >/dev/null
defaults_are /usr/local/share/spa/rules /usr/local/etc/spa/sniffer.conf
before=$(stat -c %Y.%i "$B/sniffer")
sleep 1

root=$tmp/root
mk install DESTDIR="$root" PREFIX=/usr >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; fail "make install PREFIX=/usr failed"; }
defaults_are /usr/share/spa/rules /etc/spa/sniffer.conf
[ "$(stat -c %Y.%i "$B/sniffer")" != "$before" ] || fail "PREFIX=/usr did not relink the sniffer"
# The same PREFIX again rebuilds nothing.
before=$(stat -c %Y.%i "$B/sniffer" "$B/obj/sniffer/main.o" "$B/paths.h")
mk PREFIX=/usr "$B/sniffer" "$B/spa-sniffer.service" >/dev/null
[ "$(stat -c %Y.%i "$B/sniffer" "$B/obj/sniffer/main.o" "$B/paths.h")" = "$before" ] ||
	fail "a second build with the same PREFIX rebuilt the sniffer"

# Every file, and nothing else.
{
	echo etc/spa/sniffer.conf
	echo lib/systemd/system/spa-sniffer.service
	echo usr/bin/knock
	echo usr/sbin/sniffer
	for f in rules/*; do echo "usr/share/spa/$f"; done
	for f in doc/*.md doc/examples/*.conf doc/systemd/spa-sniffer.service.in; do
		echo "usr/share/doc/spa/${f#doc/}"; done
	echo usr/share/bash-completion/completions/knock
	echo usr/share/bash-completion/completions/sniffer
	echo usr/share/man/man1/knock.1
	echo usr/share/man/man5/sniffer.conf.5
	echo usr/share/man/man7/spa.7
	echo usr/share/man/man8/sniffer.8
} | sort >"$tmp/want"
(cd "$root" && find . -type f | sed 's|^\./||' | sort) >"$tmp/got"
diff -u "$tmp/want" "$tmp/got" || fail "installed files differ from the list above (- missing, + extra)"
mode() { [ "$(stat -c %a "$root/$1")" = "$2" ] || fail "$1: mode $(stat -c %a "$root/$1"), want $2"; }
mode usr/bin/knock 755
mode usr/sbin/sniffer 755
mode usr/share/spa/rules/iptables 644
mode etc/spa 700
mode etc/spa/sniffer.conf 600
mode var/lib/spa 700
mode usr/share/man/man5/sniffer.conf.5 644
cmp -s doc/examples/sniffer.conf "$root/etc/spa/sniffer.conf" || fail "the installed configuration is not the example"

# The unit names the installed paths, none of the template's.
unit=$root/lib/systemd/system/spa-sniffer.service
grep -qx 'ExecStart=/usr/sbin/sniffer -c /etc/spa/sniffer.conf' "$unit" ||
	fail "unit: $(grep ExecStart= "$unit")"
! grep -n '@[A-Z]*@' "$unit" || fail "unit: a placeholder is left"

# The installed sniffer looks for its rules in /usr/share/spa/rules (this
# DESTDIR is not the real root, so unless spa is installed there too it
# finds nothing and says where it looked), and the installed rules load.
umask 077
printf '[sniffer]\nfirewall = iptables\nstate =\n' >"$tmp/c.conf"
rc=0; out=$(env -u SPA_RULES_DIR "$root/usr/sbin/sniffer" -t -c "$tmp/c.conf" 2>&1) || rc=$?
if [ -e /usr/share/spa/rules/iptables ]; then
	[ "$rc" = 0 ] || fail "sniffer -t with /usr/share/spa/rules installed: exit $rc: $out"
else
	[ "$rc" = 78 ] && case $out in *"/usr/share/spa/rules/iptables: cannot open"*) ;; *) false ;; esac ||
		fail "sniffer -t without rules: exit $rc, want 78 naming /usr/share/spa/rules/iptables: $out"
fi
for b in "$root"/usr/share/spa/rules/*; do
	sed "s|^firewall = .*|firewall = ${b##*/}|" "$tmp/c.conf" >"$tmp/b.conf"
	SPA_RULES_DIR=$root/usr/share/spa/rules "$root/usr/sbin/sniffer" -t -c "$tmp/b.conf" ||
		fail "the installed rules file ${b##*/} does not load"
done
"$root/usr/sbin/sniffer" -R "$root/usr/share/spa/rules" -t -c "$root/etc/spa/sniffer.conf" 2>&1 |
	grep -q 'alice.key' || fail "the example configuration was expected to want its key files"

# Man pages: lint-clean, naming the installed directories.
if command -v mandoc >/dev/null; then
	for m in "$root"/usr/share/man/man?/*; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1) || [ -z "$out" ] ||
			fail "mandoc -Tlint ${m#"$root"}: $out"
	done
else
	echo "install: mandoc is missing (make deps): man pages not linted"
fi

# An existing configuration is kept.
echo '# edited' >>"$root/etc/spa/sniffer.conf"
mk install DESTDIR="$root" PREFIX=/usr >"$tmp/install.log"
grep -q 'kept the existing' "$tmp/install.log" || fail "no word about the kept configuration"
tail -1 "$root/etc/spa/sniffer.conf" | grep -qx '# edited' || fail "install overwrote the configuration"

# Another PREFIX: SYSCONFDIR follows it, and so do the man pages and the unit.
alt=$tmp/alt
mk install DESTDIR="$alt" PREFIX=/opt/spa >/dev/null
defaults_are /opt/spa/share/spa/rules /opt/spa/etc/spa/sniffer.conf
for f in opt/spa/etc/spa/sniffer.conf opt/spa/lib/systemd/system/spa-sniffer.service \
    opt/spa/sbin/sniffer opt/spa/share/spa/rules/nft opt/spa/share/man/man5/sniffer.conf.5; do
	[ -f "$alt/$f" ] || fail "PREFIX=/opt/spa: no $f"
done
grep -qx 'ExecStart=/opt/spa/sbin/sniffer -c /opt/spa/etc/spa/sniffer.conf' \
	"$alt/opt/spa/lib/systemd/system/spa-sniffer.service" || fail "PREFIX=/opt/spa: the unit's ExecStart"
grep -q '^\.I /opt/spa/etc/spa/sniffer.conf$' "$alt/opt/spa/share/man/man5/sniffer.conf.5" ||
	fail "PREFIX=/opt/spa: sniffer.conf(5) does not name /opt/spa/etc/spa/sniffer.conf"
! sed 's|/opt/spa/etc/spa||g' "$alt/opt/spa/share/man/man5/sniffer.conf.5" | grep -n '/etc/spa' ||
	fail "PREFIX=/opt/spa: sniffer.conf(5) still names /etc/spa"

# Uninstall: only the configuration (edited, maybe with keys beside it)
# and the state directory stay.
mk uninstall DESTDIR="$root" PREFIX=/usr >"$tmp/uninstall.log"
(cd "$root" && find . -type f | sed 's|^\./||') >"$tmp/left"
[ "$(cat "$tmp/left")" = etc/spa/sniffer.conf ] || fail "uninstall left: $(tr '\n' ' ' <"$tmp/left")"
[ -d "$root/var/lib/spa" ] || fail "uninstall removed the state directory"
[ ! -e "$root/usr/share/spa" ] && [ ! -e "$root/usr/share/doc/spa" ] ||
	fail "uninstall left the rules or doc directories"
grep -q 'left .*/etc/spa .* in place' "$tmp/uninstall.log" || fail "uninstall does not say what it left"
echo "install: PREFIX=/usr and /opt/spa installed, rebuilt per PREFIX, uninstalled"
