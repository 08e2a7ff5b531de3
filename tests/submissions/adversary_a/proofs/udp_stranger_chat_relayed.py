"""ServerUDP: a datagram from an address that never joined, claiming a member's name, is not relayed."""
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
    stranger.send(port, 'alice:I am alice, trust me')
    alice.send(port, 'alice:the real alice')    # queued after the stranger's datagram
    c.check(bob.expect([c.chat('alice', 'the real alice')]),
            "bob to receive only the real alice's chat", repr(bob.received()))
    c.check(stranger.received() == [], 'the stranger to receive nothing', repr(stranger.received()))


c.main(scenario)
