"""Proof of fault udp_close_unknown_true (ServerUDP): close_client only meets members on the obvious path.

python3 proofs/udp_close_unknown_true.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_close_unknown(m)


c.main(scenario)
