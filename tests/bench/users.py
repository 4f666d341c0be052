# N [user uI] sections, each with its own key = BASE64(32 random bytes)
# and allow = ssh, then [action ssh], on stdout after the lines of HEAD (a
# file holding the [sniffer] section).  The last user's key goes to KEYFILE
# (mode 0600), so a knock can prove the last user loaded.
#   python3 users.py N HEAD KEYFILE > CONF
import base64, os, sys

n, head, keyfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = [open(head).read()]
for i in range(n):
    key = base64.b64encode(os.urandom(32)).decode()
    out.append(f'[user u{i}]\nkey = {key}\nallow = ssh\n')
fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, (key + '\n').encode())
os.close(fd)
out.append('[action ssh]\nopen = tcp/22\ntimeout = 600\n')
sys.stdout.write(''.join(out))
