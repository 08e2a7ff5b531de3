"""Proof of fault cudp_exit_receive_not_set (ClientUDP): receive() still leaves its loop.

python3 proofs/cudp_exit_receive_not_set.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_shutdown_events(m, 'ClientUDP')


c.main(scenario)
