"""Unit tests of harness.model against hand-written sequences (no sockets)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.model import (
    GHOST, GONE, JOINED, NAME_TAKEN, TEXTS, UNJOINED, WELCOME, Chat, Disconnect, InvalidAction, Join, Leave,
    Model, Pause, Shutdown, Stranger, chat_texts, describe_all, replay_model)

BOTH = pytest.mark.parametrize('protocol', ['tcp', 'udp'])


def play(protocol, *actions):
    model = Model(protocol)
    return model, [model.apply(action) for action in actions]


@BOTH
def test_first_join_is_welcomed_and_counted(protocol):
    model, [out] = play(protocol, Join(0, 'alice'))
    assert out.reply == WELCOME
    assert out.deliveries == {}
    assert out.silent == {0}          # the joiner never gets its own 'joined'
    assert out.count == 1 and model.count == 1
    assert model.status(0) == JOINED


@BOTH
def test_join_is_announced_to_everyone_but_the_joiner(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Join(1, 'bob'), Join(2, 'carol'))
    assert outs[1].deliveries == {0: ('User bob joined',)}
    assert outs[2].deliveries == {0: ('User carol joined',), 1: ('User carol joined',)}
    assert outs[2].silent == {2}
    assert [o.count for o in outs] == [1, 2, 3]


@BOTH
def test_duplicate_join_is_refused_and_changes_nothing(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Join(1, 'bob'), Join(2, 'alice'))
    refused = outs[2]
    assert refused.reply == NAME_TAKEN
    assert refused.deliveries == {}
    assert refused.count == 2 == model.count
    assert {0, 1} <= refused.silent


def test_tcp_refused_connection_is_over():
    model, outs = play('tcp', Join(0, 'alice'), Join(1, 'alice'))
    assert outs[1].actor_gone and model.status(1) == GONE
    assert outs[1].silent == {0}
    with pytest.raises(InvalidAction):
        model.apply(Join(1, 'bob'))   # a refused TCP connection cannot try again
    assert model.live() == [0]


def test_udp_refused_address_may_try_again_with_another_name():
    model, outs = play('udp', Join(0, 'alice'), Join(1, 'alice'))
    assert not outs[1].actor_gone and model.status(1) == UNJOINED
    assert outs[1].silent == {0, 1}   # the refused address must receive nothing either
    assert model.live() == [0, 1]
    with pytest.raises(InvalidAction):
        model.apply(Chat(1, 'hi'))    # not a client: may not chat
    again = model.apply(Join(1, 'bob'))
    assert again.reply == WELCOME and again.deliveries == {0: ('User bob joined',)} and again.count == 2


@BOTH
def test_chat_reaches_everyone_but_the_sender(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Join(1, 'bob'), Join(2, 'carol'), Chat(1, 'hi'))
    chat = outs[-1]
    assert set(chat.deliveries) == {0, 2}
    assert 1 in chat.silent and 1 not in chat.deliveries
    assert chat.reply is None and chat.count == 3


def test_chat_formats_tcp_strict_udp_two_acceptable():
    _, tcp = play('tcp', Join(0, 'alice'), Join(1, 'bob'), Chat(0, 'hello there'))
    _, udp = play('udp', Join(0, 'alice'), Join(1, 'bob'), Chat(0, 'hello there'))
    assert tcp[-1].deliveries == {1: ('alice: hello there',)}
    assert udp[-1].deliveries == {1: ('alice: hello there', 'alice:hello there')}
    assert udp[-1].expected_for(1)[0] == 'alice: hello there'   # preferred first
    assert udp[-1].expected_for(0) == ()


@BOTH
def test_lone_chat_goes_nowhere(protocol):
    _, outs = play(protocol, Join(0, 'alice'), Chat(0, 'hi'))
    assert outs[-1].deliveries == {} and outs[-1].silent == {0}


@BOTH
def test_commands_are_never_chat_but_containing_them_is(protocol):
    model, _ = play(protocol, Join(0, 'alice'))
    for text in ('join', 'exit', '', ' hi'):
        with pytest.raises(InvalidAction):
            model.apply(Chat(0, text))
    assert model.apply(Chat(0, 'I will join later')).count == 1


@BOTH
def test_leave_is_announced_once_and_frees_the_name(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Join(1, 'bob'), Leave(1), Join(2, 'bob'))
    leave, rejoin = outs[2], outs[3]
    assert leave.deliveries == {0: ('User bob left',)}
    assert leave.count == 1
    assert leave.actor_gone == (protocol == 'tcp')      # UDP: the address stays ours, and hears nothing more
    assert (1 in leave.silent) == (protocol == 'udp')
    assert rejoin.reply == WELCOME and rejoin.deliveries == {0: ('User bob joined',)} and rejoin.count == 2
    with pytest.raises(InvalidAction):
        model.apply(Leave(1))         # leave announced once: the leaver is gone
    with pytest.raises(InvalidAction):
        model.apply(Chat(1, 'hi'))


def test_tcp_disconnect_is_announced_like_a_leave():
    model, outs = play('tcp', Join(0, 'alice'), Join(1, 'bob'), Disconnect(1), Join(2, 'bob'))
    assert outs[2].deliveries == {0: ('User bob left',)}
    assert outs[2].count == 1 and model.status(1) == GONE
    assert outs[3].reply == WELCOME


def test_udp_disconnect_is_silent_and_the_ghost_keeps_name_and_count():
    model, outs = play('udp', Join(0, 'alice'), Join(1, 'bob'), Disconnect(1))
    vanish = outs[2]
    assert vanish.deliveries == {} and vanish.count == 2 and not vanish.told_server
    assert model.status(1) == GHOST and model.live() == [0] and model.members() == [0, 1]
    refused = model.apply(Join(2, 'bob'))
    assert refused.reply == NAME_TAKEN and refused.count == 2
    chat = model.apply(Chat(0, 'hi'))
    assert chat.deliveries == {}      # sent to the ghost's address, but nobody of ours hears it
    with pytest.raises(InvalidAction):
        model.apply(Chat(1, 'hi'))


@BOTH
def test_leave_of_the_last_client_and_count_never_negative(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Leave(0))
    assert outs[-1].count == 0 and outs[-1].deliveries == {}
    for action in (Leave(0), Disconnect(0), Chat(0, 'hi'), Leave(5)):
        with pytest.raises(InvalidAction):
            model.apply(action)
    assert model.count == 0


@BOTH
def test_rejected_join_does_not_change_count_even_repeated(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Join(1, 'alice'), Join(2, 'alice'), Leave(0),
                       Join(3, 'alice'))
    assert [o.count for o in outs] == [1, 1, 1, 0, 1]
    assert [o.reply for o in outs] == [WELCOME, NAME_TAKEN, NAME_TAKEN, None, WELCOME]


@BOTH
def test_a_peer_joins_once(protocol):
    model, _ = play(protocol, Join(0, 'alice'))
    with pytest.raises(InvalidAction):
        model.apply(Join(0, 'bob'))


@BOTH
@pytest.mark.parametrize('name', ['', 'a b', 'al:ice', ' alice', 'join', 'exit'])
def test_bad_names_are_invalid(protocol, name):
    with pytest.raises(InvalidAction):
        Model(protocol).apply(Join(0, name))


def test_invalid_action_changes_nothing():
    model, _ = play('tcp', Join(0, 'alice'))
    before = (dict(model.peers), model.count, list(model.history))
    with pytest.raises(InvalidAction):
        model.apply(Chat(3, 'hi'))
    assert (dict(model.peers), model.count, list(model.history)) == before


BASIC = dict(strangers=False, claims=False, pauses=False, shutdowns=False)


def test_valid_actions():
    model = Model('udp')
    assert model.valid_actions(names=('alice', 'bob'), texts=('hi',), **BASIC) == [Join(0, 'alice'), Join(0, 'bob')]
    model.apply(Join(0, 'alice'))
    model.apply(Join(1, 'alice'))
    got = model.valid_actions(names=('alice', 'bob'), texts=('hi',), max_peers=2, **BASIC)
    assert got == [Join(1, 'alice'), Join(1, 'bob'), Chat(0, 'hi'), Leave(0), Disconnect(0)]
    tcp = replay_model('tcp', [Join(0, 'alice'), Join(1, 'alice')])
    assert tcp.valid_actions(names=('bob',), texts=('hi',), max_peers=2, **BASIC) == [
        Chat(0, 'hi'), Leave(0), Disconnect(0)]


def test_valid_actions_of_the_whole_text():
    model = replay_model('udp', [Join(0, 'alice'), Join(1, 'alice')])
    got = model.valid_actions(names=('alice', 'bob'), texts=('hi',), max_peers=3, disconnects=False)
    assert got == [Join(2, 'alice'), Join(2, 'bob'), Join(1, 'alice'), Join(1, 'bob'), Chat(0, 'hi'),
                   Chat(0, 'hi', claimed='bob'), Leave(0),
                   Stranger(1, 'alice', 'hi'), Stranger(1, 'alice', 'exit'), Stranger(1, 'bob', 'hi'),
                   Stranger(1, 'bob', 'exit'), Stranger(2, 'alice', 'hi'), Stranger(2, 'alice', 'exit'),
                   Stranger(2, 'bob', 'hi'), Stranger(2, 'bob', 'exit'), Pause(), Shutdown('ctrl_c')]
    tcp = replay_model('tcp', [Join(0, 'alice')]).valid_actions(names=('bob',), texts=('hi',), max_peers=1,
                                                                disconnects=False)
    assert tcp == [Chat(0, 'hi'), Leave(0), Pause(), Shutdown('run_event'), Shutdown('ctrl_c')]


def test_a_udp_client_is_its_address():
    model, outs = play('udp', Join(0, 'alice'), Join(1, 'bob'), Chat(1, 'hi', claimed='alice'),
                       Stranger(2, 'alice', 'exit'), Stranger(2, 'bob', 'hello'), Leave(1), Stranger(1, 'bob', 'hi'))
    # relayed under the address's name, or as received (a ruling: the claimed name goes with it)
    assert outs[2].deliveries == {0: ('bob: hi', 'bob:hi', 'alice:hi')}
    for out in outs[3:5] + outs[6:]:
        assert out.deliveries == {} and out.count == 2 - (out is outs[6])
    assert outs[5].deliveries == {0: ('User bob left',)} and 1 in outs[5].silent
    assert model.status(2) == UNJOINED and model.members() == [0]
    assert model.apply(Join(1, 'bob')).reply == WELCOME                # the address that left joins again
    assert describe_all('udp', [Join(0, 'alice'), Leave(0), Join(0, 'al'), Stranger(1, 'al', 'exit')]) == [
        'alice joins', "alice leaves (sends 'exit')", "'alice', who left, joins again as 'al' (same UDP address)",
        "from a new address, a datagram 'al:exit' ('al' is no client there)"]


@BOTH
def test_shutdown_reaches_every_joined_client_and_ends_the_scenario(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Join(1, 'alice'), Join(2, 'bob'), Leave(2),
                       Shutdown('ctrl_c'))
    stop = outs[-1]
    assert stop.shutdown and stop.count is None and stop.deliveries == {0: ('server-shutdown',)}
    assert model.stopped and model.valid_actions() == []
    with pytest.raises(InvalidAction):
        model.apply(Pause())
    if protocol == 'udp':
        with pytest.raises(InvalidAction):
            Model('udp').apply(Shutdown('run_event'))      # ServerUDP has no run_event in the text


@BOTH
def test_names_are_compared_whole_and_with_their_case(protocol):
    model, outs = play(protocol, Join(0, 'alice'), Join(1, 'al'), Join(2, 'Alice'), Join(3, 'alice'))
    assert [o.reply for o in outs] == [WELCOME, WELCOME, WELCOME, NAME_TAKEN]
    for text in ('Exit', 'exit now', 'JOIN', 'a:b', 'x' * 1000):
        assert model.apply(Chat(0, text)).deliveries[1] == chat_texts(protocol, 'alice', text)
    with pytest.raises(InvalidAction):
        model.apply(Chat(0, 'x' * 1001))                  # beyond what one recv(1024) takes whole


def test_descriptions():
    steps = describe_all('tcp', [Join(0, 'alice'), Join(1, 'bob'), Chat(1, 'hi'), Join(2, 'alice'),
                                 Join(3, 'alice'), Leave(1), Join(4, 'bob'), Disconnect(0)])
    assert steps == ['alice joins', 'bob joins', "bob says 'hi'", "a second client tries to join as 'alice'",
                     "another client tries to join as 'alice'", "bob leaves (sends 'exit')", 'bob joins',
                     'alice disconnects without a word']
    udp = describe_all('udp', [Join(0, 'carol'), Disconnect(0), Join(1, 'carol'), Join(1, 'dave')])
    assert udp[2] == "another client tries to join as 'carol' (the vanished carol still holds the name)"
    assert udp[3] == "the client refused as 'carol' tries again as 'dave' (same UDP address)"
    assert Chat(3, 'hi').describe() == "client #3 says 'hi'"


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(protocol=st.sampled_from(['tcp', 'udp']), picks=st.lists(st.integers(0, 1000), max_size=40))
def test_invariants_under_random_valid_sequences(protocol, picks):
    model = Model(protocol)
    for pick in picks:
        options = model.valid_actions(max_peers=8)
        if not options:
            break
        action = options[pick % len(options)]
        members_before = set(model.members())
        out = model.apply(action)
        if out.shutdown:
            assert out.count is None and model.stopped
        else:
            assert out.count == model.count == len(model.members()) >= 0
            assert abs(out.count - len(members_before)) <= 1
        live = set(model.live())
        assert set(out.deliveries) <= live and out.silent <= live
        assert not set(out.deliveries) & out.silent
        assert action.peer is None or action.peer not in out.deliveries          # never to the actor
        names = [model.name_of(p) for p in model.members()]
        assert len(names) == len(set(names))              # names of current clients are unique
        if protocol == 'tcp':
            assert GHOST not in {model.status(p) for p in model.peers}
            assert UNJOINED not in {model.status(p) for p in model.peers}


# -- the minimal replays of the broken variants of tests/submissions/differential_variants.py -----------------

@BOTH
def test_a_name_refused_then_freed_is_welcome_again(protocol):
    # tcp_refused_name_sticks: the refused join must leave no trace once the holder is gone
    for gone in (Leave(0), Disconnect(0)) if protocol == 'tcp' else (Leave(0),):
        model, outs = play(protocol, Join(0, 'alice'), Join(1, 'alice'), gone, Join(2, 'alice'))
        assert [o.reply for o in outs] == [WELCOME, NAME_TAKEN, None, WELCOME]
        assert [o.count for o in outs] == [1, 1, 0, 1]
        assert model.refusals == {'alice': 1}


def test_udp_refused_address_hears_nothing_of_the_room():
    # udp_refused_join_steals_address: the refused address is live (ours) but no client
    model, outs = play('udp', Join(0, 'alice'), Join(1, 'alice'), Chat(0, 'hi'), Join(2, 'bob'), Leave(0))
    chat, join, leave = outs[2], outs[3], outs[4]
    assert chat.deliveries == {} and chat.silent == {0, 1}
    assert join.deliveries == {0: ('User bob joined',)} and 1 in join.silent
    assert leave.deliveries == {2: ('User alice left',)} and leave.silent == {0, 1}
    retry = model.apply(Join(1, 'alice'))       # the name is free again: the same address may take it
    assert retry.reply == WELCOME and retry.deliveries == {2: ('User alice joined',)} and retry.count == 2


def test_tcp_refused_connection_changes_nothing_for_the_holder():
    # tcp_refused_hangup_evicts_holder: after the refused connection is over, alice is still in
    model, outs = play('tcp', Join(0, 'alice'), Join(1, 'alice'), Chat(0, 'hi'), Join(2, 'bob'))
    assert outs[1].silent == {0} and outs[1].count == 1
    assert outs[2].deliveries == {} and outs[3].deliveries == {0: ('User bob joined',)}
    assert model.members() == [0, 2]


@BOTH
def test_every_broadcast_is_the_newest_message_however_many_came_before(protocol):
    # udp_history_capped: the 7th and later messages are themselves, not a repeat of an older one
    actions = [Join(0, 'alice'), Join(1, 'bob')] + [Chat(0, text) for text in TEXTS] + [Leave(0)]
    _, outs = play(protocol, *actions)
    for action, out in zip(actions[2:-1], outs[2:-1]):
        assert out.deliveries == {1: chat_texts(protocol, 'alice', action.text)}
    assert outs[-1].deliveries == {1: ('User alice left',)}


def test_copy_is_independent():
    model, _ = play('udp', Join(0, 'alice'), Join(1, 'alice'))
    other = model.copy()
    other.apply(Join(1, 'bob'))
    other.apply(Disconnect(0))
    assert model.status(0) == JOINED and model.status(1) == UNJOINED and len(model.history) == 2
    assert other.status(0) == GHOST and other.status(1) == JOINED and other.count == 2
