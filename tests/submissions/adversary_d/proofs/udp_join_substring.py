"""Proof of fault udp_join_substring (ServerUDP): no chat line contains 'join' on the obvious path.

python3 proofs/udp_join_substring.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_relay(m, [('alice', 'alice:I will join later')], 'bob', ['alice: I will join later', 'alice:I will join later'])


c.main(scenario)
