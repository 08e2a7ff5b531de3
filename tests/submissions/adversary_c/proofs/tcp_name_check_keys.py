"""A second 'alice' must get 'Name already taken' and not be added."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = tcp_server(mod)
a = TcpPeer(port)
if a.join('alice') != 'Welcome':
    setup_failed('alice was not welcomed')
b = TcpPeer(port)
r = b.join('alice')
check(r == 'Name already taken', "'Name already taken' for a second alice", repr(r))
check(srv.get_clients_number() == 1, 'get_clients_number() == 1', srv.get_clients_number())
ok()
