import sys, os
os.environ['ODK_DNS_PORT'] = '53581'
sys.path.insert(0, '/tmp/odkim-research/lib')
import runner
for extra in ('Quarantine yes\nOn-NoSignature quarantine\nOn-BadSignature quarantine\n',):
    r = runner.run('quarantine-with-Quarantine-yes', extra, ['01-unsigned', '03-body-tampered'])
    for c, v in r['cases'].items(): print(c, v['negotiated'], v['EOM'], v['syslog'][2:])
