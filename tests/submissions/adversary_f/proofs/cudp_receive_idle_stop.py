import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientUDP: receive() keeps listening through a few seconds of silence."""


def body():
    mod = C.load()
    client, fake, addr, cap = C.udp_client_joined(mod, 'alice')
    C.spawn(client.receive)
    fake.send('User bob joined', addr)
    if not cap.has('User bob joined', 4):
        raise RuntimeError('the first message was not displayed')
    time.sleep(4.0)   # the scenario: the room is silent for four seconds
    fake.send('bob: still there?', addr)
    if not cap.has('bob: still there?', 4):
        C.finish(False, 'after 4 s of silence nothing is displayed any more')


C.main(body)
