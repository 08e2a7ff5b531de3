"""ClientTCP and ClientUDP of the reference chatroom.py, against scripted fake servers (harness.peers
TcpListener / UdpListener) bound where the clients look for their server: chatroom.local_address(), which
is socket.gethostbyname(socket.gethostname()) (127.0.0.1 here).

A fake server never sends a client two messages back to back: it first waits for evidence that the first
was consumed (the client printed it, or its receive loop ended).
"""

import socket
import threading

import pytest

import chatroom
from harness.peers import PeerError, TcpListener, UdpListener, wait_until

HOST = chatroom.local_address()
CLASSES = {'tcp': chatroom.ClientTCP, 'udp': chatroom.ClientUDP}


class ScriptedServer:
    """One fake chat server, TCP or UDP, for one client called `name`. `chat(text)` is the wire form of
    what the client sends when the user types `text`."""

    def __init__(self, transport, name='alice'):
        self.transport = transport
        self.name = name
        self.listener = TcpListener(HOST) if transport == 'tcp' else UdpListener(HOST)
        self.port = self.listener.port
        self.conn = None              # TCP: the accepted connection, a TcpPeer
        self.client_addr = None       # UDP: where the client's join came from

    def chat(self, text):
        return text if self.transport == 'tcp' else '{}:{}'.format(self.name, text)

    def expect_join(self, within=5.0):
        """Wait for the client's join: its bare name (TCP) or '{name}:join' (UDP)."""
        if self.transport == 'tcp':
            self.conn = self.listener.accept(within, label='fake server')
            self.conn.expect(self.name, within)
        else:
            self.client_addr = self.listener.expect(self.chat('join'), within)

    def reply(self, text):
        if self.transport == 'tcp':
            self.conn.send(text)
        else:
            self.listener.send_to(text, self.client_addr)

    def expect_chat(self, text, within=5.0):
        if self.transport == 'tcp':
            self.conn.expect(text, within)
        else:
            self.listener.expect(self.chat(text), within)

    def close(self):
        self.listener.close()


@pytest.fixture(params=['tcp', 'udp'])
def transport(request):
    return request.param


@pytest.fixture
def fake_server(transport):
    server = ScriptedServer(transport)
    try:
        yield server
    finally:
        server.close()


class Background:
    """`fn()` running in a daemon thread (a client method that blocks); `result(timeout)` waits for it.
    Daemon, so that a client that never returns cannot hang the test run at exit."""

    def __init__(self, fn):
        self.fn = fn
        self.value = self.error = None
        self.done = threading.Event()
        threading.Thread(target=self._run, name='client-under-test', daemon=True).start()

    def _run(self):
        try:
            self.value = self.fn()
        except BaseException as error:      # handed to the test by result()
            self.error = error
        finally:
            self.done.set()

    def result(self, timeout):
        if not self.done.wait(timeout):
            raise PeerError('{}() had not returned after {:.1f}s'.format(self.fn.__name__, timeout))
        if self.error is not None:
            raise self.error
        return self.value


@pytest.fixture
def make_client():
    """make_client(transport, name, port): a ClientTCP/ClientUDP whose socket is closed at teardown."""
    made = []

    def make(transport, name, port):
        client = CLASSES[transport](name, port)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            client.exit_receive.set()
            client.client_socket.close()


def joined_client(make_client, fake_server):
    """A client object whose connect_server() was welcomed by the fake server."""
    client = make_client(fake_server.transport, 'alice', fake_server.port)
    joined = Background(client.connect_server)
    fake_server.expect_join()
    fake_server.reply('Welcome')
    assert joined.result(timeout=5) is True
    return client


# -- instance variables ---------------------------------------------------------------------------------

@pytest.mark.parametrize('transport, kind', [('tcp', socket.SOCK_STREAM), ('udp', socket.SOCK_DGRAM)])
def test_instance_variables(make_client, transport, kind):
    client = make_client(transport, 'alice', 12345)
    assert client.server_addr == socket.gethostbyname(socket.gethostname())
    assert client.server_port == 12345
    assert client.client_name == 'alice'
    assert isinstance(client.client_socket, socket.socket)
    assert client.client_socket.family == socket.AF_INET
    assert client.client_socket.type == kind
    for event in (client.exit_run, client.exit_receive):
        assert isinstance(event, threading.Event)
        assert not event.is_set()


# -- connect_server, send, receive ----------------------------------------------------------------------

@pytest.mark.parametrize('reply, accepted', [('Welcome', True), ('Name already taken', False)])
def test_connect_server_sends_the_join_and_reads_the_reply(make_client, fake_server, reply, accepted):
    client = make_client(fake_server.transport, 'alice', fake_server.port)
    joined = Background(client.connect_server)
    fake_server.expect_join()                      # TCP: exactly 'alice'; UDP: exactly 'alice:join'
    fake_server.reply(reply)
    assert joined.result(timeout=5) is accepted


def test_send_puts_exactly_the_text_on_the_wire(make_client, fake_server):
    client = joined_client(make_client, fake_server)
    client.send('hello there')
    if fake_server.transport == 'tcp':
        fake_server.conn.expect('hello there')
        assert fake_server.conn.read_for(0.05) == ''
    else:
        fake_server.listener.expect('alice:hello there')
        assert fake_server.listener.read_for(0.05) == []


def test_receive_shows_messages_and_stops_on_server_shutdown(make_client, fake_server, capsys):
    client = joined_client(make_client, fake_server)
    printed = []

    def shown(text):
        printed.append(capsys.readouterr().out)
        return text in ''.join(printed)

    receiving = Background(client.receive)
    fake_server.reply('bob: hi alice')
    wait_until(lambda: shown('bob: hi alice'), 2.0, "receive() displaying 'bob: hi alice'")
    assert not client.exit_run.is_set()
    fake_server.reply('server-shutdown')
    assert receiving.result(timeout=2) is None     # returned
    assert client.exit_run.is_set()
    assert client.exit_receive.is_set()


# -- run(), as the assignment's client.py -----------------------------------------------------------------

def start_client(spawn, fake_server):
    """`python chatroom.py client` joined to the fake server (it printed 'Welcome')."""
    child = spawn('client', '--' + fake_server.transport, '--name', 'alice', '--port', fake_server.port,
                  label='client')
    fake_server.expect_join()
    fake_server.reply('Welcome')
    child.wait_for_line('Welcome')
    return child


def test_run_sends_typed_lines(spawn, fake_server):
    child = start_client(spawn, fake_server)
    child.type('hello there')
    fake_server.expect_chat('hello there')
    child.type('how are you?')
    fake_server.expect_chat('how are you?')


def test_run_sends_exit_when_the_user_types_exit_and_ends(spawn, fake_server):
    child = start_client(spawn, fake_server)
    child.type('exit')
    fake_server.expect_chat('exit')
    assert child.wait() == 0


def test_run_ends_at_end_of_input(spawn, fake_server):
    child = start_client(spawn, fake_server)
    child.close_stdin()
    fake_server.expect_chat('exit')               # the reference says goodbye, as for 'exit'
    assert child.wait() == 0


def test_run_ends_on_sigint(spawn, fake_server):
    child = start_client(spawn, fake_server)
    child.interrupt()
    fake_server.expect_chat('exit')
    assert child.wait() == 0


def test_run_ends_without_hanging_when_the_name_is_taken(spawn, fake_server):
    child = spawn('client', '--' + fake_server.transport, '--name', 'alice', '--port', fake_server.port,
                  label='client')
    fake_server.expect_join()
    fake_server.reply('Name already taken')       # and the fake server keeps the connection open
    child.wait_for_line('Name already taken')
    assert child.wait() == 0


def test_run_ends_on_server_shutdown(spawn, fake_server):
    child = start_client(spawn, fake_server)       # stdin stays open: nobody types anything
    fake_server.reply('server-shutdown')
    assert child.wait() == 0
    with pytest.raises(PeerError):                # it did not say 'exit' to a server that is gone
        fake_server.expect_chat('exit', within=0.05)
