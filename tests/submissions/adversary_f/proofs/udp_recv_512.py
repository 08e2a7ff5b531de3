import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerUDP: a 900-byte chat (under the 1000-byte bound) is relayed whole."""


def body():
    mod = C.load()
    srv, port, _ = C.start_udp_server(mod)
    alice, ok1 = C.udp_join(port, 'alice')
    bob, ok2 = C.udp_join(port, 'bob')
    if not (ok1 and ok2) or alice.wait_for('User bob joined', 5) is None:
        raise RuntimeError('setup: joins')
    text = ''.join(chr(ord('a') + i % 26) for i in range(900))
    alice.send('alice:' + text)
    got = bob.recv(5)
    if got not in ('alice: ' + text, 'alice:' + text):
        C.finish(False, 'bob got {} characters instead of {}'.format(len(got or ''), len(text) + 7))


C.main(body)
