"""Proof of fault udp_name_checked_in_keys (ServerUDP): the keys are addresses; only a duplicate name shows it.

python3 proofs/udp_name_checked_in_keys.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_join_reply(m, ['alice', 'bob'], 'alice', 'Name already taken')


c.main(scenario)
