"""Every leniency the harness grants, in one place (the reasons: ../shared/spec/judgement-calls.md).

A check that accepts a reading the text allows but does not state calls one of these functions; each use
is noted, and the report shows the note beside the check, so a submission that passes only thanks to a
leniency is told so.
"""

import re

from . import peers

_notes = []


def begin_check():
    _notes.clear()


def notes():
    return list(dict.fromkeys(_notes))


def note(text):
    _notes.append(text)


# -- greetings ------------------------------------------------------------------------------------------

def greeting_accepted(greeting):
    return 'greeting {} accepted: the assignment only requires that the reply contains \'Welcome\''.format(
        peers.show(greeting))


def expect_welcome_tcp(peer, within=peers.DEFAULT_WITHIN):
    """The client side only requires that the reply *contains* 'Welcome'."""
    # Found anywhere first (waiting for an exact match would spend the whole deadline on 'Welcome!'),
    # then judged by what follows it in the bytes received so far.
    peer.expect('Welcome', within, exact=False)
    end = peer.cursor
    at = end - len('Welcome')
    segment_end = min((b for b in peer.boundaries if b > at), default=len(peer.transcript))
    rest = peer.transcript[end:segment_end]
    if not rest or peers._NEXT_MESSAGE.match(rest):
        return
    after = re.search(r'User |server-shutdown|Name already taken', rest)
    greeting = peer.transcript[at:end + (after.start() if after else len(rest))]
    note(greeting_accepted(greeting.strip()[:60]))


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


def expect_udp_chat(peer, name, text, within=peers.DEFAULT_WITHIN):
    preferred, as_received = udp_chat_texts(name, text)
    got = peer.expect_any((preferred, as_received), within)
    if got == as_received:
        note(udp_relay_as_received(as_received))
    return got


def expect_udp_shutdown(peer, other_names, within=peers.DEFAULT_WITHIN):
    """Wait for 'server-shutdown'. Before it, a UDP server may announce the others' departures: the text
    allows shutdown() to call close_client(), which broadcasts 'User x left'."""
    departures = tuple('User {} left'.format(name) for name in other_names)
    while peer.expect_any(('server-shutdown',) + departures, within) != 'server-shutdown':
        note("'User x left' sent during shutdown, before 'server-shutdown': accepted (shutdown may call "
             "close_client)")


# -- stopping -------------------------------------------------------------------------------------------

RUN_STOP_WITHIN = 2.0
RUN_STOP_PARTIAL_CREDIT = 0.5


def run_returned_after_extra_connection():
    note('run() returned only after one more connection arrived: accept() blocks without a timeout; '
         'partial credit (the assignment\'s note 8: use select with a timeout)')
    return RUN_STOP_PARTIAL_CREDIT


def client_ended_by(how, when='at the end of input'):
    """A client's run() that raised EOFError or called sys.exit() has ended: counted, and noted. Returns
    True when `how` (an exception's name) counts as ended."""
    if how in ('EOFError', 'SystemExit'):
        note('run() ended by raising {} {}: counted as ended'.format(how, when))
        return True
    return False


def client_interrupt_propagated():
    note("run() let KeyboardInterrupt out after Ctrl-C (having sent 'exit'): counted as ended")


# -- messages list ----------------------------------------------------------------------------------------

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
