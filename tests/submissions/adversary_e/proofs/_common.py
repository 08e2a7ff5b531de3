"""Helpers shared by the proofs of adversary_e (and by smoke.py).

A proof is run as  python3 proofs/NAME.py PATH/TO/chatroom.py  and ends with exactly one line on stdout:
  exit 0  the behaviour is as the text demands
  exit 1  it is not ("expected ...; seen ...")
  exit 3  inconclusive (a precondition failed, or the watchdog fired)

Everything is on 127.0.0.1: socket.gethostbyname is forced to return it, here and in every child.
Every wait has a deadline; nothing sleeps to synchronise (the few fixed pauses are the subject of a proof,
e.g. an idle room, or the gap the judgement calls allow between two messages to a TCP client).
"""
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TARGET = os.path.join(HERE, '..', 'chatroom.py')
LOOPBACK = '127.0.0.1'
MARKER = '@@run-returned'

_real_stdout = sys.stdout
_children = []
_children_lock = threading.Lock()
_ended = threading.Lock()


# ----------------------------------------------------------------------------------------------- verdicts

def _end(code, line):
    if not _ended.acquire(False):
        time.sleep(60)  # another thread is already ending the process
    kill_children()
    try:
        _real_stdout.write(line.replace('\n', ' ')[:400] + '\n')
        _real_stdout.flush()
    finally:
        os._exit(code)


def ok(line):
    _end(0, 'ok: ' + line)


def bad(expected, seen):
    _end(1, 'expected {}; seen {}'.format(expected, seen))


def unsure(why):
    _end(3, 'inconclusive: ' + why)


def watchdog(seconds=11.0):
    timer = threading.Timer(seconds, lambda: unsure('watchdog fired after {:.0f} s'.format(seconds)))
    timer.daemon = True
    timer.start()


def main(body, seconds=11.0):
    """Run a proof body under the watchdog; an unexpected exception in the proof is inconclusive."""
    watchdog(seconds)
    try:
        body(target())
    except SystemExit:
        raise
    except BaseException as exc:  # noqa - a proof that breaks proves nothing
        unsure('proof raised {!r}'.format(exc))
    unsure('proof body returned without a verdict')


def short(text, n=70):
    text = text if isinstance(text, str) else repr(text)
    return repr(text if len(text) <= n else text[:n] + '...')


# ----------------------------------------------------------------------------------------------- setup

def target():
    return os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_TARGET)


def force_loopback():
    socket.gethostbyname = lambda host: LOOPBACK


def load(path):
    """Import the chatroom under test in this process (its prints go to /dev/null)."""
    force_loopback()
    sys.stdout = open(os.devnull, 'w')
    spec = importlib.util.spec_from_file_location('chatroom', path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules['chatroom'] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException as exc:  # noqa
        unsure('chatroom.py does not import: {!r}'.format(exc))
    return mod


def free_port():
    """A port free on 127.0.0.1 for both TCP and UDP."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((LOOPBACK, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((LOOPBACK, port))
        except OSError:
            continue
        finally:
            t.close()
            u.close()
        return port
    unsure('no free port')


def wait_state(predicate, timeout, step=0.05):
    """Poll a cheap predicate until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return True
        except Exception:  # noqa - a state that cannot be read yet is not there yet
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def start_server(mod, cls, port):
    """An in-process server of the chatroom under test, its run() in a daemon thread."""
    try:
        server = getattr(mod, cls)(port)
    except BaseException as exc:  # noqa
        unsure('{}({}) failed: {!r}'.format(cls, port, exc))
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    return server, runner


def _thread_states(pid, skip=()):
    """{tid: (state letter, cpu ticks)} of every thread of a process, from /proc."""
    base = '/proc/{}/task'.format(pid)
    states = {}
    for tid in os.listdir(base):
        if int(tid) in skip:
            continue
        try:
            with open(os.path.join(base, tid, 'stat')) as f:
                data = f.read()
        except OSError:
            continue  # the thread ended meanwhile
        rest = data[data.rindex(')') + 2:].split()
        states[tid] = (rest[0], int(rest[11]) + int(rest[12]))
    return states


def wait_idle(pid=None, timeout=4.0, quiet=0.2):
    """Wait until the program is idle: every thread of process pid (default: this process, the calling
    thread aside) asleep, at the start and the end of a `quiet` interval, having used no CPU in between.
    This is how a proof knows a client is back waiting in its input loop, or a server back in its accept
    loop, before it acts. Returns False at the deadline (or without /proc)."""
    skip = ()
    if pid is None:
        pid = os.getpid()
        skip = (threading.get_native_id(),)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            before = _thread_states(pid, skip)
            if before and all(state in 'SDI' for state, _ in before.values()):
                time.sleep(quiet)
                after = _thread_states(pid, skip)
                if after == before:
                    return True
            else:
                time.sleep(0.05)
        except (OSError, ValueError, IndexError):
            return False
    return False


# ----------------------------------------------------------------------------------------------- streams

class Stream:
    """Bytes that arrive over time, with deadline waits; pos marks what a check has consumed."""

    def __init__(self):
        self.buf = b''
        self.closed = False
        self.pos = 0
        self.cond = threading.Condition()

    def feed(self, data):
        with self.cond:
            self.buf += data
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def text(self, start=0):
        return self.buf[start:].decode('utf-8', 'replace')

    def new(self):
        return self.text(self.pos)

    def wait(self, predicate, timeout):
        """Wait until predicate(new text, closed) holds; True if it did."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                if predicate(self.text(self.pos), self.closed):
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.5))

    def wait_text(self, needle, timeout):
        """Wait for needle after pos; on success consume up to the end of it."""
        raw = needle.encode('utf-8')
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                at = self.buf.find(raw, self.pos)
                if at >= 0:
                    self.pos = at + len(raw)
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return False
                self.cond.wait(min(left, 0.5))

    def wait_closed(self, timeout):
        return self.wait(lambda t, closed: closed, timeout)

    def next_is(self, expected, timeout):
        """The next bytes after pos begin with expected (leading whitespace aside).
        Returns (True, seen) or (False, seen); on success consumes it."""
        def enough(t, closed):
            s = t.lstrip()
            return closed or len(s) >= len(expected) or (s and not expected.startswith(s))
        self.wait(enough, timeout)
        with self.cond:
            seen = self.text(self.pos)
            stripped = seen.lstrip()
            if stripped.startswith(expected):
                self.pos += len(seen.encode('utf-8')) - len(stripped.encode('utf-8')) + len(expected.encode('utf-8'))
                return True, seen
            return False, seen


def _pump_socket(sock, stream):
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b''
        if not data:
            stream.close()
            return
        stream.feed(data)


class Conn:
    """A TCP connection whose incoming bytes are collected by a thread."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(None)
        self.stream = Stream()
        threading.Thread(target=_pump_socket, args=(sock, self.stream), daemon=True).start()

    @classmethod
    def join(cls, port, name, timeout=3.0):
        """A harness client: connect and send the bare name."""
        sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
        sock.sendall(name.encode('utf-8'))
        return cls(sock)

    def send(self, text):
        self.sock.sendall(text.encode('utf-8'))

    def wait_text(self, needle, timeout=3.0):
        return self.stream.wait_text(needle, timeout)

    def next_is(self, expected, timeout=3.0):
        return self.stream.next_is(expected, timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def tcp_member(port, name, timeout=4.0):
    """Join a server under test as a harness client; inconclusive unless it is welcomed."""
    try:
        c = Conn.join(port, name)
    except OSError as exc:
        unsure('cannot connect as {}: {!r}'.format(name, exc))
    if not c.wait_text('Welcome', timeout):
        unsure('{} was not welcomed (seen {})'.format(name, short(c.stream.text())))
    return c


class FakeTcpServer:
    """A listening socket standing in for the server, to test a client."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, port))
        self.sock.listen(5)
        self.port = port

    def accept(self, timeout=6.0):
        self.sock.settimeout(timeout)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return None
        return Conn(conn)

    def welcome(self, name, timeout=6.0, greeting='Welcome'):
        """Accept the client, wait for its name, greet it. Inconclusive if any of it fails."""
        conn = self.accept(timeout)
        if conn is None:
            unsure('the client never connected')
        if not conn.wait_text(name, timeout):
            unsure('the client never sent its name (seen {})'.format(short(conn.stream.text())))
        if greeting is not None:
            conn.send(greeting)
        return conn


class Udp:
    """A UDP socket on 127.0.0.1 whose datagrams are collected by a thread."""

    def __init__(self, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, port))
        self.addr = self.sock.getsockname()
        self.got = []  # (text, address)
        self.pos = 0
        self.cond = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
            except OSError:
                return
            with self.cond:
                self.got.append((data.decode('utf-8', 'replace'), addr))
                self.cond.notify_all()

    def send(self, text, addr):
        self.sock.sendto(text.encode('utf-8'), addr)

    def next(self, timeout=3.0):
        """The next datagram not yet consumed: (text, address), or None at the deadline."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.pos >= len(self.got):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 0.5))
            item = self.got[self.pos]
            self.pos += 1
            return item

    def wait_text(self, text, timeout=3.0):
        """Consume datagrams until one equals text; True if found before the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            item = self.next(max(0.0, deadline - time.monotonic()))
            if item is None:
                return False
            if item[0] == text:
                return True


def udp_member(port, name, timeout=4.0):
    """A harness UDP client that has joined the server under test."""
    u = Udp()
    u.send('{}:join'.format(name), (LOOPBACK, port))
    item = u.next(timeout)
    if item is None or item[0] != 'Welcome':
        unsure('{} was not welcomed (seen {})'.format(name, short(item and item[0])))
    return u


# ----------------------------------------------------------------------------------------------- children

BOOT = r'''
import importlib.util, os, signal, socket, sys
path, cls, name, port, mode = sys.argv[1:6]
signal.signal(signal.SIGINT, signal.default_int_handler if mode == 'python' else signal.SIG_DFL)
socket.gethostbyname = lambda host: '127.0.0.1'
spec = importlib.util.spec_from_file_location('chatroom', path)
mod = importlib.util.module_from_spec(spec)
sys.modules['chatroom'] = mod
spec.loader.exec_module(mod)
client = getattr(mod, cls)(name, int(port))
client.run()
sys.stdout.write('\n@@run-returned exit_run=%s exit_receive=%s\n'
                 % (client.exit_run.is_set(), client.exit_receive.is_set()))
sys.stdout.flush()
os._exit(0)
'''


def _pump_fd(fd, stream):
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            stream.close()
            return
        stream.feed(data)


class Child:
    """A client of the chatroom under test whose run() runs in a child process with stdin piped.
    sigint='python' gives the child Python's own SIGINT handler (KeyboardInterrupt), 'dfl' SIG_DFL."""

    def __init__(self, path, cls, name, port, sigint='dfl'):
        env = dict(os.environ, PYTHONUNBUFFERED='1', PYTHONIOENCODING='utf-8')
        self.name = name
        self.proc = subprocess.Popen([sys.executable, '-u', '-c', BOOT, path, cls, name, str(port), sigint],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, preexec_fn=_child_signals)
        with _children_lock:
            _children.append(self.proc)
        self.out = Stream()
        self.err = Stream()
        threading.Thread(target=_pump_fd, args=(self.proc.stdout.fileno(), self.out), daemon=True).start()
        threading.Thread(target=_pump_fd, args=(self.proc.stderr.fileno(), self.err), daemon=True).start()

    def type(self, line):
        try:
            self.proc.stdin.write((line + '\n').encode('utf-8'))
            self.proc.stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def shows(self, text, timeout=3.0):
        """text appears in the child's output (after what earlier checks consumed)."""
        return self.out.wait_text(text, timeout)

    def output(self):
        return self.out.text()

    def returned(self, timeout=3.0):
        """run() returned (the boot code prints a marker then)."""
        return self.out.wait(lambda t, closed: MARKER in self.out.text() or closed, timeout) and \
            MARKER in self.out.text()

    def events(self):
        """(exit_run, exit_receive) as they were when run() returned, or None."""
        text = self.out.text()
        at = text.find(MARKER)
        if at < 0:
            return None
        line = text[at:].splitlines()[0]
        return 'exit_run=True' in line, 'exit_receive=True' in line

    def interrupt(self):
        try:
            self.proc.send_signal(signal.SIGINT)
        except OSError:
            pass

    def tail(self):
        return short(self.out.text()[-120:] + self.err.text()[-120:], 160)


def _child_signals():
    # a parent in the background may ignore SIGINT; the boot code sets what the child uses
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def kill_children():
    with _children_lock:
        procs = list(_children)
    for p in procs:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
    for p in procs:
        try:
            p.wait(timeout=2)
        except Exception:  # noqa
            pass


# ----------------------------------------------------------------------------------------------- set pieces

def tcp_client_joined(path, name='alice', sigint='dfl', in_loop=True):
    """A ClientTCP under test in a child, joined to a fake server that greets it with exactly 'Welcome'.
    With in_loop, a typed line has come through (so the client is in its input loop, its greeting read)
    and the client has gone idle again (back waiting for the next line)."""
    port = free_port()
    fake = FakeTcpServer(port)
    kid = Child(path, 'ClientTCP', name, port, sigint)
    conn = fake.welcome(name)
    if in_loop:
        kid.type('ping from the keyboard')
        if not conn.wait_text('ping from the keyboard', 6):
            unsure('the client never sent a typed line (output {})'.format(kid.tail()))
        if not wait_idle(kid.proc.pid):
            unsure('the client never went idle in its input loop')
    return kid, conn


def udp_client_joined(path, name='alice', sigint='dfl', in_loop=True):
    """A ClientUDP under test in a child, joined to a fake server (greeted with exactly 'Welcome').
    Returns (child, fake server socket, the client's address)."""
    port = free_port()
    fake = Udp(port)
    kid = Child(path, 'ClientUDP', name, port, sigint)
    item = fake.next(6)
    if item is None or item[0] != '{}:join'.format(name):
        unsure('no {}:join from the client (seen {}; output {})'.format(name, short(item and item[0]), kid.tail()))
    addr = item[1]
    fake.send('Welcome', addr)
    if in_loop:
        kid.type('ping from the keyboard')
        if not fake.wait_text('{}:ping from the keyboard'.format(name), 6):
            unsure('the client never sent a typed line (output {})'.format(kid.tail()))
        if not wait_idle(kid.proc.pid):
            unsure('the client never went idle in its input loop')
    return kid, fake, addr


def tcp_room(path, names, port=None):
    """An in-process ServerTCP under test with harness members joined in order (count checked)."""
    mod = load(path)
    port = port or free_port()
    server, runner = start_server(mod, 'ServerTCP', port)
    members = []
    for i, name in enumerate(names):
        members.append(tcp_member(port, name))
        if not wait_state(lambda: server.get_clients_number() == i + 1, 4):
            unsure('{} members expected after {} joined'.format(i + 1, name))
    # each earlier member hears of each later one: consume those announcements
    for i, m in enumerate(members):
        for later in names[i + 1:]:
            if not m.wait_text('User {} joined'.format(later), 4):
                unsure("{} did not hear 'User {} joined'".format(names[i], later))
    return mod, server, runner, port, members


def udp_room(path, names, port=None):
    """An in-process ServerUDP under test with harness members joined in order."""
    mod = load(path)
    port = port or free_port()
    server, runner = start_server(mod, 'ServerUDP', port)
    members = []
    for name in names:
        members.append(udp_member(port, name))
    for i, m in enumerate(members):
        for later in names[i + 1:]:
            if not m.wait_text('User {} joined'.format(later), 4):
                unsure("{} did not hear 'User {} joined'".format(names[i], later))
    return mod, server, runner, port, members


def udp_server_addr(port):
    return (LOOPBACK, port)
