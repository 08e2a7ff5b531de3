"""Interop: the submission's server with the reference's clients, and the reference's server with the
submission's clients, over TCP and UDP. Each pairing runs one conversation in stages (join, chat both
ways, leave, shutdown); the report shows the stages as a matrix. Lightly weighted: the class checks
already judge each piece on its own; this shows whether the pieces work together."""

import contextlib
import socket

import pytest

from harness import leniency, platform
from harness.catalog import check
from harness.peers import poll, unread_at_server
from harness.plugin import REFERENCE
from harness.runner import Agent, AgentError, AgentGone, CallFailed, run_server
from harness.subjects import settle

STAGES = ('join', 'chat a→b', 'chat b→a', 'leave', 'shutdown')
# The most a stage waits. A wait ends as soon as what it waits for happens, or once the whole room (the
# server and both clients) is quiet: every process done with all it was sent (harness/platform.QuietWatch),
# so nothing more will happen. The bound is what a busy machine needs (a client's run() took over 3 s to
# end after the server stopped, once, beside CPU burners and other judges); it is paid only where the
# room's quiet cannot be seen (off Linux) and a stage fails.
WITHIN = 15.0
SIGINT_STOP_WITHIN = 3.0     # not a verdict: the shutdown stage then waits for the clients as above
# How long the reference TCP client's greeting read waits for the submission's server to be done sending
# at most (Client.read_greeting): a schedule, not a verdict; only a server never seen quiet pays it.
GREETING_HOLD_WITHIN = 3.0


class Room:
    """The agents of one conversation: the server's and the clients'. quiet_now() gives a callable that
    turns true once all of them are quiet from now on (None from a watch: cannot tell, never true)."""

    def __init__(self, server, protocol):
        self.server, self.protocol, self.port = server, protocol, None
        self.clients = []

    def _unread_at_client(self, client):
        def unread():
            where = client.addresses()
            if where is None:
                return False
            if self.protocol == 'udp':
                pending = platform.unread_udp_bytes(where[0])
            else:
                pending = platform.unread_tcp_bytes(*where)
            return None if pending is None else pending > 0
        return unread

    def _connections(self):
        return [where for where in (client.addresses() for client in self.clients) if where is not None]

    def gave_up(self, client):
        """Whether `client`, once it has done all it does with the server's reply, ended run(): it gave up
        on joining. Called after client.settled(): the reply was read and run()'s thread is idle in a
        wait, back at its input, or run() ended. Nothing of the room's needs to be quiet for that."""
        with contextlib.suppress(AgentError):
            client.agent.request('ping')    # replies come in order: a run() that ended has said so by now
        return client.gave_up()

    def quiet_now(self, stopping=False):
        """`stopping`: the server was asked to stop: its loops that poll must have woken (and closed what
        they hold) before it counts as quiet (harness.platform.QuietWatch's `polls`)."""
        watches = [self.server.quiet_watch(unread=unread_at_server(self.protocol, self.port, self._connections),
                                           long=leniency.RUN_STOP_WITHIN if stopping else platform.LONG_POLL,
                                           polls=stopping)] + [
            client.agent.quiet_watch(unread=self._unread_at_client(client), polls=stopping)
            for client in self.clients]

        def quiet():
            return all([watch.quiet() is True for watch in watches])     # every watch looks, each time
        return quiet
INTEROP = ('To test your chatroom.py file, create two python files named server.py and client.py to run the '
           'server and client respectively.',
           'You can then run the server and client files in separate terminal windows to test the chatroom '
           'functionality.',
           'Judge a client\'s join from the server\'s side (count, others\' \'User x joined\').')


class Client:
    """A client class (ClientTCP/ClientUDP) of one implementation, run() in an agent of its own, driven
    through its stdin and read through its stdout, as a person at a terminal would."""

    def __init__(self, path, cls, name, port, room):
        self.name = name
        self.room = room
        self.agent = Agent(path).start()
        self.agent.import_submission()
        self.agent.construct('client', cls, name, port)
        # The reference TCP client reads its greeting with one recv(): a server that sends something
        # along with it (or before it) would be judged by whether the two arrive in one segment, a race.
        # It reads once the server is done sending instead, the same on every run (read_greeting).
        self.held = path == REFERENCE and cls == 'ClientTCP' and platform.OBSERVES_THREADS and \
            self.agent.request('hold_recv', obj='client', attr='client_socket')
        self.running = self.agent.start_run('client')
        self.read_from = 0
        self._addresses = None
        room.clients.append(self)

    def read_greeting(self):
        """Let a held client read its greeting, once it waits to read it and the room is quiet (the server
        did all it does for a join)."""
        if not self.held:
            return
        self.held = False
        with contextlib.suppress(AgentError):
            held = poll(lambda: self.agent.request('recv_held', obj='client', attr='client_socket'), bool,
                        GREETING_HOLD_WITHIN, 0.005, settled=self.gave_up)
            if held:
                poll(lambda: False, bool, GREETING_HOLD_WITHIN, 0.02, settled=self.room.quiet_now())
            self.agent.request('release_recv', obj='client', attr='client_socket')

    def addresses(self):
        """(its socket's address, the server's) once connected, else None."""
        if self._addresses is None:
            with contextlib.suppress(AgentError):
                state = self.agent.get('client', 'client_socket', timeout=1.0)
                if state.get('sockname') and state.get('peer'):
                    self._addresses = (tuple(state['sockname']), tuple(state['peer']))
                elif state.get('sockname') and self.room.port:      # UDP without connect()
                    self._addresses = (tuple(state['sockname']), ('127.0.0.1', self.room.port))
        return self._addresses

    def sees(self, text, within=WITHIN):
        return self.sees_any((text,), within)

    def sees_any(self, texts, within=WITHIN):
        ok, seen = self.agent.stdout.wait_for(lambda out: any(t in out for t in texts), within,
                                              start=self.read_from, settled=self.room.quiet_now())
        if ok:
            self.read_from += min(seen.index(t) + len(t) for t in texts if t in seen)
        return ok

    def gave_up(self):
        """run() already ended (its connect_server() failed, say): this client will not join."""
        return self.agent.poll_reply(self.running)

    def printed(self, text):
        return text in self.agent.stdout.text()

    def type(self, text):
        self.agent.type_line(text)

    def ended(self, within=WITHIN, stopping=False):
        poll(lambda: self.agent.poll_reply(self.running), bool, within, 0.02,
             settled=self.room.quiet_now(stopping))
        try:
            self.agent.wait(self.running, 0.0)
            return True
        except AgentError as error:
            return 'KeyboardInterrupt' in str(error) or 'SystemExit' in str(error) or \
                'EOFError' in str(error) or not self.agent.alive

    def stopped(self, within=WITHIN):
        """Ended, or (a client that waits in input() for one more line) told to stop: exit_run is set."""
        if self.ended(within, stopping=True):
            return True
        with contextlib.suppress(AgentError):
            return bool(self.agent.get('client', 'exit_run').get('is_set'))
        return False

    def settled(self):
        """Wait until the client has read everything the server sent it (TCP) and waits in its loop: then
        the server's next message reaches it in a recv() of its own, as the protocol, which has no framing,
        needs (a client that does not print its greeting would otherwise lose a message sent along with
        it; judgement-calls.md). First, until run()'s connect_server() returned: one that takes its time
        (a pause to show the greeting) is still joining."""
        self.agent.wait_left('connect_server', unread=self.room._unread_at_client(self))
        with contextlib.suppress(AgentError):
            state = self.agent.get('client', 'client_socket')
            if state.get('kind') == 'SOCK_STREAM' and state.get('sockname') and state.get('peer'):
                where = (tuple(state['sockname']), tuple(state['peer']))
                quiet = self.room.quiet_now()
                poll(lambda: platform.unread_tcp_bytes(*where), lambda unread: not unread, WITHIN, 0.005,
                     settled=lambda: self.gave_up() or quiet())
        settle(self.agent)

    def close(self):
        self.agent.kill()


def converse(server_path, client_path, protocol, stages, dialect=None):
    """Run the conversation; record each stage's outcome in `stages` (True/False, in order). A client's
    join is judged from the server's side (its count, the others' 'User x joined'), never from what the
    client prints for itself (judgement-calls.md). `dialect`: how the server speaks (a submission's server
    may use a known variant of the texts, which its own checks judge; here the clients only show them)."""
    dialect = dialect or leniency.ServerDialect(protocol)
    chat = dialect.chat_texts
    with Agent(server_path) as server:
        room = Room(server, protocol)
        clients = room.clients
        server.import_submission()
        port, _, running = run_server(server, server_cls(protocol))
        room.port = port

        def counted(number):
            with contextlib.suppress(AgentError):
                return server.call('server', 'get_clients_number', timeout=1.0).get('value') == number
            return False

        try:
            alice = Client(client_path, client_cls(protocol), 'alice', port, room)
            alice.read_greeting()
            # In: the server counts her (or, a server whose count is wrong, the reference client shows
            # the greeting it prints).
            quiet = room.quiet_now()
            alice_in = poll(lambda: counted(1) or (client_path == REFERENCE and alice.printed('Welcome')),
                            bool, WITHIN, 0.02, settled=lambda: alice.gave_up() or quiet())
            if not alice_in:
                return          # nobody in the room: every later stage would only wait out its deadline
            alice.settled()
            if room.gave_up(alice):
                # She read the reply and ended run(): not in the room, however briefly the server counted
                # her (deciding by that count alone would make the verdict a race).
                return
            bob = Client(client_path, client_cls(protocol), 'bob', port, room)
            bob.read_greeting()
            quiet = room.quiet_now()
            poll(lambda: counted(2) or (client_path == REFERENCE and bob.printed('Welcome')), bool, WITHIN, 0.02,
                 settled=lambda: bob.gave_up() or quiet())
            bob.settled()
            if room.gave_up(bob):
                return
            stages['join'] = alice.sees(dialect.joined_text('bob'))
            alice.type('hello bob')
            stages['chat a→b'] = bob.sees_any(chat('alice', 'hello bob'))
            bob.type('hi alice')
            stages['chat b→a'] = alice.sees_any(chat('bob', 'hi alice'))
            bob.type('exit')
            stages['leave'] = alice.sees(dialect.left_text('bob')) and bob.ended(stopping=True)
            ended = stop(server, running, protocol)
            stages['shutdown'] = alice.stopped()
            if not stages['shutdown'] and ended:
                # run() ended without telling the clients: how run() reacts to being stopped is the class
                # checks' business (tcp.shutdown_run_event, ...), judged there and not twice. The stage
                # judges what shutdown() does for the clients of the pairing.
                with contextlib.suppress(AgentError):
                    server.call('server', 'shutdown', timeout=leniency.RUN_STOP_WITHIN)
                leniency.shutdown_called_directly()
                stages['shutdown'] = alice.stopped()
        finally:
            for client in clients:
                client.close()


def stop(server, running, protocol):
    """Stop the server by the means the text gives it, once it is idle in its loop: a ServerTCP by its
    run_event, and by Ctrl-C if that did not stop it; a ServerUDP (which has no run_event) by Ctrl-C. The
    stage judges whether the clients hear of the shutdown; how run() notices the request to stop is the
    class checks' business, judged there and not twice. True once run() ended."""
    means = (['run_event', 'sigint'] if protocol == 'tcp' else ['sigint'])
    for how in means:
        settle(server)
        try:
            if how == 'run_event':
                server.set_event('server', 'run_event', timeout=1.0)
            else:
                server.interrupt()
                if not platform.CTRL_C_ENDS_BLOCKING_CALLS:
                    nudge(server, protocol)      # Windows: the Ctrl-C takes effect when the wait ends
            server.wait_ended(running, leniency.RUN_STOP_WITHIN if how == 'run_event' else SIGINT_STOP_WITHIN)
            return True
        except (CallFailed, AgentGone):
            return True                          # run() raised, or the process ended: it is over
        except AgentError:
            continue                             # still running: the next means
    return False


def nudge(server, protocol):
    """One connection or datagram to the server's port, ending a blocked accept()/recvfrom()."""
    with contextlib.suppress(AgentError, OSError):
        port = server.get('server', 'server_socket', timeout=1.0).get('sockname', [None, 0])[1]
        kind = socket.SOCK_STREAM if protocol == 'tcp' else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.settimeout(0.5)
            probe.connect(('127.0.0.1', port))
            if kind == socket.SOCK_DGRAM:
                probe.send(b'')


def server_cls(protocol):
    return 'ServerTCP' if protocol == 'tcp' else 'ServerUDP'


def client_cls(protocol):
    return 'ClientTCP' if protocol == 'tcp' else 'ClientUDP'


def run_pairing(server_path, client_path, protocol, credit, request, label, dialect=None):
    stages = dict.fromkeys(STAGES, False)
    error = None
    if dialect is not None:
        dialect.note_use()
    try:
        converse(server_path, client_path, protocol, stages, dialect)
    except AgentError as problem:
        error = problem
    request.node.user_properties.append(('details', {'stages': stages, 'pairing': label}))
    passed = sum(1 for ok in stages.values() if ok)
    failed = [name for name, ok in stages.items() if not ok]
    if not failed:
        return
    if passed:
        credit(passed / len(STAGES))
        request.node.user_properties.append(('partial', 'stages that failed: ' + ', '.join(failed)))
        return
    pytest.fail('no stage of the conversation worked{}'.format(': {}'.format(error) if error else ''),
                pytrace=False)


def _pairing_check(id, protocol, submission_side):
    other = 'reference clients' if submission_side == 'server' else 'reference server'
    cls = ('Server' if submission_side == 'server' else 'Client') + protocol.upper()

    def pairing(submission_path, credit, request, dialects):
        server_path, client_path = (submission_path, REFERENCE) if submission_side == 'server' else \
            (REFERENCE, submission_path)
        dialect = dialects.server(protocol) if submission_side == 'server' else None
        run_pairing(server_path, client_path, protocol, credit, request,
                    label='your {} × {}'.format(cls, other), dialect=dialect)
    pairing.__doc__ = 'Your {} with {}: join, chat both ways, leave, shutdown.'.format(cls, other)
    return check(id, weight=2, spec='3 / 4 (the classes working together)', tags=['interop', cls],
                 depends=['structure.' + server_cls(protocol), 'structure.' + client_cls(protocol)],
                 rests_on=INTEROP,
                 hint='Run your {} against {} by hand: join two clients, chat both ways, leave, stop the '
                      'server.'.format(cls, other))(pairing)


test_server_tcp_with_reference_clients = _pairing_check('interop.server_tcp', 'tcp', 'server')
test_server_udp_with_reference_clients = _pairing_check('interop.server_udp', 'udp', 'server')
test_clients_tcp_with_reference_server = _pairing_check('interop.client_tcp', 'tcp', 'client')
test_clients_udp_with_reference_server = _pairing_check('interop.client_udp', 'udp', 'client')
