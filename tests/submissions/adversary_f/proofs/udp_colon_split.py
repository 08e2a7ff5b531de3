import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerUDP: chat text containing ':' is relayed whole."""


def body():
    mod = C.load()
    srv, port, _ = C.start_udp_server(mod)
    alice, ok1 = C.udp_join(port, 'alice')
    bob, ok2 = C.udp_join(port, 'bob')
    if not (ok1 and ok2) or alice.wait_for('User bob joined', 5) is None:
        raise RuntimeError('setup: joins')
    alice.send('alice:meet at 10:30, room 4:2')
    got = bob.recv(5)
    if got not in ('alice: meet at 10:30, room 4:2', 'alice:meet at 10:30, room 4:2'):
        C.finish(False, 'bob got {!r}'.format(got))


C.main(body)
