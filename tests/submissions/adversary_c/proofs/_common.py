"""Shared helpers for the proofs: load a chatroom.py, loopback peers, child clients, verdicts.

Exit codes: 0 behaviour as the text demands, 1 not, 3 the proof's own setup failed.
"""
import importlib.util
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_real_gethostbyname = socket.gethostbyname
socket.gethostbyname = lambda host: '127.0.0.1'      # before chatroom.py is loaded

LOOP = '127.0.0.1'


CHILDREN = []


def _verdict(line, code):
    for child in CHILDREN:
        try:
            child.kill()
        except Exception:
            pass
    out = sys.__stdout__
    out.write(line + '\n')
    out.flush()
    os._exit(code)


def ok(msg='ok'):
    _verdict('ok: ' + msg, 0)


def fail(expected, seen):
    _verdict('expected {} ; seen {}'.format(expected, seen), 1)


def setup_failed(msg):
    _verdict('setup failed: ' + msg, 3)


def check(cond, expected, seen):
    if not cond:
        fail(expected, seen)


def load(path=None):
    path = path or (sys.argv[1] if len(sys.argv) > 1 else None)
    if not path or not os.path.exists(path):
        setup_failed('no chatroom.py given')
    spec = importlib.util.spec_from_file_location('chatroom_under_test', path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules['chatroom_under_test'] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:  # a faulty copy may not even import
        fail('chatroom.py imports', repr(exc))
    return mod


def watchdog(seconds=30):
    def bark():
        setup_failed('proof watchdog after {} s'.format(seconds))
    t = threading.Timer(seconds, bark)
    t.daemon = True
    t.start()


def free_port():
    """A port free for both TCP and UDP on loopback."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((LOOP, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((LOOP, port))
        except OSError:
            t.close()
            u.close()
            continue
        t.close()
        u.close()
        return port
    setup_failed('no free port')


def wait_until(pred, timeout=3.0, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def start_thread(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


# ---------------------------------------------------------------- servers under test

def tcp_server(mod, port=None):
    port = port or free_port()
    try:
        srv = mod.ServerTCP(port)
    except Exception as exc:
        setup_failed('ServerTCP({}) raised {!r}'.format(port, exc))
    start_thread(srv.run)
    return srv, port


def udp_server(mod, port=None):
    port = port or free_port()
    try:
        srv = mod.ServerUDP(port)
    except Exception as exc:
        setup_failed('ServerUDP({}) raised {!r}'.format(port, exc))
    start_thread(srv.run)
    return srv, port


GREETINGS = ('Welcome', 'Name already taken')


class TcpPeer:
    """A hand-made TCP client talking to a server under test; accumulates what it receives."""

    def __init__(self, port):
        self.sock = socket.create_connection((LOOP, port), timeout=5)
        self.sock.settimeout(None)
        self.buf = ''
        self.cursor = 0
        self.eof = False
        self.lock = threading.Lock()
        start_thread(self._reader)

    def _reader(self):
        raw = b''
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b''
            if not data:
                self.eof = True
                return
            raw += data
            with self.lock:
                self.buf = raw.decode('utf-8', 'replace')

    def send(self, text):
        self.sock.sendall(text.encode())

    def rest(self):
        with self.lock:
            return self.buf[self.cursor:]

    def join(self, name, timeout=3.0):
        """Send the name; return 'Welcome' or 'Name already taken' (greeting variants allowed)."""
        self.send(name)
        seen = {}

        def got():
            r = self.rest()
            if 'Name already taken' in r:
                seen['v'] = 'Name already taken'
            elif 'Welcome' in r:
                seen['v'] = 'Welcome'
            return 'v' in seen
        if not wait_until(got, timeout):
            return None
        with self.lock:
            self.cursor = len(self.buf)
        return seen['v']

    def expect(self, text, timeout=3.0):
        """Wait until text appears after the cursor; move the cursor past it. Returns True/False."""
        def found():
            return text in self.rest()
        if not wait_until(found, timeout):
            return False
        with self.lock:
            i = self.buf.index(text, self.cursor)
            self.cursor = i + len(text)
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class UdpPeer:
    """A hand-made UDP socket talking to a ServerUDP under test (or acting as a fake server)."""

    def __init__(self, port=None, bind_port=0):
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOP, bind_port))
        self.addr = self.sock.getsockname()
        self.got = []          # (text, addr)
        self.cursor = 0
        self.lock = threading.Lock()
        start_thread(self._reader)

    def _reader(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:
                return
            with self.lock:
                self.got.append((data.decode('utf-8', 'replace'), addr))

    def send(self, text, addr=None):
        self.sock.sendto(text.encode(), addr or (LOOP, self.port))

    def texts(self):
        with self.lock:
            return [t for t, _ in self.got]

    def join(self, name, timeout=3.0):
        self.send('{}:join'.format(name))
        seen = {}

        def got():
            for t in self.texts()[self.cursor:]:
                if 'Name already taken' in t:
                    seen['v'] = 'Name already taken'
                elif 'Welcome' in t:
                    seen['v'] = 'Welcome'
                if 'v' in seen:
                    return True
            return False
        if not wait_until(got, timeout):
            return None
        self.cursor = len(self.texts())
        return seen['v']

    def next_message(self, timeout=3.0):
        """The next datagram after the cursor (or None); moves the cursor."""
        if not wait_until(lambda: len(self.texts()) > self.cursor, timeout):
            return None
        t = self.texts()[self.cursor]
        self.cursor += 1
        return t

    def expect(self, accepted, timeout=3.0):
        """Wait for a datagram in accepted (a str or tuple); return (found, skipped datagrams)."""
        if isinstance(accepted, str):
            accepted = (accepted,)
        skipped = []
        end = time.monotonic() + timeout
        while True:
            t = self.next_message(max(0.0, end - time.monotonic()))
            if t is None:
                return False, skipped
            if t in accepted:
                return True, skipped
            skipped.append(t)


def chat_forms(name, text):
    """What a UDP relay of name's text may look like (TCP format or as received)."""
    return ('{}: {}'.format(name, text), '{}:{}'.format(name, text))


# ---------------------------------------------------------------- fake servers for clients

class FakeTcpServer:
    """Accepts one client, greets it with `greeting`, records all bytes it sends after its name."""

    def __init__(self, greeting='Welcome'):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((LOOP, 0))
        self.lsock.listen(5)
        self.port = self.lsock.getsockname()[1]
        self.greeting = greeting
        self.conn = None
        self.name = None
        self.data = b''
        self.eof = False
        start_thread(self._serve)

    def _serve(self):
        try:
            self.conn, _ = self.lsock.accept()
            self.name = self.conn.recv(1024).decode('utf-8', 'replace')
            self.conn.sendall(self.greeting.encode())
        except OSError:
            return
        while True:
            try:
                d = self.conn.recv(4096)
            except OSError:
                d = b''
            if not d:
                self.eof = True
                return
            self.data += d

    def text(self):
        return self.data.decode('utf-8', 'replace')

    def send(self, text):
        self.conn.sendall(text.encode())


class FakeUdpServer(UdpPeer):
    """Greets every 'x:join' datagram with `greeting`; records every datagram."""

    def __init__(self, greeting='Welcome'):
        self.greeting = greeting
        self.client_addr = None
        UdpPeer.__init__(self)
        self.port = self.addr[1]

    def _reader(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:
                return
            text = data.decode('utf-8', 'replace')
            with self.lock:
                self.got.append((text, addr))
            if text.endswith(':join') and self.client_addr is None:
                self.client_addr = addr
                self.sock.sendto(self.greeting.encode(), addr)

    def to_client(self, text):
        self.sock.sendto(text.encode(), self.client_addr)


class Captured(io.TextIOBase):
    """Thread-safe stand-in for sys.stdout."""

    def __init__(self):
        self.parts = []
        self.lock = threading.Lock()

    def write(self, s):
        with self.lock:
            self.parts.append(s)
        return len(s)

    def flush(self):
        pass

    def text(self):
        with self.lock:
            return ''.join(self.parts)


def capture_stdout():
    cap = Captured()
    sys.stdout = cap
    return cap


def say(msg):
    """Print on the real stdout even when sys.stdout is captured."""
    sys.__stdout__.write(msg + '\n')
    sys.__stdout__.flush()


def in_process_client(mod, kind, name, port):
    cls = mod.ClientTCP if kind == 'tcp' else mod.ClientUDP
    try:
        return cls(name, port)
    except Exception as exc:
        setup_failed('{}({!r}, {}) raised {!r}'.format(cls.__name__, name, port, exc))


# ---------------------------------------------------------------- a client's run() in a child process

class ChildClient:
    """client.run() in a child process with stdin piped and SIGINT back to Python's default."""

    def __init__(self, chatroom, kind, name, port):
        self.p = subprocess.Popen(
            [sys.executable, '-u', os.path.join(HERE, '_child.py'), chatroom, kind, name, str(port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.out = b''
        self.lock = threading.Lock()
        CHILDREN.append(self)
        start_thread(self._reader)

    def _reader(self):
        while True:
            d = self.p.stdout.read1(4096) if hasattr(self.p.stdout, 'read1') else self.p.stdout.read(1)
            if not d:
                return
            with self.lock:
                self.out += d

    def output(self):
        with self.lock:
            return self.out.decode('utf-8', 'replace')

    def type(self, line):
        self.p.stdin.write((line + '\n').encode())
        self.p.stdin.flush()

    def end_input(self):
        self.p.stdin.close()

    def interrupt(self):
        self.p.send_signal(signal.SIGINT)

    def wait_exit(self, timeout=5.0):
        try:
            self.p.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
