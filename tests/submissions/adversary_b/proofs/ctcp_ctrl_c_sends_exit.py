"""ClientTCP: Ctrl-C while the client waits in its loop sends 'exit' to the server."""
import _common as C


def scenario(mod, path, cleanups):
    fake = C.FakeTcpServer(cleanups)
    cli = C.ClientProc(path, 'ClientTCP', 'alice', fake.port, cleanups)
    fake.take_name('alice')
    cli.type('ready')
    C.need(fake.wait(lambda t, c: 'ready' in t), 'the client never sent a typed line (saw {!r})'.format(fake.text()))
    fake.send('bob: ping')
    C.need(cli.wait_out(lambda o: 'bob: ping' in o), 'the client never displayed a message (output {!r})'.format(
        cli.output()))
    C.need(cli.wait_idle(), 'the client never became idle in its loop')
    cli.interrupt()
    fake.wait(lambda t, c: 'exit' in t[len('ready'):] or c, 5.0)
    C.check(fake.text()[len('ready'):].startswith('exit'),
            "expected 'exit' on the wire after Ctrl-C, saw {!r}".format(fake.text()[len('ready'):]))


C.main(scenario)
