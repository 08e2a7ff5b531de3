"""Which scenarios the differential checks play (harness/checks/test_differential.py): first on purpose,
then by chance. Deterministic for a protocol, a depth and a seed, so that a student sees the same verdict
twice.

1. Bounded exhaustive: every transition of the model (harness/model.py) that a scenario of at most `depth`
   steps over a small alphabet can take (colliding names, a command inside a text, leaving and joining
   again; over UDP also datagrams from addresses that are no client, and an address that left joining
   again), found breadth first and deduplicated by the model's state (`signature`, which forgets who
   left TCP for good: such a connection can do nothing more). The transitions are then packed into as few
   walks as possible: each walk goes, by the shortest way the search found, to a state with a transition
   not yet taken, takes it, and goes on from there.
2. A shutdown, by each way the text gives the server (run_event, Ctrl-C), from a state with clients and
   someone who left or was refused, at the end of a walk of its own; and one pause (nobody says anything
   for a while) in the middle of a walk.
3. `budget` random walks over the whole pools (up to six clients, long and non-ASCII texts, names that
   collide, strangers claiming names, pauses), from random.Random(seed); the first begins with a tour of
   every text of the pools in a room of four, the same line said twice in a row among them.

A walk is a list of model actions. `plan` shares the walks that do not stop the server, in order, among
SERVERS scenarios and chains each share (everyone leaves between two walks), so that one server plays
it; each shutdown walk gets a server of its own. harness/scenarios.py plays a scenario against a live server.
"""

import random
from collections import deque

from harness import model as m

# The alphabet of the exhaustive search: names equal, one a prefix of another, one differing in case only;
# a text that holds a command word; a UDP stranger says 'exit' claiming a client's name.
ALPHABET_NAMES = ('alice', 'al', 'Alice')
ALPHABET_TEXTS = ('exit now',)
MAX_PEERS_SEARCHED = 3
WALK_STEPS = 24            # a walk stops taking new transitions after this many steps
RANDOM_STEPS = 14          # the most steps of a random walk
SHUTDOWN_SHAPES = 1        # shutdowns per way of stopping, from states of different shapes (most telling first)
# The walks are shared among this many servers, played side by side: a server that polls slowly makes every
# step wait for its loops, and such waits overlap (harness/checks/test_differential.py).
SERVERS = 3


def signature(model):
    """The model's state, as far as what may happen next depends on it. Forgotten: peers that are gone
    for good (a refused or departed TCP connection can do nothing more) and UDP addresses that never
    joined (one is as good as a new one)."""
    peers = tuple(sorted((state.status, state.name or '', model.why.get(peer) or '')
                         for peer, state in model.peers.items()
                         if state.status != m.GONE and model.why.get(peer) != m.NEW))
    return peers, tuple(sorted(model.refusals)), model.stopped


# -- actions, independent of which peer number plays them ------------------------------------------------

def _key(model, peer):
    if peer is None or peer not in model.peers:
        return None if peer is None else 'new'
    state = model.peers[peer]
    return state.status, state.name or '', model.why.get(peer) or ''


def abstract(model, action):
    """`action` in terms of the state, not of peer numbers: (kind, whose, arguments)."""
    fields = tuple(value for name, value in sorted(vars(action).items()) if name != 'peer')
    return type(action).__name__, _key(model, getattr(action, 'peer', None)), fields


def concrete(model, abstracted):
    """The action of `abstracted` (from `abstract`) that the current `model` can play, or None."""
    kind, whose, fields = abstracted
    cls = next(c for c in m.ACTION_TYPES if c.__name__ == kind)
    names = sorted(name for name in vars(cls).get('__dataclass_fields__', {}) if name != 'peer')
    arguments = dict(zip(names, fields))
    if kind in ('Pause', 'Shutdown'):
        return cls(**arguments)
    if whose == 'new':
        peer = model.next_peer
    else:
        peer = next((p for p in sorted(model.peers) if _key(model, p) == whose), None)
        if peer is None:
            return None
    action = cls(peer=peer, **arguments)
    return action if model.is_valid(action) else None


# -- 1. the exhaustive search, packed into walks -------------------------------------------------------------

def _alphabet(model):
    actions = model.valid_actions(names=ALPHABET_NAMES, texts=ALPHABET_TEXTS, max_peers=MAX_PEERS_SEARCHED,
                                  disconnects=False, claims=False, pauses=False, shutdowns=False)
    return [a for a in actions if not isinstance(a, m.Stranger) or a.text in m.LEAVE_WORDS]


def search(protocol, depth, beyond=0):
    """(graph, first): graph maps each state's signature to [(abstract action, the next signature)] in the
    order found, for the states of at most `depth + beyond` steps; first maps each signature to (the model
    of the first scenario that reached it, its depth, the way there as abstract actions)."""
    root = m.Model(protocol)
    first = {signature(root): (root, 0, [])}
    graph = {}
    queue = deque([root])
    while queue:
        state = queue.popleft()
        here = signature(state)
        _, level, way = first[here]
        edges = graph.setdefault(here, [])
        if level >= depth + beyond:
            continue
        for action in _alphabet(state):
            child = state.copy()
            child.apply(action)
            there = signature(child)
            step = abstract(state, action)
            edges.append((step, there))
            if there not in first:
                first[there] = (child, level + 1, way + [step])
                queue.append(child)
    return graph, first


def _work(graph, first, depth):
    """The transitions to take: those out of the states of fewer than `depth` steps."""
    return {(here, step) for here, edges in graph.items() if first[here][1] < depth for step, _ in edges}


def _way_to_work(graph, start, todo):
    """The shortest list of (state, abstract action) from `start` through the graph that ends with a
    transition in `todo`; None when none can be reached."""
    seen = {start}
    queue = deque([(start, [])])
    while queue:
        here, way = queue.popleft()
        for step, there in graph.get(here, ()):
            if (here, step) in todo:
                return way + [(here, step)]
        for step, there in graph.get(here, ()):
            if there not in seen:
                seen.add(there)
                queue.append((there, way + [(here, step)]))
    return None


def _next_step(graph, here, todo):
    """Of the transitions to take out of `here`, the one after which most remain to take at once."""
    options = [(step, there) for step, there in graph.get(here, ()) if (here, step) in todo]
    if not options:
        return None
    return max(options, key=lambda option: sum(1 for step, _ in graph.get(option[1], ())
                                               if (option[1], step) in todo))


def varied(protocol, walk, turn=0):
    """The walk with its chat texts taken in turn from model.TEXTS, and its strangers' datagrams in turn
    chat and 'exit' (what a text says does not change the model's state, so the transitions taken stay
    the same, and every text of the pools is played)."""
    texts = [text for text in m.TEXTS if text not in ALPHABET_TEXTS] + list(ALPHABET_TEXTS)
    model, out = m.Model(protocol), []
    for action in walk:
        if isinstance(action, m.Chat) and len(model.joined()) >= 2:      # a text nobody hears shows nothing
            action = m.Chat(action.peer, texts[turn % len(texts)], action.claimed)
            turn += 1
        elif isinstance(action, m.Stranger):
            action = m.Stranger(action.peer, action.claimed, texts[turn % len(texts)] if turn % 2 else 'exit')
            turn += 1
        model.apply(action)
        out.append(action)
    return out


def exhaustive_walks(protocol, depth):
    """Walks that together take every transition out of the states the search reaches in fewer than
    `depth` steps (walks may pass through deeper states on their way), with their texts varied."""
    graph, first = search(protocol, depth, beyond=2)
    todo = _work(graph, first, depth)
    walks = []
    while todo:
        model, walk = m.Model(protocol), []
        while len(walk) < WALK_STEPS:
            here = signature(model)
            chosen = _next_step(graph, here, todo)
            way = [(here, chosen[0])] if chosen else _way_to_work(graph, here, todo)
            if way is None:
                break
            for state, step in way:
                action = concrete(model, step)
                assert action is not None and signature(model) == state, (step, state)
                todo.discard((state, step))
                model.apply(action)
                walk.append(action)
        if not walk:
            break                   # nothing left that a walk from the start can reach (safety)
        walks.append(walk)
    rotated, turn = [], 0
    for walk in walks:                       # texts keep turning from one walk to the next
        rotated.append(varied(protocol, walk, turn))
        turn += sum(isinstance(a, (m.Chat, m.Stranger)) for a in walk)
    return rotated


# -- 2. shutdowns and a pause ----------------------------------------------------------------------------------

def _shape(model):
    joined = len(model.joined())
    others = tuple(sorted(set(model.why.values())))
    return min(joined, 2), others


def shutdown_walks(protocol, depth):
    """For each way of stopping the server, walks that end with it, from states of SHUTDOWN_SHAPES
    shapes (how many clients, whether an address left or was refused), the first found of each."""
    _, first = search(protocol, max(depth, 2))
    shapes = {}
    for model, _, way in sorted(first.values(), key=lambda entry: entry[1]):
        shapes.setdefault(_shape(model), way)
    chosen = sorted(shapes.items(), key=lambda item: (-item[0][0], item[0][1]))[:SHUTDOWN_SHAPES]
    walks = []
    for how in m.SHUTDOWN_WAYS[protocol]:
        for _, way in chosen:
            model, walk = m.Model(protocol), []
            for step in way:
                action = concrete(model, step)
                model.apply(action)
                walk.append(action)
            walk.append(m.Shutdown(how))
            walks.append(walk)
    return walks


def with_pause(walk):
    """The walk with a pause after its first join (a client that stays silent a while, then is spoken to)."""
    for index, action in enumerate(walk):
        if isinstance(action, m.Join):
            return walk[:index + 1] + [m.Pause()] + walk[index + 1:]
    return walk + [m.Pause()]


# -- 3. random walks -------------------------------------------------------------------------------------------

def random_walks(protocol, seed, count, steps=RANDOM_STEPS, disconnects=False):
    """`count` walks over the whole pools, drawn from random.Random(seed): joins and leaves more often
    than other kinds, names drawn among those already used half the time (state bugs live where names
    meet again), and a pause now and then."""
    rng = random.Random('{}:{}:{}'.format(protocol, seed, disconnects))
    walks, turn = [], rng.randrange(len(m.TEXTS))
    for index in range(count):
        model, walk = m.Model(protocol), []
        used = []
        if index == 0:
            walk, used = text_tour(protocol), list(TOUR_ROOM)
            for action in walk:
                model.apply(action)
        length = rng.randint(max(4, steps // 2), steps)
        while len(walk) < length:
            options = model.valid_actions(disconnects=disconnects, shutdowns=False)
            kinds = {}
            for action in options:
                kinds.setdefault(type(action), []).append(action)
            weights = {m.Join: 5, m.Leave: 2, m.Chat: 3, m.Stranger: 1, m.Pause: 0.2, m.Disconnect: 2}
            kind = rng.choices(list(kinds), [weights.get(k, 1) for k in kinds])[0]
            choices = kinds[kind]
            if kind is m.Join and used and rng.random() < 0.5:
                again = [a for a in choices if a.name in used]
                choices = again or choices
            action = rng.choice(choices)
            if isinstance(action, m.Chat):             # the texts in turn: every one of them is played
                action = m.Chat(action.peer, m.TEXTS[turn % len(m.TEXTS)], action.claimed)
                turn += 1
            if isinstance(action, m.Join):
                used.append(action.name)
            model.apply(action)
            walk.append(action)
        walks.append(walk)
    return walks


def chained(protocol, walks):
    """One scenario that plays `walks` one after another against the same server: after each, every
    client still in the room leaves ('exit'), so that the next starts from an empty room (over UDP the
    addresses that left stay, and must hear nothing more). Each walk's steps are played by the peers that
    are in the same state as in the walk."""
    model, scenario = m.Model(protocol), []
    for walk in walks:
        own = m.Model(protocol)
        for action in walk:
            step = concrete(model, abstract(own, action))
            assert step is not None, action
            own.apply(action)
            model.apply(step)
            scenario.append(step)
        if model.stopped:
            break
        for peer in model.joined():
            leave = m.Leave(peer)
            model.apply(leave)
            scenario.append(leave)
    return scenario


TOUR_ROOM = ('joiner', 'robin', 'Exit', 'zoë')     # names that break careless parsers, in a room of four


def text_tour(protocol):
    """A room of four (TOUR_ROOM) in which every text of the pools is said once, each by the next member
    in turn, and the first of them twice more in a row by one member: every text heard by three clients
    (a long one cut, a non-ASCII one dropped, a repeated one swallowed shows)."""
    walk = [m.Join(peer, name) for peer, name in enumerate(TOUR_ROOM)]
    walk += [m.Chat(index % len(TOUR_ROOM), text) for index, text in enumerate(m.TEXTS)]
    return walk + [m.Chat(0, m.TEXTS[0]), m.Chat(0, m.TEXTS[0])]


def plan(protocol, depth, budget, seed, disconnects=False, servers=SERVERS):
    """The scenarios the differential check of `protocol` plays, one server each: the exhaustive walks
    (the first with a pause) and `budget` random ones, shared out in order among `servers` scenarios of
    about as many steps each (each chained); then each shutdown walk. With `disconnects` (the robustness
    tier's: clients that vanish without 'exit', which the text does not mention), only random walks that
    have them, at least one."""
    if disconnects:
        walks = random_walks(protocol, seed, max(1, budget), disconnects=True)
        return [chained(protocol, share) for share in shares(walks, servers)]
    walks = exhaustive_walks(protocol, depth) if depth > 0 else []
    if walks:
        walks[0] = with_pause(walks[0])
    walks += random_walks(protocol, seed, max(1, budget))
    scenarios = [chained(protocol, share) for share in shares(walks, servers)]
    if depth > 0:
        scenarios += shutdown_walks(protocol, depth)
    return [scenario for scenario in scenarios if scenario]


def shares(walks, count):
    """`walks` cut, in order, into at most `count` runs of about as many steps each (none empty): each cut
    where the steps so far come closest to an even share."""
    ends, done = [], 0
    for walk in walks:
        done += len(walk)
        ends.append(done)
    cuts = [0]
    for k in range(1, count):
        target = ends[-1] * k / count if ends else 0
        best = min(range(cuts[-1] + 1, len(walks)), key=lambda i: abs(ends[i - 1] - target), default=None)
        if best is not None:
            cuts.append(best)
    cuts.append(len(walks))
    return [walks[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


def shortest_way(protocol, actions, index):
    """A short scenario that ends with the step `index` of `actions` played from the same state: the
    search's shortest way to that state, then that step; None when the search did not reach the state."""
    model = m.Model(protocol)
    for action in actions[:index]:
        model.apply(action)
    target, step = signature(model), abstract(model, actions[index])
    for depth in range(0, 5):
        _, first = search(protocol, depth)
        if target in first:
            start, walk = m.Model(protocol), []
            for way_step in first[target][2] + [step]:
                action = concrete(start, way_step)
                if action is None:
                    return None
                start.apply(action)
                walk.append(action)
            return walk
    return None
