"""After 'alice:exit' alice is removed: count drops, the name is free again (from another address)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = udp_server(mod)
a, b = UdpPeer(port), UdpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined')[0]:
    setup_failed('alice and bob did not both join')

a.send('alice:exit')
found, skipped = b.expect('User alice left')
if not found:
    setup_failed("bob did not get 'User alice left': " + repr(skipped))
check(wait_until(lambda: srv.get_clients_number() == 1), 'count 1 after alice left', srv.get_clients_number())
c = UdpPeer(port)
r = c.join('alice')
check(r == 'Welcome', 'alice welcomed again from another address', repr(r))
ok()
