"""ServerTCP: Ctrl-C (SIGINT) in run() invokes shutdown(): every client gets 'server-shutdown'."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    port = c.free_port()
    server = c.server_proc(m.__file__, 'tcp', port)
    c.need(server.wait_out('__READY__', 5), 'server child ready (output %r)' % server.out())
    alice, ok = c.tcp_join(port, 'alice')
    c.need(ok, "alice joins (saw %r)" % alice.text())
    bob, ok = c.tcp_join(port, 'bob')
    c.need(ok, "bob joins (saw %r)" % bob.text())
    c.need(alice.expect('User bob joined'), "alice sees 'User bob joined' (saw %r)" % alice.text())
    server.sigint()     # the server is idle in its accept loop, as when a person presses Ctrl-C
    c.check(alice.expect('User bob joinedserver-shutdown', 4),
            "alice to receive 'server-shutdown' after Ctrl-C", repr(alice.text()))
    c.check(bob.expect('server-shutdown', 2),
            "bob to receive 'server-shutdown' after Ctrl-C", repr(bob.text()))
    c.check(server.wait_returned(3), 'run() to return after Ctrl-C', 'still running')


c.main(scenario)
