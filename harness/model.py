"""A pure model of the chatroom's observable behaviour: what every client must receive after each step of a
scenario, and what get_clients_number() must return. No sockets, no threads, no clocks.

A scenario is a sequence of actions by *peers*. A peer is one client connection (TCP) or one client socket,
that is one address (UDP), identified by a small int. The rules, from the assignment
(../shared/spec/chatroom-assignment.md) and ../shared/spec/judgement-calls.md:

- Join(peer, name): the client sends its name (TCP) or '{name}:join' (UDP). If a current client holds the
  name (compared whole, case included), the reply is 'Name already taken' and nothing else changes;
  otherwise the reply is 'Welcome', every other joined client gets 'User {name} joined' (never the joiner),
  and the count goes up by one. A refused TCP connection is over (the client gives up; whether the server
  closes it is not judged); a UDP address that is no client (refused, left, or never joined) may join, with
  any name. A TCP connection joins at most once.
- Chat(peer, text[, claimed]): every other joined client gets '{name}: {text}' (never the sender). UDP may
  relay the datagram as received, '{name}:{text}', too (a leniency). 'join' / 'exit' are commands only as
  the whole text, case included: 'Exit', 'exit now' and 'a:b' are chat. UDP: a client is its address
  (judgement-calls.md): the datagram may claim another name ('{claimed}:{text}'), and it is still relayed
  under the name of the client at that address, to every client but that one (relayed as received, it
  carries the claimed name: a ruling).
- Stranger(peer, claimed, text) (UDP): a datagram '{claimed}:{text}' from an address that is no client
  (refused, left, or new), claiming any name, a client's included; chat or 'exit'. Nothing happens: it is
  not relayed, nobody leaves, the count stays.
- Leave(peer): the client sends 'exit'; every other joined client gets 'User {name} left' exactly once; the
  count goes down by one; the name is free again. TCP: the connection is over. UDP: the address stays ours,
  and gets nothing more (it may join again).
- Disconnect(peer): the client vanishes without a word. TCP: the server sees the connection close and
  announces 'User {name} left', as for Leave. UDP: the server cannot tell; the address stays a client (counted,
  its name still taken, broadcasts still sent to it) and nothing is announced.
- Pause(): nobody says anything for a while (as long as the server's own loops take to time out once):
  nothing happens; in particular no client is dropped for being quiet.
- Shutdown(how): the server is stopped, by its run_event (TCP) or by Ctrl-C: every joined client gets
  'server-shutdown' (UDP: possibly after 'User x left' for the others, if shutdown() calls close_client()),
  TCP connections end, and run() returns. The count is not judged after it (judgement-calls.md). Nothing
  comes after a shutdown.

`Model.apply(action)` returns an `Outcome`. `Model.valid_actions()` lists what a generator may do next.
"""

from dataclasses import dataclass
from typing import FrozenSet, Mapping, Optional, Tuple, Union

from harness.leniency import MAX_TEXT_BYTES

PROTOCOLS = ('tcp', 'udp')

WELCOME = 'Welcome'
NAME_TAKEN = 'Name already taken'
JOIN = 'join'
EXIT = 'exit'
COMMANDS = (JOIN, EXIT)

# Pools a generator draws from. Names collide on purpose (judgement-calls.md, "Comparisons are exact"): equal,
# a prefix of another ('al', 'alice'), differing in case only ('Alice'), holding a command word ('joiner',
# 'Exit') or its letters at the end ('robin'), non-ASCII ('zoë': 3 characters, 4 bytes); never whitespace (no
# check depends on how a server treats it), never ':' (the UDP wire splits there), never a whole command.
# Texts: commands in other cases and inside longer texts, ':' anywhere, texts that look like the server's own
# messages, non-ASCII UTF-8, and long ones up to MAX_TEXT_BYTES.
NAMES = ('alice', 'al', 'Alice', 'bob', 'joiner', 'Exit', 'robin', 'zoë')   # robin: 'robin:join'.rstrip(':join')
MAX_TEXT_BYTES = MAX_TEXT_BYTES      # harness/leniency.py: what one recv(1024), the usual receive, takes whole
TEXTS = ('hi', 'I will join later', 'Exit', 'exit now', 'JOIN', 'a:b', 'time: 10:30', 'alice: hi',
         'User bob left', 'server-shutdown', 'héllo wörld ✓ 你好', 'x' * MAX_TEXT_BYTES,
         'ü' * (MAX_TEXT_BYTES // 2))
MAX_PEERS = 6
LEAVE_WORDS = ('exit',)

# Peer statuses.
UNJOINED = 'unjoined'   # UDP only: an address that is no client (refused, left, or new); it may join
JOINED = 'joined'       # a client of the server, and we still hold its connection / socket
GHOST = 'ghost'         # UDP only: a client of the server whose socket vanished without 'exit'
GONE = 'gone'           # no longer a client and no longer ours: left, disconnected (TCP) or refused (TCP)
# Why a UDP address is UNJOINED, for the replay: it was refused, it left, or it never joined.
REFUSED, LEFT, NEW = 'refused', 'left', 'new'
SHUTDOWN_TEXT = 'server-shutdown'
SHUTDOWN_WAYS = {'tcp': ('run_event', 'ctrl_c'), 'udp': ('ctrl_c',)}


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
            why = model.why.get(self.peer)
            if why == LEFT:
                return "{!r}, who left, joins again as {!r} (same UDP address)".format(state.name, self.name)
            if why == NEW:
                return "the address that sent a datagram before joins as {!r}".format(self.name)
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
    claimed: Optional[str] = None        # UDP: the name the datagram claims, when not the client's own

    def describe(self, model=None):
        said = '{} says {}'.format(_who(self.peer, model), _shown(self.text))
        if self.claimed is not None:
            said += " (its datagram claims to come from {!r}: '{}:...')".format(self.claimed, self.claimed)
        return said


@dataclass(frozen=True)
class Stranger:
    """UDP: a datagram '{claimed}:{text}' from an address that is not a client's."""
    peer: int
    claimed: str
    text: str

    def describe(self, model=None):
        where = 'a new address'
        if model is not None and model.peers.get(self.peer) is not None:
            state = model.peers[self.peer]
            where = {REFUSED: "the address refused as {!r}".format(state.name),
                     LEFT: "the address {!r} left from".format(state.name)}.get(model.why.get(self.peer), where)
        return "from {}, a datagram {} ({} is no client there)".format(
            where, _shown('{}:{}'.format(self.claimed, self.text)), repr(self.claimed))


@dataclass(frozen=True)
class Pause:
    """Nobody says anything for a while: as long as the server's own loops take to time out once."""

    @property
    def peer(self):
        return None

    def describe(self, model=None):
        return 'nobody says anything for a while (a few seconds)'


@dataclass(frozen=True)
class Shutdown:
    how: str                             # 'run_event' (ServerTCP) or 'ctrl_c'

    @property
    def peer(self):
        return None

    def describe(self, model=None):
        if self.how == 'run_event':
            return 'the server is stopped: run_event.set()'
        return 'the server is stopped with Ctrl-C'


def _shown(text):
    """A text as a replay shows it: whole when short, else its length and start."""
    if len(text) <= 40:
        return repr(text)
    return '{!r}... ({} characters)'.format(text[:20], len(text))


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


Action = Union[Join, Chat, Leave, Disconnect, Stranger, Pause, Shutdown]
ACTION_TYPES = (Join, Chat, Leave, Disconnect, Stranger, Pause, Shutdown)


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
    count       what get_clients_number() must return after the step (None: not judged, after a shutdown).
    actor_gone  the acting peer's connection / socket is over after this step.
    told_server False when the server receives nothing in this step (a UDP disconnect, a pause).
    shutdown    the server was stopped: the deliveries are 'server-shutdown'; run() must return.
    """
    action: Action
    reply: Optional[str]
    deliveries: Mapping[int, Tuple[str, ...]]
    silent: FrozenSet[int]
    count: Optional[int]
    actor_gone: bool = False
    told_server: bool = True
    shutdown: bool = False

    def expected_for(self, peer):
        """The acceptable texts `peer` must receive in this step; () for nothing."""
        return self.deliveries.get(peer, ())


class SpecTexts:
    """The assignment's texts. A server's dialect (harness/leniency.ServerDialect: a known variant of the
    protocol, learned by harness/probe.py) has the same five methods and may stand in for it."""

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

    def chat_datagram(self, name, text):
        return '{}:{}'.format(name, text)


class Model:
    def __init__(self, protocol, texts=None):
        if protocol not in PROTOCOLS:
            raise ValueError('protocol must be one of {}, not {!r}'.format(PROTOCOLS, protocol))
        self.protocol = protocol
        self.texts = texts or SpecTexts(protocol)
        self.peers = {}          # type: Dict[int, PeerState]
        self.refusals = {}       # name -> how many joins were refused while the name was held
        self.history = []        # type: List[Action]
        self.why = {}            # UDP: peer -> why its address is no client (REFUSED, LEFT, NEW)
        self.stopped = False     # after a Shutdown nothing more can happen

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
            return {LEFT: 'the address {!r} left from'.format(state.name),
                    NEW: 'client #{}'.format(peer)}.get(self.why.get(peer), 'the client refused as {!r}'.format(
                        state.name))
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
        other.why = dict(self.why)
        other.stopped = self.stopped
        return other

    def signature(self):
        """The state, as far as what may happen next depends on it: peers' statuses and names (their ids
        renumbered in order), the refusals, whether the server was stopped. Two scenarios that reach the
        same signature have the same futures (harness/explore.py deduplicates by it)."""
        peers = tuple((state.status, state.name, self.why.get(peer)) for peer, state in sorted(self.peers.items()))
        return self.protocol, peers, tuple(sorted(self.refusals.items())), self.stopped

    def describe(self, action):
        """The action as a step of a replay, in the current state (call before apply)."""
        return action.describe(self)

    # -- validity --------------------------------------------------------------------------------------

    def check(self, action):
        """Raise InvalidAction unless `action` is possible now."""
        if not isinstance(action, ACTION_TYPES):
            raise InvalidAction('not an action: {!r}'.format(action))
        if self.stopped:
            raise InvalidAction('the server was stopped: nothing comes after a shutdown')
        if isinstance(action, Pause):
            return
        if isinstance(action, Shutdown):
            if action.how not in SHUTDOWN_WAYS[self.protocol]:
                raise InvalidAction('a {} server is not stopped by {}'.format(self.protocol.upper(), action.how))
            return
        if not isinstance(action.peer, int) or action.peer < 0:
            raise InvalidAction('a peer is a non-negative int: {!r}'.format(action))
        status = self.status(action.peer)
        if isinstance(action, Stranger):
            if self.protocol != 'udp':
                raise InvalidAction('a datagram from a stranger is UDP only')
            _check_name(action.claimed)
            _check_stranger_text(action.text)
            if status not in (None, UNJOINED):
                raise InvalidAction('{} is not a stranger: it is {}'.format(self.label(action.peer), status))
            return
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
            if action.claimed is not None:
                if self.protocol != 'udp':
                    raise InvalidAction('only a UDP datagram claims a name')
                _check_name(action.claimed)

    def is_valid(self, action):
        try:
            self.check(action)
        except InvalidAction:
            return False
        return True

    def valid_actions(self, names=NAMES, texts=TEXTS, max_peers=MAX_PEERS, disconnects=True, strangers=True,
                      claims=True, pauses=True, shutdowns=True):
        """Every action possible now, simplest kinds first: joins (a new peer for each name while fewer than
        `max_peers` peers were used; for UDP also each address that is no client, with each name), chats by
        every joined peer with every text (UDP, with `claims`: also claiming each other name), leaves, (with
        `disconnects`) disconnects, (UDP, with `strangers`) datagrams from addresses that are no client,
        claiming each name, chat or 'exit', then (with `pauses`) a pause and (with `shutdowns`) each way
        to stop the server."""
        if self.stopped:
            return []
        actions = []
        fresh = self.next_peer if len(self.peers) < max_peers else None
        if fresh is not None:
            actions.extend(Join(fresh, name) for name in names)
        for peer in self.live():
            if self.status(peer) == UNJOINED:
                actions.extend(Join(peer, name) for name in names)
        joined = self.joined()
        actions.extend(Chat(peer, text) for peer in joined for text in texts)
        if claims and self.protocol == 'udp':
            actions.extend(Chat(peer, text, claimed=name) for peer in joined for name in names
                           if name != self.name_of(peer) for text in texts[:1])
        actions.extend(Leave(peer) for peer in joined)
        if disconnects:
            actions.extend(Disconnect(peer) for peer in joined)
        if strangers and self.protocol == 'udp':
            outside = [p for p in self.live() if self.status(p) == UNJOINED] + ([fresh] if fresh is not None else [])
            for peer in outside:
                actions.extend(Stranger(peer, name, text) for name in names for text in texts[:1] + LEAVE_WORDS)
        if pauses:
            actions.append(Pause())
        if shutdowns:
            actions.extend(Shutdown(how) for how in SHUTDOWN_WAYS[self.protocol])
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
        if isinstance(action, Stranger):
            return self._stranger(action)
        if isinstance(action, Pause):
            return Outcome(action, None, {}, frozenset(self.live()), self.count, told_server=False)
        if isinstance(action, Shutdown):
            return self._shutdown(action)
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
            self.why[peer] = REFUSED
            return Outcome(action, refusal, {}, frozenset(self.live()), self.count)
        others = self._others(peer, (JOINED,))
        self.peers[peer] = PeerState(JOINED, name)
        self.why.pop(peer, None)
        deliveries = {p: (self.texts.joined_text(name),) for p in others}
        silent = frozenset(p for p in self.live() if p not in deliveries)
        return Outcome(action, WELCOME, deliveries, silent, self.count)

    def _chat(self, action):
        name = self.name_of(action.peer)
        texts = tuple(self.texts.chat_texts(name, action.text))
        if action.claimed is not None and action.claimed != name:
            # relayed as received, the datagram carries the name it claims (leniency.claimed_name_relayed)
            texts += (self.texts.chat_datagram(action.claimed, action.text),)
        deliveries = {p: texts for p in self._others(action.peer, (JOINED,))}
        silent = frozenset(p for p in self.live() if p not in deliveries)
        return Outcome(action, None, deliveries, silent, self.count)

    def _leave(self, action, announced):
        name = self.name_of(action.peer)
        stays = self.protocol == 'udp' and isinstance(action, Leave)     # the address is still ours
        self.peers[action.peer] = PeerState(UNJOINED if stays else GONE, name)
        if stays:
            self.why[action.peer] = LEFT
        deliveries = {p: (self.texts.left_text(name),) for p in self._others(action.peer, (JOINED,))}
        silent = frozenset(p for p in self.live() if p not in deliveries)
        return Outcome(action, None, deliveries, silent, self.count, actor_gone=not stays)

    def _stranger(self, action):
        if action.peer not in self.peers:
            self.peers[action.peer] = PeerState(UNJOINED, None)
            self.why[action.peer] = NEW
        return Outcome(action, None, {}, frozenset(self.live()), self.count)

    def _shutdown(self, action):
        deliveries = {p: (SHUTDOWN_TEXT,) for p in self.joined()}
        silent = frozenset(p for p in self.live() if p not in deliveries)
        self.stopped = True
        return Outcome(action, None, deliveries, silent, None, shutdown=True)

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
    if len(text.encode('utf-8')) > MAX_TEXT_BYTES:
        raise InvalidAction('a chat text has at most {} bytes: {} given'.format(MAX_TEXT_BYTES, len(text.encode())))


def _check_stranger_text(text):
    """A stranger may send chat or 'exit' (but not 'join': that is a Join)."""
    if text in LEAVE_WORDS:
        return
    _check_text(text)


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
