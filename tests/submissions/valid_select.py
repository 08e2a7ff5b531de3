"""A valid chatroom.py written differently from the reference: one select() loop per server, no thread
per client, plain blocking sends, the UDP relay in the TCP format. It must score full marks."""

import select
import socket
import sys
import threading


class ServerTCP:
    def __init__(self, server_port):
        addr = socket.gethostbyname(socket.gethostname())
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server_socket.bind((addr, server_port))
        self.server_socket.listen(64)
        self.server_port = server_port
        self.clients = {}
        self.run_event = threading.Event()
        self.handle_event = threading.Event()

    def accept_client(self):
        readable, _, _ = select.select([self.server_socket], [], [], 0)
        if not readable:
            return False
        sock, _ = self.server_socket.accept()
        sock.settimeout(2)
        try:
            name = sock.recv(1024).decode()
        except OSError:
            sock.close()
            return False
        sock.settimeout(None)
        if name in self.clients.values():
            sock.sendall(b'Name already taken')
            sock.close()
            return False
        sock.sendall(b'Welcome')
        self.clients[sock] = name
        self.broadcast(sock, 'join')
        return True

    def close_client(self, client_socket):
        if client_socket not in self.clients:
            return False
        del self.clients[client_socket]
        client_socket.close()
        return True

    def broadcast(self, client_socket_sent, message):
        name = self.clients.get(client_socket_sent)
        if message == 'join':
            text = 'User {} joined'.format(name)
        elif message == 'exit':
            text = 'User {} left'.format(name)
        else:
            text = '{}: {}'.format(name, message)
        for sock in list(self.clients):
            if sock is not client_socket_sent:
                try:
                    sock.sendall(text.encode())
                except OSError:
                    pass

    def shutdown(self):
        for sock in list(self.clients):
            try:
                sock.sendall(b'server-shutdown')
            except OSError:
                pass
            sock.close()
        self.clients.clear()
        self.run_event.set()
        self.handle_event.set()
        self.server_socket.close()

    def get_clients_number(self):
        return len(self.clients)

    def _handle_one(self, client_socket):
        """One message from a client that select() found readable. False once the client is gone."""
        try:
            data = client_socket.recv(1024)
        except OSError:
            data = b''
        message = data.decode(errors='replace')
        if not data or message == 'exit':
            self.broadcast(client_socket, 'exit')
            self.close_client(client_socket)
            return False
        self.broadcast(client_socket, message)
        return True

    def handle_client(self, client_socket):
        while not self.handle_event.is_set():
            readable, _, _ = select.select([client_socket], [], [], 0.1)
            if readable and not self._handle_one(client_socket):
                break

    def run(self):
        try:
            while not self.run_event.is_set():
                watched = [self.server_socket] + list(self.clients)
                readable, _, _ = select.select(watched, [], [], 0.1)
                for sock in readable:
                    if sock is self.server_socket:
                        self.accept_client()
                    elif sock in self.clients:
                        self._handle_one(sock)
        except KeyboardInterrupt:
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
            self.client_socket.sendall(self.client_name.encode())
            reply = self.client_socket.recv(1024).decode()
        except OSError:
            return False
        print(reply)
        return 'Welcome' in reply

    def send(self, text):
        self.client_socket.sendall(text.encode())

    def receive(self):
        while not self.exit_receive.is_set():
            readable, _, _ = select.select([self.client_socket], [], [], 0.1)
            if not readable:
                continue
            try:
                message = self.client_socket.recv(1024).decode()
            except OSError:
                message = ''
            if message == 'server-shutdown' or not message:
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(message)

    def run(self):
        _client_loop(self)


class ServerUDP:
    def __init__(self, server_port):
        addr = socket.gethostbyname(socket.gethostname())
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((addr, server_port))
        self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}
        self.messages = []

    def accept_client(self, client_addr, message):
        name = message.split(':', 1)[0]
        if name in self.clients.values():
            self.server_socket.sendto(b'Name already taken', client_addr)
            return False
        self.server_socket.sendto(b'Welcome', client_addr)
        self.clients[client_addr] = name
        self.messages.append((client_addr, 'User {} joined'.format(name)))
        self.broadcast()
        return True

    def close_client(self, client_addr):
        name = self.clients.pop(client_addr, None)
        if name is None:
            return False
        self.messages.append((client_addr, 'User {} left'.format(name)))
        self.broadcast()
        return True

    def broadcast(self):
        sender, text = self.messages[-1]
        for addr in list(self.clients):
            if addr != sender:
                self.server_socket.sendto(text.encode(), addr)

    def shutdown(self):
        for addr in list(self.clients):
            self.server_socket.sendto(b'server-shutdown', addr)
        self.clients.clear()
        self.server_socket.close()

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        try:
            while True:
                readable, _, _ = select.select([self.server_socket], [], [], 0.1)
                if not readable:
                    continue
                data, addr = self.server_socket.recvfrom(1024)
                name, _, text = data.decode(errors='replace').partition(':')
                if text == 'join':
                    self.accept_client(addr, data.decode())
                elif addr not in self.clients:
                    continue
                elif text == 'exit':
                    self.close_client(addr)
                else:
                    self.messages.append((addr, '{}: {}'.format(self.clients[addr], text)))
                    self.broadcast()
        except KeyboardInterrupt:
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
        readable, _, _ = select.select([self.client_socket], [], [], 5)
        if not readable:
            return False
        reply = self.client_socket.recvfrom(1024)[0].decode()
        print(reply)
        return reply == 'Welcome'

    def send(self, text):
        self.client_socket.sendto('{}:{}'.format(self.client_name, text).encode(),
                                  (self.server_addr, self.server_port))

    def receive(self):
        while not self.exit_receive.is_set():
            readable, _, _ = select.select([self.client_socket], [], [], 0.1)
            if not readable:
                continue
            message = self.client_socket.recvfrom(1024)[0].decode()
            if message == 'server-shutdown':
                self.exit_run.set()
                self.exit_receive.set()
                break
            print(message)

    def run(self):
        _client_loop(self)


def _client_loop(client):
    if not client.connect_server():
        return
    threading.Thread(target=client.receive, daemon=True).start()
    try:
        while not client.exit_run.is_set():
            readable, _, _ = select.select([sys.stdin], [], [], 0.1)
            if not readable:
                continue
            line = sys.stdin.readline()
            if not line or line.strip() == 'exit':
                break
            client.send(line.rstrip('\n'))
    except KeyboardInterrupt:
        pass
    if not client.exit_run.is_set():
        client.send('exit')
    client.exit_receive.set()


if __name__ == '__main__':
    server = ServerTCP(12345)
    server.run()
