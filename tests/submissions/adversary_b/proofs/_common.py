"""Shared scaffolding for the proof scripts (loopback only, every wait has a deadline).

A proof is run as ``python3 proofs/NAME.py PATH/TO/chatroom.py`` and exits
  0  the behaviour is what the text demands
  1  it is not (one line on stdout: what was expected, what was seen)
  3  the proof's own setup failed (a precondition that is not the subject failed)
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

PROOF_DEADLINE = 25.0      # hard cap for a whole proof (they normally take a few seconds)


class Fail(Exception):
    """The behaviour under test is not what the text demands (exit 1)."""


class Setup(Exception):
    """A precondition that is not the subject of this proof failed (exit 3)."""


def finish(code, line=None):
    out = sys.__stdout__
    try:
        if line:
            out.write(line.replace('\n', ' ') + '\n')
        out.flush()
        sys.__stderr__.flush()
    except Exception:
        pass
    os._exit(code)


def check(cond, line):
    if not cond:
        raise Fail(line)


def need(cond, line):
    if not cond:
        raise Setup('setup: ' + line)


def wait_until(pred, timeout):
    """Poll ``pred`` until it is true or ``timeout`` seconds have passed."""
    end = time.monotonic() + timeout
    while True:
        try:
            if pred():
                return True
        except Exception:
            pass
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)


def call(what, fn, *args, **kwargs):
    """Call the implementation; an exception it raises is a failure of the subject."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa
        raise Fail('expected {} to work, it raised {!r}'.format(what, exc))


def call_deadline(what, fn, timeout=5.0):
    """Call the implementation in a thread; not returning in time, or raising, is a failure."""
    box = {}

    def target():
        try:
            box['r'] = fn()
        except BaseException as exc:  # noqa
            box['e'] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise Fail('expected {} to return within {:.0f} s, it did not'.format(what, timeout))
    if 'e' in box:
        raise Fail('expected {} to work, it raised {!r}'.format(what, box['e']))
    return box['r']


def _force_loopback():
    socket.gethostbyname = lambda host: '127.0.0.1'


def _tolerate_signal_in_threads():
    # Some implementations install signal handlers in run(); in a proof run() lives in a
    # worker thread, where signal.signal() would raise ValueError. Ignore such calls there.
    real = signal.signal

    def patched(sig, handler):
        if threading.current_thread() is not threading.main_thread():
            return signal.getsignal(sig)
        return real(sig, handler)

    signal.signal = patched


def load(path):
    _force_loopback()
    _tolerate_signal_in_threads()
    spec = importlib.util.spec_from_file_location('chatroom_under_test', os.path.abspath(path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(scenario):
    """Run ``scenario(mod, path)`` and exit with the proof's code."""
    if len(sys.argv) != 2:
        finish(3, 'usage: {} PATH/TO/chatroom.py'.format(sys.argv[0]))
    path = sys.argv[1]
    timer = threading.Timer(PROOF_DEADLINE, lambda: finish(
        1, 'expected the scenario to complete within {:.0f} s, it hung'.format(PROOF_DEADLINE)))
    timer.daemon = True
    timer.start()
    sys.stdout = io.StringIO()      # whatever the implementation prints is not the proof's verdict
    try:
        mod = load(path)
    except Exception as exc:
        finish(3, 'setup: cannot import {}: {!r}'.format(path, exc))
    cleanups = []
    code, line = 0, None
    try:
        scenario(mod, path, cleanups)
    except Fail as exc:
        code, line = 1, str(exc)
    except Setup as exc:
        code, line = 3, str(exc)
    except Exception as exc:
        code, line = 3, 'setup: proof error {!r}'.format(exc)
    for fn in reversed(cleanups):
        try:
            fn()
        except Exception:
            pass
    finish(code, line)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
    finally:
        s.close()


# ---------------------------------------------------------------------------
# servers under test, run in threads of the proof
# ---------------------------------------------------------------------------

class ServerThread:
    def __init__(self, mod, cls_name, cleanups, kind):
        self.port = free_port(kind)
        try:
            self.server = getattr(mod, cls_name)(self.port)
        except Exception as exc:
            raise Setup('setup: {}({}) raised {!r}'.format(cls_name, self.port, exc))
        self.thread = threading.Thread(target=self._run, daemon=True)
        cleanups.append(self.stop)

    def _run(self):
        try:
            self.server.run()
        except BaseException:
            pass

    def start(self):
        self.thread.start()
        return self

    def count(self):
        return self.server.get_clients_number()

    def wait_count(self, n, timeout=5.0):
        return wait_until(lambda: self.count() == n, timeout)

    def stop(self):
        try:
            self.server.shutdown()
        except Exception:
            pass
        self.thread.join(2.0)


def tcp_server(mod, cleanups):
    return ServerThread(mod, 'ServerTCP', cleanups, socket.SOCK_STREAM)


def udp_server(mod, cleanups):
    return ServerThread(mod, 'ServerUDP', cleanups, socket.SOCK_DGRAM)


# ---------------------------------------------------------------------------
# raw peers
# ---------------------------------------------------------------------------

class TcpPeer:
    """A raw TCP connection that accumulates everything it receives."""

    def __init__(self, port, cleanups, name=None):
        try:
            self.sock = socket.create_connection(('127.0.0.1', port), timeout=3.0)
        except OSError as exc:
            raise Setup('setup: cannot connect to 127.0.0.1:{}: {!r}'.format(port, exc))
        self.sock.settimeout(None)
        self.buf = b''
        self.closed = False
        self.cond = threading.Condition()
        threading.Thread(target=self._reader, daemon=True).start()
        cleanups.append(self.close)
        self.name = name
        if name is not None:
            self.send(name)

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b''
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.buf += data
                self.cond.notify_all()

    def send(self, text):
        self.sock.sendall(text.encode('utf-8'))

    def text(self, start=0):
        with self.cond:
            return self.buf[start:].decode('utf-8', 'replace')

    def mark(self):
        with self.cond:
            return len(self.buf)

    def wait(self, pred, timeout=5.0, start=0):
        """Wait until pred(text_since_start, closed) is true; returns its last value."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                ok = pred(self.buf[start:].decode('utf-8', 'replace'), self.closed)
                left = end - time.monotonic()
                if ok or left <= 0:
                    return ok
                self.cond.wait(min(left, 0.1))

    def wait_text(self, needle, timeout=5.0, start=0):
        return self.wait(lambda t, c: needle in t, timeout, start)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


def tcp_join(srv, name, cleanups, expect_count=None, members=()):
    """Join ``name`` with a raw connection; wait for the greeting, the count and the
    members' 'User name joined'. Any failure is a setup failure."""
    peer = TcpPeer(srv.port, cleanups, name)
    ok = peer.wait(lambda t, c: 'Welcome' in t or 'Name already taken' in t or c, 5.0)
    need(ok and 'Welcome' in peer.text(), '{} could not join (saw {!r})'.format(name, peer.text()))
    if expect_count is not None:
        need(srv.wait_count(expect_count), '{} joined but the count is {} (expected {})'.format(
            name, srv.count(), expect_count))
    for m in members:
        need(m.wait_text('User {} joined'.format(name)),
             '{} never saw {!r} (saw {!r})'.format(m.name, 'User {} joined'.format(name), m.text()))
    return peer


class UdpPeer:
    """A raw UDP socket on 127.0.0.1 that records every datagram it receives."""

    def __init__(self, port, cleanups, name=None):
        self.server = ('127.0.0.1', port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.settimeout(0.1)
        self.addr = self.sock.getsockname()
        self.msgs = []
        self.name = name
        self.cond = threading.Condition()
        self.stopped = False
        threading.Thread(target=self._reader, daemon=True).start()
        cleanups.append(self.close)

    def _reader(self):
        while not self.stopped:
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.cond:
                self.msgs.append(data.decode('utf-8', 'replace'))
                self.cond.notify_all()

    def send(self, text):
        self.sock.sendto(text.encode('utf-8'), self.server)

    def mark(self):
        with self.cond:
            return len(self.msgs)

    def since(self, start=0):
        with self.cond:
            return list(self.msgs[start:])

    def wait(self, pred, timeout=5.0, start=0):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                ok = pred(list(self.msgs[start:]))
                left = end - time.monotonic()
                if ok or left <= 0:
                    return ok
                self.cond.wait(min(left, 0.1))

    def wait_msg(self, pred_one, timeout=5.0, start=0):
        return self.wait(lambda ms: any(pred_one(m) for m in ms), timeout, start)

    def close(self):
        self.stopped = True
        try:
            self.sock.close()
        except OSError:
            pass


def udp_join(srv, name, cleanups, expect_count=None, members=()):
    peer = UdpPeer(srv.port, cleanups, name)
    peer.send('{}:join'.format(name))
    ok = peer.wait_msg(lambda m: 'Welcome' in m or 'Name already taken' in m, 5.0)
    need(ok and any('Welcome' in m for m in peer.since()),
         '{} could not join (saw {!r})'.format(name, peer.since()))
    if expect_count is not None:
        need(srv.wait_count(expect_count), '{} joined but the count is {} (expected {})'.format(
            name, srv.count(), expect_count))
    for m in members:
        need(m.wait_msg(lambda x: x == 'User {} joined'.format(name)),
             '{} never saw {!r} (saw {!r})'.format(m.name, 'User {} joined'.format(name), m.since()))
    return peer


def udp_relays(name, text):
    """The allowed forms of a relayed UDP chat message (judgement-calls: lenient)."""
    return ('{}: {}'.format(name, text), '{}:{}'.format(name, text))


# ---------------------------------------------------------------------------
# fake servers and client processes (for the client classes)
# ---------------------------------------------------------------------------

class FakeTcpServer:
    """Accepts one connection; reads the name; answers 'Welcome'; records the rest."""

    def __init__(self, cleanups):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(('127.0.0.1', 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.conn = None
        self.buf = b''
        self.closed = False
        self.cond = threading.Condition()
        cleanups.append(self.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            conn, _ = self.lsock.accept()
        except OSError:
            return
        with self.cond:
            self.conn = conn
            self.cond.notify_all()
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                data = b''
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.buf += data
                self.cond.notify_all()

    def wait(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                ok = pred(self.buf.decode('utf-8', 'replace'), self.closed)
                left = end - time.monotonic()
                if ok or left <= 0:
                    return ok
                self.cond.wait(min(left, 0.1))

    def text(self):
        with self.cond:
            return self.buf.decode('utf-8', 'replace')

    def take_name(self, name, timeout=5.0):
        """Wait for exactly the client's name, answer 'Welcome', clear the transcript."""
        ok = self.wait(lambda t, c: len(t) >= len(name) or c, timeout)
        need(ok and self.text() == name,
             'the client did not send its name {!r} (saw {!r})'.format(name, self.text()))
        with self.cond:
            self.buf = b''
        self.send('Welcome')

    def send(self, text):
        self.conn.sendall(text.encode('utf-8'))

    def close(self):
        for s in (self.conn, self.lsock):
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


class FakeUdpServer:
    """Records every datagram (text, address); can answer the last sender."""

    def __init__(self, cleanups):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.msgs = []
        self.peer = None
        self.stopped = False
        self.cond = threading.Condition()
        cleanups.append(self.close)
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while not self.stopped:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.cond:
                self.msgs.append(data.decode('utf-8', 'replace'))
                self.peer = addr
                self.cond.notify_all()

    def wait(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                ok = pred(list(self.msgs))
                left = end - time.monotonic()
                if ok or left <= 0:
                    return ok
                self.cond.wait(min(left, 0.1))

    def since(self, start=0):
        with self.cond:
            return list(self.msgs[start:])

    def mark(self):
        with self.cond:
            return len(self.msgs)

    def send(self, text):
        self.sock.sendto(text.encode('utf-8'), self.peer)

    def take_join(self, name, timeout=5.0):
        ok = self.wait(lambda ms: len(ms) >= 1, timeout)
        need(ok and self.since()[0] == '{}:join'.format(name),
             'the client did not send {!r} (saw {!r})'.format('{}:join'.format(name), self.since()))
        self.send('Welcome')

    def close(self):
        self.stopped = True
        try:
            self.sock.close()
        except OSError:
            pass


_CHILD = r'''
import importlib.util, signal, socket, sys
socket.gethostbyname = lambda host: '127.0.0.1'
signal.signal(signal.SIGINT, signal.default_int_handler)
path, cls, name, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = importlib.util.spec_from_file_location('chatroom_under_test', path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
getattr(mod, cls)(name, port).run()
'''


class ClientProc:
    """A client's run() in a child process with stdin/stdout piped."""

    def __init__(self, path, cls_name, name, port, cleanups):
        env = dict(os.environ)
        env['PYTHONUNBUFFERED'] = '1'
        env['PYTHONIOENCODING'] = 'utf-8'
        try:
            self.proc = subprocess.Popen(
                [sys.executable, '-c', _CHILD, os.path.abspath(path), cls_name, name, str(port)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        except OSError as exc:
            raise Setup('setup: cannot start the client process: {!r}'.format(exc))
        cleanups.append(self.kill)
        self.out = b''
        self.err = b''
        self.cond = threading.Condition()
        threading.Thread(target=self._pump, args=(self.proc.stdout, 'out'), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, 'err'), daemon=True).start()

    def _pump(self, stream, which):
        while True:
            try:
                data = os.read(stream.fileno(), 65536)
            except OSError:
                data = b''
            with self.cond:
                if not data:
                    self.cond.notify_all()
                    return
                setattr(self, which, getattr(self, which) + data)
                self.cond.notify_all()

    def type(self, line):
        try:
            self.proc.stdin.write((line + '\n').encode('utf-8'))
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass

    def output(self):
        with self.cond:
            return self.out.decode('utf-8', 'replace')

    def wait_out(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                ok = pred(self.out.decode('utf-8', 'replace'))
                left = end - time.monotonic()
                if ok or left <= 0:
                    return ok
                self.cond.wait(min(left, 0.1))

    def running(self):
        return self.proc.poll() is None

    def _main_thread_sample(self):
        pid = self.proc.pid
        with open('/proc/{0}/task/{0}/stat'.format(pid)) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return fields[0], int(fields[11]) + int(fields[12])     # state, utime + stime

    def wait_idle(self, timeout=5.0, samples=4, gap=0.05):
        """Wait until the child's main thread is blocked (state S, no CPU time used) for
        ``samples`` consecutive looks ``gap`` s apart: the program waits in its loop, which is
        when a person's Ctrl-C arrives (judgement-calls: Ctrl-C is delivered the way a person
        delivers it)."""
        end = time.monotonic() + timeout
        streak, last = 0, None
        while time.monotonic() < end:
            try:
                state, cpu = self._main_thread_sample()
            except (OSError, ValueError, IndexError):
                return False
            if state == 'S' and (last is None or cpu == last):
                streak += 1
                if streak >= samples:
                    return True
            else:
                streak = 0
            last = cpu
            time.sleep(gap)
        return False

    def interrupt(self):
        try:
            self.proc.send_signal(signal.SIGINT)
        except OSError:
            pass

    def kill(self):
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(2.0)
        except Exception:
            pass
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                s.close()
            except Exception:
                pass
