"""ServerTCP: the same text sent twice by one client is relayed twice."""
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
    alice.send('hi')
    c.need(bob.expect('alice: hi'), "bob receives the first 'alice: hi' (saw %r)" % bob.text())
    alice.send('hi')    # only after the first one had its effect: TCP has no framing
    c.check(bob.expect('alice: hialice: hi'), "bob to receive 'alice: hi' twice",
            repr(bob.text()))


c.main(scenario)
