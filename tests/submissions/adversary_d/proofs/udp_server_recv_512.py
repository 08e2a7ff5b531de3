"""Proof of fault udp_server_recv_512 (ServerUDP): short datagrams fit in 512 bytes.

python3 proofs/udp_server_recv_512.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_relay(m, [('alice', 'alice:long ' + 'z' * 900)], 'bob', ['alice: long ' + 'z' * 900, 'alice:long ' + 'z' * 900])


c.main(scenario)
