"""ClientUDP: connect_server() returns False unless the response is 'Welcome' -- here the server
is silent for 3.5 s and then refuses."""
import _common as C


def scenario(mod, path, cleanups):
    fake = C.FakeUdpServer(cleanups)
    client = mod.ClientUDP('alice', fake.port)
    cleanups.append(client.client_socket.close)
    box = {}

    def connect():
        try:
            box['r'] = client.connect_server()
        except BaseException as exc:  # noqa
            box['e'] = exc

    C.threading.Thread(target=connect, daemon=True).start()
    C.need(fake.wait(lambda ms: 'alice:join' in ms, 5.0), "the client never sent 'alice:join' (saw {!r})".format(
        fake.since()))
    C.wait_until(lambda: box, 3.5)                        # the server stays silent for 3.5 s
    fake.send('Name already taken')
    C.wait_until(lambda: box, 5.0)
    C.check(box, 'expected connect_server() to return after the refusal, it did not')
    C.check('e' not in box, 'expected connect_server() to return False, it raised {!r}'.format(box.get('e')))
    C.check(box['r'] is False,
            "expected connect_server() to return False (no 'Welcome' ever came), it returned {!r}".format(box['r']))


C.main(scenario)
