"""ServerTCP: a member silent for 6 s is still listened to."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice, bob) = c.tcp_room(path, ['alice', 'bob'])
    time.sleep(6.0)     # the subject: alice says nothing for 6 s
    alice.send('still here')
    if bob.wait_text('alice: still here', 3):
        c.ok("alice's line after 6 s of silence relayed")
    c.bad("'alice: still here' relayed after 6 s of silence", 'nothing ({} members)'.format(
        server.get_clients_number()))


c.main(body, seconds=11.5)
