"""ClientUDP.receive(): keeps listening through a quiet spell (2 s with no message).

In-process (connect_server() + receive() in a thread), so the verdict does not depend on
how run() reads the keyboard.
"""
import threading
import time
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeUDPServer()
    client = m.ClientUDP('alice', server.port)
    c.at_exit(client.client_socket.close)
    c.need(client.connect_server() is True, 'connect_server() returns True')
    shown = c.capture_stdout()
    receiver = threading.Thread(target=client.receive, daemon=True)
    receiver.start()
    time.sleep(2.0)     # the scenario itself: a quiet room (not a synchronisation)
    server.send('bob: anyone here?')
    c.check(c.wait_until(lambda: 'bob: anyone here?' in shown.text(), 3),
            "'bob: anyone here?' displayed after 2 s of quiet", repr(shown.text()))
    server.send('server-shutdown')
    c.check(c.wait_until(lambda: client.exit_run.is_set() and client.exit_receive.is_set(), 3),
            "exit_run and exit_receive set after 'server-shutdown'",
            'exit_run=%s exit_receive=%s' % (client.exit_run.is_set(), client.exit_receive.is_set()))


c.main(scenario)
