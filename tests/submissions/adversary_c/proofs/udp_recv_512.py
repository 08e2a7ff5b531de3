"""A 900-byte text (within the 1000 the rulings allow) is relayed whole."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = udp_server(mod)
a, b = UdpPeer(port), UdpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined')[0]:
    setup_failed('alice and bob did not both join')

text = ''.join(chr(97 + i % 26) for i in range(900))
b.send('bob:' + text)
found, skipped = a.expect(chat_forms('bob', text))
check(found, "alice gets 'bob: <900 bytes>' whole", repr([s[:60] + '...' for s in skipped]))
ok()
