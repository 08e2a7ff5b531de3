"""ServerUDP: 'I will join later' from a member is chat and is relayed."""
import _common as C

TEXT = 'I will join later'


def scenario(mod, path, cleanups):
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
            'expected bob to receive {!r} then the fence, saw {!r}'.format(C.udp_relays('alice', TEXT)[0], got))


C.main(scenario)
