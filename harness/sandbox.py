"""Starting an agent process in isolation, and killing it with everything it started.

Two ways, same result (the runner, harness/runner.py, does not care which ran):
- **fork** (POSIX): a fork server (harness/forkserver.py), one per interpreter and harness process, has
  imported the agent's code once and forks a fresh agent per check: about a millisecond of CPU instead of
  an interpreter's start (~25 ms). Its children join their cgroup, start a session, take their
  descriptors, drop privileges and run the agent's main(), as a spawned agent does.
- **spawn**: `python -I -S -u agent.py ...` through subprocess, where forking is unavailable (not POSIX),
  refused (CHATROOM_CHECK_NO_FORK=1), or the fork server could not start or died.

Isolation, layer by layer: the agent runs in a new session (its own process group) in a fresh temporary
directory that holds only a copy of the submission; it lowers its own resource limits (address space, CPU
time, open files, file size) before it imports the submission; where the machine lets us (root with a
writable cgroup pids controller), the agent and everything it starts live in a cgroup of their own capped
at a number of tasks, so a fork bomb hits a wall, and killing empties the cgroup; otherwise RLIMIT_NPROC
caps the user's task count. Optionally (the Gradescope autograder, which runs as root) the agent of a
submission runs as an unprivileged user (CHATROOM_CHECK_AGENT_USER), on an interpreter that user can
execute (CHATROOM_CHECK_AGENT_PYTHON, else the first of the harness's own, /usr/bin/python3 and
/usr/local/bin/python3 that everyone can execute).
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import platform
from .errors import SubmissionProblem

HERE = Path(__file__).resolve().parent
AGENT_SCRIPT = HERE / 'agent.py'
FORK_SERVER_SCRIPT = HERE / 'forkserver.py'
AGENT_USER_ENV, AGENT_PYTHON_ENV = 'CHATROOM_CHECK_AGENT_USER', 'CHATROOM_CHECK_AGENT_PYTHON'
NO_FORK_ENV = 'CHATROOM_CHECK_NO_FORK'
FORK_REPLY_WITHIN = 5.0


def agent_env(workdir):
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8',
           'HOME': str(workdir), 'TMPDIR': str(workdir), platform.PLATFORM_ENV: platform.PATH}
    if os.name == 'nt':       # Windows needs these to start an interpreter and open sockets
        for name in ('SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'PATHEXT', 'TEMP', 'TMP'):
            if name in os.environ:
                env[name] = os.environ[name]
    return env


CONNECT_WITHIN = 10.0      # seconds for a spawned agent to connect its TCP control channel (Windows path)


def start_agent(python, workdir, submission, limits, channel, group, run_as=None, max_tasks=512, source=None):
    """Start an agent for `submission` (a copy in `workdir`; `source`, the file it is a copy of, lets a fork
    server compile it once for all its agents) with `channel` (its end of the control socketpair) and
    return its process handle (.pid, .stdin, .stdout, .stderr, .poll(), .wait(), .kill(),
    .returncode, .how: 'fork' or 'spawn'). The caller closes its copy of `channel`. Where descriptors
    cannot be handed to a child (the Windows path) `channel` is None: the agent connects back over loopback
    TCP, and the handle's .channel is the harness's end."""
    nproc = None if group.path else tasks_limit(run_as, max_tasks)
    server = fork_server(python) if channel is not None else None
    if server is not None:
        try:
            return server.start(workdir, submission, limits, channel, group.path, run_as, nproc, source)
        except ForkFailed:
            pass
    return spawn(python, workdir, submission, limits, channel, group, run_as, nproc)


def spawn(python, workdir, submission, limits, channel, group, run_as, nproc):
    agent = workdir / '_chatroom_check_agent.py'
    shutil.copyfile(AGENT_SCRIPT, agent)
    if run_as:
        os.chown(str(agent), *run_as)
    listener = token = None
    if channel is None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(('127.0.0.1', 0))
        listener.listen(1)
        token = os.urandom(16).hex()
        channel_arg = 'tcp:{}:{}'.format(listener.getsockname()[1], token)
    else:
        channel_arg = str(channel.fileno())
    # -S: the standard library only (as the assignment expects); skipping site-packages also keeps this
    # package, the reference included, off the submission's path.
    argv = [python, '-I', '-S', '-u', str(agent), channel_arg, str(submission), json.dumps(limits)]

    def limit_tasks():
        if nproc:
            import resource
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    identity = {}
    if run_as:   # subprocess drops groups, gid, then uid in the child, after preexec, before exec
        identity = dict(user=run_as[0], group=run_as[1], extra_groups=[])
    extra = dict(identity, **platform.isolation_options())
    if channel is not None:
        extra['pass_fds'] = (channel.fileno(),)
    if nproc:
        extra['preexec_fn'] = limit_tasks
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=str(workdir), env=agent_env(workdir), **extra)
    except BaseException:
        if listener is not None:
            listener.close()
        raise
    group.add(proc.pid)      # before the agent imports anything of the submission's: it waits for 'import'
    proc.how = 'spawn'
    proc.channel = None
    if listener is not None:
        try:
            proc.channel = accept_channel(listener, token, proc)
        except BaseException:
            platform.kill_tree(proc.pid)
            raise
        finally:
            listener.close()
    return proc


def accept_channel(listener, token, proc):
    """The control connection of a spawned agent that connected back with `token` (anything else that
    connects is turned away)."""
    deadline = time.monotonic() + CONNECT_WITHIN
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None:
            raise SubmissionProblem('harness', 'the agent did not connect its control channel{}'.format(
                '' if proc.poll() is None else ' (it ended with {})'.format(proc.poll())))
        listener.settimeout(min(remaining, 0.5))
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        conn.settimeout(2.0)
        try:
            said = b''
            while not said.endswith(b'\n') and len(said) < 64:
                piece = conn.recv(64 - len(said))
                if not piece:
                    break
                said += piece
        except OSError:
            said = b''
        if said.strip() == token.encode():
            conn.settimeout(None)
            return conn
        conn.close()


def tasks_limit(run_as, max_tasks):
    """Without a cgroup, RLIMIT_NPROC counts every task of the user: what runs now plus ours; None for
    root (which ignores it)."""
    if not platform.HAS_RLIMITS:
        return None
    uid = run_as[0] if run_as else os.geteuid()
    if uid == 0:
        return None
    running = count_user_tasks(uid)
    return running + max_tasks if running else None


# -- the fork server ---------------------------------------------------------------------------------------

class ForkFailed(Exception):
    """The fork server could not start an agent: spawn one instead."""


class ForkedProcess:
    """An agent the fork server forked: like subprocess.Popen, but its exit status comes from the fork
    server (its parent), and its pipes are the ends the harness kept."""

    how = 'fork'

    def __init__(self, server, pid, stdin, stdout, stderr):
        self.server = server
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.args = ['forked agent']

    @property
    def returncode(self):
        return self.poll()

    def poll(self):
        return self.server.returncode_of(self.pid)

    def wait(self, timeout=None):
        code = self.server.wait_for(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return code

    def kill(self):
        if self.poll() is None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)


class ForkServer:
    """The harness's side of a fork server (harness/forkserver.py) running `python`."""

    def __init__(self, python):
        self.python = python
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock = ours
        lifeline_r, self.lifeline = os.pipe()       # the server exits when it reads end-of-file here
        try:
            self.proc = subprocess.Popen(
                [python, '-I', '-S', str(FORK_SERVER_SCRIPT), str(theirs.fileno()), str(lifeline_r),
                 str(AGENT_SCRIPT)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(), lifeline_r), env=agent_env(Path.cwd()), **platform.isolation_options())
        finally:
            theirs.close()
            os.close(lifeline_r)
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.replies = {}
        self.exits = {}
        self.next_id = 0
        self.alive = True
        self.ready = threading.Event()
        threading.Thread(target=self._read, name='fork-server', daemon=True).start()
        if not self.ready.wait(FORK_REPLY_WITHIN):
            self.close()
            raise ForkFailed('the fork server did not start')

    def _read(self):
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                try:
                    message = json.loads(data)
                except ValueError:
                    continue
                with self.changed:
                    if 'ready' in message:
                        self.ready.set()
                    elif 'exited' in message:
                        self.exits[message['exited']] = message['returncode']
                    elif 'id' in message:
                        self.replies[message['id']] = message
                    self.changed.notify_all()
        except OSError:
            pass
        finally:
            with self.changed:
                self.alive = False
                self.changed.notify_all()

    def start(self, workdir, submission, limits, channel, cgroup, run_as, nproc, source=None):
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        kept = (stdin_w, stdout_r, stderr_r)
        given = (channel.fileno(), stdin_r, stdout_w, stderr_w)
        with self.lock:
            self.next_id += 1
            request_id = self.next_id
        request = {'id': request_id, 'workdir': str(workdir), 'submission': str(submission),
                   'agent': str(AGENT_SCRIPT), 'limits': limits, 'env': agent_env(workdir),
                   'run_as': list(run_as) if run_as else None, 'cgroup': cgroup, 'nproc': nproc,
                   'source': str(source) if source else None}
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode('utf-8')], list(given))
        except OSError as error:
            self._give_up(kept + given[1:])
            raise ForkFailed(str(error))
        for fd in given[1:]:
            os.close(fd)
        deadline = time.monotonic() + FORK_REPLY_WITHIN
        with self.changed:
            while request_id not in self.replies and self.alive:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.changed.wait(remaining)
            reply = self.replies.pop(request_id, None)
        if not reply or 'pid' not in reply:
            self._give_up(kept)
            if reply is None:
                self.close()            # a fork server that does not answer is of no more use
            raise ForkFailed((reply or {}).get('error', 'no reply from the fork server'))
        return ForkedProcess(self, reply['pid'], os.fdopen(stdin_w, 'wb'), os.fdopen(stdout_r, 'rb'),
                             os.fdopen(stderr_r, 'rb'))

    @staticmethod
    def _give_up(fds):
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def returncode_of(self, pid):
        with self.changed:
            if pid in self.exits:
                return self.exits[pid]
            alive = self.alive
        if not alive and not pid_alive(pid):
            return -signal.SIGKILL       # its parent is gone and so is it: the status is lost
        return None

    def wait_for(self, pid, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.changed:
            while pid not in self.exits and self.alive:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self.changed.wait(remaining if remaining is None else min(remaining, 0.5))
            if pid in self.exits:
                return self.exits[pid]
        return self.returncode_of(pid) if not pid_alive(pid) else None

    def close(self):
        """End the server: it reads end-of-file on its lifeline and exits (after reaping what it can);
        killed if it has not within two seconds."""
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(OSError):
            os.close(self.lifeline)
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2)
        self.alive = False


_SERVERS = {}
_SERVERS_LOCK = threading.Lock()


def fork_server(python):
    """The fork server for `python` (started on first need), or None where agents are spawned instead."""
    if not platform.CAN_FORK or os.environ.get(NO_FORK_ENV):
        return None
    with _SERVERS_LOCK:
        server = _SERVERS.get(python)
        if server is not None and server.alive:
            return server
        if server is not None and getattr(server, 'restarted', False):
            return None                  # it died twice: spawn from now on
        try:
            fresh = ForkServer(python)
        except (ForkFailed, OSError):
            _SERVERS[python] = _Dead()
            return None
        fresh.restarted = server is not None
        _SERVERS[python] = fresh
        return fresh


class _Dead:
    alive = False
    restarted = True


def close_fork_servers():
    with _SERVERS_LOCK:
        servers = [s for s in _SERVERS.values() if isinstance(s, ForkServer)]
        _SERVERS.clear()
    for server in servers:
        server.close()


# -- cgroups -----------------------------------------------------------------------------------------------

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
        for root in self.ROOTS if platform.USES_CGROUPS else ():
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

    def limit_hits(self):
        """How often a process or thread could not start because the group was full (pids.events), or
        None where that cannot be read."""
        if self.path is None:
            return None
        try:
            with open(os.path.join(self.path, 'pids.events')) as events:
                for line in events:
                    name, _, value = line.partition(' ')
                    if name == 'max':
                        return int(value)
        except (OSError, ValueError):
            return None
        return None

    def pids(self):
        if self.path is None:
            return []
        try:
            with open(os.path.join(self.path, 'cgroup.procs')) as procs:
                return [int(line) for line in procs if line.strip()]
        except OSError:
            return []

    def kill_all(self, within=10.0):
        """Kill every task of the group and remove it. Bounded by `within` (hundreds of a fork bomb's tasks
        on a loaded machine take seconds to die); done on the reaper's thread, off the checks' path."""
        if self.path is None:
            return
        # First no new task may start (a fork bomb would refill what is killed), then kill what is there.
        with contextlib.suppress(OSError):
            with open(os.path.join(self.path, 'pids.max'), 'w') as limit:
                limit.write('0')
        end = time.monotonic() + within
        while True:
            for pid in self.pids():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            try:
                os.rmdir(self.path)        # refused while a task, even a dying one, is in it
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() >= end:
                    return
            time.sleep(0.01)  # the kernel needs a moment to reap; bounded by `within`


# -- users -------------------------------------------------------------------------------------------------

def count_user_tasks(uid=None):
    """The tasks RLIMIT_NPROC counts for the user: threads on Linux (/proc), processes elsewhere (psutil)."""
    uid = os.getuid() if uid is None else uid
    if not platform.LINUX:
        try:
            import psutil
            return sum(1 for p in psutil.process_iter(['uids']) if p.info['uids'] and p.info['uids'].real == uid)
        except Exception:  # psutil missing or refused: no cap rather than a wrong one
            return 0
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


# -- the interpreter agents run under ------------------------------------------------------------------------

MIN_PYTHON = (3, 9)
_PYTHON_PROBE = ('import sys, json\n'
                 'for name in sys.argv[1:]:\n'
                 '    with open(name, "rb") as source:\n'
                 '        compile(source.read(), name, "exec")\n'
                 'print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable}))\n')
_INTERPRETERS = {}


def interpreter_info(python=None):
    """{'path', 'version'} of the interpreter agents run under (`python`, default this one), once checked:
    it exists, runs, is Python >= 3.9, and compiles the agent's code. SubmissionProblem('harness', one
    line) otherwise."""
    python = str(python or sys.executable)
    if python in _INTERPRETERS:
        return _INTERPRETERS[python]
    if python == sys.executable:      # this very interpreter runs the agent's code already: no probe
        return {'path': python, 'version': '{}.{}.{}'.format(*sys.version_info[:3])}
    shown = python
    if not os.path.exists(python) and shutil.which(python):
        python = shutil.which(python)
    if not os.path.isfile(python):
        raise SubmissionProblem('harness', '--python {}: no such file'.format(shown))
    if not os.access(python, os.X_OK):
        raise SubmissionProblem('harness', '--python {}: not executable'.format(shown))
    try:
        done = subprocess.run([python, '-I', '-S', '-c', _PYTHON_PROBE, str(AGENT_SCRIPT), str(FORK_SERVER_SCRIPT)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=30, env=agent_env(Path.cwd()))
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SubmissionProblem('harness', '--python {}: cannot run it ({})'.format(shown, error))
    try:
        found = json.loads(done.stdout.decode('utf-8', 'replace').strip().splitlines()[-1])
        version = tuple(int(part) for part in found['version'].split('.'))
    except (ValueError, KeyError, IndexError):
        lines = done.stderr.decode('utf-8', 'replace').strip().splitlines()
        raise SubmissionProblem('harness', '--python {}: not a Python 3.9+ interpreter{}'.format(
            shown, ' ({})'.format(lines[-1]) if lines else ''))
    if version < MIN_PYTHON:
        raise SubmissionProblem('harness', '--python {}: Python {} is too old (3.9 or later)'.format(
            shown, found['version']))
    if done.returncode != 0:
        raise SubmissionProblem('harness', '--python {}: cannot run the agent\'s code'.format(shown))
    _INTERPRETERS[shown] = {'path': os.path.abspath(python), 'version': found['version']}
    return _INTERPRETERS[shown]
