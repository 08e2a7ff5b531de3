"""ClientTCP: after a typed 'exit' nothing more goes to the server ('exit' is sent once)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    kid, conn = c.tcp_client_joined(path)
    kid.type('exit')
    if not conn.wait_text('exit', 5):
        c.unsure("no 'exit' after a typed 'exit' (output {})".format(kid.tail()))
    # run() returns and the child ends: everything the client sent is in by the end of the stream
    if not conn.stream.wait_closed(5):
        c.unsure('the client neither closed its connection nor ended')
    after = conn.stream.new()
    if after.strip() == '':
        c.ok("exactly one 'exit' after the typed 'exit'")
    c.bad("nothing after the one 'exit'", 'then {}'.format(c.short(after)))


c.main(body)
