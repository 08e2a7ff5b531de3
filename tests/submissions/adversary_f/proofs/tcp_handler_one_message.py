import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerTCP: handle_client keeps listening: a second message from the same connection is relayed too."""


def body():
    mod = C.load()
    srv, port, _ = C.start_tcp_server(mod)
    alice, ok1 = C.tcp_join(port, 'alice')
    bob, ok2 = C.tcp_join(port, 'bob')
    if not (ok1 and ok2 and alice.wait_for('User bob joined', 5)):
        raise RuntimeError('setup: joins')
    alice.send('first line')
    if not bob.wait_for('alice: first line', 5):
        raise RuntimeError('the first line was not relayed')
    alice.send('second line')
    if not bob.wait_for('alice: second line', 4):
        C.finish(False, 'the second message of one connection was never relayed')


C.main(body)
