import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerTCP: a 900-byte message (under the 1000-byte bound) is relayed as one message."""


def body():
    mod = C.load()
    srv, port, _ = C.start_tcp_server(mod)
    alice, ok1 = C.tcp_join(port, 'alice')
    bob, ok2 = C.tcp_join(port, 'bob')
    if not (ok1 and ok2 and alice.wait_for('User bob joined', 5)):
        raise RuntimeError('setup: joins')
    text = ''.join(chr(ord('a') + i % 26) for i in range(900))
    alice.send(text)
    if not bob.next_is('alice: ' + text, 5):
        C.finish(False, 'bob got {!r}... instead of the whole message'.format(bob.unread()[500:560]))


C.main(body)
