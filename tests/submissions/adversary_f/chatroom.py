"""Assignment 02: TCP & UDP chatroom.

Everything here polls non-blocking sockets: a socket never blocks, a loop simply asks again.
Worker threads spin (they ask again at once); loops in the main thread nap for a few milliseconds
between empty polls so that Ctrl-C still gets through.
"""
import builtins
import inspect
import os
import queue
import select
import socket
import sys
import threading
import time

BUFSIZE = 65536        # one recv() takes a whole message (loopback delivers a send() in one piece)
NAME_WAIT = 3.0        # how long the server waits for a new connection to say its name
REPLY_WAIT = 3.0       # how long a client waits for the server's answer to its join
SEND_WAIT = 2.0        # how long a send to a full socket may take before that peer is given up


def local_ip():
    return socket.gethostbyname(socket.gethostname())


def push_bytes(sock, data):
    """sendall() for a non-blocking TCP socket: try again until every byte is out."""
    view = memoryview(data)
    give_up = time.monotonic() + SEND_WAIT
    while len(view):
        try:
            sent = sock.send(view)
            view = view[sent:]
        except (BlockingIOError, InterruptedError):
            if time.monotonic() > give_up:
                raise
            select.select([], [sock], [], 0.01)


class Screen:
    """Serialises what the threads of one client print."""

    lock = threading.Lock()

    @classmethod
    def show(cls, text):
        with cls.lock:
            sys.stdout.write(text + '\n')
            sys.stdout.flush()


class Keyboard:
    """The user's lines, polled without blocking.

    With the real input() and a real standard input, the file descriptor is polled with select() and read
    with os.read() (nothing is left blocked in a read when run() returns). When input() has been replaced
    (or stdin is no file), a helper thread calls input() and hands the lines over.
    """

    EOF = object()
    INTERRUPT = object()

    def __init__(self):
        self.lines = queue.Queue()
        self.fd = None
        self.pending = b''
        self.stopped = False
        if inspect.isbuiltin(builtins.input) and builtins.input.__name__ == 'input':
            try:
                self.fd = sys.stdin.fileno()
            except (AttributeError, OSError, ValueError):
                self.fd = None
        if self.fd is None:
            threading.Thread(target=self.read_lines, daemon=True).start()

    def read_lines(self):
        while not self.stopped:
            try:
                line = input()
            except KeyboardInterrupt:
                self.lines.put(Keyboard.INTERRUPT)
                return
            except (EOFError, OSError, ValueError):
                self.lines.put(Keyboard.EOF)
                return
            self.lines.put(line)

    def read_fd(self):
        try:
            ready, _, _ = select.select([self.fd], [], [], 0)
            if not ready:
                return
            data = os.read(self.fd, 4096)
        except (OSError, ValueError):
            data = b''
        if not data:
            if self.pending:
                self.lines.put(self.pending.decode('utf-8', 'replace'))
                self.pending = b''
            self.lines.put(Keyboard.EOF)
            self.fd = -1
            return
        self.pending += data
        while b'\n' in self.pending:
            raw, self.pending = self.pending.split(b'\n', 1)
            self.lines.put(raw.decode('utf-8', 'replace').rstrip('\r'))

    def poll(self):
        """The next line typed, or None when the user has typed nothing yet."""
        if self.fd is not None and self.fd >= 0 and self.lines.empty():
            self.read_fd()
        try:
            line = self.lines.get_nowait()
        except queue.Empty:
            return None
        if line is Keyboard.INTERRUPT:
            raise KeyboardInterrupt
        return line

    def stop(self):
        self.stopped = True


class ServerTCP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_addr = local_ip()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((self.server_addr, self.server_port))
        self.server_socket.listen(16)
        self.server_socket.setblocking(False)
        self.clients = {}
        self.run_event = threading.Event()
        self.handle_event = threading.Event()
        self.lock = threading.RLock()
        self.newest_socket = None
        self.finished = False

    def read_name(self, conn):
        """The first thing a new connection sends is its name (None if it says nothing in time)."""
        give_up = time.monotonic() + NAME_WAIT
        while time.monotonic() < give_up and not self.run_event.is_set():
            try:
                data = conn.recv(BUFSIZE)
            except (BlockingIOError, InterruptedError):
                time.sleep(0.005)
                continue
            except OSError:
                return None
            if not data:
                return None
            return data.decode('utf-8', 'replace')
        return None

    def accept_client(self):
        try:
            conn, _addr = self.server_socket.accept()
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return False
        conn.setblocking(False)
        name = self.read_name(conn)
        if name is None:
            conn.close()
            return False
        with self.lock:
            taken = name in self.clients.values()
        if taken:
            try:
                push_bytes(conn, 'Name already taken'.encode('utf-8'))
            except (OSError, ValueError):
                pass
            conn.close()
            return False
        try:
            push_bytes(conn, 'Welcome'.encode('utf-8'))
        except (OSError, ValueError):
            conn.close()
            return False
        with self.lock:
            self.clients[conn] = name
        self.broadcast(conn, 'join')
        self.newest_socket = conn
        return True

    def close_client(self, client_socket):
        with self.lock:
            if client_socket not in self.clients:
                return False
            del self.clients[client_socket]
        try:
            client_socket.close()
        except OSError:
            pass
        return True

    def broadcast(self, client_socket_sent, message):
        with self.lock:
            name = self.clients.get(client_socket_sent)
            if message == 'join':
                text = 'User {} joined'.format(name)
            elif message == 'exit':
                text = 'User {} left'.format(name)
            else:
                text = '{}: {}'.format(name, message)
            data = text.encode('utf-8')
            for conn in list(self.clients):
                if conn is client_socket_sent:
                    continue
                try:
                    push_bytes(conn, data)
                except (OSError, ValueError):
                    pass

    def shutdown(self):
        with self.lock:
            if self.finished:
                return
            self.finished = True
            self.handle_event.set()
            members = list(self.clients)
            for conn in members:
                try:
                    push_bytes(conn, 'server-shutdown'.encode('utf-8'))
                except (OSError, ValueError):
                    pass
            for conn in members:
                self.close_client(conn)
        self.run_event.set()
        try:
            self.server_socket.close()
        except OSError:
            pass

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        while not self.handle_event.is_set():
            try:
                data = client_socket.recv(BUFSIZE)
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionError:
                data = b''
            except (OSError, ValueError):
                break
            if not data:
                # gone without a word: treat it as a leave
                if not self.handle_event.is_set():
                    self.broadcast(client_socket, 'exit')
                    self.close_client(client_socket)
                break
            message = data.decode('utf-8', 'replace')
            if message == 'exit':
                self.broadcast(client_socket, 'exit')
                self.close_client(client_socket)
                break
            self.broadcast(client_socket, message)

    def run(self):
        try:
            while not self.run_event.is_set():
                try:
                    ready, _, _ = select.select([self.server_socket], [], [], 0.05)
                except (OSError, ValueError):
                    break
                if ready and self.accept_client():
                    worker = threading.Thread(target=self.handle_client, args=(self.newest_socket,))
                    worker.daemon = True
                    worker.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()


class ClientTCP:

    def __init__(self, client_name, server_port):
        self.server_addr = local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        try:
            self.client_socket.connect((self.server_addr, self.server_port))
            self.client_socket.setblocking(False)
            push_bytes(self.client_socket, self.client_name.encode('utf-8'))
        except (OSError, ValueError):
            return False
        reply = None
        give_up = time.monotonic() + REPLY_WAIT
        while time.monotonic() < give_up:
            try:
                data = self.client_socket.recv(1024)
            except (BlockingIOError, InterruptedError):
                time.sleep(0.01)
                continue
            except (OSError, ValueError):
                break
            if data:
                reply = data.decode('utf-8', 'replace')
            break
        if reply is None:
            return False
        if 'Welcome' in reply:
            return True
        Screen.show(reply)
        return False

    def send(self, text):
        try:
            push_bytes(self.client_socket, text.encode('utf-8'))
        except (OSError, ValueError):
            pass

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data = self.client_socket.recv(BUFSIZE)
            except (BlockingIOError, InterruptedError):
                continue
            except (OSError, ValueError):
                break
            if not data:
                # the server went away without saying so
                self.exit_run.set()
                self.exit_receive.set()
                break
            message = data.decode('utf-8', 'replace')
            if message == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            Screen.show(message)

    def run(self):
        if not self.connect_server():
            return
        listener = threading.Thread(target=self.receive, daemon=True)
        listener.start()
        keyboard = Keyboard()
        try:
            while not self.exit_run.is_set():
                line = keyboard.poll()
                if line is None:
                    time.sleep(0.01)
                    continue
                if line is Keyboard.EOF or line == 'exit':
                    break
                self.send(line)
        except KeyboardInterrupt:
            pass
        keyboard.stop()
        self.send('exit')
        self.exit_receive.set()
        listener.join(1.0)
        try:
            self.client_socket.close()
        except OSError:
            pass


class ServerUDP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_addr = local_ip()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((self.server_addr, self.server_port))
        self.server_socket.setblocking(False)
        self.clients = {}
        self.messages = []
        self.lock = threading.RLock()
        self.finished = False

    def send_to(self, client_addr, text):
        data = text.encode('utf-8')
        give_up = time.monotonic() + SEND_WAIT
        while True:
            try:
                self.server_socket.sendto(data, client_addr)
                return
            except (BlockingIOError, InterruptedError):
                if time.monotonic() > give_up:
                    return
                time.sleep(0.001)
            except (OSError, ValueError, TypeError):
                return

    def accept_client(self, client_addr, message):
        if message.endswith(':join'):
            name = message[:-len(':join')]
        else:
            name = message.split(':', 1)[0]
        with self.lock:
            if name in self.clients.values():
                self.send_to(client_addr, 'Name already taken')
                return False
            self.send_to(client_addr, 'Welcome')
            self.clients[client_addr] = name
            self.messages.append((client_addr, 'User {} joined'.format(name)))
            self.broadcast()
            return True

    def close_client(self, client_addr):
        with self.lock:
            if client_addr not in self.clients:
                return False
            name = self.clients.pop(client_addr)
            self.messages.append((client_addr, 'User {} left'.format(name)))
            self.broadcast()
            return True

    def broadcast(self):
        with self.lock:
            if not self.messages:
                return
            sender, text = self.messages[-1]
            for addr in list(self.clients):
                if addr != sender:
                    self.send_to(addr, text)

    def shutdown(self):
        with self.lock:
            if self.finished:
                return
            self.finished = True
            for addr in list(self.clients):
                self.send_to(addr, 'server-shutdown')
            self.clients.clear()
        try:
            self.server_socket.close()
        except OSError:
            pass

    def get_clients_number(self):
        return len(self.clients)

    def handle_datagram(self, data, addr):
        message = data.decode('utf-8', 'replace')
        with self.lock:
            member = self.clients.get(addr)
        if member is not None and message.startswith(member + ':'):
            text = message[len(member) + 1:]
        elif ':' in message:
            text = message.split(':', 1)[1]
        else:
            return
        if text == 'join':
            self.accept_client(addr, message)
        elif text == 'exit':
            self.close_client(addr)
        elif member is not None:
            with self.lock:
                self.messages.append((addr, '{}: {}'.format(member, text)))
                self.broadcast()

    def run(self):
        try:
            while True:
                try:
                    data, addr = self.server_socket.recvfrom(BUFSIZE)
                except (BlockingIOError, InterruptedError):
                    time.sleep(0.01)
                    continue
                except ConnectionResetError:
                    continue
                except (OSError, ValueError):
                    break
                self.handle_datagram(data, addr)
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()


class ClientUDP:

    def __init__(self, client_name, server_port):
        self.server_addr = local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client_socket.setblocking(False)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        self.send('join')
        give_up = time.monotonic() + REPLY_WAIT
        while time.monotonic() < give_up:
            try:
                data, _ = self.client_socket.recvfrom(BUFSIZE)
            except (BlockingIOError, InterruptedError, ConnectionResetError):
                time.sleep(0.01)
                continue
            except (OSError, ValueError):
                return False
            answer = data.decode('utf-8', 'replace')
            if answer == 'Welcome':
                return True
            Screen.show(answer)
            return False
        return False

    def send(self, text):
        packet = '{}:{}'.format(self.client_name, text).encode('utf-8')
        try:
            self.client_socket.sendto(packet, (self.server_addr, self.server_port))
        except (OSError, ValueError):
            pass

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data, _ = self.client_socket.recvfrom(BUFSIZE)
            except (BlockingIOError, InterruptedError, ConnectionResetError):
                continue
            except (OSError, ValueError):
                break
            text = data.decode('utf-8', 'replace')
            if text == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            Screen.show(text)

    def run(self):
        if not self.connect_server():
            return
        receiver = threading.Thread(target=self.receive, daemon=True)
        receiver.start()
        typing = Keyboard()
        try:
            while not self.exit_run.is_set():
                typed = typing.poll()
                if typed is None:
                    time.sleep(0.01)
                    continue
                if typed is Keyboard.EOF or typed == 'exit':
                    break
                self.send(typed)
        except KeyboardInterrupt:
            pass
        typing.stop()
        self.send('exit')
        self.exit_receive.set()
        receiver.join(1.0)
        try:
            self.client_socket.close()
        except OSError:
            pass
