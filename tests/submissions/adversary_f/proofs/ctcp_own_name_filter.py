import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientTCP: a message that begins with the receiver's own name (from 'alice' to 'al') is displayed."""


def body():
    mod = C.load()
    client, conn, cap = C.tcp_client_joined(mod, 'al')
    C.spawn(client.receive)
    conn.send('alice: hi al')
    if not cap.has('alice: hi al', 4):
        C.finish(False, "'alice: hi al' was not displayed to 'al'")


C.main(body)
