"""'alice:I will join later' from a member is chat."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = udp_server(mod)
a, b = UdpPeer(port), UdpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined')[0]:
    setup_failed('alice and bob did not both join')

a.send('alice:I will join later')
found, skipped = b.expect(chat_forms('alice', 'I will join later'))
check(found, "bob gets 'alice: I will join later'", repr(skipped))
ok()
