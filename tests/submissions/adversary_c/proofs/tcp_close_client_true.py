"""close_client returns False for a socket that is not (or no longer) a client."""
import socket
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = tcp_server(mod)
a = TcpPeer(port)
if a.join('alice') != 'Welcome' or not wait_until(lambda: srv.get_clients_number() == 1):
    setup_failed('alice did not join')
stranger = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
r = srv.close_client(stranger)
check(r is False, 'close_client(non-client socket) is False', repr(r))
member = list(srv.clients)[0]
first = srv.close_client(member)
if first is not True:
    setup_failed('close_client(member) returned {!r}'.format(first))
second = srv.close_client(member)
check(second is False, 'second close_client(same socket) is False', repr(second))
ok()
