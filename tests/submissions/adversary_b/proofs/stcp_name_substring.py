"""ServerTCP: a name that is a prefix/substring of a member's name is free ('al' while 'alice')."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups).start()
    alice = C.tcp_join(srv, 'alice', cleanups, expect_count=1)
    al = C.TcpPeer(srv.port, cleanups, 'al')
    al.wait(lambda t, c: 'Welcome' in t or 'Name already taken' in t or c, 5.0)
    seen = al.text()
    C.check('Welcome' in seen and 'Name already taken' not in seen,
            "expected 'al' to be welcomed while 'alice' is in the room (names compared whole), "
            "saw {!r}".format(seen))
    C.check(srv.wait_count(2), "expected 2 clients after 'al' joined, count is {}".format(srv.count()))
    C.check(alice.wait_text('User al joined'),
            "expected alice to see 'User al joined', saw {!r}".format(alice.text()))


C.main(scenario)
