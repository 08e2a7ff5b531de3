"""Datagrams from addresses that never joined or were refused are not relayed, whatever name they claim."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = udp_server(mod)
a, b = UdpPeer(port), UdpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined')[0]:
    setup_failed('alice and bob did not both join')

stranger = UdpPeer(port)                 # never joined
stranger.send('alice:psst from a stranger')
refused = UdpPeer(port)
if refused.join('bob') != 'Name already taken':
    setup_failed('second bob was not refused')
refused.send('bob:psst from the refused one')
a.send('alice:marker')
found, skipped = b.expect(chat_forms('alice', 'marker'))
if not found:
    setup_failed('marker never reached bob: ' + repr(skipped))
check(not any('psst' in t for t in skipped), 'nothing relayed from non-members before the marker', repr(skipped))
b.send('bob:marker2')
found, skipped = a.expect(chat_forms('bob', 'marker2'))
check(found and not any('psst' in t for t in skipped), 'nothing from non-members reaches alice', repr(skipped))
ok()
