# Link-layer variants (802.1Q, Linux cooked v1 and v2) of knock captures, and
# an authentic native packet with a version-2 plaintext (malformed).  Run by
# pcaps/regenerate; needs python3-cryptography.
import struct, hmac, hashlib
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
import base64

def records(path):
    b = open(path, 'rb').read(); hdr = b[:24]; off = 24; out = []
    while off < len(b):
        ts, us, cap, ln = struct.unpack_from('<IIII', b, off)
        out.append((ts, us, b[off+16:off+16+cap])); off += 16 + cap
    return hdr, out

def write(path, linktype, recs):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        for ts, us, data in recs:
            f.write(struct.pack('<IIII', ts, us, len(data), len(data)) + data)

def ethertype(ip): return 0x86dd if ip[0] >> 4 == 6 else 0x0800
def vlan(ip):
    return (bytes.fromhex('020000000002020000000001') + struct.pack('>HHH', 0x8100, 7, ethertype(ip)) + ip)
def sll(ip):
    return struct.pack('>HHH', 0, 1, 6) + bytes.fromhex('0200000000010000') + struct.pack('>H', ethertype(ip)) + ip
def sll2(ip):
    return struct.pack('>HHIHBB', ethertype(ip), 0, 2, 1, 0, 6) + bytes.fromhex('0200000000010000') + ip

for src, dst, lt, wrap in [
        ('native-v4-accepted', 'native-v4-vlan', 1, vlan),
        ('native-v6-accepted', 'native-v6-vlan', 1, vlan),
        ('native-v4-accepted', 'native-v4-any-sll', 113, sll),
        ('native-v6-accepted', 'native-v6-any-sll2', 276, sll2)]:
    _, recs = records('pcaps/%s.pcap' % src)
    write('pcaps/%s.pcap' % dst, lt, [(t, u, wrap(d)) for t, u, d in recs])

# An authentic native packet whose plaintext says version 2: malformed.
secret = base64.b64decode('PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=')
def hkdf(info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
kmac, kenc, kloc = hkdf(b'spa/1 mac'), hkdf(b'spa/1 enc'), hkdf(b'spa/1 loc')
_, recs = records('pcaps/native-v4-accepted.pcap')
ts, us, ip = recs[0]
t = ts
plain = bytearray(struct.pack('>BQB', 2, t, 4) + bytes(10) + b'\xff\xff' + bytes([198, 51, 100, 1]) + bytes([3]) + b'ssh' + bytes(29))
loc = hmac.new(kloc, struct.pack('>Q', t // 60), hashlib.sha256).digest()[:8]
nonce = bytes(range(16))
enc = Cipher(algorithms.AES(kenc), modes.CTR(nonce)).encryptor()
ct = enc.update(bytes(plain)) + enc.finalize()
body = loc + nonce + ct
tag = hmac.new(kmac, body + bytes(10) + b'\xff\xff' + bytes([198, 51, 100, 2]) + struct.pack('>H', 5001), hashlib.sha256).digest()
ihl = (ip[0] & 0xf) * 4
tcp_len = (ip[ihl + 12] >> 4) * 4
ip = bytearray(ip[:ihl + tcp_len] + body + tag)
write('pcaps/native-v4-malformed.pcap', 101, [(ts, us, bytes(ip))])
