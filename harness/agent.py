"""The agent: the child process in which a submission's code runs. Trusted code, standard library only,
Python 3.9+, self-contained (the runner copies this file next to the submission).

    python -I agent.py CONTROL_FD SUBMISSION_PATH LIMITS_JSON

Before it imports anything of the submission's, the agent lowers its own resource limits and makes
socket.gethostname()/gethostbyname() resolve to 127.0.0.1, so all traffic stays on loopback whatever
machine grades it. Then it answers requests on CONTROL_FD, one JSON object a line, each with an "id":

    import                       import the submission (in the main thread)
    inspect                      classes, methods and signatures found
    construct  obj cls args      obj = cls(*args)
    get        obj name          describe getattr(obj, name)
    call       obj method args   describe obj.method(*args), run in a thread of its own
    run        obj               obj.run() in the main thread, so that SIGINT arrives as KeyboardInterrupt
    set_event  obj name          getattr(obj, name).set()
    stacks                       every thread's stack, to show where a submission hangs

Arguments may name objects the agent holds: {"$client_socket": "alice"} is the key of obj.clients whose
value is "alice"; {"$addr": ["127.0.0.1", 5000]} is an address tuple; {"$fresh_socket": "tcp"} a new
socket that belongs to no client. The submission's prints go to this process's stdout and stderr, which
the runner captures apart from the control channel, so nothing a submission prints can pass for a reply.
"""

import faulthandler
import importlib.util
import io
import json
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback

LOOPBACK = '127.0.0.1'
PRECOMPILED = {}        # submission path -> its code object, when the fork server compiled it once for all


def force_loopback():
    real_gethostname = socket.gethostname
    real_gethostbyname = socket.gethostbyname
    try:
        own_names = {real_gethostname(), 'localhost', ''}
    except OSError:
        own_names = {'localhost', ''}

    def gethostname():
        return 'localhost'

    def gethostbyname(name):
        if name in own_names or name == 'localhost':
            return LOOPBACK
        return real_gethostbyname(name)

    socket.gethostname = gethostname
    socket.gethostbyname = gethostbyname


def lower_limits(limits):
    try:
        import resource
    except ImportError:      # Windows: no rlimits (the harness sends none there)
        return
    names = {'as': 'RLIMIT_AS', 'cpu': 'RLIMIT_CPU', 'nproc': 'RLIMIT_NPROC', 'nofile': 'RLIMIT_NOFILE',
             'fsize': 'RLIMIT_FSIZE', 'core': 'RLIMIT_CORE', 'stack': 'RLIMIT_STACK'}
    if limits.get('nice'):
        try:
            os.nice(limits['nice'])   # a submission that spins gets the cores the harness leaves over
        except OSError:
            pass
    for key, value in limits.items():
        which = getattr(resource, names.get(key, ''), None)
        if which is None or value is None:
            continue
        try:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value if key != 'cpu' else hard))
        except (ValueError, OSError):
            pass


def describe(value):
    """A JSON-able account of a value, rich enough for checks on kinds and contents."""
    out = {'type': type(value).__name__, 'module': type(value).__module__}
    if isinstance(value, threading.Event):
        out['is_set'] = value.is_set()
    elif isinstance(value, socket.socket):
        out.update(socket_state(value))
    elif isinstance(value, dict):
        out['len'] = len(value)
        out['items'] = [[describe_key(k), describe_item(v)] for k, v in list(value.items())[:200]]
    elif isinstance(value, (list, tuple)):
        out['len'] = len(value)
        out['items'] = [describe_item(v) for v in list(value)[-200:]]
    elif value is None or isinstance(value, (bool, int, float, str)):
        out['value'] = value
    out['repr'] = safe_repr(value)
    return out


def describe_key(key):
    if isinstance(key, socket.socket):
        state = socket_state(key)
        return {'socket': True, 'peer': state.get('peer'), 'closed': state.get('closed')}
    if isinstance(key, tuple):
        return {'tuple': [safe_repr(v) if not isinstance(v, (int, str)) else v for v in key]}
    return safe_repr(key)


def describe_item(item):
    if isinstance(item, tuple):
        return {'tuple': [describe_item(v) for v in item]}
    if isinstance(item, (int, str, float, bool)) or item is None:
        return item
    if isinstance(item, bytes):
        return {'bytes': item.decode('utf-8', 'replace')}
    return {'repr': safe_repr(item)}


def socket_state(sock):
    state = {'closed': sock.fileno() == -1}
    if state['closed']:
        return state
    try:
        state['family'] = 'AF_INET' if sock.family == socket.AF_INET else str(sock.family)
        state['kind'] = {socket.SOCK_STREAM: 'SOCK_STREAM', socket.SOCK_DGRAM: 'SOCK_DGRAM'}.get(
            sock.type, str(sock.type))
        state['sockname'] = list(sock.getsockname())
        state['listening'] = bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    except OSError:
        pass
    try:
        state['peer'] = list(sock.getpeername())
    except OSError:
        state['peer'] = None
    return state


def safe_repr(value, limit=500):
    try:
        text = repr(value)
    except Exception as error:  # a submission's __repr__ may raise
        text = '<unrepresentable: {}>'.format(type(error).__name__)
    return text if len(text) <= limit else text[:limit] + '...'


_RECV_GATES = {}        # id(socket) -> (entered, released): a held recv() (Agent.op_hold_recv)
RECV_HOLD_LIMIT = 30.0  # seconds a held recv() waits for its release at most: the harness may die first


class _HeldSocket(socket.socket):
    """A socket whose next recv() waits until the harness releases it, then is a plain socket again."""
    __slots__ = ()      # the layout of socket.socket's, so that an existing socket can take this class

    def recv(self, *args, **kwargs):
        gate = _RECV_GATES.get(id(self))
        if gate is not None:
            entered, released = gate
            entered.set()
            released.wait(RECV_HOLD_LIMIT)
            _RECV_GATES.pop(id(self), None)
        self.__class__ = socket.socket
        return socket.socket.recv(self, *args, **kwargs)


class Agent:
    def __init__(self, control, submission):
        self.control = control
        self.reader = control.makefile('r', encoding='utf-8', newline='\n')
        self.write_lock = threading.Lock()
        self.submission = submission
        self.module = None
        self.objects = {}
        self.fresh_sockets = []
        self.main_tasks = queue.Queue()
        self.channel_thread = None
        self.channel_ready = threading.Event()

    # -- channel -----------------------------------------------------------------------------------

    def reply(self, request_id, **fields):
        fields['id'] = request_id
        data = (json.dumps(fields, default=safe_repr) + '\n').encode('utf-8')
        with self.write_lock:
            try:
                self.control.sendall(data)
            except OSError:
                os._exit(3)

    def serve_channel(self):
        self.channel_thread = threading.get_native_id()
        self.channel_ready.set()
        for line in self.reader:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            op = request.get('op')
            if op in ('import', 'run'):
                self.main_tasks.put(request)
            else:
                threading.Thread(target=self.answer, args=(request,), daemon=True).start()
        # The runner closed the channel, or died without cleaning up (a batch that killed a hung judge):
        # take down the whole process group, so that nothing the submission forked outlives us (where
        # there are process groups; on Windows the harness kills the tree).
        try:
            if hasattr(os, 'killpg') and os.environ.get('CHATROOM_CHECK_PLATFORM') != 'windows':
                os.killpg(os.getpgid(0), signal.SIGKILL)
        finally:
            os._exit(0)

    def answer(self, request):
        request_id = request.get('id')
        try:
            value = getattr(self, 'op_' + request['op'])(request)
        except BaseException as error:  # report everything the submission raises, SystemExit included
            self.reply(request_id, ok=False, error=type(error).__name__, message=safe_repr(error, 2000),
                       trace=format_trace(error))
            return
        self.reply(request_id, ok=True, value=value)

    def main_loop(self):
        threading.Thread(target=self.serve_channel, name='agent-channel', daemon=True).start()
        while True:
            try:
                request = self.main_tasks.get()
            except KeyboardInterrupt:  # a SIGINT while idle: nothing to interrupt
                continue
            try:
                self.answer(request)
            except KeyboardInterrupt:  # a SIGINT that arrived just as run() returned
                self.reply(request.get('id'), ok=False, error='KeyboardInterrupt', message='', trace='')

    # -- operations --------------------------------------------------------------------------------

    def op_import(self, request):
        before_threads = set(threading.enumerate())
        before_fds = open_sockets()
        spec = importlib.util.spec_from_file_location('chatroom', self.submission)
        module = importlib.util.module_from_spec(spec)
        sys.modules['chatroom'] = module
        code = PRECOMPILED.get(self.submission)
        if code is not None:
            exec(code, module.__dict__)         # compiled once by the fork server (harness/forkserver.py)
        else:
            spec.loader.exec_module(module)
        self.module = module
        new_threads = [t.name for t in threading.enumerate() if t not in before_threads and t.is_alive()]
        self.channel_ready.wait(5)
        # The agent's own lasting thread, which the harness's requests wake: not the submission's doing.
        return {'new_threads': new_threads, 'new_sockets': len(open_sockets() - before_fds),
                'python': sys.version.split()[0], 'agent_threads': [self.channel_thread],
                'agent_channel_fd': self.control.fileno()}

    def op_inspect(self, request):
        import inspect          # only here: it is the slowest import of the agent's start
        found = {}
        for name in ('ServerTCP', 'ClientTCP', 'ServerUDP', 'ClientUDP'):
            cls = getattr(self.module, name, None)
            if not inspect.isclass(cls):
                found[name] = None
                continue
            methods = {}
            for attr, member in inspect.getmembers(cls):
                if attr.startswith('__') and attr != '__init__':
                    continue
                if callable(member):
                    try:
                        methods[attr] = [[p.name, p.default is not p.empty, p.kind.name]
                                         for p in inspect.signature(member).parameters.values()]
                    except (TypeError, ValueError):
                        methods[attr] = None
            found[name] = methods
        return found

    def op_construct(self, request):
        cls = getattr(self.module, request['cls'])
        obj = cls(*self.resolve(request.get('args', [])))
        self.objects[request['obj']] = obj
        return {'constructed': True}

    def op_get(self, request):
        return describe(getattr(self.objects[request['obj']], request['name']))

    def op_call(self, request):
        obj = self.objects[request['obj']]
        method = getattr(obj, request['method'])
        args = self.resolve(request.get('args', []), obj)
        out = describe(method(*args))
        # The sockets passed in, as they are after the call: close_client(sock) closed it or not.
        out['args'] = [socket_state(a) if isinstance(a, socket.socket) else None for a in args]
        return out

    def op_run(self, request):
        obj = self.objects[request['obj']]
        try:
            value = obj.run()
        except KeyboardInterrupt:
            return {'returned': True, 'raised': 'KeyboardInterrupt'}
        return {'returned': True, 'raised': None, 'value': safe_repr(value)}

    def op_set_event(self, request):
        getattr(self.objects[request['obj']], request['name']).set()
        return True

    def op_clear_event(self, request):
        """Clear the event if it is set; True if it was."""
        event = getattr(self.objects[request['obj']], request['name'])
        was = event.is_set()
        event.clear()
        return was

    def op_listen(self, request):
        """Make a socket listen that does not yet (the harness's set-up for calling accept_client() on its
        own, where __init__ did not call listen()); True if it had to."""
        sock = getattr(self.objects[request['obj']], request['attr'])
        option = getattr(socket, 'SO_ACCEPTCONN', None)
        if option is None or sock.getsockopt(socket.SOL_SOCKET, option):
            return False
        sock.listen(5)
        return True

    def op_hold_recv(self, request):
        """Make the next recv() on an object's socket wait until op_release_recv: the harness then decides
        when a client of ours reads (the reference client, reading its greeting only once the server under
        test is done sending: a reply that the server splits reads the same on every run). False if the
        attribute is no plain socket."""
        sock = getattr(self.objects[request['obj']], request['attr'])
        if type(sock) is not socket.socket:
            return False
        _RECV_GATES[id(sock)] = (threading.Event(), threading.Event())
        sock.__class__ = _HeldSocket
        return True

    def op_recv_held(self, request):
        """Whether the held recv() was reached and now waits."""
        gate = _RECV_GATES.get(id(getattr(self.objects[request['obj']], request['attr'])))
        return gate is not None and gate[0].is_set()

    def op_release_recv(self, request):
        sock = getattr(self.objects[request['obj']], request['attr'])
        gate = _RECV_GATES.get(id(sock))
        if gate is None:
            return False
        gate[1].set()
        return True

    def op_stacks(self, request):
        frames = sys._current_frames()
        names = {t.ident: t.name for t in threading.enumerate()}
        own = {'agent-channel'}
        out = []
        for ident, frame in frames.items():
            if names.get(ident) in own:
                continue
            stack = [f for f in traceback.extract_stack(frame) if f.filename == self.submission]
            if stack:
                out.append({'thread': names.get(ident, str(ident)),
                            'where': ['{}:{} in {}: {}'.format(os.path.basename(f.filename), f.lineno,
                                                               f.name, f.line) for f in stack]})
        return out

    def op_ping(self, request):
        return True

    def op_interrupt(self, request):
        """Ctrl-C as Windows gives it: KeyboardInterrupt in the main thread when it next runs Python code
        (a blocked system call is not ended)."""
        import _thread
        _thread.interrupt_main()
        return True

    def op_main_waiting(self, request):
        """A portable look at whether run()'s thread waits in its loop, where the harness cannot read the
        thread's system call (harness/platform.py): its innermost frame has not moved for `stable`
        seconds, at a line of the submission's that is not a send. A thread that runs Python code moves;
        one in a long computation holds the interpreter's lock, and then this reply waits for it."""
        main = threading.main_thread().ident
        stable = float(request.get('stable', 0.05))

        def position():
            frame = sys._current_frames().get(main)
            if frame is None:
                return None
            return (frame.f_code, frame.f_lasti, frame.f_lineno)
        first = position()
        time.sleep(stable)
        second = position()
        if first is None or first != second:
            return False
        stack = [f for f in traceback.extract_stack(sys._current_frames()[main]) if f.filename == self.submission]
        if not stack:
            return False                  # not in the submission's code: the agent itself, between tasks
        line = stack[-1].line or ''
        return 'send' not in line

    # -- argument references -----------------------------------------------------------------------

    def resolve(self, args, obj=None):
        return [self.resolve_one(a, obj) for a in args]

    def resolve_one(self, arg, obj):
        if not isinstance(arg, dict) or len(arg) != 1:
            return arg
        (key, value), = arg.items()
        if key == '$client_socket':
            for sock, name in list(getattr(obj, 'clients', {}).items()):
                if name == value:
                    return sock
            raise LookupError('no client named {!r} in clients'.format(value))
        if key == '$client_addr':
            for addr, name in list(getattr(obj, 'clients', {}).items()):
                if name == value:
                    return addr
            raise LookupError('no client named {!r} in clients'.format(value))
        if key == '$addr':
            return tuple(value)
        if key == '$fresh_socket':
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if value == 'udp' else socket.SOCK_STREAM)
            self.fresh_sockets.append(sock)
            return sock
        return arg


def open_sockets():
    try:
        names = os.listdir('/proc/self/fd')
    except OSError:
        return set()
    found = set()
    for name in names:
        try:
            if os.readlink('/proc/self/fd/' + name).startswith('socket:'):
                found.add(name)
        except OSError:
            pass
    return found


def format_trace(error):
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return ''.join(lines[-12:])[-4000:]


def open_channel(spec):
    """The control channel: an inherited socket descriptor ('5'), or, where descriptors cannot be handed
    to a child (Windows), 'tcp:PORT:TOKEN': connect to the harness on loopback and say the token."""
    if spec.startswith('tcp:'):
        _, port, token = spec.split(':', 2)
        control = socket.create_connection((LOOPBACK, int(port)), timeout=10)
        control.settimeout(None)
        control.sendall((token + '\n').encode('ascii'))
        if hasattr(os, 'set_inheritable'):
            os.set_inheritable(control.fileno(), False)
        return control
    control = socket.socket(fileno=int(spec))
    os.set_inheritable(int(spec), False)   # processes the submission starts don't get the channel
    return control


def main():
    channel, submission, limits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    control = open_channel(channel)
    # A parent that ignores SIGINT (a background job, nohup, some CI runners) passes that on, and Python
    # then installs no handler of its own: Ctrl-C would never reach run() as KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    force_loopback()
    lower_limits(limits)
    faulthandler.enable(file=sys.stderr)
    sys.path.insert(0, os.path.dirname(submission))
    # The submission reads input() from our stdin; give it text semantics without buffering surprises.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    Agent(control, submission).main_loop()


if __name__ == '__main__':
    main()
