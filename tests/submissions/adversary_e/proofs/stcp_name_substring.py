"""ServerTCP: 'al' is free while 'alice' is in the room."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice,) = c.tcp_room(path, ['alice'])
    al = c.Conn.join(port, 'al')
    al.stream.wait(lambda t, closed: 'Welcome' in t or 'taken' in t or closed, 5)
    seen = al.stream.text()
    if 'Welcome' in seen:
        c.ok("'al' welcomed while 'alice' is in the room")
    if 'Name already taken' in seen:
        c.bad("'al' welcomed while 'alice' is in the room", "'Name already taken'")
    c.unsure("no reply to 'al' (seen {})".format(c.short(seen)))


c.main(body)
