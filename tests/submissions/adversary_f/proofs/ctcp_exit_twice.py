import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientTCP: typing 'exit' sends 'exit' once, and nothing after it."""


def body():
    mod = C.load()
    keys = C.Keys()
    C.capture_stdout()
    fake = C.FakeTCPServer()
    client = mod.ClientTCP('alice', fake.port)
    runner = C.spawn(client.run)
    conn = fake.accept(5)
    if conn is None or not conn.next_is('alice', 5):
        raise RuntimeError('the client did not send its name')
    conn.send('Welcome')
    if not keys.asked.wait(5):
        raise RuntimeError('run() never asked for input')
    keys.type('exit')
    runner.join(8)
    conn.wait_eof(3)
    rest = conn.unread()
    if rest.startswith('exitexit'):
        C.finish(False, "the server received {!r}".format(rest))
    if rest != 'exit':
        raise RuntimeError('unexpected bytes after the name: {!r}'.format(rest))


C.main(body)
