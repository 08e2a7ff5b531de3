"""Loopback smoke test of chatroom.py: real servers, real clients (run() in child processes).

python3 smoke.py [PATH/TO/chatroom.py]
"""
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'proofs'))
import _common as C  # noqa: E402

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'chatroom.py')
mod = C.load(PATH)
results = []


def ok(cond, what):
    results.append((bool(cond), what))
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)


def tcp_and_udp(kind):
    cleanups = []
    tcp = kind == 'TCP'
    srv = (C.tcp_server if tcp else C.udp_server)(mod, cleanups).start()
    cls = 'ClientTCP' if tcp else 'ClientUDP'
    rel = (lambda n, t: ['{}: {}'.format(n, t)]) if tcp else (lambda n, t: list(C.udp_relays(n, t)))
    alice = C.ClientProc(PATH, cls, 'alice', srv.port, cleanups)
    ok(srv.wait_count(1), kind + ' alice joined')
    bob = C.ClientProc(PATH, cls, 'bob', srv.port, cleanups)
    ok(srv.wait_count(2), kind + ' bob joined')
    ok(alice.wait_out(lambda o: 'User bob joined' in o), kind + ' alice saw User bob joined')
    carol = C.ClientProc(PATH, cls, 'carol', srv.port, cleanups)
    ok(srv.wait_count(3), kind + ' carol joined')
    ok(bob.wait_out(lambda o: 'User carol joined' in o), kind + ' bob saw User carol joined')
    dup = C.ClientProc(PATH, cls, 'alice', srv.port, cleanups)
    ok(C.wait_until(lambda: not dup.running(), 8), kind + ' duplicate alice refused and ended')
    ok(srv.count() == 3, kind + ' count still 3 after refusal')
    alice.type('hello everyone')
    ok(bob.wait_out(lambda o: any(r in o for r in rel('alice', 'hello everyone'))), kind + ' bob got alice chat')
    ok(carol.wait_out(lambda o: any(r in o for r in rel('alice', 'hello everyone'))), kind + ' carol got alice chat')
    bob.type('héllo ☕ from bob')
    ok(alice.wait_out(lambda o: any(r in o for r in rel('bob', 'héllo ☕ from bob'))), kind + ' alice got non-ASCII chat')
    time.sleep(0.3)
    ok('hello everyone' not in alice.output(), kind + ' alice did not get her own chat')
    bob.type('exit')
    ok(alice.wait_out(lambda o: 'User bob left' in o), kind + ' alice saw User bob left')
    ok(C.wait_until(lambda: not bob.running(), 5), kind + ' bob run() returned after exit')
    ok(srv.wait_count(2), kind + ' count 2 after bob left')
    if tcp:
        t0 = time.monotonic()
        srv.server.run_event.set()
        srv.thread.join(5)
        ok(not srv.thread.is_alive() and time.monotonic() - t0 < 2.5, 'TCP run() returned soon after run_event.set()')
    else:
        srv.server.shutdown()
        srv.thread.join(5)
        ok(not srv.thread.is_alive(), 'UDP run() returned after shutdown()')
    ok(C.wait_until(lambda: not alice.running() and not carol.running(), 5),
       kind + ' clients ended by themselves after server-shutdown')
    for fn in reversed(cleanups):
        fn()


def ctrl_c(kind):
    cleanups = []
    port = C.free_port(C.socket.SOCK_STREAM if kind == 'TCP' else C.socket.SOCK_DGRAM)
    code = ('import socket,signal,sys; socket.gethostbyname=lambda h:"127.0.0.1";'
            'signal.signal(signal.SIGINT, signal.default_int_handler);'
            'import importlib.util as u; s=u.spec_from_file_location("c", sys.argv[1]); m=u.module_from_spec(s);'
            's.loader.exec_module(m); getattr(m, sys.argv[2])(int(sys.argv[3])).run(); print("run returned")')
    proc = subprocess.Popen([sys.executable, '-c', code, PATH, 'Server' + kind, str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cleanups.append(lambda: proc.kill())
    time.sleep(0.5)
    cls = 'ClientTCP' if kind == 'TCP' else 'ClientUDP'
    a = C.ClientProc(PATH, cls, 'alice', port, cleanups)
    a.type('')
    time.sleep(1.0)   # smoke only: let alice join before bob
    b = C.ClientProc(PATH, cls, 'bob', port, cleanups)
    ok(a.wait_out(lambda o: 'User bob joined' in o), kind + ' (server process) alice saw bob join')
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        out = b''
    ok(b'run returned' in out, kind + ' server run() returned after Ctrl-C')
    ok(C.wait_until(lambda: not a.running() and not b.running(), 5),
       kind + ' clients ended after Ctrl-C shutdown of the server')
    for fn in reversed(cleanups):
        fn()


def client_ctrl_c_and_eof():
    cleanups = []
    fake = C.FakeTcpServer(cleanups)
    c = C.ClientProc(PATH, 'ClientTCP', 'zed', fake.port, cleanups)
    fake.take_name('zed')
    c.type('sync')
    ok(fake.wait(lambda t, cl: t == 'sync'), 'TCP client sent a typed line')
    fake.send('bob: ping')
    ok(c.wait_out(lambda o: 'bob: ping' in o), 'TCP client displayed a message')
    c.interrupt()
    ok(fake.wait(lambda t, cl: t == 'syncexit'), 'TCP client sent exit on Ctrl-C')
    ok(C.wait_until(lambda: not c.running(), 5), 'TCP client ended on Ctrl-C')
    fu = C.FakeUdpServer(cleanups)
    u = C.ClientProc(PATH, 'ClientUDP', 'zed', fu.port, cleanups)
    fu.take_join('zed')
    u.type('one')
    ok(fu.wait(lambda ms: 'zed:one' in ms), 'UDP client sent zed:one')
    u.proc.stdin.close()
    ok(fu.wait(lambda ms: 'zed:exit' in ms), 'UDP client sent zed:exit at end of input')
    ok(C.wait_until(lambda: not u.running(), 5), 'UDP client ended at end of input')
    for fn in reversed(cleanups):
        fn()


tcp_and_udp('TCP')
tcp_and_udp('UDP')
ctrl_c('TCP')
ctrl_c('UDP')
client_ctrl_c_and_eof()
bad = [w for good, w in results if not good]
print('{} checks, {} failed'.format(len(results), len(bad)))
os._exit(1 if bad else 0)
