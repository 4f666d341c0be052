# Genuine knocks spread through a flood, each followed by a prober: knock
# i starts DELAY + i * SPACING seconds after the start, from its own
# address.  Just before it, non-blocking connect()s from that address to
# DST:PORT begin, one every INTERVAL seconds (each one SYN, dropped while
# the port is closed), until one connects or LIMIT seconds pass.  The
# latency is read from the server's capture by the caller; this only has
# to keep asking, and says which addresses opened.
#
# Prints one line per address: "ADDR opened" or "ADDR closed".  Bounded:
# every address ends LIMIT seconds after its knock at the latest.
#   python3 knocks.py DST PORT DELAY SPACING INTERVAL LIMIT ADDR... -- CMD...
# CMD is the knock command; each {addr} in it becomes the address.
import errno, select, socket, subprocess, sys, time

sep = sys.argv.index('--')
dst, port = sys.argv[1], int(sys.argv[2])
delay, spacing, interval, limit = map(float, sys.argv[3:7])
addrs, cmd = sys.argv[7:sep], sys.argv[sep + 1:]
KEEP = 50                       # sockets kept per address, newest


class Knock:
    def __init__(self, addr, at):
        self.addr, self.at, self.socks = addr, at, {}
        self.started = self.done = self.opened = False
        self.next_probe = self.deadline = 0.0
        self.proc = None

    def probe(self, poller, owner, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((self.addr, 0))
        rc = s.connect_ex((dst, port))
        if rc == 0:
            s.close()
            self.finish(poller, owner, True)
            return
        self.socks[s.fileno()] = s
        owner[s.fileno()] = self
        poller.register(s.fileno(), select.POLLOUT)
        if len(self.socks) > KEEP:
            fd = next(iter(self.socks))
            self.drop(poller, owner, fd)
        self.next_probe = now + interval

    def drop(self, poller, owner, fd):
        poller.unregister(fd)
        del owner[fd]
        self.socks.pop(fd).close()

    def finish(self, poller, owner, opened):
        for fd in list(self.socks):
            self.drop(poller, owner, fd)
        self.done, self.opened = True, opened


def main():
    t0 = time.monotonic() + delay
    knocks = [Knock(a, t0 + i * spacing) for i, a in enumerate(addrs)]
    poller, owner = select.poll(), {}
    while not all(k.done for k in knocks):
        now = time.monotonic()
        for k in knocks:
            if k.done:
                continue
            if not k.started and now >= k.at:
                k.started, k.deadline = True, now + limit
                k.probe(poller, owner, now)
                if not k.done:
                    k.proc = subprocess.Popen(
                        [w.replace('{addr}', k.addr) for w in cmd],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elif k.started and now >= k.deadline:
                k.finish(poller, owner, False)
            elif k.started and now >= k.next_probe:
                k.probe(poller, owner, now)
        for fd, _ in poller.poll(interval * 1000 / 2):
            k = owner.get(fd)
            if k is None or k.done:
                continue
            err = k.socks[fd].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                k.finish(poller, owner, True)
            else:
                k.drop(poller, owner, fd)
    for k in knocks:
        if k.proc is not None:
            k.proc.wait()
        print(f'{k.addr} {"opened" if k.opened else "closed"}', flush=True)


main()
