"""'I will join later' is chat."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = tcp_server(mod)
a, b = TcpPeer(port), TcpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined'):
    setup_failed('alice and bob did not both join')
a.send('I will join later')
check(b.expect('alice: I will join later'), "bob sees 'alice: I will join later'", repr(b.rest()))
ok()
