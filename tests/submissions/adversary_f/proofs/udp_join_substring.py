import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerUDP: 'I will join later' from a member is chat, relayed."""


def body():
    mod = C.load()
    srv, port, _ = C.start_udp_server(mod)
    alice, ok1 = C.udp_join(port, 'alice')
    bob, ok2 = C.udp_join(port, 'bob')
    if not (ok1 and ok2) or alice.wait_for('User bob joined', 5) is None:
        raise RuntimeError('setup: joins')
    alice.send('alice:I will join later')
    got = bob.recv(4)
    if got not in ('alice: I will join later', 'alice:I will join later'):
        C.finish(False, 'bob got {!r} instead of the chat line'.format(got))


C.main(body)
