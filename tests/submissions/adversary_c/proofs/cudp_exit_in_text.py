"""A typed line that only mentions exit is chat: 'alice:the exit is on the left'."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeUdpServer()
kid = ChildClient(sys.argv[1], 'udp', 'alice', fake.port)
if not wait_until(lambda: 'alice:join' in fake.texts(), 8):
    setup_failed('client did not join: ' + repr(kid.output()))
kid.type('the exit is on the left')
if not wait_until(lambda: len(fake.texts()) >= 2, 4):
    setup_failed('nothing arrived after typing: ' + repr(kid.output()))
check(fake.texts()[1] == 'alice:the exit is on the left', "'alice:the exit is on the left'", repr(fake.texts()[1]))
ok()
