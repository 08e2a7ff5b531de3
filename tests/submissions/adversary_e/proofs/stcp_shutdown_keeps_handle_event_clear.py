"""ServerTCP: once run() has shut the server down (run_event set), handle_event is set too."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice,) = c.tcp_room(path, ['alice'])
    if server.run_event.is_set() or server.handle_event.is_set():
        c.unsure('an event is set before the shutdown')
    server.run_event.set()
    runner.join(6)
    if runner.is_alive():
        c.unsure('run() did not return within 6 s of run_event.set()')
    if server.handle_event.is_set():
        c.ok('handle_event set by the shutdown')
    c.bad('handle_event set after the shutdown', 'handle_event clear')


c.main(body)
