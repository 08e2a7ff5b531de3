"""ServerTCP: 'I will exit later' is chat; the sender stays connected and can keep talking."""
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
    alice.send('I will exit later')
    c.check(bob.expect('alice: I will exit later'),
            "bob to receive 'alice: I will exit later'", repr(bob.text()))
    try:
        alice.send('still here')
    except OSError:
        pass
    c.check(bob.expect('alice: I will exit lateralice: still here'),
            "alice's next message 'still here' to be relayed (she never typed 'exit')", repr(bob.text()))
    c.check(server.get_clients_number() == 2, 'get_clients_number() == 2',
            server.get_clients_number())


c.main(scenario)
