"""ServerUDP: close_client() returns False for an address that is not (or no longer) a client."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server, port, _ = c.start_server(m, 'ServerUDP')
    alice, ok = c.udp_join(port, 'alice')
    c.need(ok, 'alice joins (saw %r)' % alice.received())
    bob, ok = c.udp_join(port, 'bob')
    c.need(ok, 'bob joins (saw %r)' % bob.received())
    c.need(alice.expect(['User bob joined']), "alice sees 'User bob joined' (saw %r)"
           % alice.received())
    stranger = c.UDPPeer()
    result = server.close_client(stranger.addr)
    c.check(result is False, 'close_client(<address that never joined>) to return False', repr(result))
    first = server.close_client(alice.addr)
    c.need(first is True, 'close_client(<alice address>) returns True (got %r)' % (first,))
    c.need(bob.expect(['User alice left']), "bob sees 'User alice left' (saw %r)"
           % bob.received())
    again = server.close_client(alice.addr)
    c.check(again is False, 'a second close_client(<alice address>) to return False', repr(again))


c.main(scenario)
