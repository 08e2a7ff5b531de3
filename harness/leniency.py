"""Every leniency the harness grants, in one place (the reasons: ../shared/spec/judgement-calls.md).

A check that accepts a reading the text allows but does not state calls one of these functions; each use
is noted, and the report shows the note beside the check, so a submission that passes only thanks to a
leniency is told so.
"""

import contextlib
import re
import threading
from dataclasses import dataclass
from typing import Optional, Tuple

from . import peers

_local = threading.local()      # each check's notes, in the thread that runs it (checks run side by side)


def _current():
    if not hasattr(_local, 'notes'):
        _local.notes = []
    return _local.notes


def begin_check():
    _local.notes = []


def notes():
    return list(dict.fromkeys(_current()))


def note(text):
    _current().append(text)


def current_notes():
    """The running check's list of notes, for a helper thread to `adopt`."""
    return _current()


def adopt(notes_list):
    """Make this (helper) thread note into `notes_list`, a check's list from current_notes()."""
    _local.notes = notes_list


@contextlib.contextmanager
def unnoted():
    """Notes made inside belong to nobody (the probe's, say): dropped."""
    saved = _current()
    _local.notes = []
    try:
        yield
    finally:
        _local.notes = saved


# -- the file's shape --------------------------------------------------------------------------------------

def import_side_effects(effects):
    return ('importing chatroom.py {}: accepted (nothing in the text forbids it; see robust.quiet_import, and '
            'keep such code under `if __name__ == "__main__":`)'.format(' and '.join(effects)))


def extra_parameters(shown, expected):
    return '{} has parameters beyond {}, all with defaults: accepted (note 4 allows additions)'.format(
        shown, expected)


# -- greetings ------------------------------------------------------------------------------------------
# A client is greeted with exactly 'Welcome' first (judgement-calls.md: the fake servers send exactly it), so
# a client that takes only that (reply == 'Welcome') is accepted: it joins every server the text asks for
# (a ruling in docs/spec/judgement-calls.md); one that refuses it is judged in the greeting it takes.

def greeting_accepted(greeting):
    return 'greeting {} accepted: the assignment only requires that the reply contains \'Welcome\''.format(
        peers.show(greeting))


def expect_welcome_tcp(peer, within=peers.DEFAULT_WITHIN, any_case=False):
    """The client side only requires that the reply *contains* 'Welcome'. The whole greeting is consumed
    (up to the end of its segment, or to where an unmistakable next message starts), so that what the peer
    is expected to receive next is judged on its own. Returns the greeting."""
    # Found anywhere first (waiting for an exact match would spend the whole deadline on 'Welcome!').
    watch = peer._watch()
    deadline = peers.Deadline(within, watch)
    while True:
        pending = peer.transcript[peer.cursor:]
        at = (pending.lower() if any_case else pending).find('welcome' if any_case else 'Welcome')
        if at >= 0:
            break
        over = deadline.passed() or not peer._pump(peer._slice(deadline, watch))
        idle = not over and peer._done(watch) and peer._drain()
        if over or idle:
            pending = peer.transcript[peer.cursor:]
            if (pending.lower() if any_case else pending).find('welcome' if any_case else 'Welcome') < 0:
                raise peers.PeerError(peer._missing('Welcome', within, idle))
    start = peer.cursor + at
    end = start + len('Welcome')
    segment_end = min((b for b in peer.boundaries if b > start), default=len(peer.transcript))
    rest = peer.transcript[end:segment_end]
    after = _AFTER_GREETING.search(rest)
    if after:
        rest = rest[:after.start()]
    elif rest and peer.next_message.match(rest):
        rest = ''
    greeting = peer.transcript[start:end] + rest
    peer.cursor = end + len(rest)
    if greeting.strip() != 'Welcome':
        note(greeting_accepted(greeting.strip()[:60]))
    return greeting


_AFTER_GREETING = re.compile(r'User |server-shutdown|Welcome|Name already taken')


def expect_welcome_udp(peer, within=peers.DEFAULT_WITHIN):
    """Strict, unlike TCP: the UDP client's connect_server() succeeds only 'If the response is
    'Welcome'' (section 4), so a server greeting 'Welcome!' would turn away a client that follows the
    text. Decided here, in the spirit of judgement-calls.md: lenient only where the text is."""
    try:
        peer.expect('Welcome', within)
    except peers.PeerError:
        near = [d for d in peer.datagrams[peer.cursor:] if 'Welcome' in d]
        if near:
            raise peers.PeerError('{} expected the datagram \'Welcome\' and received {}: a UDP client accepts '
                                  'only a reply that is exactly \'Welcome\''.format(peer.label, peers.show(near[0])))
        raise


# -- UDP chat relay -------------------------------------------------------------------------------------

def udp_chat_texts(name, text):
    """What a UDP server may relay for `text` from `name`: the TCP format, or the datagram as received."""
    return ('{}: {}'.format(name, text), '{}:{}'.format(name, text))


def udp_relay_as_received(got):
    return 'UDP chat relayed as received ({}) rather than in the TCP format \'name: text\': accepted'.format(
        peers.show(got))


def claimed_name_relayed(got):
    return ('a datagram from a member that claims another name relayed as received ({}): accepted (the address '
            'still decided who got it)'.format(peers.show(got)))


def taken_name_welcomed():
    return ("a second alice was welcomed (the name checks' subject): accept_client() judged on returning True for "
            'it, as for any name it takes')


def strangers_relayed_elsewhere():
    return ("a stranger's datagrams are relayed whatever name they claim: udp.strangers_ignored's subject, passed "
            'over here')


def made_to_listen():
    return ("server_socket was not listening after __init__ (structure.server_tcp_attributes' subject): the "
            'harness called listen() before calling accept_client() on its own')


def expect_udp_chat(peer, name, text, within=peers.DEFAULT_WITHIN):
    preferred, as_received = udp_chat_texts(name, text)
    got = peer.expect_any((preferred, as_received), within)
    if got == as_received:
        note(udp_relay_as_received(as_received))
    return got


def left_announced_at_shutdown():
    return "'User x left' sent during shutdown, before 'server-shutdown': accepted (shutdown may call close_client)"


def expect_udp_shutdown(peer, departures, within=peers.DEFAULT_WITHIN):
    """Wait for 'server-shutdown'. Before it, a UDP server may announce the others' departures (the texts
    `departures`): the text allows shutdown() to call close_client(), which broadcasts 'User x left'."""
    departures = tuple(departures)
    while peer.expect_any(('server-shutdown',) + departures, within) != 'server-shutdown':
        note(left_announced_at_shutdown())


# -- stopping -------------------------------------------------------------------------------------------

RUN_STOP_WITHIN = 2.0
RUN_STOP_PARTIAL_CREDIT = 0.5


def run_returned_after_extra_connection():
    note('run() returned only after one more connection arrived: accept() blocks without a timeout; '
         'partial credit (the assignment\'s note 8: use select with a timeout)')
    return RUN_STOP_PARTIAL_CREDIT


def closed_without_end_of_stream(who=''):
    return ('{}saw no end of the connection: a server thread still blocked in recv() on a socket keeps the '
            'connection open after close() (Linux); accepted, since the socket was closed or \'server-shutdown\' '
            'was delivered and run() returned (shutdown(socket.SHUT_RDWR) before close() wakes that recv)'.format(
                who + ' ' if who else 'the client '))


def port_held_after_close():
    return ('server_socket was closed, but the port still took connections for a moment: a thread blocked '
            'in accept() or recvfrom() keeps it until that call returns (accepted: the text asks for the close)')


def client_ended_by(how, when='at the end of input'):
    """A client's run() that raised EOFError or called sys.exit() has ended: counted, and noted. Returns
    True when `how` (an exception's name) counts as ended."""
    if how in ('EOFError', 'SystemExit'):
        note('run() ended by raising {} {}: counted as ended'.format(how, when))
        return True
    return False


def event_cleared_before_judging(name):
    return ('{} was already set before the step this check judges (__init__ should leave it cleared: see the '
            'attributes check); the harness cleared it, so that this check judges what the method sets'.format(name))


def client_interrupt_propagated():
    note("run() let KeyboardInterrupt out after Ctrl-C (having sent 'exit'): counted as ended")


# -- messages list ----------------------------------------------------------------------------------------

def messages_not_empty(shown):
    return ('messages holds {} before any client joined: accepted (the text says what messages is for, not '
            'that it starts empty)'.format(shown))


def messages_text_matches(stored, name, text):
    """`messages` may hold the chat text raw or formatted."""
    accepted = (text,) + udp_chat_texts(name, text)
    if stored in accepted[1:]:
        return True
    if stored == text:
        note('messages holds the raw chat text {} (not formatted): accepted'.format(peers.show(text)))
        return True
    return False


# -- differential scenarios -----------------------------------------------------------------------------

def late_leave_reached_newcomer(text):
    """A leave nobody else heard: a server that frees the name first and announces after (as it should,
    so the name is reusable at once) may deliver that 'User x left' to a client that joined in between.
    Concurrency, not a bug: harness/scenarios.py accepts it once per such leave."""
    return ('{} reached a client that joined after that leave, which nobody else heard: the server announced '
            'it after freeing the name (concurrency, accepted)'.format(peers.show(text)))


# -- dialects: a known variant of the protocol, spoken by the harness for the checks it does not concern ----
#
# judgement-calls.md, "One fault, its own checks": a wrong greeting or join text fails the checks about that
# text; the other checks set up with the lenient reading and judge their own subject. harness/probe.py learns
# once per run how a submission's server or client speaks (the assignment's way first; a variant only where
# that failed), and the subjects (harness/subjects.py) speak it. Each use of a variant is noted in the report.

def render(template, name='', text=''):
    """A template with {name} and {text} placeholders, filled (plain replacement: templates learned from a
    server's messages may hold other braces)."""
    return template.replace('{name}', name).replace('{text}', text)


def learn_template(observed, name=None, text=None):
    """The template behind a message seen for a known name and text: 'User bob joined.' for bob gives
    'User {name} joined.'. None when the message does not hold them (not a recognisable variant)."""
    if not observed:
        return None
    template = observed
    for placeholder, value in (('{text}', text), ('{name}', name)):
        if value is None:
            continue
        if value not in template:
            return None
        template = template.replace(value, placeholder)
    return template


def start_pattern(template):
    """A regex for where a message of `template` starts: its literal text up to the first placeholder, or
    a word and the separator that follows it when it starts with one (as '{name}: {text}')."""
    literal = re.split(r'\{name\}|\{text\}', template)
    head = literal[0]
    if head:
        return re.escape(head[:12])
    after = literal[1] if len(literal) > 1 else ''
    return r'[^\s:]+' + re.escape(after[:2]) if after else None


SPEC_UDP_JOIN = '{name}:join'
SPEC_UDP_WIRE = '{name}:{text}'
SPEC_JOINED, SPEC_LEFT = 'User {name} joined', 'User {name} left'
SPEC_CHAT = '{name}: {text}'
SPEC_TAKEN = 'Name already taken'
# What real submissions send instead of '{name}:join' (judgement-calls.md: failures for the format checks).
UDP_JOIN_VARIANTS = ('join:{name}', '{name}: join', '{name} join')
UDP_WIRE_FAMILY = {'join:{name}': '{text}:{name}', '{name}: join': '{name}: {text}', '{name} join': '{name} {text}'}


@dataclass(frozen=True)
class ServerDialect:
    """How a submission's ServerTCP or ServerUDP speaks, where the harness must adapt to it. The default is
    the assignment's protocol; `variants` says in words what differs (one line each, for the report)."""
    protocol: str
    can_join: bool = True                 # some join was welcomed; False: nothing that joins can be judged
    welcome_any_case: bool = False        # the greeting says 'welcome' in another case
    udp_join: str = SPEC_UDP_JOIN         # UDP: the datagram that joins
    udp_wire: str = SPEC_UDP_WIRE         # UDP: a chat datagram (and 'exit')
    taken: Optional[str] = SPEC_TAKEN     # the refusal (a template: it may hold the name)
    joined: Optional[str] = SPEC_JOINED   # None: no join announcement was recognised
    left: Optional[str] = SPEC_LEFT       # None: no leave announcement was recognised
    chat: Optional[str] = SPEC_CHAT       # how a chat line is relayed (UDP: also the datagram as received)
    leave_works: bool = True              # 'exit' removes the client (its announcement or the count shows it)
    variants: Tuple[str, ...] = ()
    startup_error: Optional[str] = None   # constructing the server or starting run() failed so
    greeting: str = 'Welcome'             # what it greets a new client with (a template: it may hold the name)

    @property
    def is_spec(self):
        return not self.variants

    def joined_text(self, name):
        return render(self.joined or SPEC_JOINED, name)

    def left_text(self, name):
        return render(self.left or SPEC_LEFT, name)

    def taken_text(self, name):
        return render(self.taken or SPEC_TAKEN, name)

    def chat_texts(self, name, text):
        """The acceptable relays of a chat line, preferred first."""
        texts = [render(self.chat or SPEC_CHAT, name, text)]
        if self.protocol == 'udp':
            texts += [render(SPEC_CHAT, name, text), render(self.udp_wire, name, text)]
        return tuple(dict.fromkeys(texts))

    def join_datagram(self, name):
        return render(self.udp_join, name)

    def chat_datagram(self, name, text):
        return render(self.udp_wire, name, text)

    def is_greeting(self, text):
        return 'Welcome' in text or (self.welcome_any_case and 'welcome' in text.lower())

    def message_starts(self):
        """A regex for where any message of this dialect may start (TCP: to tell where one ends)."""
        patterns = [start_pattern(t) for t in (self.joined, self.left, self.chat, self.taken) if t]
        patterns = [p for p in patterns if p]
        if self.welcome_any_case:
            patterns.append('[Ww]elcome')
        if not patterns:
            return None
        return re.compile('(' + '|'.join(patterns) + r"|User |server-shutdown|Welcome|Name already taken|"
                                                     r"[^\s:]+: |[^\s:]+:)")

    def note_use(self):
        """Note, for the check that runs now, that the harness spoke this variant."""
        for variant in self.variants:
            note(variant_spoken('server', variant))


# Greetings that real clients accept instead of 'Welcome' (compared with ==, not searched for): a fake
# server speaks the one a client accepts to judge its other methods (judgement-calls.md, "One fault, its
# own checks"); client_x.connect fails on it. Tried after the client's own server's greeting.
GREETING_VARIANTS = ('Welcome!', 'Welcome {name}', 'Welcome {name}!', 'Welcome, {name}!', 'Welcome {name}.',
                     'Welcome to the chatroom!', 'Welcome to the chat!', 'welcome', 'WELCOME', 'Welcome.')


@dataclass(frozen=True)
class ClientDialect:
    """What a submission's ClientTCP or ClientUDP sends, and the greeting it accepts, where the harness
    must adapt to it."""
    protocol: str
    connects: bool = True                 # connect_server() returned True after `greeting`
    join: str = '{name}'                  # the bytes that join (a template): TCP the name, UDP '{name}:join'
    wire: str = '{text}'                  # what send(text) puts on the wire: TCP the text, UDP '{name}:{text}'
    greeting: str = 'Welcome'             # the greeting (a template) connect_server() takes for a welcome
    variants: Tuple[str, ...] = ()

    @classmethod
    def spec(cls, protocol):
        if protocol == 'udp':
            return cls(protocol, join=SPEC_UDP_JOIN, wire=SPEC_UDP_WIRE)
        return cls(protocol)

    def join_bytes(self, name):
        return render(self.join, name)

    def wire_bytes(self, name, text):
        return render(self.wire, name, text)

    def greeting_for(self, name):
        return render(self.greeting, name)

    def note_use(self):
        for variant in self.variants:
            note(variant_spoken('client', variant))


def variant_spoken(whose, variant):
    return ('judged speaking your {}\'s variant of the protocol: {} (the checks about that text fail on it; '
            'this one judges its own subject)'.format(whose, variant))


def variant_line(what, expected, seen):
    return '{} {} instead of {}'.format(what, peers.show(seen), peers.show(expected))


# -- rulings of this project (docs/spec/judgement-calls.md, "Rulings of this project") -----------------------

# Message size: no weighted check sends a text over this many bytes (with the name, what one recv(1024), the
# usual receive, takes whole, TCP or UDP); longer ones are the robustness tier's.
MAX_TEXT_BYTES = 1000


def other_subjects(dialect, names, said):
    """The well-formed messages of a room (every join and leave of `names` announced, every (name, text)
    of `said` relayed; the assignment's texts and the dialect's) that may come before a message a check
    expects without failing it: other checks' subjects (a join announced to the joiner too). Anything else
    before it fails: 'Unknown: server-shutdown' is no 'server-shutdown'."""
    known = set()
    for name in names:
        known.update((dialect.joined_text(name), dialect.left_text(name), render(SPEC_JOINED, name),
                      render(SPEC_LEFT, name)))
    for name, text in said:
        if text not in ('join', 'exit'):      # a command relayed as chat is a fault, never passed over
            known.update(dialect.chat_texts(name, text))
    return known


def ran_again_after_run_ended(first_failure, passed):
    """A check failed while the server's run() had ended by itself; it ran once more on a fresh server
    (judgement-calls.md, "A server that ends by itself")."""
    if passed:
        return ("the first run of this check failed ({}) after your server's run() ended by itself; it passed "
                "when run again on a fresh server: your server has a race that sometimes ends run() (for "
                "example select() over a socket another thread closes)".format(first_failure[:200]))
    return ("your server's run() ended by itself during this check (before the check asked it to stop), "
            "twice: the check failed both times")


def connect_still_trying():
    note('connect_server() had not returned when the checks stopped waiting, with no server listening: it '
         'keeps trying (accepted; it must not return True)')


def connected_in_init():
    note('the client socket was already connected when connect_server() was called (__init__ connects): '
         'connect_server() never meets a port where nothing listens, so this is not judged')


def shutdown_called_directly():
    note("run() ended without telling the clients (or did not end): shutdown() was called directly, and this "
         "step judges what it does; how run() is stopped is the shutdown checks' subject")
