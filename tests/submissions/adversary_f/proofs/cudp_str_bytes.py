import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientUDP: a UTF-8 message is decoded and displayed as text."""


def body():
    mod = C.load()
    client, fake, addr, cap = C.udp_client_joined(mod, 'alice')
    C.spawn(client.receive)
    line = 'bob: h\u00e9llo w\u00f6rld \u2713'
    fake.send(line, addr)
    if not cap.has(line, 4):
        C.finish(False, 'displayed {!r}'.format(cap.text()[-60:]))


C.main(body)
