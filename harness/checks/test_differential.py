"""Differential checks: random chat scenarios (joins, duplicate joins, chat, leaves, abrupt disconnects)
played against the submission's server and compared, step by step, with the model of the assignment
(harness/model.py). On a difference, hypothesis shrinks the scenario to the shortest one that still
fails, and the report shows it as numbered steps a student can replay by hand.

Deterministic by default (a fixed seed, so a student sees the same result twice); `--seed` varies it and
`--differential-budget` sets how many scenarios each protocol gets (a small number by default)."""

import contextlib
import time

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from harness import leniency
from harness.catalog import check
from harness.runner import AgentError, AgentPool
from harness.scenarios import action_sequences, assert_scenario
from harness.subjects import ServerSubject

MAX_ACTIONS = 12
MAX_PEERS = 5
WITHIN = 1.0        # a message not there within this is missing: shrinking replays many failing scenarios
SHRINK_SECONDS = 15  # then report the shortest failing scenario found so far


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


def differential(protocol, submission_path, config):
    budget = config.getoption('differential_budget')
    if budget <= 0:
        pytest.skip('skipped: --differential-budget is 0')
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
    started = time.monotonic()
    try:
        with shrinking_bounded(SHRINK_SECONDS):
            scenario()
    finally:
        pool.close()
    return time.monotonic() - started


@check('differential.tcp', weight=4, spec='3 TCP Chatroom (ServerTCP as a whole)', tags=['differential', 'ServerTCP'],
       depends=['structure.classes', 'tcp.welcome'], timeout=120,
       hint='Replay the steps with server.py and client.py; the first step whose result differs shows the bug.')
def test_random_scenarios_tcp(submission_path, pytestconfig):
    """Random TCP chat scenarios behave as the assignment's model says, step by step."""
    differential('tcp', submission_path, pytestconfig)


@check('differential.udp', weight=4, spec='4 UDP Chatroom (ServerUDP as a whole)', tags=['differential', 'ServerUDP'],
       depends=['structure.classes', 'udp.welcome'], timeout=120,
       hint='Replay the steps with server.py and client.py; the first step whose result differs shows the bug.')
def test_random_scenarios_udp(submission_path, pytestconfig):
    """Random UDP chat scenarios behave as the assignment's model says, step by step."""
    differential('udp', submission_path, pytestconfig)
