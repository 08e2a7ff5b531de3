"""ServerUDP: a long (non-ASCII) chat text that fits in one datagram is relayed whole."""
import _common as C

TEXT = ('Grüße aus Zürich, naïve café ☕ — ' * 30)[:700] + ' END'     # 895 bytes in UTF-8


def scenario(mod, path, cleanups):
    C.need(len(('alice:' + TEXT).encode('utf-8')) < 1024, 'the test text is too long')
    srv = C.udp_server(mod, cleanups).start()
    alice = C.udp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.udp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    mb = bob.mark()
    alice.send('alice:' + TEXT)
    alice.send('alice:fence')
    fence = C.udp_relays('alice', 'fence')
    C.need(bob.wait_msg(lambda m: m in fence, 5.0, mb), "bob never got alice's fence (saw {!r})".format(
        bob.since(mb)))
    got = bob.since(mb)
    C.check(len(got) == 2 and got[0] in C.udp_relays('alice', TEXT),
            'expected bob to receive the {}-byte text whole, saw {!r}'.format(
                len(TEXT.encode('utf-8')), [m[-40:] for m in got]))


C.main(scenario)
