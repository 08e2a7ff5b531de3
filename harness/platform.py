"""Everything the harness does that depends on the operating system, in one place: which platform path
runs, how an agent process starts on its own and is killed with all it started, how Ctrl-C reaches it,
and the observations of a running submission that only the operating system can give (is its main thread
waiting in its loop, how much CPU has it used, has the peer of a loopback TCP connection read what was
sent to it). The rest of the harness calls this module and never tests `sys.platform` itself.

Three paths (PATH): 'linux' (the full behaviour: /proc, cgroups, netlink sock_diag), 'posix' (macOS and
other Unixes: process groups and rlimits, psutil for CPU time and the process tree, no /proc), 'windows'
(no fork, no rlimits, no process groups: psutil kills the process tree, Ctrl-C is raised in the agent's
main thread as Windows raises it). CHATROOM_CHECK_PLATFORM=posix|windows takes a path below the native
one (on Linux, both), so that the tests here exercise the fallbacks; see the README for what each path
measures.

The checks use the observations to wait for *states* instead of fixed windows
(../shared/spec/judgement-calls.md: "Ctrl-C is delivered the way a person delivers it: while the program
waits in its loop"). Every observation answers None where the path cannot tell; callers then fall back to
a bounded wait and say so.
"""

import array
import collections
import contextlib
import errno
import os
import platform as _stdlib_platform
import random
import signal
import socket
import struct
import sys
import threading
import time

PLATFORM_ENV = 'CHATROOM_CHECK_PLATFORM'
PATHS = ('linux', 'posix', 'windows')       # each a subset of the one before it
NAMES = {'linux': 'Linux', 'posix': 'macOS' if sys.platform == 'darwin' else 'this POSIX system',
         'windows': 'Windows'}


class PlatformChoiceError(ValueError):
    """CHATROOM_CHECK_PLATFORM names no path, or one this machine cannot take."""


def native_path():
    if os.name == 'nt':
        return 'windows'
    return 'linux' if sys.platform.startswith('linux') else 'posix'


def chosen_path(environ=None):
    """The path this process takes: the native one, or the one CHATROOM_CHECK_PLATFORM forces."""
    forced = (environ if environ is not None else os.environ).get(PLATFORM_ENV, '').strip().lower()
    native = native_path()
    if not forced:
        return native
    if forced not in PATHS:
        raise PlatformChoiceError('{}={!r}: use one of {}'.format(PLATFORM_ENV, forced, ', '.join(PATHS)))
    if PATHS.index(forced) < PATHS.index(native):
        raise PlatformChoiceError('{}={}: this machine can only take the {} path or one below it'.format(
            PLATFORM_ENV, forced, native))
    return forced


try:
    PATH = chosen_path()
except PlatformChoiceError:
    PATH = native_path()              # judge.validate() reports the error before anything runs
EMULATED = PATH != native_path()      # a fallback path taken on purpose, on a machine that has more
LINUX, WINDOWS = PATH == 'linux', PATH == 'windows'
NAME = NAMES[PATH]

# What each path can do. Linux observes threads' system calls and sockets' queues (/proc, sock_diag) and
# caps an agent's tasks with a cgroup; POSIX has process groups, rlimits and fork; Windows none of those.
OBSERVES_THREADS = LINUX
# The cap on an agent's tasks stays on the emulated paths: it is what keeps a fork bomb from taking this
# machine (root ignores RLIMIT_NPROC), and on the Windows path it stands in for the job object that would
# hold the tree there (not implemented on Windows itself: there the tree is killed, not capped; README).
USES_CGROUPS = native_path() == 'linux'
HAS_RLIMITS = not WINDOWS
CAN_FORK = not WINDOWS and hasattr(os, 'fork') and hasattr(socket, 'send_fds')
# Ctrl-C on Windows is raised in the main thread when it next runs Python code: it does not end a
# blocked accept(), recv() or a read from a pipe, so checks of Ctrl-C in those cannot be judged there.
CTRL_C_ENDS_BLOCKING_CALLS = not WINDOWS


def not_measurable(what):
    """The reason a check gives when this path cannot observe `what`."""
    return 'not measurable on {}{}: {}'.format(NAME, ' (emulated on {})'.format(NAMES[native_path()])
                                               if EMULATED else '', what)


def gradescope_refusal():
    """Why Gradescope output is not written on this path (None when it is): Gradescope runs on Linux, and
    scores from another path, with its skips, are not the scores the autograder would give."""
    if LINUX:
        return None
    return '--gradescope output is only written on Linux, the autograder\'s platform (this run takes the ' \
        '{} path{})'.format(PATH, ', forced by {}'.format(PLATFORM_ENV) if EMULATED else '')


def describe():
    """{'platform': path, 'emulated': bool, 'name': ...} for the report's header and JSON."""
    return {'platform': PATH, 'emulated': EMULATED, 'name': NAME}


# -- processes -------------------------------------------------------------------------------------------

def isolation_options():
    """subprocess.Popen keyword arguments that start a process on its own: a new session (its own process
    group) on POSIX; a new process group on Windows. The Windows path emulated on Linux keeps the session,
    as the stand-in for the job object that would hold the tree there (see kill_tree)."""
    if os.name == 'nt':
        return {'creationflags': getattr(__import__('subprocess'), 'CREATE_NEW_PROCESS_GROUP', 0x200)}
    return {'start_new_session': True}


def kill_tree(pid, descendants=True):
    """SIGKILL the process and everything it started (no waiting). POSIX: its process group (a child that
    left the group is still found by psutil as a descendant). Windows: psutil's walk of the descendants
    (a process whose parent already ended is out of reach there: a job object would hold it; on Linux the
    emulated path also kills the process group, which stands in for that job object). `descendants=False`
    where something else holds every descendant (a cgroup the caller kills whole): psutil's walk reads
    /proc/<pid>/stat of every process of the machine, a few ms of CPU for each agent killed."""
    victims = []
    try:
        import psutil
        if descendants:
            with contextlib.suppress(psutil.Error):
                victims = psutil.Process(pid).children(recursive=True)
    except ImportError:
        pass
    if hasattr(os, 'killpg'):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    for victim in victims:
        with contextlib.suppress(Exception):
            victim.kill()
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL if hasattr(signal, 'SIGKILL') else signal.SIGTERM)


def terminate_tree(pid):
    """Ask the process (and, on POSIX, its process group) to end: SIGTERM; on Windows, TerminateProcess
    of the process itself (there is no gentler request a console-less process receives)."""
    if hasattr(os, 'killpg'):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)
    else:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def sends_ctrl_c_as_signal():
    """True: Ctrl-C is SIGINT to the agent (POSIX). False: the agent raises it in its own main thread, as
    Windows' console handler does (the harness asks over the control channel)."""
    return not WINDOWS


# System calls in which a thread waits for something outside itself: input, a connection, a datagram, a
# timeout, a lock. A thread in one of these is idle; a thread in sendto()/write() or running is busy.
_WAITING_SYSCALLS = {
    'x86_64': {0: 'read', 7: 'poll', 23: 'select', 34: 'pause', 35: 'nanosleep', 43: 'accept',
               45: 'recvfrom', 47: 'recvmsg', 61: 'wait4', 128: 'rt_sigtimedwait', 130: 'rt_sigsuspend',
               202: 'futex', 230: 'clock_nanosleep', 232: 'epoll_wait', 270: 'pselect6', 271: 'ppoll',
               281: 'epoll_pwait', 288: 'accept4', 299: 'recvmmsg', 441: 'epoll_pwait2', 449: 'futex_waitv'},
    'aarch64': {22: 'epoll_pwait', 63: 'read', 72: 'pselect6', 73: 'ppoll', 98: 'futex', 101: 'nanosleep',
                115: 'clock_nanosleep', 137: 'rt_sigtimedwait', 133: 'rt_sigsuspend', 202: 'accept',
                207: 'recvfrom', 212: 'recvmsg', 242: 'accept4', 243: 'recvmmsg', 260: 'wait4',
                441: 'epoll_pwait2', 449: 'futex_waitv'},
}
_MACHINE = {'amd64': 'x86_64', 'arm64': 'aarch64'}.get(_stdlib_platform.machine().lower(),
                                                        _stdlib_platform.machine().lower())
_WAITING = _WAITING_SYSCALLS.get(_MACHINE) if OBSERVES_THREADS else None
_READ = {'x86_64': 0, 'aarch64': 63}.get(_MACHINE) if OBSERVES_THREADS else None


def _read_proc(path, size=4096):
    """The start of a /proc file (os.read: no text layer, a few microseconds), or None if unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


def _syscall_of(pid, tid, arguments=False):
    """(syscall number, first argument) a thread is blocked in (with `arguments`, also all six); 'running';
    or None if unreadable."""
    data = _read_proc('/proc/{}/task/{}/syscall'.format(pid, tid), 512)
    fields = data.split() if data else None
    if not fields:
        return None
    if fields[0] == b'running':
        return 'running'
    try:
        number = int(fields[0])
    except ValueError:
        return None
    fields = [field.decode('ascii', 'replace') for field in fields[1:7]]
    if arguments:
        return number, fields[0] if fields else None, tuple(fields)
    return number, fields[0] if fields else None


def unread_by_peer(sock):
    """Bytes sent on the stream socket `sock` that its peer has not read yet (SIOCOUTQ: on a Unix socket,
    until the reader takes them), None where that cannot be read."""
    if not LINUX:
        return None
    try:
        import fcntl
        import termios
        count = array.array('i', [0])
        fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, count)      # TIOCOUTQ is SIOCOUTQ on Linux
        return count[0]
    except (ImportError, OSError, ValueError):
        return None


def waits_on(pid, tid, fd):
    """True when the thread is in a system call on descriptor `fd` (its first argument): a reader back
    in its read."""
    state = _syscall_of(pid, tid)
    if state is None or state == 'running':
        return False
    try:
        return int(state[1], 16) == fd
    except (TypeError, ValueError):
        return False


def main_thread_waiting(pid):
    """True when the process's main thread is blocked in a waiting system call, False when it runs or
    sends, None when this machine cannot tell."""
    if _WAITING is None:
        return None
    state = _syscall_of(pid, pid)
    if state is None:
        return None
    if state == 'running':
        return False
    return state[0] in _WAITING


SPIN_SECONDS = 0.2      # a thread at work this long without once waiting is a busy loop
# CPU time a busy loop must have had since a moment before it counts as having acted on what it had then:
# busy loops share the interpreter's lock, so one that has read a request may wait long, at work all along
# (it looks like the others), for the turns its reply needs. That many turns cover a reply and a broadcast.
SPIN_WORK = 0.01
LOCK_TURN = 0.05        # a busy loop seen waiting for a lock this long (the same wait) is waiting, not spinning


class Spins:
    """Threads that are always at work and never wait: a busy loop (a non-blocking socket polled without
    a pause, select() with a timeout of 0). Such a thread does what it does for anything it is sent at
    once and forever; it is never seen waiting, so, for the watches here, one that was seen at work and
    never waiting for SPIN_SECONDS counts as a loop waiting for its next turn (otherwise a busy program
    would never be idle, and every wait for it would run to its deadline). A turn for the interpreter's
    lock is not a wait: the harness's own requests make a busy thread take them."""

    def __init__(self):
        self.since = {}                 # (pid, tid) -> when it was first seen at work, not waiting since
        self.locked = {}                # (pid, tid) -> (its block count, when first seen) in a lock wait

    def spinning(self, pid, tid, now, locked=False):
        """The thread is at work now (`locked`: or waits its turn for a lock, see turn_for_lock): True once
        it has been at every look for SPIN_SECONDS."""
        if not locked:
            self.locked.pop((pid, tid), None)
        first = self.since.setdefault((pid, tid), now)
        return now - first >= SPIN_SECONDS

    def waits(self, pid, tid):
        self.since.pop((pid, tid), None)
        self.locked.pop((pid, tid), None)

    def state_of(self, pid, tid, wait, now, running=True):
        """A thread's state for the watches: `wait` (a Wait) as seen, SPINNING for a busy loop (a turn
        for a lock included: see turn_for_lock), None while at work. `wait` None: at work, which counts
        towards spinning only while `running` (not in a system call that is no wait)."""
        if wait is not None and self.turn_for_lock(pid, tid, wait, now):
            return SPINNING if self.spinning(pid, tid, now, locked=True) else None
        if wait is not None:
            self.waits(pid, tid)
            return wait
        return SPINNING if running and self.spinning(pid, tid, now) else None

    def turn_for_lock(self, pid, tid, wait, now):
        """Whether the thread, seen in `wait` (a Wait), is at work and only waits its turn for a lock: busy
        loops hand each other the interpreter's lock all the time, and a look often finds one in the untimed
        wait for that lock's mutex. So a thread last seen at work and now in an untimed futex wait is still
        at work, until it has been in that one wait (the same block count) for LOCK_TURN."""
        key = (pid, tid)
        if wait.kind != 'event' or _HOW_WAITS_END.get(wait.number) != ('timer', ('futex',)) or key not in self.since:
            return False
        blocks = _blocks(pid, tid)
        held = self.locked.get(key)
        if held is None or held[0] != blocks:
            held = self.locked[key] = (blocks, now)
        return now - held[1] < LOCK_TURN


def thread_cpu(pid, tid):
    """Seconds the thread has run on a CPU so far (/proc/PID/task/TID/schedstat), None if unknown."""
    times = _read_proc('/proc/{}/task/{}/schedstat'.format(pid, tid), 128)
    try:
        return int(times.split()[0]) / 1e9
    except (AttributeError, IndexError, ValueError):
        return None


class SpinTurns:
    """Whether the busy loops among some threads have each run SPIN_WORK seconds since this was made (what
    they held then is acted on); `threads`: (pid, tid) of each. Where it cannot be read, wall time instead."""

    def __init__(self, threads):
        self.made = time.monotonic()
        self.start = {thread: thread_cpu(*thread) for thread in threads}
        self.done = not self.start

    def had(self):
        if not self.done:
            self.done = self._had()
        return self.done

    def _had(self):
        for thread, before in self.start.items():
            after = thread_cpu(*thread)
            if after is None and not os.path.exists('/proc/{}/task/{}'.format(*thread)):
                continue                                     # it ended: it did what it was going to
            if before is None or after is None:
                if time.monotonic() - self.made < SPIN_SECONDS:
                    return False
            elif after - before < SPIN_WORK:
                return False
        return True


def _seen_wait(pid, tid, state):
    """The Wait a thread is in (`state`: _syscall_of's with arguments), or None while it is at work:
    running, in a system call that is no wait (a send), or in a wait too short to be one (the interpreter's
    lock, a select() that does not wait). A sleep to a deadline (time.sleep from Python 3.11) is a wait
    however little of it is left: what is left of it is not its length (a 10 ms sleep-polling loop is
    seen with less than TRANSIENT left more often than not)."""
    if state == 'running' or state[0] not in _WAITING:
        return None
    wait = Wait(state[0], *_wait_of(pid, tid, state))
    if wait.timed and wait.seconds is not None and wait.seconds < TRANSIENT and not _sleeps_to_deadline(state):
        return None
    return wait


def _sleeps_to_deadline(state):
    """Whether the waiting system call `state` is a sleep to an absolute deadline (clock_nanosleep with
    TIMER_ABSTIME): not the interpreter's lock (a futex), nor a select() whose timeout is its length."""
    how = _HOW_WAITS_END.get(state[0])
    if how is None or how[0] != 'timer' or how[1][0] != 'abs':
        return False
    try:
        return _to_deadline(how[1], [int(arg, 16) for arg in state[2]])
    except ValueError:
        return False


def _to_deadline(where, values):
    """For a timeout `where` of form 'abs' (see _HOW_WAITS_END): whether, with these arguments, it is a
    deadline rather than a length."""
    flags = where[3]
    return flags is None or (flags < len(values) and bool(values[flags] & _TIMER_ABSTIME))


def _waits_or_spins(pid, tid, spins, now):
    """For wait_idle and wait_process_idle: the thread's system call number while it waits, 'spin' while
    it spins (see Spins; a select() that does not wait, or a turn for the interpreter's lock, is at
    work), None while it is at work or in another system call (a send), False when it is gone."""
    state = _syscall_of(pid, tid, arguments=True)
    if state is None:
        return False
    seen = spins.state_of(pid, tid, _seen_wait(pid, tid, state), now,
                          running=state == 'running' or state[0] in _WAITING)
    return 'spin' if seen is SPINNING else None if seen is None else seen.number


def wait_idle(pid, within, interval=0.005, stable=0.02, spins=None):
    """Wait until the main thread has been waiting (see main_thread_waiting) in the same system call for
    `stable` seconds: back at the head of its loop, not in the middle of a send, and not merely queued for
    the interpreter's lock for a moment. True once idle; False if it never was within `within` seconds;
    None when this machine cannot tell (the caller decides what to do then)."""
    if _WAITING is None or _syscall_of(pid, pid) is None:
        return None
    end = time.monotonic() + within
    since, seen, turns = None, None, SpinTurns(())
    spins = spins if spins is not None else Spins()
    while True:
        now = time.monotonic()
        current = _waits_or_spins(pid, pid, spins, now)
        if current is False:
            return None                          # the process is gone
        waiting = current is not None
        if waiting and seen == current:
            if now - since >= stable and turns.had():
                return True
        elif waiting:
            since, seen = now, current
            turns = SpinTurns([(pid, pid)] if current == 'spin' else ())
        else:
            since, seen = None, None
        if now >= end:
            return False
        time.sleep(interval)


def wait_process_idle(pid, within, interval=0.005, stable=0.02, unread=None, spins=None):
    """Like wait_idle, for every thread of the process: all of them waiting, unchanged, for `stable`
    seconds (a server that has handled everything it was sent), and, if `unread` is given, nothing sent
    to it left unread (unread() is True while something is). True, False, or None (cannot tell)."""
    if _WAITING is None or _syscall_of(pid, pid) is None:
        return None
    end = time.monotonic() + within
    since, seen, turns = None, None, SpinTurns(())
    spins = spins if spins is not None else Spins()
    while True:
        try:
            tasks = sorted(os.listdir('/proc/{}/task'.format(pid)))
        except OSError:
            return None
        now = time.monotonic()
        states = tuple(_waits_or_spins(pid, task, spins, now) for task in tasks)
        waiting = all(state not in (None, False) for state in states)
        if waiting and unread is not None:
            pending = unread()
            if pending is None:
                return None
            waiting = not pending
        signature = tuple(zip(tasks, states))
        if waiting and seen == signature:
            if now - since >= stable and turns.had():
                return True
        elif waiting:
            since, seen = now, signature
            turns = SpinTurns([(pid, task) for task, state in signature if state == 'spin'])
        else:
            since, seen = None, None
        if now >= end:
            return False
        time.sleep(interval)


# How each waiting system call ends, and what it waits for. None: only by something from outside (input, a
# connection, a lock released). Otherwise (kind, where its timeout is): kind 'io' waits for descriptors
# or a timeout (a select() with sockets in it, a socket timeout), 'timer' for time only (a sleep, a
# select() with no descriptors, Event.wait(t), queue.get(timeout=t)); either may be a polling loop that
# acts, when it wakes, on what another thread left for it (QuietWatch). ('nfds', i) means 'io' when
# argument i (a count of descriptors) is not 0, else 'timer'. Where the timeout is: ('ms', i) an int of
# milliseconds in argument i (negative: none); ('ts', i) / ('tv', i) a pointer to a timespec / timeval,
# relative (NULL: none); ('abs', i, j, k) a pointer to a timespec on the clock argument j names, absolute
# if argument k has TIMER_ABSTIME (k None: always); ('futex',) the futex's own rule.
_HOW_WAITS_END = {
    'x86_64': {0: None, 7: (('nfds', 1), ('ms', 2)), 23: (('nfds', 0), ('tv', 4)), 34: None,
               35: ('timer', ('ts', 0)), 43: None, 45: None, 47: None, 61: None,
               128: ('timer', ('ts', 2)), 130: None, 202: ('timer', ('futex',)),
               230: ('timer', ('abs', 2, 0, 1)), 232: ('io', ('ms', 3)), 270: (('nfds', 0), ('ts', 4)),
               271: (('nfds', 1), ('ts', 2)), 281: ('io', ('ms', 3)), 288: None, 299: ('io', ('ts', 4)),
               441: ('io', ('ts', 3)), 449: ('timer', ('abs', 3, 4, None))},
    'aarch64': {22: ('io', ('ms', 3)), 63: None, 72: (('nfds', 0), ('ts', 4)), 73: (('nfds', 1), ('ts', 2)),
                98: ('timer', ('futex',)), 101: ('timer', ('ts', 0)), 115: ('timer', ('abs', 2, 0, 1)), 133: None,
                137: ('timer', ('ts', 2)), 202: None, 207: None, 212: None, 242: None, 243: ('io', ('ts', 4)),
                260: None, 441: ('io', ('ts', 3)), 449: ('timer', ('abs', 3, 4, None))},
}.get(_MACHINE, {})
QUIET_STABLE = 0.05      # seconds, at least, of the streak of looks QuietWatch believes
QUIET_AFTER = 0.1        # QuietWatch looks only once a wait took this long: most replies come sooner
QUIET_LOOKS = (0.005, 0.025)   # seconds between two of its looks, drawn at random
# A wait that ends by itself later than this is not waited for: a program that acts only when such a
# timeout fires delays that effect by as much, which is its own cost (judgement-calls.md, "Timing style is
# free"); a shorter one (a polling loop of 0.05-1 s) is watched until it has woken twice. Where the harness
# asked for an effect the text bounds in time ("run() must return within about 2 s"), it waits for polls
# up to that bound instead.
LONG_POLL = 1.0
# A timer this short is a thread waiting its turn for the interpreter's lock (sys.getswitchinterval(), 5 ms):
# it is at work, not waiting.
TRANSIENT = 0.006
_random = random.Random()     # its own: nothing else that draws from the global generator changes its draws
_FUTEX_WAIT, _FUTEX_WAIT_BITSET, _FUTEX_CLOCK_REALTIME, _TIMER_ABSTIME = 0, 9, 256, 1
_CLOCKS = {0: time.CLOCK_REALTIME, 1: time.CLOCK_MONOTONIC, 7: getattr(time, 'CLOCK_BOOTTIME', 1)} \
    if hasattr(time, 'clock_gettime') else {}


def _wait_of(pid, tid, state):
    """What the waiting system call `state` (number, first argument, arguments) waits for: 'event' (only
    something from outside ends it), 'io' (descriptors, or a timeout) or 'timer' (time only), and for the
    last two the seconds until the timeout fires at the latest (None where that cannot be read)."""
    how = _HOW_WAITS_END.get(state[0], ('timer', None))
    if how is None:
        return 'event', None
    kind, where = how
    args = state[2]
    try:
        values = [int(arg, 16) for arg in args]
    except ValueError:
        return 'timer', None
    if isinstance(kind, tuple):                      # ('nfds', i)
        kind = 'io' if len(values) > kind[1] and values[kind[1]] else 'timer'
    if where is None:
        return kind, None
    seconds = _timeout_seconds(pid, tid, where, values)
    if seconds is _NO_TIMEOUT:
        return 'event', None
    return kind, seconds


_NO_TIMEOUT = object()


class Wait(collections.namedtuple('Wait', 'number kind seconds')):
    """A thread's waiting system call: its number, what ends it ('event', 'io', 'timer': see
    _HOW_WAITS_END) and, for a timed one, the seconds until it times out at the latest (None: unknown)."""

    @property
    def timed(self):
        return self.kind != 'event'

    def same(self, other):
        """The same wait, as far as a look can tell (a timer's seconds move on)."""
        return other is not None and (self.number, self.kind) == (other.number, other.kind)


SPINNING = Wait(-1, 'spin', 0.0)     # a busy loop (Spins): it looks at everything it is sent, all the time


def _timeout_seconds(pid, tid, where, values):
    """Seconds until the wait's timeout at the latest (a relative timeout counts whole: when the wait began
    is not known), _NO_TIMEOUT if it has none, None if it cannot be read."""
    form = where[0]
    if form == 'futex':
        op, pointer = values[1] & 127, values[3]
        if not pointer:
            return _NO_TIMEOUT
        if op == _FUTEX_WAIT:
            return _read_timespec(pid, pointer, 'ts')
        if op == _FUTEX_WAIT_BITSET:
            clock = time.CLOCK_REALTIME if values[1] & _FUTEX_CLOCK_REALTIME else time.CLOCK_MONOTONIC
            return _until(_read_timespec(pid, pointer, 'ts'), clock)
        return None
    index = where[1]
    if index >= len(values):
        return None
    if form == 'ms':
        value = values[index] & 0xFFFFFFFF
        return _NO_TIMEOUT if value >= 0x80000000 else value / 1000.0      # a negative int: none
    pointer = values[index]
    if not pointer:
        return _NO_TIMEOUT
    if form == 'abs':
        seconds = _read_timespec(pid, pointer, 'ts')
        if not _to_deadline(where, values):
            return seconds
        return _until(seconds, _CLOCKS.get(values[where[2]]) if where[2] < len(values) else None)
    return _read_timespec(pid, pointer, form)


_MEMORY = {}              # pid -> an open descriptor of /proc/PID/mem (reads of timeouts are frequent)
_MEMORY_LOCK = threading.Lock()


def _memory(pid):
    with _MEMORY_LOCK:
        fd = _MEMORY.get(pid)
        if fd is None:
            if len(_MEMORY) >= 64:                      # the oldest processes are the likeliest gone
                for old in list(_MEMORY)[:16]:
                    os.close(_MEMORY.pop(old))
            try:
                fd = _MEMORY[pid] = os.open('/proc/{}/mem'.format(pid), os.O_RDONLY)
            except OSError:
                return None
        return fd


def _forget_memory(pid):
    with _MEMORY_LOCK:
        fd = _MEMORY.pop(pid, None)
        if fd is not None:
            os.close(fd)


def _read_timespec(pid, pointer, form):
    """A timespec ('ts') or timeval ('tv') at `pointer` in the process's memory, in seconds; None if it
    cannot be read (reading a process's memory needs the rights reading its system calls needs)."""
    fd = _memory(pid)
    if fd is None:
        return None
    try:
        seconds, fraction = struct.unpack('=qq', os.pread(fd, 16, pointer))
    except (OSError, struct.error):
        _forget_memory(pid)            # gone, or a pid used again: opened anew next time
        return None
    return seconds + fraction / (1e9 if form == 'ts' else 1e6)


def _until(absolute, clock):
    if absolute is None or clock is None:
        return None
    return absolute - time.clock_gettime(clock)


def _blocks(pid, tid):
    """How often a thread has blocked so far (voluntary context switches: each time it waited again)."""
    data = _read_proc('/proc/{}/task/{}/status'.format(pid, tid), 8192)
    at = data.find(b'\nvoluntary_ctxt_switches:') if data else -1
    if at < 0:
        return None
    try:
        return int(data[at + 25:].split(None, 1)[0])
    except (ValueError, IndexError):
        return None


_GROUPS = {}      # pid -> the cgroup.procs file of the harness's own cgroup it lives in, or ''


def _group_procs(pid):
    """The cgroup.procs of the task group (harness/sandbox.py) holding `pid`, or '' if it has none."""
    if pid not in _GROUPS:
        found = ''
        try:
            with open('/proc/{}/cgroup'.format(pid)) as source:
                for line in source:
                    path = line.rstrip('\n').split(':', 2)[-1]
                    if 'chatroom-check-' in path:
                        for root in ('/sys/fs/cgroup', '/sys/fs/cgroup/pids'):
                            candidate = root + path + '/cgroup.procs'
                            if os.path.exists(candidate):
                                found = candidate
                                break
        except OSError:
            pass
        if len(_GROUPS) > 4096:
            _GROUPS.clear()
        _GROUPS[pid] = found
    return _GROUPS[pid]


def _tree(pid):
    """pid and every descendant: the processes of its task group (one read), else from
    /proc/PID/task/TID/children; None if that cannot be read."""
    group = _group_procs(pid)
    if group:
        try:
            with open(group) as procs:
                members = [int(line) for line in procs if line.strip()]
            if pid in members:
                return [pid] + [member for member in members if member != pid]
        except (OSError, ValueError):
            pass
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir('/proc/{}/task'.format(current))
        except OSError:
            if current == pid:
                return None
            continue
        for task in tasks:
            try:
                with open('/proc/{}/task/{}/children'.format(current, task)) as children:
                    todo.extend(int(child) for child in children.read().split())
            except FileNotFoundError:
                if current == pid:
                    return None          # a kernel without CONFIG_PROC_CHILDREN: children unknown
            except (OSError, ValueError):
                pass
    return found


def _tree_threads(pid):
    """[(pid, tid)] of every thread of the process and of its descendants (a process that ended meanwhile
    is left out); None if the tree cannot be read."""
    pids = _tree(pid)
    if pids is None:
        return None
    threads = []
    for current in pids:
        try:
            threads += [(current, task) for task in os.listdir('/proc/{}/task'.format(current))]
        except OSError:
            continue                      # ended meanwhile
    return threads


def thread_states(pid, blocks=False, spins=None):
    """{(pid, tid): (Wait, or None if it runs or is in a system call that is not a wait; how often it has
    blocked, or None)} for every thread of the process and its descendants; with `blocks` false the counts
    are not read (None). With `spins` (a Spins), a thread in a busy loop is SPINNING rather than None.
    None when this machine cannot tell."""
    if _WAITING is None:
        return None
    tree = _tree_threads(pid)
    if tree is None:
        return None
    threads = {}
    for current, task in tree:
        state = _syscall_of(current, task, arguments=True)
        if state is None:
            if current == pid and task == str(pid):
                return None
            continue                  # a thread that ended meanwhile
        wait = _seen_wait(current, task, state)
        if spins is not None:
            wait = spins.state_of(current, task, wait, time.monotonic())
        threads[(current, task)] = (wait,
                                    _blocks(current, task) if blocks else None)
    return threads


# A wait's seconds count only while the program could run: on a busy machine (agents run at nice 10, below
# the harness and whatever else runs) a thread that was woken may wait long for a CPU, and a deadline that
# passes meanwhile would judge the machine, not the program (judgement-calls.md, "Timing style is free").
STARVED_STRETCH = 6.0    # how much later a deadline may end for that, at most
STARVED_AFTER = 0.05     # the first look at the program: most waits end sooner, and cost no read
STARVED_STEP = 0.03      # while a thread of it is runnable past the deadline, look again this much later


def thread_runs(pid):
    """{(pid, tid): (seconds it ran so far, True while it is runnable: running or waiting for a CPU)} of
    each thread of the process and of its descendants (/proc/PID/task/TID/schedstat and stat); None
    where that cannot be read."""
    if not LINUX:
        return None
    tree = _tree_threads(pid)
    if tree is None:
        return None
    runs = {}
    for current, task in tree:
        ran = thread_cpu(current, task)
        stat = _read_proc('/proc/{}/task/{}/stat'.format(current, task), 512)
        try:
            state = stat.rsplit(b')', 1)[1].split()[0]
            if ran is None:
                raise ValueError(task)
            runs[(current, task)] = (ran, state in (b'R', b'D'))
        except (AttributeError, IndexError, ValueError):
            if current == pid and task == str(pid):
                return None
    return runs


class StillAtWork:
    """Whether the program (`pid` and its descendants) still has a thread that is running or waiting for
    a CPU, other than a busy loop (one that ran SPIN_SECONDS since this was made: it had its turns).
    Such a program is not late, it is kept from running: a deadline waits for it (see stretched_end).
    Lazy: the first look happens STARVED_AFTER seconds after it was made. `now()` is None where this
    machine cannot tell."""

    def __init__(self, pid):
        self.pid = pid
        self.made = time.monotonic()
        self.first = None

    def begin(self):
        """The first look, once the wait took STARVED_AFTER seconds (before, nothing is read)."""
        if self.pid is None or self.first is not None or time.monotonic() - self.made < STARVED_AFTER:
            return
        self.first = thread_runs(self.pid)
        if self.first is None:
            self.pid = None

    def now(self):
        if self.pid is None:
            return None
        if self.first is None:
            self.first = thread_runs(self.pid) or {}
        runs = thread_runs(self.pid)
        if runs is None:
            return None
        return any(runnable and ran - self.first.get(thread, (0.0, False))[0] < SPIN_SECONDS
                   for thread, (ran, runnable) in runs.items())


def stretched_end(start, seconds, end, at_work):
    """When a wait of `seconds` from `start` that was to end at `end` ends: a little later while
    `at_work` (a StillAtWork, or None) says the program has a thread that runs or waits for a CPU, up to
    STARVED_STRETCH past its seconds."""
    now = time.monotonic()
    if at_work is None or now < end or now >= start + seconds + STARVED_STRETCH or not at_work.now():
        return end
    return min(now + STARVED_STEP, start + seconds + STARVED_STRETCH)


_PF_EXITING = 0x4        # include/linux/sched.h: the task is in exit()


def process_ending(pid):
    """True when the process has ended or is on its way out (exit() has begun: its sockets may already be
    closed while it is not yet a zombie); process_gone() where that cannot be read."""
    if LINUX:
        try:
            with open('/proc/{}/stat'.format(pid)) as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
            return fields[0] in ('Z', 'X') or bool(int(fields[6]) & _PF_EXITING)
        except FileNotFoundError:
            return True
        except (OSError, IndexError, ValueError):
            pass
    return process_gone(pid)


def process_gone(pid):
    """True when the process has ended (or is a zombie, ended and not yet reaped)."""
    if LINUX:
        try:
            with open('/proc/{}/stat'.format(pid)) as stat:
                return stat.read().rsplit(')', 1)[1].split()[0] in ('Z', 'X')
        except FileNotFoundError:
            return True
        except (OSError, IndexError):
            pass
    else:
        try:
            import psutil
            return psutil.Process(pid).status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
        except ImportError:
            pass
        except Exception:  # psutil.NoSuchProcess: ended and reaped
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    return False


def any_running(pid):
    """True when a thread of the process (or of its descendants) is running or ready to run, False when
    every one is blocked in a system call (waiting, or stuck in a send), None when this machine cannot
    tell."""
    if _WAITING is None:
        return None
    pids = _tree(pid)
    if pids is None:
        return None
    for current in pids:
        try:
            tasks = os.listdir('/proc/{}/task'.format(current))
        except OSError:
            continue
        for task in tasks:
            if _syscall_of(current, task) == 'running':
                return True
    return False


class QuietWatch:
    """Whether a submission has done all it was going to do with what it was sent, so that a wait for its
    reply can end at once. A streak of looks, `stable` seconds long at least, that begins with every
    thread waiting, during which
    - no thread that waits for something from outside only (input, a connection, a lock: an untimed
      wait) moves: same system call, no new block; no thread starts or ends; whether something sent to
      it lies unread where a polling thread could read it (`unread()`: True while something does, None if
      it cannot be told) does not change (input its pollers woke twice without reading, nothing reads);
    - every thread in a timer that fires within `long` seconds (a sleep-polling loop, Event.wait(0.1) in
      a loop: it may act, when it wakes, on what another thread left for it) has woken and waited again
      twice, so that what it does when it wakes is done. A thread that waits for descriptors with a
      timeout (a select() or socket timeout) is not waited for: what it waits for would have woken it;
      unless input lies unread (a select() loop over a list of sockets it has not yet read again since a
      client joined), or `polls`, where the harness asked the program to stop or the program changed its
      own state (set an event, closed a socket another thread polls): then every loop that wakes within
      `long` seconds must have woken twice. A wait that ends by itself only later than `long` (a poll of 60 s)
      is never waited for: what such a program does when it wakes, it delays by as much, which is its
      own cost (judgement-calls.md, "Timing style is free");
    and at whose end every thread waits. Then it sends nothing more until something new reaches it.

    Call `quiet()` between reads, as often as you like: it looks at random moments some milliseconds
    apart, only once `after` seconds passed (most replies come sooner, and a look costs a few reads of
    /proc per thread). `ignore`: (pid, tid) of threads that are not the submission's (the agent's channel
    reader, which the harness's own requests wake); `inbox`: a callable, True while a request sent to the
    program has not reached it (not read yet, or the reader is not back at its read): never quiet then.
    Busy loops (Spins) count as waiting for their next turn once each has run SPIN_WORK since the streak
    began (SpinTurns): one may hold what it read, waiting for the interpreter's lock among the others.
    True, False, or None when this machine cannot tell
    (then wait out the deadline, as without it). A polling thread is seen running now and then (its
    wake-ups): that is its own business and does not break the streak; any other movement does."""

    def __init__(self, pid, unread=None, stable=QUIET_STABLE, after=QUIET_AFTER, ignore=(), long=LONG_POLL,
                 polls=False, spins=None, inbox=None):
        self.pid = pid
        self.inbox = inbox
        self.long = long
        self.polls = polls
        self.unread = unread
        self.ignore = set(ignore)
        self.stable = stable
        self.not_before = time.monotonic() + after
        self.last = False
        self.gone = False                # quiet because the process has ended
        self.timers = {}                 # (pid, tid) -> (blocks, seconds, seen at) of its current timed wait
        self.spins = spins if spins is not None else Spins()   # shared by the watches of one process
        self._reset()

    def _reset(self):
        self.since, self.start, self.start_pending = None, None, None
        self.entries = {}
        self.turns = None

    def quiet(self):
        now = time.monotonic()
        if now < self.not_before:
            return self.last
        # At random moments: looks that kept step with a polling loop would always find it awake.
        self.not_before = now + _random.uniform(*QUIET_LOOKS)
        self.last = self._look(now)
        return self.last

    def _pending(self, threads):
        """Input left unread while a polling thread could read it (None: cannot tell). Where every thread
        waits for something from outside, input already there will never be read."""
        if self.unread is None or not any(state and state.timed for state, _ in threads.values()):
            return False
        return self.unread()

    def _look(self, now):
        if process_gone(self.pid):
            self.gone = True
            return True                  # it will send nothing more
        if self.inbox is not None and self.inbox():
            self._reset()                # a request of ours is on its way to it: it will act on it
            return False
        threads = thread_states(self.pid, blocks=True, spins=self.spins)
        if threads is None:
            self._reset()
            return None
        for key in self.ignore:
            threads.pop(key, None)
        pending = self._pending(threads)
        if pending is None:
            self._reset()
            return None
        all_waiting = all(state is not None for state, _ in threads.values())
        self._note_timers(now, threads)
        if self.start is None or set(threads) != set(self.start) or pending != self.start_pending:
            self._begin(now, threads, all_waiting)
            self.start_pending = pending
            return False
        for key, (state, blocks) in threads.items():
            first_state, first_blocks = self.start[key]
            if first_state.timed and (state is None or first_state.same(state) or state.timed):
                # A polling thread: its wake-ups are its own, and so is a loop of more than one timed
                # wait (select() with a timeout, then time.sleep(0.1)); it counts as settled only in a
                # wait it has come back to (_settled), not one it went on to once (a join with a timeout).
                if state is not None and blocks is not None:
                    self.entries.setdefault(key, {}).setdefault((state.number, state.kind), set()).add(blocks)
                continue
            if not first_state.same(state) or blocks != first_blocks:
                # Something from outside woke it, or a polling thread went on to other work than its poll
                # (waiting for a lock, a thread to end): a new streak, from what it does now.
                self._begin(now, threads, all_waiting)
                return False
        if not all_waiting or now - self.since < self.stable:
            return False
        return all(self._settled(key, now, state, blocks) for key, (state, blocks) in threads.items())

    def _note_timers(self, now, threads):
        """Remember, for each thread in a timed wait, how far off its timeout was when first seen (a wait
        is the same one while the thread has not blocked again)."""
        for key, (state, blocks) in threads.items():
            if state is None or not state.timed:
                self.timers.pop(key, None)
            elif key not in self.timers or self.timers[key][0] != blocks:
                self.timers[key] = (blocks, state.seconds, now)

    def _settled(self, key, now, state, blocks):
        """Whether the thread `key`, waiting since the streak began, has done what it does by itself."""
        first_state, first_blocks = self.start[key]
        if first_state.kind == 'spin':
            return self.turns.had()
        if not first_state.timed:
            return True
        if first_state.kind == 'io' and not self.polls and not self.start_pending:
            return True      # what it waits for would have woken it (unless input lies where it does not look)
        if blocks is not None and first_blocks is not None and blocks - first_blocks >= 2 and state is not None \
                and len(self.entries.get(key, {}).get((state.number, state.kind), ())) >= 2:
            return True                    # has woken twice, and is in a wait of its loop (entered twice)
        timer = self.timers.get(key)
        if timer is None:
            return True                                # no longer in a timer: a look will tell
        _, seconds, seen = timer
        if seconds is None:
            return now - seen >= self.long             # unknown: as long as the longest one waited for
        return seconds > self.long

    def _begin(self, now, threads, all_waiting):
        if all_waiting:
            self.since, self.start = now, threads
            self.turns = SpinTurns([key for key, (state, _) in threads.items() if state.kind == 'spin'])
            # each timed wait of each thread, with the block counts it was seen at: a wait seen at two
            # counts is one the thread's loop comes back to
            self.entries = {key: {(state.number, state.kind): {blocks}} for key, (state, blocks) in threads.items()
                            if state is not None and state.timed and blocks is not None}
        else:
            self._reset()


def blocked_reading_stdin(pid):
    """True when a thread of process `pid` is blocked in read(0, ...); None when this machine cannot tell."""
    if _READ is None:
        return None
    try:
        tasks = os.listdir('/proc/{}/task'.format(pid))
    except OSError:
        return None
    for task in tasks:
        state = _syscall_of(pid, task)
        if isinstance(state, tuple) and state[0] == _READ and state[1] == '0x0':
            return True
    return False


def cpu_seconds(pid):
    """CPU time (user + system) the process has used so far, all threads; None if unknown (psutil, on
    every path: the same figure /proc/PID/stat gives on Linux)."""
    try:
        import psutil
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    except Exception:  # psutil missing, or the process is gone
        return None


def _hex_address(address):
    host, port = address[0], address[1]
    packed = bytes(int(part) for part in host.split('.'))
    return '{:08X}:{:04X}'.format(int.from_bytes(packed, 'little'), port)


def unread_tcp_bytes(local, remote):
    """Bytes that arrived at the TCP socket bound to `local` and connected to `remote` (IPv4 (host, port)
    pairs) and that its owner has not read yet: 0 when there is no such socket (any more: nobody will
    read), None when this machine cannot tell. Asks the kernel for that one socket (sock_diag netlink,
    ~20 us); else reads /proc/net/tcp (milliseconds when many connections linger in TIME_WAIT)."""
    if not LINUX:
        return None
    unread = _diag_unread(local, remote)
    return unread if unread is not _UNKNOWN else _proc_unread(local, remote)


def pending_connections(listening):
    """Connections waiting in the accept queue of the TCP socket listening at `listening` ((host, port)):
    0 once the program accepted them all; None when this machine cannot tell."""
    return unread_tcp_bytes(listening, ('0.0.0.0', 0))     # a listener's receive queue is its accept queue


_UNKNOWN = object()
_diag_sockets = threading.local()    # one sock_diag socket per thread, kept (a lookup is one request)
_NETLINK_SOCK_DIAG, _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, _NLMSG_ERROR = 4, 20, 1, 2
_NOCOOKIE = 0xFFFFFFFF


def _diag_unread(local, remote):
    if not hasattr(socket, 'AF_NETLINK'):
        return _UNKNOWN
    try:
        sockid = (struct.pack('!HH', local[1], remote[1]) + socket.inet_aton(local[0]) + bytes(12) +
                  socket.inet_aton(remote[0]) + bytes(12) + struct.pack('=III', 0, _NOCOOKIE, _NOCOOKIE))
        request = struct.pack('=BBBBI', socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF) + sockid
        header = struct.pack('=IHHII', 16 + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0)
        diag = getattr(_diag_sockets, 'sock', None)
        if diag is None:
            diag = _diag_sockets.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG)
            diag.settimeout(1.0)
        try:
            diag.send(header + request)
            reply = diag.recv(65536)
        except OSError:
            _diag_sockets.sock = None
            diag.close()
            raise
        _, kind = struct.unpack_from('=IH', reply, 0)
        if kind == _NLMSG_ERROR:
            error, = struct.unpack_from('=i', reply, 16)
            return 0 if error == -errno.ENOENT else _UNKNOWN
        if kind != _SOCK_DIAG_BY_FAMILY:
            return _UNKNOWN
        # inet_diag_msg: family, state, timer, retrans (4 bytes), the socket id (48), expires, rqueue, ...
        rqueue, = struct.unpack_from('=I', reply, 16 + 4 + 48 + 4)
        return rqueue
    except (OSError, struct.error, ValueError):
        return _UNKNOWN


def _proc_unread(local, remote):
    key = (_hex_address(local), _hex_address(remote))
    try:
        with open('/proc/net/tcp') as table:
            next(table, None)
            for line in table:
                fields = line.split()
                if len(fields) > 4 and (fields[1], fields[2]) == key:
                    return int(fields[4].split(':')[1], 16)
    except (OSError, ValueError, IndexError):
        return None
    return 0


def unread_udp_bytes(local):
    """Bytes of datagrams queued at the UDP socket bound to `local` (an IPv4 (host, port)) that its owner
    has not read: 0 when there is no such socket, None when this machine cannot tell (/proc/net/udp)."""
    if not LINUX:
        return None
    keys = {_hex_address(local), _hex_address(('0.0.0.0', local[1]))}     # bound to all interfaces, too
    try:
        with open('/proc/net/udp') as table:
            next(table, None)
            for line in table:
                fields = line.split()
                if len(fields) > 4 and fields[1] in keys:
                    return int(fields[4].split(':')[1], 16)
    except (OSError, ValueError, IndexError):
        return None
    return 0


def wait_consumed(local, remote, within, interval=0.002):
    """Wait until the owner of the socket (local, remote) has read everything sent to it. True once it
    has, False if it had not within `within` seconds, None when this machine cannot tell."""
    end = time.monotonic() + within
    while True:
        unread = unread_tcp_bytes(local, remote)
        if unread is None:
            return None
        if unread == 0:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(interval)
