"""Typed 'exit' puts exactly one 'exit' on the wire."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeTcpServer()
kid = ChildClient(sys.argv[1], 'tcp', 'alice', fake.port)
if not wait_until(lambda: fake.name == 'alice', 8):
    setup_failed('client did not send its name: ' + repr(kid.output()))
kid.type('hi')
if not wait_until(lambda: fake.text() == 'hi', 4):
    setup_failed("'hi' did not arrive: " + repr(fake.text()))
kid.type('exit')
if not wait_until(lambda: 'exit' in fake.text(), 8):
    fail("'exit' on the wire after typing exit", repr(fake.text()))
wait_until(lambda: fake.eof, 3)     # a client need not close its socket; a second 'exit' comes at once
check(fake.text() == 'hiexit', "'hi' then one 'exit'", repr(fake.text()))
ok()
