"""The scenario driver against the reference servers (started in-process on an ephemeral port), the
explorer's scenarios (harness/explore.py), broken servers it must catch, and the replay rendering."""

import threading
from contextlib import contextmanager

import pytest

import chatroom
from chatroom import ServerTCP, ServerUDP
from harness import explore
from harness.model import Chat, Disconnect, Join, Leave, Pause, Shutdown, Stranger
from harness.scenarios import Failure, ScenarioDriver, ScenarioFailed, assert_scenario, render_replay, run_scenario

SERVERS = {'tcp': ServerTCP, 'udp': ServerUDP}
BOTH = pytest.mark.parametrize('protocol', ['tcp', 'udp'])
_stopping = []


@pytest.fixture(scope='module', autouse=True)
def _join_stopped_servers():
    yield
    for thread in _stopping:
        thread.join(5)
    assert not any(thread.is_alive() for thread in _stopping), 'a server did not stop after run_event.set()'


@contextmanager
def live_server(server_class):
    """A server on an ephemeral port, run() in a thread; stopped with run_event.set() (its thread is joined
    at the end of the module, so a test does not wait POLL_INTERVAL for each server)."""
    server = server_class(0)
    thread = threading.Thread(target=server.run, name='test-server', daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.run_event.set()
        _stopping.append(thread)


def play(server_class, protocol, actions, with_count=True, **options):
    with live_server(server_class) as server:
        count = server.get_clients_number if with_count else None
        return run_scenario(protocol, server.server_port, actions, get_count=count, **options)


# -- hand-written scenarios against the reference ------------------------------------------------------

EVERYDAY = [Join(0, 'alice'), Join(1, 'bob'), Chat(1, 'hi'), Join(2, 'carol'), Chat(0, 'hello there'),
            Join(3, 'bob'), Leave(1), Chat(2, 'I will join later'), Join(4, 'bob'), Chat(4, 'exit is that way'),
            Leave(0), Leave(2), Leave(4)]


@BOTH
def test_reference_everyday_scenario(protocol):
    notes = []
    assert play(SERVERS[protocol], protocol, EVERYDAY, notes=notes) is None
    assert notes == []


@BOTH
def test_reference_without_count_callable(protocol):
    assert play(SERVERS[protocol], protocol, EVERYDAY[:8], with_count=False) is None


@BOTH
def test_reference_disconnects(protocol):
    actions = [Join(0, 'alice'), Join(1, 'bob'), Join(2, 'carol'), Disconnect(2), Chat(0, 'hi'),
               Join(3, 'carol'), Chat(1, 'how are you?')]
    # TCP: carol's close is announced and frees the name; UDP: nobody is told, the name stays taken.
    assert play(SERVERS[protocol], protocol, actions) is None


def test_reference_udp_refused_address_tries_again():
    actions = [Join(0, 'alice'), Join(1, 'alice'), Chat(0, 'hi'), Join(1, 'alice'), Join(1, 'bob'),
               Chat(1, 'hello there'), Leave(0), Join(2, 'alice')]
    assert play(ServerUDP, 'udp', actions) is None


@BOTH
def test_reference_lone_client_chats_twice_then_others_come(protocol):
    # The lone chats have no observable effect: the driver paces them (TCP_SEND_GAP) instead.
    actions = [Join(0, 'alice'), Chat(0, 'hi'), Chat(0, 'hello there'), Join(1, 'bob'), Chat(0, 'hi'),
               Leave(1), Leave(0), Join(2, 'alice')]
    assert play(SERVERS[protocol], protocol, actions, with_count=False) is None


def test_step_by_step_driver_and_invalid_action():
    with live_server(ServerTCP) as server, ScenarioDriver('tcp', server.server_port,
                                                          get_count=server.get_clients_number) as driver:
        assert driver.step(Join(0, 'alice')) is None
        with pytest.raises(ValueError):
            driver.step(Chat(1, 'hi'))           # peer 1 never joined: a caller's bug, not a failure
        assert driver.step(Join(1, 'bob')) is None
        assert driver.step(Chat(1, 'hi')) is None
        assert driver.finish() is None
        assert driver.model.count == 2


# -- the explorer's scenarios against the reference ---------------------------------------------------------

class Stopper:
    """A scenario's shutdown step against an in-process server: its run_event, or a KeyboardInterrupt
    stand-in (shutdown() from here: run() runs in a thread, where no Ctrl-C can reach it)."""

    def __init__(self, server, thread):
        self.server, self.thread = server, thread

    def stop(self, how):
        if how == 'run_event':
            self.server.run_event.set()
        else:
            self.server.shutdown()
        self.thread.join(5)

    def call_shutdown(self):
        self.server.shutdown()


def play_scenario(protocol, actions):
    server = SERVERS[protocol](0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert_scenario(protocol, server.server_port, actions, get_count=server.get_clients_number,
                        stopper=Stopper(server, thread))
    finally:
        server.run_event.set()
        thread.join(5)


@BOTH
def test_reference_plays_every_scenario_of_the_default_plan(protocol):
    for actions in explore.plan(protocol, 2, 2, 0):
        play_scenario(protocol, actions)


@BOTH
def test_reference_strangers_pauses_and_shutdowns(protocol):
    actions = [Join(0, 'alice'), Join(1, 'al'), Pause(), Chat(1, 'a:b'), Leave(1), Join(1 if protocol == 'udp' else 2,
                                                                                    'Alice')]
    if protocol == 'udp':
        actions += [Stranger(3, 'alice', 'exit'), Stranger(3, 'alice', 'hi'), Chat(0, 'hi', claimed='Alice')]
    play_scenario(protocol, actions + [Shutdown('ctrl_c')])


# -- broken servers must be caught ----------------------------------------------------------------------

class KeepsNameTCP(ServerTCP):
    """close_client closes the socket but leaves the name in `clients`: the name stays taken and the count
    stays high after its holder left."""

    def close_client(self, client_socket):
        with self._lock:
            if client_socket not in self.clients:
                return False
            self._outboxes.pop(client_socket, None)
        chatroom.close_quietly(client_socket)
        return True


class EchoesTCP(ServerTCP):
    """Broadcasts chat to the sender too."""

    def broadcast(self, client_socket_sent, message):
        if message in (chatroom.JOIN, chatroom.EXIT):
            return super().broadcast(client_socket_sent, message)
        name = self.clients.get(client_socket_sent, '')
        self._send_to_all('{}: {}'.format(name, message).encode(), exclude=None)


class LeavesTwiceTCP(ServerTCP):
    """Announces 'exit', then announces the closed socket again."""

    def handle_client(self, client_socket):
        announced = False
        while True:
            try:
                chatroom.wait_ready(client_socket, 1.0)
                data = client_socket.recv(chatroom.RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                continue
            except (OSError, ValueError):
                data = b''
            if data == b'exit' or not data:
                self.broadcast(client_socket, chatroom.EXIT)
                if not data or announced:
                    break
                announced = True
                continue
            self.broadcast(client_socket, chatroom.decode(data))
        self.close_client(client_socket)


class AnnouncesJoinerToItselfTCP(ServerTCP):
    """Sends 'User x joined' to the joiner too (after its 'Welcome', often in the same segment)."""

    def broadcast(self, client_socket_sent, message):
        if message != chatroom.JOIN:
            return super().broadcast(client_socket_sent, message)
        name = self.clients.get(client_socket_sent, '')
        self._send_to_all('User {} joined'.format(name).encode(), exclude=None)


class AnnouncesBeforeWelcomeTCP(ServerTCP):
    """Sends 'User x joined' to everyone, the joiner first, before 'Welcome'."""

    def accept_client(self):
        original = chatroom.WELCOME
        chatroom.WELCOME = 'User {} joined' + original      # filled in below, per joiner
        try:
            return super().accept_client()
        finally:
            chatroom.WELCOME = original

    def _read_name(self, client_socket):
        name = super()._read_name(client_socket)
        chatroom.WELCOME = chatroom.WELCOME.format(name)
        return name


class GreetsLoudlyTCP(ServerTCP):
    def accept_client(self):
        original = chatroom.WELCOME
        chatroom.WELCOME = 'Welcome!'
        try:
            return super().accept_client()
        finally:
            chatroom.WELCOME = original


def test_broken_keeps_name_is_caught_and_shortened_to_the_shortest_replay():
    from harness.scenarios import shorten
    scenario = explore.plan('tcp', 2, 0, 0)[0]
    failure = play(KeepsNameTCP, 'tcp', scenario, with_count=False)
    assert failure is not None
    shortest, failure = shorten('tcp', scenario[:failure.step_index + 1],
                                lambda actions: play(KeepsNameTCP, 'tcp', actions, with_count=False))
    replay = render_replay(shortest, failure)
    assert len(shortest) == 3, replay
    assert isinstance(shortest[0], Join) and isinstance(shortest[1], (Leave, Disconnect))
    assert shortest[2] == Join(shortest[2].peer, shortest[0].name)
    assert failure.step_index == 2
    assert failure.expected == "'Welcome'" and failure.received == "'Name already taken'"
    assert "3. {} joins \u2192 expected 'Welcome', got 'Name already taken'".format(shortest[0].name) in replay


def test_broken_keeps_name_with_count_fails_at_the_leave():
    actions = [Join(0, 'alice'), Join(1, 'bob'), Leave(1)]
    failure = play(KeepsNameTCP, 'tcp', actions)
    assert failure is not None and failure.step_index == 2
    assert failure.subject == 'get_clients_number()' and (failure.expected, failure.received) == ('1', '2')


def test_broken_echo_to_sender_is_caught_at_the_chat_step():
    # The faulty step is the last one: a slow machine that misses the step's quiet window still
    # attributes the echo to it in finish().
    actions = [Join(0, 'alice'), Join(1, 'bob'), Chat(1, 'hi')]
    failure = play(EchoesTCP, 'tcp', actions)
    assert failure is not None and failure.step_index == 2 and failure.subject == 'bob'
    assert failure.received == "'bob: hi'"
    assert "3. bob says 'hi' \u2192 bob expected nothing more, got 'bob: hi'" in render_replay(actions, failure)


def test_broken_leave_announced_twice_is_caught():
    actions = [Join(0, 'alice'), Join(1, 'bob'), Leave(1)]
    failure = play(LeavesTwiceTCP, 'tcp', actions, with_count=False)
    assert failure is not None and failure.step_index == 2 and failure.subject == 'alice'
    assert failure.received == "'User bob left'"


@pytest.mark.parametrize('server_class', [AnnouncesJoinerToItselfTCP, AnnouncesBeforeWelcomeTCP])
def test_broken_joiner_announced_to_itself_is_caught(server_class):
    failure = play(server_class, 'tcp', [Join(0, 'alice')])
    assert failure is not None and failure.step_index == 0
    assert failure.received.startswith("'User alice joined") or "'User alice joined'" in failure.received


def test_lenient_greeting_is_accepted_with_a_note():
    notes = []
    assert play(GreetsLoudlyTCP, 'tcp', [Join(0, 'alice'), Join(1, 'bob'), Chat(0, 'hi')], notes=notes) is None
    assert len(notes) == 1 and "'Welcome!'" in notes[0]


class RelaysRawUDP(ServerUDP):
    """Relays a chat datagram as received, '{name}:{text}': allowed by the judgement calls."""

    def _handle_datagram(self, addr, datagram):
        name, _, text = datagram.partition(':')
        if addr in self.clients and text not in (chatroom.JOIN, chatroom.EXIT):
            self._record(addr, datagram)
            self.broadcast()
        else:
            super()._handle_datagram(addr, datagram)


def test_lenient_udp_raw_relay_is_accepted_with_a_note():
    notes = []
    assert play(RelaysRawUDP, 'udp', [Join(0, 'alice'), Join(1, 'bob'), Chat(0, 'hi')], notes=notes) is None
    from harness import leniency
    assert notes == [leniency.udp_relay_as_received('alice:hi')]


def test_nothing_listening_is_a_failure_not_a_crash():
    with live_server(ServerTCP) as server:
        port = server.server_port
    _stopping[-1].join(5)
    failure = run_scenario('tcp', port, [Join(0, 'alice')], within=0.5)
    assert failure is not None and failure.step_index == 0 and 'could not connect' in failure.description


# -- rendering -------------------------------------------------------------------------------------------

def test_render_replay_matches_the_issue_example():
    actions = [Join(0, 'alice'), Join(1, 'bob'), Leave(1), Join(2, 'bob'), Chat(0, 'hi')]
    failure = Failure(3, "'Welcome'", "'Name already taken'", 'the joining client expected ...', '', 'tcp')
    replay = render_replay(actions, failure)
    lines = replay.splitlines()
    assert lines[1:5] == ['  1. alice joins', '  2. bob joins', "  3. bob leaves (sends 'exit')",
                          "  4. bob joins \u2192 expected 'Welcome', got 'Name already taken'"]
    assert 'hi' not in replay.split('What went wrong')[0]       # steps after the failure are left out
    assert "  expected: 'Welcome'" in lines and "  received: 'Name already taken'" in lines
    with pytest.raises(ScenarioFailed) as raised:
        raise ScenarioFailed(failure, actions)
    assert str(raised.value) == replay
