import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerUDP: 'al' is not in use while 'alice' is."""


def body():
    mod = C.load()
    srv, port, _ = C.start_udp_server(mod)
    alice, ok = C.udp_join(port, 'alice')
    if not ok:
        raise RuntimeError('alice was not welcomed')
    al, ok = C.udp_join(port, 'al')
    if not ok:
        C.finish(False, "'al' was refused while 'alice' is in the room")


C.main(body)
