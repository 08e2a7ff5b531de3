"""Interop: the submission's server with the reference's clients, and the reference's server with the
submission's clients, over TCP and UDP. Each pairing runs one conversation in stages (join, chat both
ways, leave, shutdown); the report shows the stages as a matrix. Lightly weighted: the class checks
already judge each piece on its own; this shows whether the pieces work together."""

import contextlib

import pytest

from harness.catalog import check
from harness.plugin import REFERENCE
from harness.runner import Agent, AgentError, start_server

STAGES = ('join', 'chat a→b', 'chat b→a', 'leave', 'shutdown')
WITHIN = 3.0


class Client:
    """A client class (ClientTCP/ClientUDP) of one implementation, run() in an agent of its own, driven
    through its stdin and read through its stdout, as a person at a terminal would."""

    def __init__(self, path, cls, name, port):
        self.name = name
        self.agent = Agent(path).start()
        self.agent.import_submission()
        self.agent.construct('client', cls, name, port)
        self.running = self.agent.start_run('client')
        self.read_from = 0

    def sees(self, text, within=WITHIN):
        ok, seen = self.agent.stdout.wait_for(lambda out: text in out, within, start=self.read_from)
        if ok:
            self.read_from += seen.index(text) + len(text)
        return ok

    def sees_any(self, texts, within=WITHIN):
        ok, seen = self.agent.stdout.wait_for(lambda out: any(t in out for t in texts), within,
                                              start=self.read_from)
        return ok

    def type(self, text):
        self.agent.type_line(text)

    def ended(self, within=WITHIN):
        try:
            self.agent.wait(self.running, within)
            return True
        except AgentError as error:
            return 'KeyboardInterrupt' in str(error) or 'SystemExit' in str(error) or \
                'EOFError' in str(error) or not self.agent.alive

    def close(self):
        self.agent.kill()


def converse(server_path, client_path, protocol, stages):
    """Run the conversation; record each stage's outcome in `stages` (True/False, in order)."""
    chat = (lambda name, text: ('{}: {}'.format(name, text),)) if protocol == 'tcp' else \
        (lambda name, text: ('{}: {}'.format(name, text), '{}:{}'.format(name, text)))
    clients = []
    with Agent(server_path) as server:
        server.import_submission()
        port, _ = start_server(server, server_cls(protocol))
        running = server.start_run('server')
        try:
            alice = Client(client_path, client_cls(protocol), 'alice', port)
            clients.append(alice)
            joined = alice.sees('Welcome')
            if not joined:
                return          # nobody in the room: every later stage would only wait out its deadline
            bob = Client(client_path, client_cls(protocol), 'bob', port)
            clients.append(bob)
            stages['join'] = joined and bob.sees('Welcome') and alice.sees('User bob joined')
            alice.type('hello bob')
            stages['chat a→b'] = bob.sees_any(chat('alice', 'hello bob'))
            bob.type('hi alice')
            stages['chat b→a'] = alice.sees_any(chat('bob', 'hi alice'))
            bob.type('exit')
            stages['leave'] = alice.sees('User bob left') and bob.ended()
            with contextlib.suppress(AgentError):
                if protocol == 'tcp':
                    server.set_event('server', 'run_event', timeout=1.0)
                else:
                    server.interrupt()
            with contextlib.suppress(AgentError):
                server.wait(running, WITHIN)
            stages['shutdown'] = alice.ended()
        finally:
            for client in clients:
                client.close()


def server_cls(protocol):
    return 'ServerTCP' if protocol == 'tcp' else 'ServerUDP'


def client_cls(protocol):
    return 'ClientTCP' if protocol == 'tcp' else 'ClientUDP'


def run_pairing(server_path, client_path, protocol, credit, request, label):
    stages = dict.fromkeys(STAGES, False)
    error = None
    try:
        converse(server_path, client_path, protocol, stages)
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

    def pairing(submission_path, credit, request):
        server_path, client_path = (submission_path, REFERENCE) if submission_side == 'server' else \
            (REFERENCE, submission_path)
        run_pairing(server_path, client_path, protocol, credit, request,
                    label='your {} × {}'.format(cls, other))
    pairing.__doc__ = 'Your {} with {}: join, chat both ways, leave, shutdown.'.format(cls, other)
    return check(id, weight=2, spec='3 / 4 (the classes working together)', tags=['interop', cls],
                 depends=['structure.' + server_cls(protocol), 'structure.' + client_cls(protocol)],
                 hint='Run your {} against {} by hand: join two clients, chat both ways, leave, stop the '
                      'server.'.format(cls, other))(pairing)


test_server_tcp_with_reference_clients = _pairing_check('interop.server_tcp', 'tcp', 'server')
test_server_udp_with_reference_clients = _pairing_check('interop.server_udp', 'udp', 'server')
test_clients_tcp_with_reference_server = _pairing_check('interop.client_tcp', 'tcp', 'client')
test_clients_udp_with_reference_server = _pairing_check('interop.client_udp', 'udp', 'client')
