"""ClientTCP: a chat line that mentions server-shutdown is displayed; only the exact message stops the client."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

LINE = 'bob: is the server-shutdown at noon?'


def body(path):
    kid, conn = c.tcp_client_joined(path)   # in its loop: the greeting has been read
    conn.send(LINE)
    if not kid.shows(LINE, 5):
        c.bad('{} displayed'.format(c.short(LINE)),
              'not displayed; run() {}'.format('returned' if kid.returned(2) else 'still running'))
    kid.type('still here')
    if conn.wait_text('still here', 5):
        c.ok('chat line displayed and the client still in the room')
    c.bad('the client still in the room after the chat line', 'no later line (output {})'.format(kid.tail()))


c.main(body)
