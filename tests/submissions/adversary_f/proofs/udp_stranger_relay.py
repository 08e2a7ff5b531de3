import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerUDP: datagrams from an address that never joined, or already left, are not relayed."""


def body():
    mod = C.load()
    srv, port, _ = C.start_udp_server(mod)
    alice, ok1 = C.udp_join(port, 'alice')
    bob, ok2 = C.udp_join(port, 'bob')
    carol, ok3 = C.udp_join(port, 'carol')
    if not (ok1 and ok2 and ok3) or bob.wait_for('User carol joined', 5) is None:
        raise RuntimeError('setup: joins')
    stranger = C.RawUDP(port)
    stranger.send('mallory:hello')
    carol.send('carol:exit')
    if bob.wait_for('User carol left', 5) is None:
        raise RuntimeError('carol did not leave')
    carol.send('carol:still here')
    alice.send('alice:ping')
    before = bob.wait_for('alice: ping', 5)
    if before is None:
        raise RuntimeError('alice:ping never reached bob as alice: ping')
    if before:
        C.finish(False, 'bob got {!r} from non-members'.format(before))


C.main(body)
