"""Two ServerTCP objects share no clients."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

s1, p1 = tcp_server(mod)
s2, p2 = tcp_server(mod)
a = TcpPeer(p1)
if a.join('alice') != 'Welcome' or not wait_until(lambda: s1.get_clients_number() == 1):
    setup_failed('alice did not join server 1')
check(s2.get_clients_number() == 0, 'server 2 count 0', s2.get_clients_number())
b = TcpPeer(p2)
r = b.join('alice')
check(r == 'Welcome', 'alice welcomed on server 2 as well', repr(r))
ok()
