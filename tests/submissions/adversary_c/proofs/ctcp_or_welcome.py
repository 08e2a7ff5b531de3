"""connect_server() is False when the server answers 'Name already taken'."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeTcpServer('Name already taken')
cap = capture_stdout()
c = in_process_client(mod, 'tcp', 'alice', fake.port)
r = c.connect_server()
check(not r, "connect_server() False on 'Name already taken'", repr(r))
ok()
