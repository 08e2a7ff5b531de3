"""ServerUDP: two servers in one process share no clients and no messages."""
import _common as C


def scenario(mod, path, cleanups):
    a = C.udp_server(mod, cleanups).start()
    b = C.udp_server(mod, cleanups).start()
    C.udp_join(a, 'alice', cleanups, expect_count=1)
    C.udp_join(b, 'bob', cleanups, expect_count=1)
    C.check(a.count() == 1 and b.count() == 1,
            'expected one member per server, counts are {} and {}'.format(a.count(), b.count()))
    in_b = [m for m in list(b.server.messages) if 'alice' in str(m)]
    in_a = [m for m in list(a.server.messages) if 'bob' in str(m)]
    C.check(not in_a and not in_b,
            "expected each server's messages to hold only its own room's entries, "
            "server B holds {!r}, server A holds {!r}".format(in_b, in_a))


C.main(scenario)
