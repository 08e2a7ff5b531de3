import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientTCP: a message sent right after the greeting was read stays for receive(), which displays it."""


def body():
    mod = C.load()
    cap = C.capture_stdout()
    fake = C.FakeTCPServer()
    client = mod.ClientTCP('alice', fake.port)
    spy = C.Spy(client.client_socket)
    client.client_socket = spy
    result = {}
    th = C.spawn(lambda: result.update(ok=client.connect_server()))
    conn = fake.accept(5)
    if conn is None or not conn.next_is('alice', 5):
        raise RuntimeError('the client did not send its name')
    conn.send('Welcome')
    if not spy.got_data.wait(5):
        raise RuntimeError('the client never read its reply')
    conn.send('User bob joined')     # once the reply was read, never in its segment
    th.join(5)
    if result.get('ok') is not True:
        raise RuntimeError('connect_server() did not return True')
    C.spawn(client.receive)
    if not cap.has('User bob joined', 4):
        C.finish(False, 'the message sent right after the greeting was lost')


C.main(body)
