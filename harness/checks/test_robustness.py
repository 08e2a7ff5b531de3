"""Robustness: what a server does when clients misbehave or crowd in. The assignment does not ask for any
of this, so these checks weigh nothing by default (a course can weight them with --config); they are
always run and shown, each saying what happened: kept working, crashed or stalled."""

import threading
import time

import pytest

from harness import peers
from harness.catalog import check
from harness.peers import PeerError

TCP = ['robustness', 'ServerTCP']
UDP = ['robustness', 'ServerUDP']
TCP_READY = ['structure.ServerTCP', 'tcp.chat_broadcast']
UDP_READY = ['structure.ServerUDP', 'udp.chat_broadcast']


def still_works(server, speaker, listener, request, what):
    """After `what` happened, the room must still relay a message from speaker to listener. Records the
    outcome (kept working / crashed / stalled) and fails with the server's stderr if it did not."""
    text = 'are you still there {}'.format(time.monotonic())
    try:
        server.say(speaker, text)
        server.expect_chat(listener, speaker.label, text, within=3.0)
    except (PeerError, OSError) as error:
        outcome = 'crashed' if not server.agent.alive else 'stalled'
        request.node.user_properties.append(('details', {'outcome': outcome}))
        tail = server.agent.stderr.text()[-1500:].strip()
        pytest.fail('after {} the server {}: {}{}'.format(
            what, outcome, error, '\nserver stderr:\n' + tail if tail else ''), pytrace=False)
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


@check('robust.abrupt_disconnect', weight=0, spec='3 ServerTCP.handle_client', tags=TCP, depends=TCP_READY,
       hint='Treat an empty recv() or a ConnectionResetError like "exit": announce, remove, close.')
def test_abrupt_disconnect(tcp_server, request):
    """A client that vanishes without 'exit' (connection reset) is announced as gone; the room goes on."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    bob.abort()
    alice.expect('User bob left', within=3.0)
    assert tcp_server.wait_count(2) == 2, 'bob is still counted after his connection was reset'
    still_works(tcp_server, alice, carol, request, 'a connection reset')


@check('robust.bad_bytes_tcp', weight=0, spec='3 ServerTCP.handle_client', tags=TCP, depends=TCP_READY,
       hint="Decode with errors='replace' (or catch UnicodeDecodeError) so one bad message can't kill a thread.")
def test_non_utf8_tcp(tcp_server, request):
    """Bytes that are not UTF-8 from one client don't break the server."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    bob.send_bytes(b'\xff\xfe\xc3(')
    alice.read_for(0.2)
    still_works(tcp_server, alice, carol, request, 'a message that is not UTF-8')


@check('robust.bad_bytes_udp', weight=0, spec='4 ServerUDP.run', tags=UDP, depends=UDP_READY,
       hint="Decode with errors='replace' (or catch UnicodeDecodeError) so one bad datagram can't stop run().")
def test_non_utf8_udp(udp_server, request):
    """Datagrams that are not UTF-8, or have no name, don't break the server."""
    alice, bob = udp_server.join_all('alice', 'bob')
    bob.send_raw(b'bob:\xff\xfe\xc3(')
    bob.send_raw(b'\xff\xfe')
    bob.send_raw(b'no colon at all')
    still_works(udp_server, alice, bob, request, 'datagrams that are not UTF-8 or have no name')


@check('robust.empty_message', weight=0, spec='4 ServerUDP.run', tags=UDP, depends=UDP_READY,
       hint='An empty datagram or an empty text must not be taken for a command nor crash the loop.')
def test_empty_message_udp(udp_server, request):
    """An empty datagram and an empty text ('bob:') don't break the server."""
    alice, bob = udp_server.join_all('alice', 'bob')
    bob.send_raw(b'')
    bob.send_raw(b'bob:')
    still_works(udp_server, alice, bob, request, 'an empty datagram and an empty text')


@check('robust.long_message', weight=0, spec='3 ServerTCP.handle_client', tags=TCP, depends=TCP_READY,
       hint='recv(1024) cuts a long message into pieces: read with a larger buffer (e.g. 4096 or more).')
def test_long_message(tcp_server, request):
    """A 4 KiB message is relayed whole, as one message."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    text = ''.join(chr(ord('a') + i % 26) for i in range(4096))
    tcp_server.say(bob, text)
    try:
        alice.expect('bob: ' + text, within=3.0)
    except PeerError:
        got = alice.pending()
        pytest.fail('alice did not receive the 4 KiB message whole: she received {} characters{}'.format(
            len(got), ' with the name repeated {} times (it was cut into pieces)'.format(got.count('bob: '))
            if got.count('bob: ') > 1 else ''), pytrace=False)
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


@check('robust.unusual_names', weight=0, spec='3 ServerTCP.accept_client', tags=TCP, depends=TCP_READY,
       hint='Names are any text: keep them as sent and decode them as UTF-8.')
def test_unusual_names(tcp_server, request):
    """Names with spaces and non-ASCII letters join and chat like any other."""
    alice = tcp_server.join('alice')
    jose = tcp_server.join('José María')
    alice.expect('User José María joined')
    zhang = tcp_server.join('张伟')
    alice.expect('User 张伟 joined')
    tcp_server.say(jose, 'hola')
    alice.expect('José María: hola')
    zhang.expect('José María: hola')
    still_works(tcp_server, zhang, alice, request, 'names with spaces and non-ASCII letters')


@check('robust.burst_50', weight=0, spec='3 ServerTCP.run', tags=TCP, depends=TCP_READY,
       hint='A listen() backlog that is too small, or a slow accept loop, refuses clients in a burst.')
def test_burst_of_50(tcp_server, request):
    """50 clients joining at once are all welcomed and all hear one message."""
    names = ['burst{:02d}'.format(i) for i in range(50)]
    joined, errors = tcp_server.join_at_once(names, within=8.0)
    assert not errors, '{} of 50 clients were not welcomed; first: {}'.format(len(errors), errors[0])
    assert tcp_server.wait_count(50, within=5.0) == 50, 'get_clients_number() is not 50 with 50 clients'
    tcp_server.say(joined['burst00'], 'hello crowd')
    missing = []
    for name in names[1:]:
        try:
            joined[name].expect('burst00: hello crowd', within=5.0)
        except PeerError:
            missing.append(name)
    assert not missing, '{} of 49 clients did not receive the message'.format(len(missing))
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


@check('robust.slow_reader', weight=0, spec='3 ServerTCP.broadcast', tags=TCP, depends=TCP_READY,
       hint='A blocking send() to a client that never reads stalls everyone: send from a queue per client, '
            'or drop a client whose backlog grows too large.', timeout=40)
def test_slow_reader(tcp_server, request):
    """One client that never reads does not stall delivery to the others (8 MB of chat)."""
    alice, bob, slow = tcp_server.join_all('alice', 'bob', 'slow')
    slow.sock.setsockopt(peers.socket.SOL_SOCKET, peers.socket.SO_RCVBUF, 4096)
    message = 'x' * 1000
    total = 8000              # beyond what the kernel buffers towards a client that never reads (~4 MB)
    received = {'bytes': 0}
    progress = threading.Condition()
    done = threading.Event()

    def read_all():
        alice.sock.settimeout(0.5)
        while not done.is_set():
            try:
                data = alice.sock.recv(1 << 16)
            except peers.socket.timeout:
                continue
            except OSError:
                data = b''
            with progress:
                received['bytes'] += len(data)
                progress.notify_all()
            if not data:
                return

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    bob.sock.settimeout(5.0)
    sent = 0
    try:
        for sent in range(1, total + 1):
            bob.sock.sendall(message.encode())
    except OSError:
        sent -= 1                # the server stopped reading bob: that is a stall too
    expected = total * len(message) * 0.9      # the server may merge or split; the bytes must get through
    with progress:
        progress.wait_for(lambda: received['bytes'] >= expected or not reader.is_alive(), timeout=10)
    done.set()
    got = received['bytes']
    if sent < total or got < expected:
        outcome = 'crashed' if not tcp_server.agent.alive else 'stalled'
        request.node.user_properties.append(('details', {'outcome': outcome}))
        pytest.fail('while one client never read, bob could send {:.1f} of {:.1f} MB and alice received '
                    '{:.1f} MB: the server {}'.format(sent * len(message) / 1e6, total * len(message) / 1e6,
                                                      got / 1e6, outcome), pytrace=False)
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


@check('robust.churn', weight=0, spec='3 ServerTCP.accept_client, close_client', tags=TCP, depends=TCP_READY,
       hint='Every join must be matched by a removal on leave; a leak shows up as a wrong count.')
def test_join_leave_churn(tcp_server, request):
    """30 rapid join/leave cycles leave the count right and the room working."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    for cycle in range(30):
        churner = tcp_server.join('churn')
        tcp_server.say(churner, 'exit')
        alice.expect('User churn left', within=3.0)
        churner.close()
    count = tcp_server.wait_count(2)
    assert count == 2, 'after 30 join/leave cycles get_clients_number() is {}, expected 2'.format(count)
    still_works(tcp_server, alice, bob, request, '30 join/leave cycles')


@check('robust.local_address', weight=0, spec='2 Important notes (6)', tags=['robustness', 'ServerTCP'],
       depends=['structure.ServerTCP'],
       hint="Bind to socket.gethostbyname(socket.gethostname()), as note 6 says, not to '' or '0.0.0.0'.")
def test_binds_local_address(tcp_server, request):
    """The server binds the local machine's address, not every interface."""
    address = tcp_server.get('server_socket').get('sockname', ['?'])[0]
    request.node.user_properties.append(('details', {'outcome': 'bound to ' + address}))
    assert address == '127.0.0.1', 'server_socket is bound to {!r}: every network interface, not the local ' \
        'address'.format(address) if address in ('0.0.0.0', '') else 'server_socket is bound to {!r}'.format(address)


@check('robust.idle_cpu', weight=0, spec='2 Important notes (8)', tags=['robustness', 'ServerTCP'],
       depends=TCP_READY,
       hint='A loop that polls without blocking burns a core: wait in select() with a timeout instead.')
def test_idle_cpu(tcp_server, request):
    """An idle server with two clients uses little CPU (no busy loop)."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    before = tcp_server.agent.cpu_seconds()
    start = time.monotonic()
    alice.read_for(0.3)
    used = (tcp_server.agent.cpu_seconds() - before) / (time.monotonic() - start)
    request.node.user_properties.append(('details', {'outcome': '{:.0%} of a core while idle'.format(used)}))
    assert used < 0.3, 'the idle server used {:.0%} of a CPU core: a busy loop'.format(used)


@check('robust.thread_errors', weight=0, spec='2 Important notes (5)', tags=TCP, depends=TCP_READY,
       hint='Catch exceptions in client threads (e.g. ConnectionResetError) so that they do not escape.')
def test_no_exceptions_escape(tcp_server, request):
    """Clients that vanish in every way leave no uncaught exception in the server's threads."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    bob.abort()
    carol.close()
    first = alice.expect_any(('User bob left', 'User carol left'), within=3.0)
    alice.expect('User carol left' if first == 'User bob left' else 'User bob left', within=3.0)
    tcp_server.say(alice, 'anyone?')
    alice.read_for(0.2)
    errors = tcp_server.agent.stderr.text()
    escaped = [line for line in errors.splitlines() if 'Exception in thread' in line or 'Traceback' in line]
    assert not escaped, 'exceptions escaped the server\'s threads:\n' + errors[-1500:].strip()
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))

