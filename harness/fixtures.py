"""What the checks are given, written once: pytest's fixtures (harness/checks/conftest.py) and the
scheduler that runs independent checks side by side (harness/schedule.py) both build them from here.

Per run: an AgentPool and the Dialects (how each class speaks, harness/probe.py), both in a `Run`.
Per check: an agent, or a running server / constructed client of the submission's (harness/subjects.py).
Checks never import the submission nor touch processes.
"""

import contextlib
import threading

import pytest

from . import clock
from .probe import probe_client, probe_server
from .runner import AgentError, AgentPool, SubmissionProblem
from .subjects import ClientSubject, ServerSubject


class Dialects:
    """How the submission's classes speak (harness/probe.py), learned once per run, on first need, each in
    an agent of its own. Thread-safe: checks that run side by side wait for the same probe."""

    def __init__(self, pool):
        self.pool = pool
        self.known = {}
        self.locks = {}
        self.guard = threading.Lock()

    def _learn(self, key, probe):
        with self.guard:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock, clock.detached():
            # Not under the clock of the check that happened to ask first: every check uses the result.
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
        def probe(agent, protocol):
            # A client that refuses 'Welcome' may take what its own server greets with (learned only then).
            return probe_client(agent, protocol, greetings=lambda: [self.server(protocol).greeting])
        return self._learn(('client', protocol), probe)


class Run:
    """What the checks of one run share: the submission's AgentPool and its Dialects."""

    def __init__(self, submission_path, python=None):
        self.submission_path = submission_path
        self.python = python
        self.pool = AgentPool(submission_path, python=python)
        self.dialects = Dialects(self.pool)

    def close(self):
        self.pool.close()


@contextlib.contextmanager
def fresh_agent(pool):
    """A fresh agent that has imported the submission; killed, with all it started, after the check."""
    try:
        running = pool.take()
    except SubmissionProblem as problem:
        pytest.fail('the submission could not be imported: {}'.format(problem), pytrace=False)
    try:
        yield running
    finally:
        running.release()        # killed now; waited for in the background (runner.reap_released)


@contextlib.contextmanager
def running_server(agent, dialects, protocol, check_id=None):
    """The submission's ServerTCP/ServerUDP, bound to a free loopback port, with run() running in the agent;
    it speaks the server's dialect when setting up. A server that cannot even start fails the protocol's
    welcome check; the other checks, which truly cannot run, are skipped and point at it."""
    with _server(agent, dialects, protocol, check_id, ServerSubject.start) as subject:
        yield subject


@contextlib.contextmanager
def idle_server(agent, dialects, protocol, check_id=None):
    """The submission's ServerTCP/ServerUDP, only constructed (run() does not run), as a student's own test
    fixture makes one to call its methods by hand."""
    with _server(agent, dialects, protocol, check_id, ServerSubject.construct) as subject:
        yield subject


@contextlib.contextmanager
def _server(agent, dialects, protocol, check_id, start):
    dialect = dialects.server(protocol)
    subject = ServerSubject(agent, protocol, dialect)
    try:
        start(subject)
    except AgentError as error:      # a constructor that hung is not waited for twice (runner.py)
        welcome = '{}.welcome'.format(protocol)
        if dialect.startup_error and check_id is not None and check_id != welcome:
            pytest.skip('skipped: {}(port) could not start: {} (see {})'.format(subject.cls, error, welcome))
        pytest.fail('could not start {}(port): {}'.format(subject.cls, error), pytrace=False)
    try:
        yield subject
    finally:
        subject.close()


@contextlib.contextmanager
def constructed_client(agent, dialects, protocol):
    """The submission's ClientTCP('alice', port) (or ClientUDP) in the agent; `port` is a scripted fake
    server's (subject.server), which has not accepted the connection yet."""
    subject = ClientSubject(agent, protocol, dialect=dialects.client(protocol))
    try:
        try:
            subject.construct()
        except AgentError as error:      # a constructor that hung is not waited for twice (runner.py)
            pytest.fail("could not construct {}('alice', port): {}".format(subject.cls, error), pytrace=False)
        yield subject
    finally:
        subject.close()


# The server fixtures by name (the checks' conftest.py and the scheduler build them alike).
SERVERS = {
    'tcp_server': (running_server, 'tcp'),
    'udp_server': (running_server, 'udp'),
    'idle_tcp_server': (idle_server, 'tcp'),
    'idle_udp_server': (idle_server, 'udp'),
}
