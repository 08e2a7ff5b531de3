"""ClientUDP: a typed line that merely begins with 'exit' is chat: sent as 'alice:<line>'."""
import _common as C


def scenario(mod, path, cleanups):
    fake = C.FakeUdpServer(cleanups)
    cli = C.ClientProc(path, 'ClientUDP', 'alice', fake.port, cleanups)
    fake.take_join('alice')
    cli.type('ready')
    C.need(fake.wait(lambda ms: 'alice:ready' in ms), 'the client never sent a typed line (saw {!r})'.format(
        fake.since()))
    mark = fake.mark()
    cli.type('exit strategy: none')
    cli.type('after')
    fake.wait(lambda ms: 'alice:after' in ms[mark:] or 'alice:exit' in ms[mark:], 5.0)
    got = fake.since(mark)
    C.check(got == ['alice:exit strategy: none', 'alice:after'],
            "expected ['alice:exit strategy: none', 'alice:after'] on the wire, saw {!r}".format(got))


C.main(scenario)
