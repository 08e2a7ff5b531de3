"""ClientUDP: Ctrl-C in the input loop sends 'alice:exit' (the {client_name}:{text} format)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    kid, fake, addr = c.udp_client_joined(path, sigint='python')
    kid.interrupt()
    item = fake.next(5)
    if item is None:
        c.bad("'alice:exit' after Ctrl-C", 'nothing (output {})'.format(kid.tail()))
    if item[0] == 'alice:exit':
        c.ok("'alice:exit' after Ctrl-C")
    c.bad("'alice:exit' after Ctrl-C", c.short(item[0]))


c.main(body)
