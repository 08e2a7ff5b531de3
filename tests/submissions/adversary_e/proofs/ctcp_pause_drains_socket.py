"""ClientTCP: a chat line that arrives just after the greeting (during the client's pause) is displayed."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

LINE = 'bob: did you get this?'


def body(path):
    kid, conn = c.tcp_client_joined(path, in_loop=False)   # 'Welcome' just sent
    time.sleep(0.15)   # the short gap judgement-calls allows between two messages to a TCP client
    conn.send(LINE)
    if kid.shows(LINE, 5):
        c.ok('the line sent 0.15 s after the greeting was displayed')
    kid.type('probe line')
    if conn.wait_text('probe line', 5):
        c.bad('{} displayed'.format(c.short(LINE)), 'never displayed, though the client is in the room')
    c.unsure('the client is not in its loop (output {})'.format(kid.tail()))


c.main(body)
