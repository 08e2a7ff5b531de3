"""HOSTILE SUBMISSION (a test input of the harness, never run it yourself): ServerTCP.__init__ raises."""

import socket
import threading


class ServerTCP:
    def __init__(self, server_port):
        raise RuntimeError('boom in __init__')

    def accept_client(self):
        return False

    def close_client(self, client_socket):
        return False

    def broadcast(self, client_socket_sent, message):
        pass

    def shutdown(self):
        pass

    def get_clients_number(self):
        return len(self.clients)

    def handle_client(self, client_socket):
        pass

    def run(self):
        pass


class ClientTCP:
    def __init__(self, client_name, server_port):
        self.server_addr = '127.0.0.1'
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        return False

    def send(self, text):
        pass

    def receive(self):
        pass

    def run(self):
        pass


class ServerUDP:
    def __init__(self, server_port):
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
        self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}
        self.messages = []

    def accept_client(self, client_addr, message):
        return False

    def close_client(self, client_addr):
        return False

    def broadcast(self):
        pass

    def shutdown(self):
        pass

    def get_clients_number(self):
        return len(self.clients)

    def run(self):
        pass


class ClientUDP:
    def __init__(self, client_name, server_port):
        self.server_addr = '127.0.0.1'
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        return False

    def send(self, text):
        pass

    def receive(self):
        pass

    def run(self):
        pass
