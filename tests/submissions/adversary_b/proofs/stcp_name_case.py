"""ServerTCP: names are compared case included: 'Alice' is free while 'alice' is in the room."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups).start()
    C.tcp_join(srv, 'alice', cleanups, expect_count=1)
    peer = C.TcpPeer(srv.port, cleanups, 'Alice')
    peer.wait(lambda t, c: 'Welcome' in t or 'Name already taken' in t or c, 5.0)
    seen = peer.text()
    C.check('Welcome' in seen and 'Name already taken' not in seen,
            "expected 'Alice' to be welcomed while 'alice' is in the room (case included), saw {!r}".format(seen))
    C.check(srv.wait_count(2), "expected 2 clients after 'Alice' joined, count is {}".format(srv.count()))


C.main(scenario)
