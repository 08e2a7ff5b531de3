import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerUDP: a stranger's 'alice:exit' does not remove alice (the address decides)."""


def body():
    mod = C.load()
    srv, port, _ = C.start_udp_server(mod)
    alice, ok1 = C.udp_join(port, 'alice')
    bob, ok2 = C.udp_join(port, 'bob')
    if not (ok1 and ok2) or alice.wait_for('User bob joined', 5) is None:
        raise RuntimeError('setup: joins')
    stranger = C.RawUDP(port)
    stranger.send('alice:exit')
    alice.send('alice:ping')
    got = bob.recv(5)
    if got not in ('alice: ping', 'alice:ping'):
        C.finish(False, 'bob got {!r}: the stranger removed alice'.format(got))
    if srv.get_clients_number() != 2:
        C.finish(False, 'count is {}'.format(srv.get_clients_number()))


C.main(body)
