"""Observations of a running submission that only the operating system can give: is its main thread
waiting (idle in its loop), is one of its threads blocked reading stdin, how much CPU has it used, has
the peer of a loopback TCP connection read what was sent to it.

The checks use these to wait for *states* instead of fixed windows (../shared/spec/judgement-calls.md:
"Ctrl-C is delivered the way a person delivers it: while the program waits in its loop"). Every function
answers None where the machine cannot tell; callers then fall back to a bounded wait and say so.

Linux reads /proc; elsewhere the functions answer None (or, for CPU time, ask psutil).
"""

import errno
import os
import platform as _stdlib_platform
import socket
import struct
import time

# System calls in which a thread waits for something outside itself: input, a connection, a datagram, a
# timeout, a lock. A thread in one of these is idle; a thread in sendto()/write() or running is busy.
_WAITING_SYSCALLS = {
    'x86_64': {0: 'read', 7: 'poll', 23: 'select', 34: 'pause', 35: 'nanosleep', 43: 'accept',
               45: 'recvfrom', 47: 'recvmsg', 61: 'wait4', 128: 'rt_sigtimedwait', 130: 'rt_sigsuspend',
               202: 'futex', 230: 'clock_nanosleep', 232: 'epoll_wait', 270: 'pselect6', 271: 'ppoll',
               281: 'epoll_pwait', 288: 'accept4', 299: 'recvmmsg', 441: 'epoll_pwait2', 449: 'futex_waitv'},
    'aarch64': {22: 'epoll_pwait', 63: 'read', 72: 'pselect6', 73: 'ppoll', 98: 'futex', 101: 'nanosleep',
                115: 'clock_nanosleep', 137: 'rt_sigtimedwait', 133: 'rt_sigsuspend', 202: 'accept',
                207: 'recvfrom', 212: 'recvmsg', 242: 'accept4', 243: 'recvmmsg', 260: 'wait4',
                441: 'epoll_pwait2', 449: 'futex_waitv'},
}
_MACHINE = {'amd64': 'x86_64', 'arm64': 'aarch64'}.get(_stdlib_platform.machine().lower(),
                                                        _stdlib_platform.machine().lower())
_WAITING = _WAITING_SYSCALLS.get(_MACHINE)
_READ = {'x86_64': 0, 'aarch64': 63}.get(_MACHINE)


def _syscall_of(pid, tid):
    """(syscall number, first argument) a thread is blocked in; 'running'; or None if unreadable."""
    try:
        with open('/proc/{}/task/{}/syscall'.format(pid, tid)) as source:
            fields = source.read().split()
    except OSError:
        return None
    if not fields:
        return None
    if fields[0] == 'running':
        return 'running'
    try:
        return int(fields[0]), fields[1] if len(fields) > 1 else None
    except ValueError:
        return None


def main_thread_waiting(pid):
    """True when the process's main thread is blocked in a waiting system call, False when it runs or
    sends, None when this machine cannot tell."""
    if _WAITING is None:
        return None
    state = _syscall_of(pid, pid)
    if state is None:
        return None
    if state == 'running':
        return False
    return state[0] in _WAITING


def wait_idle(pid, within, interval=0.005, stable=0.02):
    """Wait until the main thread has been waiting (see main_thread_waiting) in the same system call for
    `stable` seconds: back at the head of its loop, not in the middle of a send, and not merely queued for
    the interpreter's lock for a moment. True once idle; False if it never was within `within` seconds;
    None when this machine cannot tell (the caller decides what to do then)."""
    if _WAITING is None or _syscall_of(pid, pid) is None:
        return None
    end = time.monotonic() + within
    since, seen = None, None
    while True:
        state = _syscall_of(pid, pid)
        now = time.monotonic()
        if state is None:
            return None                          # the process is gone
        waiting = state != 'running' and state[0] in _WAITING
        if waiting and seen == state[0]:
            if now - since >= stable:
                return True
        elif waiting:
            since, seen = now, state[0]
        else:
            since, seen = None, None
        if now >= end:
            return False
        time.sleep(interval)


def wait_process_idle(pid, within, interval=0.005, stable=0.02):
    """Like wait_idle, for every thread of the process: all of them waiting, unchanged, for `stable`
    seconds (a server that has handled everything it was sent). True, False, or None (cannot tell)."""
    if _WAITING is None or _syscall_of(pid, pid) is None:
        return None
    end = time.monotonic() + within
    since, seen = None, None
    while True:
        try:
            tasks = sorted(os.listdir('/proc/{}/task'.format(pid)))
        except OSError:
            return None
        states = tuple(_syscall_of(pid, task) for task in tasks)
        now = time.monotonic()
        waiting = all(isinstance(state, tuple) and state[0] in _WAITING for state in states)
        signature = tuple(zip(tasks, (state[0] if isinstance(state, tuple) else state for state in states)))
        if waiting and seen == signature:
            if now - since >= stable:
                return True
        elif waiting:
            since, seen = now, signature
        else:
            since, seen = None, None
        if now >= end:
            return False
        time.sleep(interval)


def blocked_reading_stdin(pid):
    """True when a thread of process `pid` is blocked in read(0, ...); None when this machine cannot tell."""
    if _READ is None:
        return None
    try:
        tasks = os.listdir('/proc/{}/task'.format(pid))
    except OSError:
        return None
    for task in tasks:
        state = _syscall_of(pid, task)
        if isinstance(state, tuple) and state[0] == _READ and state[1] == '0x0':
            return True
    return False


def cpu_seconds(pid):
    """CPU time (user + system) the process has used so far, all threads; None if unknown."""
    try:
        with open('/proc/{}/stat'.format(pid)) as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError):
        pass
    try:
        import psutil
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    except Exception:  # psutil missing, or the process is gone
        return None


def _hex_address(address):
    host, port = address[0], address[1]
    packed = bytes(int(part) for part in host.split('.'))
    return '{:08X}:{:04X}'.format(int.from_bytes(packed, 'little'), port)


def unread_tcp_bytes(local, remote):
    """Bytes that arrived at the TCP socket bound to `local` and connected to `remote` (IPv4 (host, port)
    pairs) and that its owner has not read yet: 0 when there is no such socket (any more: nobody will
    read), None when this machine cannot tell. Asks the kernel for that one socket (sock_diag netlink,
    ~20 us); else reads /proc/net/tcp (milliseconds when many connections linger in TIME_WAIT)."""
    unread = _diag_unread(local, remote)
    return unread if unread is not _UNKNOWN else _proc_unread(local, remote)


_UNKNOWN = object()
_NETLINK_SOCK_DIAG, _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, _NLMSG_ERROR = 4, 20, 1, 2
_NOCOOKIE = 0xFFFFFFFF


def _diag_unread(local, remote):
    if not hasattr(socket, 'AF_NETLINK'):
        return _UNKNOWN
    try:
        sockid = (struct.pack('!HH', local[1], remote[1]) + socket.inet_aton(local[0]) + bytes(12) +
                  socket.inet_aton(remote[0]) + bytes(12) + struct.pack('=III', 0, _NOCOOKIE, _NOCOOKIE))
        request = struct.pack('=BBBBI', socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF) + sockid
        header = struct.pack('=IHHII', 16 + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0)
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as diag:
            diag.settimeout(1.0)
            diag.send(header + request)
            reply = diag.recv(65536)
        _, kind = struct.unpack_from('=IH', reply, 0)
        if kind == _NLMSG_ERROR:
            error, = struct.unpack_from('=i', reply, 16)
            return 0 if error == -errno.ENOENT else _UNKNOWN
        if kind != _SOCK_DIAG_BY_FAMILY:
            return _UNKNOWN
        # inet_diag_msg: family, state, timer, retrans (4 bytes), the socket id (48), expires, rqueue, ...
        rqueue, = struct.unpack_from('=I', reply, 16 + 4 + 48 + 4)
        return rqueue
    except (OSError, struct.error, ValueError):
        return _UNKNOWN


def _proc_unread(local, remote):
    key = (_hex_address(local), _hex_address(remote))
    try:
        with open('/proc/net/tcp') as table:
            next(table, None)
            for line in table:
                fields = line.split()
                if len(fields) > 4 and (fields[1], fields[2]) == key:
                    return int(fields[4].split(':')[1], 16)
    except (OSError, ValueError, IndexError):
        return None
    return 0


def wait_consumed(local, remote, within, interval=0.002):
    """Wait until the owner of the socket (local, remote) has read everything sent to it. True once it
    has, False if it had not within `within` seconds, None when this machine cannot tell."""
    end = time.monotonic() + within
    while True:
        unread = unread_tcp_bytes(local, remote)
        if unread is None:
            return None
        if unread == 0:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(interval)
