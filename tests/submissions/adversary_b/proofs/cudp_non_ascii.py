"""ClientUDP: a non-ASCII typed line goes on the wire whole as 'alice:<text>' (UTF-8)."""
import _common as C

TEXT = 'café ☕ naïve — Grüße'


def scenario(mod, path, cleanups):
    fake = C.FakeUdpServer(cleanups)
    cli = C.ClientProc(path, 'ClientUDP', 'alice', fake.port, cleanups)
    fake.take_join('alice')
    cli.type('ready')
    C.need(fake.wait(lambda ms: 'alice:ready' in ms), 'the client never sent a typed line (saw {!r})'.format(
        fake.since()))
    mark = fake.mark()
    cli.type(TEXT)
    cli.type('after')
    fake.wait(lambda ms: 'alice:after' in ms[mark:], 5.0)
    C.check(fake.since(mark) == ['alice:' + TEXT, 'alice:after'],
            'expected {!r} on the wire, saw {!r}'.format(['alice:' + TEXT, 'alice:after'], fake.since(mark)))


C.main(scenario)
