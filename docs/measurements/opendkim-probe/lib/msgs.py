"""Keys, DNS records and signed test messages (dkimpy)."""
import base64, subprocess, os, time, contextlib
import dkim, nacl.signing
K = '/tmp/odkim-research/keys'

def pem(name):
    return open('%s/%s.pem' % (K, name), 'rb').read()

def rsa_p(name):
    der = subprocess.run(['openssl', 'pkey', '-in', '%s/%s.pem' % (K, name), '-pubout', '-outform', 'DER'],
                         capture_output=True, check=True).stdout
    return base64.b64encode(der).decode()

def ed_key():
    path = K + '/ed25519.seed'
    if not os.path.exists(path):
        open(path, 'wb').write(base64.b64encode(bytes(nacl.signing.SigningKey.generate())))
    seed_b64 = open(path, 'rb').read()
    pub = nacl.signing.SigningKey(base64.b64decode(seed_b64)).verify_key.encode()
    return seed_b64, base64.b64encode(pub).decode()

BASE_HEADERS = (b'From: Sender <sender@example.net>\r\n'
                b'To: rcpt@test.example\r\n'
                b'Subject: test message\r\n'
                b'Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n'
                b'Message-ID: <m1@example.net>\r\n')
BODY = b'Hello.\r\nThis is a test.\r\n'

def msg(extra_headers=b''):
    return extra_headers + BASE_HEADERS + b'\r\n' + BODY

@contextlib.contextmanager
def patched_fields(fn):
    """fn(list of (tag, value)) -> list; applied to the tag list before dkimpy computes b="""
    orig = dkim.DKIM.gen_header
    def gen_header(self, fields, *a, **kw):
        return orig(self, fn(list(fields)), *a, **kw)
    dkim.DKIM.gen_header = gen_header
    try:
        yield
    finally:
        dkim.DKIM.gen_header = orig

def sign(message, selector, domain=b'example.net', key='rsa2048', alg=b'rsa-sha256', fields=None,
         canon=(b'relaxed', b'simple')):
    priv = ed_key()[0] if alg == b'ed25519-sha256' else pem(key)
    if fields:
        with patched_fields(fields):
            sig = dkim.sign(message, selector, domain, priv, canonicalize=canon, signature_algorithm=alg,
                            include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
    else:
        sig = dkim.sign(message, selector, domain, priv, canonicalize=canon, signature_algorithm=alg,
                        include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
    return sig + message
