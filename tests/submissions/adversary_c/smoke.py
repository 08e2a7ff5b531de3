"""Loopback smoke test of chatroom.py: real servers, real clients whose run() runs in child processes.

python3 smoke.py [PATH/TO/chatroom.py]     exits 0 when every step passed.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'proofs'))
import _common as C  # noqa: E402

PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'chatroom.py')
mod = C.load(PATH)
C.watchdog(60)
problems = []


def step(cond, what):
    print('{:4} {}'.format('ok' if cond else 'FAIL', what), flush=True)
    if not cond:
        problems.append(what)


def room(kind):
    start = time.monotonic()
    srv, port = (C.tcp_server if kind == 'tcp' else C.udp_server)(mod)
    names = ['alice', 'bob', 'carol']
    kids = {}
    for n in names:
        kids[n] = C.ChildClient(PATH, kind, n, port)
        step(C.wait_until(lambda: srv.get_clients_number() == len(kids), 5), kind + ' join ' + n)
    for n in names[:-1]:
        later = [m for m in names if names.index(m) > names.index(n)]
        for m in later:
            step(C.wait_until(lambda: 'User {} joined'.format(m) in kids[n].output(), 3),
                 '{} {} sees User {} joined'.format(kind, n, m))
    kids['alice'].type('hello there: 1')
    for n in ('bob', 'carol'):
        step(C.wait_until(lambda: 'alice: hello there: 1' in kids[n].output(), 3), kind + ' chat to ' + n)
    kids['carol'].type('exit')
    step(kids['carol'].wait_exit(5) and '@@END returned' in kids['carol'].output(), kind + ' carol run() returns on exit')
    for n in ('alice', 'bob'):
        step(C.wait_until(lambda: 'User carol left' in kids[n].output(), 3), kind + ' {} sees carol left'.format(n))
    step(C.wait_until(lambda: srv.get_clients_number() == 2, 3), kind + ' count 2 after leave')
    if kind == 'tcp':
        srv.run_event.set()
    else:
        srv.shutdown()
    for n in ('alice', 'bob'):
        step(kids[n].wait_exit(5) and 'exit_run=1 exit_receive=1' in kids[n].output(),
             kind + ' {} run() returns on server-shutdown'.format(n))
    for k in kids.values():
        k.kill()
    print('{} room done in {:.1f} s'.format(kind, time.monotonic() - start))


room('tcp')
room('udp')
print('smoke: {}'.format('all ok' if not problems else '{} problem(s)'.format(len(problems))))
os._exit(0 if not problems else 1)
