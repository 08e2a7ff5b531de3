"""'Exit' is chat: relayed as 'alice: Exit', alice stays."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

srv, port = tcp_server(mod)
a, b = TcpPeer(port), TcpPeer(port)
if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined'):
    setup_failed('alice and bob did not both join')
a.send('Exit')
check(b.expect('alice: Exit'), "bob sees 'alice: Exit'", repr(b.rest()))
check(srv.get_clients_number() == 2, 'alice still in (count 2)', srv.get_clients_number())
ok()
