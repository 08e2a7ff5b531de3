"""Loopback smoke test of adversary_f/chatroom.py (or of the chatroom.py given): python3 smoke.py [path].

Exercises the main paths of all four classes: joins, chat relay, a taken name, close_client of a stranger,
'exit', the clients count, shutdown by run_event and by Ctrl-C (TCP), Ctrl-C (UDP), run() of both clients with
a real keyboard (a pipe). Exits 0 when everything behaves.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if len(sys.argv) < 2:
    sys.argv.append(os.path.join(HERE, 'chatroom.py'))
sys.path.insert(0, os.path.join(HERE, 'proofs'))

import socket  # noqa: E402
import time  # noqa: E402

import _common as C  # noqa: E402

failures = []


def check(cond, what):
    print(('  ok   ' if cond else '  FAIL ') + what, file=sys.stderr, flush=True)
    if not cond:
        failures.append(what)


def tcp(mod, cap):
    srv, port, t = C.start_tcp_server(mod)
    alice = mod.ClientTCP('alice', port)
    check(alice.connect_server(), 'tcp: alice joins')
    C.spawn(alice.receive)
    check(C.wait_until(lambda: srv.get_clients_number() == 1, 5), 'tcp: count 1')
    bob = C.Child('chatroom.ClientTCP("bob", %d).run()\n' % port)
    check(C.wait_until(lambda: srv.get_clients_number() == 2, 5), 'tcp: bob (run()) joins, count 2')
    check(cap.has('User bob joined', 5), 'tcp: alice sees User bob joined')
    bob.type('hello there')
    check(cap.has('bob: hello there', 5), 'tcp: alice sees bob: hello there')
    alice.send('hi bob')
    check(C.wait_until(lambda: 'alice: hi bob' in bob.stdout(), 5), 'tcp: bob sees alice: hi bob')
    dup = mod.ClientTCP('alice', port)
    check(dup.connect_server() is False, 'tcp: a second alice is refused')
    stranger = socket.socket()
    check(srv.close_client(stranger) is False, 'tcp: close_client of a stranger is False')
    stranger.close()
    check(srv.get_clients_number() == 2, 'tcp: count still 2')
    bob.type('exit')
    check(cap.has('User bob left', 5), 'tcp: alice sees User bob left')
    check(bob.wait(5) is not None, 'tcp: bob run() returns after exit')
    check(C.wait_until(lambda: srv.get_clients_number() == 1, 5), 'tcp: count back to 1')
    again, ok = C.tcp_join(port, 'bob')
    check(ok, 'tcp: the name bob is free again')
    check(again.wait_for('alice: ', 0.5) is False, 'tcp: (nothing stray for the new bob)')
    srv.run_event.set()
    t.join(5)
    check(not t.is_alive(), 'tcp: run() returns after run_event.set()')
    check(C.wait_until(alice.exit_run.is_set, 5) and alice.exit_receive.is_set(),
          'tcp: alice receive() sets exit_run and exit_receive on server-shutdown')
    check(again.wait_for('server-shutdown', 5), 'tcp: raw client gets server-shutdown')

    # Ctrl-C on a server in its own process
    port2 = C.free_port()
    child = C.Child('chatroom.ServerTCP(%d).run()\n' % port2)
    raw = None
    deadline = time.monotonic() + 10
    while raw is None and time.monotonic() < deadline:
        try:
            raw, ok = C.tcp_join(port2, 'carol')
        except OSError:
            time.sleep(0.05)
    check(raw is not None and ok, 'tcp: carol joins the server process')
    time.sleep(0.5)   # Ctrl-C comes the way a person presses it: while the server idles in its loop
    child.interrupt()
    check(raw.wait_for('server-shutdown', 5), 'tcp: Ctrl-C sends server-shutdown')
    check(child.wait(5) is not None, 'tcp: the server process ends after Ctrl-C')
    child.kill()


def udp(mod, cap):
    srv, port, t = C.start_udp_server(mod)
    carol = mod.ClientUDP('carol', port)
    check(carol.connect_server(), 'udp: carol joins')
    C.spawn(carol.receive)
    dave = C.Child('chatroom.ClientUDP("dave", %d).run()\n' % port)
    check(C.wait_until(lambda: srv.get_clients_number() == 2, 5), 'udp: dave (run()) joins, count 2')
    check(cap.has('User dave joined', 5), 'udp: carol sees User dave joined')
    dave.type('hey: all')
    check(C.wait_until(lambda: 'dave: hey: all' in cap.text() or 'dave:hey: all' in cap.text(), 5),
          'udp: carol sees dave\'s chat')
    carol.send('hi dave')
    check(C.wait_until(lambda: 'carol: hi dave' in dave.stdout(), 5), 'udp: dave sees carol: hi dave')
    dup = mod.ClientUDP('carol', port)
    check(dup.connect_server() is False, 'udp: a second carol is refused')
    check(srv.close_client(('127.0.0.1', 9)) is False, 'udp: close_client of a stranger is False')
    check(any(m[1] == 'User dave joined' for m in srv.messages), 'udp: messages holds (addr, text) tuples')
    dave.type('exit')
    check(cap.has('User dave left', 5), 'udp: carol sees User dave left')
    check(dave.wait(5) is not None, 'udp: dave run() returns after exit')
    check(srv.get_clients_number() == 1, 'udp: count back to 1')
    srv.shutdown()
    check(C.wait_until(carol.exit_run.is_set, 5) and carol.exit_receive.is_set(),
          'udp: carol receive() sets both events on server-shutdown')
    t.join(5)
    check(not t.is_alive(), 'udp: run() returns after shutdown()')

    port2 = C.free_port()
    child = C.Child('chatroom.ServerUDP(%d).run()\n' % port2)
    raw, ok = None, False
    deadline = time.monotonic() + 10
    while not ok and time.monotonic() < deadline:
        raw, ok = C.udp_join(port2, 'erin', 0.2)
    check(ok, 'udp: erin joins the server process')
    time.sleep(0.5)   # while the server idles in its loop
    child.interrupt()
    check(raw.wait_for('server-shutdown', 5) is not None, 'udp: Ctrl-C sends server-shutdown')
    check(child.wait(5) is not None, 'udp: the server process ends after Ctrl-C')
    child.kill()


def main():
    mod = C.load()
    cap = C.capture_stdout()
    tcp(mod, cap)
    udp(mod, cap)
    sys.stdout = sys.__stdout__
    if failures:
        print('smoke: {} failure(s)'.format(len(failures)))
        os._exit(1)
    print('smoke: all paths ok')
    os._exit(0)


if __name__ == '__main__':
    main()
