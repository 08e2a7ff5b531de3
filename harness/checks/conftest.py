"""Fixtures the checks use. Checks never import the submission nor touch processes: they get a running
server (or an agent) from here, and the runner keeps the submission isolated."""

import pytest

from harness.runner import AgentError, AgentPool, SubmissionProblem
from harness.subjects import ClientSubject, ServerSubject

# A constructor that failed once fails the same way every time: don't pay its timeout again.
_broken_constructors = {}


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
    with running:
        yield running


def _server(agent, submission_path, protocol):
    key = (str(submission_path), protocol)
    if key in _broken_constructors:
        pytest.fail(_broken_constructors[key], pytrace=False)
    subject = ServerSubject(agent, protocol)
    try:
        subject.start()
    except AgentError as error:
        message = 'could not start {}(port): {}'.format(subject.cls, error)
        _broken_constructors[key] = message + ' (seen in an earlier check)'
        pytest.fail(message, pytrace=False)
    return subject


@pytest.fixture
def tcp_server(agent, submission_path):
    """The submission's ServerTCP, bound to a free loopback port, with run() running in the agent."""
    subject = _server(agent, submission_path, 'tcp')
    yield subject
    subject.close()


@pytest.fixture
def udp_server(agent, submission_path):
    """The submission's ServerUDP, bound to a free loopback port, with run() running in the agent."""
    subject = _server(agent, submission_path, 'udp')
    yield subject
    subject.close()


@pytest.fixture(params=['tcp', 'udp'])
def server(request, agent, submission_path):
    subject = _server(agent, submission_path, request.param)
    yield subject
    subject.close()


def _client(agent, submission_path, protocol):
    subject = ClientSubject(agent, protocol)
    key = (str(submission_path), subject.cls)
    if key in _broken_constructors:
        subject.close()
        pytest.fail(_broken_constructors[key], pytrace=False)
    try:
        subject.construct()
    except AgentError as error:
        subject.close()
        message = "could not construct {}('alice', port): {}".format(subject.cls, error)
        _broken_constructors[key] = message + ' (seen in an earlier check)'
        pytest.fail(message, pytrace=False)
    return subject


@pytest.fixture
def tcp_client(agent, submission_path):
    """The submission's ClientTCP('alice', port) in the agent; `port` is a fake TCP server's
    (tcp_client.server), which has not accepted the connection yet."""
    subject = _client(agent, submission_path, 'tcp')
    yield subject
    subject.close()


@pytest.fixture
def udp_client(agent, submission_path):
    """The submission's ClientUDP('alice', port) in the agent; `port` is a fake UDP server's
    (udp_client.server)."""
    subject = _client(agent, submission_path, 'udp')
    yield subject
    subject.close()
