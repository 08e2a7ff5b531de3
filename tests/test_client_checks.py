"""The client checks (harness/checks/test_client_tcp.py, test_client_udp.py) judge right: the reference
scores full marks, each broken client is failed by the check that names its fault (and by no other), and a
plain student-style client passes with the judgement calls' leniencies noted.

Variants are made from the reference chatroom.py by exact snippet replacement; each snippet must occur
exactly once, so that a change to the reference cannot silently make a variant identical to it.
"""

from pathlib import Path

import pytest

from harness.judge import judge
from harness.results import FAILED, PASSED

REFERENCE = Path(__file__).resolve().parent.parent / 'chatroom.py'
KEYWORD = {'tcp': 'test_client_tcp', 'udp': 'test_client_udp', 'both': 'test_client_tcp or test_client_udp'}

# A client as many students write it: input() in the main loop (so run() waits for one more line after
# 'server-shutdown', and EOFError escapes at the end of input), receive() in a daemon thread, and
# KeyboardInterrupt re-raised after saying 'exit'.
STUDENT_RUN = '''def run_client(client):
    if not client.connect_server():
        return
    threading.Thread(target=client.receive, daemon=True).start()
    try:
        while not client.exit_run.is_set():
            text = input('> ')
            if text == 'exit':
                client.send('exit')
                break
            client.send(text)
    except KeyboardInterrupt:
        client.send('exit')
        raise
    finally:
        client.exit_receive.set()


def reference_run_client(client):
'''

TCP_INIT_EVENTS = '''        self.client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server_port = server_port
        self.client_name = client_name
        self.exit_run = threading.Event()
        self.exit_receive = threading.Event()
'''
UDP_INIT_EVENTS = TCP_INIT_EVENTS.replace('SOCK_STREAM', 'SOCK_DGRAM')
SET_AT_START = '''        self.exit_run.set()
        self.exit_receive.set()
'''
SAYS_EXIT = '''        if not client.exit_run.is_set():
            client.send(EXIT)
'''
SAYS_EXIT_ON_INTERRUPT = '                client.send(EXIT)\n'
UDP_SHUTDOWN_TEST = '            if message == SERVER_SHUTDOWN:\n'

# name: (protocol judged, [(snippet, replacement)], ids of the checks that must fail, text in a message)
BROKEN = {
    'tcp_name_not_sent': (
        'tcp', [('            self.client_socket.sendall(self.client_name.encode())\n', '')],
        {'client_tcp.connect'}, "b'alice'"),
    'tcp_name_with_newline': (
        'tcp', [('self.client_socket.sendall(self.client_name.encode())',
                 "self.client_socket.sendall((self.client_name + '\\n').encode())")],
        {'client_tcp.connect'}, "b'alice\\n'"),
    'udp_join_without_name': (
        'udp', [('            self.send(JOIN)\n',
                 '            self.client_socket.sendto(JOIN.encode(), (self.server_addr, self.server_port))\n')],
        {'client_udp.connect'}, "received b'join'"),
    'udp_send_without_name': (
        'udp', [("message = '{}:{}'.format(self.client_name, text)", 'message = text')],
        {'client_udp.connect', 'client_udp.send'}, "received b'join'"),
    'udp_extra_space': (
        'udp', [("message = '{}:{}'.format(self.client_name, text)",
                 "message = '{}: {}'.format(self.client_name, text)")],
        {'client_udp.connect', 'client_udp.send'}, "b'alice: join'"),
    # A known variant of the format, spoken throughout: only the checks about the format fail (the other
    # checks are judged speaking it).
    'udp_reversed_wire': (
        'udp', [("message = '{}:{}'.format(self.client_name, text)",
                 "message = '{}:{}'.format(text, self.client_name)")],
        {'client_udp.connect', 'client_udp.send'}, "b'join:alice'"),
    'tcp_rejection_ignored': (
        'tcp', [('        if WELCOME in reply:\n', '        if reply:\n')],
        {'client_tcp.connect_rejected', 'client_tcp.connect_other_reply'}, 'returned True'),
    'udp_rejection_ignored': (
        'udp', [('        return reply == WELCOME\n', '        return True\n')],
        {'client_udp.connect_rejected', 'client_udp.connect_other_reply'}, 'returned True'),
    # A refused connection let through (students who call connect() outside a try), or taken for a join.
    'tcp_refusal_raises': (
        'tcp', [('            reply = decode(self.client_socket.recv(RECV_SIZE))\n        except OSError:\n',
                 '            reply = decode(self.client_socket.recv(RECV_SIZE))\n        except KeyError:\n')],
        {'client_tcp.connect_no_server'}, 'raised ConnectionRefusedError'),
    'tcp_refusal_taken_for_join': (
        'tcp', [('            reply = decode(self.client_socket.recv(RECV_SIZE))\n        except OSError:\n'
                 '            return False\n',
                 '            reply = decode(self.client_socket.recv(RECV_SIZE))\n        except OSError:\n'
                 '            return True\n')],
        {'client_tcp.connect_no_server'}, 'returned True though no server listens'),
    'tcp_shutdown_ignored': (
        'tcp', [('            before, is_shutdown = split_shutdown(message)\n',
                 '            before, is_shutdown = message, False\n')],
        {'client_tcp.receive_shutdown', 'client_tcp.run_server_shutdown'}, 'did not return within'),
    'udp_shutdown_ignored': (
        'udp', [(UDP_SHUTDOWN_TEST, '            if False:\n')],
        {'client_udp.receive_shutdown', 'client_udp.run_server_shutdown'}, 'did not return within'),
    'no_exit_on_leaving': (
        'both', [(SAYS_EXIT, ''), (SAYS_EXIT_ON_INTERRUPT, '                pass\n')],
        {'client_tcp.run_exit', 'client_tcp.run_ctrl_c', 'client_udp.run_exit', 'client_udp.run_ctrl_c'},
        "expected the client to send b'exit'"),
    'tcp_newline_appended': (
        'tcp', [('        self.client_socket.sendall(text.encode())\n',
                 "        self.client_socket.sendall((text + '\\n').encode())\n")],
        {'client_tcp.send'}, "b'hello there\\n'"),
    'udp_newline_appended': (
        'udp', [("message = '{}:{}'.format(self.client_name, text)",
                 "message = '{}:{}\\n'.format(self.client_name, text)")],
        {'client_udp.connect', 'client_udp.send'}, "b'alice:join\\n'"),
    'tcp_events_set_at_start': (
        'tcp', [(TCP_INIT_EVENTS, TCP_INIT_EVENTS + SET_AT_START)],
        {'client_tcp.attributes', 'client_tcp.receive_shows', 'client_tcp.run_sends_lines',
         'client_tcp.run_exit'}, 'should start cleared'),
    'udp_events_set_at_start': (
        'udp', [(UDP_INIT_EVENTS, UDP_INIT_EVENTS + SET_AT_START)],
        {'client_udp.attributes', 'client_udp.receive_shows', 'client_udp.run_sends_lines',
         'client_udp.run_exit'}, 'should start cleared'),
}

_judged = {}


def variant(tmp_path, name, edits):
    source = REFERENCE.read_text(encoding='utf-8')
    for snippet, replacement in edits:
        assert source.count(snippet) == 1, 'the snippet occurs {} times in chatroom.py: {!r}'.format(
            source.count(snippet), snippet)
        source = source.replace(snippet, replacement)
    path = tmp_path / name / 'chatroom.py'
    path.parent.mkdir()
    path.write_text(source, encoding='utf-8')
    return path


def judged(path, protocol):
    key = (str(path), protocol)
    if key not in _judged:
        _judged[key] = judge(path, keyword=KEYWORD[protocol])
    return _judged[key]


def by_id(run):
    return {c.id: c for c in run.checks}


def test_reference_scores_full_marks_on_every_client_check():
    run = judged(REFERENCE, 'both')
    checks = by_id(run)
    assert len([i for i in checks if i.startswith('client_tcp.')]) >= 12
    assert len([i for i in checks if i.startswith('client_udp.')]) >= 12
    bad = ['{} {}: {}'.format(c.id, c.status, c.message) for c in run.checks if c.status != PASSED]
    assert not bad, bad
    assert run.score == run.max_score > 0
    noted = {c.id: c.notes for c in run.checks if c.notes}
    assert not noted, 'the reference needed leniencies: {}'.format(noted)


def test_client_checks_carry_their_metadata():
    run = judged(REFERENCE, 'both')
    for result in run.checks:
        if result.group == 'structure':
            continue          # the class-shape checks that -k 'client' also selects
        cls = 'ClientTCP' if result.id.startswith('client_tcp.') else 'ClientUDP'
        if result.group == 'robustness':          # what the text does not demand (end of input)
            assert result.tags == ['robustness', cls] and result.weight == 0
        else:
            assert result.group == cls and result.weight > 0
        assert result.spec and result.description
        assert result.description.endswith('.')


@pytest.mark.parametrize('name', sorted(BROKEN))
def test_broken_client_is_caught(tmp_path, name):
    protocol, edits, must_fail, said = BROKEN[name]
    run = judged(variant(tmp_path, name, edits), protocol)
    checks = by_id(run)
    failed = {i for i, c in checks.items() if c.status == FAILED}
    assert failed == must_fail, 'failed: {}; expected to fail: {}; messages: {}'.format(
        sorted(failed), sorted(must_fail), {i: checks[i].message for i in failed})
    messages = ' | '.join(checks[i].message for i in failed)
    assert said in messages, messages
    for check_id in must_fail:
        assert checks[check_id].hint, '{} failed without a hint'.format(check_id)
    assert run.score < run.max_score


def test_student_style_client_passes_with_leniencies_noted(tmp_path):
    """input() in the main loop: everything passes except run() returning after 'server-shutdown' with
    no more input (lightly weighted); EOFError at the end of input and a re-raised KeyboardInterrupt are
    counted as ended and noted."""
    path = variant(tmp_path, 'student', [('def run_client(client):\n', STUDENT_RUN)])
    run = judged(path, 'both')
    checks = by_id(run)
    failed = {i for i, c in checks.items() if c.status != PASSED}
    assert failed == {'client_tcp.run_returns_on_shutdown', 'client_udp.run_returns_on_shutdown'}, {
        i: checks[i].message for i in failed}
    for protocol in ('tcp', 'udp'):
        failure = checks['client_{}.run_returns_on_shutdown'.format(protocol)]
        assert failure.weight <= 1
        assert 'did not end within' in failure.message and 'input(' in failure.message, failure.message
        assert any('EOFError' in note for note in checks['client_{}.run_end_of_input'.format(protocol)].notes)
        assert any('KeyboardInterrupt' in note for note in checks['client_{}.run_ctrl_c'.format(protocol)].notes)


# Calls that take their time before they return (a pause to let the user see the reply, as a greeting read
# until a socket timeout does): correct, and judged so on a quiet machine as beside a busy one. A check waits
# for a call, or for run()'s connect_server(), until it returns or the client will do nothing more by itself
# (a sleep or timeout of up to runner.CALL_PATIENCE before it returns; of up to platform.LONG_POLL before it
# sends), not for a window: the 2 s it had did not pass a connect_server() that takes 2.5 s, nor lines typed
# while run()'s connect_server() still paused.
SLOW_CALLS = [
    ('        if WELCOME in reply:\n            show(reply)\n            return True\n',
     '        if WELCOME in reply:\n            show(reply)\n            time.sleep(2.5)\n            return True\n'),
    ('        show(reply)\n        return reply == WELCOME\n',
     '        show(reply)\n        time.sleep(2.5)\n        return reply == WELCOME\n'),
    ('        self.client_socket.sendall(text.encode())\n',
     '        time.sleep(0.8)\n        self.client_socket.sendall(text.encode())\n'),
]
# Every ClientTCP check and the TCP client pairing; ClientUDP's own calls (its run() checks would only
# repeat the TCP ones' waits, for seconds of sleeping).
SLOW_JUDGED = 'test_client_tcp or (test_client_udp and not run) or test_clients_tcp_with_reference_server'


def test_client_whose_calls_take_their_time_passes(tmp_path):
    run = judge(variant(tmp_path, 'slow_calls', SLOW_CALLS), keyword=SLOW_JUDGED)
    assert {c.id for c in run.checks} >= {'client_tcp.connect', 'client_tcp.run_sends_lines', 'client_tcp.send',
                                          'client_udp.connect_rejected', 'interop.client_tcp'}
    bad = ['{} {}: {}'.format(c.id, c.status, c.message) for c in run.checks if c.status != PASSED]
    assert not bad, bad
