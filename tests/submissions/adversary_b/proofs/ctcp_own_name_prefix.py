"""ClientTCP: a message that begins with the client's own name ('alice: ...' seen by 'al') is displayed."""
import _common as C

FIRST = 'bob: hi al'
MSG = 'alice: hello al, welcome aboard'


def scenario(mod, path, cleanups):
    fake = C.FakeTcpServer(cleanups)
    cli = C.ClientProc(path, 'ClientTCP', 'al', fake.port, cleanups)
    fake.take_name('al')
    cli.type('ready')
    C.need(fake.wait(lambda t, c: 'ready' in t), 'the client never sent a typed line (saw {!r})'.format(fake.text()))
    fake.send(FIRST)
    C.need(cli.wait_out(lambda o: FIRST in o), 'the client never displayed {!r} (output {!r})'.format(
        FIRST, cli.output()))
    fake.send(MSG)
    cli.wait_out(lambda o: MSG in o, 4.0)
    C.check(MSG in cli.output(), "expected client 'al' to display {!r}, output was {!r}".format(MSG, cli.output()))


C.main(scenario)
