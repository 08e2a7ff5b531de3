"""Ctrl-C while waiting for input sends 'exit' to the server."""
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
kid.interrupt()
wait_until(lambda: fake.eof or 'exit' in fake.text(), 8)
check(fake.text() == 'hiexit', "'exit' after Ctrl-C", repr(fake.text()) + (' then EOF' if fake.eof else ''))
ok()
