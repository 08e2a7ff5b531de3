# Assignment 02 - TCP & UDP chatroom
# One file, four classes. Server threads block in recv() and are woken up by
# socket.shutdown() when the server stops; the clients read the keyboard in a
# helper thread and hand the lines to run() through a queue.
import queue
import select
import socket
import sys
import threading


def local_ip():
    return socket.gethostbyname(socket.gethostname())


class ServerTCP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((local_ip(), server_port))
        self.server_socket.listen(5)
        self.clients = {}                     # client socket -> name
        self.run_event = threading.Event()
        self.handle_event = threading.Event()
        self.lock = threading.RLock()         # guards clients (several handler threads)
        self.new_client = None                # socket accepted last, for run()
        self.stopped = False

    def accept_client(self):
        try:
            client_socket, client_addr = self.server_socket.accept()
        except OSError:
            return False
        name = ''
        try:
            # the name should come right away, but do not miss a stop meanwhile
            while not self.run_event.is_set():
                ready, _, _ = select.select([client_socket], [], [], 0.2)
                if ready:
                    name = client_socket.recv(1024).decode()
                    break
        except (OSError, ValueError, UnicodeDecodeError):
            name = ''
        if not name:
            client_socket.close()
            return False
        with self.lock:
            try:
                if name in self.clients.values():
                    client_socket.send('Name already taken'.encode())
                    client_socket.close()
                    return False
                client_socket.send('Welcome'.encode())
            except OSError:
                client_socket.close()
                return False
            self.clients[client_socket] = name
            self.broadcast(client_socket, 'join')
        self.new_client = client_socket
        return True

    def close_client(self, client_socket):
        with self.lock:
            if client_socket not in self.clients:
                return False
            del self.clients[client_socket]
        try:
            client_socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        client_socket.close()
        return True

    def broadcast(self, client_socket_sent, message):
        with self.lock:
            if self.stopped:
                return
            name = self.clients.get(client_socket_sent, 'Unknown')
            if message == 'join':
                text = 'User {} joined'.format(name)
            elif message == 'exit':
                text = 'User {} left'.format(name)
            else:
                text = '{}: {}'.format(name, message)
            for sock in list(self.clients):
                if sock is client_socket_sent:
                    continue
                try:
                    sock.sendall(text.encode())
                except OSError:
                    pass

    def shutdown(self):
        self.handle_event.set()
        with self.lock:
            self.stopped = True
            everyone = list(self.clients)
            for sock in everyone:
                try:
                    sock.sendall('server-shutdown'.encode())
                except OSError:
                    pass
        for sock in everyone:
            self.close_client(sock)
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
                data = client_socket.recv(1024)
            except OSError:
                data = b''
            if self.handle_event.is_set():
                break
            if not data:
                # the client vanished without saying 'exit'
                if client_socket in self.clients:
                    self.broadcast(client_socket, 'exit')
                    self.close_client(client_socket)
                break
            message = data.decode(errors='replace')
            if message == 'exit':
                self.broadcast(client_socket, 'exit')
                self.close_client(client_socket)
                break
            self.broadcast(client_socket, message)

    def run(self):
        print('TCP chatroom on {}:{}'.format(local_ip(), self.server_port))
        try:
            while not self.run_event.is_set():
                try:
                    ready, _, _ = select.select([self.server_socket], [], [], 0.5)
                except (OSError, ValueError):
                    break
                if ready and not self.run_event.is_set():
                    if self.accept_client():
                        worker = threading.Thread(target=self.handle_client,
                                                  args=(self.new_client,), daemon=True)
                        worker.start()
        except KeyboardInterrupt:
            print('\nServer stopped with Ctrl-C')
        self.shutdown()


class ClientTCP:

    def __init__(self, client_name, server_port):
        self.server_addr = local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()
        self.typed = queue.Queue()            # lines from the keyboard thread

    def connect_server(self):
        try:
            self.client_socket.settimeout(10)
            self.client_socket.connect((self.server_addr, self.server_port))
            self.send(self.client_name)
            reply = self.client_socket.recv(1024).decode()
            self.client_socket.settimeout(None)
        except (OSError, UnicodeDecodeError):
            return False
        if 'Welcome' in reply:
            print(reply)
            return True
        print(reply)
        return False

    def send(self, text):
        self.client_socket.sendall(text.encode())

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data = self.client_socket.recv(1024)
            except OSError:
                break
            if not data:
                # server is gone
                self.exit_run.set()
                self.exit_receive.set()
                break
            message = data.decode(errors='replace')
            if message == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(message, flush=True)

    def keyboard(self):
        while True:
            try:
                line = input()
            except (EOFError, OSError, ValueError):
                self.typed.put(None)
                return
            self.typed.put(line)

    def run(self):
        if not self.connect_server():
            return
        receiver = threading.Thread(target=self.receive, daemon=True)
        receiver.start()
        threading.Thread(target=self.keyboard, daemon=True).start()
        try:
            while not self.exit_run.is_set():
                try:
                    text = self.typed.get(timeout=0.2)
                except queue.Empty:
                    continue
                if text is None or text == 'exit':
                    break
                self.send(text)
        except KeyboardInterrupt:
            pass
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()
        receiver.join(1.0)
        self.client_socket.close()


class ServerUDP:

    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((local_ip(), server_port))
        self.clients = {}                     # client address -> name
        self.messages = []                    # (sender address, text)
        self.stopping = False

    def accept_client(self, client_addr, message):
        if message.endswith(':join'):
            name = message[:-len(':join')]
        else:
            name = message.split(':')[0]
        if name in self.clients.values():
            self.server_socket.sendto('Name already taken'.encode(), client_addr)
            return False
        self.server_socket.sendto('Welcome'.encode(), client_addr)
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
        sender, text = self.messages[-1]
        for addr in list(self.clients):
            if addr == sender:
                continue
            try:
                self.server_socket.sendto(text.encode(), addr)
            except OSError:
                pass

    def shutdown(self):
        self.stopping = True
        for addr in list(self.clients):
            try:
                self.server_socket.sendto('server-shutdown'.encode(), addr)
            except OSError:
                pass
        self.clients.clear()
        try:
            self.server_socket.shutdown(socket.SHUT_RDWR)   # wakes run() up
        except OSError:
            pass
        self.server_socket.close()

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        print('UDP chatroom on {}:{}'.format(local_ip(), self.server_port))
        try:
            while not self.stopping:
                try:
                    data, addr = self.server_socket.recvfrom(1024)
                except ConnectionResetError:
                    continue
                except OSError:
                    break
                if self.stopping:
                    break
                if not data:
                    continue
                message = data.decode(errors='replace')
                sender = self.clients.get(addr)
                if sender is not None and message.startswith(sender + ':'):
                    text = message[len(sender) + 1:]
                elif sender is not None:
                    text = message.partition(':')[2]
                else:
                    text = message.rpartition(':')[2]
                if text == 'join':
                    self.accept_client(addr, message)
                elif text == 'exit':
                    self.close_client(addr)
                elif sender is not None:
                    self.messages.append((addr, '{}: {}'.format(sender, text)))
                    self.broadcast()
        except KeyboardInterrupt:
            print('\nServer stopped with Ctrl-C')
        if not self.stopping:
            self.shutdown()


class ClientUDP:

    def __init__(self, client_name, server_port):
        self.server_addr = local_ip()
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()
        self.typed = queue.Queue()

    def connect_server(self):
        try:
            self.send('join')
            self.client_socket.settimeout(10)
            data, _ = self.client_socket.recvfrom(1024)
            self.client_socket.settimeout(None)
            reply = data.decode()
        except (OSError, UnicodeDecodeError):
            return False
        print(reply)
        return reply.startswith('Welcome')

    def send(self, text):
        message = '{}:{}'.format(self.client_name, text)
        self.client_socket.sendto(message.encode(), (self.server_addr, self.server_port))

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data, addr = self.client_socket.recvfrom(1024)
            except OSError:
                break
            if self.exit_receive.is_set():
                break
            text = data.decode(errors='replace')
            if text == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            sys.stdout.write(text + '\n')
            sys.stdout.flush()

    def keyboard(self):
        while True:
            try:
                line = input()
            except (EOFError, OSError, ValueError):
                self.typed.put(None)
                return
            self.typed.put(line)

    def run(self):
        if not self.connect_server():
            return
        receiver = threading.Thread(target=self.receive, daemon=True)
        receiver.start()
        threading.Thread(target=self.keyboard, daemon=True).start()
        try:
            while not self.exit_run.is_set():
                try:
                    line = self.typed.get(timeout=0.2)
                except queue.Empty:
                    continue
                if line == 'exit' or line is None:
                    break
                self.send(line)
        except KeyboardInterrupt:
            sys.stdout.write('\n')
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()
        try:
            self.client_socket.shutdown(socket.SHUT_RDWR)   # wakes receive() up
        except OSError:
            pass
        receiver.join(1.0)
        self.client_socket.close()
