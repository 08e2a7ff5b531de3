"""Ctrl-C on an idle server (after someone left) sends 'server-shutdown' to the rest."""
import signal
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

signal.signal(signal.SIGINT, signal.default_int_handler)
port = free_port()
srv = mod.ServerTCP(port)
state = {}


def driver():
    a, b = TcpPeer(port), TcpPeer(port)
    if a.join('alice') != 'Welcome' or b.join('bob') != 'Welcome' or not a.expect('User bob joined'):
        setup_failed('alice and bob did not both join')
    a.send('exit')
    if not b.expect('User alice left') or not wait_until(lambda: srv.get_clients_number() == 1):
        setup_failed('alice did not leave')
    state['bob'] = b
    os.kill(os.getpid(), signal.SIGINT)


start_thread(driver)
try:
    srv.run()
except KeyboardInterrupt:
    pass
if 'bob' not in state:
    setup_failed('driver did not finish')
b = state['bob']
check(b.expect('server-shutdown'), "bob gets 'server-shutdown' after Ctrl-C", repr(b.rest()))
ok()
