import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientUDP: two datagrams waiting together are both displayed."""


def body():
    mod = C.load()
    client, fake, addr, cap = C.udp_client_joined(mod, 'alice')
    port = client.client_socket.getsockname()[1]
    fake.send('User bob joined', addr)
    if not C.wait_until(lambda: (C.udp_rx_queue(port) or 0) > 0, 3):
        time.sleep(0.2)   # no /proc: give the datagram a moment to land
    first = C.udp_rx_queue(port) or 0
    fake.send('bob: hello', addr)
    if not C.wait_until(lambda: (C.udp_rx_queue(port) or 0) > first, 3):
        time.sleep(0.2)
    C.spawn(client.receive)
    if not cap.has('bob: hello', 4):
        raise RuntimeError('the newest message was not displayed')
    if not cap.has('User bob joined', 1):
        C.finish(False, 'of two waiting datagrams only the newest was displayed')


C.main(body)
