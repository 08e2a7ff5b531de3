"""Fake chat peers that speak the assignment's wire protocol over raw sockets on loopback.

TCP in this protocol has no framing: one recv() may hold several messages, or part of one. A TCP peer
therefore keeps everything it received as one transcript plus the offsets where each recv() started, and
looks for expected texts in it with a deadline. Every wait has a deadline; nothing here sleeps, except
`wait_until`, which polls a condition that no message announces (a server's client count, say).

`TcpListener` and `UdpListener` are the other side: fake servers that a client under test connects to.
"""

import codecs
import random
import re
import socket
import time

from . import platform

LOOPBACK = '127.0.0.1'
DEFAULT_WITHIN = 2.0
QUIET_WINDOW = 0.15      # after a positive delivery elsewhere proved the message went out
WATCH_SLICE = (0.01, 0.03)   # how often a wait looks whether the server is done (see `Watched`): at random,
                             # so that it never keeps step with a polling loop in the server
_random = random.Random()    # its own: nothing else that draws from the global generator changes its draws
IDLE_REMARK = ', and the server had handled all it was sent: it was not going to send more'
GONE_REMARK = ", and the submission's process had ended"
UNOBSERVABLE_GAP = 0.1   # between two sends of one peer, where the machine cannot tell they were read
SEND_WITHIN = 5.0        # a send to a server that does not read at all fails after this long

# A text that follows an expected message inside one recv() and plausibly begins the next message, as
# opposed to a suffix of the same message ('Welcome!', 'User x joined.').
_NEXT_MESSAGE = re.compile(r"(User |server-shutdown|Welcome|Name already taken|[^\s:]+: |[^\s:]+:)")


class PeerError(AssertionError):
    """An expectation about what a peer receives was not met. The message says what was seen."""


def show(text, limit=300):
    """A received text as a reader should see it in a failure message: whole when short, else its start
    and its end (the end is where the latest, usually the telling, message is)."""
    text = repr(text)
    if len(text) <= limit:
        return text
    keep = (limit - 5) // 2
    return text[:keep] + ' ... ' + text[-keep:]


class Deadline:
    """`seconds` from now. With `watch` (a QuietWatch of the program the wait is for, or None), the end
    waits while that program still has a thread that runs or waits for a CPU (platform.StillAtWork, read
    only once the end is reached): a program kept from running by a busy machine is not late."""

    def __init__(self, seconds, watch=None):
        self.start = time.monotonic()
        self.seconds = seconds
        self.end = self.start + seconds
        pid = getattr(watch, 'pid', None)
        self._at_work = platform.StillAtWork(pid) if pid is not None else None

    def _now(self):
        now = time.monotonic()
        if self._at_work is not None:
            if now < self.end:
                self._at_work.begin()
            else:
                self.end = platform.stretched_end(self.start, self.seconds, self.end, self._at_work)
        return now

    def remaining(self):
        return max(0.0, self.end - self._now())

    def passed(self):
        return self._now() >= self.end


def poll(read, done=bool, within=DEFAULT_WITHIN, interval=0.005, settled=None, watch=None):
    """Read a state until done(value) or the deadline passes; return the last value read. Only for state
    that no message or event announces (a count, a port, a process): wait for messages instead.
    `settled`: a callable, asked between reads, that is true once the state cannot change any more;
    then one last read is returned. `watch`: the QuietWatch of the program whose state it is: its quiet()
    is `settled`, and the deadline counts only while that program could run (see Deadline)."""
    if watch is not None and settled is None:
        settled = watch.quiet
    deadline = Deadline(within, watch)
    while True:
        value = read()
        if done(value) or deadline.passed():
            return value
        time.sleep(min(interval, deadline.remaining()))
        if settled is not None and settled():     # asked between reads: a read keeps the agent busy
            return read()


def wait_until(predicate, within=DEFAULT_WITHIN, what=None, interval=0.005):
    """poll() for a true value; return it, or raise PeerError naming `what` was awaited."""
    value = poll(predicate, bool, within, interval)
    if not value:
        raise PeerError('{} did not happen within {:.1f}s'.format(what or 'the awaited condition', within))
    return value


class Watched:
    """A peer whose server can be watched: `quiet_watch` (set by whoever runs the server, e.g.
    harness.subjects.ServerSubject) makes a harness.platform.QuietWatch, or None. A wait for a message
    then ends as soon as the server is done with everything it was sent (it cannot send that message any
    more), instead of at its deadline: a wrong server is judged in a fraction of the time, and a right one
    exactly as before, since what it sends arrives first."""

    quiet_watch = None
    idle_remark = IDLE_REMARK       # what a failure says when a wait ended early (set by _done)

    @staticmethod
    def others():
        """Messages that may come before an expected one without failing it: other checks' subjects (a
        ServerSubject sets this to the room's well-formed messages); none by default."""
        return ()

    def _watch(self):
        return self.quiet_watch() if self.quiet_watch is not None else None

    def wait_for(self, found, within=DEFAULT_WITHIN):
        """Read until found(what arrived after the cursor) is true, the deadline passes, or the server is done
        with all it was sent; return found's last value. Consumes nothing."""
        watch = self._watch()
        deadline = Deadline(within, watch)
        while True:
            value = found(self.pending())
            if value or deadline.passed():
                return value
            if not self._pump(self._slice(deadline, watch)) or (self._done(watch) and self._drain()):
                return found(self.pending())     # the connection ended, or the server is done

    @staticmethod
    def _slice(deadline, watch):
        return min(deadline.remaining(), _random.uniform(*WATCH_SLICE)) if watch is not None else deadline.remaining()

    def _done(self, watch):
        if watch is None or not watch.quiet():
            return False
        self.idle_remark = GONE_REMARK if watch.gone else type(self).idle_remark
        return True


def server_watch(agent, protocol, port, clients):
    """A QuietWatch (harness/platform.py) of the server in `agent` (harness.runner.Agent) listening on
    loopback `port`: quiet once it is done with all that `clients` (its peers: a list that may grow, or a
    callable that returns them) sent it."""
    return agent.quiet_watch(unread=server_unread(protocol, port, clients))


def server_unread(protocol, port, clients):
    """A callable: True while something `clients` sent lies unread at the server (TCP: at its end of any
    client's connection, accepted or still queued; UDP: at its socket), None if the machine cannot tell."""
    def connections():
        for peer in list(clients() if callable(clients) else clients):
            if getattr(peer, 'eof', False):
                continue
            try:
                yield peer.sock.getsockname(), peer.sock.getpeername()
            except OSError:
                continue              # closed by us
    return unread_at_server(protocol, port, connections)


def unread_at_server(protocol, port, connections):
    """server_unread() for clients of any kind: `connections()` gives (client's address, server's address)
    of each TCP connection to look at."""
    def unread():
        if protocol == 'udp':
            pending = platform.unread_udp_bytes((LOOPBACK, port))
            return None if pending is None else pending > 0
        for ours, theirs in connections():
            pending = platform.unread_tcp_bytes(theirs, ours)
            if pending is None:
                return None
            if pending:
                return True
        return False
    return unread


class TcpPeer(Watched):
    """One raw TCP client. `transcript` holds every text received so far; `cursor` marks how far
    `expect` has consumed it."""

    def __init__(self, port, host=LOOPBACK, connect_within=DEFAULT_WITHIN, label=None):
        self._attach(socket.create_connection((host, port), timeout=connect_within), label or 'client')

    @classmethod
    def adopt(cls, sock, label=None):
        """Wrap a socket that is already connected (say, one a fake server accepted), to read it the
        same way."""
        peer = cls.__new__(cls)
        peer._attach(sock, label or 'peer')
        return peer

    def _attach(self, sock, label):
        self.label = label
        self.sock = sock
        self.next_message = _NEXT_MESSAGE   # where another message may start (a dialect may widen it)
        self.sent_before = False
        self.sock.settimeout(None)
        self._decoder = codecs.getincrementaldecoder('utf-8')(errors='replace')
        self.transcript = ''
        self.boundaries = [0]        # transcript offsets where a recv() started
        self.cursor = 0
        self.eof = False
        self.error = None

    # -- sending -----------------------------------------------------------------------------------

    def send(self, text, within=DEFAULT_WITHIN):
        """Send one message. If this peer sent one before, first wait (up to `within`) until the server has
        read it: the protocol has no framing, and two messages in one recv() would be the harness's haste,
        not the server's fault (judgement-calls.md). Where the machine cannot tell, a short gap instead."""
        if self.sent_before:
            consumed = platform.wait_consumed(self.sock.getpeername(), self.sock.getsockname(), within)
            if consumed is None:
                time.sleep(UNOBSERVABLE_GAP)
        self.sent_before = True
        self.send_bytes(text.encode('utf-8') if isinstance(text, str) else text)

    def send_bytes(self, data):
        self.sock.settimeout(SEND_WITHIN)       # reads leave the socket in a short timeout, or none
        self.sock.sendall(data)

    # -- receiving ---------------------------------------------------------------------------------

    def _pump(self, timeout):
        """Read once, waiting at most `timeout`. Returns False once the connection is over."""
        if self.eof:
            return False
        self.sock.settimeout(timeout if timeout > 0 else 0.0)   # 0: a look, without waiting
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, BlockingIOError):
            return True
        except OSError as error:
            self.error, self.eof = error, True
            return False
        if not data:
            self.eof = True
            self.transcript += self._decoder.decode(b'', final=True)
            return False
        if len(self.transcript) not in self.boundaries:
            self.boundaries.append(len(self.transcript))
        self.transcript += self._decoder.decode(data)
        return True

    def _drain(self):
        """Read what already arrived, without waiting for more. Returns True."""
        for _ in range(10000):
            before = len(self.transcript)
            if not self._pump(0) or len(self.transcript) == before:
                break
        return True

    def pending(self):
        """What was received after the cursor."""
        return self.transcript[self.cursor:]

    def _find(self, text, exact):
        start = self.cursor
        while True:
            at = self.transcript.find(text, start)
            if at < 0:
                return None
            end = at + len(text)
            if not exact:
                return at, end
            # Where a message starts is not checked: after a fused message, any text can precede it.
            rest = self.transcript[end:]
            next_boundary = min((b for b in self.boundaries if b > at), default=len(self.transcript))
            ends_cleanly = end == len(self.transcript) or end == next_boundary or self.next_message.match(rest)
            if ends_cleanly:
                return at, end
            start = at + 1

    def expect(self, text, within=DEFAULT_WITHIN, exact=True):
        """Wait until `text` arrives as the next whole message (or, with exact=False, anywhere in the
        stream); consume through it and return it. Raise PeerError saying what was received instead: a
        transcript is compared, not searched, so a message that is not the expected one, before it, is a
        failure ('Unknown: server-shutdown' is not 'server-shutdown')."""
        if exact:
            return self.expect_any((text,), within)
        watch = self._watch()
        deadline = Deadline(within, watch)
        while True:
            found = self._find(text, exact)
            if found:
                self.cursor = found[1]
                return text
            over = deadline.passed() or not self._pump(self._slice(deadline, watch))
            idle = not over and self._done(watch) and self._drain()
            if over or idle:
                found = self._find(text, exact)
                if found:
                    self.cursor = found[1]
                    return text
                raise PeerError(self._missing(text, within, idle))

    def expect_after(self, texts, within=DEFAULT_WITHIN):
        """Wait until one of `texts` arrives as a whole message, after whatever else (for the robustness
        tier, where other messages may come first); consume through it and return it."""
        watch = self._watch()
        deadline = Deadline(within, watch)
        while True:
            hits = [(found[0], found[1], t) for t in texts for found in [self._find(t, True)] if found]
            if hits:
                at, end, text = min(hits)
                self.cursor = end
                return text
            over = deadline.passed() or not self._pump(self._slice(deadline, watch))
            idle = not over and self._done(watch) and self._drain()
            if (over or idle) and not any(self._find(t, True) for t in texts):
                raise PeerError(self._missing(' or '.join(map(repr, texts)), within, idle))

    def _next_is(self, texts):
        """(text, end) when one of `texts` is the next whole message at the cursor; (None, True) when what
        arrived can no longer become one of them; (None, False) while it still may."""
        pending = self.transcript[self.cursor:]
        if not pending:
            return None, False
        for text in texts:
            end = self.cursor + len(text)
            if pending.startswith(text):
                next_boundary = min((b for b in self.boundaries if b > self.cursor), default=len(self.transcript))
                if end == len(self.transcript) or end == next_boundary or self.next_message.match(
                        self.transcript, end):
                    return text, end
        could_grow = any(text.startswith(pending) and len(pending) < len(text) for text in texts)
        return None, bool(pending) and not could_grow

    def expect_any(self, texts, within=DEFAULT_WITHIN):
        """Wait until one of several acceptable texts is the next whole message; return the one seen. The
        messages of `others()` (set by whoever runs the server: other checks' subjects, such as a join
        announced to the joiner too) may come before it, and are passed over."""
        watch = self._watch()
        deadline = Deadline(within, watch)
        while True:
            text, wrong = self._next_is(texts)
            if text is not None:
                self.cursor += len(text)
                return text
            other, _ = self._next_is(tuple(self.others())) if wrong else (None, False)
            if other is not None:
                self.cursor += len(other)
                continue
            if wrong:
                self.read_for(0.05)             # the rest of what came instead, for the report
                raise PeerError(self._missing(' or '.join(map(repr, texts)) if len(texts) > 1 else texts[0],
                                              within, instead=True))
            over = deadline.passed() or not self._pump(self._slice(deadline, watch))
            idle = not over and self._done(watch) and self._drain()
            if over or idle:
                text, _ = self._next_is(texts)
                if text is not None:
                    self.cursor += len(text)
                    return text
                raise PeerError(self._missing(' or '.join(map(repr, texts)) if len(texts) > 1 else texts[0],
                                              within, idle))

    def expect_silence(self, text, during=QUIET_WINDOW):
        """Fail if `text` arrives (anywhere after the cursor) within `during` seconds."""
        deadline, watch = Deadline(during), self._watch()
        while not deadline.passed():
            if self._find(text, False):
                break
            if not self._pump(self._slice(deadline, watch)) or (self._done(watch) and self._drain()):
                break
        found = self._find(text, False)
        if found:
            raise PeerError('{} received {} but must not have; it received: {}'.format(
                self.label, show(text), show(self.pending())))

    def read_for(self, seconds):
        """Everything that arrives within `seconds` (a negative check's evidence)."""
        deadline = Deadline(seconds)
        while not deadline.passed() and self._pump(deadline.remaining()):
            pass
        return self.pending()

    def wait_closed(self, within=DEFAULT_WITHIN):
        """True when the server closed the connection within `within` seconds."""
        deadline = Deadline(within)
        while not deadline.passed():
            if not self._pump(deadline.remaining()):
                return True
        return self.eof

    def _missing(self, text, within, idle=False, instead=False):
        state = ' (the connection was closed)' if self.eof else self.idle_remark if idle else ''
        when = 'next' if instead else 'within {:.1f}s'.format(within) if not idle else 'in reply'
        return '{} expected {} {}; it received {}{}'.format(
            self.label, show(text) if not text.startswith("'") else text, when,
            show(self.pending()) if self.pending() else 'nothing', state)

    # -- closing -----------------------------------------------------------------------------------

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Vanish without a word: close with RST, as a crashed client would."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def join_tcp(port, name, within=DEFAULT_WITHIN, host=LOOPBACK):
    """Connect, send `name`, and wait for 'Welcome'. Returns the peer."""
    peer = TcpPeer(port, host=host, label=name)
    peer.send(name)
    peer.expect('Welcome', within, exact=False)
    return peer


class UdpPeer(Watched):
    """One raw UDP client. `datagrams` holds every datagram received (text), in order."""

    def __init__(self, port, name=None, host=LOOPBACK):
        self.server = (host, port)
        self.name = name
        self.label = name or 'client'
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        except OSError:
            pass
        self.address = self.sock.getsockname()
        self.datagrams = []
        self.cursor = 0

    def send_raw(self, text):
        data = text.encode('utf-8') if isinstance(text, str) else text
        self.sock.settimeout(SEND_WITHIN)
        self.sock.sendto(data, self.server)

    def say(self, text):
        """Send '{name}:{text}', as the assignment's UDP client does."""
        self.send_raw('{}:{}'.format(self.name, text))

    def _pump(self, timeout):
        """Read one datagram, waiting at most `timeout`. Returns True (a UDP peer's reading never ends)."""
        self.sock.settimeout(timeout if timeout > 0 else 0.0)   # 0: a look, without waiting
        try:
            data, source = self.sock.recvfrom(65536)
        except socket.timeout:
            return True
        except OSError:
            return True
        if source[1] == self.server[1]:
            self.datagrams.append(data.decode('utf-8', errors='replace'))
        return True

    def _drain(self):
        for _ in range(10000):
            before = len(self.datagrams)
            self._pump(0)
            if len(self.datagrams) == before:
                return True
        return True

    def expect(self, text, within=DEFAULT_WITHIN, exact=True, any_case=False):
        """Wait until the next datagram is `text` (a transcript is compared, not searched: another datagram
        before it is a failure); or, with exact=False, for a datagram containing it (in any case), after
        anything else. Consume through it and return it."""
        if exact:
            return self.expect_any((text,), within)
        watch = self._watch()
        deadline, idle = Deadline(within, watch), False
        while True:
            for index in range(self.cursor, len(self.datagrams)):
                got = self.datagrams[index]
                if got == text or (not exact and (text.lower() in got.lower() if any_case else text in got)):
                    self.cursor = index + 1
                    return got
            if deadline.passed() or idle:
                raise PeerError('{} expected the datagram {} {}; it received {}{}'.format(
                    self.label, show(text), 'in reply' if idle else 'within {:.1f}s'.format(within),
                    show(self.datagrams[self.cursor:]) if self.datagrams[self.cursor:] else 'nothing',
                    self.idle_remark if idle else ''))
            self._pump(self._slice(deadline, watch))
            idle = self._done(watch) and self._drain()

    def expect_any(self, texts, within=DEFAULT_WITHIN):
        """Wait until the next datagram is one of `texts` (passing over those of `others()`); return it."""
        watch = self._watch()
        deadline, idle = Deadline(within, watch), False
        shown = show(texts[0]) if len(texts) == 1 else 'one of {}'.format(show(list(texts)))
        while True:
            if self.cursor < len(self.datagrams):
                got = self.datagrams[self.cursor]
                if got in texts:
                    self.cursor += 1
                    return got
                if got in self.others():
                    self.cursor += 1
                    continue
                self._drain()
                raise PeerError('{} expected {} next; it received {}'.format(
                    self.label, shown, show(self.datagrams[self.cursor:])))
            if deadline.passed() or idle:
                raise PeerError('{} expected {} {}; it received nothing{}'.format(
                    self.label, shown, 'in reply' if idle else 'within {:.1f}s'.format(within),
                    self.idle_remark if idle else ''))
            self._pump(self._slice(deadline, watch))
            idle = self._done(watch) and self._drain()

    def expect_after(self, texts, within=DEFAULT_WITHIN):
        """Wait for a datagram that is one of `texts`, after whatever else; return it."""
        watch = self._watch()
        deadline, idle = Deadline(within, watch), False
        while True:
            for index in range(self.cursor, len(self.datagrams)):
                if self.datagrams[index] in texts:
                    self.cursor = index + 1
                    return self.datagrams[index]
            if deadline.passed() or idle:
                raise PeerError('{} expected one of {} {}; it received {}{}'.format(
                    self.label, show(list(texts)), 'in reply' if idle else 'within {:.1f}s'.format(within),
                    show(self.datagrams[self.cursor:]), self.idle_remark if idle else ''))
            self._pump(self._slice(deadline, watch))
            idle = self._done(watch) and self._drain()

    def expect_silence(self, text, during=QUIET_WINDOW, exact=False):
        deadline, watch = Deadline(during), self._watch()
        while not deadline.passed():
            self._pump(self._slice(deadline, watch))
            if self._done(watch) and self._drain():
                break
        for got in self.datagrams[self.cursor:]:
            if got == text or (not exact and text in got):
                raise PeerError('{} received {} but must not have; it received: {}'.format(
                    self.label, show(text), show(self.datagrams[self.cursor:])))

    def read_for(self, seconds):
        deadline = Deadline(seconds)
        while not deadline.passed():
            self._pump(deadline.remaining())
        return self.datagrams[self.cursor:]

    def pending(self):
        """The datagrams received after the cursor."""
        return self.datagrams[self.cursor:]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def join_udp(port, name, within=DEFAULT_WITHIN, host=LOOPBACK):
    """Send '{name}:join' and wait for 'Welcome'. Returns the peer."""
    peer = UdpPeer(port, name, host=host)
    peer.say('join')
    peer.expect('Welcome', within, exact=False)
    return peer


def refuses_connections(port, host=LOOPBACK, within=DEFAULT_WITHIN):
    """True when connecting to (host, port) is refused: nothing listens there any more."""
    try:
        probe = socket.create_connection((host, port), timeout=within)
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    probe.close()
    return False


class TcpListener:
    """A fake TCP server: listens on an ephemeral port; `accept` hands each connection over as a
    TcpPeer, so that what a client under test sends is read with the same deadlines."""

    def __init__(self, host=LOOPBACK, backlog=16):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(backlog)
        self.address = self.sock.getsockname()
        self.port = self.address[1]
        self.accepted = []

    def accept(self, within=DEFAULT_WITHIN, label=None):
        """The next connection as a TcpPeer; raise PeerError if none came within `within` seconds."""
        self.sock.settimeout(max(within, 0.001))
        try:
            conn, _ = self.sock.accept()
        except socket.timeout:
            raise PeerError('no client connected to port {} within {:.1f}s'.format(self.port, within))
        peer = TcpPeer.adopt(conn, label or 'connection {}'.format(len(self.accepted) + 1))
        self.accepted.append(peer)
        return peer

    def close(self):
        for peer in self.accepted:
            peer.close()
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class UdpListener:
    """A fake UDP server: `datagrams` holds every (text, source address) received, in order."""

    def __init__(self, host=LOOPBACK):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.address = self.sock.getsockname()
        self.port = self.address[1]
        self.datagrams = []
        self.cursor = 0

    def send_to(self, text, address):
        self.sock.sendto(text.encode('utf-8') if isinstance(text, str) else text, address)

    def _pump(self, timeout):
        self.sock.settimeout(timeout if timeout > 0 else 0.0)   # 0: a look, without waiting
        try:
            data, source = self.sock.recvfrom(65536)
        except (socket.timeout, OSError):
            return
        self.datagrams.append((data.decode('utf-8', errors='replace'), source))

    def expect(self, text, within=DEFAULT_WITHIN):
        """Wait for a datagram equal to `text`; consume through it and return its source address."""
        deadline = Deadline(within)
        while True:
            for index in range(self.cursor, len(self.datagrams)):
                got, source = self.datagrams[index]
                if got == text:
                    self.cursor = index + 1
                    return source
            if deadline.passed():
                seen = [got for got, _ in self.datagrams[self.cursor:]]
                raise PeerError('the fake server expected the datagram {} within {:.1f}s; it received {}'
                                .format(show(text), within, show(seen) if seen else 'nothing'))
            self._pump(deadline.remaining())

    def read_for(self, seconds):
        """The texts of every datagram not yet consumed, after listening for `seconds`."""
        deadline = Deadline(seconds)
        while not deadline.passed():
            self._pump(deadline.remaining())
        return [got for got, _ in self.datagrams[self.cursor:]]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
