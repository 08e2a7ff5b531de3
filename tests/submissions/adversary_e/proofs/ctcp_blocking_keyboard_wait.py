"""ClientTCP.run() returns after 'server-shutdown' without another line (exit_run looked at every 2 s or more often)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    kid, conn = c.tcp_client_joined(path)   # stdin stays open: no more lines come
    conn.send('server-shutdown')
    if kid.returned(3.5):
        c.ok("run() returned after 'server-shutdown' with no more input")
    c.bad("run() returns within 3.5 s of 'server-shutdown' with no more input",
          'still running (output {})'.format(kid.tail()))


c.main(body)
