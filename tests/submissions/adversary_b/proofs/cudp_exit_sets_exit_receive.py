"""ClientUDP: when the user types 'exit', run() sends 'alice:exit' and sets exit_receive."""
import os
import sys

import _common as C


def scenario(mod, path, cleanups):
    fake = C.FakeUdpServer(cleanups)
    rfd, wfd = os.pipe()
    old_stdin = sys.stdin
    sys.stdin = os.fdopen(rfd, 'r', encoding='utf-8')
    cleanups.append(lambda: setattr(sys, 'stdin', old_stdin))
    cleanups.append(lambda: os.close(wfd))
    client = mod.ClientUDP('alice', fake.port)
    C.need(not client.exit_receive.is_set(), 'exit_receive is set before run()')
    runner = C.threading.Thread(target=client.run, daemon=True)
    runner.start()
    fake.take_join('alice')
    os.write(wfd, b'ready\n')
    C.need(fake.wait(lambda ms: 'alice:ready' in ms), 'the client never sent a typed line (saw {!r})'.format(
        fake.since()))
    os.write(wfd, b'exit\n')
    C.need(fake.wait(lambda ms: 'alice:exit' in ms), "the client never sent 'alice:exit' (saw {!r})".format(
        fake.since()))
    runner.join(5.0)
    C.check(not runner.is_alive(), "expected run() to return after 'exit' was typed, it did not")
    C.check(client.exit_receive.is_set(),
            "expected run() to set exit_receive when the user typed 'exit', it is not set")


C.main(scenario)
