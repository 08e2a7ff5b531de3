"""ServerTCP: after one member leaves, the others are still relayed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice, bob, carol) = c.tcp_room(path, ['alice', 'bob', 'carol'])
    carol.send('exit')
    if not (alice.wait_text('User carol left', 5) and bob.wait_text('User carol left', 5)):
        c.unsure("'User carol left' not heard by alice and bob")
    alice.send('one')
    if not bob.wait_text('alice: one', 5):
        c.bad("'alice: one' relayed after carol left", 'nothing')
    alice.send('two')
    if bob.wait_text('alice: two', 5):
        c.ok('alice still relayed after carol left')
    c.bad("'alice: two' relayed after carol left", 'nothing')


c.main(body)
