"""
chatroom.py -- TCP and UDP chatrooms (Assignment 02).

Style of this implementation
----------------------------
* ServerTCP and ServerUDP are each ONE single-threaded event loop built on
  ``selectors.DefaultSelector``: the loop waits (with a timeout, so that the
  stop events are noticed even when nothing happens) and dispatches every
  ready socket.  There is no thread per client.
* ServerTCP.run() calls accept_client() when the listening socket is ready and
  handle_client(sock) when a client socket is ready; handle_client() reads one
  message from that socket.
* ClientTCP and ClientUDP multiplex their socket and standard input with
  ``select.select`` in run(); receive() is the same socket handling as a
  stand-alone loop.

Standard library only; runs on Python 3.9 and later.
"""

import codecs
import io
import os
import select
import selectors
import socket
import sys
import threading
import time

TCP_RECV_SIZE = 4096
UDP_RECV_SIZE = 65535
LOOP_TIMEOUT = 0.5      # seconds an idle loop waits before it looks at its events again
NAME_TIMEOUT = 3.0      # seconds a new TCP connection has to send its name
SEND_TIMEOUT = 2.0      # seconds a non-blocking send may wait for a full socket buffer


def _local_ip():
    return socket.gethostbyname(socket.gethostname())


def _send_text(sock, text):
    """Send all of ``text`` on a (possibly non-blocking) stream socket."""
    data = text.encode('utf-8')
    deadline = time.monotonic() + SEND_TIMEOUT
    while data:
        try:
            sent = sock.send(data)
            data = data[sent:]
        except (BlockingIOError, InterruptedError):
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout('peer is not reading')
            select.select([], [sock], [], left)


def _stdin_fd():
    """The file descriptor of standard input, or None if there is no real one."""
    try:
        fd = sys.stdin.fileno()
        os.fstat(fd)
        return fd
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return None


class _LineSplitter:
    """Reads raw bytes from a file descriptor and hands back complete lines."""

    def __init__(self, fd):
        self.fd = fd
        self.decoder = codecs.getincrementaldecoder('utf-8')('replace')
        self.partial = ''
        self.eof = False

    def read_lines(self):
        chunk = os.read(self.fd, 4096)
        if chunk:
            self.partial += self.decoder.decode(chunk)
        else:
            self.eof = True
            self.partial += self.decoder.decode(b'', final=True)
        lines = self.partial.split('\n')
        self.partial = lines.pop()
        if self.eof and self.partial:
            lines.append(self.partial)
            self.partial = ''
        return lines


# ---------------------------------------------------------------------------
# TCP
# ---------------------------------------------------------------------------

class ServerTCP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_addr = _local_ip()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((self.server_addr, self.server_port))
        self.server_socket.listen(16)
        self.server_socket.setblocking(False)
        self.clients = {}                     # client socket -> name
        self.run_event = threading.Event()    # set = stop running
        self.handle_event = threading.Event() # set = stop handling messages
        self._names_in_use = set()            # mirror of clients.values() for quick look-up
        self._lock = threading.RLock()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.server_socket, selectors.EVENT_READ)
        self._closed = False

    def accept_client(self):
        try:
            ready, _, _ = select.select([self.server_socket], [], [], 1.0)
            if not ready:
                return False
            client_socket, _ = self.server_socket.accept()
        except (OSError, ValueError):
            return False
        try:
            client_socket.setblocking(True)
            ready, _, _ = select.select([client_socket], [], [], NAME_TIMEOUT)
            data = client_socket.recv(TCP_RECV_SIZE) if ready else b''
        except (OSError, ValueError):
            data = b''
        if not data:
            client_socket.close()
            return False
        name = data.decode('utf-8', 'replace')
        with self._lock:
            if name in self._names_in_use:
                try:
                    _send_text(client_socket, 'Name already taken')
                except OSError:
                    pass
                client_socket.close()
                return False
            try:
                _send_text(client_socket, 'Welcome')
            except OSError:
                client_socket.close()
                return False
            client_socket.setblocking(False)
            self.clients[client_socket] = name
            self._names_in_use.add(name)
            self._selector.register(client_socket, selectors.EVENT_READ)
            self.broadcast(client_socket, 'join')
            return True

    def close_client(self, client_socket):
        with self._lock:
            if client_socket not in self.clients:
                return False
            name = self.clients.pop(client_socket)
            self._names_in_use.discard(name)
            try:
                self._selector.unregister(client_socket)
            except (KeyError, ValueError, OSError):
                pass
            try:
                client_socket.close()
            except OSError:
                pass
            return True

    def broadcast(self, client_socket_sent, message):
        with self._lock:
            name = self.clients.get(client_socket_sent, '')
            if message == 'join':
                outgoing = 'User {} joined'.format(name)
            elif message == 'exit':
                outgoing = 'User {} left'.format(name)
            else:
                outgoing = '{}: {}'.format(name, message)
            for sock in list(self.clients):
                if sock is client_socket_sent:
                    continue
                try:
                    _send_text(sock, outgoing)
                except OSError:
                    pass

    def shutdown(self):
        with self._lock:
            if not self._closed:
                self._closed = True
                for sock in list(self.clients):
                    try:
                        _send_text(sock, 'server-shutdown')
                    except OSError:
                        pass
                    try:
                        self._selector.unregister(sock)
                    except (KeyError, ValueError, OSError):
                        pass
                    try:
                        sock.close()
                    except OSError:
                        pass
                self.clients.clear()
                self._names_in_use.clear()
            self.run_event.set()
            self.handle_event.set()
            try:
                self._selector.unregister(self.server_socket)
            except (KeyError, ValueError, OSError):
                pass
            try:
                self.server_socket.close()
            except OSError:
                pass

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        # Called by run() whenever client_socket is readable: reads one message.
        if self.handle_event.is_set():
            return
        with self._lock:
            if self.handle_event.is_set() or client_socket not in self.clients:
                return
            try:
                data = client_socket.recv(TCP_RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b''
            if not data:
                # The peer vanished without 'exit' (not in the text): let the room know.
                self.broadcast(client_socket, 'exit')
                self.close_client(client_socket)
                return
            text = data.decode('utf-8', 'replace')
            if text == 'exit':
                self.broadcast(client_socket, 'exit')
                self.close_client(client_socket)
            else:
                self.broadcast(client_socket, text)

    def run(self):
        try:
            while not self.run_event.is_set():
                try:
                    events = self._selector.select(timeout=LOOP_TIMEOUT)
                except (OSError, ValueError):
                    break
                for key, _ in events:
                    if self.run_event.is_set():
                        break
                    if key.fileobj is self.server_socket:
                        self.accept_client()
                    else:
                        self.handle_client(key.fileobj)
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()
            try:
                self._selector.close()
            except (OSError, ValueError):
                pass


class ClientTCP:

    def __init__(self, client_name, server_port):
        self.server_addr = _local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()      # set = leave the main loop
        self.exit_receive = threading.Event()  # set = stop receiving

    def connect_server(self):
        try:
            self.client_socket.connect((self.server_addr, self.server_port))
            self.send(self.client_name)
            answered, _, _ = select.select([self.client_socket], [], [], 5.0)
            if not answered:
                return False
            reply = self.client_socket.recv(TCP_RECV_SIZE).decode('utf-8', 'replace')
        except (OSError, ValueError):
            return False
        return 'Welcome' in reply

    def send(self, text):
        self.client_socket.sendall(text.encode('utf-8'))

    def _take_message(self, data):
        """Handle one received message; returns False once the client must stop."""
        if not data:
            # The server closed without 'server-shutdown' (not in the text).
            self.exit_run.set()
            self.exit_receive.set()
            return False
        message = data.decode('utf-8', 'replace')
        if message == 'server-shutdown':
            self.exit_run.set()
            self.exit_receive.set()
            return False
        print(message, flush=True)
        return True

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                ready, _, _ = select.select([self.client_socket], [], [], LOOP_TIMEOUT)
                if not ready:
                    continue
                data = self.client_socket.recv(TCP_RECV_SIZE)
            except (OSError, ValueError):
                break
            if not self._take_message(data):
                break

    def _chat_loop(self, fd):
        lines = _LineSplitter(fd)
        watch_list = [self.client_socket, fd]
        while not self.exit_run.is_set():
            ready, _, _ = select.select(watch_list, [], [], LOOP_TIMEOUT)
            if self.client_socket in ready:
                try:
                    data = self.client_socket.recv(TCP_RECV_SIZE)
                except OSError:
                    data = b''
                if not self._take_message(data):
                    return
            if fd in ready:
                for line in lines.read_lines():
                    if line == 'exit':
                        return
                    if line:
                        self.send(line)
                if lines.eof:
                    return

    def _input_loop(self):
        # Fallback when standard input is not a real file descriptor.
        receiver = threading.Thread(target=self.receive, daemon=True)
        receiver.start()
        while not self.exit_run.is_set():
            try:
                line = input()
            except EOFError:
                return
            if self.exit_run.is_set() or line == 'exit':
                return
            if line:
                self.send(line)

    def run(self):
        if not self.connect_server():
            print('Could not join the chatroom as {}'.format(self.client_name), flush=True)
            try:
                self.client_socket.close()
            except OSError:
                pass
            return
        try:
            fd = _stdin_fd()
            if fd is None:
                self._input_loop()
            else:
                self._chat_loop(fd)
        except KeyboardInterrupt:
            pass
        except OSError:
            pass
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_run.set()
        self.exit_receive.set()
        try:
            self.client_socket.shutdown(socket.SHUT_WR)
            self.client_socket.setblocking(False)
            while self.client_socket.recv(TCP_RECV_SIZE):
                pass
        except OSError:
            pass
        try:
            self.client_socket.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# UDP
# ---------------------------------------------------------------------------

class ServerUDP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_addr = _local_ip()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((self.server_addr, self.server_port))
        self.server_socket.setblocking(False)
        self.clients = {}       # client address -> name
        self.messages = []      # (sender address, message) tuples
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.server_socket, selectors.EVENT_READ)
        self._closed = False

    def _send_to(self, client_addr, text):
        try:
            self.server_socket.sendto(text.encode('utf-8'), client_addr)
        except OSError:
            pass

    def accept_client(self, client_addr, message):
        name = message.split(':', 1)[0]
        with self._lock:
            if name in self.clients.values():
                self._send_to(client_addr, 'Name already taken')
                return False
            self._send_to(client_addr, 'Welcome')
            self.clients[client_addr] = name
            self.messages.append((client_addr, 'User {} joined'.format(name)))
            self.broadcast()
            return True

    def close_client(self, client_addr):
        with self._lock:
            if client_addr not in self.clients:
                return False
            name = self.clients.pop(client_addr)
            self.messages.append((client_addr, 'User {} left'.format(name)))
            self.broadcast()
            return True

    def broadcast(self):
        with self._lock:
            if not self.messages:
                return
            sender_addr, message = self.messages[-1]
            for client_addr in list(self.clients):
                if client_addr != sender_addr:
                    self._send_to(client_addr, message)

    def shutdown(self):
        with self._lock:
            if not self._closed:
                self._closed = True
                for client_addr in list(self.clients):
                    self._send_to(client_addr, 'server-shutdown')
                self.clients.clear()
            self._stop.set()
            try:
                self._selector.unregister(self.server_socket)
            except (KeyError, ValueError, OSError):
                pass
            try:
                self.server_socket.close()
            except OSError:
                pass

    def get_clients_number(self):
        return len(self.clients)

    def _dispatch(self, addr, message):
        """Act on one datagram: only the address decides who sent it."""
        with self._lock:
            member = self.clients.get(addr)
            if member is not None and message.startswith(member + ':'):
                name, text = member, message[len(member) + 1:]
            else:
                name, _, text = message.partition(':')
            if text == 'join':
                if addr not in self.clients:
                    self.accept_client(addr, message)
            elif text == 'exit':
                self.close_client(addr)
            elif addr in self.clients:
                sender = self.clients[addr]
                relay = '{}: {}'.format(sender, text)
                self.messages.append((addr, relay))
                self.broadcast()

    def run(self):
        try:
            while not self._stop.is_set():
                try:
                    events = self._selector.select(timeout=LOOP_TIMEOUT)
                except (OSError, ValueError):
                    break
                for _ in events:
                    if self._stop.is_set():
                        break
                    try:
                        data, addr = self.server_socket.recvfrom(UDP_RECV_SIZE)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        if self._stop.is_set():
                            break
                        continue
                    self._dispatch(addr, data.decode('utf-8', 'replace'))
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()
            try:
                self._selector.close()
            except (OSError, ValueError):
                pass


class ClientUDP:

    def __init__(self, client_name, server_port):
        self.server_addr = _local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()      # set = leave the main loop
        self.exit_receive = threading.Event()  # set = stop receiving

    def connect_server(self):
        try:
            self.send('join')
            ready, _, _ = select.select([self.client_socket], [], [], 3.0)
            if not ready:
                return False  # the server never answered
            data, _ = self.client_socket.recvfrom(UDP_RECV_SIZE)
        except (OSError, ValueError):
            return False
        return 'Welcome' in data.decode('utf-8', 'replace')

    def send(self, text):
        datagram = '{}:{}'.format(self.client_name, text)
        self.client_socket.sendto(datagram.encode('utf-8'), (self.server_addr, self.server_port))

    def _take_datagram(self, data):
        """Handle one received datagram; returns False once the client must stop."""
        text = data.decode('utf-8', 'replace')
        if text == 'server-shutdown':
            self.exit_run.set()
            self.exit_receive.set()
            return False
        print(text, flush=True)
        return True

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                ready, _, _ = select.select([self.client_socket], [], [], LOOP_TIMEOUT)
                if not ready:
                    continue
                data, _ = self.client_socket.recvfrom(UDP_RECV_SIZE)
            except (OSError, ValueError):
                break
            if not self._take_datagram(data):
                break

    def _chat_loop(self, fd):
        lines = _LineSplitter(fd)
        watched = [self.client_socket, fd]
        while not self.exit_run.is_set():
            ready, _, _ = select.select(watched, [], [], LOOP_TIMEOUT)
            if not ready:
                continue
            if self.client_socket in ready:
                try:
                    data, _ = self.client_socket.recvfrom(UDP_RECV_SIZE)
                except OSError:
                    continue
                if not self._take_datagram(data):
                    return
            if fd in ready:
                for typed in lines.read_lines():
                    if typed == 'exit':
                        return
                    if typed:
                        self.send(typed)
                if lines.eof:
                    return

    def _input_loop(self):
        # Fallback when standard input is not a real file descriptor.
        receiver = threading.Thread(target=self.receive, daemon=True)
        receiver.start()
        while not self.exit_run.is_set():
            try:
                typed = input()
            except EOFError:
                return
            if self.exit_run.is_set() or typed == 'exit':
                return
            if typed:
                self.send(typed)

    def _leave(self):
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_run.set()
        self.exit_receive.set()
        try:
            self.client_socket.close()
        except OSError:
            pass

    def run(self):
        if not self.connect_server():
            print('Could not join the chatroom as {}'.format(self.client_name), flush=True)
            try:
                self.client_socket.close()
            except OSError:
                pass
            return
        try:
            fd = _stdin_fd()
            if fd is None:
                self._input_loop()
            else:
                self._chat_loop(fd)
        except KeyboardInterrupt:
            pass
        except OSError:
            pass
        self._leave()
