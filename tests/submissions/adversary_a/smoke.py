"""Loopback smoke test of chatroom.py: real servers and real clients, both protocols.

python3 smoke.py [PATH/TO/chatroom.py]
Clients run as child processes with stdin piped (their run() reads the keyboard);
servers run in a thread of this script, and once more in a child that gets Ctrl-C.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'proofs'))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)

PATH = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'chatroom.py'))
failures = []


def expect(ok, what):
    print('%-4s %s' % ('ok' if ok else 'FAIL', what))
    if not ok:
        failures.append(what)


def room(kind, stop_how):
    mod = c.load(PATH)
    server, port, thread = c.start_server(mod, 'ServerTCP' if kind == 'tcp' else 'ServerUDP')
    count = server.get_clients_number
    alice = c.client_proc(PATH, kind, 'alice', port)
    expect(c.wait_until(lambda: count() == 1, 5), '%s alice joined (count 1)' % kind)
    bob = c.client_proc(PATH, kind, 'bob', port)
    expect(c.wait_until(lambda: count() == 2, 5), '%s bob joined (count 2)' % kind)
    expect(alice.wait_out('User bob joined'), '%s alice sees "User bob joined"' % kind)
    alice.type('hello bob')
    expect(bob.wait_out('alice: hello bob'), '%s bob sees "alice: hello bob"' % kind)
    bob.type('hi alice: how are you?')
    expect(alice.wait_out('bob: hi alice: how are you?'), '%s alice sees bob\'s chat' % kind)
    carol = c.client_proc(PATH, kind, 'carol', port)
    expect(c.wait_until(lambda: count() == 3, 5), '%s carol joined (count 3)' % kind)
    expect(alice.wait_out('User carol joined') and bob.wait_out('User carol joined'),
           '%s alice and bob see "User carol joined"' % kind)
    dup = c.client_proc(PATH, kind, 'carol', port)
    expect(dup.wait_exit(5) and count() == 3, '%s second "carol" refused, count still 3' % kind)
    carol.type('exit')
    expect(carol.wait_exit(5), '%s carol run() returned after typing exit' % kind)
    expect(alice.wait_out('User carol left') and bob.wait_out('User carol left'),
           '%s alice and bob see "User carol left"' % kind)
    expect(c.wait_until(lambda: count() == 2, 5), '%s count back to 2' % kind)
    expect('alice: hello bob' not in alice.out() and 'User alice joined' not in alice.out(),
           '%s alice never got her own broadcasts' % kind)
    if stop_how == 'run_event':
        server.run_event.set()
    else:
        server.shutdown()
    expect(alice.wait_exit(5) and bob.wait_exit(5),
           '%s both clients returned from run() by themselves after %s' % (kind, stop_how))
    thread.join(5)
    expect(not thread.is_alive(), '%s server run() returned' % kind)
    expect(c.RUN_RETURNED in alice.out() and 'exit_run=True exit_receive=True' in alice.out(),
           '%s alice: exit_run and exit_receive set' % kind)


def _observer(kind, port):
    """A raw peer 'zed' that joins first, so that the others' joins can be seen."""
    if kind == 'tcp':
        peer, ok = c.tcp_join(port, 'zed')
        return ok, (lambda text: c.wait_until(lambda: text in peer.text(), 5))
    peer, ok = c.udp_join(port, 'zed')
    return ok, (lambda text: c.wait_until(lambda: text in peer.received()
                                          or text.replace(': ', ':', 1) in peer.received(), 5))


def ctrl_c(kind):
    for who in ('server', 'client'):
        port = c.free_port()
        server = c.server_proc(PATH, kind, port)
        expect(server.wait_out('__READY__', 5), '%s server child ready' % kind)
        ok, zed_sees = _observer(kind, port)
        expect(ok, '%s observer zed joined' % kind)
        alice = c.client_proc(PATH, kind, 'alice', port)
        expect(zed_sees('User alice joined'), '%s zed sees alice join' % kind)
        bob = c.client_proc(PATH, kind, 'bob', port)
        expect(alice.wait_out('User bob joined', 5), '%s alice sees bob join' % kind)
        bob.type('ping')
        expect(alice.wait_out('bob: ping', 5) and zed_sees('bob: ping'),
               '%s alice and zed see "bob: ping"' % kind)
        if who == 'server':
            server.sigint()
            expect(server.wait_exit(5) and c.RUN_RETURNED in server.out(),
                   '%s server run() returned after Ctrl-C' % kind)
            expect(alice.wait_exit(5) and bob.wait_exit(5),
                   '%s clients returned after the server\'s Ctrl-C' % kind)
        else:
            bob.sigint()
            expect(bob.wait_exit(5), '%s bob run() returned after Ctrl-C' % kind)
            expect(alice.wait_out('User bob left', 5) and zed_sees('User bob left'),
                   '%s alice and zed see "User bob left" after bob\'s Ctrl-C' % kind)
            alice.close_stdin()
            expect(alice.wait_exit(5), '%s alice run() returned at end of input' % kind)
            expect(zed_sees('User alice left'), '%s zed sees "User alice left" after EOF' % kind)
            server.sigint()
            expect(server.wait_exit(5), '%s server run() returned after Ctrl-C' % kind)


if __name__ == '__main__':
    room('tcp', 'run_event')
    room('tcp', 'shutdown')
    room('udp', 'shutdown')
    room('udp', 'run_event')
    ctrl_c('tcp')
    ctrl_c('udp')
    for fn in reversed(c._cleanups):
        try:
            fn()
        except BaseException:
            pass
    print('SMOKE %s (%d failures)' % ('PASSED' if not failures else 'FAILED', len(failures)))
    sys.stdout.flush()
    os._exit(1 if failures else 0)
