import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientUDP: typing 'exit' sends one 'alice:exit' and nothing after it."""


def body():
    mod = C.load()
    keys = C.Keys()
    C.capture_stdout()
    fake = C.FakeUDPServer()
    client = mod.ClientUDP('alice', fake.port)
    runner = C.spawn(client.run)
    msg, addr = fake.recv(5)
    if msg != 'alice:join':
        raise RuntimeError('expected alice:join, got {!r}'.format(msg))
    fake.send('Welcome', addr)
    if not keys.asked.wait(5):
        raise RuntimeError('run() never asked for input')
    keys.type('exit')
    runner.join(8)
    if runner.is_alive():
        raise RuntimeError('run() did not return after exit')
    got = []
    while True:
        m, _ = fake.recv(0.3)
        if m is None:
            break
        got.append(m)
    if got.count('alice:exit') != 1:
        C.finish(False, 'the server received {!r}'.format(got))


C.main(body)
