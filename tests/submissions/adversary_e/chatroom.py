"""Assignment 02 - TCP & UDP chatroom.

Written the slow, plain way: nothing here tries to be quick, every wait is a
long one, and that is on purpose (the assignment names no timeout).

  * ServerTCP.run() watches the listening socket with select() and a 1.5 s
    timeout, so it notices run_event at most 1.5 s late.  Each member gets a
    thread of its own; that thread sits in a blocking recv() with a 5 s socket
    timeout and looks at handle_event every time the recv() comes back.
  * The clients wait at most 3 s for the greeting, then clear the timeout,
    print the greeting and rest 0.3 s before going on.  receive() runs in a
    daemon thread and polls the socket with select() every 2 s.  The keyboard
    is read by a helper thread into a queue, so run() can look at exit_run
    twice a second and return after 'server-shutdown' without another line.
  * ServerUDP.run() loops on recvfrom() with a 2 s socket timeout and keeps a
    dict of address -> name.

Standard library only; runs on Python 3.9 and newer.
"""
import queue
import select
import socket
import threading
import time


def local_ip():
    # note 6 of the assignment: the machine's own address
    return socket.gethostbyname(socket.gethostname())


class ServerTCP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((local_ip(), server_port))
        self.server_socket.listen(5)
        self.clients = {}  # member socket -> member name
        self.run_event = threading.Event()
        self.handle_event = threading.Event()
        self.members_lock = threading.Lock()
        self.last_joined = None  # socket of the newest member, for run()

    def accept_client(self):
        try:
            conn, addr = self.server_socket.accept()
        except OSError:
            return False
        try:
            conn.settimeout(5)
            first = conn.recv(4096)  # the newcomer's name
        except OSError:
            conn.close()
            return False
        if not first:
            conn.close()
            return False
        name = first.decode('utf-8', 'replace').strip()
        with self.members_lock:
            taken = name in self.clients.values()
        if taken:
            try:
                conn.sendall('Name already taken'.encode('utf-8'))
            except OSError:
                pass
            conn.close()
            return False
        try:
            conn.sendall('Welcome'.encode('utf-8'))
        except OSError:
            conn.close()
            return False
        with self.members_lock:
            self.clients[conn] = name
        self.last_joined = conn
        self.broadcast(conn, 'join')
        return True

    def close_client(self, client_socket):
        with self.members_lock:
            was_member = client_socket in self.clients
            if was_member:
                del self.clients[client_socket]
        try:
            client_socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            client_socket.close()
        except OSError:
            pass
        return was_member

    def broadcast(self, client_socket_sent, message):
        with self.members_lock:
            sender = self.clients.get(client_socket_sent)
            others = [s for s in self.clients if s is not client_socket_sent]
        if sender is None:
            return
        if message == 'join':
            out = 'User {} joined'.format(sender)
        elif message == 'exit':
            out = 'User {} left'.format(sender)
        else:
            out = '{}: {}'.format(sender, message)
        for other in others:
            try:
                other.sendall(out.encode('utf-8'))
            except OSError:
                pass

    def shutdown(self):
        with self.members_lock:
            everyone = list(self.clients)
        for member in everyone:
            try:
                member.sendall('server-shutdown'.encode('utf-8'))
            except OSError:
                pass
        for member in everyone:
            self.close_client(member)
        self.run_event.set()
        self.handle_event.set()
        try:
            self.server_socket.close()
        except OSError:
            pass

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        try:
            client_socket.settimeout(5)
        except OSError:
            return  # closed before we even started
        while not self.handle_event.is_set():
            try:
                data = client_socket.recv(4096)
            except socket.timeout:
                continue  # five quiet seconds: look at handle_event again
            except OSError:
                data = b''  # reset or closed: treat it like the end of the stream
            if self.handle_event.is_set():
                break
            if not data:
                # the peer went away without saying 'exit'
                with self.members_lock:
                    still_here = client_socket in self.clients
                if still_here:
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
        print('TCP chatroom listening on port {}'.format(self.server_port))
        try:
            while not self.run_event.is_set():
                try:
                    readable, _, _ = select.select([self.server_socket], [], [], 1.5)
                except (OSError, ValueError):
                    break  # the listening socket was closed under us
                if not readable:
                    continue
                if self.accept_client():
                    worker = threading.Thread(target=self.handle_client,
                                              args=(self.last_joined,), daemon=True)
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
        self.lines = queue.Queue()  # what the keyboard thread has read

    def keyboard(self):
        while True:
            try:
                line = input()
            except (EOFError, OSError, ValueError):
                self.lines.put(None)
                return
            self.lines.put(line)

    def connect_server(self):
        try:
            self.client_socket.connect((self.server_addr, self.server_port))
            self.client_socket.send(self.client_name.encode('utf-8'))
            self.client_socket.settimeout(3)
            answer = self.client_socket.recv(4096).decode('utf-8', 'replace')
            self.client_socket.settimeout(None)
        except (OSError, socket.timeout):
            return False
        print(answer)
        time.sleep(0.3)
        return 'Welcome' in answer

    def send(self, text):
        self.client_socket.send(text.encode('utf-8'))

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                ready, _, _ = select.select([self.client_socket], [], [], 2)
            except (OSError, ValueError):
                break
            if not ready:
                continue
            try:
                chunk = self.client_socket.recv(4096)
            except OSError:
                break
            if not chunk:
                # the server is gone without a word
                self.exit_run.set()
                self.exit_receive.set()
                break
            incoming = chunk.decode('utf-8', 'replace')
            if incoming == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(incoming, flush=True)

    def run(self):
        reader = threading.Thread(target=self.keyboard, daemon=True)
        reader.start()
        if not self.connect_server():
            self.client_socket.close()
            return
        listener = threading.Thread(target=self.receive, daemon=True)
        listener.start()
        try:
            while not self.exit_run.is_set():
                try:
                    line = self.lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                if line is None or line == 'exit':
                    break
                try:
                    self.send(line)
                except OSError:
                    break  # the server has gone away under us
        except KeyboardInterrupt:
            pass
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()
        self.client_socket.close()


class ServerUDP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((local_ip(), server_port))
        self.clients = {}  # (ip, port) -> member name
        self.messages = []  # (sender address, text) waiting to go out

    def accept_client(self, client_addr, message):
        name = message.partition(':')[0]
        if name in self.clients.values():
            self.server_socket.sendto('Name already taken'.encode('utf-8'), client_addr)
            return False
        self.server_socket.sendto('Welcome'.encode('utf-8'), client_addr)
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
            if addr == origin:
                continue
            try:
                self.server_socket.sendto(text.encode('utf-8'), addr)
            except OSError:
                pass

    def shutdown(self):
        for addr in list(self.clients):
            try:
                self.server_socket.sendto('server-shutdown'.encode('utf-8'), addr)
            except OSError:
                pass
        self.clients.clear()
        try:
            self.server_socket.close()
        except OSError:
            pass

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        print('UDP chatroom listening on port {}'.format(self.server_port))
        self.server_socket.settimeout(2)
        try:
            while True:
                try:
                    data, sender = self.server_socket.recvfrom(4096)
                except socket.timeout:
                    continue  # a quiet two seconds; listen again
                message = data.decode('utf-8', 'replace')
                name, _, text = message.partition(':')
                if text == 'join':
                    self.accept_client(sender, message)
                elif text == 'exit':
                    self.close_client(sender)
                elif sender in self.clients:
                    self.messages.append((sender, '{}: {}'.format(self.clients[sender], text)))
                    self.broadcast()
        except KeyboardInterrupt:
            pass
        except Exception as problem:  # "or an error occurs"
            print('server stopping: {!r}'.format(problem))
        finally:
            self.shutdown()


class ClientUDP:

    def __init__(self, client_name, server_port):
        self.server_addr = local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()
        self.typed = queue.Queue()  # keyboard lines, filled by a helper thread

    def read_keys(self):
        while True:
            try:
                entry = input()
            except (EOFError, OSError, ValueError):
                self.typed.put(None)
                return
            self.typed.put(entry)

    def connect_server(self):
        try:
            self.send('join')
            self.client_socket.settimeout(3)
            packet, _ = self.client_socket.recvfrom(4096)
            self.client_socket.settimeout(None)
        except (OSError, socket.timeout):
            return False
        reply = packet.decode('utf-8', 'replace')
        print(reply)
        time.sleep(0.3)
        return reply == 'Welcome'

    def send(self, text):
        wire = '{}:{}'.format(self.client_name, text)
        self.client_socket.sendto(wire.encode('utf-8'), (self.server_addr, self.server_port))

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                ready, _, _ = select.select([self.client_socket], [], [], 2)
            except (OSError, ValueError):
                break
            if not ready:
                continue
            try:
                packet, _ = self.client_socket.recvfrom(4096)
            except OSError:
                break
            news = packet.decode('utf-8', 'replace')
            if news == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(news, flush=True)

    def run(self):
        keys = threading.Thread(target=self.read_keys, daemon=True)
        keys.start()
        if not self.connect_server():
            self.client_socket.close()
            return
        threading.Thread(target=self.receive, daemon=True).start()
        try:
            while not self.exit_run.is_set():
                try:
                    entry = self.typed.get(timeout=0.5)
                except queue.Empty:
                    continue
                if entry is None or entry == 'exit':
                    break
                self.send(entry)
        except KeyboardInterrupt:
            pass
        self.send('exit')
        self.exit_receive.set()
