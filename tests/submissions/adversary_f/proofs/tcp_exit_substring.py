import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerTCP: 'I will exit later' is chat, relayed; only the whole message 'exit' leaves."""


def body():
    mod = C.load()
    srv, port, _ = C.start_tcp_server(mod)
    alice, ok1 = C.tcp_join(port, 'alice')
    bob, ok2 = C.tcp_join(port, 'bob')
    if not (ok1 and ok2 and alice.wait_for('User bob joined', 5)):
        raise RuntimeError('setup: joins')
    alice.send('I will exit later')
    seen = C.first_of(bob, ['alice: I will exit later', 'User alice left'], 5)
    if seen != 'alice: I will exit later':
        C.finish(False, 'bob got {!r} instead of the chat line'.format(seen))
    if srv.get_clients_number() != 2:
        C.finish(False, 'count dropped to {}'.format(srv.get_clients_number()))


C.main(body)
