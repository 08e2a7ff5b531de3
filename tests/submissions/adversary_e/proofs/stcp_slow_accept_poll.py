"""ServerTCP: run() returns within about 2 s (2.5 s) of run_event.set(), with no further connection."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def body(path):
    mod, server, runner, port, (alice,) = c.tcp_room(path, ['alice'])
    # alice was just welcomed: wait until run() is back waiting for the next connection (all idle)
    if not c.wait_idle():
        c.unsure('the server never went idle after the join')
    t0 = time.monotonic()
    server.run_event.set()
    runner.join(7)
    took = time.monotonic() - t0
    if runner.is_alive():
        c.bad('run() returns within 2.5 s of run_event.set()', 'still running after 7 s')
    if took <= 2.5:
        c.ok('run() returned {:.1f} s after run_event.set()'.format(took))
    c.bad('run() returns within 2.5 s of run_event.set()', '{:.1f} s'.format(took))


c.main(body)
