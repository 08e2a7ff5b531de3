"""A text containing ':' is relayed whole."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = udp_server(mod)
a, b = UdpPeer(port), UdpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined')[0]:
    setup_failed('alice and bob did not both join')

b.send('bob:meet at 10:30, room 4:2')
found, skipped = a.expect(chat_forms('bob', 'meet at 10:30, room 4:2'))
check(found, "alice gets 'bob: meet at 10:30, room 4:2' (or as received)", repr(skipped))
ok()
