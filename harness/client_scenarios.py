"""The client side of the model: what a ClientTCP / ClientUDP must put on the wire for each line the user
types, for Ctrl-C and for 'exit', and what receive() must show for each message the server sends: every
message, once, in order, whole, whatever its text (repeated, long, non-ASCII, beginning with the client's
own name, holding 'server-shutdown' or 'exit' inside). The checks differential.client_tcp/udp
(harness/checks/test_differential.py) play these scenarios against the submission's client, run() in
an agent, with a fake server (harness/fakes.py).

Rules (the assignment, section 3/4 ClientTCP/ClientUDP.run and receive, and judgement-calls.md):
- Type(text): the client sends the text with send() (TCP the text, UDP '{name}:{text}'; in the dialect
  the client was seen to use, judged by the send checks), and nothing else. 'exit' is a command only as
  the whole line, case included: 'Exit' and 'where is the exit' are chat.
- Hear(text): the server sends one message; the client displays it (what else it prints is free).
- Pause(): nothing happens for as long as the client's own loops take to time out once; a client that
  stops listening when its socket times out misses what comes next.
- End(how): 'exit' typed or Ctrl-C: the client sends 'exit' (and nothing more) and run() ends; or
  'server-shutdown' from the server: receive() sets exit_run and exit_receive (run() returning without
  more input is judged elsewhere, lightly: judgement-calls.md).
The fake server never sends a message before the client displayed the previous one.
"""

import time
from dataclasses import dataclass

from harness.model import MAX_TEXT_BYTES


@dataclass(frozen=True)
class Type:
    text: str

    def describe(self):
        return 'you type {}'.format(_shown(self.text))


@dataclass(frozen=True)
class Hear:
    text: str

    def describe(self):
        return 'the server sends {}'.format(_shown(self.text))


@dataclass(frozen=True)
class Pause:
    def describe(self):
        return 'nothing happens for a while (a few seconds)'


@dataclass(frozen=True)
class End:
    how: str          # 'exit', 'ctrl_c' or 'shutdown'

    def describe(self):
        return {'exit': "you type 'exit'", 'ctrl_c': 'you press Ctrl-C',
                'shutdown': "the server sends 'server-shutdown'"}[self.how]


def _shown(text):
    if len(text) <= 40:
        return repr(text)
    return '{!r}... ({} characters)'.format(text[:20], len(text))


LONG_LINE = 'y' * MAX_TEXT_BYTES
LONG_MESSAGE = 'bob: ' + 'z' * (MAX_TEXT_BYTES - 5)


def scenarios(name='alice'):
    """The scenarios each client check plays (one client each), deterministic: lines and messages that
    collide with the commands, with each other and with the client's own name."""
    body = [Type('hello there'), Hear('bob: hi {}'.format(name)), Type('hello there'),
            Hear('bob: hi {}'.format(name)), Type('Exit'), Type('where is the exit'), Type('exit now'),
            Hear('{}: this line begins with your name'.format(name)), Hear('User carol joined'),
            Type('a:b:c'), Hear('bob: server-shutdown is only a word here'), Hear('bob: server-shutdown'),
            Hear('carol: Welcome, carol!'),
            Pause(), Hear('User carol left'), Type('héllo wörld ✓'), Hear('bob: héllo ✓ 你好'),
            Hear(LONG_MESSAGE), Type(LONG_LINE), Type('EXIT now')]
    return [body + [End('exit')],
            [Hear('User bob joined'), Type('join me later'), End('ctrl_c')],
            [Type('hi'), Hear('bob: exit'), Hear('bob: hi'), End('shutdown')]]


def describe_all(actions):
    return [action.describe() for action in actions]


def render_replay(protocol, actions, index, expected, received, description):
    """Numbered steps a student can replay by hand: client.py against a server that sends the messages."""
    lines = ['Replay by hand ({}): run client.py ({}) as alice against a server that welcomes it and then does '
             'what the steps say:'.format(protocol.upper(), 'ClientTCP' if protocol == 'tcp' else 'ClientUDP')]
    for number, step in enumerate(describe_all(actions[:index + 1])):
        line = '{:>3}. {}'.format(number + 1, step)
        if number == index:
            line += ' \u2192 expected {}, got {}'.format(expected, received)
        lines.append(line)
    lines.append('What went wrong: {}'.format(description))
    return '\n'.join(lines)


class ClientScenarioFailed(AssertionError):
    """A client did not do what a step demands; the message is the replay."""


PAUSE_BOUND = 6.0      # a pause waits for the client's loops that wake by themselves within this long
PAUSE_UNOBSERVED = 1.0


def play(client, protocol, actions, within=2.0):
    """Play `actions` against `client` (a harness.subjects.ClientSubject, constructed, not yet run);
    ClientScenarioFailed at the first step it does not do as the model says."""
    from harness import fakes, peers
    client.start_run()
    shown_up_to = client.output_mark()
    for index, action in enumerate(actions):
        try:
            if isinstance(action, Type):
                client.type(action.text)
                client.expect_sent(action.text, within)
            elif isinstance(action, Hear):
                # Never two messages back to back: the last one (the greeting, say) read, and the client
                # back in its loop, else a TCP client may read both in one recv() for our haste.
                peers.poll(client.server.client_unread, lambda unread: not unread, within, 0.005)
                client.wait_idle()
                client.reply(action.text)
                ok, out = client.agent.stdout.wait_for(lambda text: action.text in text, within, start=shown_up_to,
                                                       watch=client.quiet_watch())
                if not ok:
                    raise _Missed(repr(action.text) + ' displayed', 'it was not' + (
                        ' (it printed {})'.format(peers.show(out)) if out.strip() else ''),
                        'the client did not display the message the server sent')
                shown_up_to += out.index(action.text) + len(action.text)
            elif isinstance(action, Pause):
                if not client.agent.pause(PAUSE_BOUND, unread=client.server.client_unread):
                    time.sleep(PAUSE_UNOBSERVED)      # the client's loops cannot be seen: the pause itself
            elif action.how in ('exit', 'ctrl_c'):
                if action.how == 'exit':
                    client.type('exit')
                else:
                    client.interrupt()
                client.expect_sent('exit', within)
                client.assert_run_ends(action.describe(), interrupted=action.how == 'ctrl_c')
                client.server.expect_nothing_more("'exit'")
            else:
                client.reply('server-shutdown')
                client.assert_events_set("'server-shutdown'")
        except _Missed as missed:
            raise ClientScenarioFailed(render_replay(protocol, actions, index, missed.expected, missed.received,
                                                     missed.description)) from None
        except (AssertionError, fakes.FakeServerError) as error:
            raise ClientScenarioFailed(render_replay(protocol, actions, index, 'what the step says', 'otherwise',
                                                     str(error))) from None


class _Missed(Exception):
    def __init__(self, expected, received, description):
        super().__init__(description)
        self.expected, self.received, self.description = expected, received, description
