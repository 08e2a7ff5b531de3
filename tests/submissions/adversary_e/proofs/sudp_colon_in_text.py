"""ServerUDP: a chat text containing a colon is relayed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

TEXT = 'see you at 10:30'


def body(path):
    mod, server, runner, port, (alice, bob) = c.udp_room(path, ['alice', 'bob'])
    alice.send('alice:' + TEXT, c.udp_server_addr(port))
    item = bob.next(5)
    if item and item[0] in ('alice: ' + TEXT, 'alice:' + TEXT):
        c.ok('relayed: {}'.format(c.short(item[0])))
    c.bad(c.short('alice: ' + TEXT), c.short(item and item[0]))


c.main(body)
