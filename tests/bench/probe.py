# Waits for a TCP port to open: a non-blocking connect() from SRC to
# DST:PORT every INTERVAL seconds (each one SYN, dropped while the port is
# closed), until one connects or LIMIT seconds pass.  Exit 0 when it
# connected, 1 when it did not.  The bench reads the first SYN-ACK's time
# from its own capture, so this only has to keep asking.
#   python3 probe.py SRC DST PORT [INTERVAL] [LIMIT]
import errno, select, socket, sys, time

src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.00025
limit = float(sys.argv[5]) if len(sys.argv) > 5 else 3.0
family = socket.AF_INET6 if ':' in dst else socket.AF_INET
socks, end = [], time.monotonic() + limit
said = False
while time.monotonic() < end:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((src, 0))
    rc = s.connect_ex((dst, port))
    if rc == 0:
        sys.exit(0)
    socks.append(s)
    if not said:                # the caller knocks once we are asking
        print('probing', flush=True)
        said = True
    _, ready, _ = select.select([], socks, [], interval)
    for r in ready:
        if r.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            sys.exit(0)
    if len(socks) > 200:        # the oldest have given up by now
        for old in socks[:100]:
            old.close()
        socks = socks[100:]
sys.exit(1)
