"""For each action, for each On-* option: run the inbound cases; writes results/on-<Option>-<action>.json"""
import sys, os
action = sys.argv[1]
os.environ['ODK_DNS_PORT'] = str({'reject': 53541, 'tempfail': 53542, 'discard': 53543, 'quarantine': 53544, 'x': 53545}[action if action in ('reject','tempfail','discard','quarantine') else 'x'])
sys.path.insert(0, '/tmp/odkim-research/lib')
import runner
IDS = ['01-unsigned', '02-valid-rsa-sha256', '03-body-tampered', '04-subject-tampered', '05-key-nxdomain',
       '06-key-revoked-p-empty', '07-dns-servfail', '08-dns-timeout', '09a-malformed-no-bh', '09b-malformed-v2',
       '09c-malformed-garbage', '10-rsa-sha1', '11-512-bit-key', '12-expired-x', '13-ed25519-sha256']
opts = sys.argv[2].split(',') if len(sys.argv) > 2 else ['On-NoSignature', 'On-BadSignature', 'On-KeyNotFound', 'On-DNSError', 'On-Default', 'On-Security', 'On-InternalError']
for opt in opts:
    name = 'on-%s-%s' % (opt, action)
    r = runner.run(name, '%s %s\n' % (opt, action), IDS)
    print('#####', name, flush=True)
    runner.show(r)
