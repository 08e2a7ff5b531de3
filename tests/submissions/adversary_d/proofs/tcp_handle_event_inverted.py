"""Proof of fault tcp_handle_event_inverted (ServerTCP): the room behaves the same; only the event states are inverted.

python3 proofs/tcp_handle_event_inverted.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_events(m)


c.main(scenario)
