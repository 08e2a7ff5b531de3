"""Differential checks: chat scenarios played against the submission's server and compared, step by step,
with the model of the assignment (harness/model.py). Which scenarios: harness/explore.py (every short
scenario over a small alphabet that reaches a new state of the model, to `--differential-depth` steps; a
shutdown by each way the text gives; `--differential-budget` random longer ones from `--differential-seed`).
On a difference, the shortest scenario that shows it is looked for (the search's own shortest way to the
state where it showed, then steps deleted, a bounded number of replays), and the report shows it as
numbered steps a student can replay by hand. Deterministic: the same verdict every run for the same
options."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import client_scenarios, clock, explore, leniency, platform
from harness.catalog import check
from harness.clock import allowed_seconds
from harness.runner import AgentError
from harness.scenarios import ScenarioFailed, assert_scenario, shorten
from harness.subjects import ClientSubject, ServerSubject

WITHIN = 1.0        # a message not there within this is missing (a quiet server ends the wait sooner)
REPLAYS = 12        # replays spent looking for a shorter scenario that shows a difference
SECONDS_PER_STEP = 0.3   # for the check's time: ~0.03 s a step on the reference; a slow program takes longer
SECONDS_PER_SCENARIO = 1.0   # a server's start and stop


def play(protocol, pool, dialect, actions):
    """Play `actions` against a new server of the submission's; ScenarioFailed on a difference. The
    leniencies used are noted in this thread's notes (harness/leniency.py)."""
    agent = pool.take()
    try:
        subject = ServerSubject(agent, protocol, dialect)
        try:
            subject.start()
        except AgentError as error:
            pytest.fail('could not start {}: {}'.format(subject.cls, error), pytrace=False)
        notes = []
        assert_scenario(protocol, subject.port, actions, get_count=subject.count, notes=notes, within=WITHIN,
                        dialect=dialect, server_agent=agent, stopper=subject)
        for text in notes:
            leniency.note(text)
    finally:
        agent.release()


def play_side_by_side(protocol, pool, dialect, scenarios):
    """Play every scenario, each against a server of its own, up to explore.SERVERS at a time: a server
    whose loops poll slowly keeps each step waiting, and those waits overlap. The verdict is that of the
    first scenario in plan order that fails (ScenarioFailed, or whatever else it raised), so it does not
    depend on which finished first; once one failed, no later one is started. The notes are the check's,
    in plan order."""
    outcomes = [None] * len(scenarios)     # (notes, exception or None) of each scenario that was played
    first_failed = [len(scenarios)]
    lock = threading.Lock()
    check_clock = clock.current()

    def one(index):
        with lock:
            if index > first_failed[0]:
                return
        with clock.shared(check_clock):
            notes = []
            leniency.adopt(notes)
            try:
                play(protocol, pool, dialect, scenarios[index])
                outcomes[index] = (notes, None)
            except BaseException as error:    # pytest's Failed and Skipped are BaseExceptions
                outcomes[index] = (notes, error)
                with lock:
                    first_failed[0] = min(first_failed[0], index)
    with ThreadPoolExecutor(max_workers=explore.SERVERS, thread_name_prefix='differential') as workers:
        list(workers.map(one, range(len(scenarios))))
    for outcome in outcomes:
        if outcome is None:
            break
        notes, error = outcome
        for text in notes:
            leniency.note(text)
        if error is not None:
            raise error


def shortest_failure(protocol, pool, dialect, failed):
    """A short scenario that fails as `failed` did (ScenarioFailed), for the report: the steps up to the
    failure, played again (a failure that does not recur is reported as it was, saying so), then the
    search's own shortest way to the state where it showed, then steps deleted (REPLAYS at most, up to
    explore.SERVERS side by side: a slow program's replays overlap, as its scenarios do)."""
    actions = failed.actions[:failed.failure.step_index + 1]
    check_clock = clock.current()

    def fails(candidate):
        # also from shorten's helper threads: under the check's clock; a candidate's notes are not the check's
        with clock.shared(check_clock), leniency.unnoted():
            try:
                play(protocol, pool, dialect, candidate)
            except ScenarioFailed as again:
                return again
            return None
    again = fails(actions)
    if again is None:
        return AssertionError('{}\n(This happened once; the same steps then passed when replayed: the result '
                              'depends on timing, e.g. a race between the server\'s threads.)'.format(failed))
    failed = again
    short = explore.shortest_way(protocol, actions, len(actions) - 1)
    if short is not None and len(short) < len(actions):
        found = fails(short)
        if found is not None:
            actions, failed = short, found
    _, shorter = shorten(protocol, actions, fails, replays=REPLAYS, at_once=explore.SERVERS)
    return shorter or failed


def _stops_with_ctrl_c(actions):
    """Where a Ctrl-C cannot end a blocked call (the Windows path), such a scenario cannot be judged."""
    return bool(actions) and getattr(actions[-1], 'how', None) == 'ctrl_c'


def differential(protocol, pool, config, dialects, request=None, disconnects=False):
    budget = config.getoption('differential_budget')
    depth = config.getoption('differential_depth')
    if budget <= 0 and depth <= 0:
        pytest.skip('skipped: --differential-budget and --differential-depth are 0')
    dialect = dialects.server(protocol)
    if not dialect.can_join:
        pytest.skip('skipped: no client could join your {} (see {}.welcome)'.format(
            'ServerTCP' if protocol == 'tcp' else 'ServerUDP', protocol))
    scenarios = [actions for actions in explore.plan(protocol, depth, budget, config.getoption('differential_seed'),
                                                     disconnects=disconnects)
                 if platform.CTRL_C_ENDS_BLOCKING_CALLS or not _stops_with_ctrl_c(actions)]
    steps = sum(len(actions) for actions in scenarios)
    # how far it explored, in the report: a deeper setting (an instructor's) is seen there
    if request is not None:
        request.node.user_properties.append(('details', {
            'depth': depth, 'budget': budget, 'seed': config.getoption('differential_seed'),
            'scenarios': len(scenarios), 'steps': steps}))
    allowed_seconds(SECONDS_PER_STEP * steps + SECONDS_PER_SCENARIO * (len(scenarios) + REPLAYS) + 30)
    try:
        play_side_by_side(protocol, pool, dialect, scenarios)
    except ScenarioFailed as failed:
        raise shortest_failure(protocol, pool, dialect, failed) from None


def client_differential(protocol, pool, dialects):
    """The client scenarios (harness/client_scenarios.py), each against a client of its own."""
    dialect = dialects.client(protocol)
    cls = 'ClientTCP' if protocol == 'tcp' else 'ClientUDP'
    if not dialect.connects:
        pytest.skip('skipped: connect_server() of your {} joined no server (see client_{}.connect)'.format(
            cls, protocol))
    for actions in client_scenarios.scenarios():
        if not platform.CTRL_C_ENDS_BLOCKING_CALLS and actions[-1] == client_scenarios.End('ctrl_c'):
            continue                  # a Ctrl-C there cannot end a blocked read of input (Windows path)
        agent = pool.take()
        client = ClientSubject(agent, protocol, dialect=dialect)
        try:
            try:
                client.construct()
            except AgentError as error:
                pytest.fail("could not construct {}('alice', port): {}".format(cls, error), pytrace=False)
            client_scenarios.play(client, protocol, actions)
        finally:
            client.close()
            agent.release()


CLIENT_RULES = ("In this loop, the user can input the text to be sent as a message to the server using the send() "
                "method.",
                "this loop continues until the exit_run event is set or the user types 'exit' or a "
                "KeyboardInterrupt is detected, at which point the client sends 'exit' message to the server to "
                "notify it of the client's leaving, sets the exit_receive event to stop the client's receiving "
                "operation and exits the loop.",
                "This method continuously listens for messages from the server until the exit_receive event is set.",
                'Otherwise, the message is displayed to the user.',
                "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, and 'al' is "
                "free while 'alice' is in the room.")
CLIENT_HINT = ('Replay the steps with client.py against a server of yours; compare whole lines and messages '
               "(text == 'exit', message == 'server-shutdown'), send every line, display every message.")


TCP_RULES = ("If message is 'join', the broadcast message will be 'User {x} joined'.",
             "If it's 'exit', the broadcast message will be 'User {x} left'.",
             "For any other message, the broadcast message format will be '{x}: {message}'",
             "This broadcast message is then sent to all connected clients except for the one who sent it, "
             "represented by client_socket_sent.",
             "If the name is already in the clients dictionary, the method sends a 'Name already taken' message to "
             "the client and returns False.",
             'This method returns the number of currently connected clients by simply returning the length of '
             'the clients dictionary.',
             "This method shuts down the server by sending a 'server-shutdown' message to all connected clients.",
             "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, and 'al' is "
             "free while 'alice' is in the room.")
UDP_RULES = ("Appends a tuple containing the client's address client_addr and 'User {x} joined' to the messages "
             "list, where x is the client's name.",
             "If a client sends a message 'exit', the close_client() method is called to remove the client.",
             "If the name is already in use, the method sends a 'Name already taken' message to the client and "
             "returns False.",
             "UDP chat relay: '{name}: {text}' (the TCP format) or the datagram as received, '{name}:{text}'.",
             "For any other message, it is appended to the server's message list if the client is already in the "
             "chatroom.",
             'This method returns the number of currently connected clients by returning the length of the '
             'clients dictionary.',
             "This method shuts down the server by sending a 'server-shutdown' message to all connected clients",
             "Names, 'join' and 'exit' are compared as whole strings, case included: 'Exit' is chat, and 'al' is "
             "free while 'alice' is in the room.",
             "A UDP client is its address. clients maps addresses to names: whatever name a datagram claims, only "
             "the address decides whether it comes from a member, and which member.")
HINT = 'Replay the steps with server.py and client.py; the first step whose result differs shows the bug.'


@check('differential.tcp', weight=4, spec='3 TCP Chatroom (ServerTCP as a whole)', tags=['differential', 'ServerTCP'],
       depends=['structure.ServerTCP'], timeout=120, rests_on=TCP_RULES, hint=HINT)
def test_random_scenarios_tcp(agent_pool, pytestconfig, dialects, request):
    """TCP chat scenarios (joins, refusals, chat, leaves, shutdown; names that collide) go as the text says."""
    differential('tcp', agent_pool, pytestconfig, dialects, request)


@check('differential.udp', weight=4, spec='4 UDP Chatroom (ServerUDP as a whole)', tags=['differential', 'ServerUDP'],
       depends=['structure.ServerUDP'], timeout=120, rests_on=UDP_RULES, hint=HINT)
def test_random_scenarios_udp(agent_pool, pytestconfig, dialects, request):
    """UDP chat scenarios (joins, refusals, chat, leaves, strangers, shutdown) go as the text says."""
    differential('udp', agent_pool, pytestconfig, dialects, request)


@check('robust.differential_tcp', weight=0, spec='3 ServerTCP.handle_client', tags=['robustness', 'ServerTCP'],
       depends=['structure.ServerTCP'], timeout=120,
       hint="Treat an empty recv() or a ConnectionResetError like 'exit': announce, remove, close. " + HINT)
def test_random_scenarios_with_disconnects_tcp(agent_pool, pytestconfig, dialects, request):
    """Random TCP scenarios that also have clients vanish without 'exit' behave as the model says."""
    differential('tcp', agent_pool, pytestconfig, dialects, request, disconnects=True)


@check('differential.client_tcp', weight=3, spec='3 ClientTCP (run, send, receive)', tags=['differential', 'ClientTCP'],
       depends=['structure.ClientTCP'], timeout=60, rests_on=CLIENT_RULES, hint=CLIENT_HINT)
def test_client_scenarios_tcp(agent_pool, dialects):
    """ClientTCP sends every typed line and shows every message, whatever its text, until 'exit' or Ctrl-C."""
    client_differential('tcp', agent_pool, dialects)


@check('differential.client_udp', weight=3, spec='4 ClientUDP (run, send, receive)', tags=['differential', 'ClientUDP'],
       depends=['structure.ClientUDP'], timeout=60, rests_on=CLIENT_RULES, hint=CLIENT_HINT)
def test_client_scenarios_udp(agent_pool, dialects):
    """ClientUDP sends every typed line and shows every message, whatever its text, until 'exit' or Ctrl-C."""
    client_differential('udp', agent_pool, dialects)
