"""ServerTCP: accept_client returns True for a unique name and exactly False for a taken one."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups)          # not running: the proof drives accept_client itself
    alice = C.TcpPeer(srv.port, cleanups, 'alice')
    r1 = C.call_deadline('accept_client() for alice', srv.server.accept_client)
    C.need(alice.wait_text('Welcome'), 'alice was not welcomed (saw {!r})'.format(alice.text()))
    C.check(r1 is True, 'expected accept_client() to return True for a unique name, it returned {!r}'.format(r1))
    dup = C.TcpPeer(srv.port, cleanups, 'alice')
    r2 = C.call_deadline('accept_client() for a second alice', srv.server.accept_client)
    C.need(dup.wait(lambda t, c: 'Name already taken' in t, 5.0),
           "the second alice did not get 'Name already taken' (saw {!r})".format(dup.text()))
    C.check(r2 is False,
            'expected accept_client() to return False for a taken name, it returned {!r}'.format(r2))


C.main(scenario)
