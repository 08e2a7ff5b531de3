"""Hostile submissions (tests/submissions/hostile_*.py): each gets a clear verdict in bounded time, and
nothing it does changes its score. Judged by the file-shape and server checks (the checks of issue 3);
`python -m benchmarks.suite` times the whole suite on the all-hang submission."""

import glob
import os
import time
from pathlib import Path

import pytest

from harness.judge import judge
from harness.results import FAILED, PASSED
from harness.runner import TaskGroup

SUBMISSIONS = Path(__file__).resolve().parent / 'submissions'
SERVER_SUITE = 'test_structure.py or test_server_tcp.py or test_server_udp.py'
WALL_LIMIT = 60.0
STRUCTURE_POINTS = 12.0     # what a skeleton with the right shape earns: the file-shape checks


def judged(name, keyword=SERVER_SUITE, path=None):
    started = time.monotonic()
    run = judge(path or SUBMISSIONS / name, keyword=keyword)
    wall = time.monotonic() - started
    assert wall <= WALL_LIMIT, '{} took {:.1f}s to judge'.format(name, wall)
    return run, {c.id: c for c in run.checks}


def leftover_cgroups():
    """Our agents' task groups that still hold a process (the runner names them after our pid)."""
    busy = []
    for folder in glob.glob('/sys/fs/cgroup/pids/chatroom-check-{}-*'.format(os.getpid())) + \
            glob.glob('/sys/fs/cgroup/chatroom-check-{}-*'.format(os.getpid())):
        try:
            with open(os.path.join(folder, 'cgroup.procs')) as procs:
                if procs.read().strip():
                    busy.append(folder)
        except OSError:
            pass
    return busy


@pytest.mark.parametrize('name', ['hostile_import_loop.py', 'hostile_import_input.py'])
def test_import_that_never_finishes(name):
    run, by_id = judged(name)
    imports = by_id['structure.imports']
    assert imports.status == FAILED
    assert 'did not finish within 5s' in imports.message and 'chatroom.py:' in imports.message, imports.message
    assert run.score == 0
    assert all(c.status == 'skipped' for c in run.checks if c.id != 'structure.imports')
    assert 'needs "structure.imports"' in by_id['structure.ServerTCP'].message


def test_constructor_that_raises():
    run, by_id = judged('hostile_init_crash.py')
    assert by_id['structure.server_tcp_attributes'].status == FAILED
    welcome = by_id['tcp.welcome']
    assert welcome.status == FAILED and 'boom in __init__' in welcome.message, welcome.message
    later = [c for c in run.checks if c.group == 'ServerTCP' and c.status == FAILED and c.id != 'tcp.welcome']
    assert all('earlier check' in c.message for c in later), [c.message for c in later]
    assert by_id['structure.server_udp_attributes'].status == PASSED


@pytest.mark.parametrize('name, words', [
    ('hostile_run_forever.py', None),
    ('hostile_sys_exit.py', None),
    ('hostile_sigkill.py', None),
    ('hostile_fork_bomb.py', None),
])
def test_run_that_misbehaves(name, words):
    run, by_id = judged(name)
    assert run.score <= STRUCTURE_POINTS, run.score
    for check in ('tcp.welcome', 'udp.welcome'):
        assert by_id[check].status == FAILED and by_id[check].message, (check, by_id[check].message)
    assert by_id['structure.ServerTCP'].status == by_id['structure.ServerUDP'].status == PASSED
    assert not leftover_cgroups(), 'processes of {} outlived its checks'.format(name)


def test_fork_bomb_is_contained():
    """The agent's cgroup caps the bomb; when the check ends nothing of it is left."""
    probe = TaskGroup(8)
    if probe.path is None:
        pytest.skip('no writable pids cgroup here: RLIMIT_NPROC contains the bomb instead')
    probe.kill_all()
    run, by_id = judged('hostile_fork_bomb.py', keyword='test_server_tcp.py and test_welcome')
    assert by_id['tcp.welcome'].status == FAILED
    # Every fork of the bomb is in the agent's cgroup (membership is inherited): an empty, removed cgroup
    # means that nothing of it is left. (Counting /proc is no use on a machine others share.)
    assert not leftover_cgroups()
    assert not glob.glob('/sys/fs/cgroup/pids/chatroom-check-{}-*'.format(os.getpid())), 'cgroup not removed'


def test_fake_output_cannot_change_the_score(tmp_path):
    source = (SUBMISSIONS / 'hostile_fake_output.py').read_text()
    assert source.count('FAKE = True') == 1
    baseline = tmp_path / 'quiet' / 'chatroom.py'
    baseline.parent.mkdir()
    baseline.write_text(source.replace('FAKE = True', 'FAKE = False'))
    quiet, _ = judged('baseline', path=baseline)
    loud, by_id = judged('hostile_fake_output.py')
    assert loud.problem is None
    assert loud.score <= quiet.score, 'forged output raised the score from {} to {}'.format(quiet.score, loud.score)
    assert loud.score <= STRUCTURE_POINTS
    assert by_id['tcp.welcome'].status != PASSED
    assert not (Path.cwd() / 'results.json').exists() or (Path.cwd() / 'results.json').stat().st_mtime < \
        time.time() - 600, 'the submission wrote results.json into the harness\'s working directory'


def test_every_method_hangs():
    run, by_id = judged('hostile_all_hang.py')
    assert by_id['structure.ServerTCP'].status == PASSED        # inspecting does not call anything
    tcp = by_id['structure.server_tcp_attributes']
    assert tcp.status == FAILED and 'did not return within' in tcp.message and 'time.sleep(3600)' in tcp.message
    assert 'earlier check' in by_id['tcp.welcome'].message       # the hang is paid once per class
    assert run.score <= STRUCTURE_POINTS
