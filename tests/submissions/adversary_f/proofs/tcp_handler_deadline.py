import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerTCP: a member silent for a few seconds is still heard (handle_client listens until handle_event)."""


def body():
    mod = C.load()
    srv, port, _ = C.start_tcp_server(mod)
    alice, ok1 = C.tcp_join(port, 'alice')
    bob, ok2 = C.tcp_join(port, 'bob')
    if not (ok1 and ok2 and alice.wait_for('User bob joined', 5)):
        raise RuntimeError('setup: joins')
    time.sleep(4.0)   # the scenario: alice says nothing for four seconds
    alice.send('still here')
    if not bob.wait_for('alice: still here', 4):
        C.finish(False, 'after 4 s of silence alice is no longer heard')


C.main(body)
