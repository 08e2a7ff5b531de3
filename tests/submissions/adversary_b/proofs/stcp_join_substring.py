"""ServerTCP: 'I will join later' is chat, not a join announcement."""
import _common as C

TEXT = 'I will join later'


def scenario(mod, path, cleanups):
    srv = C.tcp_server(mod, cleanups).start()
    alice = C.tcp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.tcp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    mark = bob.mark()
    alice.send(TEXT)
    bob.wait(lambda t, c: TEXT in t or 'joined' in t, 5.0, mark)
    want = 'alice: ' + TEXT
    C.check(bob.text(mark) == want,
            'expected bob to receive exactly {!r}, saw {!r}'.format(want, bob.text(mark)))


C.main(scenario)
