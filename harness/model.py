"""A pure model of the chatroom's observable behaviour: what every client must receive after each step of a
scenario, and what get_clients_number() must return. No sockets, no threads, no clocks.

A scenario is a sequence of actions by *peers*. A peer is one client connection (TCP) or one client socket,
that is one address (UDP), identified by a small int. The rules, from the assignment
(../shared/spec/chatroom-assignment.md) and ../shared/spec/judgement-calls.md:

- Join(peer, name): the client sends its name (TCP) or '{name}:join' (UDP). If a current client holds the
  name, the reply is 'Name already taken' and nothing else changes; otherwise the reply is 'Welcome', every
  other joined client gets 'User {name} joined' (never the joiner), and the count goes up by one.
  A refused TCP connection is over (the server closes it); a refused UDP address may try again with another
  name. A peer joins at most once.
- Chat(peer, text): every other joined client gets '{name}: {text}' (never the sender). UDP may relay the
  datagram as received, '{name}:{text}', too (a leniency). 'join' / 'exit' are never chat texts.
- Leave(peer): the client sends 'exit'; every other joined client gets 'User {name} left' exactly once; the
  count goes down by one; the name is free again.
- Disconnect(peer): the client vanishes without a word. TCP: the server sees the connection close and
  announces 'User {name} left', as for Leave. UDP: the server cannot tell; the address stays a client (counted,
  its name still taken, broadcasts still sent to it) and nothing is announced.

`Model.apply(action)` returns an `Outcome`. `Model.valid_actions()` lists what a generator may do next.
"""

from dataclasses import dataclass
from typing import FrozenSet, Mapping, Optional, Tuple, Union

PROTOCOLS = ('tcp', 'udp')

WELCOME = 'Welcome'
NAME_TAKEN = 'Name already taken'
JOIN = 'join'
EXIT = 'exit'
COMMANDS = (JOIN, EXIT)

# Pools a generator draws from. Names: no whitespace, no ':', none a prefix of another. Texts: never a
# command, never empty, no chat line one of them makes is a prefix of another's, and a couple contain the
# command words, which must still be chat.
NAMES = ('alice', 'bob', 'carol', 'dave', 'erin')
TEXTS = ('hi', 'hello there', 'I will join later', 'exit is that way', 'how are you?', 'bye for now')
MAX_PEERS = 8

# Peer statuses.
UNJOINED = 'unjoined'   # UDP only: an address whose join was refused; it may try again with another name
JOINED = 'joined'       # a client of the server, and we still hold its connection / socket
GHOST = 'ghost'         # UDP only: a client of the server whose socket vanished without 'exit'
GONE = 'gone'           # no longer a client and no longer ours: left, disconnected (TCP) or refused (TCP)


class InvalidAction(ValueError):
    """The action is not possible in the model's current state (a bug in the caller, not in a server)."""


def joined_text(name):
    return 'User {} joined'.format(name)


def left_text(name):
    return 'User {} left'.format(name)


def chat_texts(protocol, name, text):
    """The acceptable relays of a chat line, preferred first."""
    if protocol == 'udp':
        return ('{}: {}'.format(name, text), '{}:{}'.format(name, text))
    return ('{}: {}'.format(name, text),)


# -- actions ---------------------------------------------------------------------------------------------

def _who(peer, model):
    if model is not None:
        return model.label(peer)
    return 'client #{}'.format(peer)


@dataclass(frozen=True)
class Join:
    peer: int
    name: str

    def describe(self, model=None):
        """A step of a replay. Given the model *before* the step, it says whether the name is taken."""
        if model is None:
            return '{} joins'.format(self.name)
        state = model.peers.get(self.peer)
        if state is not None and state.status == UNJOINED:
            return "the client refused as {!r} tries again as {!r} (same UDP address)".format(
                state.name, self.name)
        if model.name_taken(self.name):
            holder = model.holder(self.name)
            if model.peers[holder].status == GHOST:
                return "another client tries to join as {!r} (the vanished {} still holds the name)".format(
                    self.name, self.name)
            second = model.refusals.get(self.name, 0) == 0
            return "{} client tries to join as {!r}".format('a second' if second else 'another', self.name)
        return '{} joins'.format(self.name)


@dataclass(frozen=True)
class Chat:
    peer: int
    text: str

    def describe(self, model=None):
        return '{} says {!r}'.format(_who(self.peer, model), self.text)


@dataclass(frozen=True)
class Leave:
    peer: int

    def describe(self, model=None):
        return "{} leaves (sends 'exit')".format(_who(self.peer, model))


@dataclass(frozen=True)
class Disconnect:
    peer: int

    def describe(self, model=None):
        who = _who(self.peer, model)
        if model is not None and model.protocol == 'udp':
            return '{} disconnects without a word (its socket closes; the UDP server is not told)'.format(who)
        return '{} disconnects without a word'.format(who)


Action = Union[Join, Chat, Leave, Disconnect]
ACTION_TYPES = (Join, Chat, Leave, Disconnect)


# -- state and outcome -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeerState:
    status: str
    name: Optional[str]


@dataclass(frozen=True)
class Outcome:
    """What one step must produce.

    reply       what the acting peer must get back: WELCOME (matched by containment, a leniency: the spec's
                client checks `'Welcome' in reply`), NAME_TAKEN (exact) or None.
    deliveries  peer -> the acceptable texts (preferred first); each of these peers must receive exactly one
                message, one of these texts, and nothing else.
    silent      live peers that must receive nothing in this step (the actor included when it is still ours:
                the joiner after its reply, the sender of a chat, a refused UDP address).
    count       what get_clients_number() must return after the step.
    actor_gone  the acting peer's connection / socket is over after this step.
    told_server False when the server receives nothing in this step (a UDP disconnect).
    """
    action: Action
    reply: Optional[str]
    deliveries: Mapping[int, Tuple[str, ...]]
    silent: FrozenSet[int]
    count: int
    actor_gone: bool = False
    told_server: bool = True

    def expected_for(self, peer):
        """The acceptable texts `peer` must receive in this step; () for nothing."""
        return self.deliveries.get(peer, ())


class SpecTexts:
    """The assignment's texts. A server's dialect (harness/leniency.ServerDialect: a known variant of the
    protocol, learned by harness/probe.py) has the same four methods and may stand in for it."""

    def __init__(self, protocol):
        self.protocol = protocol

    def joined_text(self, name):
        return joined_text(name)

    def left_text(self, name):
        return left_text(name)

    def chat_texts(self, name, text):
        return chat_texts(self.protocol, name, text)

    def taken_text(self, name):
        return NAME_TAKEN


class Model:
    def __init__(self, protocol, texts=None):
        if protocol not in PROTOCOLS:
            raise ValueError('protocol must be one of {}, not {!r}'.format(PROTOCOLS, protocol))
        self.protocol = protocol
        self.texts = texts or SpecTexts(protocol)
        self.peers = {}          # type: Dict[int, PeerState]
        self.refusals = {}       # name -> how many joins were refused while the name was held
        self.history = []        # type: List[Action]

    # -- queries -------------------------------------------------------------------------------------

    @property
    def count(self):
        """get_clients_number(): joined clients, and (UDP) ghosts the server cannot know are gone."""
        return sum(1 for state in self.peers.values() if state.status in (JOINED, GHOST))

    def status(self, peer):
        state = self.peers.get(peer)
        return None if state is None else state.status

    def name_of(self, peer):
        state = self.peers.get(peer)
        return None if state is None else state.name

    def label(self, peer):
        state = self.peers.get(peer)
        if state is None or state.name is None:
            return 'client #{}'.format(peer)
        if state.status == UNJOINED:
            return 'the client refused as {!r}'.format(state.name)
        return state.name

    def members(self):
        """Peers the server counts as clients, by id."""
        return [p for p, state in sorted(self.peers.items()) if state.status in (JOINED, GHOST)]

    def joined(self):
        """Peers that are clients and whose connection / socket we still hold."""
        return [p for p, state in sorted(self.peers.items()) if state.status == JOINED]

    def live(self):
        """Peers whose connection / socket we still hold: joined ones and (UDP) refused addresses."""
        return [p for p, state in sorted(self.peers.items()) if state.status in (JOINED, UNJOINED)]

    def name_taken(self, name):
        return self.holder(name) is not None

    def holder(self, name):
        for peer, state in self.peers.items():
            if state.status in (JOINED, GHOST) and state.name == name:
                return peer
        return None

    @property
    def next_peer(self):
        return max(self.peers, default=-1) + 1

    def copy(self):
        other = Model(self.protocol, self.texts)
        other.peers = dict(self.peers)
        other.refusals = dict(self.refusals)
        other.history = list(self.history)
        return other

    def describe(self, action):
        """The action as a step of a replay, in the current state (call before apply)."""
        return action.describe(self)

    # -- validity --------------------------------------------------------------------------------------

    def check(self, action):
        """Raise InvalidAction unless `action` is possible now."""
        if not isinstance(action, ACTION_TYPES):
            raise InvalidAction('not an action: {!r}'.format(action))
        if not isinstance(action.peer, int) or action.peer < 0:
            raise InvalidAction('a peer is a non-negative int: {!r}'.format(action))
        status = self.status(action.peer)
        if isinstance(action, Join):
            _check_name(action.name)
            if status is None:
                return
            if status == UNJOINED:
                return
            raise InvalidAction('{} cannot join: a peer joins once (it is {})'.format(
                self.label(action.peer), status))
        if status != JOINED:
            raise InvalidAction('{} cannot {}: it is {}'.format(
                self.label(action.peer), type(action).__name__.lower(), status or 'unknown'))
        if isinstance(action, Chat):
            _check_text(action.text)

    def is_valid(self, action):
        try:
            self.check(action)
        except InvalidAction:
            return False
        return True

    def valid_actions(self, names=NAMES, texts=TEXTS, max_peers=MAX_PEERS, disconnects=True):
        """Every action possible now, simplest kinds first: joins (a new peer for each name while fewer than
        `max_peers` peers were used; for UDP also each refused address with each name), chats by every
        joined peer with every text, leaves, and (with `disconnects`) disconnects."""
        actions = []
        if len(self.peers) < max_peers:
            fresh = self.next_peer
            actions.extend(Join(fresh, name) for name in names)
        for peer in self.live():
            if self.status(peer) == UNJOINED:
                actions.extend(Join(peer, name) for name in names)
        joined = self.joined()
        actions.extend(Chat(peer, text) for peer in joined for text in texts)
        actions.extend(Leave(peer) for peer in joined)
        if disconnects:
            actions.extend(Disconnect(peer) for peer in joined)
        return actions

    # -- transitions -----------------------------------------------------------------------------------

    def apply(self, action):
        """Check `action`, change the state, and return the Outcome the server must produce."""
        self.check(action)
        self.history.append(action)
        if isinstance(action, Join):
            return self._join(action)
        if isinstance(action, Chat):
            return self._chat(action)
        if isinstance(action, Leave):
            return self._leave(action, announced=True)
        if self.protocol == 'tcp':
            return self._leave(action, announced=True)
        return self._vanish(action)

    def _others(self, peer, statuses):
        return [p for p, state in sorted(self.peers.items()) if p != peer and state.status in statuses]

    def _join(self, action):
        peer, name = action.peer, action.name
        if self.name_taken(name):
            self.refusals[name] = self.refusals.get(name, 0) + 1
            refusal = self.texts.taken_text(name)
            if self.protocol == 'tcp':
                self.peers[peer] = PeerState(GONE, name)
                silent = frozenset(self.live())
                return Outcome(action, refusal, {}, silent, self.count, actor_gone=True)
            self.peers[peer] = PeerState(UNJOINED, name)
            return Outcome(action, refusal, {}, frozenset(self.live()), self.count)
        others = self._others(peer, (JOINED,))
        self.peers[peer] = PeerState(JOINED, name)
        deliveries = {p: (self.texts.joined_text(name),) for p in others}
        silent = frozenset(p for p in self.live() if p not in deliveries)
        return Outcome(action, WELCOME, deliveries, silent, self.count)

    def _chat(self, action):
        name = self.name_of(action.peer)
        texts = tuple(self.texts.chat_texts(name, action.text))
        deliveries = {p: texts for p in self._others(action.peer, (JOINED,))}
        silent = frozenset(p for p in self.live() if p not in deliveries)
        return Outcome(action, None, deliveries, silent, self.count)

    def _leave(self, action, announced):
        name = self.name_of(action.peer)
        self.peers[action.peer] = PeerState(GONE, name)
        deliveries = {p: (self.texts.left_text(name),) for p in self._others(action.peer, (JOINED,))}
        silent = frozenset(p for p in self.live() if p not in deliveries)
        return Outcome(action, None, deliveries, silent, self.count, actor_gone=True)

    def _vanish(self, action):
        name = self.name_of(action.peer)
        self.peers[action.peer] = PeerState(GHOST, name)
        return Outcome(action, None, {}, frozenset(self.live()), self.count, actor_gone=True,
                       told_server=False)


def _check_name(name):
    if not isinstance(name, str) or not name:
        raise InvalidAction('a name is a non-empty str: {!r}'.format(name))
    if name != name.strip() or any(ch.isspace() for ch in name) or ':' in name:
        raise InvalidAction('a name has no whitespace and no colon: {!r}'.format(name))
    if name in COMMANDS:
        raise InvalidAction('{!r} is a command, not a name'.format(name))


def _check_text(text):
    if not isinstance(text, str) or not text:
        raise InvalidAction('a chat text is a non-empty str: {!r}'.format(text))
    if text in COMMANDS:
        raise InvalidAction('{!r} is a command, not a chat text'.format(text))
    if text != text.strip():
        raise InvalidAction('a chat text has no leading or trailing whitespace: {!r}'.format(text))


def replay_model(protocol, actions):
    """A model after `actions` (which must all be valid in turn)."""
    model = Model(protocol)
    for action in actions:
        model.apply(action)
    return model


def describe_all(protocol, actions):
    """Each action as a replay step, described in the state before it."""
    model = Model(protocol)
    steps = []
    for action in actions:
        steps.append(model.describe(action))
        model.apply(action)
    return steps
