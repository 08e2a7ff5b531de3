"""A check's time limit (harness/clock.py) never loses a result, in any mode: a check that outlives its
time fails saying so, and every other check's result is kept, in the JSON and in Gradescope's results.

The check that outlives its time is an instructor's check (--extra-checks): it asks the reference's
ServerTCP.run() to return within 60 s, which it never does by itself, under a 2 s limit. Before the
clock, pytest-timeout's alarm fired in whatever the main thread did: inside the plugin's wait for a check
run side by side that was an INTERNALERROR, a run without results ('-k' with one such check: every time).
"""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from harness import clock
from harness.judge import judge
from harness.plugin import REFERENCE

OUTLIVING = '''
from harness.catalog import check


@check('course.outlives_its_time', weight=2, spec='none', tags=['course'], timeout=2)
def test_outlives_its_time(agent):
    """A check that waits on the submission for longer than its time."""
    agent.construct('server', 'ServerTCP', 0)
    agent.call('server', 'run', timeout=60)
'''
CHECK_ID = 'course.outlives_its_time'
MESSAGE = 'the check ran out of time (2s)'


@pytest.fixture(scope='module')
def extra(tmp_path_factory):
    folder = tmp_path_factory.mktemp('extra')
    (folder / 'test_outliving.py').write_text(OUTLIVING)
    return folder


class FakeAgent:
    def __init__(self):
        self.released = threading.Event()

    def release(self):
        self.released.set()


# -- the clock itself -----------------------------------------------------------------------------------------

def test_an_expired_clock_kills_its_agents_once_and_says_so():
    expired = []
    running = clock.CheckClock(0.2, on_expiry=lambda: expired.append(time.monotonic()))
    agent = FakeAgent()
    with clock.bound(running):
        clock.register(agent)
        assert agent.released.wait(5)
    assert running.expired and len(expired) == 1 and running.message().startswith('the check ran out of time')
    late = FakeAgent()
    running.add(late)                       # registered after the expiry: killed at once
    assert late.released.is_set()


def test_a_clock_stopped_in_time_kills_nothing_and_threads_keep_their_own():
    agent, other = FakeAgent(), FakeAgent()
    with clock.bound(clock.CheckClock(0.3)) as running:
        clock.register(agent)
        seen = []
        thread = threading.Thread(target=lambda: (clock.register(other), seen.append(clock.current())))
        thread.start()
        thread.join()
    assert seen == [None] and running.agents == [agent]      # another thread is under no clock
    assert not agent.released.wait(0.6) and not running.expired
    assert clock.current() is None


def test_allowed_seconds_extends_a_running_clock_and_never_shortens_it():
    assert clock.allowed_seconds(5) is False          # no clock: nothing to extend
    with clock.bound(clock.CheckClock(2)) as running:
        assert clock.allowed_seconds(10)
        assert 9.9 < running.allowed < 11
        clock.allowed_seconds(1)
        assert 9.9 < running.allowed < 11
        with clock.detached():
            assert clock.current() is None and clock.allowed_seconds(100) is False
        assert clock.current() is running


# -- every mode keeps every result --------------------------------------------------------------------------

def assert_kept(checks, expected_others):
    """`checks`: {id: (status, score, message)}."""
    status, score, message = checks[CHECK_ID]
    assert status == 'failed' and score == 0 and MESSAGE in message, checks[CHECK_ID]
    others = {c: v for c, v in checks.items() if c != CHECK_ID}
    assert set(others) >= set(expected_others), sorted(set(expected_others) - set(others))
    lost = {c: v for c, v in others.items() if v[0] != 'passed'}
    assert not lost, lost


def from_run(run):
    return {c.id: (c.status, c.score, c.message) for c in run.checks}


def from_gradescope(results):
    return {t['number']: ('passed' if t['score'] == t['max_score'] else 'failed', t['score'], t.get('output', ''))
            for t in results['tests']}


@pytest.fixture(scope='module')
def all_checks():
    from harness.catalog import checks_in
    from harness.plugin import CHECKS_DIR
    return [info.id for info in checks_in(CHECKS_DIR)]


@pytest.mark.parametrize('serial', [False, True], ids=['side_by_side', 'serial'])
def test_whole_suite_keeps_every_result(extra, all_checks, serial, tmp_path):
    started = time.monotonic()
    run = judge(REFERENCE, extra_checks=extra, serial=serial, differential_budget=1)
    assert_kept(from_run(run), all_checks)
    assert time.monotonic() - started < 60


def test_keyword_with_only_the_check_that_outlives(extra):
    run = judge(REFERENCE, extra_checks=extra, keyword='outlives or test_structure')
    checks = from_run(run)
    assert_kept(checks, ['structure.ServerTCP', 'structure.ClientUDP'])


def test_command_line_json_and_gradescope_outputs(extra, tmp_path):
    gradescope, results = tmp_path / 'gradescope.json', tmp_path / 'results.json'
    started = time.monotonic()
    done = subprocess.run([sys.executable, '-m', 'harness.cli', str(REFERENCE), '--extra-checks', str(extra),
                           '-k', 'outlives or test_server_tcp', '--gradescope', str(gradescope),
                           '--results-json', str(results), '--json'],
                          capture_output=True, text=True, timeout=120, cwd=str(Path(REFERENCE).parent))
    ended = time.monotonic() - started
    assert done.returncode == 1, done.stderr           # not full marks, and no usage or internal error
    printed = json.loads(done.stdout)
    written = json.loads(results.read_text())
    for data in (printed, written):
        checks = {c['id']: (c['status'], c['score'], c['message']) for c in data['checks']}
        assert_kept(checks, ['tcp.welcome', 'tcp.shutdown_run_event'])
    assert_kept(from_gradescope(json.loads(gradescope.read_text())), ['tcp.welcome', 'tcp.shutdown_run_event'])
    # The process ends when its results are written: nothing waits on the check that ran out of time.
    assert ended < written['execution_time'] + 10, (ended, written['execution_time'])


def test_batch_keeps_every_result(extra, tmp_path):
    folder = tmp_path / 'course'
    for name in ('ann', 'ben'):
        (folder / name).mkdir(parents=True)
        (folder / name / 'chatroom.py').write_text(REFERENCE.read_text())
    out = tmp_path / 'out'
    done = subprocess.run([sys.executable, '-m', 'harness.cli', str(folder), '--jobs', '2', '--extra-checks',
                           str(extra), '-k', 'outlives or test_server_tcp', '--out', str(out)],
                          capture_output=True, text=True, timeout=300, cwd=str(Path(REFERENCE).parent))
    assert done.returncode in (0, 1), done.stderr
    for name in ('ann', 'ben'):
        data = json.loads((out / name / 'results.json').read_text())
        assert_kept({c['id']: (c['status'], c['score'], c['message']) for c in data['checks']},
                    ['tcp.welcome', 'tcp.shutdown_run_event'])


def test_autograder_keeps_every_result(extra, tmp_path):
    from test_autograder import gradescope_layout, run_autograder
    from harness.autograder import build
    archive = tmp_path / 'autograder.zip'
    build(archive, extra_checks=extra)
    with gradescope_layout(archive) as root:
        (root / 'submission' / 'chatroom.py').write_text(REFERENCE.read_text())
        results = run_autograder(root, timeout=240)
    assert_kept(from_gradescope(results), ['tcp.welcome', 'udp.welcome', 'interop.server_tcp'])
