"""ClientUDP: the chat line 'bob: server-shutdown' is displayed and does not stop the client."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

LINE = 'bob: server-shutdown'


def body(path):
    kid, fake, addr = c.udp_client_joined(path)
    fake.send(LINE, addr)
    if not kid.shows(LINE, 5):
        c.bad('{} displayed'.format(c.short(LINE)),
              'not displayed; run() {}'.format('returned' if kid.returned(2) else 'still running'))
    kid.type('still here')
    if fake.wait_text('alice:still here', 5):
        c.ok('chat line displayed and the client still in the room')
    c.bad('the client still in the room', 'no later line (output {})'.format(kid.tail()))


c.main(body)
