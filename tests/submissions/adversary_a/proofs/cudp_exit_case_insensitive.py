"""ClientUDP.run(): 'EXIT' and 'Exit' are chat ('alice:EXIT'); only 'exit' leaves."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeUDPServer()
    client = c.client_proc(m.__file__, 'udp', 'alice', server.port)
    c.need(server.expect(['alice:join'], 5), 'the client joins (saw %r)' % server.received())
    client.type('EXIT')
    client.type('Exit')
    client.type('exit')
    c.check(server.expect(['alice:join', 'alice:EXIT', 'alice:Exit', 'alice:exit']),
            "'alice:EXIT', 'alice:Exit', 'alice:exit' on the wire", repr(server.received()))
    c.check(client.wait_returned(3), 'run() to return after typing exit', 'still running')


c.main(scenario)
