"""Turn results/*.json into markdown tables (appended into REPORT.md by hand)."""
import json, glob, os, sys
R = '/tmp/odkim-research/results'
def load(n):
    p = '%s/%s.json' % (R, n)
    return json.load(open(p)) if os.path.exists(p) else None
def js(s): return '`' + json.dumps(s)[1:-1].replace('|', '\\|') + '`'
def final(rec):
    eom = rec.get('EOM')
    where = 'EOM'
    ops = eom
    if isinstance(eom, str):
        where = eom.replace('not sent: final reply at ', '')
        ops = rec.get(where) if where in ('EOH', 'BODY') else None
        where = 'at ' + where
    if not isinstance(ops, list): return str(eom)
    mods = [o for o in ops if o['op'] not in ('CONTINUE', 'ACCEPT', 'REJECT', 'TEMPFAIL', 'DISCARD', 'REPLYCODE', 'SKIP')]
    f = ops[-1]
    s = f['op'] + (' ' + js(f['text']) if 'text' in f else '')
    q = [o for o in mods if o['op'] == 'QUARANTINE']
    if q: s += ' + QUARANTINE ' + js(q[0]['text'])
    if where != 'EOM': s += ' (' + where + ')'
    return s
def hdrops(rec):
    ops = rec.get('EOM') if isinstance(rec.get('EOM'), list) else []
    out = []
    for o in ops:
        if o['op'] in ('INSHEADER', 'ADDHEADER', 'CHGHEADER'):
            out.append('%s%s %s: %s' % (o['op'], '[%d]' % o['index'] if 'index' in o else '', o['name'], js(o['value'])))
    return '<br>'.join(out) or '(none)'
def logs(rec): return '<br>'.join(js(l) for l in rec['syslog'])
def case_table(res, cols=('final', 'hdr', 'log')):
    print('| case | final reply | header ops at EOM (exact value bytes) | syslog `<pri>` text |')
    print('|---|---|---|---|')
    for cid, rec in res['cases'].items():
        print('| %s | %s | %s | %s |' % (cid, final(rec), hdrops(rec), logs(rec)))
what = sys.argv[1]
if what == 'case':
    case_table(load(sys.argv[2]))
elif what == 'matrix':
    base = load('baseline')
    acts = ['reject', 'tempfail', 'discard', 'quarantine']
    opts = ['On-NoSignature', 'On-BadSignature', 'On-KeyNotFound', 'On-DNSError', 'On-Default', 'On-Security', 'On-InternalError']
    ids = list(load('on-On-NoSignature-reject')['cases'])
    for opt in opts:
        print('\n#### %s\n' % opt)
        print('| case | ' + ' | '.join(acts) + ' |'); print('|---|' + '---|' * len(acts))
        for cid in ids:
            row = []
            changed = False
            for a in acts:
                r = load('on-%s-%s' % (opt, a))
                if not r or cid not in r['cases']: row.append('n/a'); continue
                f = final(r['cases'][cid]); b = final(base['cases'][cid])
                if f != b: changed = True
                row.append(f if f != b else '= default (%s)' % b.split(' ')[0])
            if changed: print('| %s | %s |' % (cid, ' | '.join(row)))
        print('\n(cases not listed: final reply identical to the default configuration for all four actions)')
