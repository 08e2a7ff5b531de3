"""ServerUDP: an 'exit' (or close_client) for an address that is no longer a member announces nothing."""
import socket

import _common as C


def scenario(mod, path, cleanups):
    srv = C.udp_server(mod, cleanups).start()
    alice = C.udp_join(srv, 'alice', cleanups, expect_count=1)
    bob = C.udp_join(srv, 'bob', cleanups, expect_count=2, members=[alice])
    bob.send('bob:exit')
    C.need(alice.wait_msg(lambda m: m == 'User bob left', 5.0), "alice never saw 'User bob left' (saw {!r})".format(
        alice.since()))
    C.need(srv.wait_count(1), 'the count did not drop to 1 after bob left ({})'.format(srv.count()))
    ma = alice.mark()
    bob.send('bob:exit')                                  # a second exit from an address that already left
    r = C.call_deadline('close_client(an address that is not a client)',
                        lambda: srv.server.close_client(('127.0.0.1', C.free_port(socket.SOCK_DGRAM))))
    C.check(r is False, 'expected close_client(non-member) to return False, it returned {!r}'.format(r))
    C.udp_join(srv, 'carol', cleanups, expect_count=2, members=[alice])     # fence
    C.check(alice.since(ma) == ['User carol joined'],
            "expected alice to receive only ['User carol joined'] after bob had left, saw {!r}".format(
                alice.since(ma)))


C.main(scenario)
