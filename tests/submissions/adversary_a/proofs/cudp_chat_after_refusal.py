"""ClientUDP.run(): when connect_server() fails ('Name already taken'), no typed line is sent."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeUDPServer(greeting='Name already taken')
    client = c.client_proc(m.__file__, 'udp', 'alice', server.port)
    client.type('hi everyone')
    client.type('exit')
    c.need(c.wait_until(lambda: server.received()[:1] == ['alice:join'], 5),
           'the client tries to join (saw %r)' % server.received())
    c.need(client.wait_returned(5), 'run() returns (output %r)' % client.out())
    c.wait_until(lambda: len(server.received()) > 1, 0.5)   # anything sent before it ended
    c.check('alice:hi everyone' not in server.received(),
            "no chat sent by a refused client", repr(server.received()))


c.main(scenario)
