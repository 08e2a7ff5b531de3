"""Where load goes: parsing `--host` targets, the loopback rule, and starting a server to test.

Everything that starts a server lives here. `serve(protocol, submission=None)` is the one call:

- without a submission it starts the bundled reference server (`python chatroom.py server --tcp|--udp
  --port 0`) on an ephemeral loopback port and reads the port from the line it prints;
- with a submission it starts that chatroom.py through the harness's isolated runner,
  `harness.runner.serve(submission_path, protocol, port=0)` (imported only then).

A target string is `tcp://HOST:PORT` or `udp://HOST:PORT`; several are joined with commas, one per protocol
(`tcp://127.0.0.1:5001,udp://127.0.0.1:5002`), which is how one locust `--host` carries both when the
TCP and the UDP user run together.

The loopback rule: a target that is not a loopback address is refused unless `--allow-remote`, with one
narrow exception for `python -m loadtests multihost`, which sets $LOADTESTS_TEST_SUBNET in the processes it
starts inside the network namespaces it creates: see `subnet_refusal`.
"""

import contextlib
import ipaddress
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / 'chatroom.py'
PROTOCOLS = ('tcp', 'udp')
START_TIMEOUT = 15.0            # seconds for a server to say which port it listens on
STOP_TIMEOUT = 5.0              # seconds for a server to exit after SIGINT before it is killed
TEST_SUBNET_ENV = 'LOADTESTS_TEST_SUBNET'   # set by loadtests/multihost.py, only inside its namespaces
NETNS_PREFIX = 'ltmh'                       # the names of those namespaces: ltmh{pid}-{node}
NETNS_DIRS = ('/run/netns', '/var/run/netns')
_BANNER = re.compile(r'(TCP|UDP) (?:chatroom server|relay) on ([0-9A-Za-z.:\-]+):(\d+)')


class TargetError(Exception):
    """A target that cannot be used: malformed, refused (not loopback), or a server that did not start."""


@dataclass(frozen=True)
class Target:
    protocol: str
    host: str
    port: int

    @property
    def url(self):
        return '{}://{}:{}'.format(self.protocol, self.host, self.port)


def parse_targets(text):
    """'tcp://h:p[,udp://h:p]' -> {protocol: Target}."""
    targets = {}
    for part in (text or '').split(','):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r'(tcp|udp)://(\[[0-9a-fA-F:]+\]|[^:/\[\]]+):(\d{1,5})/?', part)
        if not match:
            raise TargetError('bad target {!r}: expected tcp://HOST:PORT or udp://HOST:PORT'.format(part))
        protocol, host, port = match.group(1), match.group(2).strip('[]'), int(match.group(3))
        if not 0 < port < 65536:
            raise TargetError('bad port in {!r}'.format(part))
        if protocol in targets:
            raise TargetError('two {} targets in {!r}'.format(protocol, text))
        targets[protocol] = Target(protocol, host, port)
    return targets


def is_loopback(host):
    """True when every address `host` names is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def subnet_refusal(host, environ=None):
    """Why `host` is not a target inside the multi-host test's private network, or None when it is.

    `python -m loadtests multihost` builds that network of its own (Linux network namespaces on a private
    subnet) and sets $LOADTESTS_TEST_SUBNET (e.g. 10.213.7.0/24) in the processes it starts there. A host
    is allowed through it only when all of these hold: the variable names a private IPv4 network of at most
    /16; `host` is an IPv4 address (not a name) inside it; this process runs in one of the multi-host
    script's own network namespaces (`ip netns` names them ltmhPID-NODE), so not on the machine's own
    network; and that subnet is directly connected here (a route without gateway in this namespace's
    /proc/net/route). Anywhere else the variable does nothing.
    """
    value = (os.environ if environ is None else environ).get(TEST_SUBNET_ENV, '').strip()
    if not value:
        return '${} is not set'.format(TEST_SUBNET_ENV)
    try:
        subnet = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return '${}={!r} is not an IPv4 network'.format(TEST_SUBNET_ENV, value)
    if not subnet.is_private or subnet.prefixlen < 16:
        return '${}={} is not a private network of /16 or smaller'.format(TEST_SUBNET_ENV, subnet)
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        return '{} is not an IPv4 address'.format(host)
    if address not in subnet:
        return '{} is not in ${}={}'.format(host, TEST_SUBNET_ENV, subnet)
    if own_netns_name() is None:
        return 'this process is not in a network namespace of the multi-host test ({}*)'.format(NETNS_PREFIX)
    if not _directly_connected(subnet):
        return '{} is not directly connected in this network namespace'.format(subnet)
    return None


def own_netns_name():
    """The name of the multi-host test's network namespace this process runs in, or None."""
    try:
        own = os.stat('/proc/self/ns/net')
    except OSError:
        return None
    for directory in NETNS_DIRS:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if not name.startswith(NETNS_PREFIX):
                continue
            try:
                mounted = os.stat(os.path.join(directory, name))
            except OSError:
                continue
            if (mounted.st_dev, mounted.st_ino) == (own.st_dev, own.st_ino):
                return name
    return None


def _directly_connected(subnet):
    """True when this network namespace has a route to exactly `subnet` without a gateway."""
    try:
        with open('/proc/net/route') as handle:
            rows = handle.read().splitlines()[1:]
    except OSError:
        return False
    native = '<I' if sys.byteorder == 'little' else '>I'

    def address(text):
        return ipaddress.IPv4Address(socket.inet_ntoa(struct.pack(native, int(text, 16))))

    for row in rows:
        fields = row.split()
        if len(fields) < 8:
            continue
        try:
            destination, gateway, mask = address(fields[1]), address(fields[2]), address(fields[7])
        except (ValueError, struct.error):
            continue
        if destination == subnet.network_address and mask == subnet.netmask and int(gateway) == 0:
            return True
    return False


def check_allowed(targets, allow_remote=False):
    """Refuse targets that are not on this machine's loopback unless `allow_remote` (or, for the multi-host
    test only, inside its private test subnet: see subnet_refusal)."""
    for target in targets.values():
        if allow_remote or is_loopback(target.host):
            continue
        why_not = subnet_refusal(target.host)
        if why_not is None:
            continue
        hint = ''
        if os.environ.get(TEST_SUBNET_ENV):
            hint = ' (${} does not apply: {})'.format(TEST_SUBNET_ENV, why_not)
        raise TargetError(
            'refusing to load {}: not a loopback address; pass --allow-remote to load a server on '
            'another machine (only one you are allowed to load){}'.format(target.url, hint))
    return targets


@contextlib.contextmanager
def serve(protocol, submission=None):
    """Start a server for `protocol` ('tcp' or 'udp'); yields a Target; stops the server on exit.

    `submission`: path of a student's chatroom.py, run isolated by harness.runner; None: the reference.
    """
    if protocol not in PROTOCOLS:
        raise TargetError('unknown protocol {!r}'.format(protocol))
    if submission is None:
        with _serve_reference(protocol) as target:
            yield target
        return
    path = Path(submission).resolve()
    if not path.is_file():
        raise TargetError('--submission {}: no such file'.format(submission))
    _runner_serve()                     # a clear error now if the harness's runner is not there
    # The runner runs in a helper process of its own: the load test's process is monkey-patched by gevent,
    # which the runner's pipes and threads are not written for.
    argv = [sys.executable, '-m', 'loadtests.target', 'serve-submission', str(path), protocol]
    with serve_command(argv, protocol) as target:
        yield target


def _runner_serve():
    try:
        from harness import runner
        return runner.serve
    except (ImportError, AttributeError) as error:
        raise TargetError(
            '--submission needs the harness\'s isolated runner (harness.runner.serve), which is not '
            'available here ({}). Without --submission the bundled reference server is used; or start '
            'a server yourself and pass --host tcp://127.0.0.1:PORT'.format(error)) from None


def _serve_submission_main(path, protocol):
    """The helper process: run the submission's server isolated; print where; stop on SIGINT/SIGTERM."""
    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        with _runner_serve()(path, protocol, port=0) as server:
            print('{} chatroom server on {}:{} (submission {})'.format(
                protocol.upper(), getattr(server, 'host', '127.0.0.1'), int(server.port), path), flush=True)
            while True:
                signal.pause()
    except KeyboardInterrupt:
        return 0
    except TargetError as error:
        print('error: {}'.format(error), flush=True)
        return 2
    except Exception as error:          # the runner's own report of a submission that would not start
        print('error: the submission\'s {} server did not start: {!r}'.format(protocol, error), flush=True)
        return 2


def _prepare_child():
    """In the child, before exec: take SIGINT as Ctrl-C even if our parent ignores it (a background job
    does), so that stopping is the server's own shutdown(); and die if the parent dies (Linux), so that a
    killed load test leaves no server behind."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)           # PR_SET_PDEATHSIG
    except Exception:                           # not Linux: the server is stopped at exit as usual
        pass


def _serve_reference(protocol):
    return serve_command([sys.executable, str(REFERENCE), 'server', '--' + protocol, '--port', '0'], protocol)


def serve_relay(protocol):
    """The minimal relay of loadtests/relay.py (the benchmark's ceiling), like serve()."""
    return serve_command([sys.executable, '-m', 'loadtests.relay', '--' + protocol, '--port', '0'], protocol)


@contextlib.contextmanager
def serve_command(argv, protocol):
    """Run a server command that prints '{TCP|UDP} ... on HOST:PORT' first; yield its Target; stop it."""
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=str(REFERENCE.parent),
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in [str(REFERENCE.parent), os.environ.get('PYTHONPATH')] if p)),
        start_new_session=True,                 # Ctrl-C on the load test must not stop it before the users
        preexec_fn=_prepare_child if os.name == 'posix' else None)
    try:
        target = _read_banner(process, protocol)
        yield target
    finally:
        _stop(process)


def _read_banner(process, protocol):
    deadline = time.monotonic() + START_TIMEOUT
    seen = b''
    fd = process.stdout.fileno()
    while b'\n' not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TargetError('the {} server printed no port within {:.0f}s (got {!r})'.format(
                protocol, START_TIMEOUT, seen.decode(errors='replace')))
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            raise TargetError('the {} server exited (status {}) before listening: {!r}'.format(
                protocol, process.wait(), seen.decode(errors='replace')))
        seen += chunk
    line = seen.decode(errors='replace')
    match = _BANNER.search(line)
    if line.startswith('error:'):
        raise TargetError(line[len('error:'):].strip())
    if not match:
        raise TargetError('unexpected first line from the server: {!r}'.format(line))
    return Target(protocol, match.group(2), int(match.group(3)))


def _stop(process):
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGINT)  # the server's shutdown(): 'server-shutdown' to clients
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
        except ProcessLookupError:
            pass
    if process.stdout is not None:
        process.stdout.close()


class Servers:
    """Servers started for one load test, one per protocol; close() stops them all."""

    def __init__(self):
        self._stack = contextlib.ExitStack()
        self.targets = {}

    def start(self, protocols, submission=None):
        try:
            for protocol in protocols:
                self.targets[protocol] = self._stack.enter_context(serve(protocol, submission))
        except BaseException:
            self.close()
            raise
        return ','.join(target.url for target in self.targets.values())

    def close(self):
        self.targets = {}
        self._stack.close()


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'serve-submission':
        sys.exit(_serve_submission_main(sys.argv[2], sys.argv[3]))
    sys.exit('usage: python -m loadtests.target serve-submission PATH tcp|udp')
