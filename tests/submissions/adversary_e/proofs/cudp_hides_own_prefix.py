"""ClientUDP: a message of another member whose name starts with this client's name is displayed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

LINE = 'alice2: hi there'


def body(path):
    kid, fake, addr = c.udp_client_joined(path, 'alice')
    fake.send(LINE, addr)
    if kid.shows(LINE, 5):
        c.ok('{} displayed to alice'.format(c.short(LINE)))
    fake.send('bob: probe', addr)
    if kid.shows('bob: probe', 5):
        c.bad('{} displayed to alice'.format(c.short(LINE)), 'hidden (a later line from bob shows)')
    c.unsure('nothing displayed at all (output {})'.format(kid.tail()))


c.main(body)
