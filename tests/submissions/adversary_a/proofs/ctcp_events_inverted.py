"""ClientTCP: exit_run/exit_receive start cleared and are set to stop."""
import threading
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeTCPServer('alice')
    client = m.ClientTCP('alice', server.port)
    c.check(not client.exit_run.is_set() and not client.exit_receive.is_set(),
            'exit_run and exit_receive cleared after __init__',
            'exit_run=%s exit_receive=%s' % (client.exit_run.is_set(), client.exit_receive.is_set()))
    c.need(client.connect_server() is True, 'connect_server() returns True')
    receiver = threading.Thread(target=client.receive, daemon=True)
    receiver.start()
    server.send('server-shutdown')
    c.check(c.wait_until(lambda: client.exit_run.is_set() and client.exit_receive.is_set(), 3),
            "exit_run and exit_receive set after 'server-shutdown'",
            'exit_run=%s exit_receive=%s' % (client.exit_run.is_set(), client.exit_receive.is_set()))
    receiver.join(3)
    c.check(not receiver.is_alive(), 'receive() to return', 'still running')
    c.at_exit(client.client_socket.close)


c.main(scenario)
