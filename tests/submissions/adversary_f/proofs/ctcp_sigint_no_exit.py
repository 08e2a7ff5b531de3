import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

"""ClientTCP: Ctrl-C while run() waits in its loop sends 'exit' to the server."""


def body():
    C.load()   # the program must at least import
    fake = C.FakeTCPServer()
    child = C.Child('chatroom.ClientTCP("bob", {}).run()\n'.format(fake.port))
    try:
        conn = fake.accept(15)
        if conn is None or not conn.next_is('bob', 5):
            raise RuntimeError('the client did not send its name')
        conn.send('Welcome')
        time.sleep(0.3)   # a short gap: the next message never shares the greeting's segment
        conn.send('User carol joined')
        # once receive() shows it, run() is in its loop (if it was swallowed, the loop surely runs by now)
        C.wait_until(lambda: 'User carol joined' in child.stdout(), 5)
        child.interrupt()
        conn.wait_eof(5)
        if 'exit' not in conn.unread():
            C.finish(False, "Ctrl-C ended the client without sending 'exit' (got {!r})".format(conn.unread()))
    finally:
        child.kill()


C.main(body)
