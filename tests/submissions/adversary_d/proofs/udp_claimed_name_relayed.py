"""Proof of fault udp_claimed_name_relayed (ServerUDP): every real client claims its own name.

python3 proofs/udp_claimed_name_relayed.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_relay(m, [('bob', 'alice:hi')], 'alice', ['bob: hi', 'alice:hi'])


c.main(scenario)
