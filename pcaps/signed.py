# The signed format's regression captures (doc/protocol.md "Signed
# format"): every verdict block of tests/vectors/signed.txt as an IPv4
# frame, and the same cases made afresh for IPv6 (the MAC and the signature
# bind the destination, so the IPv4 payloads cannot be re-addressed).  Run
# by pcaps/regenerate; needs python3-cryptography.  Frames are raw IP
# (linktype 101), one file per case, captured at the vector's `now`.
import base64, hashlib, hmac, struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
import ipaddress

def write(path, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for ts, data in frames:
            f.write(struct.pack('<IIII', ts, 0, len(data), len(data)) + data)

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(src, dst, sport, dport, payload):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    tcp = struct.pack('>HHIIBBHHH', sport, dport, 1, 0, 5 << 4, 0x02, 64240, 0, 0) + payload
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack('>BBH', 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack('>H', csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, s.packed, d.packed)
        ip = ip[:10] + struct.pack('>H', csum(ip)) + ip[12:]
        return ip + tcp
    pseudo = s.packed + d.packed + struct.pack('>I3xB', len(tcp), 6)
    tcp = tcp[:16] + struct.pack('>H', csum(pseudo + tcp)) + tcp[18:]
    return struct.pack('>IHBB16s16s', 6 << 28, len(tcp), 6, 64, s.packed, d.packed) + tcp

def blocks(path):
    out, cur = [], {}
    for line in open(path):
        line = line.strip()
        if not line:
            if cur: out.append(cur); cur = {}
            continue
        if line.startswith('#'): continue
        k, v = line.split('=', 1); cur[k.strip()] = v.strip()
    if cur: out.append(cur)
    return out

# IPv4: the vectors as they are; a sequence is one file.
names = {
    'signed accept': 'signed-v4-accepted',
    'signature bit flipped': 'signed-v4-forged-bit',
    'signed by another key, right shared secret': 'signed-v4-forged-key',
    'native packet from a signing user': 'signed-v4-forged-native',
    'signed packet, wrong server': 'signed-v4-bad-mac',
    'signed packet, version 1 inside': 'signed-v4-malformed',
    'signed packet, too old': 'signed-v4-stale',
    'signed packet, denied request': 'signed-v4-denied',
    'signed-length packet for a non-signing user': 'signed-v4-unknown',
    'native packet from a non-signing user still accepted': 'signed-v4-native-alice',
    'random 179 bytes': 'signed-v4-random',
}
files = {}
for b in blocks('tests/vectors/signed.txt'):
    if 'verdict' not in b: continue
    f = frame(b['src'], b['dst'], int(b['sport']), int(b['dport']), bytes.fromhex(b['payload']))
    name = names.get(b['name']) or ('signed-v4-accepted' if b.get('sequence') == 'sq1' else None)
    files.setdefault(name, []).append((int(b['now']), f))
for name, frames in files.items():
    write('pcaps/%s.pcap' % name, frames)

# IPv6: erin (signing, may ask for ssh) and alice (not signing).
ERIN_S = base64.b64decode('RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4=')
ERIN_SEED = bytes.fromhex('1ef2582f0d9a6157a2b062d0da4fea1c0d723433404593e6dc3c6a212bcf82ed')
OTHER_SEED = bytes(range(32))
ALICE_S = base64.b64decode('PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=')
CLIENT, SERVER, PORT, NOW = '2001:db8::1', '2001:db8::2', 5001, 1800000000

def keys(s):
    h = lambda info: HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(s)
    return h(b'spa/1 mac'), h(b'spa/1 enc'), h(b'spa/1 loc')

def native(s, t, request, version, server=SERVER, allow=CLIENT):
    kmac, kenc, kloc = keys(s)
    a = ipaddress.ip_address(allow)
    plain = struct.pack('>BQB', version, t, 6) + a.packed + bytes([len(request)]) + request.encode() + bytes(32 - len(request))
    loc = hmac.new(kloc, struct.pack('>Q', t // 60), hashlib.sha256).digest()[:8]
    nonce = hashlib.sha256(b'nonce' + struct.pack('>Q', t) + request.encode() + bytes([version])).digest()[:16]
    ct = Cipher(algorithms.AES(kenc), modes.CTR(nonce)).encryptor().update(plain)
    body = loc + nonce + ct
    srv = ipaddress.ip_address(server).packed
    return body + hmac.new(kmac, body + srv + struct.pack('>H', PORT), hashlib.sha256).digest()

def signed(s, seed, t, request, version=2, server=SERVER):
    n = native(s, t, request, version, server)
    msg = b'spa/1 sig' + n + ipaddress.ip_address(server).packed + struct.pack('>H', PORT)
    return n + Ed25519PrivateKey.from_private_bytes(seed).sign(msg)

def v6(payload, now=NOW):
    return (now, frame(CLIENT, SERVER, 40000, PORT, payload))

good = signed(ERIN_S, ERIN_SEED, NOW, 'ssh')
flipped = bytearray(good); flipped[-1] ^= 1
write('pcaps/signed-v6-accepted.pcap', [v6(good), v6(good, NOW + 1)])
write('pcaps/signed-v6-forged-bit.pcap', [v6(bytes(flipped))])
write('pcaps/signed-v6-forged-key.pcap', [v6(signed(ERIN_S, OTHER_SEED, NOW, 'ssh'))])
write('pcaps/signed-v6-forged-native.pcap', [v6(native(ERIN_S, NOW, 'ssh', 1))])
write('pcaps/signed-v6-bad-mac.pcap', [v6(signed(ERIN_S, ERIN_SEED, NOW, 'ssh', server='2001:db8::99'))])
write('pcaps/signed-v6-malformed.pcap', [v6(signed(ERIN_S, ERIN_SEED, NOW, 'ssh', version=1))])
write('pcaps/signed-v6-stale.pcap', [v6(good, NOW + 61)])
write('pcaps/signed-v6-denied.pcap', [v6(signed(ERIN_S, ERIN_SEED, NOW, 'tcp/22'))])
write('pcaps/signed-v6-unknown.pcap', [v6(native(ALICE_S, NOW, 'ssh', 2) + bytes(64))])
write('pcaps/signed-v6-native-alice.pcap', [v6(native(ALICE_S, NOW, 'ssh', 1))])
