"""Fixtures for the tests of the reference chatroom.py: servers running in a thread, and child processes
that are always killed.

Servers are started on port 0 (an ephemeral port) and reached at the address they bound,
`chatroom.local_address()`, which is 127.0.0.1 on the machines these tests run on.
"""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import chatroom
from harness.peers import Deadline, PeerError, TcpPeer, UdpPeer, join_tcp, join_udp

ROOT = Path(__file__).resolve().parent.parent
CHATROOM = ROOT / 'chatroom.py'
STOP_WITHIN = 2.0          # seconds a server's run() has to return after run_event.set()


class RunningServer:
    """A ServerTCP or ServerUDP whose run() is executing in a thread, and the fake peers talking to it."""

    def __init__(self, server):
        self.server = server
        self.host = server.server_addr
        self.port = server.server_port
        self.peers = []
        self.stopped_after = None
        self.thread = threading.Thread(target=server.run, name='server-under-test', daemon=True)
        self.thread.start()

    def join(self, name, within=2.0):
        """A fake client that joined under `name` (it has received 'Welcome')."""
        if isinstance(self.server, chatroom.ServerTCP):
            peer = join_tcp(self.port, name, within, host=self.host)
        else:
            peer = join_udp(self.port, name, within, host=self.host)
        self.peers.append(peer)
        return peer

    def connect(self, label='client'):
        """A fake TCP client that is connected but has sent nothing."""
        peer = TcpPeer(self.port, host=self.host, label=label)
        self.peers.append(peer)
        return peer

    def udp_peer(self, name=None):
        """A fake UDP client that has sent nothing."""
        peer = UdpPeer(self.port, name, host=self.host)
        self.peers.append(peer)
        return peer

    def stop(self, within=STOP_WITHIN):
        """Set run_event and wait for run() to return. Returns the seconds it took; raises if run() is
        still running after `within` seconds."""
        started = time.monotonic()
        self.server.run_event.set()
        self.thread.join(within)
        if self.thread.is_alive():
            raise PeerError('run() did not return within {:.1f}s of run_event.set()'.format(within))
        if self.stopped_after is None:
            self.stopped_after = time.monotonic() - started
        return self.stopped_after

    def close_peers(self):
        for peer in self.peers:
            peer.close()


def _running(server):
    running = RunningServer(server)
    try:
        yield running
    finally:
        try:
            running.stop()
        finally:
            running.server.shutdown()           # harmless when run() already shut down
            running.close_peers()


@pytest.fixture
def tcp_server():
    """ServerTCP(0) running in a thread; stopped with run_event.set() at teardown."""
    yield from _running(chatroom.ServerTCP(0))


@pytest.fixture
def udp_server():
    """ServerUDP(0) running in a thread; stopped with run_event.set() at teardown."""
    yield from _running(chatroom.ServerUDP(0))


class Child:
    """A child process with piped stdin; its output lines are collected by a thread, so that a test can
    wait for one with a deadline."""

    def __init__(self, argv, label):
        self.label = label
        self.lines = queue.Queue()
        self.output = []
        self.proc = subprocess.Popen(
            argv, cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, env=dict(os.environ, PYTHONUNBUFFERED='1'))
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self):
        for line in self.proc.stdout:
            line = line.rstrip('\n')
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_line(self, wanted, within=5.0):
        """The first new output line equal to `wanted` (a str) or for which `wanted` (a callable) is true."""
        test = wanted if callable(wanted) else (lambda line: line == wanted)
        deadline = Deadline(within)
        while True:
            try:
                line = self.lines.get(timeout=max(0.001, deadline.remaining()))
            except queue.Empty:
                line = ''
                if deadline.passed():
                    raise PeerError('{} did not print {!r} within {:.1f}s; its output: {!r}'.format(
                        self.label, wanted, within, self.output))
                continue
            if line is None:
                raise PeerError('{} ended (exit code {}) without printing {!r}; its output: {!r}'.format(
                    self.label, self.proc.wait(), wanted, self.output))
            if test(line):
                return line

    def type(self, text):
        self.proc.stdin.write(text + '\n')
        self.proc.stdin.flush()

    def close_stdin(self):
        self.proc.stdin.close()

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)

    def wait(self, within=5.0):
        """The exit code; raises PeerError if the process is still running after `within` seconds."""
        deadline = Deadline(within)
        try:
            code = self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            raise PeerError('{} was still running {:.1f}s later; its output: {!r}'.format(
                self.label, within, self.output))
        self._reader.join(max(0.5, deadline.remaining()))    # so that `output` is complete
        return code

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
def spawn():
    """spawn(*args, label=...) runs `python chatroom.py *args`; every child is killed at teardown."""
    children = []

    def start(*args, label=None):
        child = Child([sys.executable, str(CHATROOM)] + [str(arg) for arg in args], label or ' '.join(args))
        children.append(child)
        return child

    try:
        yield start
    finally:
        for child in children:
            child.kill()


