"""ClientTCP, driven against a scripted fake TCP server (assignment section 3).

The client is constructed as ClientTCP('alice', port), where the fake server listens on `port`. The fake
server never sends two messages back to back: it sends the next one only once the client consumed the
first (connect_server() returned, the client displayed it, or it sent a line typed after it).
"""

from harness.catalog import check

TAGS = ['ClientTCP']
STARTS = ['structure.ClientTCP']
CONNECTS = ['structure.ClientTCP', 'client_tcp.connect']
RUNS = ['structure.ClientTCP', 'client_tcp.connect', 'client_tcp.run_sends_lines']


@check('client_tcp.attributes', weight=3, spec='3 ClientTCP.__init__', tags=TAGS, depends=STARTS,
       hint='__init__ sets server_addr = socket.gethostbyname(socket.gethostname()), server_port, '
            'client_name, a TCP client_socket, and exit_run and exit_receive as cleared threading.Events.')
def test_attributes(tcp_client):
    """ClientTCP('alice', port) sets server_addr, server_port, client_name, a TCP socket and cleared events."""
    tcp_client.assert_attributes('SOCK_STREAM')


@check('client_tcp.connect', weight=4, spec='3 ClientTCP.connect_server', tags=TAGS, depends=STARTS,
       hint="connect_server() connects to (server_addr, server_port), sends the name exactly (no newline) "
            "and returns True when the reply contains 'Welcome'.")
def test_connect(tcp_client):
    """connect_server() connects, sends exactly 'alice' and returns True on 'Welcome'."""
    tcp_client.assert_connect_returns('Welcome', True)


@check('client_tcp.connect_rejected', weight=3, spec='3 ClientTCP.connect_server', tags=TAGS, depends=CONNECTS,
       hint="connect_server() returns False when the server's reply does not contain 'Welcome'.")
def test_connect_rejected(tcp_client):
    """connect_server() returns False when the server replies 'Name already taken'."""
    tcp_client.assert_connect_returns('Name already taken', False)


@check('client_tcp.send', weight=4, spec='3 ClientTCP.send', tags=TAGS, depends=CONNECTS,
       hint='send(text) sends text.encode() and nothing else: no newline, no name, no prefix.')
def test_send(tcp_client):
    """send(text) puts exactly the text on the wire."""
    tcp_client.connect('Welcome')
    for text in ('hello there', 'how are you?'):
        tcp_client.call('send', text)
        tcp_client.expect_sent(text)


@check('client_tcp.receive_shows', weight=3, spec='3 ClientTCP.receive', tags=TAGS, depends=CONNECTS,
       hint='receive() loops until exit_receive is set, and prints each message the server sends.')
def test_receive_shows(tcp_client):
    """receive() displays each message the server sends."""
    tcp_client.connect('Welcome')
    tcp_client.start_call('receive')
    for message in ('bob: hi alice', 'User carol joined'):
        mark = tcp_client.output_mark()
        tcp_client.reply(message)
        assert tcp_client.shows(message, since=mark), tcp_client.not_shown(message, since=mark)


@check('client_tcp.receive_shutdown', weight=4, spec='3 ClientTCP.receive', tags=TAGS, depends=CONNECTS,
       hint="When receive() gets 'server-shutdown', it sets exit_run and exit_receive and returns.")
def test_receive_shutdown(tcp_client):
    """On 'server-shutdown', receive() sets exit_run and exit_receive and returns."""
    tcp_client.connect('Welcome')
    receiving = tcp_client.start_call('receive')
    tcp_client.reply('server-shutdown')
    tcp_client.outcome(receiving, 2.0, "receive(), after 'server-shutdown',")
    tcp_client.assert_events_set("receive() returned on 'server-shutdown'")


@check('client_tcp.run_sends_lines', weight=4, spec='3 ClientTCP.run', tags=TAGS, depends=CONNECTS,
       hint='run() calls connect_server(), starts receive() in a thread, then sends each line the user '
            'types with send(), without the newline.')
def test_run_sends_lines(tcp_client):
    """run() joins, then sends each line the user types, exactly."""
    tcp_client.start_run('Welcome')
    tcp_client.type_and_expect('hello there')
    tcp_client.type_and_expect('how are you?')


@check('client_tcp.run_exit', weight=4, spec='3 ClientTCP.run', tags=TAGS, depends=CONNECTS,
       hint="When the user types 'exit', run() sends 'exit', sets exit_receive and returns.")
def test_run_exit(tcp_client):
    """Typing 'exit' sends 'exit' and ends run()."""
    tcp_client.start_run('Welcome')
    tcp_client.type('exit')
    tcp_client.expect_sent('exit')
    tcp_client.assert_run_ends("the user typed 'exit'")


@check('client_tcp.run_end_of_input', weight=2, spec='3 ClientTCP.run', tags=TAGS, depends=CONNECTS,
       hint='At the end of input (input() raises EOFError), leave as for \'exit\' instead of waiting.')
def test_run_end_of_input(tcp_client):
    """run() ends when its input ends."""
    tcp_client.start_run('Welcome')
    tcp_client.end_input()
    tcp_client.assert_run_ends('the input ended')


@check('client_tcp.run_ctrl_c', weight=3, spec='3 ClientTCP.run', tags=TAGS, depends=RUNS,
       hint="Catch KeyboardInterrupt in run(): send 'exit', set exit_receive and return.")
def test_run_ctrl_c(tcp_client):
    """Ctrl-C (SIGINT) while run() waits for input sends 'exit' and ends run()."""
    tcp_client.start_run('Welcome')
    tcp_client.type_and_expect('hello')
    tcp_client.interrupt()
    tcp_client.expect_sent('exit')
    tcp_client.assert_run_ends('Ctrl-C', interrupted=True)


@check('client_tcp.run_name_taken', weight=2, spec='3 ClientTCP.run, connect_server', tags=TAGS,
       depends=['structure.ClientTCP', 'client_tcp.connect_rejected'],
       hint='When connect_server() returns False, run() returns at once, without reading input.')
def test_run_name_taken(tcp_client):
    """When the name is taken, run() ends without waiting for input."""
    tcp_client.start_run('Name already taken')
    tcp_client.assert_run_ends("'Name already taken'")


@check('client_tcp.run_server_shutdown', weight=3, spec='3 ClientTCP.run, receive', tags=TAGS, depends=RUNS,
       hint="run() must run receive() in a thread while it reads input; on 'server-shutdown' receive() sets "
            "exit_run and exit_receive.")
def test_run_server_shutdown(tcp_client):
    """While run() waits for input, 'server-shutdown' sets exit_run and exit_receive."""
    tcp_client.start_run('Welcome')
    tcp_client.type_and_expect('hello')
    tcp_client.reply('server-shutdown')
    tcp_client.assert_events_set("the server sent 'server-shutdown' during run()")


@check('client_tcp.run_returns_on_shutdown', weight=1, spec='3 ClientTCP.run', tags=TAGS,
       depends=['client_tcp.run_server_shutdown'],
       hint="Wait for input with a timeout (select on stdin, or input in a daemon thread) so that run() "
            "notices exit_run and returns without waiting for one more line.")
def test_run_returns_on_shutdown(tcp_client):
    """After 'server-shutdown', run() returns without waiting for more input."""
    tcp_client.start_run('Welcome')
    tcp_client.type_and_expect('hello')
    tcp_client.wait_reading_input()
    tcp_client.reply('server-shutdown')
    tcp_client.assert_run_ends("'server-shutdown' (with no more input)")
