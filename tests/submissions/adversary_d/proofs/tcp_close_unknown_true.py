"""Proof of fault tcp_close_unknown_true (ServerTCP): close_client is only ever called on members on the obvious path.

python3 proofs/tcp_close_unknown_true.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_close_unknown(m)


c.main(scenario)
