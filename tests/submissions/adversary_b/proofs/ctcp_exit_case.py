"""ClientTCP: a typed 'Exit' is chat: it goes on the wire as 'Exit' and the client stays."""
import _common as C


def scenario(mod, path, cleanups):
    fake = C.FakeTcpServer(cleanups)
    cli = C.ClientProc(path, 'ClientTCP', 'alice', fake.port, cleanups)
    fake.take_name('alice')
    cli.type('ready')
    C.need(fake.wait(lambda t, c: 'ready' in t), 'the client never sent a typed line (saw {!r})'.format(fake.text()))
    cli.type('Exit')
    cli.type('after')
    fake.wait(lambda t, c: 'after' in t or 'exit' in t or c, 5.0)
    C.check(fake.text() == 'readyExitafter',
            "expected the typed lines 'ready', 'Exit', 'after' on the wire ('readyExitafter'), saw {!r}".format(
                fake.text()))


C.main(scenario)
