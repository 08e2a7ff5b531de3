"""ServerTCP: close_client returns False for a socket that is not a client."""
import socket

import _common as C


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups).start()
    alice = C.tcp_join(srv, 'alice', cleanups, expect_count=1)
    stray = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cleanups.append(stray.close)
    r = C.call_deadline('close_client(a socket that never connected)',
                        lambda: srv.server.close_client(stray))
    C.check(r is False, 'expected close_client(non-client socket) to return False, it returned {!r}'.format(r))
    r = C.call_deadline("close_client(the proof's own client-side socket)",
                        lambda: srv.server.close_client(alice.sock))
    C.check(r is False, 'expected close_client(non-client socket) to return False, it returned {!r}'.format(r))
    C.check(srv.count() == 1, 'expected the room to be untouched (count 1), count is {}'.format(srv.count()))


C.main(scenario)
