"""ServerUDP of the reference chatroom.py, driven by raw UDP peers (harness.peers).

Clients send '{name}:{text}'; the server relays chat as '{name}: {text}'. A negative check ("x never
reaches y") is made after a later datagram to y that the server sends after the point where it would have
sent x (one socket to one socket on loopback keeps its order); where there is none, a short quiet window.
"""

import socket
import threading

import chatroom
from harness.peers import wait_until


def wait_for_count(server, count, within=2.0):
    wait_until(lambda: server.get_clients_number() == count, within,
               'get_clients_number() == {} (it is {})'.format(count, server.get_clients_number()))


def test_init_binds_and_sets_up_state():
    server = chatroom.ServerUDP(0)
    try:
        assert server.server_port == server.server_socket.getsockname()[1] != 0
        assert server.server_socket.type == socket.SOCK_DGRAM
        assert isinstance(server.clients, dict) and server.clients == {}
        assert isinstance(server.messages, list) and server.messages == []
        assert server.get_clients_number() == 0
    finally:
        server.shutdown()


def test_join_is_welcomed_and_announced_to_the_others_only(udp_server):
    server = udp_server.server
    alice = udp_server.join('alice')
    assert alice.datagrams == ['Welcome']
    bob = udp_server.join('bob')
    assert bob.datagrams == ['Welcome']
    alice.expect('User bob joined')
    udp_server.join('carol')
    alice.expect('User carol joined')
    bob.expect('User carol joined')
    assert 'User bob joined' not in bob.datagrams   # it would have come before 'User carol joined'
    assert server.clients == {alice.address: 'alice', bob.address: 'bob',
                              udp_server.peers[-1].address: 'carol'}
    assert server.get_clients_number() == 3


def test_duplicate_name_is_refused_and_first_holder_keeps_working(udp_server):
    server = udp_server.server
    alice = udp_server.join('alice')
    impostor = udp_server.udp_peer('alice')
    impostor.say('join')
    impostor.expect('Name already taken')
    assert server.get_clients_number() == 1
    assert server.clients == {alice.address: 'alice'}

    bob = udp_server.join('bob')
    alice.expect('User bob joined')
    alice.say('still the real alice')
    bob.expect('alice: still the real alice')
    bob.say('hello alice')
    alice.expect('bob: hello alice')
    assert impostor.datagrams == ['Name already taken']


def test_chat_is_relayed_to_the_others_and_not_to_the_sender(udp_server):
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    carol = udp_server.join('carol')
    alice.expect('User bob joined')
    alice.expect('User carol joined')
    bob.expect('User carol joined')

    alice.say('hello room')
    bob.expect('alice: hello room')
    carol.expect('alice: hello room')
    alice.expect_silence('hello room')


def test_join_and_exit_inside_a_text_are_chat(udp_server):
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    alice.expect('User bob joined')
    alice.say('I will join later')
    bob.expect('alice: I will join later')
    alice.say('exit stage left')
    bob.expect('alice: exit stage left')
    assert udp_server.server.get_clients_number() == 2


def test_exit_announces_the_departure_and_drops_the_count(udp_server):
    server = udp_server.server
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    alice.expect('User bob joined')
    bob.say('exit')
    alice.expect('User bob left')
    wait_for_count(server, 1)
    assert server.clients == {alice.address: 'alice'}
    alice.say('after bob left')                    # bob is no longer relayed to
    carol = udp_server.join('carol')
    alice.expect('User carol joined')
    carol.say('marker')
    alice.expect('carol: marker')
    assert bob.read_for(0.05) == []
    assert 'User bob left' not in bob.datagrams


def test_datagrams_from_strangers_are_ignored(udp_server):
    server = udp_server.server
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    alice.expect('User bob joined')
    kept = len(server.messages)

    stranger = udp_server.udp_peer('eve')
    stranger.say('hello, anyone?')
    stranger.send_raw('no separator at all')
    stranger.send_raw(b'\xff\xfe:\x80')
    stranger.say('exit')
    bob.say('marker')                             # handled after everything the stranger sent
    alice.expect('bob: marker')
    assert alice.datagrams[1:] == ['User bob joined', 'bob: marker']
    assert server.get_clients_number() == 2
    assert all(addr != stranger.address for addr, _ in server.messages[kept:])
    assert stranger.read_for(0.05) == []
    assert udp_server.thread.is_alive()


def test_messages_hold_address_and_text_tuples(udp_server):
    server = udp_server.server
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    alice.expect('User bob joined')
    alice.say('hi')
    bob.expect('alice: hi')

    assert all(isinstance(entry, tuple) and len(entry) == 2 for entry in server.messages)
    assert (alice.address, 'User alice joined') in server.messages
    assert (bob.address, 'User bob joined') in server.messages
    assert server.messages[-1] in [(alice.address, 'alice: hi'), (alice.address, 'hi')]


def test_broadcast_sends_only_the_most_recent_message(udp_server):
    server = udp_server.server
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    carol = udp_server.join('carol')
    alice.expect('User bob joined')
    alice.expect('User carol joined')
    bob.expect('User carol joined')

    server.messages.append((alice.address, 'first'))
    server.messages.append((alice.address, 'second'))
    server.broadcast()
    server.messages.append((bob.address, 'marker'))
    server.broadcast()
    bob.expect('second')
    carol.expect('second')
    carol.expect('marker')
    alice.expect('marker')
    for peer in (alice, bob, carol):
        assert 'first' not in peer.datagrams
    assert 'second' not in alice.datagrams       # the sender of 'second' is alice
    assert 'marker' not in bob.read_for(0.05)


def test_run_event_stops_run_and_shutdown_notifies_every_joined_client(udp_server, record_property):
    alice = udp_server.join('alice')
    bob = udp_server.join('bob')
    alice.expect('User bob joined')
    seconds = udp_server.stop(within=2.0)
    record_property('run_returned_after_seconds', round(seconds, 3))
    alice.expect('server-shutdown')
    bob.expect('server-shutdown')
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind((udp_server.host, udp_server.port))  # the port is free again
    finally:
        probe.close()


def test_shutdown_twice_is_harmless(udp_server):
    server = udp_server.server
    alice = udp_server.join('alice')
    server.shutdown()
    server.shutdown()
    alice.expect('server-shutdown')
    udp_server.stop()
    server.shutdown()
    assert alice.read_for(0.05).count('server-shutdown') == 0


def test_many_clients_joining_at_once_all_hear_one(udp_server):
    count = 50
    barrier = threading.Barrier(count)
    peers = [udp_server.udp_peer('c{:02d}'.format(i)) for i in range(count)]

    def join(peer):
        barrier.wait(timeout=10)
        peer.say('join')

    threads = [threading.Thread(target=join, args=(peer,)) for peer in peers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    for peer in peers:
        peer.expect('Welcome', within=5.0)
    assert udp_server.server.get_clients_number() == count
    peers[0].say('hello from c00')
    for peer in peers[1:]:
        peer.expect_after(('c00: hello from c00',), within=5.0)    # after the others' joins
