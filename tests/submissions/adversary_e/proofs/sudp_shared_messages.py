"""ServerUDP: two servers in one process share no messages."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod = c.load(path)
    port1 = c.free_port()
    port2 = c.free_port()
    while port2 == port1:
        port2 = c.free_port()
    one, _ = c.start_server(mod, 'ServerUDP', port1)
    two, _ = c.start_server(mod, 'ServerUDP', port2)
    c.udp_member(port1, 'alice')
    if not c.wait_state(lambda: len(one.messages) >= 1, 4):
        c.unsure('the first server stored no message for the join')
    n = len(two.messages)
    if n == 0:
        c.ok('the second server has no messages')
    c.bad('no messages on the second server (alice joined the first)', '{} messages: {}'.format(
        n, c.short(repr(list(two.messages)))))


c.main(body)
