"""ServerUDP: shutdown() sends 'server-shutdown' to every connected client (three here)."""
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
    carol, ok = c.udp_join(port, 'carol')
    c.need(ok, 'carol joins (saw %r)' % carol.received())
    c.need(bob.expect(['User carol joined']), "bob sees 'User carol joined'")
    try:
        server.shutdown()
    except Exception:
        pass
    peers = {'alice': alice, 'bob': bob, 'carol': carol}
    c.wait_until(lambda: all('server-shutdown' in p.received() for p in peers.values()), 3)
    missing = [n for n, p in peers.items() if 'server-shutdown' not in p.received()]
    c.check(not missing, "'server-shutdown' at alice, bob and carol",
            'none at %s' % ', '.join(missing))


c.main(scenario)
