"""ClientTCP.receive(): a 'server-shutdown' that arrives after another message still stops it.

In-process (connect_server() + receive() in a thread), so the verdict does not depend on
how run() reads the keyboard.
"""
import threading
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeTCPServer('alice')
    client = m.ClientTCP('alice', server.port)
    c.at_exit(client.client_socket.close)
    c.need(client.connect_server() is True, 'connect_server() returns True')
    shown = c.capture_stdout()
    receiver = threading.Thread(target=client.receive, daemon=True)
    receiver.start()
    server.send('bob: hi')
    c.check(c.wait_until(lambda: 'bob: hi' in shown.text(), 3), "'bob: hi' displayed",
            repr(shown.text()))
    server.send('server-shutdown')      # 'bob: hi' was consumed (displayed): no fusion
    c.check(c.wait_until(lambda: client.exit_run.is_set() and client.exit_receive.is_set(), 3),
            "exit_run and exit_receive set after a 'server-shutdown' that followed 'bob: hi'",
            'exit_run=%s exit_receive=%s' % (client.exit_run.is_set(), client.exit_receive.is_set()))
    receiver.join(3)
    c.check(not receiver.is_alive(), 'receive() to return', 'still running')


c.main(scenario)
