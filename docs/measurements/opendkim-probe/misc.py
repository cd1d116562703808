"""AuthservID default (j macro sent / not sent / AuthservID HOSTNAME), AlwaysAddARHeader, On-Default precedence."""
import sys, os
os.environ['ODK_DNS_PORT'] = '53561'
sys.path.insert(0, '/tmp/odkim-research/lib')
import runner, harness
which = sys.argv[1] if len(sys.argv) > 1 else 'all'
NOAUTHSERV = harness.BASE_CONF.replace('AuthservID test.example\n', '')
def go(name, extra, ids, **kw):
    r = runner.run(name, extra, ids, **kw)
    print('#####', name, '| extra conf:', repr(extra), '| kw:', kw); runner.show(r)
if which in ('all', 'authserv'):
    go('authserv-default-with-j', '', ['02-valid-rsa-sha256', '01-unsigned', '15a-forged-AR-own-id-on-valid'], base_conf=NOAUTHSERV,
       connect_macros={'j': 'mx.test.example', '{daemon_name}': 'smtpd', 'v': 'Postfix 3.7.11'})
    go('authserv-default-without-j', '', ['02-valid-rsa-sha256', '15a-forged-AR-own-id-on-valid'], base_conf=NOAUTHSERV, connect_macros={})
    go('authserv-HOSTNAME', 'AuthservID HOSTNAME\n', ['02-valid-rsa-sha256'], base_conf=NOAUTHSERV,
       connect_macros={'j': 'mx.test.example'})
    go('authserv-explicit-with-j', '', ['02-valid-rsa-sha256'], connect_macros={'j': 'mx.test.example'})
if which in ('all', 'always'):
    go('alwaysaddar', 'AlwaysAddARHeader yes\n', ['01-unsigned', '15d-forged-AR-own-id-on-unsigned', '09c-malformed-garbage', '07-dns-servfail', '08-dns-timeout'])
if which in ('all', 'prec'):
    go('default-reject-then-nosig-accept', 'On-Default reject\nOn-NoSignature accept\n', ['01-unsigned', '03-body-tampered', '07-dns-servfail'])
    go('nosig-accept-then-default-reject', 'On-NoSignature accept\nOn-Default reject\n', ['01-unsigned', '03-body-tampered', '07-dns-servfail'])
if which in ('all', 'keep'):
    go('keepauthresults', 'KeepAuthResults yes\n', ['15a-forged-AR-own-id-on-valid'])
    go('removeARAll', 'RemoveARAll yes\n', ['15b-AR-other-id-on-valid'])
