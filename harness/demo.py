"""A short live demo: a chatroom server and two scripted clients talk on loopback, as three processes
started the way the assignment's server.py / client.py would be. Usage: chatroom-demo [--udp]"""

import argparse
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / 'chatroom.py'


class Process:
    """A child process whose output lines are collected by a thread, so we can wait for one."""

    def __init__(self, label, argv):
        self.label = label
        self.lines = queue.Queue()
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, env=dict(os.environ, PYTHONUNBUFFERED='1'))
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.proc.stdout:
            line = line.rstrip('\n')
            print('  [{}] {}'.format(self.label, line), flush=True)
            self.lines.put(line)

    def wait_for(self, predicate, within=5.0):
        end = time.monotonic() + within
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                raise SystemExit('demo failed: {} did not print what was expected within {}s'.format(
                    self.label, within))
            if predicate(line):
                return line

    def type(self, text):
        print('  [{}] > {}'.format(self.label, text), flush=True)
        self.proc.stdin.write(text + '\n')
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(prog='chatroom-demo', description=__doc__)
    parser.add_argument('--udp', action='store_true', help='use the UDP chatroom instead of TCP')
    args = parser.parse_args(argv)
    transport = '--udp' if args.udp else '--tcp'
    python = [sys.executable, str(REFERENCE)]
    print('Demo of the reference chatroom ({}) on loopback'.format(transport[2:].upper()))
    server = Process('server', python + ['server', transport, '--port', '0'])
    clients = []
    try:
        port = int(server.wait_for(lambda line: 'server on' in line).split(':')[-1].split()[0])
        alice = Process('alice', python + ['client', transport, '--name', 'alice', '--port', str(port)])
        clients.append(alice)
        alice.wait_for(lambda line: line == 'Welcome')
        bob = Process('bob', python + ['client', transport, '--name', 'bob', '--port', str(port)])
        clients.append(bob)
        bob.wait_for(lambda line: line == 'Welcome')
        alice.wait_for(lambda line: line == 'User bob joined')
        alice.type('hello bob')
        bob.wait_for(lambda line: line == 'alice: hello bob')
        bob.type('hi alice, bye now')
        alice.wait_for(lambda line: line == 'bob: hi alice, bye now')
        bob.type('exit')
        alice.wait_for(lambda line: line == 'User bob left')
        bob.proc.wait(timeout=5)
        server.proc.send_signal(signal.SIGINT)
        server.proc.wait(timeout=5)
        alice.proc.wait(timeout=5)
        print('Demo finished: every message arrived, the server shut down on Ctrl-C and alice left with it.')
        return 0
    except subprocess.TimeoutExpired as error:
        print('demo failed: a process did not end in time: {}'.format(error))
        return 1
    finally:
        for process in clients + [server]:
            process.stop()


if __name__ == '__main__':
    sys.exit(main())
