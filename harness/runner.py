"""The runner: starts a submission's code in an isolated agent process and talks to it.

Isolation, layer by layer:
- the agent runs in a new session (its own process group) in a fresh temporary directory that holds only
  copies of the submission and the agent script;
- it lowers its own resource limits (address space, CPU time, open files, file size) before it imports
  the submission;
- where the machine lets us (root with a writable cgroup pids controller), the agent and everything it
  starts live in a cgroup of their own capped at `Limits.tasks` tasks, so a fork bomb hits a wall, and
  `kill()` empties the cgroup; otherwise RLIMIT_NPROC caps the user's task count;
- `kill()` also kills the whole process group, then waits for the process, so no child and no bound port
  outlives the agent.
- optionally (the Gradescope autograder, which runs as root) the agent of a submission runs as an
  unprivileged user: `Agent(..., run_as=(uid, gid))`, or for every agent of a run the environment variable
  CHATROOM_CHECK_AGENT_USER (a user name or uid). The agent then drops its groups, gid and uid before it
  executes, its workdir is chowned to that user, and its interpreter is one that user can execute
  (CHATROOM_CHECK_AGENT_PYTHON, else the first of the harness's own, /usr/bin/python3 and
  /usr/local/bin/python3 that everyone can execute: the agent is stdlib-only, so it need not be the
  harness's interpreter). The bundled
  reference is trusted and never runs as that user, so a submission cannot read another agent's copy of it.
The control channel is a socketpair inherited by the agent; the submission's stdout and stderr are
separate pipes, captured (bounded) for the report.
"""

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import platform

AGENT_SCRIPT = Path(__file__).resolve().parent / 'agent.py'
REFERENCE_PATH = Path(__file__).resolve().parent.parent / 'chatroom.py'
AGENT_USER_ENV, AGENT_PYTHON_ENV = 'CHATROOM_CHECK_AGENT_USER', 'CHATROOM_CHECK_AGENT_PYTHON'
OUTPUT_LIMIT = 1 << 20
IMPORT_TIMEOUT = 5.0
CALL_TIMEOUT = 3.0


@dataclass
class Limits:
    address_space: int = 4 << 30
    cpu_seconds: int = 120
    tasks: int = 512
    open_files: int = 4096
    file_size: int = 64 << 20

    def for_agent(self):
        return {'as': self.address_space, 'cpu': self.cpu_seconds, 'nofile': self.open_files,
                'fsize': self.file_size, 'core': 0}


class SubmissionProblem(Exception):
    """The submission cannot be judged at all (missing, not Python, blocks at import...). `kind` is a
    short machine-readable reason; str() is the one line a user reads."""

    def __init__(self, kind, message, detail=''):
        super().__init__(message)
        self.kind = kind
        self.detail = detail


class AgentError(Exception):
    """A request to the agent did not give a value."""


class AgentTimeout(AgentError):
    def __init__(self, op, timeout, where=None):
        self.op, self.timeout, self.where = op, timeout, where or []
        text = '{} did not return within {:.1f}s'.format(op, timeout)
        if self.where:
            text += '; it was at ' + '; '.join(self.where[-1:])
        super().__init__(text)


class AgentGone(AgentError):
    def __init__(self, returncode, stderr_tail=''):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        how = describe_exit(returncode)
        super().__init__('the submission\'s process ended ({})'.format(how))


class CallFailed(AgentError):
    """The submission's code raised. `error` is the exception's class name."""

    def __init__(self, error, message, trace):
        self.error, self.message, self.trace = error, message, trace
        super().__init__('{}: {}'.format(error, message) if message else error)


def describe_exit(returncode):
    if returncode is None:
        return 'still running'
    if returncode < 0:
        try:
            return 'killed by {}'.format(signal.Signals(-returncode).name)
        except ValueError:
            return 'killed by signal {}'.format(-returncode)
    return 'exit code {}'.format(returncode)


def validate_submission(path):
    """Reject what cannot be a chatroom.py before any process starts: one clear line each."""
    path = Path(path)
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
                chunk = self.pipe.read1(65536) if hasattr(self.pipe, 'read1') else self.pipe.read(65536)
                if not chunk:
                    break
                with self.changed:
                    room = OUTPUT_LIMIT - len(self.data)
                    if room > 0:
                        self.data += chunk[:room]
                    if len(chunk) > room:
                        self.truncated = True
                    self.changed.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self.changed:
                self.closed = True
                self.changed.notify_all()

    def text(self):
        with self.changed:
            return self.data.decode('utf-8', 'replace')

    def wait_for(self, predicate, within, start=0):
        """Wait until predicate(text[start:]) is true; return (ok, text[start:])."""
        end = time.monotonic() + within
        with self.changed:
            while True:
                text = self.data.decode('utf-8', 'replace')[start:]
                if predicate(text):
                    return True, text
                remaining = end - time.monotonic()
                if remaining <= 0 or self.closed:
                    return predicate(text), text
                self.changed.wait(remaining)

    def size(self):
        with self.changed:
            return len(self.data.decode('utf-8', 'replace'))


_swept = set()


def sweep_stale_groups(root):
    """Remove the cgroups of harness processes that died without cleaning up (a judge killed by a batch's
    time cap), killing what is left in them. Once per root and process."""
    if root in _swept:
        return
    _swept.add(root)
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        match = re.match(r'chatroom-check-(\d+)-', name)
        if match and not pid_alive(int(match.group(1))):
            stale = TaskGroup.__new__(TaskGroup)
            stale.path = os.path.join(root, name)
            stale.kill_all(within=1.0)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class TaskGroup:
    """A cgroup (pids controller) holding the agent and all it starts, when the machine allows."""

    ROOTS = ('/sys/fs/cgroup/pids', '/sys/fs/cgroup')

    def __init__(self, max_tasks):
        self.path = None
        for root in self.ROOTS:
            sweep_stale_groups(root)
            if not os.path.exists(os.path.join(root, 'pids.max')) and \
                    not os.path.exists(os.path.join(root, 'cgroup.procs')):
                continue
            candidate = os.path.join(root, 'chatroom-check-{}-{}'.format(os.getpid(), id(self)))
            try:
                os.mkdir(candidate)
                with open(os.path.join(candidate, 'pids.max'), 'w') as limit:
                    limit.write(str(max_tasks))
                self.path = candidate
                break
            except OSError:
                with contextlib.suppress(OSError):
                    os.rmdir(candidate)

    def add(self, pid):
        if self.path is None:
            return False
        try:
            with open(os.path.join(self.path, 'cgroup.procs'), 'w') as procs:
                procs.write(str(pid))
            return True
        except OSError:
            return False

    def pids(self):
        if self.path is None:
            return []
        try:
            with open(os.path.join(self.path, 'cgroup.procs')) as procs:
                return [int(line) for line in procs if line.strip()]
        except OSError:
            return []

    def kill_all(self, within=3.0):
        if self.path is None:
            return
        end = time.monotonic() + within
        while time.monotonic() < end:
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)  # the kernel needs a moment to reap; bounded by `within`
        with contextlib.suppress(OSError):
            os.rmdir(self.path)


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


def reap_released():
    """Wait until every agent given to release() is gone and cleaned up."""
    _REAPER.wait()


def kill_live_agents():
    for agent in list(_LIVE_AGENTS):
        with contextlib.suppress(Exception):
            agent.kill()


class Agent:
    """Harness-side handle of one agent process. Use as a context manager, or call kill()."""

    def __init__(self, submission, limits=None, run_as=None, python=None):
        self.submission = Path(submission).resolve()
        self.limits = limits or Limits()
        if run_as is None and self.submission != REFERENCE_PATH:
            run_as = agent_user_from_env()
        self.run_as = run_as                # (uid, gid) to drop to, or None
        self.python = python or (agent_python() if run_as else sys.executable)
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

    # -- life cycle --------------------------------------------------------------------------------

    def start(self):
        validate_submission(self.submission)
        self.workdir = Path(tempfile.mkdtemp(prefix='chatroom-check-'))
        shutil.copyfile(self.submission, self.workdir / 'chatroom.py')
        shutil.copyfile(AGENT_SCRIPT, self.workdir / '_chatroom_check_agent.py')
        if self.run_as:
            for path in (self.workdir, self.workdir / 'chatroom.py', self.workdir / '_chatroom_check_agent.py'):
                os.chown(str(path), *self.run_as)
        ours, theirs = socket.socketpair()
        self.group = TaskGroup(self.limits.tasks)
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8',
               'HOME': str(self.workdir), 'TMPDIR': str(self.workdir)}
        # -S: the standard library only (as the assignment expects); skipping site-packages also saves
        # ~25 ms per agent and keeps this package, the reference included, off the submission's path.
        argv = [self.python, '-I', '-S', '-u', str(self.workdir / '_chatroom_check_agent.py'),
                str(theirs.fileno()), str(self.workdir / 'chatroom.py'), json.dumps(self.limits.for_agent())]
        preexec = None if self.group.path else self._limit_tasks_by_user
        identity = {}
        if self.run_as:   # subprocess drops groups, gid, then uid in the child, after preexec, before exec
            identity = dict(user=self.run_as[0], group=self.run_as[1], extra_groups=[])
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=str(self.workdir), env=env, pass_fds=(theirs.fileno(),), start_new_session=True,
            preexec_fn=preexec, **identity)
        _LIVE_AGENTS.add(self)
        theirs.close()
        self.group.add(self.proc.pid)      # before the agent imports anything of the submission's
        self._channel = ours
        self.stdout = OutputStream(self.proc.stdout)
        self.stderr = OutputStream(self.proc.stderr)
        threading.Thread(target=self._read_replies, daemon=True).start()
        return self

    def _limit_tasks_by_user(self):
        # Without a cgroup, RLIMIT_NPROC counts every task of this user: allow what runs now plus ours.
        import resource
        uid = self.run_as[0] if self.run_as else os.geteuid()
        if uid == 0:
            return  # root ignores RLIMIT_NPROC; nothing to gain
        running = count_user_tasks(uid)
        if running:
            resource.setrlimit(resource.RLIMIT_NPROC, (running + self.limits.tasks,) * 2)

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
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()
        if self.group is not None:
            for pid in self.group.pids():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        return True

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
            raise AgentGone(self.proc.poll(), self.stderr.text()[-2000:])
        return request_id

    def wait(self, request_id, timeout):
        """The value of a request sent earlier; AgentTimeout, CallFailed or AgentGone otherwise."""
        op = self._pending.get(request_id, 'request')
        end = time.monotonic() + timeout
        with self._lock:
            while request_id not in self._replies:
                remaining = end - time.monotonic()
                if self._gone:
                    break
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            reply = self._replies.pop(request_id, None)
        if reply is None:
            if self._gone or not self.alive:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=1)
                raise AgentGone(self.proc.poll(), self.stderr.text()[-2000:])
            raise AgentTimeout(op, timeout, self.where_stuck())
        self._pending.pop(request_id, None)
        if not reply.get('ok'):
            raise CallFailed(reply.get('error'), reply.get('message'), reply.get('trace', ''))
        return reply.get('value')

    def poll_reply(self, request_id):
        """True when the reply to `request_id` has arrived (without consuming it)."""
        with self._lock:
            return request_id in self._replies or self._gone

    def request(self, op, timeout=CALL_TIMEOUT, **fields):
        return self.wait(self.send(op, **fields), timeout)

    def where_stuck(self):
        """Where the submission's threads are, as 'chatroom.py:LINE in FUNC: CODE' (best effort)."""
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
            return []
        if not reply or not reply.get('ok'):
            return []
        return [frame for stack in reply['value'] for frame in stack['where'][-1:]]

    # -- conveniences the checks use ---------------------------------------------------------------

    def import_submission(self, timeout=IMPORT_TIMEOUT):
        try:
            return self.request('import', timeout)
        except AgentTimeout as error:
            where = ' at ' + error.where[-1] if error.where else ''
            raise SubmissionProblem('import_hangs', 'importing chatroom.py did not finish within {:.0f}s{} '
                                    '(code at module level that waits, loops or starts a server: keep it '
                                    'under `if __name__ == "__main__":`)'.format(timeout, where))
        except CallFailed as error:
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

    def start_run(self, obj):
        """Start obj.run() in the agent's main thread; returns a request id to `wait` on."""
        return self.send('run', obj=obj)

    def cpu_seconds(self):
        """CPU time the agent (all its threads) has used so far; None where it cannot be measured."""
        return platform.cpu_seconds(self.proc.pid)

    def interrupt(self):
        """Ctrl-C: SIGINT to the agent (its main thread gets KeyboardInterrupt)."""
        with contextlib.suppress(OSError):
            os.kill(self.proc.pid, signal.SIGINT)

    def type_line(self, text):
        self.proc.stdin.write((text + '\n').encode('utf-8'))
        self.proc.stdin.flush()

    def end_input(self):
        with contextlib.suppress(OSError):
            self.proc.stdin.close()


class AgentPool:
    """Agents for one submission, started and importing while earlier checks run, so that a check does
    not wait for a process to start. Every agent serves one check only."""

    SPARES = 2       # an agent takes ~40 ms to start and import; many checks take less than that

    def __init__(self, submission, limits=None):
        self.submission = submission
        self.limits = limits
        self._spares = []
        self._closed = False

    def _prepare(self):
        holder = {}

        def start():
            agent = Agent(self.submission, self.limits)
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
        prepared = self._spares.pop(0) if self._spares else self._prepare()
        while not self._closed and len(self._spares) < self.SPARES:
            self._spares.append(self._prepare())
        thread, holder = prepared
        thread.join()
        if 'error' in holder:
            raise holder['error']
        return holder['agent']

    def close(self):
        self._closed = True
        for thread, holder in self._spares:
            thread.join()
            if 'agent' in holder:
                holder['agent'].kill()
        self._spares = []


def count_user_tasks(uid=None):
    uid = os.getuid() if uid is None else uid
    total = 0
    try:
        entries = os.listdir('/proc')
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            if os.stat('/proc/' + entry).st_uid == uid:
                total += len(os.listdir('/proc/{}/task'.format(entry)))
        except OSError:
            pass
    return total


def resolve_user(name):
    """(uid, gid) of a user name or numeric uid; KeyError if there is no such user."""
    import pwd
    entry = pwd.getpwuid(int(name)) if str(name).isdigit() else pwd.getpwnam(str(name))
    return entry.pw_uid, entry.pw_gid


def agent_user_from_env():
    name = os.environ.get(AGENT_USER_ENV)
    if not name:
        return None
    try:
        return resolve_user(name)
    except KeyError:
        raise SubmissionProblem('harness', '{}={}: no such user'.format(AGENT_USER_ENV, name))


def executable_by_everyone(path):
    """True when any user can run `path`: it is world-executable, and every directory above it, both on
    the path as given (a venv's bin/python may be a symlink inside a private folder) and on the path it
    resolves to, is world-searchable."""
    given, real = Path(os.path.abspath(path)), Path(os.path.realpath(path))
    try:
        if not real.is_file() or not os.stat(str(real)).st_mode & 0o001:
            return False
        return all(os.stat(str(parent)).st_mode & 0o001 for parent in list(given.parents) + list(real.parents))
    except OSError:
        return False


def agent_python():
    """An interpreter an unprivileged user can execute, for agents that drop privileges."""
    chosen = os.environ.get(AGENT_PYTHON_ENV)
    if chosen:
        return chosen
    for candidate in (sys.executable, '/usr/bin/python3', '/usr/local/bin/python3'):
        if candidate and executable_by_everyone(candidate):
            return candidate
    raise SubmissionProblem('harness', 'no Python interpreter that an unprivileged user can run (set {})'.format(
        AGENT_PYTHON_ENV))


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
