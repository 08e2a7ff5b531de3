"""ClientUDP.run(): returns by itself after 'server-shutdown' (no further typed line)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeUDPServer()
    client = c.client_proc(m.__file__, 'udp', 'alice', server.port)
    c.need(server.expect(['alice:join'], 5), 'the client joins (saw %r)' % server.received())
    client.type('hello')
    c.need(server.expect(['alice:join', 'alice:hello']), 'the client is in its main loop')
    server.send('server-shutdown')
    c.check(client.wait_returned(3), "run() to return after 'server-shutdown' with stdin still open",
            'still running; output %r' % client.out())
    c.check('exit_run=True' in client.returned_line(), 'exit_run set', client.returned_line())


c.main(scenario)
