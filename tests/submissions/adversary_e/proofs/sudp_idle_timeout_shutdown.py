"""ServerUDP: a room quiet for 3 s keeps running."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice, bob) = c.udp_room(path, ['alice', 'bob'])
    item = bob.next(3.0)    # the subject: nobody says anything for 3 s
    if item is not None:
        c.bad('nothing during a quiet 3 s, the server still running', 'bob got {}'.format(c.short(item[0])))
    alice.send('alice:anyone here?', c.udp_server_addr(port))
    item = bob.next(4)
    if item and item[0] in ('alice: anyone here?', 'alice:anyone here?'):
        c.ok('relayed after a quiet 3 s')
    c.bad("'alice: anyone here?' relayed after a quiet 3 s", c.short(item and item[0]))


c.main(body)
