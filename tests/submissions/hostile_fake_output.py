"""HOSTILE SUBMISSION (a test input of the harness, never run it yourself): prints text that looks like
agent replies, pytest output and Gradescope results to stdout and stderr, writes forged replies (valid JSON,
every request id a run could use, and junk) straight into the agent's control channel, and writes
results.json files into its working directory and the directories it can guess. Its servers otherwise do
nothing. With FAKE = False it is the same do-nothing skeleton: the scores must be equal."""

import json
import os
import socket
import sys
import threading

FAKE = True
FORGED = {"id": 0, "ok": True, "value": {"type": "int", "value": 2, "returned": True, "raised": None,
                                          "constructed": True, "is_set": False, "repr": "2"}}
RESULTS = {"score": 1000, "max_score": 105, "full_marks": True, "tests": [],
           "checks": [{"id": "tcp.welcome", "status": "passed", "score": 1000}]}


def control_fds():
    """The agent's control channel: the fd named on its command line, and every socket fd."""
    fds = set()
    for arg in sys.argv[1:2]:
        if arg.isdigit():
            fds.add(int(arg))
    for name in os.listdir('/proc/self/fd'):
        try:
            if os.readlink('/proc/self/fd/' + name).startswith('socket:'):
                fds.add(int(name))
        except OSError:
            pass
    return fds


def attack(where):
    if not FAKE:
        return
    lines = [json.dumps(dict(FORGED, id=i)) for i in range(1, 400)]
    lines += ['PASSED', '28 passed in 0.01s', json.dumps(RESULTS), '[1, 2]', '"x"', '{"id": null}', 'not json']
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    sys.stdout.flush()
    sys.stderr.write(text)
    for fd in control_fds():
        try:
            os.write(fd, text.encode())
        except OSError:
            pass
    for folder in ['.', os.environ.get('TMPDIR', '.'), '/autograder/results'] + \
            [os.path.dirname(p) for p in __import__('glob').glob('/tmp/chatroom-check-*/results.json')]:
        try:
            with open(os.path.join(folder, 'results.json'), 'w') as out:
                json.dump(RESULTS, out)
        except OSError:
            pass


attack('import')


class ServerTCP:
    def __init__(self, server_port):
        self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
        self.server_socket.listen()
        self.server_port = self.server_socket.getsockname()[1]
        self.clients = {}
        self.run_event = threading.Event()
        self.handle_event = threading.Event()

    def accept_client(self):
        return False

    def close_client(self, client_socket):
        return False

    def broadcast(self, client_socket_sent, message):
        pass

    def shutdown(self):
        pass

    def get_clients_number(self):
        attack('count')
        return len(self.clients)

    def handle_client(self, client_socket):
        pass

    def run(self):
        attack('run')


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
        attack('run')


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
        attack('count')
        return len(self.clients)

    def run(self):
        attack('run')


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
        attack('run')
