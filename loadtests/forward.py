"""A small TCP and UDP port forwarder, for servers that listen on loopback only.

The multi-host test (loadtests/multihost.py) runs the chat server in a network namespace of its own. The
reference binds the address its host name resolves to there (the namespace's own address); a submission
run through the harness's isolated runner is pinned to 127.0.0.1 whatever the host, so the other hosts
reach it through this forwarder, which listens on the namespace's address and relays to loopback:

- TCP: every accepted connection gets a connection of its own to the server; bytes are relayed both ways
  (at most MAX_BUFFER bytes queued per direction before reading from that side pauses); when either side
  closes, what is queued is still delivered for up to CLOSE_FLUSH seconds, then both are closed.
- UDP: every client address gets a socket of its own connected to the server (so the server sees one
  address per client, as it would directly); replies go back from the listening socket. At most MAX_PEERS.

One thread, one selector; stop() ends it. Everything is bounded: buffers, peers, and the run (the thread
stops when the forwarder is closed).
"""

import selectors
import socket
import threading
import time

MAX_BUFFER = 1 << 20        # bytes queued towards one side before reading from the other pauses
MAX_PEERS = 4096            # UDP client addresses, TCP connection pairs
CLOSE_FLUSH = 1.0           # seconds to deliver what is queued after one side closed
WAKE = 0.2                  # seconds between checks of the stop flag
RCVBUF = 4 << 20


def _big_buffers(sock):
    for option in (getattr(socket, 'SO_RCVBUFFORCE', None), socket.SO_RCVBUF):
        if option is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, RCVBUF)
            return
        except OSError:
            continue


class _Side:
    __slots__ = ('sock', 'out', 'eof', 'peer')

    def __init__(self, sock):
        self.sock = sock
        self.out = bytearray()      # bytes to write to this side
        self.eof = False            # this side closed (or failed)
        self.peer = None


class Forwarder:
    """Forward `protocol` ('tcp' or 'udp') from `listen` (host, port) to `upstream` (host, port)."""

    def __init__(self, protocol, listen, upstream):
        if protocol not in ('tcp', 'udp'):
            raise ValueError('protocol must be tcp or udp')
        self.protocol = protocol
        self.upstream = upstream
        kind = socket.SOCK_STREAM if protocol == 'tcp' else socket.SOCK_DGRAM
        self.listener = socket.socket(socket.AF_INET, kind)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(listen)
        if protocol == 'tcp':
            self.listener.listen(256)
        else:
            _big_buffers(self.listener)
        self.listener.setblocking(False)
        self.address = self.listener.getsockname()
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, 'listener')
        self.stopping = threading.Event()
        self.udp_peers = {}          # client address -> socket connected to upstream
        self.closing = {}            # TCP side -> deadline of its flush
        self.thread = threading.Thread(target=self._run, name='forwarder-' + protocol, daemon=True)

    # -- life cycle -------------------------------------------------------------------------------------

    def start(self):
        self.thread.start()
        return self

    def stop(self, within=2.0):
        self.stopping.set()
        self.thread.join(within)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self):
        try:
            while not self.stopping.is_set():
                for key, events in self.selector.select(WAKE):
                    if key.data == 'listener':
                        self._accept() if self.protocol == 'tcp' else self._from_client()
                    elif self.protocol == 'udp':
                        self._from_upstream(key.fileobj, key.data)
                    else:
                        self._tcp_event(key.data, events)
                if self.closing:
                    self._expire_closing()
        finally:
            self._close_all()

    def _close_all(self):
        for key in list(self.selector.get_map().values()):
            try:
                key.fileobj.close()
            except OSError:
                pass
        self.selector.close()

    # -- UDP --------------------------------------------------------------------------------------------

    def _from_client(self):
        for _ in range(256):                         # bounded batch, then back to the selector
            try:
                data, client = self.listener.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue                              # an ICMP error for an earlier reply: ignore it
            upstream = self.udp_peers.get(client)
            if upstream is None:
                if len(self.udp_peers) >= MAX_PEERS:
                    continue
                upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                _big_buffers(upstream)
                upstream.connect(self.upstream)
                upstream.setblocking(False)
                self.udp_peers[client] = upstream
                self.selector.register(upstream, selectors.EVENT_READ, client)
            try:
                upstream.send(data)
            except OSError:
                pass                                  # the server is gone or full: like a lost datagram

    def _from_upstream(self, upstream, client):
        for _ in range(256):
            try:
                data = upstream.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return                                # ECONNREFUSED: the server went away
            try:
                self.listener.sendto(data, client)
            except OSError:
                pass

    # -- TCP --------------------------------------------------------------------------------------------

    def _accept(self):
        for _ in range(64):
            try:
                client, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if len(self.selector.get_map()) >= 2 * MAX_PEERS:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=2.0)
            except OSError:
                client.close()                        # refused: the client sees the same
                continue
            pair = (_Side(client), _Side(upstream))
            pair[0].peer, pair[1].peer = pair[1], pair[0]
            for side in pair:
                side.sock.setblocking(False)
                side.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.selector.register(side.sock, selectors.EVENT_READ, side)

    def _tcp_event(self, side, events):
        if side.sock is None:                         # closed earlier in this round of events
            return
        if events & selectors.EVENT_WRITE:
            self._flush(side)
        if events & selectors.EVENT_READ and not side.eof:
            try:
                data = side.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b''
            if data == b'':
                self._half_closed(side)
            elif data:
                side.peer.out += data
                self._flush(side.peer)
        self._update(side)
        self._update(side.peer)

    def _flush(self, side):
        while side.out and side.sock is not None:
            try:
                sent = side.sock.send(side.out)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                side.out.clear()
                self._half_closed(side)
                return
            del side.out[:sent]

    def _half_closed(self, side):
        if side.eof:
            return
        side.eof = True
        deadline = time.monotonic() + CLOSE_FLUSH
        self.closing.setdefault(side.peer, deadline)
        self.closing.setdefault(side, deadline)

    def _update(self, side):
        """Register the events `side` waits for now; close the pair once it is done."""
        if side.sock is None:
            return
        if side.peer.eof and not side.out:
            self._close_pair(side)
            return
        events = 0
        if not side.eof and len(side.peer.out) < MAX_BUFFER:
            events |= selectors.EVENT_READ
        if side.out:
            events |= selectors.EVENT_WRITE
        try:
            if events:
                self.selector.modify(side.sock, events, side)
            else:
                self.selector.unregister(side.sock)
        except KeyError:
            if events:
                self.selector.register(side.sock, events, side)
        except ValueError:
            pass

    def _close_pair(self, side):
        for one in (side, side.peer):
            if one.sock is None:
                continue
            try:
                self.selector.unregister(one.sock)
            except (KeyError, ValueError):
                pass
            try:
                one.sock.close()
            except OSError:
                pass
            one.sock = None
            self.closing.pop(one, None)

    def _expire_closing(self):
        now = time.monotonic()
        for side, deadline in list(self.closing.items()):
            if deadline <= now:
                self._close_pair(side)


def forward(protocol, listen, upstream):
    """A started Forwarder (use it as a context manager to stop it)."""
    return Forwarder(protocol, listen, upstream).start()
