"""Loopback smoke test of a chatroom.py (default: the one beside this file; or the path in argv[1]).

Servers run in this process (their run() in a thread); clients are real ClientTCP/ClientUDP objects whose
run() runs in child processes with stdin piped. For each protocol: two members join, a taken name is
refused, chat goes both ways, a third member joins and leaves by typing 'exit', and the server shuts down
(TCP: run_event.set(); UDP: shutdown()), after which every client's run() returns with no further input.
127.0.0.1 only (socket.gethostbyname is forced to return it, in the children too). Every wait has a
deadline. Exit 0 when everything held, 1 otherwise.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'proofs'))
import _common as c  # noqa: E402

T = 5.0  # deadline of each wait


def say(line):
    c._real_stdout.write(line + '\n')
    c._real_stdout.flush()


def check(cond, what):
    if not cond:
        say('FAIL: ' + what)
        c.kill_children()
        os._exit(1)
    say('  ok  ' + what)


def members(server, n):
    return c.wait_state(lambda: server.get_clients_number() == n, T)


def room(path, mod, proto):
    server_cls, client_cls = 'Server' + proto, 'Client' + proto
    port = c.free_port()
    server, runner = c.start_server(mod, server_cls, port)
    say('{} on port {}'.format(proto, port))

    alice = c.Child(path, client_cls, 'alice', port)
    check(members(server, 1), proto + ': alice joined (1 member)')
    bob = c.Child(path, client_cls, 'bob', port)
    check(members(server, 2), proto + ': bob joined (2 members)')
    check(alice.shows('User bob joined', T), proto + ": alice sees 'User bob joined'")

    again = c.Child(path, client_cls, 'alice', port)
    check(again.returned(T), proto + ': a second alice is refused and its run() returns')
    check(server.get_clients_number() == 2, proto + ': still 2 members after the refusal')

    alice.type('hello bob')
    check(bob.shows('alice: hello bob', T) or (proto == 'UDP' and bob.shows('alice:hello bob', 0.1)),
          proto + ': bob sees alice\'s line')
    bob.type('hi alice')
    check(alice.shows('bob: hi alice', T) or (proto == 'UDP' and alice.shows('bob:hi alice', 0.1)),
          proto + ': alice sees bob\'s line')

    carol = c.Child(path, client_cls, 'carol', port)
    check(members(server, 3), proto + ': carol joined (3 members)')
    check(alice.shows('User carol joined', T) and bob.shows('User carol joined', T),
          proto + ": alice and bob see 'User carol joined'")
    carol.type('exit')
    check(alice.shows('User carol left', T) and bob.shows('User carol left', T),
          proto + ": alice and bob see 'User carol left'")
    check(carol.returned(T), proto + ": carol's run() returned after 'exit'")
    check(members(server, 2), proto + ': 2 members after carol left')

    if proto == 'TCP':
        server.run_event.set()
    else:
        server.shutdown()
    runner.join(T)
    check(not runner.is_alive(), proto + ': the server\'s run() returned')
    for who in (alice, bob):
        check(who.returned(T), proto + ": {}'s run() returned after 'server-shutdown' with no more input"
              .format(who.name))
        check(who.events() == (True, True), proto + ': {} has exit_run and exit_receive set'.format(who.name))
    c.kill_children()


def smoke():
    path = c.target()
    mod = c.load(path)
    say('smoke test of ' + path)
    room(path, mod, 'TCP')
    room(path, mod, 'UDP')
    say('smoke: all held')
    c.kill_children()
    os._exit(0)


if __name__ == '__main__':
    import threading
    timer = threading.Timer(90, lambda: (say('FAIL: smoke watchdog (90 s)'), c.kill_children(), os._exit(1)))
    timer.daemon = True
    timer.start()
    smoke()
