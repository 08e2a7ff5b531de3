"""When the reference's shutdown() returns, its port is free (issue 10).

Students test their own chatroom.py with pytest fixtures that start a server on a fixed port, run() it in
a thread, call shutdown() at teardown and start the next test's server on the same port at once. That
must work against the reference: whatever thread calls shutdown() (the test's, while run() is blocked in
its wait; run()'s own, on Ctrl-C), the server socket is really closed when shutdown() returns, and run()
returns promptly too.

The fixed port is learnt once by binding port 0, then reused. Every wait has a deadline.
"""

import errno
import os
import platform
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import chatroom
from harness.peers import Deadline, PeerError, join_tcp, join_udp, poll

ROOT = Path(__file__).resolve().parent.parent
HOST = '127.0.0.1'             # chatroom.local_address() on the machines these tests run on
CYCLES = 30
RUN_RETURNS_WITHIN = 2.0       # seconds run() has to return once shutdown() returned
PROTOCOLS = {'tcp': (chatroom.ServerTCP, socket.SOCK_STREAM, join_tcp),
             'udp': (chatroom.ServerUDP, socket.SOCK_DGRAM, join_udp)}


def free_port(kind):
    """A port number nobody holds now, learnt by binding port 0 once; the tests then reuse the number."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def bind_now(kind, port):
    """Bind `port` as the next test's server would (TCP with SO_REUSEADDR, as ServerTCP does); raises
    OSError (errno EADDRINUSE) while the port is still held."""
    with socket.socket(socket.AF_INET, kind) as probe:
        if kind == socket.SOCK_STREAM:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((HOST, port))


def seconds_until_free(kind, port, within=2.0):
    """How long `port` took to become bindable (polled with a deadline), or None if it never did."""
    start = time.monotonic()

    def free():
        try:
            bind_now(kind, port)
            return True
        except OSError:
            return False

    return time.monotonic() - start if poll(free, bool, within, 0.002) else None


class Servers:
    """Servers whose run() executes in a thread, and their clients; all stopped at teardown."""

    def __init__(self):
        self.started = []        # (server, thread)
        self.peers = []

    def start(self, server):
        thread = threading.Thread(target=server.run, name='server-under-test', daemon=True)
        thread.start()
        self.started.append((server, thread))
        return thread

    def join(self, protocol, port, name='alice'):
        peer = PROTOCOLS[protocol][2](port, name, 2.0, host=HOST)
        self.peers.append(peer)
        return peer

    def close(self):
        for server, _ in self.started:
            server.shutdown()
        for peer in self.peers:
            peer.close()
        deadline = Deadline(5.0)
        for _, thread in self.started:
            thread.join(deadline.remaining())


@pytest.fixture
def servers():
    running = Servers()
    try:
        yield running
    finally:
        running.close()


def assert_run_returns(thread):
    thread.join(RUN_RETURNS_WITHIN)
    assert not thread.is_alive(), 'run() did not return within {:.1f}s of shutdown()'.format(RUN_RETURNS_WITHIN)


# -- the students' fixture pattern ---------------------------------------------------------------------------

@pytest.mark.parametrize('protocol', sorted(PROTOCOLS))
def test_fixture_pattern_reuses_the_port_every_cycle(servers, protocol):
    """30 cycles on one fixed port: server in a thread, one client joined, shutdown() from the test's
    thread at teardown, and the next server constructed on the same port at once."""
    cls, kind, _ = PROTOCOLS[protocol]
    port = free_port(kind)
    failures = []
    previous = None
    for cycle in range(CYCLES):
        try:
            server = cls(port)
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            took = seconds_until_free(kind, port)
            failures.append('cycle {}: {} (free {})'.format(
                cycle, error, 'after {:.0f} ms'.format(took * 1000) if took is not None else 'never, in 2 s'))
            server = cls(port)
        if previous is not None:
            assert_run_returns(previous)
        previous = servers.start(server)
        peer = servers.join(protocol, port)
        server.shutdown()
        peer.close()
    assert_run_returns(previous)
    assert not failures, '{} of {} cycles could not bind port {} at once: {}'.format(
        len(failures), CYCLES, port, '; '.join(failures))


# -- shutdown() from another thread while run() waits ---------------------------------------------------------

# Linux system calls a thread blocked in poll() or select() is in, by machine (from /proc/.../syscall).
_WAIT_SYSCALLS = {'x86_64': {7, 23, 270, 271}, 'amd64': {7, 23, 270, 271}, 'aarch64': {72, 73},
                  'arm64': {72, 73}}.get(platform.machine().lower())


def blocked_in_poll(thread):
    """True while `thread` (of this process) is blocked in poll()/ppoll()/select()/pselect6()."""
    try:
        with open('/proc/self/task/{}/syscall'.format(thread.native_id)) as source:
            fields = source.read().split()
    except OSError:
        return False
    return bool(fields) and fields[0].isdigit() and int(fields[0]) in _WAIT_SYSCALLS


@pytest.mark.skipif(_WAIT_SYSCALLS is None or not os.path.exists('/proc/self/task'),
                    reason='needs Linux /proc to see that run() is blocked in its wait')
@pytest.mark.parametrize('protocol', sorted(PROTOCOLS))
def test_shutdown_from_another_thread_while_run_is_blocked_in_its_wait(servers, protocol):
    """shutdown() lands while run()'s thread is blocked in poll() on the server socket: when it returns
    the port binds at once, and run() returns promptly. Ten rounds on one port."""
    cls, kind, _ = PROTOCOLS[protocol]
    port = free_port(kind)
    for round_ in range(10):
        server = cls(port)
        thread = servers.start(server)
        peer = servers.join(protocol, port)
        assert poll(lambda: blocked_in_poll(thread), bool, 2.0, 0.001), \
            'round {}: run() was never seen blocked in its wait'.format(round_)
        server.shutdown()
        try:
            bind_now(kind, port)
        except OSError as error:
            took = seconds_until_free(kind, port)
            pytest.fail('round {}: the port was still held when shutdown() returned ({}); free {}'.format(
                round_, error, 'after {:.0f} ms'.format(took * 1000) if took is not None else 'never, in 2 s'))
        assert_run_returns(thread)
        peer.close()


@pytest.mark.parametrize('protocol', sorted(PROTOCOLS))
def test_shutdown_without_run_and_twice(protocol):
    """shutdown() of a server whose run() never started frees the port; a second call returns at once."""
    cls, kind, _ = PROTOCOLS[protocol]
    server = cls(0)
    port = server.server_port
    server.shutdown()
    bind_now(kind, port)
    started = time.monotonic()
    server.shutdown()
    assert time.monotonic() - started < 0.5, 'a second shutdown() did not return at once'
    bind_now(kind, port)


@pytest.mark.parametrize('protocol', sorted(PROTOCOLS))
def test_shutdown_racing_runs_own_shutdown(servers, protocol):
    """run_event.set() makes run() call shutdown() itself; a shutdown() from the test's thread right after
    may come first or second: either way the port is free when it returns. Ten rounds on one port."""
    cls, kind, _ = PROTOCOLS[protocol]
    port = free_port(kind)
    for _ in range(10):
        server = cls(port)
        thread = servers.start(server)
        peer = servers.join(protocol, port)
        server.run_event.set()
        server.shutdown()
        bind_now(kind, port)
        server.shutdown()                    # and once more, after both
        bind_now(kind, port)
        assert_run_returns(thread)
        peer.close()


# -- shutdown() on run()'s own thread: Ctrl-C ------------------------------------------------------------------

# run() in the main thread of a child process, as server.py runs it; shutdown() wrapped to report when it
# returned and on which thread; after run() the child stays alive until its stdin closes, so that a port
# found free was freed by shutdown() and not by the process exiting.
CHILD = r'''
import signal, sys, threading, time
sys.path.insert(0, sys.argv[3])
signal.signal(signal.SIGINT, signal.default_int_handler)    # even if our parent ignores SIGINT
import chatroom
server = getattr(chatroom, sys.argv[1])(int(sys.argv[2]))
shutdown = server.shutdown

def reporting_shutdown():
    started = time.monotonic()
    shutdown()
    print('shutdown returned {:.3f} {}'.format(time.monotonic() - started,
          'main' if threading.current_thread() is threading.main_thread() else 'other'), flush=True)

server.shutdown = reporting_shutdown
print('ready', flush=True)
server.run()
print('run returned', flush=True)
sys.stdin.read()
'''


class Child:
    """The child process; its output lines are collected by a thread so that waits have deadlines."""

    def __init__(self, cls_name, port):
        self.lines = queue.Queue()
        self.output = []
        self.proc = subprocess.Popen(
            [sys.executable, '-c', CHILD, cls_name, str(port), str(ROOT)], cwd=str(ROOT),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._collect, daemon=True)
        self.reader.start()

    def _collect(self):
        for line in self.proc.stdout:
            self.output.append(line.rstrip('\n'))
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def wait_for(self, prefix, within=5.0):
        deadline = Deadline(within)
        while True:
            try:
                line = self.lines.get(timeout=max(0.001, deadline.remaining()))
            except queue.Empty:
                raise PeerError('the child did not print {!r} within {:.1f}s; its output: {!r}'.format(
                    prefix, within, self.output))
            if line is None:
                raise PeerError('the child ended (exit code {}) without printing {!r}; its output: {!r}'.format(
                    self.proc.wait(), prefix, self.output))
            if line.startswith(prefix):
                return line

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


@pytest.fixture
def child():
    children = []

    def start(cls_name, port):
        children.append(Child(cls_name, port))
        return children[-1]

    try:
        yield start
    finally:
        for running in children:
            running.kill()


@pytest.mark.parametrize('protocol', sorted(PROTOCOLS))
def test_ctrl_c_shutdown_on_runs_own_thread_frees_the_port(child, protocol):
    """SIGINT to a child running run() in its main thread: run()'s finally calls shutdown() on run()'s
    own thread, which neither waits for itself nor leaves the port held, and run() returns."""
    cls, kind, join = PROTOCOLS[protocol]
    port = free_port(kind)
    server = child(cls.__name__, port)
    server.wait_for('ready')
    peer = join(port, 'alice', 2.0, host=HOST)
    try:
        server.proc.send_signal(signal.SIGINT)
        line = server.wait_for('shutdown returned')
        bind_now(kind, port)                          # at once: the child is still alive
        peer.expect('server-shutdown')
        server.wait_for('run returned')
        _, _, took, thread = line.split()
        assert thread == 'main', 'shutdown() ran on the {} thread, not run()\'s'.format(thread)
        assert float(took) < 1.0, 'shutdown() on run()\'s own thread took {}s: did it wait for itself?'.format(
            took)
        assert server.proc.poll() is None, 'the child exited early; its output: {!r}'.format(server.output)
        server.proc.stdin.close()
        assert server.proc.wait(timeout=5.0) == 0, server.output
    finally:
        peer.close()
