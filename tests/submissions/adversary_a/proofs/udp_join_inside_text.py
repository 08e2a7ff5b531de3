"""ServerUDP: 'alice:I will join later' from alice is chat, not a join request."""
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
    alice.send(port, 'alice:I will join later')
    bob.send(port, 'bob:ok')
    c.check(alice.expect(['User bob joined', c.chat('bob', 'ok')]),
            "alice to get only 'bob: ok' (no reply to her chat)", repr(alice.received()))
    c.check(bob.expect([c.chat('alice', 'I will join later')]),
            "bob to receive 'alice: I will join later'", repr(bob.received()))


c.main(scenario)
