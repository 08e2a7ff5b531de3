"""Two ServerUDP objects share no messages (and no clients)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

s1, p1 = udp_server(mod)
s2, p2 = udp_server(mod)
a = UdpPeer(p1)
if a.join('alice') != 'Welcome' or not wait_until(lambda: len(s1.messages) >= 1):
    setup_failed('alice did not join server 1')
check(s2.messages is not s1.messages and len(s2.messages) == 0, 'server 2 messages == []', repr(s2.messages))
check(s2.get_clients_number() == 0, 'server 2 count 0', s2.get_clients_number())
ok()
