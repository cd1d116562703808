"""Run the real /usr/sbin/opendkim in the foreground inside a private mount namespace whose /dev/log
is a symlink to a unix datagram socket we listen on (the container has no /dev/log and no syslogd),
with libunbound forwarding to our stdlib DNS responder. Nothing outside /tmp/odkim-research is touched."""
import os, socket, subprocess, threading, time, json, re, sys
sys.path.insert(0, os.path.dirname(__file__))
import dnsserver, milterclient

BASE = '/tmp/odkim-research'
RUN = BASE + '/run'
os.makedirs(RUN, exist_ok=True)
DNS_PORT = int(os.environ.get('ODK_DNS_PORT', '53533'))
_zone = None

def zone():
    global _zone
    if _zone is None:
        _zone = dnsserver.start(DNS_PORT)
        with open(RUN + '/unbound-%d.conf' % DNS_PORT, 'w') as f:
            f.write('server:\n  do-not-query-localhost: no\n  verbosity: 0\n'
                    'forward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@%d\n' % DNS_PORT)
    return _zone

BASE_CONF = """Background no
Syslog yes
SyslogSuccess yes
LogWhy yes
LogResults yes
AuthservID test.example
RequireSafeKeys no
ResolverConfiguration {run}/unbound-{port}.conf
DNSTimeout 2
"""

class SyslogSink:
    def __init__(self, path):
        self.path = path
        if os.path.exists(path): os.unlink(path)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(path)
        os.chmod(path, 0o666)
        self.lines = []
        self.t = threading.Thread(target=self.loop, daemon=True); self.t.start()
    def loop(self):
        while True:
            try:
                d = self.s.recv(65536)
            except OSError:
                return
            self.lines.append(d.decode('latin1'))
    def messages(self):
        """strip '<pri>Mon DD HH:MM:SS opendkim[pid]: ' -> (pri, text)"""
        out = []
        for l in self.lines:
            m = re.match(r'<(\d+)>(\w{3} [ \d]\d \d\d:\d\d:\d\d )?(\S+?)(\[\d+\])?: (.*)$', l, re.S)
            out.append((int(m.group(1)), m.group(3), m.group(5)) if m else (None, None, l))
        return out
    def close(self):
        self.s.close()
        try: os.unlink(self.path)
        except OSError: pass

NS_SCRIPT = r'''
set -e
D={run}/devorig.$$
mkdir -p $D
mount --rbind /dev $D
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero random urandom full tty; do if [ -e $D/$n ]; then touch /dev/$n; mount --bind $D/$n /dev/$n; fi; done
mkdir -p /dev/shm /dev/pts; mount --rbind $D/shm /dev/shm; mount --rbind $D/pts /dev/pts
ln -s {sock} /dev/log
exec /usr/sbin/opendkim -f -x {conf}
'''

def free_port():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p

class OpenDKIM:
    _n = 0
    def __init__(self, extra_conf, port=None, name=None, base_conf=None):
        zone()
        OpenDKIM._n += 1
        self.name = name or 'odk%d' % OpenDKIM._n
        self.port = port or free_port()
        self.conf = '%s/%s.conf' % (RUN, self.name)
        self.conftext = (BASE_CONF if base_conf is None else base_conf).format(run=RUN, port=DNS_PORT) + 'Socket inet:%d@127.0.0.1\n' % self.port + extra_conf
        with open(self.conf, 'w') as f: f.write(self.conftext)
        self.sink = SyslogSink('%s/%s.syslog' % (RUN, self.name))
        self.p = subprocess.Popen(['unshare', '-m', '--propagation', 'private', 'sh', '-c',
                                   NS_SCRIPT.format(run=RUN, sock=self.sink.path, conf=self.conf)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # wait for the port
        for _ in range(300):
            if self.p.poll() is not None:
                raise RuntimeError('opendkim exited: ' + self.p.stdout.read().decode())
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close(); break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.1)
        self.startup = list(self.sink.lines)
        self.sink.lines.clear()   # drop the probe-connection noise / startup lines are kept separately
    def milter(self, **kw):
        return milterclient.Milter(self.port, **kw)
    def stop(self):
        self.p.terminate()   # our own child only (unshare execs sh which execs opendkim: same pid)
        try: self.p.wait(10)
        except subprocess.TimeoutExpired: self.p.kill(); self.p.wait()
        self.output = self.p.stdout.read().decode('latin1')
        time.sleep(0.1)
        self.sink.close()
