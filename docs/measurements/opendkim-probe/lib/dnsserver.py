"""Tiny stdlib DNS responder (UDP+TCP) serving TXT records from a dict.
zone[name_lower_without_dot] = list of TXT strings (one record, split in <=255 chunks automatically)
                             | 'NXDOMAIN' | 'SERVFAIL' | 'DROP' (never answer) | 'NODATA'
Unknown names -> NXDOMAIN. Every query is appended to .log as (proto, qname, qtype, action)."""
import socket, socketserver, struct, threading, time

class Zone:
    def __init__(self):
        self.records = {}
        self.log = []
        self.lock = threading.Lock()

    def answer(self, q, proto):
        if len(q) < 12:
            return None
        qid, flags, qd, an, ns, ar = struct.unpack('>HHHHHH', q[:12])
        pos = 12; labels = []
        while True:
            l = q[pos]; pos += 1
            if l == 0: break
            labels.append(q[pos:pos+l].decode('ascii', 'replace')); pos += l
        qtype, qclass = struct.unpack('>HH', q[pos:pos+4]); pos += 4
        question = q[12:pos]
        name = '.'.join(labels).lower()
        rec = self.records.get(name, 'NXDOMAIN')
        action = rec if isinstance(rec, str) else 'TXT'
        with self.lock:
            self.log.append((time.time(), proto, name, qtype, action))
        if action == 'DROP':
            return None
        rd = flags & 0x0100
        opcode = flags & 0x7800
        rcode = {'NXDOMAIN': 3, 'SERVFAIL': 2}.get(action, 0)
        answers = b''
        nan = 0
        if action == 'TXT' and qtype in (16, 255):
            strings = rec
            rdata = b''
            for s in strings:
                b = s.encode() if isinstance(s, str) else s
                for i in range(0, max(len(b), 1), 255):
                    chunk = b[i:i+255]
                    rdata += bytes([len(chunk)]) + chunk
            answers = b'\xc0\x0c' + struct.pack('>HHIH', 16, 1, 60, len(rdata)) + rdata
            nan = 1
        hdr = struct.pack('>HHHHHH', qid, 0x8000 | opcode | 0x0400 | rd | 0x0080 | rcode, 1, nan, 0, 0)
        return hdr + question + answers

ZONE = Zone()

class UDPH(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        r = ZONE.answer(data, 'udp')
        if r is not None:
            sock.sendto(r, self.client_address)

class TCPH(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                h = self.request.recv(2)
                if len(h) < 2: return
                (n,) = struct.unpack('>H', h)
                q = b''
                while len(q) < n:
                    c = self.request.recv(n - len(q))
                    if not c: return
                    q += c
                r = ZONE.answer(q, 'tcp')
                if r is None:
                    time.sleep(30); return
                self.request.sendall(struct.pack('>H', len(r)) + r)
        except OSError:
            pass

class TUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    allow_reuse_address = True
    daemon_threads = True
class TTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True

def start(port):
    u = TUDP(('127.0.0.1', port), UDPH)
    t = TTCP(('127.0.0.1', port), TCPH)
    for s in (u, t):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return ZONE
