"""ServerTCP: a 900-byte chat line is relayed as one message."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

TEXT = ''.join(chr(ord('a') + i % 26) for i in range(900))


def body(path):
    mod, server, runner, port, (alice, bob) = c.tcp_room(path, ['alice', 'bob'])
    alice.send(TEXT)
    same, seen = bob.next_is('alice: ' + TEXT, 5)
    if same:
        c.ok('the 900-byte line relayed whole')
    if not seen:
        c.unsure('nothing relayed')
    c.bad("'alice: ' + the 900-byte line, whole", '{} bytes, {} times \'alice: \''.format(
        len(seen.encode('utf-8')), seen.count('alice: ')))


c.main(body)
