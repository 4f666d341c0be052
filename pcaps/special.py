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

# Frames the capture filter and the decoder must both take: 802.1ad (a
# service tag alone, and QinQ: service tag then customer tag), an IPv6
# knock after a hop-by-hop or a destination-options header, and BSD
# loopback (DLT_NULL in the writer's byte order, DLT_LOOP in network
# order); and one they must not: the knock in an IPv4 fragment (the first,
# more-fragments set), which the filter passes and the decoder refuses.
def tagged(tpids):
    def f(ip):
        tags = b''.join(struct.pack('>HH', t, 7 + i) for i, t in enumerate(tpids))
        return bytes.fromhex('020000000002020000000001') + tags + struct.pack('>H', ethertype(ip)) + ip
    return f
def v6_ext(nh_ext):
    def f(ip):
        ip = bytearray(ip); nh = ip[6]; plen, = struct.unpack_from('>H', ip, 4)
        ext = bytes([nh, 0, 1, 4, 0, 0, 0, 0])    # next header, 8 bytes, PadN
        ip[6] = nh_ext; struct.pack_into('>H', ip, 4, plen + len(ext))
        return bytes(ip[:40]) + ext + bytes(ip[40:])
    return f
def first_fragment(ip):
    ip = bytearray(ip); struct.pack_into('>H', ip, 6, 0x2000)
    struct.pack_into('>H', ip, 10, 0)
    s = sum(struct.unpack('>10H', bytes(ip[:20])))
    while s > 0xffff: s = (s & 0xffff) + (s >> 16)
    struct.pack_into('>H', ip, 10, ~s & 0xffff)
    return bytes(ip)
def null_le(ip): return struct.pack('<I', 2 if ip[0] >> 4 == 4 else 30) + ip
def loop_be(ip): return struct.pack('>I', 2 if ip[0] >> 4 == 4 else 28) + ip
for src, dst, lt, wrap in [
        ('native-v4-accepted', 'native-v4-8021ad', 1, tagged([0x88a8])),
        ('native-v4-accepted', 'native-v4-qinq', 1, tagged([0x88a8, 0x8100])),
        ('native-v6-accepted', 'native-v6-qinq', 1, tagged([0x88a8, 0x8100])),
        ('native-v6-accepted', 'native-v6-hopopts', 101, v6_ext(0)),
        ('native-v6-accepted', 'native-v6-dstopts', 1, lambda ip: tagged([])(v6_ext(60)(ip))),
        ('native-v4-accepted', 'native-v4-fragment', 101, first_fragment),
        ('native-v4-accepted', 'native-v4-null', 0, null_le),
        ('native-v6-accepted', 'native-v6-null', 0, null_le),
        ('native-v6-accepted', 'native-v6-loop', 108, loop_be)]:
    _, recs = records('pcaps/%s.pcap' % src)
    write('pcaps/%s.pcap' % dst, lt, [(t, u, wrap(d)) for t, u, d in recs])
# The hop-by-hop knock sent to port 5002: the filter passes it (it cannot
# follow the chain), the sniffer does not decide it (not-spa).
def other_port(ip):
    ip = bytearray(ip); struct.pack_into('>H', ip, 48 + 2, 5002); return bytes(ip)
_, recs = records('pcaps/native-v6-hopopts.pcap')
write('pcaps/native-v6-hopopts-other-port.pcap', 101, [(t, u, other_port(d)) for t, u, d in recs])
# DLT_NULL from a big-endian writer: file header and family both big-endian.
_, recs = records('pcaps/native-v4-accepted.pcap')
with open('pcaps/native-v4-null-be.pcap', 'wb') as f:
    f.write(struct.pack('>IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 0))
    for ts, us, ip in recs:
        d = struct.pack('>I', 2) + ip
        f.write(struct.pack('>IIII', ts, us, len(d), len(d)) + d)
