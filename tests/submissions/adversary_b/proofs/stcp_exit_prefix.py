"""ServerTCP: a chat message that merely begins with 'exit' is chat, not a leave."""
import _common as C

TEXT = 'exiting the lecture hall, brb'


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups).start()
    alice = C.tcp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.tcp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    mark = bob.mark()
    alice.send(TEXT)
    bob.wait(lambda t, c: TEXT in t or 'left' in t, 5.0, mark)
    want = 'alice: ' + TEXT
    C.check(bob.text(mark) == want,
            'expected bob to receive exactly {!r}, saw {!r}'.format(want, bob.text(mark)))
    C.check(srv.count() == 2 and not alice.closed,
            'expected alice to stay in the room (count 2), count is {}'.format(srv.count()))


C.main(scenario)
