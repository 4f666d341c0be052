# Sourced by tests: reads a pcap file with tcpdump, the independent reader,
# and checks that it holds one TCP segment with valid IP and TCP checksums.
#
#   pcap_segment FILE      sets SEG_TIME SEG_SRC SEG_SPORT SEG_DST SEG_DPORT
#                          SEG_FLAGS SEG_LEN (TCP payload bytes) SEG_PAYLOAD
#                          (its hex) and SEG_HEX (the IP datagram), or fails
#
# Failures print one line on stderr and return 1; callers run under set -e.

pcap_fail() {
	echo "pcapcheck: $*" >&2
	return 1
}

# The IPv4 header checksum, summed here (RFC 1071): tcpdump -vv only says
# "bad cksum" when it is wrong, so check it positively too.
pcap_ipv4_sum_ok() {
	local hex=$1 ihl sum=0 i
	ihl=$(( (16#${hex:1:1}) * 4 ))
	for ((i = 0; i < ihl * 2; i += 4)); do
		sum=$((sum + 16#${hex:i:4}))
	done
	while ((sum >> 16)); do
		sum=$(((sum & 0xffff) + (sum >> 16)))
	done
	[ "$sum" -eq 65535 ]
}

pcap_segment() {
	local file=$1 text n re
	n=$(tcpdump -r "$file" -nn 2>/dev/null | grep -c .) || true
	[ "$n" = 1 ] || pcap_fail "$file: $n frames, expected exactly 1" || return 1
	# -vv: tcpdump verifies the TCP checksum (and the IPv4 one).
	text=$(tcpdump -r "$file" -nn -vv -tt 2>/dev/null | tr '\n\t' '  ')
	case $text in
	*"bad cksum"* | *"incorrect"*) pcap_fail "$file: bad checksum: $text" || return 1 ;;
	*"cksum 0x"*" (correct)"*) ;;
	*) pcap_fail "$file: tcpdump did not verify a TCP checksum: $text" || return 1 ;;
	esac
	re='^([0-9]+)\.[0-9]+ IP6? .* ([0-9a-f.:]+)\.([0-9]+) > ([0-9a-f.:]+)\.([0-9]+): Flags \[([A-Z.]+)\],.* length ([0-9]+)'
	[[ $text =~ $re ]] || pcap_fail "$file: not one TCP segment: $text" || return 1
	SEG_TIME=${BASH_REMATCH[1]} SEG_SRC=${BASH_REMATCH[2]}
	SEG_SPORT=${BASH_REMATCH[3]} SEG_DST=${BASH_REMATCH[4]}
	SEG_DPORT=${BASH_REMATCH[5]} SEG_FLAGS=${BASH_REMATCH[6]}
	SEG_LEN=${BASH_REMATCH[7]}
	# -x: the datagram without its link-layer header, whatever the link type.
	SEG_HEX=$(tcpdump -r "$file" -nn -x 2>/dev/null |
		sed -n 's/^[[:space:]]*0x[0-9a-f]*:[[:space:]]*//p' | tr -d ' \n')
	SEG_PAYLOAD=${SEG_HEX:${#SEG_HEX} - 2 * SEG_LEN}
	if [ "${SEG_HEX:0:1}" = 4 ]; then
		pcap_ipv4_sum_ok "$SEG_HEX" || pcap_fail "$file: IPv4 header checksum wrong" || return 1
	fi
	return 0
}
