"""Proof of fault tcp_exit_case_insensitive (ServerTCP): 'Exit' typed as chat is not in the obvious test.

python3 proofs/tcp_exit_case_insensitive.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_relay(m, 'Exit')


c.main(scenario)
