"""Proof of fault ctcp_connect_any_reply (ClientTCP): with distinct names every reply is Welcome.

python3 proofs/ctcp_connect_any_reply.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_refused(m, 'ClientTCP')


c.main(scenario)
