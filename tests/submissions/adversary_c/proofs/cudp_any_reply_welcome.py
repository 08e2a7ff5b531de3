"""connect_server() is False when the server answers 'Name already taken'."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeUdpServer('Name already taken')
cap = capture_stdout()
c = in_process_client(mod, 'udp', 'alice', fake.port)
r = c.connect_server()
if 'alice:join' not in fake.texts():
    setup_failed('no alice:join arrived: ' + repr(fake.texts()))
check(not r, "connect_server() False on 'Name already taken'", repr(r))
ok()
