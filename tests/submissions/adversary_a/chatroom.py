"""Assignment 02 - TCP & UDP chatroom.

Design notes (my own choices, the assignment leaves the "how" open):
  * ServerTCP: one thread per connected client.  Every thread does a plain
    blocking recv() on its socket, bounded by settimeout() so that it can look
    at handle_event now and then.  The accept loop in run() also relies on a
    socket timeout instead of select().  A lock guards the clients dict.
  * ServerUDP: a single loop around recvfrom() with a socket timeout.
  * Clients: a small reader thread reads the keyboard with input() and hands
    each line to the main loop through a queue; the main loop waits on the
    queue with a timeout, so it notices exit_run (set by receive() when the
    server shuts down) without the user having to press Enter.
"""
import queue
import socket
import threading

BUFFER_SIZE = 4096       # TCP: one recv() is taken to be one message
DATAGRAM_SIZE = 65535    # UDP: the largest datagram we can be sent
POLL_SECONDS = 0.5       # how long a blocking socket call waits before we look at the events
REPLY_TIMEOUT = 10.0     # how long a client waits for 'Welcome' / 'Name already taken'

_END_OF_INPUT = object()  # queued by the keyboard reader at EOF
_INTERRUPTED = object()   # queued by the keyboard reader if it catches a KeyboardInterrupt


def _local_ip():
    return socket.gethostbyname(socket.gethostname())


def _keyboard_lines():
    """Start a daemon thread that reads lines with input(); return its queue."""
    lines = queue.Queue()

    def reader():
        while True:
            try:
                line = input()
            except EOFError:
                lines.put(_END_OF_INPUT)
                return
            except KeyboardInterrupt:
                lines.put(_INTERRUPTED)
                return
            except Exception:
                lines.put(_END_OF_INPUT)
                return
            lines.put(line)
            if line == 'exit':
                return

    threading.Thread(target=reader, name='keyboard', daemon=True).start()
    return lines


def _send_quietly(sock, text):
    try:
        sock.sendall(text.encode())
        return True
    except OSError:
        return False


def _close_quietly(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class ServerTCP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((_local_ip(), self.server_port))
        self.server_socket.listen(16)
        self.server_socket.settimeout(POLL_SECONDS)   # accept() gives up now and then
        self.clients = {}                    # client socket -> client name
        self.clients_lock = threading.RLock()
        self.run_event = threading.Event()      # set = stop the server
        self.handle_event = threading.Event()   # set = stop handling client messages
        self.newest_client = None   # socket of the latest client accept_client() let in
        self._closing = False

    def _receive_name(self, client_socket):
        """Wait (a bounded time) for the first message of a new connection."""
        client_socket.settimeout(POLL_SECONDS)
        for _ in range(int(REPLY_TIMEOUT / POLL_SECONDS)):
            if self.run_event.is_set():
                return None
            try:
                data = client_socket.recv(BUFFER_SIZE)
            except socket.timeout:
                continue
            except OSError:
                return None
            if not data:
                return None
            return data.decode('utf-8', errors='replace')
        return None

    def accept_client(self):
        try:
            client_socket, _client_address = self.server_socket.accept()
        except (socket.timeout, OSError):
            return False            # nobody knocked (or the server socket is closed)
        name = self._receive_name(client_socket)
        if name is None:
            _close_quietly(client_socket)
            return False
        welcomed = False
        with self.clients_lock:
            name_taken = name in self.clients.values()
            if not name_taken:
                # added and greeted under the lock: no broadcast reaches the newcomer before
                # 'Welcome', and whoever sees 'Welcome' also sees the new count
                self.clients[client_socket] = name
                welcomed = _send_quietly(client_socket, 'Welcome')
                if not welcomed:
                    del self.clients[client_socket]
        if name_taken:
            _send_quietly(client_socket, 'Name already taken')
            _close_quietly(client_socket)
            return False
        if not welcomed:
            _close_quietly(client_socket)
            return False
        self.newest_client = client_socket
        self.broadcast(client_socket, 'join')
        return True

    def close_client(self, client_socket):
        with self.clients_lock:
            if client_socket not in self.clients:
                return False
            del self.clients[client_socket]
        _close_quietly(client_socket)
        return True

    def broadcast(self, client_socket_sent, message):
        with self.clients_lock:
            if self._closing:
                return
            name = self.clients.get(client_socket_sent)
            if name is None:
                return
            if message == 'join':
                text = 'User {} joined'.format(name)
            elif message == 'exit':
                text = 'User {} left'.format(name)
            else:
                text = '{}: {}'.format(name, message)
            data = text.encode()
            for receiver in list(self.clients):
                if receiver is client_socket_sent:
                    continue
                try:
                    receiver.sendall(data)
                except OSError:
                    pass

    def shutdown(self):
        with self.clients_lock:
            self._closing = True
            everyone = list(self.clients)
            for client_socket in everyone:
                try:
                    client_socket.sendall('server-shutdown'.encode())
                except OSError:
                    pass
            for client_socket in everyone:
                self.close_client(client_socket)
        self.run_event.set()
        self.handle_event.set()
        try:
            self.server_socket.close()
        except OSError:
            pass

    def get_clients_number(self):
        with self.clients_lock:
            return len(self.clients)

    def handle_client(self, client_socket):
        try:
            client_socket.settimeout(POLL_SECONDS)
        except OSError:
            return
        while not self.handle_event.is_set():
            try:
                data = client_socket.recv(BUFFER_SIZE)
            except socket.timeout:
                continue
            except OSError:
                data = b''
            if self.handle_event.is_set():
                break
            if not data:
                # the peer vanished without saying 'exit' (not covered by the text)
                with self.clients_lock:
                    still_member = client_socket in self.clients
                if still_member:
                    self.broadcast(client_socket, 'exit')
                    self.close_client(client_socket)
                break
            message = data.decode('utf-8', errors='replace')
            with self.clients_lock:     # announce and remove as one step for observers
                self.broadcast(client_socket, message)
                if message == 'exit':
                    self.close_client(client_socket)
            if message == 'exit':
                break

    def run(self):
        try:
            while not self.run_event.is_set():
                if self.accept_client():
                    worker = threading.Thread(target=self.handle_client,
                                              args=(self.newest_client,), daemon=True)
                    worker.start()
        except KeyboardInterrupt:   # Ctrl-C on the TCP server
            pass
        self.shutdown()


class ClientTCP:

    def __init__(self, client_name, server_port):
        self.server_addr = _local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()       # set = leave the main loop
        self.exit_receive = threading.Event()   # set = stop receiving

    def connect_server(self):
        try:
            self.client_socket.settimeout(REPLY_TIMEOUT)
            self.client_socket.connect((self.server_addr, self.server_port))
            self.send(self.client_name)
            response = self.client_socket.recv(BUFFER_SIZE).decode('utf-8', errors='replace')
            self.client_socket.settimeout(POLL_SECONDS)
        except OSError:
            return False
        return 'Welcome' in response

    def send(self, text):
        self.client_socket.sendall(text.encode())

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data = self.client_socket.recv(BUFFER_SIZE)
            except socket.timeout:
                continue
            except OSError:
                data = b''
            if not data:
                # the server is gone without a goodbye: stop as if it said so
                self.exit_run.set()
                self.exit_receive.set()
                break
            message = data.decode('utf-8', errors='replace')
            if message == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(message, flush=True)

    def run(self):
        if not self.connect_server():
            print('Could not join the chatroom.', flush=True)
            return
        listener = threading.Thread(target=self.receive, daemon=True)
        try:
            listener.start()
            typed = _keyboard_lines()
            while not self.exit_run.is_set():
                try:
                    line = typed.get(timeout=0.2)
                except queue.Empty:
                    continue
                if line is _END_OF_INPUT or line is _INTERRUPTED:
                    break
                if line == 'exit':
                    break
                if line == '':
                    continue
                try:
                    self.send(line)
                except OSError:
                    break
        except KeyboardInterrupt:
            pass
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()
        listener.join(2 * POLL_SECONDS + 1)
        _close_quietly(self.client_socket)


class ServerUDP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((_local_ip(), self.server_port))
        self.server_socket.settimeout(POLL_SECONDS)
        self.clients = {}     # client address -> client name
        self.messages = []    # (sender address, text) in arrival order
        self.run_event = threading.Event()   # extra: set = stop run()

    def accept_client(self, client_addr, message):
        if ':' in message:
            name = message.split(':', 1)[0]
        else:
            name = message
        if name in self.clients.values():
            self.server_socket.sendto('Name already taken'.encode(), client_addr)
            return False
        self.clients[client_addr] = name    # added first: whoever sees 'Welcome' sees the count
        self.server_socket.sendto('Welcome'.encode(), client_addr)
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
        sender_addr, text = self.messages[-1]
        data = text.encode()
        for client_addr in list(self.clients):
            if client_addr == sender_addr:
                continue
            try:
                self.server_socket.sendto(data, client_addr)
            except OSError:
                pass

    def shutdown(self):
        for client_addr in list(self.clients):
            try:
                self.server_socket.sendto('server-shutdown'.encode(), client_addr)
            except OSError:
                pass
            self.clients.pop(client_addr, None)
        try:
            self.server_socket.close()
        except OSError:
            pass
        self.run_event.set()

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        try:
            while not self.run_event.is_set():
                try:
                    data, client_addr = self.server_socket.recvfrom(DATAGRAM_SIZE)
                except socket.timeout:
                    continue
                message = data.decode('utf-8', errors='replace')
                name, _, text = message.partition(':')
                try:
                    if text == 'join':
                        self.accept_client(client_addr, message)
                    elif text == 'exit':
                        self.close_client(client_addr)
                    else:
                        sender = self.clients.get(client_addr)   # the address decides who is talking
                        if sender is not None:
                            self.messages.append((client_addr, '{}: {}'.format(sender, text)))
                            self.broadcast()
                except OSError:
                    continue    # could not answer one client: keep serving the others
        except KeyboardInterrupt:   # Ctrl-C on the UDP server
            pass
        except OSError:             # socket error, or the socket was closed by shutdown()
            pass
        except Exception:           # any other error also ends the server ("or an error occurs")
            pass
        self.shutdown()


class ClientUDP:

    def __init__(self, client_name, server_port):
        self.server_addr = _local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()       # set = leave the main loop
        self.exit_receive = threading.Event()   # set = stop receiving

    def connect_server(self):
        try:
            self.send('join')
            self.client_socket.settimeout(REPLY_TIMEOUT)
            data, _server = self.client_socket.recvfrom(DATAGRAM_SIZE)
            self.client_socket.settimeout(POLL_SECONDS)
        except OSError:
            return False
        return data.decode('utf-8', errors='replace') == 'Welcome'

    def send(self, text):
        datagram = '{}:{}'.format(self.client_name, text)
        self.client_socket.sendto(datagram.encode(), (self.server_addr, self.server_port))

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data, _sender = self.client_socket.recvfrom(DATAGRAM_SIZE)
            except socket.timeout:
                continue
            except OSError:
                break
            incoming = data.decode('utf-8', errors='replace')
            if incoming == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(incoming, flush=True)

    def run(self):
        if not self.connect_server():
            print('Could not join the chatroom.', flush=True)
            return
        listener = threading.Thread(target=self.receive, daemon=True)
        try:
            listener.start()
            keyboard = _keyboard_lines()
            while not self.exit_run.is_set():
                try:
                    typed_line = keyboard.get(timeout=0.2)
                except queue.Empty:
                    continue
                if typed_line is _END_OF_INPUT or typed_line is _INTERRUPTED:
                    break
                if typed_line == 'exit':
                    break
                if typed_line == '':
                    continue
                try:
                    self.send(typed_line)
                except OSError:
                    break
        except KeyboardInterrupt:
            pass
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()
        listener.join(2 * POLL_SECONDS + 1)
        try:
            self.client_socket.close()
        except OSError:
            pass
