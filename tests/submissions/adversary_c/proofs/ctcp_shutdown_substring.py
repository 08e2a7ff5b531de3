"""A chat that mentions server-shutdown is displayed; the client keeps going."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import *  # noqa

mod = load()
watchdog(30)

fake = FakeTcpServer()
cap = capture_stdout()
c = in_process_client(mod, 'tcp', 'alice', fake.port)
if not c.connect_server() or not wait_until(lambda: fake.conn is not None):
    setup_failed('connect_server() failed against the fake server')
start_thread(c.receive)
chat = 'bob: is the server-shutdown at noon?'
fake.send(chat)
check(wait_until(lambda: chat in cap.text()), 'chat displayed', repr(cap.text()))
check(not c.exit_run.is_set() and not c.exit_receive.is_set(), 'exit_run and exit_receive still clear',
      'exit_run={} exit_receive={}'.format(c.exit_run.is_set(), c.exit_receive.is_set()))
fake.send('bob: still here')
check(wait_until(lambda: 'bob: still here' in cap.text()), 'next chat displayed too', repr(cap.text()))
ok()
