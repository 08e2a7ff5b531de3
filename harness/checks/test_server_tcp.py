"""ServerTCP, driven by fake raw TCP clients (assignment section 3).

Each check judges its own subject with the assignment's exact texts; setting up (joining, waiting for
announcements, leaving) speaks the server's dialect (harness/probe.py), so that one wrong text costs the
checks about that text and no others (judgement-calls.md, "One fault, its own checks")."""

import pytest

from harness import leniency
from harness.catalog import check
from harness.peers import show
from harness.runner import CallFailed

TAGS = ['ServerTCP']
STARTS = ['structure.ServerTCP']
# Chat that holds a command word where a command is compared loosely (inside, at the start, another case).
COMMAND_LIKE = ('I will join later', 'where is the exit', 'exit now', 'join us', 'Exit')

WELCOME = "Sends a 'Welcome' message to the client."
NAME_TAKEN = ("If the name is already in the clients dictionary, the method sends a 'Name already taken' message "
              "to the client and returns False.")
JOIN_TEXT = "If message is 'join', the broadcast message will be 'User {x} joined'."
EXIT_TEXT = "If it's 'exit', the broadcast message will be 'User {x} left'."
CHAT_TEXT = "For any other message, the broadcast message format will be '{x}: {message}'"
NOT_SENDER = ("This broadcast message is then sent to all connected clients except for the one who sent it, "
              "represented by client_socket_sent.")
HANDLE_EXIT = ("The received message is decoded and broadcasted to all other clients using the broadcast() method. "
               "The method also handles breaking the loop and closing the client's connection if the received "
               "message is 'exit'.")
CLOSE_CLIENT = ("This method closes the connection for a given client socket by removing the user from the clients "
                "dictionary and closing the socket.")
COUNT = ("This method returns the number of currently connected clients by simply returning the length of the "
         "clients dictionary.")
RUN_STOPS = ("The server will keep running in this way until it receives a KeyboardInterrupt or the run_event is "
             "set, at which point the shutdown method is invoked to stop the server.")
SHUTDOWN = ("This method shuts down the server by sending a 'server-shutdown' message to all connected clients. "
            "It then proceeds to close all client sockets, sets the run_event and handle_event to stop the "
            "server's operation, and finally closes the server socket.")


@check('tcp.welcome', weight=4, spec='3 ServerTCP.accept_client', tags=TAGS, depends=STARTS,
       rests_on=(WELCOME, "Greeting: the client side only requires that the reply contains 'Welcome' (TCP)"),
       hint="accept_client() reads the name the client sends first and replies exactly 'Welcome'.")
def test_welcome(tcp_server):
    """A client that sends a new name gets 'Welcome'."""
    tcp_server.join('alice', strict=True)


@check('tcp.name_taken', weight=4, spec='3 ServerTCP.accept_client', tags=TAGS, depends=STARTS,
       rests_on=(NAME_TAKEN,),
       hint="When the name is already in clients, reply 'Name already taken' and don't add the client.")
def test_name_taken(tcp_server):
    """A second 'alice' gets 'Name already taken'; the count stays 2 and the first alice still chats."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    impostor = tcp_server.connect('alice')
    impostor.expect('Name already taken')
    count = tcp_server.wait_count(2)
    assert count == 2, 'get_clients_number() is {} after a rejected join; it should stay 2'.format(count)
    tcp_server.say(alice, 'still here')
    tcp_server.expect_chat(bob, 'alice', 'still here')


@check('tcp.join_broadcast', weight=4, spec='3 ServerTCP.accept_client, broadcast', tags=TAGS, depends=STARTS,
       rests_on=('Broadcasts a message indicating that the user has joined.', JOIN_TEXT, NOT_SENDER),
       hint="After welcoming x, broadcast 'User x joined' to every other client.")
def test_join_broadcast(tcp_server):
    """'User carol joined' reaches the clients already there, but not carol."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    carol = tcp_server.join('carol')
    alice.expect('User carol joined')
    bob.expect('User carol joined')
    carol.expect_silence('User carol joined')
    assert 'User carol joined' not in carol.transcript, \
        'carol received her own join: {}'.format(show(carol.transcript))


@check('tcp.chat_broadcast', weight=6, spec='3 ServerTCP.broadcast', tags=TAGS, depends=STARTS,
       rests_on=(CHAT_TEXT, NOT_SENDER),
       hint="Relay a chat message as '{name}: {message}' to every client except its sender.")
def test_chat_broadcast(tcp_server):
    """'bob: hello everyone' reaches every other client and never bob."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    tcp_server.say(bob, 'hello everyone')
    alice.expect('bob: hello everyone')
    carol.expect('bob: hello everyone')
    bob.expect_silence('hello everyone')


@check('tcp.commands_whole_message', weight=2, spec='3 ServerTCP.handle_client', tags=TAGS, depends=STARTS,
       rests_on=("'join' and 'exit' are commands only as the whole message (TCP) or the whole text after the name "
                 "(UDP): 'I will join later' is chat.",),
       hint="'exit' and 'join' are commands only as the whole message: 'I will join later' is chat.")
def test_commands_only_as_whole_message(tcp_server):
    """Chat that merely contains 'join' or 'exit', or is one in another case, is relayed as chat."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    for text in COMMAND_LIKE:
        tcp_server.say(bob, text)
        tcp_server.expect_chat(alice, 'bob', text)
    assert tcp_server.count() == 2, 'a chat message containing a command word changed the count'


@check('tcp.exit', weight=5, spec='3 ServerTCP.handle_client, close_client', tags=TAGS, depends=STARTS,
       rests_on=(HANDLE_EXIT, EXIT_TEXT, CLOSE_CLIENT,
                 "Leave order is free. handle_client's text broadcasts 'exit' (→ 'User x left') and then closes, "
                 "so the name may still be held for a moment after the announcement"),
       hint="On 'exit', broadcast 'User x left' to the others, remove x from clients and close its socket.")
def test_exit_announced(tcp_server):
    """When bob sends 'exit', the others get 'User bob left' and the count drops."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    tcp_server.say(bob, 'exit')
    alice.expect('User bob left')
    carol.expect('User bob left')
    count = tcp_server.wait_count(2)
    assert count == 2, 'get_clients_number() is {} after bob left; it should be 2'.format(count)


@check('tcp.name_reusable', weight=3, spec='3 ServerTCP.close_client', tags=TAGS, depends=STARTS,
       rests_on=(CLOSE_CLIENT, 'A check that reuses a name waits until the count has dropped.'),
       hint='close_client() must remove the name from clients, so that it can be used again.')
def test_name_reusable_after_leaving(tcp_server):
    """After bob left (and the count dropped), a new client can join as 'bob'."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    tcp_server.leave(bob)
    count = tcp_server.wait_count(1)
    assert count == 1, 'get_clients_number() is {} after bob left; it should be 1'.format(count)
    tcp_server.join('bob')


@check('tcp.count', weight=3, spec='3 ServerTCP.get_clients_number', tags=TAGS, depends=STARTS,
       rests_on=(COUNT, NAME_TAKEN, CLOSE_CLIENT),
       hint='Return len(self.clients); add a client only when welcomed and remove it when it leaves.')
def test_clients_number(tcp_server):
    """get_clients_number() follows joins, a rejected join and a leave: 0, 1, 2, 2, 1."""
    seen = [tcp_server.count()]
    tcp_server.join('alice')
    seen.append(tcp_server.wait_count(1))
    bob = tcp_server.join('bob')
    seen.append(tcp_server.wait_count(2))
    tcp_server.expect_taken(tcp_server.connect('bob'), 'bob')
    seen.append(tcp_server.wait_count(2))
    tcp_server.leave(bob)
    seen.append(tcp_server.wait_count(1))
    assert seen == [0, 1, 2, 2, 1], 'get_clients_number() gave {}, expected [0, 1, 2, 2, 1]'.format(seen)


@check('tcp.close_client', weight=3, spec='3 ServerTCP.close_client', tags=TAGS, depends=STARTS,
       rests_on=(CLOSE_CLIENT, 'It returns True if the client was successfully removed, otherwise False.'),
       hint='close_client(sock) returns True when sock was a client (and removes and closes it), else False.')
def test_close_client(tcp_server):
    """close_client() returns True for a client's socket (and closes it) and False for a stranger's."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    result = tcp_server.call('close_client', {'$client_socket': 'bob'})
    assert result['value'] is True, 'close_client(<bob\'s socket>) returned {!r}, expected True'.format(
        result['value'])
    assert tcp_server.client_socket_closed(bob, result), \
        'bob\'s connection is still open after close_client(): the socket was not closed'
    assert tcp_server.wait_count(1) == 1, 'bob is still counted after close_client()'
    result = tcp_server.call('close_client', {'$fresh_socket': 'tcp'})['value']
    assert result is False, 'close_client(<a socket that is not a client>) returned {!r}, expected False'.format(
        result)


@check('tcp.broadcast_method', weight=3, spec='3 ServerTCP.broadcast', tags=TAGS, depends=STARTS,
       rests_on=(JOIN_TEXT, EXIT_TEXT, CHAT_TEXT, NOT_SENDER),
       hint="broadcast(sock, 'join'|'exit'|text) formats with the sender's name and skips the sender.")
def test_broadcast_method(tcp_server):
    """broadcast(alice's socket, message) formats 'join', 'exit' and chat, and skips alice."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    for message, expected in (('hi from the server', 'alice: hi from the server'), ('join', 'User alice joined'),
                              ('exit', 'User alice left')):
        tcp_server.call('broadcast', {'$client_socket': 'alice'}, message)
        bob.expect(expected)
    alice.expect_silence('alice')


@check('tcp.shutdown_run_event', weight=6, spec='3 ServerTCP.run, shutdown', tags=TAGS, depends=STARTS,
       rests_on=(RUN_STOPS, SHUTDOWN,
                 'A server whose accept() blocks: run() must return within about 2 s of run_event.set(); if it '
                 'returns only after one more connection, give partial credit',
                 "A peer that sees no end-of-stream because a server thread is still blocked in recv() on that "
                 "socket (Linux sends no FIN until it returns) is accepted when 'server-shutdown' was delivered "
                 "and run() returned"),
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
    tcp_server.assert_closed_after_shutdown(joined)
    assert tcp_server.port_released(), 'the server still accepts connections after run() returned'


@check('tcp.shutdown_sigint', weight=5, spec='3 ServerTCP.run, shutdown', tags=TAGS, depends=STARTS,
       rests_on=(RUN_STOPS, SHUTDOWN,
                 'Ctrl-C is delivered the way a person delivers it: while the program waits in its loop (a client '
                 'blocked on input, a server idle), not in the middle of a send.'),
       hint="Catch KeyboardInterrupt in run() and call shutdown().")
def test_shutdown_by_ctrl_c(tcp_server):
    """Ctrl-C (SIGINT) stops run(): every client gets 'server-shutdown' and the port is freed."""
    joined = tcp_server.join_all('alice', 'bob')
    assert tcp_server.stop_with_sigint(), 'run() did not return within 2s of SIGINT'
    for peer in joined:
        peer.expect('server-shutdown')
    assert tcp_server.port_released(), 'the server still accepts connections after run() returned'


@check('tcp.twenty_clients', weight=4, spec='3 ServerTCP.run', tags=TAGS, depends=STARTS,
       rests_on=('Upon accepting a new connection, the server handles it while continuing to listen for other '
                 'incoming connections simultaneously.',),
       hint='Handle each client in its own thread (or with select) so that many can be connected at once.')
def test_twenty_clients(tcp_server):
    """20 clients join, one after another, and stay; one message reaches the 19 others."""
    names = ['user{:02d}'.format(i) for i in range(20)]
    joined = dict(zip(names, tcp_server.join_all(*names)))     # each joiner announced to every earlier one
    count = tcp_server.wait_count(20)
    assert count == 20, 'get_clients_number() is {} with 20 clients connected'.format(count)
    tcp_server.say(joined['user00'], 'hello all')
    for name in names[1:]:
        tcp_server.expect_chat(joined[name], 'user00', 'hello all', within=5.0)


INSTANCES = ("__init__ creates each object's own state: two ServerTCP (or ServerUDP) objects in one process, on two "
             "ports, share no clients and no messages (students' own test fixtures create one server per test).")
INIT = ("Initializes the clients dictionary to store the client addresses and names, and the run_event and "
        "handle_event threading events to control the server's running and message handling states.")


@check('tcp.independent_instances', weight=2, spec='3 ServerTCP.__init__', tags=TAGS, depends=STARTS,
       rests_on=(INIT, INSTANCES),
       hint='Create every piece of state in __init__ (self.clients = {}): a class attribute, a module-level '
            'dict or a default argument is shared by every ServerTCP of the program.')
def test_independent_instances(tcp_server):
    """Two ServerTCP objects in one program share no clients: each counts, welcomes and relays its own."""
    other = tcp_server.another()
    alice, bob = tcp_server.join_all('alice', 'bob')
    count = other.wait_count(0, within=0.5)
    assert count == 0, 'a second ServerTCP of the same program counts {} clients: the two share their clients ' \
                       '(alice and bob joined the first)'.format(count)
    elsewhere = other.join('alice')            # the name is taken on the first server only
    assert other.wait_count(1) == 1 and tcp_server.wait_count(2) == 2, 'the counts are {} and {}, not 2 and 1'.format(
        tcp_server.count(), other.count())
    tcp_server.say(alice, 'only in the first room')
    tcp_server.expect_chat(bob, 'alice', 'only in the first room')
    elsewhere.expect_silence('only in the first room')


ACCEPT_RETURNS = ("If the name is already in the clients dictionary, the method sends a 'Name already taken' message "
                  "to the client and returns False.", "Returns True if the client's name is unique.")


@check('tcp.accept_client_returns', weight=2, spec='3 ServerTCP.accept_client', tags=TAGS, depends=STARTS,
       rests_on=ACCEPT_RETURNS,
       hint='accept_client() returns True after welcoming a new name and False (not None) after refusing one.')
def test_accept_client_returns(idle_tcp_server):
    """accept_client(), called on its own, returns True for a new name and False for a taken one."""
    fault = idle_tcp_server.accept_returns_fault()
    assert fault is None, fault


@check('tcp.shutdown_sets_events', weight=1, spec='3 ServerTCP.shutdown', tags=TAGS, depends=STARTS,
       rests_on=(SHUTDOWN, 'The events mean stop when set: run_event/handle_event (server) and exit_run/exit_receive '
                           '(client) start cleared; setting them ends the loops.'),
       hint='shutdown() sets both run_event and handle_event (handle_event stops the client handlers).')
def test_shutdown_sets_events(idle_tcp_server):
    """shutdown(), called on its own (as a student's test does), sets run_event and handle_event."""
    idle_tcp_server.clear_events()
    try:
        idle_tcp_server.call('shutdown', timeout=leniency.RUN_STOP_WITHIN + 1)
    except CallFailed as error:
        pytest.fail('shutdown() raised {} before it could set the events'.format(error), pytrace=False)
    states = idle_tcp_server.events()
    unset = [name for name in ('run_event', 'handle_event') if not states.get(name)]
    assert not unset, 'after shutdown(), {} {} not set; the text says shutdown() sets run_event and ' \
                      'handle_event'.format(' and '.join(unset), 'is' if len(unset) == 1 else 'are')
