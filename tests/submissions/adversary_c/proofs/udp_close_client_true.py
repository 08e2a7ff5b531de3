"""close_client returns False for an address that is not a client; a stranger's 'exit' announces nothing."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = udp_server(mod)
a, b = UdpPeer(port), UdpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined')[0]:
    setup_failed('alice and bob did not both join')

r = srv.close_client(('127.0.0.1', free_port()))
check(r is False, 'close_client(non-client address) is False', repr(r))
stranger = UdpPeer(port)
stranger.send('zed:exit')
a.send('alice:marker')
found, skipped = b.expect(chat_forms('alice', 'marker'))
if not found:
    setup_failed('marker never reached bob: ' + repr(skipped))
check(not skipped, 'nothing broadcast for a stranger leaving', repr(skipped))
ok()
