"""ServerTCP: close_client() returns False for a socket that is not (or no longer) a client."""
import socket
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server, port, _ = c.start_server(m, 'ServerTCP')
    stranger = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.at_exit(stranger.close)
    result = server.close_client(stranger)
    c.check(result is False, 'close_client(<socket that never joined>) to return False', repr(result))
    alice, ok = c.tcp_join(port, 'alice')
    c.need(ok, "alice joins (saw %r)" % alice.text())
    c.need(c.wait_until(lambda: 'alice' in list(server.clients.values()), 3), 'alice in server.clients')
    alice_socket = [s for s, n in list(server.clients.items()) if n == 'alice'][0]
    first = server.close_client(alice_socket)
    c.need(first is True, 'close_client(<alice socket>) returns True (got %r)' % (first,))
    again = server.close_client(alice_socket)
    c.check(again is False, 'a second close_client(<alice socket>) to return False', repr(again))


c.main(scenario)
