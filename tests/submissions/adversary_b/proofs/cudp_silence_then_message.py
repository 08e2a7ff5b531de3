"""ClientUDP: after 3 s of silence the client still receives and displays a message."""
import _common as C

MSG = 'bob: anyone still here?'


def scenario(mod, path, cleanups):
    fake = C.FakeUdpServer(cleanups)
    cli = C.ClientProc(path, 'ClientUDP', 'alice', fake.port, cleanups)
    fake.take_join('alice')
    cli.type('ready')
    C.need(fake.wait(lambda ms: 'alice:ready' in ms), 'the client never sent a typed line (saw {!r})'.format(
        fake.since()))
    mark = fake.mark()
    # 3 s of silence (the scenario itself); a client that gives up ends earlier and is seen at once
    C.wait_until(lambda: not cli.running() or 'alice:exit' in fake.since(mark), 3.0)
    fake.send(MSG)
    cli.wait_out(lambda o: MSG in o, 4.0)
    C.check(MSG in cli.output(),
            'expected {!r} to be displayed after 3 s of silence; output {!r}, wire since {!r}'.format(
                MSG, cli.output(), fake.since(mark)))


C.main(scenario)
