"""ClientTCP.run(): a typed line that merely contains 'exit' is sent as chat; only 'exit' leaves."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeTCPServer('alice')
    client = c.client_proc(m.__file__, 'tcp', 'alice', server.port)
    c.need(server.expect('alice', 5), 'the client sends its name (saw %r)' % server.text())
    client.type('I will exit later')
    c.check(server.expect('aliceI will exit later'),
            "'I will exit later' on the wire", repr(server.text()))
    client.type('exit')
    c.check(server.expect('aliceI will exit laterexit'), "then 'exit' on the wire", repr(server.text()))
    c.check(client.wait_returned(3), 'run() to return after typing exit', 'still running')


c.main(scenario)
