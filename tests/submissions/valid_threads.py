"""A valid chatroom.py in the socketserver style: a thread per TCP client with blocking sockets, an
accept() with a socket timeout, a lock around the clients dict, 'Welcome!' as the TCP greeting, and a UDP
server that relays datagrams as received ('name:text') with a recvfrom() timeout. It must score full
marks, with leniency notes for the greeting and the relay format."""

import socket
import threading


def local_ip():
    return socket.gethostbyname(socket.gethostname())


class ServerTCP:
    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((local_ip(), server_port))
        self.server_socket.listen()
        self.server_socket.settimeout(0.2)
        if not server_port:
            self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}
        self.run_event = threading.Event()
        self.handle_event = threading.Event()
        self.lock = threading.RLock()
        self.last_accepted = None

    def accept_client(self):
        try:
            conn, _ = self.server_socket.accept()
        except (socket.timeout, OSError):
            return False
        conn.settimeout(None)
        name = conn.recv(1024).decode().strip()
        with self.lock:
            if name in self.clients.values():
                conn.send('Name already taken'.encode())
                conn.close()
                return False
            conn.send('Welcome!'.encode())
            self.clients[conn] = name
        self.broadcast(conn, 'join')
        self.last_accepted = conn
        return True

    def close_client(self, client_socket):
        with self.lock:
            if self.clients.pop(client_socket, None) is None:
                return False
        try:
            client_socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        client_socket.close()
        return True

    def broadcast(self, client_socket_sent, message):
        with self.lock:
            name = self.clients.get(client_socket_sent, '?')
            if message == 'join':
                line = 'User ' + name + ' joined'
            elif message == 'exit':
                line = 'User ' + name + ' left'
            else:
                line = name + ': ' + message
            for conn in self.clients:
                if conn != client_socket_sent:
                    try:
                        conn.send(line.encode())
                    except OSError:
                        pass

    def shutdown(self):
        with self.lock:
            for conn in list(self.clients):
                try:
                    conn.send('server-shutdown'.encode())
                except OSError:
                    pass
                conn.close()
            self.clients = {}
        self.run_event.set()
        self.handle_event.set()
        self.server_socket.close()

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        client_socket.settimeout(0.2)
        while not self.handle_event.is_set():
            try:
                data = client_socket.recv(1024)
            except socket.timeout:
                continue
            except OSError:
                break
            text = data.decode(errors='replace')
            if not data or text == 'exit':
                with self.lock:
                    if client_socket in self.clients:
                        self.broadcast(client_socket, 'exit')
                        self.close_client(client_socket)
                break
            self.broadcast(client_socket, text)

    def run(self):
        try:
            while not self.run_event.is_set():
                if self.accept_client():
                    worker = threading.Thread(target=self.handle_client, args=(self.last_accepted,))
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
            self.send(self.client_name)
            reply = self.client_socket.recv(1024).decode()
        except OSError:
            return False
        print(reply)
        return 'Welcome' in reply

    def send(self, text):
        self.client_socket.send(text.encode())

    def receive(self):
        self.client_socket.settimeout(0.2)
        while not self.exit_receive.is_set():
            try:
                message = self.client_socket.recv(1024).decode()
            except socket.timeout:
                continue
            except OSError:
                break
            if message == 'server-shutdown' or not message:
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(message)

    def run(self):
        client_main(self)


class ServerUDP:
    def __init__(self, server_port):
        self.server_port = server_port
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((local_ip(), server_port))
        self.server_socket.settimeout(0.2)
        if not server_port:
            self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}
        self.messages = []

    def accept_client(self, client_addr, message):
        name = message.split(':')[0]
        if name in self.clients.values():
            self.server_socket.sendto('Name already taken'.encode(), client_addr)
            return False
        self.server_socket.sendto('Welcome'.encode(), client_addr)
        self.clients[client_addr] = name
        self.messages.append((client_addr, 'User ' + name + ' joined'))
        self.broadcast()
        return True

    def close_client(self, client_addr):
        if client_addr not in self.clients:
            return False
        name = self.clients.pop(client_addr)
        self.messages.append((client_addr, 'User ' + name + ' left'))
        self.broadcast()
        return True

    def broadcast(self):
        if not self.messages:
            return
        sender, message = self.messages[-1]
        for addr in self.clients:
            if addr != sender:
                self.server_socket.sendto(message.encode(), addr)

    def shutdown(self):
        for addr in list(self.clients):
            self.server_socket.sendto('server-shutdown'.encode(), addr)
        self.clients.clear()
        self.server_socket.close()

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        try:
            while True:
                try:
                    data, addr = self.server_socket.recvfrom(1024)
                except socket.timeout:
                    continue
                message = data.decode(errors='replace')
                text = message.split(':', 1)[1] if ':' in message else message
                if text == 'join':
                    self.accept_client(addr, message)
                elif addr in self.clients:
                    if text == 'exit':
                        self.close_client(addr)
                    else:
                        self.messages.append((addr, message))
                        self.broadcast()
        except KeyboardInterrupt:
            pass
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

    def connect_server(self):
        self.send('join')
        self.client_socket.settimeout(5)
        try:
            reply = self.client_socket.recvfrom(1024)[0].decode()
        except OSError:
            return False
        print(reply)
        return reply == 'Welcome'

    def send(self, text):
        message = self.client_name + ':' + text
        self.client_socket.sendto(message.encode(), (self.server_addr, self.server_port))

    def receive(self):
        self.client_socket.settimeout(0.2)
        while not self.exit_receive.is_set():
            try:
                message = self.client_socket.recvfrom(1024)[0].decode()
            except socket.timeout:
                continue
            except OSError:
                break
            if message == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(message)

    def run(self):
        client_main(self)


def client_main(client):
    if not client.connect_server():
        return
    threading.Thread(target=client.receive, daemon=True).start()
    try:
        while not client.exit_run.is_set():
            text = input()
            if text == 'exit':
                break
            client.send(text)
    except (KeyboardInterrupt, EOFError):
        pass
    if not client.exit_run.is_set():
        client.send('exit')
    client.exit_receive.set()
