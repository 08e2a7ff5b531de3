"""ServerUDP: an address that was refused cannot make a member leave by claiming its name."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.udp_server(mod, cleanups).start()
    alice = C.udp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.udp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    impostor = C.UdpPeer(srv.port, cleanups)
    impostor.send('alice:join')
    C.need(impostor.wait_msg(lambda m: 'Name already taken' in m, 5.0),
           "a second alice was not refused (saw {!r})".format(impostor.since()))
    mb = bob.mark()
    impostor.send('alice:exit')
    alice.send('alice:still here')                      # fence: the real alice speaks
    bob.wait_msg(lambda m: 'still here' in m or 'left' in m, 5.0, mb)
    got = bob.since(mb)
    C.check(len(got) == 1 and got[0] in C.udp_relays('alice', 'still here'),
            "expected bob to receive only alice's chat {!r} (alice still a member), saw {!r}".format(
                C.udp_relays('alice', 'still here')[0], got))
    C.check(srv.count() == 2, 'expected 2 members after the refused address sent exit, count is {}'.format(
        srv.count()))


C.main(scenario)
