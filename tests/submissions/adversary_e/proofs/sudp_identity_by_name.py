"""ServerUDP: a datagram from a stranger's address claiming a member's name is not relayed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice, bob) = c.udp_room(path, ['alice', 'bob'])
    stranger = c.Udp()
    stranger.send('alice:spoofed hello', c.udp_server_addr(port))
    alice.send('alice:real hello', c.udp_server_addr(port))   # after the stranger's, on the same host
    item = bob.next(5)
    if item and item[0] in ('alice: real hello', 'alice:real hello'):
        c.ok("bob's next message is alice's own line")
    if item and 'spoofed' in item[0]:
        c.bad("the stranger's datagram not relayed", 'bob got {}'.format(c.short(item[0])))
    c.unsure("bob got {} instead of alice's line".format(c.short(item and item[0])))


c.main(body)
