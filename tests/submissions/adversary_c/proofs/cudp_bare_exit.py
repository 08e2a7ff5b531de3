"""Typed 'exit' goes out as 'alice:exit'."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeUdpServer()
kid = ChildClient(sys.argv[1], 'udp', 'alice', fake.port)
if not wait_until(lambda: 'alice:join' in fake.texts(), 8):
    setup_failed('client did not join: ' + repr(kid.output()))
kid.type('exit')
if not wait_until(lambda: any(t.endswith('exit') for t in fake.texts()[1:]), 8):
    fail('an exit datagram after ' + "kid.type('exit')", repr(fake.texts()))
kid.wait_exit(3)                   # run() ending is not this proof's subject
marker = UdpPeer(fake.port)
marker.send('MARK')
if not wait_until(lambda: 'MARK' in fake.texts(), 4):
    setup_failed('marker lost')
got = fake.texts()[1:-1]
check(got == ['alice:exit'], "['alice:exit']", repr(got))
ok()
