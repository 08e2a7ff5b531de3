"""ServerUDP, driven by fake raw UDP clients (assignment section 4).

Each check judges its own subject with the assignment's exact texts; setting up (joining, chatting,
leaving) speaks the server's dialect (harness/probe.py): a server that answers 'join:alice' rather than
'alice:join' fails udp.welcome, and the other checks are judged speaking 'join:alice' (noted)."""

from harness import leniency
from harness.catalog import check

TAGS = ['ServerUDP']
STARTS = ['structure.ServerUDP']

WIRE = "The UDP client sends '{client_name}:{text}': 'alice:join', 'alice:hello', 'alice:exit'."
RUN_JOIN = "If a client sends a message 'join', the accept_client() method is called to add the client to the chatroom."
RUN_EXIT = "If a client sends a message 'exit', the close_client() method is called to remove the client."
RUN_CHAT = ("For any other message, it is appended to the server's message list if the client is already in the "
            "chatroom. The server then broadcasts the message to all connected clients using the broadcast() method.")
BROADCAST = ("This method broadcasts the most recent message in the messages list to all connected clients in "
             "clients except for the client who sent the message.")
RELAY = "UDP chat relay: '{name}: {text}' (the TCP format) or the datagram as received, '{name}:{text}'."
CLOSE_CLIENT = ("This method removes a client from the chatroom by deleting their entry from the clients dictionary "
                "and appending a tuple containing the client's address client_addr and 'User {x} left', where x is "
                "the client's name, to the messages list. It then calls the broadcast() method to broadcast this "
                "message to all connected clients.")


def _messages(udp_server):
    """ServerUDP.messages as a list of (address, text) pairs; anything else is reported as it is."""
    state = udp_server.get('messages')
    assert state['type'] == 'list', 'messages should be a list, is a {}'.format(state['type'])
    pairs = []
    for item in state['items']:
        parts = item.get('tuple') if isinstance(item, dict) else None
        assert parts is not None and len(parts) == 2, \
            'each entry of messages should be a tuple (client address, message); found {!r}'.format(item)
        address = parts[0].get('tuple') if isinstance(parts[0], dict) else parts[0]
        pairs.append((tuple(address) if isinstance(address, (list, tuple)) else address, parts[1]))
    return pairs


@check('udp.welcome', weight=4, spec='4 ServerUDP.accept_client, run', tags=TAGS, depends=STARTS,
       rests_on=("Sends a 'Welcome' message to the client.", RUN_JOIN, WIRE,
                 "If the response is 'Welcome', the connection is considered successful"),
       hint="On a datagram '{name}:join' from a new name, reply 'Welcome' to its address.")
def test_welcome(udp_server):
    """A client that sends 'alice:join' gets 'Welcome'."""
    udp_server.join('alice', strict=True)


@check('udp.name_taken', weight=4, spec='4 ServerUDP.accept_client', tags=TAGS, depends=STARTS,
       rests_on=("If the name is already in use, the method sends a 'Name already taken' message to the client "
                 "and returns False.",),
       hint="When the name is already in clients, reply 'Name already taken' and don't add the client.")
def test_name_taken(udp_server):
    """A second 'alice' (another address) gets 'Name already taken'; the count stays 1."""
    udp_server.join('alice')
    udp_server.connect('alice').expect('Name already taken')
    count = udp_server.wait_count(1)
    assert count == 1, 'get_clients_number() is {} after a rejected join; it should stay 1'.format(count)


@check('udp.join_broadcast', weight=4, spec='4 ServerUDP.accept_client, broadcast', tags=TAGS, depends=STARTS,
       rests_on=("Appends a tuple containing the client's address client_addr and 'User {x} joined' to the "
                 "messages list, where x is the client's name.", BROADCAST),
       hint="After welcoming x, append (addr, 'User x joined') to messages and broadcast it.")
def test_join_broadcast(udp_server):
    """'User bob joined' reaches alice but not bob, and messages holds (bob's address, 'User bob joined')."""
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    alice.expect('User bob joined')
    bob.expect_silence('User bob joined')
    assert 'User bob joined' not in bob.datagrams, 'bob received his own join: {}'.format(bob.datagrams)
    entries = _messages(udp_server)
    assert any(text == 'User bob joined' and addr == bob.address for addr, text in entries), \
        'messages should hold ({}, \'User bob joined\'); it holds {}'.format(bob.address, entries[-5:])


@check('udp.chat_broadcast', weight=6, spec='4 ServerUDP.run, broadcast', tags=TAGS, depends=STARTS,
       rests_on=(RUN_CHAT, BROADCAST, RELAY),
       hint="Relay 'bob:hello' from a joined client to every other client, never back to its sender.")
def test_chat_broadcast(udp_server):
    """'bob:hello everyone' is relayed to every other client and never to bob; messages records it."""
    alice, bob, carol = udp_server.join_all('alice', 'bob', 'carol')
    udp_server.say(bob, 'hello everyone')
    for peer in (alice, carol):
        got = peer.expect_any(leniency.udp_chat_texts('bob', 'hello everyone'))
        if got != 'bob: hello everyone':
            leniency.note(leniency.udp_relay_as_received(got))
    bob.expect_silence('hello everyone')
    entries = _messages(udp_server)
    assert any(addr == bob.address and leniency.messages_text_matches(text, 'bob', 'hello everyone')
               for addr, text in entries), \
        'messages should hold (bob\'s address, bob\'s message); it holds {}'.format(entries[-5:])


@check('udp.commands_whole_text', weight=2, spec='4 ServerUDP.run', tags=TAGS, depends=STARTS,
       rests_on=("'join' and 'exit' are commands only as the whole message (TCP) or the whole text after the name "
                 "(UDP): 'I will join later' is chat.",),
       hint="'join' and 'exit' are commands only as the whole text after the name: 'I will join later' is chat.")
def test_commands_only_as_whole_text(udp_server):
    """'bob:I will join later', 'bob:exit now', 'bob:Exit' are chat, not commands."""
    alice, bob = udp_server.join_all('alice', 'bob')
    for text in ('I will join later', 'where is the exit', 'exit now', 'join us', 'Exit'):
        udp_server.say(bob, text)
        udp_server.expect_chat(alice, 'bob', text)
    assert udp_server.count() == 2, 'a chat message containing a command word changed the count'


@check('udp.exit', weight=5, spec='4 ServerUDP.close_client, run', tags=TAGS, depends=STARTS,
       rests_on=(RUN_EXIT, CLOSE_CLIENT),
       hint="On '{name}:exit', remove the client, append (addr, 'User x left') and broadcast it.")
def test_exit_announced(udp_server):
    """When bob sends 'bob:exit', the others get 'User bob left' and the count drops."""
    alice, bob, carol = udp_server.join_all('alice', 'bob', 'carol')
    udp_server.say(bob, 'exit')
    alice.expect('User bob left')
    carol.expect('User bob left')
    count = udp_server.wait_count(2)
    assert count == 2, 'get_clients_number() is {} after bob left; it should be 2'.format(count)


@check('udp.name_reusable', weight=2, spec='4 ServerUDP.close_client', tags=TAGS, depends=STARTS,
       rests_on=(CLOSE_CLIENT, 'A check that reuses a name waits until the count has dropped.'),
       hint='close_client() must delete the client from clients so that its name can be used again.')
def test_name_reusable_after_leaving(udp_server):
    """After bob left (and the count dropped), a new client can join as 'bob'."""
    alice, bob = udp_server.join_all('alice', 'bob')
    udp_server.leave(bob)
    count = udp_server.wait_count(1)
    assert count == 1, 'get_clients_number() is {} after bob left; it should be 1'.format(count)
    udp_server.join('bob')


@check('udp.strangers_ignored', weight=3, spec='4 ServerUDP.run', tags=TAGS, depends=STARTS,
       rests_on=(RUN_CHAT,),
       hint='Only relay messages from addresses in clients; ignore datagrams from anybody else.')
def test_strangers_ignored(udp_server):
    """A datagram from an address that never joined is not relayed, and the server keeps working."""
    alice, bob = udp_server.join_all('alice', 'bob')
    stranger = udp_server.stranger('mallory')
    udp_server.say(stranger, 'let me in')
    udp_server.say(bob, 'still working')
    udp_server.expect_chat(alice, 'bob', 'still working')
    alice.expect_silence('let me in')
    leaked = [got for got in alice.datagrams if 'let me in' in got]
    assert not leaked, "the stranger's datagram was relayed to alice: {}".format(leaked)
    assert udp_server.count() == 2, 'a stranger\'s datagram changed the count'


@check('udp.latest_only', weight=3, spec='4 ServerUDP.broadcast', tags=TAGS, depends=STARTS,
       rests_on=(BROADCAST,),
       hint='broadcast() sends only the most recent entry of messages (messages[-1]), not the whole list.')
def test_broadcast_sends_latest_only(udp_server):
    """Calling broadcast() sends the most recent message once more, and nothing older."""
    alice, bob = udp_server.join_all('alice', 'bob')
    udp_server.say(bob, 'first')
    udp_server.expect_chat(alice, 'bob', 'first')
    udp_server.say(bob, 'second')
    latest = udp_server.expect_chat(alice, 'bob', 'second')
    mark = alice.cursor
    udp_server.call('broadcast')
    try:
        alice.expect(latest)
    except AssertionError:
        raise AssertionError('after broadcast(), alice should receive {!r} once more; she received {!r}'.format(
            latest, alice.datagrams[mark:])) from None
    alice.read_for(0.1)
    received = alice.datagrams[mark:]
    assert received == [latest], 'after broadcast(), alice should receive {!r} once more and nothing else; ' \
        'she received {!r}'.format(latest, received)


@check('udp.count_and_close_client', weight=3, spec='4 ServerUDP.get_clients_number, close_client', tags=TAGS,
       depends=STARTS,
       rests_on=('This method returns the number of currently connected clients by returning the length of the '
                 'clients dictionary.', 'The method returns True if the client was successfully removed, otherwise '
                                        'False.'),
       hint='close_client(addr) returns True for a client\'s address (and announces it), else False.')
def test_count_and_close_client(udp_server):
    """get_clients_number() follows joins; close_client() is True for a client and False for a stranger."""
    assert udp_server.count() == 0, 'get_clients_number() should start at 0'
    alice, bob = udp_server.join_all('alice', 'bob')
    assert udp_server.wait_count(2) == 2, 'get_clients_number() should be 2 with two clients'
    result = udp_server.call('close_client', {'$client_addr': 'bob'})['value']
    assert result is True, 'close_client(<bob\'s address>) returned {!r}, expected True'.format(result)
    assert udp_server.wait_count(1) == 1, 'bob is still counted after close_client()'
    result = udp_server.call('close_client', {'$addr': ['127.0.0.1', 9]})['value']
    assert result is False, 'close_client(<an address that is not a client>) returned {!r}, expected False'.format(
        result)


@check('udp.shutdown', weight=5, spec='4 ServerUDP.run, shutdown', tags=TAGS, depends=STARTS,
       rests_on=("The server continues to run until a KeyboardInterrupt is detected or an error occurs, at which "
                 "point the shutdown() method is invoked to stop the server.",
                 "This method shuts down the server by sending a 'server-shutdown' message to all connected clients "
                 "and then closing their connections (close_client() method can be called for this). It then "
                 "closes the server socket to stop listening for incoming messages.",
                 'Ctrl-C is delivered the way a person delivers it: while the program waits in its loop (a client '
                 'blocked on input, a server idle), not in the middle of a send.'),
       hint="Catch KeyboardInterrupt in run() and call shutdown(): 'server-shutdown' to every client.")
def test_shutdown_by_ctrl_c(udp_server):
    """Ctrl-C (SIGINT) stops run(): every joined client gets 'server-shutdown' and the port is freed."""
    joined = udp_server.join_all('alice', 'bob', 'carol')
    assert udp_server.stop_with_sigint(), 'run() did not return within 2s of SIGINT'
    for peer in joined:
        udp_server.expect_shutdown(peer, [other.label for other in joined if other is not peer])
    assert udp_server.port_released(), 'the UDP port is still bound after run() returned'


INSTANCES = ("__init__ creates each object's own state: two ServerTCP (or ServerUDP) objects in one process, on two "
             "ports, share no clients and no messages (students' own test fixtures create one server per test).")
UDP_INIT = ("This method initializes the server socket, binds it to the local address and the specified server port "
            "server_port, and sets up the clients dictionary to keep track of connected clients.")


@check('udp.independent_instances', weight=2, spec='4 ServerUDP.__init__', tags=TAGS, depends=STARTS,
       rests_on=(UDP_INIT, INSTANCES),
       hint='Create every piece of state in __init__ (self.clients = {}, self.messages = []): a class attribute, '
            'a module-level dict or list, or a default argument is shared by every ServerUDP of the program.')
def test_independent_instances(udp_server):
    """Two ServerUDP objects in one program share no clients and no messages."""
    other = udp_server.another()
    before = other.get('messages').get('len')
    alice, bob = udp_server.join_all('alice', 'bob')
    count = other.wait_count(0, within=0.5)
    assert count == 0, 'a second ServerUDP of the same program counts {} clients: the two share their clients ' \
                       '(alice and bob joined the first)'.format(count)
    messages = other.get('messages')
    assert messages.get('len') == before, "the second ServerUDP's messages grew to {} when alice and bob joined " \
                                          "the first: the two share their messages".format(messages.get('repr'))
    elsewhere = other.join('alice')            # the name is taken on the first server only
    assert other.wait_count(1) == 1 and udp_server.wait_count(2) == 2, 'the counts are {} and {}, not 2 and 1'.format(
        udp_server.count(), other.count())
    udp_server.say(alice, 'only in the first room')
    udp_server.expect_chat(bob, 'alice', 'only in the first room')
    elsewhere.expect_silence('only in the first room')


ADDRESS = ("A UDP client is its address. clients maps addresses to names: whatever name a datagram claims, only the "
           "address decides whether it comes from a member, and which member.")


@check('udp.address_is_identity', weight=3, spec='4 ServerUDP.run, broadcast', tags=TAGS, depends=STARTS,
       rests_on=(ADDRESS, "This method broadcasts the most recent message in the messages list to all connected "
                          "clients in clients except for the client who sent the message."),
       hint='Look up the sender by its address (clients[addr]), never by the name in the datagram: a datagram from '
            'an address that is no client is ignored, whatever name it claims, and a member\'s goes to everyone '
            'but that member.')
def test_address_is_identity(udp_server):
    """Only the address tells who speaks: bob claiming alice's name is bob (relayed to alice and carol, under bob's
    name or as received); a stranger claiming alice's name is ignored, as one claiming a name nobody holds."""
    alice, bob, carol = udp_server.join_all('alice', 'bob', 'carol')
    bob.send_raw(udp_server.dialect.chat_datagram('alice', 'bob speaking'))
    as_received = udp_server.dialect.chat_datagram('alice', 'bob speaking')
    for listener in (alice, carol):
        got = listener.expect_any(udp_server.chat_texts('bob', 'bob speaking') + (as_received,))
        if got == as_received:
            leniency.note(leniency.claimed_name_relayed(got))
    # bob hearing his own line is udp.chat_broadcast's subject, not this check's
    stranger = udp_server.stranger('alice')
    stranger.send_raw(udp_server.dialect.chat_datagram('mallory', 'who am I'))    # a name nobody holds
    stranger.send_raw(udp_server.dialect.chat_datagram('alice', 'I am alice, honestly'))
    stranger.send_raw(udp_server.dialect.chat_datagram('alice', 'exit'))
    udp_server.say(carol, 'over')     # handled after the stranger's datagrams, which came first
    udp_server.expect_chat(bob, 'carol', 'over', after_others=True)
    assert udp_server.count() == 3, "a stranger's 'alice:exit' changed the count (to {}): alice was removed by the " \
                                    'name it claimed'.format(udp_server.count())
    heard = [got for peer in (alice, bob, carol) for got in peer.datagrams]
    claimed = [got for got in heard if 'honestly' in got]
    if claimed and any('who am I' in got for got in heard):
        leniency.note(leniency.strangers_relayed_elsewhere())
    else:
        assert not claimed, "a stranger's datagram claiming alice's name was relayed ({}), while one claiming a " \
                            'name nobody holds was not: the name it claimed let it in'.format(claimed[0])


@check('udp.accept_client_returns', weight=2, spec='4 ServerUDP.accept_client', tags=TAGS, depends=STARTS,
       rests_on=("If the name is already in use, the method sends a 'Name already taken' message to the client and "
                 "returns False.", 'calls the broadcast() method to broadcast the message to all connected clients '
                                   'and then returns True.'),
       hint='accept_client() returns True after welcoming a new name and False (not None) after refusing one.')
def test_accept_client_returns(idle_udp_server):
    """accept_client(addr, message), called on its own, returns True for a new name and False for a taken one."""
    fault = idle_udp_server.accept_returns_fault()
    assert fault is None, fault
