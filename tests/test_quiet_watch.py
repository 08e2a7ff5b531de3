"""harness.platform.QuietWatch: "the submission is done with all it was sent", the state that lets a wait
for a reply end before its deadline. It must never say so while the process could still act by itself:
a thread that runs, a polling loop that has not woken since, a child process at work, input left unread
where a polling thread would read it. Each case is a small process of its own; every wait has a deadline.
"""

import os
import selectors
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from harness import platform
from harness.peers import Deadline

pytestmark = pytest.mark.skipif(platform.any_running(os.getpid()) is None,
                                reason='this machine cannot show what a process waits in')

BLOCKED_IN_RECV = '''
    import socket, sys, threading
    a, b = socket.socketpair()
    threading.Thread(target=a.recv, args=(10,), daemon=True).start()
    print('ready', flush=True)
    b.recv(10)                           # the main thread waits too, untimed
'''
POLLING_LOOP = '''
    import sys, time
    print('ready', flush=True)
    while True:
        time.sleep(PERIOD)               # a polling loop: its work comes after each sleep
'''
SELECT_LOOP = '''
    import select, socket
    a, b = socket.socketpair()
    print('ready', flush=True)
    while True:
        select.select([a], [], [], PERIOD)   # a select() loop that looks at a flag when it times out
'''
STALE_SELECT = '''
    import select, socket
    a, b = socket.socketpair()
    lone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lone.bind(('127.0.0.1', 0))
    lone.setblocking(False)
    print(lone.getsockname()[1], flush=True)
    while True:
        select.select([a], [], [], 0.3)  # a select() loop over a list that lacks a socket it reads after
        try:
            lone.recv(100)
        except BlockingIOError:
            pass
'''
BUSY = '''
    import threading
    print('ready', flush=True)
    while True:
        pass
'''
SPINNING_HANDLERS = '''
    import socket, threading
    def spin():
        mine, _ = socket.socketpair()
        mine.setblocking(False)
        while True:
            if OVER_SOCKETS:             # a client's handler: a busy loop over its socket
                try:
                    mine.recv(100)
                except BlockingIOError:
                    pass
    for _ in range(SPINNERS):
        threading.Thread(target=spin, daemon=True).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    sock.setblocking(False)
    print(sock.getsockname()[1], flush=True)
    while True:                          # a busy loop over a non-blocking socket ...
        try:
            data, address = sock.recvfrom(100)
        except BlockingIOError:
            continue
        total = sum(range(WORK))         # ... that works a while on what it read, then replies
        sock.sendto(b'done', address)
'''
BUSY_CHILD = '''
    import os, socket, sys
    a, b = socket.socketpair()
    if os.fork() == 0:
        while True:
            pass
    print('ready', flush=True)
    a.recv(10)
'''
UNREAD_UDP = '''
    import socket, sys, threading, time
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    sock.setblocking(False)
    print(sock.getsockname()[1], flush=True)
    if POLLS:
        while True:
            time.sleep(0.3)              # a sleep-polling loop ...
            if READS:
                try:
                    sock.recv(100)       # ... that reads what came meanwhile
                except BlockingIOError:
                    pass
    else:
        threading.Event().wait()         # nothing will ever read it
'''


def started(code, **values):
    for name, value in values.items():
        code = code.replace(name, repr(value))
    process = subprocess.Popen([sys.executable, '-c', textwrap.dedent(code)], stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    line = process.stdout.readline().strip()
    return process, line


def seconds_until_quiet(watch, within):
    """How long until watch.quiet() said True (sampled every 10 ms), or None within `within` seconds."""
    start, deadline = time.monotonic(), Deadline(within)
    while not deadline.passed():
        if watch.quiet():
            return time.monotonic() - start
        time.sleep(0.01)
    return None


@pytest.fixture
def processes():
    running = []
    yield running
    for process in running:
        os.killpg(process.pid, signal.SIGKILL)     # the process and any child it forked
        process.wait()


def test_threads_blocked_in_untimed_waits_are_quiet_at_once(processes):
    process, _ = started(BLOCKED_IN_RECV)
    processes.append(process)
    took = seconds_until_quiet(platform.QuietWatch(process.pid), 5.0)
    assert took is not None and took < 2.0, took


def test_a_polling_loop_is_quiet_once_it_woke_twice(processes):
    period = 0.6
    process, _ = started(POLLING_LOOP, PERIOD=period)
    processes.append(process)
    took = seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0), 10 * period)
    assert took is not None, 'a sleeping loop that wakes every {}s was never quiet'.format(period)
    assert 2 * period - 0.1 <= took <= 2 * period + 1.0, took


@pytest.mark.parametrize('loop', ['sleep', 'select'])
def test_a_polling_loop_is_not_quiet_before_it_woke(processes, loop):
    """A select() loop only where the program was asked to stop (`polls`): then it acts when it wakes."""
    process, _ = started(POLLING_LOOP if loop == 'sleep' else SELECT_LOOP, PERIOD=0.9)
    processes.append(process)
    assert seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0, polls=True), 0.8) is None


def test_a_select_loop_with_nothing_to_read_is_quiet_at_once(processes):
    process, _ = started(SELECT_LOOP, PERIOD=0.9)
    processes.append(process)
    took = seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0), 5.0)
    assert took is not None and took < 0.5, took


def test_a_longer_bound_waits_for_longer_polls(processes):
    process, _ = started(SELECT_LOOP, PERIOD=1.5)
    processes.append(process)
    took = seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0, long=2.0, polls=True), 6.0)
    assert took is not None and took >= 2 * 1.5 - 0.1, took


LONG_WAITS = {
    # judgement-calls.md, "Timing style is free": none of these is waited for
    'select_60s': 'import select; select.select([a], [], [], 60)',
    'socket_timeout_5s': 'a.settimeout(5)\n    while True:\n        try:\n            a.recv(10)\n'
                         '        except socket.timeout:\n            pass',
    'sleep_30s': 'import time\n    while True:\n        time.sleep(30)',
    'event_wait_60s': 'import threading; threading.Event().wait(60)',
    'queue_get_45s': 'import queue; queue.Queue().get(timeout=45)',
}


@pytest.mark.parametrize('wait', sorted(LONG_WAITS))
def test_long_polls_and_timers_are_quiet_at_once(processes, wait):
    code = 'import socket\na, b = socket.socketpair()\nprint("ready", flush=True)\nif True:\n    ' + LONG_WAITS[wait]
    process, _ = started(code)
    processes.append(process)
    took = seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0), 5.0)
    assert took is not None and took < platform.LONG_POLL, took


def test_a_short_sleep_polling_loop_is_idle_without_running_out_its_wait(processes):
    """A loop that sleeps 10 ms between polls (time.sleep to a deadline from Python 3.11, so less than
    TRANSIENT of it is left at most looks) is a polling loop that waits, not one at work or a busy loop:
    wait_process_idle sees it idle at once, and QuietWatch once it woke twice."""
    process, _ = started(POLLING_LOOP, PERIOD=0.01)
    processes.append(process)
    for _ in range(5):
        started_at = time.monotonic()
        assert platform.wait_process_idle(process.pid, 1.0, stable=0.008) is True
        assert time.monotonic() - started_at < 0.5
    took = seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0), 3.0)
    assert took is not None and took < 0.5, took


def test_a_busy_loop_is_quiet_once_it_spun_a_while(processes):
    """A thread that never waits (a busy loop) looks at everything it is sent at once: not quiet before
    it has spun for SPIN_SECONDS, quiet after (else every wait for a busy program ran to its deadline)."""
    process, _ = started(BUSY)
    processes.append(process)
    took = seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0), 3.0)
    assert took is not None and took >= platform.SPIN_SECONDS, took


@pytest.mark.parametrize('over_sockets', [True, False], ids=['polling_sockets', 'pure_python'])
def test_a_busy_loop_that_read_something_is_not_quiet_before_it_replied(processes, over_sockets):
    """Busy loops share the interpreter's lock: one that has read a request may wait long for the turns its
    reply needs, at work all along, so it looks like the others (and waits for the lock's mutex now and
    then, which is not a wait). Quiet only once each had its turns since. Busy loops of pure Python starve a
    loop that makes system calls (it gives the lock up at each): quiet may then not come at all, which only
    costs time."""
    process, port = started(SPINNING_HANDLERS, SPINNERS=20, WORK=100000, OVER_SOCKETS=over_sockets)  # ~3 ms
    processes.append(process)
    address = ('127.0.0.1', int(port))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as requester:
        requester.bind(('127.0.0.1', 0))
        requester.setblocking(False)
        requester.sendto(b'request', address)
        deadline = Deadline(5.0)
        while platform.unread_udp_bytes(address) and not deadline.passed():
            time.sleep(0.005)
        unread = lambda: platform.unread_udp_bytes(address) > 0  # noqa: E731
        watch = platform.QuietWatch(process.pid, unread=unread, after=0.0)
        start, deadline, reply = time.monotonic(), Deadline(8.0), None
        while not deadline.passed():
            quiet = watch.quiet()              # asked before the read: a reply read after it came before it
            try:
                reply = requester.recv(100)
            except BlockingIOError:
                pass
            assert not quiet or reply, 'quiet after {:.2f}s, before the reply'.format(time.monotonic() - start)
            if reply and (quiet or not over_sockets):
                break
            time.sleep(0.01)
    assert reply == b'done'
    assert quiet or not over_sockets, 'never quiet'


def test_a_busy_child_process_is_seen(processes):
    process, _ = started(BUSY_CHILD)
    processes.append(process)
    tree = platform._tree(process.pid)
    assert tree is not None and len(tree) == 2, tree
    took = seconds_until_quiet(platform.QuietWatch(process.pid, after=0.0), 3.0)
    assert took is not None and took >= platform.SPIN_SECONDS, took


@pytest.mark.parametrize('polls,reads', [(True, True), (True, False), (False, False)],
                         ids=['poller_that_reads', 'poller_that_never_reads', 'waits_for_other_things'])
def test_unread_input_is_waited_for_while_a_polling_thread_may_read_it(processes, polls, reads):
    process, port = started(UNREAD_UDP, POLLS=polls, READS=reads)
    processes.append(process)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b'unread', ('127.0.0.1', int(port)))
        deadline = Deadline(2.0)
        while platform.unread_udp_bytes(('127.0.0.1', int(port))) == 0 and not deadline.passed():
            time.sleep(0.005)
        assert platform.unread_udp_bytes(('127.0.0.1', int(port)))
        unread = lambda: platform.unread_udp_bytes(('127.0.0.1', int(port))) > 0  # noqa: E731
        took = seconds_until_quiet(platform.QuietWatch(process.pid, unread=unread, after=0.0), 5.0)
        left = platform.unread_udp_bytes(('127.0.0.1', int(port)))
    assert took is not None
    if polls:
        # quiet only once the loop woke twice since: by then it read the datagram, or never will
        assert took >= 0.5, took
        assert (left == 0) == reads, left
    else:
        assert took < 0.5, 'not quiet, though nothing will ever read the datagram ({:.2f}s)'.format(took)


def test_a_select_loop_is_waited_for_while_input_lies_where_it_does_not_look(processes):
    """A select() over a list of sockets read again only after its timeout (a client that just joined): input
    at a socket it does not look at yet is read when it wakes, so the loop is waited for then."""
    process, port = started(STALE_SELECT)
    processes.append(process)
    address = ('127.0.0.1', int(port))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b'unread', address)
        deadline = Deadline(2.0)
        while platform.unread_udp_bytes(address) == 0 and not deadline.passed():
            time.sleep(0.005)
        unread = lambda: platform.unread_udp_bytes(address) > 0  # noqa: E731
        took = seconds_until_quiet(platform.QuietWatch(process.pid, unread=unread, after=0.0), 5.0)
        assert took is not None and platform.unread_udp_bytes(address) == 0, (took, platform.unread_udp_bytes(address))



STARVED_WORKER = textwrap.dedent('''
    import sys
    print('ready', flush=True)
    sys.stdin.readline()                 # woken by a line, it then needs a little CPU before it answers
    total = sum(range(1500000))   # about 30 ms of CPU: more than one turn of a low-priority thread
    print('done', flush=True)
''')


class _Watching:
    """What a Deadline reads of a QuietWatch: the pid of the program the wait is for."""

    def __init__(self, pid):
        self.pid = pid


@pytest.mark.skipif(not hasattr(os, 'sched_setaffinity'), reason='needs CPU affinity (Linux)')
@pytest.mark.parametrize('woken', [True, False])
def test_a_deadline_counts_only_the_time_its_program_could_run(processes, woken):
    """A program woken by input that cannot get a CPU (nice 19, sharing its only core with a busy loop) answers
    late; a deadline that watches it has not passed while it waited (the machine's doing, not the program's),
    while a plain one has. One that is not woken waits for input, and is not waited for."""
    # Groups of their own but one session: a session of its own is a scheduling group of its own (autogroup),
    # which would share the core half and half with the burner's, whatever the priority.
    worker = subprocess.Popen([sys.executable, '-c', STARVED_WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, preexec_fn=os.setpgrp)
    processes.append(worker)
    assert worker.stdout.readline().strip() == 'ready'
    os.sched_setaffinity(worker.pid, {0})
    os.setpriority(os.PRIO_PROCESS, worker.pid, 19)   # about 1.5% of a core beside a busy loop
    burner = subprocess.Popen([sys.executable, '-c', 'while True: pass'], preexec_fn=os.setpgrp)
    processes.append(burner)
    os.sched_setaffinity(burner.pid, {0})
    busy = Deadline(5.0)                 # the burner at work on that core before the worker is woken
    while not busy.passed() and sum(ran for ran, _ in (platform.thread_runs(burner.pid) or {}).values()) < 0.2:
        time.sleep(0.01)
    watched, plain = Deadline(0.3, _Watching(worker.pid)), Deadline(0.3)
    if woken:
        worker.stdin.write('go\n')
        worker.stdin.flush()
    answered = None
    with selectors.DefaultSelector() as selector:
        selector.register(worker.stdout, selectors.EVENT_READ)
        while answered is None and not watched.passed():
            if selector.select(0.02):
                answered = worker.stdout.readline().strip()
    plain_passed, took = plain.passed(), time.monotonic() - plain.start
    if woken:
        assert answered == 'done', 'the watched deadline passed before the worker answered'
        assert plain_passed, 'the worker was not kept from the CPU: this case shows nothing'
    else:
        assert answered is None and took < platform.STARVED_STRETCH / 2, \
            'a worker blocked on input was waited for ({:.1f}s)'.format(took)


IDLE_OBJECT = '''
class Idle:
    def nap(self):
        return 'napped'
'''


def test_a_request_on_its_way_to_the_agent_keeps_it_from_being_quiet(tmp_path):
    """The agent's channel thread is left out of the watch (our own requests wake it), but a call we sent
    that it has not taken up yet (a starved agent: here, a stopped one) is work the submission will do."""
    from harness.runner import Agent
    path = tmp_path / 'chatroom.py'
    path.write_text(IDLE_OBJECT)
    with Agent(path) as agent:
        agent.import_submission()
        agent.construct('idle', 'Idle')
        assert seconds_until_quiet(agent.quiet_watch(), 3.0) is not None
        os.kill(agent.proc.pid, signal.SIGSTOP)
        try:
            napping = agent.send('call', obj='idle', method='nap', args=[])
            assert seconds_until_quiet(agent.quiet_watch(), 1.0) is None
        finally:
            os.kill(agent.proc.pid, signal.SIGCONT)
        assert agent.wait(napping, 5.0)['value'] == 'napped'
