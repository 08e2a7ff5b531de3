"""Proof of fault udp_chat_split_on_every_colon (ServerUDP): a short chat line like 'hello' has no colon.

python3 proofs/udp_chat_split_on_every_colon.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_relay(m, [('alice', 'alice:meet at 10:30')], 'bob', ['alice: meet at 10:30', 'alice:meet at 10:30'])


c.main(scenario)
