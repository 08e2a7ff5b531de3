"""receive() sets both exit_run and exit_receive on 'server-shutdown'."""
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
t = start_thread(c.receive)
fake.to_client('server-shutdown')
wait_until(lambda: not t.is_alive() or (c.exit_run.is_set() and c.exit_receive.is_set()))
check(c.exit_run.is_set() and c.exit_receive.is_set(), 'exit_run and exit_receive set',
      'exit_run={} exit_receive={}'.format(c.exit_run.is_set(), c.exit_receive.is_set()))
ok()
