"""Learn how a submission speaks before the checks judge it: the dialect (harness/leniency.py) of its
servers and clients. The assignment's protocol is tried first, and is all that a conforming submission
ever meets: only where it fails does the probe try the known variants and learn the texts actually sent,
so that the checks that are not about those texts can be judged with the harness speaking them
(judgement-calls.md, "One fault, its own checks"). The probe judges nothing itself.

    dialect = probe_server(agent, 'tcp')     # an agent that has imported the submission
    dialect = probe_client(agent, 'udp')
"""

import contextlib
import re
import time

from . import fakes, leniency, peers
from .leniency import ClientDialect, ServerDialect, learn_template, variant_line
from .runner import AgentError, run_server

WITHIN = 2.0          # how long a message the assignment's protocol calls for may take
GATHER = 0.05         # after the first bytes of a message that is not the expected one, how long to
                      # collect the rest of it before learning from it (only variants ever wait for this)

NAMES = ('alice', 'bob')
TEXT = 'hello probe'


class _Learned(Exception):
    """The probe cannot go on (nobody could join); carries the dialect learned so far."""

    def __init__(self, dialect):
        super().__init__('probe ended early')
        self.dialect = dialect


_STARTS = re.compile(r'User |Welcome|Name already taken|server-shutdown')


def _next_tcp(peer, expected, within=WITHIN, name=None):
    """('spec', text) once `expected` arrived as a whole message (after anything else: what arrives
    before it is other checks' business); ('other', text) as soon as what arrived cannot become it
    (text: of all that arrived, gathered for a moment, the last message that holds `name`); (None, '')
    if nothing came."""
    watch = peer._watch()
    deadline = peers.Deadline(within, watch)
    while True:
        found = peer._find(expected, True)
        if found:
            peer.cursor = found[1]
            return 'spec', expected
        pending = peer.transcript[peer.cursor:]
        if pending and not any(expected.startswith(pending[at:]) for at in range(len(pending))):
            peer.read_for(GATHER)              # what arrived may be a stray message before the expected one
            found = peer._find(expected, True)
            if found:
                peer.cursor = found[1]
                return 'spec', expected
            return 'other', _last_message(peer, name)
        if deadline.passed() or not peer._pump(peer._slice(deadline, watch)) or (
                peer._done(watch) and peer._drain() and not peer._find(expected, True)):
            if peer._find(expected, True):
                continue
            return ('other', _last_message(peer, name)) if peer.transcript[peer.cursor:] else (None, '')


def _last_message(peer, name):
    """Consume what the peer received; return the last message in it that holds `name` (messages split at
    recv() boundaries and where an unmistakable message starts), or all of it."""
    start, end = peer.cursor, len(peer.transcript)
    cuts = {start, end} | {b for b in peer.boundaries if start < b < end}
    cuts |= {m.start() for m in _STARTS.finditer(peer.transcript, start, end)}
    cuts = sorted(cuts)
    pieces = [peer.transcript[a:b] for a, b in zip(cuts, cuts[1:])]
    peer.cursor = end
    holding = [piece for piece in pieces if name and name in piece]
    return holding[-1] if holding else peer.transcript[start:end]


def _next_udp(peer, expected, within=WITHIN, name=None):
    """The same for datagrams: ('spec', text) once one of `expected` arrived (after anything else);
    ('other', the last datagram that holds `name`, else the first) once something else arrived and
    nothing more came for a moment; (None, '') if nothing came."""
    watch = peer._watch()
    deadline = peers.Deadline(within, watch)
    while True:
        pending = peer.datagrams[peer.cursor:]
        for index, got in enumerate(pending):
            if got in expected:
                peer.cursor += index + 1
                return 'spec', got
        if pending:
            more = len(peer.datagrams)
            peer.read_for(GATHER)
            if len(peer.datagrams) == more:
                peer.cursor = len(peer.datagrams)
                holding = [d for d in pending if name and name in d]
                return 'other', holding[-1] if holding else pending[0]
            continue
        if deadline.passed():
            return None, ''
        peer._pump(peer._slice(deadline, watch))
        if peer._done(watch) and peer._drain() and len(peer.datagrams) == peer.cursor:
            return None, ''


class _ServerProbe:
    def __init__(self, agent, protocol):
        self.agent = agent
        self.protocol = protocol
        self.fields = {}
        self.variants = []
        self.peers = []

    def dialect(self):
        return ServerDialect(self.protocol, variants=tuple(self.variants), **self.fields)

    def vary(self, field, value, line):
        self.fields[field] = value
        self.variants.append(line)

    def count(self):
        with contextlib.suppress(AgentError):
            return self.agent.call('server', 'get_clients_number', timeout=1.0).get('value')
        return None

    def close(self):
        for peer in self.peers:
            peer.close()

    # -- the conversation -------------------------------------------------------------------------

    def run(self):
        port, _, _ = run_server(self.agent, 'ServerTCP' if self.protocol == 'tcp' else 'ServerUDP')
        self.port = port
        try:
            alice = self.join(NAMES[0], first=True)
            bob = self.join(NAMES[1])
            self.learn_announcement(alice, 'joined', NAMES[1], leniency.SPEC_JOINED)
            self.learn_chat(bob, alice)
            self.learn_refusal()
            self.learn_leave(bob, alice)
        except _Learned as learned:
            return learned.dialect
        return self.dialect()

    def quiet_watch(self):
        return peers.server_watch(self.agent, self.protocol, self.port, self.peers)

    def connect(self, name, join_wire=None):
        if self.protocol == 'tcp':
            peer = peers.TcpPeer(self.port, label=name)
            peer.quiet_watch = self.quiet_watch
            peer.send(name)
        else:
            peer = peers.UdpPeer(self.port, name)
            peer.quiet_watch = self.quiet_watch
            peer.send_raw(leniency.render(join_wire or self.fields.get('udp_join', leniency.SPEC_UDP_JOIN), name))
        self.peers.append(peer)
        return peer

    def join(self, name, first=False):
        peer = self.connect(name)
        if self.protocol == 'tcp':
            with contextlib.suppress(peers.PeerError):
                greeting = leniency.expect_welcome_tcp(peer, WITHIN,
                                                       any_case=self.fields.get('welcome_any_case', False))
                if first and greeting.strip() != 'Welcome':
                    self.learn_greeting(greeting.strip(), name)
                return peer
            seen = peer.transcript[peer.cursor:]
            peer.cursor = len(peer.transcript)
        else:
            kind, seen = _next_udp(peer, ('Welcome',))
            if kind == 'spec':
                return peer
        if seen and 'welcome' in seen.lower():
            if first:
                self.vary('welcome_any_case', True, variant_line('it greets with', 'Welcome', seen))
                self.learn_greeting(seen.strip(), name)
            return peer
        if first and self.protocol == 'udp':
            return self.join_with_variant(name)
        raise _Learned(self.dialect() if not first else
                       ServerDialect(self.protocol, can_join=False, variants=tuple(self.variants)))

    def learn_greeting(self, greeting, name):
        """What the server greets with, where it is not exactly 'Welcome': its own client probably accepts
        only that (probe_client tries it)."""
        self.fields['greeting'] = learn_template(greeting, name=name) or greeting

    def join_with_variant(self, name):
        """UDP: the join '{name}:join' was not welcomed. Try each known variant from a socket of its own,
        all at once (one deadline), each under a name of its own."""
        attempts = []
        for index, template in enumerate(leniency.UDP_JOIN_VARIANTS):
            candidate = '{}{}'.format(name, index)
            attempts.append((template, candidate, self.connect(candidate, join_wire=template)))
        watch = self.quiet_watch()
        deadline = peers.Deadline(WITHIN, watch)
        while not deadline.passed():
            for template, candidate, peer in attempts:
                peer._pump(0)
                if any('welcome' in d.lower() for d in peer.datagrams):
                    self.vary('udp_join', template, variant_line('it welcomes joins sent as',
                                                                 leniency.SPEC_UDP_JOIN, template))
                    if not any(d == 'Welcome' for d in peer.datagrams):
                        self.fields['welcome_any_case'] = True
                    peer.cursor = len(peer.datagrams)
                    self.fields['udp_wire'] = leniency.UDP_WIRE_FAMILY.get(template, leniency.SPEC_UDP_WIRE)
                    peer.name = peer.label = candidate
                    self.names = {NAMES[0]: candidate}
                    return peer
            if watch.quiet() and not any(peer._drain() and peer.datagrams for _, _, peer in attempts):
                break                 # the server is done with them all (or gone): nobody will answer
            time.sleep(0.005)     # several sockets, one deadline: poll them in turn
        raise _Learned(ServerDialect(self.protocol, can_join=False, variants=tuple(self.variants)))

    def name(self, name):
        return getattr(self, 'names', {}).get(name, name)

    def next_message(self, peer, expected, name=None):
        if self.protocol == 'tcp':
            return _next_tcp(peer, expected[0], name=name)
        return _next_udp(peer, expected, name=name)

    def learn_announcement(self, peer, field, name, spec):
        kind, seen = self.next_message(peer, (leniency.render(spec, name),), name)
        if kind == 'spec':
            return
        template = learn_template(seen.strip() and seen, name=name)
        what = {'joined': 'it announces a join as', 'left': 'it announces a leave as'}[field]
        if template is None:
            self.fields[field] = None
            self.variants.append('{}: {}'.format(what.replace(' as', ''), 'nothing recognisable' if not seen
                                                 else 'not recognised in {}'.format(peers.show(seen))))
            return
        self.vary(field, template, variant_line(what, leniency.render(spec, name), seen))

    def say(self, peer, text, wire=None):
        if self.protocol == 'tcp':
            peer.send(text)
        else:
            peer.send_raw(leniency.render(wire or self.fields.get('udp_wire', leniency.SPEC_UDP_WIRE),
                                          peer.name, text))

    def learn_chat(self, speaker, listener):
        name = speaker.name if self.protocol == 'udp' else speaker.label
        spec_relay = leniency.render(leniency.SPEC_CHAT, name, TEXT)
        if self.protocol == 'tcp':
            speaker.send(TEXT)
            kind, seen = _next_tcp(listener, spec_relay, name=TEXT)
            if kind != 'spec':
                self.learn_relay(seen, name, spec_relay)
            return
        chosen = self.fields.get('udp_wire', leniency.SPEC_UDP_WIRE)
        for wire in [chosen] + [w for w in (leniency.SPEC_UDP_WIRE, '{name}: {text}', '{text}:{name}')
                                if w != chosen]:
            speaker.send_raw(leniency.render(wire, name, TEXT))
            kind, seen = _next_udp(listener, (spec_relay, leniency.render(wire, name, TEXT)), name=TEXT)
            if kind is None or TEXT not in seen:
                continue                      # not taken for chat: the next form
            self.fields['udp_wire'] = wire
            if wire != leniency.SPEC_UDP_WIRE:
                self.variants.append(variant_line('it takes chat sent as', leniency.SPEC_UDP_WIRE, wire))
            if kind != 'spec':
                self.learn_relay(seen, name, spec_relay)
            return
        self.fields['chat'] = None
        self.variants.append('it relays chat: not recognisably')

    def learn_relay(self, seen, name, spec_relay):
        template = learn_template(seen, name=name, text=TEXT) if seen else None
        if template is None:
            self.fields['chat'] = None
            self.variants.append('it relays chat: {}'.format(
                'not recognisably ({})'.format(peers.show(seen)) if seen else 'not at all'))
        else:
            self.vary('chat', template, variant_line('it relays chat as', spec_relay, seen))

    def learn_refusal(self):
        name = self.name(NAMES[0])
        impostor = self.connect(name)
        kind, seen = self.next_message(impostor, (leniency.SPEC_TAKEN,), name)
        if kind == 'spec':
            return
        if seen and 'welcome' not in seen.lower():
            template = learn_template(seen, name=name) if name in seen else seen
            self.vary('taken', template, variant_line('it refuses a taken name with', leniency.SPEC_TAKEN, seen))
        else:
            self.fields['taken'] = None
            self.variants.append('it refuses a taken name: {}'.format(
                'not recognisably ({})'.format(peers.show(seen)) if seen else 'with no reply'))

    def learn_leave(self, leaver, listener):
        """'exit' from `leaver`: the announcement `listener` gets, and whether the client was removed. A
        text other than 'User x left' is taken for the server's leave announcement only if the count
        dropped and it is not merely 'exit' relayed as chat."""
        name = leaver.name if self.protocol == 'udp' else leaver.label
        before = self.count()
        self.say(leaver, 'exit')
        spec = leniency.render(leniency.SPEC_LEFT, name)
        kind, seen = self.next_message(listener, (spec,), name)
        if kind == 'spec':
            return
        after = peers.poll(self.count, lambda value: before is None or value != before, WITHIN, 0.02,
                           watch=self.quiet_watch())
        removed = before is None or after != before
        chat = self.fields.get('chat', leniency.SPEC_CHAT)
        as_chat = {leniency.render(t, name, 'exit') for t in (chat, leniency.SPEC_CHAT, leniency.SPEC_UDP_WIRE) if t}
        template = learn_template(seen, name=name) if seen and seen not in as_chat else None
        if removed and template is not None:
            self.vary('left', template, variant_line('it announces a leave as', spec, seen))
            return
        self.fields['left'] = None
        self.fields['leave_works'] = removed
        self.variants.append('it announces a leave: {}'.format(
            'not recognisably ({})'.format(peers.show(seen)) if seen else 'not at all'))



def probe_server(agent, protocol):
    """The ServerDialect of the submission's ServerTCP/ServerUDP, learned in `agent` (which it uses up)."""
    probe = _ServerProbe(agent, protocol)
    try:
        with leniency.unnoted():
            return probe.run()
    except (AgentError, OSError) as error:
        return ServerDialect(protocol, can_join=False, startup_error=str(error) or type(error).__name__)
    finally:
        probe.close()


# -- clients -----------------------------------------------------------------------------------------------

CLIENT_NAME = 'alice'
CLIENT_TEXT = 'hello there'


def probe_client(agent, protocol, greetings=None):
    """The ClientDialect of the submission's ClientTCP/ClientUDP, learned in `agent` (which it uses up):
    what connect_server() sends, which greeting it takes for a welcome ('Welcome'; else the first of
    `greetings()`, then leniency.GREETING_VARIANTS, that it accepts), and what send(text) sends."""
    spec = ClientDialect.spec(protocol)
    servers = []
    cls = 'ClientTCP' if protocol == 'tcp' else 'ClientUDP'
    fields, variants = {}, []

    def new_server():
        server = fakes.fake_server(protocol)
        server.quiet_watch = lambda: agent.quiet_watch(unread=server.client_unread)
        servers.append(server)
        return server
    try:
        with leniency.unnoted():
            return _probe_client(agent, protocol, spec, new_server, cls, fields, variants, greetings)
    except (AgentError, OSError, fakes.FakeServerError):
        return ClientDialect(protocol, connects=False, join=spec.join, wire=spec.wire,
                             variants=('the client could not be constructed',))
    finally:
        for server in servers:
            server.close()


def _connects(agent, server, cls, join, greeting):
    """Whether a new client object in `agent`, joining `server` (with the bytes `join`, as seen before),
    takes `greeting` for a welcome: connect_server() returns True."""
    agent.construct('client', cls, CLIENT_NAME, server.port)
    connecting = agent.send('call', obj='client', method='connect_server', args=[])
    if _client_bytes(server, join) is None:
        return False
    server.send(leniency.render(greeting, CLIENT_NAME))
    try:
        return agent.wait_returned(connecting, unread=server.client_unread).get('value') is True
    except AgentError:
        return False


def _probe_client(agent, protocol, spec, new_server, cls, fields, variants, greetings):
    server = new_server()
    agent.construct('client', cls, CLIENT_NAME, server.port)
    connecting = agent.send('call', obj='client', method='connect_server', args=[])
    seen = _client_bytes(server, spec.join_bytes(CLIENT_NAME))
    if seen is None:
        return ClientDialect(protocol, connects=False, join=spec.join, wire=spec.wire,
                             variants=('it sends no join',))
    if seen != spec.join_bytes(CLIENT_NAME):
        template = learn_template(seen, name=CLIENT_NAME) if CLIENT_NAME in seen else seen
        fields['join'] = template
        variants.append(variant_line('it joins with', spec.join_bytes(CLIENT_NAME), seen))
    server.send('Welcome')
    try:
        # Until it returns or is done with the greeting, not a window: a client judged on a busy machine
        # got 2 s once, missed it, and lost every check of its class (the loaded determinism run).
        connected = agent.wait_returned(connecting, unread=server.client_unread).get('value') is True
    except AgentError:
        connected = False
    if not connected:
        candidates = list(dict.fromkeys(list(greetings() if greetings else []) + list(leniency.GREETING_VARIANTS)))
        for greeting in [g for g in candidates if g != 'Welcome']:
            server = new_server()
            connected = _connects(agent, server, cls, seen, greeting)
            if connected:
                fields['greeting'] = greeting
                variants.append(variant_line('it joins only when greeted with', 'Welcome',
                                             leniency.render(greeting, CLIENT_NAME)))
                break
    if not connected:
        return ClientDialect(protocol, connects=False, variants=tuple(variants) + (
            "connect_server() does not return True on 'Welcome'",), **{'wire': spec.wire, 'join': spec.join,
                                                                      **fields})
    sending = agent.send('call', obj='client', method='send', args=[CLIENT_TEXT])
    seen = _client_bytes(server, spec.wire_bytes(CLIENT_NAME, CLIENT_TEXT))
    with contextlib.suppress(AgentError):
        agent.wait(sending, WITHIN)
    if seen is not None and seen != spec.wire_bytes(CLIENT_NAME, CLIENT_TEXT):
        template = learn_template(seen, name=CLIENT_NAME if CLIENT_NAME in seen else None, text=CLIENT_TEXT)
        if template is not None:
            fields['wire'] = template
            variants.append(variant_line('send() sends', spec.wire_bytes(CLIENT_NAME, CLIENT_TEXT), seen))
    return ClientDialect(protocol, variants=tuple(variants), **{'join': spec.join, 'wire': spec.wire, **fields})


def _client_bytes(server, expected):
    """The next message the client sends, as text: the expected one as soon as it is complete, else what
    arrived, gathered for a moment; None if nothing came."""
    try:
        server.wait_for_connection(WITHIN)
    except fakes.FakeServerError:
        return None
    watch = server._watch()
    if server.protocol == 'udp':
        deadline = peers.Deadline(WITHIN)
        while server.cursor >= len(server.datagrams) and not deadline.passed():
            server._pump(server._slice(deadline, watch))
            if server.cursor >= len(server.datagrams) and server._done(watch) and server._drained():
                break
        if server.cursor >= len(server.datagrams):
            return None
        data, _ = server.datagrams[server.cursor]
        server.cursor += 1
        return data.decode('utf-8', 'replace')
    want = expected.encode('utf-8')
    deadline = peers.Deadline(WITHIN)
    while not deadline.passed():
        got = server.pending()
        if got == want:
            break
        if got and not want.startswith(got):
            server._pump(GATHER)
            break
        if not server._pump(server._slice(deadline, watch)):
            break
        if server._done(watch) and server._drain() and server.pending() == got:
            break
    got = server.pending()
    server.cursor = len(server.received)
    return got.decode('utf-8', 'replace') if got else None
