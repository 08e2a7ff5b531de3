"""ServerTCP, driven by fake raw TCP clients (assignment section 3)."""

from harness.catalog import check
from harness.peers import show

TAGS = ['ServerTCP']
STARTS = ['structure.ServerTCP']
WELCOMES = ['structure.ServerTCP', 'tcp.welcome']


@check('tcp.welcome', weight=4, spec='3 ServerTCP.accept_client', tags=TAGS, depends=STARTS,
       hint="accept_client() reads the name the client sends first and replies exactly 'Welcome'.")
def test_welcome(tcp_server):
    """A client that sends a new name gets 'Welcome'."""
    tcp_server.join('alice')


@check('tcp.name_taken', weight=4, spec='3 ServerTCP.accept_client', tags=TAGS, depends=WELCOMES,
       hint="When the name is already in clients, reply 'Name already taken' and don't add the client.")
def test_name_taken(tcp_server):
    """A second 'alice' gets 'Name already taken'; the count stays 1 and the first alice still chats."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    impostor = tcp_server.connect('alice')
    impostor.expect('Name already taken')
    count = tcp_server.wait_count(2)
    assert count == 2, 'get_clients_number() is {} after a rejected join; it should stay 2'.format(count)
    tcp_server.say(alice, 'still here')
    bob.expect('alice: still here')


@check('tcp.join_broadcast', weight=4, spec='3 ServerTCP.accept_client, broadcast', tags=TAGS,
       depends=WELCOMES, hint="After welcoming x, broadcast 'User x joined' to every other client.")
def test_join_broadcast(tcp_server):
    """'User carol joined' reaches the clients already there, but not carol."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    carol = tcp_server.join('carol')
    alice.expect('User carol joined')
    bob.expect('User carol joined')
    carol.expect_silence('User carol joined')
    assert 'User carol joined' not in carol.transcript, \
        'carol received her own join: {}'.format(show(carol.transcript))


@check('tcp.chat_broadcast', weight=6, spec='3 ServerTCP.broadcast', tags=TAGS, depends=WELCOMES,
       hint="Relay a chat message as '{name}: {message}' to every client except its sender.")
def test_chat_broadcast(tcp_server):
    """'bob: hello everyone' reaches every other client and never bob."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    tcp_server.say(bob, 'hello everyone')
    alice.expect('bob: hello everyone')
    carol.expect('bob: hello everyone')
    bob.expect_silence('hello everyone')


@check('tcp.commands_whole_message', weight=2, spec='3 ServerTCP.handle_client', tags=TAGS,
       depends=['tcp.chat_broadcast'],
       hint="'exit' and 'join' are commands only as the whole message: 'I will join later' is chat.")
def test_commands_only_as_whole_message(tcp_server):
    """Chat that merely contains 'join' or 'exit' is relayed as chat."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    tcp_server.say(bob, 'I will join later')
    alice.expect('bob: I will join later')
    tcp_server.say(bob, 'where is the exit')
    alice.expect('bob: where is the exit')
    assert tcp_server.count() == 2, 'a chat message containing a command word changed the count'


@check('tcp.exit', weight=5, spec='3 ServerTCP.handle_client, close_client', tags=TAGS, depends=WELCOMES,
       hint="On 'exit', broadcast 'User x left' to the others, remove x from clients and close its socket.")
def test_exit_announced(tcp_server):
    """When bob sends 'exit', the others get 'User bob left' and the count drops."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    tcp_server.say(bob, 'exit')
    alice.expect('User bob left')
    carol.expect('User bob left')
    count = tcp_server.wait_count(2)
    assert count == 2, 'get_clients_number() is {} after bob left; it should be 2'.format(count)


@check('tcp.name_reusable', weight=3, spec='3 ServerTCP.close_client', tags=TAGS, depends=['tcp.exit'],
       hint='close_client() must remove the name from clients, so that it can be used again.')
def test_name_reusable_after_leaving(tcp_server):
    """After bob left, a new client can join as 'bob'."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    tcp_server.say(bob, 'exit')
    alice.expect('User bob left')
    tcp_server.join('bob')
    alice.expect('User bob joined')


@check('tcp.count', weight=3, spec='3 ServerTCP.get_clients_number', tags=TAGS, depends=WELCOMES,
       hint='Return len(self.clients); add a client only when welcomed and remove it when it leaves.')
def test_clients_number(tcp_server):
    """get_clients_number() follows joins, a rejected join and a leave: 0, 1, 2, 2, 1."""
    seen = [tcp_server.count()]
    alice = tcp_server.join('alice')
    seen.append(tcp_server.wait_count(1))
    bob = tcp_server.join('bob')
    alice.expect('User bob joined')
    seen.append(tcp_server.wait_count(2))
    tcp_server.connect('bob').expect('Name already taken')
    seen.append(tcp_server.wait_count(2))
    tcp_server.say(bob, 'exit')
    alice.expect('User bob left')
    seen.append(tcp_server.wait_count(1))
    assert seen == [0, 1, 2, 2, 1], 'get_clients_number() gave {}, expected [0, 1, 2, 2, 1]'.format(seen)


@check('tcp.close_client', weight=3, spec='3 ServerTCP.close_client', tags=TAGS, depends=WELCOMES,
       hint='close_client(sock) returns True when sock was a client (and removes and closes it), else False.')
def test_close_client(tcp_server):
    """close_client() returns True for a client's socket (and closes it) and False for a stranger's."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    result = tcp_server.call('close_client', {'$client_socket': 'bob'})['value']
    assert result is True, 'close_client(<bob\'s socket>) returned {!r}, expected True'.format(result)
    assert bob.wait_closed(), 'bob\'s connection is still open after close_client()'
    assert tcp_server.wait_count(1) == 1, 'bob is still counted after close_client()'
    result = tcp_server.call('close_client', {'$fresh_socket': 'tcp'})['value']
    assert result is False, 'close_client(<a socket that is not a client>) returned {!r}, expected False'.format(
        result)


@check('tcp.broadcast_method', weight=3, spec='3 ServerTCP.broadcast', tags=TAGS, depends=WELCOMES,
       hint="broadcast(sock, 'join'|'exit'|text) formats with the sender's name and skips the sender.")
def test_broadcast_method(tcp_server):
    """broadcast(alice's socket, message) formats 'join', 'exit' and chat, and skips alice."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    for message, expected in (('hi from the server', 'alice: hi from the server'), ('join', 'User alice joined'),
                              ('exit', 'User alice left')):
        tcp_server.call('broadcast', {'$client_socket': 'alice'}, message)
        bob.expect(expected)
    alice.expect_silence('alice')


@check('tcp.shutdown_run_event', weight=6, spec='3 ServerTCP.run, shutdown', tags=TAGS, depends=WELCOMES,
       hint="When run_event is set, run() calls shutdown(): 'server-shutdown' to every client, close all "
            "sockets, return. Poll with select() and a timeout so that run() notices the event.")
def test_shutdown_by_run_event(tcp_server, credit):
    """Setting run_event stops run(): every client gets 'server-shutdown', sockets close, the port is freed."""
    joined = tcp_server.join_all('alice', 'bob', 'carol')
    fraction = tcp_server.stop_with_event()
    assert fraction > 0, 'run() did not return within 3s of run_event.set()'
    credit(fraction)
    for peer in joined:
        peer.expect('server-shutdown')
    for peer in joined:
        assert peer.wait_closed(), '{}\'s connection was not closed after shutdown'.format(peer.label)
    assert tcp_server.port_released(), 'the server still accepts connections after run() returned'


@check('tcp.shutdown_sigint', weight=5, spec='3 ServerTCP.run, shutdown', tags=TAGS, depends=WELCOMES,
       hint="Catch KeyboardInterrupt in run() and call shutdown().")
def test_shutdown_by_ctrl_c(tcp_server):
    """Ctrl-C (SIGINT) stops run(): every client gets 'server-shutdown' and the port is freed."""
    joined = tcp_server.join_all('alice', 'bob')
    assert tcp_server.stop_with_sigint(), 'run() did not return within 2s of SIGINT'
    for peer in joined:
        peer.expect('server-shutdown')
    assert tcp_server.port_released(), 'the server still accepts connections after run() returned'


@check('tcp.twenty_clients', weight=4, spec='3 ServerTCP.run', tags=TAGS, depends=['tcp.chat_broadcast'],
       hint='Handle each client in its own thread (or with select) so that many can be connected at once.')
def test_twenty_clients(tcp_server):
    """20 clients join at once; all are welcomed and one message reaches the 19 others."""
    names = ['user{:02d}'.format(i) for i in range(20)]
    joined, errors = tcp_server.join_at_once(names)
    assert not errors, '{} of 20 clients were not welcomed; first: {}'.format(len(errors), errors[0])
    count = tcp_server.wait_count(20)
    assert count == 20, 'get_clients_number() is {} with 20 clients connected'.format(count)
    tcp_server.say(joined['user00'], 'hello all')
    for name in names[1:]:
        joined[name].expect('user00: hello all', within=5.0)
