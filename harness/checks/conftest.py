"""Fixtures the checks use. Checks never import the submission nor touch processes: they get a running
server (or an agent) from here, and the runner keeps the submission isolated."""

import threading

import pytest

from harness.catalog import info_of
from harness.probe import probe_client, probe_server
from harness.runner import AgentError, AgentPool, SubmissionProblem
from harness.subjects import ClientSubject, ServerSubject


@pytest.fixture(scope='session')
def agent_pool(submission_path):
    pool = AgentPool(submission_path)
    yield pool
    pool.close()


class Dialects:
    """How the submission's classes speak (harness/probe.py), learned once per run, on first need, each in
    an agent of its own."""

    def __init__(self, pool):
        self.pool = pool
        self.known = {}
        self.locks = {}
        self.guard = threading.Lock()

    def _learn(self, key, probe):
        with self.guard:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.known:
                agent = self.pool.take()
                try:
                    self.known[key] = probe(agent, key[1])
                finally:
                    agent.release()
            return self.known[key]

    def server(self, protocol):
        return self._learn(('server', protocol), probe_server)

    def client(self, protocol):
        return self._learn(('client', protocol), probe_client)


@pytest.fixture(scope='session')
def dialects(agent_pool):
    return Dialects(agent_pool)


@pytest.fixture
def agent(agent_pool):
    """A fresh agent that has imported the submission; killed, with all it started, after the check."""
    try:
        running = agent_pool.take()
    except SubmissionProblem as problem:
        pytest.fail('the submission could not be imported: {}'.format(problem), pytrace=False)
    try:
        yield running
    finally:
        running.release()        # killed now; waited for in the background (runner.reap_released)


def _server(agent, dialects, protocol, request):
    dialect = dialects.server(protocol)
    subject = ServerSubject(agent, protocol, dialect)
    try:
        subject.start()
    except AgentError as error:      # a constructor that hung is not waited for twice (runner.py)
        info = info_of(request.node)
        welcome = '{}.welcome'.format(protocol)
        if dialect.startup_error and info is not None and info.id != welcome:
            # It truly cannot run: the failure belongs to one check, the others say where to look.
            pytest.skip('skipped: {}(port) could not start: {} (see {})'.format(subject.cls, error, welcome))
        pytest.fail('could not start {}(port): {}'.format(subject.cls, error), pytrace=False)
    return subject


@pytest.fixture
def tcp_server(agent, dialects, request):
    """The submission's ServerTCP, bound to a free loopback port, with run() running in the agent; it
    speaks the server's dialect when setting up (harness/probe.py)."""
    subject = _server(agent, dialects, 'tcp', request)
    yield subject
    subject.close()


@pytest.fixture
def udp_server(agent, dialects, request):
    """The submission's ServerUDP, bound to a free loopback port, with run() running in the agent; it
    speaks the server's dialect when setting up (harness/probe.py)."""
    subject = _server(agent, dialects, 'udp', request)
    yield subject
    subject.close()


def _client(agent, dialects, protocol):
    subject = ClientSubject(agent, protocol, dialect=dialects.client(protocol))
    try:
        subject.construct()
    except AgentError as error:      # a constructor that hung is not waited for twice (runner.py)
        subject.close()
        pytest.fail("could not construct {}('alice', port): {}".format(subject.cls, error), pytrace=False)
    return subject


@pytest.fixture
def tcp_client(agent, dialects):
    """The submission's ClientTCP('alice', port) in the agent; `port` is a fake TCP server's
    (tcp_client.server), which has not accepted the connection yet."""
    subject = _client(agent, dialects, 'tcp')
    yield subject
    subject.close()


@pytest.fixture
def udp_client(agent, dialects):
    """The submission's ClientUDP('alice', port) in the agent; `port` is a fake UDP server's
    (udp_client.server)."""
    subject = _client(agent, dialects, 'udp')
    yield subject
    subject.close()
