"""ClientUDP: a 900-byte chat message arrives whole (one message up to 1000 bytes)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

TEXT = ''.join(chr(ord('a') + i % 26) for i in range(900))
LINE = 'bob: ' + TEXT


def body(path):
    kid, fake, addr = c.udp_client_joined(path)
    fake.send(LINE, addr)
    if kid.shows(LINE, 5):
        c.ok('the 905-byte message was displayed whole')
    fake.send('bob: probe', addr)
    if kid.shows('bob: probe', 5):
        got = max((len(line) for line in kid.output().splitlines() if line.startswith("bob: ab")), default=0)
        c.bad('the 905-byte message displayed whole', 'at most {} characters of it on a line'.format(got))
    c.unsure('nothing displayed at all (output {})'.format(kid.tail()))


c.main(body)
