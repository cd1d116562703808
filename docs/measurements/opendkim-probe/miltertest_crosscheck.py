import sys, os, subprocess
os.environ['ODK_DNS_PORT'] = '53571'
sys.path.insert(0, '/tmp/odkim-research/lib')
from harness import OpenDKIM, zone
zone()
for expect, conf in (('ar', 'AlwaysAddARHeader yes\n'), ('reject', 'On-NoSignature reject\n')):
    o = OpenDKIM(conf, name='lua-' + expect)
    try:
        p = subprocess.run(['miltertest', '-D', 'port=%d' % o.port, '-D', 'expect=' + expect, '-s', '/tmp/odkim-research/miltertest-crosscheck.lua'],
                           capture_output=True, text=True, timeout=60)
        print(expect, 'rc', p.returncode, p.stdout, p.stderr)
    finally:
        o.stop()
    print('syslog:', [l for l in o.sink.lines])
