"""Play a scenario (a sequence of model actions) against a live chatroom server through fake peers, check
every step against harness.model, and render a failing scenario as steps a student can replay by hand.

    failure = run_scenario('tcp', port, actions, get_count=server.get_clients_number)
    if failure is not None:
        print(render_replay(actions, failure))

For step-by-step use, `ScenarioDriver(protocol, port, ...)` has `step(action) -> Optional[Failure]`,
`finish()` and `close()`. Which scenarios to play: harness/explore.py. The driver knows nothing about how the server
was started: it needs the port on 127.0.0.1 and, optionally, a callable returning get_clients_number().

How a step is checked
- The acting peer's reply ('Welcome' by containment, a leniency; 'Name already taken' exactly) and every
  delivery the model names are read as the *next* message at that peer, with a deadline (`within`). TCP has
  no framing: a peer's bytes are one transcript and a text matches at the read position when it ends at a
  recv() boundary, at the end of what arrived, or where another message plausibly starts (peers'
  coalescing rule). Anything else at the read position fails at once, so a wrong text costs no deadline.
- Then one short quiet window (`quiet`) shared by all live peers, after the positive deliveries proved the
  server handled the step: whatever a wrong server sends in the same step (an echo to the sender, a joined
  line to the joiner, a second 'left') is on its way by then. Every live peer must have nothing unread.
  A UDP disconnect tells the server nothing, so it gets no window. `finish()` waits one longer window.
- get_clients_number() (if given) is polled until it equals the model's count, with a deadline, and read
  once more after the quiet window.
- A TCP leave that nobody else hears shows only in the count, which a server may lower before it sends
  'User x left' (the reference does: it frees the name first); a client that joins next may then receive
  that announcement. Such a client may receive each such 'User x left' once, with a note.

Pacing (where the machine cannot observe the server)
A TCP server without framing takes one recv() as one message. If a connection sends twice before the server
read the first, both land in one recv() and a correct server sees 'hihello': the harness's haste, not the
student's bug. A TcpPeer therefore waits, before it sends again, until the server has read what it sent
(harness/platform.wait_consumed). And a server handles each connection in its own thread, so an action
nobody has seen the server handle may still be in flight when the next peer acts: after a TCP step with no
observable effect (a chat, leave or disconnect while nobody else is joined, and no count change seen), the
next action waits until the server is idle (`settle`, given by the caller: every thread of the server
waiting). Where neither can be observed, the next action waits until TCP_SEND_GAP has passed since that step
was sent. UDP needs no pacing: one server socket receives the datagrams in the order they were sent, and
each datagram is one message.
"""

import re
import selectors
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional

from harness import leniency, platform
from harness import model as m
from harness.peers import LOOPBACK, Deadline, TcpPeer, UdpPeer, server_unread, server_watch

DEFAULT_WITHIN = 2.0
QUIET = 0.05             # seconds every live peer must stay quiet after a step's deliveries arrived
FINAL_QUIET = 0.2        # the same after the last step, when nothing later could reveal a stray message
TCP_SEND_GAP = 0.1       # see "Pacing" above
COUNT_POLL = 0.005       # seconds between reads of get_clients_number() while waiting for it to change
MORE_FOR_REPORT = 0.05   # after a mismatch, how long to keep reading so the report shows the whole text
IDLE_WITHIN = 1.0        # how long a watched server may take to be idle again after a step
IDLE_STABLE = 0.008      # every thread waiting this long, unchanged (a turn for the interpreter's lock is no wait)
PAUSE_BOUND = 6.0        # a pause waits for the server's loops that wake by themselves within this long
PAUSE_UNOBSERVED = 1.0   # a pause where the server's loops cannot be seen
CLOSE_WITHIN = 1.0       # after 'server-shutdown', how long a TCP connection may take to end before it is noted

# Where a greeting ends when other messages follow it in the same recv(): only unmistakable starts, since a
# greeting ('Welcome alice', 'Welcome!') is free text.
_AFTER_GREETING = re.compile(r'User |server-shutdown|Welcome|Name already taken')


@dataclass(frozen=True)
class Failure:
    """The first difference between a server and the model.

    step_index   0-based index of the step after which the difference was seen
    expected     what the model says, as shown to a student ("'Welcome'", "nothing", "2")
    received     what was seen ("'Name already taken'", "nothing within 2.0s", "3")
    description  one sentence naming who saw what
    subject      who saw it: '' for the acting peer's reply, a peer's label, or 'get_clients_number()'
    protocol     'tcp' or 'udp'
    """
    step_index: int
    expected: str
    received: str
    description: str
    subject: str = ''
    protocol: Optional[str] = None

    def __str__(self):
        return 'step {}: {}'.format(self.step_index + 1, self.description)


class ScenarioFailed(AssertionError):
    """Raised by assert_scenario; the message is the replay."""

    def __init__(self, failure, actions, protocol=None):
        self.failure = failure
        self.actions = list(actions)
        super().__init__(render_replay(self.actions, failure, protocol))


class _Mismatch(Exception):
    def __init__(self, expected, received, description, subject=''):
        super().__init__(description)
        self.expected, self.received, self.description, self.subject = expected, received, description, subject


def quote(text):
    return repr(text)


def _alternatives(texts):
    return ' or '.join(quote(t) for t in texts)


class ScenarioDriver:
    """Plays actions one at a time against a live server and checks each against the model."""

    def __init__(self, protocol, port, get_count=None, within=DEFAULT_WITHIN, quiet=QUIET,
                 final_quiet=FINAL_QUIET, host=LOOPBACK, notes=None, dialect=None, server_agent=None,
                 stopper=None):
        self.dialect = dialect or leniency.ServerDialect(protocol)
        self.server_agent = server_agent   # the harness.runner.Agent the server runs in, to watch (or None)
        self.stopper = stopper             # how a Shutdown step stops the server (see `_shutdown`), or None
        self.model = m.Model(protocol, self.dialect)
        self.protocol = protocol
        self.port = port
        self.host = host
        self.get_count = get_count
        self.within = within
        self.quiet = quiet
        self.final_quiet = final_quiet
        self.notes = notes if notes is not None else []   # leniencies used, one line each
        self.peers = {}            # model peer id -> TcpPeer | UdpPeer we still hold
        self.actions = []          # type: List[m.Action]
        self.failure = None        # type: Optional[Failure]
        self._used_ports = set()   # UDP: local ports used so far, never reused within a scenario
        self._spare = []           # UDP sockets bound but not used because their port was used before
        self._unconfirmed_since = None
        self._unheard = []         # TCP: 'User x left' of leaves nobody else was there to hear (see _play)
        self._allowed = {}         # peer id -> such texts it may still receive once (it joined after them)

    # -- public --------------------------------------------------------------------------------------

    def step(self, action):
        """Play `action` and check the outcome. Returns None or the Failure (also kept in .failure).
        Raises model.InvalidAction, before any I/O, if the action is impossible in the model's state."""
        if self.failure is not None:
            raise RuntimeError('the scenario already failed at step {}'.format(self.failure.step_index + 1))
        previous_count = self.model.count
        outcome = self.model.apply(action)
        self.actions.append(action)
        try:
            self._play(action, outcome, previous_count)
        except _Mismatch as mismatch:
            self.failure = Failure(len(self.actions) - 1, mismatch.expected, mismatch.received,
                                   mismatch.description, mismatch.subject, self.protocol)
        return self.failure

    def finish(self):
        """After the last step: one longer quiet window for stray messages, and the count once more."""
        if self.failure is not None or not self.actions or self.model.stopped:
            return self.failure
        try:
            self._settle(self.final_quiet)
            for peer_id in self.model.live():
                self._check_nothing_more(peer_id, final=True)
            self._check_count(self.model.count, wait=False)
        except _Mismatch as mismatch:
            self.failure = Failure(len(self.actions) - 1, mismatch.expected, mismatch.received,
                                   mismatch.description, mismatch.subject, self.protocol)
        return self.failure

    def close(self):
        for peer in list(self.peers.values()) + self._spare:
            try:
                peer.close()
            except OSError:
                pass
        self.peers.clear()
        self._spare = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- one step ------------------------------------------------------------------------------------

    def _play(self, action, outcome, previous_count):
        self._pace()
        if isinstance(action, m.Pause):
            self._pause()
            for peer_id in self.model.live():
                self._check_nothing_more(peer_id)
            self._check_count(outcome.count, wait=False)
            return
        if outcome.shutdown:
            self._shutdown(action, outcome)
            return
        sent_at = time.monotonic()
        evidence = self._act(action)
        if self.protocol == 'tcp' and outcome.reply == m.WELCOME and self._unheard:
            self._allowed[action.peer] = list(self._unheard)
        if outcome.reply is not None:
            self._expect_reply(action.peer, outcome.reply)
            evidence = True
            if outcome.actor_gone:                        # TCP: refused; the connection is over
                self._drop(action.peer)
        for peer_id in sorted(outcome.deliveries):
            self._expect_next(peer_id, outcome.deliveries[peer_id])
            evidence = True
        if self._check_count(outcome.count, wait=True, evidence=evidence) and outcome.count != previous_count:
            evidence = True
        if self.protocol == 'tcp' and isinstance(action, (m.Leave, m.Disconnect)) and not outcome.deliveries:
            # Nobody heard 'User x left', so nothing shows when the server sent it; a server that frees the
            # name and then announces (as the reference does) may announce to a client that joins after
            # the count dropped: legitimate concurrency, not a bug. Such a client may receive it once.
            self._unheard.append(m.left_text(self.model.name_of(action.peer)))
        if isinstance(action, m.Leave) and self.protocol == 'tcp':
            leaver = self.peers.pop(action.peer)
            if not evidence and leaver.wait_closed(TCP_SEND_GAP):
                evidence = True                           # the server closed it: it read 'exit'
            leaver.close()
        if outcome.told_server:
            self._settle(self.quiet)
        else:
            self._drain_all()
        for peer_id in self.model.live():
            self._check_nothing_more(peer_id)
        self._check_count(outcome.count, wait=False)
        tcp_in_flight = self.protocol == 'tcp' and outcome.told_server and not evidence
        self._unconfirmed_since = sent_at if tcp_in_flight else None

    def _pace(self):
        if self._unconfirmed_since is None:
            return
        since, self._unconfirmed_since = self._unconfirmed_since, None
        if self._idle():
            return                    # the server was seen idle: it has handled what was sent
        remaining = TCP_SEND_GAP - (time.monotonic() - since)
        if remaining > 0:
            time.sleep(remaining)     # see "Pacing" in the module docstring: nothing observable to wait for

    def _act(self, action):
        """Send what the action sends. Returns True if sending already proved the server handled it."""
        label = self.model.label(action.peer)
        try:
            if isinstance(action, m.Join):
                peer = self.peers.get(action.peer) or self._new_peer(action.peer, action.name)
                if self.protocol == 'tcp':
                    peer.send(action.name)
                else:
                    peer.name = peer.label = action.name
                    peer.send_raw(self.dialect.join_datagram(action.name))
            elif isinstance(action, m.Chat):
                peer = self.peers[action.peer]
                if action.claimed is not None:        # UDP: a datagram that claims another name
                    peer.send_raw(self.dialect.chat_datagram(action.claimed, action.text))
                else:
                    self._send(peer, action.text)
            elif isinstance(action, m.Stranger):
                peer = self.peers.get(action.peer) or self._new_peer(action.peer, action.claimed)
                peer.send_raw(self.dialect.chat_datagram(action.claimed, action.text))
            elif isinstance(action, m.Leave):
                self._send(self.peers[action.peer], m.EXIT)   # UDP: the address stays ours, and listens
            else:                                        # Disconnect: close without a word
                self._drain(self.peers[action.peer])     # unread bytes would turn the FIN into an RST
                self._drop(action.peer)
        except OSError as error:
            raise _Mismatch('the message sent', 'an error: {}'.format(error),
                            '{} could not send to the server: {}'.format(label, error), label)
        return False

    def _send(self, peer, text):
        if self.protocol == 'tcp':
            peer.send(text)
        else:
            peer.send_raw(self.dialect.chat_datagram(peer.name, text))

    def _new_peer(self, peer_id, name):
        if self.protocol == 'tcp':
            try:
                peer = TcpPeer(self.port, host=self.host, connect_within=self.within, label=name)
                starts = self.dialect.message_starts()
                if starts is not None:
                    peer.next_message = starts
            except OSError as error:
                raise _Mismatch('a connection', 'an error: {}'.format(error),
                                'a new client could not connect to port {}: {}'.format(self.port, error), name)
        else:
            peer = UdpPeer(self.port, name, host=self.host)
            for _ in range(50):
                if peer.address[1] not in self._used_ports:
                    break
                # The port belonged to a client of this scenario that may still be a client of the server
                # (a vanished UDP client is); reusing it would make the new peer that client.
                self._spare.append(peer)
                peer = UdpPeer(self.port, name, host=self.host)
            self._used_ports.add(peer.address[1])
        self.peers[peer_id] = peer
        return peer

    def _drop(self, peer_id):
        peer = self.peers.pop(peer_id, None)
        if peer is not None:
            peer.close()

    # -- reading -------------------------------------------------------------------------------------

    def _expect_reply(self, peer_id, reply):
        if reply == m.WELCOME:
            self._expect_greeting(peer_id)
        else:
            self._expect_next(peer_id, (reply,), actor=True)

    def _expect_greeting(self, peer_id):
        """The spec's client accepts a reply that contains 'Welcome' (judgement-calls: lenient)."""
        peer = self.peers[peer_id]
        watch = self._watch()
        deadline, idle = Deadline(self.within, watch), False
        while True:
            if self.protocol == 'tcp':
                pending = peer.transcript[peer.cursor:]
                at = (pending.lower() if self.dialect.welcome_any_case else pending).find(
                    'welcome' if self.dialect.welcome_any_case else m.WELCOME)
                # Containment is lenient about the greeting's own words, not about another message
                # (e.g. the joiner's own 'User x joined') arriving before it.
                refused = bool(_AFTER_GREETING.search(pending if at < 0 else pending[:at]))
                if at >= 0 and not refused:
                    start = peer.cursor
                    end = self._greeting_end(peer, start + at + len(m.WELCOME))
                    greeting = peer.transcript[start:end]
                    peer.cursor = end
                    self._note_greeting(greeting)
                    return
            else:
                if peer.cursor < len(peer.datagrams):
                    greeting = peer.datagrams[peer.cursor]
                    if self.dialect.is_greeting(greeting):
                        peer.cursor += 1
                        self._note_greeting(greeting)
                        return
                    refused = True
                else:
                    refused = False
            if refused and self._skip_unheard(peer_id):
                continue
            if refused or idle or deadline.passed() or self._pump(peer, peer._slice(deadline, watch)) is False:
                got, remark = self._unread(peer, more=refused, idle=idle)
                raise _Mismatch(quote(m.WELCOME), got, 'the joining client expected {} and received {}{}'.format(
                    quote(m.WELCOME), got, remark))
            idle = peer._done(watch) and self._drain(peer)

    def _greeting_end(self, peer, end):
        later = [b for b in peer.boundaries if b > end]
        limit = min(later) if later else len(peer.transcript)
        found = _AFTER_GREETING.search(peer.transcript, end, limit)
        return found.start() if found else limit

    def _note_greeting(self, greeting):
        if greeting != m.WELCOME:
            self._note(leniency.greeting_accepted(greeting))

    def _expect_next(self, peer_id, texts, actor=False):
        """The next message at the peer must be one of `texts`."""
        peer = self.peers[peer_id]
        label = '' if actor else self.model.label(peer_id)
        who = 'the acting client' if actor else label
        watch = self._watch()
        deadline, idle = Deadline(self.within, watch), False
        while True:
            if self.protocol == 'tcp':
                got, wrong = self._match_tcp(peer, texts)
            else:
                got, wrong = self._match_udp(peer, texts)
            if got is not None:
                if got != texts[0]:
                    self._note(leniency.udp_relay_as_received(got))
                for line in self.dialect.variants:
                    self._note(leniency.variant_spoken('server', line))
                return got
            if wrong and self._skip_unheard(peer_id):
                continue
            if wrong or idle or deadline.passed() or self._pump(peer, peer._slice(deadline, watch)) is False:
                received, remark = self._unread(peer, more=wrong, idle=idle)
                raise _Mismatch(_alternatives(texts), received, '{} expected {} and received {}{}'.format(
                    who, _alternatives(texts), received, remark), label)
            idle = peer._done(watch) and self._drain(peer)

    @staticmethod
    def _match_tcp(peer, texts):
        """(text matched and consumed, None) / (None, True) if what arrived cannot become a match /
        (None, False) to wait for more."""
        start = peer.cursor
        pending = peer.transcript[start:]
        for text in texts:
            end = start + len(text)
            if pending.startswith(text) and (
                    end == len(peer.transcript) or end in peer.boundaries
                    or peer.next_message.match(peer.transcript, end)):
                peer.cursor = end
                return text, False
        could_grow = any(text.startswith(pending) and len(pending) < len(text) for text in texts)
        return None, bool(pending) and not could_grow

    @staticmethod
    def _match_udp(peer, texts):
        if peer.cursor < len(peer.datagrams):
            got = peer.datagrams[peer.cursor]
            if got in texts:
                peer.cursor += 1
                return got, False
            return None, True
        return None, False

    def _unread(self, peer, more=False, idle=False):
        """(what the peer received and nobody consumed, exactly as a report shows it; a remark for the
        description, e.g. that the server closed the connection)."""
        if more:
            peer.read_for(MORE_FOR_REPORT)
        nothing = 'nothing' + (peer.idle_remark if idle else ' within {:.1f}s'.format(self.within))
        if self.protocol == 'tcp':
            pending = peer.transcript[peer.cursor:]
            remark = ' (then the server closed the connection)' if peer.eof else ''
            return (quote(pending) if pending else nothing), remark
        pending = peer.datagrams[peer.cursor:]
        return (', then '.join(quote(d) for d in pending) if pending else nothing), ''

    def _skip_unheard(self, peer_id):
        """TCP: if the message at the peer's read position is the 'User x left' of a leave nobody heard
        before the peer joined (see _play), consume it (once) and return True."""
        allowed = self._allowed.get(peer_id)
        if self.protocol != 'tcp' or not allowed:
            return False
        text, _ = self._match_tcp(self.peers[peer_id], tuple(allowed))
        if text is None:
            return False
        allowed.remove(text)
        self._note(leniency.late_leave_reached_newcomer(text))
        return True

    def _check_nothing_more(self, peer_id, final=False):
        peer = self.peers[peer_id]
        label = self.model.label(peer_id)
        while self._skip_unheard(peer_id):
            pass
        if self.protocol == 'tcp':
            pending = peer.transcript[peer.cursor:]
            if pending:
                raise _Mismatch('nothing more', quote(pending), '{} received {} but should have received '
                                'nothing more{}'.format(label, quote(pending), ' by the end' if final else ''),
                                label)
            if peer.eof:
                raise _Mismatch('the connection to stay open', 'the server closed it',
                                'the server closed the connection of {}, a client that should still be in the '
                                'chatroom'.format(label), label)
        else:
            pending = peer.datagrams[peer.cursor:]
            if pending:
                shown = ', then '.join(quote(d) for d in pending)
                raise _Mismatch('nothing more', shown, '{} received {} but should have received nothing '
                                'more{}'.format(label, shown, ' by the end' if final else ''), label)

    @staticmethod
    def _pump(peer, timeout):
        """Wait at most `timeout` for one read. False once a TCP connection is over."""
        return peer._pump(timeout)

    def _size(self, peer):
        return len(peer.transcript) if self.protocol == 'tcp' else len(peer.datagrams)

    def _drain(self, peer):
        """Read what already arrived, without waiting for more. Returns True."""
        for _ in range(1000):
            before = self._size(peer)
            if self._pump(peer, 0) is False or self._size(peer) == before:
                break
        return True

    def _drain_all(self):
        for peer in self.peers.values():
            self._drain(peer)

    def _live_peers(self):
        return list(self.peers.values())

    def _idle(self):
        """Wait (bounded) until every thread of the server waits and nothing sent to it is unread; True
        once it does, False if it cannot be told or it did not within IDLE_WITHIN."""
        if self.server_agent is None:
            return False
        return bool(platform.wait_process_idle(self.server_agent.proc.pid, IDLE_WITHIN, stable=IDLE_STABLE,
                                               unread=server_unread(self.protocol, self.port, self._live_peers),
                                               spins=self.server_agent.spins))

    def _watch(self):
        """A QuietWatch of the server (see harness/platform.py), or None where there is none."""
        if self.server_agent is None:
            return None
        return server_watch(self.server_agent, self.protocol, self.port, self._live_peers)

    def _settle(self, seconds):
        """Read whatever arrives at any live peer during `seconds`, then whatever already arrived. Where the
        server can be watched, until it is idle instead: what a wrong server sends in the same step (an
        echo, a second 'left') goes out before it waits again."""
        if not self.peers:
            return
        if self._idle():
            self._drain_all()
            return
        deadline = Deadline(seconds)
        with selectors.DefaultSelector() as selector:
            for peer in self.peers.values():
                if not getattr(peer, 'eof', False):
                    selector.register(peer.sock, selectors.EVENT_READ, peer)
            while not deadline.passed() and selector.get_map():
                for key, _ in selector.select(deadline.remaining()):
                    peer = key.data
                    if self._pump(peer, 0) is False:
                        selector.unregister(key.fileobj)     # the server closed it; reported below
        self._drain_all()

    # -- count ---------------------------------------------------------------------------------------

    def _check_count(self, expected, wait, evidence=False):
        """True if the count was checked (and matched). With `wait`, poll until it matches or `within`
        passes: the count may lag behind the deliveries (leave order is free, judgement-calls.md)."""
        if self.get_count is None or expected is None:
            return False
        subject = 'get_clients_number()'
        watch = self._watch() if wait else None
        deadline = Deadline(self.within, watch) if wait else None
        settled = False
        while True:
            try:
                got = self.get_count()
            except Exception as error:   # a submission's method may raise anything
                raise _Mismatch(str(expected), 'an exception: {!r}'.format(error),
                                'get_clients_number() raised {!r}; expected {}'.format(error, expected), subject)
            if got == expected:
                return True
            if deadline is None or deadline.passed() or settled:
                raise _Mismatch(str(expected), repr(got), 'get_clients_number() returned {!r}; expected {}'.format(
                    got, expected), subject)
            time.sleep(COUNT_POLL)       # polling a number: there is no message to wait for
            settled = watch is not None and bool(watch.quiet())    # done with all it was sent: read once more

    # -- a pause, a shutdown ---------------------------------------------------------------------------

    def _pause(self):
        """Nobody says anything until every loop of the server that wakes by itself within PAUSE_BOUND
        seconds has woken once and done what it does then (a server that drops a quiet client, or stops
        listening when a timeout fires, shows it at the next step): runner.Agent.pause. Where that cannot
        be seen, a fixed PAUSE_UNOBSERVED."""
        agent = self.server_agent
        unread = server_unread(self.protocol, self.port, self._live_peers)
        if agent is None or not agent.pause(PAUSE_BOUND, unread=unread):
            time.sleep(PAUSE_UNOBSERVED)       # nothing to wait for that can be seen: the pause itself
        self._drain_all()

    def _shutdown(self, action, outcome):
        """Stop the server as `action` says (self.stopper: run_event or Ctrl-C, once it is idle), then every
        joined client must get 'server-shutdown' (UDP: possibly after 'User x left' for the others) and
        nothing else. How run() notices the request is the fixed checks' business (tcp.shutdown_run_event,
        ...): where the clients were not told once run() ended, or run() did not end, shutdown() is called
        directly, and this step judges what it does."""
        if self.stopper is None:
            raise m.InvalidAction('a scenario with a shutdown needs a stopper')
        self.stopper.stop(action.how)
        try:
            self._expect_all_shutdown(outcome)
        except _Mismatch:
            self.stopper.call_shutdown()
            self._note_lines(leniency.shutdown_called_directly)
            self._expect_all_shutdown(outcome)
        for peer_id in self.model.live():
            if peer_id not in outcome.deliveries:
                self._check_nothing_more(peer_id)
        for peer_id in list(self.peers):
            self._drop(peer_id)

    def _expect_all_shutdown(self, outcome):
        members = [self.model.name_of(p) for p in outcome.deliveries]
        for peer_id in sorted(outcome.deliveries):
            peer = self.peers[peer_id]
            if self.protocol == 'udp':
                lefts = [self.dialect.left_text(name) for name in members if name != self.model.name_of(peer_id)]
                while True:
                    got = self._expect_next(peer_id, (m.SHUTDOWN_TEXT,) + tuple(lefts))
                    if got == m.SHUTDOWN_TEXT:
                        break
                    lefts.remove(got)
                    self._note(leniency.left_announced_at_shutdown())
            else:
                self._expect_next(peer_id, (m.SHUTDOWN_TEXT,))
                if not peer.wait_closed(CLOSE_WITHIN):
                    self._note(leniency.closed_without_end_of_stream())

    def _note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def _note_lines(self, noting):
        """The notes a leniency function makes, into this scenario's notes."""
        with leniency.unnoted():
            noting()
            made = leniency.notes()
        for text in made:
            self._note(text)


def run_scenario(protocol, port, actions, get_count=None, within=DEFAULT_WITHIN, quiet=QUIET,
                 final_quiet=FINAL_QUIET, host=LOOPBACK, notes=None, dialect=None, server_agent=None,
                 stopper=None):
    """Play `actions` against the server on host:port. Returns None when every step matched the model,
    else the first Failure. `notes`, if a list, receives one line per leniency used."""
    with ScenarioDriver(protocol, port, get_count=get_count, within=within, quiet=quiet,
                        final_quiet=final_quiet, host=host, notes=notes, dialect=dialect,
                        server_agent=server_agent, stopper=stopper) as driver:
        for action in actions:
            failure = driver.step(action)
            if failure is not None:
                return failure
        return driver.finish()


def assert_scenario(protocol, port, actions, **options):
    """run_scenario, raising ScenarioFailed (an AssertionError whose message is the replay) on a failure."""
    failure = run_scenario(protocol, port, actions, **options)
    if failure is not None:
        raise ScenarioFailed(failure, actions, protocol)


# -- replay ------------------------------------------------------------------------------------------------

_SERVER_CLASS = {'tcp': 'ServerTCP', 'udp': 'ServerUDP'}
_CLIENT_CLASS = {'tcp': 'ClientTCP', 'udp': 'ClientUDP'}


def render_replay(actions, failure=None, protocol=None):
    """Numbered steps a student can replay by hand with the assignment's server.py / client.py, up to the
    failing step, which carries what was expected and what was received; then the exact texts."""
    protocol = protocol or (failure.protocol if failure is not None else None) or 'tcp'
    steps = m.describe_all(protocol, actions)
    last = len(steps) - 1 if failure is None else min(failure.step_index, len(steps) - 1)
    lines = ['Replay by hand ({}): run server.py with {}, and one client.py ({}) per client:'.format(
        protocol.upper(), _SERVER_CLASS[protocol], _CLIENT_CLASS[protocol])]
    for index, step in enumerate(steps[:last + 1]):
        line = '{:>3}. {}'.format(index + 1, step)
        if failure is not None and index == last:
            who = '{} '.format(failure.subject) if failure.subject else ''
            line += ' \u2192 {}expected {}, got {}'.format(who, failure.expected, failure.received)
        lines.append(line)
    if failure is not None:
        lines.append('What went wrong: {}'.format(failure.description))
        lines.append('  expected: {}'.format(failure.expected))
        lines.append('  received: {}'.format(failure.received))
    hints = []
    if any(isinstance(a, m.Disconnect) for a in actions[:last + 1]):
        hints.append("'disconnects without a word': kill that client's process (Ctrl-C would send 'exit').")
    if any(isinstance(a, m.Leave) for a in actions[:last + 1]):
        hints.append("'leaves': type exit in that client.")
    if hints:
        lines.append('(' + ' '.join(hints) + ')')
    return '\n'.join(lines)


def render_steps(protocol, actions):
    """Only the numbered steps, one line each."""
    return '\n'.join('{:>3}. {}'.format(i + 1, s) for i, s in enumerate(m.describe_all(protocol, actions)))


# -- shortening --------------------------------------------------------------------------------------------

def without_step(protocol, actions, index):
    """`actions` without step `index`, and without the later steps that became impossible (a peer's chat
    or leave once its join is gone)."""
    return without_steps(protocol, actions, (index,))


OPTIONAL_KINDS = (m.Disconnect,)


def without_kinds(protocol, actions, kinds):
    """`actions` without every step of `kinds`, and without the later steps that became impossible."""
    model = m.Model(protocol)
    kept = []
    for action in actions:
        if isinstance(action, kinds) or not model.is_valid(action):
            continue
        model.apply(action)
        kept.append(action)
    return kept


def shorten(protocol, actions, fails, within=None, replays=None, at_once=1):
    """Delete steps while `fails(actions)` still returns a failure (anything but None): first the
    optional features (abrupt disconnects) all at once, then chunks of steps, halving their size down to
    single steps (a chained scenario's earlier walks usually go at once). At most `replays` calls of
    `fails` and `within` seconds (None: no bound). Returns (the shortest failing actions, its failure),
    or (actions, None) when no deletion kept the failure.

    `at_once` > 1: the next candidates of a round (the same step list, later chunks) are replayed side by
    side, `fails` from several threads; the first that fails, in order, is taken, as one after another
    would have (the later ones were extra and are not counted against `replays`). A candidate already
    replayed is not replayed again."""
    deadline = Deadline(within) if within is not None else None
    budget = {'left': replays}
    tried = {}                       # the candidate's steps (as text) -> its failure or None
    best, failure = list(actions), None

    def exhausted():
        return (deadline is not None and deadline.passed()) or budget['left'] == 0

    def outcomes(candidates):
        """The failure (or None) of each candidate, in order, replayed `at_once` at a time; None for a
        candidate past the budget."""
        fresh = list({repr(c): c for c in candidates if c and repr(c) not in tried}.values())
        if fresh and not exhausted():
            if at_once > 1 and len(fresh) > 1:
                with ThreadPoolExecutor(max_workers=at_once) as workers:
                    found = list(workers.map(fails, fresh))
            else:
                found = [fails(fresh[0])]
                fresh = fresh[:1]
            tried.update(zip(map(repr, fresh), found))
        results = []
        for candidate in candidates:
            if not candidate or repr(candidate) not in tried or budget['left'] == 0:
                results.append(None)
                continue
            if budget['left'] is not None:
                budget['left'] -= 1
            results.append(tried[repr(candidate)])
            if results[-1] is not None:
                break                # what one after another would have replayed stops here
        return results

    plain = without_kinds(protocol, best, OPTIONAL_KINDS)
    if plain and len(plain) < len(best):
        found = outcomes([plain])[0]
        if found is not None:
            best, failure = plain, found
    size = max(1, len(best) // 2)
    while True:
        start = 0
        while start < len(best):
            if exhausted():
                return best, failure
            starts = list(range(start, len(best), size))[:max(1, at_once)]
            candidates = [without_steps(protocol, best, range(s, s + size)) for s in starts]
            candidates = [c if c != best else [] for c in candidates]
            results = outcomes(candidates)
            taken = next((i for i, found in enumerate(results) if found is not None), None)
            if taken is None:
                start = starts[-1] + size
            else:
                best, failure = candidates[taken], results[taken]
                start = starts[taken]
        if size == 1:
            return best, failure
        size = max(1, size // 2)


def without_steps(protocol, actions, indexes):
    """`actions` without the steps at `indexes`, and without the later steps that became impossible."""
    drop = set(indexes)
    model = m.Model(protocol)
    kept = []
    for position, action in enumerate(actions):
        if position in drop or not model.is_valid(action):
            continue
        model.apply(action)
        kept.append(action)
    return kept
