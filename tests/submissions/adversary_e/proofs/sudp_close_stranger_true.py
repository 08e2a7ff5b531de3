"""ServerUDP.close_client() returns False for an address that is not a client."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod = c.load(path)
    port = c.free_port()
    try:
        server = mod.ServerUDP(port)
    except BaseException as exc:  # noqa
        c.unsure('ServerUDP() failed: {!r}'.format(exc))
    stranger = c.Udp()
    try:
        r = server.close_client(stranger.addr)
    except BaseException as exc:  # noqa
        c.bad('close_client(stranger) is False', 'it raised {!r}'.format(exc))
    if r is False:
        c.ok('close_client(stranger) returned False')
    c.bad('close_client(stranger) is False', repr(r))


c.main(body)
