# The kernel's counters of the packet sockets a server captures with:
# frames its filter passed and frames dropped because its ring was full
# (PACKET_STATISTICS), summed over the distinct sockets the given processes
# hold.  Each socket is borrowed through pidfd_getfd(2) (root), read, and
# our copy closed; the server's own descriptor is untouched.
#
# Reading resets the kernel's counters: a read before a measure starts it
# at zero, and a server that reads them itself (pcap_stats) would afterwards
# count from our read on.  Prints "PACKETS DROPS", or "- -" when no socket
# could be read.
#   python3 sockstat.py PID...
import ctypes, os, re, socket, struct, sys

SYS_pidfd_getfd = 438           # the same number on every architecture
SOL_PACKET, PACKET_STATISTICS = 263, 6
libc = ctypes.CDLL(None, use_errno=True)


def packet_inodes(pid):
    """Inodes of the packet sockets in pid's network namespace."""
    try:
        with open(f'/proc/{pid}/net/packet') as f:
            next(f)
            return {line.split()[-1] for line in f if line.strip()}
    except OSError:
        return set()


def main():
    seen, packets, drops, read = set(), 0, 0, 0
    for pid in map(int, sys.argv[1:]):
        inodes = packet_inodes(pid)
        try:
            fds = os.listdir(f'/proc/{pid}/fd')
            pidfd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            for fd in fds:
                try:
                    link = os.readlink(f'/proc/{pid}/fd/{fd}')
                except OSError:
                    continue
                m = re.fullmatch(r'socket:\[(\d+)\]', link)
                if not m or m.group(1) not in inodes or m.group(1) in seen:
                    continue
                mine = libc.syscall(SYS_pidfd_getfd, pidfd, int(fd), 0)
                if mine < 0:
                    continue
                seen.add(m.group(1))
                s = socket.socket(fileno=mine)
                try:
                    p, d = struct.unpack('II', s.getsockopt(
                        SOL_PACKET, PACKET_STATISTICS, 12)[:8])
                    packets, drops, read = packets + p, drops + d, read + 1
                finally:
                    s.close()
        finally:
            os.close(pidfd)
    print(f'{packets} {drops}' if read else '- -')


main()
