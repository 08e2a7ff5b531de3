"""ClientUDP.receive(): the same message received twice is displayed twice."""
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
    server.send('bob: hi')
    c.need(client.wait_out('bob: hi', 3), "first 'bob: hi' displayed (output %r)" % client.out())
    server.send('bob: hi')
    server.send('carol: marker')
    c.need(client.wait_out('carol: marker', 3), "'carol: marker' displayed (output %r)" % client.out())
    c.check(client.out().count('bob: hi') == 2, "'bob: hi' displayed twice",
            '%d time(s)' % client.out().count('bob: hi'))


c.main(scenario)
