"""ClientTCP: a typed 'Exit' is chat: it goes to the server as 'Exit' and the client stays."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    kid, conn = c.tcp_client_joined(path)
    kid.type('Exit')
    same, seen = conn.next_is('Exit', 5)
    if not seen.strip():
        c.unsure("nothing reached the server after a typed 'Exit'")
    if not same:
        c.bad("'Exit' sent as chat", c.short(seen))
    kid.type('still talking')
    if conn.wait_text('still talking', 5):
        c.ok("'Exit' went out as chat and the client stayed")
    c.bad("the client still in the room after 'Exit'", 'no later line (output {})'.format(kid.tail()))


c.main(body)
