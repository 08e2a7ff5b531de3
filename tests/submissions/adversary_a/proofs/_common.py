"""Shared helpers for the proof scripts (loopback only, every wait has a deadline).

A proof imports this module first: it forces socket.gethostbyname to return
'127.0.0.1' before chatroom.py is imported.

Exit codes of a proof: 0 = the behaviour is what the text demands,
1 = it is not (one line says what was expected and what was seen),
3 = the proof itself could not run (harness error, watchdog).
"""
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

socket.gethostbyname = lambda host: '127.0.0.1'

HERE = os.path.dirname(os.path.abspath(__file__))
LOOPBACK = '127.0.0.1'
WATCHDOG_SECONDS = 12.0

_cleanups = []


class Fault(Exception):
    """The implementation does not behave as the text demands."""


class Inconclusive(Exception):
    """A precondition of the scenario failed: the proof cannot judge its subject."""


def at_exit(fn):
    _cleanups.append(fn)
    return fn


def load(path):
    spec = importlib.util.spec_from_file_location('chatroom', os.path.abspath(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules['chatroom'] = module
    spec.loader.exec_module(module)
    return module


def _finish(code, line):
    for fn in reversed(_cleanups):
        try:
            fn()
        except BaseException:
            pass
    sys.stdout = sys.__stdout__
    if line:
        print(line)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(scenario):
    """Run scenario(chatroom_module) with a watchdog and map the outcome to an exit code."""
    if len(sys.argv) != 2:
        print('usage: %s PATH/TO/chatroom.py' % sys.argv[0])
        os._exit(3)

    def watchdog():
        _finish(3, 'INCONCLUSIVE: proof did not finish within %.0f s' % WATCHDOG_SECONDS)

    timer = threading.Timer(WATCHDOG_SECONDS, watchdog)
    timer.daemon = True
    timer.start()
    try:
        module = load(sys.argv[1])
        scenario(module)
    except Fault as fault:
        _finish(1, 'FAULT: %s' % fault)
    except Inconclusive as why:
        _finish(3, 'INCONCLUSIVE: %s' % why)
    except BaseException:
        traceback.print_exc()
        _finish(3, 'INCONCLUSIVE: the proof itself failed')
    _finish(0, 'OK')


def check(condition, expected, seen):
    if not condition:
        raise Fault('expected %s; seen %s' % (expected, seen))


def need(condition, what):
    """A precondition of the scenario (not its subject): failing it makes the proof inconclusive."""
    if not condition:
        raise Inconclusive('setup failed: %s' % what)


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def free_port():
    """A port that is free for both TCP and UDP on the loopback address right now."""
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


# --------------------------------------------------------------------------- servers in threads

def start_server(module, class_name, port=None):
    port = port or free_port()
    server = getattr(module, class_name)(port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def stop():
        if hasattr(server, 'run_event'):
            server.run_event.set()
            thread.join(2)
        try:
            server.shutdown()
        except BaseException:
            pass
        thread.join(1)
    at_exit(stop)
    return server, port, thread


# --------------------------------------------------------------------------- fake peers

class TCPPeer:
    """A raw TCP connection that accumulates everything it receives."""

    def __init__(self, port):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=5)
        self.sock.settimeout(None)
        self.data = b''
        self.base = 0           # transcript offset: set after the greeting by tcp_join()
        self.eof = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        at_exit(self.close)

    def _reader(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b''
            if not chunk:
                self.eof = True
                return
            with self.lock:
                self.data += chunk

    def text(self):
        with self.lock:
            return self.data.decode('utf-8', errors='replace')

    def since(self):
        """The transcript after the greeting (everything when there was no greeting)."""
        with self.lock:
            return self.data[self.base:].decode('utf-8', errors='replace')

    def send(self, text):
        self.sock.sendall(text.encode())

    def expect(self, expected, timeout=3.0):
        """Wait until the whole transcript since the greeting equals expected; stop early on a
        mismatch."""
        wait_until(lambda: self.since() == expected or not expected.startswith(self.since())
                   or (self.eof and self.since() != expected), timeout)
        return self.since() == expected

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


def _welcomed(reply):
    # judgement-calls.md: a greeting that *contains* 'Welcome' ('Welcome!', 'Welcome alice') is
    # accepted for every check that is not about the greeting itself
    return reply is not None and 'Welcome' in reply and 'Name already taken' not in reply


def tcp_join(port, name):
    """Connect, send the bare name, wait for the reply.  Returns (peer, welcomed); the peer's
    transcript (since(), expect()) starts after the reply."""
    peer = TCPPeer(port)
    peer.send(name)
    wait_until(lambda: 'Welcome' in peer.text() or 'Name already taken' in peer.text() or peer.eof,
               3.0)
    with peer.lock:
        peer.base = len(peer.data)
    return peer, _welcomed(peer.text())


class UDPPeer:
    """A raw UDP socket that collects every datagram it receives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.1)
        self.addr = self.sock.getsockname()
        self.got = []
        self.base = 0           # datagrams before this index (the greeting) are not compared
        self.senders = []
        self.closed = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        at_exit(self.close)

    def _reader(self):
        while not self.closed:
            try:
                data, sender = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.got.append(data.decode('utf-8', errors='replace'))
                self.senders.append(sender)

    def received(self):
        with self.lock:
            return list(self.got)

    def since(self):
        with self.lock:
            return list(self.got[self.base:])

    def send(self, port, text, addr=None):
        self.sock.sendto(text.encode(), addr or (LOOPBACK, port))

    def expect(self, expected, timeout=3.0):
        """expected: list whose items are a string or a tuple of accepted strings."""
        def matches(got):
            if len(got) > len(expected):
                return False
            for g, e in zip(got, expected):
                if g not in (e if isinstance(e, tuple) else (e,)):
                    return False
            return True

        def done():
            got = self.since()
            return not matches(got) or len(got) == len(expected)
        wait_until(done, timeout)
        got = self.since()
        return matches(got) and len(got) == len(expected)

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


def chat(name, text):
    """The relay forms judgement-calls.md accepts for UDP chat."""
    return ('%s: %s' % (name, text), '%s:%s' % (name, text))


def udp_join(port, name):
    """Send '<name>:join', wait for the reply.  Returns (peer, welcomed); the peer's since() and
    expect() start after the reply."""
    peer = UDPPeer()
    peer.send(port, '%s:join' % name)
    wait_until(lambda: len(peer.received()) >= 1, 3.0)
    got = peer.received()
    with peer.lock:
        peer.base = 1 if got else 0
    return peer, _welcomed(got[0] if got else None)


# --------------------------------------------------------------------------- fake servers

class FakeTCPServer:
    """Accepts one connection, answers the name with `greeting`, accumulates the rest."""

    def __init__(self, name, greeting='Welcome'):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.name = name
        self.greeting = greeting
        self.conn = None
        self.data = b''
        self.greeted = False
        self.eof = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        at_exit(self.close)

    def _serve(self):
        try:
            self.conn, _ = self.listener.accept()
        except OSError:
            return
        while True:
            try:
                chunk = self.conn.recv(65536)
            except OSError:
                chunk = b''
            if not chunk:
                self.eof = True
                return
            with self.lock:
                self.data += chunk
                if not self.greeted and len(self.data) >= len(self.name.encode()):
                    self.greeted = True
                    try:
                        self.conn.sendall(self.greeting.encode())
                    except OSError:
                        pass

    def text(self):
        with self.lock:
            return self.data.decode('utf-8', errors='replace')

    def send(self, text):
        self.conn.sendall(text.encode())

    def expect(self, expected, timeout=3.0):
        wait_until(lambda: self.text() == expected or not expected.startswith(self.text())
                   or (self.eof and self.text() != expected), timeout)
        return self.text() == expected

    def close(self):
        for s in (self.conn, self.listener):
            if s is None:
                continue
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass


class FakeUDPServer:
    """Answers '<name>:join' with `greeting` and collects every datagram."""

    def __init__(self, greeting='Welcome'):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.client_addr = None
        self.got = []
        self.closed = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        at_exit(self.close)

    def _serve(self):
        while not self.closed:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            text = data.decode('utf-8', errors='replace')
            with self.lock:
                self.got.append(text)
                first = self.client_addr is None
                if first:
                    self.client_addr = addr
            if first:
                try:
                    self.sock.sendto(self.greeting.encode(), addr)
                except OSError:
                    pass

    def received(self):
        with self.lock:
            return list(self.got)

    def send(self, text):
        self.sock.sendto(text.encode(), self.client_addr)

    def expect(self, expected, timeout=3.0):
        def done():
            got = self.received()
            return got == expected or got != expected[:len(got)] or len(got) >= len(expected)
        wait_until(done, timeout)
        return self.received() == expected

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


class CapturedStdout(object):
    """Installed as sys.stdout: collects what an in-process client prints (any thread)."""

    def __init__(self):
        self.parts = []
        self.lock = threading.Lock()

    def write(self, text):
        with self.lock:
            self.parts.append(text)
        return len(text)

    def flush(self):
        pass

    def text(self):
        with self.lock:
            return ''.join(self.parts)


def capture_stdout():
    captured = CapturedStdout()
    sys.stdout = captured
    return captured


# --------------------------------------------------------------------------- processes

def _default_sigint():
    # a parent that ignores SIGINT would pass that on; the child must get Ctrl-C
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Proc:
    """A python child with stdin piped and stdout (+stderr) accumulated."""

    def __init__(self, argv):
        self.p = subprocess.Popen([sys.executable, '-u'] + argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  preexec_fn=_default_sigint)
        self.out_bytes = b''
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        at_exit(self.kill)

    def _reader(self):
        while True:
            chunk = self.p.stdout.read1(65536) if hasattr(self.p.stdout, 'read1') \
                else self.p.stdout.read(1)
            if not chunk:
                return
            with self.lock:
                self.out_bytes += chunk

    def out(self):
        with self.lock:
            return self.out_bytes.decode('utf-8', errors='replace')

    def type(self, line):
        try:
            self.p.stdin.write((line + '\n').encode())
            self.p.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def close_stdin(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass

    def wait_out(self, text, timeout=3.0, count=1):
        return wait_until(lambda: self.out().count(text) >= count, timeout)

    def wait_exit(self, timeout=3.0):
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        self.thread.join(1)
        return True

    def wait_returned(self, timeout=3.0):
        """True once the driver reports that run() has returned (a process with a stray
        non-daemon thread may live on: that is not what these proofs judge)."""
        return wait_until(lambda: self.returned_line() is not None, timeout)

    def returned_line(self):
        """The driver's complete marker line, or None before run() has returned."""
        found = re.search(r'__RUN_RETURNED__[^\n]*\n', self.out())
        return found.group(0).strip() if found else None

    def sigint(self):
        self.p.send_signal(signal.SIGINT)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            try:
                self.p.wait(2)
            except subprocess.TimeoutExpired:
                pass
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()
            except Exception:
                pass


def client_proc(chatroom_path, kind, name, port):
    """Run ClientTCP / ClientUDP(name, port).run() in a child process with stdin piped."""
    return Proc([os.path.join(HERE, '_client_driver.py'), os.path.abspath(chatroom_path),
                 kind, name, str(port)])


def server_proc(chatroom_path, kind, port):
    """Run ServerTCP / ServerUDP(port).run() in the main thread of a child process."""
    return Proc([os.path.join(HERE, '_server_driver.py'), os.path.abspath(chatroom_path),
                 kind, str(port)])


RUN_RETURNED = '__RUN_RETURNED__'
