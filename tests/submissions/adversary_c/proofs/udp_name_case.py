"""'Alice' is another name than 'alice'."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = udp_server(mod)
a, b = UdpPeer(port), UdpPeer(port)
if a.join('alice') != 'Welcome':
    setup_failed('alice was not welcomed')
r = b.join('Alice')
check(r == 'Welcome', "'Alice' welcomed while 'alice' is in", repr(r))
found, skipped = a.expect('User Alice joined')
check(found, "alice gets 'User Alice joined'", repr(skipped))
ok()
