"""Scripted fake chat servers, for judging a submission's ClientTCP and ClientUDP.

A fake server listens on 127.0.0.1, on an ephemeral port, for the one client under test. It records
exactly the bytes the client sends, in order, and checks them against what the wire protocol demands
with a deadline; it sends the replies a check scripts. Unlike the fake clients of `peers`, it judges
bytes, not texts: a client that sends b'alice\\n' for its name did not send b'alice'.

TCP has no message boundaries. `expect_text` waits until as many bytes as expected arrived (or the
bytes already differ); bytes that arrived together with the expected ones, beyond them, are a failure
(b'hello\\n' for b'hello'). Bytes that come later are judged by the next expectation: they stand in
front of what it expects.

A fake server never sends two messages back to back: a check sends the next one only once the client
consumed the first (see ../shared/spec/judgement-calls.md). `send` does not enforce this; the checks do.
"""

import socket

from . import platform
from .peers import Deadline, Watched

LOOPBACK = '127.0.0.1'
DEFAULT_WITHIN = 2.0


class FakeServerError(AssertionError):
    """What the client under test sent (or did not send) is not what the protocol demands."""


def show(data, limit=200):
    text = repr(bytes(data))
    return text if len(text) <= limit else text[:limit] + '...'


def _bytes(count):
    return '{} byte{}'.format(count, 's' if count != 1 else '')


IDLE_REMARK = ' (and the client had handled all it was sent: it was not going to send more)'


class FakeTcpServer(Watched):
    """A fake ServerTCP for one client: `wait_for_connection`, then `expect_text` / `send`. With a
    `quiet_watch` (harness.peers.Watched; set by harness.subjects.ClientSubject), a wait for what the client
    sends ends as soon as the client is done with all it was given."""

    protocol = 'tcp'
    idle_remark = IDLE_REMARK

    def __init__(self, host=LOOPBACK):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(4)
        self.host, self.port = self.sock.getsockname()
        self.conn = None
        self.received = bytearray()      # every byte the client sent, in order
        self.cursor = 0                  # how far expectations consumed `received`
        self.eof = False                 # the client closed (or reset) the connection

    def wait_for_connection(self, within=DEFAULT_WITHIN):
        """Accept the client's connection; FakeServerError if it did not connect within `within`."""
        if self.conn is not None:
            return
        watch = self._watch()
        deadline = Deadline(within, watch)
        while True:
            self.sock.settimeout(max(self._slice(deadline, watch), 0.001))
            try:
                self.conn, _ = self.sock.accept()
                break
            except socket.timeout:
                idle = self._done(watch)
                if deadline.passed() or idle:
                    raise FakeServerError('the client did not connect to the server ({}:{}) {}{}'.format(
                        self.host, self.port, 'within {:.1f}s'.format(within) if not idle else 'when asked',
                        self.idle_remark if idle else '')) from None
        self.conn.settimeout(None)
        self._ack_now()

    def _pump(self, timeout):
        """Read once, waiting at most `timeout`. False once the connection is over."""
        if self.eof:
            return False
        self.conn.settimeout(timeout if timeout > 0 else 0.0)   # 0: a look, without waiting
        try:
            data = self.conn.recv(65536)
        except (socket.timeout, BlockingIOError):
            return True
        except OSError:
            self.eof = True
            return False
        if not data:
            self.eof = True
            return False
        self.received += data
        self._ack_now()
        return True

    def _drain(self):
        """Read what already arrived, without waiting for more. Returns True."""
        for _ in range(10000):
            before = len(self.received)
            if not self._pump(0) or len(self.received) == before:
                break
        return True

    def _ack_now(self):
        # A client that writes twice in a row (Nagle's algorithm) waits for our ACK of the first write;
        # Linux delays that ACK by up to 40 ms unless asked, after each read, to acknowledge at once.
        quickack = getattr(socket, 'TCP_QUICKACK', None)
        if quickack is not None:
            try:
                self.conn.setsockopt(socket.IPPROTO_TCP, quickack, 1)
            except OSError:
                pass

    def pending(self):
        return bytes(self.received[self.cursor:])

    def expect_bytes(self, data, within=DEFAULT_WITHIN):
        """The client's next bytes are exactly `data`, arriving within `within` seconds."""
        self.wait_for_connection(within)
        watch = self._watch()
        deadline, idle = Deadline(within, watch), False
        while True:
            got = self.pending()
            if len(got) >= len(data) or not data.startswith(got):
                break
            if deadline.passed() or not self._pump(self._slice(deadline, watch)):
                break
            if self._done(watch) and self._drain() and self.pending() == got:
                idle = True
                break
        got = self.pending()
        if got == data:
            self.cursor += len(data)
            return
        if got.startswith(data):
            raise FakeServerError('the server expected the client to send {} and it sent {} ({} more '
                                  'byte{} than expected)'.format(show(data), show(got), len(got) - len(data),
                                                                's' if len(got) - len(data) != 1 else ''))
        remark = self._closed() or (self.idle_remark if idle else '')
        if not got:
            raise FakeServerError('the server expected the client to send {} {}; it received nothing{}'.format(
                show(data), 'within {:.1f}s'.format(within) if not idle else 'when asked', remark))
        raise FakeServerError('the server expected the client to send {}; it received {}{}'.format(
            show(data), show(got), remark if data.startswith(got) else ''))

    def expect_nothing_more(self, after):
        """The client sent nothing beyond what was expected so far (call once it is done: its run()
        ended). A transcript is compared whole, not searched: 'exit' sent twice is not 'exit'."""
        if self.conn is None:
            return
        self._drain()
        extra = self.pending()
        if extra:
            self.cursor = len(self.received)
            raise FakeServerError('after {} the client sent {} more: {}'.format(after, _bytes(len(extra)), show(extra)))

    def client_unread(self):
        """True while something this server sent lies unread at the client (None: cannot tell)."""
        if self.conn is None:
            return False
        try:
            pending = platform.unread_tcp_bytes(self.conn.getpeername(), self.conn.getsockname())
        except OSError:
            return False
        return None if pending is None else pending > 0

    def expect_text(self, text, within=DEFAULT_WITHIN):
        self.expect_bytes(text.encode('utf-8'), within)

    def _closed(self):
        return ' (and the client closed the connection)' if self.eof else ''

    def send(self, text):
        """One message to the client."""
        self.conn.sendall(text.encode('utf-8'))

    def refuse_connections(self):
        """From now on nothing listens at the port: a connection to it is refused. The port stays held (a
        socket bound to it that does not listen), so that no other program takes it meanwhile."""
        self.sock.close()
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            holder.bind((self.host, self.port))
        except OSError:
            holder.close()
            raise FakeServerError('port {} was taken by another program as soon as it was freed'.format(self.port))
        self.sock = holder

    def close(self):
        for sock in (self.conn, self.sock):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FakeUdpServer(Watched):
    """A fake ServerUDP for one client: the client's first datagram tells where it is; each datagram is
    one message and must be exactly what is expected. A `quiet_watch` as for FakeTcpServer."""

    protocol = 'udp'
    idle_remark = IDLE_REMARK

    def __init__(self, host=LOOPBACK):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.host, self.port = self.sock.getsockname()
        self.datagrams = []              # (bytes, source address), in order of arrival
        self.cursor = 0
        self.client_addr = None          # where the first datagram came from; replies go there

    def _pump(self, timeout):
        self.sock.settimeout(timeout if timeout > 0 else 0.0)   # 0: a look, without waiting
        try:
            data, source = self.sock.recvfrom(65536)
        except (socket.timeout, OSError):
            return
        self.datagrams.append((data, source))
        if self.client_addr is None:
            self.client_addr = source

    def wait_for_connection(self, within=DEFAULT_WITHIN):
        """Wait for the client's first datagram (without consuming it)."""
        watch = self._watch()
        deadline, idle = Deadline(within, watch), False
        while self.client_addr is None:
            if deadline.passed() or idle:
                raise FakeServerError('the server ({}:{}) received no datagram from the client {}{}'.format(
                    self.host, self.port, 'within {:.1f}s'.format(within) if not idle else 'when asked',
                    self.idle_remark if idle else ''))
            self._pump(self._slice(deadline, watch))
            idle = self.client_addr is None and self._done(watch) and self._drained()

    def _drained(self):
        for _ in range(10000):
            before = len(self.datagrams)
            self._pump(0)
            if len(self.datagrams) == before:
                break
        return True

    def expect_nothing_more(self, after):
        """The client sent no datagram beyond those expected so far (call once it is done)."""
        self._drained()
        extra = self.pending()
        if extra:
            self.cursor = len(self.datagrams)
            raise FakeServerError('after {} the client sent {} more datagram{}: {}'.format(
                after, len(extra), 's' if len(extra) != 1 else '', ', '.join(show(d) for d in extra[:5])))

    def client_unread(self):
        """True while a datagram this server sent lies unread at the client (None: cannot tell)."""
        if self.client_addr is None:
            return False
        pending = platform.unread_udp_bytes(self.client_addr)
        return None if pending is None else pending > 0

    def pending(self):
        return [data for data, _ in self.datagrams[self.cursor:]]

    def expect_bytes(self, data, within=DEFAULT_WITHIN):
        """The client's next datagram is exactly `data`, arriving within `within` seconds."""
        watch = self._watch()
        deadline, idle = Deadline(within, watch), False
        while self.cursor >= len(self.datagrams) and not deadline.passed() and not idle:
            self._pump(self._slice(deadline, watch))
            idle = self.cursor >= len(self.datagrams) and self._done(watch) and self._drained()
        if self.cursor >= len(self.datagrams):
            raise FakeServerError('the server expected the datagram {} {}; it received nothing{}'.format(
                show(data), 'within {:.1f}s'.format(within) if not idle else 'when asked',
                self.idle_remark if idle else ''))
        got, _ = self.datagrams[self.cursor]
        self.cursor += 1
        if got != data:
            raise FakeServerError('the server expected the datagram {}; it received {}'.format(
                show(data), show(got)))

    def expect_text(self, text, within=DEFAULT_WITHIN):
        self.expect_bytes(text.encode('utf-8'), within)

    def send(self, text):
        """One datagram to the client (to where its first datagram came from)."""
        self.sock.sendto(text.encode('utf-8'), self.client_addr)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fake_server(protocol):
    return FakeTcpServer() if protocol == 'tcp' else FakeUdpServer()
