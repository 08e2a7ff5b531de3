"""Shared helpers of the adversary_f proofs (and of smoke.py).

A proof runs as `python3 proofs/NAME.py PATH/chatroom.py` and exits 0 when the program behaves as the text
asks, 1 when it shows the planted fault, 2 when the proof itself could not run (an unexpected exception).
Everything talks over 127.0.0.1: socket.gethostbyname is pinned to it before the program is loaded.
Every wait has a deadline.
"""
import importlib.util
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(HERE, '..', 'chatroom.py')
LOOPBACK = '127.0.0.1'
_REAL_STDOUT = sys.stdout

socket.gethostbyname = lambda host: LOOPBACK


def load():
    spec = importlib.util.spec_from_file_location('chatroom', TARGET)
    mod = importlib.util.module_from_spec(spec)
    sys.modules['chatroom'] = mod
    spec.loader.exec_module(mod)
    return mod


def finish(ok, why):
    """0: behaves as the text asks; 1: the fault showed."""
    try:
        sys.stdout = _REAL_STDOUT
        print(('ok: ' if ok else 'FAULT: ') + why, flush=True)
    finally:
        os._exit(0 if ok else 1)


def main(body):
    """Run body(); an exception in the proof itself is exit 2 (neither verdict)."""
    try:
        body()
    except SystemExit:
        raise
    except BaseException:
        sys.stdout = _REAL_STDOUT
        traceback.print_exc()
        print('proof error', flush=True)
        os._exit(2)
    finish(True, 'done')


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1."""
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
    raise RuntimeError('no free port')


def wait_until(pred, timeout, step=0.005):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def spawn(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


class Capture:
    """Stands in for sys.stdout: collects what the program's threads print."""

    def __init__(self):
        self.parts = []
        self.lock = threading.Lock()
        self.encoding = 'utf-8'

    def write(self, s):
        with self.lock:
            self.parts.append(s)
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    def text(self):
        with self.lock:
            return ''.join(self.parts)

    def has(self, s, timeout):
        return wait_until(lambda: s in self.text(), timeout)


def capture_stdout():
    cap = Capture()
    sys.stdout = cap
    return cap


class RawTCP:
    """A harness-side TCP client: accumulates what arrives, never trusts one recv() to be one message."""

    def __init__(self, port):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=5)
        self.sock.settimeout(None)
        self.buf = b''
        self.pos = 0
        self.eof = False

    def send(self, text):
        self.sock.sendall(text.encode('utf-8'))

    def pump(self, timeout):
        """Read what arrives within timeout (returns at the first data)."""
        if self.eof:
            return False
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return False
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b''
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def unread(self):
        return self.buf[self.pos:].decode('utf-8', 'replace')

    def wait_for(self, text, timeout=5.0):
        """True once text is among the unread bytes (they are consumed up to its end)."""
        want = text.encode('utf-8')
        deadline = time.monotonic() + timeout
        while True:
            i = self.buf.find(want, self.pos)
            if i >= 0:
                self.pos = i + len(want)
                return True
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return False
            self.pump(min(left, 0.1))

    def next_is(self, text, timeout=5.0):
        """True when the next unread bytes are exactly text (waits until that many have come)."""
        want = text.encode('utf-8')
        deadline = time.monotonic() + timeout
        while len(self.buf) - self.pos < len(want):
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                break
            self.pump(min(left, 0.1))
        ok = self.buf[self.pos:self.pos + len(want)] == want
        if ok:
            self.pos += len(want)
        return ok

    def quiet(self, duration):
        """Reads for duration; True if nothing new came."""
        before = len(self.buf)
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline and not self.eof:
            self.pump(deadline - time.monotonic())
        return len(self.buf) == before

    def wait_eof(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.pump(min(0.1, deadline - time.monotonic()))
        return self.eof

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def tcp_join(port, name, timeout=5.0):
    """Connect a raw client and send its name; returns (client, True if welcomed)."""
    c = RawTCP(port)
    c.send(name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not c.eof:
        text = c.unread()
        if 'Welcome' in text:
            c.wait_for('Welcome', 0)
            return c, True
        if 'Name already taken' in text:
            c.wait_for('Name already taken', 0)
            return c, False
        c.pump(0.1)
    return c, False


class RawUDP:
    """A harness-side UDP client."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.server = (LOOPBACK, port)
        self.addr = self.sock.getsockname()

    def send(self, text):
        self.sock.sendto(text.encode('utf-8'), self.server)

    def recv(self, timeout=5.0):
        """The next datagram's text, or None if none came in time."""
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return None
        data, _ = self.sock.recvfrom(65536)
        return data.decode('utf-8', 'replace')

    def wait_for(self, text, timeout=5.0):
        """Reads datagrams until one equals text; returns the list of others seen before it (None if never)."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            got = self.recv(left)
            if got is None:
                return None
            if got == text:
                return seen
            seen.append(got)

    def close(self):
        self.sock.close()


def udp_join(port, name, timeout=5.0):
    c = RawUDP(port)
    c.send(name + ':join')
    reply = c.recv(timeout)
    return c, reply == 'Welcome'


def start_tcp_server(mod):
    port = free_port()
    srv = mod.ServerTCP(port)
    t = spawn(srv.run)
    return srv, port, t


def start_udp_server(mod):
    port = free_port()
    srv = mod.ServerUDP(port)
    t = spawn(srv.run)
    return srv, port, t


class FakeTCPServer:
    """A harness-side TCP server for client proofs: one connection at a time, greeted the text's way."""

    def __init__(self):
        self.port = free_port()
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((LOOPBACK, self.port))
        self.lsock.listen(5)
        self.conn = None

    def accept(self, timeout=5.0):
        r, _, _ = select.select([self.lsock], [], [], timeout)
        if not r:
            return None
        sock, _ = self.lsock.accept()
        conn = RawTCP.__new__(RawTCP)
        conn.sock, conn.buf, conn.pos, conn.eof = sock, b'', 0, False
        self.conn = conn
        return conn


class FakeUDPServer:
    def __init__(self):
        self.port = free_port()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, self.port))

    def recv(self, timeout=5.0):
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return None, None
        data, addr = self.sock.recvfrom(65536)
        return data.decode('utf-8', 'replace'), addr

    def send(self, text, addr):
        self.sock.sendto(text.encode('utf-8'), addr)


CHILD_PRELUDE = r'''
import importlib.util, socket, sys
socket.gethostbyname = lambda host: '127.0.0.1'
spec = importlib.util.spec_from_file_location('chatroom', sys.argv[1])
chatroom = importlib.util.module_from_spec(spec)
sys.modules['chatroom'] = chatroom
spec.loader.exec_module(chatroom)
'''


class Child:
    """The program run in a process of its own (for Ctrl-C and for run() with a real keyboard: a pipe)."""

    def __init__(self, code):
        self.proc = subprocess.Popen([sys.executable, '-u', '-c', CHILD_PRELUDE + code, TARGET],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.out = b''
        self.err = b''
        self.lock = threading.Lock()
        spawn(self._drain, self.proc.stdout, 'out')
        spawn(self._drain, self.proc.stderr, 'err')

    def _drain(self, stream, which):
        while True:
            data = stream.read1(65536) if hasattr(stream, 'read1') else stream.read(1)
            if not data:
                return
            with self.lock:
                if which == 'out':
                    self.out += data
                else:
                    self.err += data

    def stdout(self):
        with self.lock:
            return self.out.decode('utf-8', 'replace')

    def stderr(self):
        with self.lock:
            return self.err.decode('utf-8', 'replace')

    def type(self, line):
        self.proc.stdin.write((line + '\n').encode('utf-8'))
        self.proc.stdin.flush()

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()


def first_of(conn, texts, timeout=5.0):
    """Which of texts appears first among conn's unread bytes (consumed up to its end); None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        best = None
        for t in texts:
            i = conn.buf.find(t.encode('utf-8'), conn.pos)
            if i >= 0 and (best is None or i < best[0]):
                best = (i, t)
        if best is not None:
            conn.pos = best[0] + len(best[1].encode('utf-8'))
            return best[1]
        left = deadline - time.monotonic()
        if left <= 0 or conn.eof:
            return None
        conn.pump(min(left, 0.1))


class Spy:
    """Wraps a client's socket to see when its recv() has returned data (everything else passes through)."""

    def __init__(self, sock):
        self._sock = sock
        self.got_data = threading.Event()

    def recv(self, *args):
        data = self._sock.recv(*args)
        if data:
            self.got_data.set()
        return data

    def __getattr__(self, name):
        return getattr(self._sock, name)


def tcp_client_joined(mod, name, spy=False):
    """An in-process ClientTCP joined to a fake server; returns (client, conn on the server side, capture)."""
    cap = capture_stdout()
    fake = FakeTCPServer()
    client = mod.ClientTCP(name, fake.port)
    if spy:
        client.client_socket = Spy(client.client_socket)
    result = {}
    th = spawn(lambda: result.update(ok=client.connect_server()))
    conn = fake.accept(5)
    if conn is None or not conn.next_is(name, 5):
        raise RuntimeError('the client did not connect and send its name')
    conn.send('Welcome')
    th.join(5)
    if result.get('ok') is not True:
        raise RuntimeError('connect_server() did not return True on Welcome')
    return client, conn, cap


def udp_client_joined(mod, name):
    """An in-process ClientUDP joined to a fake server; returns (client, fake, client address, capture)."""
    cap = capture_stdout()
    fake = FakeUDPServer()
    client = mod.ClientUDP(name, fake.port)
    result = {}
    th = spawn(lambda: result.update(ok=client.connect_server()))
    msg, addr = fake.recv(5)
    if msg != name + ':join':
        raise RuntimeError('expected {}:join, got {!r}'.format(name, msg))
    fake.send('Welcome', addr)
    th.join(5)
    if result.get('ok') is not True:
        raise RuntimeError('connect_server() did not return True on Welcome')
    return client, fake, addr, cap


class Keys:
    """Stands in for input(): lines handed over by the proof; asked is set whenever input() is called."""

    def __init__(self):
        import builtins
        import queue
        self.lines = queue.Queue()
        self.asked = threading.Event()
        builtins.input = self.input

    def input(self, prompt=''):
        import queue
        self.asked.set()
        try:
            return self.lines.get(timeout=20)
        except queue.Empty:
            raise EOFError

    def type(self, line):
        self.lines.put(line)


def udp_rx_queue(port):
    """Bytes waiting in the receive queue of the UDP socket bound to 127.0.0.1:port (None if unknown)."""
    try:
        with open('/proc/net/udp') as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return None
    want = ':{:04X}'.format(port)   # bound to 127.0.0.1 or to all interfaces
    for row in rows:
        fields = row.split()
        if len(fields) > 4 and fields[1].endswith(want) and fields[1][:8] in ('0100007F', '00000000'):
            return int(fields[4].split(':')[1], 16)
    return None
