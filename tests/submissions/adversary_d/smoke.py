"""Loopback smoke test of chatroom.py (this folder's, or the path given).

python3 smoke.py [PATH/TO/chatroom.py]

Real servers (in this process, or a child for Ctrl-C) and real clients whose run() runs in child
processes with stdin piped: join, refusal of a taken name, chat, leave by 'exit' and by Ctrl-C, shutdown
by run_event / shutdown() and by Ctrl-C, TCP and UDP.  Every wait has a deadline; the test waits for
messages and states, never sleeps to synchronise.  Exits 0 when everything held, 1 otherwise.
"""
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'proofs'))
import _common as c  # noqa: E402

TARGET = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'chatroom.py'))
LIMIT = 90.0            # the whole smoke test
CHILD = r'''
import signal, socket, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
socket.gethostbyname = lambda host: '127.0.0.1'
import importlib.util
spec = importlib.util.spec_from_file_location('chatroom', sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
role, cls = sys.argv[2], sys.argv[3]
if role == 'client':
    getattr(m, cls)(sys.argv[4], int(sys.argv[5])).run()
else:
    import threading
    s = getattr(m, cls)(0)
    say_lock = threading.Lock()
    def say(line):   # one write per line, under a lock: the two threads never split each other's lines
        with say_lock:
            sys.stdout.write(line + '\n')
            sys.stdout.flush()
    say('PORT {}'.format(s.server_socket.getsockname()[1]))
    stop = threading.Event()
    def report():   # the client count, as it changes, for the parent to wait on
        last = None
        while not stop.is_set():
            n = s.get_clients_number()
            if n != last:
                say('COUNT {}'.format(n))
                last = n
            stop.wait(0.02)
    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    s.run()
    stop.set()
    reporter.join(2)
    say('RUN-RETURNED')
    sys.exit(0)
print('RUN-RETURNED', flush=True)
'''
failures = []
children = []


def note(ok, what):
    print('{:4} {}'.format('ok' if ok else 'FAIL', what), flush=True)
    if not ok:
        failures.append(what)
    return ok


class Child:
    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, '-c', CHILD, TARGET] + [str(a) for a in args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        children.append(self)
        self.out, self.err = c.Stream(), c.Stream()
        for pipe, stream in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=c._pump, args=(pipe.read1, stream), daemon=True).start()

    def type(self, text):
        self.proc.stdin.write((text + '\n').encode())
        self.proc.stdin.flush()

    def sees(self, text, timeout=c.WAIT):
        return self.out.wait_contains(text, timeout)

    def ended(self, timeout=c.WAIT):
        """run() returned by itself (no more input), the process exited 0 and said nothing on stderr."""
        if not c.wait_exit(self.proc, timeout):
            return False
        self.err.wait_eof(2)
        self.out.wait_eof(2)          # the pump threads may still hold the last bytes
        return self.proc.returncode == 0 and 'RUN-RETURNED' in self.out.data and self.err.data == ''

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)


def client(cls, name, port):
    return Child('client', cls, name, port)


def server_child(cls):
    child = Child('server', cls)
    if not child.sees('\n'):
        raise RuntimeError('server child did not start: ' + child.err.data)
    child.port = int(child.out.data.split('\n')[0].split()[1])

    def count():
        counts = [line.split()[1] for line in child.out.data.split('\n')
                  if line.startswith('COUNT ') and len(line.split()) == 2 and line.split()[1].isdigit()]
        return int(counts[-1]) if counts else None
    child.count = count
    return child


def room(kind, cls, port, count, stop_server, server_runner):
    """The common scenario; count() is the server's client count (reported by a server child)."""
    alice = client(cls, 'alice', port)
    if count:
        note(c.wait_until(lambda: count() == 1), '{}: alice joined (count 1)'.format(kind))
    bob = client(cls, 'bob', port)
    note(alice.sees('User bob joined'), '{}: alice sees bob join'.format(kind))
    if count:
        note(c.wait_until(lambda: count() == 2), '{}: count 2'.format(kind))
    twin = client(cls, 'alice', port)
    note(twin.ended(), '{}: a second alice is refused and its run() returns'.format(kind))
    if count:
        note(count() == 2, '{}: count still 2 after the refusal'.format(kind))
    alice.type('hello everyone')
    note(bob.sees('alice: hello everyone') or bob.sees('alice:hello everyone'), '{}: bob gets the chat'.format(kind))
    bob.type('I will join later, not exit')
    note(alice.sees('bob: I will join later, not exit') or alice.sees('bob:I will join later, not exit'),
         '{}: a line with join/exit in it is chat'.format(kind))
    note('hello everyone' not in alice.out.data and 'User alice joined' not in alice.out.data,
         '{}: nothing echoed to its sender'.format(kind))
    bob.type('exit')
    note(alice.sees('User bob left'), '{}: bob leaves by exit, alice is told'.format(kind))
    note(bob.ended(), '{}: bob run() returned'.format(kind))
    if count:
        note(c.wait_until(lambda: count() == 1), '{}: count back to 1'.format(kind))
    carol = client(cls, 'carol', port)
    note(alice.sees('User carol joined'), '{}: carol joins'.format(kind))
    carol.type('hi alice')
    note(alice.sees('carol: hi alice') or alice.sees('carol:hi alice'), '{}: carol chats'.format(kind))
    carol.interrupt()
    note(alice.sees('User carol left'), '{}: carol leaves by Ctrl-C, alice is told'.format(kind))
    note(carol.ended(), '{}: carol run() returned after Ctrl-C'.format(kind))
    alice.out.cursor = len(alice.out.data)       # look only at what comes next
    bob2 = client(cls, 'bob', port)
    note(alice.sees('User bob joined'), '{}: the name bob is free again'.format(kind))
    stop_server()
    note(alice.ended(), '{}: alice run() returns on server-shutdown without more input'.format(kind))
    note(bob2.ended(), '{}: bob run() returns on server-shutdown'.format(kind))
    if server_runner is not None:
        server_runner()


def main():
    dog = threading.Timer(LIMIT, lambda: (print('FAIL smoke watchdog fired', flush=True), os._exit(2)))
    dog.daemon = True
    dog.start()
    m = c.load(TARGET)

    # TCP, server in this process, stopped by run_event
    srv = m.ServerTCP(0)
    note(not srv.run_event.is_set() and not srv.handle_event.is_set(), 'tcp: events clear at start')
    runner = threading.Thread(target=srv.run, daemon=True)
    runner.start()

    def tcp_done():
        runner.join(3)
        note(not runner.is_alive(), 'tcp: run() returned after run_event')
        note(srv.run_event.is_set() and srv.handle_event.is_set(), 'tcp: both events set after shutdown')
    room('tcp', 'ClientTCP', srv.server_socket.getsockname()[1], srv.get_clients_number, srv.run_event.set, tcp_done)

    # UDP, server in this process, stopped by shutdown()
    usrv = m.ServerUDP(0)
    urunner = threading.Thread(target=usrv.run, daemon=True)
    urunner.start()

    def udp_done():
        urunner.join(3)
        note(not urunner.is_alive(), 'udp: run() returned after shutdown()')
    room('udp', 'ClientUDP', usrv.server_socket.getsockname()[1], usrv.get_clients_number, usrv.shutdown, udp_done)

    # both servers in a child, stopped by Ctrl-C
    for kind, scls, ccls in (('tcp-sigint', 'ServerTCP', 'ClientTCP'), ('udp-sigint', 'ServerUDP', 'ClientUDP')):
        server = server_child(scls)

        def by_ctrl_c(server=server):
            server.interrupt()

        def reaped(server=server, kind=kind):
            note(server.ended(), '{}: server run() returned and the process exited 0'.format(kind))
        room(kind, ccls, server.port, server.count, by_ctrl_c, reaped)

    for child in children:
        if child.proc.poll() is None:
            child.proc.kill()
            note(False, 'a child was still running at the end')
    print('smoke: {} ({}, Python {})'.format('PASSED' if not failures else '{} FAILED'.format(len(failures)),
                                             TARGET, sys.version.split()[0]), flush=True)
    os._exit(0 if not failures else 1)


if __name__ == '__main__':
    started = time.monotonic()
    try:
        main()
    except Exception as exc:
        import traceback
        traceback.print_exc()
        print('FAIL smoke crashed: {!r}'.format(exc), flush=True)
        for child in children:
            if child.proc.poll() is None:
                child.proc.kill()
        os._exit(1)
