"""Reference implementation of the TCP & UDP chatroom assignment.

Four classes, exactly as the assignment names them: ServerTCP, ClientTCP, ServerUDP, ClientUDP.
Standard library only; runs on Python 3.9 and newer.

Wire protocol (all text is UTF-8; bytes that are not UTF-8 are decoded with replacement):

    TCP  client -> server   first message: the client's name; then chat text; 'exit' to leave
         server -> client   'Welcome' | 'Name already taken' | 'User {x} joined' | 'User {x} left'
                            | '{x}: {message}' | 'server-shutdown'
    UDP  client -> server   '{client_name}:{text}'  ('alice:join', 'alice:hello', 'alice:exit')
         server -> client   the same strings as TCP; chat is relayed as '{x}: {text}' (the TCP format)

TCP has no framing in this protocol: one recv() is taken as one message, as the assignment does.

Choices the assignment leaves open, made here:
- Port 0 binds an ephemeral port; `server_port` then holds the port actually bound.
- ServerUDP also has a `run_event` (stop when set), like ServerTCP.
- A client that stops reading never stalls the room: each client's unsent bytes are kept in a bounded
  backlog, flushed by one background thread; a client whose backlog passes MAX_BACKLOG is dropped as if
  it had left. Broadcasting never holds a lock across a blocking send.
- A TCP client has NAME_TIMEOUT seconds after connecting to send its name.
- 'join' / 'exit' are commands only as the whole message (TCP) or the whole text after the name (UDP).
- When shutdown() returns, from whichever thread and however often it is called, the server socket is
  closed and its port can be bound again at once (see _ServerStop); run() returns promptly too.

Command line (the assignment's server.py / client.py, in one file):
    python chatroom.py server --tcp|--udp [--port 12345]
    python chatroom.py client --tcp|--udp --name NAME [--port 12345]
"""

import argparse
import os
import select
import selectors
import signal
import socket
import sys
import threading
import time

DEFAULT_PORT = 12345
RECV_SIZE = 65536
MAX_BACKLOG = 1 << 20          # bytes queued for one TCP client before it is dropped as a slow reader
NAME_TIMEOUT = 5.0             # seconds a new TCP connection has to send its name
POLL_INTERVAL = 0.2            # seconds between checks of the stop events in per-client threads
STOP_POLL = 0.05               # the same in the loops a person waits on: run()'s accept loop, the input loop
CONNECT_TIMEOUT = 5.0          # seconds a client waits for the server's reply to its join
SHUTDOWN_FLUSH = 1.0           # seconds shutdown() spends delivering 'server-shutdown' to slow readers
STOP_WAIT = 2.0                # seconds shutdown() waits for run()'s loop to leave its wait (see _ServerStop)
UDP_MESSAGES_KEPT = 10000      # ServerUDP.messages keeps at least this many of the latest entries
UDP_RECV_BATCH = 256           # datagrams handled per wake-up before the stop event is checked again

WELCOME = 'Welcome'
NAME_TAKEN = 'Name already taken'
SERVER_SHUTDOWN = 'server-shutdown'
JOIN = 'join'
EXIT = 'exit'


def local_address():
    return socket.gethostbyname(socket.gethostname())


def decode(data):
    return data.decode('utf-8', errors='replace')


def wait_ready(sock, timeout, write=False, wake=None):
    """True when `sock` is readable (or writable), False on timeout, or as soon as the socket `wake` (if
    given) is readable; raises OSError/ValueError if closed.

    poll() where the platform has it, since select() cannot watch descriptors above 1023.
    """
    if hasattr(select, 'poll'):
        poller = select.poll()
        poller.register(sock, select.POLLOUT if write else select.POLLIN)
        if wake is None:
            return bool(poller.poll(None if timeout is None else max(0, int(timeout * 1000))))
        poller.register(wake, select.POLLIN)
        wake_fd = wake.fileno()
        ready = poller.poll(None if timeout is None else max(0, int(timeout * 1000)))
        return bool(ready) and all(fd != wake_fd for fd, _ in ready)
    watched = [sock]
    readers = ([] if write else watched) + ([] if wake is None else [wake])
    ready = select.select(readers, watched if write else [], [], timeout)
    if wake is not None and wake in ready[0]:
        return False
    return bool(ready[0] or ready[1])


def close_quietly(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def discard_unread(sock, limit=64):
    """Read and drop what the peer sent, so that close() sends FIN rather than RST (which can destroy
    the last message we sent before the peer reads it)."""
    for _ in range(limit):
        try:
            if not sock.recv(RECV_SIZE):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return


class _Outbox:
    """Bytes on their way to one TCP client. The socket is non-blocking, so `push` never waits; what the
    kernel will not take now waits in `pending` for the flusher thread."""

    __slots__ = ('sock', 'lock', 'pending', 'dead')

    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        self.pending = bytearray()
        self.dead = False

    def push(self, data):
        """Queue `data`. Returns 'sent', 'queued' (the flusher must watch this outbox) or 'dead'."""
        with self.lock:
            if self.dead:
                return 'dead'
            if self.pending:
                if len(self.pending) + len(data) > MAX_BACKLOG:
                    self.dead = True
                    return 'dead'
                self.pending += data
                return 'queued'
            try:
                sent = self.sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self.dead = True
                return 'dead'
            if sent == len(data):
                return 'sent'
            self.pending += data[sent:]
            return 'queued'

    def flush_some(self):
        """Send what the kernel takes now. Returns True when nothing is left to send."""
        with self.lock:
            if self.dead:
                return True
            try:
                sent = self.sock.send(self.pending)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:
                self.dead = True
                return True
            del self.pending[:sent]
            return not self.pending

    def flush_until(self, deadline):
        while not self.flush_some():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                wait_ready(self.sock, remaining, write=True)
            except (OSError, ValueError):
                return False
        return True


class _Flusher(threading.Thread):
    """One thread that drains the backlogs of clients whose kernel buffers were full."""

    def __init__(self):
        super().__init__(name='chatroom-flusher', daemon=True)
        self.selector = selectors.DefaultSelector()
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.selector.register(self.wake_r, selectors.EVENT_READ, None)
        self.lock = threading.Lock()
        self.to_watch = []
        self.stopping = False

    def watch(self, outbox):
        with self.lock:
            self.to_watch.append(outbox)
        self._wake()

    def stop(self):
        self.stopping = True
        self._wake()

    def _wake(self):
        try:
            self.wake_w.send(b'x')
        except OSError:
            pass

    def run(self):
        try:
            while not self.stopping:
                with self.lock:
                    new, self.to_watch = self.to_watch, []
                for outbox in new:
                    try:
                        self.selector.register(outbox.sock, selectors.EVENT_WRITE, outbox)
                    except KeyError:
                        pass                    # already watched
                    except (OSError, ValueError):
                        outbox.dead = True      # socket closed meanwhile
                for key, _ in self.selector.select(POLL_INTERVAL):
                    if key.data is None:
                        discard_unread(self.wake_r)
                    elif key.data.flush_some():
                        try:
                            self.selector.unregister(key.fileobj)
                        except (KeyError, OSError, ValueError):
                            pass
        finally:
            self.selector.close()
            self.wake_r.close()
            self.wake_w.close()


class _ServerStop:
    """How a server's shutdown() makes sure that, when it returns, the server socket is closed and its
    port free.

    Closing a socket while another thread is blocked in poll() on it does not release it: the kernel keeps
    it (and its port) until that poll returns, up to STOP_POLL later, and a test that starts the next
    server on the same port at once fails with 'Address already in use'. So run()'s loop waits through
    `wait`, on the server socket and on a wake-up socketpair; shutdown() calls `wake` (after setting the
    stop events) and `wait_idle` (before closing the server socket), which returns once no other thread is
    inside `wait` any more (at most STOP_WAIT). Only the first shutdown() does the work; a later or
    concurrent call returns once the first one has finished (`begin`), so every call returns with the
    socket closed. The lock here is never held across a blocking call.
    """

    def __init__(self):
        self.cond = threading.Condition()
        self.started = False            # shutdown() has been called
        self.stopping = False           # `wait` returns at once: the server socket is about to close
        self.closer = None              # the thread of the first shutdown()
        self.finished = threading.Event()   # the first shutdown() has closed the server socket
        self.waiting = set()            # the threads inside `wait` now
        self.wake_r = self.wake_w = None    # made by the first `wait`

    def wait(self, sock, timeout):
        """run()'s wait: wait_ready(sock, timeout), which also returns (False) as soon as `wake` is called,
        and at once after it."""
        me = threading.get_ident()
        with self.cond:
            if self.stopping:
                return False
            if self.wake_r is None:
                try:
                    self.wake_r, self.wake_w = socket.socketpair()
                    self.wake_w.setblocking(False)
                except OSError:         # out of descriptors: wait_idle then waits out one timeout at most
                    self.wake_r = self.wake_w = None
            wake = self.wake_r
            self.waiting.add(me)
        try:
            return wait_ready(sock, timeout, wake=wake)
        finally:
            with self.cond:
                self.waiting.discard(me)
                self.cond.notify_all()

    def begin(self):
        """Every shutdown() starts here: True for the first call, which shuts down. Any other call gets
        False once the first one has finished (bounded)."""
        me = threading.get_ident()
        with self.cond:
            first = not self.started
            self.started = True
            if first:
                self.closer = me
            closer = self.closer
        if not first and closer != me:
            self.finished.wait(SHUTDOWN_FLUSH + STOP_WAIT + 1.0)
        return first

    def wake(self):
        """Make run()'s wait return now, and every later one at once."""
        with self.cond:
            self.stopping = True
            if self.wake_w is not None:
                try:
                    self.wake_w.send(b'x')
                except OSError:
                    pass

    def wait_idle(self):
        """Return once no other thread is inside `wait` (at most STOP_WAIT). The calling thread itself is
        never waited for: on run()'s own thread (its finally, or a signal handler that interrupted its
        wait) shutdown() does not wait for itself."""
        me = threading.get_ident()
        with self.cond:
            self.cond.wait_for(lambda: not self.waiting - {me}, STOP_WAIT)

    def end(self):
        """The first shutdown() has closed the server socket."""
        with self.cond:
            sockets, self.wake_r, self.wake_w = (self.wake_r, self.wake_w), None, None
        for sock in sockets:
            if sock is not None:
                sock.close()
        self.finished.set()


class ServerTCP:
    def __init__(self, server_port):
        self.server_addr = local_address()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((self.server_addr, server_port))
        self.server_socket.listen(socket.SOMAXCONN)
        self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}                 # client socket -> name
        self.run_event = threading.Event()
        self.handle_event = threading.Event()
        self._lock = threading.Lock()     # guards clients, _outboxes and the flusher; never held across I/O
        self._outboxes = {}               # client socket -> _Outbox
        self._flusher = None
        self._accepted = None             # the socket accept_client() welcomed last, for run()
        self._shut_down = False
        self._stop = _ServerStop()

    # -- the assignment's methods --------------------------------------------------------------------

    def accept_client(self):
        try:
            if not wait_ready(self.server_socket, 0):
                return False
            client_socket, _ = self.server_socket.accept()
        except (OSError, ValueError):
            return False
        client_socket.setblocking(False)
        try:
            # Small chat messages go out at once instead of waiting for the peer's delayed ACK (Nagle).
            client_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        name = self._read_name(client_socket)
        if not name:
            close_quietly(client_socket)
            return False
        outbox = _Outbox(client_socket)
        with self._lock:
            taken = name in self.clients.values()
            if not taken:
                # Registered before 'Welcome' goes out: a client that has been welcomed is counted and
                # hears every later broadcast. (The lock keeps broadcasts from reaching it before 'Welcome'.)
                self.clients[client_socket] = name
                self._outboxes[client_socket] = outbox
                outbox.push(WELCOME.encode())
        if taken:
            outbox.push(NAME_TAKEN.encode())
            outbox.flush_until(time.monotonic() + 1.0)
            discard_unread(client_socket)
            close_quietly(client_socket)
            return False
        self._accepted = client_socket
        self.broadcast(client_socket, JOIN)
        return True

    def close_client(self, client_socket):
        with self._lock:
            if client_socket not in self.clients:
                return False
            del self.clients[client_socket]
            self._outboxes.pop(client_socket, None)
        close_quietly(client_socket)
        return True

    def broadcast(self, client_socket_sent, message):
        name = self.clients.get(client_socket_sent, '')
        if message == JOIN:
            text = 'User {} joined'.format(name)
        elif message == EXIT:
            text = 'User {} left'.format(name)
        else:
            text = '{}: {}'.format(name, message)
        self._send_to_all(text.encode(), exclude=client_socket_sent)

    def shutdown(self):
        if not self._stop.begin():
            return                        # shut down already (or being shut down, and waited for)
        with self._lock:
            self._shut_down = True
            outboxes = list(self._outboxes.values())
            self._outboxes.clear()
            self.clients.clear()
            flusher, self._flusher = self._flusher, None
        self.run_event.set()
        self.handle_event.set()
        if flusher is not None:
            flusher.stop()
        self._stop.wake()
        notice = SERVER_SHUTDOWN.encode()
        slow = [box for box in outboxes if box.push(notice) == 'queued']
        deadline = time.monotonic() + SHUTDOWN_FLUSH
        for box in slow:
            box.flush_until(deadline)
        for box in outboxes:
            discard_unread(box.sock)
            close_quietly(box.sock)
        self._stop.wait_idle()            # then closing releases the port at once (see _ServerStop)
        close_quietly(self.server_socket)
        self._stop.end()

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        while not self.handle_event.is_set():
            try:
                data = client_socket.recv(RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                try:
                    wait_ready(client_socket, POLL_INTERVAL)
                except (OSError, ValueError):
                    break
                continue
            except OSError:
                data = b''
            if not data:
                break                     # the client vanished: same as 'exit'
            message = decode(data)
            if message == EXIT:
                break
            self.broadcast(client_socket, message)
        if self.handle_event.is_set():
            return
        # Removed first, announced after: whoever hears 'User x left' can take the name x at once, and
        # a client dropped concurrently (see _drop) is announced once, never as 'User  left'.
        self._drop(client_socket)

    def run(self):
        try:
            while not self.run_event.is_set():
                try:
                    if not self._stop.wait(self.server_socket, STOP_POLL):
                        continue
                except (OSError, ValueError):
                    break
                if self.accept_client():
                    threading.Thread(target=self.handle_client, args=(self._accepted,),
                                     name='chatroom-client', daemon=True).start()
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()

    # -- helpers -------------------------------------------------------------------------------------

    def _read_name(self, client_socket):
        deadline = time.monotonic() + NAME_TIMEOUT
        while True:
            try:
                data = client_socket.recv(RECV_SIZE)
                return decode(data).strip()
            except (BlockingIOError, InterruptedError):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.run_event.is_set():
                    return ''
                try:
                    wait_ready(client_socket, min(remaining, POLL_INTERVAL))
                except (OSError, ValueError):
                    return ''
            except OSError:
                return ''

    def _send_to_all(self, data, exclude=None):
        with self._lock:
            targets = [box for sock, box in self._outboxes.items() if sock is not exclude]
        dropped = []
        for box in targets:
            outcome = box.push(data)
            if outcome == 'queued':
                self._watch(box)
            elif outcome == 'dead':
                dropped.append(box.sock)
        for sock in dropped:
            self._drop(sock)

    def _watch(self, outbox):
        with self._lock:
            if self._shut_down:
                return
            if self._flusher is None:
                self._flusher = _Flusher()
                self._flusher.start()
            flusher = self._flusher
        flusher.watch(outbox)

    def _drop(self, client_socket):
        """A client that said 'exit', vanished or overflowed its backlog leaves: removed, then announced."""
        name = self.clients.get(client_socket)
        if name is not None and self.close_client(client_socket):
            self._send_to_all('User {} left'.format(name).encode(), exclude=client_socket)


class ClientTCP:
    def __init__(self, client_name, server_port):
        self.server_addr = local_address()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        try:
            self.client_socket.settimeout(CONNECT_TIMEOUT)
            self.client_socket.connect((self.server_addr, self.server_port))
            self.client_socket.sendall(self.client_name.encode())
            reply = decode(self.client_socket.recv(RECV_SIZE))
        except OSError:
            return False
        finally:
            try:
                self.client_socket.settimeout(None)
            except OSError:
                pass
        if WELCOME in reply:
            show(reply)
            return True
        show(reply or 'The server closed the connection')
        return False

    def send(self, text):
        self.client_socket.sendall(text.encode())

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                if not wait_ready(self.client_socket, POLL_INTERVAL):
                    continue
                data = self.client_socket.recv(RECV_SIZE)
            except (OSError, ValueError):
                data = b''
            if not data:
                if not self.exit_receive.is_set():
                    show('Connection to the server lost')
                self.exit_run.set()
                self.exit_receive.set()
                return
            message = decode(data)
            before, is_shutdown = split_shutdown(message)
            if before:
                show(before)
            if is_shutdown:
                self.exit_run.set()
                self.exit_receive.set()
                return

    def run(self):
        run_client(self)


class ServerUDP:
    def __init__(self, server_port):
        self.server_addr = local_address()
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            try:
                self.server_socket.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
            except OSError:
                pass
        self.server_socket.bind((self.server_addr, server_port))
        self.server_socket.setblocking(False)
        self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}                 # client address -> name
        self.messages = []                # (sender address, text as sent to the others)
        self.run_event = threading.Event()
        self._lock = threading.Lock()
        self._stop = _ServerStop()

    def accept_client(self, client_addr, message):
        name, _, _ = message.partition(':')
        with self._lock:
            taken = name in self.clients.values()
            if not taken:
                self.clients[client_addr] = name
        if taken:
            self._send(NAME_TAKEN.encode(), client_addr)
            return False
        self._send(WELCOME.encode(), client_addr)
        self._record(client_addr, 'User {} joined'.format(name))
        self.broadcast()
        return True

    def close_client(self, client_addr):
        with self._lock:
            name = self.clients.pop(client_addr, None)
        if name is None:
            return False
        self._record(client_addr, 'User {} left'.format(name))
        self.broadcast()
        return True

    def broadcast(self):
        if not self.messages:
            return
        sender, text = self.messages[-1]
        data = text.encode()
        with self._lock:
            targets = [addr for addr in self.clients if addr != sender]
        for addr in targets:
            self._send(data, addr)

    def shutdown(self):
        if not self._stop.begin():
            return                        # shut down already (or being shut down, and waited for)
        with self._lock:
            targets = list(self.clients)
            self.clients.clear()
        self.run_event.set()
        self._stop.wake()
        notice = SERVER_SHUTDOWN.encode()
        for addr in targets:
            self._send(notice, addr)
        self._stop.wait_idle()            # then closing releases the port at once (see _ServerStop)
        try:
            self.server_socket.close()
        except OSError:
            pass
        self._stop.end()

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        try:
            while not self.run_event.is_set():
                try:
                    if not self._stop.wait(self.server_socket, STOP_POLL):
                        continue
                except (OSError, ValueError):
                    break
                for _ in range(UDP_RECV_BATCH):
                    try:
                        data, addr = self.server_socket.recvfrom(RECV_SIZE)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        continue          # e.g. an ICMP error reported for an earlier datagram
                    self._handle_datagram(addr, decode(data))
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()

    def _handle_datagram(self, addr, datagram):
        name, separator, text = datagram.partition(':')
        if not separator:
            name, text = '', datagram
        if text == JOIN and name:
            self.accept_client(addr, datagram)
        elif addr not in self.clients:
            return                        # not joined: ignored
        elif text == EXIT:
            self.close_client(addr)
        else:
            self._record(addr, '{}: {}'.format(self.clients.get(addr, name), text))
            self.broadcast()

    def _record(self, addr, text):
        self.messages.append((addr, text))
        if len(self.messages) > 2 * UDP_MESSAGES_KEPT:
            del self.messages[:-UDP_MESSAGES_KEPT]

    def _send(self, data, addr):
        for _ in range(2):
            try:
                self.server_socket.sendto(data, addr)
                return
            except (BlockingIOError, InterruptedError):
                try:
                    wait_ready(self.server_socket, 0.05, write=True)
                except (OSError, ValueError):
                    return
            except OSError:
                return                    # unreachable or vanished client: UDP drops it


class ClientUDP:
    def __init__(self, client_name, server_port):
        self.server_addr = local_address()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        try:
            self.send(JOIN)
            if not wait_ready(self.client_socket, CONNECT_TIMEOUT):
                show('No reply from the server')
                return False
            data, _ = self.client_socket.recvfrom(RECV_SIZE)
        except (OSError, ValueError):
            return False
        reply = decode(data)
        show(reply)
        return reply == WELCOME

    def send(self, text):
        message = '{}:{}'.format(self.client_name, text)
        self.client_socket.sendto(message.encode(), (self.server_addr, self.server_port))

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                if not wait_ready(self.client_socket, POLL_INTERVAL):
                    continue
                data, _ = self.client_socket.recvfrom(RECV_SIZE)
            except (OSError, ValueError):
                if self.exit_receive.is_set():
                    return
                continue
            message = decode(data)
            if message == SERVER_SHUTDOWN:
                self.exit_run.set()
                self.exit_receive.set()
                return
            show(message)

    def run(self):
        run_client(self)


# -- client helpers shared by ClientTCP and ClientUDP ------------------------------------------------

_output_lock = threading.Lock()


def show(message):
    with _output_lock:
        sys.stdout.write(message + '\n')
        sys.stdout.flush()


def split_shutdown(message):
    """TCP may deliver 'server-shutdown' fused to the message before it. Returns (text before it,
    whether the server is shutting down). A chat line whose text is 'server-shutdown' is still chat."""
    if message == SERVER_SHUTDOWN:
        return '', True
    if message.endswith(SERVER_SHUTDOWN):
        before = message[:-len(SERVER_SHUTDOWN)]
        if not before.endswith(': '):
            return before, True
    return message, False


class _StdinLines:
    """Lines typed by the user, waited for with a timeout so that the client notices exit_run while
    idle at the prompt. On POSIX the descriptor is polled directly; elsewhere a reader thread helps."""

    def __init__(self):
        self.buffer = b''
        self.eof = False
        self.fd = None
        try:
            fd = sys.stdin.fileno()
            if os.name == 'posix':
                self.fd = fd
        except (AttributeError, OSError, ValueError):
            pass
        if self.fd is None:
            import queue
            self.queue = queue.Queue()
            threading.Thread(target=self._read_with_thread, daemon=True).start()

    def _read_with_thread(self):
        for line in sys.stdin:
            self.queue.put(line.rstrip('\r\n'))
        self.queue.put(None)

    def next_line(self, timeout):
        """The next line, or None at end of input; raises TimeoutError when nothing came in time."""
        if self.fd is None:
            import queue
            try:
                return self.queue.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError from None
        while b'\n' not in self.buffer:
            if self.eof:
                if self.buffer:
                    line, self.buffer = self.buffer, b''
                    return decode(line).rstrip('\r')
                return None
            if not wait_ready(self.fd, timeout):
                raise TimeoutError
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.eof = True
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b'\n')
        return decode(line).rstrip('\r')


def run_client(client):
    """The main loop the assignment gives ClientTCP.run and ClientUDP.run."""
    try:
        if not client.connect_server():
            client.exit_receive.set()
            return
        receiver = threading.Thread(target=client.receive, name='chatroom-receive', daemon=True)
        receiver.start()
        lines = _StdinLines()
        while not client.exit_run.is_set():
            try:
                line = lines.next_line(STOP_POLL)
            except TimeoutError:
                continue
            if line is None or line == EXIT:
                break
            if line:
                client.send(line)
        if not client.exit_run.is_set():
            client.send(EXIT)
    except KeyboardInterrupt:
        if not client.exit_run.is_set():
            try:
                client.send(EXIT)
            except OSError:
                pass
    except OSError as error:
        show('Connection error: {}'.format(error))
    finally:
        client.exit_receive.set()
        close_quietly(client.client_socket)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='chatroom.py', description='TCP & UDP chatroom (reference implementation).')
    roles = parser.add_subparsers(dest='role', required=True)
    for role in ('server', 'client'):
        sub = roles.add_parser(role, help='run a chat {}'.format(role))
        transport = sub.add_mutually_exclusive_group(required=True)
        transport.add_argument('--tcp', action='store_true', help='use TCP')
        transport.add_argument('--udp', action='store_true', help='use UDP')
        sub.add_argument('--port', '-p', type=int, default=DEFAULT_PORT,
                         help='server port (default %(default)s; 0 for any free port on a server)')
        if role == 'client':
            sub.add_argument('--name', '-n', required=True, help='your name in the chatroom')
    args = parser.parse_args(argv)
    # Ctrl-C stops a server and ends a client; started from a background job (or nohup, or a CI runner)
    # this process inherits SIGINT ignored, and Python then leaves it so: restore the default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.role == 'server':
        server = (ServerTCP if args.tcp else ServerUDP)(args.port)
        print('{} chatroom server on {}:{} (Ctrl-C to stop)'.format(
            'TCP' if args.tcp else 'UDP', server.server_addr, server.server_port), flush=True)
        server.run()
    else:
        client = (ClientTCP if args.tcp else ClientUDP)(args.name, args.port)
        client.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
