"""ServerTCP: a broadcast reaches every other client, also with three clients."""
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
    carol, ok = c.tcp_join(port, 'carol')
    c.need(ok, "carol joins (saw %r)" % carol.text())
    c.check(alice.expect('User bob joinedUser carol joined'),
            "alice to receive 'User carol joined'", repr(alice.text()))
    c.check(bob.expect('User carol joined'),
            "bob (second of three) to receive 'User carol joined'", repr(bob.text()))
    carol.send('hello both')
    c.check(alice.expect('User bob joinedUser carol joinedcarol: hello both'),
            "alice to receive 'carol: hello both'", repr(alice.text()))
    c.check(bob.expect('User carol joinedcarol: hello both'),
            "bob to receive 'carol: hello both'", repr(bob.text()))


c.main(scenario)
