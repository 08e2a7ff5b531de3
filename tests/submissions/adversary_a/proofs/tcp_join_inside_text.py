"""ServerTCP: 'I will join later' is chat, relayed as 'alice: I will join later'."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server, port, _ = c.start_server(m, 'ServerTCP')
    alice, ok = c.tcp_join(port, 'alice')
    c.need(ok, "alice joins (saw %r)" % alice.text())
    bob, ok = c.tcp_join(port, 'bob')
    c.need(ok, "bob joins (saw %r)" % bob.text())
    c.need(alice.expect('User bob joined'), "alice sees 'User bob joined' (saw %r)" % alice.text())
    alice.send('I will join later')
    c.check(bob.expect('alice: I will join later'),
            "bob to receive 'alice: I will join later'", repr(bob.text()))


c.main(scenario)
