"""ClientUDP: a chat message that mentions 'server-shutdown' is displayed; the client stays."""
import _common as C

MSG = 'bob: is there a server-shutdown tonight?'


def scenario(mod, path, cleanups):
    fake = C.FakeUdpServer(cleanups)
    cli = C.ClientProc(path, 'ClientUDP', 'alice', fake.port, cleanups)
    fake.take_join('alice')
    cli.type('ready')
    C.need(fake.wait(lambda ms: 'alice:ready' in ms), 'the client never sent a typed line (saw {!r})'.format(
        fake.since()))
    mark = fake.mark()
    fake.send(MSG)
    cli.wait_out(lambda o: MSG in o, 4.0)
    C.check(MSG in cli.output() and 'alice:exit' not in fake.since(mark),
            'expected {!r} to be displayed and the client to stay; output {!r}, wire {!r}'.format(
                MSG, cli.output(), fake.since(mark)))
    cli.type('still here')
    fake.wait(lambda ms: 'alice:still here' in ms[mark:] or 'alice:exit' in ms[mark:], 5.0)
    C.check(fake.since(mark) == ['alice:still here'],
            "expected ['alice:still here'] on the wire, saw {!r}".format(fake.since(mark)))


C.main(scenario)
