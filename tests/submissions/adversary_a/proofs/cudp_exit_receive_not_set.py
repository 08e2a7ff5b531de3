"""ClientUDP.run(): after the user types 'exit', run() has set exit_receive."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeUDPServer()
    client = c.client_proc(m.__file__, 'udp', 'alice', server.port)
    c.need(server.expect(['alice:join'], 5), 'the client joins (saw %r)' % server.received())
    client.type('hello')
    client.type('exit')
    c.need(server.expect(['alice:join', 'alice:hello', 'alice:exit']),
           "'alice:hello', 'alice:exit' on the wire (saw %r)" % server.received())
    c.need(client.wait_returned(6), 'run() returns (output %r)' % client.out())
    c.check('exit_receive=True' in client.returned_line(), 'exit_receive set when run() returns',
            client.returned_line())


c.main(scenario)
