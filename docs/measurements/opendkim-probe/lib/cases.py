"""Inbound verification cases: DNS zone + messages."""
import time
from msgs import *

def setup_zone(z):
    p2048 = rsa_p('rsa2048')
    z.records.update({
        'sel2048._domainkey.example.net': ['v=DKIM1; k=rsa; p=' + p2048],
        'nx._domainkey.example.net': 'NXDOMAIN',
        'revoked._domainkey.example.net': ['v=DKIM1; k=rsa; p='],
        'servfail._domainkey.example.net': 'SERVFAIL',
        'timeout._domainkey.example.net': 'DROP',
        's512._domainkey.example.net': ['v=DKIM1; k=rsa; p=' + rsa_p('rsa512')],
        's1024._domainkey.example.net': ['v=DKIM1; k=rsa; p=' + rsa_p('rsa1024')],
        'ed._domainkey.example.net': ['v=DKIM1; k=ed25519; p=' + ed_key()[1]],
        # published key does not match the signing key (other2048)
        'other._domainkey.example.org': ['v=DKIM1; k=rsa; p=' + p2048],
    })

def fields_drop(tag):
    return lambda f: [x for x in f if x[0] != tag]
def fields_set(tag, val):
    return lambda f: [(t, val if t == tag else v) for t, v in f]
def fields_expired(f):
    now = int(time.time())
    out = [(t, str(now - 864000).encode() if t == b't' else v) for t, v in f]
    i = [t for t, v in out].index(b'h')
    out.insert(i, (b'x', str(now - 432000).encode()))
    return out

FORGED_OWN = b'Authentication-Results: test.example; dkim=pass header.d=example.net header.s=sel2048\r\n'
FORGED_OTHER = b'Authentication-Results: other.example; dkim=pass header.d=example.net header.s=sel2048\r\n'

def build():
    M = msg()
    good = sign(M, b'sel2048')
    c = {}
    c['01-unsigned'] = M
    c['02-valid-rsa-sha256'] = good
    c['03-body-tampered'] = good.replace(b'This is a test.', b'This is a TEST.')
    c['04-subject-tampered'] = good.replace(b'Subject: test message', b'Subject: test messagX')
    c['05-key-nxdomain'] = sign(M, b'nx')
    c['06-key-revoked-p-empty'] = sign(M, b'revoked')
    c['07-dns-servfail'] = sign(M, b'servfail')
    c['08-dns-timeout'] = sign(M, b'timeout')
    c['09a-malformed-no-bh'] = sign(M, b'sel2048', fields=fields_drop(b'bh'))
    c['09b-malformed-v2'] = sign(M, b'sel2048', fields=fields_set(b'v', b'2'))
    c['09c-malformed-garbage'] = b'DKIM-Signature: this is not a signature\r\n' + M
    c['10-rsa-sha1'] = sign(M, b'sel2048', alg=b'rsa-sha1')
    c['11-512-bit-key'] = sign(M, b's512', key='rsa512')
    c['11b-1024-bit-key'] = sign(M, b's1024', key='rsa1024')
    c['12-expired-x'] = sign(M, b'sel2048', fields=fields_expired)
    c['13-ed25519-sha256'] = sign(M, b'ed', alg=b'ed25519-sha256')
    bad = sign(M, b'other', domain=b'example.org', key='other2048')  # bad sig, at bottom after good added on top
    c['14a-two-sigs-good-top-bad-below'] = sign(bad, b'sel2048')
    c['14b-two-sigs-bad-top-good-below'] = sign(good, b'other', domain=b'example.org', key='other2048')
    c['15a-forged-AR-own-id-on-valid'] = FORGED_OWN + good
    c['15b-AR-other-id-on-valid'] = FORGED_OTHER + good
    c['15c-own+other+own-AR-on-valid'] = FORGED_OWN + FORGED_OTHER + good.replace(b'Date:', FORGED_OWN + b'Date:', 1)
    c['15d-forged-AR-own-id-on-unsigned'] = FORGED_OWN + M
    return c
