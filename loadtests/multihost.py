"""python -m loadtests multihost: locust's master and workers on network hosts of their own, on this machine.

    python -m loadtests multihost                       # TCP and UDP profiles, 20 users, 12 s each
    python -m loadtests multihost udp -u 40 -t 20       # one profile, other size
    python -m loadtests multihost --submission path/to/chatroom.py
    python -m loadtests multihost tcp -- --msg-rate 2   # options after -- go to every locust run

Builds a small private network out of Linux network namespaces, one "host" each, joined by veth pairs to
a bridge that lives in a namespace of its own:

    ltmh{PID}-br    the bridge (no address)
    ltmh{PID}-srv   10.213.X.2  the chat server: the reference chatroom.py, or --submission run through
                                the harness's isolated runner (pinned to loopback; a forwarder relays to it)
    ltmh{PID}-mst   10.213.X.3  locust --master
    ltmh{PID}-w1    10.213.X.4  locust --worker --master-host 10.213.X.3
    ltmh{PID}-w2    10.213.X.5  locust --worker --master-host 10.213.X.3
    ltmh{PID}-one   (loopback only) the single-host comparison: server, master and workers on one host

(X comes from the PID; every name carries the PID, so two runs never collide, and a later run removes
what a dead one left.) Nothing is added to the machine's own network: traffic stays inside these
namespaces. Everything is removed at the end, on error and on Ctrl-C too: processes, namespaces (with
their veths and the bridge) and the per-namespace hosts file under /etc/netns/.

Each profile (loadtests/profiles/{tcp,udp}.conf) runs there at the given size, then the same run on one
host (`python -m loadtests run PROFILE --processes 2` in ltmh{PID}-one, on its loopback), and both are
printed side by side. The checks (exit 1 if one fails):
  - the multi-host run: locust exited 0 (the profile's thresholds), requests > 0, 0 failures in the
    master's CSV, and every worker delivered messages (its own totals, reported to the master);
  - its DELIVER/LOSS accounting matches the single-host run within noise (see `compare`).
Results, logs and CSVs go to results/multihost/ (--results). Needs root and iproute2's `ip netns`;
without them it exits 2 with the reason.

Targets in the test subnet are not loopback: the locust processes started here get $LOADTESTS_TEST_SUBNET,
which loadtests/target.py honours only inside these namespaces (see target.subnet_refusal).
"""

import argparse
import contextlib
import csv
import ipaddress
import itertools
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests import target as targets            # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOCUSTFILE = HERE / 'locustfile.py'
PROFILES = {'tcp': 'TcpChatUser', 'udp': 'UdpChatUser'}
PREFIX = targets.NETNS_PREFIX
ETC_NETNS = Path('/etc/netns')
IP_TIMEOUT = 10.0           # seconds for one `ip` command
START_TIMEOUT = 20.0        # seconds for the server to say where it listens
STOP_TIMEOUT = 5.0          # seconds a process has to exit after SIGINT/SIGTERM before it is killed
MASTER_PORT = 5557          # locust's default; concurrent runs on one network need one each
EXIT_MARGIN = 45.0          # seconds past --run-time for a locust run to end by itself
FANOUT_TOLERANCE = 0.10     # deliveries per message sent: |multi - single| <= this x (users - 1)
LOSS_TOLERANCE_PCT = 0.5    # loss: |multi - single| <= this many percentage points
_NAME = re.compile(r'^' + PREFIX + r'(\d+)(?:n\d+)?-')
_BANNER = re.compile(r'(TCP|UDP) (?:chatroom server|relay) on ([0-9A-Za-z.:\-]+):(\d+)')
_networks = itertools.count(1)


class Unsupported(Exception):
    """This machine cannot build the network (not root, no `ip netns`...): the message says why."""


class MultihostError(Exception):
    """A step of the run failed (a process that did not start, an `ip` command that failed...)."""


# -- processes ----------------------------------------------------------------------------------------

class Proc:
    """A child process whose output (stdout and stderr) is read by a thread: kept, copied to `log`, and
    waited on line by line with deadlines."""

    def __init__(self, label, argv, log=None, env=None, cwd=None):
        self.label = label
        self.argv = list(argv)
        self.lines = []
        self.done = False
        self.changed = threading.Condition()
        self.log = open(log, 'w', encoding='utf-8', errors='replace') if log else None
        self.popen = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            cwd=str(cwd or ROOT), env=env, start_new_session=True, preexec_fn=targets._prepare_child)
        self.pid = self.popen.pid
        self.reader = threading.Thread(target=self._read, name='read-' + label, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            for raw in self.popen.stdout:
                line = raw.decode('utf-8', 'replace').rstrip('\n')
                if self.log:
                    self.log.write(line + '\n')
                    self.log.flush()
                with self.changed:
                    self.lines.append(line)
                    self.changed.notify_all()
        finally:
            with self.changed:
                self.done = True
                self.changed.notify_all()

    @property
    def output(self):
        with self.changed:
            return '\n'.join(self.lines)

    def wait_for(self, pattern, timeout, start=0):
        """The first match of `pattern` (a regex) in an output line (from line `start` on); raises
        MultihostError when the process ends or `timeout` seconds pass first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        index = start
        with self.changed:
            while True:
                while index < len(self.lines):
                    found = regex.search(self.lines[index])
                    index += 1
                    if found:
                        return found
                if self.done:
                    raise MultihostError('{} ended (exit code {}) before printing /{}/; last lines:\n{}'.format(
                        self.label, self.popen.poll(), pattern, '\n'.join(self.lines[-15:])))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise MultihostError('{} did not print /{}/ within {:.0f}s; last lines:\n{}'.format(
                        self.label, pattern, timeout, '\n'.join(self.lines[-15:])))
                self.changed.wait(remaining)

    def wait(self, timeout):
        """The exit code; raises MultihostError if it is still running `timeout` seconds later."""
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise MultihostError('{} was still running {:.0f}s later; last lines:\n{}'.format(
                self.label, timeout, '\n'.join(self.lines[-15:]))) from None
        self.reader.join(STOP_TIMEOUT)
        return code

    def running(self):
        return self.popen.poll() is None

    def send(self, signum):
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signum)

    def stop(self, signum=signal.SIGINT, timeout=STOP_TIMEOUT):
        """Ask it to stop (SIGINT: the chat server's and locust's own shutdown), kill it if it does not."""
        if self.popen.poll() is None:
            self.send(signum)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)
        self.close()
        return self.popen.returncode

    def close(self):
        self.reader.join(STOP_TIMEOUT if self.popen.poll() is not None else 0)
        if self.log and self.done:
            self.log.close()


def wait_gone(pids, timeout):
    """Wait until none of `pids` (any processes, not only children) exists; True if so in time."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        try:
            handle = os.pidfd_open(pid)
        except (AttributeError, OSError):
            handle = None
        try:
            if handle is not None:
                select.select([handle], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            if handle is not None:
                os.close(handle)
        if os.path.exists('/proc/{}'.format(pid)):
            return False
    return True


# -- the network --------------------------------------------------------------------------------------

def unsupported_reason():
    """Why this machine cannot build the network, or None when it looks like it can."""
    if not sys.platform.startswith('linux'):
        return 'needs Linux network namespaces (this is {})'.format(sys.platform)
    if os.geteuid() != 0:
        return 'needs root to create network namespaces (run it as root, e.g. with sudo)'
    if shutil.which('ip') is None:
        return "needs iproute2's `ip` command"
    try:
        done = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, timeout=IP_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        return '`ip netns list` failed: {}'.format(error)
    if done.returncode:
        return '`ip netns` does not work here: {}'.format((done.stderr or done.stdout).strip().splitlines()[:1])
    return None


def ip(*args, check=True):
    done = subprocess.run(['ip', *args], capture_output=True, text=True, timeout=IP_TIMEOUT)
    if check and done.returncode:
        raise MultihostError('ip {} failed: {}'.format(' '.join(args), done.stderr.strip()))
    return done


def netns_names():
    done = ip('netns', 'list', check=False)
    return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]


def netns_pids(name):
    done = ip('netns', 'pids', name, check=False)
    return [int(word) for word in done.stdout.split() if word.isdigit()]


def _alive(pid):
    return os.path.exists('/proc/{}'.format(pid))


def remove_netns(names, timeout=STOP_TIMEOUT):
    """Kill what still runs in these namespaces (by pid), then delete them: their veths and the bridge go
    with them. Returns the names that could not be deleted."""
    pids = [pid for name in names for pid in netns_pids(name) if pid != os.getpid()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    wait_gone(pids, timeout)
    failed = []
    for name in names:
        if ip('netns', 'del', name, check=False).returncode and name in netns_names():
            failed.append(name)
    return failed


def _remove_etc(name):
    directory = ETC_NETNS / name
    if directory.exists():
        shutil.rmtree(str(directory), ignore_errors=True)
    with contextlib.suppress(OSError):
        ETC_NETNS.rmdir()                   # only if empty: someone else's files there stay


def clean_leftovers():
    """Remove the namespaces (and /etc/netns entries) of runs whose process is gone. Returns their names."""
    removed = []
    dead = [name for name in netns_names() if _NAME.match(name) and not _alive(int(_NAME.match(name).group(1)))]
    if dead:
        remove_netns(dead)
        removed += dead
    if ETC_NETNS.is_dir():
        for entry in sorted(ETC_NETNS.iterdir()):
            found = _NAME.match(entry.name)
            if found and not _alive(int(found.group(1))):
                _remove_etc(entry.name)
                if entry.name not in removed:
                    removed.append(entry.name)
    return removed


@dataclass
class Node:
    role: str               # 'srv', 'mst', 'w1', 'w2'...
    netns: str
    address: str
    network: 'Network' = field(repr=False)

    def spawn(self, label, argv, log=None, env=None):
        """Start `argv` in this node's namespace (via `ip netns exec`, which execs it: the pid is its)."""
        return Proc(label, ['ip', 'netns', 'exec', self.netns, *argv], log=log, env=env or self.network.env)


class Network:
    """The private network: a bridge namespace and one namespace per node, on a /24 of 10.213.0.0/16.
    Use as a context manager: it is built on entry and removed on exit, whatever happened."""

    def __init__(self, workers=2):
        pid = os.getpid()
        count = next(_networks)
        self.tag = str(pid) if count == 1 else '{}n{}'.format(pid, count)   # names carry our PID (leftovers)
        third = (pid + count - 1) % 254 + 1
        self.subnet = ipaddress.IPv4Network('10.213.{}.0/24'.format(third))
        hosts = self.subnet.hosts()
        next(hosts)                                             # .1 stays free (no gateway: nothing routed)
        self.bridge = '{}{}-br'.format(PREFIX, self.tag)
        roles = ['srv', 'mst'] + ['w{}'.format(i + 1) for i in range(workers)]
        self.nodes = {role: Node(role, '{}{}-{}'.format(PREFIX, self.tag, role), str(next(hosts)), self)
                      for role in roles}
        self.server, self.master = self.nodes['srv'], self.nodes['mst']
        self.workers = [self.nodes[role] for role in roles[2:]]
        # the single-host comparison: one more namespace, on no network but its own loopback
        self.single = Node('one', '{}{}-one'.format(PREFIX, self.tag), '127.0.0.1', self)
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in [str(ROOT), os.environ.get('PYTHONPATH')] if p), PYTHONUNBUFFERED='1')
        self.env[targets.TEST_SUBNET_ENV] = str(self.subnet)
        self.created = []
        self.removed_leftovers = []

    @property
    def names(self):
        return [self.bridge] + [node.netns for node in self.nodes.values()] + [self.single.netns]

    def __enter__(self):
        try:
            self.create()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def create(self):
        reason = unsupported_reason()
        if reason:
            raise Unsupported(reason)
        self.removed_leftovers = clean_leftovers()
        first = ip('netns', 'add', self.bridge, check=False)
        if first.returncode:
            raise Unsupported('cannot create a network namespace: {}'.format(first.stderr.strip()))
        self.created.append(self.bridge)
        ip('-n', self.bridge, 'link', 'add', 'br0', 'type', 'bridge')
        ip('-n', self.bridge, 'link', 'set', 'br0', 'up')
        for node in self.nodes.values():
            ip('netns', 'add', node.netns)
            self.created.append(node.netns)
            # both ends are created inside their namespaces: nothing appears on this machine's network
            ip('link', 'add', 'eth0', 'netns', node.netns, 'type', 'veth', 'peer', 'name', node.role,
               'netns', self.bridge)
            ip('-n', self.bridge, 'link', 'set', node.role, 'master', 'br0', 'up')
            ip('-n', node.netns, 'addr', 'add', '{}/{}'.format(node.address, self.subnet.prefixlen), 'dev', 'eth0')
            ip('-n', node.netns, 'link', 'set', 'eth0', 'up')
            ip('-n', node.netns, 'link', 'set', 'lo', 'up')
        ip('netns', 'add', self.single.netns)
        self.created.append(self.single.netns)
        ip('-n', self.single.netns, 'link', 'set', 'lo', 'up')
        # The reference server binds the address its host name resolves to: in its namespace, its own.
        # (`ip netns exec` mounts /etc/netns/NAME/hosts over /etc/hosts for what it runs.)
        directory = ETC_NETNS / self.server.netns
        directory.mkdir(parents=True, exist_ok=True)
        (directory / 'hosts').write_text('127.0.0.1 localhost\n{} {}\n'.format(
            self.server.address, socket.gethostname()))

    def close(self):
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None   # a second Ctrl-C waits
        try:
            failed = remove_netns([name for name in self.names if name in netns_names()])
            for node in self.nodes.values():
                _remove_etc(node.netns)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        self.created = []
        if failed:
            raise MultihostError('could not delete the network namespaces {}'.format(', '.join(failed)))

    def leftovers(self):
        """What of this network still exists (namespaces, /etc/netns entries): [] once closed."""
        left = [name for name in netns_names() if name in self.names]
        left += [str(ETC_NETNS / node.netns) for node in self.nodes.values() if (ETC_NETNS / node.netns).exists()]
        return left

    def pids(self):
        """Processes running in any of the namespaces."""
        return {name: netns_pids(name) for name in self.names if netns_pids(name)}

    # -- what runs on it ------------------------------------------------------------------------------

    def start_server(self, protocol, submission=None, log=None):
        """The chat server in the server namespace; returns (Proc, Target) once it listens."""
        argv = [sys.executable, '-m', 'loadtests.multihost', 'serve-node', protocol, self.server.address]
        if submission:
            argv += ['--submission', str(Path(submission).resolve())]
        proc = self.server.spawn('{} server'.format(protocol), argv, log=log)
        try:
            banner = proc.wait_for(r'^error:|' + _BANNER.pattern, START_TIMEOUT)
        except BaseException:
            proc.stop()
            raise
        if banner.group(0).startswith('error:'):
            proc.stop()
            raise MultihostError('the {} server did not start: {}'.format(protocol, proc.output.strip()))
        return proc, targets.Target(protocol, banner.group(2), int(banner.group(3)))

    def start_master(self, profile, host, users, run_time, prefix, expect_workers=None, extra=(), log=None,
                     port=MASTER_PORT):
        argv = [sys.executable, '-m', 'locust', '--config', str(HERE / 'profiles' / (profile + '.conf')),
                '-f', str(LOCUSTFILE), '--master', '--master-bind-host', self.master.address,
                '--master-bind-port', str(port),
                '--expect-workers', str(expect_workers or len(self.workers)), '--headless',
                '-u', str(users), '-r', str(users), '-t', '{}s'.format(int(run_time)), '--host', host,
                '--csv', str(prefix), '--html', str(prefix) + '.html', *extra, PROFILES[profile]]
        return self.master.spawn('locust master', argv, log=log)

    def start_worker(self, index, profile, log=None, port=MASTER_PORT):
        node = self.workers[index]
        argv = [sys.executable, '-m', 'locust', '-f', str(LOCUSTFILE), '--worker',
                '--master-host', self.master.address, '--master-port', str(port), PROFILES[profile]]
        return node.spawn('locust worker {}'.format(node.role), argv, log=log)


# -- results ------------------------------------------------------------------------------------------

@dataclass
class RunResult:
    label: str
    profile: str
    users: int
    exit_code: int
    prefix: Path
    rows: dict
    chat: dict
    worker_pids: list = field(default_factory=list)

    @property
    def requests(self):
        return int(self.rows.get(('', 'Aggregated'), {}).get('Request Count') or 0)

    @property
    def failures(self):
        return int(self.rows.get(('', 'Aggregated'), {}).get('Failure Count') or 0)

    def count(self, kind, column='Request Count'):
        return int(self.rows.get((kind, self.profile), {}).get(column) or 0)

    @property
    def totals(self):
        return (self.chat.get('protocols') or {}).get(self.profile) or {}

    @property
    def fanout(self):
        """Deliveries per message sent (at best users - 1)."""
        sent = self.totals.get('sent') or 0
        return (self.totals.get('delivered') or 0) / sent if sent else 0.0

    def workers(self):
        return self.chat.get('workers') or []

    def delivered_by_worker(self):
        return {w.get('pid'): ((w.get('protocols') or {}).get(self.profile) or {}).get('delivered', 0)
                for w in self.workers()}

    def figures(self):
        t = self.totals
        return {'run': self.label, 'profile': self.profile, 'users': self.users, 'exit_code': self.exit_code,
                'requests': self.requests, 'failures': self.failures, 'sent': t.get('sent'),
                'delivered': t.get('delivered'), 'deliveries_per_s': t.get('deliveries_per_s'),
                'fanout': self.fanout, 'p50_ms': t.get('p50_ms'), 'p99_ms': t.get('p99_ms'),
                'lost': t.get('lost'), 'loss_pct': t.get('loss_pct'), 'late': t.get('late'),
                'duplicates': t.get('duplicates'),
                'workers_delivering': sum(1 for n in self.delivered_by_worker().values() if n)}


def read_stats(prefix):
    path = Path(str(prefix) + '_stats.csv')
    if not path.exists():
        return {}
    with open(path, newline='') as handle:
        return {(row['Type'], row['Name']): row for row in csv.DictReader(handle)}


def read_history(prefix):
    path = Path(str(prefix) + '_stats_history.csv')
    if not path.exists():
        return []
    with open(path, newline='') as handle:
        return [row for row in csv.DictReader(handle) if row.get('Name') == 'Aggregated']


def read_workers(prefix):
    """{prefix}_workers.csv (written by the master): one row per worker and protocol."""
    path = Path(str(prefix) + '_workers.csv')
    if not path.exists():
        return []
    with open(path, newline='') as handle:
        return list(csv.DictReader(handle))


def read_chat(prefix):
    path = Path(str(prefix) + '_chat.json')
    return json.loads(path.read_text()) if path.exists() else {}


def result(label, profile, users, exit_code, prefix, worker_pids=()):
    return RunResult(label, profile, users, exit_code, Path(prefix), read_stats(prefix), read_chat(prefix),
                     list(worker_pids))


def check_multihost(run):
    """What is wrong with a multi-host run ([] when nothing): exit 0, requests, no failures, every worker
    delivering."""
    problems = []
    if run.exit_code != 0:
        problems.append('locust exited {} (a threshold of the profile, or an error: see {}.log)'.format(
            run.exit_code, run.prefix))
    if run.requests <= 0:
        problems.append('no requests in the master\'s CSV')
    if run.failures:
        problems.append('{} failures in the master\'s CSV'.format(run.failures))
    delivered = run.delivered_by_worker()
    for pid in run.worker_pids:
        if not delivered.get(pid):
            problems.append('worker pid {} reported no deliveries'.format(pid))
    return problems


def compare(multi, single):
    """Where the multi-host run's DELIVER/LOSS accounting differs from the single-host run's by more than
    noise ([] when it does not). Noise, for two runs of the same size (users, rate, run time):

    - deliveries per message sent (the fan-out; U - 1 at best for U users): the users join over the first
      second (-r = -u) and stop at slightly different moments at the end, so messages sent while some
      users were not there make it a little less than U - 1, and how much less moves from run to run, more
      in short runs and on a busy machine (a starved process joins and stops late). Measured, 20 users:
      single-host runs alone (4 each, TCP and UDP profiles, quiet machine) spread over 1.6% of U - 1 at
      5 s and 0.8% at 12 s; multi-host against single-host at 5 s, with the machine's load average at
      130-440, up to 3.1%. Allowed: FANOUT_TOLERANCE, 10% of U - 1. What this comparison is for costs far
      more: a worker whose users receive nothing from the other host's users (or whose messages reach
      nobody) costs about half; drops on the way show as loss, below.
    - loss: both runs within the profile's own limit on one host (TCP 0 lost, UDP 0.5%), so: no more than
      LOSS_TOLERANCE_PCT (0.5 percentage points) apart, and no loss at all for TCP.
    - late or duplicate messages: none in either (TCP and UDP on one machine do not reorder here).
    Latency is reported beside it, not compared: the bridge adds a hop, and under load it is the first
    thing to move.
    """
    problems = []
    a, b = multi.totals, single.totals
    if not a.get('sent') or not b.get('sent'):
        return ['nothing was sent in the {} run'.format('multi-host' if not a.get('sent') else 'single-host')]
    room = max(1, multi.users - 1)
    if abs(multi.fanout - single.fanout) > FANOUT_TOLERANCE * room:
        problems.append('deliveries per message sent: {:.2f} multi-host, {:.2f} single-host (more than {:.0%} '
                        'of {} apart)'.format(multi.fanout, single.fanout, FANOUT_TOLERANCE, room))
    loss_a, loss_b = a.get('loss_pct') or 0.0, b.get('loss_pct') or 0.0
    if multi.profile == 'tcp' and (a.get('lost') or b.get('lost')):
        problems.append('TCP lost messages: {} multi-host, {} single-host'.format(a.get('lost'), b.get('lost')))
    elif abs(loss_a - loss_b) > LOSS_TOLERANCE_PCT:
        problems.append('loss {:.2f}% multi-host, {:.2f}% single-host (more than {} points apart)'.format(
            loss_a, loss_b, LOSS_TOLERANCE_PCT))
    for key in ('late', 'duplicates'):
        if a.get(key) or b.get(key):
            problems.append('{} messages: {} multi-host, {} single-host'.format(key, a.get(key), b.get(key)))
    return problems


# -- runs ---------------------------------------------------------------------------------------------

class MultihostRun:
    """One bounded profile run on the network: the server, the master, the workers. start() starts them
    (the workers in `start_workers`, default all; start_worker(i) starts one later), finish() waits until
    they all end by themselves and returns the RunResult; close() stops whatever still runs."""

    def __init__(self, net, profile, users, run_time, results, submission=None, extra=(), expect_workers=None,
                 name=None, master_port=MASTER_PORT):
        self.net, self.profile, self.users, self.run_time = net, profile, users, run_time
        self.master_port = master_port
        self.submission, self.extra = submission, list(extra)
        self.expect_workers = expect_workers or len(net.workers)
        self.prefix = Path(results) / (name or '{}_multihost'.format(profile))
        self.server = self.target = self.master = None
        self.workers = {}

    def start(self, start_workers=None):
        try:
            self.server, self.target = self.net.start_server(
                self.profile, self.submission, log=str(self.prefix) + '_server.log')
            self.master = self.net.start_master(self.profile, self.target.url, self.users, self.run_time,
                                                self.prefix, self.expect_workers, self.extra,
                                                log=str(self.prefix) + '.log', port=self.master_port)
            for index in (range(len(self.net.workers)) if start_workers is None else start_workers):
                self.start_worker(index)
        except BaseException:
            self.close()
            raise
        return self

    def start_worker(self, index):
        node = self.net.workers[index]
        self.workers[index] = self.net.start_worker(index, self.profile, port=self.master_port,
                                                    log='{}_{}.log'.format(self.prefix, node.role))
        return self.workers[index]

    def finish(self, worker_timeout=STOP_TIMEOUT * 2):
        try:
            code = self.master.wait(self.run_time + EXIT_MARGIN)
            if code not in (0, 1):                      # 1: a threshold; anything else: it failed
                raise MultihostError('the locust master exited {}; last lines:\n{}'.format(
                    code, '\n'.join(self.master.lines[-15:])))
            for worker in self.workers.values():
                if worker.popen.returncode != -signal.SIGKILL:
                    worker.wait(worker_timeout)         # they quit when the master tells them
            return result('multi-host', self.profile, self.users, code, self.prefix,
                          [worker.pid for worker in self.workers.values()])
        finally:
            self.close()

    def close(self):
        for proc in [self.master, *self.workers.values()]:
            if proc is not None:
                proc.stop(signal.SIGTERM)
        if self.server is not None:
            self.server.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_multihost(net, profile, users, run_time, results, submission=None, extra=()):
    """MultihostRun(...).start().finish()."""
    return MultihostRun(net, profile, users, run_time, results, submission, extra).start().finish()


class SingleHostRun:
    """The same run on one host: `python -m loadtests run PROFILE --processes N` (a master and N workers,
    the reference server or the submission auto-started by the master, all on one loopback), in the
    network's namespace of its own for it (net.single), or on this machine's loopback if `net` is None."""

    def __init__(self, net, profile, users, run_time, results, processes=2, submission=None, extra=(),
                 name=None, master_port=None):
        self.net, self.profile, self.users, self.run_time = net, profile, users, run_time
        self.prefix = Path(results) / (name or '{}_singlehost'.format(profile))
        self.argv = [sys.executable, '-m', 'loadtests', 'run', profile, '--processes', str(processes),
                     '-u', str(users), '-r', str(users), '-t', '{}s'.format(int(run_time)),
                     '--csv', str(self.prefix), '--html', str(self.prefix) + '.html', *extra]
        if submission:
            self.argv += ['--submission', str(Path(submission).resolve())]
        if master_port:                                 # the master and its forked workers meet there
            self.argv += ['--master-bind-port', str(master_port), '--master-port', str(master_port)]
        self.proc = None

    def start(self):
        env = dict(os.environ, PYTHONUNBUFFERED='1', PYTHONPATH=os.pathsep.join(
            p for p in [str(ROOT), os.environ.get('PYTHONPATH')] if p))
        env.pop(targets.TEST_SUBNET_ENV, None)          # loopback only: no exception to the rule
        log = str(self.prefix) + '.log'
        if self.net is None:
            self.proc = Proc('single-host locust', self.argv, log=log, env=env)
        else:
            self.proc = self.net.single.spawn('single-host locust', self.argv, log=log, env=env)
        return self

    def finish(self):
        try:
            code = self.proc.wait(self.run_time + EXIT_MARGIN)
        finally:
            self.proc.stop(signal.SIGTERM)
        return result('single-host', self.profile, self.users, code, self.prefix)

    def close(self):
        if self.proc is not None:
            self.proc.stop(signal.SIGTERM)


def run_single_host(net, profile, users, run_time, results, processes=2, submission=None, extra=()):
    return SingleHostRun(net, profile, users, run_time, results, processes, submission, extra).start().finish()


def format_table(runs):
    header = ('profile', 'run', 'requests', 'fail', 'sent', 'delivered', 'deliv/s', 'per msg', 'p50 ms',
              'p99 ms', 'lost', 'loss %', 'workers')
    rows = [header]
    for run in runs:
        f = run.figures()
        rows.append((f['profile'], f['run'], '{:,}'.format(f['requests']), str(f['failures']),
                     '{:,}'.format(f['sent'] or 0), '{:,}'.format(f['delivered'] or 0),
                     '{:,.0f}'.format(f['deliveries_per_s'] or 0), '{:.2f}'.format(f['fanout']),
                     str(f['p50_ms']), str(f['p99_ms']), str(f['lost']), '{:.2f}'.format(f['loss_pct'] or 0),
                     '{}/{}'.format(f['workers_delivering'], len(run.workers()))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return '\n'.join('  '.join(cell.rjust(width) if i > 1 else cell.ljust(width)
                               for i, (cell, width) in enumerate(zip(row, widths))) for row in rows)


# -- the server node: a helper process in the server's namespace --------------------------------------

def serve_node_main(argv):
    """`python -m loadtests.multihost serve-node tcp|udp ADDRESS [--submission PATH]`: start the server
    (loadtests.target.serve), reachable at ADDRESS: directly when it bound ADDRESS (the reference, whose
    host name resolves to it here), through a forwarder when it bound loopback (a submission, which the
    harness pins to 127.0.0.1). Prints '{TCP|UDP} chatroom server on ADDRESS:PORT'; stops on SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog='loadtests.multihost serve-node')
    parser.add_argument('protocol', choices=sorted(PROFILES))
    parser.add_argument('address')
    parser.add_argument('--submission', default=None)
    args = parser.parse_args(argv)

    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from loadtests.forward import Forwarder
    try:
        with contextlib.ExitStack() as stack:
            where = stack.enter_context(targets.serve(args.protocol, args.submission))
            note = ''
            if where.host != args.address:
                stack.enter_context(Forwarder(args.protocol, (args.address, where.port), (where.host, where.port)))
                note = ' (forwarded to {}:{})'.format(where.host, where.port)
            print('{} chatroom server on {}:{}{}'.format(args.protocol.upper(), args.address, where.port, note),
                  flush=True)
            while True:
                signal.pause()
    except KeyboardInterrupt:
        return 0
    except (targets.TargetError, OSError) as error:
        print('error: {}'.format(error), flush=True)
        return 2


# -- the command line ---------------------------------------------------------------------------------

def parse_args(argv):
    extra = []
    if '--' in argv:
        at = argv.index('--')
        argv, extra = argv[:at], argv[at + 1:]
    parser = argparse.ArgumentParser(
        prog='python -m loadtests multihost',
        description='Locust master and workers on network hosts of their own (Linux network namespaces on '
                    'a private subnet of this machine), beside the same run on one host. Needs root.',
        epilog='Options after -- go to every locust run (e.g. -- --msg-rate 2 --max-p99-ms -1).')
    parser.add_argument('profiles', nargs='*', metavar='tcp|udp', help='profiles to run (default: tcp udp)')
    parser.add_argument('-u', '--users', type=int, default=20, help='users per run (default %(default)s)')
    parser.add_argument('-t', '--run-time', type=int, default=12, metavar='S',
                        help='seconds per run (default %(default)s)')
    parser.add_argument('--submission', metavar='PATH', help="load this chatroom.py's server instead")
    parser.add_argument('--results', default='results/multihost', metavar='DIR',
                        help='where the CSVs, HTML reports, logs and summary.json go (default %(default)s)')
    parser.add_argument('--no-single-host', action='store_true', help='skip the single-host comparison runs')
    args = parser.parse_args(argv)
    args.extra = extra
    args.profiles = list(dict.fromkeys(args.profiles or ['tcp', 'udp']))
    if any(profile not in PROFILES for profile in args.profiles):
        parser.error('profiles are tcp and udp, not {}'.format(' '.join(args.profiles)))
    if not 2 <= args.users <= 2000 or not 1 <= args.run_time <= 600:
        parser.error('--users must be 2..2000 and --run-time 1..600 s')
    return args


def _interrupt(*_):
    raise KeyboardInterrupt     # SIGTERM as Ctrl-C: the network is removed on the way out


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ['serve-node']:
        return serve_node_main(argv[1:])
    args = parse_args(argv)
    # Ctrl-C ends the run and removes its network, even when started from a background job (which passes
    # SIGINT on ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    reason = unsupported_reason()
    if reason:
        print('multihost: cannot run here: {}'.format(reason), file=sys.stderr)
        return 2
    if args.submission and not Path(args.submission).is_file():
        print('multihost: --submission {}: no such file'.format(args.submission), file=sys.stderr)
        return 2
    results = Path(args.results).resolve()
    results.mkdir(parents=True, exist_ok=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    runs, problems = [], []
    try:
        with Network() as net:
            if net.removed_leftovers:
                print('removed what dead runs left: {}'.format(', '.join(net.removed_leftovers)))
            print('network: {} ({}: bridge; {})'.format(net.subnet, net.bridge, ', '.join(
                '{} {}'.format(node.netns, node.address) for node in net.nodes.values())), flush=True)
            for profile in args.profiles:
                print('{}: multi-host run, {} users, {:g} s...'.format(profile, args.users, args.run_time), flush=True)
                with MultihostRun(net, profile, args.users, args.run_time, results, args.submission,
                                  args.extra) as run:
                    run.start()
                    print('  server: {} in {}; master and {} workers started (logs: {}*.log)'.format(
                        run.target.url, net.server.netns, len(run.workers), run.prefix), flush=True)
                    multi = run.finish()
                runs.append(multi)
                problems += ['{} multi-host: {}'.format(profile, p) for p in check_multihost(multi)]
                if args.no_single_host:
                    continue
                print('{}: single-host run, {} users, {:g} s...'.format(profile, args.users, args.run_time),
                      flush=True)
                single = run_single_host(net, profile, args.users, args.run_time, results, len(net.workers),
                                         args.submission, args.extra)
                runs.append(single)
                if single.exit_code != 0:
                    problems.append('{} single-host: locust exited {} (see {}.log)'.format(
                        profile, single.exit_code, single.prefix))
                problems += ['{} accounting: {}'.format(profile, p) for p in compare(multi, single)]
    except Unsupported as error:
        print('multihost: cannot run here: {}'.format(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('multihost: interrupted; the network is removed', file=sys.stderr)
        return 130
    except (MultihostError, targets.TargetError) as error:
        print('multihost: {}'.format(error), file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    print()
    print(format_table(runs))
    (results / 'summary.json').write_text(json.dumps(
        {'runs': [run.figures() for run in runs], 'problems': problems}, indent=2) + '\n')
    print()
    for problem in problems:
        print('FAIL ' + problem)
    if not problems:
        print('ok: every multi-host run had requests, no failures and deliveries from every worker, and its '
              'accounting matches the single-host run within noise' if not args.no_single_host else
              'ok: every multi-host run had requests, no failures and deliveries from every worker')
    print('results: {}'.format(results))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
