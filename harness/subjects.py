"""A submission's server, running in an agent, as the checks see it: start it, join fake clients, ask it
for its count, stop it. The checks read as sentences because the plumbing lives here."""

import contextlib
import socket
import time

from . import leniency, peers
from .runner import AgentError, AgentTimeout, CallFailed, start_server

STATE_POLL = 0.02


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
        end = time.monotonic() + within
        while True:
            value = self.count()
            if value == expected or time.monotonic() >= end:
                return value
            time.sleep(STATE_POLL)  # polling a state under a deadline: the server offers no event

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
        end = time.monotonic() + within
        while True:
            if self.protocol == 'tcp':
                try:
                    with socket.create_connection(('127.0.0.1', self.port), timeout=0.2):
                        free = False
                except OSError:
                    free = True
            else:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                    try:
                        probe.bind(('127.0.0.1', self.port))
                        free = True
                    except OSError:
                        free = False
            if free or time.monotonic() >= end:
                return free
            time.sleep(STATE_POLL)  # polling a state under a deadline

    def close(self):
        for peer in self.peers:
            peer.close()

