"""ServerTCP: two servers in one process share no clients."""
import _common as C


def scenario(mod, path, cleanups):
    a = C.tcp_server(mod, cleanups).start()
    b = C.tcp_server(mod, cleanups).start()
    C.tcp_join(a, 'alice', cleanups, expect_count=1)
    peer = C.TcpPeer(b.port, cleanups, 'alice')
    peer.wait(lambda t, c: 'Welcome' in t or 'Name already taken' in t or c, 5.0)
    C.check('Welcome' in peer.text(),
            "expected 'alice' to be welcomed by a second server, saw {!r}".format(peer.text()))
    C.wait_until(lambda: a.count() == 1 and b.count() == 1, 3.0)
    C.check(a.count() == 1 and b.count() == 1,
            'expected each server to count its own single client (1 and 1), counts are {} and {}'.format(
                a.count(), b.count()))


C.main(scenario)
