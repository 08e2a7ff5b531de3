"""ClientTCP: a message received twice is displayed twice."""
import _common as C

MSG = 'bob: same again'


def scenario(mod, path, cleanups):
    fake = C.FakeTcpServer(cleanups)
    cli = C.ClientProc(path, 'ClientTCP', 'alice', fake.port, cleanups)
    fake.take_name('alice')
    cli.type('ready')
    C.need(fake.wait(lambda t, c: 'ready' in t), 'the client never sent a typed line (saw {!r})'.format(fake.text()))
    fake.send(MSG)
    C.need(cli.wait_out(lambda o: MSG in o), 'the client never displayed {!r} (output {!r})'.format(MSG, cli.output()))
    fake.send(MSG)                                        # the first one was consumed: no fusing
    cli.wait_out(lambda o: o.count(MSG) >= 2, 4.0)
    C.check(cli.output().count(MSG) >= 2,
            'expected {!r} to be displayed twice (received twice), it was displayed {} time(s)'.format(
                MSG, cli.output().count(MSG)))


C.main(scenario)
