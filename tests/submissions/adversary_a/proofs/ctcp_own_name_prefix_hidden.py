"""ClientTCP: client 'al' displays 'alice: hi al' (a message that begins with its own name)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeTCPServer('al')
    client = c.client_proc(m.__file__, 'tcp', 'al', server.port)
    c.need(server.expect('al', 5), 'the client sends its name (saw %r)' % server.text())
    client.type('hello')
    c.need(server.expect('alhello'), 'the client is in its main loop (saw %r)' % server.text())
    server.send('alice: hi al')
    client.wait_out('alice: hi al', 2)     # consumed (or a gap) before the next message
    server.send('bob: marker')
    c.need(client.wait_out('bob: marker', 3), "'bob: marker' displayed (output %r)" % client.out())
    c.check('alice: hi al' in client.out(), "'alice: hi al' displayed", repr(client.out()))


c.main(scenario)
