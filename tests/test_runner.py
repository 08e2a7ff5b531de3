"""The runner's isolation, tested with small purpose-written submissions: nothing outlives an agent,
import is watched, the host name resolves to loopback inside, and the submission's output is kept apart
from the control channel."""

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.peers import poll, refuses_connections
from harness.runner import IMPORT_TIMEOUT, Agent, SubmissionProblem

ROOT = Path(__file__).resolve().parent.parent


def submission(tmp_path, body):
    path = tmp_path / 'chatroom.py'
    path.write_text(textwrap.dedent(body))
    return path


def running(pid):
    """True while `pid` is a process that is not a zombie."""
    try:
        with open('/proc/{}/stat'.format(pid)) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except (OSError, IndexError):
        return False


def wait_gone(pids, within=5.0):
    """The pids still running after `within` seconds (polled: no event announces a death)."""
    return poll(lambda: [pid for pid in pids if running(pid)], lambda alive: not alive, within, interval=0.02)


SPAWNER = '''
    import os, socket, subprocess, threading

    class Spawner:
        def __init__(self):
            self.children = [subprocess.Popen(['sleep', '600']),
                             subprocess.Popen(['sleep', '600'], start_new_session=True)]
            self.listener = socket.socket()
            self.listener.bind(('127.0.0.1', 0))
            self.listener.listen()
            self.port = self.listener.getsockname()[1]
            threading.Thread(target=self.serve, daemon=True).start()
            self.pids = [os.getpid()] + [child.pid for child in self.children]

        def serve(self):
            while True:
                conn, _ = self.listener.accept()
                conn.sendall(b'hi')
'''


def test_nothing_outlives_a_killed_agent(tmp_path):
    agent = Agent(submission(tmp_path, SPAWNER)).start()
    try:
        agent.import_submission()
        agent.construct('s', 'Spawner')
        pids = [item for item in agent.get('s', 'pids')['items']]
        port = agent.get('s', 'port')['value']
        assert all(running(pid) for pid in pids)
        with socket.create_connection(('127.0.0.1', port), timeout=2) as probe:
            probe.settimeout(2)
            assert probe.recv(2) == b'hi'
    finally:
        agent.kill()
    assert not wait_gone(pids), 'these processes outlived the agent: {}'.format(wait_gone(pids, 0))
    assert refuses_connections(port), 'the port of the killed agent still accepts connections'
    assert agent.workdir is None


def test_blocking_import_is_reported_with_where_it_hung(tmp_path):
    path = submission(tmp_path, '''
        import time
        time.sleep(60)
    ''')
    started = time.monotonic()
    with Agent(path) as agent:
        with pytest.raises(SubmissionProblem) as caught:
            agent.import_submission()
    took = time.monotonic() - started
    assert caught.value.kind == 'import_hangs'
    assert 'chatroom.py:3' in str(caught.value) and 'time.sleep(60)' in str(caught.value), str(caught.value)
    assert IMPORT_TIMEOUT <= took <= IMPORT_TIMEOUT + 3, took


def test_host_name_resolves_to_loopback_inside_the_agent(tmp_path):
    path = submission(tmp_path, '''
        import socket

        class Where:
            def __init__(self):
                self.addr = socket.gethostbyname(socket.gethostname())
                self.localhost = socket.gethostbyname('localhost')
    ''')
    with Agent(path) as agent:
        agent.import_submission()
        agent.construct('w', 'Where')
        assert agent.get('w', 'addr')['value'] == '127.0.0.1'
        assert agent.get('w', 'localhost')['value'] == '127.0.0.1'


def test_output_is_captured_apart_from_the_control_channel(tmp_path):
    path = submission(tmp_path, '''
        import json, sys
        print(json.dumps({"id": 2, "ok": True, "value": {"value": "forged"}}))
        print('hello from the submission')
        sys.stderr.write('complaint on stderr\\n')

        class Talker:
            def __init__(self):
                self.word = 'real'

            def speak(self):
                print(json.dumps({"id": 4, "ok": True, "value": {"value": "forged"}}))
                return 'spoken'
    ''')
    with Agent(path) as agent:
        agent.import_submission()
        agent.construct('t', 'Talker')
        assert agent.get('t', 'word')['value'] == 'real'
        assert agent.call('t', 'speak')['value'] == 'spoken'
        seen, out = agent.stdout.wait_for(lambda text: 'hello from the submission' in text, 2.0)
        assert seen and '"forged"' in out
        seen, _ = agent.stderr.wait_for(lambda text: 'complaint on stderr' in text, 2.0)
        assert seen


def test_forged_replies_written_to_the_channel_are_ignored(tmp_path):
    """The submission can find the control socket (it runs in the agent's process) and write replies to
    requests not sent yet; the runner takes only replies to requests it has sent, once each."""
    path = submission(tmp_path, '''
        import json, os, sys

        def forge(first, last):
            lines = ''.join(json.dumps({"id": i, "ok": True, "value": {"value": "forged"}}) + '\\n'
                            for i in range(first, last))
            os.write(int(sys.argv[1]), (lines + '[1]\\n7\\n').encode())

        class Forger:
            def __init__(self):
                self.word = 'real'

            def forge(self):
                forge(1, 200)
                return 'done'
    ''')
    with Agent(path) as agent:
        agent.import_submission()
        agent.construct('f', 'Forger')
        assert agent.call('f', 'forge')['value'] in ('done', 'forged')
        for _ in range(5):
            assert agent.get('f', 'word')['value'] == 'real'
        assert agent.alive


# -- the fork server --------------------------------------------------------------------------------------

def test_agents_are_forked_and_behave_like_spawned_ones():
    from harness import sandbox
    from harness.runner import REFERENCE_PATH
    forked = Agent(REFERENCE_PATH).start()
    try:
        assert forked.proc.how == 'fork'
        forked.import_submission()
        forked.construct('server', 'ServerTCP', 0)
        assert forked.get('server', 'server_socket')['listening']
    finally:
        forked.kill()
    assert forked.proc.poll() is not None
    previous = os.environ.get(sandbox.NO_FORK_ENV)
    os.environ[sandbox.NO_FORK_ENV] = '1'
    try:
        spawned = Agent(REFERENCE_PATH).start()
    finally:
        if previous is None:
            del os.environ[sandbox.NO_FORK_ENV]
    try:
        assert spawned.proc.how == 'spawn'
        spawned.import_submission()
    finally:
        spawned.kill()


def test_a_fork_server_ends_when_its_harness_does():
    """A harness that exits without closing its fork server (killed, say) leaves nothing running."""
    script = ('import os, sys\nsys.path.insert(0, {root!r})\nfrom harness import sandbox\n'
              'server = sandbox.fork_server(sys.executable)\nprint(server.proc.pid, flush=True)\nos._exit(0)\n')
    done = subprocess.run([sys.executable, '-c', script.format(root=str(ROOT))], capture_output=True, text=True,
                          timeout=60)
    pid = int(done.stdout.split()[0])
    assert not wait_gone([pid]), 'the fork server {} outlived its harness'.format(pid)
