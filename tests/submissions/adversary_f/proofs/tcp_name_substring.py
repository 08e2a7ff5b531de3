import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerTCP: 'al' is free while 'alice' is in the room (names compare as whole strings)."""


def body():
    mod = C.load()
    srv, port, _ = C.start_tcp_server(mod)
    alice, ok = C.tcp_join(port, 'alice')
    if not ok:
        raise RuntimeError('alice was not welcomed')
    al, ok = C.tcp_join(port, 'al')
    if not ok:
        C.finish(False, "'al' was refused while 'alice' is in the room")
    if not C.wait_until(lambda: srv.get_clients_number() == 2, 3):
        C.finish(False, 'count is {} with alice and al'.format(srv.get_clients_number()))


C.main(body)
