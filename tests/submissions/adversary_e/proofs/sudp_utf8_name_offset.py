"""ServerUDP: a member named 'zoë' (non-ASCII UTF-8) can join."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice,) = c.udp_room(path, ['alice'])   # the server answers
    zoe = c.Udp()
    zoe.send('zo\u00eb:join', c.udp_server_addr(port))
    item = zoe.next(5)
    if item and item[0] == 'Welcome':
        c.ok("'zo\u00eb:join' welcomed")
    c.bad("'Welcome' for 'zo\u00eb:join'", c.short(item and item[0]) if item else 'no reply')


c.main(body)
