"""The same message received twice is displayed twice."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeUdpServer()
cap = capture_stdout()
c = in_process_client(mod, 'udp', 'alice', fake.port)
if not c.connect_server():
    setup_failed('connect_server() failed against the fake server')
start_thread(c.receive)
fake.to_client('bob: ok')
if not wait_until(lambda: cap.text().count('bob: ok') >= 1):
    setup_failed('first message not displayed: ' + repr(cap.text()))
fake.to_client('bob: ok')
check(wait_until(lambda: cap.text().count('bob: ok') >= 2), "'bob: ok' displayed twice", repr(cap.text()))
ok()
