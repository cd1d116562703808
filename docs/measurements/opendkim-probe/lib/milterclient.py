"""Minimal MTA side of the milter protocol (stdlib only) that records every raw reply packet.
Plays Postfix milter_protocol=6: OPTNEG 6, actions 0x1FF, protocol 0x1FFFFF."""
import socket, struct, time

NAMES = {b'c': 'CONTINUE', b'a': 'ACCEPT', b'r': 'REJECT', b't': 'TEMPFAIL', b'd': 'DISCARD',
         b'y': 'REPLYCODE', b'h': 'ADDHEADER', b'i': 'INSHEADER', b'm': 'CHGHEADER', b'q': 'QUARANTINE',
         b'p': 'PROGRESS', b's': 'SKIP', b'4': 'SHUTDOWN', b'O': 'OPTNEG', b'b': 'REPLBODY',
         b'+': 'ADDRCPT', b'-': 'DELRCPT', b'e': 'CHGFROM', b'2': 'ADDRCPT_PAR', b'f': 'CONNFAIL'}
FINAL = set(b'cartyd4s')

def describe(cmd, data):
    n = NAMES.get(cmd, repr(cmd))
    if cmd in (b'h',):
        name, value, _ = data.split(b'\0', 2)
        return {'op': n, 'name': name.decode(), 'value': value.decode('latin1')}
    if cmd in (b'i', b'm'):
        (idx,) = struct.unpack('>I', data[:4])
        name, value, _ = data[4:].split(b'\0', 2)
        return {'op': n, 'index': idx, 'name': name.decode(), 'value': value.decode('latin1')}
    if cmd in (b'y', b'q'):
        return {'op': n, 'text': data.rstrip(b'\0').decode('latin1')}
    if cmd == b'O':
        v, a, p = struct.unpack('>III', data[:12])
        return {'op': n, 'version': v, 'actions': hex(a), 'protocol': hex(p), 'rest': data[12:].decode('latin1')}
    return {'op': n} if not data else {'op': n, 'data': data.decode('latin1')}

NR = {'C': 0x1000, 'H': 0x2000, 'M': 0x4000, 'R': 0x8000, 'T': 0x10000, 'U': 0x20000, 'L': 0x80, 'N': 0x40000, 'B': 0x80000}
NO = {'C': 0x1, 'H': 0x2, 'M': 0x4, 'R': 0x8, 'B': 0x10, 'L': 0x20, 'N': 0x40, 'U': 0x100, 'T': 0x200}

class Milter:
    def __init__(self, port, timeout=90, version=6, actions=0x1FF, protocol=0x1FFFFF):
        for _ in range(200):
            try:
                self.s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
                break
            except OSError:
                time.sleep(0.05)
        self.buf = b''
        self.send(b'O', struct.pack('>III', version, actions, protocol))
        cmd, data = self.read()
        self.neg = describe(cmd, data)
        self.fproto = struct.unpack('>I', data[8:12])[0]

    def send(self, cmd, data=b''):
        self.s.sendall(struct.pack('>I', len(data) + 1) + cmd + data)

    def read(self):
        while len(self.buf) < 4:
            c = self.s.recv(65536)
            if not c: raise EOFError('milter closed connection')
            self.buf += c
        (n,) = struct.unpack('>I', self.buf[:4])
        while len(self.buf) < 4 + n:
            c = self.s.recv(65536)
            if not c: raise EOFError('milter closed connection')
            self.buf += c
        pkt = self.buf[4:4 + n]; self.buf = self.buf[4 + n:]
        return pkt[:1], pkt[1:]

    def step(self, c, data=b'', macros=None):
        """Send a command (with preceding macros); return list of reply dicts (or None if no reply expected)."""
        if c in NO and self.fproto & NO[c]:
            return 'not-sent(filter NO flag)'
        if macros is not None:
            m = b''.join(k.encode() + b'\0' + v.encode() + b'\0' for k, v in macros.items())
            self.send(b'D', c.encode() + m)
        self.send(c.encode(), data)
        if c in NR and self.fproto & NR[c]:
            return 'no-reply(NR)'
        out = []
        while True:
            cmd, d = self.read()
            out.append(describe(cmd, d))
            if cmd[0] in FINAL:
                return out

    def message(self, headers, body, mailfrom='<sender@example.net>', rcpt='<rcpt@test.example>',
                qid='QID0001', leadspc=True):
        """headers: list of (name, raw value after the colon incl. leading space, CRLF folding)."""
        r = {}
        def done(x):
            # a final reply other than CONTINUE/SKIP ends the milter's part of this message (Postfix sends no more)
            return isinstance(x, list) and x and x[-1]['op'] not in ('CONTINUE', 'SKIP')
        mac = (lambda d: d) if qid else (lambda d: {})
        r['MAIL'] = self.step('M', mailfrom.encode() + b'\0', mac({'i': qid, '{mail_addr}': mailfrom.strip('<>')}))
        if done(r['MAIL']): self.send(b'A'); return r
        r['RCPT'] = self.step('R', rcpt.encode() + b'\0', mac({'i': qid, '{rcpt_addr}': rcpt.strip('<>')}))
        if done(r['RCPT']): self.send(b'A'); return r
        self.step('T', b'', mac({'i': qid}))
        hs = []
        r['HEADERS'] = hs
        for name, value in headers:
            v = value.replace('\r\n', '\n')
            if not (self.fproto & 0x100000) and v.startswith(' '):
                v = v[1:]
            x = self.step('L', name.encode() + b'\0' + v.encode('latin1') + b'\0', mac({'i': qid}))
            hs.append(x)
            if done(x): r['EOM'] = 'not sent: final reply at HEADER ' + name; self.send(b'A'); return r
        r['EOH'] = self.step('N', b'', mac({'i': qid}))
        if done(r['EOH']): r['EOM'] = 'not sent: final reply at EOH'; self.send(b'A'); return r
        r['BODY'] = self.step('B', body, mac({'i': qid})) if body else 'no body chunk'
        if done(r['BODY']): r['EOM'] = 'not sent: final reply at BODY'; self.send(b'A'); return r
        r['EOM'] = self.step('E', b'', mac({'i': qid}))
        self.send(b'A')
        return r

    def connect(self, host='mail.example.net', ip='192.0.2.1', macros=None):
        fam = b'6' if ':' in ip else b'4'
        return self.step('C', host.encode() + b'\0' + fam + struct.pack('>H', 25123) + ip.encode() + b'\0', macros or {})

    def helo(self, name='mail.example.net'):
        return self.step('H', name.encode() + b'\0', {})

    def quit(self):
        self.send(b'Q'); self.s.close()

def split_message(raw):
    """raw bytes (CRLF) -> (headers[(name, value_after_colon)], body bytes)"""
    head, _, body = raw.partition(b'\r\n\r\n')
    headers = []
    for line in head.split(b'\r\n'):
        if line[:1] in (b' ', b'\t') and headers:
            headers[-1][1] += '\r\n' + line.decode('latin1')
        else:
            n, _, v = line.partition(b':')
            headers.append([n.decode(), v.decode('latin1')])
    return [tuple(h) for h in headers], body
