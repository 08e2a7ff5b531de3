"""Proof of fault udp_stranger_relayed (ServerUDP): only a datagram from an address that never joined shows it.

python3 proofs/udp_stranger_relayed.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_relay(m, [('stranger', 'alice:hi'), ('alice', 'alice:ping')], 'bob', ['alice: ping', 'alice:ping'])


c.main(scenario)
