"""ServerUDP: the name is the whole part before ':join' -- 'robin' stays 'robin'."""
import _common as C


def scenario(mod, path, cleanups):
    srv = C.udp_server(mod, cleanups).start()
    alice = C.udp_join(srv, 'alice', cleanups, expect_count=1)
    ma = alice.mark()
    robin = C.UdpPeer(srv.port, cleanups)
    robin.send('robin:join')
    C.need(robin.wait_msg(lambda m: 'Welcome' in m, 5.0), 'robin was not welcomed (saw {!r})'.format(
        robin.since()))
    C.need(srv.wait_count(2), 'the count is {} after robin joined'.format(srv.count()))
    alice.wait_msg(lambda m: 'joined' in m, 5.0, ma)
    C.check(alice.since(ma) == ['User robin joined'],
            "expected alice to receive exactly ['User robin joined'], saw {!r}".format(alice.since(ma)))
    names = sorted(srv.server.clients.values())
    C.check(names == ['alice', 'robin'], "expected clients to hold the names ['alice', 'robin'], saw {!r}".format(
        names))


C.main(scenario)
