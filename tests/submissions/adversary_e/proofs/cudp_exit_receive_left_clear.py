"""ClientUDP.run(): after a typed 'exit' run() has set exit_receive when it returns."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    kid, fake, addr = c.udp_client_joined(path)
    kid.type('exit')
    if not fake.wait_text('alice:exit', 5):
        c.unsure("no 'alice:exit' after a typed 'exit'")
    if not kid.returned(5):
        c.unsure("run() did not return after 'exit' (output {})".format(kid.tail()))
    events = kid.events()
    if events and events[1]:
        c.ok("exit_receive set when run() returned after 'exit'")
    c.bad("exit_receive set when run() returns after a typed 'exit'", 'exit_receive clear')


c.main(body)
