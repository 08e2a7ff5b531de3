"""ServerTCP: a refused name becomes free once its holder has left."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups).start()
    alice = C.tcp_join(srv, 'alice', cleanups, expect_count=1)
    dup = C.TcpPeer(srv.port, cleanups, 'alice')
    C.need(dup.wait(lambda t, c: 'Name already taken' in t, 5.0),
           "a second alice did not get 'Name already taken' (saw {!r})".format(dup.text()))
    bob = C.tcp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    alice.send('exit')
    C.need(bob.wait_text('User alice left'), "bob never saw 'User alice left' (saw {!r})".format(bob.text()))
    C.need(srv.wait_count(1), 'the count did not drop to 1 after alice left (count {})'.format(srv.count()))
    again = C.TcpPeer(srv.port, cleanups, 'alice')
    again.wait(lambda t, c: 'Welcome' in t or 'Name already taken' in t or c, 5.0)
    C.check('Welcome' in again.text(),
            "expected 'alice' to be welcomed again after its holder left, saw {!r}".format(again.text()))
    C.check(srv.wait_count(2), 'expected 2 clients after alice rejoined, count is {}'.format(srv.count()))


C.main(scenario)
