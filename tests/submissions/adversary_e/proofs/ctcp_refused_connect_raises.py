"""ClientTCP.connect_server() returns False when no server listens (no exception)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

import threading  # noqa: E402


def body(path):
    mod = c.load(path)
    port = c.free_port()          # nobody listens here
    result = {}

    def go():
        try:
            result['r'] = mod.ClientTCP('alice', port).connect_server()
        except BaseException as exc:  # noqa
            result['r'] = exc
    threading.Thread(target=go, daemon=True).start()
    if not c.wait_state(lambda: 'r' in result, 6):
        c.unsure('connect_server() did not return within 6 s (it may keep trying)')
    if result['r'] is False:
        c.ok('connect_server() returned False with no server')
    c.bad('connect_server() returns False with no server', repr(result['r']))


c.main(body)
