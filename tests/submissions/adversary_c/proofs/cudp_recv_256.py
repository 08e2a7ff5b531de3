"""A 900-byte message is displayed whole."""
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
text = 'bob: ' + ''.join(chr(97 + i % 26) for i in range(900))
fake.to_client(text)
check(wait_until(lambda: text in cap.text()), 'the 905-byte message displayed whole', repr(cap.text()[-80:]))
ok()
