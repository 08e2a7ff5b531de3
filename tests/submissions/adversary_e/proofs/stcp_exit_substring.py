"""ServerTCP: 'I will exit later' is chat, not a leave."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

LINE = 'I will exit later'


def body(path):
    mod, server, runner, port, (alice, bob) = c.tcp_room(path, ['alice', 'bob'])
    alice.send(LINE)
    same, seen = bob.next_is('alice: ' + LINE, 5)
    if same:
        c.ok('relayed as chat')
    if not seen:
        c.unsure('nothing relayed')
    c.bad(c.short('alice: ' + LINE), c.short(seen))


c.main(body)
