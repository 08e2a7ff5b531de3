"""A submission's server, running in an agent, as the checks see it: start it, join fake clients, ask it
for its count, stop it. The checks read as sentences because the plumbing lives here."""

import contextlib
import os
import platform
import socket
import threading
import time

from . import fakes, leniency, peers
from .runner import AgentError, AgentGone, AgentTimeout, CallFailed, describe_exit, start_server

STATE_POLL = 0.02
SETTLE = 0.15          # seconds before run_event is set, see stop_with_event


class ServerSubject:
    def __init__(self, agent, protocol):
        self.agent = agent
        self.protocol = protocol
        self.cls = 'ServerTCP' if protocol == 'tcp' else 'ServerUDP'
        self.port = None
        self.how_bound = None
        self.running = None
        self.peers = []

    def start(self):
        self.port, self.how_bound = start_server(self.agent, self.cls)
        self.running = self.agent.start_run('server')
        return self

    # -- fake clients ------------------------------------------------------------------------------

    def connect(self, name):
        """A client that says its name (or, on UDP, '{name}:join') and expects nothing yet."""
        if self.protocol == 'tcp':
            peer = peers.TcpPeer(self.port, label=name)
            peer.send(name)
        else:
            peer = peers.UdpPeer(self.port, name)
            peer.say('join')
        self.peers.append(peer)
        return peer

    def stranger(self):
        """A UDP client that never joined."""
        peer = peers.UdpPeer(self.port, 'stranger')
        self.peers.append(peer)
        return peer

    def join(self, name, within=peers.DEFAULT_WITHIN):
        """A client that joins as `name` and has been welcomed."""
        peer = self.connect(name)
        if self.protocol == 'tcp':
            leniency.expect_welcome_tcp(peer, within)
        else:
            leniency.expect_welcome_udp(peer, within)
        return peer

    def join_at_once(self, names, within=5.0):
        """Join all `names` concurrently, one thread each. Returns ({name: peer}, [errors])."""
        joined, errors = {}, []

        def join(name):
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
        """Join clients one after another, each time waiting until the others heard of the newcomer, so
        that later expectations start from a quiet room."""
        joined = []
        for name in names:
            peer = self.join(name)
            for other in joined:
                other.expect('User {} joined'.format(name))
            joined.append(peer)
        return joined

    def say(self, peer, text):
        if self.protocol == 'tcp':
            peer.send(text)
        else:
            peer.say(text)

    def expect_chat(self, peer, name, text, within=peers.DEFAULT_WITHIN):
        if self.protocol == 'tcp':
            return peer.expect('{}: {}'.format(name, text), within)
        return leniency.expect_udp_chat(peer, name, text, within)

    def chat_texts(self, name, text):
        return ('{}: {}'.format(name, text),) if self.protocol == 'tcp' else leniency.udp_chat_texts(name, text)

    # -- asking the server -------------------------------------------------------------------------

    def count(self):
        return self.agent.call('server', 'get_clients_number')['value']

    def wait_count(self, expected, within=peers.DEFAULT_WITHIN):
        """Poll get_clients_number() until it returns `expected`; return the last value seen."""
        return peers.poll(self.count, lambda value: value == expected, within, STATE_POLL)

    def get(self, name):
        return self.agent.get('server', name)

    def call(self, method, *args, timeout=3.0):
        return self.agent.call('server', method, *args, timeout=timeout)

    # -- stopping ----------------------------------------------------------------------------------

    def run_returned(self, within):
        """Wait for run() to return. Returns (True, reply) or (False, None) if it is still running."""
        try:
            return True, self.agent.wait(self.running, within)
        except AgentTimeout:
            return False, None
        except CallFailed as error:
            return True, {'raised': error.error, 'message': error.message}

    def stop_with_event(self):
        """Set run_event and wait for run() to return. Returns the credit: 1 if it returned in time,
        partial if it returned only once one more connection arrived, 0 if it did not return."""
        # A server that has just welcomed a client may still be on its way back from accept_client() to
        # its accept(): setting the event then would let a blocking accept() win full credit by chance.
        # Nothing announces that the server is idle again, so give it a short settle, once.
        time.sleep(SETTLE)
        self.agent.set_event('server', 'run_event')
        returned, _ = self.run_returned(leniency.RUN_STOP_WITHIN)
        if returned:
            return 1.0
        self.nudge()
        returned, _ = self.run_returned(1.0)
        if returned:
            return leniency.run_returned_after_extra_connection()
        return 0.0

    def stop_with_sigint(self):
        self.agent.interrupt()
        returned, _ = self.run_returned(leniency.RUN_STOP_WITHIN)
        return returned

    def nudge(self):
        """One more connection (or datagram), for a server blocked in accept()/recvfrom()."""
        kind = socket.SOCK_STREAM if self.protocol == 'tcp' else socket.SOCK_DGRAM
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, kind) as probe:
            probe.settimeout(0.5)
            probe.connect(('127.0.0.1', self.port))
            if kind == socket.SOCK_DGRAM:
                probe.send(b'')

    def port_released(self, within=1.0):
        """True once nothing accepts connections (TCP) or holds the port (UDP) any more."""
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


INPUT_WAIT = 0.1
_READ_SYSCALL = {'x86_64': 0, 'amd64': 0, 'aarch64': 63, 'arm64': 63, 'i386': 3, 'i686': 3, 'armv7l': 3}.get(
    platform.machine().lower())


def _blocked_reading_stdin(pid):
    """True when a thread of process `pid` is blocked in read(0, ...) (from /proc/PID/task/*/syscall)."""
    if _READ_SYSCALL is None:
        return False
    try:
        tasks = os.listdir('/proc/{}/task'.format(pid))
    except OSError:
        return False
    for task in tasks:
        try:
            with open('/proc/{}/task/{}/syscall'.format(pid, task)) as source:
                fields = source.read().split()
        except OSError:
            continue
        if len(fields) > 1 and fields[0] == str(_READ_SYSCALL) and fields[1] == '0x0':
            return True
    return False


class ClientSubject:
    """A submission's ClientTCP or ClientUDP, constructed in an agent as ClientTCP(name, port) (or
    ClientUDP) where `port` is a scripted fake server's (harness.fakes). The checks call its methods, run
    it, type lines at it and read what it prints; `server` plays the chat server."""

    def __init__(self, agent, protocol, name='alice'):
        self.agent = agent
        self.protocol = protocol
        self.cls = 'ClientTCP' if protocol == 'tcp' else 'ClientUDP'
        self.name = name
        self.server = fakes.fake_server(protocol)
        self.port = self.server.port
        self.running = None
        self.stuck_at = []

    def construct(self):
        self.agent.construct('client', self.cls, self.name, self.port)
        return self

    # -- the wire ----------------------------------------------------------------------------------

    def wire(self, text):
        """What the client must send when it sends `text`: the text (TCP), '{name}:{text}' (UDP)."""
        return text if self.protocol == 'tcp' else '{}:{}'.format(self.name, text)

    def expect_join(self, within=fakes.DEFAULT_WITHIN):
        """The client connects and sends exactly its name (TCP) or '{name}:join' (UDP)."""
        self.server.wait_for_connection(within)
        self.server.expect_text(self.name if self.protocol == 'tcp' else self.wire('join'), within)

    def expect_sent(self, text, within=fakes.DEFAULT_WITHIN):
        self.server.expect_text(self.wire(text), within)

    def reply(self, text):
        """One message from the fake server. Callers send the next only once the client consumed it."""
        self.server.send(text)

    # -- calling its methods -----------------------------------------------------------------------

    def start_call(self, method, *args):
        """Call a method in a thread of the agent; returns a request id for `outcome`."""
        return self.agent.send('call', obj='client', method=method, args=list(args))

    def outcome(self, request_id, within, what):
        """The value of a started call; AssertionError saying where it was stuck if it did not return."""
        try:
            return self.agent.wait(request_id, within)
        except AgentTimeout as error:
            raise AssertionError('{} did not return within {:.1f}s{}'.format(
                what, within, _at(error.where))) from None
        except CallFailed as error:
            raise AssertionError('{} raised {}'.format(what, error)) from None

    def connect(self, reply='Welcome', within=fakes.DEFAULT_WITHIN):
        """Call connect_server(), expect the join on the wire, answer `reply`; the value it returned."""
        request = self.start_call('connect_server')
        self.expect_join(within)
        self.reply(reply)
        return self.outcome(request, within, 'connect_server()')

    def assert_connect_returns(self, reply, expected, within=fakes.DEFAULT_WITHIN):
        """connect_server() sends the join, and returns `expected` when the server answers `reply`."""
        result = self.connect(reply, within)
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

    def events(self):
        """{'exit_run': is set, 'exit_receive': is set} (None for one that is not an Event)."""
        states = {}
        for name in ('exit_run', 'exit_receive'):
            try:
                states[name] = self.get(name).get('is_set')
            except AgentError:
                states[name] = None
        return states

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
        ok, _ = self.agent.stdout.wait_for(lambda out: text in out, within, since)
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

    def start_run(self, reply='Welcome', within=fakes.DEFAULT_WITHIN):
        """run() in the agent's main thread; the fake server takes the join and answers `reply`."""
        self.running = self.agent.start_run('client')
        self.expect_join(within)
        self.reply(reply)

    def type(self, text):
        self.agent.type_line(text)

    def type_and_expect(self, text, within=fakes.DEFAULT_WITHIN):
        """Type a line and expect the client to send it: then run() is in its input loop, and the
        server's reply to the join has been consumed (see `wait_reading_input` for what this does not
        prove)."""
        self.type(text)
        self.expect_sent(text, within)

    def wait_reading_input(self, within=INPUT_WAIT):
        """Wait until a thread of the client's process is blocked reading its stdin, as input() is after
        the line before was handled. Gives up quietly after `within` seconds: a client that polls stdin
        (select with a timeout) never blocks there, and needs no such wait. Linux only; elsewhere it
        just waits `within`."""
        pid = self.agent.proc.pid
        return peers.poll(lambda: _blocked_reading_stdin(pid), bool, within, interval=0.002)

    def end_input(self):
        self.agent.end_input()

    def interrupt(self):
        self.agent.interrupt()

    def run_outcome(self, within=leniency.RUN_STOP_WITHIN):
        """How run() ended: 'returned', the name of the exception that ended it, 'process ended (...)'
        or None if it is still running after `within` seconds (then `stuck_at` says where)."""
        try:
            value = self.agent.wait(self.running, within)
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
