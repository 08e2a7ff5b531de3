"""Differential checks: random chat scenarios (joins, duplicate joins, chat, leaves, abrupt disconnects)
played against the submission's server and compared, step by step, with the model of the assignment
(harness/model.py). On a difference, hypothesis shrinks the scenario (for SHRINK_SECONDS), then single
steps are deleted while it still fails (harness.scenarios.shorten, for SHORTEN_SECONDS), and the report
shows the result as numbered steps a student can replay by hand.

Deterministic by default (a fixed seed, so a student sees the same result twice); `--seed` varies it and
`--differential-budget` sets how many scenarios each protocol gets (a small number by default)."""

import contextlib
import threading
import time

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Flaky

from harness import leniency
from harness.catalog import check
from harness.runner import AgentError
from harness.clock import allowed_seconds
from harness.scenarios import ScenarioFailed, action_sequences, assert_scenario, shorten
from harness.subjects import ServerSubject

MAX_ACTIONS = 12
MAX_PEERS = 5
WITHIN = 1.0        # a message not there within this is missing: shrinking replays many failing scenarios
SHRINK_SECONDS = 5  # then report the shortest failing scenario found so far
SHORTEN_SECONDS = 10  # then a pass that deletes single steps (harness.scenarios.shorten), for so long
SECONDS_PER_SCENARIO = 2  # for the check's timeout: about 0.7 s each on the reference, on a busy machine


_bounding = {'count': 0, 'saved': None}
_bounding_lock = threading.Lock()


@contextlib.contextmanager
def shrinking_bounded(seconds):
    """Hypothesis shrinks for up to 5 minutes; a failing submission should cost seconds. The bound is a
    module constant of hypothesis's engine (not public API): where it is missing, shrinking is unbounded.
    The differential checks may run side by side: the bound is set while any of them runs."""
    try:
        from hypothesis.internal.conjecture import engine
    except ImportError:
        yield
        return
    if getattr(engine, 'MAX_SHRINKING_SECONDS', None) is None:
        yield
        return
    with _bounding_lock:
        if _bounding['count'] == 0:
            _bounding['saved'] = engine.MAX_SHRINKING_SECONDS
            engine.MAX_SHRINKING_SECONDS = seconds
        _bounding['count'] += 1
    try:
        yield
    finally:
        with _bounding_lock:
            _bounding['count'] -= 1
            if _bounding['count'] == 0:
                engine.MAX_SHRINKING_SECONDS = _bounding['saved']


def differential(protocol, pool, config, dialects, disconnects=False):
    budget = config.getoption('differential_budget')
    if budget <= 0:
        pytest.skip('skipped: --differential-budget is 0')
    dialect = dialects.server(protocol)
    if not dialect.can_join:
        pytest.skip('skipped: no client could join your {} (see {}.welcome)'.format(
            'ServerTCP' if protocol == 'tcp' else 'ServerUDP', protocol))
    allowed_seconds(SECONDS_PER_SCENARIO * budget + SHRINK_SECONDS + SHORTEN_SECONDS + 60)
    chosen_seed = config.getoption('differential_seed')

    def play(actions):
        agent = pool.take()
        try:
            subject = ServerSubject(agent, protocol, dialect)
            try:
                subject.start()
            except AgentError as error:
                pytest.fail('could not start {}: {}'.format(subject.cls, error), pytrace=False)
            notes = []
            assert_scenario(protocol, subject.port, actions, get_count=subject.count, notes=notes, within=WITHIN,
                            dialect=dialect, server_agent=agent)
            for text in notes:
                leniency.note(text)
        finally:
            agent.release()

    scenario = settings(max_examples=budget, deadline=None, database=None, derandomize=False,
                        phases=(Phase.generate, Phase.shrink), print_blob=False, report_multiple_bugs=False,
                        suppress_health_check=list(HealthCheck))(
        seed(chosen_seed)(given(action_sequences(protocol, max_peers=MAX_PEERS, max_actions=MAX_ACTIONS,
                                                 disconnects=disconnects))(play)))

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
    return time.monotonic() - started


MODEL = ('Every weighted assertion of a scenario is one of the fixed checks\' (a join is welcomed or refused, '
         'announced to the others, chat relayed to all but its sender, a leave announced and uncounted): the '
         'rules of harness/model.py, each from the text.',)
TCP_RULES = ("If message is 'join', the broadcast message will be 'User {x} joined'.",
             "If it's 'exit', the broadcast message will be 'User {x} left'.",
             "For any other message, the broadcast message format will be '{x}: {message}'",
             "If the name is already in the clients dictionary, the method sends a 'Name already taken' message to "
             "the client and returns False.",
             'This method returns the number of currently connected clients by simply returning the length of '
             'the clients dictionary.')
UDP_RULES = ("Appends a tuple containing the client's address client_addr and 'User {x} joined' to the messages "
             "list, where x is the client's name.",
             "If a client sends a message 'exit', the close_client() method is called to remove the client.",
             "If the name is already in use, the method sends a 'Name already taken' message to the client and "
             "returns False.",
             "UDP chat relay: '{name}: {text}' (the TCP format) or the datagram as received, '{name}:{text}'.",
             'This method returns the number of currently connected clients by returning the length of the '
             'clients dictionary.')
HINT = 'Replay the steps with server.py and client.py; the first step whose result differs shows the bug.'


@check('differential.tcp', weight=4, spec='3 TCP Chatroom (ServerTCP as a whole)', tags=['differential', 'ServerTCP'],
       depends=['structure.ServerTCP'], timeout=120, rests_on=TCP_RULES, hint=HINT)
def test_random_scenarios_tcp(agent_pool, pytestconfig, dialects):
    """Random TCP chat scenarios (joins, refusals, chat, leaves) behave as the assignment says, step by step."""
    differential('tcp', agent_pool, pytestconfig, dialects)


@check('differential.udp', weight=4, spec='4 UDP Chatroom (ServerUDP as a whole)', tags=['differential', 'ServerUDP'],
       depends=['structure.ServerUDP'], timeout=120, rests_on=UDP_RULES, hint=HINT)
def test_random_scenarios_udp(agent_pool, pytestconfig, dialects):
    """Random UDP chat scenarios (joins, refusals, chat, leaves) behave as the assignment says, step by step."""
    differential('udp', agent_pool, pytestconfig, dialects)


@check('robust.differential_tcp', weight=0, spec='3 ServerTCP.handle_client', tags=['robustness', 'ServerTCP'],
       depends=['structure.ServerTCP'], timeout=120,
       hint="Treat an empty recv() or a ConnectionResetError like 'exit': announce, remove, close. " + HINT)
def test_random_scenarios_with_disconnects_tcp(agent_pool, pytestconfig, dialects):
    """Random TCP scenarios that also have clients vanish without 'exit' behave as the model says."""
    differential('tcp', agent_pool, pytestconfig, dialects, disconnects=True)
