"""A 900-byte text (within the 1000 the rulings allow) is relayed whole."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = tcp_server(mod)
a, b = TcpPeer(port), TcpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined'):
    setup_failed('alice and bob did not both join')
text = ''.join(chr(97 + i % 26) for i in range(900))
a.send(text)
check(b.expect('alice: ' + text), "bob sees 'alice: <900 bytes>' in one piece", repr(b.rest()[:80]) + '...')
ok()
