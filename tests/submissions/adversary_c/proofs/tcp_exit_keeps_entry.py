"""After 'exit' the leaver is removed: count drops and the name is free again."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = tcp_server(mod)
a, b = TcpPeer(port), TcpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined'):
    setup_failed('alice and bob did not both join')
a.send('exit')
if not b.expect('User alice left'):
    setup_failed("bob did not see 'User alice left'")
check(wait_until(lambda: srv.get_clients_number() == 1), 'count 1 after alice left', srv.get_clients_number())
c = TcpPeer(port)
r = c.join('alice')
check(r == 'Welcome', 'alice welcomed again after leaving', repr(r))
ok()
