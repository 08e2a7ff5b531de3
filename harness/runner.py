"""The runner: starts a submission's code in an isolated agent process (harness/sandbox.py says how) and
talks to it over a private socketpair, never stdout; the submission's stdout and stderr are separate
pipes, captured (bounded) for the report. `kill()` kills the agent's whole process group and cgroup, then
waits for it, so no child and no bound port outlives the agent; `release()` does the waiting and cleaning
on a reaper thread. AgentPool keeps agents started and importing while earlier checks run.
"""

import contextlib
import json
import os
import queue
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import clock, platform, sandbox
from .errors import AgentError, AgentGone, AgentTimeout, CallFailed, SubmissionProblem, describe_exit  # noqa: F401
from .sandbox import (AGENT_PYTHON_ENV, AGENT_USER_ENV, TaskGroup, agent_python, agent_user_from_env,  # noqa: F401
                      resolve_user)

REFERENCE_PATH = Path(__file__).resolve().parent.parent / 'chatroom.py'
OUTPUT_LIMIT = 1 << 20
_CAN_SELECT_PIPES = os.name == 'posix' and not platform.WINDOWS  # select() on a pipe: not on Windows
IMPORT_TIMEOUT = 5.0
CALL_TIMEOUT = 3.0
# A call that must simply return (connect_server() once greeted, send()) is waited for while a loop, a
# sleep or a socket timeout of it that ends within this many seconds may still end it (Agent.wait_returned).
CALL_PATIENCE = 3.5
ENDED_SLACK = 2.0      # Agent.wait_ended: beyond two periods of the slowest loop waited for, a busy machine's


@dataclass
class Limits:
    address_space: int = 4 << 30
    cpu_seconds: int = 120
    tasks: int = 256          # a server with a thread per client and 100 clients stays well below
    open_files: int = 4096
    file_size: int = 64 << 20
    nice: int = 10            # below the harness: a busy loop of the submission's cannot starve the checks

    def for_agent(self):
        if not platform.HAS_RLIMITS:
            return {}
        return {'as': self.address_space, 'cpu': self.cpu_seconds, 'nofile': self.open_files,
                'fsize': self.file_size, 'core': 0, 'nice': self.nice}


_VALID = set()        # (path, size, mtime) of files found valid: every agent of a run validates again


def validate_submission(path):
    """Reject what cannot be a chatroom.py before any process starts: one clear line each."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key in _VALID:
        return
    _validate(path)
    if key is not None:
        _VALID.add(key)


def _validate(path):
    if not path.exists():
        raise SubmissionProblem('missing', 'no such file: {}'.format(path))
    if not path.is_file():
        raise SubmissionProblem('missing', 'not a file: {}'.format(path))
    try:
        source = path.read_bytes()
    except OSError as error:
        raise SubmissionProblem('unreadable', 'cannot read {}: {}'.format(path, error.strerror))
    if b'\x00' in source[:4096]:
        raise SubmissionProblem('not_python', '{} is not a Python file (it holds binary data)'.format(path))
    try:
        compile(source, str(path), 'exec', dont_inherit=True)
    except SyntaxError as error:
        raise SubmissionProblem('syntax', '{} has a syntax error at line {}: {}'.format(
            path.name, error.lineno, error.msg), detail=(error.text or '').rstrip())
    except ValueError as error:
        raise SubmissionProblem('not_python', '{} is not a Python file: {}'.format(path, error))


class OutputStream:
    """One of the agent's output pipes, read by a thread into a bounded buffer we can wait on."""

    def __init__(self, pipe):
        self.pipe = pipe
        self.data = bytearray()
        self.truncated = False
        self.closed = False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                if _CAN_SELECT_PIPES:
                    # Read only under the lock, once the pipe is readable: so that whoever holds the lock
                    # and finds the pipe empty knows that everything written is in `data` (wait_for).
                    select.select([self.pipe], [], [])
                    with self.changed:
                        chunk = os.read(self.pipe.fileno(), 65536)
                        self._append(chunk)
                else:
                    chunk = self.pipe.read1(65536) if hasattr(self.pipe, 'read1') else self.pipe.read(65536)
                    with self.changed:
                        self._append(chunk)
                if not chunk:
                    break
        except (OSError, ValueError):
            pass
        finally:
            with self.changed:
                self.closed = True
                self.changed.notify_all()

    def _append(self, chunk):
        room = OUTPUT_LIMIT - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        if len(chunk) > room:
            self.truncated = True
        self.changed.notify_all()

    def text(self):
        with self.changed:
            return self.data.decode('utf-8', 'replace')

    def wait_for(self, predicate, within, start=0, settled=None, watch=None):
        """Wait until predicate(text[start:]) is true; return (ok, text[start:]). `settled`: a callable
        true once the process will print nothing more; asked now and then, it ends the wait early once
        everything the process printed has been read here. `watch`: the process's QuietWatch: its quiet()
        is `settled`, and the end waits while the process runs or waits for a CPU (platform.StillAtWork)."""
        if watch is not None and settled is None:
            settled = watch.quiet
        began = time.monotonic()
        end = began + within
        at_work = platform.StillAtWork(watch.pid) if watch is not None else None
        with self.changed:
            while True:
                text = self.data.decode('utf-8', 'replace')[start:]
                if predicate(text):
                    return True, text
                remaining = end - time.monotonic()
                if at_work is not None:
                    at_work.begin()
                    end = platform.stretched_end(began, within, end, at_work)
                    remaining = end - time.monotonic()
                if remaining <= 0 or self.closed:
                    return predicate(text), text
                if settled is None:
                    self.changed.wait(remaining)
                    continue
                self.changed.wait(min(remaining, 0.02))
                if _CAN_SELECT_PIPES and settled() and self.unread_in_pipe() == 0:
                    # (the reader reads under this lock: nothing read is left to append)
                    text = self.data.decode('utf-8', 'replace')[start:]
                    return predicate(text), text

    def unread_in_pipe(self):
        """Bytes the process wrote that this reader has not read yet (None where that cannot be told)."""
        try:
            import fcntl
            import termios
            return struct.unpack('i', fcntl.ioctl(self.pipe.fileno(), termios.FIONREAD, b'\0\0\0\0'))[0]
        except (ImportError, OSError, ValueError):
            return None

    def size(self):
        with self.changed:
            return len(self.data.decode('utf-8', 'replace'))


_LIVE_AGENTS = set()    # started and not yet killed: kill_live_agents() ends them all (batch workers on SIGTERM)


class _Reaper:
    """Waits for released agents to die and cleans up after them, off the checks' path."""

    def __init__(self):
        self.queue = queue.Queue()
        self.thread = None
        self.lock = threading.Lock()

    def put(self, agent):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name='agent-reaper', daemon=True)
                self.thread.start()
        self.queue.put(agent)

    def _run(self):
        while True:
            agent = self.queue.get()
            try:
                agent._reap()
            except Exception:  # cleanup is best effort; the processes were already SIGKILLed
                pass
            finally:
                self.queue.task_done()

    def wait(self):
        self.queue.join()


_REAPER = _Reaper()


class _TaskWatch:
    """Ends an agent whose task group is full (a fork bomb, a thread per loop turn): the submission could
    not start a process or thread it asked for, so it is broken, and the processes still trying eat the
    machine that the other checks (and other submissions of a batch) run on. Looks every 50 ms at the
    agents that have a task group, on one thread started on first need."""

    INTERVAL = 0.05

    def __init__(self):
        self.lock = threading.Lock()
        self.thread = None

    def start(self):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name='task-watch', daemon=True)
                self.thread.start()

    def _run(self):
        while True:
            time.sleep(self.INTERVAL)
            for agent in list(_LIVE_AGENTS):
                group = agent.group
                if not agent.exhausted and group is not None and group.path and (group.limit_hits() or 0) > 0:
                    agent.exhausted = True
                    agent._kill_processes()      # the check that holds it releases it, as always


_TASK_WATCH = _TaskWatch()


def reap_released():
    """Wait until every agent given to release() is gone and cleaned up."""
    _REAPER.wait()


def kill_live_agents():
    for agent in list(_LIVE_AGENTS):
        with contextlib.suppress(Exception):
            agent.kill()


_CHOSEN_PYTHON = {'path': None}


def use_python(path):
    """Every agent started from now on (submissions and the reference beside them) runs under `path`
    (--python, checked with sandbox.interpreter_info); None: the default again."""
    _CHOSEN_PYTHON['path'] = str(path) if path else None


def python_for(run_as):
    """The interpreter an agent runs under: --python, else one the unprivileged user can run, else ours."""
    return _CHOSEN_PYTHON['path'] or (agent_python() if run_as else sys.executable)


class Agent:
    """Harness-side handle of one agent process. Use as a context manager, or call kill()."""

    def __init__(self, submission, limits=None, run_as=None, python=None):
        self.submission = Path(submission).resolve()
        self.limits = limits or Limits()
        if run_as is None and self.submission != REFERENCE_PATH:
            run_as = agent_user_from_env()
        self.run_as = run_as                # (uid, gid) to drop to, or None
        self.python = python or python_for(run_as)
        self.proc = None
        self.workdir = None
        self.group = None
        self._channel = None
        self._next_id = 0
        self._pending = {}
        self._replies = {}
        self._lock = threading.Condition()
        self._gone = False
        self._killed = False
        self.own_threads = set()   # (pid, tid) of the agent's own threads that the harness's requests wake
        self.channel_fd = None     # the descriptor they read our requests from, in the agent
        self.spins = platform.Spins()   # its busy loops, as every watch of it has seen them so far
        self.exhausted = False     # killed because its task group was full (see _TaskWatch)

    # -- life cycle --------------------------------------------------------------------------------

    def start(self):
        validate_submission(self.submission)
        self.workdir = Path(tempfile.mkdtemp(prefix='chatroom-check-'))
        shutil.copyfile(self.submission, self.workdir / 'chatroom.py')
        if self.run_as:
            for path in (self.workdir, self.workdir / 'chatroom.py'):
                os.chown(str(path), *self.run_as)
        # A socketpair end handed to the child; where descriptors cannot be handed on (Windows), the
        # agent connects back over loopback instead (harness/sandbox.py).
        ours, theirs = (None, None) if platform.WINDOWS else socket.socketpair()
        self.group = TaskGroup(self.limits.tasks)
        try:
            self.proc = sandbox.start_agent(self.python, self.workdir, self.workdir / 'chatroom.py',
                                            self.limits.for_agent(), theirs, self.group, self.run_as,
                                            self.limits.tasks, source=self.submission)
        finally:
            if theirs is not None:
                theirs.close()
        if ours is None:
            ours = self.proc.channel
        _LIVE_AGENTS.add(self)
        clock.register(self)          # killed when the check that started it runs out of time
        if self.group is not None and self.group.path:
            _TASK_WATCH.start()
        self._channel = ours
        self.stdout = OutputStream(self.proc.stdout)
        self.stderr = OutputStream(self.proc.stderr)
        threading.Thread(target=self._read_replies, daemon=True).start()
        return self

    def kill(self):
        """Kill the agent and everything it started, and wait until they are gone and cleaned up."""
        if self._signal_kill():
            self._reap()

    def release(self):
        """Kill the agent and everything it started now; the waiting and cleaning up (~20 ms) happen on a
        background thread. reap_released() waits for them (the plugin calls it when the run ends)."""
        if self._signal_kill():
            _REAPER.put(self)

    def _signal_kill(self):
        if self.proc is None or self._killed:
            return False
        self._killed = True
        _LIVE_AGENTS.discard(self)
        self._kill_processes()
        return True

    def _kill_processes(self):
        """Kill the agent, all it started (harness/platform.kill_tree) and every task of its cgroup (no
        waiting, no cleanup)."""
        held = self.group is not None and self.group.path is not None    # the cgroup holds every descendant
        platform.kill_tree(self.proc.pid, descendants=not held)
        with contextlib.suppress(OSError):
            self.proc.kill()
        if self.group is not None:
            for pid in self.group.pids():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    def _reap(self):
        if self.group is not None:
            self.group.kill_all()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        with contextlib.suppress(OSError):
            self._channel.close()
        for stream in (self.stdout, self.stderr):
            stream.thread.join(timeout=1)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                pipe.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.kill()

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- channel -----------------------------------------------------------------------------------

    def _read_replies(self):
        reader = self._channel.makefile('r', encoding='utf-8', newline='\n')
        try:
            for line in reader:
                try:
                    reply = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(reply, dict):
                    continue
                with self._lock:
                    # Only the first reply to a request that was sent: the submission runs in the agent's
                    # process and can write to the channel too, but not answer what was not yet asked.
                    request_id = reply.get('id')
                    if request_id in self._pending and request_id not in self._replies:
                        self._replies[request_id] = reply
                        self._lock.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._gone = True
                self._lock.notify_all()

    def send(self, op, **fields):
        """Send a request; return its id for `wait`."""
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            self._pending[request_id] = op      # before sending: the reply may come at once
        fields.update(op=op, id=request_id)
        try:
            self._channel.sendall((json.dumps(fields) + '\n').encode('utf-8'))
        except OSError:
            raise self._gone_error()
        return request_id

    def wait(self, request_id, timeout, settled=None):
        """The value of a request sent earlier; AgentTimeout, CallFailed or AgentGone otherwise. `settled`:
        a callable (a QuietWatch's quiet), asked now and then, true once the submission will do nothing
        more by itself: then the wait ends without its reply, as at the deadline."""
        op = self._pending.get(request_id, 'request')
        began = time.monotonic()
        end = began + timeout
        at_work = platform.StillAtWork(self.proc.pid)    # a call kept from running by a busy machine is not late
        with self._lock:
            while request_id not in self._replies:
                remaining = end - time.monotonic()
                if self._gone:
                    break
                if remaining <= 0:
                    self._lock.release()
                    try:
                        end = platform.stretched_end(began, timeout, end, at_work)   # reads /proc: not under the lock
                    finally:
                        self._lock.acquire()
                    remaining = end - time.monotonic()
                if remaining <= 0:
                    break
                if settled is None:
                    self._lock.wait(remaining)
                    continue
                self._lock.wait(min(remaining, 0.02))
                if request_id not in self._replies and not self._gone:
                    self._lock.release()
                    try:
                        done = settled()         # reads /proc: not under the lock the reader needs
                    finally:
                        self._lock.acquire()
                    if done and request_id not in self._replies:
                        break
            reply = self._replies.pop(request_id, None)
        if reply is None:
            if self._gone or not self.alive:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=1)
                raise self._gone_error()
            raise AgentTimeout(op, timeout, self.where_stuck())
        self._pending.pop(request_id, None)
        if not reply.get('ok'):
            raise CallFailed(reply.get('error'), reply.get('message'), reply.get('trace', ''))
        return reply.get('value')

    def _gone_error(self):
        why = None
        if self.exhausted:
            why = 'killed: it tried to run more than {} processes and threads at once (a fork bomb, or a new ' \
                  'thread for every loop turn?)'.format(self.limits.tasks)
        return AgentGone(self.proc.poll(), self.stderr.text()[-2000:], why)

    def poll_reply(self, request_id):
        """True when the reply to `request_id` has arrived (without consuming it)."""
        with self._lock:
            return request_id in self._replies or self._gone

    def request(self, op, timeout=CALL_TIMEOUT, **fields):
        return self.wait(self.send(op, **fields), timeout)

    def stacks(self):
        """The submission's frames of each of its threads, outermost first, as 'chatroom.py:LINE in FUNC:
        CODE'; [] once the agent is gone, None where it cannot say within a second (a starved machine)."""
        if self._gone or not self.alive:
            return []
        try:
            request_id = self.send('stacks')
            with self._lock:
                end = time.monotonic() + 1.0
                while request_id not in self._replies and not self._gone and time.monotonic() < end:
                    self._lock.wait(end - time.monotonic())
                reply = self._replies.pop(request_id, None)
        except AgentError:
            return None
        if not reply or not reply.get('ok'):
            return None
        return [stack['where'] for stack in reply['value']]

    def where_stuck(self):
        """Where the submission's threads are, as 'chatroom.py:LINE in FUNC: CODE' (best effort)."""
        return [where[-1] for where in self.stacks() or [] if where]

    # -- conveniences the checks use ---------------------------------------------------------------

    def import_submission(self, timeout=IMPORT_TIMEOUT):
        try:
            value = self.request('import', timeout)
            self.own_threads = {(self.proc.pid, str(tid)) for tid in value.get('agent_threads') or [] if tid}
            self.channel_fd = value.get('agent_channel_fd')
            return value
        except AgentTimeout as error:
            where = ' at ' + error.where[-1] if error.where else ''
            raise SubmissionProblem('import_hangs', 'importing chatroom.py did not finish within {:.0f}s{} '
                                    '(code at module level that waits, loops or starts a server: keep it '
                                    'under `if __name__ == "__main__":`)'.format(timeout, where))
        except CallFailed as error:
            if error.error in ('ModuleNotFoundError', 'ImportError'):
                # The module may exist in the student's Python and not in this one ('uu' left in 3.13).
                version = sandbox.interpreter_info(self.python)['version']
                raise SubmissionProblem('import_error', 'importing chatroom.py under Python {} raised {} (a '
                                        'module this Python does not have: is it the course\'s version, and '
                                        'only the standard library?)'.format(version, error),
                                        detail=error.trace)
            raise SubmissionProblem('import_error', 'importing chatroom.py raised {}'.format(error),
                                    detail=error.trace)
        except AgentGone as error:
            raise SubmissionProblem('import_exit', 'importing chatroom.py ended the process ({})'.format(
                describe_exit(error.returncode)), detail=error.stderr_tail)

    # A constructor that hung once hangs every time: checks that build the same class of the same file
    # (structure, the class's checks, interop) fail at once instead of each waiting out the timeout.
    _hung_constructors = {}

    def construct(self, obj, cls, *args, timeout=CALL_TIMEOUT):
        try:
            stat = self.submission.stat()
            key = (str(self.submission), stat.st_size, stat.st_mtime_ns, cls)
        except OSError:
            key = None
        if key in Agent._hung_constructors:
            raise Agent._hung_constructors[key]
        try:
            return self.request('construct', timeout, obj=obj, cls=cls, args=list(args))
        except AgentTimeout as error:
            if key is not None:
                where = error.where[:-1] + [(error.where[-1] + ' ' if error.where else '') + '(in an earlier check)']
                Agent._hung_constructors[key] = AgentTimeout(error.op, error.timeout, where)
            raise

    def get(self, obj, name, timeout=CALL_TIMEOUT):
        return self.request('get', timeout, obj=obj, name=name)

    def call(self, obj, method, *args, timeout=CALL_TIMEOUT):
        return self.request('call', timeout, obj=obj, method=method, args=list(args))

    def set_event(self, obj, name, timeout=CALL_TIMEOUT):
        return self.request('set_event', timeout, obj=obj, name=name)

    def listen(self, obj, attr, timeout=CALL_TIMEOUT):
        """Make obj.attr (a socket) listen if it does not yet; True if it did not."""
        return self.request('listen', timeout, obj=obj, attr=attr)

    def clear_event(self, obj, name, timeout=CALL_TIMEOUT):
        """Clear obj.name (a threading.Event); True if it was set."""
        return self.request('clear_event', timeout, obj=obj, name=name)

    def start_run(self, obj):
        """Start obj.run() in the agent's main thread; returns a request id to `wait` on."""
        return self.send('run', obj=obj)

    def wait_main_waiting(self, within, stable=0.05):
        """Where the machine cannot show the main thread's system call: wait until the agent sees run()'s
        thread stand still at a line that is not a send for `stable` seconds (agent.op_main_waiting).
        True, False if it never did within `within` seconds, None if the agent cannot say."""
        end = time.monotonic() + within
        while True:
            try:
                if self.request('main_waiting', timeout=CALL_TIMEOUT, stable=stable):
                    return True
            except AgentTimeout:
                pass                      # its interpreter is busy: not waiting
            except AgentError:
                return None
            if time.monotonic() >= end:
                return False

    def quiet_watch(self, unread=None, long=platform.LONG_POLL, polls=False):
        """A platform.QuietWatch of this agent's submission (the agent's own channel thread left out)."""
        return platform.QuietWatch(self.proc.pid, unread=unread, ignore=self.own_threads, long=long, polls=polls,
                                   spins=self.spins, inbox=self.requests_pending)

    def requests_pending(self):
        """True while a request of ours is not yet taken up: the agent has not read it all from the channel,
        or its channel thread is away from its read of the channel (at a request, or waiting for its turn
        to get back); None where this machine cannot tell. A watch that ignores the channel thread (our own
        requests wake it) must not call a submission quiet while the call we just sent is still on its way."""
        unread = platform.unread_by_peer(self._channel)
        if unread is None or self.channel_fd is None:
            return None
        return unread > 0 or not all(platform.waits_on(pid, tid, self.channel_fd) for pid, tid in self.own_threads)

    def wait_ended(self, request_id, bound, unread=None):
        """Wait for the reply to `request_id` (a run() or a call the text says must end), for as long as
        the submission may still act by itself within `bound` seconds: until it replies, or until every
        polling loop of it that wakes within `bound` seconds woke twice and nothing else moves (a loop
        polling every 2 s ends within about 2 s; one that polls every 60 s, or waits for input, will not).
        So the verdict is the program's, not the machine's: the deadline is generous, and a busy machine
        only makes it come later. `unread`: as for quiet_watch. Raises as `wait` does when it did not end."""
        watch = self.quiet_watch(unread=unread, long=bound, polls=True)
        return self.wait(request_id, 2 * bound + ENDED_SLACK, settled=watch.quiet)

    def pause(self, bound, unread=None):
        """A pause in a conversation: wait until every loop of the submission that wakes by itself within
        `bound` seconds has woken once (it left the timed wait it was in), and then until it is quiet
        again: what such a wake-up does (a client dropped for its silence, a listener closed) is done.
        Once is enough to show it; twice (wait_ended's) would double the pause of a 5 s socket timeout.
        Where a busy loop runs, `bound` seconds (its timers cannot be seen).
        False where the threads cannot be seen (the caller then pauses for a fixed time)."""
        first = platform.thread_states(self.proc.pid, blocks=True, spins=self.spins)
        if first is None:
            return False
        began = time.monotonic()
        waking = {key: blocks for key, (state, blocks) in first.items()
                  if key not in self.own_threads and state is not None and state.timed and state.kind != 'spin'
                  and blocks is not None and (state.seconds is None or state.seconds <= bound)}
        # A busy loop's timers cannot be seen (it counts time itself: a receive() that gives up after 3 s of
        # silence): where one runs, the pause lasts `bound`, as long as the longest timer waited for.
        busy = self._busy(first)
        end = began + bound + 1
        while waking and time.monotonic() < end:
            time.sleep(0.02)          # looking at /proc: no event says a thread left its wait
            now = platform.thread_states(self.proc.pid, blocks=True, spins=self.spins)
            if now is None:
                break
            # still in the wait it was in when the pause began (a thread that ended has done its part)
            waking = {key: blocks for key, blocks in waking.items() if key in now and now[key][1] == blocks}
        if busy:
            time.sleep(max(0.0, began + bound - time.monotonic()))   # the pause itself: nothing to wait for
        watch = self.quiet_watch(unread=unread)
        end = time.monotonic() + bound
        while time.monotonic() < end and watch.quiet() is False:
            time.sleep(0.02)
        return True

    def _busy(self, states):
        """Whether a thread of the submission is a busy loop (platform.Spins): one seen at work in `states`
        (platform.thread_states) is looked at until it waits or counts as one."""
        until = time.monotonic() + platform.SPIN_SECONDS + 0.1
        while True:
            mine = [state for key, (state, _) in states.items() if key not in self.own_threads]
            if any(state is not None and state.kind == 'spin' for state in mine):
                return True
            if all(state is not None for state in mine) or time.monotonic() >= until:
                return False
            time.sleep(0.02)          # looking at /proc: no event says a thread is a busy loop
            states = platform.thread_states(self.proc.pid, blocks=True, spins=self.spins) or {}

    def wait_returned(self, request_id, unread=None, patience=CALL_PATIENCE):
        """Wait for the reply to a call that must simply return, as wait_ended does with `patience`: until
        it returns or the submission will do nothing more by itself. Not a window: beside a busy machine
        a correct call returns later, and a stuck one is told as soon as it is idle."""
        return self.wait_ended(request_id, patience, unread=unread)

    def wait_left(self, function, unread=None, patience=CALL_PATIENCE):
        """Wait until no thread of the submission is in `function` (run()'s connect_server(), say), or the
        submission will do nothing more by itself, as wait_returned does for a call of ours."""
        def inside():
            stacks = self.stacks()
            if stacks is None:       # no answer yet (a starved machine): not known to have left
                return self.alive
            return any(' in {}: '.format(function) in frame for where in stacks for frame in where)
        watch = self.quiet_watch(unread=unread, long=patience, polls=True)
        started = time.monotonic()
        end = started + 2 * patience + ENDED_SLACK
        while inside() and time.monotonic() < end:
            quiet = watch.quiet()
            if quiet:
                break
            if quiet is None:        # cannot be told here (off Linux): no longer than one patience
                end = min(end, started + patience)
            time.sleep(0.05)

    def cpu_seconds(self):
        """CPU time the agent (all its threads) has used so far; None where it cannot be measured."""
        return platform.cpu_seconds(self.proc.pid)

    def interrupt(self):
        """Ctrl-C: its main thread gets KeyboardInterrupt. SIGINT on POSIX; on the Windows path the agent
        raises it in its main thread, as Windows' console handler does (harness/platform.py)."""
        if platform.sends_ctrl_c_as_signal():
            with contextlib.suppress(OSError):
                os.kill(self.proc.pid, signal.SIGINT)
        else:
            with contextlib.suppress(AgentError, OSError):
                self.send('interrupt')

    def type_line(self, text):
        self.proc.stdin.write((text + '\n').encode('utf-8'))
        self.proc.stdin.flush()

    def end_input(self):
        with contextlib.suppress(OSError):
            self.proc.stdin.close()


class AgentPool:
    """Agents for one submission, started and importing while earlier checks run, so that a check does
    not wait for a process to start. Every agent serves one check only. Thread-safe: checks that run side
    by side take from the same pool."""

    SPARES = 2       # an agent takes a few ms to fork (~40 ms to spawn) and import; many checks take less

    def __init__(self, submission, limits=None, python=None):
        self.submission = submission
        self.limits = limits
        self.python = python          # the agents' interpreter (--python); None: the default
        self._spares = []
        self._closed = False
        self._lock = threading.Lock()

    def _prepare(self):
        holder = {}

        def start():
            agent = Agent(self.submission, self.limits, python=self.python)
            try:
                agent.start()
                agent.import_submission()
                holder['agent'] = agent
            except BaseException as error:  # handed to the check that takes this agent
                agent.kill()
                holder['error'] = error
        thread = threading.Thread(target=start, name='agent-pool', daemon=True)
        thread.start()
        return thread, holder

    def take(self):
        """A started agent that has imported the submission; raises SubmissionProblem if it can't."""
        with self._lock:
            prepared = self._spares.pop(0) if self._spares else self._prepare()
            while not self._closed and len(self._spares) < self.SPARES:
                self._spares.append(self._prepare())
        thread, holder = prepared
        thread.join()
        if 'error' in holder:
            raise holder['error']
        clock.register(holder['agent'])    # killed when the check that took it runs out of time
        return holder['agent']

    def close(self):
        with self._lock:
            self._closed = True
            spares, self._spares = self._spares, []
        for thread, holder in spares:
            thread.join()
            if 'agent' in holder:
                holder['agent'].kill()


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def start_server(agent, cls, obj='server', timeout=CALL_TIMEOUT):
    """Construct a server class in the agent, on port 0 where the submission supports it, else on a
    free port picked here. Returns (port, how) where how is 'port 0' or 'picked port'."""
    kind = socket.SOCK_DGRAM if cls.endswith('UDP') else socket.SOCK_STREAM
    first_error = None
    try:
        agent.construct(obj, cls, 0, timeout=timeout)
        state = agent.get(obj, 'server_socket', timeout=timeout)
        port = (state.get('sockname') or [None, 0])[1]
        if port:
            return port, 'port 0'
    except CallFailed as error:
        first_error = error
    port = free_port(kind)
    try:
        agent.construct(obj, cls, port, timeout=timeout)
    except CallFailed as error:
        raise first_error or error
    return port, 'picked port'


LISTEN_WITHIN = 2.0


def run_server(agent, cls, obj='server', timeout=CALL_TIMEOUT):
    """start_server, then obj.run() in the agent's main thread, then wait_serving. Returns (port, how, the
    run request's id)."""
    port, how = start_server(agent, cls, obj, timeout)
    running = agent.start_run(obj)
    wait_serving(agent, cls, obj, timeout)
    return port, how, running


def wait_serving(agent, cls, obj='server', timeout=CALL_TIMEOUT, within=LISTEN_WITHIN):
    """Wait (bounded) until obj.server_socket listens (TCP) or is bound (UDP): a server that calls listen()
    or bind() only in run() (the text asks for both in __init__, which a structure check judges) would
    otherwise miss its first client through a race of the harness's making."""
    def serving():
        try:
            state = agent.get(obj, 'server_socket', timeout=timeout)
        except AgentError:
            return True          # a server that cannot say: nothing to wait for
        if cls.endswith('TCP'):
            return bool(state.get('listening'))
        return bool((state.get('sockname') or [None, 0])[1])
    poll_state(serving, within)


def poll_state(read, within, interval=0.01):
    """read() until it is true or `within` seconds passed; its last value."""
    end = time.monotonic() + within
    while True:
        value = read()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


@dataclass
class ServerHandle:
    host: str
    port: int
    agent: Agent


@contextlib.contextmanager
def serve(submission, protocol, port=0, limits=None, stop_within=3.0):
    """Run a submission's ServerTCP/ServerUDP isolated, for load tests and interop. Yields a handle with
    .host and .port; on exit stops it (run_event, then SIGINT) and kills everything it started."""
    cls = {'tcp': 'ServerTCP', 'udp': 'ServerUDP'}[protocol]
    limits = limits or Limits(address_space=16 << 30, tasks=4096, open_files=16384, cpu_seconds=3600)
    with Agent(submission, limits) as agent:
        agent.import_submission()
        if port:
            agent.construct('server', cls, port)
            bound = port
        else:
            bound, _ = start_server(agent, cls)
        running = agent.start_run('server')
        wait_serving(agent, cls)
        try:
            yield ServerHandle('127.0.0.1', bound, agent)
        finally:
            with contextlib.suppress(AgentError):
                agent.set_event('server', 'run_event', timeout=1.0)
            try:
                agent.wait(running, stop_within)
            except AgentError:
                agent.interrupt()
                with contextlib.suppress(AgentError):
                    agent.wait(running, stop_within)
