"""The reference chatroom.py run as the assignment's server.py: `python chatroom.py server --tcp|--udp
--port 0`, stopped with Ctrl-C (SIGINT) while clients are in the room."""

import re
import socket

import pytest

from harness.peers import join_tcp, join_udp, refuses_connections

BANNER = re.compile(r'^(TCP|UDP) chatroom server on (\S+):(\d+) \(Ctrl-C to stop\)$')


def start_server(spawn, transport):
    """The server process and the (host, port) its banner names."""
    child = spawn('server', '--' + transport, '--port', '0', label='{} server'.format(transport))
    banner = BANNER.match(child.wait_for_line(lambda line: BANNER.match(line) is not None))
    assert banner.group(1) == transport.upper()
    return child, banner.group(2), int(banner.group(3))


def test_tcp_server_stops_on_sigint_and_tells_every_client(spawn):
    child, host, port = start_server(spawn, 'tcp')
    alice = bob = None
    try:
        alice = join_tcp(port, 'alice', host=host)
        bob = join_tcp(port, 'bob', host=host)
        alice.expect('User bob joined')
        child.interrupt()
        alice.expect('server-shutdown')
        bob.expect('server-shutdown')
        assert child.wait() == 0
        assert refuses_connections(port, host), 'the port still accepts connections'
    finally:
        for peer in (alice, bob):
            if peer is not None:
                peer.close()


def test_udp_server_stops_on_sigint_and_tells_every_client(spawn):
    child, host, port = start_server(spawn, 'udp')
    alice = bob = None
    try:
        alice = join_udp(port, 'alice', host=host)
        bob = join_udp(port, 'bob', host=host)
        alice.expect('User bob joined')
        child.interrupt()
        alice.expect('server-shutdown')
        bob.expect('server-shutdown')
        assert child.wait() == 0
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind((host, port))              # the port is free again
        finally:
            probe.close()
    finally:
        for peer in (alice, bob):
            if peer is not None:
                peer.close()


@pytest.mark.parametrize('args', [['server'], ['client', '--tcp'], ['server', '--tcp', '--udp']],
                         ids=['no-transport', 'client-without-name', 'both-transports'])
def test_bad_command_lines_are_refused_with_usage(spawn, args):
    child = spawn(*args, label='chatroom.py ' + ' '.join(args))
    assert child.wait() == 2
    assert any(line.startswith('usage:') for line in child.output)
