import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerTCP: a refused join ('Name already taken') leaves nothing in clients."""


def body():
    mod = C.load()
    srv, port, _ = C.start_tcp_server(mod)
    alice, ok = C.tcp_join(port, 'alice')
    if not ok:
        raise RuntimeError('alice was not welcomed')
    if not C.wait_until(lambda: srv.get_clients_number() == 1, 3):
        raise RuntimeError('count did not reach 1')
    dup, ok = C.tcp_join(port, 'alice')
    if ok or 'Name already taken' not in dup.buf.decode('utf-8', 'replace'):
        raise RuntimeError('the second alice was not refused')
    if not C.wait_until(lambda: srv.get_clients_number() == 1, 1.5):
        C.finish(False, 'count is {} after a refused join (one member)'.format(srv.get_clients_number()))


C.main(body)
