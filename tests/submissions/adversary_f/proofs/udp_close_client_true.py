import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ServerUDP: close_client of an address that is not a client returns False (and announces nothing)."""


def body():
    mod = C.load()
    srv, port, _ = C.start_udp_server(mod)
    alice, ok = C.udp_join(port, 'alice')
    if not ok or not C.wait_until(lambda: srv.get_clients_number() == 1, 3):
        raise RuntimeError('setup: alice')
    stranger = C.RawUDP(port)
    result = srv.close_client(stranger.addr)
    if result is not False:
        C.finish(False, 'close_client(stranger) returned {!r}'.format(result))
    if srv.get_clients_number() != 1:
        C.finish(False, 'count changed')


C.main(body)
