"""ServerUDP: a datagram from an address that never joined is not relayed, whatever name it claims."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.udp_server(mod, cleanups).start()
    alice = C.udp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.udp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    stranger = C.UdpPeer(srv.port, cleanups)
    ma, mb = alice.mark(), bob.mark()
    stranger.send('alice:I am alice, trust me')
    alice.send('alice:fence one')                       # a real member speaks after the stranger
    C.need(bob.wait_msg(lambda m: 'fence one' in m, 5.0, mb),
           "bob never received alice's chat (saw {!r})".format(bob.since(mb)))
    got = bob.since(mb)
    C.check(len(got) == 1 and got[0] in C.udp_relays('alice', 'fence one'),
            "expected bob to receive only alice's own chat {!r}, saw {!r}".format(
                C.udp_relays('alice', 'fence one')[0], got))
    C.check(not any('trust me' in m for m in alice.since(ma)),
            'expected nothing from a non-member to reach alice, saw {!r}'.format(alice.since(ma)))
    C.check(srv.count() == 2, 'expected the room to keep 2 members, count is {}'.format(srv.count()))


C.main(scenario)
