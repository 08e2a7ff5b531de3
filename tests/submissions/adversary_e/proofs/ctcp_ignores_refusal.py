"""ClientTCP.run(): after 'Name already taken' run() ends; nothing typed is sent."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    port = c.free_port()
    fake = c.FakeTcpServer(port)
    kid = c.Child(path, 'ClientTCP', 'alice', port)
    conn = fake.welcome('alice', greeting='Name already taken')   # the connection is kept open
    kid.type('hello anyone')
    conn.stream.wait(lambda t, closed: 'hello anyone' in t or closed, 6)
    if 'hello anyone' in conn.stream.new():
        c.bad('run() over after the refusal, nothing typed sent', "'hello anyone' reached the server")
    if conn.stream.closed or kid.returned(0.5):
        c.ok('run() ended after the refusal and sent nothing typed')
    c.unsure('the refused client neither sent the line nor ended (output {})'.format(kid.tail()))


c.main(body)
