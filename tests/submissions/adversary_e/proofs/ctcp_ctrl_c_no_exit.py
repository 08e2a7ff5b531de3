"""ClientTCP: Ctrl-C in the input loop sends 'exit' to the server (the text: "or a KeyboardInterrupt is detected, at which point the client sends 'exit'")."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    kid, conn = c.tcp_client_joined(path, sigint='python')
    kid.interrupt()
    if conn.wait_text('exit', 5):
        c.ok("'exit' reached the server after Ctrl-C")
    c.bad("'exit' sent to the server after Ctrl-C in the input loop",
          'nothing more (connection {}; output {})'.format('closed' if conn.stream.closed else 'open', kid.tail()))


c.main(body)
