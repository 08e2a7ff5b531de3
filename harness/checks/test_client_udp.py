"""ClientUDP, driven against a scripted fake UDP server (assignment section 4).

The client is constructed as ClientUDP('alice', port), where the fake server receives on `port`. The fake
server never sends two messages back to back: it sends the next one only once the client consumed the
first (connect_server() returned, the client displayed it, or it sent a line typed after it).
"""

from harness.catalog import check

TAGS = ['ClientUDP']
STARTS = ['structure.ClientUDP']
CONNECTS = ['structure.ClientUDP', 'client_udp.connect']
RUNS = ['structure.ClientUDP', 'client_udp.connect', 'client_udp.run_sends_lines']


@check('client_udp.attributes', weight=3, spec='4 ClientUDP.__init__', tags=TAGS, depends=STARTS,
       hint='__init__ sets server_addr = socket.gethostbyname(socket.gethostname()), server_port, '
            'client_name, a UDP client_socket, and exit_run and exit_receive as cleared threading.Events.')
def test_attributes(udp_client):
    """ClientUDP('alice', port) sets server_addr, server_port, client_name, a UDP socket and cleared events."""
    udp_client.assert_attributes('SOCK_DGRAM')


@check('client_udp.connect', weight=4, spec='4 ClientUDP.connect_server', tags=TAGS, depends=STARTS,
       hint="connect_server() calls send('join'), which sends exactly 'alice:join' to (server_addr, "
            "server_port), and returns True when the reply is 'Welcome'.")
def test_connect(udp_client):
    """connect_server() sends exactly 'alice:join' and returns True on 'Welcome'."""
    udp_client.assert_connect_returns('Welcome', True)


@check('client_udp.connect_rejected', weight=3, spec='4 ClientUDP.connect_server', tags=TAGS, depends=CONNECTS,
       hint="connect_server() returns False when the server's reply is not 'Welcome'.")
def test_connect_rejected(udp_client):
    """connect_server() returns False when the server replies 'Name already taken'."""
    udp_client.assert_connect_returns('Name already taken', False)


@check('client_udp.send', weight=4, spec='4 ClientUDP.send', tags=TAGS, depends=CONNECTS,
       hint="send(text) sends '{client_name}:{text}' exactly: 'alice:hello', no space, no newline.")
def test_send(udp_client):
    """send(text) sends the datagram '{client_name}:{text}', exactly."""
    udp_client.connect('Welcome')
    for text in ('hello there', 'how are you?'):
        udp_client.call('send', text)
        udp_client.expect_sent(text)


@check('client_udp.receive_shows', weight=3, spec='4 ClientUDP.receive', tags=TAGS, depends=CONNECTS,
       hint='receive() loops until exit_receive is set, and prints each message the server sends.')
def test_receive_shows(udp_client):
    """receive() displays each message the server sends."""
    udp_client.connect('Welcome')
    udp_client.start_call('receive')
    for message in ('bob: hi alice', 'User carol joined'):
        mark = udp_client.output_mark()
        udp_client.reply(message)
        assert udp_client.shows(message, since=mark), udp_client.not_shown(message, since=mark)


@check('client_udp.receive_shutdown', weight=4, spec='4 ClientUDP.receive', tags=TAGS, depends=CONNECTS,
       hint="When receive() gets 'server-shutdown', it sets exit_run and exit_receive and returns.")
def test_receive_shutdown(udp_client):
    """On 'server-shutdown', receive() sets exit_run and exit_receive and returns."""
    udp_client.connect('Welcome')
    receiving = udp_client.start_call('receive')
    udp_client.reply('server-shutdown')
    udp_client.outcome(receiving, 2.0, "receive(), after 'server-shutdown',")
    udp_client.assert_events_set("receive() returned on 'server-shutdown'")


@check('client_udp.run_sends_lines', weight=4, spec='4 ClientUDP.run', tags=TAGS, depends=CONNECTS,
       hint="run() calls connect_server(), starts receive() in a thread, then sends each line the user "
            "types with send(): 'alice:{line}', without the newline.")
def test_run_sends_lines(udp_client):
    """run() joins, then sends each line the user types as 'alice:{line}'."""
    udp_client.start_run('Welcome')
    udp_client.type_and_expect('hello there')
    udp_client.type_and_expect('how are you?')


@check('client_udp.run_exit', weight=4, spec='4 ClientUDP.run', tags=TAGS, depends=CONNECTS,
       hint="When the user types 'exit', run() sends 'alice:exit' (send('exit')), sets exit_receive and "
            "returns.")
def test_run_exit(udp_client):
    """Typing 'exit' sends 'alice:exit' and ends run()."""
    udp_client.start_run('Welcome')
    udp_client.type('exit')
    udp_client.expect_sent('exit')
    udp_client.assert_run_ends("the user typed 'exit'")


@check('client_udp.run_end_of_input', weight=2, spec='4 ClientUDP.run', tags=TAGS, depends=CONNECTS,
       hint='At the end of input (input() raises EOFError), leave as for \'exit\' instead of waiting.')
def test_run_end_of_input(udp_client):
    """run() ends when its input ends."""
    udp_client.start_run('Welcome')
    udp_client.end_input()
    udp_client.assert_run_ends('the input ended')


@check('client_udp.run_ctrl_c', weight=3, spec='4 ClientUDP.run', tags=TAGS, depends=RUNS,
       hint="Catch KeyboardInterrupt in run(): send('exit') ('alice:exit'), set exit_receive and return.")
def test_run_ctrl_c(udp_client):
    """Ctrl-C (SIGINT) while run() waits for input sends 'alice:exit' and ends run()."""
    udp_client.start_run('Welcome')
    udp_client.type_and_expect('hello')
    udp_client.interrupt()
    udp_client.expect_sent('exit')
    udp_client.assert_run_ends('Ctrl-C', interrupted=True)


@check('client_udp.run_name_taken', weight=2, spec='4 ClientUDP.run, connect_server', tags=TAGS,
       depends=['structure.ClientUDP', 'client_udp.connect_rejected'],
       hint='When connect_server() returns False, run() returns at once, without reading input.')
def test_run_name_taken(udp_client):
    """When the name is taken, run() ends without waiting for input."""
    udp_client.start_run('Name already taken')
    udp_client.assert_run_ends("'Name already taken'")


@check('client_udp.run_server_shutdown', weight=3, spec='4 ClientUDP.run, receive', tags=TAGS, depends=RUNS,
       hint="run() must run receive() in a thread while it reads input; on 'server-shutdown' receive() sets "
            "exit_run and exit_receive.")
def test_run_server_shutdown(udp_client):
    """While run() waits for input, 'server-shutdown' sets exit_run and exit_receive."""
    udp_client.start_run('Welcome')
    udp_client.type_and_expect('hello')
    udp_client.reply('server-shutdown')
    udp_client.assert_events_set("the server sent 'server-shutdown' during run()")


@check('client_udp.run_returns_on_shutdown', weight=1, spec='4 ClientUDP.run', tags=TAGS,
       depends=['client_udp.run_server_shutdown'],
       hint="Wait for input with a timeout (select on stdin, or input in a daemon thread) so that run() "
            "notices exit_run and returns without waiting for one more line.")
def test_run_returns_on_shutdown(udp_client):
    """After 'server-shutdown', run() returns without waiting for more input."""
    udp_client.start_run('Welcome')
    udp_client.type_and_expect('hello')
    udp_client.wait_reading_input()
    udp_client.reply('server-shutdown')
    udp_client.assert_run_ends("'server-shutdown' (with no more input)")
