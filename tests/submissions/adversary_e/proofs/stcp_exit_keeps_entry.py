"""ServerTCP: after a member leaves with 'exit', the count drops."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice, bob) = c.tcp_room(path, ['alice', 'bob'])
    alice.send('exit')
    if not bob.wait_text('User alice left', 5):
        c.unsure("bob never heard 'User alice left'")
    if c.wait_state(lambda: server.get_clients_number() == 1, 3):
        c.ok('1 member after alice left')
    c.bad('1 member after alice left', '{} members'.format(server.get_clients_number()))


c.main(body)
