"""Client 'al' displays 'alice: hello al'."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeTcpServer()
cap = capture_stdout()
c = in_process_client(mod, 'tcp', 'al', fake.port)
if not c.connect_server() or not wait_until(lambda: fake.conn is not None):
    setup_failed('connect_server() failed against the fake server')
start_thread(c.receive)
fake.send('alice: hello al')
check(wait_until(lambda: 'alice: hello al' in cap.text()), "'alice: hello al' displayed", repr(cap.text()))
ok()
