import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientTCP: a chat line that mentions 'server-shutdown' is displayed; only the message itself stops."""


def body():
    mod = C.load()
    client, conn, cap = C.tcp_client_joined(mod, 'alice')
    C.spawn(client.receive)
    line = 'bob: is the server-shutdown at noon?'
    conn.send(line)
    if not cap.has(line, 4):
        C.finish(False, 'the chat line was not displayed')
    if client.exit_run.is_set() or client.exit_receive.is_set():
        C.finish(False, 'the chat line set exit_run/exit_receive')


C.main(body)
