"""ServerTCP: two servers in one process share no clients."""
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
    one, _ = c.start_server(mod, 'ServerTCP', port1)
    two, _ = c.start_server(mod, 'ServerTCP', port2)
    c.tcp_member(port1, 'alice')
    if not c.wait_state(lambda: one.get_clients_number() == 1, 4):
        c.unsure('the first server does not count alice')
    n = two.get_clients_number()
    if n == 0:
        c.ok('the second server has no members')
    c.bad('0 members on the second server (alice joined the first)', '{} members'.format(n))


c.main(body)
