"""Robustness: what a server does when clients misbehave or crowd in, and habits the assignment does not
ask for. The text demands none of this, so these checks weigh nothing by default (a course can weight them
with --config); they are always run and shown, each saying what happened: kept working, crashed or
stalled. (Also in this tier, defined with their classes: client_tcp.run_end_of_input and
client_udp.run_end_of_input, and robust.differential_tcp / robust.differential_udp.)"""

import threading
import time

import pytest

from harness import leniency, peers, platform
from harness.catalog import check
from harness.peers import PeerError
from harness.runner import AgentError
from harness.subjects import settle

TCP = ['robustness', 'ServerTCP']
UDP = ['robustness', 'ServerUDP']
# What these checks need beyond the class (clients that join and chat) is asked of the server's dialect
# (ServerSubject.require), so a wrong wire text elsewhere does not skip them.
TCP_READY = ['structure.ServerTCP']
UDP_READY = ['structure.ServerUDP']


def still_works(server, speaker, listener, request, what):
    """After `what` happened, the room must still relay a message from speaker to listener. Records the
    outcome (kept working / crashed / stalled) and fails with the server's stderr if it did not."""
    text = 'are you still there {}'.format(time.monotonic())
    try:
        server.say(speaker, text)
        server.expect_chat(listener, speaker.label, text, within=3.0, after_others=True)
    except (PeerError, OSError) as error:
        shut_down = 'server-shutdown' in getattr(listener, 'datagrams', []) or \
            'server-shutdown' in getattr(listener, 'transcript', '')
        outcome = 'crashed' if not server.agent.alive else 'shut down' if shut_down else 'stalled'
        request.node.user_properties.append(('details', {'outcome': outcome}))
        tail = server.agent.stderr.text()[-1500:].strip()
        why = ''
        if shut_down:
            why = (' (run() took it for an error and shut down, which the text allows "when an error occurs"; '
                   'a room that one bad message closes is still fragile)')
        pytest.fail('after {} the server {}{}: {}{}'.format(
            what, outcome, why, error, '\nserver stderr:\n' + tail if tail else ''), pytrace=False)
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


@check('robust.quiet_import', weight=0, spec='5 Attachments (2)', tags=['robustness', 'structure'],
       depends=['structure.imports'],
       hint='Keep code that starts threads or opens sockets out of the module\'s top level (under '
            '`if __name__ == "__main__":`, or in the classes\' methods).')
def test_quiet_import(submission_path, request):
    """Importing chatroom.py starts no thread and opens no socket."""
    from harness.checks.test_structure import import_side_effects
    from harness.runner import Agent
    with Agent(submission_path) as agent:
        effects = import_side_effects(agent.import_submission())
    request.node.user_properties.append(('details', {'outcome': '; '.join(effects) or 'quiet'}))
    assert not effects, 'importing chatroom.py ' + ' and '.join(effects)


@check('robust.abrupt_disconnect', weight=0, spec='3 ServerTCP.handle_client', tags=TCP, depends=TCP_READY,
       hint='Treat an empty recv() or a ConnectionResetError like "exit": announce, remove, close.')
def test_abrupt_disconnect(tcp_server, request):
    """A client that vanishes without 'exit' (connection reset) is announced as gone; the room goes on."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    bob.abort()
    tcp_server.expect_left(alice, 'bob', within=3.0, after_others=True)
    assert tcp_server.wait_count(2) == 2, 'bob is still counted after his connection was reset'
    still_works(tcp_server, alice, carol, request, 'a connection reset')


@check('robust.shutdown_mid_join', weight=0, spec='3 ServerTCP.run, accept_client', tags=TCP, depends=TCP_READY,
       hint="Wait for a new client's name with select() and a timeout, looking at run_event between waits, so "
            "that a connection that has not sent its name cannot hold up the shutdown.")
def test_shutdown_mid_join(tcp_server, request):
    """run_event set while a connection has not sent its name yet: run() still returns."""
    tcp_server.join('alice')
    listening = tcp_server.listening_address()
    silent = peers.TcpPeer(tcp_server.port, label='silent')      # connects, and never says its name
    tcp_server.peers.append(silent)
    if listening is not None:
        # Until the server took the connection from its accept queue, it is not mid-join.
        waiting = peers.poll(lambda: platform.pending_connections(listening), lambda n: n == 0, 3.0, 0.005)
        if waiting:
            request.node.user_properties.append(('details', {'outcome': 'never accepted the connection'}))
            pytest.skip('the server did not accept the connection within 3 s: nothing is mid-join')
    settle(tcp_server.agent)
    tcp_server.set_run_event()
    returned, _ = tcp_server.run_returned(leniency.RUN_STOP_WITHIN)
    if returned:
        request.node.user_properties.append(('details', {'outcome': 'returned'}))
        return
    silent.close()
    returned, _ = tcp_server.run_returned(1.0)
    outcome = 'returned once the connection closed' if returned else 'did not return'
    request.node.user_properties.append(('details', {'outcome': outcome}))
    pytest.fail('run_event was set while a connection had not sent its name, and run() {}: it waits for that '
                'name (a blocking recv() in accept_client, or a wait that does not look at run_event)'.format(
                    outcome), pytrace=False)


@check('robust.bad_bytes_tcp', weight=0, spec='3 ServerTCP.handle_client', tags=TCP, depends=TCP_READY,
       hint="Decode with errors='replace' (or catch UnicodeDecodeError) so one bad message can't kill a thread.")
def test_non_utf8_tcp(tcp_server, request):
    """Bytes that are not UTF-8 from one client don't break the server."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    bob.send_bytes(b'\xff\xfe\xc3(')
    alice.read_for(0.2)
    still_works(tcp_server, alice, carol, request, 'a message that is not UTF-8')


@check('robust.bad_bytes_udp', weight=0, spec='4 ServerUDP.run', tags=UDP, depends=UDP_READY,
       hint="Decode with errors='replace' (or catch UnicodeDecodeError) so one bad datagram can't stop run().")
def test_non_utf8_udp(udp_server, request):
    """Datagrams that are not UTF-8, or have no name, don't break the server."""
    alice, bob = udp_server.join_all('alice', 'bob')
    bob.send_raw(b'bob:\xff\xfe\xc3(')
    bob.send_raw(b'\xff\xfe')
    bob.send_raw(b'no colon at all')
    still_works(udp_server, alice, bob, request, 'datagrams that are not UTF-8 or have no name')


@check('robust.empty_message', weight=0, spec='4 ServerUDP.run', tags=UDP, depends=UDP_READY,
       hint='An empty datagram or an empty text must not be taken for a command nor crash the loop.')
def test_empty_message_udp(udp_server, request):
    """An empty datagram and an empty text ('bob:') don't break the server."""
    alice, bob = udp_server.join_all('alice', 'bob')
    bob.send_raw(b'')
    bob.send_raw(b'bob:')
    still_works(udp_server, alice, bob, request, 'an empty datagram and an empty text')


@check('robust.long_message', weight=0, spec='3 ServerTCP.handle_client', tags=TCP, depends=TCP_READY,
       hint='recv(1024) cuts a long message into pieces: read with a larger buffer (e.g. 4096 or more).')
def test_long_message(tcp_server, request):
    """A 4 KiB message is relayed whole, as one message."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    text = ''.join(chr(ord('a') + i % 26) for i in range(4096))
    tcp_server.say(bob, text)
    try:
        tcp_server.expect_chat(alice, 'bob', text, within=3.0, after_others=True)
    except PeerError:
        got = alice.pending()
        pytest.fail('alice did not receive the 4 KiB message whole: she received {} characters{}'.format(
            len(got), ' with the name repeated {} times (it was cut into pieces)'.format(got.count('bob: '))
            if got.count('bob: ') > 1 else ''), pytrace=False)
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


@check('robust.unusual_names', weight=0, spec='3 ServerTCP.accept_client', tags=TCP, depends=TCP_READY,
       hint='Names are any text: keep them as sent and decode them as UTF-8.')
def test_unusual_names(tcp_server, request):
    """Names with spaces and non-ASCII letters join and chat like any other."""
    alice = tcp_server.join('alice')
    jose = tcp_server.join('José María')
    tcp_server.expect_joined(alice, 'José María', after_others=True)
    zhang = tcp_server.join('张伟')
    tcp_server.expect_joined(alice, '张伟', after_others=True)
    tcp_server.say(jose, 'hola')
    tcp_server.expect_chat(alice, 'José María', 'hola', after_others=True)
    tcp_server.expect_chat(zhang, 'José María', 'hola', after_others=True)
    still_works(tcp_server, zhang, alice, request, 'names with spaces and non-ASCII letters')


@check('robust.burst_50', weight=0, spec='3 ServerTCP.run', tags=TCP, depends=TCP_READY,
       hint='A listen() backlog that is too small, or a slow accept loop, refuses clients in a burst.')
def test_burst_of_50(tcp_server, request):
    """50 clients joining at once are all welcomed and all hear one message."""
    names = ['burst{:02d}'.format(i) for i in range(50)]
    joined, errors = tcp_server.join_at_once(names, within=8.0)
    assert not errors, '{} of 50 clients were not welcomed; first: {}'.format(len(errors), errors[0])
    assert tcp_server.wait_count(50, within=5.0) == 50, 'get_clients_number() is not 50 with 50 clients'
    tcp_server.say(joined['burst00'], 'hello crowd')
    missing = []
    for name in names[1:]:
        try:
            tcp_server.expect_chat(joined[name], 'burst00', 'hello crowd', within=5.0, after_others=True)
        except PeerError:
            missing.append(name)
    assert not missing, '{} of 49 clients did not receive the message'.format(len(missing))
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


@check('robust.slow_reader', weight=0, spec='3 ServerTCP.broadcast', tags=TCP, depends=TCP_READY,
       hint='A blocking send() to a client that never reads stalls everyone: send from a queue per client, '
            'or drop a client whose backlog grows too large.', timeout=40)
def test_slow_reader(tcp_server, request):
    """One client that never reads does not stall delivery to the others (8 MB of chat)."""
    alice, bob, slow = tcp_server.join_all('alice', 'bob', 'slow')
    slow.sock.setsockopt(peers.socket.SOL_SOCKET, peers.socket.SO_RCVBUF, 4096)
    data = ('x' * 1000).encode() * SLOW_READER_MESSAGES
    progress = {'sent': 0, 'received': 0, 'error': None, 'at': time.monotonic(), 'waiting': None}
    changed = threading.Condition()
    done = threading.Event()

    def moved(key, amount):
        with changed:
            progress[key] += amount
            progress['at'] = time.monotonic()
            changed.notify_all()

    def read_all():
        alice.sock.settimeout(0.2)
        while not done.is_set():
            try:
                got = alice.sock.recv(1 << 16)
            except peers.socket.timeout:
                continue
            except OSError:
                return
            if not got:
                return
            moved('received', len(got))

    def send_all():
        bob.sock.settimeout(0.2)
        view = memoryview(data)
        while view and not done.is_set():
            with changed:
                # Never more than a window ahead of alice: a server may drop a reader that falls far
                # behind (the reference does, at 1 MB), and on a busy machine our alice can be that reader.
                if progress['sent'] - progress['received'] > SLOW_READER_WINDOW:
                    progress['waiting'] = 'for alice'
                    changed.wait(0.2)
                    continue
            try:
                count = bob.sock.send(view[:1 << 16])
            except peers.socket.timeout:
                progress['waiting'] = 'to send'     # bob's buffer is full: the server is not reading him
                continue
            except OSError as error:
                progress['error'] = error           # the server stopped reading bob: a stall too
                return
            view = view[count:]
            progress['waiting'] = None
            moved('sent', count)

    threads = [threading.Thread(target=read_all, daemon=True), threading.Thread(target=send_all, daemon=True)]
    for thread in threads:
        thread.start()
    expected = len(data) * 0.9        # the server may merge or split; the bytes must get through
    outcome = stalled_or_through(tcp_server.agent, alice, progress, changed, lambda: progress['received'] >= expected
                                 or progress['error'] is not None or not threads[0].is_alive())
    done.set()
    if outcome != 'through' or progress['received'] < expected:
        outcome = 'crashed' if not tcp_server.agent.alive else 'stalled'
        request.node.user_properties.append(('details', {'outcome': outcome}))
        how = outcome if threads[0].is_alive() else 'closed her connection'
        pytest.fail('while one client never read, bob could send {:.1f} of {:.1f} MB and alice received '
                    '{:.1f} MB: the server {}'.format(progress['sent'] / 1e6, len(data) / 1e6,
                                                      progress['received'] / 1e6, how), pytrace=False)
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


SLOW_READER_MESSAGES = 8000     # x 1000 bytes: beyond what the kernel buffers towards a non-reader (~4 MB)
STALL_QUIET = 1.0               # less than STALL_BYTES delivered this long, the server hardly at work: stalled
STALL_BYTES = 64 << 10          # a server that keeps up delivers megabytes a second
STALL_CPU = 0.2                 # of a core: below this the server is waiting, not at work
STALL_UNOBSERVED = 3.0          # the same where the machine cannot show the server's threads
STALL_AT_WORK = 5.0             # the same for a server at work all along (a busy loop) that moves nothing
SLOW_READER_WINDOW = 256 << 10  # bytes bob may be ahead of what alice has received
SLOW_READER_BOUND = 30.0        # a server that keeps running but moves nothing is given this long in all


def stalled_or_through(agent, reader, progress, changed, finished):
    """Wait until finished() ('through'), or until delivery has all but stopped and the server could not have moved
    more: alice got less than STALL_BYTES in STALL_QUIET seconds (a server blocked in a send to the client that
    never reads trickles a few KB now and then, as that client's kernel takes them), while the server used
    almost no CPU time (its threads blocked, or polling now and then), `reader` kept up with what reached it,
    and the sender was held up: its buffer full, or a window's worth sent that never reached `reader`
    ('stalled'); or less than STALL_BYTES in STALL_AT_WORK seconds while the server was at work (a busy loop
    that moves nothing: a server catching up moves megabytes meanwhile). A reader or sender of ours that fell
    behind on a busy machine is not the server's stall: a server waiting in recv() for bytes our starved sender
    has not sent yet is idle, not stuck (a false failure seen in CI with two judges on two cores). Where the
    server's CPU time cannot be read: the same for STALL_UNOBSERVED seconds."""
    end = time.monotonic() + SLOW_READER_BOUND
    since = None                              # (when, bytes received then, CPU time then)
    while time.monotonic() < end:
        with changed:
            if finished():
                return 'through'
            changed.wait(0.02)
            if finished():
                return 'through'
        try:
            behind = platform.unread_tcp_bytes(reader.sock.getsockname(), reader.sock.getpeername())
        except OSError:
            behind = 0
        if progress['waiting'] is None or behind:   # our sender or reader is the slow one, not the server
            since = None
            continue
        now, cpu = time.monotonic(), agent.cpu_seconds()
        if since is None:
            since = (now, progress['received'], cpu)
            continue
        started, received, cpu_then = since
        at_work = cpu is not None and cpu_then is not None and cpu - cpu_then > STALL_CPU * (now - started)
        if progress['received'] - received >= STALL_BYTES:
            since = (now, progress['received'], cpu)    # it moves: a new window
        elif now - started >= (STALL_AT_WORK if at_work else STALL_QUIET if cpu is not None else STALL_UNOBSERVED):
            return 'stalled'
    return 'stalled'


@check('robust.churn', weight=0, spec='3 ServerTCP.accept_client, close_client', tags=TCP, depends=TCP_READY,
       hint='Every join must be matched by a removal on leave; a leak shows up as a wrong count.')
def test_join_leave_churn(tcp_server, request):
    """30 rapid join/leave cycles leave the count right and the room working."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    for cycle in range(30):
        churner = tcp_server.join('churn')
        tcp_server.leave(churner)
        tcp_server.expect_left(alice, 'churn', within=3.0, after_others=True)
        churner.close()
        # Leave order is free: the name may be held a moment after 'User churn left' (judgement-calls.md).
        count = tcp_server.wait_count(2)
        assert count == 2, 'after churn left (cycle {}), get_clients_number() is {}, expected 2'.format(
            cycle + 1, count)
    count = tcp_server.wait_count(2)
    assert count == 2, 'after 30 join/leave cycles get_clients_number() is {}, expected 2'.format(count)
    still_works(tcp_server, alice, bob, request, '30 join/leave cycles')


@check('robust.local_address', weight=0, spec='2 Important notes (6)', tags=['robustness', 'ServerTCP'],
       depends=['structure.ServerTCP'],
       hint="Bind to socket.gethostbyname(socket.gethostname()), as note 6 says, not to '' or '0.0.0.0'.")
def test_binds_local_address(tcp_server, request):
    """The server binds the local machine's address, not every interface."""
    address = tcp_server.get('server_socket').get('sockname', ['?'])[0]
    request.node.user_properties.append(('details', {'outcome': 'bound to ' + address}))
    assert address == '127.0.0.1', 'server_socket is bound to {!r}: every network interface, not the local ' \
        'address'.format(address) if address in ('0.0.0.0', '') else 'server_socket is bound to {!r}'.format(address)


@check('robust.idle_cpu', weight=0, spec='2 Important notes (8)', tags=['robustness', 'ServerTCP'],
       depends=TCP_READY,
       hint='A loop that polls without blocking burns a core: wait in select() with a timeout instead.')
def test_idle_cpu(tcp_server, request):
    """An idle server with two clients uses little CPU (no busy loop)."""
    alice, bob = tcp_server.join_all('alice', 'bob')
    before = tcp_server.agent.cpu_seconds()
    if before is None:
        pytest.skip(platform.not_measurable('the CPU time of a process'))
    start = time.monotonic()
    alice.read_for(0.3)
    used = (tcp_server.agent.cpu_seconds() - before) / (time.monotonic() - start)
    request.node.user_properties.append(('details', {'outcome': '{:.0%} of a core while idle'.format(used)}))
    assert used < 0.3, 'the idle server used {:.0%} of a CPU core: a busy loop'.format(used)


@check('robust.thread_errors', weight=0, spec='2 Important notes (5)', tags=TCP, depends=TCP_READY,
       hint='Catch exceptions in client threads (e.g. ConnectionResetError) so that they do not escape.')
def test_no_exceptions_escape(tcp_server, request):
    """Clients that vanish in every way leave no uncaught exception in the server's threads."""
    alice, bob, carol = tcp_server.join_all('alice', 'bob', 'carol')
    bob.abort()
    carol.close()
    # Announcing them is robust.abrupt_disconnect's subject; here: once the server has handled both (all
    # its threads idle again), and has sent to where they were, did any exception escape?
    tcp_server.settle_all()
    tcp_server.say(alice, 'anyone?')
    tcp_server.settle_all()
    errors = tcp_server.agent.stderr.text()
    escaped = [line for line in errors.splitlines() if 'Exception in thread' in line or 'Traceback' in line]
    assert not escaped, 'exceptions escaped the server\'s threads:\n' + errors[-1500:].strip()
    request.node.user_properties.append(('details', {'outcome': 'kept working'}))


PORT_FREE_WITHIN = 3.0       # seconds the port-reuse checks keep trying to bind once shutdown() returned
PORT_REUSE_HINT = ("Let run()'s loop leave its select()/poll() before server_socket is closed: e.g. give run()'s "
                   "select() a wake-up socket (socket.socketpair()) that shutdown() writes to, and have "
                   "shutdown() wait for run()'s thread (join it) before closing; or close server_socket from "
                   "run()'s own thread, after its loop. A blocking accept()/recvfrom() holds the port the same way.")


def bind_port(protocol, port):
    """True if `port` can be bound now, as a student's next test binds its server: TCP with SO_REUSEADDR
    (as a ServerTCP that restarts on a fixed port must set), UDP plainly."""
    socket = peers.socket
    kind = socket.SOCK_STREAM if protocol == 'tcp' else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as probe:
        if protocol == 'tcp':
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((peers.LOOPBACK, port))
        except OSError:
            return False
    return True


def why_still_held(server):
    """What keeps the port, as far as the outside can tell."""
    if server.protocol == 'tcp':
        if not peers.refuses_connections(server.port, within=0.5):
            return 'server_socket still accepts connections: it was not closed, or a thread is still waiting ' \
                   'in select()/accept() on it'
        return 'nothing listens on it any more, yet it cannot be bound: without SO_REUSEADDR on server_socket, ' \
               'the connections the server closed keep the port for about a minute (TIME_WAIT)'
    return 'server_socket was not closed, or a thread is still waiting in select()/recvfrom() on it'


def port_free_after_shutdown(server, request):
    """Join one client, call shutdown() once run() is back in its wait, as at a test's teardown, and bind
    the server's port as soon as shutdown() returned. Records how long the port took to become free; fails
    unless it was free at once."""
    server.join('alice')
    # Nothing announces that run() is idle again after the join: wait for that state (else shutdown() may
    # win the race to a loop that was about to wait, and hide a port held after it).
    settle(server.agent)
    try:
        server.call('shutdown', timeout=5.0)
    except AgentError as error:
        request.node.user_properties.append(('details', {'outcome': 'shutdown() failed'}))
        pytest.fail('shutdown() did not return normally: {}'.format(error), pytrace=False)
    returned = time.monotonic()
    if bind_port(server.protocol, server.port):
        request.node.user_properties.append(('details', {'outcome': 'port free at once'}))
        return
    freed = peers.poll(lambda: bind_port(server.protocol, server.port), bool, PORT_FREE_WITHIN, 0.002)
    took = time.monotonic() - returned
    if freed:
        outcome = 'port free {:.0f} ms after shutdown() returned'.format(took * 1000)
        seen = 'it became free only {:.0f} ms later'.format(took * 1000)
    else:
        outcome = 'port still held {:.0f} s after shutdown() returned'.format(PORT_FREE_WITHIN)
        seen = 'it was still held {:.0f} s later ({})'.format(PORT_FREE_WITHIN, why_still_held(server))
    request.node.user_properties.append(('details', {'outcome': outcome}))
    pytest.fail("when shutdown() returned, the server's port {} could not be bound again: {}. Students' own test "
                "fixtures start the next server on the same port right after shutdown(), and then fail with "
                "'OSError: [Errno 98] Address already in use'. The usual cause: run()'s thread is still waiting in "
                "select() (or accept()/recvfrom()) on server_socket when shutdown() closes it, and the system "
                "keeps a closed socket, and its port, until every wait on it has returned.".format(
                    server.port, seen), pytrace=False)


@check('robust.port_reuse_tcp', weight=0, spec='3 ServerTCP.shutdown', tags=TCP,
       depends=TCP_READY, hint=PORT_REUSE_HINT)
def test_port_reuse_tcp(tcp_server, request):
    """After shutdown() returns, the TCP port can be bound again at once."""
    port_free_after_shutdown(tcp_server, request)


@check('robust.port_reuse_udp', weight=0, spec='4 ServerUDP.shutdown', tags=UDP,
       depends=UDP_READY, hint=PORT_REUSE_HINT)
def test_port_reuse_udp(udp_server, request):
    """After shutdown() returns, the UDP port can be bound again at once."""
    port_free_after_shutdown(udp_server, request)
