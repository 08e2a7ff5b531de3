"""Typing 'Exit' sends the chat 'Exit', not the command 'exit'."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeTcpServer()
kid = ChildClient(sys.argv[1], 'tcp', 'alice', fake.port)
if not wait_until(lambda: fake.name == 'alice', 8):
    setup_failed('client did not send its name: ' + repr(kid.output()))
kid.type('Exit')
if not wait_until(lambda: len(fake.text()) >= 4, 4):
    setup_failed('nothing arrived after typing: ' + repr(kid.output()))
check(fake.text()[:4] == 'Exit', "'Exit' on the wire", repr(fake.text()))
ok()
