# shellcheck shell=bash
# make bench, the live half, under load: sourced by tests/bench/live.sh
# (its namespaces, addresses, keys and helpers), one fresh server at a time
# (our sniffer with the nft-set backend, then fwknopd).  Appends two
# sections to $out.
#
#   CPU per junk packet   bench_junk sends 100 frames/s from the client's
#                   junk address $J (dropped by the server's raw table once
#                   captured, so nothing answers it): random payloads to the
#                   port the server's filter captures, and traffic that no
#                   filter captures (udp/9).  JUNK s of each, in ROUNDS
#                   windows, each after an idle window as long; the server's
#                   CPU over a window (every thread's scheduler run time,
#                   and utime + stime in 10 ms ticks) less that of the idle
#                   window before it, per packet sent: the median of the
#                   rounds, so a burst of other work in one window (this
#                   machine is shared) does not decide it.
#   flood           bench_junk as fast as it goes for FLOOD s (at most
#                   FLOOD_MAX frames) from $J to the knock port, while
#                   tests/bench/knocks.py sends 20 genuine knocks from 20
#                   other addresses, one every (FLOOD - 0.5) / 20 s from
#                   0.25 s on (0.225 s for 5 s), each
#                   followed by a prober (a SYN to 22/tcp every 1 ms, 3 s at
#                   most).  The rate is counted on the server's eth0 (all
#                   frames over the flood's time); captured and dropped are
#                   the kernel's counters of the server's capture socket
#                   over the flood (tests/bench/sockstat.py); the latency is
#                   knock to first SYN-ACK, from a capture on the server
#                   that leaves $J out.
JUNK=${BENCH_JUNK_SECONDS:-10}
ROUNDS=5
WINDOW=$(awk -v j="$JUNK" -v r="$ROUNDS" 'BEGIN { print j / r }')
JUNK_RATE=100
FLOOD=${BENCH_FLOOD_SECONDS:-5}
FLOOD_MAX=${BENCH_FLOOD_MAX:-5000000}
# Our knock's payload (a native knock, NATIVE_LEN); fwknop's is measured.
OUR_LEN=115

junk() {        # PROTO PORT LEN BENCH_JUNK_OPTIONS...: "sent N SECONDS RATE"
	netns_exec client "$build/bench_junk" -i eth0 -m "$smac" -s "$J" -d "$S" \
		-p "$1" -P "$2" -l "$3" "${@:4}"
}

# load_start NAME READY_RE CMD...: CMD in the server's namespace through
# tests/bench/started.py; sets load_pid (the server), load_secs (start to
# READY_RE) and load_started.  Fails when it never got ready (60 s).
load_start() {
	local name=$1 ready=$2
	shift 2
	rm -f "$tmp/$name.ready"
	python3 "$top/tests/bench/started.py" "$tmp/$name.log" "$tmp/$name.ready" "$ready" 60 -- \
		ip netns exec "$(netns_ns server)" "$@" &
	load_started=$!
	for _ in $(seq 650); do [ -s "$tmp/$name.ready" ] && break; sleep 0.1; done
	load_pid='' load_secs=-
	[ -s "$tmp/$name.ready" ] && read -r load_pid load_secs <"$tmp/$name.ready"
	[ -n "$load_pid" ] && [ "$load_secs" != - ]
}

load_stop() {   # SIGTERM, 10 s to go, then SIGKILL
	[ -n "$load_pid" ] || return 0
	kill -TERM "$load_pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$load_pid" 2>/dev/null
	wait "$load_started" 2>/dev/null
	load_pid=''
}

# cpu_window CMD...: runs CMD (or sleeps WINDOW s when it is "idle"), then
# prints "NS TICKS SECONDS" of the server's processes ($load_pids) over it,
# with CMD's stdout in $tmp/window.out.
cpu_window() {
	local c0 c1 t0 t1
	# shellcheck disable=SC2086
	c0=$(cpu $load_pids) t0=$(date +%s%N)
	if [ "$1" = idle ]; then sleep "$WINDOW"; : >"$tmp/window.out"
	else "$@" >"$tmp/window.out"; sleep 0.2; fi
	# shellcheck disable=SC2086
	c1=$(cpu $load_pids) t1=$(date +%s%N)
	echo "$c0 $c1" | awk -v t=$(((t1 - t0) / 1000)) '{ printf "%d %d %.6f\n", $3 - $1, $4 - $2, t / 1e6 }'
}

# load_cpu NAME TRAFFIC PROTO PORT LEN [-a]: one row of the CPU table,
# ROUNDS pairs of an idle window and a junk window.
load_cpu() {
	local name=$1 what=$2 r ns ticks secs ins iticks isecs sent
	: >"$tmp/rounds"
	for r in $(seq "$ROUNDS"); do
		read -r ins iticks isecs < <(cpu_window idle)
		read -r ns ticks secs < <(cpu_window junk "$3" "$4" "$5" -r "$JUNK_RATE" \
			-n "$(awk -v w="$WINDOW" -v r="$JUNK_RATE" 'BEGIN { printf "%d", w * r }')" \
			-t "$(awk -v w="$WINDOW" 'BEGIN { print w + 1 }')" "${@:6}")
		sent=$(awk '{ print $2 }' "$tmp/window.out")
		echo "$ins $iticks $isecs $ns $ticks $secs ${sent:-0}" >>"$tmp/rounds"
	done
	sort -n -k8 <(awk '{ printf "%s %.3f\n", $0, ($7 > 0 ? ($4 - $1 * $6 / $3) / $7 / 1000 : 0) }' "$tmp/rounds") |
		awk -v n="$name" -v w="$what" '{ d[NR] = $8; ins += $1; ns += $4; tk += $5; p += $7 }
		END { printf "| %s | %s | %d | %.2f | %.2f | %s | %d |\n", n, w, p, ns / 1e6, ins / 1e6,
			(p > 0 ? sprintf("%.1f", d[int((NR + 1) / 2)]) : "-"), tk * 10 }' >>"$tmp/junkcpu"
}

# load_flood NAME PROTO PORT LEN FILTER KNOCK_CMD...: one row of the flood
# table.  {addr} in KNOCK_CMD is the knocking address.
load_flood() {
	local name=$1 proto=$2 port=$3 len=$4 filter=$5 cap=$tmp/$1-flood.pcap
	shift 5
	: >"$tmp/$name-flood.tcpdump"
	netns_exec server tcpdump -i eth0 -n -j adapter_unsynced -w "$cap" -U \
		"not host $J and (($filter) or (tcp src port 22 and tcp[tcpflags] & tcp-syn != 0))" \
		2>"$tmp/$name-flood.tcpdump" &
	local tcpd=$! rx0 rx1 c0 c1 fpid kpid sent secs rate counts lat opened
	for _ in $(seq 50); do grep -q listening "$tmp/$name-flood.tcpdump" && break; sleep 0.1; done
	# shellcheck disable=SC2086
	python3 "$top/tests/bench/sockstat.py" $load_pids >/dev/null    # from zero
	rx0=$(netns_exec server cat /sys/class/net/eth0/statistics/rx_packets)
	# shellcheck disable=SC2086
	c0=$(cpu $load_pids)
	junk "$proto" "$port" "$len" -n "$FLOOD_MAX" -t "$FLOOD" >"$tmp/flood.out" &
	fpid=$!
	netns_exec client python3 "$top/tests/bench/knocks.py" "$S" 22 0.25 \
		"$(awk -v f="$FLOOD" 'BEGIN { print (f - 0.5) / 20 }')" 0.001 3 \
		"${flood_addrs[@]}" -- "$@" >"$tmp/knocks.out" &
	kpid=$!
	wait "$fpid"
	rx1=$(netns_exec server cat /sys/class/net/eth0/statistics/rx_packets)
	# shellcheck disable=SC2086
	c1=$(cpu $load_pids)
	# shellcheck disable=SC2086
	counts=$(python3 "$top/tests/bench/sockstat.py" $load_pids)
	wait "$kpid"
	sleep 0.3
	kill "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
	read -r _ sent secs rate <"$tmp/flood.out"
	opened=$(grep -c ' opened$' "$tmp/knocks.out" || true)
	# Each flood address's first knock, and the first SYN-ACK back to it.
	lat=$(tcpdump -n -tt -r "$cap" 2>/dev/null | awk '
		/ > [0-9.]+\.(5001|62201):/ {
			split($3, s, "."); a = s[1] "." s[2] "." s[3] "." s[4]
			if (!(a in k)) k[a] = $1; next }
		/\.22 > / && /Flags \[S\.\]/ {
			split($5, d, "."); a = d[1] "." d[2] "." d[3] "." d[4]
			if (!(a in first)) first[a] = $1 }
		END { for (a in k) if (a in first) printf "%.3f\n", (first[a] - k[a]) * 1000 }' | stats)
	echo "$rx0 $rx1 $c0 $c1 $counts $lat" | awk -v n="$name" -v sent="$sent" -v secs="$secs" \
		-v rate="$rate" -v op="$opened" '{
		drops = $8 == "-" ? "-" : sprintf("%d of %d", $8, $7)
		printf "| %s | %d in %.2f s: %d/s | %d/s | %.1f %% | %s | %d / 20 | %s | %s | %s |\n",
			n, sent, secs, rate, ($2 - $1) / secs, ($5 - $3) / 1e9 / secs * 100,
			drops, op, $9, $10, $11 }' >>"$tmp/flood"
}

load_server() { # NAME READY_RE START_CMD...: starts it, sets load_pids
	local name=$1
	if ! load_start "$@"; then
		echo "bench: $name did not start; its log:" >&2
		tail -5 "$tmp/$name.log" >&2
		load_stop
		return 1
	fi
	sleep 0.5
	load_pids=$(tree "$load_pid")
}

: >"$tmp/junkcpu"
: >"$tmp/flood"
mkdir -m 700 "$tmp/state-load"
sniffer_conf nft-set | sed "s|^state = .*|state = $tmp/state-load|" >"$tmp/load.conf"
if load_server sniffer-nft-set 'seccomp filter on|privilege separation off' \
	"$build/sniffer" -f -R "$top/rules" -c "$tmp/load.conf"; then
	load_cpu sniffer-nft-set "junk to 5001/tcp, $OUR_LEN random bytes" tcp 5001 "$OUR_LEN"
	load_cpu sniffer-nft-set "other traffic: 9/udp, $OUR_LEN random bytes" udp 9 "$OUR_LEN"
	load_flood sniffer-nft-set tcp 5001 "$OUR_LEN" "tcp dst port 5001" \
		"$build/knock" -k "$key" -s '{addr}' -a '{addr}' -d "$S" ssh
	grep 'stats:' "$tmp/sniffer-nft-set.log" | tail -1 >"$tmp/sniffer-stats"
	load_stop
fi

if [ "$fwclient" = 1 ]; then
	# The length of fwknop's knock: its SPA data, printed by a test run.
	fwlen=$(env HOME="$tmp/fwhome" fwknop -T -A tcp/22 -a "$C" -D "$S" --key-base64-rijndael "$fk" \
		--key-base64-hmac "$fh" --use-hmac --no-save-args 2>/dev/null |
		sed -n 's/^ *Final SPA Data: *//p' | tr -d '\n' | wc -c)
	[ "${fwlen:-0}" -gt 0 ] || fwlen=225
	if load_server fwknopd 'main event loop' fwknopd -f -c "$tmp/fwknopd/fwknopd.conf" \
		-a "$tmp/fwknopd/access.conf" -d "$tmp/fwknopd/digest" -p "$tmp/fwknopd/pid" -i eth0; then
		load_cpu fwknopd "junk to 62201/udp, $fwlen random bytes" udp 62201 "$fwlen"
		load_cpu fwknopd "junk to 62201/udp, $fwlen random base64 characters" udp 62201 "$fwlen" -a
		load_cpu fwknopd "other traffic: 9/udp, $OUR_LEN random bytes" udp 9 "$OUR_LEN"
		load_flood fwknopd udp 62201 "$fwlen" "udp dst port 62201" \
			env HOME="$tmp/fwhome" fwknop -A tcp/22 -a '{addr}' -Q '{addr}' -P udpraw -D "$S" \
			--key-base64-rijndael "$fk" --key-base64-hmac "$fh" --use-hmac --no-save-args
		load_stop
	fi
else
	echo "| fwknopd | missing | - | - | - | - | - |" >>"$tmp/junkcpu"
	echo "| fwknopd | missing | - | - | - | - | - | - | - |" >>"$tmp/flood"
fi

{
	echo
	echo "### CPU per junk packet ($JUNK_RATE packets/s for $JUNK s from one address, 1 user)"
	echo
	echo "$ROUNDS rounds of $WINDOW s with no traffic then $WINDOW s of junk.  Server CPU: scheduler run"
	echo "time of all the server's threads over the junk windows; idle: over the idle windows; per"
	echo "packet: the median over the rounds of (junk window - idle window) / packets sent."
	echo "utime + stime counts 10 ms ticks (a cross-check).  The kernel's work (the copy into each"
	echo "capture's ring, in softirq) is not in it."
	echo
	echo "| server | traffic | packets | server CPU, ms | idle, ms | µs per packet | utime+stime, ms |"
	echo "|---|---|---|---|---|---|---|"
	cat "$tmp/junkcpu"
	echo
	echo "### Junk flood with 20 genuine knocks through it ($FLOOD s at most, 1 user)"
	echo
	echo "Sent: by bench_junk from one address, as fast as it goes.  Arrived: frames on the server's"
	echo "eth0 per second over the same time.  Server CPU: all its processes, in % of one CPU."
	echo "Ring drops: the kernel's counters of the server's capture socket over the flood (frames"
	echo "its ring had no room for, of those its filter passed).  Knock to port open in ms."
	echo
	echo "| server | sent | arrived | server CPU | ring drops | opened | median | p90 | max |"
	echo "|---|---|---|---|---|---|---|---|---|"
	cat "$tmp/flood"
	if [ -s "$tmp/sniffer-stats" ]; then
		echo
		echo "The sniffer's own last stats line: \`$(sed 's/.*stats:/stats:/' "$tmp/sniffer-stats")\`"
	fi
} >>"$out"
