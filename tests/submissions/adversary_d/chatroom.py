"""TCP & UDP chatroom (assignment 02).

Style: nothing ever blocks for long.  Every socket carries a short timeout and every loop polls its
stop event between timeouts; a client's keyboard is read by its own thread that hands complete lines
to run() through a queue; each TCP member has a handler thread that polls its socket; the UDP server
is one loop polling its socket.
"""
import builtins
import os
import queue
import select
import socket
import sys
import threading

POLL = 0.25            # seconds between looks at a stop event
NAME_WAIT = 2.0        # how long a new TCP connection has to send its name
REPLY_WAIT = 3.0       # how long a client waits for the server's greeting
CHUNK = 4096           # one receive; a message of the room is at most about 1 KB

_BUILTIN_INPUT = builtins.input


def _local_address():
    return socket.gethostbyname(socket.gethostname())


def _show(text):
    """Display one message of the room on its own line."""
    try:
        sys.stdout.write(text + '\n')
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def _feed_lines(lines, stop):
    """Input thread: put each typed line on `lines`, None at end of input; stop when `stop` is set.

    A real stdin is polled (select with a timeout, os.read), so the thread holds no lock of sys.stdin
    and can notice `stop`; a replaced stdin or a patched input() is read with input().
    """
    fd = None
    if builtins.input is _BUILTIN_INPUT:
        try:
            fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            fd = None
    if fd is None:
        while not stop.is_set():
            try:
                typed = input()
            except Exception:          # EOFError, an exhausted mock, a closed stream
                lines.put(None)
                return
            lines.put(typed)
            if typed == 'exit':
                return
        return
    pending = b''
    while not stop.is_set():
        try:
            ready = select.select([fd], [], [], POLL)[0]
            if not ready:
                continue
            chunk = os.read(fd, 4096)
        except (OSError, ValueError):
            chunk = b''
        if not chunk:
            if pending:
                lines.put(pending.decode('utf-8', 'replace').rstrip('\r'))
            lines.put(None)
            return
        pending += chunk
        while b'\n' in pending:
            raw, pending = pending.split(b'\n', 1)
            lines.put(raw.decode('utf-8', 'replace').rstrip('\r'))


class ServerTCP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_addr = _local_address()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((self.server_addr, server_port))
        self.server_socket.listen(8)
        self.server_socket.settimeout(POLL)
        self.clients = {}                      # client socket -> name
        self.run_event = threading.Event()     # set: stop accepting
        self.handle_event = threading.Event()  # set: stop the handlers
        self._members_lock = threading.RLock()
        self._newcomer = None                  # the socket accept_client() last admitted
        self._closed = False

    def accept_client(self):
        try:
            conn, _ = self.server_socket.accept()
        except socket.timeout:
            return False
        except OSError:
            self.run_event.wait(0.05)
            return False
        try:
            conn.settimeout(NAME_WAIT)
            first = conn.recv(CHUNK)
            name = first.decode('utf-8')
        except (OSError, UnicodeDecodeError):
            conn.close()
            return False
        if not first:
            conn.close()
            return False
        with self._members_lock:
            if name in self.clients.values():
                try:
                    conn.sendall('Name already taken'.encode())
                except OSError:
                    pass
                conn.close()
                return False
            try:
                conn.sendall('Welcome'.encode())
            except OSError:
                conn.close()
                return False
            conn.settimeout(POLL)
            self.clients[conn] = name
            self._newcomer = conn
        self.broadcast(conn, 'join')
        return True

    def close_client(self, client_socket):
        with self._members_lock:
            if client_socket not in self.clients:
                return False
            del self.clients[client_socket]
        try:
            client_socket.close()
        except OSError:
            pass
        return True

    def broadcast(self, client_socket_sent, message):
        with self._members_lock:
            who = self.clients.get(client_socket_sent)
            audience = [s for s in self.clients if s is not client_socket_sent]
        if who is None:
            return
        if message == 'join':
            wire = 'User {} joined'.format(who)
        elif message == 'exit':
            wire = 'User {} left'.format(who)
        else:
            wire = '{}: {}'.format(who, message)
        payload = wire.encode()
        for peer in audience:
            try:
                peer.sendall(payload)
            except OSError:
                pass

    def shutdown(self):
        with self._members_lock:
            members = list(self.clients)
        for member in members:
            try:
                member.sendall('server-shutdown'.encode())
            except OSError:
                pass
        for member in members:
            self.close_client(member)
        self.run_event.set()
        self.handle_event.set()
        self._closed = True
        try:
            self.server_socket.close()
        except OSError:
            pass

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        while not self.handle_event.is_set():
            try:
                data = client_socket.recv(CHUNK)
            except socket.timeout:
                continue
            except OSError:
                data = b''
            if not data:
                # the peer went away without 'exit' (or shutdown closed the socket)
                if not self.handle_event.is_set():
                    self.broadcast(client_socket, 'exit')
                    self.close_client(client_socket)
                break
            said = data.decode('utf-8', 'replace')
            if said == 'exit':
                self.broadcast(client_socket, 'exit')
                self.close_client(client_socket)
                break
            self.broadcast(client_socket, said)

    def run(self):
        try:
            while not self.run_event.is_set() and not self._closed:
                if self.accept_client():
                    handler = threading.Thread(target=self.handle_client, args=(self._newcomer,), daemon=True)
                    handler.start()
        except KeyboardInterrupt:
            pass
        self.shutdown()


class ClientTCP:

    def __init__(self, client_name, server_port):
        self.server_addr = _local_address()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        try:
            self.client_socket.settimeout(REPLY_WAIT)
            self.client_socket.connect((self.server_addr, self.server_port))
            self.send(self.client_name)
            reply = self.client_socket.recv(CHUNK).decode('utf-8', 'replace')
        except OSError:
            return False
        finally:
            try:
                self.client_socket.settimeout(POLL)
            except OSError:
                pass
        return 'Welcome' in reply

    def send(self, text):
        self.client_socket.sendall(text.encode())

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data = self.client_socket.recv(CHUNK)
            except socket.timeout:
                continue
            except OSError:
                data = b''
            if not data:
                self.exit_run.set()
                self.exit_receive.set()
                break
            text = data.decode('utf-8', 'replace')
            if text == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            _show(text)

    def run(self):
        if not self.connect_server():
            _show('Could not join the chatroom.')
            try:
                self.client_socket.close()
            except OSError:
                pass
            return
        typed_lines = queue.Queue()
        stop_typing = threading.Event()
        receiver = threading.Thread(target=self.receive, daemon=True)
        typist = threading.Thread(target=_feed_lines, args=(typed_lines, stop_typing), daemon=True)
        receiver.start()
        typist.start()
        try:
            while not self.exit_run.is_set():
                try:
                    line = typed_lines.get(timeout=POLL)
                except queue.Empty:
                    continue
                if line is None or line == 'exit':
                    break
                if line:
                    self.send(line)
        except KeyboardInterrupt:
            pass
        stop_typing.set()
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()
        receiver.join(2 * POLL + 1)
        typist.join(2 * POLL + 1)
        try:
            self.client_socket.close()
        except OSError:
            pass


class ServerUDP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_addr = _local_address()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((self.server_addr, server_port))
        self.server_socket.settimeout(POLL)
        self.clients = {}      # client address -> name
        self.messages = []     # (sender address, text) to broadcast
        self._closed = False

    def _tell(self, addr, text):
        try:
            self.server_socket.sendto(text.encode(), addr)
        except OSError:
            pass

    def accept_client(self, client_addr, message):
        name = message.rpartition(':')[0] if ':' in message else message
        if name in self.clients.values():
            self._tell(client_addr, 'Name already taken')
            return False
        self._tell(client_addr, 'Welcome')
        self.clients[client_addr] = name
        self.messages.append((client_addr, 'User {} joined'.format(name)))
        self.broadcast()
        return True

    def close_client(self, client_addr):
        if client_addr not in self.clients:
            return False
        name = self.clients.pop(client_addr)
        self.messages.append((client_addr, 'User {} left'.format(name)))
        self.broadcast()
        return True

    def broadcast(self):
        if not self.messages:
            return
        origin, text = self.messages[-1]
        for addr in list(self.clients):
            if addr != origin:
                self._tell(addr, text)

    def shutdown(self):
        if self._closed:
            return
        for addr in list(self.clients):
            self._tell(addr, 'server-shutdown')
        for addr in list(self.clients):
            self.clients.pop(addr, None)
        self._closed = True
        try:
            self.server_socket.close()
        except OSError:
            pass

    def get_clients_number(self):
        return len(self.clients)

    def _dispatch(self, addr, datagram):
        member = self.clients.get(addr)
        if member is None:
            # only a 'join' is heard from an address that is not in the room
            if datagram.rpartition(':')[2] == 'join' and ':' in datagram:
                self.accept_client(addr, datagram)
            return
        if datagram.startswith(member + ':'):
            said = datagram[len(member) + 1:]
        else:
            said = datagram.partition(':')[2]
        if said == 'join':
            self.accept_client(addr, datagram)
        elif said == 'exit':
            self.close_client(addr)
        else:
            self.messages.append((addr, '{}: {}'.format(member, said)))
            self.broadcast()

    def run(self):
        try:
            while not self._closed:
                try:
                    data, addr = self.server_socket.recvfrom(CHUNK)
                except socket.timeout:
                    continue
                except (ConnectionResetError, ConnectionRefusedError):
                    continue
                try:
                    datagram = data.decode('utf-8')
                except UnicodeDecodeError:
                    continue
                self._dispatch(addr, datagram)
        except KeyboardInterrupt:
            pass
        except OSError:
            pass
        self.shutdown()


class ClientUDP:

    def __init__(self, client_name, server_port):
        self.server_addr = _local_address()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client_socket.bind((self.server_addr, 0))
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        try:
            self.send('join')
            self.client_socket.settimeout(REPLY_WAIT)
            greeting, _ = self.client_socket.recvfrom(CHUNK)
        except OSError:
            return False
        finally:
            try:
                self.client_socket.settimeout(POLL)
            except OSError:
                pass
        return greeting.decode('utf-8', 'replace') == 'Welcome'

    def send(self, text):
        wire = '{}:{}'.format(self.client_name, text)
        self.client_socket.sendto(wire.encode(), (self.server_addr, self.server_port))

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                packet, _ = self.client_socket.recvfrom(CHUNK)
            except socket.timeout:
                continue
            except (ConnectionResetError, ConnectionRefusedError):
                continue
            except OSError:
                break
            note = packet.decode('utf-8', 'replace')
            if note == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            _show(note)

    def run(self):
        if not self.connect_server():
            _show('Could not join the chatroom.')
            try:
                self.client_socket.close()
            except OSError:
                pass
            return
        inbox = queue.Queue()
        halt_input = threading.Event()
        listener = threading.Thread(target=self.receive, daemon=True)
        keyboard = threading.Thread(target=_feed_lines, args=(inbox, halt_input), daemon=True)
        listener.start()
        keyboard.start()
        try:
            while not self.exit_run.is_set():
                try:
                    typed = inbox.get(timeout=POLL)
                except queue.Empty:
                    continue
                if typed is None or typed == 'exit':
                    break
                if typed:
                    self.send(typed)
        except KeyboardInterrupt:
            pass
        halt_input.set()
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()
        listener.join(2 * POLL + 1)
        keyboard.join(2 * POLL + 1)
        try:
            self.client_socket.close()
        except OSError:
            pass
