"""ServerUDP: non-ASCII (UTF-8) chat is relayed intact."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


TEXT = u'h\u00e9llo w\u00f6rld \u2603 \u4f60\u597d'


def scenario(m):
    server, port, _ = c.start_server(m, 'ServerUDP')
    alice, ok = c.udp_join(port, 'alice')
    c.need(ok, 'alice joins (saw %r)' % alice.received())
    bob, ok = c.udp_join(port, 'bob')
    c.need(ok, 'bob joins (saw %r)' % bob.received())
    c.need(alice.expect(['User bob joined']), "alice sees 'User bob joined' (saw %r)"
           % alice.received())
    alice.send(port, 'alice:' + TEXT)
    c.check(bob.expect([c.chat('alice', TEXT)]),
            'bob to receive %r' % ('alice: ' + TEXT), repr(bob.received()))


c.main(scenario)
