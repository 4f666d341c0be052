#!/usr/bin/env bash
# The bash completions of completion/: knock completes its options and,
# after -n, the profile names `knock -l` prints (never a key); sniffer its
# options and, after -i, the interfaces.  Run in bash without the
# bash-completion package, which the scripts do not require.
set -eu
top=${SPA_TOP:-$PWD}
build=${SPA_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $*"; exit 1; }
. "$top/completion/knock"
. "$top/completion/sniffer"

# complete FUNCTION WORD...: COMPREPLY for the last word, one per line.
complete_words() {
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	"$fn"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

export HOME=$tmp/home
mkdir -p "$HOME/.config/spa"
key=$("$build/knock" --keygen)
printf '[lab]\naddress = 198.51.100.2\nkey = %s\n[home]\naddress = 203.0.113.5\n[laptop]\naddress = 192.0.2.9\n' "$key" \
	>"$HOME/.config/spa/knock.conf"
chmod 600 "$HOME/.config/spa/knock.conf"
got=$(complete_words _knock "$build/knock" -n la)
[ "$got" = "$(printf 'lab\nlaptop')" ] || fail "knock -n la<TAB>: $got"
got=$(complete_words _knock "$build/knock" --profile '')
[ "$got" = "$(printf 'home\nlab\nlaptop')" ] || fail "knock --profile <TAB>: $got"
case $got in *"$key"*) fail "a key in the completions" ;; esac
got=$(complete_words _knock "$build/knock" --u)
[ "$got" = --udp ] || fail "knock --u<TAB>: $got"
got=$(complete_words _knock "$build/knock" --st)
[ "$got" = --stun ] || fail "knock --st<TAB>: $got"
got=$(complete_words _knock "$build/knock" -d 198.51.100.2 -p '')
[ -z "$got" ] || fail "knock -p <TAB> offered: $got"
got=$(complete_words _sniffer sniffer -i lo)
[ "$got" = lo ] || fail "sniffer -i lo<TAB>: $got"
got=$(complete_words _sniffer sniffer --ver)
[ "$got" = --version ] || fail "sniffer --ver<TAB>: $got"
echo "completion: knock options and profile names, sniffer options and interfaces"
