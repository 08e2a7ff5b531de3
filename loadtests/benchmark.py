"""Fan-out benchmark: how fast chat servers deliver, on loopback, with a load side that is not the limit.

    python -m loadtests.benchmark [--clients 20] [--messages 400] [--rounds 3] [--submission PATH] [--quick]

Prints one table. Subjects, alternated over --rounds rounds (medians reported; this machine is noisy):
  (a) relay-tcp  the minimal raw relay of loadtests/relay.py: the ceiling; ratios are to it
  (b) ref-tcp    the reference chatroom.py TCP server
  (c) ref-udp    the reference UDP server at a fixed offered rate (default 4,000 msgs/s in total), with
                 its loss; plus the knee: the offered rate where loss starts, and the loss at twice it
  (d) sub-tcp / sub-udp   a submission, if --submission is given (run by the harness's isolated runner)
  (e) scale      how many TCP clients the reference serves with one broadcast reaching all of them
  (f) isolation  one client never reads while another sends 20,000 x 1 KiB; the others must get all of
                 them within 10 s

TCP runs are closed-loop: each of N clients sends M messages, keeping at most --window of its messages
not yet delivered to every other client, so the latency is that of a loaded server and not of a queue
the load side built. The load side is this process: plain non-blocking sockets and selectors, one thread;
the server is another process. The table shows the load side's CPU share, to show it was not the limit.
Every loop is bounded in count and time; all traffic goes to 127.0.0.1.
"""

import argparse
import contextlib
import os
import resource
import selectors
import socket
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests import target as targets            # noqa: E402
from loadtests import tokens                       # noqa: E402

LOOPBACK = '127.0.0.1'
JOIN_TIMEOUT = 30.0


class BenchError(Exception):
    pass


def percentile(values, fraction):
    if not values:
        return float('nan')
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rcvbuf(sock, size):
    for option in (getattr(socket, 'SO_RCVBUFFORCE', None), socket.SO_RCVBUF):
        if option is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, size)
                return
            except OSError:
                pass


# -- TCP clients ---------------------------------------------------------------------------------------

class TcpClient:
    __slots__ = ('sock', 'name', 'stream', 'out', 'sent', 'welcomed', 'buffer', 'eof')

    def __init__(self, port, name):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=JOIN_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.name = name
        self.stream = tokens.TokenStream()
        self.out = bytearray()
        self.sent = 0
        self.welcomed = False
        self.buffer = b''
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def join_all(port, count, deadline):
    """Connect `count` clients, send each name, and wait for every 'Welcome'. Returns the clients."""
    clients = []
    try:
        for _ in range(count):
            client = TcpClient(port, tokens.make_name())
            client.sock.send(client.name.encode())
            clients.append(client)
            if len(clients) % 64 == 0:
                _pump_welcome(clients, deadline, settle=True)
        _pump_welcome(clients, deadline)
    except BaseException:
        for client in clients:
            client.close()
        raise
    return clients


def _pump_welcome(clients, deadline, settle=False):
    selector = selectors.DefaultSelector()
    waiting = {c.sock: c for c in clients if not c.welcomed}
    for sock in waiting:
        selector.register(sock, selectors.EVENT_READ)
    try:
        while waiting:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError('{} of {} clients got no Welcome in time'.format(len(waiting), len(clients)))
            ready = selector.select(0 if settle else min(remaining, 0.5))
            if settle and not ready:
                return
            for key, _ in ready:
                client = waiting[key.fileobj]
                try:
                    data = client.sock.recv(65536)
                except BlockingIOError:
                    continue
                if not data:
                    raise BenchError('the server closed a connection while joining')
                client.buffer += data
                if b'Welcome' in client.buffer:
                    client.welcomed = True
                    client.stream.feed(client.buffer[client.buffer.index(b'Welcome') + 7:])
                    client.buffer = b''
                    selector.unregister(key.fileobj)
                    del waiting[key.fileobj]
    finally:
        selector.close()


def tcp_fanout(port, clients_n, messages, window, size=0, limit=60.0):
    """N clients each send `messages` tokens (closed loop, `window` in flight); returns a result dict."""
    deadline = time.monotonic() + limit
    clients = join_all(port, clients_n, deadline)
    index = {c.name: i for i, c in enumerate(clients)}
    delivered_from = [0] * clients_n
    latencies = []
    expected = clients_n * (clients_n - 1) * messages
    total = 0
    selector = selectors.DefaultSelector()
    for client in clients:
        selector.register(client.sock, selectors.EVENT_READ, client)
    cpu0, start = cpu_seconds(), time.monotonic()
    last = start
    cap = window * (clients_n - 1)
    try:
        while total < expected:
            now = time.monotonic()
            if now > deadline:
                break
            for i, client in enumerate(clients):
                while (client.sent < messages and client.sent * (clients_n - 1) - delivered_from[i] < cap
                       and len(client.out) < 65536):
                    client.sent += 1
                    client.out += tokens.encode(client.name, client.sent, size=size).encode()
                if client.out:
                    try:
                        sent = client.sock.send(client.out)
                    except BlockingIOError:
                        sent = 0
                    del client.out[:sent]
            for key, _ in selector.select(0.2):
                client = key.data
                try:
                    data = client.sock.recv(262144)
                except BlockingIOError:
                    continue
                if not data:
                    raise BenchError('the server closed a connection during the run')
                arrived = tokens.now_us()
                for sender, seq, sent_us in client.stream.feed(data):
                    origin = index.get(sender)
                    if origin is None:
                        continue
                    delivered_from[origin] += 1
                    total += 1
                    latencies.append(arrived - sent_us)
                last = time.monotonic()
    finally:
        selector.close()
        cpu = cpu_seconds() - cpu0
        for client in clients:
            client.close()
    elapsed = max(1e-6, last - start)
    return {'deliveries': total, 'expected': expected, 'rate': total / elapsed,
            'p50_ms': percentile(latencies, 0.5) / 1000, 'p99_ms': percentile(latencies, 0.99) / 1000,
            'load_cpu': cpu / max(1e-6, time.monotonic() - start), 'complete': total == expected}


# -- UDP -----------------------------------------------------------------------------------------------

def udp_drops(ports):
    """Datagrams the kernel dropped at full receive buffers, per local port (Linux /proc/net/udp)."""
    drops = {}
    try:
        lines = Path('/proc/net/udp').read_text().splitlines()[1:]
    except OSError:
        return drops
    for line in lines:
        fields = line.split()
        port = int(fields[1].split(':')[1], 16)
        if port in ports:
            drops[port] = drops.get(port, 0) + int(fields[-1])
    return drops


def udp_fanout(port, clients_n, offered, seconds=2.0, drain=1.0):
    """N clients send `offered` msgs/s in total for `seconds`; returns delivered, loss and where it was lost."""
    socks, names = [], []
    selector = selectors.DefaultSelector()
    try:
        for _ in range(clients_n):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            _rcvbuf(sock, 8 << 20)
            sock.bind((LOOPBACK, 0))
            sock.connect((LOOPBACK, port))
            name = tokens.make_name()
            sock.send(name.encode() + b':join')
            sock.settimeout(5.0)
            reply = sock.recv(65536)
            if reply != b'Welcome':
                raise BenchError('UDP join answered {!r}'.format(reply[:60]))
            sock.setblocking(False)
            socks.append(sock)
            names.append(name)
        # drain join notices
        for sock in socks:
            with contextlib.suppress(BlockingIOError):
                for _ in range(10 * clients_n):
                    sock.recv(65536)
        ports = {s.getsockname()[1] for s in socks}
        before = udp_drops(ports | {port})
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        latencies, delivered, sent = [], 0, 0
        cpu0, start = cpu_seconds(), time.monotonic()
        end_send = start + seconds
        stop = end_send + drain
        total_to_send = int(offered * seconds)
        seqs = [0] * clients_n
        last_send = start
        while True:
            now = time.monotonic()
            if now >= stop:
                break
            due = min(total_to_send, int((now - start) * offered)) if now < end_send else total_to_send
            burst = 0
            while sent < due and burst < 200:
                i = sent % clients_n
                seqs[i] += 1
                try:
                    socks[i].send(names[i].encode() + b':' + tokens.encode(names[i], seqs[i]).encode())
                except (BlockingIOError, ConnectionRefusedError):
                    pass
                sent += 1
                burst += 1
                last_send = now
            if sent >= total_to_send and delivered >= sent * (clients_n - 1):
                break
            for key, _ in selector.select(0 if sent < due else 0.001):
                sock = key.fileobj
                arrived = tokens.now_us()
                for _ in range(64):
                    try:
                        data = sock.recv(65536)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
                    for _sender, _seq, sent_us in tokens.parse_datagram(data)[0]:
                        delivered += 1
                        if delivered % 8 == 0:
                            latencies.append(arrived - sent_us)
        cpu = cpu_seconds() - cpu0
        elapsed = time.monotonic() - start
        after = udp_drops(ports | {port})
        expected = sent * (clients_n - 1)
        server_drops = after.get(port, 0) - before.get(port, 0)
        client_drops = sum(after.get(p, 0) - before.get(p, 0) for p in ports)
        return {'offered': offered, 'achieved': sent / max(seconds, last_send - start), 'sent': sent,
                'expected': expected, 'deliveries': delivered,
                'loss_pct': 100.0 * (expected - delivered) / expected if expected else 0.0,
                'rate': delivered / max(1e-6, min(elapsed, seconds + drain)),
                'p50_ms': percentile(latencies, 0.5) / 1000, 'p99_ms': percentile(latencies, 0.99) / 1000,
                'load_cpu': cpu / max(1e-6, elapsed), 'server_drops': server_drops,
                'client_drops': client_drops}
    finally:
        selector.close()
        for sock, name in zip(socks, names):
            with contextlib.suppress(OSError):
                sock.send(name.encode() + b':exit')
            sock.close()


def udp_knee(serve, clients_n, start_rate, seconds, limit_rate=64000, steps=3):
    """The highest offered rate (msgs/s in total) with no loss, found by doubling then bisecting."""
    good, bad, bad_result = None, None, None
    rate = start_rate
    while rate <= limit_rate:
        with serve() as where:
            result = udp_fanout(where.port, clients_n, rate, seconds)
        if result['loss_pct'] > 0:
            bad, bad_result = rate, result
            break
        good = rate
        rate *= 2
    if bad is None:
        return good, None, None
    low = good if good is not None else 0
    for _ in range(steps):
        middle = (low + bad) // 2
        if middle <= low or bad - low < max(100, bad // 20):
            break
        with serve() as where:
            result = udp_fanout(where.port, clients_n, middle, seconds)
        if result['loss_pct'] > 0:
            bad, bad_result = middle, result
        else:
            low = middle
    knee = low or None
    double = None
    if knee:
        with serve() as where:
            double = udp_fanout(where.port, clients_n, 2 * knee, seconds)
    return knee, bad_result, double


# -- scale and isolation -------------------------------------------------------------------------------

def tcp_scale(port, clients_n, limit=60.0):
    """Join `clients_n` clients; one broadcast from the first must reach all the others."""
    deadline = time.monotonic() + limit
    t0 = time.monotonic()
    clients = join_all(port, clients_n, deadline)
    join_s = time.monotonic() - t0
    selector = selectors.DefaultSelector()
    try:
        # let the join notices settle, then broadcast one token
        for client in clients:
            selector.register(client.sock, selectors.EVENT_READ, client)
        quiet_until = time.monotonic() + 0.3
        while time.monotonic() < min(quiet_until, deadline):
            ready = selector.select(0.1)
            for key, _ in ready:
                with contextlib.suppress(BlockingIOError):
                    key.data.stream.feed(key.data.sock.recv(262144))
            if ready:
                quiet_until = time.monotonic() + 0.3
        sender = clients[0]
        waiting = {c.sock for c in clients[1:]}
        start = time.monotonic()
        sender.sock.send(tokens.encode(sender.name, 1).encode())
        bcast_deadline = min(deadline, start + 10.0)
        while waiting and time.monotonic() < bcast_deadline:
            for key, _ in selector.select(0.2):
                client = key.data
                try:
                    data = client.sock.recv(262144)
                except BlockingIOError:
                    continue
                if not data:
                    selector.unregister(client.sock)
                    continue
                if any(s == sender.name for s, _, _ in client.stream.feed(data)):
                    waiting.discard(client.sock)
        return {'clients': clients_n, 'join_s': join_s, 'reached': clients_n - 1 - len(waiting),
                'broadcast_ms': (time.monotonic() - start) * 1000, 'ok': not waiting}
    finally:
        selector.close()
        for client in clients:
            client.close()


def tcp_isolation(port, messages=20000, size=1024, receivers=3, limit=10.0):
    """One client never reads; one sends `messages` x `size` B; the others must get them all in `limit` s."""
    clients = join_all(port, receivers + 2, time.monotonic() + JOIN_TIMEOUT)
    sender, others = clients[0], clients[2:]      # clients[1] joined and never reads
    got = {c.sock: 0 for c in others}
    selector = selectors.DefaultSelector()
    try:
        for client in others:
            selector.register(client.sock, selectors.EVENT_READ, client)
        start = time.monotonic()
        deadline = start + limit
        while time.monotonic() < deadline and min(got.values()) < messages:
            while sender.sent < messages and len(sender.out) < 262144:
                sender.sent += 1
                sender.out += tokens.encode(sender.name, sender.sent, size=size).encode()
            if sender.out:
                try:
                    del sender.out[:sender.sock.send(sender.out)]
                except BlockingIOError:
                    pass
            for key, _ in selector.select(0.01 if sender.out else 0.2):
                client = key.data
                try:
                    data = client.sock.recv(262144)
                except BlockingIOError:
                    continue
                if not data:
                    selector.unregister(client.sock)
                    continue
                got[client.sock] += sum(1 for s, _, _ in client.stream.feed(data) if s == sender.name)
        elapsed = time.monotonic() - start
        return {'received_min': min(got.values()), 'messages': messages, 'seconds': elapsed,
                'ok': min(got.values()) == messages}
    finally:
        selector.close()
        for client in clients:
            client.close()


# -- the run -------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m loadtests.benchmark', description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=20, help='N for the fan-out runs (%(default)s)')
    parser.add_argument('--messages', type=int, default=1000, help='M per client, TCP (%(default)s)')
    parser.add_argument('--window', type=int, default=2, help='messages in flight per TCP sender (%(default)s)')
    parser.add_argument('--rounds', type=int, default=3, help='rounds, medians reported (%(default)s)')
    parser.add_argument('--udp-rate', type=int, default=4000, help='UDP msgs/s offered in total (%(default)s)')
    parser.add_argument('--udp-seconds', type=float, default=2.0, help='seconds of UDP sending per run')
    parser.add_argument('--scale', default='250,500,1000', help='TCP client counts for (e) (%(default)s)')
    parser.add_argument('--submission', default=None, help='also measure this chatroom.py (isolated)')
    parser.add_argument('--skip', default='', help='comma list of parts to skip: fanout,udp,knee,scale,isolation')
    parser.add_argument('--quick', action='store_true', help='1 round, fewer messages: a smoke run')
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.messages, args.scale, args.udp_seconds = 1, 100, '100', 1.0
    skip = set(filter(None, args.skip.split(',')))
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit[1], limit[1]))

    subjects = {'relay-tcp': lambda: targets.serve_relay('tcp'),
                'ref-tcp': lambda: targets.serve('tcp'),
                'relay-udp': lambda: targets.serve_relay('udp'),
                'ref-udp': lambda: targets.serve('udp')}
    if args.submission:
        subjects['sub-tcp'] = lambda: targets.serve('tcp', args.submission)
        subjects['sub-udp'] = lambda: targets.serve('udp', args.submission)
    tcp_names = [n for n in subjects if n.endswith('tcp')]
    udp_names = [n for n in subjects if n.endswith('udp')]
    results = {name: [] for name in subjects}
    notes = []

    print('fan-out benchmark: {} clients; TCP {} msgs each, window {}; UDP {} msgs/s offered for {}s; '
          '{} round(s); cpus {}'.format(args.clients, args.messages, args.window, args.udp_rate,
                                        args.udp_seconds, args.rounds, os.cpu_count()), flush=True)
    for round_index in range(args.rounds):
        order_tcp = tcp_names[round_index % len(tcp_names):] + tcp_names[:round_index % len(tcp_names)]
        order_udp = udp_names[round_index % len(udp_names):] + udp_names[:round_index % len(udp_names)]
        for name in ([] if 'fanout' in skip else order_tcp) + ([] if 'udp' in skip else order_udp):
            try:
                with subjects[name]() as where:
                    if name.endswith('tcp'):
                        result = tcp_fanout(where.port, args.clients, args.messages, args.window)
                    else:
                        result = udp_fanout(where.port, args.clients, args.udp_rate, args.udp_seconds)
            except (BenchError, targets.TargetError, OSError) as error:
                notes.append('{} round {}: {}'.format(name, round_index + 1, error))
                continue
            results[name].append(result)
            print('  round {} {:<10} {:>9.0f} deliveries/s  p50 {:.2f} ms  p99 {:.2f} ms{}'.format(
                round_index + 1, name, result['rate'], result['p50_ms'], result['p99_ms'],
                '  loss {:.3f}%'.format(result['loss_pct']) if 'loss_pct' in result else ''), flush=True)

    def median(name, key):
        values = [r[key] for r in results[name] if r.get(key) is not None]
        return statistics.median(values) if values else float('nan')

    rows = []
    ceilings = {'tcp': median('relay-tcp', 'rate'), 'udp': median('relay-udp', 'rate')}
    for name in subjects:
        if not results[name]:
            continue
        rate = median(name, 'rate')
        proto = name.rsplit('-', 1)[1]
        extra = ''
        if proto == 'udp':
            extra = 'loss {:.3f}%, drops server {} / load side {}'.format(
                median(name, 'loss_pct'), int(median(name, 'server_drops')), int(median(name, 'client_drops')))
        else:
            incomplete = sum(1 for r in results[name] if not r['complete'])
            extra = 'all delivered' if not incomplete else '{} run(s) incomplete'.format(incomplete)
        rows.append((name, rate, median(name, 'p50_ms'), median(name, 'p99_ms'), rate / ceilings[proto]
                     if ceilings[proto] == ceilings[proto] and ceilings[proto] else float('nan'),
                     rate / ceilings['tcp'] if ceilings['tcp'] == ceilings['tcp'] else float('nan'),
                     median(name, 'load_cpu'), extra))

    knee_line = None
    if 'knee' not in skip and 'udp' not in skip:
        for name in [n for n in udp_names if n != 'relay-udp']:
            try:
                knee, first_bad, double = udp_knee(subjects[name], args.clients, args.udp_rate,
                                                   args.udp_seconds)
            except (BenchError, targets.TargetError, OSError) as error:
                notes.append('{} knee: {}'.format(name, error))
                continue
            if knee is None:
                knee_line_item = '{}: loss already at {} msgs/s offered'.format(name, args.udp_rate)
            elif double is None:
                knee_line_item = '{}: no loss up to {} msgs/s offered'.format(name, knee)
            else:
                knee_line_item = ('{}: knee ~{} msgs/s offered ({} deliveries/s) - loss starts by {} msgs/s '
                                  '({:.2f}%); at 2x knee ({} msgs/s) loss {:.2f}% (server drops {}, load '
                                  'side drops {})'.format(
                                      name, knee, knee * (args.clients - 1), first_bad['offered'],
                                      first_bad['loss_pct'], 2 * knee, double['loss_pct'],
                                      double['server_drops'], double['client_drops']))
            if double is not None:
                knee_line_item += '; offered rates achieved by the load side: {:.0f} and {:.0f} msgs/s'.format(
                    first_bad['achieved'], double['achieved'])
            knee_line = (knee_line + '\n  ' if knee_line else '  ') + knee_line_item

    scale_lines = []
    if 'scale' not in skip:
        for name in [n for n in tcp_names if n != 'relay-tcp']:
            for count in [int(c) for c in args.scale.split(',') if c.strip()]:
                try:
                    with subjects[name]() as where:
                        result = tcp_scale(where.port, count)
                except (BenchError, targets.TargetError, OSError) as error:
                    scale_lines.append('  {} {:>5} clients: FAILED ({})'.format(name, count, error))
                    break
                scale_lines.append('  {} {:>5} clients: joined in {:.1f}s; one broadcast reached {}/{} in '
                                   '{:.0f} ms{}'.format(name, count, result['join_s'], result['reached'],
                                                        count - 1, result['broadcast_ms'],
                                                        '' if result['ok'] else '  FAILED'))
                print(scale_lines[-1], flush=True)
                if not result['ok']:
                    break

    isolation_lines = []
    if 'isolation' not in skip:
        for name in tcp_names:
            try:
                with subjects[name]() as where:
                    result = tcp_isolation(where.port)
            except (BenchError, targets.TargetError, OSError) as error:
                isolation_lines.append('  {}: FAILED ({})'.format(name, error))
                continue
            isolation_lines.append('  {:<10} {} of {} x 1 KiB to every reader in {:.2f}s with one client '
                                   'never reading: {}'.format(name, result['received_min'], result['messages'],
                                                              result['seconds'], 'PASS' if result['ok'] else
                                                              'FAIL'))
            print(isolation_lines[-1], flush=True)

    print()
    print('{:<10} {:>13} {:>8} {:>8} {:>9} {:>10} {:>9}  {}'.format(
        'subject', 'deliveries/s', 'p50 ms', 'p99 ms', 'x ceiling', 'x relay-tcp', 'load CPU', 'notes'))
    for name, rate, p50, p99, ratio, ratio_tcp, load, extra in rows:
        print('{:<10} {:>13.0f} {:>8.2f} {:>8.2f} {:>9.2f} {:>10.2f} {:>8.0f}%  {}'.format(
            name, rate, p50, p99, ratio, ratio_tcp, 100 * load, extra))
    if rows:
        print('(x ceiling: ratio to the raw relay of the same protocol; load CPU: the load side\'s share of '
              'one core)')
    if knee_line:
        print('UDP knee ({} clients):\n{}'.format(args.clients, knee_line))
    if scale_lines:
        print('scale (e):')
        print('\n'.join(scale_lines))
    if isolation_lines:
        print('isolation (f):')
        print('\n'.join(isolation_lines))
    for note in notes:
        print('note:', note)
    return 0


if __name__ == '__main__':
    sys.exit(main())
