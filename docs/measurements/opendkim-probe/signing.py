"""Signing side: KeyTable/SigningTable for example.com, client 127.0.0.1, queue id via macro i."""
import sys, os, json
os.environ['ODK_DNS_PORT'] = '53551'
sys.path.insert(0, '/tmp/odkim-research/lib')
import runner, cases
S = '/tmp/odkim-research/sign'
def tables(keypath, tag):
    kt, st = '%s/keytable-%s' % (S, tag), '%s/signingtable-%s' % (S, tag)
    open(kt, 'w').write('mail._domainkey.example.com example.com:mail:%s\n' % keypath)
    open(st, 'w').write('*@example.com mail._domainkey.example.com\n')
    return 'KeyTable file:%s\nSigningTable refile:%s\n' % (kt, st)

H = (b'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n'
     b'Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <s1@example.com>\r\n')
B = b'Hi Bob.\r\n'
M = {
    'S1-sign-ok': H + b'\r\n' + B,
    'S2-nomatch-sender': H.replace(b'alice@example.com', b'carol@example.org') + b'\r\n' + B,
    'S3-no-from-header': b'\r\n'.join(l for l in H.split(b'\r\n') if not l.startswith(b'From:')) + b'\r\n' + B,
    'S4-unparseable-from': H.replace(b'Alice <alice@example.com>', b'undisclosed-recipients:;') + b'\r\n' + B,
}
which = sys.argv[1] if len(sys.argv) > 1 else 'all'
def go(name, extra, ids, ip='127.0.0.1', host='localhost', macros=None, base=None):
    r = runner.run(name, extra, ids, client_ip=ip, client_host=host, msgs=M, connect_macros=macros, base_conf=base)
    print('#####', name, '\n' + r['config']); print('startup:', r['startup_syslog'])
    runner.show(r)
    if r['shutdown_syslog']: print('   after-stop syslog/output:', r['shutdown_syslog'], r['stop_output'])
good = tables(S + '/good.pem', 'good')
if which in ('all', 'ok'):
    go('sign-ok', good + 'Canonicalization relaxed/simple\n', list(M))
    go('sign-ok-from-external', good, ['S1-sign-ok', 'S3-no-from-header'], ip='192.0.2.1', host='mail.example.net')
if which in ('all', 'badkey'):
    for tag, path in (('missing', S + '/does-not-exist.pem'), ('garbage', S + '/garbage.pem')):
        for extra in ('', 'On-SignatureError tempfail\n', 'On-SignatureError accept\n', 'On-InternalError reject\n', 'On-SignatureError reject\n', 'On-SignatureError discard\n', 'On-SignatureError quarantine\n'):
            go('sign-%s-%s' % (tag, extra.strip().replace(' ', '-') or 'default'), tables(path, tag) + extra, ['S1-sign-ok'])
if which in ('all', 'nofrom'):
    for extra in ('', 'On-BadSignature reject\n', 'On-Default reject\n', 'On-InternalError reject\n', 'On-NoSignature reject\n', 'On-Security reject\n'):
        go('nofrom-verify-%s' % (extra.strip().replace(' ', '-') or 'default'), extra, ['S3-no-from-header', 'S4-unparseable-from'], ip='192.0.2.1', host='mail.example.net')
    go('nofrom-sign-AlwaysAddAR', good + 'AlwaysAddARHeader yes\n', ['S3-no-from-header'])
