import json, time, sys
from harness import OpenDKIM, zone
from milterclient import split_message
import cases as C

def run(conf_name, extra_conf, case_ids=None, client_ip='192.0.2.1', client_host='mail.example.net',
        connect_macros=None, out=True, msgs=None, base_conf=None, mailfrom='<sender@example.net>'):
    z = zone(); C.setup_zone(z)
    msgs = msgs or C.build()
    ids = case_ids or list(msgs)
    o = OpenDKIM(extra_conf, name=conf_name, base_conf=base_conf)
    results = {'config': o.conftext, 'startup_syslog': o.startup, 'cases': {}}
    try:
        for n, cid in enumerate(ids):
            raw = msgs[cid]; print("running", cid, file=sys.stderr, flush=True)
            qid = 'QID' + cid.split('-')[0].upper()
            before = len(o.sink.lines); dnsbefore = len(z.log)
            t0 = time.time()
            m = o.milter()
            rec = {'negotiated': m.neg}
            rec['CONNECT'] = m.connect(client_host, client_ip, connect_macros if connect_macros is not None else {})
            hs, body = split_message(raw)
            r = m.message(hs, body, qid=qid, mailfrom=mailfrom)
            m.quit()
            rec.update({k: r.get(k) for k in ('MAIL', 'RCPT', 'EOH', 'BODY', 'EOM')})
            rec['HEADERS_nonCONTINUE'] = [x for x in r.get('HEADERS', []) if x != [{'op': 'CONTINUE'}]]
            rec['elapsed_s'] = round(time.time() - t0, 2)
            time.sleep(0.25)
            rec['syslog'] = [f'<{p}> {t}' for p, _, t in o.sink.messages()[before:]]
            rec['dns'] = [f'{q[1]} {q[2]} type={q[3]} -> {q[4]}' for q in z.log[dnsbefore:]]
            rec['qid'] = qid
            rec['message'] = raw.decode('latin1')
            results['cases'][cid] = rec
    finally:
        o.stop()
    results['stop_output'] = o.output
    results['shutdown_syslog'] = [f'<{p}> {t}' for p, _, t in o.sink.messages()]
    if out:
        json.dump(results, open('/tmp/odkim-research/results/%s.json' % conf_name, 'w'), indent=1)
    return results

def show(results, verbose=False):
    for cid, r in results['cases'].items():
        print('==', cid, '(%ss)' % r['elapsed_s'])
        for op in r['EOM'] if isinstance(r['EOM'], list) else [r['EOM']]:
            print('   EOM', json.dumps(op))
        if r.get('HEADERS_nonCONTINUE'): print('   HDR-replies', r['HEADERS_nonCONTINUE'])
        if verbose:
            print('   BODY', r['BODY'], 'EOH', r['EOH'])
        for l in r['syslog']:
            print('   LOG', l)
        for l in r['dns']:
            print('   DNS', l)
