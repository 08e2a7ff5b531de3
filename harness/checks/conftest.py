"""Fixtures the checks use. Checks never import the submission nor touch processes: they get a running
server (or an agent) from here, and the runner keeps the submission isolated."""

import pytest

from harness.runner import AgentError, AgentPool, SubmissionProblem
from harness.subjects import ClientSubject, ServerSubject

@pytest.fixture(scope='session')
def agent_pool(submission_path):
    pool = AgentPool(submission_path)
    yield pool
    pool.close()


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


def _server(agent, protocol):
    subject = ServerSubject(agent, protocol)
    try:
        subject.start()
    except AgentError as error:      # a constructor that hung is not waited for twice (runner.py)
        pytest.fail('could not start {}(port): {}'.format(subject.cls, error), pytrace=False)
    return subject


@pytest.fixture
def tcp_server(agent):
    """The submission's ServerTCP, bound to a free loopback port, with run() running in the agent."""
    subject = _server(agent, 'tcp')
    yield subject
    subject.close()


@pytest.fixture
def udp_server(agent):
    """The submission's ServerUDP, bound to a free loopback port, with run() running in the agent."""
    subject = _server(agent, 'udp')
    yield subject
    subject.close()


def _client(agent, protocol):
    subject = ClientSubject(agent, protocol)
    try:
        subject.construct()
    except AgentError as error:      # a constructor that hung is not waited for twice (runner.py)
        subject.close()
        pytest.fail("could not construct {}('alice', port): {}".format(subject.cls, error), pytrace=False)
    return subject


@pytest.fixture
def tcp_client(agent):
    """The submission's ClientTCP('alice', port) in the agent; `port` is a fake TCP server's
    (tcp_client.server), which has not accepted the connection yet."""
    subject = _client(agent, 'tcp')
    yield subject
    subject.close()


@pytest.fixture
def udp_client(agent):
    """The submission's ClientUDP('alice', port) in the agent; `port` is a fake UDP server's
    (udp_client.server)."""
    subject = _client(agent, 'udp')
    yield subject
    subject.close()
