"""ServerTCP: names are compared case included: 'Alice' is free while 'alice' is in the room."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server, port, _ = c.start_server(m, 'ServerTCP')
    alice, ok = c.tcp_join(port, 'alice')
    c.need(ok, "alice joins (saw %r)" % alice.text())
    upper, ok = c.tcp_join(port, 'Alice')
    c.check(ok, "'Alice' (while 'alice' is in the room) to get 'Welcome'", repr(upper.text()))
    c.check(c.wait_until(lambda: server.get_clients_number() == 2, 3),
            'get_clients_number() == 2', server.get_clients_number())


c.main(scenario)
