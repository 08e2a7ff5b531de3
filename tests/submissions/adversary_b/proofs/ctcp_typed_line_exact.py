"""ClientTCP: each typed line is sent as exactly its text (no line terminator added)."""
import _common as C


def scenario(mod, path, cleanups):
    fake = C.FakeTcpServer(cleanups)
    cli = C.ClientProc(path, 'ClientTCP', 'alice', fake.port, cleanups)
    fake.take_name('alice')
    cli.type('ready')
    C.need(fake.wait(lambda t, c: 'ready' in t), 'the client never sent a typed line (saw {!r})'.format(fake.text()))
    cli.type('hi there')
    cli.type('second line')
    fake.wait(lambda t, c: 'second line' in t or c, 5.0)
    C.check(fake.text() == 'readyhi theresecond line',
            "expected exactly the typed texts on the wire ('readyhi theresecond line'), saw {!r}".format(
                fake.text()))


C.main(scenario)
