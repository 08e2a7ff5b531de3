"""The checks of ClientTCP and ClientUDP, written once: `client_checks('tcp')` returns the test functions
that harness/checks/test_client_tcp.py exposes (and 'udp' those of test_client_udp.py). The two classes
differ only in their wire format ('alice' / 'alice:join', 'hello' / 'alice:hello') and in a few words of
the assignment, kept in WORDS below.

The client is constructed as ClientTCP('alice', port) (or ClientUDP), where a scripted fake server
(harness/fakes.py) listens on `port`. The fake server never sends two messages back to back: it sends the
next one only once the client consumed the first (connect_server() returned, the client displayed it, or
it sent a line typed after it). Only the checks about the wire format (connect, send) judge the bytes the
client sends to join and to chat; the others accept what the client was seen to send (its dialect,
harness/probe.py), noted, so that one format fault costs those checks only.
"""

from harness.catalog import check

RECEIVE_SHUTDOWN = ("If the message is 'server-shutdown', which indicates that the server is shutting down, the "
                    "method sets the exit_run and exit_receive events to stop the client's operation and exits the "
                    "loop.")
DISPLAYED = 'Otherwise, the message is displayed to the user.'
DISPLAY_FREE = ('What a client displays is free, except that received chat and join/leave messages appear in its '
                'output')
RUN_CONNECTS = ('It first connects to the server using the connect_server() method. If successful, connection is '
                'established, and the method start to handle receiving messages from the server using the '
                'receive() method simultaneously with handling user input in the main loop.')
RUN_LINES = 'In this loop, the user can input the text to be sent as a message to the server using the send() method.'
RUN_ENDS = ("this loop continues until the exit_run event is set or the user types 'exit' or a KeyboardInterrupt is "
            "detected, at which point the client sends 'exit' message to the server to notify it of the client's "
            "leaving, sets the exit_receive event to stop the client's receiving operation and exits the loop.")
CTRL_C = ('Ctrl-C is delivered the way a person delivers it: while the program waits in its loop (a client blocked '
          'on input, a server idle), not in the middle of a send.')
INPUT_IN_MAIN = ("input() in the main thread is a reading note 9 invites: after 'server-shutdown' such a run() ends "
                 'only on the next line. That costs the lightly weighted "run() returns without more input" check '
                 'only (1 point per client class), nothing else.')
# A reply the text never gives, with no 'Welcome' in it: "Otherwise, it returns False". A client still
# waiting after it (for a reply it understands) is accepted, as connect_no_reply accepts silence.
OTHER_REPLY = 'Server full'
EARLY_MESSAGE = 'User bob joined'
EVENTS = ('The events mean stop when set: run_event/handle_event (server) and exit_run/exit_receive (client) start '
          'cleared; setting them ends the loops.')

WORDS = {
    'tcp': {
        'section': '3 ClientTCP.', 'kind': 'SOCK_STREAM', 'join': "'alice'", 'line': "'{line}'",
        'init': ("This method initializes a TCP socket as the client's socket client_socket, sets the server "
                 "address server_addr to the local machine's IP, initializes the client's name, and server port to "
                 "the given client_name and server_port parameters respectively. It also sets up threading events "
                 "to control the client's operation and message receiving loop."),
        'connect': ("then, it sends the client's name to the server and waits for a response. If the response "
                    "contains 'Welcome', it indicates that the client has successfully joined the chatroom. The "
                    "method returns True if the connection is successful; otherwise, it returns False."),
        'send': ('This method sends the given text to the server as a message. The message is encoded and then '
                 "transmitted through the client's socket client_socket."),
        'connect_hint': "connect_server() connects to (server_addr, server_port), sends the name exactly (no "
                        "newline) and returns True when the reply contains 'Welcome'.",
        'rejected_hint': "connect_server() returns False when the server's reply does not contain 'Welcome'.",
        'send_hint': 'send(text) sends text.encode() and nothing else: no newline, no name, no prefix.',
        'exit_hint': "When the user types 'exit', run() sends 'exit', sets exit_receive and returns.",
        'ctrl_c_hint': "Catch KeyboardInterrupt in run(): send 'exit', set exit_receive and return.",
    },
    'udp': {
        'section': '4 ClientUDP.', 'kind': 'SOCK_DGRAM', 'join': "'alice:join'", 'line': "'alice:{line}'",
        'init': ("This method initializes the client's UDP socket client_socket, sets the server address "
                 "server_addr to the local machine's IP, and initializes the client's name and server port based on "
                 "the provided client_name and server_port parameters. It also sets up threading events to manage "
                 "the client's operation and message receiving."),
        'connect': ("This method attempts to connect the client to the server by calling the send() method with a "
                    "message 'join'. The method waits for a response from the server. If the response is 'Welcome', "
                    "the connection is considered successful, and the method returns True. Otherwise, it returns "
                    "False."),
        'send': ("This method sends the given text to the server. The message's format that is sent to the server "
                 "is '{client_name}:{text}', where client_name is the client's name and text is the content to be "
                 "sent."),
        'connect_hint': "connect_server() calls send('join'), which sends exactly 'alice:join' to (server_addr, "
                        "server_port), and returns True when the reply is 'Welcome'.",
        'rejected_hint': "connect_server() returns False when the server's reply is not 'Welcome'.",
        'send_hint': "send(text) sends '{client_name}:{text}' exactly: 'alice:hello', no space, no newline.",
        'exit_hint': "When the user types 'exit', run() sends 'alice:exit' (send('exit')), sets exit_receive and "
                     "returns.",
        'ctrl_c_hint': "Catch KeyboardInterrupt in run(): send('exit') ('alice:exit'), set exit_receive and return.",
    },
}


def client_checks(protocol):
    """{test function name: check} for the client class of `protocol`."""
    words = WORDS[protocol]
    cls = 'ClientTCP' if protocol == 'tcp' else 'ClientUDP'
    prefix = 'client_' + protocol
    fixture = protocol + '_client'
    tags = [cls]
    starts = ['structure.' + cls]
    checks = {}

    def define(name, id, weight, section, rests_on, hint, depends=starts, tags=tags):
        def decorate(body):
            if fixture == 'tcp_client':      # the fixture by name, so that pytest and the scheduler see it
                def test(tcp_client):
                    return body(tcp_client)
            else:
                def test(udp_client):
                    return body(udp_client)
            test.__name__ = name
            test.__doc__ = body.__doc__
            checks[name] = check(prefix + '.' + id, weight=weight, spec=words['section'] + section, tags=tags,
                                 depends=depends, rests_on=rests_on, hint=hint)(test)
            return body
        return decorate

    @define('test_attributes', 'attributes', 3, '__init__', (words['init'], EVENTS),
            '__init__ sets server_addr = socket.gethostbyname(socket.gethostname()), server_port, client_name, a '
            '{} client_socket, and exit_run and exit_receive as cleared threading.Events.'.format(protocol.upper()))
    def attributes(client):
        """__init__('alice', port) sets server_addr, server_port, client_name, a socket and cleared events."""
        client.assert_attributes(words['kind'])

    @define('test_connect', 'connect', 4, 'connect_server', (words['connect'],), words['connect_hint'])
    def connect(client):
        """connect_server() connects, sends exactly its join and returns True on 'Welcome'."""
        client.assert_connect_returns('Welcome', True, strict=True)

    @define('test_connect_rejected', 'connect_rejected', 3, 'connect_server', (words['connect'],),
            words['rejected_hint'])
    def connect_rejected(client):
        """connect_server() returns False when the server replies 'Name already taken'."""
        client.assert_connect_returns('Name already taken', False)

    @define('test_connect_other_reply', 'connect_other_reply', 1, 'connect_server', (words['connect'],),
            "connect_server() returns True only when the reply {}; any other reply, not only 'Name already "
            "taken', means it did not join: return False.".format(
                "contains 'Welcome'" if protocol == 'tcp' else "is 'Welcome'"))
    def connect_other_reply(client):
        """connect_server() does not take a reply other than a welcome for one ('Server full')."""
        outcome = client.connect_unanswered(reply=OTHER_REPLY)
        assert outcome is not True, 'connect_server() returned True after {!r}; it should return False'.format(
            OTHER_REPLY)

    @define('test_connect_no_reply', 'connect_no_reply', 2, 'connect_server', (words['connect'],),
            "connect_server() returns True only on a reply that {}: waiting for one (for ever, or with a "
            "timeout after which it returns False) is fine.".format(
                "contains 'Welcome'" if protocol == 'tcp' else "is 'Welcome'"))
    def connect_no_reply(client):
        """connect_server() does not take silence for a welcome: it waits, or returns False."""
        outcome = client.connect_unanswered()
        assert outcome is not True, 'connect_server() returned True though the server never answered'

    if protocol == 'tcp':       # a UDP client cannot tell that nobody listens: that is connect_no_reply
        @define('test_connect_no_server', 'connect_no_server', 1, 'connect_server',
                ('The method returns True if the connection is successful; otherwise, it returns False.',),
                'connect_server() returns False when nothing listens at the port: catch the error connect() '
                'raises (ConnectionRefusedError) instead of letting it end the program.')
        def connect_no_server(client):
            """connect_server() returns False when no server listens at the port."""
            outcome = client.connect_refused()
            assert outcome is not True, 'connect_server() returned True though no server listens at the port'

    @define('test_send', 'send', 4, 'send', (words['send'],), words['send_hint'])
    def send(client):
        """send(text) puts exactly the assignment's message on the wire."""
        client.connect()
        for text in ('hello there', 'how are you?'):
            client.call('send', text)
            client.expect_sent(text, strict=True)

    @define('test_receive_shows', 'receive_shows', 3, 'receive', (DISPLAYED, DISPLAY_FREE),
            'receive() loops until exit_receive is set, and prints each message the server sends.')
    def receive_shows(client):
        """receive() displays each message the server sends (over UDP, two that wait together too)."""
        client.connect()
        if client.protocol == 'udp':
            # A datagram keeps its bounds: two that lie unread together when receive() begins are two
            # messages, each displayed (a loop that reads all that waits and shows only the last one is not).
            mark = client.output_mark()
            waiting = ('bob: the first of two', 'carol: the second of two')
            for message in waiting:
                client.reply(message)
            client.start_call('receive')
            for message in waiting:
                assert client.shows(message, since=mark), client.not_shown(message, since=mark) + \
                    ' (the two messages reached the client before receive() began)'
        else:
            client.start_call('receive')
        for message in ('bob: hi alice', 'User carol joined'):
            mark = client.output_mark()
            client.reply(message)
            assert client.shows(message, since=mark), client.not_shown(message, since=mark)

    @define('test_receive_shutdown', 'receive_shutdown', 4, 'receive', (RECEIVE_SHUTDOWN,),
            "When receive() gets 'server-shutdown', it sets exit_run and exit_receive and returns.")
    def receive_shutdown(client):
        """On 'server-shutdown', receive() sets exit_run and exit_receive and returns."""
        client.connect()
        client.clear_events()
        receiving = client.start_call('receive')
        client.reply('server-shutdown')
        client.outcome(receiving, 2.0, "receive(), after 'server-shutdown',", ends=True)
        client.assert_events_set("receive() returned on 'server-shutdown'")

    @define('test_run_sends_lines', 'run_sends_lines', 4, 'run', (RUN_CONNECTS, RUN_LINES),
            'run() calls connect_server(), starts receive() in a thread, then sends each line the user types '
            'with send() ({}), without the newline.'.format(words['line']))
    def run_sends_lines(client):
        """run() joins, then sends each line the user types."""
        client.start_run()
        client.type_and_expect('hello there')
        client.type_and_expect('how are you?')

    @define('test_run_exit', 'run_exit', 4, 'run', (RUN_ENDS,), words['exit_hint'])
    def run_exit(client):
        """Typing 'exit' sends 'exit' (once), sets exit_receive and ends run()."""
        client.start_run()
        client.type('exit')
        client.expect_sent('exit')
        client.assert_run_ends("the user typed 'exit'")
        client.server.expect_nothing_more("'exit'")
        assert client.events().get('exit_receive'), "run() ended after 'exit' without setting exit_receive"

    @define('test_run_end_of_input', 'run_end_of_input', 0, 'run', (),
            "At the end of input (input() raises EOFError), leave as for 'exit' instead of waiting.",
            tags=['robustness', cls])
    def run_end_of_input(client):
        """run() ends when its input ends (the text does not say; robustness)."""
        client.start_run()
        client.end_input()
        client.assert_run_ends('the input ended')

    runs = starts + [prefix + '.run_sends_lines']      # run() sits in its input loop

    @define('test_run_ctrl_c', 'run_ctrl_c', 3, 'run', (RUN_ENDS, CTRL_C), words['ctrl_c_hint'], depends=runs)
    def run_ctrl_c(client):
        """Ctrl-C (SIGINT) while run() waits for input sends 'exit' and ends run()."""
        client.start_run()
        client.type_and_expect('hello')
        client.interrupt()
        client.expect_sent('exit')
        client.assert_run_ends('Ctrl-C', interrupted=True)
        client.server.expect_nothing_more("'exit'")

    @define('test_run_shows_early', 'run_shows_early', 1, 'run, receive', (RUN_CONNECTS, DISPLAYED),
            'A message can come right after the greeting (another member joins or speaks): leave it in the socket '
            'for receive(), which displays it; connect_server() reads only the reply to the join.',
            depends=runs)
    def run_shows_early(client):
        """A message that comes right after the greeting, while connect_server() may still run, is displayed."""
        mark = client.output_mark()
        client.start_run(then=EARLY_MESSAGE)
        assert client.shows(EARLY_MESSAGE, since=mark), client.not_shown(EARLY_MESSAGE, since=mark)

    @define('test_run_name_taken', 'run_name_taken', 2, 'run, connect_server', (RUN_CONNECTS,),
            'When connect_server() returns False, run() returns at once, without reading input.',
            depends=starts + [prefix + '.connect_rejected'])
    def run_name_taken(client):
        """When the name is taken, run() ends without waiting for input."""
        client.start_run('Name already taken')
        client.assert_run_ends("'Name already taken'")

    @define('test_run_server_shutdown', 'run_server_shutdown', 3, 'run, receive', (RUN_CONNECTS, RECEIVE_SHUTDOWN),
            "run() must run receive() in a thread while it reads input; on 'server-shutdown' receive() sets "
            "exit_run and exit_receive.", depends=runs)
    def run_server_shutdown(client):
        """While run() waits for input, 'server-shutdown' sets exit_run and exit_receive."""
        client.clear_events()
        client.start_run()
        client.type_and_expect('hello')
        client.wait_idle()
        client.reply('server-shutdown')
        client.assert_events_set("the server sent 'server-shutdown' during run()")

    @define('test_run_returns_on_shutdown', 'run_returns_on_shutdown', 1, 'run', (RUN_ENDS, INPUT_IN_MAIN),
            "Wait for input with a timeout (select on stdin, or input in a daemon thread) so that run() notices "
            "exit_run and returns without waiting for one more line.",
            depends=[prefix + '.run_server_shutdown'])
    def run_returns_on_shutdown(client):
        """After 'server-shutdown', run() returns without waiting for more input."""
        client.start_run()
        client.type_and_expect('hello')
        client.wait_idle()
        client.reply('server-shutdown')
        client.assert_run_ends("'server-shutdown' (with no more input)")

    return checks
