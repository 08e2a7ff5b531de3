"""Child side of ChildClient: python3 -u _child.py CHATROOM tcp|udp NAME PORT"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402  (patches gethostbyname)

signal.signal(signal.SIGINT, signal.default_int_handler)
mod = _common.load(sys.argv[1])
kind, name, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
cls = mod.ClientTCP if kind == 'tcp' else mod.ClientUDP
client = cls(name, port)
try:
    client.run()
    how = 'returned'
except KeyboardInterrupt:
    how = 'KeyboardInterrupt escaped'
except SystemExit:
    how = 'sys.exit'
except Exception as exc:
    how = 'raised ' + repr(exc)
sys.stdout.write('\n@@END {} exit_run={} exit_receive={}\n'.format(
    how, int(client.exit_run.is_set()), int(client.exit_receive.is_set())))
sys.stdout.flush()
os._exit(0)
