"""Locust load test of a chatroom server: TcpChatUser and UdpChatUser, one chat client each.

    locust -f loadtests/locustfile.py TcpChatUser --headless -u 50 -r 25 -t 20s      # reference, auto-started
    locust -f loadtests/locustfile.py UdpChatUser --host udp://127.0.0.1:12345         # a running server
    locust -f loadtests/locustfile.py TcpChatUser --submission path/to/chatroom.py     # a student's, isolated
    python -m loadtests run tcp|udp                                                    # shipped bounded profiles

Each user joins with a unique name (another one on 'Name already taken'), sends chat messages at
--msg-rate per second, and receives at the same time in its own greenlet. Every message is a token
(loadtests/tokens.py) carrying the sender's name, its sequence number and the send time, so a receiver
measures latency and finds lost, late and duplicate messages per sender without shared state: this works
with --processes N and with --master/--worker on several machines alike.

What goes to locust (request type / name = the protocol):
    JOIN     connect + join until 'Welcome' (response time = join time); failures: refused, taken 3 times...
    SEND     one chat message handed to the socket; failures: socket errors, not connected
    DELIVER  one received message, response time = its latency (send -> receive) in ms
    LOSS     one lost message (a failure): a sequence number skipped and still missing --loss-grace s later
    ORDER    a message that arrived late (after a later one) or twice (a failure)
    SERVER   the server went away: 'server-shutdown', connection reset or closed (a failure)

Sampling: one request event costs about 2 us; with U users at R msgs/s there are U*(U-1)*R deliveries/s.
`--deliver-sample N` makes DELIVER and LOSS events only for sequence numbers divisible by N (sampled by
number, so delivered and lost messages are sampled alike and the ratios and percentiles stay unbiased);
the exact totals are always counted per process, summed on the master (locust's report_to_master /
worker_report events), printed at the end and written to {csv prefix}_chat.json; with workers, each
worker's own totals too (under "workers", and one row per worker in {csv prefix}_workers.csv), and the
master logs 'worker ID (pid N) is delivering' when a worker first reports received messages.

Target: --host tcp://HOST:PORT or udp://HOST:PORT (both, comma separated, if both users run). Without a
host, the master (or the single process) starts the bundled reference server, one per protocol in use, on
an ephemeral loopback port, and stops it when locust quits; workers get the host from the master. With
--submission PATH the server is that chatroom.py run through the harness's isolated runner. Hosts that
are not loopback are refused unless --allow-remote.

Thresholds (--max-fail-ratio, --max-p99-ms, --max-loss-pct; negative = off) are checked when locust quits
and set the exit code to 1 when exceeded.
"""

import csv
import json
import logging
import os
import random
import socket
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:      # `loadtests` without an install
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gevent
from locust import User, events, task
from locust.runners import MasterRunner, WorkerRunner

from loadtests import target as targets
from loadtests import tokens

logger = logging.getLogger('loadtests')

SEND_TIMEOUT = 5.0              # seconds a send may block before it counts as failed
RECV_WAKE = 0.5                 # seconds between the receiver's checks for expired gaps
REJOIN_INTERVAL = 2.0           # seconds between attempts to rejoin after the server went away
JOIN_ATTEMPTS = 3               # names tried when a name is taken
EXIT_FLUSH = 0.2                # seconds on_stop waits for the final bytes before closing


# -- command line -------------------------------------------------------------------------------------

@events.init_command_line_parser.add_listener
def _add_arguments(parser):
    group = parser.add_argument_group('chatroom load test')
    group.add_argument('--submission', default='', metavar='PATH',
                       help="start this chatroom.py's server (isolated, via harness.runner) instead of the "
                            'reference; ignored when --host is given')
    group.add_argument('--allow-remote', action='store_true', default=False,
                       help='allow a --host that is not a loopback address')
    group.add_argument('--msg-rate', type=float, default=1.0, metavar='PER_S',
                       help='chat messages each user sends per second (default %(default)s)')
    group.add_argument('--msg-size', type=int, default=0, metavar='BYTES',
                       help='pad each message to this many bytes (default: just the ~40-byte token)')
    group.add_argument('--deliver-sample', type=int, default=1, metavar='N',
                       help='report 1 in N deliveries and losses as locust events (default every one)')
    group.add_argument('--loss-grace', type=float, default=2.0, metavar='S',
                       help='seconds a skipped message may still arrive before it counts as lost')
    group.add_argument('--join-timeout', type=float, default=5.0, metavar='S',
                       help="seconds to wait for the server's 'Welcome'")
    group.add_argument('--max-fail-ratio', type=float, default=-1, metavar='RATIO',
                       help='exit 1 if failures / requests (all types but LOSS) exceed this (off if < 0)')
    group.add_argument('--max-p99-ms', type=float, default=-1, metavar='MS',
                       help='exit 1 if the 99th percentile delivery latency exceeds this (off if < 0)')
    group.add_argument('--max-loss-pct', type=float, default=-1, metavar='PCT',
                       help='exit 1 if lost / (delivered + lost) exceeds this percentage (off if < 0)')


def _option(environment, name, default=None):
    options = environment.parsed_options
    value = getattr(options, name, None) if options is not None else None
    return default if value is None else value


# -- exact counters, summed across processes ----------------------------------------------------------

COUNTERS = ('joined', 'join_failed', 'name_taken', 'sent', 'send_failed', 'delivered', 'lost', 'late',
            'duplicates', 'server_gone')


class Totals:
    def __init__(self):
        self.by_protocol = {}

    def add(self, protocol, counter, amount=1):
        counts = self.by_protocol.setdefault(protocol, dict.fromkeys(COUNTERS, 0))
        counts[counter] += amount

    def take(self):
        """The counts so far, reset (what a worker sends to the master)."""
        taken, self.by_protocol = self.by_protocol, {}
        return taken

    def merge(self, other):
        for protocol, counts in other.items():
            for counter, amount in counts.items():
                if counter in COUNTERS:
                    self.add(protocol, counter, amount)


TOTALS = Totals()
_RUN = {'servers': None, 'started': None, 'stopped': None}


WORKERS = {}        # on the master: client id -> what that worker reported (who it is, its own totals)


@events.report_to_master.add_listener
def _report_to_master(client_id, data, **kwargs):
    data['chatroom_totals'] = TOTALS.take()
    data['chatroom_worker'] = {'pid': os.getpid(), 'host': socket.gethostname(), 'netns': targets.own_netns_name()}


@events.worker_report.add_listener
def _worker_report(client_id, data, **kwargs):
    totals = data.get('chatroom_totals') or {}
    TOTALS.merge(totals)
    worker = WORKERS.get(client_id)
    if worker is None:
        worker = WORKERS[client_id] = {'id': client_id, 'totals': Totals(), 'delivering': False}
    worker.update(data.get('chatroom_worker') or {})
    worker['totals'].merge(totals)
    if not worker['delivering'] and any(c.get('delivered') for c in worker['totals'].by_protocol.values()):
        worker['delivering'] = True         # a line to wait for: this worker's users receive messages
        logger.info('worker %s (pid %s%s) is delivering', client_id, worker.get('pid'),
                    ', netns ' + worker['netns'] if worker.get('netns') else '')


# -- the target: a given host, or a server we start ---------------------------------------------------

@events.init.add_listener
def _on_init(environment, runner=None, **kwargs):
    if isinstance(runner, WorkerRunner):
        return                          # the master chose the target; workers get it with each spawn
    allow_remote = bool(_option(environment, 'allow_remote', False))
    submission = _option(environment, 'submission', '') or None
    try:
        if environment.host:
            targets.check_allowed(targets.parse_targets(environment.host), allow_remote)
            if submission:
                logger.warning('--host given: --submission is ignored')
            return
        protocols = [cls.protocol for cls in environment.user_classes if getattr(cls, 'protocol', None)]
        protocols = sorted(set(protocols), key=targets.PROTOCOLS.index)
        if not protocols:
            return
        servers = targets.Servers()
        environment.host = servers.start(protocols, submission)
        _RUN['servers'] = servers
        logger.info('started the %s server(s): %s', 'submission' if submission else 'reference',
                    environment.host)
    except targets.TargetError as error:
        logger.error('%s', error)
        raise SystemExit(2)


@events.test_start.add_listener
def _on_test_start(environment, **kwargs):
    if _RUN['started'] is None:
        _RUN['started'] = time.time()


@events.test_stop.add_listener
def _on_test_stop(environment, **kwargs):
    _RUN['stopped'] = time.time()


@events.quitting.add_listener
def _on_quitting(environment, **kwargs):
    runner = environment.runner
    try:
        if not isinstance(runner, WorkerRunner):
            summary = summarize(environment)
            if summary['protocols']:
                _print_summary(summary)
                _write_summary(environment, summary)
            problems = check_thresholds(environment, summary)
            for problem in problems:
                logger.error('threshold exceeded: %s', problem)
            if problems:
                environment.process_exit_code = 1
    finally:
        servers, _RUN['servers'] = _RUN['servers'], None
        if servers is not None:
            servers.close()         # after the users: the master quits after the workers' final reports


def summarize(environment):
    """Exact totals per protocol, with locust's latency percentiles and the delivery rate."""
    duration = None
    if _RUN['started']:
        duration = max(1e-3, (_RUN['stopped'] or time.time()) - _RUN['started'])
    summary = {'duration_s': duration, 'protocols': {}}
    stats = environment.stats
    for protocol, counts in sorted(TOTALS.by_protocol.items()):
        entry = stats.entries.get((protocol, 'DELIVER'))
        item = dict(counts)
        expected = counts['delivered'] + counts['lost']
        item['loss_pct'] = 100.0 * counts['lost'] / expected if expected else 0.0
        item['deliveries_per_s'] = counts['delivered'] / duration if duration else None
        item['p50_ms'] = entry.get_response_time_percentile(0.5) if entry and entry.num_requests else None
        item['p99_ms'] = entry.get_response_time_percentile(0.99) if entry and entry.num_requests else None
        summary['protocols'][protocol] = item
    runner = environment.runner
    missing = {client.id for client in runner.clients.missing} if isinstance(runner, MasterRunner) else set()
    summary['workers'] = [
        {'id': client_id, 'pid': worker.get('pid'), 'host': worker.get('host'), 'netns': worker.get('netns'),
         'missing': client_id in missing, 'protocols': dict(sorted(worker['totals'].by_protocol.items()))}
        for client_id, worker in WORKERS.items()]
    return summary


def check_thresholds(environment, summary):
    problems = []
    max_fail = float(_option(environment, 'max_fail_ratio', -1))
    max_p99 = float(_option(environment, 'max_p99_ms', -1))
    max_loss = float(_option(environment, 'max_loss_pct', -1))
    requests = failures = 0
    for (name, method), entry in environment.stats.entries.items():
        if method != 'LOSS':
            requests += entry.num_requests
            failures += entry.num_failures
    if max_fail >= 0:
        ratio = failures / requests if requests else 1.0
        if ratio > max_fail or not requests:
            problems.append('failure ratio {:.4f} > {} ({} of {} requests)'.format(
                ratio, max_fail, failures, requests))
    for protocol, item in summary['protocols'].items():
        if max_p99 >= 0 and item['p99_ms'] is not None and item['p99_ms'] > max_p99:
            problems.append('{} p99 delivery latency {} ms > {} ms'.format(protocol, item['p99_ms'], max_p99))
        if max_loss >= 0 and item['loss_pct'] > max_loss:
            problems.append('{} loss {:.3f}% > {}% ({} lost)'.format(
                protocol, item['loss_pct'], max_loss, item['lost']))
    if (max_p99 >= 0 or max_loss >= 0) and not any(i['delivered'] for i in summary['protocols'].values()):
        problems.append('no message was delivered')
    return problems


def _print_summary(summary):
    lines = ['chatroom load test totals (exact, all processes) over {:.1f}s:'.format(summary['duration_s'] or 0)]
    lines.append('  {:<4} {:>7} {:>9} {:>11} {:>8} {:>7} {:>6} {:>6} {:>9} {:>9} {:>11}'.format(
        'prot', 'joined', 'sent', 'delivered', 'deliv/s', 'lost', 'loss%', 'late', 'p50 ms', 'p99 ms',
        'server gone'))
    for protocol, item in summary['protocols'].items():
        lines.append('  {:<4} {:>7} {:>9} {:>11} {:>8.0f} {:>7} {:>6.2f} {:>6} {:>9} {:>9} {:>11}'.format(
            protocol, item['joined'], item['sent'], item['delivered'], item['deliveries_per_s'] or 0,
            item['lost'], item['loss_pct'], item['late'] + item['duplicates'], item['p50_ms'],
            item['p99_ms'], item['server_gone']))
    for worker in summary.get('workers', ()):
        lines.append('  worker pid {}{}: {}{}'.format(
            worker['pid'], ' (netns {})'.format(worker['netns']) if worker['netns'] else '',
            ', '.join('{} sent {} delivered {}'.format(protocol, counts['sent'], counts['delivered'])
                      for protocol, counts in worker['protocols'].items()) or 'nothing reported',
            ' [missing]' if worker['missing'] else ''))
    logger.info('\n'.join(lines))


def _write_summary(environment, summary):
    prefix = _option(environment, 'csv_prefix', None)
    if not prefix:
        return
    path = Path(prefix + '_chat.json')
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + '\n')
    if summary.get('workers'):
        _write_workers_csv(Path(prefix + '_workers.csv'), summary['workers'])


def _write_workers_csv(path, workers):
    """{csv prefix}_workers.csv: one row per worker and protocol, its own exact totals."""
    with open(path, 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(['Worker', 'PID', 'Host', 'Netns', 'Missing', 'Protocol', *COUNTERS])
        for worker in workers:
            for protocol, counts in worker['protocols'].items():
                writer.writerow([worker['id'], worker['pid'], worker['host'], worker['netns'] or '',
                                 int(bool(worker['missing'])), protocol, *(counts.get(c, 0) for c in COUNTERS)])


# -- the users ----------------------------------------------------------------------------------------

class ServerGone(Exception):
    pass


class Lost(Exception):
    pass


class OutOfOrder(Exception):
    pass


class NotConnected(Exception):
    pass


class ChatUser(User):
    """What TCP and UDP chat users share: pacing, the token accounting and the reporting."""

    abstract = True
    protocol = None

    def __init__(self, environment):
        super().__init__(environment)
        self.rate = max(0.01, float(_option(environment, 'msg_rate', 1.0)))
        self.size = int(_option(environment, 'msg_size', 0))
        self.sample = max(1, int(_option(environment, 'deliver_sample', 1)))
        self.grace = float(_option(environment, 'loss_grace', 2.0))
        self.join_timeout = float(_option(environment, 'join_timeout', 5.0))
        self.allow_remote = bool(_option(environment, 'allow_remote', False))
        self.name = None
        self.sock = None
        self.seq = 0
        self.connected = False
        self.stopping = False
        self.receiver = None
        self.ledger = tokens.Ledger()
        self.last_join_attempt = 0.0
        self.next_send = 0.0

    # -- locust hooks ---------------------------------------------------------------------------------

    def wait_time(self):
        interval = 1.0 / self.rate
        now = time.monotonic()
        self.next_send = max(self.next_send + interval, now - interval)   # catch up at most one message
        return max(0.0, self.next_send - now)

    def on_start(self):
        self.join()
        gevent.sleep(random.uniform(0, 1.0 / self.rate))  # spread the users' sends over the interval
        self.next_send = time.monotonic()

    @task
    def send_message(self):
        if not self.connected:
            if time.monotonic() - self.last_join_attempt >= REJOIN_INTERVAL:
                self.join()
            if not self.connected:
                self._event('SEND', 0.0, exception=NotConnected('not connected'))
                TOTALS.add(self.protocol, 'send_failed')
                return
        self.seq += 1
        data = tokens.encode(self.name, self.seq, size=self.size).encode('ascii')
        started = time.perf_counter()
        try:
            self.transmit(data)
        except OSError as error:
            self._event('SEND', (time.perf_counter() - started) * 1000, len(data), exception=error)
            TOTALS.add(self.protocol, 'send_failed')
            self._lost_connection('send failed: {}'.format(error.__class__.__name__))
            return
        self._event('SEND', (time.perf_counter() - started) * 1000, len(data))
        TOTALS.add(self.protocol, 'sent')

    def on_stop(self):
        self.stopping = True
        if self.receiver is not None:
            self.receiver.kill(block=True, timeout=2)
            self.receiver = None
        self._report_lost(self.ledger.finish())
        if self.sock is not None:
            if self.connected:
                try:
                    self.say_exit()
                except OSError:
                    pass
            self._close()

    # -- joining --------------------------------------------------------------------------------------

    def target(self):
        found = targets.parse_targets(self.host or self.environment.host or '')
        if self.protocol not in found:
            raise targets.TargetError('no {}:// target in --host {!r}'.format(self.protocol, self.host))
        return targets.check_allowed({self.protocol: found[self.protocol]}, self.allow_remote)[self.protocol]

    def join(self):
        """Connect and join under a fresh unique name; report one JOIN. Never raises."""
        self.last_join_attempt = time.monotonic()
        self._close()
        started = time.perf_counter()
        try:
            where = self.target()
            for _ in range(JOIN_ATTEMPTS):
                self.name = tokens.make_name()
                reply = self.connect_and_join(where)
                if 'Welcome' in reply:
                    break
                self._close()
                if 'Name already taken' not in reply:
                    raise ConnectionError('join refused: {!r}'.format(reply[:80]))
                TOTALS.add(self.protocol, 'name_taken')
            else:
                raise ConnectionError('name taken {} times in a row'.format(JOIN_ATTEMPTS))
        except (OSError, targets.TargetError) as error:
            self._close()
            self._event('JOIN', (time.perf_counter() - started) * 1000, exception=error)
            TOTALS.add(self.protocol, 'join_failed')
            return False
        self.connected = True
        self.ledger = tokens.Ledger()
        self._event('JOIN', (time.perf_counter() - started) * 1000)
        TOTALS.add(self.protocol, 'joined')
        self.receiver = gevent.spawn(self._receive_guarded)
        return True

    # -- receiving ------------------------------------------------------------------------------------

    def _receive_guarded(self):
        try:
            self.receive_loop()
        except gevent.GreenletExit:
            raise
        except Exception as error:          # a bug here must show as a failure, not kill the run
            logger.exception('receiver of %s failed', self.name)
            self._lost_connection('receiver error: {!r}'.format(error))

    def account(self, found):
        """Report the tokens received: DELIVER (sampled), ORDER for late or duplicate ones."""
        now = tokens.now_us()
        fire = self.environment.events.request.fire
        delivered = 0
        for sender, seq, sent_us in found:
            outcome = self.ledger.record(sender, seq)
            if outcome == 'dup':
                TOTALS.add(self.protocol, 'duplicates')
                self._event('ORDER', 0.0, exception=OutOfOrder('duplicate message'))
                continue
            delivered += 1
            if outcome == 'late':
                TOTALS.add(self.protocol, 'late')
                self._event('ORDER', 0.0, exception=OutOfOrder('message arrived after a later one'))
            if seq % self.sample == 0:
                fire(request_type='DELIVER', name=self.protocol, response_time=max(0, now - sent_us) / 1000.0,
                     response_length=0, exception=None, context={})
        if delivered:
            TOTALS.add(self.protocol, 'delivered', delivered)

    def expire(self):
        if self.ledger.missing_count():
            self._report_lost(self.ledger.expire(self.grace))

    def _report_lost(self, entries):
        if not entries:
            return
        TOTALS.add(self.protocol, 'lost', tokens.count_lost(entries, 1))
        for _ in range(tokens.count_lost(entries, self.sample)):
            self._event('LOSS', 0.0, exception=Lost('message lost'))

    def _lost_connection(self, why):
        """The server went away (or our socket broke): one SERVER failure, then rejoin attempts."""
        if self.stopping or not self.connected:
            return
        self.connected = False
        TOTALS.add(self.protocol, 'server_gone')
        self._event('SERVER', 0.0, exception=ServerGone(why))
        self._report_lost(self.ledger.finish())

    # -- helpers --------------------------------------------------------------------------------------

    def _event(self, kind, response_time, length=0, exception=None):
        self.environment.events.request.fire(
            request_type=kind, name=self.protocol, response_time=response_time, response_length=length,
            exception=exception, context={'user': self.name})

    def _close(self):
        receiver, self.receiver = self.receiver, None
        if receiver is not None and receiver is not gevent.getcurrent():
            receiver.kill(block=False)
        self.connected = False
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


class TcpChatUser(ChatUser):
    """One TCP chat client: the name as the first message, then chat; 'exit' to leave."""

    protocol = 'tcp'

    def connect_and_join(self, where):
        self.sock = socket.create_connection((where.host, where.port), timeout=self.join_timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(self.name.encode())
        deadline = time.monotonic() + self.join_timeout
        reply = b''
        while b'Welcome' not in reply and b'Name already taken' not in reply:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout('no Welcome within {}s'.format(self.join_timeout))
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('the server closed the connection after {!r}'.format(reply[:80]))
            reply += chunk
        self.stream = tokens.TokenStream()
        text = reply.decode('utf-8', 'replace')
        if 'Welcome' in text:
            after = reply[reply.index(b'Welcome') + len(b'Welcome'):]
            self.stream.feed(after)         # anything fused behind the greeting (no tokens yet: we are new)
        return text

    def transmit(self, data):
        self.sock.settimeout(SEND_TIMEOUT)
        self.sock.sendall(data)

    def say_exit(self):
        self.sock.settimeout(1.0)
        self.sock.sendall(b'exit')
        # read what is left until the server closes (FIN rather than RST), briefly
        deadline = time.monotonic() + EXIT_FLUSH
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    break
            except (socket.timeout, OSError):
                break

    def receive_loop(self):
        sock, stream = self.sock, self.stream
        last_expire = time.monotonic()
        while True:
            sock.settimeout(RECV_WAKE)
            try:
                data = sock.recv(262144)
            except socket.timeout:
                data = None
            except OSError as error:
                self._lost_connection('connection error: {}'.format(error.__class__.__name__))
                return
            if data == b'':
                self._lost_connection('the server closed the connection')
                return
            if data:
                self.account(stream.feed(data))
                if stream.shutdown_seen:
                    self._lost_connection('server-shutdown')
                    return
            if time.monotonic() - last_expire >= RECV_WAKE:
                last_expire = time.monotonic()
                self.expire()


class UdpChatUser(ChatUser):
    """One UDP chat client: '{name}:join', '{name}:{text}', '{name}:exit'."""

    protocol = 'udp'

    def connect_and_join(self, where):
        address = socket.getaddrinfo(where.host, where.port, type=socket.SOCK_DGRAM)[0]
        family, address = address[0], address[4]
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        for option in (getattr(socket, 'SO_RCVBUFFORCE', None), socket.SO_RCVBUF):
            if option is None:
                continue
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
                break
            except OSError:
                continue
        # connected: only the server's datagrams reach us, and a vanished server shows as ECONNREFUSED
        self.sock.connect(address)
        self.sock.send('{}:join'.format(self.name).encode())
        deadline = time.monotonic() + self.join_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout('no Welcome within {}s'.format(self.join_timeout))
            self.sock.settimeout(remaining)
            reply = self.sock.recv(65536).decode('utf-8', 'replace')
            if 'Welcome' in reply or 'Name already taken' in reply:
                return reply

    def transmit(self, data):
        self.sock.settimeout(SEND_TIMEOUT)
        self.sock.send(self.name.encode() + b':' + data)

    def say_exit(self):
        self.sock.send('{}:exit'.format(self.name).encode())

    def receive_loop(self):
        sock = self.sock
        last_expire = time.monotonic()
        while True:
            sock.settimeout(RECV_WAKE)
            try:
                data = sock.recv(65536)
            except socket.timeout:
                data = None
            except OSError as error:
                self._lost_connection('connection error: {}'.format(error.__class__.__name__))
                return
            if data:
                found, shutdown = tokens.parse_datagram(data)
                if shutdown:
                    self._lost_connection('server-shutdown')
                    return
                if found:
                    self.account(found)
            if time.monotonic() - last_expire >= RECV_WAKE:
                last_expire = time.monotonic()
                self.expire()
