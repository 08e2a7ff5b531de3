"""ServerUDP: a member that says the same thing twice in a row is relayed twice."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.udp_server(mod, cleanups).start()
    alice = C.udp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.udp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    mb = bob.mark()
    ok = C.udp_relays('alice', 'ok')
    alice.send('alice:ok')
    C.need(bob.wait_msg(lambda m: m in ok, 5.0, mb), "bob never got alice's first 'ok' (saw {!r})".format(
        bob.since(mb)))
    alice.send('alice:ok')
    alice.send('alice:done')
    done = C.udp_relays('alice', 'done')
    bob.wait_msg(lambda m: m in done, 5.0, mb)
    got = bob.since(mb)
    C.check(len(got) == 3 and got[0] in ok and got[1] in ok and got[2] in done,
            "expected bob to receive 'ok', 'ok', 'done' from alice, saw {!r}".format(got))


C.main(scenario)
