"""Fixtures the checks use, as pytest fixtures (harness/fixtures.py builds them; the scheduler that runs
independent checks side by side, harness/schedule.py, builds the same from there)."""

import pytest

from harness.catalog import info_of
from harness.fixtures import SERVERS, constructed_client, fresh_agent


@pytest.fixture(scope='session')
def agent_pool(chatroom_run):
    return chatroom_run.pool


@pytest.fixture(scope='session')
def dialects(chatroom_run):
    return chatroom_run.dialects


@pytest.fixture
def agent(agent_pool):
    """A fresh agent that has imported the submission; killed, with all it started, after the check."""
    with fresh_agent(agent_pool) as running:
        yield running


def _check_id(request):
    info = info_of(request.node)
    return info.id if info is not None else None


def _server(name, agent, dialects, request):
    make, protocol = SERVERS[name]
    with make(agent, dialects, protocol, _check_id(request)) as subject:
        yield subject


@pytest.fixture
def tcp_server(agent, dialects, request):
    """The submission's ServerTCP, bound to a free loopback port, with run() running in the agent."""
    yield from _server('tcp_server', agent, dialects, request)


@pytest.fixture
def udp_server(agent, dialects, request):
    """The submission's ServerUDP, bound to a free loopback port, with run() running in the agent."""
    yield from _server('udp_server', agent, dialects, request)


@pytest.fixture
def idle_tcp_server(agent, dialects, request):
    """The submission's ServerTCP, only constructed: run() does not run (a student's test fixture)."""
    yield from _server('idle_tcp_server', agent, dialects, request)


@pytest.fixture
def idle_udp_server(agent, dialects, request):
    """The submission's ServerUDP, only constructed: run() does not run (a student's test fixture)."""
    yield from _server('idle_udp_server', agent, dialects, request)


@pytest.fixture
def tcp_client(agent, dialects):
    """The submission's ClientTCP('alice', port) in the agent; `port` is a fake TCP server's."""
    with constructed_client(agent, dialects, 'tcp') as subject:
        yield subject


@pytest.fixture
def udp_client(agent, dialects):
    """The submission's ClientUDP('alice', port) in the agent; `port` is a fake UDP server's."""
    with constructed_client(agent, dialects, 'udp') as subject:
        yield subject
