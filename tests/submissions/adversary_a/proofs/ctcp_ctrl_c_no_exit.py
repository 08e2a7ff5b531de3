"""ClientTCP.run(): Ctrl-C sends 'exit' to the server and ends run()."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402  (forces gethostbyname -> 127.0.0.1)


def scenario(m):
    server = c.FakeTCPServer('alice')
    client = c.client_proc(m.__file__, 'tcp', 'alice', server.port)
    c.need(server.expect('alice', 5), 'the client sends its name (saw %r)' % server.text())
    client.type('hello')
    c.need(server.expect('alicehello'), 'the client is in its main loop (saw %r)' % server.text())
    client.sigint()       # the client waits for input, as when a person presses Ctrl-C
    c.check(server.expect('alicehelloexit'), "'exit' on the wire after Ctrl-C", repr(server.text()))
    c.check(client.wait_returned(3), 'run() to return after Ctrl-C', 'still running')


c.main(scenario)
