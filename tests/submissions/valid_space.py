"""A space of correct chatroom.py files: the freedoms the assignment leaves open, crossed pairwise.

The assignment (../shared/spec/chatroom-assignment.md) fixes the names of the classes, methods and
instance variables, the wire strings and what each method must do; it leaves many things open: whether a
client prints the server's greeting or a prompt, how a server waits for connections and messages, in
which order a leave is announced and recorded, how sockets are closed, how the UDP server relays chat, and
more (the rulings in ../shared/spec/judgement-calls.md settle the doubtful ones). Each such freedom is a
named choice with two or three options (FREEDOMS). One choice for every freedom is one student's
chatroom.py, written the way students write it (threading, select, socket, sys; plain code), and every
one of them must earn full marks, except for the few ruling-backed costs of the "partly free" options
(expected_costs).

    combinations()          choice dicts: a baseline, each option of each freedom alone on the baseline
                            (so that a false failure points at one option), then greedy rows until every
                            pair of options of every two freedoms is covered (a pairwise covering array)
    source(choices)         the chatroom.py text for one choice dict
    name_of(choices)        a short stable file name: 'vs_' and one digit (the option's index) per freedom
    write_all(directory)    writes every combination there; returns the paths
    expected_costs(choices) {check id: points lost} that the rulings allow for these choices

The first option of every freedom is the baseline's. A rule (RULES) excludes the few pairs that cannot go
together; every rule names two freedoms, so a pair of options is possible exactly when no rule forbids
it, and the covering array covers every possible pair. Standard library only; the generated files run on
Python 3.9 to 3.13. `python tests/submissions/valid_space.py DIR` writes them all to DIR. A file name
decodes back to its choices through FREEDOMS, so add new freedoms and options at the end of their lists.
"""

import itertools
import random
import textwrap
from collections import OrderedDict
from pathlib import Path

FREEDOMS = OrderedDict([
    # ClientTCP/UDP.connect_server: the text says what to return, not whether to show the reply.
    ('client_greeting', ('print', 'silent')),
    # Note 9 makes any prompt optional; the rulings: what a client displays is free.
    ('client_prompt', ('none', 'arrow', 'you_newline')),
    # receive(): "the message is displayed to the user"; how (raw, '\r' redraw of note 9, a prefix) is open.
    ('client_display', ('print', 'redraw', 'prefix')),
    # handle_client broadcasts 'exit' then closes; the rulings: remove-then-announce is equally fine.
    ('leave_order', ('announce_first', 'remove_first')),
    # run() listens "continuously"; note 8 suggests select with a timeout. A blocking accept() without a
    # timeout notices run_event only at the next connection: partial credit by the rulings (partly free).
    ('tcp_accept', ('select', 'timeout', 'blocking_no_timeout')),
    # "handles it while continuing to listen ... simultaneously": a thread per client, or one select loop.
    # (Added later: a thread per client that asks select() without waiting, again and again: busy loops
    # that share the interpreter's lock, judged as any other timing style.)
    ('tcp_handling', ('thread_per_client', 'select_loop', 'busy_threads')),
    # The text never names a buffer size.
    ('recv_size', ('1024', '4096')),
    # run()'s input loop: note 7 (threads) and note 8 (select) leave the mechanism open; input() in the
    # main thread only ends at the next line after 'server-shutdown' (1 point per client class, rulings).
    ('client_input', ('select_stdin', 'reader_thread', 'main_input')),
    # At the end of input the text says nothing; the rulings count return, sys.exit() and EOFError.
    ('run_end', ('return', 'sys_exit', 'eof_error')),
    # handle_client "handles ... closing the client's connection" on 'exit': itself or via close_client().
    ('exit_handling', ('close_client', 'inline')),
    # "closing the socket": close() alone, or shutdown(SHUT_RDWR) first (TCP sockets).
    ('close_style', ('shutdown_close', 'close')),
    # Note 5: "try-except blocks" around sends, in whichever form.
    ('send_guard', ('except_oserror', 'bare_except')),
    # UDP chat relay: '{name}: {text}' (the TCP format) or the datagram as received (rulings).
    ('udp_relay', ('formatted', 'as_received')),
    # ServerUDP.shutdown: "(close_client() method can be called for this)", or not.
    ('udp_shutdown', ('message_only', 'close_client_each')),
    # shutdown() closes the clients; whether the dict is emptied is not said (rulings).
    ('clients_at_shutdown', ('kept', 'emptied')),
    # Threads daemon or not: not said; run() must return either way.
    ('daemon_threads', ('daemon', 'non_daemon')),
    # server_port: "the port number on which the server will listen": the one given (0) or the one bound.
    ('server_port', ('given', 'bound')),
    # ServerUDP.run listens "continuously", stops on KeyboardInterrupt: select, a socket timeout, or a
    # blocking recvfrom() (SIGINT interrupts it in the main thread).
    # (Added later, at the end: a sleep-polling loop on a non-blocking socket. Not a busy loop: run() is in
    # the main thread, where a Ctrl-C that lands in a busy loop is lost on Python 3.11-3.13, an interpreter
    # fault, cf. CPython issue 130279; the busy loop is the client's receive thread's option.)
    ('udp_server_loop', ('select', 'settimeout', 'blocking', 'sleep_poll')),
    # Not in the text: a lock around the clients dict, or none (copies of it for iteration either way).
    ('clients_lock', ('none', 'lock')),
    # ClientUDP: sendto() every time, or connect() the UDP socket to the server and send().
    ('udp_client_socket', ('sendto', 'connect')),
    # Client receive(): a blocking recv(), select with a timeout, or a socket timeout (note 8).
    # (Added later: a sleep-polling loop on a non-blocking socket, and a busy loop that asks select()
    # without waiting, again and again.)
    ('client_recv', ('select', 'timeout', 'blocking', 'sleep_poll', 'busy')),
    # listen(): the backlog is not in the text.
    ('listen_backlog', ('default', 'five')),
    # A TCP client that disconnects without 'exit' is not in the text (rulings): announce it or not.
    ('abrupt_disconnect', ('announce', 'silent')),
    # Rulings: extra parameters with defaults are allowed; used to announce a leave after the removal.
    ('broadcast_signature', ('exact', 'extra_default_param')),
    # Where a client's handler thread starts: in accept_client(), or in run() after accept_client()
    # returned True ("Upon accepting a new connection, the server handles it"); thread per client only.
    ('handler_start', ('accept_client', 'run')),
    # run() on leaving "sets the exit_receive event"; setting exit_run as well is not forbidden.
    ('client_exit_sets', ('exit_receive', 'both')),
    # Not in the text: servers that log joins and the shutdown, clients that say goodbye, or silence.
    ('chatty', ('quiet', 'logs')),
    # ClientUDP.connect_server "waits for a response": forever, or with a timeout (then back to blocking).
    ('udp_connect_timeout', ('none', 'five_seconds')),
    # "This broadcast message is then sent to all connected clients": when is not said. At once, or by a
    # sender thread that empties an outbox every 0.2 s (time.sleep in a loop); replies to the joiner and
    # 'server-shutdown' go out directly. A wait that ends once the server is idle must not cut this short.
    ('broadcast_delivery', ('direct', 'polling_sender')),
    # Note 8 asks for select() "with timeout" and names none (judgement-calls.md, "Timing style is free"):
    # the seconds of every select() and queue poll, and of every socket timeout, are the student's.
    ('poll_seconds', ('0.5', '0.05', '60')),
    ('socket_timeout', ('0.5', '5')),
])

BASELINE = OrderedDict((name, options[0]) for name, options in FREEDOMS.items())

# (freedom, option, freedom, option) pairs that cannot go together, each with its reason.
RULES = [
    ('run_end', 'eof_error', 'client_input', 'select_stdin',
     'EOFError is raised by input(); a select loop reads the end of input as an empty read'),
    ('run_end', 'eof_error', 'client_input', 'reader_thread',
     'EOFError would be raised in the reader thread, not in run()'),
    ('client_recv', 'blocking', 'daemon_threads', 'non_daemon',
     'a non-daemon receive thread blocked in recvfrom() on a UDP socket would keep the program alive'),
    ('handler_start', 'run', 'tcp_handling', 'select_loop',
     'a select loop has no handler threads to start'),
]

# Styles real students write, whole (each option is also on its own and paired with every other one).
STYLES = {
    'blocking_everywhere': {'tcp_accept': 'blocking_no_timeout', 'tcp_handling': 'thread_per_client',
                            'client_input': 'main_input', 'client_recv': 'blocking', 'udp_server_loop': 'blocking',
                            'daemon_threads': 'daemon'},
    'slow_polls': {'poll_seconds': '60', 'socket_timeout': '5', 'tcp_accept': 'timeout', 'client_recv': 'timeout',
                   'udp_server_loop': 'settimeout', 'client_input': 'reader_thread'},
    'sleep_polling': {'client_recv': 'sleep_poll', 'udp_server_loop': 'sleep_poll',
                      'broadcast_delivery': 'polling_sender', 'tcp_handling': 'select_loop'},
    'fast_polls': {'poll_seconds': '0.05', 'tcp_handling': 'select_loop', 'client_input': 'select_stdin'},
    'busy_polls': {'tcp_handling': 'busy_threads', 'client_recv': 'busy'},
}

# Options that take several times as long to judge (busy server threads: every wait for the server's quiet
# needs each of them to have had its turns): the default test run judges them only in their style's row.
SLOW_OPTIONS = {('tcp_handling', 'busy_threads')}

RUN_STOP_WITHIN = 2.0     # harness.leniency.RUN_STOP_WITHIN: run() returns within about 2 s of run_event.set()


def expected_costs(choices):
    """{check id: points lost} that the rulings allow for these choices (judgement-calls.md): where the
    text asks for an effect a choice delays past what the rule gives ('run() must return within about
    2 s of run_event.set()'; run() returning without more input once 'server-shutdown' came)."""
    costs = {}

    def lose(check_id, points):
        costs[check_id] = max(costs.get(check_id, 0.0), points)
    poll, timeout = float(choices['poll_seconds']), float(choices['socket_timeout'])
    accept = choices['tcp_accept']
    if accept == 'blocking_no_timeout' or (accept == 'timeout' and timeout > RUN_STOP_WITHIN) or \
            (accept == 'select' and poll > RUN_STOP_WITHIN):
        lose('tcp.shutdown_run_event', 3.0)      # run() returns only once one more client connects
    if choices['client_input'] == 'main_input' or poll > RUN_STOP_WITHIN:
        lose('client_tcp.run_returns_on_shutdown', 1.0)   # run() notices exit_run at the next line or poll
        lose('client_udp.run_returns_on_shutdown', 1.0)
    return costs


# -- the covering array -----------------------------------------------------------------------------------

def allowed(choices):
    """False when a (possibly partial) choice dict holds a pair that a rule forbids."""
    for a, x, b, y, _ in RULES:
        if choices.get(a) == x and choices.get(b) == y:
            return False
    return True


def _pair(a, x, b, y):
    """A pair in a canonical order (the freedoms' order in FREEDOMS)."""
    names = list(FREEDOMS)
    return (a, x, b, y) if names.index(a) < names.index(b) else (b, y, a, x)


def pairs_of(choices):
    """Every pair of options that a complete choice dict covers."""
    return {_pair(a, choices[a], b, choices[b]) for a, b in itertools.combinations(FREEDOMS, 2)}


def all_pairs():
    """Every possible pair of options of two freedoms (those that no rule forbids)."""
    return {(a, x, b, y) for a, b in itertools.combinations(FREEDOMS, 2)
            for x in FREEDOMS[a] for y in FREEDOMS[b] if allowed({a: x, b: y})}


def _single_variants():
    """The baseline, and for each option that is not the baseline's, the baseline with that option (and,
    where a rule demands it, the first option that makes it possible of the freedom the rule names)."""
    rows = [OrderedDict(BASELINE)]
    for name, options in FREEDOMS.items():
        for option in options[1:]:
            row = OrderedDict(BASELINE)
            row[name] = option
            for a, x, b, y, _ in RULES:
                for mine, theirs, other in ((a, x, b), (b, y, a)):
                    if mine == name and theirs == option and not allowed(row):
                        row[other] = next(o for o in FREEDOMS[other] if allowed(dict(row, **{other: o})))
            assert allowed(row)
            rows.append(row)
    return rows


def _style_rows():
    """The baseline with each of STYLES's choices."""
    rows = []
    for style in STYLES.values():
        row = OrderedDict(BASELINE)
        row.update(style)
        assert allowed(row), style
        rows.append(row)
    return rows


def _greedy_row(uncovered, rng, candidates=40, avoid=()):
    """The best of `candidates` rows, each started from an uncovered pair and completed freedom by freedom
    with the option that covers most uncovered pairs together with the options chosen so far; none of the
    (freedom, option) pairs in `avoid`, where there is another option."""
    names = list(FREEDOMS)
    ordered = sorted(uncovered)
    best, best_gain = None, -1
    for _ in range(candidates):
        a, x, b, y = rng.choice(ordered)
        row = {a: x, b: y}
        rest = [n for n in names if n not in row]
        rng.shuffle(rest)
        for name in rest:
            scored = []
            for option in FREEDOMS[name]:
                trial = dict(row, **{name: option})
                if not allowed(trial) or (name, option) in avoid:
                    continue
                gain = sum(1 for other, value in row.items() if _pair(name, option, other, value) in uncovered)
                scored.append((gain, rng.random(), option))
            row[name] = max(scored)[2]
        gain = len(pairs_of(row) & uncovered)
        if gain > best_gain:
            best, best_gain = row, gain
    return OrderedDict((name, best[name]) for name in names)


def combinations():
    """Deterministic list of choice dicts: first the pairwise core (pairwise_core(): every pair of options
    in some row), then each option alone on the baseline (the single variants, which tell which option a
    failure is about) where the core does not already hold that row."""
    rows = pairwise_core()
    seen = {tuple(row.values()) for row in rows}
    for row in _single_variants():
        key = tuple(row.values())
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


def pairwise_core():
    """The timing styles, then greedy rows until every allowed pair of options is in some row: the fewest
    programs that still try every option beside every other (about 30 for 31 freedoms). The rows of
    fast_core() come first; the rows after them cover the pairs of SLOW_OPTIONS."""
    return _core(slow=True)


def fast_core():
    """The baseline, the styles (whole, slow ones too) and rows that cover every pair of options but
    those with a SLOW_OPTIONS option, which they avoid: what the default test run judges."""
    return _core(slow=False)


def _core(slow):
    rows = []
    seen = set()
    for row in [OrderedDict(BASELINE)] + _style_rows():
        key = tuple(row.values())
        if key not in seen:
            seen.add(key)
            rows.append(row)
    uncovered = all_pairs()
    for row in rows:
        uncovered -= pairs_of(row)
    rng = random.Random(20241025)
    for avoid in (SLOW_OPTIONS, ()) if slow else (SLOW_OPTIONS,):
        wanted = {pair for pair in uncovered if not avoid or not _slow_pair(pair)}
        while wanted:
            row = _greedy_row(wanted, rng, avoid=avoid)
            key = tuple(row.values())
            assert key not in seen   # it holds the uncovered pair it started from: each pass covers one more
            seen.add(key)
            rows.append(row)
            uncovered -= pairs_of(row)
            wanted -= pairs_of(row)
    return rows


def _slow_pair(pair):
    a, x, b, y = pair
    return (a, x) in SLOW_OPTIONS or (b, y) in SLOW_OPTIONS


def uncovered_pairs(rows):
    """The possible pairs that `rows` miss (empty for combinations())."""
    missing = all_pairs()
    for row in rows:
        missing -= pairs_of(row)
    return missing


def name_of(choices):
    return 'vs_' + ''.join(str(FREEDOMS[name].index(choices[name])) for name in FREEDOMS)


def write_all(directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for choices in combinations():
        path = directory / (name_of(choices) + '.py')
        path.write_text(source(choices), encoding='utf-8')
        paths.append(path)
    return paths


# -- the source ---------------------------------------------------------------------------------------------

def _code(text, indent=0):
    """Dedent a snippet and indent it by `indent` spaces."""
    lines = textwrap.dedent(text).strip('\n').split('\n')
    return '\n'.join((' ' * indent + line) if line.strip() else '' for line in lines)


def _join(*parts):
    return '\n'.join(part for part in parts if part)


def _close(c, expr):
    """Closing a TCP socket, in the chosen style."""
    return 'close_socket({})'.format(expr) if c['close_style'] == 'shutdown_close' else '{}.close()'.format(expr)


def _guarded(c, statement, indent):
    handler = 'except:' if c['send_guard'] == 'bare_except' else 'except OSError:'
    return _code('''
        try:
            {}
        {}
            pass
    '''.format(statement, handler), indent)


def _locked(c, statements, indent):
    """`statements` (a list of lines), under `with self.lock:` when the clients dict has a lock."""
    if c['clients_lock'] == 'lock':
        return _join(' ' * indent + 'with self.lock:', *(' ' * (indent + 4) + s for s in statements))
    return _join(*(' ' * indent + s for s in statements))


def _daemon(c):
    return ', daemon=True' if c['daemon_threads'] == 'daemon' else ''


def _header(c, body):
    """The module docstring, imports (those that `body`, the rest of the file, uses), constants and the
    helper functions."""
    functions = _functions(c)
    used = body + '\n'.join(functions)
    imports = ['import {}'.format(module) for module in ('os', 'queue', 'select', 'socket', 'sys', 'threading', 'time')
               if module + '.' in used]
    described = ', '.join('{}={}'.format(name, c[name]) for name in FREEDOMS)
    doc = '"""Assignment 02: TCP & UDP chatroom.\n\n{}\n"""'.format(
        textwrap.fill('Choices (tests/submissions/valid_space.py): ' + described, 100))
    prompt = {'none': "''", 'arrow': "'> '", 'you_newline': "'You:\\n'"}[c['client_prompt']]
    helpers = ['BUFFER_SIZE = {}'.format(c['recv_size']),
               'POLL = {}   # seconds a select() or queue wait looks at the events'.format(c['poll_seconds']),
               'SOCKET_TIMEOUT = {}'.format(c['socket_timeout'])]
    if c['client_prompt'] != 'none' or c['client_display'] == 'redraw':
        helpers.append('PROMPT = {}'.format(prompt))
    return '\n\n'.join([doc, '\n'.join(imports), '\n'.join(helpers)]) + '\n\n\n' + '\n\n\n'.join(functions)


def _functions(c):
    functions = []
    if c['close_style'] == 'shutdown_close':
        functions.append(_code('''
            def close_socket(sock):
                # shutdown() first: it wakes up a thread blocked in recv() on this socket
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        '''))
    if c['client_prompt'] != 'none':
        functions.append(_code('''
            def show_prompt():
                sys.stdout.write(PROMPT)
                sys.stdout.flush()
        '''))
    if c['client_display'] == 'print':
        functions.append(_code('''
            def show(message):
                print(message)
        '''))
    elif c['client_display'] == 'redraw':
        functions.append(_code('''
            def show(message):
                # the message takes the place of the prompt on the current line, then the prompt comes back
                sys.stdout.write('\\r' + message + '\\n' + PROMPT)
                sys.stdout.flush()
        '''))
    else:
        functions.append(_code('''
            def show(message):
                print('[chat] ' + message)
        '''))
    return functions


# ServerTCP ------------------------------------------------------------------------------------------------

def _tcp_remove(c, indent, announce):
    """Code that removes `client_socket` from the chat (and, if `announce`, tells the others it left)."""
    via_close = c['exit_handling'] == 'close_client'
    if announce and c['leave_order'] == 'announce_first':
        first = ["self.broadcast(client_socket, 'exit')"]
        if via_close:
            return _join(*(' ' * indent + s for s in first + ['self.close_client(client_socket)']))
        return _join(' ' * indent + first[0],
                     _locked(c, ['self.clients.pop(client_socket, None)'], indent),
                     ' ' * indent + _close(c, 'client_socket'))
    if via_close:
        removal = _join(' ' * indent + 'name = self.clients.get(client_socket)',
                        ' ' * indent + 'self.close_client(client_socket)') if announce else \
            ' ' * indent + 'self.close_client(client_socket)'
    else:
        removal = _join(_locked(c, ['name = self.clients.pop(client_socket, None)' if announce else
                                    'self.clients.pop(client_socket, None)'], indent),
                        ' ' * indent + _close(c, 'client_socket'))
    if not announce:
        return removal
    if c['broadcast_signature'] == 'extra_default_param':
        told = "self.broadcast(client_socket, 'exit', name)"
    else:
        told = "self.send_to_all('User {} left'.format(name), client_socket)"
    return _join(removal, ' ' * indent + told)


def _server_tcp(c):
    threaded = c['tcp_handling'] in ('thread_per_client', 'busy_threads')
    combined = c['tcp_handling'] == 'select_loop' and c['tcp_accept'] == 'select'
    backlog = '' if c['listen_backlog'] == 'default' else '5'
    init = _code('''
        def __init__(self, server_port):
            self.server_port = server_port
            self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
            self.server_socket.listen({backlog})
    '''.format(backlog=backlog), 4)
    if c['server_port'] == 'bound':
        init += '\n' + _code('self.server_port = self.server_socket.getsockname()[1]', 8)
    if c['tcp_accept'] == 'timeout':
        init += '\n' + _code('self.server_socket.settimeout(SOCKET_TIMEOUT)   # so that run() can check run_event', 8)
    init += '\n' + _code('''
        self.clients = {}   # client socket -> name
        self.run_event = threading.Event()
        self.handle_event = threading.Event()
    ''', 8)
    if c['clients_lock'] == 'lock':
        init += '\n' + _code('self.lock = threading.Lock()', 8)
    if threaded and c['handler_start'] == 'run':
        init += '\n' + _code('self.newest_client = None   # set by accept_client() for run()', 8)
    polling = c['broadcast_delivery'] == 'polling_sender'
    if polling:
        init += '\n' + _code('''
            self.outbox = []   # (client socket, text) waiting for the sender thread
            self.outbox_lock = threading.Lock()
        ''', 8)

    start_thread = _code('''
        threading.Thread(target=self.handle_client, args=(client_socket,){}).start()
    '''.format(_daemon(c)), 8) if threaded and c['handler_start'] == 'accept_client' else ''
    if threaded and c['handler_start'] == 'run':
        start_thread = _code('self.newest_client = client_socket   # run() starts its handler', 8)
    logs = c['chatty'] == 'logs'
    accept = _join(_code('''
        def accept_client(self):
            try:
                client_socket, client_addr = self.server_socket.accept()
            except OSError:
                return False
            try:
                name = client_socket.recv(BUFFER_SIZE).decode()
            except OSError:
                name = ''
            if not name:
                {close}
                return False
            if name in self.clients.values():
                self.send_to(client_socket, 'Name already taken')
                {close}
                return False
            self.send_to(client_socket, 'Welcome')
    '''.format(close=_close(c, 'client_socket')), 4),
        _locked(c, ['self.clients[client_socket] = name'], 8),
        _code("print('[server] {} joined from {}'.format(name, client_addr))", 8) if logs else '',
        _code("self.broadcast(client_socket, 'join')", 8),
        start_thread,
        _code('return True', 8))

    close_client = _join(
        _code('''
            def close_client(self, client_socket):
                if client_socket not in self.clients:
                    return False
        ''', 4),
        _locked(c, ['self.clients.pop(client_socket, None)'], 8),
        _code('''
            {close}
            return True
        '''.format(close=_close(c, 'client_socket')), 8))

    send_to = _join(_code('''
        def send_to(self, client_socket, text):
    ''', 4), _guarded(c, 'client_socket.sendall(text.encode())', 8))

    if c['clients_lock'] == 'lock':
        targets = _code('''
            with self.lock:
                targets = list(self.clients)
        ''', 8)
    else:
        targets = _code('targets = list(self.clients)', 8)
    deliver = 'self.queue_for(client_socket, text)' if polling else 'self.send_to(client_socket, text)'
    send_to_all = _join(_code('''
        def send_to_all(self, text, skip=None):
    ''', 4), targets, _code('''
            for client_socket in targets:
                if client_socket is not skip:
                    {deliver}
    '''.format(deliver=deliver), 8))
    if polling:
        send_to_all = _join(send_to_all, _polling_sender('client_socket', 'not self.run_event.is_set()'))

    if c['broadcast_signature'] == 'extra_default_param':
        broadcast_head = _code('''
            def broadcast(self, client_socket_sent, message, sender_name=None):
                # sender_name: for a leave announced after the client was removed from clients
                name = sender_name if sender_name is not None else self.clients.get(client_socket_sent)
        ''', 4)
    else:
        broadcast_head = _code('''
            def broadcast(self, client_socket_sent, message):
                name = self.clients.get(client_socket_sent)
        ''', 4)
    broadcast = _join(broadcast_head, _code('''
            if message == 'join':
                text = 'User {} joined'.format(name)
            elif message == 'exit':
                text = 'User {} left'.format(name)
            else:
                text = '{}: {}'.format(name, message)
            self.send_to_all(text, client_socket_sent)
    ''', 8))

    shutdown_lines = [_code('''
        def shutdown(self):
            {log}self.run_event.set()
            self.handle_event.set()
            {flush}for client_socket in list(self.clients):
                self.send_to(client_socket, 'server-shutdown')
                {close}
    '''.format(close=_close(c, 'client_socket'), flush='self.flush()\n            ' if polling else '',
               log="print('[server] shutting down')\n            " if logs else ''), 4)]
    if c['clients_at_shutdown'] == 'emptied':
        shutdown_lines.append(_locked(c, ['self.clients.clear()'], 8))
    shutdown_lines.append(_code('self.server_socket.close()', 8))
    shutdown = _join(*shutdown_lines)

    count = _code('''
        def get_clients_number(self):
            return len(self.clients)
    ''', 4)

    leave = _tcp_remove(c, 16 if threaded else 12, announce=True)
    dropped = _tcp_remove(c, 16 if threaded else 12, announce=c['abrupt_disconnect'] == 'announce')
    if threaded:
        busy = _code('''
                    try:
                        readable, _, _ = select.select([client_socket], [], [], 0)   # look, again and again
                    except (OSError, ValueError):
                        break
                    if not readable:
                        continue
        ''', 12) + '\n' if c['tcp_handling'] == 'busy_threads' else ''
        handle = _join(_code('''
            def handle_client(self, client_socket):
                while not self.handle_event.is_set():
        ''', 4) + '\n' + busy + _code('''
                    try:
                        data = client_socket.recv(BUFFER_SIZE)
                    except OSError:
                        data = b''
                    if self.handle_event.is_set() or client_socket not in self.clients:
                        break
                    if not data:
                        # the client went away without saying 'exit'
        ''', 12), dropped, _code('''
                        break
                    message = data.decode()
                    if message == 'exit':
        ''', 12), leave, _code('''
                        break
                    self.broadcast(client_socket, message)
        ''', 12))
        helpers = []
    else:
        read_from = _join(_code('''
            def read_from(self, client_socket):
                """Read one message from a client whose socket is readable, and act on it."""
                try:
                    data = client_socket.recv(BUFFER_SIZE)
                except OSError:
                    data = b''
                if self.handle_event.is_set() or client_socket not in self.clients:
                    return
                if not data:
                    # the client went away without saying 'exit'
        ''', 4), dropped, _code('''
                    return
                message = data.decode()
                if message == 'exit':
        ''', 8), leave, _code('''
                    return
                self.broadcast(client_socket, message)
        ''', 8))
        handle = _code('''
            def handle_client(self, client_socket):
                while not self.handle_event.is_set() and client_socket in self.clients:
                    try:
                        readable, _, _ = select.select([client_socket], [], [], POLL)
                    except (OSError, ValueError):
                        break
                    if readable:
                        self.read_from(client_socket)
        ''', 4)
        helpers = [read_from]
        if not combined:
            helpers.append(_code('''
                def serve_clients(self):
                    """One thread for all clients: select() over their sockets."""
                    while not self.handle_event.is_set():
                        sockets = list(self.clients)
                        if not sockets:
                            self.handle_event.wait(0.2)
                            continue
                        try:
                            readable, _, _ = select.select(sockets, [], [], 0.2)
                        except (OSError, ValueError):
                            continue
                        for client_socket in readable:
                            self.read_from(client_socket)
            ''', 4))

    if combined:
        loop = _code('''
            while not self.run_event.is_set():
                sockets = [self.server_socket] + list(self.clients)
                try:
                    readable, _, _ = select.select(sockets, [], [], POLL)
                except (OSError, ValueError):
                    continue
                for sock in readable:
                    if sock is self.server_socket:
                        self.accept_client()
                    else:
                        self.read_from(sock)
        ''', 12)
    elif c['tcp_accept'] == 'select':
        loop = _code('''
            while not self.run_event.is_set():
                readable, _, _ = select.select([self.server_socket], [], [], POLL)
                if readable:
                    ACCEPT
        ''', 12)
    else:
        loop = _code('''
            while not self.run_event.is_set():
                ACCEPT
        ''', 12)
    if threaded and c['handler_start'] == 'run':
        # the handler of the client that accept_client() just added starts here
        loop = _join(*(line if 'ACCEPT' not in line else _join(
            line.replace('ACCEPT', 'if self.accept_client():'),
            ' ' * (len(line) - len('ACCEPT') + 4) + 'threading.Thread(target=self.handle_client, '
            'args=(self.newest_client,){}).start()'.format(_daemon(c))) for line in loop.split('\n')))
    else:
        loop = loop.replace('ACCEPT', 'self.accept_client()')
    starter = '' if threaded or combined else _code(
        'threading.Thread(target=self.serve_clients{}).start()'.format(_daemon(c)), 8)
    if polling:
        starter = _join(starter, _code('threading.Thread(target=self.sender{}).start()'.format(_daemon(c)), 8))
    run = _join(_code('def run(self):', 4), starter, _code('try:', 8), loop, _code('''
            except KeyboardInterrupt:
                pass
            self.shutdown()
    ''', 8))

    methods = [init, accept, close_client, broadcast, shutdown, count, handle, run, send_to, send_to_all]
    methods[7:7] = helpers
    return 'class ServerTCP:\n\n' + '\n\n'.join(methods)


# ClientTCP / ClientUDP -----------------------------------------------------------------------------------

def _client_init(c, protocol):
    kind = 'SOCK_STREAM' if protocol == 'tcp' else 'SOCK_DGRAM'
    init = _code('''
        def __init__(self, client_name, server_port):
            self.server_addr = socket.gethostbyname(socket.gethostname())
            self.client_socket = socket.socket(socket.AF_INET, socket.{kind})
            self.server_port = server_port
            self.client_name = client_name
            self.exit_run = threading.Event()
            self.exit_receive = threading.Event()
    '''.format(kind=kind), 4)
    if c['client_input'] == 'select_stdin':
        init += '\n' + _code("self.typed = ''   # what was typed after the last complete line", 8)
    return init


def _client_receive(c, protocol):
    lines = [_code('def receive(self):', 4)]
    if c['client_recv'] == 'timeout':
        lines.append(_code('self.client_socket.settimeout(SOCKET_TIMEOUT)   # to check exit_receive now and then', 8))
    lines.append(_code('while not self.exit_receive.is_set():', 8))
    if c['client_recv'] in ('select', 'busy'):
        lines.append(_code('''
            try:
                ready, _, _ = select.select([self.client_socket], [], [], {})
            except (OSError, ValueError):
                break
            if not ready:
                continue
        '''.format('POLL' if c['client_recv'] == 'select' else '0'), 12))
    recv = 'data = self.client_socket.recv(BUFFER_SIZE)' if protocol == 'tcp' else \
        'data, _ = self.client_socket.recvfrom(BUFFER_SIZE)'
    timeout = _code('''
        except socket.timeout:
            continue
    ''', 12) if c['client_recv'] == 'timeout' else ''
    if c['client_recv'] == 'sleep_poll':
        lines.insert(1, _code('self.client_socket.setblocking(False)   # look, and sleep a little when nothing came', 8))
        timeout = _code('''
            except BlockingIOError:
                time.sleep(0.1)
                continue
        ''', 12)
    lines.append(_join(_code('''
        try:
            {recv}
    '''.format(recv=recv), 12), timeout, _code('''
        except OSError:
            break
    ''', 12)))
    if protocol == 'tcp':
        lines.append(_code('''
            if not data:
                # the server closed the connection
                self.exit_run.set()
                self.exit_receive.set()
                break
        ''', 12))
    lines.append(_code('''
        message = data.decode()
        if message == 'server-shutdown':
            self.exit_run.set()
            self.exit_receive.set()
            break
        show(message)
    ''', 12))
    return _join(*lines)


def _client_run(c, protocol):
    prompt = c['client_prompt'] != 'none'
    end = c['run_end']
    close = _close(c, 'self.client_socket') if protocol == 'tcp' else 'self.client_socket.close()'
    head = _code('''
        def run(self):
            if not self.connect_server():
                return
            receiver = threading.Thread(target=self.receive{daemon})
            receiver.start()
    '''.format(daemon=_daemon(c)), 4)

    def at_eof(indent):
        # the end of input, detected in the loop (not as EOFError)
        return _code('''
            self.send('exit')
            {}
        '''.format('sys.exit(0)' if end == 'sys_exit' else 'break'), indent)

    if c['client_input'] == 'main_input':
        loop = _join(_code('while not self.exit_run.is_set():', 12),
                     _code('show_prompt()', 16) if prompt else '',
                     _code('''
                         text = input()
                         if self.exit_run.is_set():
                             break   # the server shut down while we waited for this line
                         if text == 'exit':
                             self.send('exit')
                             break
                         self.send(text)
                     ''', 16))
    elif c['client_input'] == 'select_stdin':
        loop = _join(_code('show_prompt()', 12) if prompt else '', _code('''
            while not self.exit_run.is_set():
                ready, _, _ = select.select([sys.stdin], [], [], POLL)
                if not ready:
                    continue
                lines = self.read_lines()
                if lines is None:
        ''', 12), at_eof(20), _code('''
                leaving = False
                for text in lines:
                    if text == 'exit':
                        leaving = True
                        break
                    self.send(text)
        ''', 16), _code('show_prompt()', 20) if prompt else '', _code('''
                if leaving:
                    self.send('exit')
                    break
        ''', 16))
    else:
        loop = _join(_code('''
            self.typed_lines = queue.Queue()
            threading.Thread(target=self.read_input, daemon=True).start()
            while not self.exit_run.is_set():
                try:
                    text = self.typed_lines.get(timeout=POLL)
                except queue.Empty:
                    continue
                if text is None:
        ''', 12), at_eof(20), _code('''
                if text == 'exit':
                    self.send('exit')
                    break
                self.send(text)
        ''', 16))

    handlers = [_code('''
        except KeyboardInterrupt:
            self.send('exit')
    ''', 8)]
    if c['client_input'] == 'main_input' and end != 'eof_error':
        handlers.append(_code('''
            except EOFError:
                self.send('exit')
        ''', 8))
        if end == 'sys_exit':
            handlers.append(_code('sys.exit(0)', 12))
    cleanup = [_code('finally:', 8)]
    if c['client_exit_sets'] == 'both':
        cleanup.append(_code('self.exit_run.set()', 12))
    cleanup.append(_code('''
        self.exit_receive.set()
        {close}
    '''.format(close=close), 12))
    if c['chatty'] == 'logs':
        cleanup.append(_code("print('Disconnected from the chatroom.')", 12))
    run = _join(head, _code('try:', 8), loop, *(handlers + cleanup))

    extra = []
    if c['client_input'] == 'select_stdin':
        extra.append(_code('''
            def read_lines(self):
                """The lines completed by what can be read now from stdin ([] if none), None at its end."""
                chunk = os.read(sys.stdin.fileno(), 1024)
                if not chunk:
                    return None
                self.typed += chunk.decode()
                lines = self.typed.split('\\n')
                self.typed = lines.pop()
                return [line.rstrip('\\r') for line in lines]
        ''', 4))
    elif c['client_input'] == 'reader_thread':
        extra.append(_join(_code('''
            def read_input(self):
                """Reader thread: puts each typed line in typed_lines, and None at the end of input."""
                while True:
        ''', 4), _code('show_prompt()', 12) if prompt else '', _code('''
                    line = sys.stdin.readline()
                    if not line:
                        self.typed_lines.put(None)
                        return
                    self.typed_lines.put(line.rstrip('\\n'))
        ''', 12)))
    return run, extra


def _client_tcp(c):
    greet = _code('print(response)', 8) if c['client_greeting'] == 'print' else ''
    connect = _join(_code('''
        def connect_server(self):
            try:
                self.client_socket.connect((self.server_addr, self.server_port))
                self.client_socket.sendall(self.client_name.encode())
                response = self.client_socket.recv(BUFFER_SIZE).decode()
            except OSError:
                return False
    ''', 4), greet, _code("return 'Welcome' in response", 8))
    send = _join(_code('def send(self, text):', 4), _guarded(c, 'self.client_socket.sendall(text.encode())', 8))
    run, extra = _client_run(c, 'tcp')
    methods = [_client_init(c, 'tcp'), connect, send, _client_receive(c, 'tcp'), run] + extra
    return 'class ClientTCP:\n\n' + '\n\n'.join(methods)


def _client_udp(c):
    connected = c['udp_client_socket'] == 'connect'
    greet = _code('print(response)', 8) if c['client_greeting'] == 'print' else ''
    connect_lines = [_code('def connect_server(self):', 4)]
    if connected:
        connect_lines.append(_code('''
            try:
                self.client_socket.connect((self.server_addr, self.server_port))
            except OSError:
                return False
        ''', 8))
    if c['udp_connect_timeout'] == 'five_seconds':
        connect_lines.append(_code('''
            self.send('join')
            self.client_socket.settimeout(5)   # do not wait forever for a server that is not there
            try:
                data, _ = self.client_socket.recvfrom(BUFFER_SIZE)
            except OSError:
                return False
            finally:
                self.client_socket.settimeout(None)
            response = data.decode()
        ''', 8))
    else:
        connect_lines.append(_code('''
            self.send('join')
            try:
                data, _ = self.client_socket.recvfrom(BUFFER_SIZE)
            except OSError:
                return False
            response = data.decode()
        ''', 8))
    connect = _join(*connect_lines, greet, _code("return response == 'Welcome'", 8))
    wire = "self.client_socket.send(message.encode())" if connected else \
        "self.client_socket.sendto(message.encode(), (self.server_addr, self.server_port))"
    send = _join(_code('''
        def send(self, text):
            message = '{}:{}'.format(self.client_name, text)
    ''', 4), _guarded(c, wire, 8))
    run, extra = _client_run(c, 'udp')
    methods = [_client_init(c, 'udp'), connect, send, _client_receive(c, 'udp'), run] + extra
    return 'class ClientUDP:\n\n' + '\n\n'.join(methods)


# ServerUDP ------------------------------------------------------------------------------------------------

def _server_udp(c):
    init = _code('''
        def __init__(self, server_port):
            self.server_port = server_port
            self.server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.server_socket.bind((socket.gethostbyname(socket.gethostname()), server_port))
    ''', 4)
    if c['server_port'] == 'bound':
        init += '\n' + _code('self.server_port = self.server_socket.getsockname()[1]', 8)
    if c['udp_server_loop'] == 'settimeout':
        init += '\n' + _code('self.server_socket.settimeout(SOCKET_TIMEOUT)   # so that Ctrl-C is noticed', 8)
    elif c['udp_server_loop'] == 'sleep_poll':
        init += '\n' + _code('self.server_socket.setblocking(False)', 8)
    init += '\n' + _code('''
        self.clients = {}    # client address -> name
        self.messages = []   # (client address, message)
    ''', 8)
    polling = c['broadcast_delivery'] == 'polling_sender'
    if polling:
        init += '\n' + _code('''
            self.outbox = []   # (client address, text) waiting for the sender thread
            self.outbox_lock = threading.Lock()
            self.sending = True
        ''', 8)
    send_to = _join(_code('def send_to(self, client_addr, text):', 4),
                    _guarded(c, 'self.server_socket.sendto(text.encode(), client_addr)', 8))
    accept = _code('''
        def accept_client(self, client_addr, message):
            name = message.split(':', 1)[0]
            if name in self.clients.values():
                self.send_to(client_addr, 'Name already taken')
                return False
            self.send_to(client_addr, 'Welcome')
            self.clients[client_addr] = name
            LOG
            self.messages.append((client_addr, 'User {} joined'.format(name)))
            self.broadcast()
            return True
    ''', 4)
    logs = c['chatty'] == 'logs'
    log = "print('[server] {} joined from {}'.format(name, client_addr))" if logs else None
    accept = '\n'.join(line.replace('LOG', log) if log else line for line in accept.split('\n')
                       if log or line.strip() != 'LOG')
    close_client = _code('''
        def close_client(self, client_addr):
            if client_addr not in self.clients:
                return False
            name = self.clients.pop(client_addr)
            self.messages.append((client_addr, 'User {} left'.format(name)))
            self.broadcast()
            return True
    ''', 4)
    broadcast = _code('''
        def broadcast(self):
            if not self.messages:
                return
            sender_addr, text = self.messages[-1]
            for client_addr in list(self.clients):
                if client_addr != sender_addr:
                    {deliver}
    '''.format(deliver='self.queue_for(client_addr, text)' if polling else 'self.send_to(client_addr, text)'), 4)
    if polling:
        broadcast = _join(broadcast, _polling_sender('client_addr', 'self.sending'))
    if c['udp_shutdown'] == 'close_client_each':
        each = _code('''
            for client_addr in list(self.clients):
                self.send_to(client_addr, 'server-shutdown')
                self.close_client(client_addr)
        ''', 8)
    else:
        each = _code('''
            for client_addr in list(self.clients):
                self.send_to(client_addr, 'server-shutdown')
        ''', 8)
    shutdown = _join(_code('def shutdown(self):', 4),
                     _code("print('[server] shutting down')", 8) if logs else '',
                     _code('self.sending = False\nself.flush()', 8) if polling else '', each,
                     _code('self.clients.clear()', 8) if c['clients_at_shutdown'] == 'emptied' else '',
                     _code('self.server_socket.close()', 8))
    count = _code('''
        def get_clients_number(self):
            return len(self.clients)
    ''', 4)
    wait = _code('''
        readable, _, _ = select.select([self.server_socket], [], [], POLL)
        if not readable:
            continue
    ''', 16) if c['udp_server_loop'] == 'select' else ''
    if c['udp_server_loop'] == 'settimeout':
        receive = _code('''
            try:
                data, client_addr = self.server_socket.recvfrom(BUFFER_SIZE)
            except socket.timeout:
                continue
        ''', 16)
    elif c['udp_server_loop'] == 'sleep_poll':
        receive = _code('''
            try:
                data, client_addr = self.server_socket.recvfrom(BUFFER_SIZE)
            except BlockingIOError:
                time.sleep(0.1)
                continue
        ''', 16)
    else:
        receive = _code('data, client_addr = self.server_socket.recvfrom(BUFFER_SIZE)', 16)
    if c['udp_relay'] == 'formatted':
        record = "self.messages.append((client_addr, '{}: {}'.format(self.clients[client_addr], text)))"
    else:
        record = 'self.messages.append((client_addr, message))'
    sender = _code('threading.Thread(target=self.sender{}).start()'.format(_daemon(c)), 8) if polling else ''
    run = _join(_code('def run(self):', 4), sender, _code('''
        try:
            while True:
    ''', 8), wait, receive, _code('''
                message = data.decode()
                name, colon, text = message.partition(':')
                if not colon:
                    continue
                if text == 'join':
                    self.accept_client(client_addr, message)
                elif client_addr not in self.clients:
                    continue   # not in the chatroom: ignored
                elif text == 'exit':
                    self.close_client(client_addr)
                else:
                    {record}
                    self.broadcast()
    '''.format(record=record), 16), _code('''
        except KeyboardInterrupt:
            pass
        except (OSError, ValueError):
            pass   # the socket failed or was closed: stop, as for Ctrl-C
        self.shutdown()
    ''', 8))
    methods = [init, accept, close_client, broadcast, shutdown, count, run, send_to]
    return 'class ServerUDP:\n\n' + '\n\n'.join(methods)


def _polling_sender(target, running):
    """queue_for(), flush() and the sender thread of a server whose broadcasts a polling thread sends."""
    return _code('''
        def queue_for(self, {target}, text):
            with self.outbox_lock:
                self.outbox.append(({target}, text))

        def flush(self):
            with self.outbox_lock:
                waiting, self.outbox = self.outbox, []
            for {target}, text in waiting:
                self.send_to({target}, text)

        def sender(self):
            # every 0.2 s, whatever was queued goes out
            while {running}:
                time.sleep(0.2)
                self.flush()
    '''.format(target=target, running=running), 4)


def source(choices):
    c = dict(choices)
    missing = [name for name in FREEDOMS if c.get(name) not in FREEDOMS[name]]
    if missing:
        raise ValueError('no valid choice for {}'.format(missing))
    if not allowed(c):
        raise ValueError('these choices break a rule: {}'.format(
            [reason for a, x, b, y, reason in RULES if c[a] == x and c[b] == y]))
    body = '\n\n\n'.join([_server_tcp(c), _client_tcp(c), _server_udp(c), _client_udp(c)])
    return _header(c, body) + '\n\n\n' + body + '\n'


if __name__ == '__main__':
    import sys
    target = sys.argv[1] if len(sys.argv) > 1 else 'valid_space_out'
    for written in write_all(target):
        print(written)
