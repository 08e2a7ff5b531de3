"""ServerUDP: the text is everything after '{client_name}:', colons included."""
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
    alice.send(port, 'alice:meet at 10:30: bring the notes')
    c.check(bob.expect([c.chat('alice', 'meet at 10:30: bring the notes')]),
            "bob to receive alice's whole text 'meet at 10:30: bring the notes'", repr(bob.received()))


c.main(scenario)
