"""Differential checks: random chat scenarios (joins, duplicate joins, chat, leaves, abrupt disconnects)
played against the submission's server and compared, step by step, with the model of the assignment
(harness/model.py). On a difference, hypothesis shrinks the scenario (for SHRINK_SECONDS), then single
steps are deleted while it still fails (harness.scenarios.shorten, for SHORTEN_SECONDS), and the report
shows the result as numbered steps a student can replay by hand.

Deterministic by default (a fixed seed, so a student sees the same result twice); `--seed` varies it and
`--differential-budget` sets how many scenarios each protocol gets (a small number by default)."""

import contextlib
import signal
import threading
import time

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Flaky

from harness import leniency
from harness.catalog import check
from harness.runner import AgentError, AgentPool
from harness.scenarios import ScenarioFailed, action_sequences, assert_scenario, shorten
from harness.subjects import ServerSubject

MAX_ACTIONS = 12
MAX_PEERS = 5
WITHIN = 1.0        # a message not there within this is missing: shrinking replays many failing scenarios
SHRINK_SECONDS = 5  # then report the shortest failing scenario found so far
SHORTEN_SECONDS = 10  # then a pass that deletes single steps (harness.scenarios.shorten), for so long
SECONDS_PER_SCENARIO = 2  # for the check's timeout: about 0.7 s each on the reference, on a busy machine


@contextlib.contextmanager
def shrinking_bounded(seconds):
    """Hypothesis shrinks for up to 5 minutes; a failing submission should cost seconds. The bound is a
    module constant of hypothesis's engine (not public API): where it is missing, shrinking is unbounded."""
    try:
        from hypothesis.internal.conjecture import engine
    except ImportError:
        yield
        return
    saved = getattr(engine, 'MAX_SHRINKING_SECONDS', None)
    if saved is None:
        yield
        return
    engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = saved


def allow_seconds(seconds):
    """The check's timeout (120 s) suits the default budget; a larger budget needs more. pytest-timeout's
    SIGALRM timer is re-armed to `seconds` if it is running and would fire sooner (its handler stays)."""
    if not hasattr(signal, 'setitimer') or threading.current_thread() is not threading.main_thread():
        return
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if 0 < remaining < seconds:
        signal.setitimer(signal.ITIMER_REAL, seconds)


def differential(protocol, submission_path, config):
    budget = config.getoption('differential_budget')
    if budget <= 0:
        pytest.skip('skipped: --differential-budget is 0')
    allow_seconds(SECONDS_PER_SCENARIO * budget + SHRINK_SECONDS + SHORTEN_SECONDS + 60)
    chosen_seed = config.getoption('differential_seed')
    pool = AgentPool(submission_path)

    def play(actions):
        agent = pool.take()
        try:
            subject = ServerSubject(agent, protocol)
            try:
                subject.start()
            except AgentError as error:
                pytest.fail('could not start {}: {}'.format(subject.cls, error), pytrace=False)
            notes = []
            assert_scenario(protocol, subject.port, actions, get_count=subject.count, notes=notes, within=WITHIN)
            for text in notes:
                leniency.note(text)
        finally:
            agent.kill()

    scenario = settings(max_examples=budget, deadline=None, database=None, derandomize=False,
                        phases=(Phase.generate, Phase.shrink), print_blob=False, report_multiple_bugs=False,
                        suppress_health_check=list(HealthCheck))(
        seed(chosen_seed)(given(action_sequences(protocol, max_peers=MAX_PEERS, max_actions=MAX_ACTIONS))(play)))

    def fails(actions):
        try:
            play(actions)
        except ScenarioFailed as failed:
            return failed
        return None

    started = time.monotonic()
    try:
        with shrinking_bounded(SHRINK_SECONDS):
            scenario()
    except ScenarioFailed as failed:
        _, shorter = shorten(protocol, failed.actions, fails, within=SHORTEN_SECONDS)
        if shorter is not None:
            raise shorter from None
        raise
    except Flaky as flaky:
        # Failed once, then passed when hypothesis replayed the same steps: show the replay anyway (its
        # own message names only the exception group), saying so.
        seen = [e for e in getattr(flaky, 'exceptions', ()) if isinstance(e, ScenarioFailed)]
        if not seen:
            raise
        raise AssertionError('{}\n(This happened once; the same steps then passed when replayed: the result '
                             'depends on timing, e.g. a race between the server\'s threads.)'.format(seen[0])) from None
    finally:
        pool.close()
    return time.monotonic() - started


@check('differential.tcp', weight=4, spec='3 TCP Chatroom (ServerTCP as a whole)', tags=['differential', 'ServerTCP'],
       depends=['structure.ServerTCP', 'tcp.welcome'], timeout=120,
       hint='Replay the steps with server.py and client.py; the first step whose result differs shows the bug.')
def test_random_scenarios_tcp(submission_path, pytestconfig):
    """Random TCP chat scenarios behave as the assignment's model says, step by step."""
    differential('tcp', submission_path, pytestconfig)


@check('differential.udp', weight=4, spec='4 UDP Chatroom (ServerUDP as a whole)', tags=['differential', 'ServerUDP'],
       depends=['structure.ServerUDP', 'udp.welcome'], timeout=120,
       hint='Replay the steps with server.py and client.py; the first step whose result differs shows the bug.')
def test_random_scenarios_udp(submission_path, pytestconfig):
    """Random UDP chat scenarios behave as the assignment's model says, step by step."""
    differential('udp', submission_path, pytestconfig)
