"""ServerUDP: two servers in one process share no clients."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    first, port1, _ = c.start_server(m, 'ServerUDP')
    second, port2, _ = c.start_server(m, 'ServerUDP')
    alice1, ok = c.udp_join(port1, 'alice')
    c.need(ok, 'alice joins the first server (saw %r)' % alice1.received())
    alice2, ok = c.udp_join(port2, 'alice')
    c.check(ok, "'alice' to get 'Welcome' from the second, empty server", repr(alice2.received()))
    c.check(c.wait_until(lambda: second.get_clients_number() == 1, 3)
            and first.get_clients_number() == 1,
            'each server to count 1 client',
            'first=%s second=%s' % (first.get_clients_number(), second.get_clients_number()))


c.main(scenario)
