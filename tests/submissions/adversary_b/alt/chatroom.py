"""A second, deliberately different correct implementation, used only to check that the
proofs accept every allowed choice: thread per client, blocking calls, input() in the main
thread with a receive() thread, greeting 'Welcome!', refused TCP connections left open,
remove-then-announce leave order, UDP relay as the datagram was received, UDP shutdown via
close_client (so 'User x left' goes out too), a UDP connect_server that waits indefinitely,
prompts and extra lines printed by the clients."""
import select
import socket
import sys
import threading


class ServerTCP:
    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
        self.server_socket.listen()
        self.clients = {}
        self.run_event = threading.Event()
        self.handle_event = threading.Event()
        self.lock = threading.Lock()
        print('TCP server listening on', server_port)

    def accept_client(self):
        client_socket, addr = self.server_socket.accept()
        name = client_socket.recv(1024).decode()
        with self.lock:
            taken = name in self.clients.values()
        if taken:
            client_socket.send('Name already taken'.encode())
            return False      # connection deliberately left open
        client_socket.send('Welcome!'.encode())
        with self.lock:
            self.clients[client_socket] = name
        self.broadcast(client_socket, 'join')
        threading.Thread(target=self.handle_client, args=(client_socket,), daemon=True).start()
        return True

    def close_client(self, client_socket):
        with self.lock:
            if client_socket in self.clients:
                del self.clients[client_socket]
                client_socket.close()
                return True
        return False

    def broadcast(self, client_socket_sent, message, sender_name=None):
        with self.lock:
            name = sender_name if sender_name is not None else self.clients.get(client_socket_sent)
            if message == 'join':
                msg = f'User {name} joined'
            elif message == 'exit':
                msg = f'User {name} left'
            else:
                msg = f'{name}: {message}'
            for sock in list(self.clients):
                if sock != client_socket_sent:
                    try:
                        sock.send(msg.encode())
                    except OSError:
                        pass

    def shutdown(self):
        with self.lock:
            socks = list(self.clients)
        for sock in socks:
            try:
                sock.send('server-shutdown'.encode())
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
        self.run_event.set()
        self.handle_event.set()
        self.server_socket.close()

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        while not self.handle_event.is_set():
            try:
                r, _, _ = select.select([client_socket], [], [], 0.5)
                if not r:
                    continue
                data = client_socket.recv(1024)
            except (OSError, ValueError):
                break
            if not data:
                break
            msg = data.decode()
            if msg == 'exit':
                name = self.clients.get(client_socket)
                self.close_client(client_socket)              # remove, then announce
                self.broadcast(client_socket, 'exit', sender_name=name)
                break
            self.broadcast(client_socket, msg)

    def run(self):
        try:
            while not self.run_event.is_set():
                r, _, _ = select.select([self.server_socket], [], [], 1.0)
                if r:
                    self.accept_client()
        except KeyboardInterrupt:
            pass
        except OSError:
            pass
        self.shutdown()


class ClientTCP:
    def __init__(self, client_name, server_port):
        self.server_addr = socket.gethostbyname(socket.gethostname())
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        try:
            self.client_socket.connect((self.server_addr, self.server_port))
            self.client_socket.send(self.client_name.encode())
            resp = self.client_socket.recv(1024).decode()
            print(resp)
            return 'Welcome' in resp
        except OSError:
            return False

    def send(self, text):
        self.client_socket.send(text.encode())

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                msg = self.client_socket.recv(1024).decode()
            except OSError:
                break
            if not msg:
                break
            if msg == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            sys.stdout.write('\r' + msg + '\n> ')
            sys.stdout.flush()

    def run(self):
        if not self.connect_server():
            return
        threading.Thread(target=self.receive, daemon=True).start()
        try:
            while not self.exit_run.is_set():
                text = input('> ')
                if self.exit_run.is_set() or text == 'exit':
                    break
                self.send(text)
        except (KeyboardInterrupt, EOFError):
            pass
        try:
            self.send('exit')
        except OSError:
            pass
        self.exit_receive.set()


class ServerUDP:
    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
        self.clients = {}
        self.messages = []
        self.stopped = False

    def accept_client(self, client_addr, message):
        name = message.split(':')[0]
        if name in self.clients.values():
            self.server_socket.sendto(b'Name already taken', client_addr)
            return False
        self.server_socket.sendto(b'Welcome', client_addr)
        self.clients[client_addr] = name
        self.messages.append((client_addr, f'User {name} joined'))
        self.broadcast()
        return True

    def close_client(self, client_addr):
        if client_addr not in self.clients:
            return False
        name = self.clients.pop(client_addr)
        self.messages.append((client_addr, f'User {name} left'))
        self.broadcast()
        return True

    def broadcast(self):
        addr, msg = self.messages[-1]
        for client in list(self.clients):
            if client != addr:
                self.server_socket.sendto(msg.encode(), client)

    def shutdown(self):
        if self.stopped:
            return
        self.stopped = True
        for addr in list(self.clients):
            self.server_socket.sendto(b'server-shutdown', addr)
            self.close_client(addr)
        self.server_socket.close()

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        try:
            while not self.stopped:
                data, addr = self.server_socket.recvfrom(1024)
                message = data.decode()
                _, _, text = message.partition(':')
                if text == 'join':
                    if addr not in self.clients:
                        self.accept_client(addr, message)
                elif text == 'exit':
                    self.close_client(addr)
                elif addr in self.clients:
                    self.messages.append((addr, message))     # relayed as received
                    self.broadcast()
        except KeyboardInterrupt:
            pass
        except OSError:
            pass
        self.shutdown()


class ClientUDP:
    def __init__(self, client_name, server_port):
        self.server_addr = socket.gethostbyname(socket.gethostname())
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        self.send('join')
        data, _ = self.client_socket.recvfrom(1024)     # waits as long as it takes
        return data.decode() == 'Welcome'

    def send(self, text):
        self.client_socket.sendto(f'{self.client_name}:{text}'.encode(), (self.server_addr, self.server_port))

    def receive(self):
        while not self.exit_receive.is_set():
            try:
                data, _ = self.client_socket.recvfrom(1024)
            except OSError:
                break
            msg = data.decode()
            if msg == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(msg)

    def run(self):
        if not self.connect_server():
            print('refused')
            return
        print('joined as', self.client_name)
        threading.Thread(target=self.receive, daemon=True).start()
        try:
            while not self.exit_run.is_set():
                text = input('You: ')
                if self.exit_run.is_set() or text == 'exit':
                    break
                self.send(text)
        except (KeyboardInterrupt, EOFError):
            pass
        self.send('exit')
        self.exit_receive.set()
