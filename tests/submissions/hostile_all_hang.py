"""HOSTILE SUBMISSION (a test input of the harness, never run it yourself): every method, the constructors included, sleeps for an hour."""

import socket
import sys
import threading
import time


class ServerTCP:
    def __init__(self, server_port):
        time.sleep(3600)
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
        self.server_socket.listen()
        self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}
        self.run_event = threading.Event()
        self.handle_event = threading.Event()

    def accept_client(self):
        time.sleep(3600)
        return False

    def close_client(self, client_socket):
        time.sleep(3600)
        return False

    def broadcast(self, client_socket_sent, message):
        time.sleep(3600)
        pass

    def shutdown(self):
        time.sleep(3600)
        pass

    def get_clients_number(self):
        time.sleep(3600)
        return len(self.clients)

    def handle_client(self, client_socket):
        time.sleep(3600)
        pass

    def run(self):
        time.sleep(3600)
        sys.exit(3)


class ClientTCP:
    def __init__(self, client_name, server_port):
        time.sleep(3600)
        self.server_addr = '127.0.0.1'
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        time.sleep(3600)
        return False

    def send(self, text):
        time.sleep(3600)
        pass

    def receive(self):
        time.sleep(3600)
        pass

    def run(self):
        time.sleep(3600)
        sys.exit(3)


class ServerUDP:
    def __init__(self, server_port):
        time.sleep(3600)
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
        self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}
        self.messages = []

    def accept_client(self, client_addr, message):
        time.sleep(3600)
        return False

    def close_client(self, client_addr):
        time.sleep(3600)
        return False

    def broadcast(self):
        time.sleep(3600)
        pass

    def shutdown(self):
        time.sleep(3600)
        pass

    def get_clients_number(self):
        time.sleep(3600)
        return len(self.clients)

    def run(self):
        time.sleep(3600)
        sys.exit(3)


class ClientUDP:
    def __init__(self, client_name, server_port):
        time.sleep(3600)
        self.server_addr = '127.0.0.1'
        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()

    def connect_server(self):
        time.sleep(3600)
        return False

    def send(self, text):
        time.sleep(3600)
        pass

    def receive(self):
        time.sleep(3600)
        pass

    def run(self):
        time.sleep(3600)
        sys.exit(3)
