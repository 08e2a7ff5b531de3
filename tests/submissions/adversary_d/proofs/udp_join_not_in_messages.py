"""Proof of fault udp_join_not_in_messages (ServerUDP): the others still receive the join; only the messages list lacks it.

python3 proofs/udp_join_not_in_messages.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_join_stored(m)


c.main(scenario)
