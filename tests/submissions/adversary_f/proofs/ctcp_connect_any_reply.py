import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientTCP: connect_server() returns False on a reply that is no welcome ('Server full')."""


def body():
    mod = C.load()
    C.capture_stdout()
    fake = C.FakeTCPServer()
    client = mod.ClientTCP('alice', fake.port)
    result = {}
    th = C.spawn(lambda: result.update(ok=client.connect_server()))
    conn = fake.accept(5)
    if conn is None or not conn.next_is('alice', 5):
        raise RuntimeError('the client did not send its name')
    conn.send('Server full')
    th.join(5)
    if result.get('ok') is True:
        C.finish(False, "connect_server() returned True on 'Server full'")


C.main(body)
