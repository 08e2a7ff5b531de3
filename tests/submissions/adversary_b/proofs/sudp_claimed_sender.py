"""ServerUDP: a member that claims another member's name is still the sender: it gets no copy,
the member whose name it claimed does."""
import _common as C

TEXT = 'hello from the real bob'


def scenario(mod, path, cleanups):
    srv = C.udp_server(mod, cleanups).start()
    alice = C.udp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.udp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    carol = C.udp_join(srv, 'carol', cleanups, expect_count=3, members=[alice, bob])
    ma, mb = alice.mark(), bob.mark()
    bob.send('alice:' + TEXT)                           # bob's address, alice's name
    carol.send('carol:fence')
    fence = C.udp_relays('carol', 'fence')
    C.need(alice.wait_msg(lambda m: m in fence, 5.0, ma), 'alice never got the fence (saw {!r})'.format(
        alice.since(ma)))
    C.need(bob.wait_msg(lambda m: m in fence, 5.0, mb), 'bob never got the fence (saw {!r})'.format(
        bob.since(mb)))
    C.check(not any(TEXT in m for m in bob.since(mb)),
            'expected the sender (bob, by address) to get no copy of his message, he got {!r}'.format(
                bob.since(mb)))
    C.check(any(TEXT in m for m in alice.since(ma)),
            'expected alice (not the sender) to receive the message bob sent, she got {!r}'.format(
                alice.since(ma)))


C.main(scenario)
