import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerTCP: two servers in one process share no clients."""


def body():
    mod = C.load()
    srv1, port1, _ = C.start_tcp_server(mod)
    srv2, port2, _ = C.start_tcp_server(mod)
    alice, ok = C.tcp_join(port1, 'alice')
    if not ok or not C.wait_until(lambda: srv1.get_clients_number() == 1, 3):
        raise RuntimeError('setup: alice on the first server')
    if srv2.get_clients_number() != 0:
        C.finish(False, 'the second server counts {} clients'.format(srv2.get_clients_number()))
    other, ok = C.tcp_join(port2, 'alice')
    if not ok:
        C.finish(False, "the second server refused 'alice', a name only the first server holds")


C.main(body)
