"""ServerUDP: 'Alice' may join while 'alice' is in the room."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice,) = c.udp_room(path, ['alice'])
    other = c.Udp()
    other.send('Alice:join', c.udp_server_addr(port))
    item = other.next(5)
    if item and item[0] == 'Welcome':
        c.ok("'Alice' welcomed while 'alice' is in the room")
    if item and item[0] == 'Name already taken':
        c.bad("'Welcome' for 'Alice' while 'alice' is in the room", "'Name already taken'")
    c.unsure("no reply to 'Alice:join' (seen {})".format(c.short(item and item[0])))


c.main(body)
