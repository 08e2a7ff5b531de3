"""The fork server: one interpreter per run that has imported the agent's code (never a submission's) and
forks a fresh agent for each check, so that an agent costs a fork instead of an interpreter's start.
Trusted code, standard library only, Python 3.9+, POSIX only; self-contained like agent.py.

    python -I -S forkserver.py CONTROL_FD LIFELINE_FD AGENT_PATH

CONTROL_FD is one end of a Unix datagram socketpair; LIFELINE_FD the read end of a pipe whose write end
only the harness holds: when it reads end-of-file, the harness is gone (a datagram socket tells nothing of
its peer closing) and the server exits. Each request is one datagram of JSON with four file
descriptors attached (SCM_RIGHTS): the agent's end of its control channel, and its stdin, stdout and
stderr. The JSON says where the agent works and how it is confined:

    {"id": 7, "workdir": "/tmp/chatroom-check-x", "submission": ".../chatroom.py", "limits": {...},
     "env": {...}, "run_as": [uid, gid] or null, "cgroup": "/sys/fs/cgroup/..." or null, "nproc": N or null,
     "source": the submitted file (trusted to be unchanged: the harness validated it)}

The server forks; the child joins the cgroup (before anything else), starts a session of its own (so the
harness kills it and all it starts as one process group), makes the descriptors its 0, 1, 2 and 3 and
closes every other one, changes to the workdir and environment, drops to `run_as` if given, and runs the
agent's main(), exactly as a spawned agent (`python -I -S agent.py 3 SUBMISSION LIMITS`) would. The server
answers {"id": 7, "pid": PID} (or {"id": 7, "error": "..."}), and {"exited": PID, "returncode": N} when an
agent it forked ends (it reaps them: they are its children). When the harness is gone, the server exits;
the agents notice their own channel closing and end themselves.

The server compiles each submitted file once (compiling runs none of it) and hands the code object to the
agents it forks, which only execute it; it also imports, once, the standard modules chatroom.py files use.
It never starts a thread, so forking is safe.
"""

import importlib.util
import json
import os
import selectors
import signal
import socket
import sys

MAX_REQUEST = 1 << 16
FDS_PER_REQUEST = 4
AGENT_CONTROL_FD = 3
# Imported once here so that each agent finds them loaded: the standard modules chatroom.py files use.
PRELOADED = ('argparse', 'datetime', 'errno', 'queue', 'random', 'select', 'selectors', 'signal', 'struct',
             'time', 'traceback', 'types')


def load_agent(path):
    spec = importlib.util.spec_from_file_location('_chatroom_check_agent', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_compiled = {}


def compiled(path):
    """The submission's code object, compiled once per file version (compiling runs none of it): each
    agent then only executes it. None if it does not compile (the agent reports that itself)."""
    try:
        stat = os.stat(path)
        key = (path, stat.st_size, stat.st_mtime_ns)
    except OSError:
        return None
    if key not in _compiled:
        try:
            with open(path, 'rb') as source:
                _compiled[key] = compile(source.read(), path, 'exec', dont_inherit=True)
        except (SyntaxError, ValueError, OSError, MemoryError, RecursionError):
            _compiled[key] = None
    return _compiled[key]


def refiled(code, filename):
    """`code` with every (nested) code object's filename set to `filename`: the agent's own copy."""
    consts = tuple(refiled(c, filename) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def send(sock, message):
    try:
        sock.send(json.dumps(message).encode('utf-8'))
    except OSError:
        os._exit(0)          # the harness is gone


def child(agent_module, request, fds):
    """In the forked child: become the agent. Never returns."""
    code = 0
    try:
        if request.get('cgroup'):
            with open(os.path.join(request['cgroup'], 'cgroup.procs'), 'w') as procs:
                procs.write(str(os.getpid()))
        os.setsid()
        for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        control, stdin, stdout, stderr = fds
        # Move the four into 0..3 without clobbering one another, then close every other descriptor.
        moved = [os.dup(fd) for fd in (stdin, stdout, stderr, control)]
        for target, fd in enumerate(moved):
            os.dup2(fd, target, inheritable=target != AGENT_CONTROL_FD)
        os.closerange(AGENT_CONTROL_FD + 1, _max_fd())
        os.chdir(request['workdir'])
        os.environ.clear()
        os.environ.update(request.get('env') or {})
        if request.get('nproc'):
            import resource
            resource.setrlimit(resource.RLIMIT_NPROC, (request['nproc'],) * 2)
        if request.get('run_as'):
            uid, gid = request['run_as']
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        import io
        sys.stdin = io.TextIOWrapper(io.FileIO(0, 'r', closefd=False), encoding='utf-8')
        sys.stdout = io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding='utf-8', write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, 'w', closefd=False), encoding='utf-8', write_through=True,
                                      errors='backslashreplace')
        sys.argv = [request['agent'], str(AGENT_CONTROL_FD), request['submission'], json.dumps(request['limits'])]
        code = compiled(request['source']) if request.get('source') else None
        if code is not None:
            agent_module.PRECOMPILED[request['submission']] = refiled(code, request['submission'])
        agent_module.main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:         # nothing of the server's may run on in the child
        code = 70
        try:
            import traceback
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _max_fd():
    try:
        return os.sysconf('SC_OPEN_MAX')
    except (ValueError, OSError):
        return 4096


def reap(sock):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        send(sock, {'exited': pid, 'returncode': os.waitstatus_to_exitcode(status)
                    if hasattr(os, 'waitstatus_to_exitcode') else -(status & 0x7f) or (status >> 8)})


def serve(sock, lifeline, agent_module):
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    signal.signal(signal.SIGCHLD, lambda *args: None)      # only to wake the selector
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    selector.register(lifeline, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj == lifeline:
                os._exit(0)      # end of file: the harness is gone (it never writes)
            if key.fileobj is wake_r:
                try:
                    while wake_r.recv(512):
                        pass
                except OSError:
                    pass
                reap(sock)
                continue
            try:
                data, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST, FDS_PER_REQUEST)
            except (InterruptedError, BlockingIOError):
                continue
            if not data:
                os._exit(0)      # the harness closed its end
            try:
                request = json.loads(data)
            except ValueError:
                for fd in fds:
                    os.close(fd)
                continue
            if len(fds) != FDS_PER_REQUEST:
                for fd in fds:
                    os.close(fd)
                send(sock, {'id': request.get('id'), 'error': 'expected {} descriptors'.format(FDS_PER_REQUEST)})
                continue
            if request.get('source'):
                compiled(request['source'])          # once, here: not again in every child
            try:
                pid = os.fork()
            except OSError as error:
                for fd in fds:
                    os.close(fd)
                send(sock, {'id': request.get('id'), 'error': 'fork failed: {}'.format(error)})
                continue
            if pid == 0:
                selector.close()
                sock.close()
                os.close(lifeline)
                wake_r.close()
                wake_w.close()
                child(agent_module, request, fds)
            for fd in fds:
                os.close(fd)
            send(sock, {'id': request.get('id'), 'pid': pid})
            reap(sock)


def main():
    control_fd, lifeline, agent_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    sock = socket.socket(fileno=control_fd)
    os.set_inheritable(control_fd, False)
    os.set_inheritable(lifeline, False)
    agent_module = load_agent(agent_path)
    for name in PRELOADED:
        try:
            __import__(name)
        except ImportError:
            pass
    send(sock, {'ready': os.getpid(), 'python': sys.version.split()[0]})
    serve(sock, lifeline, agent_module)


if __name__ == '__main__':
    main()
