# Starts a server and says when it is ready: runs CMD with stdout and
# stderr into a pipe, copies every line to LOG, and when a line first
# matches REGEX writes "PID SECONDS" to READY (the command's pid, seconds
# from just before the fork).  After LIMIT seconds without a match it writes
# "PID -".  It keeps copying until the command exits, then exits with its
# status.  Run it in the background; the caller reads READY.
#   python3 started.py LOG READY REGEX LIMIT -- CMD...
import os, re, select, subprocess, sys, time

log, ready, regex, limit = sys.argv[1], sys.argv[2], re.compile(sys.argv[3]), float(sys.argv[4])
cmd = sys.argv[sys.argv.index('--') + 1:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def say(what):
    with open(ready + '.tmp', 'w') as f:
        f.write(f'{p.pid} {what}\n')
    os.rename(ready + '.tmp', ready)


said, buf = False, b''
with open(log, 'wb') as out:
    while True:
        wait = None if said else max(0.0, t0 + limit - time.monotonic())
        r, _, _ = select.select([p.stdout], [], [], wait)
        if not r:
            said = True
            say('-')
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        now = time.monotonic()
        if not chunk:
            break
        out.write(chunk)
        out.flush()
        if not said:
            buf += chunk
            if regex.search(buf.decode(errors='replace')):
                said = True
                say(f'{now - t0:.4f}')
            buf = buf[-4096:]
if not said:
    say('-')
sys.exit(p.wait())
