"""Shared helpers of the proofs (and of smoke.py).

A proof is run as `python3 proofs/NAME.py PATH/TO/chatroom.py` and exits
  0  the behaviour is as the text demands,
  1  it is not (one line: expected vs seen),
  3  inconclusive (a precondition failed, or the watchdog fired).

Everything is loopback: socket.gethostbyname is forced to 127.0.0.1 (here and in child processes),
servers bind port 0.  Every wait has a deadline; nothing sleeps to synchronise.

Run as a script, this file is the launcher of a child process:
  _common.py client PATH CLASS NAME PORT   ->  CLASS(NAME, PORT).run(), then prints RUN-RETURNED
  _common.py server PATH CLASS             ->  prints PORT n, CLASS(0).run(), then prints RUN-RETURNED
"""
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time

LOOPBACK = '127.0.0.1'
WATCHDOG = 12.0
WAIT = 5.0                 # default deadline of one wait
RETURNED = 'RUN-RETURNED'
_children = []
_real_stdout = sys.__stdout__


def force_loopback():
    socket.gethostbyname = lambda host: LOOPBACK


def load(path):
    force_loopback()
    spec = importlib.util.spec_from_file_location('chatroom_under_test', os.path.abspath(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------------- verdicts
class Inconclusive(Exception):
    pass


class Failed(Exception):
    pass


def _finish(code, line):
    for child in list(_children):
        try:
            if child.poll() is None:
                child.kill()
        except OSError:
            pass
    try:
        _real_stdout.write(line + '\n')
        _real_stdout.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


def require(condition, what):
    if not condition:
        raise Inconclusive(what)


def check(condition, expected, seen):
    if not condition:
        raise Failed('expected {}; seen {}'.format(expected, seen))


def main(scenario):
    """Load argv[1], arm the watchdog, run scenario(module) and exit 0 / 1 / 3."""
    if len(sys.argv) != 2:
        _finish(3, 'usage: {} PATH/TO/chatroom.py'.format(sys.argv[0]))
    dog = threading.Timer(WATCHDOG, lambda: _finish(3, 'inconclusive: watchdog fired after {} s'.format(WATCHDOG)))
    dog.daemon = True
    dog.start()
    try:
        module = load(sys.argv[1])
        scenario(module)
    except Inconclusive as exc:
        _finish(3, 'inconclusive: {}'.format(exc))
    except Failed as exc:
        _finish(1, 'FAULT: {}'.format(exc))
    except BaseException as exc:   # noqa: the proof's own trouble is no verdict
        _finish(3, 'inconclusive: {}: {}'.format(type(exc).__name__, exc))
    _finish(0, 'ok')


def wait_until(predicate, timeout=WAIT, step=0.01):
    """Poll a state (not a sleep as synchronisation: the state is what we wait for)."""
    end = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(step)


# ---------------------------------------------------------------------------------- byte streams
class Stream:
    """Accumulates what a reader thread receives; a cursor marks what has been consumed."""

    def __init__(self):
        self.data = ''
        self.eof = False
        self.cursor = 0
        self.cond = threading.Condition()

    def feed(self, text):
        with self.cond:
            self.data += text
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def rest(self):
        with self.cond:
            return self.data[self.cursor:]

    def expect_next(self, expected, timeout=WAIT):
        """True when the next text is exactly `expected` (consumed); else (False, what was seen)."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                seen = self.data[self.cursor:]
                if seen[:len(expected)] == expected:
                    self.cursor += len(expected)
                    return True, expected
                if not expected.startswith(seen):
                    return False, seen
                left = end - time.monotonic()
                if self.eof or left <= 0:
                    return False, seen + (' <end of stream>' if self.eof else ' <nothing more>')
                self.cond.wait(min(left, 0.2))

    def wait_contains(self, text, timeout=WAIT):
        end = time.monotonic() + timeout
        with self.cond:
            while text not in self.data[self.cursor:]:
                left = end - time.monotonic()
                if self.eof or left <= 0:
                    return False
                self.cond.wait(min(left, 0.2))
            return True

    def wait_eof(self, timeout=WAIT):
        end = time.monotonic() + timeout
        with self.cond:
            while not self.eof:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.2))
            return True


def _pump(read, stream):
    try:
        while True:
            chunk = read()
            if not chunk:
                break
            stream.feed(chunk.decode('utf-8', 'replace'))
    except (OSError, ValueError):
        pass
    stream.close()


class RawTCP:
    """A hand-made TCP peer: sends text, accumulates what it receives."""

    def __init__(self, sock):
        self.sock = sock
        self.stream = Stream()
        threading.Thread(target=_pump, args=(lambda: self.sock.recv(65536), self.stream), daemon=True).start()

    @classmethod
    def connect(cls, port):
        sock = socket.create_connection((LOOPBACK, port), timeout=WAIT)
        sock.settimeout(None)
        return cls(sock)

    def send(self, text):
        self.sock.sendall(text.encode())

    def expect_next(self, expected, timeout=WAIT):
        return self.stream.expect_next(expected, timeout)

    def skip_greeting_tail(self):
        """A greeting may be longer than 'Welcome' ('Welcome!', 'Welcome alice': the lenient reading); what came
        with it is the greeting's tail.  Joins are sequential here, so nothing else is pending for the joiner."""
        with self.stream.cond:
            self.stream.cursor = len(self.stream.data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class FakeTCPServer:
    """A listening socket that takes one client: reads its name, answers with `greeting`."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.peer = None

    def take(self, name, greeting='Welcome', timeout=WAIT):
        self.listener.settimeout(timeout)
        try:
            conn, _ = self.listener.accept()
        except OSError:
            raise Inconclusive('no client connected to the fake server')
        conn.settimeout(None)
        self.peer = RawTCP(conn)
        ok, seen = self.peer.expect_next(name, timeout)
        require(ok, 'the client sent {!r} as its name'.format(seen))
        self.peer.send(greeting)
        return self.peer


class UdpPeer:
    """A hand-made UDP socket: a client of a server under test, or a fake server."""

    def __init__(self, server_port=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.addr = self.sock.getsockname()
        self.server = (LOOPBACK, server_port) if server_port else None
        self.last_from = None

    def send(self, text, to=None):
        self.sock.sendto(text.encode(), to or self.server)

    def next(self, timeout=WAIT):
        self.sock.settimeout(timeout)
        try:
            data, self.last_from = self.sock.recvfrom(65536)
        except OSError:
            return None
        return data.decode('utf-8', 'replace')

    def drain(self):
        """Every datagram already queued (loopback delivery is synchronous with sendto)."""
        got = []
        self.sock.setblocking(False)
        try:
            while True:
                try:
                    data, self.last_from = self.sock.recvfrom(65536)
                except (BlockingIOError, OSError):
                    break
                got.append(data.decode('utf-8', 'replace'))
        finally:
            self.sock.setblocking(True)
        return got

    def close(self):
        self.sock.close()


# ------------------------------------------------------------------------------- servers in-process
def tcp_server(module):
    server = module.ServerTCP(0)
    port = server.server_socket.getsockname()[1]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    return server, port, runner


def stop_tcp_server(server, runner):
    try:
        server.run_event.set()
    except Exception:
        pass
    runner.join(3)


def udp_server(module):
    server = module.ServerUDP(0)
    port = server.server_socket.getsockname()[1]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    return server, port, runner


def tcp_join(port, name, others=(), server=None, count=None):
    """Join `name`; every peer in `others` must then receive 'User name joined' (consumed)."""
    peer = RawTCP.connect(port)
    peer.send(name)
    ok, seen = peer.expect_next('Welcome')
    require(ok, '{} was not welcomed: {!r}'.format(name, seen))
    peer.skip_greeting_tail()
    for other in others:
        ok, seen = other.expect_next('User {} joined'.format(name))
        require(ok, 'join of {} not announced: {!r}'.format(name, seen))
    if server is not None and count is not None:
        require(wait_until(lambda: server.get_clients_number() == count), 'count is not {}'.format(count))
    return peer


def udp_join(port, name, others=()):
    peer = UdpPeer(port)
    peer.send('{}:join'.format(name))
    reply = peer.next()
    require(reply is not None and reply.startswith('Welcome'), '{} was not welcomed: {!r}'.format(name, reply))
    for other in others:
        note = other.next()
        require(note == 'User {} joined'.format(name), 'join of {} not announced: {!r}'.format(name, note))
    return peer


# ---------------------------------------------------------------------------------- child processes
def spawn(*args):
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__)] + [str(a) for a in args],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _children.append(child)
    out = Stream()
    threading.Thread(target=_pump, args=(lambda: child.stdout.read1(65536), out), daemon=True).start()
    child.out = out
    return child


def spawn_client(path, cls, name, port):
    return spawn('client', os.path.abspath(path), cls, name, port)


def spawn_server(path, cls):
    child = spawn('server', os.path.abspath(path), cls)
    require(child.out.wait_contains('\n'), 'the server child did not start')
    line = child.out.rest().split('\n')[0]
    require(line.startswith('PORT '), 'the server child said {!r}'.format(line))
    child.out.cursor += len(line) + 1
    child.port = int(line.split()[1])
    return child


def type_line(child, text):
    child.stdin.write((text + '\n').encode())
    child.stdin.flush()


def interrupt(child):
    child.send_signal(signal.SIGINT)


def wait_exit(child, timeout=WAIT):
    try:
        child.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


class Capture:
    """sys.stdout stand-in for in-process clients: what they display, as a Stream."""

    def __init__(self):
        self.stream = Stream()

    def write(self, text):
        self.stream.feed(text)
        return len(text)

    def flush(self):
        pass


def connect_in_process(module, cls, name, port, fake):
    """A client of class `cls` connects to `fake` (FakeTCPServer / UdpPeer); returns (client, result)."""
    client = getattr(module, cls)(name, port)
    box = {}
    worker = threading.Thread(target=lambda: box.setdefault('r', client.connect_server()), daemon=True)
    worker.start()
    if isinstance(fake, FakeTCPServer):
        fake.take(name)
    else:
        hello = fake.next()
        require(hello == '{}:join'.format(name), 'client said {!r} to join'.format(hello))
        fake.send('Welcome', to=fake.last_from)
    worker.join(WAIT)
    require(box.get('r') is True, 'connect_server() gave {!r}'.format(box.get('r')))
    return client



# ====================================================================================== scenarios
# ServerTCP ------------------------------------------------------------------------------------
def tcp_join_reply(m, present, newcomer, expected):
    """`present` have joined; `newcomer` asks to join: the reply must be exactly `expected`."""
    server, port, runner = tcp_server(m)
    joined = []
    for name in present:
        joined.append(tcp_join(port, name, joined, server, len(joined) + 1))
    peer = RawTCP.connect(port)
    peer.send(newcomer)
    ok, seen = peer.expect_next(expected)
    check(ok, '{!r} for {!r} while {} in the room'.format(expected, newcomer, present), repr(seen))
    stop_tcp_server(server, runner)


def tcp_relay(m, text):
    """alice and bob have joined; alice sends `text`: bob's next message is 'alice: text'."""
    server, port, runner = tcp_server(m)
    alice = tcp_join(port, 'alice', (), server, 1)
    bob = tcp_join(port, 'bob', (alice,), server, 2)
    alice.send(text)
    want = 'alice: ' + text
    ok, seen = bob.expect_next(want)
    check(ok, 'bob receives {!r}'.format(want if len(want) < 60 else want[:40] + '...'),
          repr(seen if len(seen) < 80 else seen[:30] + '...' + seen[-40:]))
    stop_tcp_server(server, runner)


def tcp_reuse_after_leave(m):
    server, port, runner = tcp_server(m)
    alice = tcp_join(port, 'alice', (), server, 1)
    bob = tcp_join(port, 'bob', (alice,), server, 2)
    alice.send('exit')
    ok, seen = bob.expect_next('User alice left')
    require(ok, 'leave not announced: {!r}'.format(seen))
    require(wait_until(lambda: server.get_clients_number() == 1), 'count did not drop to 1')
    again = RawTCP.connect(port)
    again.send('alice')
    ok, seen = again.expect_next('Welcome')
    check(ok, "'Welcome' for 'alice' after alice left", repr(seen))
    stop_tcp_server(server, runner)


def tcp_close_unknown(m):
    server = m.ServerTCP(0)
    stray = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        result = server.close_client(stray)
    except Exception as exc:
        result = 'raised {}'.format(type(exc).__name__)
    check(result is False, 'close_client(a socket that is no client) -> False', repr(result))


def tcp_events(m):
    server = m.ServerTCP(0)
    check(not server.run_event.is_set() and not server.handle_event.is_set(),
          'run_event and handle_event clear after __init__',
          'run_event={} handle_event={}'.format(server.run_event.is_set(), server.handle_event.is_set()))
    port = server.server_socket.getsockname()[1]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    alice = tcp_join(port, 'alice', (), server, 1)
    server.run_event.set()
    ok, seen = alice.expect_next('server-shutdown')
    require(ok, 'no server-shutdown: {!r}'.format(seen))
    runner.join(3)
    require(not runner.is_alive(), 'run() did not return')
    check(server.run_event.is_set() and server.handle_event.is_set(),
          'run_event and handle_event set after shutdown',
          'run_event={} handle_event={}'.format(server.run_event.is_set(), server.handle_event.is_set()))


def tcp_sigint(path):
    child = spawn_server(path, 'ServerTCP')
    alice = tcp_join(child.port, 'alice')
    bob = tcp_join(child.port, 'bob', (alice,))
    interrupt(child)
    for name, peer in (('alice', alice), ('bob', bob)):
        ok, seen = peer.expect_next('server-shutdown')
        check(ok, "{} receives 'server-shutdown' on Ctrl-C".format(name), repr(seen))


def tcp_two_servers(m):
    one, port1, run1 = tcp_server(m)
    two, port2, run2 = tcp_server(m)
    tcp_join(port1, 'alice', (), one, 1)
    check(two.get_clients_number() == 0, 'a second server with 0 clients', two.get_clients_number())
    peer = RawTCP.connect(port2)
    peer.send('alice')
    ok, seen = peer.expect_next('Welcome')
    check(ok, "'Welcome' for alice on the second server", repr(seen))


# ClientTCP / ClientUDP in a child process -------------------------------------------------------
def client_tcp_typed(path, lines, expected, then_eof=False, sigint=False):
    fake = FakeTCPServer()
    child = spawn_client(path, 'ClientTCP', 'alice', fake.port)
    peer = fake.take('alice')
    for line in lines:
        type_line(child, line)
    if sigint:
        ok, seen = peer.expect_next(''.join(lines))
        require(ok, 'typed lines not sent: {!r}'.format(seen))
        interrupt(child)
    ok, seen = peer.expect_next(expected)
    check(ok, 'the server receives {!r}'.format(expected), repr(seen))
    if then_eof:
        require(peer.stream.wait_eof(), 'the client did not close its connection')
        extra = peer.stream.rest()
        check(extra == '', "nothing after {!r}".format(expected), repr(extra))


def client_udp_typed(path, lines, expected, then_exit=False, sigint=False):
    fake = UdpPeer()
    child = spawn_client(path, 'ClientUDP', 'alice', fake.addr[1])
    hello = fake.next()
    require(hello == 'alice:join', 'the client joined with {!r}'.format(hello))
    fake.send('Welcome', to=fake.last_from)
    for line in lines:
        type_line(child, line)
    if sigint:
        for line in lines:
            got = fake.next()
            require(got == 'alice:' + line, 'typed line not sent: {!r}'.format(got))
        interrupt(child)
    for want in expected:
        got = fake.next()
        check(got == want, 'the server receives {!r}'.format(want), repr(got))
    if then_exit:
        require(wait_exit(child), 'the client process did not end')
        extra = fake.drain()
        check(extra == [], 'nothing after {!r}'.format(expected[-1]), repr(extra))


# ClientTCP / ClientUDP in-process ---------------------------------------------------------------
def _client_with_receiver(m, cls):
    if cls == 'ClientTCP':
        fake = FakeTCPServer()
        client = connect_in_process(m, cls, 'alice', fake.port, fake)
        say = fake.peer.send
    else:
        fake = UdpPeer()
        client = connect_in_process(m, cls, 'alice', fake.addr[1], fake)
        to = fake.last_from
        say = lambda text: fake.send(text, to=to)
    shown = Capture()
    sys.stdout = shown
    threading.Thread(target=client.receive, daemon=True).start()
    return client, say, shown.stream


def client_chat_not_shutdown(m, cls):
    client, say, shown = _client_with_receiver(m, cls)
    text = 'bob: is it server-shutdown time?'
    say(text)
    require(wait_until(lambda: text in shown.rest() or client.exit_run.is_set()), 'message neither shown nor acted on')
    check(not client.exit_run.is_set(), 'a chat that mentions server-shutdown is displayed, exit_run stays clear',
          'exit_run set')


def client_shutdown_events(m, cls):
    client, say, shown = _client_with_receiver(m, cls)
    say('server-shutdown')
    require(wait_until(client.exit_run.is_set), 'exit_run not set on server-shutdown')
    check(wait_until(client.exit_receive.is_set, 3.0), 'exit_receive set on server-shutdown', 'exit_receive clear')


def client_long_message(m, cls):
    client, say, shown = _client_with_receiver(m, cls)
    text = 'bob: ' + 'y' * 900
    say(text)
    if cls == 'ClientUDP':
        say('bob: done')
        require(wait_until(lambda: 'bob: done' in shown.rest()), 'messages not displayed')
    else:
        require(wait_until(lambda: len(shown.rest()) > len(text)), 'message not displayed')
    seen = shown.rest()
    check(text in seen, 'a 905-byte message displayed whole', '{} bytes in pieces: {!r}'.format(
        len(seen), seen[:12] + '...' + seen[-12:]))


def client_refused(m, cls):
    if cls == 'ClientTCP':
        fake = FakeTCPServer()
        client = m.ClientTCP('alice', fake.port)
    else:
        fake = UdpPeer()
        client = m.ClientUDP('alice', fake.addr[1])
    box = {}

    def attempt():
        try:
            box['r'] = client.connect_server()
        except Exception as exc:
            box['r'] = 'raised {}'.format(type(exc).__name__)
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    if cls == 'ClientTCP':
        fake.take('alice', greeting='Name already taken')
    else:
        hello = fake.next()
        require(hello == 'alice:join', 'client joined with {!r}'.format(hello))
        fake.send('Name already taken', to=fake.last_from)
    worker.join(WAIT)
    require('r' in box, 'connect_server() did not return')
    check(box['r'] is False, "connect_server() -> False on 'Name already taken'", repr(box['r']))


def client_tcp_no_server(m):
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind((LOOPBACK, 0))           # the port is ours, nobody listens: connect() is refused
    client = m.ClientTCP('alice', holder.getsockname()[1])
    box = {}

    def attempt():
        try:
            box['r'] = client.connect_server()
        except Exception as exc:
            box['r'] = 'raised {}'.format(type(exc).__name__)
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(4.0)
    if 'r' not in box:
        return      # one that keeps trying is accepted (judgement-calls: "No server listening")
    check(box['r'] is False, 'connect_server() -> False when the connection is refused', repr(box['r']))


# ServerUDP ------------------------------------------------------------------------------------
def udp_join_reply(m, present, newcomer, expected):
    server, port, runner = udp_server(m)
    joined = []
    for name in present:
        joined.append(udp_join(port, name, joined))
    peer = UdpPeer(port)
    peer.send('{}:join'.format(newcomer))
    got = peer.next()
    fits = got is not None and (got.startswith('Welcome') if expected == 'Welcome' else got == expected)
    check(fits, '{!r} for {!r} while {} in the room'.format(expected, newcomer, present), repr(got))
    server.shutdown()


def udp_relay(m, sends, observer, allowed):
    """alice and bob have joined (and a stranger exists); `sends` are (who, datagram): the observer's
    next datagram must be one of `allowed`."""
    server, port, runner = udp_server(m)
    peers = {'alice': udp_join(port, 'alice')}
    peers['bob'] = udp_join(port, 'bob', (peers['alice'],))
    peers['stranger'] = UdpPeer(port)
    for who, datagram in sends:
        peers[who].send(datagram)
    got = peers[observer].next()
    shown = got if got is None or len(got) < 80 else got[:30] + '...' + got[-20:] + ' ({} bytes)'.format(len(got))
    check(got in allowed, '{} receives one of {}'.format(observer, [a if len(a) < 60 else a[:20] + '...' for a in allowed]),
          repr(shown))
    server.shutdown()


def udp_close_unknown(m):
    server = m.ServerUDP(0)
    stray = UdpPeer()
    try:
        result = server.close_client(stray.addr)
    except Exception as exc:
        result = 'raised {}'.format(type(exc).__name__)
    check(result is False, 'close_client(an address that is no client) -> False', repr(result))


def udp_join_stored(m):
    server, port, runner = udp_server(m)
    alice = udp_join(port, 'alice')
    entry = (alice.addr, 'User alice joined')
    check(wait_until(lambda: entry in list(server.messages), 3.0), 'messages holds {}'.format(entry),
          repr(list(server.messages)))
    server.shutdown()


def udp_sigint(path):
    child = spawn_server(path, 'ServerUDP')
    alice = udp_join(child.port, 'alice')
    bob = udp_join(child.port, 'bob', (alice,))
    interrupt(child)
    for name, peer in (('alice', alice), ('bob', bob)):
        got = peer.next()
        while got is not None and got.startswith('User ') and got.endswith(' left'):
            got = peer.next()
        check(got == 'server-shutdown', "{} receives 'server-shutdown' on Ctrl-C".format(name), repr(got))


def udp_two_servers(m):
    one, port1, run1 = udp_server(m)
    two, port2, run2 = udp_server(m)
    alice = udp_join(port1, 'alice')
    udp_join(port1, 'bob', (alice,))
    check(list(two.messages) == [] and two.get_clients_number() == 0,
          'a second server with no messages and no clients',
          '{} messages, {} clients'.format(len(two.messages), two.get_clients_number()))
    one.shutdown()
    two.shutdown()


def _child_main(argv):
    signal.signal(signal.SIGINT, signal.default_int_handler)   # a parent may have ignored it
    role, path, cls = argv[0], argv[1], argv[2]
    module = load(path)
    try:
        if role == 'client':
            getattr(module, cls)(argv[3], int(argv[4])).run()
        else:
            server = getattr(module, cls)(0)
            sys.stdout.write('PORT {}\n'.format(server.server_socket.getsockname()[1]))
            sys.stdout.flush()
            server.run()
    except BaseException:
        pass
    try:
        sys.stdout.write('\n' + RETURNED + '\n')
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    os._exit(0)


if __name__ == '__main__':
    _child_main(sys.argv[1:])
