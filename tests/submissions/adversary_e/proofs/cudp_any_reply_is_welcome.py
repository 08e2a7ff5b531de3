"""ClientUDP.connect_server() returns False for a reply that is not 'Welcome'."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402

import threading  # noqa: E402


def body(path):
    mod = c.load(path)
    port = c.free_port()
    fake = c.Udp(port)
    result = {}

    def go():
        try:
            result['r'] = mod.ClientUDP('alice', port).connect_server()
        except BaseException as exc:  # noqa
            result['r'] = exc
    threading.Thread(target=go, daemon=True).start()
    item = fake.next(5)
    if item is None or item[0] != 'alice:join':
        c.unsure("no 'alice:join' (seen {})".format(c.short(item and item[0])))
    fake.send('Server full, try later', item[1])
    if not c.wait_state(lambda: 'r' in result, 5):
        c.unsure('connect_server() did not return within 5 s of the reply')
    if result['r'] is False:
        c.ok("connect_server() returned False for a reply that is not 'Welcome'")
    c.bad("connect_server() False for the reply 'Server full, try later'", repr(result['r']))


c.main(body)
