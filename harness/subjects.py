"""A submission's server, running in an agent, as the checks see it: start it, join fake clients, ask it
for its count, stop it. The checks read as sentences because the plumbing lives here."""

import contextlib
import socket
import threading
import time

import pytest

from . import fakes, leniency, peers, platform
from .runner import (CALL_PATIENCE, ENDED_SLACK, AgentError, AgentGone, AgentTimeout, CallFailed, describe_exit,
                     run_server, start_server, wait_serving)

STATE_POLL = 0.02
INPUT_WAIT = 2.0        # how long a client may take to be back waiting for input after a line
IDLE_WITHIN = 2.0       # how long a submission may take to be idle in its loop again
UNOBSERVABLE_SETTLE = 0.15   # where the machine cannot tell when it is (see harness/platform.py)
CONNECT_PATIENCE = CALL_PATIENCE  # a connect_server() waiting for a reply with a timeout this long or less: waited for


def require_ctrl_c():
    """Skip a check of Ctrl-C where a Ctrl-C cannot end the blocked call a correct program sits in."""
    if not platform.CTRL_C_ENDS_BLOCKING_CALLS:
        pytest.skip(platform.not_measurable('a Ctrl-C there does not end a blocked accept(), recv() or a read '
                                            'of input from a pipe, so a correct program cannot be told from '
                                            'one that ignores it'))


def settle(agent, within=IDLE_WITHIN):
    """Wait until the agent's main thread (where run() runs) is idle in its loop: waiting for input, a
    connection or a datagram, not sending. Where the machine cannot tell, a short fixed wait instead.
    A submission that never idles (a busy loop) is not waited for longer than `within`."""
    state = platform.wait_idle(agent.proc.pid, within, spins=agent.spins)
    if state is None:             # the path cannot read the thread's system call: ask the agent
        state = agent.wait_main_waiting(within)
    if state is None:
        time.sleep(UNOBSERVABLE_SETTLE)


def clear_events(agent, obj, names):
    """Start from the events as the text says they start, cleared, so that what a method then sets is its
    own doing and not __init__'s: an event __init__ left set (the attributes check fails on it) is
    cleared here, noted (judgement-calls.md, "Judging a method's change")."""
    for name in names:
        with contextlib.suppress(AgentError):
            if agent.clear_event(obj, name):
                leniency.note(leniency.event_cleared_before_judging(name))


def event_states(agent, obj, names):
    """{name: whether the event is set} (None for one that is missing or not an Event)."""
    states = {}
    for name in names:
        try:
            states[name] = agent.get(obj, name).get('is_set')
        except AgentError:
            states[name] = None
    return states


class ServerSubject:
    """`dialect` (harness/leniency.ServerDialect, learned by harness/probe.py) is how the server speaks:
    the assignment's protocol, or a known variant of it. Setting up (joining, chatting, leaving, waiting
    for announcements) speaks the dialect, noted; a check judges its own subject with the assignment's
    exact texts, and `strict=True` sets up with them too (the checks about those texts)."""

    def __init__(self, agent, protocol, dialect=None, obj='server'):
        self.agent = agent
        self.protocol = protocol
        self.obj = obj             # its name among the agent's objects
        self.cls = 'ServerTCP' if protocol == 'tcp' else 'ServerUDP'
        self.dialect = dialect or leniency.ServerDialect(protocol)
        self.port = None
        self.how_bound = None
        self.running = None
        self.peers = []
        self.said = []             # (name, text) of every chat line the check's clients sent
        self.stop_asked = False    # the check asked run() to end (run_event, Ctrl-C, shutdown())

    def start(self):
        self.port, self.how_bound, self.running = run_server(self.agent, self.cls, self.obj)
        return self

    def construct(self):
        """Only construct the server (bound to a free loopback port; run() is not started), as a student's own
        test fixture does before calling its methods by hand."""
        self.port, self.how_bound = start_server(self.agent, self.cls, self.obj)
        if self.protocol == 'tcp' and self._made_to_listen():
            leniency.note(leniency.made_to_listen())
        return self

    def accept_directly(self, names, within=peers.DEFAULT_WITHIN):
        """accept_client() called by hand on a constructed server whose run() does not run (as a student's own
        test does): a client with each of `names` in turn (TCP: connected, its name sent; UDP: from an address of
        its own). Returns [(value, reply)]: what each call returned (None for one that raised or did not
        return) and what its client was told ('welcomed', 'refused', or None for neither)."""
        results = []
        for name in names:
            if self.protocol == 'tcp':
                peer = peers.TcpPeer(self.port, label=name)
                peer.send(name)
                peer.others = self.others
                self.peers.append(peer)
                args = []
            else:
                peer = self.stranger(name)
                args = [{'$addr': list(peer.address)}, self.dialect.join_datagram(name)]
            try:
                value = self.call('accept_client', *args, timeout=within).get('value')
            except AgentError:
                value = None
            results.append((value, self._reply_kind(peer, name, within)))
        return results

    def accept_returns_fault(self, within=peers.DEFAULT_WITHIN):
        """accept_client() called on its own for alice, then for a second alice (UDP: from another address):
        what is wrong with the values it returned, or None. A new name returns True; a taken one False (not
        None). A second alice welcomed is the name checks' subject: then True, as for any name it welcomed."""
        (first, _), (second, reply) = self.accept_directly(('alice', 'alice'), within)
        again = 'for a second alice' if self.protocol == 'tcp' else 'for alice from another address'
        if first is not True:
            return 'accept_client() returned {} for alice, a new name; the text asks for True'.format(first)
        if reply == 'welcomed':
            leniency.note(leniency.taken_name_welcomed())
            if second is not True:
                return 'accept_client() welcomed alice a second time and returned {}; a name it takes returns ' \
                       'True'.format(second)
            return None
        if second is not False:
            return 'accept_client() returned True for alice, then {} {}; the text asks for False'.format(second, again)
        return None

    def _made_to_listen(self):
        try:
            return self.agent.listen(self.obj, 'server_socket') is True
        except AgentError:
            return False    # no server_socket, or not a socket: the structure checks say so; accept_client() will fail

    def _reply_kind(self, peer, name, within):
        """'refused' when the peer was told its name is taken (in the dialect), 'welcomed' when greeted."""
        taken = self.dialect.taken_text(name)

        def kind(pending):
            said = pending if isinstance(pending, str) else '\n'.join(pending)
            return 'refused' if taken in said else 'welcomed' if 'welcome' in said.lower() else None
        return peer.wait_for(kind, within)

    def another(self, obj='server2'):
        """A second server object of the same class in the same program, on a port of its own, its run()
        in a thread (the first one's is in the main thread): as a student's test fixture makes one server
        per test, or a program runs a TCP and a UDP room at once."""
        other = ServerSubject(self.agent, self.protocol, self.dialect, obj=obj)
        other.port, other.how_bound = start_server(self.agent, self.cls, obj)
        other.running = self.agent.send('call', obj=obj, method='run', args=[])
        wait_serving(self.agent, self.cls, obj)
        return other

    # -- what the checks need of the dialect ------------------------------------------------------

    def require(self, *needs):
        """Skip the check when the server cannot do what setting it up needs, even in its dialect:
        'join', 'leave' ('exit' removes the client), 'chat' (chat is relayed recognisably)."""
        d = self.dialect
        prefix = 'tcp' if self.protocol == 'tcp' else 'udp'
        reasons = {
            'join': (d.can_join, 'no client could join your {} (not even speaking a known variant of the '
                                 'protocol): see {}.welcome'.format(self.cls, prefix)),
            'leave': (d.leave_works, "'exit' did not remove a client from your {}: see {}.exit".format(
                self.cls, prefix)),
            'chat': (d.chat is not None, 'your {} relays no chat line recognisably: see {}.chat_broadcast'.format(
                self.cls, prefix)),
        }
        for need in needs:
            ok, reason = reasons[need]
            if not ok:
                pytest.skip('skipped: ' + reason)

    def _lenient(self):
        self.dialect.note_use()
        return self.dialect

    # -- fake clients ------------------------------------------------------------------------------

    def connect(self, name, strict=False):
        """A client that says its name (or, on UDP, joins with '{name}:join', or the dialect's join) and
        expects nothing yet."""
        if self.protocol == 'tcp':
            peer = peers.TcpPeer(self.port, label=name)
            starts = None if strict else self.dialect.message_starts()
            if starts is not None:
                peer.next_message = starts
            peer.quiet_watch = self.quiet_watch
            peer.send(name)
        else:
            peer = peers.UdpPeer(self.port, name)
            peer.quiet_watch = self.quiet_watch
            peer.send_raw(leniency.render(leniency.SPEC_UDP_JOIN, name) if strict else
                          self._lenient().join_datagram(name))
        peer.others = self.others
        self.peers.append(peer)
        return peer

    def stranger(self, name='stranger'):
        """A UDP client that never joined (it speaks as `name`)."""
        peer = peers.UdpPeer(self.port, name)
        peer.quiet_watch = self.quiet_watch
        peer.others = self.others
        self.peers.append(peer)
        return peer

    def others(self):
        """Messages that may come before one a check expects (leniency.other_subjects)."""
        names = {peer.label for peer in self.peers} | {peer.name for peer in self.peers if getattr(peer, 'name', None)}
        return leniency.other_subjects(self.dialect, names, self.said)

    def quiet_watch(self):
        """A harness.platform.QuietWatch of the server: done with all that its clients sent it."""
        return peers.server_watch(self.agent, self.protocol, self.port, self.peers)

    def join(self, name, within=peers.DEFAULT_WITHIN, strict=False):
        """A client that joins as `name` and has been welcomed. `strict`: with the assignment's join and
        greeting only (the greeting checks); otherwise in the server's dialect."""
        if not strict:
            self.require('join')
        peer = self.connect(name, strict)
        try:
            if self.protocol == 'tcp':
                leniency.expect_welcome_tcp(peer, within, any_case=not strict and self._lenient().welcome_any_case)
            elif strict or not self.dialect.welcome_any_case:
                leniency.expect_welcome_udp(peer, within)
            else:
                self._lenient()
                peer.expect('welcome', within, exact=False, any_case=True)
        except peers.PeerError as error:
            if strict and self.dialect.can_join and self.dialect.variants:
                raise peers.PeerError('{} (what your server does instead: {})'.format(
                    error, '; '.join(self.dialect.variants))) from None
            raise
        return peer

    def join_at_once(self, names, within=5.0):
        """Join all `names` concurrently, one thread each. Returns ({name: peer}, [errors])."""
        self.require('join')
        joined, errors = {}, []
        notes = leniency.current_notes()

        def join(name):
            leniency.adopt(notes)
            try:
                joined[name] = self.join(name, within=within)
            except (peers.PeerError, OSError) as error:
                errors.append('{}: {}'.format(name, error))

        threads = [threading.Thread(target=join, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(within + 5)
        return joined, errors

    def join_all(self, *names):
        """Join clients one after another, each time waiting until the others heard of the newcomer (or,
        where the server announces joins unrecognisably, until it counts them), so that later
        expectations start from a quiet room."""
        joined = []
        for name in names:
            peer = self.join(name)
            if self.dialect.joined is None:
                self.wait_count(len(joined) + 1)
            else:
                for other in joined:
                    self.expect_joined(other, name)
            joined.append(peer)
        return joined

    def say(self, peer, text):
        self.said.append((peer.name if self.protocol == 'udp' else peer.label, text))
        if self.protocol == 'tcp':
            peer.send(text)
        else:
            peer.send_raw(self._lenient().chat_datagram(peer.name, text))

    def leave(self, peer):
        """The client says 'exit' and, once the server shows it was heard, is done with."""
        self.require('leave')
        self.say(peer, 'exit')

    def expect_chat(self, peer, name, text, within=peers.DEFAULT_WITHIN, after_others=False):
        """`peer` receives `name`'s chat line, in the assignment's format or (noted) the dialect's, as its
        next message (`after_others`: after whatever else, for the robustness tier)."""
        self.require('chat')
        texts = self._lenient().chat_texts(name, text)
        got = peer.expect_after(texts, within) if after_others else peer.expect_any(texts, within)
        if self.protocol == 'udp' and got == leniency.render(leniency.SPEC_UDP_WIRE, name, text):
            leniency.note(leniency.udp_relay_as_received(got))
        return got

    def chat_texts(self, name, text):
        return self.dialect.chat_texts(name, text)

    def expect_joined(self, peer, name, within=peers.DEFAULT_WITHIN, after_others=False):
        text = self._lenient().joined_text(name)
        return peer.expect_after((text,), within) if after_others else peer.expect(text, within)

    def expect_left(self, peer, name, within=peers.DEFAULT_WITHIN, after_others=False):
        text = self._lenient().left_text(name)
        return peer.expect_after((text,), within) if after_others else peer.expect(text, within)

    def expect_taken(self, peer, name, within=peers.DEFAULT_WITHIN):
        return peer.expect(self._lenient().taken_text(name), within)

    def expect_shutdown(self, peer, other_names, within=peers.DEFAULT_WITHIN):
        """'server-shutdown' reaches `peer`; before it, a UDP server may announce the others' departures
        (the text allows shutdown() to call close_client())."""
        if self.protocol == 'tcp':
            return peer.expect('server-shutdown', within)
        departures = {leniency.SPEC_LEFT} | ({self.dialect.left} if self.dialect.left else set())
        leniency.expect_udp_shutdown(peer, [leniency.render(t, name) for name in other_names for t in departures],
                                     within)

    # -- asking the server -------------------------------------------------------------------------

    def count(self):
        return self.agent.call(self.obj, 'get_clients_number')['value']

    def wait_count(self, expected, within=peers.DEFAULT_WITHIN):
        """Poll get_clients_number() until it returns `expected`; return the last value seen. Ends sooner
        when the server is done with all it was sent (harness.platform.QuietWatch): its count cannot
        change any more."""
        return peers.poll(self.count, lambda value: value == expected, within, STATE_POLL,
                          watch=self.quiet_watch())

    def get(self, name):
        return self.agent.get(self.obj, name)

    def call(self, method, *args, timeout=3.0):
        if method == 'shutdown':
            self.stop_asked = True
        return self.agent.call(self.obj, method, *args, timeout=timeout)

    def ended_by_itself(self):
        """run() ended (returned, raised, or its process died) though the check never asked it to stop: a
        crash, or a race in the submission that ended it (select() over a socket another thread closed)."""
        if self.running is None or self.stop_asked:
            return False
        if self.agent.poll_reply(self.running) or not self.agent.alive or \
                platform.process_ending(self.agent.proc.pid):
            return True         # (its sockets close as it exits, before the agent's reader sees the channel close)
        if self.protocol != 'tcp':
            return False
        try:
            if not self.agent.get(self.obj, 'run_event', timeout=1.0).get('is_set'):
                return False
        except AgentError:
            return False        # no run_event to look at: the structure checks say so
        try:
            # It asked itself to stop (a run() that catches what went wrong and shuts down): it may still
            # be telling the clients, when the check already failed on it.
            self.agent.wait_ended(self.running, leniency.RUN_STOP_WITHIN)
        except AgentTimeout:
            return False
        except AgentError:
            return True         # run() raised, or its process ended
        return True

    def settle_all(self, within=IDLE_WITHIN):
        """Wait until every thread of the server is idle (it has handled all it was sent); a short fixed
        wait where the machine cannot tell."""
        if platform.wait_process_idle(self.agent.proc.pid, within, spins=self.agent.spins) is None:
            time.sleep(UNOBSERVABLE_SETTLE)

    # -- closing -----------------------------------------------------------------------------------

    def client_socket_closed(self, peer, result, within=peers.DEFAULT_WITHIN):
        """After close_client(<peer's socket>) returned `result`: True when the server closed that socket,
        as the text asks: the socket object passed in is closed, or the peer saw the connection end. A
        peer that sees no end-of-stream though the socket was closed (a thread blocked in recv() on it
        holds it open on Linux) is noted, not failed."""
        states = result.get('args') or [None]
        if states[0] and states[0].get('closed'):
            if not peer.wait_closed(0.2):
                leniency.note(leniency.closed_without_end_of_stream())
            return True
        return peer.wait_closed(within)

    def assert_closed_after_shutdown(self, joined, within=1.0):
        """Each client's connection ended (end-of-stream or reset); where it did not, 'server-shutdown' was
        delivered and run() returned (the caller checked both), which judgement-calls.md accepts: noted."""
        deadline = peers.Deadline(within)
        still_open = [peer for peer in joined if not peer.wait_closed(deadline.remaining())]
        if still_open:
            leniency.note(leniency.closed_without_end_of_stream(', '.join(p.label for p in still_open)))

    # -- stopping ----------------------------------------------------------------------------------

    def run_returned(self, within):
        """Wait for run() to return, for as long as a loop of it that polls every `within` seconds or
        faster may take to notice (runner.Agent.wait_ended). Returns (True, reply) or (False, None) if it
        is still running."""
        try:
            return True, self.agent.wait_ended(self.running, within)
        except AgentTimeout:
            return False, None
        except CallFailed as error:
            return True, {'raised': error.error, 'message': error.message}

    def clear_events(self):
        """run_event and handle_event cleared before a method that must set them (see clear_events())."""
        clear_events(self.agent, self.obj, ('run_event', 'handle_event'))

    def events(self):
        """{'run_event': is set, 'handle_event': is set} (None for one that is not an Event)."""
        return event_states(self.agent, self.obj, ('run_event', 'handle_event'))

    def set_run_event(self):
        """Ask run() to stop by its run_event (nothing more: the caller judges what follows)."""
        self.stop_asked = True
        self.agent.set_event(self.obj, 'run_event')

    def listening_address(self):
        """Where the server socket listens, (host, port); None if it cannot be read."""
        with contextlib.suppress(AgentError):
            sockname = self.agent.get(self.obj, 'server_socket').get('sockname')
            if sockname:
                return tuple(sockname[:2])
        return None

    def stop_with_event(self):
        """Set run_event and wait for run() to return. Returns the credit: 1 if it returned in time,
        partial if it returned only once one more connection arrived, 0 if it did not return."""
        # A server that has just welcomed a client may still be on its way back from accept_client() to
        # its accept(): setting the event then would let a blocking accept() win full credit by chance.
        settle(self.agent)
        self.set_run_event()
        returned, _ = self.run_returned(leniency.RUN_STOP_WITHIN)
        if returned:
            return 1.0
        self.nudge()
        returned, _ = self.run_returned(1.0)
        if returned:
            return leniency.run_returned_after_extra_connection()
        return 0.0

    def stop_with_sigint(self):
        """Ctrl-C, as a person gives it: once the server is idle in its loop, not in the middle of a send
        (judgement-calls.md). True if run() returned in time."""
        require_ctrl_c()
        settle(self.agent)
        self.stop_asked = True
        self.agent.interrupt()
        returned, _ = self.run_returned(leniency.RUN_STOP_WITHIN)
        return returned

    def stop(self, how):
        """For a scenario's shutdown step (harness/scenarios.py): stop the server by `how` ('run_event' or
        'ctrl_c') once it is idle, and wait for run() to end, with one more connection for an accept()
        that blocks. Whether, and how fast, run() ends is judged by the fixed checks, not here."""
        settle(self.agent)
        if how == 'run_event':
            self.set_run_event()
        else:
            self.stop_asked = True
            require_ctrl_c()
            self.agent.interrupt()
        returned, _ = self.run_returned(leniency.RUN_STOP_WITHIN)
        if not returned:
            self.nudge()
            self.run_returned(1.0)

    def call_shutdown(self):
        """shutdown() called directly (for a scenario whose run() did not tell the clients)."""
        with contextlib.suppress(AgentError):
            self.call('shutdown', timeout=leniency.RUN_STOP_WITHIN)

    def nudge(self):
        """One more connection (or datagram), for a server blocked in accept()/recvfrom()."""
        kind = socket.SOCK_STREAM if self.protocol == 'tcp' else socket.SOCK_DGRAM
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, kind) as probe:
            probe.settimeout(0.5)
            probe.connect(('127.0.0.1', self.port))
            if kind == socket.SOCK_DGRAM:
                probe.send(b'')

    def port_released(self, within=1.0):
        """True once nothing accepts connections (TCP) or holds the port (UDP) any more, or once the
        server socket was closed: the text asks for the close; a thread still blocked in accept() or
        recvfrom() on it can keep the port for a while (Linux), which is noted, not failed."""
        try:
            closed = bool(self.get('server_socket').get('closed'))
        except AgentError:
            closed = False
        if closed:
            if not self._port_free():
                leniency.note(leniency.port_held_after_close())
            return True
        return peers.poll(self._port_free, bool, within, STATE_POLL)

    def _port_free(self):
        if self.protocol == 'tcp':
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=0.2):
                    return False
            except OSError:
                return True
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(('127.0.0.1', self.port))
                return True
            except OSError:
                return False

    def close(self):
        for peer in self.peers:
            peer.close()


class ClientSubject:
    """A submission's ClientTCP or ClientUDP, constructed in an agent as ClientTCP(name, port) (or
    ClientUDP) where `port` is a scripted fake server's (harness.fakes). The checks call its methods, run
    it, type lines at it and read what it prints; `server` plays the chat server."""

    def __init__(self, agent, protocol, name='alice', dialect=None):
        self.agent = agent
        self.protocol = protocol
        self.cls = 'ClientTCP' if protocol == 'tcp' else 'ClientUDP'
        self.name = name
        self.dialect = dialect or leniency.ClientDialect.spec(protocol)
        self.server = fakes.fake_server(protocol)
        self.server.quiet_watch = self.quiet_watch
        self.port = self.server.port
        self.running = None
        self.stuck_at = []

    def construct(self):
        self.agent.construct('client', self.cls, self.name, self.port)
        return self

    def quiet_watch(self):
        """A harness.platform.QuietWatch of the client: done with all it was given (calls, typed lines, the
        fake server's messages), and all it printed read."""
        return self.agent.quiet_watch(unread=self.server.client_unread)

    def require_connect(self):
        """Skip the check when connect_server() joins no server, whatever it greets with ('Welcome' or a
        known variant)."""
        if not self.dialect.connects:
            pytest.skip('skipped: connect_server() of your {} did not join a server that answered \'Welcome\' '
                        '(nor a known variant of it; see {}.connect)'.format(
                            self.cls, 'client_tcp' if self.protocol == 'tcp' else 'client_udp'))

    def greeting(self, strict=False):
        """What the fake server greets the client with: 'Welcome', or (noted) the variant the client takes
        for a welcome, where it refuses 'Welcome' (its connect check fails on that; this one does not)."""
        if strict or self.dialect.greeting == 'Welcome':
            return 'Welcome'
        self.dialect.note_use()
        return self.dialect.greeting_for(self.name)

    # -- the wire ----------------------------------------------------------------------------------

    def wire(self, text, strict=False):
        """What the client must send when it sends `text`: the text (TCP), '{name}:{text}' (UDP); unless
        `strict`, what the client was seen to send instead (its dialect, noted)."""
        if strict:
            return leniency.ClientDialect.spec(self.protocol).wire_bytes(self.name, text)
        self.dialect.note_use()
        return self.dialect.wire_bytes(self.name, text)

    def join_bytes(self, strict=False):
        if strict:
            return leniency.ClientDialect.spec(self.protocol).join_bytes(self.name)
        self.dialect.note_use()
        return self.dialect.join_bytes(self.name)

    def expect_join(self, within=fakes.DEFAULT_WITHIN, strict=False):
        """The client connects and sends exactly its name (TCP) or '{name}:join' (UDP); unless `strict`,
        what the client was seen to send to join."""
        self.server.wait_for_connection(within)
        self.server.expect_text(self.join_bytes(strict), within)

    def expect_sent(self, text, within=fakes.DEFAULT_WITHIN, strict=False):
        self.server.expect_text(self.wire(text, strict), within)

    def reply(self, text):
        """One message from the fake server. Callers send the next only once the client consumed it."""
        self.server.send(text)

    # -- calling its methods -----------------------------------------------------------------------

    def start_call(self, method, *args):
        """Call a method in a thread of the agent; returns a request id for `outcome`."""
        return self.agent.send('call', obj='client', method=method, args=list(args))

    def outcome(self, request_id, within, what, ends=False):
        """The value of a started call; AssertionError saying where it was stuck if it did not return.
        Waited for until it returns or the client will do nothing more by itself (runner.Agent.wait_returned:
        its loops, sleeps and socket timeouts up to `within` seconds, or CALL_PATIENCE, may still end it).
        `ends`: a call the text says ends by itself once told to (receive() on 'server-shutdown'): its own
        loops are given `within` seconds, as run()'s are."""
        patience = within if ends else max(within, CALL_PATIENCE)
        started = time.monotonic()
        try:
            return self.agent.wait_returned(request_id, unread=self.server.client_unread, patience=patience)
        except AgentTimeout as error:
            waited = time.monotonic() - started
            idle = ', and had nothing left to do by itself' if waited < 2 * patience + ENDED_SLACK else ''
            raise AssertionError('{} did not return within {:.1f}s{}{}'.format(
                what, waited, idle, _at(error.where))) from None
        except CallFailed as error:
            raise AssertionError('{} raised {}'.format(what, error)) from None

    def connect(self, reply=None, within=fakes.DEFAULT_WITHIN, strict=False):
        """Call connect_server(), expect the join on the wire, answer `reply` (None: the greeting it takes,
        see `greeting`); the value it returned."""
        if not strict:
            self.require_connect()
        request = self.start_call('connect_server')
        self.expect_join(within, strict)
        self.reply(self.greeting(strict) if reply is None else reply)
        return self.outcome(request, within, 'connect_server()')

    def connect_unanswered(self, bound=CONNECT_PATIENCE, reply=None):
        """connect_server() against a server that takes the join and never answers (or answers `reply`, a
        text that is no answer the text gives): its value once it returned, or None while it still waits
        (for ever, or on a timeout longer than `bound` seconds; a shorter one is waited for:
        runner.Agent.wait_ended)."""
        self.require_connect()
        request = self.start_call('connect_server')
        self.expect_join()
        if reply is not None:
            self.reply(reply)
        try:
            return self.agent.wait_ended(request, bound).get('value')
        except AgentTimeout:
            return None
        except (CallFailed, AgentGone):
            return None

    def connect_refused(self, bound=CONNECT_PATIENCE):
        """connect_server() where no server listens (TCP: the connection is refused): its value once it
        returned, or None while it still tries (noted). Raising is a failure: the text says it returns
        False."""
        with contextlib.suppress(AgentError):
            if self.get('client_socket').get('peer'):
                leniency.note(leniency.connected_in_init())
                return None
        self.server.refuse_connections()
        request = self.start_call('connect_server')
        try:
            return self.agent.wait_ended(request, bound).get('value')
        except AgentTimeout:
            leniency.note(leniency.connect_still_trying())
            return None
        except CallFailed as error:
            raise AssertionError('connect_server() raised {} where no server listens; the text says it returns '
                                 'False when it cannot connect'.format(error.error or error)) from None

    def assert_connect_returns(self, reply, expected, within=fakes.DEFAULT_WITHIN, strict=False):
        """connect_server() sends the join, and returns `expected` when the server answers `reply`."""
        result = self.connect(reply, within, strict)
        if result.get('value') is not expected:
            raise AssertionError('connect_server() returned {} after {!r}; it should return {}'.format(
                result['repr'], reply, expected))

    def call(self, method, *args, within=fakes.DEFAULT_WITHIN):
        return self.outcome(self.start_call(method, *args), within, '{}()'.format(method))

    def get(self, name):
        return self.agent.get('client', name)

    def assert_attributes(self, kind):
        """The instance variables __init__ must set, with a socket of `kind` ('SOCK_STREAM'/'SOCK_DGRAM')."""
        expected = {
            'server_addr': (fakes.LOOPBACK, "socket.gethostbyname(socket.gethostname()) ('{}' where the checks "
                                            "run)".format(fakes.LOOPBACK)),
            'server_port': (self.port, 'the port given, {}'.format(self.port)),
            'client_name': (self.name, repr(self.name)),
        }
        problems = []
        for name, (value, said) in expected.items():
            try:
                state = self.get(name)
            except AgentError as error:
                problems.append('{} is missing ({})'.format(name, error))
                continue
            if state.get('value') != value or state['type'] != type(value).__name__:
                problems.append('{} should be {}, is {}'.format(name, said, state['repr']))
        try:
            state = self.get('client_socket')
            if state['type'] != 'socket':
                problems.append('client_socket should be a socket, is a {}'.format(state['type']))
            elif state.get('closed'):
                problems.append('client_socket is closed')
            elif state.get('family') != 'AF_INET' or state.get('kind') != kind:
                problems.append('client_socket should be an AF_INET {} socket, is {} {}'.format(
                    kind, state.get('family'), state.get('kind')))
        except AgentError as error:
            problems.append('client_socket is missing ({})'.format(error))
        for name in ('exit_run', 'exit_receive'):
            try:
                state = self.get(name)
            except AgentError as error:
                problems.append('{} is missing ({})'.format(name, error))
                continue
            if state['type'] != 'Event':
                problems.append('{} should be a threading.Event, is a {}'.format(name, state['type']))
            elif state['is_set']:
                problems.append('{} should start cleared (set means stop), but is set'.format(name))
        assert not problems, '; '.join(problems)

    def clear_events(self):
        """exit_run and exit_receive cleared before a method that must set them (see clear_events())."""
        clear_events(self.agent, 'client', ('exit_run', 'exit_receive'))

    def events(self):
        """{'exit_run': is set, 'exit_receive': is set} (None for one that is not an Event)."""
        return event_states(self.agent, 'client', ('exit_run', 'exit_receive'))

    def wait_events_set(self, within=fakes.DEFAULT_WITHIN):
        """Poll exit_run and exit_receive until both are set; return their last states."""
        return peers.poll(self.events, lambda states: all(states.values()), within, STATE_POLL)

    def assert_events_set(self, after, within=fakes.DEFAULT_WITHIN):
        states = self.wait_events_set(within)
        unset = [name for name, is_set in states.items() if not is_set]
        assert not unset, '{} {} not set within {:.1f}s after {}'.format(
            ' and '.join(unset), 'is' if len(unset) == 1 else 'are', within, after)

    # -- what it prints ----------------------------------------------------------------------------

    def output_mark(self):
        """Where the client's output ends now: pass it to `shows` to look only at what comes after."""
        return self.agent.stdout.size()

    def shows(self, text, since=0, within=fakes.DEFAULT_WITHIN):
        """True once `text` appeared on the client's stdout after `since`."""
        ok, _ = self.agent.stdout.wait_for(lambda out: text in out, within, since, watch=self.quiet_watch())
        return ok

    def not_shown(self, text, since=0):
        """The failure message for a text the client did not display."""
        printed = self.agent.stdout.text()[since:]
        message = 'the client did not display {!r}; it printed {}'.format(
            text, peers.show(printed) if printed else 'nothing')
        errors = self.agent.stderr.text()
        if text in errors:
            message += ' (it went to stderr)'
        elif 'Traceback' in errors:
            message += '; its stderr ends: {}'.format(peers.show(errors.strip().splitlines()[-1]))
        return message

    # -- run() -------------------------------------------------------------------------------------

    def start_run(self, reply=None, within=fakes.DEFAULT_WITHIN, then=None):
        """run() in the agent's main thread; the fake server takes the join and answers `reply` (None: the
        greeting the client takes, see `greeting`). `then`: a message sent as soon as the client has read
        the greeting, while its connect_server() may still be finishing (never in the same segment)."""
        self.require_connect()
        self.running = self.agent.start_run('client')
        self.expect_join(within)
        self.reply(self.greeting() if reply is None else reply)
        if then is not None:
            unread = peers.poll(self.server.client_unread, lambda pending: not pending, within, 0.005,
                                watch=self.quiet_watch())
            if unread is None:
                pytest.skip(platform.not_measurable('whether the client has read its greeting cannot be seen, '
                                                    'so a message could reach it in the same read'))
            if unread:
                raise AssertionError('the client did not read the server\'s reply to its join')
            self.reply(then)
        # A connect_server() that takes its time must not make a line typed meanwhile look unsent.
        self.agent.wait_left('connect_server', unread=self.server.client_unread)

    def type(self, text):
        self.agent.type_line(text)

    def type_and_expect(self, text, within=fakes.DEFAULT_WITHIN):
        """Type a line and expect the client to send it: then run() is in its input loop, and the
        server's reply to the join has been consumed (see `wait_idle` for what this does not prove)."""
        self.type(text)
        self.expect_sent(text, within)

    def wait_idle(self, within=INPUT_WAIT):
        """Wait until the client is back waiting for input: its main thread (run()) idle in its loop, not
        still on its way from send() to the next input(). Where the machine cannot tell, a short wait."""
        settle(self.agent, within)

    def end_input(self):
        self.agent.end_input()

    def interrupt(self):
        """Ctrl-C, as a person gives it: while run() waits for input (judgement-calls.md)."""
        require_ctrl_c()
        self.wait_idle()
        self.agent.interrupt()

    def run_outcome(self, within=leniency.RUN_STOP_WITHIN):
        """How run() ended: 'returned', the name of the exception that ended it, 'process ended (...)'
        or None if it did not, in as long as a loop of it that polls every `within` seconds or faster
        may take (runner.Agent.wait_ended; then `stuck_at` says where)."""
        try:
            value = self.agent.wait_ended(self.running, within)
        except AgentTimeout as error:
            self.stuck_at = error.where
            return None
        except CallFailed as error:
            return error.error
        except AgentGone as error:
            return 'process ended ({})'.format(describe_exit(error.returncode))
        return value.get('raised') or 'returned'

    def assert_run_ends(self, after, within=leniency.RUN_STOP_WITHIN, interrupted=False):
        """run() ends within `within` seconds of `after` (by returning; or, noted, by EOFError or
        SystemExit, or after Ctrl-C by letting KeyboardInterrupt out). Returns how it ended."""
        how = self.run_outcome(within)
        if how is None:
            raise AssertionError('run() did not end within {:.1f}s after {}{}'.format(
                within, after, _at(self.stuck_at)))
        if interrupted and how == 'KeyboardInterrupt':
            leniency.client_interrupt_propagated()
        elif how.startswith('process'):
            raise AssertionError('run() did not return: the whole {} after {}; run() should return and '
                                 'leave exiting to the program that uses the class'.format(how, after))
        elif how != 'returned' and not leniency.client_ended_by(how, when='after ' + after):
            raise AssertionError('run() raised {} after {}'.format(how, after))
        return how

    def close(self):
        self.server.close()


def _at(where):
    return '; it was at {}'.format('; '.join(where)) if where else ''
