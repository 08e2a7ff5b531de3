"""ServerUDP: 'alice:exit' from an address that is not alice's does not remove alice."""
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
    stranger.send(port, 'alice:exit')
    alice.send(port, 'alice:still here')        # queued after the stranger's datagram
    c.check(bob.expect([c.chat('alice', 'still here')]),
            "bob to receive alice's chat and no 'User alice left'", repr(bob.received()))
    c.check(server.get_clients_number() == 2, 'get_clients_number() == 2', server.get_clients_number())


c.main(scenario)
