import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientUDP: connect_server() returns False when the response is not 'Welcome'."""


def body():
    mod = C.load()
    C.capture_stdout()
    fake = C.FakeUDPServer()
    client = mod.ClientUDP('alice', fake.port)
    result = {}
    th = C.spawn(lambda: result.update(ok=client.connect_server()))
    msg, addr = fake.recv(5)
    if msg != 'alice:join':
        raise RuntimeError('expected alice:join, got {!r}'.format(msg))
    fake.send('Server full', addr)
    th.join(5)
    if result.get('ok') is True:
        C.finish(False, "connect_server() returned True on 'Server full'")


C.main(body)
