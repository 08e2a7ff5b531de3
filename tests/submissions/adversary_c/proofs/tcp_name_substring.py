"""'al' is free while 'alice' is in the room."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = tcp_server(mod)
a = TcpPeer(port)
if a.join('alice') != 'Welcome':
    setup_failed('alice was not welcomed')
b = TcpPeer(port)
r = b.join('al')
check(r == 'Welcome', "'al' welcomed while 'alice' is in", repr(r))
check(a.expect('User al joined'), "alice sees 'User al joined'", repr(a.rest()))
ok()
